"""Plan arithmetic that needs no database: windows that overlap, and how late a planned inspection is.

"Late" counts working days (the Vietnamese calendar of domain.deadlines), so a window ending on a
Friday before a holiday is not overdue until the next working day has passed.
"""
from __future__ import annotations

import datetime as dt
from typing import Protocol


class Calendar(Protocol):
    def is_working_day(self, d: dt.date) -> bool: ...


def overlaps(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> bool:
    """Two inclusive date windows share at least one day."""
    return a[0] <= b[1] and b[0] <= a[1]


def working_days_late(window_end: dt.date, today: dt.date, calendar: Calendar) -> int:
    """Working days after the window's last day, up to and including today; 0 while the window is open."""
    if today <= window_end:
        return 0
    days, day = 0, window_end + dt.timedelta(days=1)
    while day <= today:
        days += calendar.is_working_day(day)
        day += dt.timedelta(days=1)
    return days


def month_weeks(year: int, month: int) -> list[list[dt.date]]:
    """The weeks (Monday first) that a month's calendar page shows, days of the neighbouring months included."""
    first = dt.date(year, month, 1)
    start = first - dt.timedelta(days=first.weekday())
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    weeks = []
    while start < following:
        weeks.append([start + dt.timedelta(days=n) for n in range(7)])
        start += dt.timedelta(days=7)
    return weeks


def week_of(day: dt.date) -> list[dt.date]:
    """Monday to Sunday of the week holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return [monday + dt.timedelta(days=n) for n in range(7)]

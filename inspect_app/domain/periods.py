"""Periods in force: a start day and an optional last day, both inclusive."""
from __future__ import annotations

import datetime as dt

Period = tuple[dt.date, dt.date | None]


def in_force(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def uncovered_days(periods: list[Period], start: dt.date,
                   end: dt.date | None) -> Period | None:
    """The first stretch of [start, end] that none of `periods` covers, or None if all of it is covered."""
    day = start
    for begin, finish in sorted(periods, key=lambda p: p[0]):
        if end is not None and day > end:
            return None
        if begin > day:
            break
        if finish is None:
            return None
        day = max(day, finish + dt.timedelta(days=1))
    if end is not None and day > end:
        return None
    later = [begin for begin, _ in periods if begin > day]
    gap_end = min(later) - dt.timedelta(days=1) if later else end
    if end is not None and gap_end is not None:
        gap_end = min(gap_end, end)
    return day, gap_end

"""Remediation deadlines (hạn khắc phục): working-day calendar and deadline policies.

Pure domain code: standard library, ``holidays`` and PyYAML only, so the rule
engine can compute deadlines without a web framework or database.

Notation (see the "Deadlines" legend in the criteria spec):

* ``10wd``       N working days after the inspection date (Sat, Sun, public holidays skipped)
* ``30d``        N calendar days after; moved forward to the next working day if needed
* ``31/12``      that day/month of the inspection year, never moved off weekends
* ``2020-05-30`` that literal date, never moved off weekends
* ``none``       no deadline

A year-anchored or literal date earlier than the inspection date falls back to ``10wd``.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import holidays
import yaml

__all__ = [
    "CalendarError",
    "CalendarDays",
    "DEFAULT_CALENDAR_PATH",
    "DayOfInspectionYear",
    "DeadlinePolicy",
    "FALLBACK_POLICY",
    "FixedDate",
    "MAX_DAYS",
    "NoDeadline",
    "POLICY_KINDS",
    "WorkingCalendar",
    "WorkingDays",
]

# rules/calendar.yaml at the project root; the app may pass another path.
DEFAULT_CALENDAR_PATH = Path(__file__).resolve().parents[2] / "rules" / "calendar.yaml"

# Upper bound for N in Nwd / Nd: catches typos such as "3000wd" meant as "30wd"
# and keeps the calendar from expanding over centuries.
MAX_DAYS = 3650


# --------------------------------------------------------------------------- calendar


class CalendarError(ValueError):
    """Invalid calendar data; carries every problem so an admin can fix them in one pass."""

    def __init__(self, problems: list[str], path: str | Path | None = None) -> None:
        self.problems = list(problems)
        self.path = str(path) if path is not None else None
        where = f"Tệp lịch ngày nghỉ '{self.path}'" if self.path else "Lịch ngày nghỉ"
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{where} có {len(self.problems)} lỗi:\n{lines}")


class _YearInfo(NamedTuple):
    """Precomputed facts for one year; built once, then only read."""

    working: list[int]  # sorted ordinals of working days, for bisect
    working_set: frozenset[int]  # same ordinals, for O(1) membership
    names: dict[int, str]  # ordinal -> name of holidays that are days off


class WorkingCalendar:
    """Vietnamese working-day calendar: package holidays plus administrator overrides.

    Source of truth is ``holidays.country_holidays('VN', language='vi')`` (lunar Tết,
    Giỗ Tổ, observed days, and swapped Saturdays via ``weekend_workdays``). The extra
    dicts override the package: a date in ``extra_working_days`` is always a working
    day and a date in ``extra_days_off`` never is, so an admin can also correct the
    package. Results are cached per year because deadlines are on a hot path.

    Years after ``confirmed_through`` are provisional: their Tết and swapped days have not been
    announced yet, so the package's rule-based dates stand in and deadlines there may move.
    """

    def __init__(
        self,
        extra_days_off: Mapping[date, str] | None = None,
        extra_working_days: Mapping[date, str] | None = None,
        confirmed_through: int | None = None,
    ) -> None:
        days_off = dict(extra_days_off or {})
        working_days = dict(extra_working_days or {})
        problems = _check_extra_days("days_off", days_off) + _check_extra_days(
            "working_days", working_days
        )
        for d in sorted(days_off.keys() & working_days.keys()):
            problems.append(f"ngày {d.isoformat()} có trong cả days_off và working_days")
        if problems:
            raise CalendarError(problems)
        self._extra_days_off = days_off
        self._extra_working_days = working_days
        self.confirmed_through = confirmed_through
        self._holidays = holidays.country_holidays("VN", language="vi")
        self._years: dict[int, _YearInfo] = {}
        # Expanding the holidays object mutates it; guard cache misses only.
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str | Path = DEFAULT_CALENDAR_PATH) -> WorkingCalendar:
        """Build a calendar from rules/calendar.yaml; raise CalendarError listing every problem."""
        days_off, working_days, confirmed_through = _load_calendar_file(Path(path))
        return cls(extra_days_off=days_off, extra_working_days=working_days, confirmed_through=confirmed_through)

    @property
    def extra_days_off(self) -> dict[date, str]:
        """Copy of the administrator's extra days off (read-only view for display)."""
        return dict(self._extra_days_off)

    @property
    def extra_working_days(self) -> dict[date, str]:
        """Copy of the administrator's extra working days (read-only view for display)."""
        return dict(self._extra_working_days)

    # -- queries

    def is_provisional(self, d: date) -> bool:
        """True if ``d`` falls in a year whose days off have not been announced yet."""
        return self.confirmed_through is not None and _as_date(d).year > self.confirmed_through

    def is_working_day(self, d: date) -> bool:
        """True if offices work on ``d``."""
        d = _as_date(d)
        return d.toordinal() in self._year(d.year).working_set

    def holiday_name(self, d: date) -> str | None:
        """Vietnamese name of the holiday that makes ``d`` a day off; None for plain weekends/workdays."""
        d = _as_date(d)
        return self._year(d.year).names.get(d.toordinal())

    def add_working_days(self, start: date, n: int) -> date:
        """Return the n-th working day strictly after ``start`` (n >= 1)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"Số ngày làm việc phải là số nguyên dương, nhận được: {n!r}")
        start = _as_date(start)
        year = start.year
        days = self._year(year).working
        i = bisect_right(days, start.toordinal()) + n - 1
        while i >= len(days):
            i -= len(days)
            year += 1
            days = self._year(year).working
        return date.fromordinal(days[i])

    def next_working_day_on_or_after(self, d: date) -> date:
        """Return ``d`` if it is a working day, else the first working day after it."""
        d = _as_date(d)
        year = d.year
        days = self._year(year).working
        i = bisect_left(days, d.toordinal())
        while i >= len(days):
            i -= len(days)
            year += 1
            days = self._year(year).working
        return date.fromordinal(days[i])

    # -- cache

    def _year(self, year: int) -> _YearInfo:
        info = self._years.get(year)
        if info is None:
            with self._lock:
                info = self._years.get(year)
                if info is None:
                    info = self._build_year(year)
                    self._years[year] = info
        return info

    def _build_year(self, year: int) -> _YearInfo:
        """Compute one year's working days from the package plus overrides."""
        h = self._holidays
        # Neighbouring years too: a swap decided in one year may move a Saturday
        # in the next (e.g. the package's 2018 entry makes 2019-01-05 a workday).
        for y in (year - 1, year, year + 1):
            if 1 <= y <= 9999 and y not in h.years:
                h.get(date(y, 1, 1))  # expands the object for year y
        package_off = {d: name for d, name in h.items() if d.year == year}
        weekend_workdays = {d for d in h.weekend_workdays if d.year == year}

        working: list[int] = []
        names: dict[int, str] = {}
        d = date(year, 1, 1)
        one_day = timedelta(days=1)
        while d.year == year:
            if d in self._extra_working_days:
                is_working = True
            elif d in self._extra_days_off:
                is_working = False
                names[d.toordinal()] = self._extra_days_off[d]
            elif d in package_off:
                is_working = False
                names[d.toordinal()] = package_off[d]
            else:
                is_working = d.weekday() < 5 or d in weekend_workdays
            if is_working:
                working.append(d.toordinal())
            if d.month == 12 and d.day == 31:
                break
            d += one_day
        return _YearInfo(working, frozenset(working), names)


def _as_date(d: date) -> date:
    """Accept datetimes too, since comparing date with datetime raises TypeError."""
    if isinstance(d, datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"Cần một ngày (date), nhận được: {d!r}")
    return d


def _check_extra_days(label: str, days: Mapping[Any, Any]) -> list[str]:
    """Validate constructor input so bad programmatic data fails as loudly as a bad file."""
    problems = []
    for d, name in days.items():
        if not isinstance(d, date) or isinstance(d, datetime):
            problems.append(f"{label}: {d!r} không phải là một ngày (date)")
        elif not isinstance(name, str) or not name.strip():
            problems.append(f"{label}: ngày {d.isoformat()} thiếu tên")
    return problems


class _NoTimestampLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings, so a bad date is reported instead of crashing."""


_NoTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_CALENDAR_KEYS = ("days_off", "working_days")
_FILE_KEYS = ("confirmed_through", *_CALENDAR_KEYS)
_ENTRY_KEYS = ("date", "name", "source")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _load_calendar_file(path: Path) -> tuple[dict[date, str], dict[date, str], int | None]:
    """Parse and validate the calendar file, collecting every problem before raising."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarError([f"không đọc được tệp: {exc}"], path) from exc
    try:
        data = yaml.load(text, Loader=_NoTimestampLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise CalendarError([f"cú pháp YAML không hợp lệ: {exc}"], path) from exc

    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CalendarError(
            ["nội dung tệp phải là một bảng với các khóa confirmed_through, days_off và working_days"], path
        )

    problems: list[str] = []
    for key in data:
        if key not in _FILE_KEYS:
            problems.append(
                f"khóa không được hỗ trợ: '{key}' (chỉ dùng confirmed_through, days_off và working_days)"
            )
    confirmed_through = data.get("confirmed_through")
    if isinstance(confirmed_through, bool) or not isinstance(confirmed_through, int) or not 1900 <= confirmed_through <= 9999:
        problems.append("confirmed_through phải là năm cuối cùng đã có thông báo lịch nghỉ chính thức (ví dụ 2026)")
        confirmed_through = None

    lists: dict[str, dict[date, str]] = {}
    for key in _CALENDAR_KEYS:
        lists[key] = _parse_entries(key, data.get(key), problems)

    for d in sorted(lists["days_off"].keys() & lists["working_days"].keys()):
        problems.append(f"ngày {d.isoformat()} có trong cả days_off và working_days")

    if problems:
        raise CalendarError(problems, path)
    return lists["days_off"], lists["working_days"], confirmed_through


def _parse_entries(key: str, raw: Any, problems: list[str]) -> dict[date, str]:
    """Turn one list of {date, name, source} entries into a dict, appending problems as found."""
    result: dict[date, str] = {}
    if raw is None:
        return result
    if not isinstance(raw, list):
        problems.append(f"{key} phải là một danh sách các mục gồm date, name và source")
        return result
    for index, entry in enumerate(raw, start=1):
        where = f"{key}, mục {index}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: phải có dạng {{date: YYYY-MM-DD, name: \"…\", source: \"…\"}}")
            continue
        for extra_key in entry:
            if extra_key not in _ENTRY_KEYS:
                problems.append(
                    f"{where}: khóa không được hỗ trợ '{extra_key}' (chỉ dùng date, name và source)"
                )
        day = None
        raw_date = entry.get("date")
        if raw_date is None:
            problems.append(f"{where}: thiếu ngày (date)")
        else:
            day = _parse_iso_date(str(raw_date))
            if day is None:
                problems.append(
                    f"{where}: ngày '{raw_date}' không hợp lệ (cần định dạng YYYY-MM-DD)"
                )
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            label = f"ngày {day.isoformat()}" if day else "mục này"
            problems.append(f"{where}: thiếu tên (name) cho {label}")
            name = None
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            label = f"ngày {day.isoformat()}" if day else "mục này"
            problems.append(f"{where}: thiếu nguồn (source: văn bản thông báo và nơi đã đối chiếu) cho {label}")
        if day is not None:
            if day in result:
                problems.append(f"{where}: ngày {day.isoformat()} bị ghi trùng trong {key}")
            else:
                # Kept even without a name so the both-lists check still sees it;
                # the file is rejected anyway when any problem exists.
                result[day] = name.strip() if name else ""
    return result


def _parse_iso_date(text: str) -> date | None:
    """Strict YYYY-MM-DD; fromisoformat alone also accepts forms like 20200530."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------- policies

# Registry of policy kinds, tried in insertion order by DeadlinePolicy.parse.
# Adding a kind = one decorated class with a ``from_text`` classmethod.
POLICY_KINDS: dict[str, type[DeadlinePolicy]] = {}

_FORMS_HINT = (
    "Cách ghi hợp lệ: 10wd (10 ngày làm việc), 30d (30 ngày), "
    "31/12 (ngày/tháng trong năm kiểm tra), 2020-05-30 (một ngày cụ thể) "
    "hoặc none (không có hạn)."
)


def _register(kind: str) -> Callable[[type[DeadlinePolicy]], type[DeadlinePolicy]]:
    def decorator(cls: type[DeadlinePolicy]) -> type[DeadlinePolicy]:
        if kind in POLICY_KINDS:
            raise RuntimeError(f"duplicate deadline policy kind: {kind}")
        cls.kind = kind
        POLICY_KINDS[kind] = cls
        return cls

    return decorator


def _invalid(text: str, reason: str | None = None) -> ValueError:
    detail = reason if reason else _FORMS_HINT
    return ValueError(f"Hạn khắc phục không hợp lệ: '{text}' — {detail}")


def _day_count(text: str, digits: str) -> int:
    """Range-check N; leading zeros are refused so str(policy) always gives back the input."""
    n = int(digits)
    if not 1 <= n <= MAX_DAYS or digits != str(n):
        raise _invalid(text, f"số ngày phải là số nguyên từ 1 đến {MAX_DAYS}, không có số 0 ở đầu.")
    return n


@dataclass(frozen=True)
class DeadlinePolicy(ABC):
    """How a finding's remediation deadline follows from the inspection date."""

    kind: ClassVar[str]

    @classmethod
    def parse(cls, text: str | date) -> DeadlinePolicy:
        """Parse the rule-file notation; raise ValueError (Vietnamese) naming the bad text.

        A ``date`` is accepted too because YAML turns an unquoted 2020-05-30 into one.
        """
        if isinstance(text, date) and not isinstance(text, datetime):
            return FixedDate(text)
        if not isinstance(text, str):
            raise _invalid(str(text))
        for kind_cls in POLICY_KINDS.values():
            policy = kind_cls.from_text(text)
            if policy is not None:
                return policy
        raise _invalid(text)

    @classmethod
    @abstractmethod
    def from_text(cls, text: str) -> DeadlinePolicy | None:
        """Return a policy if ``text`` is this kind, None if not; raise if it is this kind but invalid."""

    @abstractmethod
    def due(self, inspection_date: date, calendar: WorkingCalendar) -> date | None:
        """Deadline for an inspection held on ``inspection_date``."""

    @abstractmethod
    def describe(self) -> str:
        """Vietnamese description for screens and reports."""

    @abstractmethod
    def __str__(self) -> str:
        """The notation, so a policy round-trips through rule files."""


@_register("none")
@dataclass(frozen=True)
class NoDeadline(DeadlinePolicy):
    """No remediation deadline (e.g. informational items)."""

    @classmethod
    def from_text(cls, text: str) -> NoDeadline | None:
        return cls() if text == "none" else None

    def due(self, inspection_date: date, calendar: WorkingCalendar) -> None:
        return None

    def describe(self) -> str:
        return "không có hạn"

    def __str__(self) -> str:
        return "none"


@_register("working_days")
@dataclass(frozen=True)
class WorkingDays(DeadlinePolicy):
    """N working days counted from the day after the inspection."""

    days: int
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"([0-9]+)wd")

    @classmethod
    def from_text(cls, text: str) -> WorkingDays | None:
        m = cls._PATTERN.fullmatch(text)
        return cls(_day_count(text, m.group(1))) if m else None

    def due(self, inspection_date: date, calendar: WorkingCalendar) -> date:
        return calendar.add_working_days(inspection_date, self.days)

    def describe(self) -> str:
        return f"{self.days} ngày làm việc"

    def __str__(self) -> str:
        return f"{self.days}wd"


@_register("calendar_days")
@dataclass(frozen=True)
class CalendarDays(DeadlinePolicy):
    """N calendar days after the inspection, moved forward onto a working day."""

    days: int
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"([0-9]+)d")

    @classmethod
    def from_text(cls, text: str) -> CalendarDays | None:
        m = cls._PATTERN.fullmatch(text)
        return cls(_day_count(text, m.group(1))) if m else None

    def due(self, inspection_date: date, calendar: WorkingCalendar) -> date:
        target = _as_date(inspection_date) + timedelta(days=self.days)
        return calendar.next_working_day_on_or_after(target)

    def describe(self) -> str:
        return f"{self.days} ngày"

    def __str__(self) -> str:
        return f"{self.days}d"


# Fallback when a year-anchored or literal date has already passed (spec: "becomes 10wd").
FALLBACK_POLICY = WorkingDays(10)


@_register("day_of_year")
@dataclass(frozen=True)
class DayOfInspectionYear(DeadlinePolicy):
    """A fixed day/month (e.g. 31/12) of the inspection year; not moved off weekends."""

    day: int
    month: int
    _PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"([0-9]{2})/([0-9]{2})")

    @classmethod
    def from_text(cls, text: str) -> DayOfInspectionYear | None:
        m = cls._PATTERN.fullmatch(text)
        if not m:
            return None
        day, month = int(m.group(1)), int(m.group(2))
        if (day, month) == (29, 2):
            # Only exists in leap years; refuse rather than guess 28/02 or 01/03.
            raise _invalid(text, "ngày 29/02 không có trong mọi năm; hãy dùng 28/02 hoặc 01/03.")
        try:
            date(2001, month, day)
        except ValueError:
            raise _invalid(text, f"không có ngày {day} tháng {month}.") from None
        return cls(day, month)

    def due(self, inspection_date: date, calendar: WorkingCalendar) -> date:
        inspection_date = _as_date(inspection_date)
        target = date(inspection_date.year, self.month, self.day)
        if target < inspection_date:
            return FALLBACK_POLICY.due(inspection_date, calendar)
        return target

    def describe(self) -> str:
        return f"{self.day:02d}/{self.month:02d} năm kiểm tra"

    def __str__(self) -> str:
        return f"{self.day:02d}/{self.month:02d}"


@_register("fixed_date")
@dataclass(frozen=True)
class FixedDate(DeadlinePolicy):
    """A literal calendar date; not moved off weekends."""

    on: date

    @classmethod
    def from_text(cls, text: str) -> FixedDate | None:
        if not _ISO_DATE.fullmatch(text):
            return None
        parsed = _parse_iso_date(text)
        if parsed is None:
            raise _invalid(text, "không có ngày này trong lịch (cần định dạng YYYY-MM-DD).")
        return cls(parsed)

    def due(self, inspection_date: date, calendar: WorkingCalendar) -> date:
        inspection_date = _as_date(inspection_date)
        if self.on < inspection_date:
            return FALLBACK_POLICY.due(inspection_date, calendar)
        return self.on

    def describe(self) -> str:
        return self.on.strftime("%d/%m/%Y")

    def __str__(self) -> str:
        return self.on.isoformat()

"""Checklists as plain data: items, their answer types and how an answer is validated.

Answer types are a registry (name -> class) so that a new kind of question is one class here
and one word in a checklist file, and the validator, the API and the UI all agree on it.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from .legal import Citation, basis_text
from .periods import in_force

YES, NO, NOT_APPLICABLE = "yes", "no", "na"
# The largest count any answer may hold when its item sets no maximum: the largest integer that every
# layer keeps exact (the tablets' JavaScript, SQLite's 64-bit integers, the rules engine). Beyond it SQLite
# stores a REAL and the answer no longer loads as an integer.
MAX_COUNT = 2**53 - 1
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The days a date answer may name: the commune's documents and disclosures, never year 1 or 9999, where
# the deadlines computed from them (a date plus days or months) would fall off the calendar.
FIRST_ANSWER_DAY, LAST_ANSWER_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


class AnswerError(ValueError):
    """An answer that does not fit its item; the message is Vietnamese and shown to users."""


def shown(value: Any) -> str:
    """A received value as the JSON the user sent, for error messages."""
    try:
        return json.dumps(value, ensure_ascii=False)[:80]
    except (TypeError, ValueError):
        return repr(value)[:80]


def grouped(number: int) -> str:
    """An integer with Vietnamese thousands separators: 1.234.567."""
    return f"{number:,}".replace(",", ".")


def nfc(text: str) -> str:
    """Normalise Vietnamese text so that composed and decomposed input compare equal."""
    return unicodedata.normalize("NFC", text)


def parse_iso_date(value: Any) -> dt.date:
    """Parse a strict YYYY-MM-DD string (what the JSON contract allows) or raise AnswerError."""
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise AnswerError(f"ngày không hợp lệ, cần dạng YYYY-MM-DD (nhận được: {shown(value)})")


VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")


def today_in_vietnam(now: dt.datetime | None = None) -> dt.date:
    """The calendar date in Hà Nội (UTC+7, no daylight saving), whatever the server's zone."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(VIETNAM).date()


def day_in_vietnam(moment: dt.datetime) -> dt.date:
    """The calendar date in Hà Nội of a timestamp; a naive one is a stored UTC time."""
    return moment.replace(tzinfo=moment.tzinfo or dt.timezone.utc).astimezone(VIETNAM).date()


def format_vn_date(day: dt.date | None) -> str:
    """dd/mm/yyyy, the only date format Vietnamese officials read."""
    return day.strftime("%d/%m/%Y") if day else ""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Due:
    """When a dated act (a disclosure) was due: a number of days after another item's date, or after
    the end of the last reporting period (periods end with the months listed, e.g. quarters: 3, 6, 9, 12)."""

    kind: str  # after_item | after_period_end
    days: int
    item: str | None = None
    months: tuple[int, ...] = ()

    def due_date(self, inspection_date: dt.date, answers: dict[str, Any]) -> dt.date | None:
        if self.kind == "after_item":
            base = answers.get(self.item)
            return base + dt.timedelta(days=self.days) if isinstance(base, dt.date) else None
        return last_period_end_before(inspection_date, self.months) + dt.timedelta(days=self.days)


DUE_KINDS = ("after_item", "after_period_end")


def last_period_end_before(day: dt.date, months: tuple[int, ...]) -> dt.date:
    """The last day of the last reporting period (ending with one of `months`) that ended before `day`."""
    for year in (day.year, day.year - 1):
        for month in sorted(months, reverse=True):
            end = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1))
            if end < day:
                return end
    raise ValueError(f"no reporting period ends in months {months}")


@dataclass(frozen=True)
class Item:
    code: str
    dimension: str
    question: str
    type: str
    guidance: str
    na_allowed: bool = False
    required: bool = True
    evidence: bool = False
    input_only: bool = False
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    choices: tuple[Choice, ...] = ()
    part_of: str | None = None
    due: Due | None = None
    effective_from: dt.date | None = None  # an item that starts or ends within its checklist version
    effective_to: dt.date | None = None

    def in_force(self, day: dt.date) -> bool:
        return in_force(day, self.effective_from, self.effective_to)

    @property
    def answer_type(self) -> "AnswerType":
        return ANSWER_TYPES[self.type]

    def sample_answer(self, day: dt.date, villages: int) -> Any:
        """A valid answer for an inspection on `day` of a commune with `villages` (see AnswerType.sample)."""
        return villages if self.part_of == "villages" else self.answer_type.sample(self, day)

    def load(self, stored: Any) -> Any:
        """An answer stored after validation, back as a domain value: converted, not validated again."""
        if stored is None or stored == NOT_APPLICABLE:
            return stored
        return self.answer_type.from_json(stored)

    def validate(self, value: Any) -> Any:
        """Return the answer as a domain value (date, number, str) or raise AnswerError."""
        if value is None:
            return None
        if value == NOT_APPLICABLE and self.type != "text":
            if not self.na_allowed:
                raise AnswerError('không được chọn "Không áp dụng" cho tiêu chí này')
            return NOT_APPLICABLE
        return self.answer_type.parse(self, value)

    def display(self, value: Any) -> str:
        """The answer in words, as the minutes and the UI print it."""
        if value is None:
            return "Chưa có thông tin" if self.required else "Chưa thực hiện"
        if value == NOT_APPLICABLE:
            return "Không áp dụng"
        return self.answer_type.display(self, value)


class AnswerType:
    """How one kind of answer is parsed from JSON, shown in words and turned into a rule fact."""

    name: ClassVar[str]

    def parse(self, item: Item, value: Any) -> Any:
        raise NotImplementedError

    def sample(self, item: Item, day: dt.date) -> Any:
        """A valid answer (JSON form) from the item's type and limits alone, for demo data, sample minutes and
        test fixtures that know nothing else about the item; valid, not necessarily without a finding."""
        raise NotImplementedError

    def display(self, item: Item, value: Any) -> str:
        return str(value)

    def to_fact(self, value: Any) -> Any:
        return value

    def to_json(self, value: Any) -> Any:
        return value

    def from_json(self, stored: Any) -> Any:
        return stored


class YesNo(AnswerType):
    name = "yesno"

    def sample(self, item, day):
        return YES
    labels = {YES: "Có", NO: "Không"}

    def parse(self, item, value):
        if value in (YES, NO):
            return value
        allowed = '"yes", "no"' + (', "na"' if item.na_allowed else "")
        raise AnswerError(f"cần một trong các giá trị {allowed} (nhận được: {shown(value)})")

    def display(self, item, value):
        return self.labels[value]


class Integer(AnswerType):
    name = "int"

    def sample(self, item, day):
        return 0 if item.min is None else int(item.min)

    def parse(self, item, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswerError(f"cần một số nguyên (nhận được: {shown(value)})")
        low = 0 if item.min is None else int(item.min)
        high = MAX_COUNT if item.max is None else min(int(item.max), MAX_COUNT)
        if not low <= value <= high:  # an item without a maximum names it only when it is exceeded
            expected = f"≥ {grouped(low)}" if item.max is None and value < low else \
                f"từ {grouped(low)} đến {grouped(high)}"
            raise AnswerError(f"cần số nguyên {expected} (nhận được: {shown(value)})")
        return value

    def display(self, item, value):
        return grouped(value) + (f" {item.unit}" if item.unit and item.unit != "%" else "")


class Percent(AnswerType):
    name = "pct"

    def sample(self, item, day):
        return 100.0 if item.max is None else float(min(100, item.max))

    def parse(self, item, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AnswerError(f"cần một tỷ lệ phần trăm dạng số (nhận được: {shown(value)})")
        try:
            exact = Decimal(str(value))
        except InvalidOperation:
            raise AnswerError(f"tỷ lệ không hợp lệ (nhận được: {shown(value)})") from None
        if not exact.is_finite() or exact < 0 or exact > 100:
            raise AnswerError(f"tỷ lệ phải từ 0 đến 100 (nhận được: {value})")
        if exact != exact.quantize(Decimal("0.1")):
            raise AnswerError(f"tỷ lệ chỉ được có một chữ số thập phân (nhận được: {value})")
        return float(value)

    def display(self, item, value):
        text = f"{value:.1f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") + "%"


class Date(AnswerType):
    name = "date"

    def sample(self, item, day):
        return (day - dt.timedelta(days=1)).isoformat()

    def parse(self, item, value):
        day = parse_iso_date(value)
        if not FIRST_ANSWER_DAY <= day <= LAST_ANSWER_DAY:
            raise AnswerError(f"ngày phải từ {format_vn_date(FIRST_ANSWER_DAY)} đến {format_vn_date(LAST_ANSWER_DAY)} "
                              f"(nhận được: {shown(value)})")
        return day

    def display(self, item, value):
        return format_vn_date(value)

    def to_fact(self, value):
        return value.toordinal()

    def to_json(self, value):
        return value.isoformat()

    def from_json(self, stored):
        return dt.date.fromisoformat(stored)


class Choices(AnswerType):
    name = "choice"

    def sample(self, item, day):
        return item.choices[0].value

    def parse(self, item, value):
        values = [c.value for c in item.choices]
        if value not in values:
            listed = ", ".join(f'"{v}"' for v in values)
            raise AnswerError(f"cần một trong các giá trị {listed} (nhận được: {shown(value)})")
        return value

    def display(self, item, value):
        return next(c.label for c in item.choices if c.value == value)


class Text(AnswerType):
    name = "text"
    max_length = 4000

    def sample(self, item, day):
        return "Không có ghi chú."

    def parse(self, item, value):
        if not isinstance(value, str):
            raise AnswerError(f"cần một đoạn văn bản (nhận được: {shown(value)})")
        if len(value) > self.max_length:
            raise AnswerError(f"văn bản dài quá {self.max_length} ký tự")
        return nfc(value)


ANSWER_TYPES: dict[str, AnswerType] = {t.name: t() for t in (YesNo, Integer, Percent, Date, Choices, Text)}


@dataclass(frozen=True)
class Section:
    code: str
    papi: int
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class ScoringPolicy:
    """How a checklist version turns findings into its compliance score; data, explained on the criteria page.

    Each dimension scores 10 × (1 − lost / possible), never below 0. Every applicable item weighs
    `item_weights[code]` (1 when not listed); an item whose own rule fired loses its weight times
    the factor of the finding's severity, times `repeat_factor` when X-01 found it a repeat
    offence. With every weight and factor 1, a dimension is 10 × the share of its applicable items
    without a finding: version 1's method.
    """

    item_weights: dict[str, float]
    severity_factors: dict[str, float]
    repeat_factor: float
    explanation: str

    def weight(self, code: str) -> float:
        return self.item_weights.get(code, 1.0)

    def loss(self, code: str, severity: str, repeat: bool) -> float:
        return self.weight(code) * self.severity_factors.get(severity, 1.0) * (self.repeat_factor if repeat else 1.0)


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    title: str
    basis: tuple[Citation, ...]
    effective_from: dt.date
    effective_to: dt.date | None
    sections: tuple[Section, ...]
    scoring: ScoringPolicy
    items: dict[str, Item] = field(init=False, repr=False, compare=False)
    _positions: dict[str, int] = field(init=False, repr=False, compare=False)
    _days: dict[tuple[str, ...], Checklist] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "items", {i.code: i for s in self.sections for i in s.items})
        object.__setattr__(self, "_positions", {code: index for index, code in enumerate(self.items)})
        object.__setattr__(self, "_days", {})

    def on(self, day: dt.date) -> Checklist:
        """The checklist as an inspection on `day` fills it: only the items in force that day."""
        codes = tuple(code for code, item in self.items.items() if item.in_force(day))
        if len(codes) == len(self.items):
            return self
        if codes not in self._days:
            self._days[codes] = replace(self, sections=tuple(
                Section(s.code, s.papi, s.title, tuple(i for i in s.items if i.in_force(day))) for s in self.sections))
        return self._days[codes]

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def in_force(self, day: dt.date) -> bool:
        return in_force(day, self.effective_from, self.effective_to)

    def basis_on(self, day: dt.date) -> str:
        return basis_text(self.basis, day)

    def position(self, code: str) -> int:
        """The item's place in the checklist, for ordering findings as the inspector met them."""
        return self._positions[code]

"""Reading dates, times and numbers as Vietnamese officials type them, whatever the browser's language.

The pages use text fields (never the browser's date, time or number inputs, which follow the
browser's locale: mm/dd/yyyy, AM/PM, a decimal point), so the server reads what people type:
dd/mm/yyyy (or the ISO yyyy-mm-dd the JSON API and old links use), 24-hour HH:MM, and a decimal
comma (a dot is accepted too). Each parser raises ValueError for anything else.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

# Not "-" as a separator: 15-01-2025 looks like a mangled ISO date.
_DMY = re.compile(r"(?P<day>\d{1,2})(?P<sep>[/.])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})")
_DMY_DIGITS = re.compile(r"(?P<day>\d{2})(?P<month>\d{2})(?P<year>\d{4})")  # 15092020: typed on a numeric keypad without "/"
_YMD = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"(\d{1,2})\s*(?:[:.hg]\s*(\d{2})?)?")  # 8:30, 08.30, 8h30, 8g, 8
_CLOCK_DIGITS = re.compile(r"(\d{1,2})(\d{2})")  # 0830, 830
_DECIMAL = re.compile(r"[+-]?\d+(?:[.,]\d+)?")

DATE_PLACEHOLDER = "ngày/tháng/năm"
TIME_PLACEHOLDER = "giờ:phút"


def parse_vn_date(text: str | None) -> dt.date | None:
    """dd/mm/yyyy (also d/m/yyyy, dd.mm.yyyy, ddmmyyyy) or yyyy-mm-dd; None when blank."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(text)
    value = text.strip()
    if not value:
        return None
    if _YMD.fullmatch(value):
        return dt.date.fromisoformat(value)
    match = _DMY.fullmatch(value) or _DMY_DIGITS.fullmatch(value)
    if not match:
        raise ValueError(text)
    return dt.date(int(match["year"]), int(match["month"]), int(match["day"]))


def parse_vn_time(text: str | None) -> dt.time | None:
    """A 24-hour time: 08:30, 8:30, 8h30, 08.30, 0830, 8 (o'clock); None when blank."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(text)
    value = text.strip().lower()
    if not value:
        return None
    match = _CLOCK_DIGITS.fullmatch(value) if value.isdigit() and len(value) > 2 else _CLOCK.fullmatch(value)
    if not match:
        raise ValueError(text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return dt.time(hour, minute)


def parse_vn_decimal(text: str | None) -> Decimal | None:
    """92,45 or 92.45 (no thousands separators, which would be ambiguous); None when blank."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(text)
    value = text.strip().replace(" ", "")
    if not value:
        return None
    if not _DECIMAL.fullmatch(value):
        raise ValueError(text)
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None


def format_vn_decimal(value: float | Decimal | int | None) -> str:
    """A number with a decimal comma and no trailing zeros: 92,5; 100; empty for none."""
    if value is None:
        return ""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",")

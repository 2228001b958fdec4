"""Pages of a list and the search term every list accepts: one set of rules for the pages and the API.

Counting and slicing happen in the database, so a list of 579 communes over six years costs one
page of rows, not the whole table. A page beyond the last is empty (with the total), not an error:
a link kept from yesterday must not break when rows disappear.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..domain.text import MAX_SEARCH_LENGTH, fold
from ..models import Inspection
from . import Invalid, ServiceError

PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 100_000

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and where it sits in the whole list."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """At least 1, so that an empty list still reads "Trang 1/1"."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_number(self) -> int:
        """The running number of the page's first row (1-based), for "STT" columns and "dòng 51–100"."""
        return (self.page - 1) * self.per_page + 1

    def as_json(self) -> dict[str, int]:
        return {"total": self.total, "page": self.page, "per_page": self.per_page, "pages": self.pages}


def _whole_number(raw: Any, default: int, low: int, high: int) -> int | None:
    """The value as an int within [low, high], the default when absent, None when bad."""
    if raw is None or raw == "":
        return default
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        return None
    return raw


def page_params(page: Any = None, per_page: Any = None, *, default_per_page: int = PER_PAGE) -> tuple[int, int]:
    """Checked (page, per_page); a ServiceError (400) naming each bad parameter, in Vietnamese."""
    errors = {}
    number = _whole_number(page, 1, 1, MAX_PAGE)
    size = _whole_number(per_page, default_per_page, 1, MAX_PER_PAGE)
    if number is None:
        errors["page"] = f"số trang phải là số nguyên từ 1 đến {MAX_PAGE:,}".replace(",", ".")
    if size is None:
        errors["per_page"] = f"số dòng mỗi trang phải là số nguyên từ 1 đến {MAX_PER_PAGE}"
    if errors:
        raise ServiceError("Tham số phân trang không hợp lệ.", errors=errors)
    return number, size


def search_term(raw: Any) -> str | None:
    """The folded search text ("Phúc Xá" → "phuc xa"), None for nothing to search; Invalid when too long."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise Invalid("Từ khóa tìm kiếm không hợp lệ.", errors={"q": "từ khóa phải là văn bản"})
    if len(raw) > MAX_SEARCH_LENGTH:
        raise Invalid("Từ khóa tìm kiếm quá dài.", errors={"q": f"tối đa {MAX_SEARCH_LENGTH} ký tự"})
    return fold(raw) or None


def matching_search(query: Select, term: str | None) -> Select:
    """Keep the rows whose inspection's commune or area name (without diacritics) or commune code contains `term`.

    `term` comes from search_term, so it holds only [a-z0-9 ]; autoescape guards LIKE all the same.
    """
    return query.where(Inspection.search_key.contains(term, autoescape=True)) if term else query


def paginate(session: Session, query: Select, page: int, per_page: int) -> Page:
    """Count the whole query, then fetch one ordered page of it."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, page=page, per_page=per_page, total=total)

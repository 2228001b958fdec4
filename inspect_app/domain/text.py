"""Search keys: Vietnamese text without diacritics, so that "phuc xa" finds "Phường Phúc Xá".

Officials type on tablets whose keyboards may have no Telex input; the key is also what the
database compares, so SQLite and PostgreSQL match the same rows without collation tricks.
"""
from __future__ import annotations

import unicodedata
from typing import Iterable

MAX_SEARCH_LENGTH = 100


def fold(text: str) -> str:
    """Lowercase ASCII letters and digits separated by single spaces: "Đình" → "dinh", "Phúc Xá" → "phuc xa"."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join("".join(ch if ch.isascii() and ch.isalnum() else " " for ch in bare).split())


def search_key(parts: Iterable[str | None]) -> str:
    """The folded words of every non-empty part, one string a LIKE '%term%' can search."""
    return " ".join(folded for folded in (fold(p) for p in parts if p) if folded)

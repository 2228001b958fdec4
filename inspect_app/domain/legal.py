"""The register of legal instruments (rules/legal.yaml) and the citations rules make of them.

A rule never carries the text of its legal basis: it cites an instrument of the register by id,
with an article, and the printed text is built from the register. So a law that changes is one
entry edited in one file, and the catalog validator can prove that no finding cites an
instrument that was not in force on the day it applies to.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .periods import in_force


@dataclass(frozen=True)
class Article:
    """One provision of an instrument that a rule cites, with where it was checked."""

    ref: str  # "Điều 15 khoản 2 điểm d", "Biểu tổng hợp nhiệm vụ, mục 1a"
    gist: str
    source: str
    verified: bool
    effective_from: dt.date | None = None  # a provision added or rewritten by an amendment
    effective_to: dt.date | None = None


@dataclass(frozen=True)
class Instrument:
    id: str
    kind: str  # Luật, Nghị định, Thông tư, Kế hoạch, …
    number: str
    title: str
    cite: str  # how a finding names it: "Luật Tiếp công dân số 42/2013/QH13"
    issuer: str
    issued: dt.date | None  # None where the register could not verify it
    effective_from: dt.date
    effective_to: dt.date | None
    replaces: tuple[str, ...]
    source: str
    verified: bool
    articles: dict[str, Article]
    note: str = ""

    def in_force(self, day: dt.date) -> bool:
        return in_force(day, self.effective_from, self.effective_to)


@dataclass(frozen=True)
class Citation:
    """An instrument (and some of its articles, or none for the whole text) cited over a period.

    The period is the citation's own, clipped to the instrument's: a citation never outlives
    the instrument it names.
    """

    instrument: Instrument
    articles: tuple[str, ...]
    effective_from: dt.date
    effective_to: dt.date | None

    def in_force(self, day: dt.date) -> bool:
        return in_force(day, self.effective_from, self.effective_to)

    @property
    def text(self) -> str:
        return ", ".join((self.instrument.cite, *self.articles))

    @property
    def verified(self) -> bool:
        known = self.instrument.articles
        return self.instrument.verified and all(ref in known and known[ref].verified for ref in self.articles)


@dataclass(frozen=True)
class LegalRegister:
    instruments: dict[str, Instrument]

    def successors(self, instrument_id: str) -> list[Instrument]:
        """The instruments that replace this one."""
        return [i for i in self.instruments.values() if instrument_id in i.replaces]

    def unverified(self) -> list[str]:
        """Vietnamese lines naming every unverified instrument or article: warnings, not errors."""
        lines = []
        for instrument in self.instruments.values():
            if not instrument.verified:
                lines.append(f"{instrument.cite}: chưa xác minh văn bản")
            lines.extend(f"{instrument.cite}, {a.ref}: chưa xác minh nội dung điều khoản"
                         for a in instrument.articles.values() if not a.verified)
        return lines


def basis_text(citations: tuple[Citation, ...], day: dt.date) -> str:
    """The legal basis in force on `day`, as findings and minutes print it: one entry per instrument,
    its articles in the order cited ("Luật … số 42/2013/QH13, Điều 15 khoản 2 điểm a, Điều 19 khoản 1")."""
    articles: dict[str, list[str]] = {}  # by the instrument's citation, in the order first cited
    for citation in citations:
        if citation.in_force(day):
            articles.setdefault(citation.instrument.cite, []).extend(citation.articles)
    return "; ".join(", ".join((cite, *refs)) for cite, refs in articles.items())

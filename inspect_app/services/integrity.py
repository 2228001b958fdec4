"""Checks that the frozen minutes are still the bytes that were certified when they were frozen.

The PDF is stored in the database (models.MinutesDocument.pdf) with its SHA-256, and the inspection keeps a
copy of that hash (Inspection.minutes_sha256); anyone with write access to the database could change one
without the other, and a restore from a damaged backup could lose the PDF. This module finds both cases.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Inspection, MinutesDocument

MISSING = "missing"
CHANGED = "changed"


@dataclass(frozen=True)
class MinutesProblem:
    """One inspection whose minutes cannot be trusted."""

    kind: str  # MISSING or CHANGED
    inspection_id: int
    commune_name: str
    inspection_date: str  # dd/mm/yyyy
    number: str | None  # None when the minutes row itself is gone

    def describe(self) -> str:
        """One Vietnamese line naming the minutes and the inspection."""
        what = "bị thay đổi (SHA-256 không khớp)" if self.kind == CHANGED else "bị mất"
        number = f"số {self.number}" if self.number else "(không còn số)"
        return (f"Biên bản {number} của phiếu kiểm tra #{self.inspection_id} "
                f"({self.commune_name}, {self.inspection_date}) {what}.")


@dataclass
class MinutesReport:
    checked: int = 0
    problems: list[MinutesProblem] = field(default_factory=list)


def verify_minutes(session: Session, batch: int = 50) -> MinutesReport:
    """Hash every stored PDF and compare it with both recorded hashes; list minutes recorded but absent.

    Reads the PDFs a batch at a time, so that thousands of minutes never sit in memory together.
    """
    report = MinutesReport()
    rows = session.execute(
        select(MinutesDocument.pdf, MinutesDocument.sha256, MinutesDocument.number, Inspection.id,
               Inspection.commune_name, Inspection.inspection_date, Inspection.minutes_sha256)
        .join(Inspection, MinutesDocument.inspection_id == Inspection.id)
        .order_by(Inspection.id).execution_options(yield_per=batch))
    for pdf, sha256, number, inspection_id, commune, day, recorded in rows:
        report.checked += 1
        if not pdf:
            kind = MISSING
        elif hashlib.sha256(pdf).hexdigest() != sha256 or (recorded is not None and recorded != sha256):
            kind = CHANGED
        else:
            continue
        report.problems.append(MinutesProblem(kind, inspection_id, commune, day.strftime("%d/%m/%Y"), number))
    orphans = session.execute(
        select(Inspection.id, Inspection.commune_name, Inspection.inspection_date)
        .outerjoin(MinutesDocument, MinutesDocument.inspection_id == Inspection.id)
        .where(Inspection.minutes_sha256.is_not(None), MinutesDocument.id.is_(None)).order_by(Inspection.id))
    for inspection_id, commune, day in orphans:
        report.checked += 1
        report.problems.append(MinutesProblem(MISSING, inspection_id, commune, day.strftime("%d/%m/%Y"), None))
    return report

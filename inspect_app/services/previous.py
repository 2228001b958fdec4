"""The commune's previous finalised inspection: what X-01, X-02, the checklist page and the minutes
compare an inspection against.

Matched on the unit, not the code: a reform reuses codes (00004 was Phường Trúc Bạch, and is
Phường Ba Đình from 1/7/2025), and a new unit has no history of its own yet. A revision is
never compared with the inspection it replaces.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased, joinedload

from ..domain.assessment import PREVIOUS_STATUSES, PreviousFinding
from ..models import FINALISED, FindingRecord, Inspection

OPEN = "open"
EARLIER = aliased(Inspection, name="earlier")  # built once: an alias per call cost more than the query


def previous_query(inspection, ids_only: bool = False) -> Select:
    """The previous finalised inspection of `inspection`: a row, or the Inspection entity itself for a
    subquery correlated with an outer query (then only its id, with `ids_only`)."""
    query = select(EARLIER.id if ids_only else EARLIER).where(
        EARLIER.unit_id == inspection.unit_id, EARLIER.status == FINALISED,
        EARLIER.inspection_date < inspection.inspection_date, EARLIER.id != inspection.id,
    ).order_by(EARLIER.inspection_date.desc(), EARLIER.id.desc()).limit(1)
    if isinstance(inspection, Inspection):
        return query.where(EARLIER.id != inspection.replaces_id) if inspection.replaces_id else query
    return query.where((inspection.replaces_id.is_(None)) | (EARLIER.id != inspection.replaces_id))


def previous_status(status: str | None) -> str:
    """A remediation status as the evaluation contract knows it: open, submitted or verified."""
    return status if status in PREVIOUS_STATUSES else OPEN


@dataclass(frozen=True)
class Previous:
    """The previous finalised inspection (None for a commune's first) and its findings with their actions."""

    inspection: Inspection | None
    findings: list[FindingRecord]

    def for_evaluation(self) -> tuple[PreviousFinding, ...]:
        return tuple(PreviousFinding(f.code, f.deadline, previous_status(f.action.status if f.action else None))
                     for f in self.findings)


def findings_with_actions(session: Session, inspection_id: int) -> list[FindingRecord]:
    """An inspection's findings in order, each with its remediation action, in one query."""
    return list(session.scalars(select(FindingRecord).options(joinedload(FindingRecord.action))
                                .where(FindingRecord.inspection_id == inspection_id).order_by(FindingRecord.position)))


def previous_of(session: Session, inspection: Inspection) -> Previous:
    """The previous inspection and its findings, with their remediation actions, in two queries."""
    earlier = session.scalar(previous_query(inspection))
    return Previous(earlier, findings_with_actions(session, earlier.id) if earlier else [])

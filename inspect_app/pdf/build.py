"""Turn domain objects (checklist, answers, findings, scores) into the parts of MinutesData.

Pure functions: the web layer reads the inspection from the database, calls these and fills in
the rest (people, times, numbering) itself.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..domain.checklists import Checklist
from ..domain.deadlines import WorkingCalendar
from ..domain.rules import HIGH, RECOMMENDATION, Finding
from .minutes import RECOMMENDATION_LABEL, VIOLATION_LABEL, ChecklistRow, FindingLine, ScoreLine, SectionResult


def checklist_sections(checklist: Checklist, answers: Mapping[str, Any],
                       notes: Mapping[str, str] | None = None) -> tuple[SectionResult, ...]:
    """Every item of every section, with its answer in words (Item.display) and its note."""
    notes = notes or {}
    return tuple(
        SectionResult(
            papi=section.papi,
            title=section.title,
            rows=tuple(ChecklistRow(item.code, item.question, item.display(answers.get(item.code)),
                                    notes.get(item.code, "")) for item in section.items),
        )
        for section in checklist.sections
    )


REPEAT_SUFFIX = " (tái phạm / chậm khắc phục)"  # what Finding.escalated() appends (X-01's title)


def finding_title(finding: Finding) -> str:
    """The finding's title; a repeat loses the engine's suffix, as the minutes mark repeats themselves."""
    if finding.repeat and finding.title.lower().endswith(REPEAT_SUFFIX):
        return finding.title[: -len(REPEAT_SUFFIX)]
    return finding.title


def finding_lines(findings: Iterable[Finding], calendar: WorkingCalendar) -> tuple[FindingLine, ...]:
    """Findings numbered 1, 2, … in the order given (the engine's order: as the inspector met them);
    a deadline in a year whose days off are not announced yet is marked provisional."""
    return tuple(
        FindingLine(
            number=number, code=f.code, title=finding_title(f), legal_basis=f.legal_basis, remediation=f.remediation,
            deadline=f.deadline, responsible=f.responsible, repeat=f.repeat,
            kind_label=RECOMMENDATION_LABEL if f.kind == RECOMMENDATION else VIOLATION_LABEL,
            severity_high=f.severity == HIGH,
            deadline_provisional=f.deadline is not None and calendar.is_provisional(f.deadline),
            items=tuple(f.items),
        )
        for number, f in enumerate(findings, start=1)
    )


def score_lines(checklist: Checklist, scores: Mapping[str, float]) -> tuple[tuple[ScoreLine, ...], float]:
    """The dimension scores in checklist order, and the total."""
    lines = tuple(ScoreLine(s.code, s.title, float(scores[s.code])) for s in checklist.sections)
    return lines, float(scores["total"])


__all__ = ["checklist_sections", "finding_lines", "finding_title", "score_lines"]

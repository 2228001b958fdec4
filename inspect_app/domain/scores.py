"""PAPI-style scores: each dimension 0–10, the total out of 80, exactly as the spec defines them."""
from __future__ import annotations

from typing import Any, Iterable

from .checklists import NOT_APPLICABLE, Checklist
from .rules import Finding


def applicable(checklist: Checklist, answers: dict[str, Any]) -> list[str]:
    """Items that count towards a score.

    Not applicable: "na" answers, unanswered required items and input-only items. An optional
    item (CK-07, CK-08) left empty is an answer ("not yet disclosed"), so it stays applicable.
    """
    return [
        code for code, item in checklist.items.items()
        if not item.input_only and answers.get(code) != NOT_APPLICABLE
        and (answers.get(code) is not None or not item.required)
    ]


def dimension_scores(checklist: Checklist, answers: dict[str, Any], findings: Iterable[Finding]) -> dict[str, float]:
    """10 × (applicable items without a finding of their own rule) / applicable items, per dimension.

    An item's own rule is the one whose finding carries the item's code, so the cross-cutting
    rules (J-01, E-01, X-01, X-02) never change a score. The total is the rounded sum of the
    unrounded dimension scores.
    """
    failed = {f.code for f in findings if f.code in checklist.items}
    counted = applicable(checklist, answers)
    raw = {}
    for section in checklist.sections:
        codes = [i.code for i in section.items if i.code in counted]
        passed = sum(1 for code in codes if code not in failed)
        raw[section.code] = 10.0 * passed / len(codes) if codes else 10.0
    scores = {code: round(value, 2) for code, value in raw.items()}
    scores["total"] = round(sum(raw.values()), 2)
    return scores

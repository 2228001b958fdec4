"""Compliance scores over the eight PAPI dimensions: each dimension 0–10, the total out of 80.

This is an audit of the commune's duties, not a PAPI score (PAPI is a citizen survey): how an
answer set becomes a score is the checklist version's own ScoringPolicy.
"""
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


def assessed_dimensions(checklist: Checklist, answers: dict[str, Any]) -> tuple[str, ...]:
    """Dimensions with at least one answer given ("Không áp dụng" included).

    A dimension nobody has looked at yet scores 10 by the policy (no applicable item), which is
    right for the record but misleading on a draft: the draft shows the others as not yet assessed.
    """
    return tuple(section.code for section in checklist.sections
                 if any(answers.get(item.code) is not None for item in section.items))


def dimension_scores(checklist: Checklist, answers: dict[str, Any], findings: Iterable[Finding]) -> dict[str, float]:
    """Each dimension's score under the checklist's scoring policy, and their total.

    An item's own rule is the one whose finding carries the item's code, so the cross-cutting
    rules (J-01, E-01, X-01, X-02) never change a score; an item with several findings of its own
    loses once, by the heaviest. The total is the rounded sum of the unrounded dimension scores.
    """
    policy = checklist.scoring
    losses: dict[str, float] = {}
    for f in findings:
        if f.code in checklist.items:
            losses[f.code] = max(losses.get(f.code, 0.0), policy.loss(f.code, f.severity, f.repeat))
    counted = applicable(checklist, answers)
    raw = {}
    for section in checklist.sections:
        codes = [i.code for i in section.items if i.code in counted]
        possible = sum(policy.weight(code) for code in codes)
        lost = sum(losses.get(code, 0.0) for code in codes)
        raw[section.code] = 10.0 * max(0.0, possible - lost) / possible if possible else 10.0
    scores = {code: round(value, 2) for code, value in raw.items()}
    scores["total"] = round(sum(raw.values()), 2)
    return scores

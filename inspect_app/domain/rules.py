"""Rules and findings as plain data.

A rule's condition stays in durable_rules' own JSON grammar (what the engine runs); everything a
person reads (title, legal basis, remediation, deadline) is metadata beside it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from .deadlines import DeadlinePolicy
from .legal import Citation, basis_text
from .periods import in_force

VIOLATION, RECOMMENDATION, ESCALATION = "violation", "recommendation", "escalation"
KINDS = (VIOLATION, RECOMMENDATION, ESCALATION)
NORMAL, HIGH = "normal", "high"
SEVERITIES = (NORMAL, HIGH)
# What decides whether a rule (and each of its citations) applies: the inspection date, or, for a
# duty measured over the month before the inspection, the first day of that month.
INSPECTION_DATE, PREVIOUS_MONTH = "inspection_date", "previous_month"
MEASURES = (INSPECTION_DATE, PREVIOUS_MONTH)


def first_day_of_previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class Rule:
    id: str
    code: str
    items: tuple[str, ...]
    kind: str
    severity: str
    title: str
    remediation: str
    responsible: str
    legal_basis: tuple[Citation, ...]
    deadline: DeadlinePolicy
    effective_from: dt.date
    effective_to: dt.date | None
    condition: dict[str, Any]
    repeatable: bool = True
    measures: str = INSPECTION_DATE

    def judged_on(self, inspection_date: dt.date) -> dt.date:
        """The day whose law applies: the inspection date, or the start of the month it measures."""
        return first_day_of_previous_month(inspection_date) if self.measures == PREVIOUS_MONTH else inspection_date

    def in_force(self, inspection_date: dt.date) -> bool:
        return in_force(self.judged_on(inspection_date), self.effective_from, self.effective_to)

    def basis_on(self, inspection_date: dt.date) -> str:
        """The citations in force on the day this rule is judged on, as printed text."""
        return basis_text(self.legal_basis, self.judged_on(inspection_date))

    @property
    def pattern_names(self) -> list[str]:
        join = self.condition.get("all") or self.condition.get("any") or []
        return [name for pattern in join for name in pattern]


@dataclass(frozen=True)
class RuleSet:
    """The rules of one checklist version; the engine registers each distinct ruleset once."""

    checklist: str
    version: int
    rules: tuple[Rule, ...]
    source: str

    @property
    def key(self) -> str:
        return f"{self.checklist}@{self.version}"

    def by_code(self, code: str) -> Rule | None:
        return next((r for r in self.rules if r.code == code), None)


@dataclass(frozen=True)
class Finding:
    rule_id: str
    code: str
    items: tuple[str, ...]
    kind: str
    severity: str
    repeat: bool
    deadline: dt.date | None
    title: str
    legal_basis: str
    remediation: str
    responsible: str

    def escalated(self, by: Rule, day: dt.date) -> "Finding":
        """X-01: a repeat of an unfixed finding becomes high severity and asks for accountability."""
        return replace(
            self,
            severity=HIGH,
            repeat=True,
            title=f"{self.title} ({by.title.lower()})",
            remediation=f"{self.remediation.rstrip('.')}. {by.remediation.rstrip('.')}.",
            legal_basis="; ".join(filter(None, (self.legal_basis, by.basis_on(day)))),
        )

    def to_contract(self) -> dict[str, Any]:
        """The finding exactly as the evaluation interface publishes it."""
        return {
            "code": self.code,
            "items": list(self.items),
            "kind": self.kind,
            "severity": self.severity,
            "repeat": self.repeat,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "title": self.title,
            "legal_basis": self.legal_basis,
        }

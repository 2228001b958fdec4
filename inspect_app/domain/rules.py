"""Rules and findings as plain data.

A rule's condition stays in durable_rules' own JSON grammar (what the engine runs); everything a
person reads (title, legal basis, remediation, deadline) is metadata beside it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from .deadlines import DeadlinePolicy

VIOLATION, RECOMMENDATION, ESCALATION = "violation", "recommendation", "escalation"
KINDS = (VIOLATION, RECOMMENDATION, ESCALATION)
NORMAL, HIGH = "normal", "high"
SEVERITIES = (NORMAL, HIGH)


def in_force(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


@dataclass(frozen=True)
class LegalBasis:
    text: str
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None


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
    legal_basis: tuple[LegalBasis, ...]
    deadline: DeadlinePolicy
    effective_from: dt.date
    effective_to: dt.date | None
    condition: dict[str, Any]
    repeatable: bool = True

    def in_force(self, day: dt.date) -> bool:
        return in_force(day, self.effective_from, self.effective_to)

    def basis_on(self, day: dt.date) -> str:
        return "; ".join(b.text for b in self.legal_basis if in_force(day, b.effective_from, b.effective_to))

    @property
    def pattern_names(self) -> list[str]:
        join = self.condition.get("all") or self.condition.get("any") or []
        return [name for pattern in join for name in pattern]


@dataclass(frozen=True)
class RuleSet:
    """The rules written for one checklist id; the engine registers each distinct ruleset once."""

    checklist: str
    rules: tuple[Rule, ...]
    source: str

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

"""A draft version starts on a day of its own: what ended before that day is left out of it.

The department makes a draft from the version in force (version 2 starts on 01/07/2025), and it can
only come into force today or later. Copied as it is, it would carry items, rules and citations
that ended before that day (Kế hoạch 179 ended on 31/12/2025; a threshold was replaced on
01/07/2026), which the catalog rightly refuses in a version that starts later. Rebasing keeps what
is still in force on or after the start, clears dates that fall on or before it (the version's
start then applies), and says in Vietnamese what it left out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..domain.legal import LegalRegister
from ..domain.rules import PREVIOUS_MONTH, first_day_of_previous_month


def _day(value: Any) -> dt.date | None:
    """A date as the YAML or the workbook gives it (a date, or ISO text); None when absent or unreadable."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None  # the catalog reports it where it stands


@dataclass
class Rebase:
    """Rebasing onto `start`; `left_out` collects what was left out, for the page to show."""

    start: dt.date
    register: LegalRegister
    left_out: list[str] = field(default_factory=list)

    def judged_from(self, rule: dict[str, Any]) -> dt.date:
        """The first day a rule of the version is judged on (a rule on the month before starts a month early)."""
        return first_day_of_previous_month(self.start) if rule.get("measures") == PREVIOUS_MONTH else self.start

    def keeps_item(self, item: dict[str, Any]) -> bool:
        end = _day(item.get("effective_to"))
        if end is not None and end < self.start:
            self.left_out.append(f"tiêu chí {item.get('code')} (hết hiệu lực ngày {end:%d/%m/%Y})")
            return False
        return True

    def keeps_rule(self, rule: dict[str, Any], dropped_items: set[str]) -> bool:
        end = _day(rule.get("effective_to"))
        if end is not None and end < self.judged_from(rule):
            self.left_out.append(f"luật {rule.get('id')} (hết hiệu lực ngày {end:%d/%m/%Y})")
            return False
        gone = [code for code in rule.get("items") or [rule.get("code")] if code in dropped_items]
        if gone:
            self.left_out.append(f"luật {rule.get('id')} (dựa vào tiêu chí {', '.join(gone)} đã bỏ)")
            return False
        return True

    def citation(self, owner: str, citation: dict[str, Any], judged_from: dt.date) -> dict[str, Any] | None:
        """The citation without what ended before `judged_from`, or None when nothing of it is left."""
        instrument = self.register.instruments.get(citation.get("instrument"))
        ends = [_day(citation.get("effective_to")), instrument.effective_to if instrument else None]
        end = min((d for d in ends if d is not None), default=None)
        if end is not None and end < judged_from:
            name = instrument.cite if instrument else citation.get("instrument")
            self.left_out.append(f"căn cứ {name} của {owner} (hết hiệu lực ngày {end:%d/%m/%Y})")
            return None
        cited = citation.get("article")
        articles = [cited] if isinstance(cited, str) else list(cited or [])
        kept = [a for a in articles if not self._article_ended(instrument, a, judged_from)]
        if articles and not kept:
            self.left_out.append(f"căn cứ {instrument.cite} của {owner} (các điều khoản đã hết hiệu lực)")
            return None
        result = self.cleared(citation, judged_from)
        if articles and len(kept) != len(articles):
            result["article"] = kept[0] if len(kept) == 1 else kept
        return result

    @staticmethod
    def _article_ended(instrument: Any, article: Any, day: dt.date) -> bool:
        known = instrument.articles.get(article) if instrument is not None and isinstance(article, str) else None
        return known is not None and known.effective_to is not None and known.effective_to < day

    @staticmethod
    def cleared(entry: dict[str, Any], day: dt.date) -> dict[str, Any]:
        """The entry without a start on or before `day`: it then starts with the version."""
        start = _day(entry.get("effective_from"))
        return {k: v for k, v in entry.items() if not (k == "effective_from" and start is not None and start <= day)}

    def version(self, checklist: dict[str, Any], rules: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """A whole version as its two YAML documents (plain data), rebased onto the start."""
        owner = "phiên bản"
        basis = [c for c in (self.citation(owner, c, self.start) for c in checklist.get("basis") or []) if c]
        dropped: set[str] = set()
        sections = []
        for section in checklist.get("sections") or []:
            items = []
            for item in section.get("items") or []:
                if self.keeps_item(item):
                    items.append(self.cleared(item, self.start))
                else:
                    dropped.add(item.get("code"))
            sections.append({**section, "items": items})
        kept_rules = []
        for rule in rules.get("rules") or []:
            if not self.keeps_rule(rule, dropped):
                continue
            judged = self.judged_from(rule)
            cited = [c for c in (self.citation(f"luật {rule.get('id')}", c, judged)
                                 for c in rule.get("legal_basis") or []) if c]
            kept_rules.append({**self.cleared(rule, judged), "legal_basis": cited})
        return ({**checklist, "basis": basis, "effective_from": self.start, "sections": sections},
                {**rules, "rules": kept_rules})

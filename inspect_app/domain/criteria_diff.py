"""The differences between two checklist versions with their rules, field by field, in Vietnamese.

What an administrator reads before a draft version is saved: which items and rules are added,
removed or changed (and how), what changes in the scoring policy and in the version's own
title, legal basis and dates. Dates a rule or item takes from its version are shown as such, so
two versions that start on different days do not list every rule as changed.

Enumerated values (answer types, kinds, severities…) are shown through `labels`, the words the
criteria workbook uses, passed in by the caller so that the domain keeps no second copy of them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping

from .checklists import Checklist, Item, format_vn_date
from .conditions import ConditionError, describe_condition
from .legal import Citation
from .rules import PREVIOUS_MONTH, Rule, RuleSet, first_day_of_previous_month

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
FROM_VERSION = "theo phiên bản"  # a date an item or rule takes from its version
EMPTY = "(trống)"
OPEN_ENDED = "chưa xác định"  # a version without an end date
YES, NO = "Có", "Không"
Labels = Mapping[str, Mapping[Any, str]]


@dataclass(frozen=True)
class Change:
    """One field whose value differs: its Vietnamese label, the value before and after, in words."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class EntryDiff:
    """An item or rule added, removed or changed: a changed one lists its changed fields, an added one
    says in `detail` what it is (an item's answer type, a rule's condition in words)."""

    code: str
    status: str  # added | removed | changed
    title: str
    changes: tuple[Change, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class CriteriaDiff:
    items: tuple[EntryDiff, ...]
    rules: tuple[EntryDiff, ...]
    scoring: tuple[Change, ...]
    version: tuple[Change, ...]  # number, title, legal basis and dates of the version itself

    @property
    def empty(self) -> bool:
        return not (self.items or self.rules or self.scoring or self.version)

    def counts(self, entries: str) -> dict[str, int]:
        """How many items (or rules) are added, removed and changed."""
        found = getattr(self, entries)
        return {status: sum(1 for e in found if e.status == status) for status in (ADDED, REMOVED, CHANGED)}


class _Side:
    """One version as the diff reads it: the checklist and its rules by id."""

    def __init__(self, checklist: Checklist, ruleset: RuleSet):
        self.checklist, self.rules = checklist, {rule.id: rule for rule in ruleset.rules}


def as_from(checklist: Checklist, ruleset: RuleSet, day: dt.date) -> tuple[Checklist, RuleSet]:
    """A version as it stands from `day` on, to compare with a draft that starts then (criteria.rebase left
    out of the draft what ended before it): items, rules and citations that ended before are dropped, and
    dates on or before `day` read as the version's own, which now starts on `day`."""
    def item_from(item: Item) -> Item:
        return replace(item, effective_from=None) if item.effective_from and item.effective_from <= day else item

    sections = tuple(replace(s, items=tuple(item_from(i) for i in s.items
                                            if i.effective_to is None or i.effective_to >= day))
                     for s in checklist.sections)
    rules = []
    for rule in ruleset.rules:
        judged = first_day_of_previous_month(day) if rule.measures == PREVIOUS_MONTH else day
        if rule.effective_to is not None and rule.effective_to < judged:
            continue
        basis = tuple(c for c in rule.legal_basis if c.effective_to is None or c.effective_to >= judged)
        rules.append(replace(rule, effective_from=max(rule.effective_from, judged), legal_basis=basis))
    basis = tuple(c for c in checklist.basis if c.effective_to is None or c.effective_to >= day)
    return (replace(checklist, effective_from=day, basis=basis, sections=sections),
            replace(ruleset, rules=tuple(rules)))


def diff_versions(old: Checklist, old_rules: RuleSet, new: Checklist, new_rules: RuleSet,
                  labels: Labels | None = None) -> CriteriaDiff:
    """What changes from `old` (with its rules) to `new`; entries in the new version's order, removed ones last."""
    words = _Words(labels or {})
    before, after = _Side(old, old_rules), _Side(new, new_rules)
    items = _entries(old.items, new.items, lambda item, side: _item_fields(item, words),
                     lambda item: (item.question, "Kiểu trả lời: " + words.label("type", item.type)), before, after)
    rules = _entries(before.rules, after.rules, lambda rule, side: _rule_fields(rule, side, words),
                     lambda rule: (rule.title, "Điều kiện: " + _condition_words(rule, new)), before, after)
    return CriteriaDiff(items, rules, _changes(_scoring_fields(old, words), _scoring_fields(new, words)),
                        _changes(_version_fields(old), _version_fields(new)))


def _entries(old: Mapping[str, Any], new: Mapping[str, Any], fields: Callable[[Any, _Side], dict[str, str]],
             named: Callable[[Any], tuple[str, str]], before: _Side, after: _Side) -> tuple[EntryDiff, ...]:
    """`named` gives an entry's title and what an added one is."""
    found = []
    for code, entry in new.items():
        title, detail = named(entry)
        if code not in old:
            found.append(EntryDiff(code, ADDED, title, detail=detail))
            continue
        changes = _changes(fields(old[code], before), fields(entry, after))
        if changes:
            found.append(EntryDiff(code, CHANGED, title, changes))
    found += [EntryDiff(code, REMOVED, named(entry)[0]) for code, entry in old.items() if code not in new]
    return tuple(found)


def _changes(before: dict[str, str], after: dict[str, str]) -> tuple[Change, ...]:
    """The fields whose words differ, in the order of `after` (then those only `before` has)."""
    labels = list(after) + [label for label in before if label not in after]
    return tuple(Change(label, before.get(label, EMPTY), after.get(label, EMPTY)) for label in labels
                 if before.get(label, EMPTY) != after.get(label, EMPTY))


class _Words:
    """Values as people read them: dd/mm/yyyy, decimal comma, Có/Không, the workbook's labels."""

    def __init__(self, labels: Labels):
        self.labels = labels

    def label(self, kind: str, value: Any) -> str:
        return self.labels.get(kind, {}).get(value, str(value))

    def __call__(self, value: Any) -> str:
        if value is None or value == "" or value == ():
            return EMPTY
        if isinstance(value, bool):
            return YES if value else NO
        if isinstance(value, dt.date):
            return format_vn_date(value)
        if isinstance(value, float):
            return (str(int(value)) if value.is_integer() else repr(value)).replace(".", ",")
        if isinstance(value, int):
            return str(value)
        return str(value)


def _item_fields(item: Item, show: _Words) -> dict[str, str]:
    due = item.due
    return {
        "Mục": item.dimension,
        "Câu hỏi": show(item.question),
        "Hướng dẫn kiểm tra": show(item.guidance),
        "Kiểu trả lời": show.label("type", item.type),
        "Cho phép “Không áp dụng”": show(item.na_allowed),
        "Bắt buộc trả lời": show(item.required),
        "Cần ảnh minh chứng": show(item.evidence),
        "Chỉ là số liệu đầu vào": show(item.input_only),
        "Đơn vị": show(item.unit),
        "Tối thiểu": show(item.min),
        "Tối đa": show(item.max),
        "Các lựa chọn": show("; ".join(f"{c.value}: {c.label}" for c in item.choices)),
        "Là phần của": show(item.part_of),
        "Hạn công khai": EMPTY if due is None else _due_words(due, show),
        "Hiệu lực từ": FROM_VERSION if item.effective_from is None else show(item.effective_from),
        "Hiệu lực đến": FROM_VERSION if item.effective_to is None else show(item.effective_to),
    }


def _due_words(due, show: _Words) -> str:
    after = f"ngày của tiêu chí {due.item}" if due.item else \
        "ngày kết thúc kỳ (tháng " + "; ".join(str(m) for m in due.months) + ")"
    return f"{show.label('due.kind', due.kind)}: {due.days} ngày sau {after}"


def _rule_fields(rule: Rule, side: _Side, show: _Words) -> dict[str, str]:
    start, end = version_days(rule, side.checklist)
    return {
        "Mã phát hiện": rule.code,
        "Các tiêu chí": show("; ".join(rule.items)),
        "Điều kiện": _condition_words(rule, side.checklist),
        "Loại kết luận": show.label("kind", rule.kind),
        "Mức độ": show.label("severity", rule.severity),
        "Kết luận": show(rule.title),
        "Biện pháp khắc phục": show(rule.remediation),
        "Người chịu trách nhiệm": show(rule.responsible),
        "Thời hạn khắc phục": rule.deadline.describe(),
        "Căn cứ pháp lý": _citations(rule.legal_basis, show),
        "Xét theo": show.label("measures", rule.measures),
        "Tính tái phạm": show(rule.repeatable),
        "Hiệu lực từ": FROM_VERSION if start else show(rule.effective_from),
        "Hiệu lực đến": FROM_VERSION if end else show(rule.effective_to),
    }


def version_days(rule: Rule, checklist: Checklist) -> tuple[bool, bool]:
    """Whether the rule starts and ends with its version (a rule about the previous month, a month earlier)."""
    def bounds(day: dt.date | None) -> set[dt.date | None]:
        return {day, first_day_of_previous_month(day)} if day else {None}

    return rule.effective_from in bounds(checklist.effective_from), rule.effective_to in bounds(checklist.effective_to)


def _condition_words(rule: Rule, checklist: Checklist) -> str:
    """The condition in the condition language; a condition the language cannot say, as its JSON."""
    try:
        return describe_condition(rule.condition, checklist.items)
    except ConditionError:
        return str(rule.condition)


def _citations(citations: Iterable[Citation], show: _Words) -> str:
    """Each citation's text, with its own period where it is shorter than its instrument's."""
    texts = []
    for citation in citations:
        instrument = citation.instrument
        own = (citation.effective_from, citation.effective_to) != (instrument.effective_from, instrument.effective_to)
        period = f" (từ {show(citation.effective_from)}" + (
            f" đến {show(citation.effective_to)}" if citation.effective_to else "") + ")" if own else ""
        texts.append(citation.text + period)
    return show("; ".join(texts))


def _scoring_fields(checklist: Checklist, show: _Words) -> dict[str, str]:
    policy = checklist.scoring
    fields = {f"Trọng số tiêu chí {code}": show(float(weight)) for code, weight in policy.item_weights.items()}
    fields |= {f"Hệ số mức độ {show.label('severity', severity)}": show(float(factor))
               for severity, factor in policy.severity_factors.items()}
    fields["Hệ số tái phạm"] = show(float(policy.repeat_factor))
    fields["Giải thích cách tính điểm"] = show(policy.explanation)
    return fields


def _version_fields(checklist: Checklist) -> dict[str, str]:
    show = _Words({})
    return {"Số phiên bản": show(checklist.version), "Tên bộ tiêu chí": show(checklist.title),
            "Căn cứ pháp lý": _citations(checklist.basis, show), "Hiệu lực từ": show(checklist.effective_from),
            "Hiệu lực đến": show(checklist.effective_to) if checklist.effective_to else OPEN_ENDED}

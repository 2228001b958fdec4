"""One inspection's assessment, apart from the rule engine itself.

The evaluation contract's input is parsed into an `InspectionInput`, turned into the facts the
rules match (with every cross-fact comparison derived here, in Python), and the rules that fired
are turned back into findings with deadlines, repeat offences and scores.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from .checklists import NOT_APPLICABLE, AnswerError, Checklist, parse_iso_date, shown
from .deadlines import WorkingCalendar
from .rules import ESCALATION, Finding, Rule, RuleSet

# A previous finding's remediation status, and its name on the follow-up pages and in rule conditions.
PREVIOUS_STATUSES = {"open": "Chưa khắc phục", "submitted": "Chờ xác nhận", "verified": "Đã khắc phục"}
DOCUMENT_KEYS = {"checklist", "checklist_version", "inspection_date", "commune", "answers", "evidence", "previous"}


class InvalidInput(ValueError):
    """The document does not follow the evaluation contract; one Vietnamese line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class CatalogView(Protocol):
    def checklist_for(self, checklist_id: str, day: dt.date) -> Checklist | None: ...
    def checklist(self, checklist_id: str, version: int) -> Checklist | None: ...


@dataclass(frozen=True)
class PreviousFinding:
    code: str
    deadline: dt.date | None
    status: str


@dataclass(frozen=True)
class InspectionInput:
    checklist: Checklist
    inspection_date: dt.date
    commune_code: str | None
    villages: int
    answers: dict[str, Any]
    evidence: dict[str, int] = field(default_factory=dict)
    previous_date: dt.date | None = None
    previous: tuple[PreviousFinding, ...] = ()


def _whole(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def parse_document(doc: Any, catalog: CatalogView) -> InspectionInput:
    """Validate a document of the evaluation contract; raise InvalidInput listing every problem."""
    if not isinstance(doc, dict):
        raise InvalidInput(["tài liệu: cần một đối tượng JSON"])
    problems: list[str] = [f"{key}: trường không có trong định dạng đánh giá" for key in doc if key not in DOCUMENT_KEYS]
    day = None
    try:
        day = parse_iso_date(doc.get("inspection_date"))
    except AnswerError as error:
        problems.append(f"inspection_date: {error}")
    checklist = _checklist(doc, day, catalog, problems)
    commune = doc.get("commune")
    villages, code = None, None
    if not isinstance(commune, dict):
        problems.append("commune: thiếu thông tin xã (cần {\"code\": …, \"villages\": …})")
    else:
        villages, code = commune.get("villages"), commune.get("code")
        if not _whole(villages, 1):
            problems.append(f"commune.villages: cần số thôn, tổ dân phố là số nguyên ≥ 1 (nhận được: {shown(villages)})")
        if code is not None and not (isinstance(code, str) and code.isdigit() and len(code) <= 10):
            problems.append(f"commune.code: mã xã phải là chuỗi chữ số (nhận được: {shown(code)})")
        problems.extend(f"commune.{k}: trường không hợp lệ" for k in commune if k not in ("code", "villages", "name"))
    answers = _answers(doc.get("answers", {}), checklist, problems)
    evidence = _evidence(doc.get("evidence", {}), checklist, problems)
    previous_date, previous = _previous(doc.get("previous"), day, problems)
    if problems:
        raise InvalidInput(problems)
    return InspectionInput(checklist, day, code, villages, answers, evidence, previous_date, previous)


def stored_input(checklist: Checklist, inspection_date: dt.date, commune_code: str, villages: int,
                 answers: dict[str, Any], evidence: dict[str, int],
                 previous: tuple[PreviousFinding, ...]) -> InspectionInput:
    """The input of an inspection the app stored: every answer was validated when it was saved, so the
    stored JSON values are only converted back (dates), never validated again."""
    values = {code: checklist.items[code].load(value) for code, value in answers.items() if value is not None}
    return InspectionInput(checklist, inspection_date, commune_code, villages, values, dict(evidence), None, previous)


def _checklist(doc: dict, day: dt.date | None, catalog: CatalogView, problems: list[str]) -> Checklist | None:
    """The checklist version the document names (or the one in force on its date), with the items in
    force on that date."""
    checklist_id, version = doc.get("checklist"), doc.get("checklist_version")
    if not isinstance(checklist_id, str):
        problems.append("checklist: thiếu mã checklist (ví dụ \"papi-xa\")")
        return None
    if version is not None:
        found = catalog.checklist(checklist_id, version) if _whole(version, 1) else None
        if found is None:
            problems.append(f"checklist_version: không có checklist {checklist_id} phiên bản {shown(version)}")
        return found.on(day) if found and day else found
    if day is None:  # the date is reported: which version's items apply is unknown until it is fixed
        return None
    found = catalog.checklist_for(checklist_id, day)
    if found is None:
        problems.append(f"checklist: không có checklist {checklist_id!r} có hiệu lực ngày {day:%d/%m/%Y}")
    return found.on(day) if found else None
    if day is None:  # the date is reported: which version's items apply is unknown until it is fixed
        return None
    found = catalog.checklist_for(checklist_id, day)
    if found is None:
        problems.append(f"checklist: không có checklist {checklist_id!r} có hiệu lực ngày {day:%d/%m/%Y}")
    return found


def _answers(raw: Any, checklist: Checklist | None, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.append("answers: cần một đối tượng {mã tiêu chí: giá trị}")
        return {}
    if checklist is None:
        return {}
    answers = {}
    for code, value in raw.items():
        item = checklist.items.get(code)
        if item is None:
            problems.append(f"{code}: mã tiêu chí không có trong checklist {checklist.key}")
            continue
        try:
            answers[code] = item.validate(value)
        except AnswerError as error:
            problems.append(f"{code}: {error}")
    return answers


def _evidence(raw: Any, checklist: Checklist | None, problems: list[str]) -> dict[str, int]:
    if not isinstance(raw, dict):
        problems.append("evidence: cần một đối tượng {mã tiêu chí: số ảnh}")
        return {}
    counts = {}
    for code, count in raw.items():
        if checklist is not None and code not in checklist.items:
            problems.append(f"evidence.{code}: mã tiêu chí không có trong checklist {checklist.key}")
        elif not _whole(count, 0):
            problems.append(f"evidence.{code}: số ảnh phải là số nguyên ≥ 0 (nhận được: {shown(count)})")
        else:
            counts[code] = count
    return counts


def _previous(raw: Any, day: dt.date | None, problems: list[str]) -> tuple[dt.date | None, tuple[PreviousFinding, ...]]:
    if raw is None:
        return None, ()
    if not isinstance(raw, dict) or not isinstance(raw.get("findings", []), list):
        problems.append("previous: cần {\"inspection_date\": …, \"findings\": [...]}")
        return None, ()
    previous_date = None
    try:
        previous_date = parse_iso_date(raw.get("inspection_date"))
        if day and previous_date >= day:
            problems.append("previous.inspection_date: lần kiểm tra trước phải trước ngày kiểm tra này")
    except AnswerError as error:
        problems.append(f"previous.inspection_date: {error}")
    findings = []
    for index, entry in enumerate(raw.get("findings", [])):
        where = f"previous.findings[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str) or not entry["code"]:
            problems.append(f"{where}.code: thiếu mã phát hiện")
            continue
        status = entry.get("status")
        if status not in PREVIOUS_STATUSES:
            problems.append(f"{where}.status: cần một trong {', '.join(PREVIOUS_STATUSES)} (nhận được: {shown(status)})")
            continue
        deadline = None
        if entry.get("deadline") is not None:
            try:
                deadline = parse_iso_date(entry["deadline"])
            except AnswerError as error:
                problems.append(f"{where}.deadline: {error}")
                continue
        findings.append(PreviousFinding(entry["code"], deadline, status))
    return previous_date, tuple(findings)


def build_facts(inspection: InspectionInput) -> list[dict[str, Any]]:
    """The facts the rules match. Values that compare two answers are derived here, never in a rule."""
    checklist, answers = inspection.checklist, inspection.answers
    facts = []
    for code, item in checklist.items.items():
        value = answers.get(code)
        if value is None and item.required:
            continue
        as_fact = value if value is None or value == NOT_APPLICABLE else item.answer_type.to_fact(value)
        fact = {"item": code, "value": as_fact,
                "photos": inspection.evidence.get(code, 0), "evidence": item.evidence}
        if item.part_of and isinstance(value, (int, float)):
            whole = inspection.villages if item.part_of == "villages" else answers.get(item.part_of)
            if isinstance(whole, (int, float)):
                fact["shortfall"] = whole - value
        if item.due:
            due = item.due.due_date(inspection.inspection_date, answers)
            if due is not None and value is None:
                fact["undisclosed_past_due"] = inspection.inspection_date > due
            elif due is not None:
                fact["days_late"] = (value - due).days
        facts.append(fact)
    for previous in inspection.previous:
        fact = {"t": "previous", "code": previous.code, "status": previous.status}
        if previous.deadline:
            fact["days_overdue"] = (inspection.inspection_date - previous.deadline).days
        facts.append(fact)
    return facts


class FiringView(Protocol):
    rule_id: str
    facts: tuple[dict[str, Any], ...]


def assess(inspection: InspectionInput, ruleset: RuleSet, firings: Iterable[FiringView],
           calendar: WorkingCalendar) -> list[Finding]:
    """Turn fired rules into findings: deadlines, legal basis in force, X-01 escalation, order."""
    rules = {rule.id: rule for rule in ruleset.rules}
    day = inspection.inspection_date
    findings: list[tuple[tuple, Finding]] = []
    escalations: dict[str, Rule] = {}
    for firing in firings:
        rule = rules[firing.rule_id]
        fact = firing.facts[0]
        if rule.kind == ESCALATION:
            escalations[fact["code"]] = rule
            continue
        items = rule.items or _items_of(fact, ruleset, inspection.checklist)
        title = rule.title.replace("{code}", fact.get("code", rule.code))
        finding = Finding(
            rule_id=rule.id, code=rule.code, items=items, kind=rule.kind, severity=rule.severity, repeat=False,
            deadline=rule.deadline.due(day, calendar), title=title, legal_basis=rule.basis_on(day),
            remediation=rule.remediation, responsible=rule.responsible,
        )
        findings.append((_order(finding, rule, ruleset, inspection.checklist), finding))
    findings.sort(key=lambda pair: pair[0])
    result = []
    for _, finding in findings:
        by = escalations.get(finding.code)
        repeatable = rules[finding.rule_id].repeatable
        result.append(finding.escalated(by, day) if by and repeatable else finding)
    return result


def _items_of(fact: dict[str, Any], ruleset: RuleSet, checklist: Checklist) -> tuple[str, ...]:
    """Items of a cross-cutting finding: the answered item, or the items of the previous finding."""
    if "item" in fact:
        return (fact["item"],)
    code = fact.get("code", "")
    if code in checklist.items:
        return (code,)
    earlier = ruleset.by_code(code)
    return earlier.items if earlier else ()


def _order(finding: Finding, rule: Rule, ruleset: RuleSet, checklist: Checklist) -> tuple:
    """Item findings in checklist order, then cross-cutting ones in rule-file order."""
    rule_index = ruleset.rules.index(rule)
    if finding.code in checklist.items:
        return (0, checklist.position(finding.code), rule_index, ())
    first_item = min((checklist.position(c) for c in finding.items if c in checklist.items), default=0)
    return (1, rule_index, first_item, finding.items)


def missing_items(inspection: InspectionInput) -> list[str]:
    """Required items without an answer: finalising is refused until they are answered (N-01)."""
    return [code for code, item in inspection.checklist.items.items()
            if item.required and inspection.answers.get(code) is None]

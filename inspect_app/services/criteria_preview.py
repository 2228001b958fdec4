"""Try a draft criteria version: its differences from the version in force and what it would change in
the last year's finalised inspections (a dry run).

Nothing is written. The dry run asks "what if the draft replaced the version in force": each
finalised inspection of the same checklist is evaluated twice with the same inputs (its stored
answers, its photos, its previous inspection's findings as they stand now), once by the version in
force as it stands from the draft's start and once by the draft, each as if in force on the
inspection's date. So only the department's own changes show, not what ended before the draft
starts (left out of both), nor the differences between the versions the inspections were made with.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..criteria.layout import DUE_LABELS, KIND_LABELS, MEASURE_LABELS, SEVERITY_LABELS, TYPE_LABELS
from ..domain.assessment import stored_input
from ..domain.catalog import Catalog
from ..domain.checklists import AnswerError, Checklist
from ..domain.criteria_diff import CriteriaDiff, as_from, diff_versions, version_days
from ..domain.rules import Finding, RuleSet
from ..evaluation import evaluate_input
from ..models import FINALISED, Inspection
from . import Invalid
from .inspections import evidence_of
from .previous import previous_of

MAX_WORKBOOK_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a workbook is a zip: refuse one that unpacks to far more than it weighs
ZIP_SIGNATURE = b"PK\x03\x04"
DRY_RUN_DAYS = 365
LABELS = {"type": TYPE_LABELS, "kind": KIND_LABELS, "severity": SEVERITY_LABELS, "measures": MEASURE_LABELS,
          "due.kind": DUE_LABELS}
NOT_A_WORKBOOK = "Tệp tải lên không phải bảng tính Excel (.xlsx); hãy chọn tệp bảng tiêu chí đã xuất từ hệ thống."


@dataclass(frozen=True)
class RuleCount:
    """One rule's findings over the dry run: under the versions the inspections were finalised with, under
    the draft, and how many appear and disappear."""

    rule_id: str
    title: str
    before: int
    after: int
    appear: int
    disappear: int


@dataclass(frozen=True)
class DryRun:
    since: dt.date
    until: dt.date
    inspections: int
    changed: int  # inspections whose findings differ
    dropped_answers: int  # stored answers the draft's items no longer accept (left unanswered)
    rules: tuple[RuleCount, ...]  # every rule with a finding on either side, those that change first


@dataclass(frozen=True)
class Comparison:
    """A draft beside the version in force: its differences and its dry run."""

    checklist: Checklist  # the draft's version
    current: Checklist | None  # the version in force it is compared with
    diff: CriteriaDiff | None
    dry_run: DryRun


def compare(session: Session, catalog: Catalog, draft_catalog: Catalog, checklist: Checklist,
            today: dt.date) -> Comparison:
    """The draft `checklist` (loaded in `draft_catalog`) against the version in force on `today`, and run
    over the finalised inspections of the year up to `today`. Reads only."""
    rules = draft_catalog.ruleset(checklist)
    current = catalog.checklist_for(checklist.id, today) or catalog.latest(checklist.id)
    diff = None
    if current is not None:
        old, old_rules = current, catalog.ruleset(current)
        if current.effective_from < checklist.effective_from:  # what ended before the draft starts is not a change
            old, old_rules = as_from(current, old_rules, checklist.effective_from)
        diff = diff_versions(old, old_rules, checklist, rules, LABELS)
    return Comparison(checklist, current, diff, dry_run(session, catalog, draft_catalog, checklist, today))


def workbook_bytes(upload: BinaryIO) -> bytes:
    """The upload, if it is a workbook by its content (a zip within the size limits), else Invalid."""
    data = upload.read(MAX_WORKBOOK_BYTES + 1)
    if len(data) > MAX_WORKBOOK_BYTES:
        raise Invalid(f"Tệp bảng tính lớn hơn {MAX_WORKBOOK_BYTES // (1024 * 1024)} MB.")
    if not data.startswith(ZIP_SIGNATURE):
        raise Invalid(NOT_A_WORKBOOK)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise Invalid(NOT_A_WORKBOOK) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise Invalid("Tệp bảng tính giải nén ra quá lớn; hãy xuất lại bảng tiêu chí từ hệ thống.")
    return data


def dry_run(session: Session, catalog: Catalog, draft_catalog: Catalog, checklist: Checklist,
            today: dt.date) -> DryRun:
    """Judge the answers of the year's finalised inspections of the draft's checklist by the version in force
    (as from the draft's start) and by the draft."""
    since = today - dt.timedelta(days=DRY_RUN_DAYS)
    rules = as_in_force(checklist, draft_catalog.ruleset(checklist))
    judge = replace(draft_catalog, rulesets={checklist.key: rules})
    current = catalog.checklist_for(checklist.id, today) or catalog.latest(checklist.id)
    current_rules = catalog.ruleset(current)
    if current.effective_from < checklist.effective_from:
        current, current_rules = as_from(current, current_rules, checklist.effective_from)
    judge_before = replace(catalog, rulesets={current.key: as_in_force(current, current_rules)})
    inspections = session.scalars(
        select(Inspection).options(selectinload(Inspection.answers), selectinload(Inspection.photos))
        .where(Inspection.status == FINALISED, Inspection.checklist_id == checklist.id,
               Inspection.inspection_date.between(since, today))
        .order_by(Inspection.inspection_date, Inspection.id)).all()
    before, after, appear, disappear = Counter(), Counter(), Counter(), Counter()
    titles = {rule.id: rule.title for rule in rules.rules}
    changed = dropped = 0
    for inspection in inspections:
        evidence, previous = evidence_of(inspection), previous_of(session, inspection).for_evaluation()
        day = inspection.inspection_date
        kept, _ = _fitting(current.on(day), inspection)
        old = evaluate_input(stored_input(current.on(day), day, inspection.commune_code, inspection.villages,
                                          kept, evidence, previous), judge_before).findings
        answers, rejected = _fitting(checklist.on(day), inspection)
        dropped += rejected
        new = evaluate_input(stored_input(checklist.on(day), day, inspection.commune_code, inspection.villages,
                                          answers, evidence, previous), judge).findings
        old_keys, new_keys = _keys(old), _keys(new)
        before.update(rule for rule, _ in old_keys.elements())
        after.update(rule for rule, _ in new_keys.elements())
        appear.update(rule for rule, _ in (new_keys - old_keys).elements())
        disappear.update(rule for rule, _ in (old_keys - new_keys).elements())
        changed += old_keys != new_keys
        for finding in old:  # a rule the draft removes keeps the title its findings had
            titles.setdefault(finding.rule_id, finding.title)
    counts = [RuleCount(rule, titles[rule], before[rule], after[rule], appear[rule], disappear[rule])
              for rule in titles if before[rule] or after[rule]]
    counts.sort(key=lambda c: not (c.appear or c.disappear))  # stable: the draft's order within each group
    return DryRun(since, today, len(inspections), changed, dropped, tuple(counts))


def as_in_force(checklist: Checklist, ruleset: RuleSet) -> RuleSet:
    """The draft's rules as if the draft had been in force on any day: a rule that starts or ends with its
    version is opened at that end, while dates of a rule's own (a duty that starts in 2026) still hold."""
    def opened(rule):
        starts, ends = version_days(rule, checklist)
        return replace(rule, effective_from=dt.date.min if starts else rule.effective_from,
                       effective_to=None if ends else rule.effective_to)

    return replace(ruleset, rules=tuple(opened(rule) for rule in ruleset.rules))


def _fitting(checklist: Checklist, inspection: Inspection) -> tuple[dict[str, Any], int]:
    """The stored answers to the draft's items that the draft's items accept, and how many it refuses."""
    fitting, refused = {}, 0
    for answer in inspection.answers:
        item = checklist.items.get(answer.item_code)
        if item is None or answer.value is None:
            continue
        try:
            item.validate(answer.value)
        except AnswerError:
            refused += 1
            continue
        fitting[answer.item_code] = answer.value
    return fitting, refused


def _keys(findings: tuple[Finding, ...]) -> Counter:
    """Findings as what the dry run compares: which rule, on which items."""
    return Counter((finding.rule_id, finding.items) for finding in findings)

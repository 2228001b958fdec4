"""Checklist versions made by the department: import a workbook as a draft, publish it, serve the catalog.

Shipped versions live in checklists/ and rules/; the department's live in the database
(models.CriteriaVersion) as the same two YAML texts, validated by the same loader
(domain.catalog.load_catalog with `stored`). A draft may be replaced by a new upload or deleted; a
published version is never changed. Every worker holds the catalog it serves in a CatalogHolder,
which reloads when the database has more published versions than it loaded (checked at most every
CATALOG_CHECK_SECONDS, and always before a version is chosen for a new inspection).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import io
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from ..criteria.importer import Problem, import_workbook
from ..criteria.rebase import Rebase
from ..criteria.versions import dump_yaml
from ..domain.assessment import stored_input
from ..domain.catalog import Catalog, CatalogError, StoredVersion, load_catalog
from ..domain.checklists import AnswerError, Checklist, Item
from ..evaluation import Evaluation, cached_catalog, evaluate_input
from ..models import CRITERIA_DRAFT, CRITERIA_PUBLISHED, CriteriaVersion, Inspection, User, utcnow
from . import Conflict, Forbidden, Invalid, NotFound, audit
from .criteria_preview import as_in_force, workbook_bytes
from .transactions import transaction

PUBLISH_LOCK_KEY = 0x43524954  # "CRIT": pg_advisory_xact_lock's key for publishing
MAX_FILE_NAME = 255


def require_admin(actor: User) -> None:
    """Only administrators make, try and publish criteria versions."""
    if actor.role != "admin":
        raise Forbidden("Chỉ quản trị viên được quản lý phiên bản bảng tiêu chí.")


def stored_of(row: CriteriaVersion) -> StoredVersion:
    return StoredVersion(row.checklist_id, row.version, row.checklist_yaml, row.rules_yaml)


def published_versions(session: Session) -> list[StoredVersion]:
    rows = session.scalars(select(CriteriaVersion).where(CriteriaVersion.status == CRITERIA_PUBLISHED)
                           .order_by(CriteriaVersion.checklist_id, CriteriaVersion.version))
    return [stored_of(row) for row in rows]


def published_count(session: Session) -> int:
    """What the catalog's freshness is measured by: published versions are never deleted, so a new one
    always raises the count."""
    return session.scalar(select(func.count()).select_from(CriteriaVersion)
                          .where(CriteriaVersion.status == CRITERIA_PUBLISHED))


class CatalogHolder:
    """The catalog one process serves: the folder's versions and the published ones of the database."""

    def __init__(self, root: Path | str, check_seconds: float):
        self.root, self.check_seconds = Path(root), check_seconds
        self._catalog = cached_catalog(self.root)
        self._count: int | None = None  # published versions loaded; None until the database answered
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def start(self, session: Session) -> None:
        """Load the published versions at start-up; a database not created yet (before init-db) has none.
        A SQLite file that does not exist is not created by asking (restore wants an empty place)."""
        url = session.get_bind().url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
                and not Path(url.database).exists():
            return
        try:
            self.refresh(session)
        except (OperationalError, ProgrammingError):
            session.rollback()

    @property
    def loaded(self) -> Catalog:
        """The catalog as last loaded, without asking the database (scripts and tests that hold the only writer)."""
        return self._catalog

    def current(self, session: Session, fresh: bool = False) -> Catalog:
        """The catalog, reloaded first if another worker published since it was loaded; `fresh` checks now."""
        if fresh or self._count is None or time.monotonic() - self._checked >= self.check_seconds:
            self.refresh(session)
        return self._catalog

    def refresh(self, session: Session) -> None:
        count = published_count(session)
        self._checked = time.monotonic()
        if count == self._count:
            return
        with self._lock:
            stored = published_versions(session)
            self._catalog = load_catalog(self.root, stored) if stored else cached_catalog(self.root)
            self._count = len(stored)


def _next_number(session: Session, catalog: Catalog, checklist_id: str) -> int:
    in_db = session.scalar(select(func.max(CriteriaVersion.version))
                           .where(CriteriaVersion.checklist_id == checklist_id)) or 0
    return max([in_db, *(c.version for c in catalog.checklists.get(checklist_id, ()))]) + 1


@dataclasses.dataclass(frozen=True)
class ImportOutcome:
    """A stored draft, or the workbook's problems (nothing stored)."""

    draft: CriteriaVersion | None
    problems: tuple[Problem, ...] = ()
    replaced: bool = False  # the upload replaced a draft of the same number


@transaction(retry=False)
def import_draft(session: Session, catalog: Catalog, actor: User, upload: BinaryIO, file_name: str,
                 root: Path | str, today: dt.date) -> ImportOutcome:
    """Store an uploaded workbook as a draft version, or list its problems and store nothing.

    The draft keeps the workbook's number if that is a draft's (the upload replaces it), else takes the
    next free number: published and shipped versions are never replaced. It starts no earlier than
    `today`, since it can only be published from today on."""
    require_admin(actor)
    data = workbook_bytes(upload)
    replaced: list[CriteriaVersion] = []

    def numbered(checklist_id: str, asked: int) -> int:
        draft = session.scalar(select(CriteriaVersion).where(
            CriteriaVersion.checklist_id == checklist_id, CriteriaVersion.version == asked,
            CriteriaVersion.status == CRITERIA_DRAFT).with_for_update())
        if draft is not None:
            replaced.append(draft)
            return asked
        return _next_number(session, catalog, checklist_id)

    def earliest(checklist_id: str) -> dt.date:
        """Today, or the day after the latest version starts: versions follow each other in date and number."""
        return max([today, *(c.effective_from + dt.timedelta(days=1) for c in catalog.checklists.get(checklist_id, ()))])

    result = import_workbook(io.BytesIO(data), root, published_versions(session), numbered=numbered,
                             earliest=earliest, register=catalog.register)
    if result.draft is None:
        return ImportOutcome(None, result.problems)
    draft = result.draft
    checklist = draft.catalog.checklist(draft.checklist_id, draft.version)
    existing = replaced[0] if replaced else None
    row = existing or CriteriaVersion(checklist_id=draft.checklist_id, version=draft.version, status=CRITERIA_DRAFT)
    row.title, row.checklist_yaml, row.rules_yaml = checklist.title, draft.checklist_yaml, draft.rules_yaml
    row.effective_from, row.left_out = checklist.effective_from, list(draft.left_out)
    row.source_name = (file_name or "bang-tieu-chi.xlsx")[:MAX_FILE_NAME]
    row.created_by, row.created_at = actor, utcnow()
    session.add(row)
    session.flush()
    audit.record(session, actor, "import_criteria", "criteria_version", row.id, checklist=row.checklist_id,
                 version=row.version, file=row.source_name, sha256=_digest(row), replaced=existing is not None)
    session.commit()
    _draft_catalog.cache_clear()
    return ImportOutcome(row, replaced=existing is not None)


def _digest(row: CriteriaVersion) -> str:
    return hashlib.sha256((row.checklist_yaml + "\0" + row.rules_yaml).encode()).hexdigest()


def get_version(session: Session, actor: User, version_id: int) -> CriteriaVersion:
    require_admin(actor)
    row = session.get(CriteriaVersion, version_id)
    if row is None:
        raise NotFound("Không có phiên bản bảng tiêu chí này.")
    return row


def department_versions(session: Session, actor: User) -> list[CriteriaVersion]:
    """The department's versions, drafts and published, newest first."""
    require_admin(actor)
    return list(session.scalars(select(CriteriaVersion)
                                .order_by(CriteriaVersion.checklist_id, CriteriaVersion.version.desc())))


def catalog_versions(session: Session, row: CriteriaVersion) -> tuple[StoredVersion, ...]:
    """The stored versions of the catalog `row` belongs to: the published ones, and `row` if a draft."""
    published = tuple(v for v in published_versions(session) if (v.checklist_id, v.version) != (row.checklist_id, row.version))
    return (*published, stored_of(row))


def draft_catalog(session: Session, root: Path | str, row: CriteriaVersion) -> Catalog:
    """The catalog with the draft in it beside the published versions, as publishing it now would make it;
    Invalid when a version published since the upload no longer lets it load."""
    *published, draft = catalog_versions(session, row)
    try:
        return _draft_catalog(Path(root), tuple(published), draft)
    except CatalogError as error:
        raise Invalid("Bản nháp không còn hợp lệ với các phiên bản đã ban hành; hãy tải bảng tính lên lại: "
                      + "; ".join(error.problems[:5])) from None


@functools.lru_cache(maxsize=4)
def _draft_catalog(root: Path, published: tuple[StoredVersion, ...], draft: StoredVersion) -> Catalog:
    """Loading takes a third of a second; a draft's page, its test and its dry run reuse one load."""
    return load_catalog(root, (*published, draft))


@transaction
def delete_draft(session: Session, actor: User, version_id: int) -> None:
    row = get_version(session, actor, version_id)
    if row.status != CRITERIA_DRAFT:
        raise Conflict("Phiên bản đã ban hành không xóa được.")
    audit.record(session, actor, "delete_criteria", "criteria_version", row.id, checklist=row.checklist_id,
                 version=row.version, sha256=_digest(row))
    session.delete(row)
    session.commit()


@transaction
def publish(session: Session, holder: CatalogHolder, actor: User, version_id: int, effective_from: dt.date,
            today: dt.date) -> CriteriaVersion:
    """Publish a draft from `effective_from` (today or later): rebased onto that day, validated with every
    published version, then immutable. Inspections keep the version in force on their date, so a start on
    or before the date of an inspection already made under an earlier version is refused."""
    require_admin(actor)
    if session.get_bind().dialect.name == "postgresql":  # one publisher at a time validates against the rest
        session.execute(select(func.pg_advisory_xact_lock(PUBLISH_LOCK_KEY)))
    row = session.scalar(select(CriteriaVersion).where(CriteriaVersion.id == version_id).with_for_update())
    if row is None:
        raise NotFound("Không có phiên bản bảng tiêu chí này.")
    if row.status != CRITERIA_DRAFT:
        raise Conflict(f"Phiên bản {row.version} đã được ban hành từ ngày {row.effective_from:%d/%m/%Y}; "
                       "phiên bản đã ban hành không sửa được.")
    if effective_from < today:
        raise Invalid("Ngày có hiệu lực phải là hôm nay hoặc một ngày sau.",
                      errors={"effective_from": f"Chọn từ ngày {today:%d/%m/%Y} trở đi."})
    catalog = holder.current(session, fresh=True)
    _check_order(catalog, row, effective_from)
    _check_inspections(session, row, effective_from)
    if effective_from != row.effective_from:
        rebase = Rebase(effective_from, catalog.register)
        checklist, rules = rebase.version(yaml.safe_load(row.checklist_yaml), yaml.safe_load(row.rules_yaml))
        row.checklist_yaml, row.rules_yaml = dump_yaml(checklist), dump_yaml(rules)
        row.left_out = [*row.left_out, *rebase.left_out]
    try:
        load_catalog(holder.root, (*published_versions(session), stored_of(row)))
    except CatalogError as error:
        raise Invalid("Bản nháp không hợp lệ khi có hiệu lực từ ngày " f"{effective_from:%d/%m/%Y}: "
                      + "; ".join(error.problems[:5]), errors={"effective_from": "; ".join(error.problems[:5])}) from None
    row.status, row.effective_from = CRITERIA_PUBLISHED, effective_from
    row.published_by, row.published_at = actor, utcnow()
    audit.record(session, actor, "publish_criteria", "criteria_version", row.id, checklist=row.checklist_id,
                 version=row.version, effective_from=effective_from.isoformat(), sha256=_digest(row))
    session.commit()
    holder.refresh(session)
    return row


def _check_order(catalog: Catalog, row: CriteriaVersion, effective_from: dt.date) -> None:
    """Versions follow each other in number and date: the draft starts after every version there is."""
    versions = catalog.checklists.get(row.checklist_id, ())
    later = [c for c in versions if c.version > row.version]
    if later:
        raise Conflict(f"Đã có phiên bản {later[-1].version} ban hành sau bản nháp này; hãy tải bảng tính lên lại "
                       "để có bản nháp mới.")
    last = versions[-1] if versions else None
    if last is not None and effective_from <= last.effective_from:
        raise Invalid(f"Phiên bản {last.version} có hiệu lực từ ngày {last.effective_from:%d/%m/%Y}; phiên bản "
                      "mới phải có hiệu lực sau ngày đó.",
                      errors={"effective_from": f"Chọn một ngày sau {last.effective_from:%d/%m/%Y}."})


def _check_inspections(session: Session, row: CriteriaVersion, effective_from: dt.date) -> None:
    """No inspection dated on or after the start was made under an earlier version: it would then be judged
    by a version not in force on its date."""
    made = session.execute(select(func.count(), func.max(Inspection.inspection_date)).where(
        Inspection.checklist_id == row.checklist_id, Inspection.checklist_version < row.version,
        Inspection.inspection_date >= effective_from)).one()
    if made[0]:
        raise Invalid(f"Đã có {made[0]} cuộc kiểm tra lập theo phiên bản trước với ngày kiểm tra từ "
                      f"{effective_from:%d/%m/%Y} (muộn nhất ngày {made[1]:%d/%m/%Y}); hãy chọn ngày có hiệu lực "
                      "sau các ngày đó.", errors={"effective_from": f"Chọn một ngày sau {made[1]:%d/%m/%Y}."})




@dataclasses.dataclass(frozen=True)
class Trial:
    """One set of answers judged by the draft and by the version in force: findings and scores side by side."""

    errors: dict[str, str]  # item code -> why its answer was refused (the answer is then left out)
    draft: Evaluation
    current: Evaluation | None
    not_in_current: tuple[str, ...]  # answered items the version in force lacks or reads differently


def try_answers(catalog: Catalog, draft_catalog: Catalog, checklist: Checklist, values: dict[str, Any],
                day: dt.date, villages: int) -> Trial:
    """Judge answers typed on the draft's test page by the draft (as if in force on `day`) and by the version
    in force on `day`; nothing is stored."""
    draft_items = checklist.on(day)
    errors, answers = {}, {}
    for code, value in values.items():
        item = draft_items.items.get(code)
        if item is None or value is None:
            continue
        try:
            item.validate(value)
        except AnswerError as error:
            errors[code] = str(error)
            continue
        answers[code] = value
    judge = dataclasses.replace(draft_catalog, rulesets={checklist.key: as_in_force(checklist, draft_catalog.ruleset(checklist))})
    draft = evaluate_input(stored_input(draft_items, day, "", villages, answers, {}, ()), judge)
    current_version = catalog.checklist_for(checklist.id, day)
    if current_version is None:
        return Trial(errors, draft, None, tuple(answers))
    in_force = current_version.on(day)
    fitting, skipped = {}, []
    for code, value in answers.items():
        if _accepts(in_force.items.get(code), value):
            fitting[code] = value
        else:
            skipped.append(code)
    current = evaluate_input(stored_input(in_force, day, "", villages, fitting, {}, ()), catalog)
    return Trial(errors, draft, current, tuple(skipped))


def _accepts(item: Item | None, value: Any) -> bool:
    try:
        return item is not None and (item.validate(value) is not None)
    except AnswerError:
        return False

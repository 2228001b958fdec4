"""Inspections: create, answer, attach photos, finalise, revise. Each call is one transaction."""
from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..domain.assessment import PreviousFinding, stored_input
from ..domain.catalog import Catalog
from ..domain.checklists import AnswerError, Checklist, parse_iso_date, today_in_vietnam
from ..domain.text import fold
from ..evaluation import Evaluation, evaluate_input
from ..models import (DRAFT, FINALISED, MEMBER_ROLES, SUPERSEDED, AdminUnit, Answer, CommuneRep, FindingRecord,
                      Inspection, InspectionMember, Photo, RemediationAction, UnitSuccession, User,
                      utcnow)
from . import MAX_ID, Conflict, Forbidden, Invalid, NotFound
from .accounts import can_edit, can_view, require_edit, require_view
from .audit import record
from .minutes import MinutesSettings, RecordContent, draft_minutes, freeze_minutes, minutes_number, stored_minutes
from .paging import PER_PAGE, Page, matching_search, paginate, search_term
from .plans import PLANNED_KEY, mark_started, planned_to_start, start_defaults
from .photos import ANNEX_FOLDER, StoredPhoto, exif_segment, store_photo
from .previous import Previous, findings_with_actions, previous_of, previous_query, previous_status
from .remediation import OPEN, VERIFIED, STATUS_LABELS as REMEDIATION_LABELS
from .transactions import transaction
from .units import commune_on

MAX_NOTE_LENGTH = 4000
MAX_NAME_LENGTH = 120
LOCKED_MESSAGE = "Phiếu kiểm tra đã hoàn tất và bị khóa; muốn sửa, hãy lập bản sửa đổi (phiên bản mới)."


def _clean(text: Any) -> str:
    return unicodedata.normalize("NFC", text.strip()) if isinstance(text, str) else ""


def _people(raw: Any, field: str, errors: dict[str, str], with_role: bool) -> list[dict[str, str]]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors[field] = "cần một danh sách"
        return []
    people = []
    for index, entry in enumerate(raw):
        where = f"{field}[{index}]"
        if not isinstance(entry, dict):
            errors[where] = "cần {name, position}"
            continue
        person = {"name": _clean(entry.get("name")), "position": _clean(entry.get("position"))}
        if not person["name"] or len(person["name"]) > MAX_NAME_LENGTH:
            errors[f"{where}.name"] = "thiếu họ tên (tối đa 120 ký tự)"
        if not person["position"] or len(person["position"]) > 200:
            errors[f"{where}.position"] = "thiếu chức vụ (tối đa 200 ký tự)"
        if with_role:
            person["role"] = entry.get("role", "thanh_vien")
            if person["role"] not in MEMBER_ROLES:
                errors[f"{where}.role"] = "vai trò phải là truong_doan hoặc thanh_vien"
        people.append(person)
    return people


def team_head_problem(team: list[dict[str, str]]) -> str | None:
    """A team has exactly one head (trưởng đoàn), who signs the minutes; the message when it has not."""
    if sum(person.get("role") == "truong_doan" for person in team) == 1:
        return None
    return "đoàn kiểm tra cần đúng một trưởng đoàn (họ tên, chức vụ)"


@transaction
def create_inspection(session: Session, catalog: Catalog, actor: User, data: Any,
                      today: dt.date | None = None) -> tuple[Inspection, bool]:
    """Create a draft inspection (see new_inspection) and commit it; the same client_id again, even racing in
    from another request, returns the existing one (idempotent)."""
    try:
        inspection, created = new_inspection(session, catalog, actor, data, today)
    except IntegrityError:  # the same client_id raced in from another request
        session.rollback()
        existing = session.scalar(select(Inspection).where(Inspection.client_id == data.get("client_id")))
        if existing is None:
            raise
        require_view(actor, existing)
        return existing, False
    session.commit()
    return inspection, created


def new_inspection(session: Session, catalog: Catalog, actor: User, data: Any,
                   today: dt.date | None = None) -> tuple[Inspection, bool]:
    """A draft inspection, flushed but not committed (the caller owns the transaction); an existing one for a
    client_id already used.

    With `"reinspection_of": <id>` it is a re-inspection (tái kiểm tra) of that finalised inspection:
    the checklist, commune, villages, team and commune representatives default to the previous
    inspection's, and it is refused unless the previous one is the commune's latest finalised
    inspection, the new date is after it and the commune is still the same unit on the new date.
    With `"planned_inspection_id": <id>` it starts that planned inspection (services.plans): the commune,
    team and the citation of the plan and of the decision forming the team come from the plan.
    """
    if actor.role == "commune":
        raise Forbidden("Tài khoản cấp xã không lập phiếu kiểm tra.")
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", errors={"body": "cần một đối tượng JSON"})
    client_id = data.get("client_id")
    if client_id is not None:
        if not isinstance(client_id, str) or not 8 <= len(client_id) <= 64:
            raise Invalid("Dữ liệu không hợp lệ.", errors={"client_id": "cần chuỗi 8–64 ký tự"})
        existing = session.scalar(select(Inspection).where(Inspection.client_id == client_id))
        if existing is not None:
            require_view(actor, existing)
            return existing, False
    previous = planned = None
    if data.get(PLANNED_KEY) is not None:
        try:
            planned = planned_to_start(session, actor, data[PLANNED_KEY])
        except NotFound as missing:  # a field of this request, as reinspection_of's inspection is
            raise Invalid(missing.message, errors={PLANNED_KEY: "không có lượt kiểm tra theo kế hoạch này"}) from None
        data = start_defaults(planned) | {k: v for k, v in data.items() if v is not None}
    if data.get(REINSPECTION_KEY) is not None:
        previous = reinspection_base(session, actor, data[REINSPECTION_KEY])
        data = reinspection_defaults(previous) | {k: v for k, v in data.items() if v is not None}
    errors: dict[str, str] = {}
    day = None
    try:
        day = parse_iso_date(data.get("inspection_date"))
    except AnswerError as error:
        errors["inspection_date"] = str(error)
    first, last = catalog.inspection_days(today or today_in_vietnam())
    if day and not first <= day <= last:
        errors["inspection_date"] = (f"ngày kiểm tra phải từ {first:%d/%m/%Y} (checklist đầu tiên có hiệu lực) "
                                     f"đến {last:%d/%m/%Y} (một năm sau hôm nay)")
        day = None
    checklist = catalog.checklist_for(str(data.get("checklist", "")), day) if day else None
    if day and checklist is None:
        errors["checklist"] = f"không có checklist {data.get('checklist')!s} có hiệu lực ngày {day:%d/%m/%Y}"
    villages = data.get("villages")
    if isinstance(villages, bool) or not isinstance(villages, int) or not 1 <= villages <= 500:
        errors["villages"] = "số thôn, tổ dân phố phải là số nguyên từ 1 đến 500"
    unit = None
    code = data.get("commune_code")
    if not isinstance(code, str) or not code.isdigit():
        errors["commune_code"] = "thiếu mã xã"
    elif day:
        unit = commune_on(session, code, day)
        if previous is not None:
            _check_reinspection(session, previous, code, day, unit, errors)
        elif unit is None:
            errors["commune_code"] = f"không có xã mã {code} vào ngày {day:%d/%m/%Y}"
        if planned is not None and code != planned.commune_code:
            errors["commune_code"] = f"kế hoạch giao kiểm tra {planned.commune_name} (mã {planned.commune_code})"
    team = _people(data.get("team"), "team", errors, with_role=True)
    if "team" not in errors and (problem := team_head_problem(team)):
        errors["team"] = problem
    reps = _people(data.get("commune_reps"), "commune_reps", errors, with_role=False)
    plan = _clean(data.get("plan_reference"))
    if len(plan) > 500:
        errors["plan_reference"] = "tối đa 500 ký tự"
    if errors:
        raise Invalid("Thông tin phiếu kiểm tra chưa hợp lệ.", errors=errors)
    district = unit.parent
    if actor.role == "district" and (district is None or district.code != actor.district_code):
        raise Forbidden("Bạn chỉ lập phiếu kiểm tra cho các xã, phường thuộc địa bàn của mình.")
    inspection = Inspection(
        client_id=client_id, checklist_id=checklist.id, checklist_version=checklist.version, unit=unit,
        commune_code=unit.code, commune_name=unit.name, district_code=district.code if district else None,
        district_name=district.name if district else None, inspection_date=day, villages=villages,
        team_id=planned.plan_team.team_id if planned else actor.team_id, created_by_id=actor.id, plan_reference=plan,
        members=[InspectionMember(position_index=i, **p) for i, p in enumerate(team)],
        commune_reps=[CommuneRep(position_index=i, **p) for i, p in enumerate(reps)],
    )
    session.add(inspection)
    session.flush()
    extra = {REINSPECTION_KEY: previous.id} if previous is not None else {}
    if planned is not None:
        mark_started(session, actor, planned, inspection)
        extra[PLANNED_KEY] = planned.id
    record(session, actor, "create", "inspection", inspection.id, commune=unit.code, date=day.isoformat(), **extra)
    return inspection, True


# --- re-inspection (tái kiểm tra) ------------------------------------------------------------------
# No column records it: a re-inspection is an ordinary draft of the same commune whose previous
# finalised inspection (services.previous) is the one it was started from, which is what X-01,
# X-02, the checklist page and the minutes compare against. The audit entry of its creation
# names that inspection ("create" with reinspection_of).

REINSPECTION_KEY = "reinspection_of"


def latest_finalised(session: Session, commune_code: str, unit_id: int | None = None) -> Inspection | None:
    """The commune's latest finalised inspection (by date, then id), optionally of one unit only."""
    query = select(Inspection).where(Inspection.commune_code == commune_code, Inspection.status == FINALISED)
    if unit_id is not None:
        query = query.where(Inspection.unit_id == unit_id)
    return session.scalar(query.order_by(Inspection.inspection_date.desc(), Inspection.id.desc()).limit(1))


def latest_finalised_ids(session: Session, commune_codes: set[str]) -> set[int]:
    """Of these communes, the ids of each unit's latest finalised inspection: those a re-inspection starts from."""
    if not commune_codes:
        return set()
    rows = session.execute(select(Inspection.id, Inspection.commune_code, Inspection.unit_id).where(
        Inspection.commune_code.in_(sorted(commune_codes)), Inspection.status == FINALISED,
    ).order_by(Inspection.inspection_date.desc(), Inspection.id.desc()))
    latest: dict[tuple[str, int], int] = {}
    for inspection_id, code, unit_id in rows:
        latest.setdefault((code, unit_id), inspection_id)
    return set(latest.values())


def can_reinspect(actor: User, inspection: Inspection) -> bool:
    """Whether the "Tái kiểm tra" button is offered: a finalised inspection this user may change."""
    return inspection.status == FINALISED and can_edit(actor, inspection)


def reinspection_base(session: Session, actor: User, inspection_id: Any) -> Inspection:
    """The finalised inspection a re-inspection starts from, or the reason it cannot start from it."""
    if actor.role == "commune":
        raise Forbidden("Tài khoản cấp xã không lập phiếu kiểm tra.")
    if isinstance(inspection_id, bool) or not isinstance(inspection_id, int) or inspection_id < 1:
        raise Invalid("Dữ liệu không hợp lệ.", errors={REINSPECTION_KEY: "cần mã (số nguyên) của phiếu lần trước"})
    previous = session.get(Inspection, inspection_id) if inspection_id <= MAX_ID else None
    if previous is None:
        raise Invalid("Không tìm thấy phiếu kiểm tra lần trước.",
                      errors={REINSPECTION_KEY: f"không có phiếu kiểm tra mã {inspection_id}"})
    require_view(actor, previous)
    latest = latest_finalised(session, previous.commune_code, previous.unit_id)
    # where to start instead: the error says so and the page links to it (start_from)
    instead = {"start_from": latest.id, "latest_date": latest.inspection_date.isoformat()} if latest else {}
    if previous.status == SUPERSEDED:
        raise Conflict("Phiếu này đã được thay thế bởi bản sửa đổi; hãy tái kiểm tra từ bản sửa đổi đã hoàn tất.",
                       status=previous.status, **instead)
    if previous.status != FINALISED:
        raise Conflict("Chỉ tái kiểm tra từ phiếu đã hoàn tất; phiếu này còn đang kiểm tra.", status=previous.status,
                       **instead)
    if latest is not None and latest.id != previous.id:
        raise Conflict(f"Phiếu ngày {previous.inspection_date:%d/%m/%Y} không phải lần kiểm tra gần nhất của "
                       f"{previous.commune_name}; hãy tái kiểm tra từ lần kiểm tra ngày "
                       f"{latest.inspection_date:%d/%m/%Y}.", status=previous.status, **instead)
    return previous


def offline_draft(session: Session, catalog: Catalog, actor: User, checklist_id: str, version: int,
                  previous_id: int | None = None) -> tuple[Inspection, Checklist, dict[str, Any] | None]:
    """What the tablet's checklist page for an inspection it creates without a network needs: an unsaved
    stand-in inspection, the whole checklist version (the page hides the items not in force on the date
    the inspector chose), and for a re-inspection the previous results as of today. The page is cached
    before the team leaves; the inspection itself is created when the tablet syncs (create_inspection)."""
    if actor.role == "commune":
        raise Forbidden("Tài khoản cấp xã không lập phiếu kiểm tra.")
    checklist = catalog.checklist(checklist_id, version)
    if checklist is None:
        raise NotFound("Không có biểu tiêu chí này.")
    stand_in = Inspection(checklist_id=checklist.id, checklist_version=checklist.version, status=DRAFT,
                          version=0, revision=1, copies=2, villages=0, commune_name="", district_name=None,
                          inspection_date=today_in_vietnam())
    overview = None
    if previous_id is not None:
        previous = reinspection_base(session, actor, previous_id)
        if previous.checklist_id != checklist.id:
            raise NotFound("Phiếu lần trước dùng biểu tiêu chí khác.")
        if checklist.in_force(stand_in.inspection_date):
            found = Previous(previous, findings_with_actions(session, previous.id))
            overview = previous_overview(catalog, stand_in, found, minutes_number(session, previous.id))
    return stand_in, checklist, overview


def pending_reinspections(session: Session, actor: User, previous: Inspection) -> list[Inspection]:
    """Drafts of the same commune dated after `previous` that this user may see: a re-inspection under way."""
    query = select(Inspection).where(
        Inspection.commune_code == previous.commune_code, Inspection.unit_id == previous.unit_id,
        Inspection.status == DRAFT, Inspection.replaces_id.is_(None),
        Inspection.inspection_date > previous.inspection_date,
    ).order_by(Inspection.inspection_date, Inspection.id)
    return [i for i in session.scalars(query) if can_view(actor, i)]


def reinspection_defaults(previous: Inspection) -> dict[str, Any]:
    """What a re-inspection takes from the previous inspection unless told otherwise."""
    return {
        "checklist": previous.checklist_id, "commune_code": previous.commune_code, "villages": previous.villages,
        "team": [{"name": m.name, "position": m.position, "role": m.role} for m in previous.members],
        "commune_reps": [{"name": r.name, "position": r.position} for r in previous.commune_reps],
    }


def successors_of(session: Session, unit_id: int) -> list[AdminUnit]:
    """The units a reform merged this one into (several where it was split)."""
    return list(session.scalars(select(AdminUnit).join(UnitSuccession, UnitSuccession.new_unit_id == AdminUnit.id)
                                .where(UnitSuccession.old_unit_id == unit_id).order_by(AdminUnit.code)))


def _check_reinspection(session: Session, previous: Inspection, code: str, day: Any, unit: AdminUnit | None,
                        errors: dict[str, str]) -> None:
    """Same commune, same unit on the new date (not merged away by a reform), and a later date."""
    if code != previous.commune_code:
        errors["commune_code"] = (f"phiếu tái kiểm tra phải cùng xã với phiếu lần trước "
                                  f"({previous.commune_name}, mã {previous.commune_code})")
        return
    if day <= previous.inspection_date:
        errors["inspection_date"] = (f"ngày tái kiểm tra phải sau ngày kiểm tra lần trước "
                                     f"({previous.inspection_date:%d/%m/%Y})")
        return
    if unit is None or unit.id != previous.unit_id:
        ended = previous.unit.valid_to
        successors = successors_of(session, previous.unit_id)
        if successors:
            names = ", ".join(f"{u.name} (mã {u.code})" for u in successors)
            since = min(u.valid_from for u in successors)
            errors["commune_code"] = (
                f"{previous.commune_name} (mã {previous.commune_code}) đã được sắp xếp vào {names} từ ngày "
                f"{since:%d/%m/%Y}; không thể tái kiểm tra theo mã cũ sau ngày đó. Hãy lập phiếu kiểm tra mới "
                f"cho đơn vị mới")
        else:
            until = f" đến ngày {ended:%d/%m/%Y}" if ended else ""
            errors["commune_code"] = (f"{previous.commune_name} (mã {previous.commune_code}) chỉ tồn tại{until}; "
                                      f"không thể tái kiểm tra vào ngày {day:%d/%m/%Y}")


def get_inspection(session: Session, actor: User, inspection_id: int, *, lock: bool = False) -> Inspection:
    """The inspection if this user may see it; `lock` holds its row until commit where the database can
    (PostgreSQL: SELECT … FOR UPDATE), so that a racing request waits and then sees the outcome."""
    inspection = session.get(Inspection, inspection_id, with_for_update=True if lock else None)
    if inspection is None:
        raise NotFound("Không tìm thấy phiếu kiểm tra.")
    require_view(actor, inspection)
    return inspection


def visible_query(actor: User):
    """A select of the inspections this user may see (the same rules as accounts.can_view), unordered."""
    query = select(Inspection)
    if actor.role == "admin":
        return query
    if actor.role == "district":
        return query.where(Inspection.district_code.is_not(None), Inspection.district_code == actor.district_code)
    if actor.role == "inspector":
        mine = Inspection.created_by_id == actor.id
        return query.where((Inspection.team_id == actor.team_id) | mine if actor.team_id else mine)
    return query.where(Inspection.commune_code == actor.commune_code,
                       Inspection.status.in_((FINALISED, SUPERSEDED)))


def page_inspections(session: Session, actor: User, *, page: int = 1, per_page: int = PER_PAGE,
                     commune: str | None = None, status: str | None = None, mine: bool = False,
                     search: str | None = None) -> Page[Inspection]:
    """One page of the inspections this user may see, newest first, filtered and searched the way the lists offer,
    with the total the pager needs; `search` as paging.search_term reads it ("phuc xa" finds "Phúc Xá")."""
    query = matching_search(visible_query(actor), search_term(search))
    if commune:
        query = query.where(Inspection.commune_code == commune)
    if status:
        query = query.where(Inspection.status == status)
    if mine:
        query = query.where(Inspection.created_by_id == actor.id)
    query = query.order_by(Inspection.inspection_date.desc(), Inspection.id.desc())
    return paginate(session, query, page, per_page)


def visible_communes(session: Session, actor: User) -> list[tuple[str, str]]:
    """(code, name) of every commune among the inspections this user may see, in alphabetical order as a
    reader expects it (Điện Biên before Phúc Xá, which code points would put last): the list's filter."""
    inspections = visible_query(actor).subquery()
    rows = session.execute(select(inspections.c.commune_code, inspections.c.commune_name).distinct())
    return sorted(((code, name) for code, name in rows), key=lambda c: (fold(c[1]), c[1], c[0]))


def checklist_of(catalog: Catalog, inspection: Inspection) -> Checklist:
    """The inspection's checklist version, with the items in force on its date."""
    return catalog.checklist_on(inspection.checklist_id, inspection.checklist_version, inspection.inspection_date)


def answers_of(inspection: Inspection) -> dict[str, Any]:
    return {a.item_code: a.value for a in inspection.answers if a.value is not None}


def notes_of(inspection: Inspection) -> dict[str, str]:
    return {a.item_code: a.note for a in inspection.answers if a.note}


def previous_overview(catalog: Catalog, inspection: Inspection, previous: Previous,
                      minutes_number: str | None) -> dict[str, Any] | None:
    """What the checklist shows of the commune's previous finalised inspection: answers in words, findings
    with their remediation status ("Chưa khắc phục", "Chờ xác nhận", "Đã khắc phục"); None without one.

    `overdue` marks an action still open after its deadline on this inspection's date (what X-02 flags).
    """
    if previous.inspection is None:
        return None
    checklist = checklist_of(catalog, inspection)
    earlier = checklist_of(catalog, previous.inspection)
    answers = answers_of(previous.inspection)
    display: dict[str, str] = {}
    for code in checklist.items:
        item = earlier.items.get(code)
        if item is None:
            continue  # an item the previous checklist version did not have
        raw = answers.get(code)
        try:
            display[code] = item.display(item.validate(raw))
        except AnswerError:
            display[code] = str(raw)
    findings = []
    for record_ in previous.findings:
        status = record_.action.status if record_.action else OPEN
        findings.append(finding_json(record_, catalog) | {
            "status": status, "status_label": REMEDIATION_LABELS.get(status, status),
            "overdue": status == OPEN and record_.deadline is not None
            and record_.deadline < inspection.inspection_date,
        })
    return {"id": previous.inspection.id, "inspection_date": previous.inspection.inspection_date.isoformat(),
            "minutes_number": minutes_number,
            "answers": {code: value for code, value in answers.items() if code in display}, "display": display,
            "findings": findings}


def finding_json(finding: Any, catalog: Catalog) -> dict[str, Any]:
    """A finding (domain Finding or stored FindingRecord) as the API and the pages show it: the evaluation
    contract plus whether its deadline falls in a year whose days off were not announced yet."""
    return finding.to_contract() | {"deadline_provisional": finding.deadline is not None
                                    and catalog.calendar.is_provisional(finding.deadline)}


def evaluate_inspection(catalog: Catalog, inspection: Inspection, evidence: dict[str, int],
                        previous: tuple[PreviousFinding, ...]) -> Evaluation:
    """Run the rules over the stored answers: converted back, not validated again (they were on the way in)."""
    return evaluate_input(stored_input(checklist_of(catalog, inspection), inspection.inspection_date,
                                       inspection.commune_code, inspection.villages, answers_of(inspection),
                                       evidence, previous), catalog)


def evidence_of(inspection: Inspection) -> dict[str, int]:
    """Photos per item, as the evaluation counts them."""
    return dict(Counter(p.item_code for p in inspection.photos))


def _json_list(session: Session, *columns: Any) -> Any:
    """A JSON array aggregate of one value or one object per row, in the database's own dialect."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if len(columns) == 1:
        return func.json_agg(columns[0]) if postgres else func.json_group_array(columns[0])
    pairs = [part for column in columns for part in (column.key, column)]
    return (func.json_agg(func.json_build_object(*pairs)) if postgres
            else func.json_group_array(func.json_object(*pairs)))


def _rows(value: Any) -> list[Any]:
    """A JSON aggregate as Python: SQLite returns text, PostgreSQL parsed JSON, None without rows."""
    if value is None:
        return []
    rows = json.loads(value) if isinstance(value, str) else value
    return [row for row in rows if row is not None]


def load_draft(session: Session, inspection_id: int) -> tuple[Inspection, dict[str, int], tuple[PreviousFinding, ...]]:
    """An inspection with its answers, its photo count per item and its previous findings, in one query.

    The autosave path: the evaluation needs all three, and a tap must stay a handful of statements.
    The photo items and the previous inspection's findings (with their remediation status) come as
    JSON aggregates of correlated subqueries.
    """
    photos = select(_json_list(session, Photo.item_code)).where(Photo.inspection_id == Inspection.id)
    previous_id = previous_query(Inspection, ids_only=True).scalar_subquery()
    previous = (select(_json_list(session, FindingRecord.code, FindingRecord.deadline, RemediationAction.status))
                .select_from(FindingRecord).outerjoin(RemediationAction, RemediationAction.finding_id == FindingRecord.id)
                .where(FindingRecord.inspection_id == previous_id))
    row = session.execute(select(Inspection, photos.scalar_subquery(), previous.scalar_subquery())
                          .options(joinedload(Inspection.answers)).where(Inspection.id == inspection_id)).unique().first()
    if row is None:
        raise NotFound("Không tìm thấy phiếu kiểm tra.")
    inspection, photo_items, findings = row
    evidence = dict(Counter(_rows(photo_items)))
    earlier = tuple(PreviousFinding(f["code"], dt.date.fromisoformat(f["deadline"]) if f["deadline"] else None,
                                    previous_status(f["status"])) for f in _rows(findings))
    return inspection, evidence, earlier


def _require_draft(inspection: Inspection) -> None:
    if inspection.locked:
        raise Conflict(LOCKED_MESSAGE, status=inspection.status)


@transaction
def save_answers(session: Session, catalog: Catalog, actor: User, inspection_id: int, answers: Any, notes: Any,
                 base_version: Any) -> tuple[int, Evaluation]:
    """Save a batch of answers and notes all or nothing; refuse a stale base_version with 409.

    Returns the new version and the evaluation of the saved answers. Only the answers sent are
    validated; the inspection, its answers, photos and previous findings are read in one query.
    """
    inspection, evidence, previous = load_draft(session, inspection_id)
    require_edit(actor, inspection)
    _require_draft(inspection)
    if base_version != inspection.version:
        raise Conflict("Phiếu vừa được người khác cập nhật; đã tải lại các câu trả lời mới nhất.",
                       version=inspection.version, answers=answers_of(inspection), notes=notes_of(inspection))
    write_answers(session, catalog, actor, inspection, answers, notes)
    evaluation = evaluate_inspection(catalog, inspection, evidence, previous)
    try:
        session.flush()
        version = inspection.version
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("Phiếu vừa được người khác cập nhật; vui lòng thử lại.", version=None) from None
    return version, evaluation


def write_answers(session: Session, catalog: Catalog, actor: User, inspection: Inspection, answers: Any,
                  notes: Any) -> dict[str, Any]:
    """Validate and write answers and notes of a draft the caller may edit, audited; the caller commits.

    Refuses the whole batch (Invalid, by item code) if any value is wrong; returns what changed.
    """
    checklist = checklist_of(catalog, inspection)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if not isinstance(answers or {}, dict) or not isinstance(notes or {}, dict):
        raise Invalid("Dữ liệu không hợp lệ.", errors={"body": "answers và notes phải là đối tượng {mã: giá trị}"})
    for code, value in (answers or {}).items():
        item = checklist.items.get(code)
        if item is None:
            errors[code] = "mã tiêu chí không có trong checklist"
            continue
        try:
            parsed = item.validate(value)
        except AnswerError as error:
            errors[code] = str(error)
            continue
        values[code] = None if parsed is None else item.answer_type.to_json(parsed) if parsed != "na" else "na"
    cleaned_notes: dict[str, str] = {}
    for code, text in (notes or {}).items():
        if code not in checklist.items:
            errors[code] = "mã tiêu chí không có trong checklist"
        elif not isinstance(text, str) or len(text) > MAX_NOTE_LENGTH:
            errors[code] = f"ghi chú phải là văn bản, tối đa {MAX_NOTE_LENGTH} ký tự"
        else:
            cleaned_notes[code] = _clean(text)
    if errors:
        raise Invalid("Có câu trả lời chưa hợp lệ.", errors=errors)
    by_code = {a.item_code: a for a in inspection.answers}
    changed = {}
    for code in set(values) | set(cleaned_notes):
        row = by_code.get(code)
        if row is None:
            row = Answer(item_code=code)
            inspection.answers.append(row)
        if code in values and row.value != values[code]:
            changed[code] = {"from": row.value, "to": values[code]}
            row.value = values[code]
        if code in cleaned_notes and row.note != cleaned_notes[code]:
            if (row.note or "") != cleaned_notes[code]:  # a new row's empty note is no change
                changed.setdefault(code, {})["note"] = {"from": row.note or "", "to": cleaned_notes[code]}
            row.note = cleaned_notes[code]
        row.updated_by_id = actor.id
    if changed:
        inspection.updated_at = utcnow()  # bumps the version: optimistic locking for everyone else
        record(session, actor, "answer", "inspection", inspection.id, changes=changed)
    return changed


@transaction(retry=False)
def add_photo(session: Session, actor: User, inspection_id: int, item_code: Any, stream: BinaryIO,
              filename: str, photo_dir: Path, catalog: Catalog, exif: bytes | None = None,
              client_key: Any = None) -> tuple[Photo, bool]:
    """Store a photo of an item, or return the one already stored under the tablet's `client_key` (False).

    `exif` is the EXIF the tablet read from the original before downscaling it. The key makes a
    replayed upload (the answer was lost on the way back) one photo, never two.
    """
    inspection = get_inspection(session, actor, inspection_id)
    require_edit(actor, inspection)
    if client_key is not None:
        if not isinstance(client_key, str) or not CLIENT_KEY.fullmatch(client_key):
            raise Invalid("Dữ liệu không hợp lệ.", errors={"client_key": "cần chuỗi 8–64 ký tự chữ, số, '-' hoặc '_'"})
        existing = photo_by_key(session, inspection.id, client_key)
        if existing is not None:
            return existing, False
    _require_draft(inspection)
    if not isinstance(item_code, str) or item_code not in checklist_of(catalog, inspection).items:
        raise Invalid("Ảnh phải gắn với một tiêu chí.", errors={"item": "mã tiêu chí không có trong checklist"})
    stored = store_photo(stream, photo_dir, exif_segment(exif) if exif else None)
    try:
        photo = attach_photo(session, actor, inspection, item_code, stored, filename, client_key)
        session.commit()
        return photo, True
    except IntegrityError:  # the same upload raced in from another request: that one is the photo
        (photo_dir / stored.stored_name).unlink(missing_ok=True)
        session.rollback()
        existing = photo_by_key(session, inspection_id, client_key) if client_key else None
        if existing is None:
            raise
        return existing, False
    except BaseException:
        (photo_dir / stored.stored_name).unlink(missing_ok=True)  # no orphan file without its row
        raise


CLIENT_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def photo_by_key(session: Session, inspection_id: int, client_key: str) -> Photo | None:
    """The photo a tablet already uploaded under this queue key, if any."""
    return session.scalar(select(Photo).where(Photo.inspection_id == inspection_id, Photo.client_key == client_key))


# A camera clock a little ahead of the server's is normal; a time later than this is a broken clock.
CLOCK_TOLERANCE = dt.timedelta(minutes=10)


def attach_photo(session: Session, actor: User, inspection: Inspection, item_code: str, stored: StoredPhoto,
                 filename: str, client_key: str | None) -> Photo:
    """The row of a stored photo file, audited; the caller commits (and removes the file if that fails)."""
    uploaded = utcnow()
    taken = stored.taken.at.astimezone(dt.timezone.utc).replace(tzinfo=None) if stored.taken.at else None
    source = "exif" if taken is not None and taken <= uploaded + CLOCK_TOLERANCE else "upload"
    located = stored.taken.located and inspection.team is not None and inspection.team.keep_photo_location
    photo = Photo(item_code=item_code, stored_name=stored.stored_name,
                  original_name=_clean(filename)[:255] or "anh.jpg", width=stored.width, height=stored.height,
                  size=stored.size, sha256=stored.sha256, uploaded_by_id=actor.id, created_at=uploaded,
                  taken_at=taken if source == "exif" else uploaded.replace(microsecond=0), taken_at_source=source,
                  latitude=stored.taken.latitude if located else None,
                  longitude=stored.taken.longitude if located else None, client_key=client_key)
    inspection.photos.append(photo)
    inspection.updated_at = uploaded
    session.flush()
    record(session, actor, "photo", "inspection", inspection.id, item=item_code, photo=photo.id, sha256=stored.sha256,
           taken_at=photo.taken_at.isoformat(), taken_at_source=source, location=located)
    return photo


MAX_CAPTION_LENGTH = 300
# Control characters (tab and newline too: a caption is one line) and the bidi overrides that make
# printed text read differently from the stored text.
UNSAFE_CAPTION = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _draft_photo(session: Session, actor: User, inspection_id: int, photo_id: int) -> tuple[Inspection, Photo]:
    """A photo of a draft the actor may edit: 404 for a photo of another inspection, 409 once finalised."""
    inspection = get_inspection(session, actor, inspection_id)
    require_edit(actor, inspection)
    photo = session.get(Photo, photo_id)
    if photo is None or photo.inspection_id != inspection.id:
        raise NotFound("Không tìm thấy ảnh trong phiếu kiểm tra này.")
    if inspection.locked:
        raise Conflict("Phiếu kiểm tra đã hoàn tất: không sửa, không xóa ảnh được nữa; muốn sửa, hãy lập bản "
                       "sửa đổi.", status=inspection.status)
    return inspection, photo


@transaction
def caption_photo(session: Session, actor: User, inspection_id: int, photo_id: int, caption: Any) -> Photo:
    """Give a photo the caption the minutes print under it (empty or null removes it)."""
    inspection, photo = _draft_photo(session, actor, inspection_id, photo_id)
    if caption is not None and not isinstance(caption, str):
        raise Invalid("Chú thích ảnh chưa hợp lệ.", errors={"caption": "chú thích phải là văn bản"})
    if caption and UNSAFE_CAPTION.search(caption):
        raise Invalid("Chú thích ảnh chưa hợp lệ.",
                      errors={"caption": "chú thích là một dòng chữ, không chứa ký tự điều khiển"})
    text = _clean(caption)
    if len(text) > MAX_CAPTION_LENGTH:
        raise Invalid("Chú thích ảnh chưa hợp lệ.",
                      errors={"caption": f"chú thích tối đa {MAX_CAPTION_LENGTH} ký tự (đang có {len(text)})"})
    if text != photo.caption:
        record(session, actor, "caption_photo", "inspection", inspection.id, item=photo.item_code, photo=photo.id,
               caption={"from": photo.caption, "to": text})
        photo.caption = text
        inspection.updated_at = utcnow()  # the minutes print it: the tablets must reload
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("Phiếu vừa được người khác cập nhật; vui lòng thử lại.") from None
    return photo


@transaction
def delete_photo(session: Session, catalog: Catalog, actor: User, inspection_id: int, photo_id: int,
                 photo_dir: Path) -> tuple[int, Evaluation]:
    """Remove a wrongly taken photo from a draft; returns the new version and the evaluation without it.

    The file goes too, unless another row (a finalised revision, the demo placeholder) still uses it.
    """
    inspection, photo = _draft_photo(session, actor, inspection_id, photo_id)
    record(session, actor, "delete_photo", "inspection", inspection.id, item=photo.item_code, photo=photo.id,
           sha256=photo.sha256, caption=photo.caption)
    stored_name = photo.stored_name
    inspection.photos.remove(photo)
    inspection.updated_at = utcnow()
    try:
        session.flush()
        version = inspection.version
        shared = session.scalar(select(func.count(Photo.id)).where(Photo.stored_name == stored_name))
        evaluation = evaluate_inspection(catalog, inspection, evidence_of(inspection),
                                         previous_of(session, inspection).for_evaluation())
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("Phiếu vừa được người khác cập nhật; vui lòng thử lại.") from None
    if not shared:
        for folder in (photo_dir, photo_dir / "thumbs", photo_dir / ANNEX_FOLDER):
            (folder / stored_name).unlink(missing_ok=True)
    return version, evaluation


@transaction
def finalize(session: Session, catalog: Catalog, actor: User, inspection_id: int,
             minutes: MinutesSettings = MinutesSettings()) -> tuple[Inspection, Evaluation]:
    """Evaluate, store findings, scores and one remediation action per finding, freeze the minutes, lock.

    All in one transaction: if the PDF cannot be rendered, nothing is finalised. Requests racing to finalise
    the same draft finalise it once: the others wait for the row lock and find it locked (PostgreSQL), or
    lose on its version (SQLite); either way they answer 409.
    """
    inspection = get_inspection(session, actor, inspection_id, lock=True)
    require_edit(actor, inspection)
    _require_draft(inspection)
    previous = previous_of(session, inspection)
    evaluation = evaluate_inspection(catalog, inspection, evidence_of(inspection), previous.for_evaluation())
    unrecorded = details_missing(inspection)
    if evaluation.missing or unrecorded:
        reasons = (["còn tiêu chí bắt buộc chưa trả lời"] if evaluation.missing else []) + \
            ([f"thông tin biên bản chưa đủ ({', '.join(DETAIL_LABELS[key] for key in unrecorded)})"]
             if unrecorded else [])
        raise Invalid(f"Chưa thể hoàn tất: {'; '.join(reasons)}.", missing=list(evaluation.missing),
                      errors={code: "chưa trả lời" for code in evaluation.missing} | unrecorded)
    replaced = session.get(Inspection, inspection.replaces_id) if inspection.replaces_id else None
    standing = _actions_by_finding(replaced)
    carried: list[tuple[RemediationAction, dt.date | None]] = []
    for position, finding in enumerate(evaluation.findings, start=1):
        record_ = FindingRecord(
            position=position, rule_id=finding.rule_id, code=finding.code, items=list(finding.items),
            kind=finding.kind, severity=finding.severity, repeat=finding.repeat, deadline=finding.deadline,
            title=finding.title, legal_basis=finding.legal_basis, remediation=finding.remediation,
            responsible=finding.responsible)
        inspection.findings.append(record_)
        same = standing.get((finding.rule_id, tuple(finding.items)))
        if same:  # the finding still stands: its action goes on, with its evidence, status and history
            record_.action = action = same.pop(0)
            carried.append((action, action.deadline))
            action.inspection_id, action.deadline = inspection.id, finding.deadline
        else:
            record_.action = RemediationAction(inspection_id=inspection.id, commune_code=inspection.commune_code,
                                               district_code=inspection.district_code, deadline=finding.deadline)
    inspection.scores = dict(evaluation.scores)
    inspection.total_score = evaluation.scores["total"]
    inspection.status, inspection.finalised_at, inspection.finalised_by_id = FINALISED, utcnow(), actor.id
    if replaced is not None:
        replaced.status = SUPERSEDED
    try:
        session.flush()  # the version check, and the transaction's first write: where a racing request loses
    except StaleDataError:
        session.rollback()
        raise Conflict("Phiếu vừa được người khác cập nhật hoặc hoàn tất; hãy tải lại phiếu.") from None
    for action, deadline in carried:
        record(session, actor, "carry_forward", "remediation", action.id, from_inspection=replaced.id,
               to_inspection=inspection.id, code=action.finding.code, status=action.status,
               deadline={"from": _iso(deadline), "to": _iso(action.deadline)})
    for action in (a for left in standing.values() for a in left if a.status != VERIFIED):
        record(session, actor, "close_action", "remediation", action.id, inspection=replaced.id,
               code=action.finding.code, status={"from": action.status, "to": SUPERSEDED})
        action.status = SUPERSEDED  # its finding is gone from the revision: no longer applicable
    document = freeze_minutes(session, catalog, inspection, minutes, RecordContent(
        answers_of(inspection), notes_of(inspection), list(inspection.findings), dict(evaluation.scores), previous))
    record(session, actor, "finalize", "inspection", inspection.id, findings=len(evaluation.findings),
           total=evaluation.scores["total"], minutes=document.number, minutes_sha256=document.sha256,
           record_sha256=inspection.record_sha256)
    session.commit()
    return inspection, evaluation


# What the minutes record of the meeting itself; a revision corrects the record of the same meeting, so it
# starts from these as they were, and the team edits what was wrong.
MINUTES_DETAILS = ("start_time", "end_time", "place", "copies", "plan_reference", "commune_opinion",
                   "commune_refusal_reason", "team_refusal_reason")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _actions_by_finding(replaced: Inspection | None) -> dict[tuple[str, tuple[str, ...]], list[RemediationAction]]:
    """The replaced inspection's actions by what their finding is (rule and items), in finding order."""
    actions: dict[tuple[str, tuple[str, ...]], list[RemediationAction]] = {}
    for finding in replaced.findings if replaced is not None else ():
        if finding.action is not None:
            actions.setdefault((finding.rule_id, tuple(finding.items)), []).append(finding.action)
    return actions


@transaction
def revise(session: Session, actor: User, inspection_id: int) -> tuple[Inspection, bool]:
    """A correction of a finalised inspection: a new draft revision that names the one it replaces."""
    original = get_inspection(session, actor, inspection_id)
    require_edit(actor, original)
    if original.status != FINALISED:
        raise Conflict("Chỉ lập bản sửa đổi cho phiếu đã hoàn tất.")
    pending = session.scalar(select(Inspection).where(Inspection.replaces_id == original.id,
                                                      Inspection.status == DRAFT))
    if pending is not None:
        return pending, False
    copy = Inspection(
        checklist_id=original.checklist_id, checklist_version=original.checklist_version, unit=original.unit,
        commune_code=original.commune_code, commune_name=original.commune_name,
        district_code=original.district_code, district_name=original.district_name,
        inspection_date=original.inspection_date, villages=original.villages, team_id=original.team_id,
        created_by_id=actor.id, replaces_id=original.id, revision=original.revision + 1,
        **{field: getattr(original, field) for field in MINUTES_DETAILS},
        members=[InspectionMember(position_index=m.position_index, name=m.name, position=m.position, role=m.role)
                 for m in original.members],
        commune_reps=[CommuneRep(position_index=r.position_index, name=r.name, position=r.position)
                      for r in original.commune_reps],
        answers=[Answer(item_code=a.item_code, value=a.value, note=a.note, updated_by_id=actor.id)
                 for a in original.answers],
        photos=[Photo(item_code=p.item_code, stored_name=p.stored_name, original_name=p.original_name,
                      width=p.width, height=p.height, size=p.size, sha256=p.sha256, uploaded_by_id=p.uploaded_by_id,
                      caption=p.caption, taken_at=p.taken_at, taken_at_source=p.taken_at_source,
                      latitude=p.latitude, longitude=p.longitude, created_at=p.created_at)
                for p in original.photos],
    )
    session.add(copy)
    try:
        session.flush()
    except IntegrityError:  # another request revised it first: replaces_id is unique
        session.rollback()
        existing = session.scalar(select(Inspection).where(Inspection.replaces_id == inspection_id))
        if existing is None:
            raise
        raise Conflict(f"Phiếu này vừa được lập bản sửa đổi lần {existing.revision} (phiếu mã {existing.id}); "
                       f"hãy mở bản sửa đổi đó thay vì lập thêm.", revision=existing.id) from None
    record(session, actor, "revise", "inspection", copy.id, replaces=original.id, revision=copy.revision)
    session.commit()
    return copy, True


def inspection_summary(inspection: Inspection) -> dict[str, Any]:
    """The inspection as the API lists it."""
    return {
        "id": inspection.id, "client_id": inspection.client_id, "status": inspection.status,
        "version": inspection.version, "revision": inspection.revision, "replaces": inspection.replaces_id,
        "checklist": inspection.checklist_id, "checklist_version": inspection.checklist_version,
        "commune_code": inspection.commune_code, "commune_name": inspection.commune_name,
        "district_code": inspection.district_code, "district_name": inspection.district_name,
        "inspection_date": inspection.inspection_date.isoformat(), "villages": inspection.villages,
        "total_score": inspection.total_score,
    }


def photo_json(photo: Photo) -> dict[str, Any]:
    """A photo as the API gives it: its size, caption, when it was taken (and by whose clock), where if kept."""
    taken = photo.taken_at.replace(tzinfo=dt.timezone.utc).isoformat() if photo.taken_at else None
    location = {"latitude": photo.latitude, "longitude": photo.longitude} if photo.latitude is not None else None
    return {"id": photo.id, "item": photo.item_code, "width": photo.width, "height": photo.height,
            "caption": photo.caption, "taken_at": taken, "taken_at_source": photo.taken_at_source,
            "location": location}


def inspection_detail(session: Session, catalog: Catalog, inspection: Inspection) -> dict[str, Any]:
    """Everything a tablet needs to resume an inspection, or to show a finalised one."""
    detail = inspection_summary(inspection) | {
        "team": [{"name": m.name, "position": m.position, "role": m.role} for m in inspection.members],
        "commune_reps": [{"name": r.name, "position": r.position} for r in inspection.commune_reps],
        "plan_reference": inspection.plan_reference,
        "answers": answers_of(inspection), "notes": notes_of(inspection),
        "photos": [photo_json(p) for p in inspection.photos],
        "minutes_sha256": inspection.minutes_sha256, "record_sha256": inspection.record_sha256,
        "start_time": inspection.start_time, "end_time": inspection.end_time, "place": inspection.place,
        "copies": inspection.copies, "commune_opinion": inspection.commune_opinion,
        "commune_refusal_reason": inspection.commune_refusal_reason,
        "team_refusal_reason": inspection.team_refusal_reason,
    }
    previous = previous_of(session, inspection)
    detail["previous"] = previous_overview(catalog, inspection, previous,
                                           minutes_number(session, previous.inspection and previous.inspection.id))
    if inspection.status == DRAFT:
        evaluation = evaluate_inspection(catalog, inspection, evidence_of(inspection), previous.for_evaluation())
        detail |= {"findings": [finding_json(f, catalog) for f in evaluation.findings], "scores": evaluation.scores,
                   "assessed": list(evaluation.assessed), "missing": list(evaluation.missing)}
    else:
        detail |= {"findings": [finding_json(f, catalog) for f in inspection.findings], "scores": inspection.scores,
                   "assessed": [code for code in inspection.scores if code != "total"], "missing": []}
    return detail


@transaction
def minutes_for(session: Session, catalog: Catalog, actor: User, inspection_id: int,
                settings: MinutesSettings) -> tuple[bytes, bool]:
    """The frozen minutes (finalised or superseded), else a watermarked draft; and whether it is a draft."""
    inspection = get_inspection(session, actor, inspection_id)
    stored = stored_minutes(session, inspection)
    if stored is not None:
        return stored.pdf, False
    previous = previous_of(session, inspection)
    if inspection.locked:  # finalised without minutes (bulk-loaded demo data): freeze them now, once
        stored = freeze_minutes(session, catalog, inspection, settings, RecordContent(
            answers_of(inspection), notes_of(inspection), list(inspection.findings), dict(inspection.scores),
            previous))
        record(session, actor, "freeze_minutes", "inspection", inspection.id, minutes=stored.number)
        session.commit()
        return stored.pdf, False
    evaluation = evaluate_inspection(catalog, inspection, evidence_of(inspection), previous.for_evaluation())
    content = RecordContent(answers_of(inspection), notes_of(inspection), list(evaluation.findings),
                            dict(evaluation.scores), previous)
    return draft_minutes(session, catalog, inspection, settings, content), True


CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
DETAIL_LABELS = {"start_time": "giờ bắt đầu", "end_time": "giờ kết thúc", "place": "địa điểm"}


def details_missing(inspection: Inspection) -> dict[str, str]:
    """What the minutes cannot be signed without: when the meeting began and ended, and where.
    The minutes never invent these (a default would be a false statement in a legal record)."""
    problems = {key: f"chưa nhập {label}" for key, label in DETAIL_LABELS.items() if not getattr(inspection, key)}
    if inspection.start_time and inspection.end_time and inspection.end_time <= inspection.start_time:
        problems["end_time"] = "giờ kết thúc phải sau giờ bắt đầu"
    return problems


DETAIL_TEXTS = {"place": 200, "plan_reference": 500, "commune_opinion": 4000,
                "commune_refusal_reason": 1000, "team_refusal_reason": 1000}


@transaction
def update_details(session: Session, actor: User, inspection_id: int, data: Any) -> Inspection:
    """The minutes' own facts: times, place, plan, copies, the commune's opinion, refusals to sign."""
    inspection = get_inspection(session, actor, inspection_id)
    require_edit(actor, inspection)
    _require_draft(inspection)
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", errors={"body": "cần một đối tượng JSON"})
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for key in ("start_time", "end_time"):
        if key in data:
            value = data[key]
            if value is not None and not (isinstance(value, str) and CLOCK.fullmatch(value)):
                errors[key] = "giờ cần dạng HH:MM (ví dụ 08:30)"
            else:
                changes[key] = value
    for key, limit in DETAIL_TEXTS.items():
        if key in data:
            value = data[key]
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                errors[key] = f"văn bản tối đa {limit} ký tự"
            else:
                changes[key] = _clean(value) or (None if key.endswith("reason") or key == "place" else "")
    if "copies" in data:
        copies = data["copies"]
        if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= 20:
            errors["copies"] = "số bản phải là số nguyên từ 1 đến 20"
        else:
            changes["copies"] = copies
    unknown = set(data) - set(changes) - set(errors) - {"base_version"}
    errors.update({key: "trường không hợp lệ" for key in unknown})
    start, end = (changes.get(key, getattr(inspection, key)) for key in ("start_time", "end_time"))
    if start and end and end <= start and not {"start_time", "end_time"} & set(errors):
        errors["end_time"] = "giờ kết thúc phải sau giờ bắt đầu"
    if errors:
        raise Invalid("Thông tin biên bản chưa hợp lệ.", errors=errors)
    changed = {key: {"from": getattr(inspection, key), "to": value} for key, value in changes.items()
               if getattr(inspection, key) != value}
    for key, value in changes.items():
        setattr(inspection, key, value)
    if changed:  # PATCH {} or the same values again: nothing happened, nothing to record
        record(session, actor, "details", "inspection", inspection.id, changes=changed)
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("Phiếu vừa được người khác cập nhật; vui lòng thử lại.") from None
    return inspection


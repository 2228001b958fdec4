"""Remediation follow-up: what each commune must fix, its evidence, and the inspectors' verdict.

Actions are created at finalising (services.inspections.finalize, one per finding). Here they
are listed (scoped by role), the commune sends evidence (a photo, a PDF or a note), and an
inspector or district officer verifies it or sends it back with a reason. Each mutation is one
transaction with its audit entry. Dates that decide "overdue" are always passed in: nothing
here reads the clock except the timestamps of a change (`now`, replaceable in tests).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Mapping

from sqlalchemy import String, case, cast, false, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from ..domain.assessment import PREVIOUS_STATUSES
from ..domain.checklists import AnswerError, parse_iso_date
from ..models import (FINALISED, SUPERSEDED, FindingRecord, Inspection, MinutesDocument, RemediationAction,
                      RemediationEvidence, User, utcnow)
from . import Conflict, Forbidden, Invalid, NotFound
from .accounts import can_edit, can_view
from .audit import record
from .evidence_pdf import PDF_MAGIC, check_pdf
from .paging import PER_PAGE, Page, matching_search, paginate, search_term
from .photos import MAX_UPLOAD_BYTES, store_photo
from .transactions import transaction

OPEN, SUBMITTED, VERIFIED = "open", "submitted", "verified"
STATUSES = (OPEN, SUBMITTED, VERIFIED, SUPERSEDED)
STATUS_LABELS = {
    **PREVIOUS_STATUSES,  # open, submitted, verified
    SUPERSEDED: "Không còn áp dụng",  # its finding is not in the revision that replaced the inspection
}
DIMENSIONS = {
    "TG": "Tham gia của người dân", "CK": "Công khai, minh bạch", "GT": "Trách nhiệm giải trình",
    "TN": "Kiểm soát tham nhũng", "TT": "Thủ tục hành chính công", "DV": "Cung ứng dịch vụ công",
    "MT": "Quản trị môi trường", "DT": "Quản trị điện tử",
}
SORTS = {"deadline": "Hạn khắc phục", "commune": "Xã, phường", "status": "Trạng thái", "inspection": "Lần kiểm tra"}
MAX_NOTE_LENGTH = 4000
MAX_REASON_LENGTH = 2000
MAX_CODE_LENGTH = 10
DEFAULT_LIMIT = 1000

NOT_FOUND_MESSAGE = "Không tìm thấy việc khắc phục này."
VIEW_MESSAGE = "Bạn không có quyền xem việc khắc phục này."
SUBMIT_MESSAGE = "Chỉ cán bộ UBND của xã, phường này mới gửi minh chứng khắc phục."
REVIEW_MESSAGE = "Chỉ thành viên đoàn kiểm tra, cán bộ theo dõi địa bàn hoặc quản trị mới xác nhận hay trả lại."


# ---------------------------------------------------------------- reading


def is_overdue(action: RemediationAction, as_of: dt.date | None) -> bool:
    """Late on `as_of`: not verified, not superseded, with a deadline before that day (on the day is in time)."""
    return (as_of is not None and action.status not in (VERIFIED, SUPERSEDED) and action.deadline is not None
            and action.deadline < as_of)


def _scoped(query, actor: User):
    """Only the actions of inspections this user may see (the same rules as accounts.can_view)."""
    if actor.role == "admin":
        return query
    if actor.role == "district":
        return query.where(Inspection.district_code.is_not(None), Inspection.district_code == actor.district_code)
    if actor.role == "inspector":
        mine = Inspection.created_by_id == actor.id
        return query.where((Inspection.team_id == actor.team_id) | mine if actor.team_id else mine)
    if actor.role == "commune":
        return query.where(Inspection.commune_code == actor.commune_code,
                           Inspection.status.in_((FINALISED, SUPERSEDED)))
    return query.where(false())


def _base_query():
    return (select(RemediationAction)
            .join(RemediationAction.finding).join(FindingRecord.inspection)
            .options(contains_eager(RemediationAction.finding).contains_eager(FindingRecord.inspection),
                     selectinload(RemediationAction.evidence)))


def _check_code(value: Any, field: str, errors: dict[str, str]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.isdigit() or len(value) > MAX_CODE_LENGTH:
        errors[field] = f"mã đơn vị gồm chữ số (tối đa {MAX_CODE_LENGTH} ký tự)"
        return None
    return value


def validate_filters(*, district: Any = None, commune: Any = None, dimension: Any = None, status: Any = None,
                     sort: Any = None) -> dict[str, Any]:
    """Check list filters; raise Invalid with a Vietnamese message per bad field."""
    errors: dict[str, str] = {}
    checked: dict[str, Any] = {"district": _check_code(district, "district", errors),
                               "commune": _check_code(commune, "commune", errors)}
    if dimension not in (None, "") and dimension not in DIMENSIONS:
        errors["dimension"] = "lĩnh vực phải là một trong " + ", ".join(DIMENSIONS)
    checked["dimension"] = dimension or None
    if status not in (None, "") and status not in STATUSES:
        errors["status"] = "trạng thái phải là một trong " + ", ".join(STATUSES)
    checked["status"] = status or None
    if sort not in (None, "") and sort not in SORTS:
        errors["sort"] = "sắp xếp theo một trong " + ", ".join(SORTS)
    checked["sort"] = sort or "deadline"
    if errors:
        raise Invalid("Bộ lọc không hợp lệ.", errors=errors)
    return checked


def parse_date(raw: Any, field: str) -> dt.date | None:
    """An optional YYYY-MM-DD parameter; Invalid (422) with the field named when malformed."""
    if raw is None or raw == "":
        return None
    try:
        return parse_iso_date(raw)
    except AnswerError as error:
        raise Invalid("Bộ lọc không hợp lệ.", errors={field: str(error)}) from None


def filters_from_query(args: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of list_actions from query parameters (all strings), validated."""
    errors: dict[str, str] = {}
    try:
        checked = validate_filters(district=args.get("district"), commune=args.get("commune"),
                                   dimension=args.get("dimension"), status=args.get("status"), sort=args.get("sort"))
    except Invalid as error:
        errors |= error.details["errors"]
        checked = {}
    try:
        checked["overdue_as_of"] = parse_date(args.get("overdue_as_of"), "overdue_as_of")
    except Invalid as error:
        errors |= error.details["errors"]
    try:
        checked["search"] = search_term(args.get("q"))
    except Invalid as error:
        errors |= error.details["errors"]
    if errors:
        raise Invalid("Bộ lọc không hợp lệ.", errors=errors)
    return checked


def _actions_query(actor: User, *, district: str | None = None, commune: str | None = None,
                   dimension: str | None = None, status: str | None = None, overdue_as_of: dt.date | None = None,
                   search: str | None = None, sort: str = "deadline"):
    """The ordered select behind list_actions and page_actions (arguments as there)."""
    checked = validate_filters(district=district, commune=commune, dimension=dimension, status=status, sort=sort)
    if isinstance(overdue_as_of, dt.datetime) or not isinstance(overdue_as_of, (dt.date, type(None))):
        raise Invalid("Bộ lọc không hợp lệ.", errors={"overdue_as_of": "cần một ngày"})
    query = matching_search(_scoped(_base_query(), actor), search_term(search))
    if checked["district"]:
        query = query.where(Inspection.district_code == checked["district"])
    if checked["commune"]:
        query = query.where(Inspection.commune_code == checked["commune"])
    if checked["dimension"]:  # items is a JSON list of codes like "TG-01": match '"TG-' in its text
        query = query.where(cast(FindingRecord.items, String).like(f'%"{checked["dimension"]}-%'))
    if checked["status"]:
        query = query.where(RemediationAction.status == checked["status"])
    else:
        query = query.where(RemediationAction.status != SUPERSEDED)
    if overdue_as_of is not None:
        query = query.where(RemediationAction.status.not_in((VERIFIED, SUPERSEDED)),
                            RemediationAction.deadline.is_not(None), RemediationAction.deadline < overdue_as_of)
    no_deadline_last = case((RemediationAction.deadline.is_(None), 1), else_=0)
    status_rank = case({s: i for i, s in enumerate(STATUSES)}, value=RemediationAction.status, else_=len(STATUSES))
    order = {
        "deadline": (no_deadline_last, RemediationAction.deadline, Inspection.commune_code),
        "commune": (Inspection.district_code, Inspection.commune_code, no_deadline_last, RemediationAction.deadline),
        "status": (status_rank, no_deadline_last, RemediationAction.deadline, Inspection.commune_code),
        # one group per inspection, the newest first: what the commune needs to tell its inspections apart
        "inspection": (Inspection.inspection_date.desc(), Inspection.id.desc(), FindingRecord.position),
    }[checked["sort"]]
    return query.order_by(*order, Inspection.inspection_date.desc(), FindingRecord.position, RemediationAction.id)


def list_actions(session: Session, actor: User, *, limit: int = DEFAULT_LIMIT, **filters: Any) -> list[RemediationAction]:
    """The actions this user may see, filtered and sorted, at most `limit` of them (the Excel export).

    Without a status filter, actions of a replaced inspection (superseded) are left out: the
    revision that replaced it carries its own. `overdue_as_of` keeps only the actions late on
    that day. `dimension` (TG … DT) matches the items of the finding, so a cross-cutting finding
    (J-01, E-01) counts for each dimension it names. `search` matches the commune's or area's name
    without diacritics ("phuc xa") or the commune code.
    """
    query = _actions_query(actor, **filters)
    return list(session.scalars(query.limit(max(1, min(int(limit), 100_000)))).unique())


def page_actions(session: Session, actor: User, *, page: int = 1, per_page: int = PER_PAGE,
                 **filters: Any) -> Page[RemediationAction]:
    """One page of list_actions, with the total the pager needs."""
    return paginate(session, _actions_query(actor, **filters), page, per_page)


@dataclass(frozen=True)
class InspectionGroup:
    """The actions of one inspection on a page, headed by its date and minutes number."""

    inspection: Inspection
    minutes_number: str | None  # None until the minutes are frozen (demo history has none)
    actions: list[RemediationAction]


def minutes_numbers(session: Session, inspection_ids: set[int]) -> dict[int, str]:
    """{inspection id: number} of the frozen minutes among these inspections (one query for a whole page)."""
    if not inspection_ids:
        return {}
    return dict(session.execute(select(MinutesDocument.inspection_id, MinutesDocument.number)
                                .where(MinutesDocument.inspection_id.in_(inspection_ids))).all())


def group_by_inspection(session: Session, actions: list[RemediationAction]) -> list[InspectionGroup]:
    """Consecutive actions of the same inspection in one group, in the order given (sort="inspection")."""
    numbers = minutes_numbers(session, {a.inspection_id for a in actions})
    groups: list[InspectionGroup] = []
    for action in actions:
        if not groups or groups[-1].inspection.id != action.inspection_id:
            inspection = action.finding.inspection
            groups.append(InspectionGroup(inspection, numbers.get(inspection.id), []))
        groups[-1].actions.append(action)
    return groups


def filter_choices(session: Session, actor: User) -> tuple[dict[str, str], dict[str, str]]:
    """The districts and communes that appear among the actions this user may see: {code: name}."""
    query = _scoped(select(Inspection.district_code, Inspection.district_name, Inspection.commune_code,
                           Inspection.commune_name)
                    .select_from(RemediationAction).join(RemediationAction.finding).join(FindingRecord.inspection),
                    actor).distinct()
    districts: dict[str, str] = {}
    communes: dict[str, str] = {}
    for district_code, district_name, commune_code, commune_name in session.execute(query):
        if district_code:
            districts[district_code] = district_name or district_code
        communes[commune_code] = commune_name
    return dict(sorted(districts.items())), dict(sorted(communes.items()))


def get_action(session: Session, actor: User, action_id: int, *, for_update: bool = False) -> RemediationAction:
    """One action, if this user may see its inspection (403 otherwise, 404 when there is none)."""
    action = session.get(RemediationAction, action_id, with_for_update=for_update or None)
    if action is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    if not can_view(actor, action.finding.inspection):
        raise Forbidden(VIEW_MESSAGE)
    return action


def get_evidence(session: Session, actor: User, action_id: int, evidence_id: int) -> RemediationEvidence:
    action = get_action(session, actor, action_id)
    evidence = session.get(RemediationEvidence, evidence_id)
    if evidence is None or evidence.action_id != action.id:
        raise NotFound("Không tìm thấy minh chứng này.")
    return evidence


def can_submit(actor: User, action: RemediationAction) -> bool:
    """The commune's own officers (and the administrator) send evidence."""
    if actor.role == "admin":
        return True
    return (actor.role == "commune" and actor.commune_code is not None
            and action.commune_code == actor.commune_code and can_view(actor, action.finding.inspection))


def can_review(actor: User, action: RemediationAction) -> bool:
    """Inspectors who may see the inspection, the district's officers and the administrator verify or send back."""
    return can_edit(actor, action.finding.inspection)


# ---------------------------------------------------------------- changes


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the web layer hands it over."""

    stream: BinaryIO
    filename: str = ""
    content_type: str = ""


def _clean(text: Any) -> str:
    return unicodedata.normalize("NFC", text).strip() if isinstance(text, str) else ""


def _safe_filename(name: Any, fallback: str) -> str:
    """The last path segment, without control characters, at most 255 characters."""
    text = _clean(name).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip(" .")
    return text[:255] or fallback


def _looks_like_pdf(upload: Upload) -> bool:
    return upload.content_type.split(";")[0].strip().lower() == "application/pdf" or \
        upload.filename.lower().endswith(".pdf")


def _store(upload: Upload, photo_dir: Path) -> tuple[str, str, int, str]:
    """Store a photo (re-encoded) or a plain PDF (as sent, see evidence_pdf): (kind, stored_name, size, sha256)."""
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    limit = f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid(f"Tệp quá lớn (tối đa {limit}).", errors={"file": f"tối đa {limit}"})
    if not data:
        raise Invalid("Tệp tải lên rỗng.", errors={"file": "tệp rỗng"})
    if data.startswith(PDF_MAGIC):
        check_pdf(data)
        name = f"{uuid.uuid4().hex}.pdf"
        photo_dir.mkdir(parents=True, exist_ok=True)
        (photo_dir / name).write_bytes(data)
        return "pdf", name, len(data), hashlib.sha256(data).hexdigest()
    if _looks_like_pdf(upload):
        raise Invalid("Tệp không phải là PDF hợp lệ.", errors={"file": "nội dung không phải PDF"})
    try:
        stored = store_photo(io.BytesIO(data), photo_dir)
    except Invalid as error:
        raise Invalid(error.message + " Chỉ nhận ảnh (JPEG, PNG, WebP) hoặc tệp PDF.",
                      errors={"file": "không phải ảnh hay PDF hợp lệ"}) from None
    return "photo", stored.stored_name, stored.size, stored.sha256


@transaction(retry=False)
def submit_evidence(session: Session, actor: User, action_id: int, note: Any, file: Upload | None,
                    photo_dir: Path, *, now: dt.datetime | None = None) -> RemediationEvidence:
    """The commune sends evidence (a note, and a photo or a PDF); the action becomes `submitted`."""
    action = get_action(session, actor, action_id, for_update=True)
    if not can_submit(actor, action):
        raise Forbidden(SUBMIT_MESSAGE)
    if action.status == VERIFIED:
        raise Conflict("Việc khắc phục này đã được xác nhận; không gửi thêm minh chứng.", status=action.status)
    if action.status == SUPERSEDED:
        raise Conflict("Việc khắc phục này không còn áp dụng: bản sửa đổi của phiếu kiểm tra không còn kết luận "
                       "này.", status=action.status)
    text = _clean(note)
    errors = {}
    if note is not None and not isinstance(note, str):
        errors["note"] = "ghi chú phải là văn bản"
    elif len(text) > MAX_NOTE_LENGTH:
        errors["note"] = f"tối đa {MAX_NOTE_LENGTH} ký tự"
    if not text and file is None:
        errors["file"] = "cần ghi chú hoặc tệp minh chứng (ảnh hoặc PDF)"
    if errors:
        raise Invalid("Minh chứng chưa hợp lệ: cần ít nhất một ghi chú hoặc một tệp.", errors=errors)
    kind, stored_name, size, sha256, original = "note", None, 0, None, ""
    if file is not None:
        kind, stored_name, size, sha256 = _store(file, photo_dir)
        original = _safe_filename(file.filename, "minh-chung.pdf" if kind == "pdf" else "anh.jpg")
    try:
        now = now or utcnow()
        evidence = RemediationEvidence(kind=kind, stored_name=stored_name, original_name=original, size=size,
                                       sha256=sha256, note=text, uploaded_by_id=actor.id, created_at=now)
        action.evidence.append(evidence)
        previous = action.status
        action.status, action.submitted_at = SUBMITTED, now
        session.flush()
        record(session, actor, "submit_evidence", "remediation", action.id, evidence=evidence.id, kind=kind,
               sha256=sha256, size=size, previous=previous)
        session.commit()
    except BaseException:
        if stored_name:
            (photo_dir / stored_name).unlink(missing_ok=True)  # no orphan file without its row
        raise
    return evidence


@transaction
def verify(session: Session, actor: User, action_id: int, comment: Any, *, confirmed: Any,
           now: dt.datetime | None = None) -> RemediationAction:
    """Confirm that a submitted action is done: a deliberate, signed verdict (`confirmed` is exactly True)
    with a comment on what the evidence showed, never a single tap."""
    action = get_action(session, actor, action_id, for_update=True)
    if not can_review(actor, action):
        raise Forbidden(REVIEW_MESSAGE)
    if action.status != SUBMITTED:
        raise Conflict("Chỉ xác nhận được việc đã gửi minh chứng và đang chờ xác nhận.", status=action.status)
    text, errors = _clean(comment), {}
    if confirmed is not True:
        errors["confirm"] = "đánh dấu ô xác nhận đã xem minh chứng"
    if not text:
        errors["comment"] = "nhập nhận xét về minh chứng"
    elif len(text) > MAX_REASON_LENGTH:
        errors["comment"] = f"tối đa {MAX_REASON_LENGTH} ký tự"
    if errors:
        raise Invalid("Chưa thể xác nhận đã khắc phục: cần đánh dấu đã xem minh chứng và nhận xét về minh chứng.",
                      errors=errors)
    action.status, action.verified_at, action.verified_by_id = VERIFIED, now or utcnow(), actor.id
    action.verify_comment = text
    record(session, actor, "verify", "remediation", action.id, evidence=len(action.evidence), comment=text)
    session.commit()
    return action


@transaction
def reopen(session: Session, actor: User, action_id: int, reason: Any) -> RemediationAction:
    """Send a submitted (or verified) action back to the commune, saying why; it is open again."""
    action = get_action(session, actor, action_id, for_update=True)
    if not can_review(actor, action):
        raise Forbidden(REVIEW_MESSAGE)
    if action.status not in (SUBMITTED, VERIFIED):
        raise Conflict("Chỉ trả lại được việc đã gửi minh chứng hoặc đã xác nhận.", status=action.status)
    text = _clean(reason)
    if not text:
        raise Invalid("Cần nêu lý do trả lại để xã, phường biết phải bổ sung gì.",
                      errors={"reason": "nhập lý do trả lại"})
    if len(text) > MAX_REASON_LENGTH:
        raise Invalid("Lý do trả lại quá dài.", errors={"reason": f"tối đa {MAX_REASON_LENGTH} ký tự"})
    previous = action.status
    action.status, action.return_reason = OPEN, text
    action.verified_at, action.verified_by_id, action.verify_comment = None, None, None
    record(session, actor, "reopen", "remediation", action.id, reason=text, previous=previous)
    session.commit()
    return action


# ---------------------------------------------------------------- presenting


def _timestamp(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def action_summary(action: RemediationAction, as_of: dt.date | None = None) -> dict[str, Any]:
    """The action as lists show it; `overdue` is judged on `as_of` (False without a date)."""
    finding, inspection = action.finding, action.finding.inspection
    return {
        "id": action.id, "inspection_id": action.inspection_id,
        "inspection_date": inspection.inspection_date.isoformat(),
        "commune_code": action.commune_code, "commune_name": inspection.commune_name,
        "district_code": action.district_code, "district_name": inspection.district_name,
        "code": finding.code, "items": list(finding.items), "kind": finding.kind, "severity": finding.severity,
        "title": finding.title, "deadline": action.deadline.isoformat() if action.deadline else None,
        "status": action.status, "overdue": is_overdue(action, as_of), "evidence_count": len(action.evidence),
        "submitted_at": _timestamp(action.submitted_at), "verified_at": _timestamp(action.verified_at),
        "verify_comment": action.verify_comment, "return_reason": action.return_reason,
    }


def evidence_summary(evidence: RemediationEvidence) -> dict[str, Any]:
    return {"id": evidence.id, "kind": evidence.kind, "original_name": evidence.original_name,
            "size": evidence.size, "note": evidence.note, "created_at": _timestamp(evidence.created_at)}


def action_detail(action: RemediationAction, as_of: dt.date | None = None) -> dict[str, Any]:
    """The summary plus the finding's texts and the evidence sent so far."""
    finding = action.finding
    return action_summary(action, as_of) | {
        "legal_basis": finding.legal_basis, "remediation": finding.remediation, "responsible": finding.responsible,
        "evidence": [evidence_summary(e) for e in action.evidence],
    }


def dimensions_of(action: RemediationAction) -> list[str]:
    """The dimensions (TG … DT) the finding's items belong to, in catalog order."""
    prefixes = {code.split("-", 1)[0] for code in action.finding.items}
    return [d for d in DIMENSIONS if d in prefixes]

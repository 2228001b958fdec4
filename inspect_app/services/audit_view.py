"""The audit trail in words: who, when, what, on which record, and each change as before → after.

Services write whatever details they like through audit.record(); this module is the one place
that turns them into Vietnamese for the "Nhật ký" page: a label for every action and every key
the code records (tests/web/test_audit.py reads the sources and fails on a missing one), values
as officials read them (dd/mm/yyyy, Hà Nội time, decimal comma, answers in words), and a
readable fallback for anything unknown, so the page never shows raw JSON. It returns plain
frozen dataclasses; the template escapes every string and builds links with url_for.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..domain.catalog import Catalog
from ..domain.checklists import VIETNAM, Checklist
from ..models import (DRAFT, FINALISED, PHOTO_TIME_SOURCES, ROLES, STATUS_LABELS, AuditEntry, FindingRecord,
                      Inspection, RemediationAction, User)
from .accounts import can_view
from .inspections import REINSPECTION_KEY
from .remediation import OPEN, STATUS_LABELS as REMEDIATION_LABELS, SUBMITTED, VERIFIED

ACTION_LABELS = {
    "create": "Lập phiếu kiểm tra",
    "answer": "Trả lời tiêu chí",
    "photo": "Thêm ảnh minh chứng",
    "caption_photo": "Sửa chú thích ảnh",
    "delete_photo": "Xóa ảnh minh chứng",
    "photo_location": "Đổi thiết lập lưu vị trí chụp ảnh của đoàn",
    "details": "Sửa thông tin biên bản",
    "finalize": "Hoàn tất phiếu",
    "revise": "Lập bản sửa đổi",
    "freeze_minutes": "Chốt biên bản",
    "login": "Đăng nhập",
    "logout": "Đăng xuất",
    "login_locked": "Khóa tạm do đăng nhập sai nhiều lần",  # recorded until migration 0009; old entries keep it
    "change_password": "Đổi mật khẩu",
    "reset_password": "Đặt lại mật khẩu (quản trị)",
    "disable_user": "Khóa tài khoản",
    "enable_user": "Mở khóa tài khoản",
    "create_user": "Tạo tài khoản",
    "submit_evidence": "Gửi minh chứng khắc phục",
    "verify": "Xác nhận đã khắc phục",
    "reopen": "Trả lại minh chứng",
    "carry_forward": "Chuyển việc khắc phục sang bản sửa đổi",
    "close_action": "Đóng việc khắc phục (không còn áp dụng)",
    "seed_demo": "Tạo dữ liệu mẫu",
    "import_criteria": "Tải lên bản nháp bảng tiêu chí",
    "publish_criteria": "Ban hành phiên bản bảng tiêu chí",
    "delete_criteria": "Xóa bản nháp bảng tiêu chí",
    "create_plan": "Lập kế hoạch kiểm tra",
    "schedule": "Đưa xã, phường vào kế hoạch kiểm tra",
    "move": "Dời lịch kiểm tra dự kiến",
    "cancel": "Hủy lịch kiểm tra dự kiến",
    "start": "Bắt đầu cuộc kiểm tra theo kế hoạch",
    "offline_import": "Nhập dữ liệu chờ gửi của máy tính bảng",
}
ENTITY_LABELS = {"inspection": "Phiếu kiểm tra", "remediation": "Việc khắc phục", "user": "Tài khoản",
                 "team": "Đoàn kiểm tra", "criteria_version": "Phiên bản bảng tiêu chí",
                 "inspection_plan": "Kế hoạch kiểm tra", "planned_inspection": "Lịch kiểm tra dự kiến"}
# Every key a service records, by action when one key means different things in different actions.
FIELD_LABELS = {
    "commune": "Xã, phường",
    "date": "Ngày kiểm tra",
    REINSPECTION_KEY: "Tái kiểm tra phiếu",
    "item": "Tiêu chí",
    "photo": "Ảnh",
    "sha256": "Mã băm SHA-256",
    # photos (services.inspections: add, caption, delete) and a team's photo setting (services.teams)
    "caption": "Chú thích ảnh",
    "taken_at": "Thời điểm chụp",
    "taken_at_source": "Nguồn thời điểm chụp",
    "location": "Lưu vị trí chụp",
    "team": "Đoàn kiểm tra",
    "keep_photo_location": "Lưu vị trí chụp ảnh",
    "findings": "Số phát hiện",
    "total": "Tổng điểm tuân thủ",
    "minutes": "Số biên bản",
    "minutes_sha256": "Mã băm biên bản (SHA-256)",
    "record_sha256": "Mã băm hồ sơ phiếu (SHA-256)",
    "replaces": "Sửa đổi phiếu",
    "revision": "Bản sửa đổi lần",
    "username": "Tên đăng nhập",
    "role": "Vai trò",
    "evidence": "Minh chứng",
    "kind": "Loại minh chứng",
    "size": "Dung lượng tệp",
    "previous": "Trạng thái",
    "reason": "Lý do trả lại",
    "comment": "Nhận xét về minh chứng",
    "years": "Các năm",
    "communes": "Số xã, phường",
    "seed": "Hạt giống ngẫu nhiên",
    "as_of": "Tính đến ngày",
    "inspections": "Số phiếu đã tạo",
    # the minutes' own facts (services.inspections.update_details), as the details form names them
    "start_time": "Giờ bắt đầu",
    "end_time": "Giờ kết thúc",
    "place": "Địa điểm",
    "plan_reference": "Căn cứ (kế hoạch, quyết định kiểm tra)",
    "commune_opinion": "Ý kiến của UBND xã",
    "commune_refusal_reason": "Lý do đại diện xã không ký",
    "team_refusal_reason": "Lý do trưởng đoàn không ký",
    "copies": "Số bản",
    "changes": "Thay đổi",
    # a revision's remediation (services.inspections.finalize)
    "from_inspection": "Từ phiếu",
    "to_inspection": "Sang phiếu",
    "inspection": "Phiếu kiểm tra",
    "code": "Mã phát hiện",
    "status": "Trạng thái",
    "deadline": "Hạn khắc phục",
    # criteria versions (services.criteria_versions)
    "checklist": "Bộ tiêu chí",
    "version": "Phiên bản",
    "file": "Tệp bảng tính",
    "replaced": "Thay bản nháp cùng số",
    "effective_from": "Có hiệu lực từ ngày",
    # inspection plans (services.plans)
    "number": "Số kế hoạch",
    "period": "Thời gian của kế hoạch",
    "teams": "Các đoàn kiểm tra",
    "plan": "Kế hoạch",
    "window": "Thời gian dự kiến",
    # a tablet's queue imported by an administrator (services.offline_import)
    "author": "Người nhập trên máy tính bảng",
    "items": "Các tiêu chí đã ghi",
    "clashes": "Các tiêu chí khác với máy chủ (chưa ghi)",
    "exported_at": "Thời điểm xuất tệp",
}
INSPECTION_KEYS = ("replaces", REINSPECTION_KEY, "from_inspection", "to_inspection", "inspection")
ACTION_FIELD_LABELS = {("verify", "evidence"): "Số minh chứng đã gửi"}
EVIDENCE_KINDS = {"photo": "Ảnh", "pdf": "Tệp PDF", "note": "Chỉ có ghi chú"}
# What an action always does to a status, by the service's own rule (it refuses any other start).
STATUS_CHANGES = {
    "finalize": (STATUS_LABELS[DRAFT], STATUS_LABELS[FINALISED]),
    "verify": (REMEDIATION_LABELS[SUBMITTED], REMEDIATION_LABELS[VERIFIED]),
}
STATUS_AFTER = {"submit_evidence": SUBMITTED, "reopen": OPEN}  # these record the status before
EMPTY = "(trống)"
UNANSWERED = "chưa trả lời"
SYSTEM = "Hệ thống"
TEXT_LIMIT = 160  # characters shown before "…"; the whole text opens below it
HASH_SHOWN = 12
LINES_SHOWN = 8  # a batch of 57 answers shows this many, the rest behind "Xem thêm"
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
HEX_DIGEST = re.compile(r"^[0-9a-f]{40,128}$")


@dataclass(frozen=True)
class Link:
    """A page to link to: the template builds the URL with url_for(endpoint, **args)."""

    endpoint: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Value:
    """One value as shown: `text` (shortened when long), the whole of it in `full`, maybe a link."""

    text: str
    full: str | None = None
    link: Link | None = None
    code: bool = False  # a digest or a code: set in a fixed-width font


@dataclass(frozen=True)
class Line:
    """One detail: a Vietnamese label and its value, or its value before → after."""

    label: str
    after: Value | None
    before: Value | None = None
    remark: str | None = None


@dataclass(frozen=True)
class Person:
    name: str
    username: str | None = None
    role: str | None = None
    history: Link | None = None


@dataclass(frozen=True)
class Target:
    kind: str  # "Phiếu kiểm tra"
    name: str  # "Phường Phúc Xá 15/09/2020"
    link: Link | None = None  # the record's own page, when the viewer may see it
    history: Link | None = None  # every audit entry of this record


@dataclass(frozen=True)
class Row:
    id: int
    at: str  # "15/09/2020 08:30", Hà Nội time
    at_iso: str
    who: Person
    action: str
    target: Target
    lines: tuple[Line, ...]
    more: tuple[Line, ...] = ()  # the lines past LINES_SHOWN


# ---------------------------------------------------------------- plain values


def shorten(text: str, limit: int = TEXT_LIMIT) -> Value:
    """The text itself, or its first words up to `limit` characters with "…" and the whole in `full`."""
    text = unicodedata.normalize("NFC", text)
    if len(text) <= limit:
        return Value(text)
    cut = text[:limit].rsplit(None, 1)[0] if " " in text[:limit] else text[:limit]
    return Value(cut.rstrip(" ,;:.") + "…", full=text)


def digest(text: Any) -> Value:
    """A SHA-256 digest: its first characters, the whole on demand."""
    text = str(text)
    if len(text) <= HASH_SHOWN:
        return Value(text, code=True)
    return Value(text[:HASH_SHOWN] + "…", full=text, code=True)


def number(value: float | int, places: int = 2, *, trim: bool = False) -> str:
    """Vietnamese digits: 1.234 for thousands, 72,50 for decimals (72,5 when `trim`)."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    text = f"{value:,.{places}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return text.rstrip("0").rstrip(",") if trim and "," in text else text


def vn_day(value: Any) -> str:
    """dd/mm/yyyy from a date or an ISO string."""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return day.strftime("%d/%m/%Y")


def vn_moment(value: dt.datetime) -> str:
    """dd/mm/yyyy HH:MM in Hà Nội; a naive datetime is UTC (how the models store time)."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def readable(value: Any) -> str:
    """Any JSON value as plain Vietnamese text: never JSON syntax, never \\u escapes."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return str(value)  # ids and years: no thousands dots
    if isinstance(value, float):
        return number(value, trim=True)
    if isinstance(value, str):
        try:
            if ISO_DAY.match(value):
                return vn_day(value)
            if ISO_MOMENT.match(value):
                moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                return vn_moment(moment)
        except ValueError:
            pass
        return unicodedata.normalize("NFC", value)
    if isinstance(value, (list, tuple)):
        return "; ".join(readable(v) for v in value)
    if isinstance(value, dict):
        if is_change(value):
            return f"{readable(value.get('from'))} → {readable(value.get('to'))}"
        return "; ".join(f"{_key_label(str(k))}: {readable(v)}" for k, v in value.items())
    return str(value)


def is_change(value: Any) -> bool:
    """A recorded {"from": …, "to": …} pair."""
    return isinstance(value, dict) and bool(value) and set(value) <= {"from", "to"}


def plain(value: Any) -> Value:
    """A value of unknown meaning: readable text, a digest shortened, long text cut."""
    if isinstance(value, str) and HEX_DIGEST.match(value):
        return digest(value)
    return shorten(readable(value))


def _key_label(key: str) -> str:
    """A key no label was written for: its words, quoted, so it reads as a name and not as data."""
    return FIELD_LABELS.get(key) or f"Trường “{key.replace('_', ' ').strip()}”"


def label_for(action: str, key: str) -> str:
    return ACTION_FIELD_LABELS.get((action, key)) or _key_label(key)


# ---------------------------------------------------------------- the records an entry points at


class Context:
    """Everything a page of entries refers to, loaded in a handful of queries."""

    def __init__(self, session: Session, catalog: Catalog, viewer: User, entries: list[AuditEntry]):
        self.catalog, self.viewer = catalog, viewer
        user_ids = {e.user_id for e in entries} | _ids(entries, "user")
        self.users = _by_id(session, User, user_ids)
        inspection_ids = _ids(entries, "inspection")
        for entry in entries:
            for key in INSPECTION_KEYS:
                if isinstance(details_of(entry).get(key), int):
                    inspection_ids.add(details_of(entry)[key])
        self.actions: dict[int, RemediationAction] = {}
        action_ids = _ids(entries, "remediation")
        if action_ids:
            query = (select(RemediationAction).where(RemediationAction.id.in_(action_ids))
                     .options(selectinload(RemediationAction.finding).selectinload(FindingRecord.inspection)))
            self.actions = {a.id: a for a in session.scalars(query)}
        self.inspections: dict[int, Inspection] = {a.finding.inspection.id: a.finding.inspection
                                                   for a in self.actions.values()}
        self.inspections |= _by_id(session, Inspection, inspection_ids - set(self.inspections))
        self.earlier = _earlier_details(session, entries)
        self._checklists: dict[int, Checklist | None] = {}

    def checklist(self, inspection_id: int | None) -> Checklist | None:
        """The inspection's checklist version with the items of its day (None if it is gone)."""
        if inspection_id not in self._checklists:
            inspection = self.inspections.get(inspection_id)
            found = None
            if inspection is not None and self.catalog.checklist(inspection.checklist_id, inspection.checklist_version):
                found = self.catalog.checklist_on(inspection.checklist_id, inspection.checklist_version,
                                                  inspection.inspection_date)
            self._checklists[inspection_id] = found
        return self._checklists[inspection_id]

    def inspection_value(self, inspection_id: Any) -> Value:
        """Another inspection named by a detail: its commune and date, linked when the viewer may see it."""
        inspection = self.inspections.get(inspection_id) if isinstance(inspection_id, int) else None
        if inspection is None:
            return Value(f"phiếu số {readable(inspection_id)} (không còn)")
        return Value(inspection_name(inspection), link=self.inspection_link(inspection))

    def inspection_link(self, inspection: Inspection) -> Link | None:
        if can_view(self.viewer, inspection):
            return Link("inspections.show", {"inspection_id": inspection.id})
        return None


def details_of(entry: AuditEntry) -> dict[str, Any]:
    """The entry's details when they are a mapping (record() always writes one); else nothing."""
    return entry.details if isinstance(entry.details, dict) else {}


def _ids(entries: Iterable[AuditEntry], entity: str) -> set[int]:
    return {e.entity_id for e in entries if e.entity == entity and e.entity_id is not None}


def _by_id(session: Session, model, ids: set[int | None]) -> dict[int, Any]:
    wanted = {i for i in ids if i is not None}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))} if wanted else {}


def _earlier_details(session: Session, entries: list[AuditEntry]) -> dict[int, dict[str, Any]]:
    """For each "details" entry: the value each key it changes had before, from the inspection's earlier entries.

    update_details used to record only the new values (it now records {"from", "to"}); every change
    of those fields is an entry, so for the older entries the previous entry that set a key holds
    its value before. A key set for the first time has none.
    """
    wanted = {e.entity_id for e in entries if e.action == "details" and e.entity_id is not None}
    if not wanted:
        return {}
    query = (select(AuditEntry).where(AuditEntry.action == "details", AuditEntry.entity == "inspection",
                                      AuditEntry.entity_id.in_(wanted)).order_by(AuditEntry.id))
    state: dict[int, dict[str, Any]] = {}
    before: dict[int, dict[str, Any]] = {}
    for entry in session.scalars(query):
        changes = details_of(entry).get("changes")
        if not isinstance(changes, dict):
            continue
        seen = state.setdefault(entry.entity_id, {})
        before[entry.id] = {key: seen[key] for key in changes if key in seen}
        seen.update({key: value["to"] if is_change(value) else value for key, value in changes.items()})
    return before


def inspection_name(inspection: Inspection) -> str:
    """ "Phường Phúc Xá 15/09/2020", with the revision when it is one."""
    name = f"{inspection.commune_name} {vn_day(inspection.inspection_date)}"
    return name + (f" (bản sửa đổi lần {inspection.revision})" if inspection.revision > 1 else "")


def _target(entry: AuditEntry, context: Context) -> Target:
    kind = ENTITY_LABELS.get(entry.entity) or f"Bản ghi “{entry.entity}”"
    if entry.entity_id is None:
        return Target(kind, "dữ liệu mẫu" if entry.action == "seed_demo" else "nhiều bản ghi")
    history = Link("audit.index", {"entity": entry.entity, "id": entry.entity_id})
    if entry.entity == "inspection" and entry.entity_id in context.inspections:
        inspection = context.inspections[entry.entity_id]
        return Target(kind, inspection_name(inspection), context.inspection_link(inspection), history)
    if entry.entity == "remediation" and entry.entity_id in context.actions:
        action = context.actions[entry.entity_id]
        inspection = action.finding.inspection
        link = Link("remediation.show", {"action_id": action.id}) if can_view(context.viewer, inspection) else None
        return Target(kind, f"{action.finding.code} · {inspection_name(inspection)}", link, history)
    if entry.entity == "user" and entry.entity_id in context.users:
        user = context.users[entry.entity_id]
        return Target(kind, f"{user.full_name} ({user.username})", None, history)
    if entry.entity == "criteria_version" and {"checklist", "version"} <= set(entry.details):
        link = Link("criteria.draft", {"version_id": entry.entity_id}) if context.viewer.role == "admin" else None
        return Target(kind, f"{entry.details['checklist']} phiên bản {entry.details['version']}", link, history)
    gone = " (không còn)" if entry.entity in ENTITY_LABELS else ""  # a kind this page knows, but not found
    return Target(kind, f"số {entry.entity_id}{gone}", None, history)


def _who(entry: AuditEntry, context: Context) -> Person:
    user = context.users.get(entry.user_id) if entry.user_id is not None else None
    if user is not None:
        return Person(user.full_name, user.username, ROLES.get(user.role, user.role),
                      Link("audit.index", {"user": user.username}))
    if entry.user_id is None and entry.username in ("system", "", None):
        return Person(SYSTEM, None, "tự động")
    return Person(f"Tài khoản {entry.username}", entry.username, "không còn",
                  Link("audit.index", {"user": entry.username}))


# ---------------------------------------------------------------- details, action by action

Formatter = Callable[[Any, AuditEntry, Context], Value]


def _commune(code: Any, entry: AuditEntry, context: Context) -> Value:
    inspection = context.inspections.get(entry.entity_id)
    if inspection is not None and inspection.commune_code == code:
        return Value(f"{inspection.commune_name} (mã {code})")
    return Value(f"mã {readable(code)}")


def _photo(photo_id: Any, entry: AuditEntry, context: Context) -> Value:
    if entry.action == "delete_photo":
        return Value(f"ảnh số {readable(photo_id)} (đã xóa)")
    inspection = context.inspections.get(entry.entity_id)
    if isinstance(photo_id, int) and inspection is not None and can_view(context.viewer, inspection):
        return Value("Xem ảnh", link=Link("inspections.photo", {"inspection_id": inspection.id,
                                                                "photo_id": photo_id}))
    return Value("đã lưu")


def _item(code: Any, entry: AuditEntry, context: Context) -> Value:
    return shorten(item_label(str(code), context.checklist(entry.entity_id)))


def _evidence(evidence_id: Any, entry: AuditEntry, context: Context) -> Value:
    if entry.action != "submit_evidence":
        return plain(evidence_id)
    action = context.actions.get(entry.entity_id)
    details = details_of(entry)
    if (isinstance(evidence_id, int) and action is not None and details.get("kind") in ("photo", "pdf")
            and can_view(context.viewer, action.finding.inspection)):
        text = "Xem ảnh" if details["kind"] == "photo" else "Tải tệp PDF"
        return Value(text, link=Link("remediation.evidence_file", {"action_id": action.id,
                                                                    "evidence_id": evidence_id}))
    return Value("đã lưu")


def _size(size: Any, entry: AuditEntry, context: Context) -> Value:
    if isinstance(size, bool) or not isinstance(size, int):
        return plain(size)
    if size < 1024:
        return Value(f"{size} byte")
    if size < 1024 * 1024:
        return Value(f"{number(size / 1024, 0)} KB")
    return Value(f"{number(size / (1024 * 1024), 1)} MB")


def _years(years: Any, entry: AuditEntry, context: Context) -> Value:
    if isinstance(years, list) and len(years) == 2 and all(isinstance(y, int) for y in years):
        return Value(str(years[0]) if years[0] == years[1] else f"{years[0]}–{years[1]}")
    return plain(years)


def _count(value: Any, entry: AuditEntry, context: Context) -> Value:
    if isinstance(value, int) and not isinstance(value, bool):
        return Value(number(value))
    return plain(value)


FORMATTERS: dict[str, Formatter] = {
    "commune": _commune,
    "date": lambda v, e, c: Value(vn_day(v)),
    "as_of": lambda v, e, c: Value(vn_day(v)),
    REINSPECTION_KEY: lambda v, e, c: c.inspection_value(v),
    "replaces": lambda v, e, c: c.inspection_value(v),
    "from_inspection": lambda v, e, c: c.inspection_value(v),
    "to_inspection": lambda v, e, c: c.inspection_value(v),
    "inspection": lambda v, e, c: c.inspection_value(v),
    "status": lambda v, e, c: Value(REMEDIATION_LABELS[v]),
    "deadline": lambda v, e, c: Value(vn_day(v)),
    "item": _item,
    "photo": _photo,
    "sha256": lambda v, e, c: digest(v) if v else Value(EMPTY),
    "minutes_sha256": lambda v, e, c: digest(v) if v else Value(EMPTY),
    "record_sha256": lambda v, e, c: digest(v) if v else Value(EMPTY),
    "findings": _count,
    "inspections": _count,
    "total": lambda v, e, c: Value(f"{number(float(v))} điểm"),  # as the scores print: 72,50
    "role": lambda v, e, c: Value(ROLES[v]),
    "evidence": _evidence,
    "kind": lambda v, e, c: Value(EVIDENCE_KINDS[v]),
    "size": _size,
    "years": _years,
    "communes": lambda v, e, c: Value("tất cả" if v is None else readable(v)),
    "copies": lambda v, e, c: Value(f"{v} bản") if isinstance(v, int) else plain(v),
    "taken_at_source": lambda v, e, c: Value(PHOTO_TIME_SOURCES[v]),
    "effective_from": lambda v, e, c: Value(vn_day(v)),
    "period": lambda v, e, c: _days(v),
    "window": lambda v, e, c: _days(v),
}


def _days(value: Any) -> Value:
    """A plan's period or a planned window ([start, end]), or a move of one ({"from": …, "to": …})."""
    def span(days: Any) -> str:
        return f"{vn_day(days[0])} – {vn_day(days[1])}" if isinstance(days, list) and len(days) == 2 else readable(days)

    if isinstance(value, dict) and {"from", "to"} <= set(value):
        return Value(f"{span(value['from'])} → {span(value['to'])}")
    return Value(span(value))


def value_of(key: str, value: Any, entry: AuditEntry, context: Context) -> Value:
    """A recorded value as words; anything a formatter does not expect falls back to plain text."""
    formatter = FORMATTERS.get(key)
    if formatter is not None:
        try:
            return formatter(value, entry, context)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass
    return plain(value)


def item_label(code: str, checklist: Checklist | None) -> str:
    """ "TG-01 · Niêm yết lịch tiếp công dân…": the code and its question."""
    item = checklist.items.get(code) if checklist is not None else None
    return f"{code} · {item.question}" if item is not None else code


def _answer_value(code: str, value: Any, checklist: Checklist | None) -> Value:
    """An answer in words, as the checklist and the minutes print it."""
    if value is None:
        return Value(UNANSWERED)
    item = checklist.items.get(code) if checklist is not None else None
    if item is not None:
        try:
            return shorten(item.display(item.load(value)))
        except (KeyError, TypeError, ValueError, StopIteration, AttributeError):
            pass
    return plain(value)


def _note_value(text: Any) -> Value:
    return shorten(text) if isinstance(text, str) and text else Value(EMPTY)


def _answer_lines(entry: AuditEntry, context: Context) -> list[Line]:
    changes = details_of(entry).get("changes")
    if not isinstance(changes, dict):
        return _generic_lines(entry, context)
    checklist = context.checklist(entry.entity_id)
    order = {code: i for i, code in enumerate(checklist.items)} if checklist is not None else {}
    lines = []
    for code in sorted(changes, key=lambda c: (order.get(c, len(order)), str(c))):
        change = changes[code]
        label = shorten(item_label(str(code), checklist), 90).text
        if not isinstance(change, dict):
            lines.append(Line(label, plain(change)))
            continue
        note = change.get("note")
        remark = "đã sửa ghi chú" if note is True else None  # entries before the note's text was recorded
        if "from" in change or "to" in change:
            lines.append(Line(label, _answer_value(code, change.get("to"), checklist),
                              _answer_value(code, change.get("from"), checklist), remark))
        elif remark:
            lines.append(Line(label, None, remark="chỉ sửa ghi chú"))
        if is_change(note):
            lines.append(Line(label, _note_value(note.get("to")), _note_value(note.get("from")), remark="ghi chú"))
        extra = {k: v for k, v in change.items() if k not in ("from", "to", "note")}
        if extra:
            lines.append(Line(label, plain(extra)))
    return lines


def _details_lines(entry: AuditEntry, context: Context) -> list[Line]:
    changes = details_of(entry).get("changes")
    if not isinstance(changes, dict):
        return _generic_lines(entry, context)
    earlier = context.earlier.get(entry.id, {})
    lines = []
    def shown(key: str, value: Any) -> Value:
        return value_of(key, value, entry, context) if value not in (None, "") else Value(EMPTY)

    for key, value in changes.items():
        if is_change(value):
            lines.append(Line(label_for(entry.action, key), shown(key, value.get("to")), shown(key, value.get("from"))))
            continue
        before = shown(key, earlier[key]) if key in earlier else None
        lines.append(Line(label_for(entry.action, key), shown(key, value), before))
    return lines


def _status_lines(entry: AuditEntry, details: dict[str, Any]) -> list[Line]:
    """The status change an action makes: recorded ("previous") or fixed by the service's rules."""
    if entry.action in STATUS_CHANGES:
        before, after = STATUS_CHANGES[entry.action]
        return [Line("Trạng thái", Value(after), Value(before))]
    if entry.action in STATUS_AFTER and "previous" in details:
        previous = details["previous"]
        before = REMEDIATION_LABELS.get(previous) if isinstance(previous, str) else None
        before = before or readable(previous)
        return [Line("Trạng thái", Value(REMEDIATION_LABELS[STATUS_AFTER[entry.action]]), Value(before))]
    return []


def _generic_lines(entry: AuditEntry, context: Context, skip: Iterable[str] = ()) -> list[Line]:
    """Each key in turn: its label and value, or before → after for a {"from", "to"} pair."""
    if entry.details in (None, {}, []):
        return []
    details = entry.details if isinstance(entry.details, dict) else {"": entry.details}
    lines = []
    for key, value in details.items():
        if key in skip:
            continue
        label = label_for(entry.action, str(key)) if key else "Chi tiết"
        if is_change(value):
            lines.append(Line(label, value_of(key, value.get("to"), entry, context),
                              value_of(key, value.get("from"), entry, context)))
        else:
            lines.append(Line(label, value_of(key, value, entry, context)))
    return lines


def lines_of(entry: AuditEntry, context: Context) -> list[Line]:
    """The entry's details as labelled lines."""
    if entry.action == "answer":
        return _answer_lines(entry, context)
    if entry.action == "details":
        return _details_lines(entry, context)
    details = details_of(entry)
    skip = {"previous"} if entry.action in STATUS_AFTER and "previous" in details else set()
    return _status_lines(entry, details) + _generic_lines(entry, context, skip)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or f"Thao tác “{action.replace('_', ' ')}”"


def present(session: Session, catalog: Catalog, viewer: User, entries: list[AuditEntry]) -> list[Row]:
    """The entries as the audit page shows them, newest first as given."""
    context = Context(session, catalog, viewer, entries)
    rows = []
    for entry in entries:
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.timezone.utc)
        lines = tuple(lines_of(entry, context))
        rows.append(Row(id=entry.id, at=vn_moment(at), at_iso=at.astimezone(VIETNAM).isoformat(timespec="minutes"),
                        who=_who(entry, context), action=action_label(entry.action), target=_target(entry, context),
                        lines=lines[:LINES_SHOWN], more=lines[LINES_SHOWN:]))
    return rows

"""Importing a tablet's exported queue ("Xuất dữ liệu chờ gửi"), the escape hatch for a tablet that
cannot reach the server before it must be wiped.

An administrator uploads the file; its changes are applied as their author (the user logged in on
the tablet when it was exported) would be allowed to apply them: the author must be able to edit
each inspection, which must still be a draft. The file is applied whole or not at all. A value
someone else changed on the server since the tablet last saw it is not applied: it is listed with
both versions, as the tablet itself would have shown it. Photos carry their queue key, so a photo
that did reach the server is not stored twice. Inspections started on the tablet without a network
("creations") are created first, by their client id (one that did reach the server is that one), and
the changes and photos queued under "new-<client id>" go to them.
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.catalog import Catalog
from ..models import Inspection, User
from . import Conflict, Forbidden, Invalid
from .accounts import can_edit
from .audit import record
from .inspections import (CLIENT_KEY, answers_of, attach_photo, checklist_of, new_inspection, notes_of, photo_by_key,
                          write_answers)
from .photos import MAX_UPLOAD_BYTES, store_photo
from .transactions import transaction

FORMAT = "inspect-offline-queue"
REFUSED = "Tệp dữ liệu chờ gửi không hợp lệ; chưa nhập gì."
DATA_URL = re.compile(r"data:image/(jpeg|png|webp);base64,(.*)", re.DOTALL)
MISSING = object()


@dataclass(frozen=True)
class Clash:
    """A value the tablet changed that someone else also changed on the server: not applied."""

    inspection_id: int
    code: str
    kind: str  # "answers" or "notes"
    tablet: Any
    server: Any


@dataclass
class ImportResult:
    author: str
    applied: dict[int, list[str]] = field(default_factory=dict)  # inspection → item codes changed
    created: list[int] = field(default_factory=list)  # inspections the tablet had started offline
    photos_added: int = 0
    photos_known: int = 0
    clashes: list[Clash] = field(default_factory=list)


def _problem(errors: dict[str, str], where: str, text: str) -> None:
    errors.setdefault(where, text)


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise Invalid(REFUSED, errors={"tệp": "không phải tệp JSON do nút “Xuất dữ liệu chờ gửi” tạo ra"}) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid(REFUSED, errors={"tệp": "không phải tệp “Xuất dữ liệu chờ gửi” của ứng dụng này"})
    if data.get("format_version") != 1:
        raise Invalid(REFUSED, errors={"format_version": "phiên bản định dạng không được hỗ trợ (cần 1)"})
    return data


def _split(inspection: Inspection, change: dict[str, Any], result: ImportResult) -> tuple[dict, dict]:
    """What to apply of one inspection's changes: a value the server holds already is done, one nobody
    else changed since the tablet's base is applied, anything else is a clash."""
    server = {"answers": answers_of(inspection), "notes": notes_of(inspection)}
    empty = {"answers": None, "notes": ""}
    apply: dict[str, dict[str, Any]] = {"answers": {}, "notes": {}}
    bases = change.get("bases") if isinstance(change.get("bases"), dict) else {}
    for kind in ("answers", "notes"):
        kind_bases = bases.get(kind) if isinstance(bases.get(kind), dict) else {}
        for code, mine in change[kind].items():
            theirs = server[kind].get(code, empty[kind])
            if theirs == mine:
                continue
            base = kind_bases.get(code, MISSING)
            if base is not MISSING and base == theirs:
                apply[kind][code] = mine
            else:
                result.clashes.append(Clash(inspection.id, code, kind, mine, theirs))
    return apply["answers"], apply["notes"]


def _photo_bytes(photo: Any, index: int, errors: dict[str, str]) -> bytes | None:
    where = f"ảnh {index + 1}"
    if not isinstance(photo, dict) or not isinstance(photo.get("item"), str):
        _problem(errors, where, "thiếu mã tiêu chí")
        return None
    if not isinstance(photo.get("key"), str) or not CLIENT_KEY.fullmatch(photo["key"]):
        _problem(errors, where, "thiếu khóa ảnh trong hàng đợi")
        return None
    found = DATA_URL.fullmatch(photo.get("data") or "") if isinstance(photo.get("data"), str) else None
    if not found:
        _problem(errors, where, "không phải ảnh JPEG, PNG hoặc WebP")
        return None
    if len(found.group(2)) > MAX_UPLOAD_BYTES * 4 // 3 + 4:
        _problem(errors, where, "ảnh quá lớn")
        return None
    try:
        return base64.b64decode(found.group(2), validate=True)
    except binascii.Error:
        _problem(errors, where, "dữ liệu ảnh bị hỏng")
        return None


@transaction(retry=False)
def import_queue(session: Session, catalog: Catalog, admin: User, raw: bytes, photo_dir: Path) -> ImportResult:
    """Apply an exported queue whole, as its author; refuse it whole (Invalid, in Vietnamese) if anything is wrong."""
    if admin.role != "admin":
        raise Forbidden("Chỉ quản trị viên nhập được dữ liệu chờ gửi.")
    data = _parse(raw)
    errors: dict[str, str] = {}
    author = session.scalar(select(User).where(User.username == data.get("user"))) \
        if isinstance(data.get("user"), str) else None
    if author is None:
        raise Invalid(REFUSED, errors={"user": "không rõ tài khoản đã xuất tệp, hoặc tài khoản không còn"})
    changes, photos, creations = data.get("changes"), data.get("photos"), data.get("creations", [])
    if not isinstance(changes, list) or not isinstance(photos, list) or not isinstance(creations, list):
        raise Invalid(REFUSED, errors={"tệp": "thiếu danh sách thay đổi (changes) hoặc ảnh (photos)"})

    inspections: dict[int, Inspection] = {}
    result = ImportResult(author=author.username)
    started: dict[str, int] = {}  # "new-<client id>" → the inspection created for it
    for index, creation in enumerate(creations):
        payload = creation.get("payload") if isinstance(creation, dict) else None
        if not isinstance(payload, dict) or not isinstance(payload.get("client_id"), str):
            _problem(errors, f"phiếu lập ngoại tuyến {index + 1}", "không đúng định dạng")
            continue
        try:
            inspection, created = new_inspection(session, catalog, author, payload)
        except (Invalid, Forbidden, Conflict) as refused:
            details = "; ".join(f"{k}: {v}" for k, v in refused.details.get("errors", {}).items())
            _problem(errors, f"phiếu lập ngoại tuyến {index + 1}", refused.message + (f" ({details})" if details else ""))
            continue
        started["new-" + payload["client_id"]] = inspection.id
        if created:
            result.created.append(inspection.id)

    def inspection_of(value: Any, where: str) -> Inspection | None:
        value = started.get(value, value) if isinstance(value, str) else value
        number = int(value) if isinstance(value, (str, int)) and str(value).isdigit() else None
        inspection = session.get(Inspection, number) if number is not None and number < 2**31 else None
        if inspection is None:
            _problem(errors, where, "không có phiếu kiểm tra này")
        elif not can_edit(author, inspection):
            _problem(errors, where, f"tài khoản {author.username} không có quyền sửa phiếu số {inspection.id}")
        elif inspection.locked:
            _problem(errors, where, f"phiếu số {inspection.id} đã hoàn tất và bị khóa")
        else:
            inspections[inspection.id] = inspection
            return inspection
        return None

    plans = []
    for index, change in enumerate(changes):
        where = f"thay đổi {index + 1}"
        if not isinstance(change, dict) or not all(isinstance(change.get(k, {}), dict) for k in ("answers", "notes")):
            _problem(errors, where, "không đúng định dạng")
            continue
        change = change | {"answers": change.get("answers", {}), "notes": change.get("notes", {})}
        inspection = inspection_of(change.get("inspection"), where)
        if inspection is not None:
            plans.append((inspection, change))
    decoded = []
    for index, photo in enumerate(photos):
        content = _photo_bytes(photo, index, errors)
        inspection = inspection_of(photo.get("inspection") if isinstance(photo, dict) else None, f"ảnh {index + 1}")
        if content is not None and inspection is not None:
            decoded.append((inspection, photo, content))
    if errors:
        raise Invalid(REFUSED, errors=errors)

    stored_files: list[Path] = []
    seen: set[str] = set()
    try:
        for inspection, change in plans:
            answers, notes = _split(inspection, change, result)
            try:
                changed = write_answers(session, catalog, author, inspection, answers, notes)
            except Invalid as refused:
                raise Invalid(f"Phiếu số {inspection.id}: có câu trả lời không hợp lệ; chưa nhập gì.",
                              errors=refused.details.get("errors", {})) from None
            if changed:
                result.applied.setdefault(inspection.id, []).extend(sorted(changed))
        for inspection, photo, content in decoded:
            if photo["key"] in seen or photo_by_key(session, inspection.id, photo["key"]) is not None:
                result.photos_known += 1
                continue
            seen.add(photo["key"])
            if photo["item"] not in checklist_of(catalog, inspection).items:
                raise Invalid(REFUSED, errors={photo["key"]: "mã tiêu chí của ảnh không có trong checklist"})
            stored = store_photo(io.BytesIO(content), photo_dir)
            stored_files.append(photo_dir / stored.stored_name)
            attach_photo(session, author, inspection, photo["item"], stored, str(photo.get("name") or ""), photo["key"])
            result.photos_added += 1
        for inspection in inspections.values():
            record(session, admin, "offline_import", "inspection", inspection.id, author=author.username,
                   items=result.applied.get(inspection.id, []),
                   clashes=[c.code for c in result.clashes if c.inspection_id == inspection.id],
                   exported_at=str(data.get("exported_at", ""))[:40])
        session.commit()
    except BaseException:
        for path in stored_files:  # no file without its row: the transaction rolls the rows back
            path.unlink(missing_ok=True)
        raise
    return result

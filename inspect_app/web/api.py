"""The JSON API under /api/v1, for the tablet app: parse the request, call a service, map the result.

Every refusal is a ServiceError, which web/errors.py turns into `{"error": message, ...details}`
with its status. Sessions are the Flask cookie; every mutation except login needs the header
X-CSRFToken with the token that login and GET /session hand out. The OpenAPI document of all
this is web/openapi.py, served at /api/v1/openapi.json.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, request, send_file, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import generate_csrf

from ..domain.checklists import AnswerError, Checklist, Item, format_vn_date, parse_iso_date, today_in_vietnam
from ..extensions import csrf, db
from ..models import ROLES, STATUS_LABELS, AdminUnit, User
from ..services import Invalid, NotFound, ServiceError
from ..services import accounts, inspections, units
from .auth import start_session
from .hostile import parse_id
from .listing import requested_page
from .openapi import openapi_document
from . import current_catalog

blueprint = Blueprint("api", __name__)

MAX_USERNAME_LENGTH = 64
MAX_PASSWORD_LENGTH = 200


# ---------------------------------------------------------------- request parsing


def _json_object() -> dict[str, Any]:
    """The request body as a JSON object, or a Vietnamese 400/422 (never a 500)."""
    if not request.is_json:
        raise ServiceError("Nội dung yêu cầu phải là JSON (Content-Type: application/json).")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # absurdly nested arrays: the parser gives up
        data = None
    if data is None:
        raise ServiceError("Nội dung yêu cầu không phải là JSON hợp lệ.")
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", errors={"body": "cần một đối tượng JSON {…}"})
    return data


def _query_date(name: str = "date") -> dt.date:
    """A YYYY-MM-DD query parameter; today when absent."""
    raw = request.args.get(name)
    if raw is None:
        return today_in_vietnam()
    try:
        return parse_iso_date(raw)
    except AnswerError as error:
        raise Invalid("Tham số không hợp lệ.", errors={name: str(error)}) from None


def _actor() -> User:
    """The logged-in user as the model object the services expect (not Flask-Login's proxy)."""
    return current_user._get_current_object()



# ---------------------------------------------------------------- result mapping


def _user(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "position": user.position,
            "role": user.role, "role_label": ROLES.get(user.role, user.role),
            "district_code": user.district_code, "commune_code": user.commune_code,
            "team": user.team.name if user.team else None}


def _session_info(user: User) -> dict[str, Any]:
    return {"user": _user(user), "role": user.role, "csrf_token": generate_csrf()}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _checklist_summary(checklist: Checklist) -> dict[str, Any]:
    return {"id": checklist.id, "version": checklist.version, "title": checklist.title,
            "basis": [{"instrument": c.instrument.id, "text": c.text, "effective_from": _iso(c.effective_from),
                       "effective_to": _iso(c.effective_to), "verified": c.verified} for c in checklist.basis],
            "effective_from": _iso(checklist.effective_from), "effective_to": _iso(checklist.effective_to)}


def _item(item: Item) -> dict[str, Any]:
    return {"code": item.code, "question": item.question, "type": item.type, "na_allowed": item.na_allowed,
            "required": item.required, "evidence": item.evidence, "guidance": item.guidance,
            "choices": [{"value": c.value, "label": c.label} for c in item.choices],
            "min": item.min, "max": item.max, "unit": item.unit, "input_only": item.input_only,
            "effective_from": _iso(item.effective_from), "effective_to": _iso(item.effective_to)}


def _unit(unit: AdminUnit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind,
            "district_code": unit.parent.code if unit.parent else None}


def _evaluation(evaluation) -> dict[str, Any]:
    return {"findings": [inspections.finding_json(f, current_catalog()) for f in evaluation.findings],
            "scores": dict(evaluation.scores), "assessed": list(evaluation.assessed),
            "missing": list(evaluation.missing)}


# ---------------------------------------------------------------- session


@blueprint.post("/login")
@csrf.exempt  # the client has no token yet; requiring a JSON body keeps plain cross-site forms out
def login():
    """Check the password (guessing is slowed down, see services.accounts) and open a session."""
    data = _json_object()
    username, password = data.get("username"), data.get("password")
    errors = {}
    if not isinstance(username, str) or not username.strip() or len(username) > MAX_USERNAME_LENGTH:
        errors["username"] = f"nhập tên đăng nhập (tối đa {MAX_USERNAME_LENGTH} ký tự)"
    if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD_LENGTH:
        errors["password"] = f"nhập mật khẩu (tối đa {MAX_PASSWORD_LENGTH} ký tự)"
    if errors:
        raise Invalid("Thông tin đăng nhập chưa hợp lệ.", errors=errors)
    user = accounts.authenticate(db.session, username, password, address=request.remote_addr)
    start_session(user)
    return jsonify(_session_info(user))


@blueprint.post("/logout")
@login_required
def logout():
    """Close the session (CSRF-protected, so another site cannot log the user out)."""
    accounts.logout(db.session, _actor())
    logout_user()
    return "", 204


@blueprint.get("/session")
@login_required
def session_info():
    """Who is logged in, with a CSRF token: what a tablet app needs after a reload."""
    return jsonify(_session_info(_actor()))


# ---------------------------------------------------------------- catalog and units


@blueprint.get("/checklists")
@login_required
def list_checklists():
    """Every version of every checklist, with the dates it is in force."""
    return jsonify({"checklists": [_checklist_summary(c) for versions in current_catalog().checklists.values()
                                   for c in versions]})


@blueprint.get("/checklists/<checklist_id>")
@login_required
def get_checklist(checklist_id: str):
    """One checklist: ?version=N in full (items that start or end within it carry their dates), else the
    one in force on ?date= (default today) with the items in force that day."""
    catalog = current_catalog()
    version = request.args.get("version")
    if version is not None:
        number = parse_id(version)
        if number is None:
            raise Invalid("Tham số không hợp lệ.", errors={"version": "cần số nguyên dương"})
        found = catalog.checklist(checklist_id, number)
    else:
        day = _query_date()
        found = catalog.checklist_for(checklist_id, day)
        found = found.on(day) if found else None
    if found is None:
        raise NotFound("Không tìm thấy checklist này.")
    scoring = found.scoring
    return jsonify(_checklist_summary(found) | {"sections": [
        {"code": s.code, "papi": s.papi, "title": s.title, "items": [_item(i) for i in s.items]}
        for s in found.sections], "scoring": {
        "item_weights": scoring.item_weights, "severity_factors": scoring.severity_factors,
        "repeat_factor": scoring.repeat_factor, "explanation": scoring.explanation}})


@blueprint.get("/units")
@login_required
def list_units():
    """Districts and communes as they were on ?date= (default today); ?district= narrows to one district."""
    day = _query_date()
    district = request.args.get("district")
    if not district:
        return jsonify({"date": day.isoformat(), "district": None,
                        "districts": [_unit(u) for u in units.districts_on(db.session, day)],
                        "communes": [_unit(u) for u in units.communes_on(db.session, day)]})
    if not any(d.code == district for d in units.districts_on(db.session, day)):
        raise NotFound(f"Không có địa bàn mã {district[:10]} vào ngày {format_vn_date(day)}.")
    return jsonify({"date": day.isoformat(), "district": district,
                    "communes": [_unit(u) for u in units.communes_on(db.session, day, district)]})


# ---------------------------------------------------------------- inspections


@blueprint.get("/inspections")
@login_required
def list_inspections():
    """The inspections the user may see, newest first, a page at a time; ?q=, ?commune=, ?status=, ?mine=1 filter."""
    page, per_page = requested_page()
    status = request.args.get("status") or None
    if status is not None and status not in STATUS_LABELS:
        raise Invalid("Tham số không hợp lệ.", errors={"status": "cần một trong " + ", ".join(STATUS_LABELS)})
    found = inspections.page_inspections(db.session, _actor(), page=page, per_page=per_page,
                                         commune=request.args.get("commune") or None, status=status,
                                         mine=request.args.get("mine") in ("1", "true"), search=request.args.get("q"))
    return jsonify({**found.as_json(), "inspections": [inspections.inspection_summary(i) for i in found.items]})


@blueprint.post("/inspections")
@login_required
def create_inspection():
    """A new draft; the same client_id again returns the existing inspection (200, not a copy)."""
    inspection, created = inspections.create_inspection(db.session, current_catalog(fresh=True), _actor(), _json_object())
    body = {"id": inspection.id, "status": inspection.status, "version": inspection.version}
    headers = {"Location": url_for(".get_inspection", inspection_id=inspection.id)}
    return jsonify(body), 201 if created else 200, headers


@blueprint.get("/inspections/<int:inspection_id>")
@login_required
def get_inspection(inspection_id: int):
    """Everything a tablet needs to resume a draft or show a finalised inspection."""
    inspection = inspections.get_inspection(db.session, _actor(), inspection_id)
    return jsonify(inspections.inspection_detail(db.session, current_catalog(), inspection))


@blueprint.put("/inspections/<int:inspection_id>/answers")
@login_required
def save_answers(inspection_id: int):
    """Save a batch of answers and notes against base_version; 409 with the current answers if stale."""
    data = _json_object()
    base_version = data.get("base_version")
    if isinstance(base_version, bool) or not isinstance(base_version, int):
        raise Invalid("Dữ liệu không hợp lệ.",
                      errors={"base_version": "cần số nguyên: phiên bản của phiếu mà máy tính bảng đã tải"})
    version, evaluation = inspections.save_answers(db.session, current_catalog(), _actor(), inspection_id,
                                                   data.get("answers"), data.get("notes"), base_version)
    return jsonify({"version": version} | _evaluation(evaluation))


@blueprint.post("/inspections/<int:inspection_id>/photos")
@login_required
def add_photo(inspection_id: int):
    """Attach a photo to an item (multipart: item, file, optional exif and client_key); stored re-encoded at ≤1600 px."""
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("Chưa chọn ảnh.", errors={"file": "thiếu tệp ảnh (trường file, multipart/form-data)"})
    exif = request.files.get("exif")
    photo, created = inspections.add_photo(db.session, _actor(), inspection_id, request.form.get("item"),
                                           upload.stream, upload.filename or "", _photo_dir(), current_catalog(),
                                           exif.stream.read(MAX_EXIF_READ) if exif is not None else None,
                                           request.form.get("client_key"))
    return jsonify(inspections.photo_json(photo) | {"version": photo.inspection.version}), 201 if created else 200


MAX_EXIF_READ = 64 * 1024 + 1  # one byte more than services.photos accepts, so too long is refused


def _photo_dir() -> Path:
    return Path(current_app.config["PHOTO_DIR"])


@blueprint.patch("/inspections/<int:inspection_id>/photos/<int:photo_id>")
@login_required
def caption_photo(inspection_id: int, photo_id: int):
    """Set a photo's caption (one line, ≤300 characters; empty removes it) while the inspection is a draft."""
    data = _json_object()
    unknown = set(data) - {"caption"}
    if unknown or "caption" not in data:
        raise Invalid("Dữ liệu không hợp lệ.", errors={key: "trường không hợp lệ" for key in unknown}
                      | ({} if "caption" in data else {"caption": "thiếu chú thích"}))
    photo = inspections.caption_photo(db.session, _actor(), inspection_id, photo_id, data["caption"])
    return jsonify(inspections.photo_json(photo) | {"version": photo.inspection.version})


@blueprint.delete("/inspections/<int:inspection_id>/photos/<int:photo_id>")
@login_required
def delete_photo(inspection_id: int, photo_id: int):
    """Remove a wrongly taken photo from a draft; answers the new version and the evaluation without it."""
    version, evaluation = inspections.delete_photo(db.session, current_catalog(), _actor(), inspection_id, photo_id,
                                                   _photo_dir())
    return jsonify({"version": version} | _evaluation(evaluation))


@blueprint.post("/inspections/<int:inspection_id>/finalize")
@login_required
def finalize(inspection_id: int):
    """Evaluate, store findings and scores, and lock; 422 listing the required items still missing."""
    inspection, evaluation = inspections.finalize(db.session, current_catalog(), _actor(), inspection_id,
                                                  current_app.config["MINUTES"])
    result = _evaluation(evaluation)
    return jsonify({"id": inspection.id, "status": inspection.status, "version": inspection.version,
                    "findings": result["findings"], "scores": result["scores"],
                    "minutes_sha256": inspection.minutes_sha256})


@blueprint.patch("/inspections/<int:inspection_id>")
@login_required
def update_details(inspection_id: int):
    """The minutes' facts of a draft: times, place, plan, copies, the commune's opinion, refusals."""
    inspection = inspections.update_details(db.session, _actor(), inspection_id, _json_object())
    return jsonify(inspections.inspection_detail(db.session, current_catalog(), inspection))


@blueprint.get("/inspections/<int:inspection_id>/minutes.pdf")
@login_required
def minutes(inspection_id: int):
    """The frozen minutes byte for byte once finalised; before that a draft watermarked "DỰ THẢO"."""
    pdf, draft = inspections.minutes_for(db.session, current_catalog(), _actor(), inspection_id,
                                         current_app.config["MINUTES"])
    name = f"bien-ban-{inspection_id}{'-du-thao' if draft else ''}.pdf"
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=name, max_age=0,
                         etag=hashlib.sha256(pdf).hexdigest(), conditional=True)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "no-store" if draft else "private, max-age=0, must-revalidate"
    return response


@blueprint.post("/inspections/<int:inspection_id>/revise")
@login_required
def revise(inspection_id: int):
    """Open a draft revision of a finalised inspection (the pending one if it already exists)."""
    revision, created = inspections.revise(db.session, _actor(), inspection_id)
    headers = {"Location": url_for(".get_inspection", inspection_id=revision.id)}
    return jsonify(inspections.inspection_summary(revision)), 201 if created else 200, headers


# ---------------------------------------------------------------- the document


@blueprint.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API (public: it holds no data)."""
    return jsonify(openapi_document())

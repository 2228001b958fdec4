"""Inspection pages for tablets: the lists, starting an inspection, the checklist, its photos.

Views stay thin: scoping, validation and transactions happen in services.inspections; the
checklist page saves itself through the JSON API (static/checklist.js), so there is no Save
button to forget.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any

from flask import (Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..domain.checklists import NOT_APPLICABLE, VIETNAM, Checklist, day_in_vietnam, today_in_vietnam
from ..domain.vn_format import format_vn_decimal
from ..extensions import db
from ..models import MEMBER_ROLES, ROLES, STATUS_LABELS, AdminUnit, Inspection, Photo, User
from ..services import Conflict, Forbidden, Invalid, NotFound
from ..services.accounts import can_edit, can_view
from ..services.inspections import (can_reinspect, checklist_of, create_inspection, get_inspection,
                                    inspection_detail, latest_finalised, latest_finalised_ids,
                                    offline_draft as offline_draft_page, page_inspections, pending_reinspections,
                                    reinspection_base, reinspection_defaults, revise, update_details,
                                    visible_communes)
from ..services.photos import thumbnail_folder
from ..services.dashboard import NO_DISTRICT
from ..services.previous import findings_with_actions
from ..services.remediation import STATUS_LABELS as REMEDIATION_LABELS
from ..services.units import communes_on, districts_on
from .inspection_forms import ListFilterForm, MinutesDetailsForm, NewInspectionForm, ReinspectionForm, new_client_id
from .hostile import parse_id
from .listing import kept_args, requested_page
from . import current_catalog

blueprint = Blueprint("inspections", __name__)

# No inline script or style anywhere: everything comes from this origin.
SHORT_TITLES = {
    "TG": "Tham gia của người dân", "CK": "Công khai, minh bạch", "GT": "Trách nhiệm giải trình",
    "TN": "Kiểm soát tham nhũng", "TT": "Thủ tục hành chính công", "DV": "Cung ứng dịch vụ công",
    "MT": "Quản trị môi trường", "DT": "Quản trị điện tử",
}
KIND_LABELS = {"violation": "Vi phạm", "recommendation": "Khuyến nghị", "escalation": "Kiến nghị xử lý"}


# --- presentation helpers (filters and globals shared by every template) -----------------------

@blueprint.app_template_filter("vn_date")
def vn_date(value: Any) -> str:
    """dd/mm/yyyy from a date or an ISO string; a stored timestamp (naive UTC) as its day in Hà Nội; empty for nothing."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = day_in_vietnam(value)
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


@blueprint.app_template_filter("vn_deadline")
def vn_deadline(value: Any) -> str:
    """A deadline as dd/mm/yyyy, marked "tạm tính" in a year whose days off were not announced yet."""
    text = vn_date(value)
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) and value else value
    if isinstance(day, dt.date) and current_catalog().calendar.is_provisional(day):
        return f"{text} (tạm tính: lịch nghỉ năm {day.year} chưa công bố)"
    return text


@blueprint.app_template_filter("vn_moment")
def vn_moment(value: Any) -> str:
    """dd/mm/yyyy HH:MM in Hà Nội from an ISO moment with its offset (as the API gives photo times)."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") if moment.tzinfo else ""


@blueprint.app_template_filter("vn_number")
def vn_number(value: Any, places: int = 2) -> str:
    """A score the Vietnamese way: comma decimals (72,50); a dash for none."""
    if value is None:
        return "—"
    return f"{float(value):.{places}f}".replace(".", ",")


@blueprint.app_template_filter("vn_decimal")
def vn_decimal(value: Any) -> str:
    """A typed-in number as it is typed back: 92,5 (decimal comma, no trailing zeros)."""
    return format_vn_decimal(value)


@functools.lru_cache(maxsize=64)
def _fingerprint(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def asset(filename: str) -> str:
    """A static file's URL with a content fingerprint, so it can be cached for a year."""
    path = Path(current_app.static_folder or "") / filename
    try:
        version = _fingerprint(str(path), path.stat().st_mtime_ns)
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


def offline_drafts(checklist_id: str | None = None, previous_id: int | None = None,
                   current: bool = False) -> list[dict[str, Any]]:
    """The checklist versions an inspection started without a network may use, each with the dates it is in
    force and the URL of its offline checklist page: the start forms pick one by the date typed, and the
    service worker caches the pages before the team leaves. `current`: only versions in force today or
    later, for the list page's links, which must not send a tablet on a slow network every old version."""
    catalog, today = current_catalog(), today_in_vietnam()
    ids = [checklist_id] if checklist_id else list(catalog.checklists)
    extra = {"previous": previous_id} if previous_id else {}
    return [{"id": c.id, "version": c.version, "from": c.effective_from.isoformat(),
             "to": c.effective_to.isoformat() if c.effective_to else None,
             "page": url_for("inspections.offline_draft", checklist=c.id, version=c.version, **extra)}
            for cid in ids for c in catalog.checklists.get(cid, ())
            if not current or c.effective_to is None or c.effective_to >= today]


@blueprint.app_context_processor
def template_globals() -> dict[str, Any]:
    return {"asset": asset, "ROLES": ROLES, "STATUS_LABELS": STATUS_LABELS, "offline_drafts": offline_drafts}



# --- lists --------------------------------------------------------------------------------------

@blueprint.get("/")
@blueprint.get("/inspections")
@login_required
def index():
    """The inspections this user may see, a page at a time, filtered by mine / commune / status and searched."""
    form = ListFilterForm(request.args)
    page, per_page = requested_page()
    communes = visible_communes(db.session, current_user)
    form.commune.choices = {"": "Tất cả xã, phường"} | {code: f"{name} ({code})" for code, name in communes}
    form.status.choices = {"": "Mọi trạng thái"} | dict(STATUS_LABELS)
    commune = form.commune.data if form.commune.data in {c for c, _ in communes} else None
    status = form.status.data if form.status.data in STATUS_LABELS else None
    mine = form.mine.data == "1"
    search = (form.q.data or "").strip()
    result = page_inspections(db.session, current_user, page=page, per_page=per_page, commune=commune,
                              status=status, mine=mine, search=search)
    can_create = current_user.role != "commune"
    reinspectable: set[int] = set()
    if can_create:  # the "Tái kiểm tra" button: on each commune's latest finalised inspection
        finalised = {i.commune_code for i in result.items if i.status == "finalised"}
        reinspectable = ({i.id for i in result.items if can_edit(current_user, i)}
                         & latest_finalised_ids(db.session, finalised))
    return render_template("inspections/index.html", form=form, result=result, rows=result.items,
                           filtered=bool(commune or status or mine or search), args=kept_args(),
                           can_create=can_create, reinspectable=reinspectable)


# --- starting an inspection ------------------------------------------------------------------------

def _units_for(user: User, day: dt.date) -> tuple[list[AdminUnit], list[AdminUnit]]:
    """Districts and communes in force on `day` that this user may inspect."""
    districts, communes = districts_on(db.session, day), communes_on(db.session, day)
    if user.role == "district":
        districts = [d for d in districts if d.code == user.district_code]
        communes = [c for c in communes if c.parent is not None and c.parent.code == user.district_code]
    return districts, communes


def _fill_units(form: NewInspectionForm, day: dt.date) -> list[dict[str, str]]:
    districts, communes = _units_for(current_user, day)
    groups: dict[str, dict[str, str]] = {}
    listed = []
    for commune in communes:
        label = commune.parent.name if commune.parent else NO_DISTRICT
        groups.setdefault(label, {})[commune.code] = commune.name
        listed.append({"code": commune.code, "name": commune.name,
                       "district": commune.parent.code if commune.parent else ""})
    form.set_units({d.code: d.name for d in districts}, groups)
    return listed


def submit_inspection_form(form, *linked: int) -> tuple[Inspection | None, bool, list[str]]:
    """Validate a posted new, re-inspection or planned-inspection form and create its inspection, judged by the
    catalog fresh from the database (a version another worker published counts); the inspection and whether it
    is new (a double submit is not), or None and the messages to show above the form."""
    valid = form.validate()
    data, team_rows, rep_rows = form.payload(*linked)
    if not (form.team_has_a_head(data["team"]) and valid):
        return None, False, []
    try:
        inspection, created = create_inspection(db.session, current_catalog(fresh=True),
                                                current_user._get_current_object(), data)
    except Invalid as error:
        return None, False, [error.message, *form.show_service_errors(error.details.get("errors", {}), team_rows,
                                                                      rep_rows)]
    except (Conflict, Forbidden) as error:
        return None, False, [error.message]
    return inspection, created, []


@blueprint.route("/inspections/new", methods=["GET", "POST"])
@login_required
def new():
    """The form that starts an inspection; a double submit (same client_id) creates one."""
    if current_user.role == "commune":
        raise Forbidden("Tài khoản cấp xã không lập phiếu kiểm tra.")
    catalog = current_catalog(fresh=True)  # the version in force on the date: one another worker published counts
    form = NewInspectionForm()
    form.checklist.choices = {cid: versions[-1].title for cid, versions in catalog.checklists.items()}
    if request.method == "GET":
        form.client_id.data = new_client_id()
        form.inspection_date.data = today_in_vietnam()
        form.checklist.data = next(iter(catalog.checklists), None)
        form.team[0].form.role.data = "truong_doan"
        if current_user.role == "district":
            form.district.data = current_user.district_code
    day = form.inspection_date.data or today_in_vietnam()
    communes = _fill_units(form, day)
    general: list[str] = []
    status = 200
    if request.method == "POST" and "refresh" not in request.form:
        inspection, _, general = submit_inspection_form(form)
        if inspection is not None:
            return redirect(url_for(".show", inspection_id=inspection.id), 303)
        status = 422
    return render_template("inspections/new.html", form=form, general=general, checklists=form.checklist.choices,
                           commune_district={c["code"]: c["district"] for c in communes},
                           member_roles=MEMBER_ROLES, no_district=NO_DISTRICT), status


@blueprint.route("/inspections/<int:inspection_id>/reinspect", methods=["GET", "POST"])
@login_required
def reinspect(inspection_id: int):
    """Start a re-inspection (tái kiểm tra) from a commune's latest finalised inspection: a short form
    (date, villages, team, representatives) prefilled from it; a double submit creates one draft."""
    previous = reinspection_base(db.session, current_user, inspection_id)
    defaults = reinspection_defaults(previous)
    today, unit_ends = today_in_vietnam(), previous.unit.valid_to
    if request.method == "GET":
        in_range = today > previous.inspection_date and (unit_ends is None or today <= unit_ends)
        form = ReinspectionForm.prefilled(defaults, today if in_range else None)
    else:
        form = ReinspectionForm()
    general: list[str] = []
    status = 200
    if request.method == "POST":
        inspection, created, general = submit_inspection_form(form, previous.id)
        if inspection is not None:
            if created:
                flash(f"Đã lập phiếu tái kiểm tra {inspection.commune_name} ngày "
                      f"{inspection.inspection_date:%d/%m/%Y}; các câu trả lời lần trước hiện dưới mỗi tiêu chí.")
            return redirect(url_for(".show", inspection_id=inspection.id), 303)
        status = 422
    findings = [{"code": f.code, "title": f.title, "deadline": f.deadline,
                 "items": [code for code in f.items if code != f.code],
                 "status": f.action.status if f.action else "open"} for f in findings_with_actions(db.session, previous.id)]
    return render_template("inspections/reinspect.html", form=form, previous=previous, general=general,
                           findings=findings, remediation_labels=REMEDIATION_LABELS, member_roles=MEMBER_ROLES,
                           unit_ends=unit_ends,
                           pending=pending_reinspections(db.session, current_user, previous)), status


@blueprint.get("/inspections/units")
@login_required
def units():
    """Districts and communes in force on ?date=YYYY-MM-DD, for the new-inspection form's script."""
    try:
        day = dt.date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return jsonify({"error": "Ngày không hợp lệ, cần dạng YYYY-MM-DD."}), 400
    districts, communes = _units_for(current_user, day)
    return jsonify({
        "date": day.isoformat(),
        "districts": [{"code": d.code, "name": d.name} for d in districts],
        "communes": [{"code": c.code, "name": c.name, "district": c.parent.code if c.parent else "",
                      "district_name": c.parent.name if c.parent else NO_DISTRICT} for c in communes],
    })


@blueprint.get("/inspections/csrf-token")
@login_required
def csrf_token():
    """A fresh CSRF token for a page left open across a new login (the tablet stays on all day)."""
    response = jsonify({"token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the checklist --------------------------------------------------------------------------------

def _progress(checklist: Checklist, answers: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    sections, total = [], {"answered": 0, "required": 0}
    for section in checklist.sections:
        required = [item.code for item in section.items if item.required]
        answered = sum(1 for code in required if answers.get(code) is not None)
        sections.append({"section": section, "answered": answered, "required": len(required),
                         "short": SHORT_TITLES.get(section.code, section.title)})
        total["answered"] += answered
        total["required"] += len(required)
    return sections, total


def _previous_by_item(previous: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """The previous inspection's findings under each item they concern."""
    by_item: dict[str, list[dict[str, Any]]] = {}
    for finding in previous["findings"] if previous else ():
        for code in finding["items"]:
            by_item.setdefault(code, []).append(finding)
    return by_item


@blueprint.get("/inspections/<int:inspection_id>")
@login_required
def show(inspection_id: int, details_form: MinutesDetailsForm | None = None):
    """The checklist of one inspection: editable while a draft, read-only once finalised."""
    catalog = current_catalog()
    inspection = get_inspection(db.session, current_user, inspection_id)
    checklist = checklist_of(catalog, inspection)
    detail = inspection_detail(db.session, catalog, inspection)
    photos: dict[str, list[dict[str, Any]]] = {}
    for photo in detail["photos"]:
        photos.setdefault(photo["item"], []).append(photo)
    sections, total = _progress(checklist, detail["answers"])
    editable = not inspection.locked and can_edit(current_user, inspection)
    can_revise = inspection.status == "finalised" and can_edit(current_user, inspection)
    latest = latest_finalised(db.session, inspection.commune_code, inspection.unit_id) \
        if can_reinspect(current_user, inspection) else None
    offer_reinspection = latest is inspection is not None
    later = latest if latest is not None and latest is not inspection else None  # re-inspect from that one
    head = next((m for m in inspection.members if m.role == "truong_doan"), None)
    details = details_form or MinutesDetailsForm.of(inspection)
    previous, previous_link = detail["previous"], False
    if previous is not None:
        earlier = db.session.get(Inspection, previous["id"])
        previous_link = earlier is not None and can_view(current_user, earlier)
    response = Response(render_template(
        "inspections/show.html", inspection=inspection, checklist=checklist, detail=detail, photos=photos,
        sections=sections, total=total, editable=editable, head=head, kind_labels=KIND_LABELS,
        short_titles=SHORT_TITLES, na=NOT_APPLICABLE, member_roles=MEMBER_ROLES, details=details,
        can_revise=can_revise, can_reinspect=offer_reinspection, later=later, previous=previous,
        previous_by_item=_previous_by_item(previous), previous_link=previous_link),
        status=422 if details_form is not None else 200)
    response.headers["Cache-Control"] = "no-store"  # always the server's latest answers on reload
    return response


@blueprint.get("/inspections/offline-draft")
@login_required
def offline_draft():
    """The checklist page of an inspection the tablet creates without a network: ?checklist=&version= (and
    &previous= for a re-inspection). The service worker caches it before the team leaves; the queued
    creation it belongs to is named after # and lives on the tablet (static/offline.js)."""
    version, previous_id = parse_id(request.args.get("version")), parse_id(request.args.get("previous"))
    if version is None or ("previous" in request.args and previous_id is None):
        raise NotFound("Không có trang này.")
    stand_in, checklist, previous = offline_draft_page(db.session, current_catalog(), current_user._get_current_object(),
                                                       request.args.get("checklist", ""), version, previous_id)
    sections, total = _progress(checklist, {})
    detail = {"answers": {}, "notes": {}, "findings": [], "scores": {}, "assessed": [], "previous": previous}
    return render_template(
        "inspections/show.html", pending=True, inspection=stand_in, checklist=checklist, detail=detail, photos={},
        sections=sections, total=total, editable=True, head=None, kind_labels=KIND_LABELS, short_titles=SHORT_TITLES,
        na=NOT_APPLICABLE, member_roles=MEMBER_ROLES, details=MinutesDetailsForm.of(stand_in), previous=previous,
        previous_by_item=_previous_by_item(previous), previous_link=False)


@blueprint.post("/inspections/<int:inspection_id>/details")
@login_required
def details(inspection_id: int):
    """Save the minutes' details (times, place, copies, opinions); errors come back beside the fields."""
    form = MinutesDetailsForm()
    if not form.validate_on_submit():
        return show(inspection_id, details_form=form)
    try:
        update_details(db.session, current_user, inspection_id, form.payload())
    except Invalid as refused:
        for field, message in refused.details.get("errors", {}).items():
            if field in form:
                form[field].errors = [message]
        return show(inspection_id, details_form=form)
    flash("Đã lưu thông tin biên bản.")
    return redirect(url_for("inspections.show", inspection_id=inspection_id, _anchor="minutes"))


@blueprint.post("/inspections/<int:inspection_id>/revise")
@login_required
def start_revision(inspection_id: int):
    """Open (or reopen) the draft correction of a finalised inspection."""
    revision, created = revise(db.session, current_user, inspection_id)
    flash("Đã lập bản sửa đổi; sửa các câu trả lời rồi hoàn tất lại." if created else "Bản sửa đổi đang được lập.")
    return redirect(url_for("inspections.show", inspection_id=revision.id))


@blueprint.get("/inspections/<int:inspection_id>/photos/<int:photo_id>")
@login_required
def photo(inspection_id: int, photo_id: int):
    """A stored photo (or its thumbnail with ?size=thumb), only for users who may view the inspection."""
    inspection: Inspection = get_inspection(db.session, current_user, inspection_id)
    found = db.session.get(Photo, photo_id)
    if found is None or found.inspection_id != inspection.id:
        raise NotFound("Không tìm thấy ảnh.")
    directory = Path(current_app.config["PHOTO_DIR"])
    folder = thumbnail_folder(directory, found.stored_name) if request.args.get("size") == "thumb" else directory
    response = send_from_directory(folder, found.stored_name, mimetype="image/jpeg", max_age=0)
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.no_cache = None
    response.cache_control.max_age = 31536000  # stored files never change: a new photo is a new file
    response.headers["Content-Disposition"] = f'inline; filename="{found.item_code}-{found.id}.jpg"'
    return response

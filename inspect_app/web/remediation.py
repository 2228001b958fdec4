"""Remediation follow-up: the pages under /remediations and the JSON API under /api/v1/remediations.

Views stay thin: scoping, validation, transactions and audit live in services.remediation.
The JSON routes follow web/api.py (session cookie, X-CSRFToken on every POST, errors as
`{"error": …}` via web/errors.py, which answers JSON for every path under /api/); they are
documented in web/openapi.py. The pages use Flask-WTF forms, so every POST carries its token.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from flask import (Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, SearchField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..domain.checklists import day_in_vietnam, format_vn_date, today_in_vietnam
from ..extensions import db
from ..models import User
from ..services import Conflict, Invalid, NotFound
from ..services import remediation as service
from ..services.paging import search_term
from ..services.photos import thumbnail_folder
from .api import _actor, _json_object
from .listing import kept_args, requested_page
from .vn_fields import VietnameseForm, VnDateField

blueprint = Blueprint("remediation", __name__)

API = "/api/v1/remediations"
EXPORT_LIMIT = 20_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_LABELS = {"violation": "Vi phạm", "recommendation": "Khuyến nghị", "escalation": "Kiến nghị xử lý"}
STATUS_LOOK = {"open": "draft", "submitted": "rem-submitted", "verified": "finalised", "superseded": "superseded"}


# ---------------------------------------------------------------- forms


class FilterForm(FlaskForm):
    """The filters of the list and of its Excel export (GET, so no CSRF token)."""

    q = SearchField("Tìm theo tên xã, phường hoặc địa bàn (gõ có dấu hay không dấu)")
    district = SelectField("Địa bàn", validate_choice=False, default="")
    commune = SelectField("Xã, phường", validate_choice=False, default="")
    dimension = SelectField("Lĩnh vực", validate_choice=False, default="")
    status = SelectField("Trạng thái", validate_choice=False, default="")
    overdue = SelectField("Quá hạn", choices={"": "Tất cả các việc", "1": "Chỉ việc quá hạn"}, validate_choice=False,
                          default="")
    as_of = VnDateField("Quá hạn tính đến ngày", validators=[Optional()])

    class Meta:
        csrf = False


class EvidenceForm(FlaskForm):
    note = TextAreaField("Ghi chú về việc đã khắc phục", validators=[
        Length(max=service.MAX_NOTE_LENGTH, message=f"Tối đa {service.MAX_NOTE_LENGTH} ký tự.")])
    file = FileField("Ảnh hoặc tệp PDF minh chứng")


class VerifyForm(FlaskForm):
    """Confirming a fix is a signed verdict: the reviewer ticks that the evidence was seen and says what it showed.

    The service judges both (and who may): no `required` attributes, so no message in the browser's language.
    """

    confirm = BooleanField("Tôi đã xem minh chứng và xác nhận xã, phường đã khắc phục xong")
    comment = TextAreaField("Nhận xét về minh chứng")


class ReopenForm(VietnameseForm):
    reason = TextAreaField("Lý do trả lại", validators=[
        DataRequired("Vui lòng nhập lý do trả lại."), Length(max=service.MAX_REASON_LENGTH, message=f"Tối đa {service.MAX_REASON_LENGTH} ký tự.")])


# ---------------------------------------------------------------- helpers


def _photo_dir() -> Path:
    return Path(current_app.config["PHOTO_DIR"])


def _upload(storage: FileStorage | None) -> service.Upload | None:
    """The uploaded file, or None when the form was sent without one (browsers send an empty part)."""
    if storage is None or not storage.filename:
        return None
    return service.Upload(storage.stream, storage.filename, storage.mimetype or "")


def default_sort(user: User) -> str:
    """The commune sees its actions grouped by inspection, newest first; staff see the nearest deadlines first."""
    return "inspection" if user.role == "commune" else "deadline"


def _page_filters(form: FilterForm, user: User) -> tuple[dict[str, Any], dt.date, dict[str, str]]:
    """list_actions arguments from the filter form, the day 'overdue' is judged on, and field errors."""
    errors: dict[str, str] = {}
    form.validate()
    if form.as_of.errors:
        errors["as_of"] = form.as_of.errors[0]
    as_of = form.as_of.data if not form.as_of.errors and form.as_of.data else today_in_vietnam()
    kwargs: dict[str, Any] = {}
    try:
        kwargs = service.validate_filters(district=form.district.data, commune=form.commune.data,
                                          dimension=form.dimension.data, status=form.status.data,
                                          sort=request.args.get("sort") or default_sort(user))
        kwargs["search"] = search_term(form.q.data)
    except Invalid as error:
        errors |= {key: value[:1].upper() + value[1:] for key, value in error.details["errors"].items()}
    kwargs["overdue_as_of"] = as_of if form.overdue.data == "1" else None
    return kwargs, as_of, errors


def _filter_form(user: User) -> FilterForm:
    form = FilterForm(request.args)
    districts, communes = service.filter_choices(db.session, user)
    form.district.choices = {"": "Tất cả địa bàn"} | districts
    form.commune.choices = {"": "Tất cả xã, phường"} | {code: f"{name} ({code})" for code, name in communes.items()}
    form.dimension.choices = {"": "Mọi lĩnh vực"} | {code: f"{code} — {title}"
                                                      for code, title in service.DIMENSIONS.items()}
    form.status.choices = {"": "Đang theo dõi"} | service.STATUS_LABELS
    if not form.as_of.raw_data:
        form.as_of.data = today_in_vietnam()
    return form


def _days_late(deadline: dt.date | None, as_of: dt.date) -> int:
    return (as_of - deadline).days if deadline else 0


def _private_file(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.no_cache = None
    response.cache_control.max_age = 3600
    return response


# ---------------------------------------------------------------- pages


@blueprint.get("/remediations")
@login_required
def index():
    """The follow-up list a page at a time: search, filters, sortable columns (the commune's grouped by
    inspection), overdue rows marked, an Excel export of every matching row."""
    user = _actor()
    form = _filter_form(user)
    page, per_page = requested_page()
    kwargs, as_of, errors = _page_filters(form, user)
    result = None if errors else service.page_actions(db.session, user, page=page, per_page=per_page, **kwargs)
    groups = service.group_by_inspection(db.session, result.items) if result else []
    sort = kwargs.get("sort", default_sort(user))
    args = {key: value for key, value in kept_args().items() if key != "sort"}
    filtered = any(key in args for key in ("q", "district", "commune", "dimension", "status", "overdue"))
    response = Response(render_template(
        "remediation/index.html", form=form, result=result, rows=result.items if result else [], groups=groups,
        grouped=sort == "inspection", minutes_numbers={g.inspection.id: g.minutes_number for g in groups},
        as_of=as_of, errors=errors, args=args, pager_args=args | {"sort": sort}, sort=sort, sorts=service.SORTS,
        filtered=filtered, status_labels=service.STATUS_LABELS, status_look=STATUS_LOOK,
        is_overdue=service.is_overdue, days_late=_days_late, show_units=user.role != "commune",
        export_url=url_for(".export", **args, sort=sort)), 422 if errors else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/remediations.xlsx")
@login_required
def export():
    """The same rows as the list with the same filters, as an Excel workbook."""
    user = _actor()
    form = _filter_form(user)
    kwargs, as_of, errors = _page_filters(form, user)
    if errors:
        raise Invalid("Bộ lọc không hợp lệ.", errors=errors)
    rows = service.list_actions(db.session, user, limit=EXPORT_LIMIT, **kwargs)
    response = Response(_workbook(rows, as_of), mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="khac-phuc-{as_of.isoformat()}.xlsx"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _workbook(rows: list, as_of: dt.date) -> bytes:
    """One sheet, one row per action: Vietnamese headers, real dates (dd/mm/yyyy), filters, frozen header."""
    columns = [  # header, width, kind
        ("STT", 6, "int"), ("Địa bàn", 20, "text"), ("Xã, phường", 22, "text"), ("Ngày kiểm tra", 13, "date"),
        ("Mã phát hiện", 11, "text"), ("Lĩnh vực", 10, "text"), ("Nội dung phát hiện", 50, "wrap"),
        ("Biện pháp khắc phục", 50, "wrap"), ("Trách nhiệm", 24, "wrap"), ("Hạn khắc phục", 13, "date"),
        ("Trạng thái", 22, "text"), (f"Số ngày quá hạn (đến {format_vn_date(as_of)})", 16, "int"),
        ("Số minh chứng", 10, "int"), ("Ngày gửi minh chứng", 13, "date"), ("Ngày xác nhận", 13, "date"),
        ("Lý do trả lại", 40, "wrap"), ("Mã việc", 9, "int"),
    ]
    book = Workbook()
    sheet = book.active
    sheet.title = "Khắc phục"
    book.properties.title = f"Theo dõi khắc phục sau kiểm tra, tính đến ngày {format_vn_date(as_of)}"
    book.properties.creator = "Hệ thống kiểm tra UBND cấp xã — Sở Nội vụ Hà Nội"
    header_fill = PatternFill("solid", start_color="9F1C22")
    for index, (title, width, _) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[1].height = 32
    late_font = Font(color="B3121B", bold=True)
    for number, action in enumerate(rows, start=1):
        finding, inspection = action.finding, action.finding.inspection
        overdue = service.is_overdue(action, as_of)
        values = [
            number, inspection.district_name or "", inspection.commune_name, inspection.inspection_date,
            finding.code, ", ".join(service.dimensions_of(action)), finding.title, finding.remediation,
            finding.responsible, action.deadline, service.STATUS_LABELS.get(action.status, action.status),
            _days_late(action.deadline, as_of) if overdue else None, len(action.evidence),
            action.submitted_at and day_in_vietnam(action.submitted_at),
            action.verified_at and day_in_vietnam(action.verified_at), action.return_reason or "", action.id,
        ]
        row = number + 1
        for index, ((_, _, kind), value) in enumerate(zip(columns, values), start=1):
            cell = sheet.cell(row=row, column=index, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            if kind == "date":
                cell.number_format = "dd/mm/yyyy"
            elif kind == "wrap":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if overdue and index in (10, 12):
                cell.font = late_font
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{max(1, len(rows)) + 1}"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _people(ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}


def _render_show(action, *, evidence_form=None, verify_form=None, reopen_form=None, status: int = 200,
                 error: str | None = None):
    user = _actor()
    as_of = today_in_vietnam()
    response = Response(render_template(
        "remediation/show.html", action=action, finding=action.finding, inspection=action.finding.inspection,
        as_of=as_of, overdue=service.is_overdue(action, as_of), days_late=_days_late(action.deadline, as_of),
        status_labels=service.STATUS_LABELS, status_look=STATUS_LOOK, kind_labels=KIND_LABELS,
        dimensions=service.dimensions_of(action), error=error,
        can_submit=service.can_submit(user, action) and action.status in ("open", "submitted"),
        can_verify=service.can_review(user, action) and action.status == "submitted",
        can_reopen=service.can_review(user, action) and action.status in ("submitted", "verified"),
        evidence_form=evidence_form or EvidenceForm(formdata=None), verify_form=verify_form or VerifyForm(formdata=None),
        reopen_form=reopen_form or ReopenForm(formdata=None),
        uploaders=_people({e.uploaded_by_id for e in action.evidence} | {action.verified_by_id})), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/remediations/<int:action_id>")
@login_required
def show(action_id: int):
    """One action: the finding, the evidence sent, and the forms the user may use."""
    return _render_show(service.get_action(db.session, _actor(), action_id))


def _field_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    for key, message in errors.items():
        field = getattr(form, key, None)
        if field is not None:
            field.errors = [*field.errors, message[:1].upper() + message[1:]]


@blueprint.post("/remediations/<int:action_id>/evidence")
@login_required
def submit_page(action_id: int):
    """The commune's evidence form: a note and/or a photo or PDF."""
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            service.submit_evidence(db.session, _actor(), action_id, form.note.data, _upload(form.file.data),
                                    _photo_dir())
        except (Invalid, Conflict) as error:
            _field_errors(form, error.details.get("errors", {}))
            action = service.get_action(db.session, _actor(), action_id)
            return _render_show(action, evidence_form=form, status=error.status, error=error.message)
        flash("Đã gửi minh chứng; đoàn kiểm tra sẽ xem và xác nhận.")
        return redirect(url_for(".show", action_id=action_id, _anchor="evidence"), 303)
    action = service.get_action(db.session, _actor(), action_id)
    return _render_show(action, evidence_form=form, status=422, error="Minh chứng chưa hợp lệ.")


@blueprint.post("/remediations/<int:action_id>/verify")
@login_required
def verify_page(action_id: int):
    """The reviewer's verdict: the confirmation ticked and a comment, or the form again with the errors beside it."""
    form = VerifyForm()
    try:
        service.verify(db.session, _actor(), action_id, form.comment.data, confirmed=form.confirm.data)
    except (Invalid, Conflict) as error:
        _field_errors(form, error.details.get("errors", {}))
        action = service.get_action(db.session, _actor(), action_id)
        return _render_show(action, verify_form=form, status=error.status, error=error.message)
    flash("Đã xác nhận việc khắc phục.")
    return redirect(url_for(".show", action_id=action_id), 303)


@blueprint.post("/remediations/<int:action_id>/reopen")
@login_required
def reopen_page(action_id: int):
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            service.reopen(db.session, _actor(), action_id, form.reason.data)
        except (Invalid, Conflict) as error:
            _field_errors(form, error.details.get("errors", {}))
            action = service.get_action(db.session, _actor(), action_id)
            return _render_show(action, reopen_form=form, status=error.status, error=error.message)
        flash("Đã trả lại cho xã, phường kèm lý do.")
        return redirect(url_for(".show", action_id=action_id), 303)
    action = service.get_action(db.session, _actor(), action_id)
    return _render_show(action, reopen_form=form, status=422, error="Lý do trả lại chưa hợp lệ.")


@blueprint.get("/remediations/<int:action_id>/evidence/<int:evidence_id>")
@login_required
def evidence_file(action_id: int, evidence_id: int):
    """A stored photo (inline, ?size=thumb for a thumbnail) or PDF (attachment), for users who may see the action."""
    evidence = service.get_evidence(db.session, _actor(), action_id, evidence_id)
    if not evidence.stored_name:
        raise NotFound("Minh chứng này chỉ có ghi chú, không có tệp.")
    directory = _photo_dir()
    if evidence.kind == "pdf":
        name = evidence.original_name if evidence.original_name.lower().endswith(".pdf") else "minh-chung.pdf"
        response = send_from_directory(directory, evidence.stored_name, mimetype="application/pdf",
                                       as_attachment=True, download_name=name, max_age=0)
    else:
        thumb = request.args.get("size") == "thumb"
        folder = thumbnail_folder(directory, evidence.stored_name, "thumbs-evidence") if thumb else directory
        name = evidence.original_name.rsplit(".", 1)[0] + ".jpg" if evidence.original_name else "anh.jpg"
        response = send_from_directory(folder, evidence.stored_name, mimetype="image/jpeg", as_attachment=False,
                                       download_name=name, max_age=0)
    return _private_file(response)


# ---------------------------------------------------------------- JSON API


@blueprint.get(API)
@login_required
def api_list():
    """Actions the user may see, a page at a time; ?q= &district= &commune= &dimension= &status= &overdue_as_of=
    &sort= &page= &per_page=."""
    page, per_page = requested_page()
    filters = service.filters_from_query(request.args)
    as_of = filters["overdue_as_of"] or today_in_vietnam()
    found = service.page_actions(db.session, _actor(), page=page, per_page=per_page, **filters)
    return jsonify({"as_of": as_of.isoformat(), **found.as_json(),
                    "remediations": [service.action_summary(a, as_of) for a in found.items]})


def _detail(action) -> dict[str, Any]:
    detail = service.action_detail(action, today_in_vietnam())
    for item in detail["evidence"]:
        item["url"] = url_for(".evidence_file", action_id=action.id, evidence_id=item["id"]) \
            if item["kind"] != "note" else None
    return detail


@blueprint.get(f"{API}/<int:action_id>")
@login_required
def api_get(action_id: int):
    """One action with the finding's texts and its evidence."""
    return jsonify(_detail(service.get_action(db.session, _actor(), action_id)))


@blueprint.post(f"{API}/<int:action_id>/evidence")
@login_required
def api_submit(action_id: int):
    """Multipart: `note` and/or `file` (a photo or a PDF); the action becomes submitted."""
    service.submit_evidence(db.session, _actor(), action_id, request.form.get("note"),
                            _upload(request.files.get("file")), _photo_dir())
    action = service.get_action(db.session, _actor(), action_id)
    headers = {"Location": url_for(".api_get", action_id=action_id)}
    return jsonify(_detail(action)), 201, headers


@blueprint.post(f"{API}/<int:action_id>/verify")
@login_required
def api_verify(action_id: int):
    """Confirm a submitted action: JSON {"confirm": true, "comment": "…"}, the comment saying what the evidence showed."""
    data = _json_object()
    return jsonify(_detail(service.verify(db.session, _actor(), action_id, data.get("comment"),
                                          confirmed=data.get("confirm"))))


@blueprint.post(f"{API}/<int:action_id>/reopen")
@login_required
def api_reopen(action_id: int):
    """Send a submitted or verified action back: JSON {"reason": "…"}."""
    data = _json_object()
    return jsonify(_detail(service.reopen(db.session, _actor(), action_id, data.get("reason"))))

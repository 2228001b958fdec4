"""The administrator's criteria versions: upload a workbook as a draft, compare it, try it, publish it.

Thin views over services.criteria_versions (storage, publishing, trying answers) and
services.criteria_preview (differences and the dry run).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from ..domain.checklists import NOT_APPLICABLE, Checklist, today_in_vietnam
from ..domain.criteria_diff import ADDED, CHANGED, REMOVED
from ..domain.vn_format import parse_vn_date, parse_vn_decimal
from ..extensions import db
from ..models import CRITERIA_DRAFT
from ..services import Invalid
from ..services import criteria_preview as preview
from ..services import criteria_versions as service
from ..criteria.export import export_workbook
from . import current_catalog
from .catalog_views import workbook_response
from .vn_fields import VnDateField

blueprint = Blueprint("criteria", __name__)
STATUS_LABELS = {ADDED: "Thêm mới", REMOVED: "Bỏ", CHANGED: "Sửa đổi"}
MAX_TRY_VILLAGES = 10_000


class WorkbookForm(FlaskForm):
    file = FileField("Bảng tiêu chí đã sửa (tệp .xlsx)", validators=[FileRequired("Chọn tệp bảng tính (.xlsx).")])


class PublishForm(FlaskForm):
    effective_from = VnDateField("Có hiệu lực từ ngày")


class ActionForm(FlaskForm):
    """A button that changes something: its CSRF token only."""


@blueprint.route("/admin/criteria", methods=["GET", "POST"])
@login_required
def versions():
    """Every version (shipped and the department's) and the upload that makes a draft; a workbook with
    problems lists them by sheet, row and column and stores nothing."""
    service.require_admin(current_user)
    catalog = current_catalog(fresh=True)
    today = today_in_vietnam()
    form = WorkbookForm()
    problems, error, status = (), None, 200
    if form.validate_on_submit():
        try:
            outcome = service.import_draft(db.session, catalog, current_user, form.file.data.stream,
                                           form.file.data.filename or "", current_app.config["CATALOG_DIR"], today)
        except Invalid as refused:
            error, status = refused.message, 422
        else:
            if outcome.draft is not None:
                verb = "thay bản nháp" if outcome.replaced else "lưu thành bản nháp"
                flash(f"Đã {verb} phiên bản {outcome.draft.version}. Xem khác biệt, chạy thử rồi ban hành.")
                return redirect(url_for(".draft", version_id=outcome.draft.id), 303)
            problems, status = outcome.problems, 422
    elif form.is_submitted():
        error, status = "; ".join(form.file.errors) or "Chưa chọn tệp.", 422
    shipped = [c for versions in catalog.checklists.values() for c in reversed(versions)]
    rows = service.department_versions(db.session, current_user)
    in_db = {(row.checklist_id, row.version) for row in rows}
    return render_template("catalog/versions.html", form=form, problems=problems, error=error, rows=rows,
                           shipped=[c for c in shipped if (c.id, c.version) not in in_db], today=today,
                           max_mb=preview.MAX_WORKBOOK_BYTES // (1024 * 1024)), status


@blueprint.get("/admin/criteria/<int:version_id>")
@login_required
def draft(version_id: int):
    """A department version: a draft with its differences, dry run and publish form; a published one read-only."""
    row = service.get_version(db.session, current_user, version_id)
    return _draft_page(row, PublishForm(formdata=None, effective_from=today_in_vietnam() + dt.timedelta(days=1)))


def _draft_page(row, form: PublishForm, error: str | None = None, status: int = 200):
    catalog = current_catalog()
    today = today_in_vietnam()
    comparison = None
    if row.status == CRITERIA_DRAFT:
        try:
            draft_catalog = service.draft_catalog(db.session, current_app.config["CATALOG_DIR"], row)
        except Invalid as stale:  # a version published since makes it invalid: say why
            error, status = error or stale.message, 422
        else:
            checklist = draft_catalog.checklist(row.checklist_id, row.version)
            comparison = preview.compare(db.session, catalog, draft_catalog, checklist, today)
    return render_template("catalog/draft.html", row=row, comparison=comparison, form=form, error=error,
                           action=ActionForm(), status_labels=STATUS_LABELS), status


@blueprint.post("/admin/criteria/<int:version_id>/publish")
@login_required
def publish(version_id: int):
    row = service.get_version(db.session, current_user, version_id)
    form = PublishForm()
    if not form.validate_on_submit() or form.effective_from.data is None:
        message = "; ".join(form.effective_from.errors) or "Nhập ngày có hiệu lực, dạng ngày/tháng/năm."
        return _draft_page(row, form, message, 422)
    try:
        published = service.publish(db.session, current_app.extensions["catalog"], current_user, version_id,
                                    form.effective_from.data, today_in_vietnam())
    except Invalid as refused:
        db.session.expire_all()
        return _draft_page(service.get_version(db.session, current_user, version_id), form, refused.message, 422)
    flash(f"Đã ban hành phiên bản {published.version}, có hiệu lực từ ngày {published.effective_from:%d/%m/%Y}. "
          "Các cuộc kiểm tra từ ngày đó dùng phiên bản này; các cuộc kiểm tra trước vẫn giữ phiên bản của mình.")
    return redirect(url_for(".draft", version_id=version_id), 303)


@blueprint.post("/admin/criteria/<int:version_id>/delete")
@login_required
def delete(version_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for(".draft", version_id=version_id), 303)
    service.delete_draft(db.session, current_user, version_id)
    flash("Đã xóa bản nháp.")
    return redirect(url_for(".versions"), 303)


@blueprint.get("/admin/criteria/<int:version_id>/<any(checklist, rules):part>.yaml")
@login_required
def version_yaml(version_id: int, part: str):
    """The version as the catalog folder's file, for review in version control (checklists/ or rules/)."""
    row = service.get_version(db.session, current_user, version_id)
    text = row.checklist_yaml if part == "checklist" else row.rules_yaml
    response = Response(text, mimetype="text/yaml; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{row.checklist_id}-v{row.version}.{part}.yaml"'
    return response


@blueprint.get("/admin/criteria/<int:version_id>/workbook.xlsx")
@login_required
def version_workbook(version_id: int):
    """A department version (a draft too) as the criteria workbook, to edit again."""
    row = service.get_version(db.session, current_user, version_id)
    book = export_workbook(current_app.config["CATALOG_DIR"], row.checklist_id, row.version,
                           service.catalog_versions(db.session, row))
    return workbook_response(book, f"{row.checklist_id}-v{row.version}.xlsx")


@blueprint.route("/admin/criteria/<int:version_id>/try", methods=["GET", "POST"])
@login_required
def try_draft(version_id: int):
    """Answer the draft's checklist on the page and see its findings and scores beside the version in force."""
    row = service.get_version(db.session, current_user, version_id)
    draft_catalog = service.draft_catalog(db.session, current_app.config["CATALOG_DIR"], row)
    checklist = draft_catalog.checklist(row.checklist_id, row.version)
    typed = request.form if request.method == "POST" else {}
    day, day_error = _try_day(typed.get("day"), checklist)
    villages, villages_error = _villages(typed.get("villages"))
    values, errors = _typed_answers(checklist.on(day), typed)
    trial = None
    if request.method == "POST" and ActionForm().validate_on_submit() and not (errors or day_error or villages_error):
        trial = service.try_answers(current_catalog(), draft_catalog, checklist, values, day, villages)
        errors = trial.errors
    status = 422 if errors or day_error or villages_error else 200
    return render_template("catalog/try.html", row=row, checklist=checklist.on(day), day=day, villages=villages,
                           typed=typed, errors=errors, day_error=day_error, villages_error=villages_error,
                           trial=trial, action=ActionForm(), na=NOT_APPLICABLE), status


def _try_day(text: str | None, checklist: Checklist) -> tuple[dt.date, str | None]:
    """The day the answers are judged on (default: the draft's start)."""
    try:
        day = parse_vn_date(text or "")
    except ValueError:
        return checklist.effective_from, "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm."
    return max(day or checklist.effective_from, checklist.effective_from), None


def _villages(text: str | None) -> tuple[int, str | None]:
    if not (text or "").strip():
        return 10, None
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_TRY_VILLAGES:
        return 10, f"Số thôn, tổ dân phố cần là số nguyên từ 1 đến {MAX_TRY_VILLAGES:,}".replace(",", ".") + "."
    return int(value), None


def _typed_answers(checklist: Checklist, typed: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The page's text fields as the answers the API would receive (numbers with a decimal comma, dates
    dd/mm/yyyy); a field that cannot be read is named."""
    values, errors = {}, {}
    for code, item in checklist.items.items():
        raw = (typed.get(f"a-{code}") or "").strip()
        if not raw:
            continue
        if raw == NOT_APPLICABLE or item.type in ("yesno", "choice", "text"):
            values[code] = raw
            continue
        try:
            if item.type == "date":
                values[code] = parse_vn_date(raw).isoformat()
            else:
                number = parse_vn_decimal(raw)
                values[code] = int(number) if item.type == "int" and number == int(number) else float(number)
        except (ValueError, TypeError, ArithmeticError):
            errors[code] = "không đọc được; nhập số (dấu phẩy thập phân) hoặc ngày dạng ngày/tháng/năm"
    return values, errors

"""The administrator's page for trying an edited criteria workbook: its problems, or its diff and dry run.

Nothing is stored: the page shows what the service found and keeps no copy of the upload.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from ..domain.checklists import today_in_vietnam
from ..domain.criteria_diff import ADDED, CHANGED, REMOVED
from ..extensions import db
from ..services import Invalid
from ..services import criteria_preview as service

blueprint = Blueprint("criteria", __name__)
STATUS_LABELS = {ADDED: "Thêm mới", REMOVED: "Bỏ", CHANGED: "Sửa đổi"}


class WorkbookForm(FlaskForm):
    file = FileField("Bảng tiêu chí đã sửa (tệp .xlsx)", validators=[FileRequired("Chọn tệp bảng tính (.xlsx).")])


@blueprint.route("/admin/criteria/preview", methods=["GET", "POST"])
@login_required
def preview():
    """GET: the upload form; POST: the workbook's problems, or its differences and what it would change."""
    service.require_admin(current_user)
    catalog = current_app.extensions["catalog"]
    today = today_in_vietnam()
    form = WorkbookForm()
    result, error, status = None, None, 200
    if form.validate_on_submit():
        try:
            result = service.preview_workbook(db.session, catalog, current_user, form.file.data.stream,
                                              current_app.config["CATALOG_DIR"], today)
        except Invalid as refused:
            error, status = refused.message, 422
        else:
            status = 422 if result.problems else 200
    elif form.is_submitted():
        error, status = "; ".join(form.file.errors) or "Chưa chọn tệp.", 422
    in_force = [c for versions in catalog.checklists.values() for c in versions if c.in_force(today)]
    return render_template("catalog/preview.html", form=form, preview=result, error=error, in_force=in_force,
                           status_labels=STATUS_LABELS, max_mb=service.MAX_WORKBOOK_BYTES // (1024 * 1024)), status

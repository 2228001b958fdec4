"""The audit trail page for administrators: the service reads, the presenter puts it into words."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from ..extensions import db
from ..services import Invalid
from ..services.audit_log import PAGE_SIZE, audit_entries
from ..services.audit_view import ENTITY_LABELS, present

blueprint = Blueprint("audit", __name__)


@blueprint.get("/audit")
@login_required
def index():
    """The newest changes first, filterable by record and by user."""
    entity = request.args.get("entity") or None
    raw_id = (request.args.get("id") or "").strip() or None
    user = (request.args.get("user") or "").strip() or None
    if raw_id is not None and not raw_id.isdigit():
        raise Invalid("Tham số không hợp lệ.", errors={"id": "mã bản ghi phải là số"})
    entries = audit_entries(db.session, current_user, entity=entity, entity_id=int(raw_id) if raw_id else None,
                            username=user)
    rows = present(db.session, current_app.extensions["catalog"], current_user, entries)
    return render_template("audit/index.html", rows=rows, entities=ENTITY_LABELS, full=len(entries) >= PAGE_SIZE,
                           filters={"entity": entity or "", "id": raw_id or "", "user": user or ""},
                           filtered=bool(entity or raw_id or user))

"""The audit trail page for administrators: the service reads, the presenter puts it into words."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ..extensions import db
from ..services import Invalid
from ..services.audit_log import audit_page
from ..services.audit_view import ENTITY_LABELS, present
from .hostile import parse_id
from .listing import kept_args, requested_page
from . import current_catalog

blueprint = Blueprint("audit", __name__)


@blueprint.get("/audit")
@login_required
def index():
    """The newest changes first, a page at a time, filterable by record and by user."""
    page, per_page = requested_page()
    entity = request.args.get("entity") or None
    raw_id = (request.args.get("id") or "").strip() or None
    user = (request.args.get("user") or "").strip() or None
    entity_id = parse_id(raw_id)
    if raw_id is not None and entity_id is None:
        raise Invalid("Tham số không hợp lệ.", errors={"id": "mã bản ghi phải là số nguyên dương"})
    result = audit_page(db.session, current_user, page=page, per_page=per_page, entity=entity,
                        entity_id=entity_id, username=user)
    rows = present(db.session, current_catalog(), current_user, result.items)
    return render_template("audit/index.html", rows=rows, result=result, entities=ENTITY_LABELS, args=kept_args(),
                           filters={"entity": entity or "", "id": raw_id or "", "user": user or ""},
                           filtered=bool(entity or raw_id or user))

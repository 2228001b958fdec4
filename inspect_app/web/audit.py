"""The audit trail page for administrators."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ..domain.checklists import VIETNAM
from ..extensions import db
from ..services import Invalid
from ..services.audit_log import audit_entries

blueprint = Blueprint("audit", __name__)
ACTIONS = {
    "create": "Lập phiếu", "answer": "Trả lời", "photo": "Thêm ảnh", "details": "Thông tin biên bản",
    "finalize": "Hoàn tất phiếu", "revise": "Lập bản sửa đổi", "freeze_minutes": "Chốt biên bản",
    "login": "Đăng nhập", "logout": "Đăng xuất", "login_locked": "Khóa tạm do đăng nhập sai",
    "create_user": "Tạo tài khoản", "submit_evidence": "Gửi minh chứng", "verify": "Xác nhận khắc phục",
    "reopen": "Trả lại minh chứng", "seed_demo": "Tạo dữ liệu mẫu",
}


@blueprint.get("/audit")
@login_required
def index():
    """The newest changes first, filterable by record and by user."""
    entity = request.args.get("entity") or None
    raw_id = request.args.get("id") or None
    if raw_id is not None and not raw_id.isdigit():
        raise Invalid("Tham số không hợp lệ.", errors={"id": "mã bản ghi phải là số"})
    entries = audit_entries(db.session, current_user, entity=entity, entity_id=int(raw_id) if raw_id else None,
                            username=request.args.get("user") or None)
    rows = [{"at": e.at.replace(tzinfo=dt.timezone.utc).astimezone(VIETNAM), "entry": e} for e in entries]
    return render_template("audit/index.html", rows=rows, actions=ACTIONS,
                           filters={"entity": entity or "", "id": raw_id or "", "user": request.args.get("user", "")})

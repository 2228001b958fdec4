"""Reading the audit trail: who changed what, when (admins only)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEntry, User
from . import Forbidden
from .paging import PER_PAGE, Page, paginate


def audit_page(session: Session, actor: User, *, page: int = 1, per_page: int = PER_PAGE, entity: str | None = None,
               entity_id: int | None = None, username: str | None = None) -> Page[AuditEntry]:
    """One page of the entries, newest first, filtered; only the department's administrators may read them."""
    if actor.role != "admin":
        raise Forbidden("Chỉ quản trị viên Sở Nội vụ xem được nhật ký thay đổi.")
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if username:
        query = query.where(AuditEntry.username == username.strip().lower())
    return paginate(session, query, page, per_page)

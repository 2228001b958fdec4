"""The audit trail: one entry per change, in the same transaction as the change."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models import AuditEntry, User


def record(session: Session, actor: User | None, action: str, entity: str, entity_id: int | None,
           **details: Any) -> None:
    session.add(AuditEntry(user_id=actor.id if actor else None, username=actor.username if actor else "system",
                           action=action, entity=entity, entity_id=entity_id, details=details))

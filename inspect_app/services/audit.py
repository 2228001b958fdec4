"""The audit trail: one entry per change, in the same transaction as the change, chained by hashes.

Each entry holds the SHA-256 of its content and of the previous entry's hash (domain.audit_chain),
so a row edited, deleted or reordered with direct database access shows in `verify_chain`.

Chaining needs one writer at a time: two transactions must never both take the same previous
hash. So new entries (from record() or added directly) are held back from every flush and
inserted only when the transaction commits, under a lock held to the end of the transaction:
pg_advisory_xact_lock on PostgreSQL; on SQLite the INSERT itself takes the database's single
write lock. The entries are inserted first and chained after, from the last entry before them,
so the ids follow the chain. Taking the lock last, just before the commit, means a transaction
never waits for another lock while holding it. The unique prev_hash is the database's own
guarantee should anything write around this module. Entries are therefore not visible to
queries of their own transaction before it commits.
"""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from ..domain.audit_chain import GENESIS, entry_hash
from ..models import AuditEntry, User, utcnow

PENDING, CHAINING = "audit_pending", "audit_chaining"
LOCK_KEY = 0x41554449  # "AUDI": pg_advisory_xact_lock's key for the trail


def record(session: Session, actor: User | None, action: str, entity: str, entity_id: int | None,
           **details: Any) -> None:
    session.add(AuditEntry(user_id=actor.id if actor else None, username=actor.username if actor else "system",
                           action=action, entity=entity, entity_id=entity_id, details=details))


def hash_of(entry: AuditEntry, prev_hash: str) -> str:
    return entry_hash(id=entry.id, at=entry.at, user_id=entry.user_id, username=entry.username,
                      action=entry.action, entity=entry.entity, entity_id=entry.entity_id,
                      details=entry.details, prev_hash=prev_hash)


@event.listens_for(Session, "before_flush")
def _hold_back(session: Session, flush_context, instances) -> None:
    """New entries wait for the commit, in the order they were added."""
    if session.info.get(CHAINING):
        return
    new = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    for entry in sorted(new, key=lambda obj: inspect(obj).insert_order):
        session.expunge(entry)
        session.info.setdefault(PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _chain(session: Session) -> None:
    """Insert the held-back entries under the trail's lock and chain them to the last one before them."""
    session.flush()  # holds back entries added since the last flush
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.info[CHAINING] = True
    try:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
        for entry in pending:
            entry.at = entry.at or utcnow()
            entry.details = entry.details if entry.details is not None else {}
        session.add_all(pending)
        session.flush()  # on SQLite this INSERT takes the write lock: nobody else commits until we do
        previous = session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.id < pending[0].id)
                                  .order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
        for entry in pending:
            entry.prev_hash, entry.entry_hash = previous, hash_of(entry, previous)
            previous = entry.entry_hash
        session.flush()
    finally:
        session.info.pop(CHAINING, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    """Entries of a transaction rolled back were never written."""
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str  # the last entry's hash: note it elsewhere to notice the newest entries being removed
    broken_at: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch: int = 1000) -> ChainReport:
    """Recompute the chain in id order and stop at the first entry that does not hold."""
    with closing(session.scalars(select(AuditEntry).order_by(AuditEntry.id)
                                 .execution_options(yield_per=batch))) as entries:  # a server-side cursor
        return _first_break(entries)


def _first_break(entries: Iterable[AuditEntry]) -> ChainReport:
    expected, count = GENESIS, 0
    for entry in entries:
        count += 1
        if entry.prev_hash is None or entry.entry_hash is None:
            return ChainReport(count, expected, entry.id, f"mục #{entry.id} không có mã băm (được ghi ngoài ứng dụng?)")
        if entry.prev_hash != expected:
            return ChainReport(count, expected, entry.id, f"mục #{entry.id} không nối tiếp mục liền trước: có mục đã "
                                                          "bị xóa, chèn thêm hoặc đổi thứ tự")
        if hash_of(entry, entry.prev_hash) != entry.entry_hash:
            return ChainReport(count, expected, entry.id, f"nội dung mục #{entry.id} đã bị sửa sau khi ghi")
        expected = entry.entry_hash
    return ChainReport(count, expected)

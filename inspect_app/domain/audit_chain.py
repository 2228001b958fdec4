"""The audit trail's hash chain: each entry's SHA-256 covers its own content and the previous entry's hash.

Editing, deleting, inserting or reordering a stored entry then breaks the chain at that entry,
and recomputing it finds where. Plain values in, a hex digest out, so that the migration chaining
the rows it finds and the service chaining new ones hash alike.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = "0" * 64  # what the first entry follows


def _moment(at: dt.datetime) -> str:
    """UTC, naive, to the microsecond: as both databases store and return the column."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def entry_hash(*, id: int, at: dt.datetime, user_id: int | None, username: str, action: str, entity: str,
               entity_id: int | None, details: Any, prev_hash: str) -> str:
    """SHA-256 of the entry's canonical JSON (sorted keys, UTF-8, no spaces), the previous hash included."""
    content = {"id": id, "at": _moment(at), "user_id": user_id, "username": username, "action": action,
               "entity": entity, "entity_id": entity_id, "details": details, "prev_hash": prev_hash}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

"""Where a checklist version lives in a catalog folder: its checklist file and its rules file."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..domain.catalog import CALENDAR_FILE, LEGAL_FILE


def read_yaml(path: Path) -> Any:
    """A catalog file as plain data; the catalog validator has already proved it loads."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def version_files(root: Path, checklist_id: str, version: int) -> tuple[Path | None, Path | None]:
    """The checklist file and the rules file of `checklist_id` version `version`, found by their content."""
    checklist = next((path for path in sorted((root / "checklists").glob("*.yaml"))
                      if _names(read_yaml(path), "id") == (checklist_id, version)), None)
    rules = next((path for path in sorted((root / "rules").glob("*.yaml"))
                  if path.name not in (CALENDAR_FILE, LEGAL_FILE)
                  and _names(read_yaml(path), "checklist") == (checklist_id, version)), None)
    return checklist, rules


def _names(data: Any, id_key: str) -> tuple[Any, Any] | None:
    return (data.get(id_key), data.get("version")) if isinstance(data, dict) else None


def dump_yaml(data: Any) -> str:
    """Catalog data as YAML text the catalog reads back the same (dates bare, Vietnamese as typed)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)

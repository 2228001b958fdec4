"""One owner for each transaction (issue 15, item 11): services commit and roll back, views never do."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inspect_app.evaluation import PROJECT_ROOT
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, Team
from inspect_app.services import Invalid
from inspect_app.services.transactions import transaction

WEB = PROJECT_ROOT / "inspect_app" / "web"
SAFETY_NET = {"errors.py"}  # the app-wide error handlers roll back whatever a failed request left


def session_calls(path: Path) -> list[str]:
    """`….commit()` / `….rollback()` calls in a module, as 'file:line name'."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("commit", "rollback"):
            calls.append(f"{path.name}:{node.lineno} {node.func.attr}")
    return calls


def test_no_view_commits_or_rolls_back():
    found = [call for path in sorted(WEB.glob("*.py")) if path.name not in SAFETY_NET for call in session_calls(path)]
    assert found == []


def test_the_safety_net_is_where_the_check_looks():
    assert session_calls(WEB / "errors.py")  # else the exemption above would hide nothing and mean nothing


@transaction
def half_done(session, name: str) -> None:
    """A service that writes, then finds a problem: nothing of it may survive."""
    session.add(Team(name=name))
    session.flush()
    raise Invalid("Tên đoàn chưa hợp lệ.")


def test_a_failed_service_leaves_nothing_behind(db_app):
    with db_app.app_context():
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
        with pytest.raises(Invalid):
            half_done(db.session, "Đoàn nửa chừng")
        assert not db.session.new and not db.session.dirty
        db.session.commit()  # what a careless caller would do next commits nothing of it
        assert db.session.scalar(select(func.count()).select_from(Team).where(Team.name == "Đoàn nửa chừng")) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits

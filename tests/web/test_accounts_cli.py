"""`flask users …`: how the department creates its real accounts, resets a forgotten password and locks
the account of someone who left, with every change audited and nothing half-made."""
from __future__ import annotations

import pytest
from apiclient import URL, Api
from conftest import PASSWORD as SEEDED_PASSWORD
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import AuditEntry, Team, User

PASSWORD = "MatKhau@2026"
TWICE = f"{PASSWORD}\n{PASSWORD}\n"


def users(app, *args: str, typed: str = ""):
    return app.test_cli_runner().invoke(args=["users", *args], input=typed)


def can_log_in(app, username: str, password: str = PASSWORD) -> int:
    return app.test_client().post(f"{URL}/login", json={"username": username, "password": password}).status_code


def audited(app, action: str, username: str) -> bool:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.details["username"].as_string() == username)) > 0


def test_an_inspector_account_is_created_with_its_team_and_logs_in(app):
    result = users(app, "create", "Nguyen.Hoa", "--name", "Nguyễn Thị Hoa", "--role", "inspector",
                   "--position", "Chuyên viên Sở Nội vụ", "--team", "Đoàn kiểm tra số 2", "--email", "hoa@example.vn",
                   typed=TWICE)
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản nguyen.hoa (Thành viên đoàn kiểm tra)" in result.output
    assert PASSWORD not in result.output  # never echoed
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "nguyen.hoa"))
        assert (user.full_name, user.team.name, user.email) == ("Nguyễn Thị Hoa", "Đoàn kiểm tra số 2", "hoa@example.vn")
        assert db.session.scalar(select(func.count()).select_from(Team)) == 2  # the demo team and the new one
    assert can_log_in(app, "nguyen.hoa") == 200 and audited(app, "create_user", "nguyen.hoa")


@pytest.mark.parametrize("args, field", [
    (["ab", "--name", "A", "--role", "admin"], "username"),
    (["inspector", "--name", "A", "--role", "admin"], "username"),  # taken
    (["new-user", "--name", " ", "--role", "admin"], "full_name"),
    (["new-user", "--name", "A", "--role", "district"], "district_code"),
    (["new-user", "--name", "A", "--role", "commune", "--commune", "99999"], "commune_code"),
    (["new-user", "--name", "A", "--role", "admin", "--commune", "00001"], "commune_code"),
    (["new-user", "--name", "A", "--role", "admin", "--team", "Đoàn 9"], "team"),
])
def test_a_wrong_account_is_refused_in_vietnamese_and_nothing_is_made(app, args, field):
    result = users(app, "create", *args, typed=TWICE)
    assert result.exit_code == 1 and "Chưa tạo được tài khoản." in result.output and f"{field}:" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "new-user")) == 0
        assert db.session.scalar(select(func.count()).select_from(Team).where(Team.name == "Đoàn 9")) == 0


def test_a_short_password_is_refused(app):
    result = users(app, "create", "new-user", "--name", "A", "--role", "admin", typed="ngan\nngan\n")
    assert result.exit_code == 1 and "Mật khẩu cần ít nhất 8 ký tự." in result.output
    assert can_log_in(app, "new-user", "ngan") == 401


def test_a_reset_password_ends_the_old_sessions(app):
    api = Api(app, "inspector")
    assert api.client.get(f"{URL}/session").status_code == 200
    result = users(app, "reset-password", "inspector", typed=f"{PASSWORD}-moi\n{PASSWORD}-moi\n")
    assert result.exit_code == 0, result.output
    assert api.client.get(f"{URL}/session").status_code == 401  # the tablet logged in before must log in again
    assert can_log_in(app, "inspector", f"{PASSWORD}-moi") == 200
    assert audited(app, "reset_password", "inspector")
    assert users(app, "reset-password", "nobody", typed=TWICE).exit_code == 1


def test_a_locked_account_cannot_log_in_until_opened_again(app):
    api = Api(app, "district-badinh")
    result = users(app, "disable", "district-badinh")
    assert result.exit_code == 0 and "Đã khóa tài khoản district-badinh" in result.output
    assert api.client.get(f"{URL}/session").status_code == 401
    assert can_log_in(app, "district-badinh", SEEDED_PASSWORD) == 401
    assert "district-badinh\tdistrict" in users(app, "list").output and "đã khóa" in users(app, "list").output
    assert "Vẫn khóa" in users(app, "disable", "district-badinh").output
    assert users(app, "enable", "district-badinh").exit_code == 0
    assert can_log_in(app, "district-badinh", SEEDED_PASSWORD) == 200
    assert audited(app, "disable_user", "district-badinh") and audited(app, "enable_user", "district-badinh")

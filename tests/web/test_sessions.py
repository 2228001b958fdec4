"""Sessions (issue 15, item 8): logout and a password change end every copy of a session cookie;
a session unused for IDLE_MINUTES ends at its next request."""
from __future__ import annotations

import re
import time

from apiclient import URL, Api, assert_vietnamese_error
from conftest import PASSWORD
from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.models import AuditEntry, User
from inspect_app.web.auth import LAST_SEEN

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
NEW_PASSWORD = "MatKhauMoi@2026"


def token_of(response) -> str:
    return TOKEN.search(response.get_data(as_text=True)).group(1)


def login(client, username: str, password: str = PASSWORD):
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": token_of(page), "username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def copy_of(app, client):
    """Another client holding the same session cookie, as an attacker who saved it would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_cookie_saved_before_logout_no_longer_works(app):
    client = app.test_client()
    login(client, "inspector")
    saved = copy_of(app, client)
    assert saved.get("/inspections").status_code == 200
    response = client.post("/logout", data={"csrf_token": token_of(client.get("/inspections"))})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = saved.get("/inspections")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert saved.get(f"{URL}/session").status_code == 401


def test_an_api_cookie_saved_before_logout_no_longer_works(app):
    api = Api(app, "inspector")
    saved = copy_of(app, api.client)
    assert api.post("/logout").status_code == 204
    assert assert_vietnamese_error(saved.get(f"{URL}/session"), 401) == {"error": "Vui lòng đăng nhập."}
    with app.app_context():  # the audit entry was committed by the service
        assert db.session.scalar(select(AuditEntry.username).where(AuditEntry.action == "logout")) == "inspector"


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(app):
    tablet, desk = app.test_client(), app.test_client()
    login(tablet, "inspector")
    login(desk, "inspector")
    page = desk.get("/password")
    assert page.status_code == 200 and "Đổi mật khẩu" in page.get_data(as_text=True)
    wrong = desk.post("/password", data={"csrf_token": token_of(page), "current_password": "sai-mat-khau",
                                         "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    assert tablet.get("/inspections").status_code == 200
    changed = desk.post("/password", data={"csrf_token": token_of(page), "current_password": PASSWORD,
                                           "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert "Đã đổi mật khẩu" in desk.get("/inspections").get_data(as_text=True)  # this session goes on
    assert "/login" in tablet.get("/inspections").headers["Location"]  # the other one has ended
    fresh = app.test_client()
    assert fresh.post(f"{URL}/login", json={"username": "inspector", "password": PASSWORD}).status_code == 401
    login(fresh, "inspector", NEW_PASSWORD)
    with app.app_context():
        assert db.session.scalar(select(User.session_version).where(User.username == "inspector")) == 2


def test_a_new_password_must_be_long_enough_and_typed_twice_alike(app):
    client = app.test_client()
    login(client, "inspector")
    token = token_of(client.get("/password"))
    short = client.post("/password", data={"csrf_token": token, "current_password": PASSWORD,
                                           "new_password": "ngan", "confirm": "ngan"})
    assert short.status_code == 422 and "Mật khẩu cần ít nhất 8 ký tự." in short.get_data(as_text=True)
    mismatch = client.post("/password", data={"csrf_token": token, "current_password": PASSWORD,
                                              "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "Hai lần nhập không khớp." in mismatch.get_data(as_text=True)
    assert client.get("/inspections").status_code == 200  # nothing changed
    with app.app_context():
        assert db.session.scalar(select(User.session_version).where(User.username == "inspector")) == 1


def idle(client, minutes: float) -> None:
    with client.session_transaction() as session:
        session[LAST_SEEN] = int(time.time() - minutes * 60)


def test_an_idle_session_expires_after_idle_minutes(app):
    client = app.test_client()
    login(client, "inspector")
    idle(client, 59)  # still within the hour: the request goes through and counts as activity
    assert client.get("/inspections").status_code == 200
    with client.session_transaction() as session:
        assert session[LAST_SEEN] >= time.time() - 5
    idle(client, 61)
    expired = client.get("/inspections?page=2")
    assert expired.status_code == 302 and "/login?next=/inspections?page%3D2" in expired.headers["Location"]
    page = client.get(expired.headers["Location"]).get_data(as_text=True)
    assert "Phiên làm việc đã hết hạn sau 60 phút không thao tác; vui lòng đăng nhập lại." in page
    assert client.get("/inspections").status_code == 302  # logged out for good
    login(client, "inspector")
    assert client.get("/inspections").status_code == 200


def test_an_idle_api_session_answers_401_with_the_reason(app):
    app.config["IDLE_MINUTES"] = 5
    api = Api(app, "inspector")
    idle(api.client, 6)
    expired = api.get("/session")
    assert assert_vietnamese_error(expired, 401)["error"].startswith("Phiên làm việc đã hết hạn sau 5 phút")
    assert api.get("/session").get_json() == {"error": "Vui lòng đăng nhập."}


def test_logging_in_again_over_an_expired_session_just_works(app):
    api = Api(app, "inspector")
    idle(api.client, 61)
    api.login("inspector")  # the tablet re-sends its credentials with the old cookie
    assert api.get("/session").status_code == 200
    client = app.test_client()
    login(client, "admin")
    idle(client, 61)
    login(client, "admin")
    assert client.get("/inspections").status_code == 200

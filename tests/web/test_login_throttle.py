"""Login throttling (issue 15, item 4): counters in the database, delays instead of lockout.

The policy is services.accounts' docstring: per (address, username) pair 5 free attempts, per
address 20, then a doubling wait from 15 s up to 5 minutes; addresses a user logged in from are
exempt from the address limit; nothing is counted per account across addresses.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from apiclient import URL, assert_vietnamese_error
from conftest import ACCOUNTS, PASSWORD, make_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, update

from inspect_app.extensions import db
from inspect_app.models import LoginFailure
from inspect_app.services import accounts
from inspect_app.services.accounts import THROTTLE, LoginRefused, TooManyAttempts, authenticate

ATTACKER, OFFICE, HOME = "203.0.113.66", "198.51.100.7", "192.0.2.44"
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def api_login(client, username: str, password: str, address: str):
    return client.post(f"{URL}/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def rewind(app, seconds: float) -> None:
    """Let `seconds` pass for every counter (the waits and the forgetting are measured from the stored times)."""
    step = dt.timedelta(seconds=seconds)
    with app.app_context():
        db.session.execute(update(LoginFailure).values(
            not_before=LoginFailure.not_before - step, last_failure=LoginFailure.last_failure - step))
        db.session.commit()


@pytest.fixture
def checks(monkeypatch):
    """Counts the password checks really made (the slow scrypt comparisons)."""
    made, lock, real = [], threading.Lock(), accounts.check_password_hash

    def counting(stored: str, password: str) -> bool:
        with lock:
            made.append(stored == accounts.DUMMY_HASH)
        return real(stored, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return made


# ---------------------------------------------------------------- the policy, with the clock passed in


def test_the_wait_doubles_from_15_seconds_up_to_5_minutes(db_app):
    start = dt.datetime(2020, 9, 15, 8, 0)
    with db_app.app_context():
        for attempt in range(THROTTLE.free_per_pair):
            with pytest.raises(LoginRefused) as refused:
                authenticate(db.session, "inspector", "sai-mat-khau", start, address=ATTACKER)
            assert refused.value.status == 401
        now, waits = start, []
        for _ in range(8):
            with pytest.raises(TooManyAttempts) as throttled:
                authenticate(db.session, "inspector", PASSWORD, now, address=ATTACKER)  # not even checked
            waits.append(throttled.value.retry_after)
            assert throttled.value.message == f"Vui lòng đợi {waits[-1]} giây rồi thử lại."
            now += dt.timedelta(seconds=waits[-1])
            with pytest.raises(LoginRefused) as refused:
                authenticate(db.session, "inspector", "sai-mat-khau", now, address=ATTACKER)
            assert refused.value.status == 401  # checked once the wait is over
        assert waits == [15, 30, 60, 120, 240, 300, 300, 300]
        now += dt.timedelta(seconds=300)
        assert authenticate(db.session, "inspector", PASSWORD, now, address=ATTACKER).username == "inspector"
        assert db.session.scalar(select(func.sum(LoginFailure.failures))) == THROTTLE.free_per_pair + 8
        # the right password cleared its pair: five attempts free again
        for _ in range(THROTTLE.free_per_pair):
            with pytest.raises(LoginRefused) as refused:
                authenticate(db.session, "inspector", "sai-mat-khau", now, address=ATTACKER)
            assert refused.value.status == 401


def test_counters_forget_an_hour_after_the_last_failure(db_app):
    start = dt.datetime(2020, 9, 15, 8, 0)
    with db_app.app_context():
        for _ in range(THROTTLE.free_per_pair):
            with pytest.raises(LoginRefused):
                authenticate(db.session, "admin", "sai-mat-khau", start, address=ATTACKER)
        later = start + THROTTLE.forget_after + dt.timedelta(seconds=1)
        for _ in range(THROTTLE.free_per_pair - 1):
            with pytest.raises(LoginRefused) as refused:
                authenticate(db.session, "admin", "sai-mat-khau", later, address=ATTACKER)
            assert refused.value.status == 401
        assert authenticate(db.session, "admin", PASSWORD, later, address=ATTACKER).username == "admin"


def test_the_counters_store_no_address_and_no_typed_username(db_app):
    with db_app.app_context():
        with pytest.raises(LoginRefused):
            authenticate(db.session, "MatKhau@2020-go-nham-o", "x", address=ATTACKER)
        keys = db.session.scalars(select(LoginFailure.key)).all()
    assert len(keys) == 2 and all(len(key) == 64 and ATTACKER not in key and "MatKhau" not in key for key in keys)


# ---------------------------------------------------------------- across workers and in parallel


def test_two_app_instances_on_one_database_share_the_counters(db_app, tmp_path):
    """Two workers (two apps, two connection pools, one database) count the same failures."""
    other = make_app(db_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, WTF_CSRF_ENABLED=False)
    first, second = db_app.test_client(), other.test_client()
    statuses = [api_login(client, "admin", "sai-mat-khau", ATTACKER).status_code
                for client in (first, second, first, second, first, second, first)]
    assert statuses == [401] * THROTTLE.free_per_pair + [429, 429]
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_parallel_wrong_passwords_get_exactly_the_free_checks(db_app, checks):
    """16 wrong passwords at once: 5 are checked (401), 11 wait (429) without a check."""
    def attempt(_):
        return api_login(db_app.test_client(), "inspector", "sai-mat-khau", ATTACKER)

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(attempt, range(16)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [401] * THROTTLE.free_per_pair + [429] * (16 - THROTTLE.free_per_pair)
    assert len(checks) == THROTTLE.free_per_pair
    # 15 s after the fifth failure, counted from each request's own arrival (up to a second earlier)
    assert all(1 <= int(r.headers["Retry-After"]) <= 16 for r in responses if r.status_code == 429)


# ---------------------------------------------------------------- what a guesser learns, and whom they keep out


def test_unknown_and_known_usernames_get_the_same_answers(app, checks):
    def answers(username: str, address: str):
        client = app.test_client()
        responses = [api_login(client, username, "sai-mat-khau", address) for _ in range(THROTTLE.free_per_pair + 2)]
        return [(r.status_code, r.get_json(), r.headers.get("Retry-After")) for r in responses]

    known, unknown = answers("inspector", ATTACKER), answers("khong-co-ai", HOME)
    assert known == unknown
    assert [status for status, _, _ in known] == [401] * THROTTLE.free_per_pair + [429, 429]
    assert known[0][1] == {"error": "Tên đăng nhập hoặc mật khẩu không đúng."}
    assert known[-1][1]["error"].startswith("Vui lòng đợi ") and "Đăng nhập sai quá nhiều lần" not in str(known)
    # the same work for both: one scrypt check per checked attempt, a dummy hash for the unknown name
    assert checks == [False] * THROTTLE.free_per_pair + [True] * THROTTLE.free_per_pair


def test_a_stranger_cannot_keep_admin_out(app):
    attacker = app.test_client()
    statuses = {api_login(attacker, "admin", f"doan-{n}", ATTACKER).status_code for n in range(40)}
    assert statuses == {401, 429}
    assert api_login(app.test_client(), "admin", PASSWORD, OFFICE).status_code == 200  # at once, from elsewhere
    rewind(app, THROTTLE.max_delay.total_seconds())  # and from the attacker's address after at most 5 minutes
    assert api_login(app.test_client(), "admin", PASSWORD, ATTACKER).status_code == 200


def test_guessing_behind_a_shared_address_does_not_keep_its_users_out(app):
    """An office behind one NAT: someone there guesses across accounts until the address must wait."""
    office = app.test_client()
    assert api_login(office, "inspector", PASSWORD, OFFICE).status_code == 200  # a user who works here
    guesser = app.test_client()
    targets = [name for name in ACCOUNTS if name not in ("inspector", "district-badinh")] + ["khong-co-ai"]
    guesses = [name for name in targets for _ in range(THROTTLE.free_per_pair)][:THROTTLE.free_per_address + 1]
    statuses = [api_login(guesser, name, "sai-mat-khau", OFFICE).status_code for name in guesses]
    assert statuses == [401] * THROTTLE.free_per_address + [429]
    # the known user still logs in at once; a first-time user from here waits at most the capped delay
    assert api_login(app.test_client(), "inspector", PASSWORD, OFFICE).status_code == 200
    newcomer = api_login(app.test_client(), "district-badinh", PASSWORD, OFFICE)
    assert_vietnamese_error(newcomer, 429)
    assert int(newcomer.headers["Retry-After"]) <= THROTTLE.max_delay.total_seconds()
    rewind(app, int(newcomer.headers["Retry-After"]))
    assert api_login(app.test_client(), "district-badinh", PASSWORD, OFFICE).status_code == 200


def test_the_login_page_says_how_long_to_wait(client):
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    for _ in range(THROTTLE.free_per_pair):
        response = client.post("/login", data={"csrf_token": token, "username": "admin", "password": "sai"})
        assert response.status_code == 401
    response = client.post("/login", data={"csrf_token": token, "username": "admin", "password": PASSWORD})
    assert response.status_code == 429 and response.headers["Retry-After"] in ("14", "15")
    assert "Vui lòng đợi 1" in response.get_data(as_text=True)


# ---------------------------------------------------------------- the migration


def test_migration_0009_goes_down_to_the_lockout_columns_and_up_again(db_app):
    with db_app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        directory = db_app.extensions["migrate"].directory
        upgrade(directory=directory)
        downgrade(directory=directory, revision="0008")
        columns = {c["name"] for c in inspect(db.engine).get_columns("user_account")}
        assert {"failed_logins", "locked_until"} <= columns and "session_version" not in columns
        assert not inspect(db.engine).has_table("login_failure")
        upgrade(directory=directory)
        columns = {c["name"] for c in inspect(db.engine).get_columns("user_account")}
        assert "session_version" in columns and "failed_logins" not in columns

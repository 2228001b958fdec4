"""Requests that race: the same change sent by many tablets at once, on SQLite and PostgreSQL.

Each request runs in its own thread (its own app context, session and connection), released
together by a barrier, as gunicorn's threads or workers would run them.
"""
from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from conftest import MINUTES_DETAILS, make_app, seed
from apiclient import URL, Api, assert_vietnamese_error, compliant_doc
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from inspect_app.extensions import db
from inspect_app.models import Answer, Inspection, MinutesDocument, RemediationAction


def together(apis: list[Api], send) -> list:
    """Send one request per client, all released at the same moment; the responses in client order."""
    barrier = threading.Barrier(len(apis))

    def run(api: Api):
        barrier.wait()
        return send(api)

    with ThreadPoolExecutor(len(apis)) as pool:
        return list(pool.map(run, apis))


def finalised_inspection(app) -> tuple[Api, int]:
    api = Api(app, "inspector")
    inspection = api.create()
    assert api.answer(inspection, compliant_doc()["answers"] | {"CK-05": "no"}).status_code == 200
    assert api.finalize(inspection).status_code == 200
    return api, inspection


def test_parallel_revise_opens_one_revision(db_app):
    api, inspection = finalised_inspection(db_app)
    clients = [api] + [Api(db_app, "inspector") for _ in range(11)]
    responses = together(clients, lambda client: client.post(f"/inspections/{inspection}/revise"))
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 1 and set(statuses) <= {200, 201, 409}, statuses
    revision = next(r.get_json()["id"] for r in responses if r.status_code == 201)
    for response in responses:
        if response.status_code == 409:  # lost the race: told which revision exists
            body = assert_vietnamese_error(response, 409)
            assert body["revision"] == revision and f"mã {revision}" in body["error"], body
        else:
            assert response.get_json()["id"] == revision
    with db_app.app_context():
        replacing = db.session.scalars(select(Inspection.id).where(Inspection.replaces_id == inspection)).all()
    assert replacing == [revision]


def test_parallel_finalise_finalises_once(db_app):
    api = Api(db_app, "inspector")
    inspection = api.create()
    assert api.answer(inspection, compliant_doc()["answers"] | {"CK-05": "no"}).status_code == 200
    patched = api.client.patch(f"{URL}/inspections/{inspection}", json=MINUTES_DETAILS, headers=api.headers(True))
    assert patched.status_code == 200
    clients = [api] + [Api(db_app, "inspector") for _ in range(7)]
    responses = together(clients, lambda client: client.post(f"/inspections/{inspection}/finalize"))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 7}, statuses
    for response in responses:
        if response.status_code == 409:
            assert_vietnamese_error(response, 409)
    findings = next(r.get_json()["findings"] for r in responses if r.status_code == 200)
    with db_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MinutesDocument)
                                 .where(MinutesDocument.inspection_id == inspection)) == 1
        assert db.session.scalar(select(func.count()).select_from(RemediationAction)
                                 .where(RemediationAction.inspection_id == inspection)) == len(findings) > 0


# ---------------------------------------------------------------- SQLite under several writers


def test_sqlite_connections_use_wal_and_wait_for_the_lock(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def sqlite_path(app) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database


def test_parallel_answers_on_one_sqlite_file_wait_for_a_long_writer_and_all_save(app):
    """Six tablets answering their own inspections at once while another transaction keeps the database
    locked for six seconds (a finalising renders its minutes inside its transaction): every answer saved."""
    clients = [Api(app, "inspector") for _ in range(6)]
    inspections = [client.create(client_id=f"sqlite-writer-{n:04d}") for n, client in enumerate(clients)]
    answers = list(compliant_doc()["answers"].items())[:5]

    def answer_all(client: Api) -> list[int]:
        inspection = inspections[clients.index(client)]
        version, statuses = 1, []
        for code, value in answers:
            response = client.answer(inspection, {code: value}, version)
            statuses.append(response.status_code)
            version = response.get_json().get("version", version)
        return statuses

    writer = sqlite3.connect(sqlite_path(app), isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # holds the write lock
    release = threading.Timer(6, writer.execute, ["COMMIT"])
    release.start()
    try:
        outcomes = Counter(status for statuses in together(clients, answer_all) for status in statuses)
    finally:
        release.join()
        writer.close()
    assert outcomes == {200: len(clients) * len(answers)}, outcomes
    with app.app_context():
        saved = db.session.scalar(select(func.count()).select_from(Answer).where(Answer.inspection_id.in_(inspections)))
    assert saved == len(clients) * len(answers)


def test_a_database_locked_past_the_retries_answers_503_with_retry_after(tmp_path, password_hash):
    app = make_app(f"sqlite:///{tmp_path / 'locked.db'}", tmp_path, SQLITE_BUSY_TIMEOUT=0.1)
    seed(app, password_hash)
    api = Api(app, "inspector")
    inspection = api.create()
    writer = sqlite3.connect(sqlite_path(app), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        refused = api.answer(inspection, {"TG-01": "yes"}, 1)
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert_vietnamese_error(refused, 503)
    assert refused.headers["Retry-After"] == "5"
    assert api.get(f"/inspections/{inspection}").get_json()["answers"] == {}
    assert api.answer(inspection, {"TG-01": "yes"}, 1).status_code == 200  # once the lock is gone

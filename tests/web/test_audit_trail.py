"""The audit trail records what changed, only when something did, and shows when its rows were altered.

The hash chain is tested on SQLite and PostgreSQL (db_app): edits, deletions, reordering and rows
written around the application are found by `flask audit verify`; parallel writers keep one chain.
"""
from __future__ import annotations

import threading

import pytest
from apiclient import Api, jpeg
from flask_migrate import upgrade
from sqlalchemy import select, text
from test_pages import login

from inspect_app.domain.audit_chain import GENESIS
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, User
from inspect_app.services.audit import hash_of, record, verify_chain
from inspect_app.services.audit_view import present

# ---------------------------------------------------------------- what is recorded


def entries(app, action: str | None = None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        return db.session.scalars(query.where(AuditEntry.action == action) if action else query).all()


def test_a_note_edit_records_the_old_and_the_new_text(app):
    api = Api(app, "inspector")
    inspection = api.create()
    assert api.answer(inspection, {"TG-01": "no"}, notes={"TG-01": "Chưa niêm yết"}).status_code == 200
    assert api.answer(inspection, {}, notes={"TG-01": "Đã niêm yết ở bảng tin"}).status_code == 200
    first, second = (entry.details["changes"]["TG-01"] for entry in entries(app, "answer"))
    assert first == {"from": None, "to": "no", "note": {"from": "", "to": "Chưa niêm yết"}}
    assert second == {"note": {"from": "Chưa niêm yết", "to": "Đã niêm yết ở bảng tin"}}
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(f"/audit?entity=inspection&id={inspection}").get_data(as_text=True)
    assert "Chưa niêm yết" in page and "Đã niêm yết ở bảng tin" in page


def test_entries_from_before_the_note_text_was_recorded_still_read(app):
    api = Api(app, "inspector")
    inspection = api.create()
    with app.app_context():
        entry = AuditEntry(user_id=None, username="inspector", action="answer", entity="inspection",
                           entity_id=inspection, details={"changes": {"TG-01": {"note": True}}})
        db.session.add(entry)
        db.session.commit()
        (row,) = present(db.session, app.extensions["catalog"].loaded, db.session.get(User, 1), [entry])
    assert [(line.label[:5], line.remark) for line in row.lines] == [("TG-01", "chỉ sửa ghi chú")]


def test_an_unchanged_note_or_an_empty_note_on_a_new_answer_records_nothing(app):
    api = Api(app, "inspector")
    inspection = api.create()
    api.answer(inspection, {"TG-01": "no"}, notes={"TG-01": "Chưa niêm yết"})
    before = len(entries(app))
    assert api.answer(inspection, {"TG-01": "no"}, notes={"TG-01": "Chưa niêm yết"}).status_code == 200
    assert api.answer(inspection, {}, notes={"TG-02": ""}).status_code == 200
    assert len(entries(app)) == before


def test_a_patch_that_changes_nothing_writes_no_entry(app):
    api = Api(app, "inspector")
    inspection = api.create()
    details = {"place": "Trụ sở UBND phường", "start_time": "08:30"}
    assert api.patch(f"/inspections/{inspection}", json=details).status_code == 200
    for body in ({}, details, {"place": "  Trụ sở UBND phường "}):
        response = api.patch(f"/inspections/{inspection}", json=body)
        assert response.status_code == 200, response.get_json()
    assert [entry.details["changes"] for entry in entries(app, "details")] == [
        {"place": {"from": None, "to": "Trụ sở UBND phường"}, "start_time": {"from": None, "to": "08:30"}}]


# ---------------------------------------------------------------- the hash chain


def trail_of_work(app) -> None:
    """A few entries of different actions through the API: create, answers with notes, details, photo."""
    api = Api(app, "inspector")
    inspection = api.create()
    api.answer(inspection, {"TG-01": "no", "DV-03": 80.5}, notes={"TG-01": "Chưa niêm yết"})
    api.patch(f"/inspections/{inspection}", json={"place": "Trụ sở UBND phường", "start_time": "08:30"})
    assert api.photo(inspection, "TG-01", jpeg()).status_code == 201
    assert api.post("/logout").status_code == 204


def verify(app) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def ids(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()


def tamper(app, statement: str, **params) -> None:
    """Change the table as anyone with database access could, around the application."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(statement), params)


def test_every_entry_is_chained_to_the_one_before(db_app):
    trail_of_work(db_app)
    with db_app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert len(rows) >= 6
        assert rows[0].prev_hash == GENESIS
        assert all(later.prev_hash == earlier.entry_hash for earlier, later in zip(rows, rows[1:]))
        assert all(entry.entry_hash == hash_of(entry, entry.prev_hash) for entry in rows)
        head = rows[-1].entry_hash
    code, output = verify(db_app)
    assert code == 0, output
    assert f"{len(rows)} mục" in output and head in output and "nguyên vẹn" in output


def test_verify_finds_an_edited_entry(db_app):
    trail_of_work(db_app)
    edited = ids(db_app)[2]
    tamper(db_app, "UPDATE audit_log SET details = :details WHERE id = :id", id=edited,
           details='{"changes": {"TG-01": {"from": null, "to": "yes"}}}')
    code, output = verify(db_app)
    assert code == 1 and f"mục #{edited} đã bị sửa" in output


@pytest.mark.parametrize("column, value", [("username", "admin"), ("at", "2020-09-15 08:00:00")])
def test_verify_finds_a_changed_author_or_time(db_app, column, value):
    trail_of_work(db_app)
    edited = ids(db_app)[1]
    tamper(db_app, f"UPDATE audit_log SET {column} = :value WHERE id = :id", id=edited, value=value)
    code, output = verify(db_app)
    assert code == 1 and f"#{edited}" in output


def test_verify_finds_a_deleted_entry(db_app):
    trail_of_work(db_app)
    rows = ids(db_app)
    tamper(db_app, "DELETE FROM audit_log WHERE id = :id", id=rows[2])
    code, output = verify(db_app)
    assert code == 1 and f"mục #{rows[3]} không nối tiếp" in output


def test_verify_finds_reordered_entries(db_app):
    """Two entries swapped, each with its own hashes: the chain no longer follows the ids."""
    trail_of_work(db_app)
    first, second = ids(db_app)[1:3]
    for old, new in ((first, -1), (second, first), (-1, second)):
        tamper(db_app, "UPDATE audit_log SET id = :new WHERE id = :old", old=old, new=new)
    code, output = verify(db_app)
    assert code == 1 and f"#{first}" in output


def test_an_entry_written_around_the_application_is_found(db_app):
    trail_of_work(db_app)
    tamper(db_app, "INSERT INTO audit_log (at, username, action, entity, details) "
                   "VALUES ('2020-09-15 08:00:00', 'admin', 'login', 'user', '{}')")
    code, output = verify(db_app)
    assert code == 1 and "không có mã băm" in output


def test_parallel_writers_keep_one_chain(db_app):
    """Eight threads commit entries at the same moment: none may take a previous hash another took."""
    trail_of_work(db_app)
    writers, rounds, before = 8, 4, len(ids(db_app))
    barrier, failures = threading.Barrier(writers), []

    def write(number: int) -> None:
        try:
            with db_app.app_context():
                for round_ in range(rounds):
                    record(db.session, None, "login", "user", number, round=round_)
                    db.session.flush()
                    barrier.wait(timeout=30)  # every writer is inside a transaction with an entry to chain
                    db.session.commit()
        except Exception as error:  # noqa: BLE001 — reported below, with the thread that failed
            failures.append((number, repr(error)))
            barrier.abort()

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    code, output = verify(db_app)
    assert code == 0, output
    assert len(ids(db_app)) == before + writers * rounds


def test_the_migration_chains_the_entries_already_there(db_app):
    with db_app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        directory = db_app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0008")
        with db.engine.begin() as connection:
            for action, details in (("login", "{}"), ("create_user", '{"username": "an", "role": "commune"}'),
                                    ("logout", "{}")):
                connection.execute(text("INSERT INTO audit_log (at, username, action, entity, details) VALUES "
                                        "('2020-09-15 08:00:00.250000', 'admin', :action, 'user', :details)"),
                                   {"action": action, "details": details})
        upgrade(directory=directory)
        assert verify_chain(db.session).entries == 3
        assert verify_chain(db.session).broken_at is None
        record(db.session, None, "login", "user", None)
        db.session.commit()
        report = verify_chain(db.session)
    assert (report.entries, report.broken_at) == (4, None)

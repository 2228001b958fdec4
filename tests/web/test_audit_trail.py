"""The audit trail records what changed and only when something did."""
from __future__ import annotations

from apiclient import Api
from sqlalchemy import select
from test_pages import login

from inspect_app.extensions import db
from inspect_app.models import AuditEntry

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

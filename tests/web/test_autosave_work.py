"""One tap on the tablet is one autosave: a handful of SQL statements and only the sent answer validated.

The commune has a finalised previous inspection with findings and the draft has photos, so the
autosave must read answers, photo counts and previous findings (X-01, X-02) — in one query.
Counted with a SQLAlchemy event listener on both databases; the user lookup of the login is
included. bench/web.py measures the same with timings.
"""
from __future__ import annotations

from apiclient import Api, compliant_doc, jpeg
from sqlalchemy import event

from inspect_app.domain.checklists import Item
from inspect_app.extensions import db

# The change itself (the login's user, the inspection, its two updates, the audit INSERT), plus what
# chaining the audit entry costs (services.audit): reading the previous hash and writing this one's,
# and on PostgreSQL the trail's advisory lock.
MAX_STATEMENTS = {"sqlite": 7, "postgresql": 8}


def test_one_autosave_is_a_handful_of_statements_and_validates_one_answer(db_app, monkeypatch):
    api = Api(db_app, "inspector")
    answers = compliant_doc()["answers"]
    first = api.create(client_id="earlier-0001-abcdef", inspection_date="2020-07-20")
    assert api.answer(first, answers | {"GT-03": "khong", "TG-04": "no"}).status_code == 200
    assert api.client.patch(f"/api/v1/inspections/{first}", json={
        "start_time": "08:30", "end_time": "11:00", "place": "Trụ sở UBND phường", "copies": 2},
        headers=api.headers(True)).status_code == 200
    assert api.finalize(first).status_code == 200
    draft = api.create()
    assert api.answer(draft, answers | {"GT-03": "khong"}).status_code == 200
    assert api.photo(draft, "CK-01", jpeg()).status_code == 201
    version = api.get(f"/inspections/{draft}").get_json()["version"]

    statements: list[str] = []
    validated: list[str] = []
    with db_app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    original = Item.validate
    monkeypatch.setattr(Item, "validate", lambda self, value: validated.append(self.code) or original(self, value))
    try:
        response = api.answer(draft, {"TG-04": "no"}, base_version=version)
    finally:
        event.remove(engine, "before_cursor_execute", listener)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert len(statements) <= MAX_STATEMENTS[engine.dialect.name], \
        "\n".join(s.split("\n")[0][:90] for s in statements)
    assert validated == ["TG-04"]
    assert body["version"] == version + 1
    codes = {f["code"]: f for f in body["findings"]}
    assert codes["GT-03"]["repeat"] is True  # X-01 saw the previous finding: it was read
    assert "TG-04" in codes and "E-01" not in {f["code"] for f in body["findings"] if "CK-01" in f["items"]}

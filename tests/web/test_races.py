"""Requests that race: the same change sent by many tablets at once, on SQLite and PostgreSQL.

Each request runs in its own thread (its own app context, session and connection), released
together by a barrier, as gunicorn's threads or workers would run them.
"""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from conftest import MINUTES_DETAILS
from apiclient import URL, Api, assert_vietnamese_error, compliant_doc
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import Inspection, MinutesDocument, RemediationAction


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

"""Schemathesis against /api/v1/openapi.json, in-process through the WSGI app, logged in as an inspector
with the CSRF token sent on every request: no 5xx, and no status code the document does not list.

Each operation gets schema-valid and schema-violating requests (Hypothesis), on a database holding a
draft (id 1) with a photo and a finalised inspection with remediation actions (id 2); valid requests
use ids 1 to 4 so that they reach real rows (huge ids: tests/web/test_hostile_input.py). Bounded to a few minutes in all: scripts/test.sh runs it with every test.
"""
from __future__ import annotations

import time

import pytest
import schemathesis
from apiclient import VARIED, Api, compliant_doc, jpeg
from conftest import BACKENDS, make_app, seed
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from inspect_app.extensions import db

CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 40, GenerationMode.NEGATIVE: 25}  # per operation: about a minute a database
SKIPPED = {"POST /logout"}  # would end the session every later case needs; tests/web/test_api.py covers it


@pytest.fixture(params=BACKENDS)
def fuzzed_app(request, tmp_path, password_hash):
    """A seeded app with CSRF on (as in production), once on SQLite and once on PostgreSQL."""
    database = f"sqlite:///{tmp_path / 'test.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres_url")
    app = make_app(database, tmp_path)
    seed(app, password_hash)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_the_api_answers_every_generated_request_as_documented(fuzzed_app):
    api = Api(fuzzed_app, "inspector")
    assert api.create() == 1
    assert api.photo(1, "TG-01", jpeg()).status_code == 201
    finalised = api.create(client_id="tablet-0002-abcdef")
    assert api.answer(finalised, compliant_doc()["answers"] | VARIED).status_code == 200
    assert api.finalize(finalised).status_code == 200
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)
    # Sent with every case: schemathesis fills the document's cookie and header schemes with values of
    # its own and would otherwise send (and then delete) a generated session cookie.
    headers = {"X-CSRFToken": api.token}
    cookies = {"session": api.client.get_cookie("session").value}
    cases: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIPPED:
            continue
        for mode, examples in EXAMPLES.items():
            @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                if mode is GenerationMode.POSITIVE:  # reach the rows that exist: ids 1 to 4
                    case.path_parameters = {key: value % 4 + 1 if isinstance(value, int) else value
                                            for key, value in (case.path_parameters or {}).items()}
                response = case.call(session=api.client, headers=headers, cookies=cookies)
                cases.append(f"{operation.label} {response.status_code}")
                case.validate_response(response, checks=CHECKS)

            run()
    print(f"schemathesis: {len(cases)} cases in {time.monotonic() - started:.0f} s")
    assert len({c.rsplit(" ", 1)[0] for c in cases}) == len(list(schema.get_all_operations())) - len(SKIPPED)
    assert "GET /session 200" in cases and "GET /inspections/{inspection_id} 200" in cases  # logged in throughout

"""Hostile text and numbers (issue 15, item 5): each is refused with a 4xx and a Vietnamese message,
never a 500, on SQLite and PostgreSQL, with CSRF on as in production.

NUL reached PostgreSQL as a DataError and a lone surrogate ("\\ud800" in JSON) reached psycopg and
sqlite3 as a UnicodeEncodeError; ids beyond the database's integers overflowed; 9999-12-31 overflowed
the deadline arithmetic of the dashboard.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from conftest import BACKENDS, make_app, seed
from apiclient import NEW_INSPECTION, URL, VIETNAMESE, Api, assert_vietnamese_error, compliant_doc
from sqlalchemy import func, select

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection

SURROGATE, NUL = "a\ud800b", "a\x00b"
HOSTILE = pytest.mark.parametrize("bad", [SURROGATE, NUL], ids=["surrogate", "nul"])
HUGE_IDS = pytest.mark.parametrize("huge", [2**31, 2**63, 2**64, 10**30], ids=["2^31", "2^63", "2^64", "10^30"])


@pytest.fixture(scope="module", params=BACKENDS)
def hostile_app(request, tmp_path_factory, password_hash):
    """A seeded app with CSRF on, once on SQLite and once on PostgreSQL, shared by the module's tests:
    what they send is refused, so nothing they do changes what the next one finds."""
    tmp_path = tmp_path_factory.mktemp(request.param)
    database = f"sqlite:///{tmp_path / 'test.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres_url")
    app = make_app(database, tmp_path)
    seed(app, password_hash)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="module")
def api(hostile_app) -> Api:
    return Api(hostile_app, "inspector")


@pytest.fixture(scope="module")
def admin(hostile_app) -> Api:
    return Api(hostile_app, "admin")


@pytest.fixture(scope="module")
def draft(api) -> int:
    return api.create()


@pytest.fixture
def nothing_created(hostile_app):
    """Fails the test if it stored an inspection."""
    before = inspections(hostile_app)
    yield
    assert inspections(hostile_app) == before


def refused(response, *statuses: int) -> None:
    """A 4xx (one of `statuses` when given) in Vietnamese, JSON or a page, without a stack trace."""
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:500])
    if statuses:
        assert response.status_code in statuses, response.status_code
    if response.is_json:
        assert_vietnamese_error(response, response.status_code)
    else:
        text = response.get_data(as_text=True)
        assert VIETNAMESE.search(text) and "Traceback" not in text


def inspections(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Inspection))


# ---------------------------------------------------------------- text fields in JSON


@HOSTILE
@pytest.mark.parametrize("field", ["team", "plan_reference", "client_id", "commune_reps", "key"])
def test_new_inspection_with_hostile_text_is_refused_and_nothing_stored(api, nothing_created, bad, field):
    fresh = NEW_INSPECTION | {"client_id": None}  # not the shared draft's, which would just be returned
    body = {
        "team": fresh | {"team": [{"name": bad, "position": "Chuyên viên", "role": "truong_doan"}]},
        "plan_reference": fresh | {"plan_reference": bad},
        "client_id": fresh | {"client_id": bad * 4},
        "commune_reps": fresh | {"commune_reps": [{"name": "Nguyễn Văn Cường", "position": bad}]},
        "key": fresh | {bad: 1},
    }[field]
    body = assert_vietnamese_error(api.post("/inspections", json=body), 400)
    assert body["errors"] and all(VIETNAMESE.search(reason) for reason in body["errors"].values())


@HOSTILE
@pytest.mark.parametrize("field", ["place", "plan_reference", "commune_opinion", "commune_refusal_reason"])
def test_minutes_details_with_hostile_text_are_refused(api, draft, bad, field):
    response = api.patch(f"/inspections/{draft}", json={field: bad})
    assert assert_vietnamese_error(response, 400)["errors"] == {field: "có ký tự không hợp lệ"}
    assert api.get(f"/inspections/{draft}").get_json()[field] in (None, "")


@HOSTILE
def test_notes_answers_and_captions_with_hostile_text_are_refused(api, draft, bad):
    assert_vietnamese_error(api.answer(draft, {}, notes={"TG-01": bad}), 400)
    assert_vietnamese_error(api.answer(draft, {"TG-04": bad}), 400)
    assert_vietnamese_error(api.answer(draft, {}, notes={bad: "ghi chú"}), 400)
    assert api.answer(draft, compliant_doc()["answers"]).status_code == 200  # the draft still works


@HOSTILE
def test_api_login_with_a_hostile_username_is_refused(hostile_app, bad):
    client = hostile_app.test_client()
    response = client.post(f"{URL}/login", json={"username": bad, "password": "x"})
    assert_vietnamese_error(response, 400)
    assert_vietnamese_error(client.post(f"{URL}/login", json={"username": "inspector", "password": bad}), 400)


# ---------------------------------------------------------------- forms and query strings


@pytest.mark.parametrize("raw", ["a%00b", "a%ED%A0%80b", "a%FFb"], ids=["nul", "surrogate-bytes", "not-utf8"])
def test_login_form_with_a_hostile_username_is_refused(hostile_app, raw):
    client = hostile_app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    response = client.post("/login", data=f"csrf_token={token}&username={raw}&password=x",
                           content_type="application/x-www-form-urlencoded")
    refused(response)


def test_minutes_details_form_with_nul_is_refused(api, draft):
    response = api.client.post(f"/inspections/{draft}/details", data={"place": NUL, "copies": "2"},
                               headers=api.headers(True))
    refused(response, 400)


@pytest.mark.parametrize("path", [
    "/api/v1/inspections?commune=%00", "/api/v1/inspections?q=a%00", "/api/v1/units?district=%00",
    "/api/v1/remediations?commune=%00", "/api/v1/checklists/papi%00", "/inspections?commune=%00",
    "/remediations?q=%00", "/audit?entity=%00", "/audit?user=%00", "/audit?id=%00",
    "/dashboard/commune/%00", "/dashboard/district/%00", "/dashboard?as_of=%00",
])
def test_nul_in_a_path_or_query_string_is_refused(admin, path):
    refused(admin.client.get(path), 400)


@pytest.mark.parametrize("environ", [
    {"PATH_INFO": "/dashboard/commune/\xff"}, {"PATH_INFO": "/api/v1/checklists/\xc3"},
    {"PATH_INFO": "/api/v1/inspections", "QUERY_STRING": "commune=%FF"},
], ids=["page-path", "api-path", "query"])
def test_bytes_that_are_not_utf8_are_refused(api, environ):
    """What a real server passes on (the test client would replace them before the app saw them)."""
    refused(api.client.get("/", environ_overrides=environ), 400)


@pytest.mark.parametrize("name", [b"\xff\xfe", b"\xed\xa0\x80", b"csrf_token\xff"])
@pytest.mark.parametrize("where", ["api-photo", "page-details", "page-login"])
def test_multipart_with_a_field_name_that_is_not_utf8_is_refused(api, draft, name, where):
    body = (b"--B\r\nContent-Disposition: form-data; name=\"" + name + b"\"\r\n\r\nv\r\n"
            b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nx\r\n--B--\r\n")
    url = {"api-photo": f"{URL}/inspections/{draft}/photos", "page-details": f"/inspections/{draft}/details",
           "page-login": "/login"}[where]
    client = api.app.test_client() if where == "page-login" else api.client  # logged in, /login redirects
    for headers in ({}, api.headers(True)):
        refused(client.post(url, data=body, content_type="multipart/form-data; boundary=B", headers=headers))


@pytest.mark.parametrize("url", ["/api/v1/inspections/1/photos", "/api/v1/remediations/1/evidence",
                                 "/inspections/1/details", "/login"])
@pytest.mark.parametrize("csrf", [True, False])
def test_multipart_field_without_a_readable_name_is_refused(api, draft, url, csrf):
    """Found by schemathesis: werkzeug names a field with an unterminated name="\\" None, and
    Flask-WTF's CSRF check then called None.endswith()."""
    body = (b'--B\r\nContent-Disposition: form-data; name="\\"\r\n\r\n{}\r\n'
            b'--B\r\nContent-Disposition: form-data; name="item"\r\n\r\nTG-01\r\n--B--\r\n')
    client = api.app.test_client() if url == "/login" else api.client
    response = client.post(url, data=body, content_type="multipart/form-data; boundary=B",
                           headers=api.headers(csrf))
    refused(response, 400)


def test_hostile_upload_file_name_is_refused(api, draft):
    response = api.post(f"/inspections/{draft}/photos", content_type="multipart/form-data",
                        data={"item": "TG-01", "file": (io.BytesIO(b"x"), "a\x00.jpg")})
    refused(response, 400)


# ---------------------------------------------------------------- numbers


@HUGE_IDS
def test_ids_beyond_the_database_integers_are_not_found(api, draft, huge):
    for path in (f"{URL}/inspections/{huge}", f"{URL}/inspections/{huge}/minutes.pdf",
                 f"/inspections/{draft}/photos/{huge}", f"{URL}/remediations/{huge}",
                 f"/inspections/{huge}", f"/inspections/{huge}/reinspect", f"/remediations/{huge}"):
        refused(api.client.get(path), 404)
    refused(api.put(f"/inspections/{huge}/answers", json={"answers": {}, "base_version": 1}), 404)
    refused(api.patch(f"/inspections/{draft}/photos/{huge}", json={"caption": "x"}), 404)
    refused(api.delete(f"/inspections/{draft}/photos/{huge}"), 404)
    refused(api.patch(f"/inspections/{huge}", json={"place": "Hội trường"}), 404)
    refused(api.post(f"/remediations/{huge}/verify", json={}), 404)


@HUGE_IDS
def test_reinspection_of_a_huge_id_is_refused(api, nothing_created, huge):
    response = api.post("/inspections", json={"inspection_date": "2021-09-15", "reinspection_of": huge})
    assert "reinspection_of" in assert_vietnamese_error(response, 422)["errors"]


def test_huge_base_version_is_a_conflict(api, draft):
    refused(api.answer(draft, {"TG-01": "yes"}, base_version=2**70), 409)


@pytest.mark.parametrize("path", [
    "/api/v1/checklists/papi-xa?version=%C2%B2", "/checklists/papi-xa?version=%C2%B2",
    "/audit?id=%C2%B2", "/audit?id=99999999999999999999", "/dashboard?year=%C2%B2%C2%B2%C2%B2%C2%B2",
])
def test_digits_that_are_not_ascii_or_too_long_are_refused_or_ignored(admin, path):
    """str.isdigit() accepts "²", which int() refuses: that was a 500."""
    response = admin.client.get(path)
    assert response.status_code < 500, response.status_code
    if response.status_code >= 400:
        refused(response)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("day", ["9999-12-31", "2100-01-01", "2020-06-10", "1900-01-01"])
def test_inspection_dates_outside_the_catalog_and_the_coming_year_are_refused(api, nothing_created, day):
    response = api.post("/inspections", json=NEW_INSPECTION | {"inspection_date": day, "client_id": None})
    errors = assert_vietnamese_error(response, 422)["errors"]
    assert set(errors) == {"inspection_date"}


def test_an_inspection_may_be_dated_up_to_a_year_ahead(hostile_app, api):
    last = today_in_vietnam() + dt.timedelta(days=366)
    code = "00004"  # Phường Ba Đình since 1/7/2025
    body = NEW_INSPECTION | {"inspection_date": last.isoformat(), "commune_code": code, "client_id": None}
    assert api.post("/inspections", json=body).status_code == 201
    later = body | {"inspection_date": (last + dt.timedelta(days=1)).isoformat()}
    assert "một năm sau hôm nay" in assert_vietnamese_error(api.post("/inspections", json=later), 422)[
        "errors"]["inspection_date"]


def test_the_new_inspection_page_refuses_9999_too(api, nothing_created):
    form = {"client_id": "trang-0001-abcdef", "checklist": "papi-xa", "district": "001", "commune": "00004",
            "villages": "3", "inspection_date": "31/12/9999", "team-0-name": "Trần Thị Bình",
            "team-0-position": "Chuyên viên", "team-0-role": "truong_doan"}
    response = api.client.post("/inspections/new", data=form, headers=api.headers(True))
    assert response.status_code == 422
    assert "Ngày kiểm tra phải từ 11/06/2020" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/dashboard?as_of=9999-12-31", "/dashboard?as_of=31/12/9999",
                                  "/dashboard/commune/00001?as_of=9999-12-31", "/dashboard?as_of=01/01/0001"])
def test_dashboard_as_of_far_away_is_422_with_todays_figures_and_a_warning(admin, path):
    response = admin.client.get(path)
    assert response.status_code == 422
    assert "đang hiển thị số liệu tính đến hôm nay" in response.get_data(as_text=True)


def test_a_body_above_the_limit_is_refused_as_documented(hostile_app, api):
    limit = hostile_app.config["MAX_CONTENT_LENGTH"]
    body = b'{"plan_reference": "' + b"x" * limit + b'"}'
    response = api.post("/inspections", data=body, content_type="application/json")
    assert_vietnamese_error(response, 413)
    document = api.get("/openapi.json").get_json()
    assert "413" in document["paths"]["/inspections"]["post"]["responses"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"400", "503"} <= set(operation["responses"]), (method, path)

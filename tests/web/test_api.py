"""The JSON API under /api/v1: sessions, CSRF, roles, the inspection workflow, and its OpenAPI document.

Most tests use the `app` fixture (SQLite, CSRF on as in production) through `Api`, a test client
that logs in through the API and sends the token it got back in X-CSRFToken; one round trip
runs on SQLite and PostgreSQL (`db_app`).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openapi_spec_validator
import pytest
from conftest import PASSWORD
from apiclient import NEW_INSPECTION, URL, VARIED, Api, assert_vietnamese_error, compliant_doc, jpeg
from openapi_schemas import DocumentedSchemas
from PIL import Image
from sqlalchemy import func, select

from inspect_app import evaluate
from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection, Photo
from inspect_app.services.inspections import LOCKED_MESSAGE

def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def required_codes(catalog, day: dt.date = dt.date(2020, 9, 15)) -> list[str]:
    return [code for code, item in catalog.checklist_for("papi-xa", day).on(day).items.items() if item.required]


# ---------------------------------------------------------------- login, session, CSRF


def test_login_opens_a_session_with_user_role_and_csrf_token(app):
    api = Api(app)
    response = api.client.post(f"{URL}/login", json={"username": " Inspector ", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == "inspector" and body["user"]["username"] == "inspector"
    assert body["user"]["team"] == "Đoàn kiểm tra số 1 - Sở Nội vụ"
    assert len(body["csrf_token"]) > 20
    assert "session=" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    session = api.get("/session")
    assert session.status_code == 200
    assert session.get_json()["user"] == body["user"] and session.get_json()["csrf_token"]


def test_login_refuses_a_wrong_password_or_unknown_user_alike(app):
    api = Api(app)
    wrong = api.client.post(f"{URL}/login", json={"username": "inspector", "password": "sai-mat-khau"})
    unknown = api.client.post(f"{URL}/login", json={"username": "khong-co-ai", "password": PASSWORD})
    for response in (wrong, unknown):
        assert assert_vietnamese_error(response, 401)["error"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert api.get("/session").status_code == 401


@pytest.mark.parametrize("kwargs, status", [
    ({"data": "username=inspector&password=x", "content_type": "application/x-www-form-urlencoded"}, 400),
    ({"data": "{not json", "content_type": "application/json"}, 400),
    ({"data": "null", "content_type": "application/json"}, 400),
    ({"json": ["inspector", PASSWORD]}, 422),
    ({"json": {"username": 5, "password": PASSWORD}}, 422),
    ({"json": {"username": "inspector", "password": None}}, 422),
    ({"json": {"username": "inspector" * 10, "password": PASSWORD}}, 422),
])
def test_login_rejects_bodies_that_are_not_credentials(app, kwargs, status):
    body = assert_vietnamese_error(Api(app).client.post(f"{URL}/login", **kwargs), status)
    if status == 422:
        assert body["errors"]


def test_logout_needs_the_csrf_token_and_ends_the_session(app):
    api = Api(app, "inspector")
    assert_vietnamese_error(api.post("/logout", csrf=False), 400)
    assert api.get("/session").status_code == 200
    assert api.post("/logout").status_code == 204
    assert api.get("/session").status_code == 401
    assert api.get("/inspections").status_code == 401


def protected_routes(app):
    """Every (method, path) registered under /api/v1 except login and the OpenAPI document."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(URL + "/") or rule.endpoint in ("api.login", "api.openapi"):
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        path = re.sub(r"<(?:\w+:)?\w+>", "papi-xa", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def test_every_protected_endpoint_answers_401_when_logged_out(app):
    api = Api(app, "admin")
    api.create()
    assert api.post("/logout").status_code == 204  # the session keeps its CSRF token: CSRF passes, login fails
    routes = list(protected_routes(app))
    assert len(routes) >= 12  # the derivation above really found the endpoints
    for method, path in routes:
        response = api.client.open(path, method=method, json={}, headers=api.headers(True))
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.get_json() == {"error": "Vui lòng đăng nhập."}


def test_a_mutation_without_the_csrf_header_is_refused(app):
    api = Api(app, "inspector")
    inspection = api.create()
    body = {"answers": {"TG-01": "no"}, "base_version": 1}
    missing = api.put(f"/inspections/{inspection}/answers", csrf=False, json=body)
    assert "CSRF" in assert_vietnamese_error(missing, 400)["error"]
    forged = api.put(f"/inspections/{inspection}/answers", csrf=False, json=body,
                     headers={"X-CSRFToken": api.token[:-4] + "abcd"})
    assert_vietnamese_error(forged, 400)
    assert api.get(f"/inspections/{inspection}").get_json()["answers"] == {}
    ok = api.put(f"/inspections/{inspection}/answers", json=body)
    assert ok.status_code == 200 and ok.get_json()["version"] == 2
    other = Api(app, "admin")  # a token belongs to its session
    assert api.put(f"/inspections/{inspection}/answers", csrf=False, json=body | {"base_version": 2},
                   headers={"X-CSRFToken": other.token}).status_code == 400


# ---------------------------------------------------------------- catalog and units


def test_checklists_list_and_detail_follow_the_catalog(app, catalog):
    api = Api(app, "commune-phucxa")
    listed = api.get("/checklists").get_json()["checklists"]
    assert [(c["version"], c["effective_from"], c["effective_to"]) for c in listed] == [
        (1, "2020-06-11", "2025-06-30"), (2, "2025-07-01", None)]
    assert listed[1]["basis"][0] == {"instrument": "kh-179-2021", "text": "Kế hoạch số 179/KH-UBND ngày 04/8/2021 của "
                                     "UBND Thành phố", "effective_from": "2021-08-04", "effective_to": "2025-12-31",
                                     "verified": True}
    detail = api.get("/checklists/papi-xa").get_json()  # the version in force today, its items of today
    assert detail["version"] == 2 and "không phải điểm PAPI" in detail["scoring"]["explanation"]
    assert [s["code"] for s in detail["sections"]] == ["TG", "CK", "GT", "TN", "TT", "DV", "MT", "DT"]
    items = {i["code"]: i for s in detail["sections"] for i in s["items"]}
    today = today_in_vietnam()
    expected = catalog.checklist_for("papi-xa", today).on(today).items
    assert list(items) == list(expected)
    for code, item in expected.items():
        got = items[code]
        assert (got["question"], got["type"], got["na_allowed"], got["required"], got["evidence"], got["guidance"],
                got["min"], got["max"], got["unit"], got["input_only"]) == \
               (item.question, item.type, item.na_allowed, item.required, item.evidence, item.guidance,
                item.min, item.max, item.unit, item.input_only)
    assert [c["value"] for c in items["CK-01"]["choices"]] == ["tot", "cu_nat", "khong_co"]
    assert [c for c, i in items.items() if not i["required"]] == ["CK-07", "CK-14"]
    assert [c for c, i in items.items() if i["evidence"]] == ["CK-01", "CK-02", "CK-03", "GT-03", "GT-04"]
    assert [c for c, i in items.items() if i["input_only"]] == ["CK-06", "TT-02", "TT-06", "DT-02"]
    assert "CK-12" not in items and "CK-16" in items and items["DT-05"]["effective_from"] == "2026-07-01"
    assert api.get(f"/checklists/papi-xa?date={today.isoformat()}").get_json() == detail
    whole = api.get("/checklists/papi-xa?version=2").get_json()  # the version in full: items of every day
    ended = {i["code"]: i["effective_to"] for s in whole["sections"] for i in s["items"] if i["effective_to"]}
    assert ended == {"TG-04": "2025-12-31", "CK-05": "2025-12-31", "CK-08": "2026-03-31", "GT-01": "2025-12-31",
                     "GT-02": "2025-12-31", "DV-01": "2025-12-31", "DV-05": "2025-12-31", "DT-03": "2025-12-31",
                     "DT-04": "2025-12-31"}
    assert api.get("/checklists/papi-xa?version=1").get_json() == api.get("/checklists/papi-xa?date=2021-05-01").get_json()
    assert_vietnamese_error(api.get("/checklists/papi-xa?date=2020-06-10"), 404)
    assert_vietnamese_error(api.get("/checklists/papi-xa?version=9"), 404)
    assert_vietnamese_error(api.get("/checklists/khong-co"), 404)
    assert api.get("/checklists/papi-xa?version=abc").status_code == 422


def test_units_as_they_were_on_a_date(app):
    api = Api(app, "inspector")
    both = api.get("/units?date=2020-09-15").get_json()
    assert [d["code"] for d in both["districts"]] == ["001", "002"]
    assert len(both["communes"]) == 30
    assert both["communes"][0] == {"code": "00001", "name": "Phường Phúc Xá", "kind": "phuong",
                                   "district_code": "001"}
    badinh = api.get("/units?district=001&date=2020-09-15").get_json()
    assert "districts" not in badinh and len(badinh["communes"]) == 14
    assert {c["district_code"] for c in badinh["communes"]} == {"001"}
    after = api.get("/units?date=2025-09-15").get_json()  # the 2025 reform: merged communes, the department's groups
    assert [(d["code"], d["name"], d["kind"]) for d in after["districts"]] == [
        ("001", "Cụm Ba Đình", "cum"), ("002", "Cụm Hoàn Kiếm", "cum"), ("006", "Cụm Đống Đa", "cum")]
    assert [c["code"] for c in after["communes"]] == ["00004", "00008", "00025", "00070", "00097", "00190", "00226"]
    grouped = api.get("/units?district=001&date=2025-09-15").get_json()
    assert [c["name"] for c in grouped["communes"]] == ["Phường Ba Đình", "Phường Ngọc Hà", "Phường Giảng Võ"]
    today = api.get("/units").get_json()
    assert today["date"] == today_in_vietnam().isoformat()  # Hà Nội's date, not the server's zone
    assert_vietnamese_error(api.get("/units?district=003&date=2025-09-15"), 404)
    assert "date" in assert_vietnamese_error(api.get("/units?date=15/09/2020"), 422)["errors"]


# ---------------------------------------------------------------- creating and listing inspections


def test_create_is_idempotent_by_client_id(app):
    api = Api(app, "inspector")
    first = api.post("/inspections", json=NEW_INSPECTION)
    again = api.post("/inspections", json=NEW_INSPECTION | {"villages": 99})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json() == {"id": first.get_json()["id"], "status": "draft", "version": 1}
    assert first.headers["Location"].endswith(f"{URL}/inspections/{first.get_json()['id']}")
    assert count(app, Inspection) == 1
    detail = api.get(f"/inspections/{first.get_json()['id']}").get_json()
    assert (detail["villages"], detail["commune_name"], detail["district_name"]) == (12, "Phường Phúc Xá",
                                                                                    "Quận Ba Đình")
    assert detail["team"] == NEW_INSPECTION["team"] and detail["commune_reps"] == NEW_INSPECTION["commune_reps"]
    assert len(detail["missing"]) == len(required_codes(app.extensions["catalog"].loaded))


def test_create_reports_each_invalid_field(app):
    api = Api(app, "inspector")
    response = api.post("/inspections", json=NEW_INSPECTION | {
        "inspection_date": "2020-02-30", "villages": "12", "commune_code": 1,
        "team": [{"name": "", "position": "Chuyên viên", "role": "truong_doan"}]})
    errors = assert_vietnamese_error(response, 422)["errors"]
    assert set(errors) == {"inspection_date", "villages", "commune_code", "team[0].name"}
    short = api.post("/inspections", json=NEW_INSPECTION | {"client_id": "abc"})
    assert set(assert_vietnamese_error(short, 422)["errors"]) == {"client_id"}
    member = {"name": "Lê Văn Cường", "position": "Chuyên viên", "role": "thanh_vien"}
    for team in ([], [member], [member | {"role": "truong_doan"}] * 2):  # the minutes need one head to sign
        headless = api.post("/inspections", json=NEW_INSPECTION | {"team": team})
        assert assert_vietnamese_error(headless, 422)["errors"] == {
            "team": "đoàn kiểm tra cần đúng một trưởng đoàn (họ tên, chức vụ)"}
    assert count(app, Inspection) == 0


def test_list_is_scoped_and_filtered(app):
    inspector, admin = Api(app, "inspector"), Api(app, "admin")
    mine = inspector.create()
    other = admin.create(client_id="tablet-admin-0002", commune_code="00037")

    def ids(api, query=""):
        return [i["id"] for i in api.get(f"/inspections{query}").get_json()["inspections"]]

    assert ids(inspector) == [mine]
    assert ids(admin) == [other, mine]  # same date: newest id first
    assert ids(admin, "?mine=1") == [other]
    assert ids(admin, "?commune=00001") == [mine]
    assert ids(admin, "?status=finalised") == []
    assert ids(Api(app, "district-hoankiem")) == [other]
    assert ids(Api(app, "commune-phucxa")) == []  # drafts are not shown to the commune
    assert "status" in assert_vietnamese_error(admin.get("/inspections?status=xong"), 422)["errors"]
    summary = admin.get("/inspections?commune=00001").get_json()["inspections"][0]
    assert summary["commune_name"] == "Phường Phúc Xá" and summary["total_score"] is None


def test_list_pages_and_searches_without_diacritics(app):
    admin = Api(app, "admin")
    phucxa = admin.create()
    phuctan = admin.create(client_id="tablet-admin-0002", commune_code="00037")
    dien_bien = admin.create(client_id="tablet-admin-0003", commune_code="00019")

    def listed(query=""):
        response = admin.get(f"/inspections{query}")
        assert response.status_code == 200
        return response.get_json()

    first = listed()
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (3, 1, 50, 1)
    assert [i["id"] for i in listed("?q=phuc%20xa")["inspections"]] == [phucxa]
    assert [i["id"] for i in listed("?q=Ph%C3%BAc%20X%C3%A1")["inspections"]] == [phucxa]  # "Phúc Xá"
    assert [i["id"] for i in listed("?q=%C4%91i%E1%BB%87n")["inspections"]] == [dien_bien]  # "điện"
    assert {i["id"] for i in listed("?q=dinh")["inspections"]} == {phucxa, dien_bien}  # Quận Ba Đình
    assert listed("?q=phuc&commune=00037")["inspections"][0]["id"] == phuctan  # search and filters together
    second = listed("?per_page=2&page=2")
    assert (second["total"], second["pages"], len(second["inspections"])) == (3, 2, 1)
    beyond = listed("?per_page=2&page=7")
    assert (beyond["total"], beyond["pages"], beyond["page"], beyond["inspections"]) == (3, 2, 7, [])
    for query, field in (("?page=0", "page"), ("?page=abc", "page"), ("?page=-2", "page"),
                         ("?per_page=0", "per_page"), ("?per_page=1000", "per_page")):
        error = assert_vietnamese_error(admin.get(f"/inspections{query}"), 400)
        assert set(error["errors"]) == {field} and error["error"] == "Tham số phân trang không hợp lệ."
    assert "q" in assert_vietnamese_error(admin.get(f"/inspections?q={'a' * 101}"), 422)["errors"]


# ---------------------------------------------------------------- answers


def test_stale_base_version_gets_409_with_the_current_answers(app):
    first, second = Api(app, "inspector"), Api(app, "admin")
    inspection = first.create()
    saved = first.answer(inspection, {"TG-01": "no"}, 1, notes={"TG-01": "Loa hỏng từ tháng 8"})
    assert saved.status_code == 200
    assert saved.get_json()["version"] == 2
    assert [f["code"] for f in saved.get_json()["findings"]] == ["TG-01", "CK-08"]
    stale = second.answer(inspection, {"TG-01": "yes"}, 1)
    body = assert_vietnamese_error(stale, 409)
    assert body["version"] == 2
    assert body["answers"] == {"TG-01": "no"} and body["notes"] == {"TG-01": "Loa hỏng từ tháng 8"}
    assert second.answer(inspection, {"TG-01": "yes"}, 2).get_json()["version"] == 3


def test_invalid_answers_get_422_per_item_code_and_nothing_is_saved(app):
    api = Api(app, "inspector")
    inspection = api.create()
    response = api.answer(inspection, {
        "TG-01": "na", "TG-02": -1, "TG-03": 2.5, "GT-09": 87.55, "CK-06": "05/01/2020", "CK-01": "dep",
        "TG-04": "Có", "ZZ-99": 1, "TG-05": 12}, 1, notes={"TG-06": 42})
    errors = assert_vietnamese_error(response, 422)["errors"]
    assert errors == {
        "TG-01": 'không được chọn "Không áp dụng" cho tiêu chí này',
        "TG-02": "cần số nguyên ≥ 0 (nhận được: -1)",
        "TG-03": "cần một số nguyên (nhận được: 2.5)",
        "GT-09": "tỷ lệ chỉ được có một chữ số thập phân (nhận được: 87.55)",
        "CK-06": 'ngày không hợp lệ, cần dạng YYYY-MM-DD (nhận được: "05/01/2020")',
        "CK-01": 'cần một trong các giá trị "tot", "cu_nat", "khong_co" (nhận được: "dep")',
        "TG-04": 'cần một trong các giá trị "yes", "no" (nhận được: "Có")',
        "ZZ-99": "mã tiêu chí không có trong checklist",
        "TG-06": "ghi chú phải là văn bản, tối đa 4000 ký tự",
    }
    detail = api.get(f"/inspections/{inspection}").get_json()
    assert (detail["answers"], detail["version"]) == ({}, 1)  # TG-05 was valid but the batch is all or nothing


@pytest.mark.parametrize("kwargs, status", [
    ({"data": "answers=1", "content_type": "application/x-www-form-urlencoded"}, 400),
    ({"data": '{"answers": {"TG-01": "yes"}, "base_version": 1', "content_type": "application/json"}, 400),
    ({"data": "[" * 100_000 + "]" * 100_000, "content_type": "application/json"}, 400),
    ({"data": '{"answers": {}, "base_version": ' + "9" * 5000 + "}", "content_type": "application/json"}, 400),
    ({"json": [{"TG-01": "yes"}]}, 422),
    ({"json": {"answers": {"TG-01": "yes"}}}, 422),
    ({"json": {"answers": {"TG-01": "yes"}, "base_version": "1"}}, 422),
    ({"json": {"answers": {"TG-01": "yes"}, "base_version": True}}, 422),
    ({"json": {"answers": ["TG-01", "yes"], "base_version": 1}}, 422),
    ({"json": {"answers": "TG-01=yes", "base_version": 1}}, 422),
    ({"json": {"answers": {"TG-01": {"value": "yes"}, "TG-02": [4]}, "base_version": 1}}, 422),
    ({"data": '{"answers": {"GT-09": NaN}, "base_version": 1}', "content_type": "application/json"}, 422),
    ({"json": {"notes": "ghi chú", "base_version": 1}}, 422),
])
def test_malformed_answer_bodies_get_400_or_422_never_500(app, kwargs, status):
    api = Api(app, "inspector")
    inspection = api.create()
    assert_vietnamese_error(api.put(f"/inspections/{inspection}/answers", **kwargs), status)
    assert api.get(f"/inspections/{inspection}").get_json()["version"] == 1


@pytest.mark.parametrize("path", ["/inspections", "/login"])
def test_other_json_endpoints_refuse_malformed_bodies(app, path):
    api = Api(app, "inspector")
    assert_vietnamese_error(api.post(path, data="{", content_type="application/json"), 400)
    assert_vietnamese_error(api.post(path, data="x", content_type="text/plain"), 400)
    assert_vietnamese_error(api.post(path, json="chuỗi"), 422)
    assert count(app, Inspection) == 0


# ---------------------------------------------------------------- photos


def test_a_large_photo_is_stored_downscaled(app):
    api = Api(app, "inspector")
    inspection = api.create()
    response = api.photo(inspection, "CK-01", jpeg(4000, 3000), "IMG_0001.JPG")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["item"], body["width"], body["height"], body["version"]) == ("CK-01", 1600, 1200, 2)
    with app.app_context():
        stored = db.session.get(Photo, body["id"])
        assert stored.original_name == "IMG_0001.JPG"
        path = Path(app.config["PHOTO_DIR"]) / stored.stored_name
    with Image.open(path) as saved:
        assert saved.format == "JPEG" and saved.size == (1600, 1200)
    detail = api.get(f"/inspections/{inspection}").get_json()
    assert [{key: photo[key] for key in ("id", "item", "width", "height", "caption", "taken_at_source", "location")}
            for photo in detail["photos"]] == [{"id": body["id"], "item": "CK-01", "width": 1600, "height": 1200,
                                                "caption": "", "taken_at_source": "upload", "location": None}]
    assert detail["version"] == 2  # a photo changes the inspection: the tablet must use the new version


def test_uploads_that_are_not_photos_of_an_item_get_422(app):
    api = Api(app, "inspector")
    inspection = api.create()
    fake = api.photo(inspection, "CK-01", "Đây không phải ảnh\n".encode() * 50, "anh-gia.jpg")
    assert assert_vietnamese_error(fake, 422)["error"] == "Tệp tải lên không phải là ảnh hợp lệ."
    assert "item" in assert_vietnamese_error(api.photo(inspection, "ZZ-99", jpeg()), 422)["errors"]
    no_file = api.post(f"/inspections/{inspection}/photos", data={"item": "CK-01"},
                       content_type="multipart/form-data")
    assert "file" in assert_vietnamese_error(no_file, 422)["errors"]
    assert_vietnamese_error(api.photo(inspection, "CK-01", b""), 422)
    assert count(app, Photo) == 0
    assert not Path(app.config["PHOTO_DIR"]).exists() or not any(Path(app.config["PHOTO_DIR"]).iterdir())


# ---------------------------------------------------------------- finalising


def test_finalize_lists_missing_codes_then_matches_the_evaluation_contract(app, catalog):
    api = Api(app, "inspector")
    inspection = api.create()
    missing = api.post(f"/inspections/{inspection}/finalize")
    body = assert_vietnamese_error(missing, 422)
    assert body["missing"] == required_codes(catalog) and "CK-07" not in body["missing"]
    assert body["errors"] == {code: "chưa trả lời" for code in body["missing"]} | {
        "start_time": "chưa nhập giờ bắt đầu", "end_time": "chưa nhập giờ kết thúc", "place": "chưa nhập địa điểm"}
    assert body["error"] == ("Chưa thể hoàn tất: còn tiêu chí bắt buộc chưa trả lời; thông tin biên bản chưa đủ "
                             "(giờ bắt đầu, giờ kết thúc, địa điểm).")

    answers = compliant_doc()["answers"] | VARIED
    assert api.answer(inspection, answers).status_code == 200
    for item in ("CK-01", "CK-01", "CK-02"):
        assert api.photo(inspection, item, jpeg()).status_code == 201
    done = api.finalize(inspection)
    assert done.status_code == 200, done.get_json()
    result = done.get_json()

    expected = evaluate(compliant_doc() | {"answers": answers, "evidence": {"CK-01": 2, "CK-02": 1}}, catalog)
    assert expected["missing"] == []
    assert [f["code"] for f in expected["findings"]] == ["TG-02", "CK-05", "GT-03", "DV-03", "J-01", "E-01",
                                                         "E-01"]
    assert [f.pop("deadline_provisional") for f in result["findings"]] == [False] * 7  # deadlines of 2020
    assert result["findings"] == expected["findings"]
    assert result["scores"] == expected["scores"]
    assert result["status"] == "finalised" and re.fullmatch(r"[0-9a-f]{64}", result["minutes_sha256"])

    detail = api.get(f"/inspections/{inspection}").get_json()
    assert {f.pop("deadline_provisional") for f in detail["findings"]} == {False}
    assert (detail["findings"], detail["scores"], detail["status"]) == (expected["findings"], expected["scores"],
                                                                       "finalised")
    assert detail["total_score"] == expected["scores"]["total"]

    locked = api.answer(inspection, {"TG-01": "no"}, detail["version"])
    assert assert_vietnamese_error(locked, 409) == {"error": LOCKED_MESSAGE, "status": "finalised"}
    assert assert_vietnamese_error(api.photo(inspection, "CK-03", jpeg()), 409)["error"] == LOCKED_MESSAGE
    assert assert_vietnamese_error(api.post(f"/inspections/{inspection}/finalize"), 409)["error"] == LOCKED_MESSAGE
    assert api.get(f"/inspections/{inspection}").get_json()["answers"]["TG-01"] == "yes"


def test_roles_decide_who_sees_and_changes_an_inspection(app):
    inspector = Api(app, "inspector")
    inspection = inspector.create()
    path = f"/inspections/{inspection}"
    district_badinh, district_hoankiem = Api(app, "district-badinh"), Api(app, "district-hoankiem")
    commune, loner = Api(app, "commune-phucxa"), Api(app, "inspector2")

    assert district_badinh.get(path).status_code == 200
    assert_vietnamese_error(district_hoankiem.get(path), 403)
    assert_vietnamese_error(district_hoankiem.answer(inspection, {"TG-01": "yes"}, 1), 403)
    assert_vietnamese_error(loner.get(path), 403)
    assert_vietnamese_error(loner.post(f"{path}/finalize"), 403)
    assert_vietnamese_error(commune.get(path), 403)
    assert_vietnamese_error(commune.post("/inspections", json=NEW_INSPECTION | {"client_id": "commune-000001"}), 403)
    assert_vietnamese_error(Api(app, "inspector2").post("/inspections", json=NEW_INSPECTION), 403)  # not theirs
    assert_vietnamese_error(inspector.get("/inspections/999999"), 404)

    assert district_badinh.answer(inspection, compliant_doc()["answers"], 1).status_code == 200
    assert inspector.finalize(inspection).status_code == 200
    seen = commune.get(path)
    assert seen.status_code == 200 and seen.get_json()["status"] == "finalised"
    assert [i["id"] for i in commune.get("/inspections").get_json()["inspections"]] == [inspection]
    assert_vietnamese_error(commune.post(f"{path}/revise"), 403)  # the commune reads, never edits
    assert_vietnamese_error(loner.get(path), 403)
    assert_vietnamese_error(district_hoankiem.get(path), 403)


def test_revise_opens_a_draft_that_replaces_the_finalised_one(app):
    api = Api(app, "inspector")
    inspection = api.create()
    assert_vietnamese_error(api.post(f"/inspections/{inspection}/revise"), 409)  # a draft is edited, not revised
    api.answer(inspection, compliant_doc()["answers"])
    assert api.finalize(inspection).status_code == 200
    response = api.post(f"/inspections/{inspection}/revise")
    assert response.status_code == 201
    revision = response.get_json()
    assert (revision["replaces"], revision["revision"], revision["status"]) == (inspection, 2, "draft")
    assert revision["id"] != inspection and response.headers["Location"].endswith(f"/inspections/{revision['id']}")
    assert api.get(f"/inspections/{revision['id']}").get_json()["answers"] == compliant_doc()["answers"]
    assert api.post(f"/inspections/{inspection}/revise").get_json()["id"] == revision["id"]  # one pending draft
    assert api.answer(revision["id"], {"TG-01": "no"}).status_code == 200
    assert api.finalize(revision['id']).status_code == 200
    statuses = {i["id"]: i["status"] for i in api.get("/inspections").get_json()["inspections"]}
    assert statuses == {inspection: "superseded", revision["id"]: "finalised"}


def test_create_answer_finalize_round_trip_on_both_databases(db_app, catalog):
    api = Api(db_app, "inspector")
    created = api.post("/inspections", json=NEW_INSPECTION)
    assert created.status_code == 201
    inspection = created.get_json()["id"]
    assert api.post("/inspections", json=NEW_INSPECTION).get_json()["id"] == inspection
    assert count(db_app, Inspection) == 1
    answers = compliant_doc()["answers"] | VARIED | {"CK-07": None, "TG-06": "na"}
    saved = api.answer(inspection, answers, 1, notes={"GT-03": "Chưa niêm yết lịch tiếp công dân"})
    assert saved.status_code == 200
    assert api.answer(inspection, {"TG-01": "no"}, 1).status_code == 409
    assert api.photo(inspection, "CK-02", jpeg()).status_code == 201
    done = api.finalize(inspection).get_json()
    answered = {code: value for code, value in answers.items() if value is not None}
    expected = evaluate(compliant_doc() | {"answers": answered, "evidence": {"CK-02": 1}}, catalog)
    assert {f.pop("deadline_provisional") for f in done["findings"]} == {False}
    assert (done["findings"], done["scores"]) == (expected["findings"], expected["scores"])
    assert "CK-07" in [f["code"] for f in expected["findings"]]  # not disclosed by the inspection date
    detail = api.get(f"/inspections/{inspection}").get_json()
    assert detail["notes"] == {"GT-03": "Chưa niêm yết lịch tiếp công dân"}
    assert detail["answers"] == answered and detail["scores"] == expected["scores"]
    assert api.answer(inspection, {"TG-01": "no"}, detail["version"]).status_code == 409


# ---------------------------------------------------------------- the OpenAPI document


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix(URL))


def test_openapi_document_is_public_and_lists_exactly_the_registered_routes(app):
    response = app.test_client().get(f"{URL}/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": URL}]
    registered = {(openapi_path(rule.rule), method.lower()) for rule in app.url_map.iter_rules()
                  if rule.rule.startswith(URL + "/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert registered == documented
    schemes = doc["components"]["securitySchemes"]
    assert schemes["cookieSession"] == schemes["cookieSession"] | {"type": "apiKey", "in": "cookie",
                                                                   "name": app.config["SESSION_COOKIE_NAME"]}
    assert schemes["csrfToken"] == schemes["csrfToken"] | {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    for path, method in documented:
        operation = doc["paths"][path][method]
        public = path in ("/login", "/openapi.json")
        if public:
            assert operation["security"] == []
        elif method == "get":
            assert operation["security"] == [{"cookieSession": []}]
        else:
            assert operation["security"] == [{"cookieSession": [], "csrfToken": []}], path
            assert "400" in operation["responses"]
        if not public:
            assert "401" in operation["responses"], (path, method)
        for status, described in operation["responses"].items():
            if status >= "400":
                assert described["content"]["application/json"]["schema"]["$ref"].startswith(
                    "#/components/schemas/"), (path, method, status)
    assert doc["components"]["schemas"]["AnswerValue"]["type"] == ["string", "number", "null"]
    assert doc["components"]["schemas"]["Error"]["required"] == ["error"]


def test_openapi_document_passes_the_validator(app):
    openapi_spec_validator.validate(app.test_client().get(f"{URL}/openapi.json").get_json())


def test_real_responses_match_the_documented_schemas(app):
    api = Api(app)
    schemas = DocumentedSchemas(app.test_client().get(f"{URL}/openapi.json").get_json())
    check = schemas.check
    check(api.client.post(f"{URL}/login", json={"username": "inspector", "password": "sai"}), "/login", "post")
    check(api.client.post(f"{URL}/login", json={"username": 1}), "/login", "post")
    check(api.get("/session"), "/session", "get")
    check(api.login("inspector"), "/login", "post")
    check(api.get("/session"), "/session", "get")
    check(api.get("/checklists"), "/checklists", "get")
    check(api.get("/checklists/papi-xa"), "/checklists/{checklist_id}", "get")
    check(api.get("/checklists/khong-co"), "/checklists/{checklist_id}", "get")
    check(api.get("/units?date=2020-09-15"), "/units", "get")
    check(api.get("/units?district=002&date=2020-09-15"), "/units", "get")
    check(api.get("/units?date=2025-09-15"), "/units", "get")
    check(api.get("/units?date=hôm-nay"), "/units", "get")
    created = api.post("/inspections", json=NEW_INSPECTION)
    check(created, "/inspections", "post")
    check(api.post("/inspections", json=NEW_INSPECTION), "/inspections", "post")
    check(api.post("/inspections", json={"villages": 0}), "/inspections", "post")
    inspection = created.get_json()["id"]
    item = "/inspections/{inspection_id}"
    check(api.get(f"/inspections/{inspection}"), item, "get")
    check(api.post(f"/inspections/{inspection}/finalize"), f"{item}/finalize", "post")
    check(api.answer(inspection, compliant_doc()["answers"] | VARIED | {"CK-07": None}, 1,
                     notes={"TG-02": "Chỉ có 3 tin"}), f"{item}/answers", "put")
    check(api.answer(inspection, {"TG-01": "no"}, 1), f"{item}/answers", "put")
    check(api.answer(inspection, {"TG-01": 1}, 2), f"{item}/answers", "put")
    check(api.put(f"/inspections/{inspection}/answers", csrf=False, json={"base_version": 2}), f"{item}/answers",
          "put")
    uploaded = api.photo(inspection, "CK-01", jpeg())
    check(uploaded, f"{item}/photos", "post")
    check(api.photo(inspection, "CK-01", b"not an image"), f"{item}/photos", "post")
    photo, spare = f"{item}/photos/{{photo_id}}", api.photo(inspection, "CK-01", jpeg()).get_json()["id"]
    check(api.caption(inspection, uploaded.get_json()["id"], "Bảng tin"), photo, "patch")
    check(api.caption(inspection, uploaded.get_json()["id"], "x" * 301), photo, "patch")
    check(api.delete_photo(inspection, spare), photo, "delete")
    check(api.delete_photo(inspection, spare), photo, "delete")
    check(api.get(f"/inspections/{inspection}"), item, "get")
    check(api.get("/inspections"), "/inspections", "get")
    check(api.get("/inspections?q=phuc%20xa&per_page=1&page=3"), "/inspections", "get")
    check(api.get("/inspections?page=0"), "/inspections", "get")
    check(api.finalize(inspection), f"{item}/finalize", "post")
    check(api.get(f"/inspections/{inspection}"), item, "get")
    check(api.answer(inspection, {"TG-01": "no"}, 4), f"{item}/answers", "put")
    check(Api(app, "district-hoankiem").get(f"/inspections/{inspection}"), item, "get")
    check(api.post(f"/inspections/{inspection}/revise"), f"{item}/revise", "post")
    check(api.get("/inspections/424242"), item, "get")
    check(api.post("/logout"), "/logout", "post")
    check(api.get("/inspections"), "/inspections", "get")

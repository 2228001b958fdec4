"""Remediation follow-up over HTTP: the JSON API (CSRF, 401/403/409/422), the pages, the evidence files, Excel.

Uses the `app` fixture (SQLite, CSRF on as in production). Finalised inspections are made through
the service layer; the API is driven by `Api` (the shared client of apiclient.py: it logs in through the API
and sends X-CSRFToken), the pages by logging in through the /login form.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from html.parser import HTMLParser

import pytest
from conftest import DATA, PASSWORD, finalize_with_details, tiny_pdf
from apiclient import URL, assert_vietnamese_error
from apiclient import Api as BaseApi
from openapi_schemas import DocumentedSchemas
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, MinutesDocument, RemediationAction, RemediationEvidence, User
from inspect_app.services import inspections as inspection_service

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
VIOLATIONS = {"TG-01": "no", "GT-03": "khong", "CK-05": "no", "TG-02": 3, "DV-03": 80.5}
HOSTILE = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
SEEN = {"confirm": True, "comment": "Đã xem ảnh lịch tiếp công dân niêm yết tại trụ sở"}


class Api(BaseApi):
    """The shared API client, with the remediation evidence upload."""

    def evidence(self, action_id: int, note: str | None = None, file: tuple[bytes, str] | None = None,
                 csrf: bool = True):
        data = {} if note is None else {"note": note}
        if file:
            data["file"] = (io.BytesIO(file[0]), file[1])
        return self.post(f"/remediations/{action_id}/evidence", csrf=csrf, data=data,
                         content_type="multipart/form-data")


def token_of(response) -> str:
    return TOKEN.search(response.get_data(as_text=True)).group(1)


def page_client(app, username: str):
    """A browser-like client logged in through the /login form."""
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": token_of(page), "username": username,
                                           "password": PASSWORD})
    assert response.status_code == 302
    return client


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def finalised(app, actor="inspector", commune="00001", client_id="tablet-rem-000001", answers=None,
              day="2020-09-15") -> int:
    answers = json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"] | (
        VIOLATIONS if answers is None else answers)
    catalog = app.extensions["catalog"].loaded
    with app.app_context():
        inspection, _ = inspection_service.create_inspection(db.session, catalog, user(actor), {
            "client_id": client_id, "checklist": "papi-xa", "commune_code": commune,
            "inspection_date": day, "villages": 12,
            "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
        inspection_service.save_answers(db.session, catalog, user(actor), inspection.id, answers, {},
                                        inspection.version)
        finalize_with_details(db.session, catalog, user(actor), inspection.id)
        return inspection.id


def action_id(app, inspection_id: int, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(RemediationAction.id).join(RemediationAction.finding).where(
            RemediationAction.inspection_id == inspection_id, RemediationAction.finding.has(code=code)))


def jpeg(width=900, height=600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def setup(app):
    """Phúc Xá (Ba Đình) inspected by the team, and Phúc Tân (Hoàn Kiếm) by the administrator."""
    return finalised(app), finalised(app, actor="admin", commune="00037", client_id="tablet-rem-000002",
                                     answers={"TG-01": "no"})


# ---------------------------------------------------------------- JSON API


def test_api_needs_a_login_and_a_csrf_token(app, setup):
    phucxa, _ = setup
    gt03 = action_id(app, phucxa, "GT-03")
    anonymous = app.test_client()
    for method, path in (("get", "/remediations"), ("get", f"/remediations/{gt03}"),
                         ("post", f"/remediations/{gt03}/verify"), ("post", f"/remediations/{gt03}/reopen")):
        response = anonymous.open(URL + path, method=method.upper())
        assert response.status_code in (400, 401), (path, response.status_code)  # CSRF or login, never data
        assert "remediations" not in (response.get_json() or {})
    commune = Api(app, "commune-phucxa")
    assert commune.post("/logout").status_code == 204
    assert commune.get("/remediations").status_code == 401
    assert commune.evidence(gt03, "Đã niêm yết").get_json() == {"error": "Vui lòng đăng nhập."}
    commune.login("commune-phucxa")
    missing = commune.evidence(gt03, "Đã niêm yết", csrf=False)
    assert "CSRF" in assert_vietnamese_error(missing, 400)["error"]
    forged = commune.post(f"/remediations/{gt03}/evidence", csrf=False, data={"note": "x"},
                          headers={"X-CSRFToken": commune.token[:-4] + "abcd"})
    assert_vietnamese_error(forged, 400)
    with app.app_context():
        assert db.session.get(RemediationAction, gt03).status == "open"


def test_api_list_is_scoped_filtered_and_validated(app, setup):
    phucxa, phuctan = setup

    def listed(api, query=""):
        response = api.get(f"/remediations{query}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    admin = Api(app, "admin")
    everything = listed(admin)
    assert everything["as_of"] == today_in_vietnam().isoformat()
    assert {r["inspection_id"] for r in everything["remediations"]} == {phucxa, phuctan}
    first = everything["remediations"][0]
    assert {"id", "inspection_id", "commune_code", "code", "items", "deadline", "status"} <= set(first)
    assert (first["code"], first["deadline"], first["status"], first["commune_code"]) == ("GT-03", "2020-09-18",
                                                                                          "open", "00001")
    assert {r["inspection_id"] for r in listed(Api(app, "district-hoankiem"))["remediations"]} == {phuctan}
    assert listed(Api(app, "district-hoankiem"), "?district=001")["remediations"] == []
    assert {r["commune_code"] for r in listed(Api(app, "commune-phucxa"))["remediations"]} == {"00001"}
    assert listed(Api(app, "inspector2"))["remediations"] == []
    on_deadline = listed(admin, "?overdue_as_of=2020-09-18&commune=00001")
    assert on_deadline["as_of"] == "2020-09-18" and on_deadline["remediations"] == []
    day_after = listed(admin, "?overdue_as_of=2020-09-19&commune=00001")["remediations"]
    assert [(r["code"], r["overdue"]) for r in day_after] == [("GT-03", True)]
    ck = listed(admin, "?dimension=CK&commune=00001&sort=status")["remediations"]
    assert [r["code"] for r in ck] == ["CK-05", "J-01", "E-01", "E-01", "E-01"]
    two = listed(admin, "?per_page=2&page=3")
    assert len(two["remediations"]) == 2 and (two["page"], two["per_page"]) == (3, 2)
    assert two["total"] == len(everything["remediations"]) and two["pages"] == -(-two["total"] // 2)
    by_commune = [r["commune_code"] for r in listed(admin, "?sort=commune")["remediations"]]
    assert by_commune == sorted(by_commune)

    bad = assert_vietnamese_error(admin.get(
        "/remediations?overdue_as_of=19/09/2020&dimension=XY&status=xong&sort=ten&district=Ba%20Dinh"), 422)
    assert set(bad["errors"]) == {"overdue_as_of", "dimension", "status", "sort", "district"}
    assert "YYYY-MM-DD" in bad["errors"]["overdue_as_of"]
    for query in ("?overdue_as_of=2020-02-30", "?commune=00001'--", f"?q={'x' * 101}"):
        assert_vietnamese_error(admin.get(f"/remediations{query}"), 422)
    for query, field in (("?per_page=0", "per_page"), ("?per_page=abc", "per_page"), ("?per_page=201", "per_page"),
                         ("?page=0", "page"), ("?page=-1", "page"), ("?page=1.5", "page")):
        assert set(assert_vietnamese_error(admin.get(f"/remediations{query}"), 400)["errors"]) == {field}


def test_api_submit_verify_reopen_round_trip(app, setup):
    phucxa, _ = setup
    gt03 = action_id(app, phucxa, "GT-03")
    commune, inspector = Api(app, "commune-phucxa"), Api(app, "inspector")
    assert_vietnamese_error(inspector.evidence(gt03, "Đoàn gửi thay"), 403)
    assert_vietnamese_error(Api(app, "district-hoankiem").get(f"/remediations/{gt03}"), 403)
    assert_vietnamese_error(commune.get("/remediations/999999"), 404)
    assert_vietnamese_error(commune.evidence(999999, "x"), 404)
    assert_vietnamese_error(inspector.post(f"/remediations/{gt03}/verify", json=SEEN), 409)  # nothing submitted yet

    empty = assert_vietnamese_error(commune.evidence(gt03, "  "), 422)
    assert "file" in empty["errors"]
    fake = assert_vietnamese_error(commune.evidence(gt03, "Biên bản", (b"<html>not a pdf</html>", "bb.pdf")), 422)
    assert fake["error"] == "Tệp không phải là PDF hợp lệ."

    created = commune.evidence(gt03, "Đã niêm yết lịch tiếp công dân", (jpeg(), "lich.jpg"))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert created.headers["Location"].endswith(f"{URL}/remediations/{gt03}")
    assert (body["status"], body["evidence_count"]) == ("submitted", 1)
    assert body["evidence"][0] | {"id": 0, "created_at": "", "size": 0} == {
        "id": 0, "kind": "photo", "original_name": "lich.jpg", "size": 0, "note": "Đã niêm yết lịch tiếp công dân",
        "created_at": "", "url": f"/remediations/{gt03}/evidence/{body['evidence'][0]['id']}"}
    assert commune.evidence(gt03, "Thêm biên bản", (tiny_pdf(), "bien-ban.pdf")).status_code == 201

    assert_vietnamese_error(commune.post(f"/remediations/{gt03}/verify", json=SEEN), 403)
    assert_vietnamese_error(commune.post(f"/remediations/{gt03}/reopen", json={"reason": "Tự trả"}), 403)
    no_reason = assert_vietnamese_error(inspector.post(f"/remediations/{gt03}/reopen", json={"reason": " "}), 422)
    assert no_reason["errors"] == {"reason": "nhập lý do trả lại"}
    assert_vietnamese_error(inspector.post(f"/remediations/{gt03}/reopen", json={}), 422)
    assert_vietnamese_error(inspector.post(f"/remediations/{gt03}/reopen", data="lý do",
                                           content_type="text/plain"), 400)
    assert_vietnamese_error(inspector.post(f"/remediations/{gt03}/reopen", json=["lý do"]), 422)
    reopened = inspector.post(f"/remediations/{gt03}/reopen", json={"reason": "Ảnh mờ, chụp lại"})
    assert reopened.status_code == 200
    assert (reopened.get_json()["status"], reopened.get_json()["return_reason"]) == ("open", "Ảnh mờ, chụp lại")
    assert commune.evidence(gt03, "Ảnh rõ hơn", (jpeg(), "lich-2.jpg")).status_code == 201
    district = Api(app, "district-badinh")
    for body in ({"confirm": True}, SEEN | {"comment": "  "}, SEEN | {"comment": 5}):
        silent = assert_vietnamese_error(district.post(f"/remediations/{gt03}/verify", json=body), 422)
        assert silent["errors"] == {"comment": "nhập nhận xét về minh chứng"}
    for confirm in (None, False, "true", 1):  # only a deliberate JSON true confirms
        unticked = assert_vietnamese_error(district.post(f"/remediations/{gt03}/verify",
                                                         json=SEEN | {"confirm": confirm}), 422)
        assert unticked["errors"] == {"confirm": "đánh dấu ô xác nhận đã xem minh chứng"}
    both = assert_vietnamese_error(district.post(f"/remediations/{gt03}/verify", json={}), 422)
    assert set(both["errors"]) == {"confirm", "comment"}
    too_long = assert_vietnamese_error(district.post(f"/remediations/{gt03}/verify", json=SEEN | {"comment": "x" * 2001}), 422)
    assert too_long["errors"] == {"comment": "tối đa 2000 ký tự"}
    assert_vietnamese_error(district.post(f"/remediations/{gt03}/verify"), 400)  # no JSON body at all
    verified = district.post(f"/remediations/{gt03}/verify", json=SEEN)
    assert verified.status_code == 200
    assert (verified.get_json()["status"], verified.get_json()["overdue"]) == ("verified", False)
    assert verified.get_json()["verify_comment"] == SEEN["comment"]
    assert verified.get_json()["verified_at"].endswith("Z")
    closed = assert_vietnamese_error(commune.evidence(gt03, "Thêm nữa"), 409)
    assert closed["status"] == "verified"
    detail = commune.get(f"/remediations/{gt03}").get_json()
    assert [e["kind"] for e in detail["evidence"]] == ["photo", "pdf", "photo"]
    assert detail["legal_basis"] and detail["remediation"] and detail["responsible"]
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "remediation", AuditEntry.entity_id == gt03).order_by(AuditEntry.id))]
    assert actions == ["submit_evidence", "submit_evidence", "reopen", "submit_evidence", "verify"]


def test_api_responses_match_the_openapi_document(app, setup):
    doc = app.test_client().get(f"{URL}/openapi.json").get_json()
    check = DocumentedSchemas(doc).check
    phucxa, _ = setup
    gt03, item = action_id(app, phucxa, "GT-03"), "/remediations/{action_id}"
    commune, inspector = Api(app, "commune-phucxa"), Api(app, "inspector")
    check(inspector.get("/remediations"), "/remediations", "get")
    check(inspector.get("/remediations?overdue_as_of=2020-12-01&sort=status"), "/remediations", "get")
    check(inspector.get("/remediations?status=nope"), "/remediations", "get")
    check(inspector.get("/remediations?q=phuc%20xa&sort=inspection&per_page=3&page=2"), "/remediations", "get")
    check(inspector.get("/remediations?per_page=500"), "/remediations", "get")
    check(inspector.get(f"/remediations/{gt03}"), item, "get")
    check(inspector.get("/remediations/999999"), item, "get")
    check(Api(app, "district-hoankiem").get(f"/remediations/{gt03}"), item, "get")
    check(inspector.post(f"/remediations/{gt03}/verify", json=SEEN), f"{item}/verify", "post")
    check(commune.evidence(gt03, None), f"{item}/evidence", "post")
    check(commune.evidence(gt03, "Ảnh", (jpeg(), "a.jpg")), f"{item}/evidence", "post")
    check(commune.evidence(gt03, "Chỉ ghi chú"), f"{item}/evidence", "post")
    check(commune.evidence(gt03, "x", csrf=False), f"{item}/evidence", "post")
    check(inspector.evidence(gt03, "x"), f"{item}/evidence", "post")
    check(inspector.post(f"/remediations/{gt03}/reopen", json={"reason": ""}), f"{item}/reopen", "post")
    check(inspector.post(f"/remediations/{gt03}/reopen", json={"reason": "Chưa rõ"}), f"{item}/reopen", "post")
    check(inspector.post(f"/remediations/{gt03}/reopen", json={"reason": "Lại"}), f"{item}/reopen", "post")
    commune.evidence(gt03, "Lần hai")
    check(inspector.post(f"/remediations/{gt03}/verify", json={"comment": ""}), f"{item}/verify", "post")
    check(inspector.post(f"/remediations/{gt03}/verify"), f"{item}/verify", "post")
    check(inspector.post(f"/remediations/{gt03}/verify", json=SEEN), f"{item}/verify", "post")
    check(commune.evidence(gt03, "Muộn"), f"{item}/evidence", "post")
    check(commune.post(f"/remediations/{gt03}/verify", json=SEEN), f"{item}/verify", "post")
    commune.post("/logout")
    check(commune.get("/remediations"), "/remediations", "get")


# ---------------------------------------------------------------- pages


class Parsed(HTMLParser):
    """Form controls, scripts and inline styles of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.controls: list[tuple[str, dict]] = []
        self.scripts = 0
        self.styles = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("input", "textarea", "select", "button"):
            self.controls.append((tag, attributes))
        if tag == "script" and not attributes.get("src", "").startswith("/static/"):
            self.scripts += 1  # inline or foreign scripts; the pages' own files are fine under the CSP
        if tag == "style" or "style" in attributes:
            self.styles += 1

    def named(self, name: str) -> dict | None:
        return next((a for _, a in self.controls if a.get("name") == name), None)


def test_pages_need_a_login(app, setup):
    client = app.test_client()
    for path in ("/remediations", "/remediations.xlsx", "/remediations/1", "/remediations/1/evidence/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def minutes_number_of(app, inspection_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(MinutesDocument.number).where(MinutesDocument.inspection_id == inspection_id))


def test_the_commune_list_is_grouped_by_inspection_with_date_and_minutes_number(app, setup):
    phucxa, _ = setup
    later = finalised(app, client_id="tablet-rem-000003", answers={"TG-01": "no"}, day="2020-12-01")
    client = page_client(app, "commune-phucxa")
    html = client.get("/remediations").get_data(as_text=True)
    heads = re.findall(r'<tbody class="rem-group" data-inspection="(\d+)">\s*<tr class="group-head">(.*?)</tr>',
                       html, re.S)
    assert [int(i) for i, _ in heads] == [later, phucxa]  # newest first
    for (_, head), day, number in zip(heads, ("01/12/2020", "15/09/2020"),
                                      (minutes_number_of(app, later), minutes_number_of(app, phucxa))):
        text = re.sub(r"<[^>]+>", "", head)
        assert f"Kiểm tra ngày {day}" in text and f"Biên bản số {number}" in text
    groups = re.findall(r'<tbody class="rem-group" data-inspection="\d+">(.*?)</tbody>', html, re.S)
    with app.app_context():
        later_actions = db.session.scalar(select(func.count()).where(RemediationAction.inspection_id == later))
    assert [len(re.findall(r'<tr class="rem-', g)) for g in groups] == [later_actions, 10]
    assert "Nhóm theo lần kiểm tra" not in html  # already grouped
    by_deadline = client.get("/remediations?sort=deadline").get_data(as_text=True)
    assert "rem-group" not in by_deadline and 'href="/remediations?sort=inspection"' in by_deadline
    staff = page_client(app, "district-badinh").get("/remediations").get_data(as_text=True)
    assert "rem-group" not in staff  # staff keep the nearest deadlines first, each row saying its inspection
    assert f"kiểm tra 01/12/2020 · biên bản số {minutes_number_of(app, later)}" in staff
    grouped_staff = page_client(app, "district-badinh").get("/remediations?sort=inspection").get_data(as_text=True)
    assert len(re.findall(r'<tbody class="rem-group"', grouped_staff)) == 2 and "Phường Phúc Xá · Quận Ba Đình" in \
        grouped_staff


def test_the_list_pages_and_searches_keeping_its_filters(app, setup):
    client = page_client(app, "admin")
    first = client.get("/remediations?per_page=5&status=open&q=phuc")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "16 việc phù hợp bộ lọc · đang xem 1–5" in html
    assert len(re.findall(r'<tr class="rem-', html)) == 5 and "Trang 1/4" in html
    nav = re.search(r'<nav class="pager".*?</nav>', html, re.S).group(0)
    assert 'aria-disabled="true">« Trước' in nav
    following = re.search(r'<a class="button pager-next" rel="next" href="([^"]+)">Sau »</a>', nav).group(1)
    assert following == "/remediations?per_page=5&amp;status=open&amp;q=phuc&amp;sort=deadline&amp;page=2"
    last = client.get("/remediations?per_page=5&status=open&q=phuc&page=4").get_data(as_text=True)
    assert len(re.findall(r'<tr class="rem-', last)) == 1 and "Trang 4/4" in last and "đang xem 16–16" in last
    assert 'rel="prev" href="/remediations?per_page=5&amp;status=open&amp;q=phuc&amp;sort=deadline&amp;page=3"' in last
    beyond = client.get("/remediations?per_page=5&page=9").get_data(as_text=True)
    assert "Trang 9 không có việc nào: danh sách chỉ có 4 trang." in beyond
    assert 'href="/remediations?per_page=5&amp;sort=deadline&amp;page=4">Về trang cuối (4)' in beyond
    only_phucxa = client.get("/remediations?q=phuc%20xa").get_data(as_text=True)
    assert "10 việc phù hợp bộ lọc" in only_phucxa and "Phường Phúc Tân" not in only_phucxa.split("</form>")[-1]
    assert Parsed(only_phucxa).named("q")["value"] == "phuc xa"
    assert 'href="/remediations.xlsx?q=phuc+xa&amp;sort=deadline"' in only_phucxa
    rows = load_workbook(io.BytesIO(client.get("/remediations.xlsx?q=phuc%20xa").data)).active.max_row
    assert rows == 11  # the export takes the search too: a header and ten rows
    bad = client.get("/remediations?page=0")
    assert bad.status_code == 400 and "Tham số phân trang không hợp lệ." in bad.get_data(as_text=True)


def test_list_page_filters_sorts_and_marks_overdue_rows(app, setup):
    phucxa, phuctan = setup
    client = page_client(app, "district-badinh")
    response = client.get("/remediations")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Theo dõi khắc phục sau kiểm tra" in html
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    parsed = Parsed(html)
    assert parsed.styles == 0 and parsed.scripts == 0
    as_of = parsed.named("as_of")
    assert as_of["type"] == "text" and as_of["value"] == f"{today_in_vietnam():%d/%m/%Y}"
    for name in ("district", "commune", "dimension", "status", "overdue"):
        assert parsed.named(name) is not None, name
    assert "Phường Phúc Tân" not in html  # another district's commune, not even in the filter
    rows = re.findall(r'<tr class="rem-(\w+)( overdue)?" data-id="(\d+)">', html)
    assert len(rows) == 10 and all(status == "open" and late for status, late, _ in rows[:6])  # deadlines in 2020
    assert not any(late for _, late, _ in rows[6:])  # the four E-01 without a deadline
    assert "18/09/2020" in html and "Quá hạn" in html and "Chưa khắc phục" in html
    assert re.search(r'href="/remediations\.xlsx\?[^"]*sort=deadline', html)
    assert 'href="/remediations?sort=status"' in html and 'aria-sort="ascending"' in html

    past = client.get("/remediations?as_of=2020-09-18&overdue=1").get_data(as_text=True)
    assert "Không có việc khắc phục nào phù hợp bộ lọc." in past and "18/09/2020" in past
    day_after = client.get("/remediations?as_of=2020-09-19&overdue=1").get_data(as_text=True)
    assert len(re.findall(r'<tr class="rem-open overdue"', day_after)) == 1 and "GT-03" in day_after
    assert "Quá hạn 1 ngày" in day_after
    ck = client.get("/remediations?dimension=CK&sort=status").get_data(as_text=True)
    assert len(re.findall(r"<tr class=", ck)) == 5 and 'name="sort" value="status"' in ck
    assert 'href="/remediations.xlsx?dimension=CK&amp;sort=status"' in ck

    bad = client.get("/remediations?as_of=2020-13-45&dimension=ZZ")
    bad_html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Bộ lọc không hợp lệ" in bad_html and "Ngày không hợp lệ" in bad_html
    assert "Lĩnh vực phải là một trong" in bad_html

    commune_page = page_client(app, "commune-phucxa").get("/remediations").get_data(as_text=True)
    commune_parsed = Parsed(commune_page)
    assert commune_parsed.named("district") is None and commune_parsed.named("commune") is None
    assert len(re.findall(r'<tr class="rem-', commune_page)) == 10
    # E-01 and J-01 rows say which items they are about; a finding that is its own item does not repeat it
    named = re.findall(r'<span class="muted-inline rem-items">Tiêu chí: ([^<]+)</span>', commune_page)
    assert "CK-03, CK-05" in named and len(named) == commune_page.count("<b class=\"code\">E-01</b>") + 1
    assert "Tiêu chí: GT-03<" not in commune_page
    assert re.findall(r'<tr class="rem-', page_client(app, "district-hoankiem").get("/remediations")
                      .get_data(as_text=True)) == ["<tr class=\"rem-"] * 6  # Phúc Tân: TG-01 and five E-01


def test_excel_export_has_the_same_rows_with_real_dates(app, setup):
    phucxa, _ = setup
    client = page_client(app, "admin")
    response = client.get("/remediations.xlsx?as_of=2020-10-01&sort=deadline")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == 'attachment; filename="khac-phuc-2020-10-01.xlsx"'
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:6] == ["STT", "Địa bàn", "Xã, phường", "Ngày kiểm tra", "Mã phát hiện", "Lĩnh vực"]
    assert {"Nội dung phát hiện", "Biện pháp khắc phục", "Trách nhiệm", "Hạn khắc phục", "Trạng thái",
            "Số ngày quá hạn (đến 01/10/2020)", "Số minh chứng", "Mã việc"} <= set(headers)
    column = {title: index for index, title in enumerate(headers)}
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 16  # one row per action: ten for Phúc Xá, six for Phúc Tân
    assert [r[column["STT"]] for r in rows] == list(range(1, 17))
    first = rows[0]
    assert first[column["Mã phát hiện"]] == "GT-03" and first[column["Xã, phường"]] == "Phường Phúc Xá"
    assert first[column["Hạn khắc phục"]] == dt.datetime(2020, 9, 18)  # a real date, not text
    assert first[column["Ngày kiểm tra"]] == dt.datetime(2020, 9, 15)
    assert first[column["Số ngày quá hạn (đến 01/10/2020)"]] == 13
    assert first[column["Trạng thái"]] == "Chưa khắc phục"
    deadline_cell = sheet.cell(row=2, column=column["Hạn khắc phục"] + 1)
    assert deadline_cell.is_date and deadline_cell.number_format.lower() == "dd/mm/yyyy"
    assert rows[-1][column["Hạn khắc phục"]] is None  # no deadline: an empty cell
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:Q{len(rows) + 1}"
    assert sheet.column_dimensions["G"].width >= 40
    ids = {r[column["Mã việc"]] for r in rows}
    assert ids == {a["id"] for a in Api(app, "admin").get("/remediations?per_page=100").get_json()["remediations"]}

    hostile = action_id(app, phucxa, "TG-01")  # a reason typed by a person never becomes a formula
    Api(app, "commune-phucxa").evidence(hostile, "Đã sửa loa")
    Api(app, "inspector").post(f"/remediations/{hostile}/reopen", json={"reason": '=HYPERLINK("http://x","Mở")'})
    again = load_workbook(io.BytesIO(client.get("/remediations.xlsx?commune=00001&sort=deadline").data)).active
    headers = [cell.value for cell in again[1]]
    reason = next(row[headers.index("Lý do trả lại")] for row in again.iter_rows(min_row=2)
                  if row[headers.index("Mã phát hiện")].value == "TG-01")
    assert reason.data_type == "s" and reason.value == '=HYPERLINK("http://x","Mở")'

    filtered = load_workbook(io.BytesIO(client.get("/remediations.xlsx?district=002").data)).active
    assert filtered.max_row == 1 + 6 and {c.value for c in filtered["C"][1:]} == {"Phường Phúc Tân"}
    scoped = load_workbook(io.BytesIO(page_client(app, "district-hoankiem").get("/remediations.xlsx?district=001")
                                      .data)).active
    assert scoped.max_row == 1  # headers only: Ba Đình is not theirs
    bad = client.get("/remediations.xlsx?status=xong")
    assert bad.status_code == 422 and "Bộ lọc không hợp lệ" in bad.get_data(as_text=True)


def test_detail_page_shows_the_finding_and_the_forms_each_role_may_use(app, setup):
    phucxa, _ = setup
    gt03 = action_id(app, phucxa, "GT-03")
    commune = page_client(app, "commune-phucxa")
    response = commune.get(f"/remediations/{gt03}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="vi">' in html
    assert "Nội dung phát hiện" in html and "Hạn khắc phục" in html and "18/09/2020" in html
    assert "Biện pháp khắc phục" in html and "Trách nhiệm thực hiện" in html and "Căn cứ" in html
    assert "Xã, phường chưa gửi minh chứng nào." in html
    parsed = Parsed(html)
    assert parsed.styles == 0 and parsed.scripts == 0
    assert parsed.named("file")["accept"] == "image/*,application/pdf" and parsed.named("note") is not None
    assert parsed.named("csrf_token") is not None and parsed.named("reason") is None
    assert "Xác nhận đã khắc phục" not in html

    inspector_html = page_client(app, "inspector").get(f"/remediations/{gt03}").get_data(as_text=True)
    assert Parsed(inspector_html).named("file") is None and "Xác nhận đã khắc phục" not in inspector_html  # open
    assert page_client(app, "district-hoankiem").get(f"/remediations/{gt03}").status_code == 403
    assert page_client(app, "inspector2").get(f"/remediations/{gt03}").status_code == 403
    missing = commune.get("/remediations/999999")
    assert missing.status_code == 404 and "Không tìm thấy việc khắc phục này." in missing.get_data(as_text=True)


def test_evidence_through_the_form_verify_and_send_back(app, setup):
    phucxa, _ = setup
    gt03 = action_id(app, phucxa, "GT-03")
    commune = page_client(app, "commune-phucxa")
    page = commune.get(f"/remediations/{gt03}")
    assert re.search(r'class="badge violation">Quá hạn \d+ ngày<', page.get_data(as_text=True))  # 2020's deadline
    no_token = commune.post(f"/remediations/{gt03}/evidence", data={"note": "x"}, content_type="multipart/form-data")
    assert no_token.status_code == 400 and "CSRF" in no_token.get_data(as_text=True)

    token = token_of(page)
    empty = commune.post(f"/remediations/{gt03}/evidence", content_type="multipart/form-data",
                         data={"csrf_token": token, "note": "", "file": (io.BytesIO(b""), "")})
    assert empty.status_code == 422 and "cần ghi chú hoặc tệp minh chứng" in empty.get_data(as_text=True).lower()
    fake = commune.post(f"/remediations/{gt03}/evidence", content_type="multipart/form-data",
                        data={"csrf_token": token, "note": "Biên bản",
                              "file": (io.BytesIO(b"<script>alert(1)</script>"), "bien-ban.pdf", "application/pdf")})
    assert fake.status_code == 422 and "Tệp không phải là PDF hợp lệ." in fake.get_data(as_text=True)

    sent = commune.post(f"/remediations/{gt03}/evidence", content_type="multipart/form-data",
                        data={"csrf_token": token, "note": HOSTILE, "file": (io.BytesIO(jpeg()), "lich.jpg")})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/remediations/{gt03}#evidence")
    shown = commune.get(f"/remediations/{gt03}").get_data(as_text=True)
    assert HOSTILE not in shown and "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in shown
    assert "Đã gửi minh chứng; đoàn kiểm tra sẽ xem và xác nhận." in shown
    assert 'id="action-status">Chờ xác nhận</span>' in shown
    # The commune acted: the action awaits review since the day its evidence came in, and is not shown as late.
    came_in = today_in_vietnam().strftime("%d/%m/%Y")
    assert f'id="awaiting-review">Minh chứng gửi ngày {came_in}</span>' in shown
    assert "Quá hạn" not in shown
    with app.app_context():
        evidence_id = db.session.scalar(select(RemediationEvidence.id).where(RemediationEvidence.action_id == gt03))
    assert f'src="/remediations/{gt03}/evidence/{evidence_id}?size=thumb"' in shown
    listed = page_client(app, "inspector").get("/remediations").get_data(as_text=True)
    assert HOSTILE not in listed
    assert f'<span class="badge awaiting">Minh chứng gửi ngày {came_in}</span>' in listed

    inspector = page_client(app, "inspector")
    review = inspector.get(f"/remediations/{gt03}").get_data(as_text=True)
    assert "Xác nhận đã khắc phục" in review and Parsed(review).named("reason") is not None
    inspector_token = token_of(inspector.get(f"/remediations/{gt03}"))
    refused = inspector.post(f"/remediations/{gt03}/reopen", data={"csrf_token": inspector_token, "reason": "   "})
    assert refused.status_code == 422 and "Vui lòng nhập lý do trả lại." in refused.get_data(as_text=True)
    sent_back = inspector.post(f"/remediations/{gt03}/reopen",
                               data={"csrf_token": inspector_token, "reason": "Ảnh chưa thấy <b>lịch</b>"})
    assert sent_back.status_code == 303
    returned = commune.get(f"/remediations/{gt03}").get_data(as_text=True)
    assert "Minh chứng đã bị trả lại." in returned and "Ảnh chưa thấy &lt;b&gt;lịch&lt;/b&gt;" in returned
    assert "Bị trả lại" in commune.get("/remediations").get_data(as_text=True)

    commune.post(f"/remediations/{gt03}/evidence", content_type="multipart/form-data",
                 data={"csrf_token": token, "note": "Đã chụp lại"})
    assert commune.post(f"/remediations/{gt03}/verify", data={"csrf_token": token}).status_code == 403
    verdict = {"csrf_token": inspector_token, "confirm": "y", "comment": "Ảnh chụp lại rõ <i>lịch</i> tiếp dân"}
    unticked = inspector.post(f"/remediations/{gt03}/verify", data=verdict | {"confirm": ""})
    silent = inspector.post(f"/remediations/{gt03}/verify", data=verdict | {"comment": "  "})
    assert (unticked.status_code, silent.status_code) == (422, 422)
    assert 'id="verify-confirm-error">Đánh dấu ô xác nhận đã xem minh chứng</p>' in unticked.get_data(as_text=True)
    assert "verify-comment-error" not in unticked.get_data(as_text=True)
    assert 'id="verify-comment-error">' in silent.get_data(as_text=True)
    assert "Ảnh chụp lại rõ &lt;i&gt;lịch&lt;/i&gt; tiếp dân" in unticked.get_data(as_text=True)  # the text typed stays
    with app.app_context():
        assert db.session.get(RemediationAction, gt03).status == "submitted"  # neither half-verified anything
    verified = inspector.post(f"/remediations/{gt03}/verify", data=verdict)
    assert verified.status_code == 303
    done = inspector.get(f"/remediations/{gt03}").get_data(as_text=True)
    assert 'id="action-status">Đã khắc phục</span>' in done and "Cán bộ inspector" in done
    assert "Nhận xét khi xác nhận</span> Ảnh chụp lại rõ &lt;i&gt;lịch&lt;/i&gt; tiếp dân" in done
    again = inspector.post(f"/remediations/{gt03}/verify", data=verdict)
    assert again.status_code == 409 and "Chỉ xác nhận được việc đã gửi minh chứng" in again.get_data(as_text=True)
    closed = commune.get(f"/remediations/{gt03}").get_data(as_text=True)
    assert Parsed(closed).named("file") is None  # nothing more to send once verified


def test_evidence_files_are_served_with_safe_headers_to_those_who_may_see_them(app, setup):
    phucxa, _ = setup
    gt03 = action_id(app, phucxa, "GT-03")
    commune = Api(app, "commune-phucxa")
    photo = commune.evidence(gt03, "Ảnh", (jpeg(2000, 1000), "Lịch tiếp dân.png")).get_json()["evidence"][0]
    pdf = commune.evidence(gt03, "Báo cáo", (tiny_pdf(), "Báo cáo khắc phục.pdf")).get_json()["evidence"][1]
    note = commune.evidence(gt03, "Chỉ ghi chú").get_json()["evidence"][2]

    viewer = page_client(app, "district-badinh")

    def fetch(client, url):
        with client.get(url) as response:  # closes the file that send_from_directory opened
            response.get_data()
            return response

    image = fetch(viewer, photo["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["Content-Disposition"].startswith("inline;")
    assert "filename*=UTF-8''L%E1%BB%8Bch" in image.headers["Content-Disposition"]
    assert image.headers["X-Content-Type-Options"] == "nosniff" and "private" in image.headers["Cache-Control"]
    with Image.open(io.BytesIO(image.data)) as shown:
        assert shown.format == "JPEG" and shown.size == (1600, 800)
    with Image.open(io.BytesIO(fetch(viewer, photo["url"] + "?size=thumb").data)) as small:
        assert max(small.size) <= 160
    document = fetch(viewer, pdf["url"])
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    assert document.headers["Content-Disposition"].startswith("attachment;")
    assert document.headers["X-Content-Type-Options"] == "nosniff"
    assert document.data == tiny_pdf()
    assert note["url"] is None
    assert viewer.get(f"/remediations/{gt03}/evidence/{note['id']}").status_code == 404

    other = finalised(app, actor="admin", commune="00037", client_id="tablet-rem-000003", answers={"TG-01": "no"})
    other_action = action_id(app, other, "TG-01")
    assert viewer.get(f"/remediations/{other_action}/evidence/{photo['id']}").status_code in (403, 404)
    assert page_client(app, "admin").get(f"/remediations/{other_action}/evidence/{photo['id']}").status_code == 404
    for name in ("district-hoankiem", "inspector2"):
        assert fetch(page_client(app, name), photo["url"]).status_code == 403
        assert fetch(page_client(app, name), pdf["url"]).status_code == 403

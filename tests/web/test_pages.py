"""The HTML pages for tablets, through Flask's test client with CSRF on as in production.

Users log in through the /login form with the token parsed from the page; inspections are made
through the service layer when a test is about what a page shows rather than how it was made.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import DATA, PASSWORD, finalize_with_details
from PIL import Image
from sqlalchemy import func, select

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection, User
from inspect_app.services import inspections as service
from inspect_app.web.inspections import vn_date

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def token_of(response) -> str:
    return TOKEN.search(response.get_data(as_text=True)).group(1)


def login(client, username: str, password: str = PASSWORD):
    """Log in through the form, with the CSRF token the login page carries."""
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": token_of(page), "username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def make_inspection(app, actor="inspector", commune="00001", client_id="tablet-0001-abcdef", day="2020-09-15"):
    with app.app_context():
        inspection, _ = service.create_inspection(db.session, app.extensions["catalog"].loaded, user(actor), {
            "client_id": client_id, "checklist": "papi-xa", "commune_code": commune, "inspection_date": day,
            "villages": 12, "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}],
            "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}]})
        return inspection.id


def save(app, inspection_id, answers, notes=None, actor="inspector"):
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        service.save_answers(db.session, app.extensions["catalog"].loaded, user(actor), inspection_id, answers, notes or {},
                             inspection.version)


def compliant_answers():
    return json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"]


def finalise(app, inspection_id, answers=None, actor="inspector"):
    save(app, inspection_id, answers or compliant_answers(), actor=actor)
    with app.app_context():
        finalize_with_details(db.session, app.extensions["catalog"].loaded, user(actor), inspection_id)


def jpeg(width=800, height=600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def linked_ids(response) -> set[int]:
    return linked_ids_of(response.get_data(as_text=True))


def linked_ids_of(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/inspections/(\d+)"', html)}


class Controls(HTMLParser):
    """Every form control of a page: (tag, attributes) in document order, plus script tags."""

    def __init__(self):
        super().__init__()
        self.controls: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.styles = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "textarea", "select"):
            self.controls.append((tag, dict(attrs)))
        elif tag == "script":
            self.scripts.append(dict(attrs))
        elif tag == "style" or any(name == "style" for name, _ in attrs):
            self.styles += 1


def controls_of(response) -> Controls:
    parser = Controls()
    parser.feed(response.get_data(as_text=True))
    return parser


# ------------------------------------------------------------------------------------ access


def test_pages_need_a_login(client):
    for path in ("/inspections", "/inspections/new", "/inspections/1", "/inspections/1/photos/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_header_names_the_user_and_role_with_a_logout_form(client):
    login(client, "district-badinh")
    html = client.get("/inspections").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Cán bộ district-badinh" in html and "Cán bộ theo dõi địa bàn" in html
    logout = re.search(r'<form method="post" action="/logout"[^>]*>(.*?)</form>', html, re.S)
    assert logout and 'name="csrf_token"' in logout.group(1)
    assert ">Phiếu kiểm tra</a>" in html and ">Biểu tiêu chí</a>" in html
    response = client.post("/logout", data={"csrf_token": TOKEN.search(html).group(1)})
    assert response.status_code == 302
    assert client.get("/inspections").status_code == 302  # logged out


def test_every_page_is_local_only_with_a_strict_csp(client):
    login(client, "inspector")
    for path in ("/inspections", "/inspections/new"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert not re.search(r'(src|href)="(https?:)?//', html), path
        parsed = controls_of(response)
        assert parsed.scripts == [] or all(s.get("src", "").startswith("/static/") for s in parsed.scripts)
        assert parsed.styles == 0


# ------------------------------------------------------------------------------------ lists


def test_lists_are_scoped_by_role(app):
    phucxa = make_inspection(app)
    hoankiem = make_inspection(app, actor="admin", commune="00037", client_id="tablet-0002-abcdef")
    expected = {
        "admin": {phucxa, hoankiem}, "inspector": {phucxa}, "inspector2": set(),
        "district-badinh": {phucxa}, "district-hoankiem": {hoankiem}, "commune-phucxa": set(),
    }
    for username, ids in expected.items():
        client = app.test_client()
        login(client, username)
        for path in ("/inspections", "/inspections?status=draft"):
            assert linked_ids(client.get(path)) == ids, (username, path)
    finalise(app, phucxa)
    client = app.test_client()
    login(client, "commune-phucxa")
    response = client.get("/inspections")
    assert linked_ids(response) == {phucxa}  # a commune sees its own inspections once finalised
    assert "Lập phiếu kiểm tra" not in response.get_data(as_text=True)


def test_list_rows_and_filters(app):
    first = make_inspection(app)
    second = make_inspection(app, commune="00004", client_id="tablet-0002-abcdef", day="2020-10-01")
    other = make_inspection(app, actor="district-badinh", commune="00006", client_id="tablet-0003-abcdef")
    finalise(app, first)
    client = app.test_client()
    login(client, "district-badinh")
    html = client.get("/inspections").get_data(as_text=True)
    row = re.search(r'<tr class="status-finalised">(.*?)</tr>', html, re.S).group(1)
    assert "Phường Phúc Xá" in row and "Quận Ba Đình" in row and "15/09/2020" in row
    assert "Đã hoàn tất" in row and "80,00</b>/80" in row
    assert "01/10/2020" in html and "Đang kiểm tra" in html
    assert linked_ids(client.get("/inspections?status=finalised")) == {first}
    assert linked_ids(client.get("/inspections?status=draft")) == {second, other}
    assert linked_ids(client.get("/inspections?commune=00004")) == {second}
    assert linked_ids(client.get("/inspections?mine=1")) == {other}
    assert linked_ids(client.get("/inspections?status=bogus&commune=99999")) == {first, second, other}
    options = re.search(r'<select id="commune" name="commune">(.*?)</select>', html, re.S).group(1)
    assert "Phường Phúc Xá (00001)" in options and "Phường Trúc Bạch (00004)" in options


def add_inspections(app, count: int, commune: str = "00004") -> None:
    """`count` draft rows of one commune on successive days, inserted directly: the list is what is tested."""
    from inspect_app.models import AdminUnit

    with app.app_context():
        unit = db.session.scalar(select(AdminUnit).where(AdminUnit.code == commune))
        admin = user("admin")
        db.session.add_all(Inspection(
            checklist_id="papi-xa", checklist_version=1, unit_id=unit.id, commune_code=commune,
            commune_name=unit.name, district_code=unit.parent.code, district_name=unit.parent.name,
            inspection_date=dt.date(2021, 1, 1) + dt.timedelta(days=n), villages=8, created_by_id=admin.id)
            for n in range(count))
        db.session.commit()


def test_list_pages_of_fifty_with_a_pager_that_keeps_the_filters(app):
    phucxa = make_inspection(app)
    add_inspections(app, 54)
    client = app.test_client()
    login(client, "admin")
    html = client.get("/inspections").get_data(as_text=True)
    assert len(linked_ids_of(html)) == 50 and "55 phiếu · đang xem 1–50" in html
    nav = re.search(r'<nav class="pager" aria-label="Phân trang">(.*?)</nav>', html, re.S).group(1)
    assert "Trang 1/2" in nav and 'aria-disabled="true">« Trước' in nav
    assert 'rel="next" href="/inspections?page=2">Sau »' in nav
    second = client.get("/inspections?page=2").get_data(as_text=True)
    assert len(linked_ids_of(second)) == 5 and phucxa in linked_ids_of(second)  # the oldest (15/09/2020) comes last
    assert 'rel="prev" href="/inspections?page=1">« Trước' in second and "Trang 2/2" in second
    filtered = client.get("/inspections?status=draft&q=truc+bach&page=1").get_data(as_text=True)
    assert "54 phiếu phù hợp bộ lọc · đang xem 1–50" in filtered
    assert 'href="/inspections?status=draft&amp;q=truc+bach&amp;page=2">Sau »' in filtered
    beyond = client.get("/inspections?q=truc%20bach&page=5").get_data(as_text=True)
    assert "Trang 5 không có phiếu nào: danh sách chỉ có 2 trang." in beyond
    assert 'href="/inspections?q=truc+bach&amp;page=2">Về trang cuối (2)' in beyond
    short = client.get("/inspections?q=PHÚC XÁ").get_data(as_text=True)
    assert linked_ids_of(short) == {phucxa} and '<nav class="pager"' not in short  # one page: no pager
    for bad in ("page=0", "page=abc", "per_page=500"):
        response = client.get(f"/inspections?{bad}")
        assert response.status_code == 400 and "Tham số phân trang không hợp lệ." in response.get_data(as_text=True)


# ------------------------------------------------------------------------------------ new inspection


def new_form(client):
    response = client.get("/inspections/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    client_id = re.search(r'name="client_id" type="hidden" value="([0-9a-f]{32})"', html).group(1)
    return html, {
        "csrf_token": TOKEN.search(html).group(1), "client_id": client_id, "checklist": "papi-xa",
        "inspection_date": "15/09/2020", "district": "001", "commune": "00001", "villages": "12",
        "plan_reference": "Kế hoạch số 122/KH-UBND",
        "team-0-name": "Trần Thị Bình", "team-0-position": "Chuyên viên Sở Nội vụ", "team-0-role": "truong_doan",
        "team-1-name": "Lê Văn An", "team-1-position": "Chuyên viên", "team-1-role": "thanh_vien",
        "team-2-name": "", "team-2-position": "", "team-2-role": "thanh_vien",
        "commune_reps-0-name": "Nguyễn Văn Cường", "commune_reps-0-position": "Chủ tịch UBND phường",
        "commune_reps-1-name": "", "commune_reps-1-position": "",
    }


def test_new_inspection_form_creates_one_even_when_submitted_twice(app, client):
    login(client, "inspector")
    html, data = new_form(client)
    date_field = re.search(r'<input[^>]*id="inspection_date"[^>]*>', html).group(0)
    assert 'type="text"' in date_field and 'placeholder="ngày/tháng/năm"' in date_field  # typed dd/mm/yyyy
    assert 'name="team-0-role"' in html and "Trưởng đoàn" in html
    first = client.post("/inspections/new", data=data)
    again = client.post("/inspections/new", data=data)  # the tablet's double tap
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1
        inspection = db.session.scalar(select(Inspection))
        assert inspection.client_id == data["client_id"]
        assert (inspection.commune_name, inspection.district_name, inspection.villages) == (
            "Phường Phúc Xá", "Quận Ba Đình", 12)
        assert inspection.inspection_date.isoformat() == "2020-09-15"
        assert [(m.name, m.role) for m in inspection.members] == [("Trần Thị Bình", "truong_doan"),
                                                                  ("Lê Văn An", "thanh_vien")]
        assert [r.name for r in inspection.commune_reps] == ["Nguyễn Văn Cường"]
        assert inspection.plan_reference == "Kế hoạch số 122/KH-UBND"
    assert first.headers["Location"].endswith(f"/inspections/{inspection.id}")
    _, fresh = new_form(client)
    assert fresh["client_id"] != data["client_id"]  # every form gets its own key


def test_new_inspection_form_explains_problems_in_vietnamese(app, client):
    login(client, "inspector")
    _, data = new_form(client)
    broken = data | {"commune": "", "villages": "0", "team-0-name": "", "team-0-position": "",
                     "team-1-role": "thanh_vien"}
    response = client.post("/inspections/new", data=broken)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Chọn xã, phường." in html
    assert "Số thôn, tổ dân phố phải từ 1 đến 500." in html
    assert "trưởng đoàn" in html
    two_heads = data | {"team-1-role": "truong_doan"}
    response = client.post("/inspections/new", data=two_heads)
    assert response.status_code == 422 and "đúng một trưởng đoàn" in response.get_data(as_text=True)
    wrong_date = data | {"commune": "00097"}  # Phường Hồng Hà exists only from 01/07/2025
    response = client.post("/inspections/new", data=wrong_date)
    assert response.status_code == 422
    assert "Xã không có trong danh sách của ngày kiểm tra đã chọn." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_new_inspection_lists_the_communes_of_the_date_and_the_users_district(client):
    login(client, "district-hoankiem")
    html, data = new_form(client)
    refreshed = client.post("/inspections/new", data=data | {"refresh": "1", "district": "002", "commune": ""})
    page = refreshed.get_data(as_text=True)
    assert refreshed.status_code == 200
    assert 'data-district="002"' in page and "Phường Phúc Tân (00037)" in page
    assert "Phường Phúc Xá" not in page  # Ba Đình is not this user's district
    refused = client.post("/inspections/new", data=data)  # a Ba Đình commune, posted anyway
    assert refused.status_code == 422
    units = client.get("/inspections/units?date=2020-09-15").get_json()
    assert [d["code"] for d in units["districts"]] == ["002"]
    assert {c["district"] for c in units["communes"]} == {"002"}
    assert client.get("/inspections/units?date=15/09/2020").status_code == 400


def test_new_inspection_is_dated_today_in_hanoi(client, monkeypatch):
    """At 20:00 UTC it is already tomorrow in Hà Nội: the form's date is Hà Nội's, not the server's."""
    import inspect_app.web.inspections as views
    late = dt.datetime(2030, 1, 1, 20, 0, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(views, "today_in_vietnam", lambda now=None: today_in_vietnam(now or late))
    login(client, "inspector")
    html = client.get("/inspections/new").get_data(as_text=True)
    assert re.search(r'id="inspection_date"[^>]*value="02/01/2030"', html)


def test_units_after_the_2025_reform_are_grouped_by_the_department(client):
    login(client, "admin")
    units = client.get("/inspections/units?date=2025-09-15").get_json()
    assert units["districts"] == [{"code": "001", "name": "Cụm Ba Đình"}, {"code": "002", "name": "Cụm Hoàn Kiếm"},
                                  {"code": "006", "name": "Cụm Đống Đa"}]
    assert {"code": "00097", "name": "Phường Hồng Hà", "district": "002", "district_name": "Cụm Hoàn Kiếm"} in (
        units["communes"])


def test_commune_accounts_cannot_start_an_inspection(client):
    login(client, "commune-phucxa")
    response = client.get("/inspections/new")
    assert response.status_code == 403
    assert "Tài khoản cấp xã không lập phiếu kiểm tra." in response.get_data(as_text=True)


# ------------------------------------------------------------------------------------ the checklist


def article_attr(html: str, code: str, name: str) -> str | None:
    """An attribute of one item's <article> (the checklist script reads its limits there)."""
    found = re.search(rf'<article[^>]*id="item-{re.escape(code)}"[^>]*>', html)
    attribute = re.search(rf'{name}="([^"]*)"', found.group(0)) if found else None
    return attribute.group(1) if attribute else None


def test_checklist_has_one_control_per_item_named_by_its_code(app, client, catalog):
    inspection_id = make_inspection(app)
    login(client, "inspector")
    response = client.get(f"/inspections/{inspection_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parsed = controls_of(response)
    by_name: dict[str, list[dict]] = {}
    for tag, attrs in parsed.controls:
        by_name.setdefault(attrs.get("name"), []).append({"tag": tag, **attrs})
    checklist = catalog.checklist("papi-xa", 1)
    for code, item in checklist.items.items():
        controls = by_name.pop(code)
        if item.type in ("yesno", "choice"):
            assert {c["type"] for c in controls} == {"radio"}, code
            values = [c["value"] for c in controls]
            expected = ["yes", "no"] if item.type == "yesno" else [c.value for c in item.choices]
            assert values == expected + (["na"] if item.na_allowed else []), code
        elif item.type in ("int", "pct"):
            (control,) = controls
            # A text field: the browser's number input refuses a decimal comma in an English browser.
            assert control["type"] == "text", code
            assert control["inputmode"] == ("numeric" if item.type == "int" else "decimal")
            if item.max is not None:
                assert article_attr(html, code, "data-max") == (str(int(item.max)) if item.type == "int" else str(item.max))
        elif item.type == "date":
            (control,) = controls
            assert (control["type"], control["placeholder"]) == ("text", "ngày/tháng/năm"), code
        (note,) = by_name.pop(f"note-{code}")
        assert note["tag"] == "textarea"
        (photo,) = by_name.pop(f"photo-{code}")
        assert (photo["type"], photo["accept"], photo["capture"]) == ("file", "image/*", "environment")
    details = {"start_time", "end_time", "copies", "place", "plan_reference", "commune_opinion",
               "commune_refusal_reason", "team_refusal_reason"}
    # the logout and minutes-details forms and the photo dialog's caption; nothing else
    assert set(by_name) == {"csrf_token", "photo-caption"} | details
    assert html.count('class="guidance"') == len(checklist.items)
    assert "Hướng dẫn kiểm tra:" in html
    assert 'data-api-base="/api/v1/inspections/%d"' % inspection_id in html
    assert 'data-version="1"' in html
    assert [s["src"].split("?")[0] for s in parsed.scripts] == ["/static/vn-inputs.js", "/static/offline.js",
                                                                   "/static/checklist.js"]
    for section in checklist.sections:
        required = sum(1 for i in section.items if i.required)
        assert f'data-progress="{section.code}" title="đã trả lời / bắt buộc">0/{required}</span>' in html
    assert ">Hoàn tất phiếu</button>" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_checklist_shows_saved_answers_findings_and_deadlines(app, client):
    inspection_id = make_inspection(app)
    save(app, inspection_id, {"TG-01": "no", "TG-02": 3, "CK-06": "2020-01-05", "DV-03": 87.5, "GT-03": "thieu"},
         {"TG-01": "Loa ở tổ 5 hỏng"})
    login(client, "inspector")
    html = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert re.search(r'name="TG-01" value="no" checked', html)
    assert not re.search(r'name="TG-01" value="yes" checked', html)
    assert re.search(r'name="GT-03" value="thieu" checked', html)
    assert re.search(r'name="TG-02"[^>]*value="3"', html)
    assert re.search(r'name="DV-03"[^>]*value="87,5"', html)  # as typed: a decimal comma
    assert re.search(r'name="CK-06"[^>]*value="05/01/2020"', html)
    assert "Loa ở tổ 5 hỏng</textarea>" in html
    with app.app_context():
        detail = service.inspection_detail(db.session, app.extensions["catalog"].loaded, db.session.get(Inspection, inspection_id))
    panel = html[html.index('id="findings"'):html.index('id="findings-empty"')]
    assert panel.count('class="finding ') == len(detail["findings"]) > 0
    for finding in detail["findings"]:
        assert finding["title"] in panel
        if finding["deadline"]:
            day = finding["deadline"]
            assert f"Hạn khắc phục: <b>{day[8:10]}/{day[5:7]}/{day[:4]}</b>" in panel
    # four dimensions have answers: they show a score, the other four and the total wait
    assert detail["assessed"] == ["TG", "CK", "GT", "DV"]
    tg = f'{detail["scores"]["TG"]:.2f}'.replace(".", ",")
    assert f'<td data-score="TG">{tg}</td>' in html
    assert '<td data-score="TN" class="unassessed">chưa đánh giá</td>' in html
    assert '<b id="live-total">chưa đủ</b><span id="live-total-of"> (4/8 lĩnh vực)</span>' in html
    assert 'data-progress="TG" title="đã trả lời / bắt buộc">2/9</span>' in html


def test_a_checklist_with_no_answer_shows_no_score(app, client):
    """The policy scores a dimension without applicable items 10/10: right for the record, wrong on an
    empty draft, which used to say "Tổng điểm 75,00/80" before anything was answered."""
    inspection_id = make_inspection(app)
    login(client, "inspector")
    html = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    table = html[html.index('id="scores"'):html.index("</table>", html.index('id="scores"'))]
    assert table.count("chưa đánh giá") == 8 and "10,00" not in table and "chưa đủ lĩnh vực" in table
    assert '<b id="live-total">chưa đủ</b><span id="live-total-of"> (0/8 lĩnh vực)</span>' in html
    api = client.get(f"/api/v1/inspections/{inspection_id}").get_json()
    assert api["assessed"] == [] and api["scores"]["total"] == 75.0  # the contract's numbers are unchanged
    save(app, inspection_id, compliant_answers())
    html = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert "chưa đánh giá" not in html and '<b id="live-total">80,00</b><span id="live-total-of">/80</span>' in html


def test_a_hostile_note_is_escaped(app, client):
    inspection_id = make_inspection(app)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    save(app, inspection_id, {"TG-01": "yes"}, {"TG-01": hostile})
    login(client, "inspector")
    html = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_finalised_inspection_is_read_only_with_stored_findings(app, client):
    inspection_id = make_inspection(app)
    finalise(app, inspection_id, compliant_answers() | {"GT-03": "khong"})
    login(client, "inspector")
    response = client.get(f"/inspections/{inspection_id}")
    html = response.get_data(as_text=True)
    assert "Phiếu đã hoàn tất" in html and 'id="locked-banner" role="status">' in html
    fields = [attrs for tag, attrs in controls_of(response).controls if attrs.get("name") != "csrf_token"]
    assert fields and all("disabled" in attrs for attrs in fields)
    assert 'type="file"' not in html and 'id="finalize"' not in html
    with app.app_context():
        stored = db.session.get(Inspection, inspection_id)
        codes = [f.code for f in stored.findings]
        total = f"{stored.total_score:.2f}".replace(".", ",")
    assert "GT-03" in codes
    assert html.count('class="finding ') == len(codes)
    assert f'<b id="live-total">{total}</b><span id="live-total-of">/80</span>' in html and "Điểm chính thức" in html


def test_commune_account_sees_its_finalised_inspection_read_only(app, client):
    inspection_id = make_inspection(app)
    login(client, "commune-phucxa")
    assert client.get(f"/inspections/{inspection_id}").status_code == 403  # drafts are not theirs to see
    finalise(app, inspection_id)
    response = client.get(f"/inspections/{inspection_id}")
    assert response.status_code == 200
    assert all("disabled" in attrs for tag, attrs in controls_of(response).controls if attrs.get("name") != "csrf_token")


# ------------------------------------------------------------------------------------ photos and errors


def test_photo_route_serves_only_users_who_may_view_the_inspection(app):
    inspection_id = make_inspection(app)
    other_id = make_inspection(app, actor="admin", commune="00037", client_id="tablet-0002-abcdef")
    with app.app_context():
        photo, _ = service.add_photo(db.session, user("inspector"), inspection_id, "CK-01", io.BytesIO(jpeg(2400, 1200)),
                                  "bang-tin.jpg", Path(app.config["PHOTO_DIR"]), app.extensions["catalog"].loaded)
        photo_id = photo.id
    url = f"/inspections/{inspection_id}/photos/{photo_id}"
    client = app.test_client()
    login(client, "inspector")
    with client.get(url) as full:  # a file response: close it
        assert full.status_code == 200 and full.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(full.data)).size == (1600, 800)
        assert "private" in full.headers["Cache-Control"]
    with client.get(url + "?size=thumb") as thumb:
        assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) <= 160
    page = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert f'src="{url}?size=thumb"' in page
    assert client.get(f"/inspections/{other_id}/photos/{photo_id}").status_code == 403  # not this team's
    assert client.get(f"/inspections/{inspection_id}/photos/{photo_id + 1}").status_code == 404
    for username in ("district-hoankiem", "commune-phucxa", "inspector2"):
        stranger = app.test_client()
        login(stranger, username)
        refused = stranger.get(url)
        assert refused.status_code == 403, username
        assert "Bạn không có quyền xem phiếu kiểm tra này." in refused.get_data(as_text=True)
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get(f"/inspections/{other_id}/photos/{photo_id}").status_code == 404  # photo of another one


@pytest.mark.parametrize("path", ["/inspections/999999", "/inspections/999999/photos/1", "/trang-khong-co"])
def test_missing_pages_render_the_vietnamese_error_page(client, path):
    login(client, "admin")
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="vi">' in html and "Không tìm thấy" in html and "Về trang chủ" in html
    assert "Traceback" not in html


def test_a_stored_timestamp_reads_as_its_day_in_hanoi():
    """Timestamps are stored in UTC: evidence sent at 01:30 on 05/12 in Hà Nội is 18:30 on 04/12 in UTC."""
    assert vn_date(dt.datetime(2026, 12, 4, 18, 30)) == "05/12/2026"
    assert vn_date(dt.datetime(2026, 12, 4, 16, 59)) == "04/12/2026"
    assert (vn_date(dt.date(2026, 12, 4)), vn_date("2026-12-04"), vn_date(None)) == ("04/12/2026", "04/12/2026", "")


def test_the_criteria_page_shows_each_rule_condition_in_words(app, client):
    login(client, "inspector")
    page = client.get("/checklists/papi-xa?date=15/09/2025").get_data(as_text=True)  # J-01 ends 31/12/2025
    assert 'Điều kiện: <code class="condition">TG-02 &lt; 4</code>' in page
    assert 'CK-03 = &#34;Có&#34; và CK-05 = &#34;Không&#34;' in page
    assert 'trạng thái(phát hiện lần trước) &lt;&gt; &#34;Đã khắc phục&#34;' in page
    assert "{&#34;item&#34;" not in page and "$and" not in page  # never the engine's JSON

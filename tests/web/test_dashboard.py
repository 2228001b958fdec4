"""The dashboards through Flask's test client (CSRF on), on demo data of the 30 test communes.

Each role sees only its scope; the pages are Vietnamese, dates dd/mm/yyyy, charts inline SVG with
no request to anywhere else and no inline style, and names from the database are escaped.
"""
from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from conftest import PASSWORD
from sqlalchemy import select, update

from inspect_app.extensions import db
from inspect_app.models import AdminUnit, Inspection
from inspect_app.services import dashboard as service
from inspect_app.services.demo import seed_demo

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
AS_OF = dt.date(2025, 1, 15)
EVIL = 'Phường <script>alert("xã")</script> & Co'
VN_DATE = re.compile(r"\b\d{2}/\d{2}/20\d{2}\b")
EXTERNAL = re.compile(r'''(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|https?://''', re.I)


def login(client, username: str):
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": TOKEN.search(page.get_data(as_text=True)).group(1),
                                           "username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


class Page(HTMLParser):
    """Script tags, inline styles and the text of the page (for 'does this name appear')."""

    def __init__(self, html: str):
        super().__init__()
        self.scripts, self.styles, self.text = [], 0, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag == "style" or any(name == "style" for name, _ in attrs):
            self.styles += 1

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def demo(app):
    """Two years (2023, 2024) of demo inspections of the 30 communes; one name made hostile."""
    with app.app_context():
        seed_demo(db.session, app.extensions["catalog"].loaded, range(2023, 2025), None, 122, as_of=AS_OF)
        target = db.session.scalar(select(Inspection.id).where(Inspection.commune_code == "00010",
                                                               Inspection.status == "finalised")
                                   .order_by(Inspection.inspection_date.desc()))
        db.session.execute(update(Inspection).where(Inspection.id == target).values(commune_name=EVIL))
        names = {code: name for code, name in db.session.execute(
            select(AdminUnit.code, AdminUnit.name).where(AdminUnit.level == "commune",
                                                         AdminUnit.valid_from == dt.date(2020, 1, 1)))}
        db.session.commit()
    return names


def get(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


def badinh(names: dict[str, str]) -> list[str]:
    return [name for code, name in names.items() if code < "00037"]


def assert_clean(html: str) -> None:
    """Vietnamese, local only, no script needed, no inline style, hostile text escaped."""
    assert '<html lang="vi">' in html
    assert not EXTERNAL.search(html)
    page = Page(html)
    assert all(s.get("src", "").startswith("/static/") for s in page.scripts)
    assert page.styles == 0
    assert "<script>alert" not in html


def test_dashboards_need_a_login(client):
    for path in ("/dashboard", "/dashboard/district/001", "/dashboard/commune/00001"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_city_dashboard_for_the_administrator(client, demo):
    login(client, "admin")
    html = get(client, "/dashboard?as_of=2025-01-15")
    assert_clean(html)
    for text in ("Tổng hợp kết quả kiểm tra", "Năm kiểm tra", "Điểm bình quân theo lĩnh vực", "Phân bố điểm tuân thủ",
                 "Điểm bình quân theo địa bàn và lĩnh vực", "Xếp hạng xã, phường theo điểm tuân thủ (thang 80)",
                 "Biện pháp khắc phục quá hạn theo địa bàn", "Xu hướng điểm tuân thủ bình quân qua các năm",
                 "10 vi phạm thường gặp nhất", "tính đến ngày 15/01/2025", "Quận Ba Đình", "Quận Hoàn Kiếm"):
        assert text in html, text
    assert html.count("<svg") == 3 and 'role="img"' in html
    assert VN_DATE.search(html) and not re.search(r">\s*20\d\d-\d\d-\d\d\s*<", html)
    assert '<a class="chip" href="/dashboard?as_of=2025-01-15&amp;year=2023">2023</a>' in html
    assert '<a class="chip" href="/dashboard?as_of=2025-01-15&amp;year=2024" aria-current="page">2024</a>' in html
    assert 'href="/dashboard/district/001' in html and re.search(r'href="/inspections/\d+"', html)
    assert "Phường &lt;script&gt;alert(&#34;xã&#34;)&lt;/script&gt; &amp; Co" in html
    assert "<b>30</b>" not in html and '<span class="kpi-value">30<small> / 30</small>' in html
    with client.application.app_context():
        overview = service.overview(db.session, client.application.extensions["catalog"].loaded, service.CITY, 2024, AS_OF)
    assert f'{overview.coverage.average_total:.2f}'.replace(".", ",") in html
    for violation in overview.violations:
        assert f'<span class="code">{violation.code}</span>' in html


def test_ranking_sorts_and_years_switch(client, demo):
    login(client, "admin")
    html = get(client, "/dashboard?year=2023&sort=name&dir=asc")
    assert "năm 2023" in html and 'aria-current="page">2023</a>' in html
    ranking = html.split('id="xep-hang"')[1].split("</table>")[0]
    names = re.findall(r'href="/dashboard/commune/\d+[^"]*">([^<]+)</a>', ranking)
    assert len(names) == 30 and names == sorted(names)
    assert 'aria-sort="ascending"' in ranking
    by_total = get(client, "/dashboard?year=2023&sort=total&dir=desc").split('id="xep-hang"')[1].split("</table>")[0]
    totals = [float(t.replace(",", ".")) for t in re.findall(r"<b>(\d+,\d\d)</b></a></td>", by_total)]
    assert len(totals) == 30 and totals == sorted(totals, reverse=True)
    warned = get(client, "/dashboard?as_of=15-01-2025", 422)
    assert "Ngày không hợp lệ" in warned


def test_district_officer_sees_only_the_district(client, demo):
    login(client, "district-hoankiem")
    response = client.get("/dashboard?year=2024")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/district/002?year=2024")
    html = get(client, "/dashboard/district/002?year=2024&as_of=2025-01-15")
    assert_clean(html)
    assert "Quận Hoàn Kiếm" in html and '<span class="kpi-value">16<small> / 16</small>' in html
    text = " ".join(Page(html).text)
    assert "Ba Đình" not in text and not any(name in text for name in badinh(demo))
    assert "Thành phố Hà Nội</a>" not in html  # no way up to the city
    assert 'href="/dashboard/commune/00037' in html
    get(client, "/dashboard/district/001", 403)
    get(client, "/dashboard/commune/00001", 403)
    get(client, "/dashboard/commune/00037")
    get(client, "/dashboard", 302)


def test_commune_user_sees_only_the_commune(client, demo):
    login(client, "commune-phucxa")
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/commune/00001")
    html = get(client, "/dashboard/commune/00001?as_of=2025-01-15")
    assert_clean(html)
    assert "Kết quả kiểm tra — Phường Phúc Xá" in html and "Lịch sử kiểm tra" in html
    text = " ".join(Page(html).text)
    others = [name for code, name in demo.items() if code != "00001"]
    assert not any(name in text for name in others)
    assert len(re.findall(r'href="/inspections/\d+"', html)) >= 2 and VN_DATE.search(html)
    get(client, "/dashboard/commune/00004", 403)
    get(client, "/dashboard/district/001", 403)


def test_drill_down_from_city_to_inspection(client, demo):
    login(client, "admin")
    city = get(client, "/dashboard?year=2024")
    district_link = re.search(r'href="(/dashboard/district/001[^"]*)"', city).group(1).replace("&amp;", "&")
    district = get(client, district_link)
    assert "Thành phố Hà Nội</a> › Cụm Ba Đình (đến 30/06/2025: Quận Ba Đình)" in district
    assert "Điểm bình quân theo xã, phường và lĩnh vực" in district
    commune_link = re.search(r'href="(/dashboard/commune/00001[^"]*)"', district).group(1).replace("&amp;", "&")
    commune = get(client, commune_link)
    assert "Quận Ba Đình</a> › Phường Phúc Xá" in commune
    assert re.search(r'href="/remediations\?overdue=1&amp;as_of=[\d-]+&amp;district=001"', city)
    assert re.search(r'href="/remediations\?overdue=1&amp;as_of=[\d-]+&amp;commune=\d+"', district)
    assert re.search(r'href="/remediations/\d+"', commune)  # each open action links to its follow-up page
    inspection = re.search(r'href="/inspections/(\d+)"', commune).group(1)
    with client.application.app_context():
        assert db.session.get(Inspection, int(inspection)).commune_code == "00001"
    get(client, "/dashboard/district/999", 404)
    get(client, "/dashboard/commune/99999", 404)


def test_dashboards_render_without_any_inspection(client):
    login(client, "admin")
    html = get(client, "/dashboard")
    assert_clean(html)
    assert "chưa có phiếu kiểm tra nào đã hoàn tất" in html
    assert '<span class="kpi-value">0<small> / 7</small>' in html  # today: the 7 communes of the 2025 test file
    assert "Chưa có số liệu." in html and "Không có biện pháp khắc phục nào quá hạn" in html
    assert "Chưa có phiếu kiểm tra nào đã hoàn tất." in get(client, "/dashboard/commune/00001")
    assert "Quận Ba Đình" in get(client, "/dashboard/district/001")

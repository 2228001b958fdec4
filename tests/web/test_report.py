"""The summary report through Flask's test client (CSRF on), on demo data of the 30 test communes.

The numbers themselves are checked by hand in tests/integration/test_report_service.py; here the
page, the Excel workbook (read back with openpyxl) and the PDF (read back with pypdf and pdffonts)
must carry the service's numbers, in Vietnamese, with real dates and numbers, for the roles that
may see them — and a bad parameter is a 422 with a Vietnamese message, never a 500.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import threading
import unicodedata
from html.parser import HTMLParser

import pytest
from conftest import PASSWORD
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select, update

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection, User
from inspect_app.pdf import MinutesRenderError, render_minutes
from inspect_app.pdf.sample import sample_minutes
from inspect_app.services import report as service
from inspect_app.services.demo import seed_demo

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
AS_OF = dt.date(2025, 1, 15)
PERIOD = "from=2023-01-01&to=2024-12-31"
EVIL = '=HYPERLINK("http://127.0.0.1:9/x","Phường <img src=http://127.0.0.1:9/x.png> \u202e\x07 & Co")'
A4_LANDSCAPE = (841.89, 595.28)
FONT_NAME = re.compile(r"^[A-Z]{6}\+Liberation-Serif(-Bold)?(-Italic)?$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS = ["1. Kết quả kiểm tra", "2. Điểm bình quân", "3. Vi phạm thường gặp", "4. Khắc phục", "5. Tái phạm",
          "Phụ lục - Xã, phường"]


def login(client, username: str) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": TOKEN.search(page.get_data(as_text=True)).group(1),
                                           "username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def get(client, path: str, status: int = 200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:500])
    return response


@pytest.fixture
def demo(app):
    """2023 and 2024 of demo inspections of the 30 test communes; one commune's name made hostile."""
    with app.app_context():
        seed_demo(db.session, app.extensions["catalog"].loaded, range(2023, 2025), None, 122, as_of=AS_OF)
        target = db.session.scalar(select(Inspection.id).where(Inspection.commune_code == "00010",
                                                               Inspection.status == "finalised")
                                   .order_by(Inspection.inspection_date.desc()))
        db.session.execute(update(Inspection).where(Inspection.id == target).values(commune_name=EVIL))
        db.session.commit()
    return app


def expected(app, username: str, query: str) -> service.SummaryReport:
    """What the service says for the same request (the numbers the files must carry)."""
    args = dict(part.split("=", 1) for part in query.split("&"))
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == username))
        checked = service.resolve_request(db.session, actor, args, today_in_vietnam())
        return service.build_report(db.session, app.extensions["catalog"].loaded, checked)


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.styles, self.scripts, self.text = 0, 0, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script" and not dict(attrs).get("src", "").startswith("/static/")
        self.styles += tag == "style" or any(name == "style" for name, _ in attrs)

    def handle_data(self, data):
        self.text.append(data)


# --- access --------------------------------------------------------------------------------------------

def test_the_report_needs_a_login(client):
    for path in ("/reports", f"/reports/summary.xlsx?{PERIOD}", f"/reports/summary.pdf?{PERIOD}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_roles_limit_the_scope(client, demo):
    login(client, "commune-phucxa")
    for path in ("/reports", f"/reports/summary.xlsx?{PERIOD}", f"/reports/summary.pdf?{PERIOD}"):
        assert "Tài khoản cấp xã không lập báo cáo tổng hợp." in get(client, path, 403).get_data(as_text=True)

    client = demo.test_client()
    login(client, "district-hoankiem")
    html = get(client, "/reports").get_data(as_text=True)  # their district by default, the only choice offered
    assert '<option value="002" selected>Cụm Hoàn Kiếm (đến 30/06/2025: Quận Hoàn Kiếm)</option>' in html
    assert 'value="city"' not in html and 'value="001"' not in html
    assert "Quận Hoàn Kiếm" in html
    for query in ("scope=001", "scope=city"):
        for path in ("/reports", "/reports/summary.xlsx", "/reports/summary.pdf"):
            assert "địa bàn mình" in get(client, f"{path}?{PERIOD}&{query}", 403).get_data(as_text=True)
    book = load_workbook(io.BytesIO(get(client, f"/reports/summary.xlsx?{PERIOD}").data))
    assert book["1. Kết quả kiểm tra"]["A2"].value == "Phạm vi: Cụm Hoàn Kiếm (đến 30/06/2025: Quận Hoàn Kiếm)"
    names = {row[1].value for row in book["1. Kết quả kiểm tra"].iter_rows(min_row=6)}
    assert "Quận Ba Đình" not in names and "Quận Hoàn Kiếm" in names
    districts = {row[1].value for row in book["Phụ lục - Xã, phường"].iter_rows(min_row=6)}
    assert districts == {"Quận Hoàn Kiếm"}
    text = pdf_text(get(client, f"/reports/summary.pdf?{PERIOD}").data)
    # districts no longer exist: the area's officer reports for the Sở Nội vụ
    assert "UBND THÀNH PHỐ HÀ NỘI" in text and "SỞ NỘI VỤ" in text and "Hà Nội, ngày" in text
    assert "UBND QUẬN HOÀN KIẾM" not in text
    assert "Ba Đình" not in text


def test_bad_parameters_are_422_in_vietnamese(client, demo):
    login(client, "admin")
    cases = {
        "from=2024-02-30": "Ngày bắt đầu không hợp lệ",
        "to=31-12-2024": "Ngày kết thúc không hợp lệ",
        "from=2024-06-01&to=2024-05-01": "phải trước hoặc trùng ngày kết thúc",
        "to=2999-01-01": "không được sau ngày hôm nay",
        "scope=999": "Không có địa bàn mã 999.",
        "scope=%3Cscript%3E": "Phạm vi báo cáo phải là",
        "from=0001-01-01": "không được trước ngày 01/01/2000",
    }
    for query, message in cases.items():
        for path in ("/reports", "/reports/summary.xlsx", "/reports/summary.pdf"):
            response = get(client, f"{path}?{query}", 422)
            assert message in response.get_data(as_text=True), (path, query)
            assert response.mimetype == "text/html"
    page = get(client, "/reports?scope=999&from=2024-01-01", 422).get_data(as_text=True)
    assert '<form class="filters"' in page and "Tải Excel" not in page  # the form again, no report
    assert 'value="2024-01-01"' in page  # what the user typed is kept
    json_error = client.get("/reports/summary.xlsx?scope=999", headers={"Accept": "application/json"})
    assert json_error.status_code == 422 and json_error.json["errors"] == {"scope": "Không có địa bàn mã 999."}


# --- the page ------------------------------------------------------------------------------------------

def test_page_shows_the_summary_and_the_download_links(client, demo):
    login(client, "admin")
    response = get(client, f"/reports?{PERIOD}&scope=city")
    html = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    page = Page(html)
    assert page.styles == 0 and "<script>" not in html
    assert 'href="/reports/summary.xlsx?from=2023-01-01&amp;to=2024-12-31&amp;scope=city"' in html
    assert 'href="/reports/summary.pdf?from=2023-01-01&amp;to=2024-12-31&amp;scope=city"' in html
    assert ">Tải Excel</a>" in html and ">Tải PDF</a>" in html
    assert '<option value="city" selected>Toàn thành phố</option>' in html and '<option value="001">' in html
    assert 'name="from" value="01/01/2023"' in html and 'name="to" value="31/12/2024"' in html
    report = expected(demo, "admin", f"{PERIOD}&scope=city")
    for text in ("I. Số xã, phường đã được kiểm tra", "II. Điểm bình quân", "III. Các vi phạm thường gặp nhất",
                 "IV. Tình hình khắc phục", "V. Xã, phường tái phạm hoặc chậm khắc phục", "Quận Ba Đình",
                 "Quận Hoàn Kiếm", "Từ ngày 01/01/2023 đến ngày 31/12/2024".lower(),
                 f'{report.coverage_total.inspected}<small> / {report.coverage_total.in_force}</small>',
                 service.vn_number(report.scores_total.total)):
        assert text in html, text
    for violation in report.violations:
        assert f'<span class="code">{violation.code}</span>' in html
    # the hostile name is printed as text
    assert "<img src=http" not in html
    # No period asked and nothing finalised this year: the report opens on the latest year with data, and says so.
    today = today_in_vietnam()
    default = get(client, "/reports").get_data(as_text=True)
    assert 'name="from" value="01/01/2024"' in default and 'name="to" value="31/12/2024"' in default
    assert (f'id="latest-year-note" role="status">Năm {today.year} chưa có phiếu kiểm tra hoàn tất trong phạm vi '
            "này; báo cáo mở ở năm 2024, năm gần nhất có số liệu.") in default
    assert "Không có phiếu kiểm tra nào đã hoàn tất trong kỳ." not in default
    this_year = get(client, f"/reports?from=01/01/{today.year}").get_data(as_text=True)  # asked for: shown empty
    assert f'value="{today:%d/%m/%Y}"' in this_year and "latest-year-note" not in this_year
    assert "Không có phiếu kiểm tra nào đã hoàn tất trong kỳ." in this_year


# --- Excel ---------------------------------------------------------------------------------------------

def test_excel_workbook(client, demo):
    login(client, "inspector")
    response = get(client, f"/reports/summary.xlsx?{PERIOD}&scope=city")
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="bao-cao-tong-hop-ha-noi-2023-01-01-2024-12-31.xlsx"'
    assert response.headers["Cache-Control"] == "no-store"
    report = expected(demo, "inspector", f"{PERIOD}&scope=city")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet["A1"].value == service.TITLE
        assert sheet["A2"].value == "Phạm vi: Toàn thành phố Hà Nội"
        assert sheet["A3"].value == "Kỳ báo cáo: từ ngày 01/01/2023 đến ngày 31/12/2024"
        assert sheet["A5"].value == "STT" and sheet.freeze_panes == "A6"
        assert sheet.auto_filter.ref.startswith("A5:")
        assert sheet.column_dimensions["A"].width == 6  # widths set per column, the text columns wide
        assert max(d.width for d in sheet.column_dimensions.values()) >= 24

    coverage = book["1. Kết quả kiểm tra"]
    assert [c.value for c in coverage[5]] == ["STT", "Địa bàn", "Số xã, phường có hiệu lực",
                                              "Số xã, phường đã kiểm tra", "Tỷ lệ đã kiểm tra",
                                              "Số xã, phường chưa kiểm tra"]
    assert coverage.auto_filter.ref == "A5:F7"
    rows = [[c.value for c in row] for row in coverage.iter_rows(min_row=6, max_row=8)]
    assert rows[0] == [1, "Quận Ba Đình", 14, 14, 1.0, 0] and rows[1] == [2, "Quận Hoàn Kiếm", 16, 16, 1.0, 0]
    assert rows[2] == [None, "Tổng cộng", 30, 30, 1.0, 0]
    assert coverage["E6"].number_format == "0.0%" and coverage["C6"].data_type == "n"

    scores = book["2. Điểm bình quân"]
    assert [c.value for c in scores[5]][:4] == ["STT", "Địa bàn", "Số xã, phường đã kiểm tra",
                                                "TG — Tham gia của người dân (thang 10)"]
    assert scores["L5"].value == "Điểm tuân thủ (thang 80)"
    assert [scores[f"{col}6"].value for col in "DEFGHIJKL"] == \
        [*report.scores[0].averages.values(), report.scores[0].total]
    assert scores["L8"].value == report.scores_total.total and isinstance(scores["L8"].value, float)
    assert scores["D6"].number_format == "0.00" and scores["L8"].number_format == "0.00"

    violations = book["3. Vi phạm thường gặp"]
    assert [c.value for c in violations[5]] == ["STT", "Mã", "Nội dung vi phạm", "Số lượt", "Số xã, phường",
                                                "Căn cứ pháp lý"]
    listed = [[c.value for c in row] for row in violations.iter_rows(min_row=6, max_row=5 + len(report.violations))]
    assert listed == [[n, v.code, v.title, v.count, v.communes, v.legal_basis]
                      for n, v in enumerate(report.violations, start=1)]
    assert 5 <= len(listed) <= 15 and violations["C6"].alignment.wrap_text

    remediation = book["4. Khắc phục"]
    total = report.remediation_total
    assert [c.value for c in remediation[8]][:7] == [None, "Tổng cộng", total.total, total.open, total.submitted,
                                                     total.verified, total.overdue]
    assert remediation["G5"].value == "Quá hạn (đến 31/12/2024)" and remediation["H6"].number_format == "0.0%"

    repeats = book["5. Tái phạm"]
    assert repeats.max_row >= 6 + len(report.repeats)
    first = report.repeats[0]
    assert [repeats[f"{col}6"].value for col in "BCDFGIK"] == [
        first.district_name, first.commune_name, first.commune_code, first.inspections, first.repeats, first.late,
        first.findings]
    assert repeats["E6"].is_date and repeats["E6"].value.date() == first.last_date
    assert repeats["E6"].number_format == "dd/mm/yyyy"

    communes = book["Phụ lục - Xã, phường"]
    dates = [row[4] for row in communes.iter_rows(min_row=6)]
    assert len(dates) == 30 and all(c.is_date and c.number_format == "dd/mm/yyyy" for c in dates)
    assert {c.value.year for c in dates} == {2024}
    hostile = next(row for row in communes.iter_rows(min_row=6) if row[2].value == "00010")
    assert hostile[3].data_type == "s" and hostile[3].value.startswith("=HYPERLINK(")  # text, not a formula
    assert "\x07" not in hostile[3].value and "\u202e" not in hostile[3].value  # as in the PDF
    assert hostile[14].value == next(c.inspection_id for c in report.communes if c.commune_code == "00010")


# --- PDF -----------------------------------------------------------------------------------------------

def pdf_text(data: bytes) -> str:
    """The text of every page, NFC, with runs of whitespace made one space."""
    pages = PdfReader(io.BytesIO(data)).pages
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", " ".join(page.extract_text() for page in pages)))


def pdffonts(data: bytes, tmp_path) -> list[tuple[str, str, str]]:
    path = shutil.which("pdffonts")
    assert path, "pdffonts not found: install poppler-utils"
    file = tmp_path / "report.pdf"
    file.write_bytes(data)
    lines = subprocess.run([path, str(file)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [(line.split()[0], line.split()[-5], line.split()[-4]) for line in lines]  # name, emb, sub


def test_pdf_report(client, demo, tmp_path):
    login(client, "admin")
    response = get(client, f"/reports/summary.pdf?{PERIOD}&scope=city")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="bao-cao-tong-hop-ha-noi-2023-01-01-2024-12-31.pdf"'
    report = expected(demo, "admin", f"{PERIOD}&scope=city")
    reader = PdfReader(io.BytesIO(response.data))
    for page in reader.pages:
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4_LANDSCAPE
    text = pdf_text(response.data)
    for expected_text in ("UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                          "Độc lập - Tự do - Hạnh phúc", service.TITLE, "Phạm vi: Toàn thành phố Hà Nội",
                          "từ ngày 01/01/2023 đến ngày 31/12/2024", "Căn cứ Kế hoạch số 179/KH-UBND", "Quận Ba Đình", "Quận Hoàn Kiếm",
                          "I. SỐ XÃ, PHƯỜNG ĐÃ ĐƯỢC KIỂM TRA", "V. XÃ, PHƯỜNG TÁI PHẠM HOẶC CHẬM KHẮC PHỤC",
                          report.violations[0].title, report.repeats[0].commune_name,
                          f"Trang 1/{len(reader.pages)}", service.vn_number(report.scores_total.total)):
        assert expected_text in text, expected_text
    fonts = pdffonts(response.data, tmp_path)
    assert {name.split("+")[1] for name, _, _ in fonts} == {
        "Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic", "Liberation-Serif-Bold-Italic"}
    assert all(FONT_NAME.match(name) and emb == "yes" and sub == "yes" for name, emb, sub in fonts)


def test_pdf_prints_hostile_names_as_text(client, demo):
    """A name with markup, a formula and a bidi override is printed literally, and nothing is fetched."""
    with demo.app_context():
        db.session.execute(update(Inspection).where(Inspection.district_code == "002").values(district_name=EVIL))
        db.session.commit()
    login(client, "admin")
    text = pdf_text(get(client, f"/reports/summary.pdf?{PERIOD}").data)  # a fetch would have failed the render
    squashed = re.sub(r"\s+", "", text)  # the name wraps inside its cell
    assert re.sub(r"\s+", "", '=HYPERLINK("http://127.0.0.1:9/x","Phường <img src=http://127.0.0.1:9/x.png> & Co")') \
        in squashed
    html = get(client, f"/reports?{PERIOD}").get_data(as_text=True)
    assert "&lt;img src=http://127.0.0.1:9/x.png&gt;" in html and "<img src=http" not in html


def test_pdf_renderer_is_locked_down_and_leaves_the_minutes_unchanged(tmp_path):
    for url in ("http://127.0.0.1:9/x.png", "file:///etc/passwd", "data:image/png;base64,AAAA"):
        with pytest.raises(MinutesRenderError):
            service.render_pdf(f'<p>x</p><img src="{url}">', b"0" * 32)
    minutes = sample_minutes(draft=False)
    alone: list[bytes] = []
    after_report: list[bytes] = []

    def report_then_minutes():
        service.render_pdf("<p>Báo cáo tổng hợp</p>", b"1" * 32)
        after_report.append(render_minutes(minutes))

    for target in (lambda: alone.append(render_minutes(minutes)), report_then_minutes):
        worker = threading.Thread(target=target)  # a thread of its own: fresh per-thread fonts
        worker.start()
        worker.join()
    assert alone and after_report == alone  # the shared font configuration gained nothing


def test_code_lists_are_cut_in_the_pdf_only():
    codes = tuple(f"CK-{n:02d}" for n in range(1, 11))
    assert service.code_list(codes[:8]) == "CK-01, CK-02, CK-03, CK-04, CK-05, CK-06, CK-07, CK-08"
    assert service.code_list(codes) == "CK-01, CK-02, CK-03, CK-04, CK-05, CK-06, CK-07, CK-08 … +2 mã"

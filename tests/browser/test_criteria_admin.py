"""The department edits its criteria without a developer (issue 11's "done when"), in Chromium.

As an administrator: export version 2 as a workbook, change TG-02's threshold and add a yes/no item
with its rule and legal basis in Excel (openpyxl here), upload it, read the differences, try it by
answering, publish it for tomorrow, and start an inspection dated tomorrow that uses it, while one
dated today still uses version 2.
"""
from __future__ import annotations

import datetime as dt
import re

from openpyxl import load_workbook
from playwright.sync_api import expect
import test_tablet
from test_tablet import Tablet

from inspect_app.criteria.layout import BASIS, ITEMS, RULES
from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection

live_server, browser, screenshots = test_tablet.live_server, test_tablet.browser, test_tablet.screenshots
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "has_touch": True, "locale": "en-US", "timezone_id": "Asia/Ho_Chi_Minh",
           "accept_downloads": True}


def edit_workbook(path) -> None:
    """What the department's legal staff do in Excel: TG-02 from 4 to 5 posts a month, and a new item."""
    book = load_workbook(path)
    rules = book[RULES.title]
    condition = RULES.columns.index(RULES.column("condition")) + 1
    ids = RULES.columns.index(RULES.column("id")) + 1
    row = next(r for r in range(2, rules.max_row + 1) if rules.cell(r, ids).value == "TG-02")
    assert rules.cell(row, condition).value == "TG-02 < 4"
    rules.cell(row, condition).value = "TG-02 < 5"
    item = {"section": "DT", "code": "DT-06", "type": "Có/Không", "na_allowed": "Không", "required": "Có",
            "evidence": "Không", "question": "UBND xã công bố số điện thoại đường dây nóng trên trang thông tin điện tử",
            "guidance": "Kiểm tra trang thông tin điện tử của xã; chọn “Có” khi số điện thoại gọi được."}
    rule = {"id": "DT-06", "code": "DT-06", "items": "DT-06", "kind": "Khuyến nghị", "severity": "Bình thường",
            "title": "Chưa công bố số điện thoại đường dây nóng", "remediation": "Công bố số điện thoại đường dây nóng.",
            "responsible": "Văn phòng HĐND và UBND", "deadline": "10wd", "condition": 'DT-06 = "Không"'}
    book[ITEMS.title].append([item.get(c.key) for c in ITEMS.columns])
    book[RULES.title].append([rule.get(c.key) for c in RULES.columns])
    book[BASIS.title].append([{"owner": "DT-06", "instrument": "luat-tccqdp-2025"}.get(c.key) for c in BASIS.columns])
    book.save(path)


def start_inspection(page, day: dt.date, commune: str) -> int:
    page.goto("/inspections/new")
    page.fill("#inspection_date", day.strftime("%d/%m/%Y"))
    page.select_option("#district", label="Cụm Ba Đình")
    page.select_option("#commune", commune)
    page.fill("#villages", "12")
    page.fill('[name="team-0-name"]', "Trần Thị Bình")
    page.fill('[name="team-0-position"]', "Chuyên viên Sở Nội vụ")
    page.locator("#create-submit").click()
    page.wait_for_url(re.compile(r"/inspections/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_an_administrator_edits_tries_and_publishes_a_version_used_from_tomorrow(app, live_server, browser,
                                                                               screenshots, tmp_path):
    today = today_in_vietnam()
    tomorrow = today + dt.timedelta(days=1)
    admin = Tablet(browser, live_server, DESKTOP)
    page = admin.page
    admin.login("admin")
    page.goto("/checklists")
    page.locator("a", has_text="Quản lý phiên bản").click()
    page.wait_for_url(re.compile(r"/admin/criteria$"))
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Biểu tiêu chí")

    with page.expect_download() as download:
        page.locator("#version-papi-xa-2 a", has_text="Excel").click()
    workbook = tmp_path / download.value.suggested_filename
    assert workbook.name == "papi-xa-v2.xlsx"
    download.value.save_as(workbook)
    edit_workbook(workbook)

    page.set_input_files("input[type=file]", str(workbook))
    expect(page.locator("#file-name")).to_have_text("papi-xa-v2.xlsx")
    page.locator("button", has_text="Tải lên thành bản nháp").click()
    page.wait_for_url(re.compile(r"/admin/criteria/\d+$"))
    expect(page.locator(".flash")).to_contain_text("Đã lưu thành bản nháp phiên bản 3")
    expect(page.locator("#diff-title")).to_have_text("Khác với phiên bản 2 đang áp dụng")
    expect(page.locator("#item-DT-06")).to_contain_text("Thêm mới")
    expect(page.locator("#rule-TG-02 del")).to_have_text("TG-02 < 4")
    expect(page.locator("#rule-TG-02 ins")).to_have_text("TG-02 < 5")
    page.screenshot(path=str(screenshots / "criteria-draft-1280.png"), full_page=True)
    draft_url = page.url

    page.locator("a", has_text="Thử bằng câu trả lời").click()
    page.fill('[name="a-TG-02"]', "4")
    page.locator('[name="a-DT-06"][value="no"]').check()
    page.locator("button", has_text="Chấm thử").click()
    expect(page.locator("#trial-draft .finding-TG-02")).to_be_visible()
    expect(page.locator("#trial-draft .finding-DT-06")).to_be_visible()
    expect(page.locator("#trial-current .finding-TG-02")).to_have_count(0)
    page.screenshot(path=str(screenshots / "criteria-try-1280.png"), full_page=True)

    page.goto(draft_url)
    page.fill("#effective_from", tomorrow.strftime("%d/%m/%Y"))
    page.locator("button", has_text="Ban hành phiên bản 3").click()
    expect(page.locator(".flash")).to_contain_text(f"có hiệu lực từ ngày {tomorrow:%d/%m/%Y}")
    expect(page.locator("h1 .tag")).to_have_text("Đã ban hành")

    later = start_inspection(page, tomorrow, "00004")
    now = start_inspection(page, today, "00008")
    with app.app_context():
        assert db.session.get(Inspection, later).checklist_version == 3
        assert db.session.get(Inspection, now).checklist_version == 2
    page.goto(f"/inspections/{later}")
    expect(page.locator("#item-DT-06")).to_be_visible()
    page.goto(f"/inspections/{now}")
    expect(page.locator("#item-DT-06")).to_have_count(0)
    assert admin.errors == []
    admin.close()

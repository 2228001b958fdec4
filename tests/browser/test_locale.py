"""The pages read the same in Vietnamese in a browser set to English (Chromium with --lang=en-US).

The browser's own date, time and number inputs, file pickers and validation bubbles follow its
language (mm/dd/yyyy, AM/PM, a decimal point, "Choose File", "Please fill out this field."), so
the pages use text fields read as dd/mm/yyyy, 24-hour HH:MM and a decimal comma, a Vietnamese
label-button over the file input, and their own Vietnamese messages beside the field. Each step
checks that no English browser text shows and keeps a screenshot ($INSPECT_SCREENSHOTS).
"""
from __future__ import annotations

import json
import re

import pytest
import test_tablet
from conftest import DATA
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.models import Inspection, RemediationAction, User
from inspect_app.services import inspections as service
from test_tablet import CHROMIUM, CHROMIUM_ARGS, PORTRAIT, Tablet, jpeg, stored

live_server, screenshots = test_tablet.live_server, test_tablet.screenshots
ENGLISH = re.compile(r"mm/dd|dd/mm/yyyy|Choose File|No file chosen|Please fill|Please enter|Value must|\b(AM|PM)\b",
                     re.IGNORECASE)
ENGLISH_TABLET = PORTRAIT | {"locale": "en-US"}


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium with its interface in American English."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + ["--lang=en-US"])
        yield chromium
        chromium.close()


def assert_no_english(page) -> None:
    """No English browser text in what the page shows, its placeholders, tooltips or validation messages."""
    assert page.evaluate("navigator.language") == "en-US"
    shown = page.evaluate("""() => [document.body.innerText,
        ...Array.from(document.querySelectorAll('[placeholder]'), e => e.placeholder),
        ...Array.from(document.querySelectorAll('[title]'), e => e.title),
        ...Array.from(document.querySelectorAll('input, textarea, select'), e => e.validationMessage)].join('\\n')""")
    found = ENGLISH.search(shown)
    assert not found, shown[max(0, found.start() - 80):found.end() + 80]
    kinds = page.evaluate("() => Array.from(document.querySelectorAll('input'), e => e.type)")
    assert not {"date", "time", "datetime-local", "number"} & set(kinds), kinds
    assert page.evaluate("() => Array.from(document.forms).every(f => f.noValidate)")


def answers(**extra) -> dict:
    return json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"] | extra


def test_a_new_inspection_and_its_checklist_in_an_english_browser(app, live_server, browser, screenshots):
    tablet = Tablet(browser, live_server, ENGLISH_TABLET)
    page = tablet.page
    tablet.login("inspector")
    page.goto("/inspections/new")
    date = page.locator("#inspection_date")
    expect(date).to_have_attribute("placeholder", "ngày/tháng/năm")
    date.fill("15/09/2020")
    date.press("Tab")
    page.select_option("#district", "001")
    page.select_option("#commune", "00001")
    page.fill('[name="team-0-name"]', "Trần Thị Bình")
    page.fill('[name="team-0-position"]', "Chuyên viên Sở Nội vụ")
    page.locator("#create-submit").tap()  # the number of villages is missing: said in Vietnamese, beside it
    expect(page.locator("label[for=villages] .field-error")).to_have_text("Nhập số thôn, tổ dân phố.")
    expect(page.locator("#inspection_date")).to_have_value("15/09/2020")
    assert_no_english(page)
    page.fill("#villages", "12")
    page.screenshot(path=str(screenshots / "locale-new-inspection.png"), full_page=True)
    page.locator("#create-submit").tap()
    page.wait_for_url(re.compile(r"/inspections/\d+$"))
    inspection_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Inspection, inspection_id).inspection_date.isoformat() == "2020-09-15"

    # A percentage with a decimal comma (or a point), a date typed day first, both saved as the API wants.
    expect(page.locator("#in-DV-03")).to_have_attribute("inputmode", "decimal")
    page.fill("#in-DV-03", "92,5")
    page.fill("#in-DV-02", "80.5")
    page.locator("#in-DV-02").press("Tab")
    expect(page.locator("#in-DV-02")).to_have_value("80,5")  # a point is read, and shown back as a comma
    page.fill("#in-CK-06", "05/01/2020")
    page.locator("#in-CK-06").press("Tab")
    page.fill("#in-TG-02", "3")
    tablet.wait_saved(inspection_id)
    saved = stored(app, inspection_id)["answers"]
    assert (saved["DV-03"], saved["DV-02"], saved["CK-06"], saved["TG-02"]) == (92.5, 80.5, "2020-01-05", 3)
    # More than one decimal, or a date the English way round, is refused in Vietnamese beside the item.
    page.fill("#in-DV-03", "92,45")
    page.locator("#in-DV-03").press("Tab")
    expect(page.locator("#err-DV-03")).to_have_text("Tỷ lệ chỉ được có một chữ số thập phân (ví dụ 87,5).")
    page.fill("#in-CK-06", "01/31/2020")
    page.locator("#in-CK-06").press("Tab")
    expect(page.locator("#err-CK-06")).to_have_text(
        "Ngày không hợp lệ: cần một ngày có thật, dạng ngày/tháng/năm (ví dụ 15/09/2020).")
    page.locator("#item-DV-03").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "locale-checklist-errors.png"))
    assert_no_english(page)
    assert stored(app, inspection_id)["answers"]["DV-03"] == 92.5  # the refused values were never sent
    page.reload()  # shown back as typed: a decimal comma, day first
    expect(page.locator("#in-DV-03")).to_have_value("92,5")
    expect(page.locator("#in-DV-02")).to_have_value("80,5")
    expect(page.locator("#in-CK-06")).to_have_value("05/01/2020")
    assert not tablet.errors, tablet.errors


def test_finalising_asks_for_24_hour_times_in_an_english_browser(app, live_server, browser, screenshots):
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        inspection, _ = service.create_inspection(db.session, app.extensions["catalog"].loaded, inspector, {
            "client_id": "tablet-locale-0001", "checklist": "papi-xa", "commune_code": "00001",
            "inspection_date": "2020-09-15", "villages": 12,
            "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
        service.save_answers(db.session, app.extensions["catalog"].loaded, inspector, inspection.id, answers(), {},
                             inspection.version)
        inspection_id = inspection.id
    tablet = Tablet(browser, live_server, ENGLISH_TABLET)
    page = tablet.page
    tablet.login("inspector")
    page.goto(f"/inspections/{inspection_id}")
    page.locator("#finalize").tap()
    expect(page.locator("#finalize-confirm")).to_be_visible()
    start, end = page.locator("#confirm-start_time"), page.locator("#confirm-end_time")
    expect(start).to_have_attribute("placeholder", "giờ:phút")
    start.fill("8h30")
    end.fill("14:75")
    page.locator("#confirm-place").fill("Hội trường UBND phường Phúc Xá")
    page.locator("#finalize-go").tap()
    expect(page.locator("#confirm-end_time-error")).to_have_text(
        "Giờ không hợp lệ: cần dạng giờ:phút theo 24 giờ (ví dụ 08:30 hoặc 14:00).")
    expect(start).to_have_value("08:30")
    assert stored(app, inspection_id)["status"] == "draft"
    end.fill("1415")
    page.screenshot(path=str(screenshots / "locale-finalise-confirm.png"))
    assert_no_english(page)
    page.locator("#finalize-go").tap()
    expect(page.locator("#locked-banner")).to_be_visible(timeout=30_000)
    assert stored(app, inspection_id)["details"] == ("08:30", "14:15", "Hội trường UBND phường Phúc Xá")
    page.reload()
    expect(page.locator(".details-read")).to_contain_text("08:30 – 14:15")
    assert not tablet.errors, tablet.errors


def test_evidence_upload_and_send_back_in_an_english_browser(app, live_server, browser, screenshots):
    from conftest import finalize_with_details

    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        catalog = app.extensions["catalog"].loaded
        inspection, _ = service.create_inspection(db.session, catalog, inspector, {
            "client_id": "tablet-locale-0002", "checklist": "papi-xa", "commune_code": "00001",
            "inspection_date": "2020-09-15", "villages": 12,
            "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
        service.save_answers(db.session, catalog, inspector, inspection.id, answers(**{"GT-03": "khong"}), {},
                             inspection.version)
        finalize_with_details(db.session, catalog, inspector, inspection.id)
        action = db.session.scalar(select(RemediationAction.id).where(
            RemediationAction.inspection_id == inspection.id, RemediationAction.finding.has(code="GT-03")))

    commune = Tablet(browser, live_server, ENGLISH_TABLET)
    page = commune.page
    commune.login("commune-phucxa")
    page.goto(f"/remediations/{action}")
    button = page.locator(".file-button")
    expect(button).to_have_text("Chọn ảnh hoặc tệp")
    expect(page.locator("#file-name")).to_have_text("Chưa chọn tệp")
    assert page.locator("#file").evaluate("e => getComputedStyle(e).opacity") == "0"  # the English one is hidden
    box = button.bounding_box()
    assert box["height"] >= 44
    assert_no_english(page)
    page.set_input_files("#file", files=[{"name": "lich-tiep-dan.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    expect(page.locator("#file-name")).to_have_text("lich-tiep-dan.jpg")
    page.fill('[name="note"]', "Đã niêm yết lịch tiếp công dân")
    page.screenshot(path=str(screenshots / "locale-evidence-upload.png"), full_page=True)
    page.locator(".rem-form button[type=submit]").tap()
    expect(page.locator("#action-status")).to_have_text("Chờ xác nhận")
    assert not commune.errors, commune.errors
    commune.close()

    reviewer = Tablet(browser, live_server, ENGLISH_TABLET)
    page = reviewer.page
    reviewer.login("inspector")
    page.goto(f"/remediations/{action}")
    send_back = page.locator("form", has=page.locator('[name="reason"]'))
    send_back.locator("button[type=submit]").tap()  # no reason: a Vietnamese message, nothing sent
    expect(page.locator("#reason-required-error")).to_have_text("Vui lòng nhập lý do trả lại.")
    expect(page.locator("#action-status")).to_have_text("Chờ xác nhận")
    assert page.url.endswith(f"/remediations/{action}")
    page.screenshot(path=str(screenshots / "locale-send-back-empty.png"), full_page=True)
    assert_no_english(page)
    page.fill('[name="reason"]', "Ảnh chưa thấy lịch tiếp công dân")
    send_back.locator("button[type=submit]").tap()
    expect(page.locator(".alert")).to_contain_text("Lý do: Ảnh chưa thấy lịch tiếp công dân")
    assert not reviewer.errors, reviewer.errors

"""Issue 14 end to end in Chromium: the department drafts a plan and fills it from the risk ranking; the
inspector finds the visit in "Lịch kiểm tra của tôi" on a 768×1024 tablet, starts it (commune, team and
the plan's citation filled in), finalises it, and the minutes open with "Căn cứ Kế hoạch số …"."""
from __future__ import annotations

import datetime as dt
import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader
import test_tablet
from test_tablet import LANDSCAPE, PORTRAIT, Tablet, stored
from test_walkthrough import answers_for, fill_date

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection, PlannedInspection

live_server, browser, screenshots = test_tablet.live_server, test_tablet.browser, test_tablet.screenshots


def test_a_plan_from_the_ranking_to_the_minutes(app, live_server, browser, screenshots):
    catalog = app.extensions["catalog"].loaded
    today = today_in_vietnam()
    office = Tablet(browser, live_server, LANDSCAPE)
    page = office.page
    office.login("admin")
    page.goto("/plans/new")
    page.fill("#number", "90/KH-SNV")
    fill_date(page, "#issued_on", today - dt.timedelta(days=10))
    page.fill("#title", "Kiểm tra công tác cải thiện Chỉ số PAPI năm 2026")
    fill_date(page, "#period_start", today - dt.timedelta(days=5))
    fill_date(page, "#period_end", today + dt.timedelta(days=60))
    page.locator('#areas input[value="001"]').check()
    page.fill("#decision_number", "31/QĐ-SNV")
    fill_date(page, "#decision_date", today - dt.timedelta(days=8))
    page.fill("#leader_name", "Trần Thị Bình")
    page.fill("#leader_position", "Phó Giám đốc Sở Nội vụ")
    page.select_option("#leader_user", label="Cán bộ inspector (inspector)")
    page.locator("#plan-submit").click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    expect(page.locator("#ranking tbody tr")).to_have_count(3)
    expect(page.locator("#ranking tbody tr").first).to_contain_text("chưa từng được kiểm tra")
    page.fill("#top-form [name=count]", "1")
    fill_date(page, "#top-form [name=first_day]", today)
    page.select_option("#top-form [name=kind]", "dot_xuat")
    page.locator("#add-top").click()
    expect(page.locator("#lich")).to_contain_text("Phường Ba Đình")
    expect(page.locator("#lich")).to_contain_text("Đột xuất")
    page.screenshot(path=str(screenshots / "plan-page.png"), full_page=True)
    page.locator("#calendar-link").click()
    expect(page.locator(".plan-calendar")).to_contain_text("Phường Ba Đình · Đột xuất")
    page.screenshot(path=str(screenshots / "plan-calendar.png"), full_page=True)
    office.close()

    tablet = Tablet(browser, live_server, PORTRAIT)
    page = tablet.page
    tablet.login("inspector")
    page.locator("nav a", has_text="Lịch của tôi").tap()
    card = page.locator(".schedule-card", has_text="Phường Ba Đình")
    expect(card).to_contain_text("Kế hoạch số 90/KH-SNV")
    start = card.locator("a.start")
    box = start.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 44, box
    page.screenshot(path=str(screenshots / "my-schedule-768x1024.png"), full_page=True)
    start.tap()
    page.wait_for_url(re.compile(r"/plans/planned/\d+/start$"))
    expect(page.locator("#plan-reference")).to_contain_text("Kế hoạch số 90/KH-SNV")
    expect(page.locator('[name="team-0-name"]')).to_have_value("Trần Thị Bình")
    page.fill("#villages", "40")
    page.fill('[name="commune_reps-0-name"]', "Nguyễn Văn Cường")
    page.fill('[name="commune_reps-0-position"]', "Chủ tịch UBND phường")
    page.locator("#start-submit").tap()
    page.wait_for_url(re.compile(r"/inspections/\d+$"))
    inspection_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        created = db.session.get(Inspection, inspection_id)
        assert created.commune_code == "00004" and created.plan_reference.startswith("Kế hoạch số 90/KH-SNV")
        assert db.session.query(PlannedInspection).one().status == "started"
        checklist = catalog.checklist_for("papi-xa", today).on(today)

    status = page.evaluate("""async ([url, answers, version]) => {
        const token = document.querySelector('meta[name="csrf-token"]').content;
        const response = await fetch(url, {method: 'PUT', headers: {'Content-Type': 'application/json',
            'X-CSRFToken': token}, body: JSON.stringify({answers, notes: {}, base_version: version})});
        return response.status; }""", [f"/api/v1/inspections/{inspection_id}/answers", answers_for(checklist, today),
                                       stored(app, inspection_id)["version"]])
    assert status == 200
    page.reload()
    page.locator("#finalize").tap()
    expect(page.locator("#finalize-confirm")).to_be_visible()
    page.locator("#confirm-start_time").fill("08:30")
    page.locator("#confirm-end_time").fill("11:00")
    page.locator("#confirm-place").fill("Trụ sở UBND phường Ba Đình")
    page.locator("#finalize-go").tap()
    expect(page.locator("#locked-banner")).to_be_visible(timeout=30_000)
    pdf = page.request.get(page.locator("#minutes-link").get_attribute("href"))
    assert pdf.status == 200
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages).split())
    assert "Căn cứ Kế hoạch số 90/KH-SNV" in text and "Quyết định số 31/QĐ-SNV" in text

    page.locator("nav a", has_text="Lịch của tôi").tap()
    expect(page.locator("main")).not_to_contain_text("Phường Ba Đình")
    assert tablet.errors == []
    tablet.only_local_requests()
    tablet.close()

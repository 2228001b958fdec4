"""The README's first inspection, today, as written: on the demo data `run.sh` loads, in Chromium.

Log in as `inspector`, start an inspection today of Phường Ba Đình in Cụm Ba Đình (checklist
version 2), answer, finalise with the minutes' details, print the minutes and reach the
re-inspection: the step that once dead-ended on a 409 because a seeded inspection was newer.
"""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect
from sqlalchemy import select
import test_tablet
from test_tablet import PORTRAIT, Tablet, stored

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection
from inspect_app.services.demo import seed_demo

# The tablet test's fixtures, shared: a live server on the test app, Chromium, the screenshot folder.
live_server, browser, screenshots = test_tablet.live_server, test_tablet.browser, test_tablet.screenshots


def answers_for(checklist, day: dt.date) -> dict:
    """A valid answer to every item of the dated checklist (findings or not: the walkthrough needs none)."""
    return {code: item.sample_answer(day, 40) for code, item in checklist.items.items()}


def fill_date(page, selector: str, day: dt.date) -> None:
    """A date typed as people type it, dd/mm/yyyy, whatever the browser's language."""
    page.fill(selector, day.strftime("%d/%m/%Y"))


def test_the_readme_walkthrough_reaches_a_reinspection(app, live_server, browser, screenshots):
    catalog = app.extensions["catalog"].loaded
    today = today_in_vietnam()
    with app.app_context():  # what run.sh loads: 2020–2026, the first 40 communes of each era
        seed_demo(db.session, catalog, range(2020, 2027), 40, 122, as_of=today)
        seeded = db.session.scalar(select(Inspection).where(Inspection.commune_code == "00004")
                                   .order_by(Inspection.inspection_date.desc()).limit(1))
        assert seeded is not None and seeded.inspection_date.year >= 2025  # a newer one than 2020 exists
        seeded_id = seeded.id
    tablet = Tablet(browser, live_server, PORTRAIT | {"locale": "en-US"})
    page = tablet.page
    tablet.login("inspector")

    page.locator("a.button", has_text="Lập phiếu kiểm tra").first.tap()
    page.wait_for_url(re.compile(r"/inspections/new$"))
    expect(page.locator("#inspection_date")).to_have_value(today.strftime("%d/%m/%Y"))  # the date is today
    page.select_option("#district", label="Cụm Ba Đình")
    page.select_option("#commune", "00004")
    expect(page.locator("#commune option:checked")).to_have_text("Phường Ba Đình (00004)")
    page.fill("#villages", "40")
    page.fill('[name="team-0-name"]', "Trần Thị Bình")
    page.fill('[name="team-0-position"]', "Chuyên viên Sở Nội vụ")
    page.locator("#create-submit").tap()
    page.wait_for_url(re.compile(r"/inspections/\d+$"))
    inspection_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        created = db.session.get(Inspection, inspection_id)
        assert (created.commune_code, created.inspection_date, created.checklist_version) == ("00004", today, 2)
        checklist = catalog.checklist_for("papi-xa", today).on(today)

    tablet.tap("TG-01", "yes")
    tablet.wait_saved(inspection_id)
    page.locator("#finalize").tap()  # missing items are listed
    expect(page.locator("#finalize-missing")).to_be_visible()
    expect(page.locator("#missing-links a").first).to_have_attribute("href", re.compile(r"^#item-"))

    rest = {code: value for code, value in answers_for(checklist, today).items() if code != "TG-01"}
    status = page.evaluate("""async ([url, answers, version]) => {
        const token = document.querySelector('meta[name="csrf-token"]').content;
        const response = await fetch(url, {method: 'PUT', headers: {'Content-Type': 'application/json',
            'X-CSRFToken': token}, body: JSON.stringify({answers, notes: {}, base_version: version})});
        return response.status; }""", [f"/api/v1/inspections/{inspection_id}/answers", rest,
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
    assert stored(app, inspection_id)["status"] == "finalised"
    pdf = page.request.get(page.locator("#minutes-link").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")

    page.reload()  # the finalised inspection is the commune's latest: it offers the re-inspection
    page.locator("#reinspect-link").tap()
    page.wait_for_url(re.compile(rf"/inspections/{inspection_id}/reinspect$"))
    fill_date(page, "#inspection_date", today + dt.timedelta(days=30))
    page.locator("#reinspect-submit").tap()
    page.wait_for_url(re.compile(r"/inspections/\d+$"))
    again = int(page.url.rsplit("/", 1)[1])
    assert again != inspection_id
    with app.app_context():
        follow_up = db.session.get(Inspection, again)
        assert (follow_up.commune_code, follow_up.status) == ("00004", "draft")
    expect(page.locator("#previous")).to_contain_text(today.strftime("%d/%m/%Y"))
    page.screenshot(path=str(screenshots / "walkthrough-reinspection-768x1024.png"))

    # the seeded older inspection of the same commune points to the one to start from
    page.goto(f"/inspections/{seeded_id}/reinspect")
    expect(page.locator("#start-from-link")).to_have_attribute("href", f"/inspections/{inspection_id}/reinspect")
    assert tablet.errors == []
    tablet.close()

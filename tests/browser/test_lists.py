"""The long lists on a 768×1024 tablet: a page of inspections stays short with a pager a finger can tap, and
the commune's remediation list reads as one group per inspection (screenshots in $INSPECT_SCREENSHOTS)."""
from __future__ import annotations

import datetime as dt
import re

from conftest import finalize_with_details
from playwright.sync_api import expect
from sqlalchemy import select
import test_tablet
from test_tablet import PORTRAIT, Tablet, compliant_answers

from inspect_app.extensions import db
from inspect_app.models import AdminUnit, Inspection, MinutesDocument, User
from inspect_app.services import inspections as service

# The tablet test's fixtures, shared: a live server on the test app, Chromium, the screenshot folder.
live_server, browser, screenshots = test_tablet.live_server, test_tablet.browser, test_tablet.screenshots

INSPECTIONS = 247  # the demo's count that once made a 22,000 px page
VIOLATIONS = {"TG-01": "no", "GT-03": "khong", "CK-05": "no", "TG-02": 3, "DV-03": 80.5}


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def finalised(app, day: str, client_id: str, answers: dict) -> int:
    """A finalised inspection of Phường Phúc Xá with the findings these answers produce."""
    catalog = app.extensions["catalog"].loaded
    with app.app_context():
        inspection, _ = service.create_inspection(db.session, catalog, user("inspector"), {
            "client_id": client_id, "checklist": "papi-xa", "commune_code": "00001", "inspection_date": day,
            "villages": 12, "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
        service.save_answers(db.session, catalog, user("inspector"), inspection.id, compliant_answers() | answers,
                             {}, inspection.version)
        finalize_with_details(db.session, catalog, user("inspector"), inspection.id)
        return inspection.id


def test_the_inspection_list_stays_short_and_its_pager_is_tappable(app, live_server, browser, screenshots):
    with app.app_context():
        units = list(db.session.scalars(select(AdminUnit).where(AdminUnit.level == "commune",
                                                                AdminUnit.parent_id.is_not(None))))
        admin = user("admin")
        db.session.add_all(Inspection(
            checklist_id="papi-xa", checklist_version=1, unit_id=unit.id, commune_code=unit.code,
            commune_name=unit.name, district_code=unit.parent.code, district_name=unit.parent.name,
            inspection_date=dt.date(2020, 9, 15) + dt.timedelta(days=n * 7), villages=8, created_by_id=admin.id)
            for n, unit in ((n, units[n % len(units)]) for n in range(INSPECTIONS)))
        db.session.commit()
    tablet = Tablet(browser, live_server, PORTRAIT)
    try:
        tablet.login("admin")
        page = tablet.page
        expect(page.locator(".pager-status")).to_have_text("Trang 1/5")
        assert page.locator("table.list tbody tr").count() == 50
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 5000, height
        page.screenshot(path=str(screenshots / "inspections-page-1-768x1024.png"), full_page=True)
        following = page.locator("a.pager-next")
        following.scroll_into_view_if_needed()
        box = following.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
        assert page.locator(".pager-prev").bounding_box()["height"] >= 44
        following.tap()
        page.wait_for_url(re.compile(r"/inspections\?page=2$"))
        expect(page.locator(".pager-status")).to_have_text("Trang 2/5")
        page.locator("#q").fill("phuc xa")
        page.locator(".filters button[type=submit]").tap()
        page.wait_for_url(re.compile(r"q=phuc\+xa"))
        names = page.locator("table.list tbody td[data-label='Xã, phường'] a").all_inner_texts()
        assert names and set(names) == {"Phường Phúc Xá"}
        assert tablet.errors == []
    finally:
        tablet.close()


def test_the_commune_sees_its_actions_grouped_by_inspection(app, live_server, browser, screenshots):
    first = finalised(app, "2020-09-15", "tablet-list-000001", VIOLATIONS)
    second = finalised(app, "2020-12-01", "tablet-list-000002", {"TG-01": "no"})
    with app.app_context():
        numbers = dict(db.session.execute(select(MinutesDocument.inspection_id, MinutesDocument.number)).all())
    tablet = Tablet(browser, live_server, PORTRAIT)
    try:
        tablet.page.goto("/login")
        tablet.page.fill("#username", "commune-phucxa")
        tablet.page.fill("#password", test_tablet.PASSWORD)
        tablet.page.locator("button[type=submit]").tap()
        tablet.page.wait_for_url(re.compile(r"/inspections$"))
        page = tablet.page
        page.goto("/remediations")
        heads = page.locator("tr.group-head")
        expect(heads).to_have_count(2)
        assert "Kiểm tra ngày 01/12/2020" in heads.nth(0).inner_text()
        assert f"Biên bản số {numbers[second]}" in heads.nth(0).inner_text()
        assert "Kiểm tra ngày 15/09/2020" in heads.nth(1).inner_text()
        assert f"Biên bản số {numbers[first]}" in heads.nth(1).inner_text()
        link = heads.nth(0).locator("a.group-link")
        assert link.bounding_box()["height"] >= 44
        page.screenshot(path=str(screenshots / "remediation-commune-grouped-768x1024.png"), full_page=True)
        page.screenshot(path=str(screenshots / "remediation-commune-grouped-viewport-768x1024.png"))
        assert tablet.errors == []
    finally:
        tablet.close()

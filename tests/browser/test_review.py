"""Reviewing a commune's evidence on a tablet, in Chromium: the verdict is a tick and a comment, never one tap.

The commune has sent evidence for a 2020 finding long past its deadline: the action must read as awaiting
review since that day, not as "Quá hạn N ngày"; confirming without the tick or the comment shows Vietnamese
messages beside the fields and changes nothing; with both it is verified and the comment is shown.
"""
from __future__ import annotations

from pathlib import Path

import test_tablet
from conftest import finalize_with_details
from playwright.sync_api import expect
from sqlalchemy import select

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import RemediationAction, User
from inspect_app.services import inspections as inspection_service
from inspect_app.services import remediation

live_server, browser, screenshots = test_tablet.live_server, test_tablet.browser, test_tablet.screenshots
COMMENT = "Đã xem ảnh lịch tiếp công dân niêm yết tại trụ sở, có số điện thoại người tiếp."


def submitted_action(app) -> int:
    """Phúc Xá inspected on 15/09/2020 with GT-03 failing; the commune sends a note as evidence today."""
    catalog = app.extensions["catalog"].loaded
    with app.app_context():
        def user(name: str) -> User:
            return db.session.scalar(select(User).where(User.username == name))
        inspection, _ = inspection_service.create_inspection(db.session, catalog, user("inspector"), {
            "client_id": "tablet-review-0001", "checklist": "papi-xa", "commune_code": "00001",
            "inspection_date": "2020-09-15", "villages": 12,
            "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
        answers = test_tablet.compliant_answers() | {"GT-03": "khong"}
        inspection_service.save_answers(db.session, catalog, user("inspector"), inspection.id, answers, {},
                                        inspection.version)
        finalize_with_details(db.session, catalog, user("inspector"), inspection.id)
        action = db.session.scalar(select(RemediationAction.id).where(
            RemediationAction.inspection_id == inspection.id, RemediationAction.finding.has(code="GT-03")))
        remediation.submit_evidence(db.session, user("commune-phucxa"), action, "Đã niêm yết lịch tiếp dân",
                                    None, Path(app.config["PHOTO_DIR"]))
        return action


def test_a_verdict_needs_the_tick_and_a_comment(app, live_server, browser, screenshots):
    action = submitted_action(app)
    tablet = test_tablet.Tablet(browser, live_server, test_tablet.PORTRAIT)
    try:
        page = tablet.page
        tablet.login("inspector")
        page.goto(f"/remediations/{action}")
        came_in = today_in_vietnam().strftime("%d/%m/%Y")
        expect(page.locator("#awaiting-review")).to_have_text(f"Minh chứng gửi ngày {came_in}")
        expect(page.locator(".sheet-head")).not_to_contain_text("Quá hạn")

        tick = page.locator("#verify-form label.check")
        box = tick.bounding_box()
        assert box and box["height"] >= 44, box  # a thumb can hit it
        page.locator("#verify-form button[type=submit]").tap()
        expect(page.locator("#verify-confirm-error")).to_have_text("Đánh dấu ô xác nhận đã xem minh chứng")
        expect(page.locator("#verify-comment-error")).to_have_text("Nhập nhận xét về minh chứng")
        expect(page.locator("#action-status")).to_have_text("Chờ xác nhận")
        page.screenshot(path=str(screenshots / "review-refused.png"), full_page=True)

        page.fill("#comment", COMMENT)
        tick.tap()
        page.locator("#verify-form button[type=submit]").tap()
        expect(page.locator("#action-status")).to_have_text("Đã khắc phục")
        expect(page.locator("main")).to_contain_text(f"Nhận xét khi xác nhận {COMMENT}")
        page.screenshot(path=str(screenshots / "review-verified.png"), full_page=True)
        with app.app_context():
            stored = db.session.get(RemediationAction, action)
            assert (stored.status, stored.verify_comment) == ("verified", COMMENT)
        assert not tablet.errors
        tablet.only_local_requests()
    finally:
        tablet.close()

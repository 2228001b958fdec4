"""Offline tablets (issue 13) in Debian's Chromium: the service worker, the IndexedDB queue, replays.

"Offline" is both Playwright's set_offline and request routing that aborts every API call: in a
trial run set_offline alone let a page-close save through. Requests the service worker makes are
routed too (PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS), so the worker cannot reach the server
either. The browser runs in English (--lang=en-US): what the inspector sees must still be Vietnamese.
"""
from __future__ import annotations

import os

import pytest
import test_tablet
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import AuditEntry, Photo, User
from inspect_app.services import inspections as service

live_server, screenshots, stored = test_tablet.live_server, test_tablet.screenshots, test_tablet.stored
NEW = {"checklist": "papi-xa", "commune_code": "00001", "inspection_date": "2020-09-15", "villages": 12,
       "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên Sở Nội vụ", "role": "truong_doan"}],
       "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}]}
ENGLISH = test_tablet.PORTRAIT | {"locale": "en-US"}


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium in English, its service workers' requests visible to request routing."""
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(test_tablet.CHROMIUM),
                                              args=test_tablet.CHROMIUM_ARGS + ["--lang=en-US"])
        yield chromium
        chromium.close()


class OfflineTablet(test_tablet.Tablet):
    """A tablet whose network can be cut the two ways."""

    def offline(self) -> None:
        self.context.set_offline(True)
        self.context.route("**/api/**", lambda route: route.abort("internetdisconnected"))

    def online(self) -> None:
        self.context.unroute("**/api/**")
        self.context.set_offline(False)
        self.page.evaluate("window.dispatchEvent(new Event('online'))")

    def open_cached(self, path: str) -> None:
        """Open a page while online and wait until the service worker controls it and has cached it."""
        self.page.goto(path)
        self.page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
        self.page.reload()  # now through the worker, which keeps a copy
        self.page.wait_for_function("""path => caches.open('inspect-pages')
            .then(c => c.match(path)).then(hit => !!hit)""", arg=path, timeout=20_000)

    def header(self) -> str:
        return self.page.locator("#net-status").inner_text()


def new_inspection(app, username: str = "inspector") -> int:
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == username))
        return service.create_inspection(db.session, app.extensions["catalog"], actor, NEW)[0].id


def counts(app, inspection_id: int) -> dict:
    """Photos and audited answer saves of the inspection: replays must not add any."""
    with app.app_context():
        photos = db.session.scalar(select(func.count()).select_from(Photo).where(Photo.inspection_id == inspection_id))
        saves = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "inspection", AuditEntry.entity_id == inspection_id, AuditEntry.action == "answer"))
        return {"photos": photos, "answer_saves": saves}


def test_answers_and_a_photo_given_offline_survive_reload_and_close_and_reach_the_server_once(
        app, live_server, browser, screenshots):
    inspection_id = new_inspection(app)
    path = f"/inspections/{inspection_id}"
    tablet = OfflineTablet(browser, live_server, ENGLISH)
    page = tablet.page
    tablet.login("inspector")
    tablet.open_cached(path)
    expect(page.locator("#net-state")).to_have_text("Trực tuyến")

    tablet.offline()
    tablet.tap("TG-01", "yes")
    page.locator("#item-TG-01 .note-toggle").tap()
    page.fill('[name="note-TG-01"]', "Loa hoạt động tốt")
    page.set_input_files('input[name="photo-CK-01"]', files=[
        {"name": "bang-tin.jpg", "mimeType": "image/jpeg", "buffer": test_tablet.jpeg(2400, 1800)}])
    expect(page.locator("#item-CK-01 .thumbs .pending")).to_have_count(1)
    expect(page.locator("#net-state")).to_have_text("Ngoại tuyến")
    expect(page.locator("#net-waiting")).to_have_text("2 thay đổi chờ gửi")  # TG-01 (answer and note), the photo
    page.screenshot(path=str(screenshots / "offline-header-waiting.png"))

    # Reloaded offline: the worker's copy of the page, with the queued answer, note and photo on it.
    page.reload()
    expect(page.locator("h1")).to_contain_text("Phúc Xá")
    expect(page.locator('#item-TG-01 input[value="yes"]')).to_be_checked()
    expect(page.locator('[name="note-TG-01"]')).to_have_value("Loa hoạt động tốt")
    expect(page.locator("#item-CK-01 .thumbs .pending img")).to_have_count(1)

    # Closed and opened again, still offline.
    page.close()
    tablet.page = page = tablet.context.new_page()
    page.goto(path)
    expect(page.locator('#item-TG-01 input[value="yes"]')).to_be_checked()
    expect(page.locator("#item-CK-01 .thumbs .pending img")).to_have_count(1)
    expect(page.locator("#net-waiting")).to_have_text("2 thay đổi chờ gửi")
    assert tablet.queued_photos(inspection_id) == 1
    # The photo was downscaled on the tablet before it was queued.
    size = page.evaluate("""id => window.offlineStore.photos(id).then(rows => createImageBitmap(rows[0].blob))
        .then(b => [b.width, b.height])""", str(inspection_id))
    assert max(size) == 1600
    server = stored(app, inspection_id)
    assert "TG-01" not in server["answers"] and server["photos"] == []

    # A page never opened shows the Vietnamese offline page, not the browser's English one.
    page.goto("/dashboard")
    expect(page.locator("#offline-page h1")).to_have_text("Chưa có kết nối mạng")
    page.screenshot(path=str(screenshots / "offline-page.png"))
    page.goto(path)

    tablet.online()
    tablet.wait_saved(inspection_id)
    expect(page.locator("#net-state")).to_have_text("Trực tuyến")
    expect(page.locator("#net-waiting")).to_be_hidden()
    page.screenshot(path=str(screenshots / "online-header-synced.png"))
    server = stored(app, inspection_id)
    assert server["answers"] == {"TG-01": "yes"} and server["notes"] == {"TG-01": "Loa hoạt động tốt"}
    assert server["photos"] == [("CK-01", 1600, 1200)]
    assert counts(app, inspection_id) == {"photos": 1, "answer_saves": 1}
    tablet.only_local_requests()
    assert not tablet.errors, tablet.errors
    tablet.close()

"""Offline tablets (issue 13) in Debian's Chromium: the service worker, the IndexedDB queue, replays.

"Offline" is Playwright's set_offline and request routing that aborts every API call: in a trial
run set_offline alone let a page-close save through. Requests the service worker makes are routed
too (PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS). Even both let a request that was waiting in
the route when its page closed reach the server, so the test server also refuses API calls while
the tablet is "offline" (Gate): what the database holds then proves what really synced. The
browser runs in English (--lang=en-US): what the inspector sees must still be Vietnamese.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import test_tablet
from playwright.sync_api import Error as PlaywrightError
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


class Gate:
    """The server's side of "offline": API calls answer 503 while closed, so nothing slips into the database."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.closed = False

    def __call__(self, environ, start_response):
        if self.closed and environ.get("PATH_INFO", "").startswith("/api/"):
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return [b""]
        return self.wsgi_app(environ, start_response)


@pytest.fixture
def gate(app) -> Gate:
    app.wsgi_app = Gate(app.wsgi_app)
    return app.wsgi_app


class OfflineTablet(test_tablet.Tablet):
    """A tablet whose network can be cut: emulation, routing, and the server's gate."""

    def __init__(self, browser, base_url: str, gate: Gate):
        super().__init__(browser, base_url, ENGLISH)
        self.gate = gate

    def offline(self) -> None:
        self.gate.closed = True
        self.context.set_offline(True)
        self.context.route("**/api/**", lambda route: route.abort("internetdisconnected"))

    def online(self) -> None:
        self.context.unroute("**/api/**")
        self.context.set_offline(False)
        self.gate.closed = False
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
        return service.create_inspection(db.session, app.extensions["catalog"].loaded, actor, NEW)[0].id


def counts(app, inspection_id: int) -> dict:
    """Photos and audited answer saves of the inspection: replays must not add any."""
    with app.app_context():
        photos = db.session.scalar(select(func.count()).select_from(Photo).where(Photo.inspection_id == inspection_id))
        saves = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "inspection", AuditEntry.entity_id == inspection_id, AuditEntry.action == "answer"))
        return {"photos": photos, "answer_saves": saves}


def test_answers_and_a_photo_given_offline_survive_reload_and_close_and_reach_the_server_once(
        app, gate, live_server, browser, screenshots):
    inspection_id = new_inspection(app)
    path = f"/inspections/{inspection_id}"
    tablet = OfflineTablet(browser, live_server, gate)
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


def test_two_tablets_clash_on_an_item_and_the_inspector_chooses(app, gate, live_server, browser, screenshots):
    inspection_id = new_inspection(app)
    path = f"/inspections/{inspection_id}"
    first, second = (OfflineTablet(browser, live_server, gate) for _ in range(2))
    for tablet in (first, second):
        tablet.login("inspector")
        tablet.open_cached(path)

    # Only the first tablet is cut off (the server's gate stays open for the second).
    first.context.set_offline(True)
    first.context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    first.tap("TG-01", "yes")
    first.tap("TG-04", "yes")
    expect(first.page.locator("#net-waiting")).to_have_text("2 thay đổi chờ gửi")
    second.tap("TG-01", "no")
    second.wait_saved(inspection_id)

    first.online()
    expect(first.page.locator("#conflicts")).to_be_visible()
    row = first.page.locator('#conflict-list .conflict[data-code="TG-01"]')
    expect(row.locator(".mine .conflict-value")).to_have_text("Có")
    expect(row.locator(".theirs .conflict-value")).to_have_text("Không")
    expect(first.page.locator("#conflict-list .conflict")).to_have_count(1)  # TG-04 clashed with nobody
    expect(first.page.locator("#net-waiting")).to_have_text("1 thay đổi chờ gửi")
    first.page.locator("#conflicts").screenshot(path=str(screenshots / "conflict-view.png"))
    first.page.screenshot(path=str(screenshots / "conflict-page.png"))
    assert stored(app, inspection_id)["answers"] == {"TG-01": "no", "TG-04": "yes"}  # nothing overwritten yet

    row.locator('[data-keep="mine"]').tap()
    expect(first.page.locator("#conflicts")).to_be_hidden()
    first.wait_saved(inspection_id)
    assert stored(app, inspection_id)["answers"] == {"TG-01": "yes", "TG-04": "yes"}

    # The other way round: the second tablet's unsent note clashes, and it takes the server's.
    second.context.set_offline(True)
    second.context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    second.page.locator("#item-TG-04 .note-toggle").tap()
    second.page.fill('[name="note-TG-04"]', "Bản của máy hai")
    expect(second.page.locator("#net-waiting")).to_have_text("1 thay đổi chờ gửi")
    first.page.locator("#item-TG-04 .note-toggle").tap()
    first.page.fill('[name="note-TG-04"]', "Bản của máy một")
    first.wait_saved(inspection_id)
    second.online()
    note_row = second.page.locator('#conflict-list .conflict[data-code="TG-04"][data-kind="notes"]')
    expect(note_row.locator(".theirs .conflict-value")).to_have_text("Bản của máy một")
    note_row.locator('[data-keep="theirs"]').tap()
    expect(second.page.locator('[name="note-TG-04"]')).to_have_value("Bản của máy một")
    expect(second.page.locator("#net-waiting")).to_be_hidden()
    assert stored(app, inspection_id)["notes"] == {"TG-04": "Bản của máy một"}
    for tablet in (first, second):
        assert not tablet.errors, tablet.errors
        tablet.close()


def test_a_sync_cut_off_halfway_resumes_without_loss_or_duplicate(app, gate, live_server, browser):
    inspection_id = new_inspection(app)
    tablet = OfflineTablet(browser, live_server, gate)
    page = tablet.page
    tablet.login("inspector")
    tablet.open_cached(f"/inspections/{inspection_id}")
    tablet.offline()
    tablet.tap("TG-01", "yes")
    tablet.tap("TG-04", "no")
    page.set_input_files('input[name="photo-CK-01"]', files=[
        {"name": "bang-tin.jpg", "mimeType": "image/jpeg", "buffer": test_tablet.jpeg()}])
    expect(page.locator("#net-waiting")).to_have_text("3 thay đổi chờ gửi")

    # The network comes back but loses every answer on its way back: the server has applied each request.
    def cut(route):
        try:
            route.fetch()
        except PlaywrightError:  # the test is over and its server gone: nothing to apply
            pass
        route.abort("connectionreset")
    tablet.context.unroute("**/api/**")
    tablet.context.route("**/api/v1/inspections/*/answers", cut)
    tablet.context.route("**/api/v1/inspections/*/photos", cut)
    gate.closed = False
    tablet.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    for _ in range(100):  # until the server has applied the answers and the photo the tablet never heard about
        server = stored(app, inspection_id)
        if server["answers"] == {"TG-01": "yes", "TG-04": "no"} and len(server["photos"]) == 1:
            break
        page.wait_for_timeout(200)
    assert server["answers"] == {"TG-01": "yes", "TG-04": "no"} and len(server["photos"]) == 1
    expect(page.locator("#net-waiting")).to_have_text("3 thay đổi chờ gửi")  # nothing confirmed, nothing dropped

    tablet.context.unroute("**/api/v1/inspections/*/answers")
    tablet.context.unroute("**/api/v1/inspections/*/photos")
    page.reload()  # the tablet starts the sync again from its queue
    tablet.wait_saved(inspection_id)
    expect(page.locator("#conflicts")).to_be_hidden()  # its own earlier write is no clash
    server = stored(app, inspection_id)
    assert server["answers"] == {"TG-01": "yes", "TG-04": "no"} and len(server["photos"]) == 1
    assert counts(app, inspection_id)["photos"] == 1
    expect(page.locator("#item-CK-01 .photo-card")).to_have_count(1)
    assert not tablet.errors, tablet.errors
    tablet.context.unroute_all(behavior="ignoreErrors")
    tablet.close()


def test_a_new_worker_installed_while_changes_wait_keeps_them(app, gate, live_server, browser):
    inspection_id = new_inspection(app)
    tablet = OfflineTablet(browser, live_server, gate)
    page = tablet.page
    tablet.login("inspector")
    tablet.open_cached(f"/inspections/{inspection_id}")
    shells = "() => caches.keys().then(names => names.filter(n => n.startsWith('inspect-shell-')))"
    before = page.evaluate(shells)
    assert len(before) == 1
    tablet.offline()
    tablet.tap("TG-01", "yes")
    expect(page.locator("#net-waiting")).to_have_text("1 thay đổi chờ gửi")

    # A release: the worker's version changes. The network is back for pages; the API still fails.
    app.config["RELEASE"] = "next"
    tablet.context.set_offline(False)
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    page.wait_for_function("""old => caches.keys().then(names => {
        const shells = names.filter(n => n.startsWith('inspect-shell-'));
        return shells.length === 1 && shells[0] !== old; })""", arg=before[0], timeout=20_000)
    assert tablet.pending(inspection_id)["answers"] == {"TG-01": "yes"}
    page.reload()
    expect(page.locator('#item-TG-01 input[value="yes"]')).to_be_checked()
    expect(page.locator("#net-waiting")).to_have_text("1 thay đổi chờ gửi")

    tablet.online()
    tablet.wait_saved(inspection_id)
    assert stored(app, inspection_id)["answers"] == {"TG-01": "yes"}
    assert counts(app, inspection_id)["answer_saves"] == 1
    assert not tablet.errors, tablet.errors
    tablet.close()


def test_logging_out_with_changes_waiting_asks_first_and_the_queue_exports_to_a_file(
        app, gate, live_server, browser, screenshots):
    inspection_id = new_inspection(app)
    tablet = OfflineTablet(browser, live_server, gate)
    page = tablet.page
    tablet.login("inspector")
    tablet.open_cached(f"/inspections/{inspection_id}")
    tablet.offline()
    tablet.tap("TG-01", "yes")
    expect(page.locator("#net-waiting")).to_have_text("1 thay đổi chờ gửi")

    page.locator("#logout-form button").tap()
    warning = page.locator("#logout-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Còn 1 thay đổi chưa gửi lên máy chủ")
    page.screenshot(path=str(screenshots / "logout-warning.png"))
    page.locator("#logout-stay").tap()
    expect(warning).to_be_hidden()
    assert "/inspections/" in page.url  # still logged in, still on the checklist

    with page.expect_download() as download:
        page.locator("#net-export").tap()
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["format"] == "inspect-offline-queue" and exported["user"] == "inspector"
    assert exported["changes"][0]["answers"] == {"TG-01": "yes"}

    tablet.online()
    tablet.wait_saved(inspection_id)
    page.locator("#logout-form button").tap()  # nothing waits: no question
    page.wait_for_url(re.compile(r"/login"))
    tablet.close()


def test_a_change_waits_for_its_own_author_on_a_shared_tablet(app, gate, live_server, browser):
    inspection_id = new_inspection(app)
    path = f"/inspections/{inspection_id}"
    tablet = OfflineTablet(browser, live_server, gate)
    page = tablet.page
    tablet.login("inspector")
    tablet.open_cached(path)
    tablet.offline()
    tablet.tap("TG-01", "yes")
    expect(page.locator("#net-waiting")).to_have_text("1 thay đổi chờ gửi")
    tablet.context.set_offline(False)  # pages are reachable again, the API is not
    page.locator("#logout-form button").tap()
    page.locator("#logout-anyway").tap()
    page.wait_for_url(re.compile(r"/login"))
    tablet.context.unroute("**/api/**")
    gate.closed = False

    # The administrator uses the same tablet: the inspector's change is neither shown, counted nor sent.
    tablet.login("admin")
    page.goto(path)
    expect(page.locator('#item-TG-01 input[value="yes"]')).not_to_be_checked()
    expect(page.locator("#net-waiting")).to_be_hidden()
    page.wait_for_timeout(1000)
    assert stored(app, inspection_id)["answers"] == {}
    page.locator("#logout-form button").tap()
    page.wait_for_url(re.compile(r"/login"))

    tablet.login("inspector")  # its author again: sent
    page.goto(path)
    tablet.wait_saved(inspection_id)
    assert stored(app, inspection_id)["answers"] == {"TG-01": "yes"}
    tablet.close()

"""Starting an inspection without a network (issue 13) in Debian's Chromium: the start forms and the
offline checklist page come from the service worker's cache, the creation waits in IndexedDB with
everything answered on it, and the tablet creates it exactly once when the network is back. The
minutes' details wait on the tablet like answers.

"Offline" is the same as in test_offline.py: set_offline, request routing and the server's gate.
"""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect
from sqlalchemy import func, select
import test_offline
import test_tablet
from conftest import finalize_with_details
from test_walkthrough import answers_for

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, Inspection, Photo, User
from inspect_app.services import inspections as service

live_server, screenshots, browser, gate = (test_tablet.live_server, test_tablet.screenshots, test_offline.browser,
                                           test_offline.gate)
OfflineTablet = test_offline.OfflineTablet
PAGE_V2 = "/inspections/offline-draft?checklist=papi-xa&version=2"
DETAILS = {"start_time": "08:00", "end_time": "11:30", "place": "Hội trường UBND phường Ba Đình"}


def cached(tablet, *paths: str) -> None:
    """Until the service worker has cached these pages for the field (from the list's links)."""
    tablet.page.wait_for_function("""paths => caches.open('inspect-pages')
        .then(c => Promise.all(paths.map(p => c.match(p)))).then(hits => hits.every(Boolean))""",
                                  arg=list(paths), timeout=20_000)


def created_with(app, client_id: str) -> list[Inspection]:
    with app.app_context():
        return list(db.session.scalars(select(Inspection).where(Inspection.client_id == client_id)))


def field_tablet(browser, live_server, gate, *pages: str) -> OfflineTablet:
    """The inspector's tablet before leaving: logged in, the list opened online, these pages cached from it."""
    tablet = OfflineTablet(browser, live_server, gate)
    tablet.login("inspector")
    tablet.open_cached("/inspections")
    cached(tablet, *pages)
    return tablet


def fill_start_form(page, position: str | None = "Chuyên viên Sở Nội vụ") -> None:
    """Phường Ba Đình, 40 villages, the team head (without a position when None)."""
    page.select_option("#commune", "00004")
    page.fill("#villages", "40")
    page.fill('[name="team-0-name"]', "Trần Thị Bình")
    if position is not None:
        page.fill('[name="team-0-position"]', position)


def test_an_inspection_started_offline_is_answered_then_created_once(app, gate, live_server, browser, screenshots):
    tablet = field_tablet(browser, live_server, gate, "/inspections/new", PAGE_V2)
    page = tablet.page

    tablet.offline()
    page.goto("/inspections/new")  # the worker's copy
    fill_start_form(page)
    page.locator("#create-submit").tap()
    page.wait_for_url(re.compile(r"/inspections/offline-draft\?checklist=papi-xa&version=2#[0-9a-f]{32}$"))
    client_id = page.url.rsplit("#", 1)[1]
    expect(page.locator("h1")).to_contain_text("Phường Ba Đình")
    expect(page.locator("#status-label")).to_have_text("Chờ tạo trên máy chủ")
    expect(page.locator('[data-pending="date"]')).to_have_text(today_in_vietnam().strftime("%d/%m/%Y"))
    expect(page.locator("#item-TG-04")).to_have_count(0)  # ended on 31/12/2025: not on today's sheet

    tablet.tap("TG-01", "yes")
    page.fill("#details-form [name=start_time]", DETAILS["start_time"])
    page.fill("#details-form [name=end_time]", DETAILS["end_time"])
    page.fill("#details-form [name=place]", DETAILS["place"])
    page.locator("#details-form button[type=submit]").tap()
    expect(page.locator("#details-status")).to_have_text("Đã lưu trên máy — sẽ tự gửi khi có mạng.")
    page.set_input_files('input[name="photo-CK-01"]', files=[
        {"name": "bang-tin.jpg", "mimeType": "image/jpeg", "buffer": test_tablet.jpeg(1200, 900)}])
    expect(page.locator("#item-CK-01 .thumbs .pending")).to_have_count(1)
    # The inspection to create, TG-01, the minutes' details and the photo.
    expect(page.locator("#net-waiting")).to_have_text("4 thay đổi chờ gửi")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "offline-started-inspection.png"), full_page=False)

    page.reload()  # still offline: all of it is on the tablet
    expect(page.locator('#item-TG-01 input[value="yes"]')).to_be_checked()
    expect(page.locator("#details-form [name=place]")).to_have_value(DETAILS["place"])
    expect(page.locator("#item-CK-01 .thumbs .pending img")).to_have_count(1)

    # The same cached form opened again starts another inspection, not the same one.
    other = tablet.context.new_page()
    other.goto("/inspections/new")
    other.wait_for_function("id => document.querySelector('[name=client_id]').value !== id", arg=client_id)
    other.close()
    assert created_with(app, client_id) == []

    tablet.online()
    page.wait_for_url(re.compile(r"/inspections/\d+$"), timeout=30_000)
    inspection_id = int(page.url.rsplit("/", 1)[1])
    # It gave way to its own page only once everything had reached the server.
    expect(page.locator("#net-waiting")).to_be_hidden()
    assert tablet.pending(inspection_id) is None and tablet.queued_photos(inspection_id) == 0
    expect(page.locator('#item-TG-01 input[value="yes"]')).to_be_checked()
    (inspection,) = created_with(app, client_id)
    with app.app_context():
        inspection = db.session.get(Inspection, inspection.id)
        assert (inspection.id, inspection.commune_code, inspection.inspection_date, inspection.checklist_version,
                inspection.created_by.username) == (inspection_id, "00004", today_in_vietnam(), 2, "inspector")
        assert service.answers_of(inspection) == {"TG-01": "yes"}
        assert (inspection.start_time, inspection.end_time, inspection.place) == tuple(DETAILS.values())
        assert db.session.scalar(select(func.count()).select_from(Photo)
                                 .where(Photo.inspection_id == inspection_id)) == 1
    assert tablet.errors == []


def test_a_reinspection_started_offline_shows_last_time_and_syncs(app, gate, live_server, browser, screenshots):
    day = dt.date(2026, 1, 15)
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        catalog = app.extensions["catalog"].loaded
        first, _ = service.create_inspection(db.session, catalog, inspector, test_offline.NEW | {
            "client_id": "reinspect-base-0001", "commune_code": "00004", "inspection_date": day.isoformat()})
        answers = answers_for(catalog.checklist_for("papi-xa", day).on(day), day) | {"TG-01": "no"}
        service.save_answers(db.session, catalog, inspector, first.id, answers, {}, first.version)
        finalize_with_details(db.session, catalog, inspector, first.id)
        first_id = first.id
    reinspect = f"/inspections/{first_id}/reinspect"
    tablet = field_tablet(browser, live_server, gate, reinspect, f"{PAGE_V2}&previous={first_id}")
    page = tablet.page

    tablet.offline()
    page.goto(reinspect)
    expect(page.locator("#inspection_date")).to_have_value(today_in_vietnam().strftime("%d/%m/%Y"))
    page.locator("#reinspect-submit").tap()
    page.wait_for_url(re.compile(rf"/inspections/offline-draft\?checklist=papi-xa&version=2&previous={first_id}#"))
    client_id = page.url.rsplit("#", 1)[1]
    expect(page.locator("h1")).to_contain_text("Phường Ba Đình")
    expect(page.locator("#previous")).to_contain_text("15/01/2026")  # last time's findings, cached with the page
    expect(page.locator("#item-TG-01 .prev-answer")).to_contain_text("Không")
    tablet.tap("TG-01", "yes")
    page.screenshot(path=str(screenshots / "offline-started-reinspection.png"), full_page=False)

    tablet.online()
    page.wait_for_url(re.compile(r"/inspections/\d+$"), timeout=30_000)
    inspection_id = int(page.url.rsplit("/", 1)[1])
    assert tablet.pending(inspection_id) is None
    (created,) = created_with(app, client_id)
    with app.app_context():
        created = db.session.get(Inspection, created.id)
        assert (created.commune_code, created.status, service.answers_of(created)) == ("00004", "draft", {"TG-01": "yes"})
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_id == inspection_id,
                                                          AuditEntry.action == "create"))
        assert audit.details["reinspection_of"] == first_id
    assert tablet.errors == []


def test_a_creation_the_server_refuses_keeps_the_answers_and_says_why(app, gate, live_server, browser, screenshots):
    tablet = field_tablet(browser, live_server, gate, "/inspections/new", PAGE_V2)
    page = tablet.page

    tablet.offline()
    page.goto("/inspections/new")
    page.fill("#inspection_date", "15/09/2028")  # more than a year ahead: the server's rule, not the tablet's
    fill_start_form(page, position=None)
    page.locator("#create-submit").tap()  # what the tablet can check, it checks before queueing
    expect(page.locator("#offline-problems")).to_contain_text("Đoàn kiểm tra, người thứ 1: cần cả họ tên")
    page.fill('[name="team-0-position"]', "Chuyên viên Sở Nội vụ")
    page.locator("#create-submit").tap()
    page.wait_for_url(re.compile(r"version=2#"))
    client_id = page.url.rsplit("#", 1)[1]
    tablet.tap("TG-01", "yes")

    tablet.online()
    expect(page.locator("#pending-refused")).to_be_visible(timeout=20_000)
    expect(page.locator("#pending-refused-text")).to_contain_text("ngày kiểm tra phải từ 11/06/2020")
    assert created_with(app, client_id) == []
    assert tablet.pending(f"new-{client_id}")["answers"] == {"TG-01": "yes"}  # kept to export
    page.goto("/inspections")
    expect(page.locator("#pending-creations")).to_contain_text("Phường Ba Đình — ngày 15/09/2028")
    expect(page.locator("#pending-creations .status.refused")).to_contain_text("Máy chủ không tạo được phiếu")
    page.screenshot(path=str(screenshots / "offline-creation-refused-list.png"))


def test_the_minutes_details_wait_on_the_tablet_and_are_checked_before(app, gate, live_server, browser):
    inspection_id = test_offline.new_inspection(app)
    tablet = OfflineTablet(browser, live_server, gate)
    page = tablet.page
    tablet.login("inspector")
    tablet.open_cached(f"/inspections/{inspection_id}")

    page.fill("#details-form [name=start_time]", "14h")
    page.fill("#details-form [name=end_time]", "9:30")
    page.locator("#details-form button[type=submit]").tap()  # checked on the tablet, nothing queued
    expect(page.locator("#details-form .field-end_time .field-error")).to_have_text("Giờ kết thúc phải sau giờ bắt đầu.")
    expect(page.locator("#net-waiting")).to_be_hidden()

    tablet.offline()
    page.fill("#details-form [name=start_time]", "8h30")
    page.fill("#details-form [name=end_time]", "11:00")
    page.fill("#details-form [name=place]", "Trụ sở UBND phường Phúc Xá")
    page.locator("#details-form button[type=submit]").tap()
    expect(page.locator("#details-status")).to_have_text("Đã lưu trên máy — sẽ tự gửi khi có mạng.")
    expect(page.locator("#details-form [name=start_time]")).to_have_value("08:30")
    expect(page.locator("#confirm-place")).to_have_value("Trụ sở UBND phường Phúc Xá")  # finalising asks the same
    expect(page.locator("#net-waiting")).to_have_text("1 thay đổi chờ gửi")
    page.reload()
    expect(page.locator("#details-form [name=place]")).to_have_value("Trụ sở UBND phường Phúc Xá")

    tablet.online()
    expect(page.locator("#details-status")).to_contain_text("Đã lưu thông tin biên bản lúc", timeout=20_000)
    expect(page.locator("#net-waiting")).to_be_hidden()
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert (inspection.start_time, inspection.end_time, inspection.place) == (
            "08:30", "11:00", "Trụ sở UBND phường Phúc Xá")
    assert tablet.pending(inspection_id) is None and tablet.errors == []


def test_a_newer_release_upgrading_the_queue_is_not_blocked_by_an_open_page(app, gate, live_server, browser):
    inspection_id = test_offline.new_inspection(app)
    tablet = OfflineTablet(browser, live_server, gate)
    page = tablet.page
    tablet.login("inspector")
    page.goto(f"/inspections/{inspection_id}")
    other = tablet.context.new_page()
    other.goto("/offline")  # any page of the app's origin
    tablet.offline()
    tablet.tap("TG-01", "yes")
    page.wait_for_function("() => window.offlineStore.waiting().then(n => n === 1)")
    # Another tab, as the next release would, opens the queue's database at a higher version.
    upgraded = other.evaluate("""() => new Promise(resolve => {
        const request = indexedDB.open('inspect-photos', 99);
        request.onsuccess = () => { request.result.close(); resolve('upgraded'); };
        request.onerror = () => resolve('error');
        setTimeout(() => resolve('blocked'), 10000);
    })""")
    assert upgraded == "upgraded"  # the open page stepped aside (closed the database and reloaded)
    queued = other.evaluate("""key => new Promise(resolve => {
        const request = indexedDB.open('inspect-photos');
        request.onsuccess = () => {
            const read = request.result.transaction('changes').objectStore('changes').get(key);
            read.onsuccess = () => { request.result.close(); resolve(read.result); };
        };
    })""", f"inspector|{inspection_id}")
    assert queued["answers"] == {"TG-01": "yes"}  # and nothing it had queued was lost


def test_a_start_form_the_weak_network_drops_is_queued_not_lost(app, gate, live_server, browser):
    tablet = field_tablet(browser, live_server, gate, PAGE_V2)
    page = tablet.page
    page.goto("/inspections/new")
    # The browser still says "online", but the post never reaches the server.
    page.route("**/inspections/new", lambda route: route.abort("connectionreset") if route.request.method == "POST"
               else route.continue_())
    fill_start_form(page)
    client_id = page.input_value('[name="client_id"]')
    page.locator("#create-submit").tap()
    page.wait_for_url(re.compile(r"/inspections/offline-draft\?checklist=papi-xa&version=2#"))
    page.unroute("**/inspections/new")
    # The network is fine for the API: the page creates the inspection at once and gives way to it.
    page.wait_for_url(re.compile(r"/inspections/\d+$"), timeout=30_000)
    (created,) = created_with(app, client_id)
    assert page.url.endswith(f"/inspections/{created.id}") and tablet.errors == []


def test_a_stale_csrf_token_is_fetched_again_and_the_answer_still_saves(app, gate, live_server, browser):
    inspection_id = test_offline.new_inspection(app)
    tablet = OfflineTablet(browser, live_server, gate)
    page = tablet.page
    tablet.login("inspector")
    page.goto(f"/inspections/{inspection_id}")
    page.evaluate("document.querySelector('meta[name=\"csrf-token\"]').content = 'stale'")  # a page left open all day
    tablet.tap("TG-01", "yes")
    tablet.wait_saved(inspection_id)
    assert page.evaluate("document.querySelector('meta[name=\"csrf-token\"]').content") != "stale"
    with app.app_context():
        assert service.answers_of(db.session.get(Inspection, inspection_id)) == {"TG-01": "yes"}

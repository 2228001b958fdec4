"""An inspection on a tablet, end to end, in Debian's Chromium driven by Playwright.

Touch contexts at 768×1024 (portrait) and 1024×768 (landscape). The answers are tapped, saved by
the page's own autosave against the JSON API, kept across reloads and network failures, and
the finalised result is compared with inspect_app.evaluate() of the same answers.

Playwright's Python package drives /usr/bin/chromium (never `playwright install`: nothing is
downloaded); the app runs on werkzeug's server in a thread, on 127.0.0.1 only.
"""
from __future__ import annotations

import io
import json
import os
import re
import threading
from pathlib import Path

import pytest
from conftest import DATA, PASSWORD
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from inspect_app import evaluate
from inspect_app.extensions import db
from inspect_app.models import Inspection, User
from inspect_app.services import inspections as service

CHROMIUM = Path(os.environ.get("INSPECT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PORTRAIT = {"viewport": {"width": 768, "height": 1024}, "has_touch": True, "is_mobile": True,
            "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}
LANDSCAPE = PORTRAIT | {"viewport": {"width": 1024, "height": 768}}


class QuietHandler(WSGIRequestHandler):
    """No access log on the test output."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def live_server(app):
    """The seeded SQLite app (CSRF on) served over HTTP on 127.0.0.1; port 0 lets the system pick."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium; Playwright never downloads a browser of its own here."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test.sh does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: $INSPECT_SCREENSHOTS when set (to look at them), else the test's tmp dir."""
    folder = Path(os.environ.get("INSPECT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Tablet:
    """One browser context (a tablet) with its page, the URLs it requested and its script errors."""

    def __init__(self, browser, base_url: str, options: dict):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url, **options)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def login(self, username: str) -> None:
        self.page.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.locator("button[type=submit]").tap()
        self.page.wait_for_url(re.compile(r"/inspections$"))

    def tap(self, code: str, value: str) -> None:
        """Tap the big label of one answer (Có, Không, Không áp dụng or a choice)."""
        self.page.locator(f'#item-{code} label.opt:has(input[value="{value}"])').tap()

    def pending(self, inspection_id: int) -> dict | None:
        """The inspection's unsent answers and notes in the tablet's IndexedDB queue (static/offline.js)."""
        return self.page.evaluate("id => window.offlineStore.changes(id)", str(inspection_id))

    def queued_photos(self, inspection_id: int) -> int:
        return self.page.evaluate("id => window.offlineStore.photos(id).then(rows => rows.length)", str(inspection_id))

    def wait_saved(self, inspection_id: int) -> None:
        """Until nothing waits in the tablet's queue and the status line says the answers are saved."""
        self.page.wait_for_function(
            """() => window.offlineStore && document.getElementById('net-waiting').hidden
                 && !document.querySelector('.thumbs .pending')
                 && document.getElementById('save-status').textContent.startsWith('Đã lưu')""", timeout=20_000)
        assert self.pending(inspection_id) is None and self.queued_photos(inspection_id) == 0

    def only_local_requests(self) -> None:
        local = (self.base_url + "/", f"blob:{self.base_url}/", "data:")
        strays = [url for url in self.requests if not url.startswith(local)]
        assert not strays, strays

    def close(self) -> None:
        self.context.close()


def stored(app, inspection_id: int) -> dict:
    """What the server holds now (a fresh session, as another request would see it)."""
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        return {"answers": service.answers_of(inspection), "notes": service.notes_of(inspection),
                "version": inspection.version, "status": inspection.status,
                "details": (inspection.start_time, inspection.end_time, inspection.place),
                "photos": [(p.item_code, p.width, p.height) for p in inspection.photos],
                "findings": [f.to_contract() for f in inspection.findings], "scores": inspection.scores}


def jpeg(width: int = 1200, height: int = 900) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 60, 40)).save(out, "JPEG", quality=90)
    return out.getvalue()


def compliant_answers() -> dict:
    return json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"]


def test_an_inspection_on_a_portrait_tablet(app, live_server, browser, screenshots):
    tablet = Tablet(browser, live_server, PORTRAIT)
    page = tablet.page
    tablet.login("inspector")

    # Start an inspection of Phường Phúc Xá (00001) on 15/09/2020.
    page.locator("a.button", has_text="Lập phiếu kiểm tra").first.tap()
    page.wait_for_url(re.compile(r"/inspections/new$"))
    page.fill("#inspection_date", "15092020")  # typed on the numeric keypad, which has no "/"
    page.locator("#inspection_date").press("Tab")
    expect(page.locator("#inspection_date")).to_have_value("15/09/2020")
    page.select_option("#district", "001")
    expect(page.locator('#commune option[value="00037"]')).to_have_count(0)  # Hoàn Kiếm filtered out
    page.select_option("#commune", "00001")
    page.fill("#villages", "12")
    page.fill('[name="team-0-name"]', "Trần Thị Bình")
    page.fill('[name="team-0-position"]', "Chuyên viên Sở Nội vụ")
    page.fill('[name="team-1-name"]', "Lê Văn An")
    page.fill('[name="team-1-position"]', "Chuyên viên Phòng Nội vụ")
    page.fill('[name="commune_reps-0-name"]', "Nguyễn Văn Cường")
    page.fill('[name="commune_reps-0-position"]', "Chủ tịch UBND phường")
    page.screenshot(path=str(screenshots / "new-inspection-768x1024.png"), full_page=True)
    page.locator("#create-submit").tap()
    page.wait_for_url(re.compile(r"/inspections/\d+$"))
    inspection_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        created = db.session.get(Inspection, inspection_id)
        assert (created.commune_code, created.inspection_date.isoformat(), created.villages) == ("00001", "2020-09-15", 12)
    expect(page.locator("h1")).to_contain_text("Phường Phúc Xá")
    expect(page.locator(".meta")).to_contain_text("15/09/2020")

    # Touch targets: every answer label is at least 44 px high, and so are the other controls.
    heights = page.evaluate("""() => Array.from(document.querySelectorAll(
        'label.opt, .photo-btn, .note-toggle, .section-nav a, #finalize, #live-toggle'))
        .map(node => [node.className || node.id || node.tagName, node.getBoundingClientRect().height])""")
    labels = [h for name, h in heights if name.startswith("opt")]
    assert len(labels) == page.locator("#checklist input[type=radio]").count() > 60 and min(labels) >= 44
    assert min(h for _, h in heights) >= 44, min(heights, key=lambda pair: pair[1])
    box = page.locator('#item-TG-01 label.opt:has(input[value="yes"])').bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44

    # Nothing answered yet: no dimension has a score and there is no total.
    expect(page.locator("#live-total")).to_have_text("chưa đủ")
    expect(page.locator("#live-total-of")).to_have_text(" (0/8 lĩnh vực)")
    page.locator("#live-toggle").tap()
    expect(page.locator("#scores td.unassessed")).to_have_count(9)
    page.screenshot(path=str(screenshots / "checklist-0-answers-768x1024.png"))
    page.locator("#live-toggle").tap()

    # Tap answers; the page saves them by itself.
    tablet.tap("TG-01", "yes")
    tablet.tap("TG-04", "no")
    tablet.tap("TG-06", "na")
    tablet.tap("CK-01", "tot")
    page.fill("#in-TG-02", "3")
    page.locator("#item-TG-01 .note-toggle").tap()
    page.fill('[name="note-TG-01"]', "Loa ở tổ dân phố số 5 hoạt động tốt")
    tablet.wait_saved(inspection_id)
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Đã lưu lúc \d\d:\d\d$"))
    server = stored(app, inspection_id)
    assert server["answers"] == {"TG-01": "yes", "TG-04": "no", "TG-06": "na", "CK-01": "tot", "TG-02": 3}
    assert server["notes"] == {"TG-01": "Loa ở tổ dân phố số 5 hoạt động tốt"}
    expect(page.locator("#progress-answered")).to_have_text("5")
    expect(page.locator('.sec-progress[data-progress="TG"]')).to_have_text("4/9")
    expect(page.locator("#findings")).to_contain_text("TG-04")  # the live panel follows the answers
    expect(page.locator("#live-total-of")).to_have_text(" (2/8 lĩnh vực)")  # TG and CK now have a score
    expect(page.locator('#scores td[data-score="TG"]')).not_to_have_class(re.compile("unassessed"))
    expect(page.locator('#scores td[data-score="GT"]')).to_have_text("chưa đánh giá")
    page.screenshot(path=str(screenshots / "checklist-768x1024.png"))

    # The panel is a bar at the bottom in portrait; it opens on a tap.
    expect(page.locator("#live-body")).to_be_hidden()
    page.locator("#live-toggle").tap()
    expect(page.locator("#live-body")).to_be_visible()
    expect(page.locator("#findings .finding", has_text="TG-04")).to_contain_text("Hạn khắc phục:")
    page.screenshot(path=str(screenshots / "checklist-panel-768x1024.png"))
    page.locator("#findings a.f-code", has_text="TG-04").tap()
    expect(page.locator("#live-body")).to_be_hidden()

    # Reloaded, the page shows what the server kept.
    page.reload()
    expect(page.locator('#item-TG-01 input[value="yes"]')).to_be_checked()
    expect(page.locator('#item-TG-06 input[value="na"]')).to_be_checked()
    expect(page.locator('#item-CK-01 input[value="tot"]')).to_be_checked()
    expect(page.locator("#in-TG-02")).to_have_value("3")
    expect(page.locator('[name="note-TG-01"]')).to_have_value("Loa ở tổ dân phố số 5 hoạt động tốt")
    assert tablet.pending(inspection_id) is None

    # Offline: the answer waits in the tablet's queue, the status says it will be sent, then it is.
    tablet.context.set_offline(True)
    tablet.tap("TG-07", "yes")
    page.locator("#item-TG-07 .note-toggle").tap()
    page.fill('[name="note-TG-07"]', "Niêm yết tại nhà văn hóa tổ 3")
    expect(page.locator("#save-status")).to_contain_text("Mất kết nối — sẽ tự gửi lại", timeout=10_000)
    waiting = tablet.pending(inspection_id)
    assert waiting["answers"] == {"TG-07": "yes"} and waiting["notes"] == {"TG-07": "Niêm yết tại nhà văn hóa tổ 3"}
    assert "TG-07" not in stored(app, inspection_id)["answers"]
    tablet.context.set_offline(False)
    tablet.wait_saved(inspection_id)
    server = stored(app, inspection_id)
    assert server["answers"]["TG-07"] == "yes" and server["notes"]["TG-07"] == "Niêm yết tại nhà văn hóa tổ 3"

    # The save fails and the tablet reloads before it could send: nothing is lost.
    page.route("**/api/v1/inspections/*/answers", lambda route: route.abort("internetdisconnected"))
    tablet.tap("TG-08", "yes")
    expect(page.locator("#save-status")).to_contain_text("sẽ tự gửi lại", timeout=10_000)
    page.reload()
    expect(page.locator('#item-TG-08 input[value="yes"]')).to_be_checked()  # shown from the queue
    assert tablet.pending(inspection_id)["answers"] == {"TG-08": "yes"}
    page.unroute("**/api/v1/inspections/*/answers")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    tablet.wait_saved(inspection_id)
    assert stored(app, inspection_id)["answers"]["TG-08"] == "yes"

    # The server refuses one answer (422): its message shows beside it, the others are saved.
    page.evaluate("""id => window.offlineStore.saveChanges(id,
        {answers: {"TG-02": -5, "TG-09": "yes"}, notes: {}})""", str(inspection_id))
    page.reload()
    expect(page.locator("#err-TG-02")).to_be_visible()
    expect(page.locator("#err-TG-02")).to_contain_text("Cần số nguyên")
    tablet.wait_saved(inspection_id)
    server = stored(app, inspection_id)
    assert server["answers"]["TG-09"] == "yes" and server["answers"]["TG-02"] == 3
    # Obvious mistakes are caught on the tablet before anything is sent.
    page.fill("#in-DV-02", "150")
    page.locator("#in-DV-02").press("Tab")
    expect(page.locator("#err-DV-02")).to_have_text("Tỷ lệ phải từ 0 đến 100.")
    page.fill("#in-TG-02", "4")
    page.fill("#in-DV-02", "100")
    tablet.wait_saved(inspection_id)
    expect(page.locator("#err-TG-02")).to_be_hidden()
    assert stored(app, inspection_id)["answers"]["TG-02"] == 4

    # Another tablet saved meanwhile (409): its answers are taken and this one's re-applied on top.
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        service.save_answers(db.session, app.extensions["catalog"].loaded, admin, inspection_id, {"TG-05": 12}, {},
                             db.session.get(Inspection, inspection_id).version)
    tablet.tap("TG-09", "no")
    tablet.wait_saved(inspection_id)
    server = stored(app, inspection_id)
    assert server["answers"]["TG-09"] == "no" and server["answers"]["TG-05"] == 12
    expect(page.locator("#in-TG-05")).to_have_value("12")

    # A photo, taken with the tablet's camera input: uploaded, shown as a thumbnail.
    page.set_input_files('input[name="photo-CK-01"]',
                         files=[{"name": "bang-tin.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    thumb = page.locator("#item-CK-01 .thumbs a img")
    expect(thumb).to_have_count(1)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert stored(app, inspection_id)["photos"] == [("CK-01", 1200, 900)]

    # Finalising with items missing lists them before anything is confirmed, each a link to its item.
    page.locator("#finalize").tap()
    expect(page.locator("#finalize-missing")).to_be_visible()
    expect(page.locator("#finalize-confirm")).to_be_hidden()
    with app.app_context():
        missing = service.inspection_detail(db.session, app.extensions["catalog"].loaded,
                                            db.session.get(Inspection, inspection_id))["missing"]
    links = page.locator("#missing-links a")
    expect(links).to_have_count(len(missing))
    assert links.first.get_attribute("href") == f"#item-{missing[0]}"
    expect(page.locator(f"#item-{missing[0]}")).to_have_class(re.compile(r"\bmissing\b"))
    page.screenshot(path=str(screenshots / "finalize-missing-768x1024.png"))

    # The rest is filled in through the API from the page's own session, a few more by tapping.
    tablet.tap("CK-02", "yes")
    tablet.tap("CK-03", "yes")
    tablet.tap("GT-03", "khong")
    tablet.wait_saved(inspection_id)
    server = stored(app, inspection_id)
    rest = {code: value for code, value in compliant_answers().items() if code not in server["answers"]}
    status = page.evaluate("""async ([url, answers, version]) => {
        const token = document.querySelector('meta[name="csrf-token"]').content;
        const response = await fetch(url, {method: 'PUT', headers: {'Content-Type': 'application/json',
            'X-CSRFToken': token}, body: JSON.stringify({answers, notes: {}, base_version: version})});
        return response.status; }""", [f"/api/v1/inspections/{inspection_id}/answers", rest, server["version"]])
    assert status == 200
    page.reload()
    expect(page.locator("#progress-answered")).to_have_text(page.locator("#progress-required").inner_text())

    # The confirmation asks for the minutes' times and place; it never invents them.
    page.locator("#finalize").tap()
    expect(page.locator("#finalize-confirm")).to_be_visible()
    expect(page.locator("#confirm-start_time")).to_be_focused()
    page.locator("#finalize-go").tap()
    expect(page.locator("#confirm-start_time-error")).to_have_text("Bắt buộc nhập trước khi hoàn tất.")
    expect(page.locator("#confirm-place-error")).to_have_text("Bắt buộc nhập trước khi hoàn tất.")
    assert stored(app, inspection_id)["status"] == "draft"
    page.locator("#confirm-start_time").fill("08:30")
    page.locator("#confirm-end_time").fill("08:00")
    page.locator("#confirm-place").fill("Hội trường UBND phường Phúc Xá")
    page.locator("#finalize-go").tap()
    expect(page.locator("#confirm-end_time-error")).to_have_text("giờ kết thúc phải sau giờ bắt đầu")
    expect(page.locator("#confirm-start_time-error")).to_be_hidden()
    assert stored(app, inspection_id)["status"] == "draft"
    page.screenshot(path=str(screenshots / "finalize-confirm-768x1024.png"))
    page.locator("#confirm-end_time").fill("11:15")
    page.locator("#finalize-go").tap()
    expect(page.locator("#locked-banner")).to_be_visible(timeout=30_000)  # the minutes PDF is rendered first
    expect(page.locator("#locked-banner")).to_contain_text("Phiếu đã hoàn tất")
    expect(page.locator("#minutes-draft-link")).to_have_count(0)  # the toolbar offers the signed minutes at once
    expect(page.locator("#minutes-link")).to_have_text("In biên bản (PDF)")
    assert page.evaluate("() => document.querySelectorAll('#checklist input:not([disabled]), #checklist textarea:not([disabled])').length") == 0
    server = stored(app, inspection_id)
    assert server["status"] == "finalised"
    assert server["details"] == ("08:30", "11:15", "Hội trường UBND phường Phúc Xá")
    expected = evaluate({"checklist": "papi-xa", "inspection_date": "2020-09-15",
                         "commune": {"code": "00001", "villages": 12}, "answers": server["answers"],
                         "evidence": {"CK-01": 1}})
    assert server["findings"] == expected["findings"]
    assert server["scores"] == expected["scores"]
    assert {"GT-03", "TG-04", "TG-09"} <= {f["code"] for f in server["findings"]}
    expect(page.locator("#findings .finding")).to_have_count(len(expected["findings"]))
    expect(page.locator("#live-count")).to_have_text(str(len(expected["findings"])))
    total = f'{expected["scores"]["total"]:.2f}'.replace(".", ",")
    expect(page.locator("#live-total")).to_have_text(total)
    for finding in expected["findings"]:
        expect(page.locator("#findings")).to_contain_text(finding["title"])
        if finding["deadline"]:
            day = finding["deadline"]
            expect(page.locator("#findings")).to_contain_text(f"{day[8:10]}/{day[5:7]}/{day[:4]}")
    page.screenshot(path=str(screenshots / "finalised-768x1024.png"))

    # Reloaded, a finalised inspection is read-only, with the stored findings.
    page.reload()
    expect(page.locator("#locked-banner")).to_contain_text("Phiếu đã hoàn tất")
    expect(page.locator("#finalize")).to_have_count(0)
    expect(page.locator('input[type="file"]')).to_have_count(0)
    expect(page.locator("#findings .finding")).to_have_count(len(expected["findings"]))
    assert page.evaluate("() => document.querySelectorAll('#checklist input:not([disabled])').length") == 0

    assert tablet.errors == []
    tablet.only_local_requests()
    tablet.close()


def test_landscape_keeps_the_panel_beside_the_checklist(app, live_server, browser, screenshots):
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        inspection, _ = service.create_inspection(db.session, app.extensions["catalog"].loaded, inspector, {
            "client_id": "tablet-landscape-01", "checklist": "papi-xa", "commune_code": "00001",
            "inspection_date": "2020-09-15", "villages": 12,
            "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
        inspection_id = inspection.id
        service.save_answers(db.session, app.extensions["catalog"].loaded, inspector, inspection_id,
                             {"TG-01": "no", "CK-01": "cu_nat"}, {}, inspection.version)
        findings = len(service.inspection_detail(db.session, app.extensions["catalog"].loaded, inspection)["findings"])
    assert findings == 3  # TG-01, CK-01 and CK-08 (left empty: not disclosed)
    tablet = Tablet(browser, live_server, LANDSCAPE)
    page = tablet.page
    tablet.login("inspector")
    page.screenshot(path=str(screenshots / "list-1024x768.png"))
    page.locator(f'a.row-link[href="/inspections/{inspection_id}"]').tap()
    page.wait_for_url(re.compile(rf"/inspections/{inspection_id}$"))
    expect(page.locator("#live-toggle .chev")).to_be_hidden()  # a summary bar here, not a toggle
    expect(page.locator("#live-body")).to_be_visible()
    form, panel = page.locator("#checklist").bounding_box(), page.locator("#live").bounding_box()
    assert panel["x"] >= form["x"] + form["width"]  # beside, not over, the checklist
    expect(page.locator("#findings .finding")).to_have_count(findings)
    page.screenshot(path=str(screenshots / "checklist-1024x768.png"))

    tablet.tap("TG-04", "no")
    tablet.wait_saved(inspection_id)
    expect(page.locator("#findings .finding")).to_have_count(findings + 1)
    page.locator("#item-DT-04").scroll_into_view_if_needed()  # the last item: the far end of the checklist
    panel = page.locator("#live").bounding_box()
    assert 0 <= panel["y"] < 768  # sticky: still on screen far down the checklist
    toolbar = page.locator("#toolbar").bounding_box()
    assert toolbar["y"] >= 0 and toolbar["y"] + toolbar["height"] <= panel["y"] + 1  # no overlap
    page.screenshot(path=str(screenshots / "checklist-scrolled-1024x768.png"))
    assert tablet.errors == []
    tablet.only_local_requests()
    tablet.close()

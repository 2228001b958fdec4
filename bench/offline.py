"""Benchmark of the offline tablet on a slow network (issue 13): not a test, numbers to read.

    .venv/bin/python bench/offline.py [--n 5] [--port 5081]

The real app (SQLite in a temporary folder, seeded like the tests) on 127.0.0.1, Debian's Chromium
through Playwright with the DevTools protocol emulating slow 3G (400 kbit/s each way, 400 ms
round trip) and a 4× slower CPU. Each run is a fresh browser context (a tablet that never opened
the app), logged in through the API so that the checklist page is the first page it opens.
Medians of --n runs:
- first visit: from navigation to DOMContentLoaded of the checklist page (its deferred scripts,
  hence its autosave, have run: the page can be answered);
- repeat visit from the cache: the same once the service worker has cached the page, offline;
- tap → saved: from tapping an answer to the server's 200 for its PUT (the 400 ms debounce included);
- bytes the server sent (bodies, uncompressed) during the first visit, with the worker's
  pre-cache of the shell and criteria that it starts, and during a repeat visit online.
DevTools throttles the page's own requests only, not the worker's: a repeat visit online goes
through the worker (network first), so its time is not measured here, only its bytes.
Targets from the issue: first visit ≤ 4 s, repeat from cache ≤ 1 s, tap → saved ≤ 1.5 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import PASSWORD, make_app, seed  # noqa: E402  (the tests' own seeding helpers)
from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from inspect_app.extensions import db  # noqa: E402
from inspect_app.models import User  # noqa: E402
from inspect_app.services import inspections as service  # noqa: E402
from inspect_app.web.offline import shell_urls  # noqa: E402

CHROMIUM = os.environ.get("INSPECT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=en-US"]
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1000 / 8, "uploadThroughput": 400 * 1000 / 8}
NEW = {"checklist": "papi-xa", "commune_code": "00001", "inspection_date": "2020-09-15", "villages": 12,
       "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên Sở Nội vụ", "role": "truong_doan"}],
       "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}]}
TAPS = ("TG-01", "TG-04", "TG-06", "TG-07", "TG-08")


class Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class Counter:
    """The response bytes the server sent, whoever asked (the page or its service worker)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.total = 0

    def __call__(self, environ, start_response):
        for chunk in self.wsgi_app(environ, start_response):
            self.total += len(chunk)
            yield chunk


def run_once(browser, base: str, path: str, tap_code: str, counter: Counter) -> dict[str, float]:
    context = browser.new_context(base_url=base, viewport={"width": 768, "height": 1024}, has_touch=True,
                                  is_mobile=True, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    assert context.request.post("/api/v1/login", data={"username": "inspector", "password": PASSWORD}).ok
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    result: dict[str, float] = {}

    counter.total = 0
    start = time.perf_counter()
    page.goto(path, wait_until="domcontentloaded")
    result["first_s"] = time.perf_counter() - start
    page.wait_for_load_state("load")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
    result["first_bytes"] = counter.total  # the page, its files and the worker's pre-cache

    page.reload(wait_until="load")  # through the worker now: it keeps the page
    page.wait_for_function("p => caches.open('inspect-pages').then(c => c.match(p)).then(h => !!h)", arg=path,
                           timeout=60_000)
    counter.total = 0
    page.goto(path, wait_until="load")
    result["repeat_bytes"] = counter.total

    context.set_offline(True)
    start = time.perf_counter()
    page.goto(path, wait_until="domcontentloaded")
    result["repeat_offline_s"] = time.perf_counter() - start
    context.set_offline(False)
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    page.reload(wait_until="load")

    with page.expect_response(lambda r: r.url.endswith("/answers") and r.request.method == "PUT",
                              timeout=60_000) as saved:
        start = time.perf_counter()
        page.locator(f'#item-{tap_code} label.opt:has(input[value="yes"])').tap()
    assert saved.value.status == 200, saved.value.status
    result["tap_saved_s"] = time.perf_counter() - start
    context.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--port", type=int, default=5081)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(f"sqlite:///{Path(folder) / 'bench.db'}", Path(folder))
        seed(app, generate_password_hash(PASSWORD, method="scrypt"))
        with app.app_context():
            inspector = db.session.scalar(select(User).where(User.username == "inspector"))
            inspection_id = service.create_inspection(db.session, app.extensions["catalog"].loaded, inspector, NEW)[0].id
        shell, client = 0, app.test_client()
        client.post("/api/v1/login", json={"username": "inspector", "password": PASSWORD})
        with app.test_request_context():
            urls = shell_urls()
        for url in urls:
            with client.get(url) as response:
                shell += len(response.data)
        counter = Counter(app.wsgi_app)
        app.wsgi_app = counter
        server = make_server("127.0.0.1", options.port, app, threaded=True, request_handler=Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{options.port}"
        runs = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for index in range(options.n):
                runs.append(run_once(browser, base, f"/inspections/{inspection_id}", TAPS[index % len(TAPS)], counter))
            browser.close()
        server.shutdown()

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"Offline tablet on slow 3G (400 kbit/s, 400 ms RTT) and 4× CPU, median of {options.n} runs")
    print(f"  first visit, checklist answerable     {median('first_s'):6.2f} s   (target ≤ 4 s)")
    print(f"  repeat visit from the cache (offline) {median('repeat_offline_s'):6.2f} s   (target ≤ 1 s)")
    print(f"  tap → saved on the server             {median('tap_saved_s'):6.2f} s   (target ≤ 1.5 s; 0.4 s debounce)")
    print(f"  bytes sent, first visit (with pre-cache) {median('first_bytes') / 1024:6.1f} KiB")
    print(f"  bytes sent, repeat visit online          {median('repeat_bytes') / 1024:6.1f} KiB")
    print(f"  of which the worker's pre-cache          {shell / 1024:6.1f} KiB, once per release")


if __name__ == "__main__":
    main()

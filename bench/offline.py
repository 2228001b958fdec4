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
- bytes the server sent (bodies as they went on the wire, brotli or gzip where the app compressed
  them, and what they decode to) during the first visit, with the worker's pre-cache of the shell
  and criteria that it starts, and during a repeat visit online; the pre-cache alone as the
  browser's Accept-Encoding gets it.
DevTools throttles the page's own requests only, not the worker's: a repeat visit online goes
through the worker (network first), so its time is not measured here, only its bytes.
Targets from the issue: first visit ≤ 4 s, repeat from cache ≤ 1 s, tap → saved ≤ 1.5 s.
"""
from __future__ import annotations

import argparse
import os
import zlib
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
import brotli  # noqa: E402
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


DECODERS = {"": lambda: bytes, "gzip": lambda: zlib.decompressobj(wbits=31).decompress,
            "br": lambda: brotli.Decompressor().process}


class Counter:
    """The response body bytes the server sent, whoever asked (the page or its service worker): as sent and
    decoded. It wraps Flask's whole wsgi_app, whose after_request compresses, so it sees the compressed bodies."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.sent = self.decoded = 0
        self.accept_encoding = ""
        self.lock = threading.Lock()  # the server answers the page and its worker on several threads

    def __call__(self, environ, start_response):
        self.accept_encoding = environ.get("HTTP_ACCEPT_ENCODING", "")
        encoding = []

        def noting_encoding(status, headers, exc_info=None):
            encoding.extend(value for name, value in headers if name.lower() == "content-encoding")
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, noting_encoding)
        try:
            decode = None
            for chunk in body:
                decode = decode or DECODERS[encoding[0] if encoding else ""]()
                decoded = len(decode(chunk))
                with self.lock:
                    self.sent += len(chunk)
                    self.decoded += decoded
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()

    def reset(self) -> None:
        self.sent = self.decoded = 0


def until(page, predicate: str, arg=None, timeout_s: float = 60) -> None:
    """Poll a page function through DevTools: wait_for_function polls by eval, which the app's CSP refuses."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise TimeoutError(predicate)
        time.sleep(0.05)


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

    counter.reset()
    start = time.perf_counter()
    page.goto(path, wait_until="domcontentloaded")
    result["first_s"] = time.perf_counter() - start
    page.wait_for_load_state("load")
    until(page, "() => navigator.serviceWorker.controller !== null")
    result["first_bytes"], result["first_decoded"] = counter.sent, counter.decoded  # page, files, pre-cache

    page.reload(wait_until="load")  # through the worker now: it keeps the page
    until(page, "p => caches.open('inspect-pages').then(c => c.match(p)).then(h => !!h)", path)
    counter.reset()
    page.goto(path, wait_until="load")
    result["repeat_bytes"], result["repeat_decoded"] = counter.sent, counter.decoded

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


def pre_cache(app, counter: Counter) -> tuple[int, int]:
    """The bytes of the worker's pre-cache, sent and decoded, asked with the Accept-Encoding the browser sent last."""
    headers = {"Accept-Encoding": counter.accept_encoding}
    client = app.test_client()
    client.post("/api/v1/login", json={"username": "inspector", "password": PASSWORD})
    with app.test_request_context():
        urls = shell_urls()
    counter.reset()
    for url in urls:
        with client.get(url, headers=headers) as response:
            assert response.status_code == 200, (url, response.status_code)
            response.get_data()
    return counter.sent, counter.decoded


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
        shell = pre_cache(app, counter)

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"Offline tablet on slow 3G (400 kbit/s, 400 ms RTT) and 4× CPU, median of {options.n} runs")
    print(f"  first visit, checklist answerable     {median('first_s'):6.2f} s   (target ≤ 4 s)")
    print(f"  repeat visit from the cache (offline) {median('repeat_offline_s'):6.2f} s   (target ≤ 1 s)")
    print(f"  tap → saved on the server             {median('tap_saved_s'):6.2f} s   (target ≤ 1.5 s; 0.4 s debounce)")
    print(f"  bytes sent, first visit (with pre-cache) {median('first_bytes') / 1024:6.1f} KiB"
          f"   ({median('first_decoded') / 1024:.1f} KiB decoded)")
    print(f"  bytes sent, repeat visit online          {median('repeat_bytes') / 1024:6.1f} KiB"
          f"   ({median('repeat_decoded') / 1024:.1f} KiB decoded)")
    print(f"  of which the worker's pre-cache          {shell[0] / 1024:6.1f} KiB"
          f"   ({shell[1] / 1024:.1f} KiB decoded), once per release")


if __name__ == "__main__":
    main()

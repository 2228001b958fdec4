"""Benchmark of the tablet UI: checklist page server time, autosave PUT time and work, checklist page weight.

    .venv/bin/python bench/web.py [--n 200] [--photos 5] [--check] [--json FILE]

Runs the real app (SQLite in a temporary folder, CSRF on, seeded like the tests) through Flask's
test client, so the times are the server's own work (routing, session, services, rule engine,
Jinja) without network. The inspection is half answered, as one is in the middle of a visit.
- checklist page: GET /inspections/<id>, --n times after a warm-up; median and p95.
- autosave: PUT /api/v1/inspections/<id>/answers of one changed answer (what a tap sends),
  --n times, each against the version the previous one returned; median and p95; and per PUT the
  SQL statements issued (the login's user lookup included) and the answers validated. The commune
  has a finalised previous inspection with findings, so X-01/X-02 have something to read.
- page weight: the HTML plus every CSS, JS and image it references (url() in CSS too, photo
  thumbnails included), uncompressed; and the references that would leave the server (must be 0).
Targets: page p95 ≤ 100 ms, PUT p95 ≤ 50 ms and ≤ 7 SQL statements (2 of them chain the audit entry) validating only the answer sent,
weight ≤ 300 KB, no external URL. With --check the exit status is 1 when one is missed.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DATA, PASSWORD, make_app, seed  # noqa: E402  (the tests' own seeding helpers)
from stats import percentile  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from sqlalchemy import event, select  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from inspect_app.domain.checklists import Item  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.models import User  # noqa: E402
from inspect_app.services import inspections as service  # noqa: E402

PAGE_P95_MS = 100.0
PUT_P95_MS = 50.0
PUT_STATEMENTS = 7  # 5 for the change, 2 for chaining its audit entry (services.audit)
WEIGHT_KB = 300.0
REFERENCE = re.compile(r'<(?:link|script|img|source|iframe|embed|object)\b[^>]*?\b(?:href|src|srcset|data)="([^"]+)"', re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
ANY_URL = re.compile(r"""(?:src|href|action|url\()\s*=?\s*['"]?((?:https?:)?//[^'"\s)>]+)""", re.I)


def summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values), 2), "p95_ms": round(percentile(values, 0.95), 2),
            "max_ms": round(max(values), 2), "n": len(values)}


def photo(seed_value: int) -> bytes:
    """A photo-like 1600×1200 JPEG (gradient, shapes, text), not a flat colour that compresses to nothing."""
    image = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for step in range(40):
        x, y = (step * 97 + seed_value * 53) % 1500, (step * 61 + seed_value * 29) % 1100
        draw.rectangle((x, y, x + 120, y + 80), fill=((step * 37) % 255, (step * 91) % 255, (seed_value * 70) % 255))
        draw.text((x + 8, y + 8), f"Bảng tin {step}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def setup(folder: Path, photos: int):
    app = make_app(f"sqlite:///{folder / 'bench.db'}", folder)
    seed(app, generate_password_hash(PASSWORD, method="scrypt"))
    answers = json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"]
    half = dict(list(answers.items())[: len(answers) // 2]) | {"TG-01": "no", "CK-01": "cu_nat", "GT-03": "thieu"}
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        catalog = app.extensions["catalog"].loaded
        earlier, _ = service.create_inspection(db.session, catalog, inspector, {
            "checklist": "papi-xa", "commune_code": "00001", "inspection_date": "2020-07-20", "villages": 12,
            "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
        service.save_answers(db.session, catalog, inspector, earlier.id, answers | {"TG-04": "no", "GT-03": "khong"},
                             {}, earlier.version)
        service.update_details(db.session, inspector, earlier.id, {
            "start_time": "08:30", "end_time": "11:00", "place": "Trụ sở UBND phường", "copies": 2})
        service.finalize(db.session, catalog, inspector, earlier.id)
        inspection, _ = service.create_inspection(db.session, catalog, inspector, {
            "client_id": "bench-0001-abcdef", "checklist": "papi-xa", "commune_code": "00001",
            "inspection_date": "2020-09-15", "villages": 12,
            "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
        service.save_answers(db.session, catalog, inspector, inspection.id, half,
                             {"TG-01": "Loa ở tổ dân phố số 5 hỏng từ tháng 8"}, inspection.version)
        evidence = ["CK-01", "CK-02", "CK-03", "GT-03", "GT-04"]
        for index in range(photos):
            service.add_photo(db.session, inspector, inspection.id, evidence[index % len(evidence)],
                              io.BytesIO(photo(index)), f"anh-{index}.jpg", Path(app.config["PHOTO_DIR"]), catalog)
        return app, inspection.id


def login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": "inspector", "password": PASSWORD})
    assert response.status_code == 302, "login failed"


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def page_weight(client, path: str) -> dict:
    """The page and everything it references, fetched once each, with any reference leaving the server."""
    base = "http://localhost"
    response = client.get(path)
    html = response.get_data(as_text=True)
    sizes = {path: len(response.data)}
    external = [u for u in ANY_URL.findall(html)]
    queue = [urljoin(base + path, ref) for ref in REFERENCE.findall(html)]
    seen = set()
    while queue:
        url = queue.pop()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != "localhost":
            if not url.startswith("data:"):
                external.append(url)
            continue
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        if local in seen:
            continue
        seen.add(local)
        with client.get(local) as asset:
            body = asset.data
            if asset.status_code != 200:
                raise SystemExit(f"{local} answered {asset.status_code}")
            sizes[local] = len(body)
            if asset.mimetype in ("text/css", "text/javascript", "application/javascript"):
                text = body.decode("utf-8")
                external += ANY_URL.findall(text)
                if asset.mimetype == "text/css":
                    queue += [urljoin(url, ref) for ref in CSS_URL.findall(text) if not ref.startswith("data:")]
    total = sum(sizes.values())
    return {"total_kb": round(total / 1024, 1), "files": {k: round(v / 1024, 1) for k, v in sorted(sizes.items())},
            "external_urls": sorted(set(external))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="timed requests of each kind (default 200)")
    parser.add_argument("--photos", type=int, default=5, help="evidence photos on the inspection (default 5)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        app, inspection_id = setup(Path(tmp), args.photos)
        client = app.test_client()
        login(client)
        path = f"/inspections/{inspection_id}"
        for _ in range(10):  # warm-up: templates compiled, rule engine loaded, caches filled
            assert client.get(path).status_code == 200
        page_times = []
        for _ in range(args.n):
            elapsed, response = timed(lambda: client.get(path))
            assert response.status_code == 200
            page_times.append(elapsed)

        html = client.get(path).get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
        version = int(re.search(r'data-version="(\d+)"', html).group(1))
        url = f"/api/v1/inspections/{inspection_id}/answers"
        put_times, statements, validated = [], [], []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        original_validate = Item.validate
        Item.validate = lambda self, value: validated.append(self.code) or original_validate(self, value)
        per_put: list[tuple[int, int]] = []
        try:
            for index in range(args.n + 10):
                body = {"answers": {"TG-04": "yes" if index % 2 else "no"}, "notes": {}, "base_version": version}
                statements.clear(), validated.clear()
                elapsed, response = timed(lambda: client.put(url, json=body, headers={"X-CSRFToken": token}))
                assert response.status_code == 200, response.get_json()
                per_put.append((len(statements), len(validated)))
                version = response.get_json()["version"]
                if index >= 10:
                    put_times.append(elapsed)
        finally:
            Item.validate = original_validate
        most_statements = max(n for n, _ in per_put)
        most_validated = max(n for _, n in per_put)

        weight = page_weight(client, path)

    results = {
        "python": platform.python_version(), "machine": platform.machine(),
        "checklist_page": summary(page_times) | {"target_p95_ms": PAGE_P95_MS},
        "autosave_put": summary(put_times) | {"target_p95_ms": PUT_P95_MS, "sql_statements_max": most_statements,
                                              "answers_validated_max": most_validated},
        "page_weight": weight | {"target_kb": WEIGHT_KB, "photos": args.photos},
    }
    checks = {
        "checklist page p95 ≤ 100 ms": results["checklist_page"]["p95_ms"] <= PAGE_P95_MS,
        "autosave PUT p95 ≤ 50 ms": results["autosave_put"]["p95_ms"] <= PUT_P95_MS,
        f"autosave ≤ {PUT_STATEMENTS} SQL statements": most_statements <= PUT_STATEMENTS,
        "autosave validates only the answer sent": most_validated == 1,
        "page weight ≤ 300 KB": weight["total_kb"] <= WEIGHT_KB,
        "no external URL": not weight["external_urls"],
    }
    results["targets_met"] = checks
    page, put = results["checklist_page"], results["autosave_put"]
    print(f"checklist page  GET  median {page['median_ms']:7.2f} ms   p95 {page['p95_ms']:7.2f} ms   (n={page['n']})")
    print(f"autosave        PUT  median {put['median_ms']:7.2f} ms   p95 {put['p95_ms']:7.2f} ms   (n={put['n']})")
    print(f"autosave work   at most {most_statements} SQL statements and {most_validated} answer(s) validated per PUT")
    print(f"page weight     {weight['total_kb']:.1f} KB uncompressed with {args.photos} photo thumbnails:")
    for name, size in weight["files"].items():
        print(f"    {size:7.1f} KB  {name}")
    print(f"external URLs   {len(weight['external_urls'])}" + (f": {weight['external_urls']}" if weight["external_urls"] else ""))
    for label, met in checks.items():
        print(f"[{'met' if met else 'MISSED'}] {label}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if args.check and not all(checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

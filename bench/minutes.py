"""Benchmark of the minutes through the app: finalise (with the PDF), frozen download, draft preview.

    .venv/bin/python bench/minutes.py [--n 7] [--check]

Runs the real app (SQLite in a temporary folder) through Flask's test client, logged in as the
inspector: each round creates an inspection of Phường Phúc Xá, saves a realistic answer set with
notes and findings, previews the draft minutes, finalises (evaluation, findings, remediation
actions, record hash, PDF rendered and stored in one transaction) and downloads the frozen PDF.
Targets: finalise median ≤ 1.5 s; frozen download ≤ 50 ms; a five-page draft preview ≤ 1.2 s.
"""
from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DATA, PASSWORD, make_app, seed  # noqa: E402  (the tests' own seeding helpers)
from pypdf import PdfReader  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

FINALISE_MEDIAN_S, DOWNLOAD_MS, DRAFT_S = 1.5, 50.0, 1.2
VIOLATIONS = {"TG-01": "no", "TG-02": 3, "CK-01": "cu_nat", "CK-05": "no", "GT-03": "khong", "GT-08": 2,
              "TN-03": 1, "TT-04": 2, "DV-02": 98.5, "MT-03": "no", "DT-03": 7}
NOTE = ("Đoàn đã kiểm tra thực tế tại trụ sở và 3 tổ dân phố; đối chiếu sổ sách, biên bản, "
        "ảnh chụp lưu trong hồ sơ kiểm tra.")


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=7, help="rounds (default 7)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-minutes-"))
    app = make_app(f"sqlite:///{tmp / 'bench.db'}", tmp, WTF_CSRF_ENABLED=False)
    seed(app, generate_password_hash(PASSWORD, method="scrypt"))
    client = app.test_client()
    assert client.post("/api/v1/login", json={"username": "inspector", "password": PASSWORD}).status_code == 200
    answers = json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"] | VIOLATIONS
    notes = {code: NOTE for code in list(answers)[::2]}
    finalise, download, draft, pages = [], [], [], set()
    for round_ in range(args.n + 1):  # the first round warms up imports, fonts and the rule engine
        created = client.post("/api/v1/inspections", json={
            "client_id": f"bench-minutes-{round_:04d}", "checklist": "papi-xa", "commune_code": "00001",
            "inspection_date": "2020-09-15", "villages": 12, "plan_reference": "Kế hoạch số 145/KH-SNV",
            "team": [{"name": "Nguyễn Thị Thu Hường", "position": "Phó Giám đốc Sở Nội vụ", "role": "truong_doan"},
                     {"name": "Trần Văn Đức", "position": "Trưởng phòng Xây dựng chính quyền", "role": "thanh_vien"},
                     {"name": "Lê Hoàng Yến", "position": "Chuyên viên", "role": "thanh_vien"}],
            "commune_reps": [{"name": "Phạm Quốc Khánh", "position": "Chủ tịch UBND phường"}]}).get_json()
        inspection = created["id"]
        saved = client.put(f"/api/v1/inspections/{inspection}/answers",
                           json={"answers": answers, "notes": notes, "base_version": created["version"]})
        assert saved.status_code == 200, saved.get_json()
        seconds, preview = timed(lambda: client.get(f"/api/v1/inspections/{inspection}/minutes.pdf"))
        pages.add(len(PdfReader(io.BytesIO(preview.data)).pages))
        draft.append(seconds)
        seconds, done = timed(lambda: client.post(f"/api/v1/inspections/{inspection}/finalize"))
        assert done.status_code == 200, done.get_json()
        finalise.append(seconds)
        for _ in range(10):
            seconds, frozen = timed(lambda: client.get(f"/api/v1/inspections/{inspection}/minutes.pdf"))
            assert frozen.status_code == 200
            download.append(seconds)
        if round_ == 0:
            finalise, download, draft = [], [], []
    results = {
        "finalise incl. PDF (median)": (statistics.median(finalise), FINALISE_MEDIAN_S, "s"),
        "frozen download (median)": (statistics.median(download) * 1000, DOWNLOAD_MS, "ms"),
        "draft preview (median)": (statistics.median(draft), DRAFT_S, "s"),
    }
    print(f"minutes benchmark — {args.n} rounds, {sorted(pages)} pages per minutes, SQLite, test client")
    missed = False
    for name, (value, target, unit) in results.items():
        ok = value <= target
        missed |= not ok
        print(f"  {name:30s} {value:8.3f} {unit}   target ≤ {target} {unit}   {'MET' if ok else 'MISSED'}")
    print(f"  finalise max {max(finalise):.3f} s; download p-max {max(download) * 1000:.1f} ms; "
          f"draft max {max(draft):.3f} s")
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the summary report on a full demo database: the city's Excel and PDF, per period.

    .venv/bin/python bench/report.py [--runs 5] [--years 2020-2025] [--seed 122] [--check] [--json FILE]

Builds the schema in a temporary SQLite file, loads Hà Nội's real units (data/: 579 communes, 30
districts; 126 communes from 1/7/2025) and seeds them with `seed_demo` (every commune, every year:
~3,500 finalised inspections), printing the seeding time; when TEST_POSTGRES_URL is set, the same
is done again in a fresh PostgreSQL database created on that server (dropped at the end). Then,
through Flask's test client logged in as `admin` (the server's whole work: routing, session, SQL,
openpyxl or WeasyPrint; no network), each download is requested --runs times after one warm-up:
the city's Excel for the whole period and for its last year, the city's PDF for both, and one
district's Excel. Medians (and min, max), the file size, and how long the SQL part alone takes
(services.report.build_report). Target: every Excel ≤ 5 s (median); --check exits 1 otherwise.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from seeded import AS_OF, analyse, build, postgres_database, release, seeded_arguments  # sets up sys.path for the imports below
from conftest import PASSWORD  # noqa: E402

from sqlalchemy import select  # noqa: E402

from inspect_app.extensions import db  # noqa: E402
from inspect_app.models import User  # noqa: E402
from inspect_app.services import report as service  # noqa: E402

TARGET_SECONDS = 5.0
ACCOUNTS = {"admin": ("admin", None), "inspector": ("inspector", None)}


def downloads(years: range) -> list[tuple[str, str, bool]]:
    """(label, path, counts against the Excel target)."""
    whole = f"from={years.start}-01-01&to={years.stop - 1}-12-31"
    last = f"from={years.stop - 1}-01-01&to={years.stop - 1}-12-31"
    return [
        (f"Excel, city, {years.start}–{years.stop - 1}", f"/reports/summary.xlsx?{whole}&scope=city", True),
        (f"Excel, city, {years.stop - 1}", f"/reports/summary.xlsx?{last}&scope=city", True),
        (f"Excel, Quận Ba Đình, {years.start}–{years.stop - 1}", f"/reports/summary.xlsx?{whole}&scope=001", True),
        (f"PDF, city, {years.start}–{years.stop - 1}", f"/reports/summary.pdf?{whole}&scope=city", False),
        (f"PDF, city, {years.stop - 1}", f"/reports/summary.pdf?{last}&scope=city", False),
        (f"page /reports, city, {years.start}–{years.stop - 1}", f"/reports?{whole}&scope=city", False),
    ]


def measure(app, years: range, runs: int) -> list[dict]:
    client = app.test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 302, "login of admin failed"
    rows = []
    for label, path, excel in downloads(years):
        assert client.get(path).status_code == 200, path  # warm-up: templates, fonts, statements
        times, size = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, path
            size = len(response.data)
        query = dict(part.split("=", 1) for part in path.split("?", 1)[1].split("&"))
        with app.app_context():
            actor = db.session.scalar(select(User).where(User.username == "admin"))
            checked = service.resolve_request(db.session, actor, query, AS_OF)
            sql = []
            for _ in range(runs):
                start = time.perf_counter()
                report = service.build_report(db.session, app.extensions["catalog"].loaded, checked)
                sql.append(time.perf_counter() - start)
        rows.append({"download": label, "path": path, "excel": excel, "runs": runs,
                     "median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
                     "max_s": round(max(times), 3), "sql_median_s": round(statistics.median(sql), 3),
                     "kb": round(size / 1024, 1), "communes": report.coverage_total.inspected,
                     "repeats": len(report.repeats)})
    return rows


def print_rows(label: str, seconds: float, result, rows: list[dict]) -> None:
    print(f"\n== {label}")
    print(f"seeding: {seconds:.1f} s — {result.summary()}")
    print(f"{'download':<34} {'median':>8} {'min':>8} {'max':>8} {'SQL':>8} {'size':>10}  communes, repeat offenders")
    for row in rows:
        mark = "  MISSED" if row["excel"] and row["median_s"] > TARGET_SECONDS else ""
        print(f"{row['download']:<34} {row['median_s']:>6.2f} s {row['min_s']:>6.2f} s {row['max_s']:>6.2f} s "
              f"{row['sql_median_s']:>6.2f} s {row['kb']:>7.1f} KB  {row['communes']}, {row['repeats']}{mark}")


def main(argv: list[str] | None = None) -> int:
    args, years = seeded_arguments(__doc__, argv, repeats="--runs", default=5, least=3,
                                   repeats_help="timed requests per download (≥ 3)",
                                   check_help="exit 1 when an Excel download misses ≤ 5 s")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        folder = Path(tmp)
        app, result, seconds = build(f"sqlite:///{folder / 'report.db'}", folder / "sqlite", years, args.seed, ACCOUNTS)
        rows = measure(app, years, args.runs)
        print_rows("SQLite", seconds, result, rows)
        results["sqlite"] = {"seed_seconds": round(seconds, 1), "inspections": result.inspections, "downloads": rows}
        release(app)
        with postgres_database("bench_report") as url:
            if url is None:
                print("\n(TEST_POSTGRES_URL not set: PostgreSQL skipped)")
            else:
                app, result, seconds = build(url, folder / "postgresql", years, args.seed, ACCOUNTS)
                analyse(app)
                rows = measure(app, years, args.runs)
                print_rows("PostgreSQL", seconds, result, rows)
                results["postgresql"] = {"seed_seconds": round(seconds, 1), "inspections": result.inspections,
                                         "downloads": rows}
                release(app)
    missed = [f"{backend}: {row['download']}" for backend, data in results.items() for row in data["downloads"]
              if row["excel"] and row["median_s"] > TARGET_SECONDS]
    print(f"\n[{'MISSED' if missed else 'met'}] every Excel download median ≤ {TARGET_SECONDS:.0f} s" +
          (": " + "; ".join(missed) if missed else ""))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())

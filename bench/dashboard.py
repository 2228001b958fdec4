"""Benchmark of the dashboards on a full demo database: seeding time, then server time per page.

    .venv/bin/python bench/dashboard.py [--n 30] [--years 2020-2025] [--seed 122] [--check] [--json FILE]

Builds the schema in a temporary SQLite file, loads Hà Nội's real units (data/: 579 communes,
30 districts; 126 communes from 1/7/2025) and seeds them with `seed_demo` (every commune, every
year: ~3,500 finalised inspections, ~200,000 answers), printing the seeding time. When
TEST_POSTGRES_URL is set, the same is done again in a fresh PostgreSQL database created on that
server (dropped at the end). Then, through Flask's test client (the server's own work: routing,
session, SQL, Jinja; no network), logged in as `admin` and as `district-badinh`, every dashboard
page is requested --n times after a warm-up: median, p95 and max, and the page size.
Target: p95 ≤ 300 ms per page. With --check the exit status is 1 when a page misses it.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from seeded import analyse, build, postgres_database, release, seeded_arguments  # sets up sys.path for the imports below
from stats import percentile
from conftest import PASSWORD  # noqa: E402


P95_TARGET_MS = 300.0
ACCOUNTS = {"admin": ("admin", None), "inspector": ("inspector", None), "district-badinh": ("district", "001")}
PAGES = {
    "admin": ["/dashboard", "/dashboard?year=2020", "/dashboard?sort=name&dir=asc", "/dashboard?all=1",
              "/dashboard/district/001", "/dashboard/district/018", "/dashboard/commune/00001"],
    "district-badinh": ["/dashboard/district/001", "/dashboard/district/001?year=2021&sort=total",
                        "/dashboard/commune/00001"],
}


def measure(app, n: int) -> list[dict]:
    rows = []
    for username, paths in PAGES.items():
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, f"login of {username} failed"
        for path in paths:
            for _ in range(3):  # warm-up: templates compiled, statements cached
                assert client.get(path).status_code == 200, path
            times, size = [], 0
            for _ in range(n):
                start = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, path
                size = len(response.data)
            rows.append({"user": username, "page": path, "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(percentile(times, .95), 1), "max_ms": round(max(times), 1), "n": n,
                         "kb": round(size / 1024, 1)})
    return rows


def report(label: str, seconds: float, result, rows: list[dict]) -> None:
    print(f"\n== {label}")
    print(f"seeding: {seconds:.1f} s — {result.summary()}")
    print(f"{'user':<16} {'page':<48} {'median':>9} {'p95':>9} {'max':>9} {'size':>9}")
    for row in rows:
        mark = "" if row["p95_ms"] <= P95_TARGET_MS else "  MISSED"
        print(f"{row['user']:<16} {row['page']:<48} {row['median_ms']:>6.1f} ms {row['p95_ms']:>6.1f} ms "
              f"{row['max_ms']:>6.1f} ms {row['kb']:>6.1f} KB{mark}")


def main(argv: list[str] | None = None) -> int:
    args, years = seeded_arguments(__doc__, argv, repeats="--n", default=30, least=20,
                                   repeats_help="timed requests per page (≥ 20)",
                                   check_help="exit 1 when a page misses p95 ≤ 300 ms")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        folder = Path(tmp)
        app, result, seconds = build(f"sqlite:///{folder / 'dashboard.db'}", folder / "sqlite", years, args.seed, ACCOUNTS)
        rows = measure(app, args.n)
        report("SQLite", seconds, result, rows)
        results["sqlite"] = {"seed_seconds": round(seconds, 1), "inspections": result.inspections,
                             "answers": result.answers, "pages": rows}
        release(app)
        with postgres_database("bench_dashboard") as url:
            if url is None:
                print("\n(TEST_POSTGRES_URL not set: PostgreSQL skipped)")
            else:
                app, result, seconds = build(url, folder / "postgresql", years, args.seed, ACCOUNTS)
                analyse(app)
                rows = measure(app, args.n)
                report("PostgreSQL", seconds, result, rows)
                results["postgresql"] = {"seed_seconds": round(seconds, 1), "inspections": result.inspections,
                                         "answers": result.answers, "pages": rows}
                release(app)
    missed = [f"{backend}: {row['user']} {row['page']}" for backend, data in results.items() for row in data["pages"]
              if row["p95_ms"] > P95_TARGET_MS]
    print(f"\n[{'MISSED' if missed else 'met'}] every page p95 ≤ {P95_TARGET_MS:.0f} ms" +
          (": " + "; ".join(missed) if missed else ""))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())

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

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import PASSWORD, make_app  # noqa: E402  (the tests' own app factory)
from sqlalchemy import create_engine, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from inspect_app.cli import load_reference_units  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.models import Team, User  # noqa: E402
from inspect_app.services.demo import parse_years, seed_demo  # noqa: E402

P95_TARGET_MS = 300.0
AS_OF = dt.date(2026, 11, 27)
ACCOUNTS = {"admin": ("admin", None), "inspector": ("inspector", None), "district-badinh": ("district", "001")}
PAGES = {
    "admin": ["/dashboard", "/dashboard?year=2020", "/dashboard?sort=name&dir=asc", "/dashboard?all=1",
              "/dashboard/district/001", "/dashboard/district/018", "/dashboard/commune/00001"],
    "district-badinh": ["/dashboard/district/001", "/dashboard/district/001?year=2021&sort=total",
                        "/dashboard/commune/00001"],
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def build(url: str, folder: Path, years: range, seed_value: int) -> tuple:
    """An app on `url` with the real units, three accounts and the demo data; and the seed result."""
    app = make_app(url, folder, UNITS_DIR=str(ROOT / "data"), WTF_CSRF_ENABLED=False)
    password = generate_password_hash(PASSWORD, method="scrypt")
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference_units()
        team = Team(name="Đoàn kiểm tra số 1 - Sở Nội vụ")
        for username, (role, district) in ACCOUNTS.items():
            db.session.add(User(username=username, password_hash=password, full_name=username, role=role,
                                district_code=district, team=team if role == "inspector" else None))
        db.session.commit()
        started = time.perf_counter()
        result = seed_demo(db.session, app.extensions["catalog"], years, None, seed_value, as_of=AS_OF,
                           photo_dir=folder / "photos")
        seconds = time.perf_counter() - started
    return app, result, seconds


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="timed requests per page (≥ 20)")
    parser.add_argument("--years", default="2020-2025", help="years to seed, e.g. 2020-2025")
    parser.add_argument("--seed", type=int, default=122)
    parser.add_argument("--check", action="store_true", help="exit 1 when a page misses p95 ≤ 300 ms")
    parser.add_argument("--json", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args(argv)
    if args.n < 20:
        parser.error("--n must be at least 20")
    years = parse_years(args.years)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        folder = Path(tmp)
        app, result, seconds = build(f"sqlite:///{folder / 'dashboard.db'}", folder / "sqlite", years, args.seed)
        rows = measure(app, args.n)
        report("SQLite", seconds, result, rows)
        results["sqlite"] = {"seed_seconds": round(seconds, 1), "inspections": result.inspections,
                             "answers": result.answers, "pages": rows}
        with app.app_context():
            db.engine.dispose()
        server = os.environ.get("TEST_POSTGRES_URL")
        if server:
            name = f"bench_dashboard_{os.getpid()}"
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
                connection.exec_driver_sql(f"CREATE DATABASE {name}")
            try:
                url = make_url(server).set(database=name).render_as_string(hide_password=False)
                app, result, seconds = build(url, folder / "postgresql", years, args.seed)
                with app.app_context():  # fresh statistics for the planner, as autovacuum would gather
                    db.session.execute(select(1))
                    db.session.connection().exec_driver_sql("ANALYZE")
                    db.session.commit()
                rows = measure(app, args.n)
                report("PostgreSQL", seconds, result, rows)
                results["postgresql"] = {"seed_seconds": round(seconds, 1), "inspections": result.inspections,
                                         "answers": result.answers, "pages": rows}
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
            finally:
                with admin.connect() as connection:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.dispose()
        else:
            print("\n(TEST_POSTGRES_URL not set: PostgreSQL skipped)")
    missed = [f"{backend}: {row['user']} {row['page']}" for backend, data in results.items() for row in data["pages"]
              if row["p95_ms"] > P95_TARGET_MS]
    print(f"\n[{'MISSED' if missed else 'met'}] every page p95 ≤ {P95_TARGET_MS:.0f} ms" +
          (": " + "; ".join(missed) if missed else ""))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())

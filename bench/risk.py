"""Benchmark of the plans' risk ranking over the whole city's history.

    .venv/bin/python bench/risk.py [--n 50] [--years 2020-2025] [--seed 122] [--check] [--json FILE]

Seeds a temporary SQLite database (and, with TEST_POSTGRES_URL set, a throwaway PostgreSQL one)
with Hà Nội's real units and six years of demo data (bench/seeded.py), then times the ranking as
the plan page computes it: services.risk.histories (three queries) and domain.risk.rank. It is
timed on 30/06/2025, when the city had 579 communes, and on 27/11/2026 (126 communes, the same
history under the codes that carried over). Target: p95 ≤ 300 ms; --check exits 1 when missed.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from seeded import AS_OF, analyse, build, postgres_database, release, seeded_arguments  # sets up sys.path for the imports below
from stats import percentile

from inspect_app.domain.risk import rank  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.services.risk import histories  # noqa: E402

P95_TARGET_MS = 300.0
DAYS = (dt.date(2025, 6, 30), AS_OF)


def measure(app, n: int) -> list[dict]:
    rows = []
    weights = app.extensions["catalog"].loaded.risk
    with app.app_context():
        for day in DAYS:
            for _ in range(3):  # warm-up
                ranked = rank(histories(db.session, day), weights, day)
                db.session.rollback()
            times = []
            for _ in range(n):
                start = time.perf_counter()
                ranked = rank(histories(db.session, day), weights, day)
                times.append((time.perf_counter() - start) * 1000)
                db.session.rollback()
            rows.append({"as_of": day.isoformat(), "communes": len(ranked),
                         "inspected": sum(s.history.latest_date is not None for s in ranked),
                         "median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, .95), 1),
                         "max_ms": round(max(times), 1), "n": n, "top": f"{ranked[0].history.name}: {ranked[0].reasons}"})
    return rows


def report(label: str, seconds: float, result, rows: list[dict]) -> None:
    print(f"\n== {label}")
    print(f"seeding: {seconds:.1f} s — {result.summary()}")
    for row in rows:
        mark = "" if row["p95_ms"] <= P95_TARGET_MS else "  MISSED"
        print(f"as of {row['as_of']}: {row['communes']} communes ({row['inspected']} inspected) — median "
              f"{row['median_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, max {row['max_ms']:.1f} ms{mark}")
        print(f"  riskiest: {row['top']}")


def main(argv: list[str] | None = None) -> int:
    args, years = seeded_arguments(__doc__, argv, repeats="--n", default=50, least=20,
                                   repeats_help="timed rankings per date (≥ 20)",
                                   check_help="exit 1 when p95 > 300 ms")
    accounts = {"admin": ("admin", None)}
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-risk-") as tmp:
        folder = Path(tmp)
        app, result, seconds = build(f"sqlite:///{folder / 'risk.db'}", folder / "sqlite", years, args.seed, accounts)
        rows = measure(app, args.n)
        report("SQLite", seconds, result, rows)
        results["sqlite"] = rows
        release(app)
        with postgres_database("bench_risk") as url:
            if url is None:
                print("\n(TEST_POSTGRES_URL not set: PostgreSQL skipped)")
            else:
                app, result, seconds = build(url, folder / "postgresql", years, args.seed, accounts)
                analyse(app)
                rows = measure(app, args.n)
                report("PostgreSQL", seconds, result, rows)
                results["postgresql"] = rows
                release(app)
    missed = [f"{backend} {row['as_of']}" for backend, rows in results.items() for row in rows
              if row["p95_ms"] > P95_TARGET_MS]
    print(f"\n[{'MISSED' if missed else 'met'}] ranking p95 ≤ {P95_TARGET_MS:.0f} ms" +
          (": " + "; ".join(missed) if missed else ""))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())

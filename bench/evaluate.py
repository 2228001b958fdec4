"""Benchmark of the in-process evaluation contract: `inspect_app.evaluate(doc)`.

    .venv/bin/python bench/evaluate.py [--n 2000] [--rss-evals 10000] [--check] [--json FILE]

Generates --n realistic answer sets (seeded, bench/answer_sets.py), warms up, then times every
call once (single thread): median, p95, evaluations per second. Then reads VmRSS from
/proc/self/status before and after --rss-evals further evaluations and prints the growth.
Then times the same answer sets through the engine adapter and through a plain-Python evaluation
of the same compiled rules (bench/plain_rules.py), interleaved call by call in the same run, and
prints both medians and their ratio, for the rule firing alone and for the whole evaluation (after
checking that both give the same result on every set).
Targets: median ≤ 2 ms, RSS growth ≤ 5 MB, whole evaluation ≤ 3× the plain-Python one. With
--check the exit status is 1 when one is missed.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import plain_rules  # noqa: E402
from bench.answer_sets import answer_sets  # noqa: E402
from bench.stats import percentile, rss_kb  # noqa: E402
from inspect_app import evaluate  # noqa: E402
from inspect_app.domain.assessment import build_facts, parse_document  # noqa: E402
from inspect_app.evaluation import cached_catalog, catalog_root, evaluate_input  # noqa: E402
from inspect_app.engine import get_engine  # noqa: E402

MEDIAN_TARGET_MS = 2.0
RSS_TARGET_MB = 5.0
RATIO_TARGET = 3.0
MIN_SETS = 1000


def at_least_minimum(text: str) -> int:
    value = int(text)
    if value < MIN_SETS:
        raise argparse.ArgumentTypeError(f"at least {MIN_SETS} answer sets")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=at_least_minimum, default=2000, help="answer sets to generate (≥ 1000)")
    parser.add_argument("--seed", type=int, default=122, help="generator seed")
    parser.add_argument("--warmup", type=int, default=500, help="evaluations before timing")
    parser.add_argument("--rss-evals", type=int, default=10_000, help="evaluations between the two RSS readings")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    docs = answer_sets(args.n, seed=args.seed)
    generated_s = time.perf_counter() - started
    findings = [len(evaluate(doc)["findings"]) for doc in docs]  # also checks every document is valid

    for index in range(args.warmup):
        evaluate(docs[index % len(docs)])

    gc.collect()
    timings_ms = []
    clock = time.perf_counter_ns
    loop_started = clock()
    for doc in docs:
        before = clock()
        evaluate(doc)
        timings_ms.append((clock() - before) / 1e6)
    loop_s = (clock() - loop_started) / 1e9
    timings_ms.sort()
    median_ms = statistics.median(timings_ms)
    p95_ms = percentile(timings_ms, 0.95)
    per_second = len(docs) / loop_s

    gc.collect()
    rss_before = rss_kb()
    checkpoints = []
    step = max(1, args.rss_evals // 5)
    for index in range(args.rss_evals):
        evaluate(docs[index % len(docs)])
        if (index + 1) % step == 0:
            checkpoints.append(rss_kb())
    gc.collect()
    rss_after = rss_kb()
    growth_mb = (rss_after - rss_before) / 1024

    versus = engine_versus_plain(docs)

    median_ok, rss_ok = median_ms <= MEDIAN_TARGET_MS, growth_mb <= RSS_TARGET_MB
    ratio_ok = versus["evaluation_ratio"] <= RATIO_TARGET
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"inspect_app.evaluate benchmark — Python {platform.python_version()}, "
          f"durable_rules {metadata.version('durable_rules')}, {os.cpu_count()} CPU, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"answer sets:        {len(docs)} (seed {args.seed}, generated in {generated_s:.2f} s; "
          f"findings per set: median {statistics.median(findings):g}, max {max(findings)}; "
          f"{sum(1 for f in findings if f == 0)} with none; {sum('previous' in d for d in docs)} with `previous`)")
    print(f"warm-up:            {args.warmup} evaluations")
    print(f"latency per call:   median {median_ms:.3f} ms, p95 {p95_ms:.3f} ms, "
          f"min {timings_ms[0]:.3f} ms, max {timings_ms[-1]:.3f} ms")
    print(f"throughput:         {per_second:,.0f} evaluations/s (single thread)")
    print(f"RSS:                {rss_before / 1024:.1f} MB before, {rss_after / 1024:.1f} MB after "
          f"{args.rss_evals:,} evaluations → growth {growth_mb:+.2f} MB "
          f"(checkpoints: {', '.join(f'{kb / 1024:.1f}' for kb in checkpoints)} MB)")
    print(f"engine vs plain:    firing median {versus['fire_engine_ms']:.3f} ms vs {versus['fire_plain_ms']:.3f} ms "
          f"(×{versus['fire_ratio']:.2f}); whole evaluation {versus['evaluation_engine_ms']:.3f} ms vs "
          f"{versus['evaluation_plain_ms']:.3f} ms (×{versus['evaluation_ratio']:.2f}); same result on all {len(docs)} sets")
    print("targets:")
    print(f"  median ≤ {MEDIAN_TARGET_MS:g} ms:      {median_ms:.3f} ms  {'MET' if median_ok else 'NOT MET'}")
    print(f"  RSS growth ≤ {RSS_TARGET_MB:g} MB:  {growth_mb:+.2f} MB  {'MET' if rss_ok else 'NOT MET'}")
    print(f"  engine ≤ {RATIO_TARGET:g}× plain:     ×{versus['evaluation_ratio']:.2f}  {'MET' if ratio_ok else 'NOT MET'}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "n": len(docs), "seed": args.seed, "median_ms": median_ms, "p95_ms": p95_ms,
            "evaluations_per_second": per_second, "rss_before_kb": rss_before, "rss_after_kb": rss_after,
            "rss_evaluations": args.rss_evals, "rss_growth_mb": growth_mb, "load_average": list(load),
            "median_target_met": median_ok, "rss_target_met": rss_ok, **versus, "ratio_target_met": ratio_ok,
        }, indent=2) + "\n", encoding="utf-8")
    return 0 if (median_ok and rss_ok and ratio_ok) or not args.check else 1


def engine_versus_plain(docs: list[dict]) -> dict[str, float]:
    """Medians of the engine and of plain Python on the same parsed sets, call by call, and their ratios."""
    catalog = cached_catalog(catalog_root())
    engine = get_engine()
    inputs = [parse_document(doc, catalog) for doc in docs]
    for inspection in inputs:  # the yardstick is only fair if it is right
        if evaluate_input(inspection, catalog).to_contract() != plain_rules.evaluate_plain(inspection, catalog):
            raise SystemExit(f"plain-Python and engine results differ on {inspection.commune_code} "
                             f"{inspection.inspection_date}")
    clock = time.perf_counter_ns
    timings: dict[str, list[float]] = {"fire_engine": [], "fire_plain": [], "evaluation_engine": [],
                                       "evaluation_plain": []}
    for inspection in inputs:
        ruleset, facts, day = catalog.ruleset(inspection.checklist), build_facts(inspection), inspection.inspection_date
        for name, call in (("fire_engine", lambda: engine.fire(ruleset, facts, day)),
                           ("fire_plain", lambda: plain_rules.fire(ruleset, facts, day)),
                           ("evaluation_engine", lambda: evaluate_input(inspection, catalog)),
                           ("evaluation_plain", lambda: plain_rules.evaluate_plain(inspection, catalog))):
            before = clock()
            call()
            timings[name].append((clock() - before) / 1e6)
    result = {f"{name}_ms": statistics.median(values) for name, values in timings.items()}
    result["fire_ratio"] = result["fire_engine_ms"] / result["fire_plain_ms"]
    result["evaluation_ratio"] = result["evaluation_engine_ms"] / result["evaluation_plain_ms"]
    return result


if __name__ == "__main__":
    sys.exit(main())

"""What trying criteria drafts costs a worker: each registered ruleset holds about 1.3 MB in durable.

    .venv/bin/python bench/drafts.py [--drafts 100]

Each draft tried (its page, its dry run, its test) registers its rules with the process's durable
host under a name derived from their content. durable's host never frees one; the adapter keeps at
most MAX_RULESETS and deletes the least recently used (before that, 100 drafts tried left 124 MB
behind in the worker). This registers --drafts distinct versions of the version-2 rules (TG-02's
threshold 5, 6, …), fires each once, drops them, and prints the resident memory left behind, the
time of a first firing (compiling and registering), and how many rulesets the adapter remembers
and durable holds.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import percentile, rss_kb  # noqa: E402
from inspect_app.evaluation import cached_catalog, catalog_root  # noqa: E402
from inspect_app.engine import MAX_RULESETS, get_engine  # noqa: E402

DAY = dt.date(2026, 6, 15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=100)
    args = parser.parse_args(argv)
    catalog = cached_catalog(catalog_root())
    ruleset = catalog.ruleset(catalog.checklist_for("papi-xa", DAY))
    engine = get_engine()
    engine.fire(ruleset, [], DAY)  # the shipped version, registered as in any worker
    gc.collect()
    before, remembered = rss_kb(), engine.remembered
    timings = []
    for threshold in range(5, 5 + args.drafts):
        rules = tuple(dataclasses.replace(rule, condition={"all": [{"m": {"$and": [{"item": "TG-02"},
                                                                              {"$lt": {"value": threshold}}]}}]})
                      if rule.id == "TG-02" else rule for rule in ruleset.rules)
        draft = dataclasses.replace(ruleset, rules=rules)
        started = time.perf_counter()
        engine.fire(draft, [{"item": "TG-02", "value": 4}], DAY)
        timings.append((time.perf_counter() - started) * 1000)
        del draft, rules
    gc.collect()
    after = rss_kb()
    print(f"drafts tried:       {args.drafts} distinct rulesets of {len(ruleset.rules)} rules")
    print(f"first firing each:  median {percentile(timings, 0.5):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms "
          "(compiling and registering the ruleset)")
    print(f"RSS:                {before / 1024:.1f} MB before, {after / 1024:.1f} MB after → "
          f"{(after - before) / 1024:+.1f} MB for {args.drafts} drafts (bounded: durable holds at most "
          f"{MAX_RULESETS} rulesets)")
    print(f"ruleset objects the adapter remembers: {remembered} before, {engine.remembered} after "
          f"(durable keeps {engine.registered} registered)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

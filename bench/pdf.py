"""Benchmark of the minutes PDF renderer: `inspect_app.pdf.render_minutes(data)`.

    .venv/bin/python bench/pdf.py [--runs 7] [--check] [--json FILE]

Renders two drafts built from the real checklist, rule engine and catalog
(inspect_app/pdf/sample.py): the realistic Phường Phúc Xá minutes (every item, 15 findings) and
the same inspection with no finding (the shortest realistic minutes). The first render of the
process is timed apart (imports, font check, template compilation); after two warm-up renders
of each, every document is rendered --runs times (≥ 5) and the median is reported with the page
count. Also reports the RSS growth over the timed renders.
Target: median ≤ 1.2 s for a draft of five pages or more. With --check the exit status is 1 when
it is missed.
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import io
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

from bench.stats import rss_kb  # noqa: E402

MEDIAN_TARGET_S = 1.2
MIN_RUNS = 5


def at_least_minimum(text: str) -> int:
    value = int(text)
    if value < MIN_RUNS:
        raise argparse.ArgumentTypeError(f"at least {MIN_RUNS} runs")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=at_least_minimum, default=7, help="timed renders per document (≥ 5)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from pypdf import PdfReader

    from inspect_app.pdf import render_minutes
    from inspect_app.pdf.sample import sample_minutes
    realistic = sample_minutes(draft=True)
    documents = {
        "realistic draft (15 findings)": realistic,
        "draft without findings": dataclasses.replace(realistic, findings=()),
    }
    first = render_minutes(realistic)
    first_s = time.perf_counter() - started

    for data in documents.values():  # warm-up: caches of Pango, Fontconfig and the layout code fill up
        for _ in range(2):
            render_minutes(data)

    results = {}
    gc.collect()
    rss_before = rss_kb()
    for name, data in documents.items():
        timings = []
        for _ in range(args.runs):
            before = time.perf_counter()
            pdf = render_minutes(data)
            timings.append(time.perf_counter() - before)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        median = statistics.median(timings)
        results[name] = {"pages": pages, "runs": args.runs, "median_s": median, "min_s": min(timings),
                         "max_s": max(timings), "median_per_page_s": median / pages, "bytes": len(pdf),
                         "target_met": pages < 5 or median <= MEDIAN_TARGET_S}
    gc.collect()
    rss_after = rss_kb()
    assert first == render_minutes(realistic), "rendering is not reproducible"

    load = os.getloadavg()
    print(f"inspect_app.pdf.render_minutes benchmark — Python {platform.python_version()}, "
          f"WeasyPrint {metadata.version('weasyprint')}, {os.cpu_count()} CPU, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"first render in a fresh process (imports, catalog, font check, template): {first_s:.2f} s")
    for name, r in results.items():
        print(f"{name}: {r['pages']} pages, {r['bytes'] / 1024:.0f} KiB; {r['runs']} runs: median {r['median_s']:.3f} s "
              f"(min {r['min_s']:.3f}, max {r['max_s']:.3f}; {r['median_per_page_s'] * 1000:.0f} ms/page)")
    print(f"RSS after warm-up {rss_before / 1024:.1f} MB → {rss_after / 1024:.1f} MB over {args.runs * len(documents)} "
          f"timed renders")
    ok = all(r["target_met"] for r in results.values())
    print(f"target: median ≤ {MEDIAN_TARGET_S:g} s per draft of ≥ 5 pages: {'MET' if ok else 'NOT MET'}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "documents": results, "first_render_s": first_s, "rss_before_kb": rss_before, "rss_after_kb": rss_after,
            "load_average": list(load),
            "target_s": MEDIAN_TARGET_S, "target_met": ok,
        }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())

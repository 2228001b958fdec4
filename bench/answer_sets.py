"""Deterministic, realistic answer sets for the papi-xa checklist, derived from the compliant one.

Shared by bench/evaluate.py and tests/unit/test_engine.py. Every document follows the
evaluation contract (no InvalidInput): answers are flipped yes/no/na where the checklist allows
it, numbers move either side of their thresholds, photos are added or left out, the inspection
date ranges over 11/6/2020–2026 (with the budget dates CK-06/07/08/14 kept consistent with it),
the items are those of the checklist version in force that day (version 2 from 1/7/2025), a
required answer is now and then left empty, and some documents carry a `previous` inspection.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from inspect_app.domain.checklists import last_period_end_before
from inspect_app.evaluation import PROJECT_ROOT, cached_catalog

COMPLIANT = Path(__file__).resolve().parent.parent / "tests" / "data" / "compliant.json"

NA_ALLOWED = {"TG-06", "TG-07", "TG-08", "CK-09", "CK-13", "CK-15", "CK-16", "TN-01", "TN-04", "DV-06"}
VERSION_2_ITEMS = {"CK-15": "yes", "CK-16": "yes"}  # compliant answers of the items version 2 added
CHOICES = {"CK-01": ("tot", "cu_nat", "khong_co"), "GT-03": ("du", "thieu", "khong")}
PHOTO_ITEMS = ("CK-01", "CK-02", "CK-03", "GT-03", "GT-04")
PART_OF_VILLAGES = ("TG-03", "TG-05", "CK-04")
PERCENTS = (100.0, 100.0, 99.9, 99.5, 95.5, 90.1, 90.0, 87.5, 75.0, 0.0)
# codes a previous inspection may have found (item rules plus the join rule J-01)
PREVIOUS_CODES = ("TG-01", "TG-03", "CK-01", "CK-02", "CK-05", "CK-07", "GT-03", "GT-04", "GT-05",
                  "GT-08", "TN-03", "TT-07", "DV-02", "DV-03", "MT-03", "DT-03", "J-01")
FIRST_DAY, LAST_DAY = dt.date(2020, 6, 11), dt.date(2026, 12, 31)


def compliant() -> dict[str, Any]:
    """tests/data/compliant.json: the inspection every answer set starts from."""
    return json.loads(COMPLIANT.read_text(encoding="utf-8"))


def _day(rng: random.Random, low: dt.date, high: dt.date) -> dt.date:
    return low + dt.timedelta(days=rng.randint(0, max(0, (high - low).days)))


def _vary_answer(rng: random.Random, code: str, value: Any, villages: int) -> Any:
    if value in ("yes", "no", "na"):
        return rng.choice(("no", "na") if code in NA_ALLOWED else ("no",))
    if code in CHOICES:
        return rng.choice(CHOICES[code])
    if isinstance(value, float) or code in ("GT-09", "DV-02", "DV-03", "DV-04", "DV-05"):
        return rng.choice(PERCENTS)
    if code in PART_OF_VILLAGES:
        return rng.randint(max(0, villages - 3), villages)
    if code == "TT-04":
        return rng.randint(0, 3)
    if code in ("GT-08", "TN-03", "MT-01", "GT-02"):
        return rng.choice((0, 0, 1, 2, 5))
    if isinstance(value, int):  # thresholds 4 (TG-02, GT-05), 30 (CK-10) and the paired counts
        return max(0, value + rng.randint(-3, 2))
    return value


def answer_set(rng: random.Random, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """One realistic inspection document drawn from `rng`."""
    doc = copy.deepcopy(base or compliant())
    answers = doc["answers"]
    day = _day(rng, FIRST_DAY, LAST_DAY)
    doc["inspection_date"] = day.isoformat()
    checklist = cached_catalog(PROJECT_ROOT).checklist_for("papi-xa", day).on(day)
    for code in [c for c in answers if c not in checklist.items]:
        del answers[code]
    answers |= {code: value for code, value in VERSION_2_ITEMS.items() if code in checklist.items}
    villages = rng.choice((12, 12, 12, 5, 8, 20, 1))
    doc["commune"]["villages"] = villages
    for code in PART_OF_VILLAGES:
        answers[code] = villages
    flip = rng.choice((0.0, 0.03, 0.08, 0.15, 0.3))
    for code, value in list(answers.items()):
        if code not in ("CK-06", "CK-07", "CK-08", "CK-14") and rng.random() < flip:
            answers[code] = _vary_answer(rng, code, value, villages)
    # paired counts: the second of each pair never exceeds the first by much
    for whole, part in (("TT-02", "TT-03"), ("TT-06", "TT-07"), ("DT-02", "DT-03")):
        if part in answers and answers[part] > answers[whole]:
            answers[part] = answers[whole]
    # budget dates: decision in early January (or late December), disclosures on time, late or never
    decided = _day(rng, dt.date(day.year - 1, 12, 15), min(day, dt.date(day.year, 1, 20)))
    answers["CK-06"] = decided.isoformat()
    disclosed = None if rng.random() < 0.15 else decided + dt.timedelta(days=rng.randint(0, 45))
    answers["CK-07"] = disclosed.isoformat() if disclosed and disclosed <= day else None
    for code in ("CK-08", "CK-14"):  # the last period's report: quarterly to 31/3/2026, then 3/6/9 months
        if code in checklist.items:
            period_end = last_period_end_before(day, checklist.items[code].due.months)
            reported = None if rng.random() < 0.15 else period_end + dt.timedelta(days=rng.randint(1, 25))
            answers[code] = reported.isoformat() if reported and reported <= day else None
    # photos: all, some, none, or several per item
    photo_mode = rng.random()
    if photo_mode < 0.15:
        doc.pop("evidence", None)
    else:
        doc["evidence"] = {code: rng.choice((0, 1, 1, 2, 3)) for code in PHOTO_ITEMS
                           if photo_mode < 0.6 or rng.random() < 0.7}
    # a draft now and then: a required answer not given yet
    if rng.random() < 0.05:
        answers.pop(rng.choice(sorted(answers)))
    if rng.random() < 0.35 and day > FIRST_DAY + dt.timedelta(days=30):
        previous_day = _day(rng, max(FIRST_DAY, day - dt.timedelta(days=400)), day - dt.timedelta(days=1))
        findings = []
        for code in rng.sample(PREVIOUS_CODES, rng.randint(1, 4)):  # distinct codes: distinct facts
            entry = {"code": code, "status": rng.choice(("open", "open", "submitted", "verified"))}
            if rng.random() < 0.85:
                entry["deadline"] = (previous_day + dt.timedelta(days=rng.randint(3, 120))).isoformat()
            findings.append(entry)
        doc["previous"] = {"inspection_date": previous_day.isoformat(), "findings": findings}
    return doc


def answer_sets(n: int, seed: int = 122) -> list[dict[str, Any]]:
    """`n` documents, the same ones for the same seed."""
    rng = random.Random(seed)
    base = compliant()
    return [answer_set(rng, base) for _ in range(n)]

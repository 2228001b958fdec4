"""Every rule of the catalogue, firing and not firing, through the public evaluate() contract.

Each rule is tried on an inspection of the checklist version it belongs to: the compliant one of
tests/data/compliant.json (15/09/2020, version 1), and the same commune's answers carried into
version 2 on Tuesday 18/11/2025 and Thursday 15/10/2026 (the items of the version in force that
day, the items version 2 added answered compliantly, the budget dates moved with the year). One or
two answers are changed per case. Deadlines were worked out by hand on each year's calendar:
- 15/09/2020 (Tue): 3wd 18/09, 5wd 22/09, 10wd 29/09, 15wd 06/10, 30d 15/10 (Thu);
- 18/11/2025 (Tue): 3wd 21/11, 5wd 25/11, 10wd 02/12, 15wd 09/12, 30d 18/12 (Thu); 30/11 a Sunday,
  kept (a day of the year is never moved);
- 15/10/2026 (Thu): 3wd 20/10, 5wd 22/10, 10wd 29/10, 15wd 05/11, 30d 14/11 is a Saturday → 16/11.
"""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from inspect_app import evaluate
from inspect_app.domain.checklists import last_period_end_before

DEADLINES = {
    "2020-09-15": {"3wd": "2020-09-18", "5wd": "2020-09-22", "10wd": "2020-09-29", "15wd": "2020-10-06",
                   "30d": "2020-10-15", "31/12": "2020-12-31", "30/11": "2020-11-30", None: None},
    "2025-11-18": {"3wd": "2025-11-21", "5wd": "2025-11-25", "10wd": "2025-12-02", "15wd": "2025-12-09",
                   "30d": "2025-12-18", "31/12": "2025-12-31", "30/11": "2025-11-30", None: None},
    "2026-10-15": {"3wd": "2026-10-20", "5wd": "2026-10-22", "10wd": "2026-10-29", "15wd": "2026-11-05",
                   "30d": "2026-11-16", "31/12": "2026-12-31", "30/11": "2026-11-30", None: None},
}
DAYS = tuple(DEADLINES)
WD3, WD5, WD10, WD15, D30 = (DEADLINES["2020-09-15"][k] for k in ("3wd", "5wd", "10wd", "15wd", "30d"))
# compliant answers of the items version 2 added
VERSION_2_ITEMS = {"CK-15": "yes", "CK-16": "yes", "GT-12": 1, "DT-05": "yes"}

# rule id: (answers that fire it, answers that do not, kind, severity, deadline policy)
ITEM_RULES = {
    "TG-01": ({"TG-01": "no"}, {"TG-01": "yes"}, "violation", "normal", "10wd"),
    "TG-02": ({"TG-02": 3}, {"TG-02": 4}, "recommendation", "normal", "30d"),
    "TG-03": ({"TG-03": 11}, {"TG-03": 12}, "violation", "normal", "30d"),
    "TG-04": ({"TG-04": "no"}, {"TG-04": "yes"}, "recommendation", "normal", "15wd"),
    "TG-05": ({"TG-05": 11}, {"TG-05": 12}, "violation", "normal", "30d"),
    "TG-06": ({"TG-06": "no"}, {"TG-06": "na"}, "violation", "normal", "5wd"),
    "TG-07": ({"TG-07": "no"}, {"TG-07": "na"}, "violation", "normal", "5wd"),
    "TG-08": ({"TG-08": "no"}, {"TG-08": "na"}, "violation", "normal", "15wd"),
    "TG-09": ({"TG-09": "no"}, {"TG-09": "yes"}, "recommendation", "normal", "30d"),
    "CK-01": ({"CK-01": "khong_co"}, {"CK-01": "tot"}, "violation", "normal", "10wd"),
    "CK-01-cu-nat": ({"CK-01": "cu_nat"}, {"CK-01": "tot"}, "recommendation", "normal", "30d"),
    "CK-02": ({"CK-02": "no"}, {"CK-02": "yes"}, "violation", "normal", "5wd"),
    "CK-03": ({"CK-03": "no"}, {"CK-03": "yes"}, "violation", "normal", "5wd"),
    "CK-04": ({"CK-04": 0}, {"CK-04": 12}, "violation", "normal", "10wd"),
    "CK-05": ({"CK-05": "no"}, {"CK-05": "yes"}, "recommendation", "normal", "15wd"),
    "CK-07": ({"CK-07": None}, {}, "violation", "normal", "5wd"),
    "CK-07-cham": ("due+1", {}, "recommendation", "normal", None),
    "CK-08": ({"CK-08": None}, {}, "violation", "normal", "5wd"),
    "CK-08-cham": ("due+1", {}, "recommendation", "normal", None),
    "CK-09": ({"CK-09": "no"}, {"CK-09": "na"}, "violation", "normal", "10wd"),
    "CK-10": ({"CK-10": 29}, {"CK-10": 30}, "violation", "normal", "5wd"),
    "CK-11": ({"CK-11": "no"}, {"CK-11": "yes"}, "violation", "normal", "10wd"),
    "CK-12": ({"CK-12": "no"}, {"CK-12": "yes"}, "violation", "normal", "5wd"),
    "CK-13": ({"CK-13": "no"}, {"CK-13": "na"}, "violation", "normal", "10wd"),
    "CK-14": ({"CK-14": None}, {}, "violation", "normal", "5wd"),
    "CK-14-cham": ("due+1", {}, "recommendation", "normal", None),
    "CK-15": ({"CK-15": "no"}, {"CK-15": "na"}, "violation", "normal", "5wd"),
    "CK-16": ({"CK-16": "no"}, {"CK-16": "na"}, "violation", "normal", "10wd"),
    "GT-01": ({"GT-01": "no"}, {"GT-01": "yes"}, "violation", "normal", "5wd"),
    "GT-02": ({"GT-02": 0}, {"GT-02": 1}, "recommendation", "normal", "31/12"),
    "GT-03": ({"GT-03": "khong"}, {"GT-03": "du"}, "violation", "normal", "3wd"),
    "GT-03-thieu": ({"GT-03": "thieu"}, {"GT-03": "du"}, "violation", "normal", "5wd"),
    "GT-04": ({"GT-04": "no"}, {"GT-04": "yes"}, "violation", "normal", "3wd"),
    "GT-05": ({"GT-05": 3}, {"GT-05": 4}, "violation", "normal", "30d"),
    "GT-05-2026": ({"GT-05": 1}, {"GT-05": 2}, "violation", "normal", "30d"),
    "GT-06": ({"GT-06": "no"}, {"GT-06": "yes"}, "violation", "normal", "10wd"),
    "GT-07": ({"GT-07": "no"}, {"GT-07": "yes"}, "recommendation", "normal", "30d"),
    "GT-08": ({"GT-08": 1}, {"GT-08": 0}, "violation", "high", "15wd"),
    "GT-09": ({"GT-09": 99.9}, {"GT-09": 100}, "recommendation", "normal", "31/12"),
    "GT-10": ({"GT-10": "no"}, {"GT-10": "yes"}, "recommendation", "normal", "30d"),
    "GT-12": ({"GT-12": 0}, {"GT-12": 1}, "recommendation", "normal", "31/12"),
    "TN-01": ({"TN-01": "no"}, {"TN-01": "na"}, "violation", "normal", "10wd"),
    "TN-02": ({"TN-02": "no"}, {"TN-02": "yes"}, "violation", "normal", "10wd"),
    "TN-03": ({"TN-03": 2}, {"TN-03": 0}, "violation", "high", "15wd"),
    "TN-04": ({"TN-04": "no"}, {"TN-04": "na"}, "violation", "normal", "10wd"),
    "TT-01": ({"TT-01": "no"}, {"TT-01": "yes"}, "violation", "normal", "10wd"),
    "TT-03": ({"TT-03": 4}, {"TT-03": 5}, "violation", "normal", "31/12"),
    "TT-04": ({"TT-04": 2}, {"TT-04": 3}, "violation", "normal", "30/11"),
    "TT-05": ({"TT-05": "no"}, {"TT-05": "yes"}, "violation", "normal", "5wd"),
    "TT-07": ({"TT-07": 1}, {"TT-07": 2}, "violation", "normal", "5wd"),
    "DV-01": ({"DV-01": "no"}, {"DV-01": "yes"}, "recommendation", "normal", "31/12"),
    "DV-02": ({"DV-02": 99.5}, {"DV-02": 100}, "violation", "normal", "30d"),
    "DV-03": ({"DV-03": 90.0}, {"DV-03": 90.1}, "recommendation", "normal", "31/12"),
    "DV-04": ({"DV-04": 99}, {"DV-04": 100}, "violation", "normal", "15wd"),
    "DV-05": ({"DV-05": 99}, {"DV-05": 100}, "recommendation", "normal", "31/12"),
    "DV-06": ({"DV-06": "no"}, {"DV-06": "na"}, "recommendation", "normal", "31/12"),
    "DV-07": ({"DV-07": "no"}, {"DV-07": "yes"}, "violation", "normal", "30d"),
    "MT-01": ({"MT-01": 1}, {"MT-01": 0}, "violation", "normal", "30d"),
    "MT-02": ({"MT-02": "no"}, {"MT-02": "yes"}, "recommendation", "normal", "31/12"),
    "MT-03": ({"MT-03": "no"}, {"MT-03": "yes"}, "violation", "normal", "5wd"),
    "DT-01": ({"DT-01": "no"}, {"DT-01": "yes"}, "violation", "normal", "15wd"),
    "DT-03": ({"DT-03": 9}, {"DT-03": 10}, "violation", "normal", "10wd"),
    "DT-04": ({"DT-04": "no"}, {"DT-04": "yes"}, "recommendation", "normal", "30d"),
    "DT-05": ({"DT-05": "no"}, {"DT-05": "yes"}, "violation", "normal", "30d"),
}


def inspection_on(compliant: dict, day: str, catalog) -> dict:
    """The compliant inspection carried to `day`: the items of the checklist version in force then, the
    budget decided on 20/12 of the year before and disclosed on 10/01, each period's report disclosed
    5 days after the period (not yet, if that is after `day`)."""
    doc = copy.deepcopy(compliant)
    if day == compliant["inspection_date"]:
        return doc
    date = dt.date.fromisoformat(day)
    checklist = catalog.checklist_for("papi-xa", date).on(date)
    answers = {code: value for code, value in doc["answers"].items() if code in checklist.items}
    answers |= {code: value for code, value in VERSION_2_ITEMS.items() if code in checklist.items}
    answers |= {"CK-06": f"{date.year - 1}-12-20", "CK-07": f"{date.year}-01-10", "GT-05": 4}
    for code in ("CK-08", "CK-14"):
        if code in checklist.items:
            disclosed = last_period_end_before(date, checklist.items[code].due.months) + dt.timedelta(days=5)
            answers[code] = disclosed.isoformat() if disclosed <= date else None
    doc.update(inspection_date=day, answers=answers)
    return doc


DISCLOSURES = ("CK-07", "CK-08", "CK-14")  # dated disclosures: calm answer = disclosed on the day it was due


def due_date(doc: dict, code: str, catalog) -> str:
    """The day a dated disclosure was due, as the item's own `due` computes it."""
    day = dt.date.fromisoformat(doc["inspection_date"])
    items = catalog.checklist_for("papi-xa", day).items
    dates = {c: dt.date.fromisoformat(v) for c, v in doc["answers"].items() if items[c].type == "date" and v}
    return items[code].due.due_date(day, dates).isoformat()


def cases(catalog):
    """(rule id, day) for every item rule, on each test day its version has it in force."""
    found = []
    for day in DAYS:
        date = dt.date.fromisoformat(day)
        checklist = catalog.checklist_for("papi-xa", date).on(date)
        found += [(rule.id, day) for rule in catalog.ruleset(checklist).rules
                  if rule.code in checklist.items and rule.in_force(date)]
    return found


def findings_of(doc, code):
    return [f for f in evaluate(doc)["findings"] if f["code"] == code]


@pytest.mark.parametrize("day", DAYS)
def test_the_compliant_inspection_has_no_finding_and_full_scores(compliant, catalog, day):
    result = evaluate(inspection_on(compliant, day, catalog))
    assert result["findings"] == []
    assert result["missing"] == []
    assert result["scores"] == {d: 10.0 for d in ("TG", "CK", "GT", "TN", "TT", "DV", "MT", "DT")} | {"total": 80.0}


def test_every_item_rule_of_the_catalog_is_covered_here(catalog):
    rule_ids = {rule.id for versions in catalog.checklists.values() for checklist in versions
                for rule in catalog.ruleset(checklist).rules if rule.code in checklist.items}
    assert rule_ids == set(ITEM_RULES)
    assert {rule_id for rule_id, _ in cases(catalog)} == set(ITEM_RULES)  # each is in force on some test day


def _case(compliant, catalog, rule_id: str, day: str, firing: bool) -> dict:
    doc = inspection_on(compliant, day, catalog)
    fire, calm, *_ = ITEM_RULES[rule_id]
    change = fire if firing else calm
    if rule_id[:5] in DISCLOSURES and (change == "due+1" or not firing):
        due = dt.date.fromisoformat(due_date(doc, rule_id[:5], catalog))
        change = {rule_id[:5]: (due + dt.timedelta(days=1 if firing else 0)).isoformat()}
    assert set(change) <= set(catalog.checklist_for("papi-xa", dt.date.fromisoformat(day)).items), (rule_id, day)
    doc["answers"].update(change)
    return doc


def pytest_generate_tests(metafunc):
    if "rule_case" in metafunc.fixturenames:
        from inspect_app.evaluation import PROJECT_ROOT, cached_catalog
        metafunc.parametrize("rule_case", cases(cached_catalog(PROJECT_ROOT)), ids=lambda c: f"{c[0]}@{c[1]}")


def test_item_rule_fires(rule_case, compliant, catalog):
    rule_id, day = rule_case
    _, _, kind, severity, policy = ITEM_RULES[rule_id]
    rule = next(r for r in catalog.ruleset(catalog.checklist_for("papi-xa", dt.date.fromisoformat(day))).rules
                if r.id == rule_id)
    found = [f for f in findings_of(_case(compliant, catalog, rule_id, day, True), rule.code) if f["kind"] == kind]
    assert len(found) == 1, found
    assert found[0]["items"][0] == rule.code
    assert (found[0]["severity"], found[0]["deadline"], found[0]["repeat"]) == (severity, DEADLINES[day][policy], False)
    assert found[0]["title"] == rule.title and found[0]["legal_basis"] == rule.basis_on(dt.date.fromisoformat(day))


def test_item_rule_does_not_fire(rule_case, compliant, catalog):
    rule_id, day = rule_case
    assert evaluate(_case(compliant, catalog, rule_id, day, False))["findings"] == []


def test_disclosure_30_days_after_the_budget_decision_is_on_time_31_is_late(compliant):
    compliant["answers"].update({"CK-06": "2021-01-05", "CK-07": None})
    compliant["inspection_date"] = "2021-02-04"  # 30 days after: not yet overdue
    compliant["answers"]["CK-08"] = "2021-01-10"
    assert findings_of(compliant, "CK-07") == []
    compliant["inspection_date"] = "2021-02-05"  # 31 days after
    assert [f["kind"] for f in findings_of(compliant, "CK-07")] == ["violation"]


def test_quarterly_reports_until_march_2026_then_3_6_9_month_reports_due_in_10_days(compliant, catalog):
    march = inspection_on(compliant, "2026-03-31", catalog)  # Q4 2025 (budget year 2025): 15 days
    assert "CK-08" in march["answers"] and "CK-14" not in march["answers"]
    march["answers"]["CK-08"] = "2026-01-15"
    assert findings_of(march, "CK-08") == []
    march["answers"]["CK-08"] = "2026-01-16"
    assert [f["kind"] for f in findings_of(march, "CK-08")] == ["recommendation"]
    april = inspection_on(compliant, "2026-04-13", catalog)  # the first 3-month period of 2026: 10 days
    assert "CK-08" not in april["answers"] and "CK-14" in april["answers"]
    april["answers"]["CK-14"] = None
    assert [(f["kind"], f["deadline"]) for f in findings_of(april, "CK-14")] == [("violation", "2026-04-20")]
    april["answers"]["CK-14"] = "2026-04-10"
    assert findings_of(april, "CK-14") == []
    april["answers"]["CK-14"] = "2026-04-11"
    assert "136/2025" not in findings_of(april, "CK-14")[0]["legal_basis"]
    assert "73/2026" in findings_of(april, "CK-14")[0]["legal_basis"]


@pytest.mark.parametrize("day, asked", [("2025-12-31", True), ("2026-01-02", False)])
def test_criteria_resting_only_on_the_2021_2025_plan_end_with_it(compliant, catalog, day, asked):
    doc = inspection_on(compliant, day, catalog)
    assert all((code in doc["answers"]) is asked for code in ("TG-04", "CK-05", "GT-01", "GT-02", "DV-01", "DV-05",
                                                              "DT-03", "DT-04"))
    assert ("Kế hoạch số 179/KH-UBND" in evaluate(doc | {"answers": doc["answers"] | {"TG-01": "no"}})
            ["findings"][0]["legal_basis"]) is asked


def test_quarterly_disclosure_is_due_15_days_after_the_quarter(compliant):
    compliant["answers"]["CK-08"] = None
    compliant["inspection_date"] = "2020-07-15"  # Q2 ended 30/06; due 15/07: not yet overdue
    assert findings_of(compliant, "CK-08") == []
    compliant["inspection_date"] = "2020-07-16"
    assert [f["kind"] for f in findings_of(compliant, "CK-08")] == ["violation"]
    compliant["inspection_date"] = "2020-06-30"  # Q2 not ended yet: Q1 (due 15/04) counts
    assert [f["kind"] for f in findings_of(compliant, "CK-08")] == ["violation"]


@pytest.mark.parametrize("day, days_received, fires, new_law", [
    ("2026-06-30", 3, True, False), ("2026-06-30", 4, False, False),
    # 1/7/2026 judges June 2026: still at least one day a week (4 a month), under the old wording
    ("2026-07-01", 3, True, False), ("2026-07-01", 4, False, False),
    # 3/8/2026 judges July 2026: at least 2 days a month (Luật 136/2025)
    ("2026-08-03", 3, False, True), ("2026-08-03", 2, False, True), ("2026-08-03", 1, True, True),
])
def test_gt05_judges_the_month_it_measures_by_the_law_of_that_month(compliant, catalog, day, days_received, fires,
                                                                     new_law):
    doc = inspection_on(compliant, day, catalog)
    doc["answers"]["GT-05"] = days_received
    found = findings_of(doc, "GT-05")
    assert len(found) == (1 if fires else 0)
    if fires:
        assert ("136/2025" in found[0]["legal_basis"]) is new_law
        assert ("điểm d" in found[0]["legal_basis"]) is not new_law


@pytest.mark.parametrize("day, fires", [("2020-12-31", True), ("2021-01-01", False), ("2020-06-10", None)])
def test_dv03_applies_only_in_2020(compliant, day, fires):
    compliant["inspection_date"] = day
    compliant["answers"].update({"DV-03": 80.0, "CK-06": "2020-01-05", "CK-07": "2020-01-20", "CK-08": "2020-10-10"})
    if fires is None:  # before the checklist came into force: refused, not evaluated
        with pytest.raises(ValueError, match="hiệu lực"):
            evaluate(compliant)
        return
    assert len(findings_of(compliant, "DV-03")) == (1 if fires else 0)


def test_legal_basis_follows_the_inspection_date(compliant):
    compliant["answers"]["TG-07"] = "no"
    before = findings_of(compliant, "TG-07")[0]["legal_basis"]
    compliant.update(inspection_date="2023-07-03")
    compliant["answers"].update({"CK-06": "2023-01-05", "CK-07": "2023-01-20", "CK-08": "2023-07-10"})
    after = findings_of(compliant, "TG-07")[0]["legal_basis"]
    assert "34/2007" in before and "10/2022" not in before
    assert "10/2022" in after and "34/2007" not in after


def test_ck11_literal_deadline_predates_the_checklist_so_it_is_always_10wd(compliant):
    """The spec's 30/05/2020 precedes Kế hoạch 122 (11/6/2020): no inspection can meet it, so 10wd."""
    compliant["answers"].update({"CK-11": "no", "CK-08": "2020-04-10"})
    compliant["inspection_date"] = "2020-06-11"  # Thursday: 12, 15, 16, 17, 18, 19, 22, 23, 24, 25
    assert findings_of(compliant, "CK-11")[0]["deadline"] == "2020-06-25"
    compliant["inspection_date"] = "2020-09-15"
    assert findings_of(compliant, "CK-11")[0]["deadline"] == WD10


def test_deadlines_skip_tet_2021(compliant):
    compliant.update(inspection_date="2021-02-05")  # Friday before Tết Tân Sửu (10–16/02/2021 off)
    compliant["answers"].update({"TG-01": "no", "GT-04": "no", "CK-06": "2021-01-05", "CK-07": "2021-01-20",
                                 "CK-08": "2021-01-10"})
    # working days after 05/02: 08, 09, then 17, 18, 19, 22, 23, 24, 25, 26 → 10wd = 26/02
    assert findings_of(compliant, "TG-01")[0]["deadline"] == "2021-02-26"
    assert findings_of(compliant, "GT-04")[0]["deadline"] == "2021-02-17"  # 3wd: 08, 09, 17


def test_deadlines_skip_national_day_2021(compliant):
    compliant.update(inspection_date="2021-08-30")  # Monday; 2 and 3/9/2021 are days off
    compliant["answers"].update({"MT-03": "no", "TG-02": 0, "CK-06": "2021-01-05", "CK-07": "2021-01-20",
                                 "CK-08": "2021-07-10"})
    assert findings_of(compliant, "MT-03")[0]["deadline"] == "2021-09-08"  # 31/8, 1/9, 6/9, 7/9, 8/9
    assert findings_of(compliant, "TG-02")[0]["deadline"] == "2021-09-29"  # 30d, a Wednesday


def test_j01_poverty_list_posted_without_feedback_channel(compliant):
    compliant["answers"]["CK-05"] = "no"
    j01 = findings_of(compliant, "J-01")
    assert [(f["items"], f["kind"], f["deadline"]) for f in j01] == [(["CK-03", "CK-05"], "recommendation", WD15)]
    assert len(findings_of(compliant, "CK-05")) == 1  # in addition to CK-05's own finding
    compliant["answers"]["CK-03"] = "no"
    assert findings_of(compliant, "J-01") == []


def test_e01_positive_answer_without_photo(compliant):
    compliant["evidence"] = {"CK-02": 1, "CK-03": 1, "GT-03": 1, "GT-04": 1}
    e01 = findings_of(compliant, "E-01")
    assert [(f["items"], f["kind"], f["deadline"]) for f in e01] == [(["CK-01"], "recommendation", None)]
    compliant["answers"]["CK-01"] = "cu_nat"  # not a positive answer: no photo expected
    assert findings_of(compliant, "E-01") == []
    compliant["answers"]["CK-01"] = "tot"
    compliant["evidence"]["CK-01"] = 1
    assert findings_of(compliant, "E-01") == []


def test_e01_never_lowers_a_score(compliant):
    compliant["evidence"] = {}
    result = evaluate(compliant)
    assert len([f for f in result["findings"] if f["code"] == "E-01"]) == 5
    assert result["scores"]["total"] == 80.0


def previous(code, status, deadline="2020-03-13"):
    return {"inspection_date": "2020-03-10", "findings": [{"code": code, "deadline": deadline, "status": status}]}


@pytest.mark.parametrize("status, repeat", [("open", True), ("submitted", True), ("verified", False)])
def test_x01_repeat_offence_escalates(compliant, status, repeat):
    compliant["answers"]["GT-03"] = "khong"
    compliant["previous"] = previous("GT-03", status)
    (finding,) = findings_of(compliant, "GT-03")
    assert finding["repeat"] is repeat
    assert finding["severity"] == ("high" if repeat else "normal")
    assert ("tái phạm" in finding["title"]) is repeat


def test_x01_needs_the_same_rule_to_fire_again(compliant):
    compliant["previous"] = previous("GT-03", "open")
    compliant["answers"]["GT-04"] = "no"
    assert findings_of(compliant, "GT-04")[0]["repeat"] is False


@pytest.mark.parametrize("status, deadline, fires", [
    ("open", "2020-03-13", True), ("open", "2020-09-14", True), ("open", "2020-09-15", False),
    ("submitted", "2020-03-13", False), ("verified", "2020-03-13", False), ("open", None, False),
])
def test_x02_overdue_remediation(compliant, status, deadline, fires):
    compliant["previous"] = previous("GT-03", status, deadline)
    x02 = findings_of(compliant, "X-02")
    assert len(x02) == (1 if fires else 0)
    if fires:
        assert (x02[0]["items"], x02[0]["kind"], x02[0]["deadline"]) == (["GT-03"], "violation", WD5)
        assert "GT-03" in x02[0]["title"]
        assert evaluate(compliant)["scores"]["total"] == 80.0


def test_x02_one_finding_per_overdue_action(compliant):
    compliant["previous"] = {"inspection_date": "2020-03-10", "findings": [
        {"code": "GT-03", "deadline": "2020-03-13", "status": "open"},
        {"code": "J-01", "deadline": "2020-03-31", "status": "open"},
        {"code": "TG-01", "deadline": "2020-03-24", "status": "verified"},
    ]}
    x02 = findings_of(compliant, "X-02")
    assert [f["items"] for f in x02] == [["CK-03", "CK-05"], ["GT-03"]]  # checklist order


def test_identical_previous_findings_are_each_counted(compliant):
    """durable refuses a fact equal to one already asserted; the adapter numbers them."""
    same = {"code": "E-01", "deadline": None, "status": "open"}
    late = {"code": "TG-01", "deadline": "2020-03-24", "status": "open"}
    compliant["previous"] = {"inspection_date": "2020-03-10", "findings": [same, same, late, late]}
    assert len(findings_of(compliant, "X-02")) == 2

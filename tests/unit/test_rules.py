"""Every rule of the catalogue, firing and not firing, through the public evaluate() contract.

The inspection is the compliant one of tests/data/compliant.json (15/09/2020, 12 villages) with
one or two answers changed. Deadlines are worked out by hand on the 2020 calendar: from Tuesday
15/09/2020, 3wd = 18/09, 5wd = 22/09, 10wd = 29/09, 15wd = 06/10, 30d = 15/10 (a Thursday).
"""
from __future__ import annotations

import pytest

from inspect_app import evaluate

WD3, WD5, WD10, WD15, D30 = "2020-09-18", "2020-09-22", "2020-09-29", "2020-10-06", "2020-10-15"
YEAR_END, NOV_30 = "2020-12-31", "2020-11-30"

# rule id: (answers that fire it, answers that do not, code, kind, severity, deadline)
ITEM_RULES = {
    "TG-01": ({"TG-01": "no"}, {"TG-01": "yes"}, "violation", "normal", WD10),
    "TG-02": ({"TG-02": 3}, {"TG-02": 4}, "recommendation", "normal", D30),
    "TG-03": ({"TG-03": 11}, {"TG-03": 12}, "violation", "normal", D30),
    "TG-04": ({"TG-04": "no"}, {"TG-04": "yes"}, "recommendation", "normal", WD15),
    "TG-05": ({"TG-05": 11}, {"TG-05": 12}, "violation", "normal", D30),
    "TG-06": ({"TG-06": "no"}, {"TG-06": "na"}, "violation", "normal", WD5),
    "TG-07": ({"TG-07": "no"}, {"TG-07": "na"}, "violation", "normal", WD5),
    "TG-08": ({"TG-08": "no"}, {"TG-08": "na"}, "violation", "normal", WD15),
    "TG-09": ({"TG-09": "no"}, {"TG-09": "yes"}, "recommendation", "normal", D30),
    "CK-01": ({"CK-01": "khong_co"}, {"CK-01": "tot"}, "violation", "normal", WD10),
    "CK-01-cu-nat": ({"CK-01": "cu_nat"}, {"CK-01": "tot"}, "recommendation", "normal", D30),
    "CK-02": ({"CK-02": "no"}, {"CK-02": "yes"}, "violation", "normal", WD5),
    "CK-03": ({"CK-03": "no"}, {"CK-03": "yes"}, "violation", "normal", WD5),
    "CK-04": ({"CK-04": 0}, {"CK-04": 12}, "violation", "normal", WD10),
    "CK-05": ({"CK-05": "no"}, {"CK-05": "yes"}, "recommendation", "normal", WD15),
    "CK-07": ({"CK-07": None}, {"CK-07": "2020-02-04"}, "violation", "normal", WD5),
    "CK-07-cham": ({"CK-07": "2020-02-05"}, {"CK-07": "2020-02-04"}, "recommendation", "normal", None),
    "CK-08": ({"CK-08": None}, {"CK-08": "2020-07-15"}, "violation", "normal", WD5),
    "CK-08-cham": ({"CK-08": "2020-07-16"}, {"CK-08": "2020-07-15"}, "recommendation", "normal", None),
    "CK-09": ({"CK-09": "no"}, {"CK-09": "na"}, "violation", "normal", WD10),
    "CK-10": ({"CK-10": 29}, {"CK-10": 30}, "violation", "normal", WD5),
    "CK-11": ({"CK-11": "no"}, {"CK-11": "yes"}, "violation", "normal", WD10),
    "CK-12": ({"CK-12": "no"}, {"CK-12": "yes"}, "violation", "normal", WD5),
    "CK-13": ({"CK-13": "no"}, {"CK-13": "na"}, "violation", "normal", WD10),
    "GT-01": ({"GT-01": "no"}, {"GT-01": "yes"}, "violation", "normal", WD5),
    "GT-02": ({"GT-02": 0}, {"GT-02": 1}, "recommendation", "normal", YEAR_END),
    "GT-03": ({"GT-03": "khong"}, {"GT-03": "du"}, "violation", "normal", WD3),
    "GT-03-thieu": ({"GT-03": "thieu"}, {"GT-03": "du"}, "violation", "normal", WD5),
    "GT-04": ({"GT-04": "no"}, {"GT-04": "yes"}, "violation", "normal", WD3),
    "GT-05": ({"GT-05": 3}, {"GT-05": 4}, "violation", "normal", D30),
    "GT-06": ({"GT-06": "no"}, {"GT-06": "yes"}, "violation", "normal", WD10),
    "GT-07": ({"GT-07": "no"}, {"GT-07": "yes"}, "recommendation", "normal", D30),
    "GT-08": ({"GT-08": 1}, {"GT-08": 0}, "violation", "high", WD15),
    "GT-09": ({"GT-09": 99.9}, {"GT-09": 100}, "recommendation", "normal", YEAR_END),
    "GT-10": ({"GT-10": "no"}, {"GT-10": "yes"}, "recommendation", "normal", D30),
    "TN-01": ({"TN-01": "no"}, {"TN-01": "na"}, "violation", "normal", WD10),
    "TN-02": ({"TN-02": "no"}, {"TN-02": "yes"}, "violation", "normal", WD10),
    "TN-03": ({"TN-03": 2}, {"TN-03": 0}, "violation", "high", WD15),
    "TN-04": ({"TN-04": "no"}, {"TN-04": "na"}, "violation", "normal", WD10),
    "TT-01": ({"TT-01": "no"}, {"TT-01": "yes"}, "violation", "normal", WD10),
    "TT-03": ({"TT-03": 4}, {"TT-03": 5}, "violation", "normal", YEAR_END),
    "TT-04": ({"TT-04": 2}, {"TT-04": 3}, "violation", "normal", NOV_30),
    "TT-05": ({"TT-05": "no"}, {"TT-05": "yes"}, "violation", "normal", WD5),
    "TT-07": ({"TT-07": 1}, {"TT-07": 2}, "violation", "normal", WD5),
    "DV-01": ({"DV-01": "no"}, {"DV-01": "yes"}, "recommendation", "normal", YEAR_END),
    "DV-02": ({"DV-02": 99.5}, {"DV-02": 100}, "violation", "normal", D30),
    "DV-03": ({"DV-03": 90.0}, {"DV-03": 90.1}, "recommendation", "normal", YEAR_END),
    "DV-04": ({"DV-04": 99}, {"DV-04": 100}, "violation", "normal", WD15),
    "DV-05": ({"DV-05": 99}, {"DV-05": 100}, "recommendation", "normal", YEAR_END),
    "DV-06": ({"DV-06": "no"}, {"DV-06": "na"}, "recommendation", "normal", YEAR_END),
    "DV-07": ({"DV-07": "no"}, {"DV-07": "yes"}, "violation", "normal", D30),
    "MT-01": ({"MT-01": 1}, {"MT-01": 0}, "violation", "normal", D30),
    "MT-02": ({"MT-02": "no"}, {"MT-02": "yes"}, "recommendation", "normal", YEAR_END),
    "MT-03": ({"MT-03": "no"}, {"MT-03": "yes"}, "violation", "normal", WD5),
    "DT-01": ({"DT-01": "no"}, {"DT-01": "yes"}, "violation", "normal", WD15),
    "DT-03": ({"DT-03": 9}, {"DT-03": 10}, "violation", "normal", WD10),
    "DT-04": ({"DT-04": "no"}, {"DT-04": "yes"}, "recommendation", "normal", D30),
}


def findings_of(doc, code):
    return [f for f in evaluate(doc)["findings"] if f["code"] == code]


def test_the_compliant_inspection_has_no_finding_and_full_scores(compliant):
    result = evaluate(compliant)
    assert result["findings"] == []
    assert result["missing"] == []
    assert result["scores"] == {d: 10.0 for d in ("TG", "CK", "GT", "TN", "TT", "DV", "MT", "DT")} | {"total": 80.0}


def test_every_item_rule_of_the_catalog_is_covered_here(catalog):
    item_rules = {r.id for r in catalog.rulesets["papi-xa"].rules if r.code in catalog.latest("papi-xa").items}
    assert item_rules == set(ITEM_RULES) | {"GT-05-2026"}


@pytest.mark.parametrize("rule_id", sorted(ITEM_RULES))
def test_item_rule_fires(rule_id, compliant, catalog):
    fire, _, kind, severity, deadline = ITEM_RULES[rule_id]
    compliant["answers"].update(fire)
    code = catalog.rulesets["papi-xa"].by_code(rule_id.split("-")[0] + "-" + rule_id.split("-")[1]).code
    found = [f for f in findings_of(compliant, code) if f["kind"] == kind]
    assert len(found) == 1, found
    assert found[0]["items"][0] == code
    assert (found[0]["severity"], found[0]["deadline"], found[0]["repeat"]) == (severity, deadline, False)
    assert found[0]["title"] and found[0]["legal_basis"]


@pytest.mark.parametrize("rule_id", sorted(ITEM_RULES))
def test_item_rule_does_not_fire(rule_id, compliant):
    _, calm, *_ = ITEM_RULES[rule_id]
    compliant["answers"].update(calm)
    assert evaluate(compliant)["findings"] == []


def test_disclosure_30_days_after_the_budget_decision_is_on_time_31_is_late(compliant):
    compliant["answers"].update({"CK-06": "2020-01-05", "CK-07": None})
    compliant["inspection_date"] = "2020-02-04"  # 30 days after: not yet overdue
    compliant["answers"]["CK-08"] = "2020-01-10"
    assert findings_of(compliant, "CK-07") == []
    compliant["inspection_date"] = "2020-02-05"  # 31 days after
    assert [f["kind"] for f in findings_of(compliant, "CK-07")] == ["violation"]


def test_quarterly_disclosure_is_due_15_days_after_the_quarter(compliant):
    compliant["answers"]["CK-08"] = None
    compliant["inspection_date"] = "2020-07-15"  # Q2 ended 30/06; due 15/07: not yet overdue
    assert findings_of(compliant, "CK-08") == []
    compliant["inspection_date"] = "2020-07-16"
    assert [f["kind"] for f in findings_of(compliant, "CK-08")] == ["violation"]
    compliant["inspection_date"] = "2020-06-30"  # Q2 not ended yet: Q1 (due 15/04) counts
    assert [f["kind"] for f in findings_of(compliant, "CK-08")] == ["violation"]


@pytest.mark.parametrize("day, days_received, fires", [
    ("2026-06-30", 3, True), ("2026-06-30", 4, False),
    ("2026-07-01", 3, False), ("2026-07-01", 2, False), ("2026-07-01", 1, True),
])
def test_gt05_threshold_switches_on_1_july_2026(compliant, day, days_received, fires):
    compliant.update(inspection_date=day)
    compliant["answers"].update({"GT-05": days_received, "CK-06": "2026-01-05", "CK-07": "2026-01-20",
                                 "CK-08": "2026-04-10" if day < "2026-07-01" else "2026-07-10"})
    found = findings_of(compliant, "GT-05")
    assert len(found) == (1 if fires else 0)
    if fires:
        basis = found[0]["legal_basis"]
        assert ("136/2025" in basis) == (day >= "2026-07-01")


@pytest.mark.parametrize("day, fires", [("2020-12-31", True), ("2021-01-01", False), ("2019-12-31", None)])
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


def test_ck11_literal_deadline_before_and_after_30_may_2020(compliant):
    compliant["answers"].update({"CK-11": "no", "CK-08": "2020-04-10"})
    compliant["inspection_date"] = "2020-05-20"
    assert findings_of(compliant, "CK-11")[0]["deadline"] == "2020-05-30"
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

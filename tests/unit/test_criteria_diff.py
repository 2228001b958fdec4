"""The differences between two checklist versions: v1 → v2 of the shipped catalog, and a synthetic edit."""
from __future__ import annotations

import dataclasses

import pytest

from inspect_app.criteria.layout import DUE_LABELS, KIND_LABELS, MEASURE_LABELS, SEVERITY_LABELS, TYPE_LABELS
from inspect_app.domain.checklists import Item
from inspect_app.domain.conditions import compile_condition
from inspect_app.domain.criteria_diff import ADDED, CHANGED, REMOVED, Change, diff_versions
from inspect_app.evaluation import PROJECT_ROOT, cached_catalog

CATALOG = cached_catalog(PROJECT_ROOT)
LABELS = {"type": TYPE_LABELS, "kind": KIND_LABELS, "severity": SEVERITY_LABELS, "measures": MEASURE_LABELS,
          "due.kind": DUE_LABELS}
V1, V2 = CATALOG.checklist("papi-xa", 1), CATALOG.checklist("papi-xa", 2)


def by_code(entries):
    return {entry.code: entry for entry in entries}


@pytest.fixture(scope="module")
def v1_to_v2():
    return diff_versions(V1, CATALOG.ruleset(V1), V2, CATALOG.ruleset(V2), LABELS)


def test_items_added_and_removed_between_the_shipped_versions(v1_to_v2):
    added = [e.code for e in v1_to_v2.items if e.status == ADDED]
    removed = [e.code for e in v1_to_v2.items if e.status == REMOVED]
    assert added == ["CK-14", "CK-15", "CK-16", "GT-12", "DT-05"]
    assert removed == ["CK-12", "DV-03"]
    assert by_code(v1_to_v2.items)["CK-14"].detail == "Kiểu trả lời: Ngày"
    assert v1_to_v2.counts("items")[REMOVED] == 2


def test_an_item_that_ends_within_v2_is_changed_only_in_its_end_date(v1_to_v2):
    tg04 = by_code(v1_to_v2.items)["TG-04"]
    assert tg04.status == CHANGED
    assert tg04.changes == (Change("Hiệu lực đến", "theo phiên bản", "31/12/2025"),)


def test_rules_added_removed_and_changed_field_by_field(v1_to_v2):
    rules = by_code(v1_to_v2.rules)
    assert [e.code for e in v1_to_v2.rules if e.status == ADDED] == \
        ["CK-14", "CK-14-cham", "CK-15", "CK-16", "GT-05-2026", "GT-12", "DT-05"]
    assert [e.code for e in v1_to_v2.rules if e.status == REMOVED] == ["CK-12", "DV-03"]
    assert rules["CK-14-cham"].detail == "Điều kiện: số ngày chậm(CK-14) > 0"
    deadline = {c.label: c for c in rules["CK-11"].changes}["Thời hạn khắc phục"]
    assert (deadline.before, deadline.after) == ("30/05/2020", "10 ngày làm việc")
    assert {c.label for c in rules["TG-04"].changes} == {"Người chịu trách nhiệm", "Căn cứ pháp lý", "Hiệu lực đến"}
    # a rule whose dates are its version's is not listed as changed for the versions' own dates
    assert "Hiệu lực từ" not in {c.label for c in rules["TG-02"].changes}


def test_the_versions_own_number_title_and_dates(v1_to_v2):
    version = {c.label: (c.before, c.after) for c in v1_to_v2.version}
    assert version["Số phiên bản"] == ("1", "2")
    assert version["Hiệu lực từ"] == ("11/06/2020", "01/07/2025")
    assert version["Hiệu lực đến"] == ("30/06/2025", "chưa xác định")
    assert [c.label for c in v1_to_v2.scoring] == ["Giải thích cách tính điểm"]


def test_a_version_compared_with_itself_has_no_difference():
    assert diff_versions(V2, CATALOG.ruleset(V2), V2, CATALOG.ruleset(V2), LABELS).empty


def test_a_stricter_threshold_and_a_new_item_with_its_rule_are_exactly_the_entries():
    ruleset = CATALOG.ruleset(V2)
    new_item = Item(code="TG-10", dimension="TG", question="Xã có bảng tin điện tử tại nhà văn hóa", type="yesno",
                    guidance="Kiểm tra tại chỗ.")
    sections = tuple(dataclasses.replace(s, items=s.items + (new_item,)) if s.code == "TG" else s
                     for s in V2.sections)
    edited = dataclasses.replace(V2, sections=sections, scoring=dataclasses.replace(
        V2.scoring, severity_factors={**V2.scoring.severity_factors, "high": 2}))
    tg02 = ruleset.by_code("TG-02")
    stricter = dataclasses.replace(tg02, condition=compile_condition("TG-02 < 5", edited.items))
    added_rule = dataclasses.replace(tg02, id="TG-10", code="TG-10", items=("TG-10",), title="Chưa có bảng tin điện tử",
                                     condition=compile_condition('TG-10 = "Không"', edited.items))
    rules = tuple(stricter if r is tg02 else r for r in ruleset.rules) + (added_rule,)
    diff = diff_versions(V2, ruleset, edited, dataclasses.replace(ruleset, rules=rules), LABELS)
    assert [(e.code, e.status, e.detail) for e in diff.items] == [("TG-10", ADDED, "Kiểu trả lời: Có/Không")]
    assert [(e.code, e.status, e.changes) for e in diff.rules] == [
        ("TG-02", CHANGED, (Change("Điều kiện", "TG-02 < 4", "TG-02 < 5"),)),
        ("TG-10", ADDED, ()),
    ]
    assert by_code(diff.rules)["TG-10"].detail == 'Điều kiện: TG-10 = "Không"'
    assert diff.scoring == (Change("Hệ số mức độ Nghiêm trọng", "1", "2"),)
    assert diff.version == ()

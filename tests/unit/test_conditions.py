"""The condition language: words a jurist writes, compiled to the durable JSON the engine runs.

Every shipped rule round-trips (words → JSON gives the rule's own JSON), a catalog written in words
evaluates exactly like the shipped one, and every mistake is named at its character in Vietnamese.
"""
from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml

from bench.answer_sets import answer_sets
from inspect_app.domain.catalog import CatalogError, load_catalog
from inspect_app.domain.conditions import ConditionError, compile_condition, describe_condition
from inspect_app.evaluation import PROJECT_ROOT, cached_catalog, evaluate

SHIPPED = cached_catalog(PROJECT_ROOT)
V1, V2 = SHIPPED.checklists["papi-xa"]
SHIPPED_RULES = [(checklist, rule) for checklist in (V1, V2) for rule in SHIPPED.ruleset(checklist).rules]


def compiled(text: str, checklist=V2) -> dict:
    return compile_condition(text, checklist.items)


@pytest.mark.parametrize("checklist, rule", SHIPPED_RULES, ids=[f"v{c.version}-{r.id}" for c, r in SHIPPED_RULES])
def test_every_shipped_rule_round_trips_through_its_words(checklist, rule):
    words = describe_condition(rule.condition, checklist.items)
    assert compiled(words, checklist) == rule.condition
    assert describe_condition(compiled(words, checklist), checklist.items) == words  # the words are canonical


@pytest.mark.parametrize("rule_id, words", [
    ("GT-02", "GT-02 = 0"),
    ("TG-02", "TG-02 < 4"),
    ("TG-03", "số còn thiếu(TG-03) > 0"),
    ("TG-01", 'TG-01 = "Không"'),
    ("GT-03", 'GT-03 = "Không niêm yết"'),
    ("CK-07", "quá hạn chưa công khai(CK-07)"),
    ("CK-07-cham", "số ngày chậm(CK-07) > 0"),
    ("J-01", 'CK-03 = "Có" và CK-05 = "Không"'),
    ("E-01", 'cần ảnh(tiêu chí bất kỳ) và số ảnh(tiêu chí bất kỳ) = 0 và giá trị(tiêu chí bất kỳ) thuộc {"yes"; "tot"; "du"}'),
    ("X-01", 'trạng thái(phát hiện lần trước) <> "Đã khắc phục"'),
    ("X-02", 'trạng thái(phát hiện lần trước) = "Chưa khắc phục" và số ngày quá hạn(phát hiện lần trước) > 0'),
])
def test_shipped_rules_read_as_a_jurist_would_write_them(rule_id, words):
    rule = next(r for r in SHIPPED.ruleset(V2).rules if r.id == rule_id)
    assert describe_condition(rule.condition, V2.items) == words


def test_v1_decimal_threshold_is_written_with_a_decimal_comma():
    rule = next(r for r in SHIPPED.ruleset(V1).rules if r.id == "DV-03")
    assert describe_condition(rule.condition, V1.items) == "DV-03 < 90,1"
    assert compiled("DV-03 < 90,1", V1) == {"all": [{"m": {"$and": [{"item": "DV-03"}, {"$lt": {"value": 90.1}}]}}]}


@pytest.mark.parametrize("text", [
    'CK-03 = "Có" VÀ CK-05 = "không"',  # keywords and labels in any case
    "CK-03 = “Có” và CK-05 = “Không”",  # Word's and Excel's curly quotes
    unicodedata.normalize("NFD", 'CK-03 = "Có" và CK-05 = "Không"'),  # decomposed accents
    '  CK-03="Có"   và\nCK-05 = "Không" ',
])
def test_spellings_people_type_compile_to_the_same_rule(text):
    assert compiled(text) == compiled('CK-03 = "Có" và CK-05 = "Không"')


@pytest.mark.parametrize("text, expected", [
    ("GT-05 ≥ 2", {"$gte": {"value": 2}}), ("GT-05 >= 2", {"$gte": {"value": 2}}),
    ("GT-05 ≤ 2", {"$lte": {"value": 2}}), ("GT-05 ≠ 2", {"$neq": {"value": 2}}),
    ("GT-05 != 2", {"$neq": {"value": 2}}), ("GT-05 <> 2", {"$neq": {"value": 2}}),
    ("GT-05 > 2,5", {"$gt": {"value": 2.5}}),
])
def test_operators(text, expected):
    assert compiled(text) == {"all": [{"m": {"$and": [{"item": "GT-05"}, expected]}}]}


def test_two_tests_on_one_item_make_one_pattern_and_hoac_between_items_makes_any():
    assert compiled("GT-05 >= 2 và GT-05 < 4") == {
        "all": [{"m": {"$and": [{"item": "GT-05"}, {"$gte": {"value": 2}}, {"$lt": {"value": 4}}]}}]}
    assert compiled('TG-01 = "Không" hoặc GT-02 = 0') == {"any": [
        {"a": {"$and": [{"item": "TG-01"}, {"value": "no"}]}}, {"b": {"$and": [{"item": "GT-02"}, {"value": 0}]}}]}
    grouped = compiled('(GT-05 < 2 hoặc GT-05 > 8) và TG-01 = "Không"')
    assert grouped == {"all": [{"a": {"$and": [{"item": "GT-05"}, {"$or": [{"$lt": {"value": 2}}, {"$gt": {"value": 8}}]}]}},
                               {"b": {"$and": [{"item": "TG-01"}, {"value": "no"}]}}]}
    assert describe_condition(grouped, V2.items) == '(GT-05 < 2 hoặc GT-05 > 8) và TG-01 = "Không"'


def test_not_applicable_is_written_as_people_read_it():
    item = next(i for i in V2.items.values() if i.na_allowed and i.type == "yesno")
    rule = compiled(f'{item.code} = "Không áp dụng"')
    assert rule == {"all": [{"m": {"$and": [{"item": item.code}, {"value": "na"}]}}]}
    assert describe_condition(rule, V2.items) == f'{item.code} = "Không áp dụng"'


@pytest.mark.parametrize("text, position, phrase", [
    ("", None, "điều kiện đang trống"),
    ("GT-02 < ", 9, "dừng giữa chừng"),
    ("GT-02 < 4.5", 10, "dấu phẩy"),
    ("GT-02 << 4", 8, "“<” không đúng chỗ"),
    ("GT-02 # 4", 7, "không hiểu “#”"),
    ("ZZ-99 = 1", 1, "không có tiêu chí ZZ-99"),
    ('TG-01 = "Có lẽ"', 9, "các câu trả lời: “Có”; “Không”"),
    ("TG-01 < 3", 9, "không phải câu trả lời dạng số"),
    ('GT-02 = "không"', 9, "so sánh với một số"),
    ("số còn thiếu(TG-01) > 0", 1, "không so với tổng số nào"),
    ("số ngày chậm(TG-01) > 0", 1, "không có hạn công khai"),
    ("số ảnh(GT-02)", 1, "cần một phép so sánh"),
    ("cần ảnh(GT-02) = 1", 1, "điều kiện đúng/sai"),
    ('trạng thái(GT-02) = "Đã khắc phục"', 1, "không dùng được cho tiêu chí"),
    ('trạng thái(phát hiện lần trước) = "xong"', 35, "“Chưa khắc phục”; “Chờ xác nhận”; “Đã khắc phục”"),
    ("tiêu chí bất kỳ = 1", 1, "cần tên trường"),
    ('(CK-03 = "Có" hoặc CK-05 = "Không") và TG-01 = "Có"', 2, "chỉ nói về một tiêu chí"),
    ('CK-03 = "Có" và', 16, "dừng giữa chừng"),
])
def test_mistakes_are_named_at_their_character_in_vietnamese(text, position, phrase):
    with pytest.raises(ConditionError) as raised:
        compiled(text)
    assert raised.value.position == position
    assert phrase in raised.value.message
    if position:
        assert str(raised.value).startswith(f"ký tự thứ {position}: ")


def test_the_language_is_parsed_never_evaluated():
    with pytest.raises(ConditionError):
        compiled("__import__('os').system('true')")


@pytest.mark.parametrize("condition", [
    {"all": [{"x": {"$and": [{"item": "GT-02"}, {"value": 0}]}}]},  # pattern names outside the convention
    {"all": [{"m": {"item": "GT-02"}}]},  # not an $and pattern
    {"all": [{"m": {"$and": [{"item": "GT-02"}, {"$ex": {"value": 1}}]}}]},  # an operator the language lacks
    {"all": [{"m": {"$and": [{"item": "TG-01"}, {"value": "maybe"}]}}]},
])
def test_json_the_language_cannot_say_is_reported_not_mangled(condition):
    with pytest.raises(ConditionError):
        describe_condition(condition, V2.items)


# --- the catalog written in words ------------------------------------------------------------


@pytest.fixture(scope="module")
def worded_root(tmp_path_factory) -> Path:
    """The shipped catalog with every rule's all/any replaced by `condition:` in words."""
    root = tmp_path_factory.mktemp("worded")
    shutil.copytree(PROJECT_ROOT / "checklists", root / "checklists")
    shutil.copytree(PROJECT_ROOT / "rules", root / "rules")
    for checklist in (V1, V2):
        path = root / "rules" / f"papi-xa-v{checklist.version}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for node in data["rules"]:
            join = "all" if "all" in node else "any"
            node["condition"] = describe_condition({join: node.pop(join)}, checklist.items)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def test_a_catalog_written_in_words_compiles_to_the_shipped_rules(worded_root):
    worded = load_catalog(worded_root)
    for key, ruleset in SHIPPED.rulesets.items():
        assert [r.condition for r in worded.rulesets[key].rules] == [r.condition for r in ruleset.rules]
    assert "condition:" in (worded_root / "rules" / "papi-xa-v2.yaml").read_text(encoding="utf-8")


def test_a_catalog_written_in_words_evaluates_the_2000_benchmark_answer_sets_identically(worded_root):
    worded = load_catalog(worded_root)
    docs = answer_sets(2000)
    results = [(evaluate(doc, SHIPPED), evaluate(doc, worded)) for doc in docs]
    assert all(shipped == in_words for shipped, in_words in results)
    assert sum(bool(shipped["findings"]) for shipped, _ in results) > 1000  # the sets do raise findings
    assert len({json.dumps(s, sort_keys=True) for s, _ in results}) > 1000


def test_a_broken_condition_in_words_is_listed_with_its_file_and_line(worded_root, tmp_path):
    shutil.copytree(worded_root, tmp_path / "copy")
    path = tmp_path / "copy" / "rules" / "papi-xa-v2.yaml"
    text = path.read_text(encoding="utf-8")
    assert "condition: TG-02 < 4\n" in text
    path.write_text(text.replace("condition: TG-02 < 4\n", "condition: TG-02 < bốn\n", 1), encoding="utf-8")
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path / "copy")
    problems = [p for p in raised.value.problems if "TG-02 < bốn" in p]
    assert len(problems) == 1 and "papi-xa-v2.yaml:" in problems[0] and "ký tự thứ 9" in problems[0]


def test_words_and_json_together_are_refused(worded_root, tmp_path):
    shutil.copytree(worded_root, tmp_path / "copy")
    path = tmp_path / "copy" / "rules" / "papi-xa-v2.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("condition: TG-02 < 4\n",
                                 "condition: TG-02 < 4\n  all: [{m: {item: TG-02}}]\n", 1), encoding="utf-8")
    with pytest.raises(CatalogError) as raised:
        load_catalog(tmp_path / "copy")
    assert any("không cả hai" in p for p in raised.value.problems)

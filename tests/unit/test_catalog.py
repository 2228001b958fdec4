"""The catalog validator: broken checklist, rule and calendar files are refused with every problem.

Each test copies the project's checklists/ and rules/ into a temporary folder, breaks the copy
with a plain text edit, and checks that `load_catalog` raises CatalogError whose problems name
the file (and the line, where the validator knows it) with a recognisable Vietnamese message.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from inspect_app.domain.catalog import CatalogError, load_catalog
from inspect_app.evaluation import PROJECT_ROOT, evaluate

CHECKLIST = Path("checklists") / "papi-xa-v1.yaml"
RULES = Path("rules") / "papi-xa-v1.yaml"
CALENDAR = Path("rules") / "calendar.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A private, editable copy of the project's catalog."""
    shutil.copytree(PROJECT_ROOT / "checklists", tmp_path / "checklists")
    shutil.copytree(PROJECT_ROOT / "rules", tmp_path / "rules")
    return tmp_path


# --------------------------------------------------------------------------- helpers


def read(root: Path, rel: Path) -> str:
    return (root / rel).read_text(encoding="utf-8")


def write(root: Path, rel: Path, text: str) -> None:
    (root / rel).write_text(text, encoding="utf-8")


def replace(root: Path, rel: Path, old: str, new: str) -> None:
    """Replace the first occurrence of `old`; fail loudly if the copy does not contain it."""
    text = read(root, rel)
    assert old in text, f"{rel} does not contain {old!r}: the test's edit would do nothing"
    write(root, rel, text.replace(old, new, 1))


def line_of(root: Path, rel: Path, needle: str) -> int:
    """1-based number of the first line containing `needle`."""
    for number, line in enumerate(read(root, rel).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found in {rel}")


def key_line_after(root: Path, rel: Path, anchor: str, key: str) -> int:
    """1-based number of the first `key:` line after the line containing `anchor`."""
    lines = read(root, rel).splitlines()
    start = line_of(root, rel, anchor)
    for number in range(start + 1, len(lines) + 1):
        if lines[number - 1].lstrip().startswith(f"{key}:"):
            return number
    raise AssertionError(f"no {key!r} after {anchor!r} in {rel}")


def set_line(root: Path, rel: Path, number: int, new: str | None) -> None:
    """Replace (keeping its indentation) or delete (new=None) line `number`."""
    lines = read(root, rel).splitlines(keepends=True)
    old = lines[number - 1]
    if new is None:
        del lines[number - 1]
    else:
        indent = old[: len(old) - len(old.lstrip())]
        lines[number - 1] = f"{indent}{new}\n"
    write(root, rel, "".join(lines))


def insert_after(root: Path, rel: Path, number: int, text: str) -> None:
    lines = read(root, rel).splitlines(keepends=True)
    lines[number:number] = [text if text.endswith("\n") else text + "\n"]
    write(root, rel, "".join(lines))


def problems_of(root: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    problems = caught.value.problems
    assert problems, "CatalogError without any problem"
    assert str(caught.value) == "\n".join(problems)
    return problems


def assert_problem(problems: list[str], root: Path, rel: Path, fragment: str, line: int | None = None) -> str:
    """Some problem is '<file>:<line>: …fragment…' (or '<file>: …' when no line is expected)."""
    prefix = f"{root / rel}:{line}: " if line is not None else f"{root / rel}"
    matching = [p for p in problems if p.startswith(prefix) and fragment in p]
    assert matching, f"no problem starting {prefix!r} containing {fragment!r} in:\n" + "\n".join(problems)
    return matching[0]


def rule_line(root: Path, rule_id: str) -> int:
    return line_of(root, RULES, f"  - id: {rule_id}")


def item_line(root: Path, code: str) -> int:
    return line_of(root, CHECKLIST, f'- code: "{code}"')


# --------------------------------------------------------------------------- the real catalog


def yaml_counts(root: Path, version: int) -> tuple[int, int]:
    """How many items and rules a version's two files hold, read from the YAML itself (not the loader):
    a criterion added to the data changes no count written in a test."""
    checklist = yaml.safe_load((root / "checklists" / f"papi-xa-v{version}.yaml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((root / "rules" / f"papi-xa-v{version}.yaml").read_text(encoding="utf-8"))
    return sum(len(section["items"]) for section in checklist["sections"]), len(rules["rules"])


def test_pristine_copy_loads_both_versions_with_their_rules(root):
    catalog = load_catalog(root)
    assert list(catalog.checklists) == ["papi-xa"]
    first, second = catalog.checklists["papi-xa"]
    assert (first.key, len(first.items), len(catalog.ruleset(first).rules)) == ("papi-xa@1", *yaml_counts(root, 1))
    assert (second.key, len(second.items), len(catalog.ruleset(second).rules)) == ("papi-xa@2", *yaml_counts(root, 2))
    assert (first.effective_from, first.effective_to) == (dt.date(2020, 6, 11), dt.date(2025, 6, 30))
    assert (second.effective_from, second.effective_to) == (dt.date(2025, 7, 1), None)
    assert catalog.calendar is not None and catalog.register.instruments


# --------------------------------------------------------------------------- unknown item codes


def test_rule_items_naming_an_unknown_code(root):
    replace(root, RULES, 'items: ["TG-02"]', 'items: ["TG-02", "ZZ-99"]')
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-02: mã tiêu chí không có trong checklist: 'ZZ-99'",
                   rule_line(root, "TG-02"))


def test_condition_naming_an_unknown_item(root):
    replace(root, RULES, '{$and: [{item: "TG-02"}, {$lt: {value: 4}}]}', '{$and: [{item: "ZZ-99"}, {$lt: {value: 4}}]}')
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-02: mã tiêu chí không có trong checklist: 'ZZ-99'",
                   rule_line(root, "TG-02"))


def test_rule_code_that_is_neither_an_item_nor_cross_cutting(root):
    replace(root, RULES, "    code: TG-02\n", "    code: ZZ-99\n")
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "mã phát hiện 'ZZ-99' không phải mã tiêu chí", rule_line(root, "TG-02"))


# --------------------------------------------------------------------------- duplicates


def test_duplicate_rule_id(root):
    line = rule_line(root, "TG-02")
    replace(root, RULES, "  - id: TG-02\n", "  - id: TG-01\n")
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-01 bị trùng id", line)


def test_duplicate_item_code(root):
    line = item_line(root, "TG-02")
    replace(root, CHECKLIST, '- code: "TG-02"', '- code: "TG-01"')
    problems = problems_of(root)
    assert_problem(problems, root, CHECKLIST, "tiêu chí TG-01 bị trùng mã", line)


def test_duplicate_yaml_key_in_a_rule(root):
    line = key_line_after(root, RULES, "  - id: TG-02", "kind")
    insert_after(root, RULES, line, "    kind: violation")
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "khóa 'kind' bị lặp", line + 1)


def test_duplicate_yaml_key_in_an_item(root):
    line = key_line_after(root, CHECKLIST, '- code: "TG-02"', "unit")
    insert_after(root, CHECKLIST, line, '        unit: "tin"')
    problems = problems_of(root)
    assert_problem(problems, root, CHECKLIST, "khóa 'unit' bị lặp", line + 1)


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize("deadline, reason", [
    ("10 wd", "Cách ghi hợp lệ"),
    ("32/13", "không có ngày 32 tháng 13"),
    ("abc", "Cách ghi hợp lệ"),
    ("0wd", "số ngày phải là số nguyên từ 1"),
    ("2020-02-30", "không có ngày này trong lịch"),
])
def test_malformed_deadline_policy(root, deadline, reason):
    line = key_line_after(root, RULES, "  - id: TG-01", "deadline")
    set_line(root, RULES, line, f'deadline: "{deadline}"')
    problems = problems_of(root)
    message = assert_problem(problems, root, RULES, f"luật TG-01: Hạn khắc phục không hợp lệ: '{deadline}'",
                             rule_line(root, "TG-01"))
    assert reason in message


def test_missing_deadline(root):
    set_line(root, RULES, key_line_after(root, RULES, "  - id: TG-01", "deadline"), None)
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-01: thiếu 'deadline'", rule_line(root, "TG-01"))


# --------------------------------------------------------------------------- rule syntax

TG02_CONDITION = '      - m: {$and: [{item: "TG-02"}, {$lt: {value: 4}}]}\n'


@pytest.mark.parametrize("new_condition, fragment", [
    ('      - m: {$and: [{item: "TG-02"}, {$foo: {value: 4}}]}\n', "toán tử '$foo' không được hỗ trợ"),
    ('      - m: {$and: [{item: "TG-02"}, {$lt: {value: 4}}]}\n        n: {item: "TG-01"}\n',
     "mỗi mẫu cần đúng một tên"),
    ('      - m: {$and: [{item: "TG-02"}, {$lt: {value: "4"}}]}\n', "so sánh lớn/nhỏ trên 'value' cần một số ('4')"),
    ('      - m: {$and: [{item: "TG-02"}, {$lt: {colour: 4}}]}\n', "trường 'colour' không có trên fact"),
    ('      - m: {$and: []}\n', "'$and' cần một danh sách biểu thức không rỗng"),
], ids=["unknown-operator", "pattern-with-two-keys", "lt-against-string", "unknown-field", "empty-and"])
def test_rule_syntax_error(root, new_condition, fragment):
    replace(root, RULES, TG02_CONDITION, new_condition)
    problems = problems_of(root)
    assert_problem(problems, root, RULES, f"luật TG-02: {fragment}", rule_line(root, "TG-02"))


TG02_DEADLINE = '    deadline: "30d"\n'


@pytest.mark.parametrize("replacement", [
    TG02_DEADLINE,                                               # no condition at all
    TG02_DEADLINE + "    when:\n" + TG02_CONDITION,              # misnamed join
    TG02_DEADLINE + "    all: []\n",                             # empty join
    TG02_DEADLINE + "    all:\n" + TG02_CONDITION + "    any:\n" + TG02_CONDITION,  # both joins
], ids=["missing", "misnamed", "empty", "all-and-any"])
def test_condition_needs_exactly_one_all_or_any(root, replacement):
    replace(root, RULES, TG02_DEADLINE + "    all:\n" + TG02_CONDITION, replacement)
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-02: điều kiện cần đúng một khóa 'all' hoặc 'any'",
                   rule_line(root, "TG-02"))


@pytest.mark.parametrize("comparison", [
    "{$gt: {value: {$m: value}}}",
    "{$lt: {value: {$l: value}}}",
    "{value: {$m: value}}",
    "{$neq: {value: {$s: value}}}",
])
def test_cross_fact_comparison_is_refused(root, comparison):
    replace(root, RULES, '{$and: [{item: "TG-03"}, {$gt: {shortfall: 0}}]}', f'{{$and: [{{item: "TG-03"}}, {comparison}]}}')
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-03: so sánh giá trị của hai fact trong luật", rule_line(root, "TG-03"))


def test_bare_yaml_no_compared_to_a_yesno_item(root):
    replace(root, RULES, '{$and: [{item: "TG-01"}, {value: "no"}]}', '{$and: [{item: "TG-01"}, {value: no}]}')
    problems = problems_of(root)
    message = assert_problem(problems, root, RULES, "luật TG-01: TG-01 không có giá trị False", rule_line(root, "TG-01"))
    assert 'viết "yes"/"no" trong dấu ngoặc kép' in message


def test_unlisted_choice_value_in_a_condition(root):
    replace(root, RULES, '{value: "khong_co"}', '{value: "khong"}')
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật CK-01: CK-01 không có giá trị 'khong'; giá trị hợp lệ: tot, cu_nat, khong_co",
                   rule_line(root, "CK-01"))


def test_unknown_key_in_a_rule(root):
    insert_after(root, RULES, key_line_after(root, RULES, "  - id: TG-01", "deadline"), "    severty: high")
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-01: khóa không hợp lệ 'severty'", rule_line(root, "TG-01"))


def test_unknown_kind_and_severity(root):
    set_line(root, RULES, key_line_after(root, RULES, "  - id: TG-01", "kind"), "kind: warning")
    set_line(root, RULES, key_line_after(root, RULES, "  - id: TG-01", "severity"), "severity: critical")
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-01: 'kind' phải là một trong", rule_line(root, "TG-01"))
    assert_problem(problems, root, RULES, "luật TG-01: 'severity' phải là một trong", rule_line(root, "TG-01"))


# --------------------------------------------------------------------------- Vietnamese text


def test_empty_rule_title(root):
    set_line(root, RULES, key_line_after(root, RULES, "  - id: TG-02", "title"), 'title: ""')
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-02: thiếu nội dung tiếng Việt cho 'title'", rule_line(root, "TG-02"))


def test_english_only_todo_remediation(root):
    set_line(root, RULES, key_line_after(root, RULES, "  - id: TG-01", "remediation"), 'remediation: "TODO"')
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-01: thiếu nội dung tiếng Việt cho 'remediation'",
                   rule_line(root, "TG-01"))


def test_missing_legal_basis(root):
    line = key_line_after(root, RULES, "  - id: TG-01", "legal_basis")
    for number in (line + 2, line + 1, line):  # its two citations, then the key itself
        set_line(root, RULES, number, None)
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-01: thiếu căn cứ pháp lý ('legal_basis'", rule_line(root, "TG-01"))


def test_item_without_guidance(root):
    line = item_line(root, "TG-02")
    set_line(root, CHECKLIST, key_line_after(root, CHECKLIST, '- code: "TG-02"', "guidance"), None)
    problems = problems_of(root)
    assert_problem(problems, root, CHECKLIST, "tiêu chí TG-02: thiếu nội dung tiếng Việt cho 'guidance'", line)


def test_item_question_in_english(root):
    line = item_line(root, "TG-04")
    set_line(root, CHECKLIST, key_line_after(root, CHECKLIST, '- code: "TG-04"', "question"),
             'question: "Are mass organisations introduced at the office?"')
    problems = problems_of(root)
    assert_problem(problems, root, CHECKLIST, "tiêu chí TG-04: thiếu nội dung tiếng Việt cho 'question'", line)


# --------------------------------------------------------------------------- checklist structure


def test_unknown_answer_type(root):
    line = item_line(root, "TG-02")
    set_line(root, CHECKLIST, key_line_after(root, CHECKLIST, '- code: "TG-02"', "type"), 'type: "integer"')
    problems = problems_of(root)
    message = assert_problem(problems, root, CHECKLIST, "tiêu chí TG-02: kiểu 'integer' không có", line)
    assert "yesno, int, pct, date, choice, text" in message


def test_item_code_outside_its_section(root):
    line = item_line(root, "TG-09")
    replace(root, CHECKLIST, '- code: "TG-09"', '- code: "CK-99"')
    problems = problems_of(root)
    assert_problem(problems, root, CHECKLIST, "mã tiêu chí 'CK-99' không hợp lệ: cần dạng TG-NN", line)


def test_part_of_naming_a_non_integer_item(root):
    replace(root, CHECKLIST, 'part_of: "DT-02"', 'part_of: "DT-01"')
    problems = problems_of(root)
    assert_problem(problems, root, CHECKLIST, "tiêu chí DT-03: 'part_of' phải là villages hoặc mã một tiêu chí kiểu int")


# --------------------------------------------------------------------------- YAML and periods


def test_yaml_syntax_error_in_rules(root):
    line = line_of(root, RULES, 'items: ["TG-02"]')
    replace(root, RULES, 'items: ["TG-02"]', 'items: ["TG-02"')
    problems = problems_of(root)
    message = assert_problem(problems, root, RULES, "lỗi cú pháp YAML")
    assert f"line {line}," in message  # PyYAML's own position of the unclosed list


def test_yaml_syntax_error_in_checklist(root):
    replace(root, CHECKLIST, 'unit: "tin, bài"', 'unit: "tin, bài')
    problems = problems_of(root)
    assert_problem(problems, root, CHECKLIST, "lỗi cú pháp YAML")


def test_rule_effective_to_before_effective_from(root):
    deadline = key_line_after(root, RULES, "  - id: TG-02", "deadline")
    insert_after(root, RULES, deadline, "    effective_from: 2021-01-01\n    effective_to: 2020-12-31")
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-02: effective_to (2020-12-31) trước effective_from (2021-01-01)",
                   rule_line(root, "TG-02"))


def test_checklist_effective_to_before_effective_from(root):
    replace(root, CHECKLIST, "\neffective_to: 2025-06-30\n", "\neffective_to: 2019-06-30\n")
    problems = problems_of(root)
    assert_problem(problems, root, CHECKLIST, "checklist: effective_to (2019-06-30) trước effective_from (2020-06-11)")


def test_rule_effective_from_not_a_date(root):
    insert_after(root, RULES, key_line_after(root, RULES, "  - id: TG-02", "deadline"), '    effective_from: "01/01/2020"')
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "luật TG-02: 'effective_from' không phải ngày dạng YYYY-MM-DD",
                   rule_line(root, "TG-02"))


# --------------------------------------------------------------------------- calendar


def test_calendar_with_a_bad_date(root):
    replace(root, CALENDAR, "days_off:\n", 'days_off:\n  - date: 2027-13-45\n    name: "Nghỉ hoán đổi"\n    source: "thử"\n')
    problems = problems_of(root)
    assert_problem(problems, root, CALENDAR, "ngày '2027-13-45' không hợp lệ")


def test_calendar_date_in_both_lists(root):
    replace(root, CALENDAR, "days_off:\n", 'days_off:\n  - date: 2027-11-25\n    name: "Nghỉ hoán đổi"\n    source: "thử"\n')
    replace(root, CALENDAR, "working_days:\n", 'working_days:\n  - date: 2027-11-25\n    name: "Làm bù"\n    source: "thử"\n')
    problems = problems_of(root)
    assert_problem(problems, root, CALENDAR, "ngày 2027-11-25 có trong cả days_off và working_days")


def test_calendar_entry_without_name(root):
    replace(root, CALENDAR, "working_days:\n", 'working_days:\n  - date: 2027-11-20\n    source: "thử"\n')
    problems = problems_of(root)
    assert_problem(problems, root, CALENDAR, "working_days, mục 1: thiếu tên (name)")


# --------------------------------------------------------------------------- files


def test_rules_file_naming_a_missing_checklist(root):
    line = line_of(root, RULES, "checklist: papi-xa")
    replace(root, RULES, "\nchecklist: papi-xa\n", "\nchecklist: papi-huyen\n")
    problems = problems_of(root)
    assert_problem(problems, root, RULES, "checklist 'papi-huyen' phiên bản 1 không tồn tại trong checklists/", line)
    assert f"{root / 'rules'}: checklist papi-xa@1 chưa có tệp luật" in problems


def test_folder_without_checklists(root):
    shutil.rmtree(root / "checklists")
    problems = problems_of(root)
    assert f"{root / 'checklists'}: không có tệp checklist nào (*.yaml)" in problems


# --------------------------------------------------------------------------- all problems at once


def test_every_problem_in_the_rules_and_calendar_is_reported_in_one_run(root):
    tg01, tg02, tg03 = rule_line(root, "TG-01"), rule_line(root, "TG-02"), rule_line(root, "TG-03")
    set_line(root, RULES, key_line_after(root, RULES, "  - id: TG-01", "deadline"), 'deadline: "abc"')
    replace(root, RULES, 'items: ["TG-02"]', 'items: ["TG-02", "ZZ-99"]')
    replace(root, RULES, "{$lt: {value: 4}}", "{$foo: {value: 4}}")
    replace(root, RULES, '{$and: [{item: "TG-03"}, {$gt: {shortfall: 0}}]}', '{$and: [{item: "TG-03"}, {$gt: {value: {$m: value}}}]}')
    set_line(root, RULES, key_line_after(root, RULES, "  - id: TG-04", "remediation"), 'remediation: "TODO"')
    replace(root, CALENDAR, "days_off:\n", 'days_off:\n  - date: 2027-13-45\n    name: "Nghỉ"\n    source: "thử"\n')
    problems = problems_of(root)
    assert len(problems) >= 6
    assert_problem(problems, root, RULES, "Hạn khắc phục không hợp lệ: 'abc'", tg01)
    assert_problem(problems, root, RULES, "mã tiêu chí không có trong checklist: 'ZZ-99'", tg02)
    assert_problem(problems, root, RULES, "toán tử '$foo' không được hỗ trợ", tg02)
    assert_problem(problems, root, RULES, "so sánh giá trị của hai fact", tg03)
    assert_problem(problems, root, RULES, "luật TG-04: thiếu nội dung tiếng Việt cho 'remediation'")
    assert_problem(problems, root, CALENDAR, "ngày '2027-13-45' không hợp lệ")


def test_every_problem_in_the_checklist_is_reported_in_one_run(root):
    tg02, tg04, tg05 = item_line(root, "TG-02"), item_line(root, "TG-04"), item_line(root, "TG-05")
    set_line(root, CHECKLIST, key_line_after(root, CHECKLIST, '- code: "TG-02"', "type"), 'type: "integer"')
    set_line(root, CHECKLIST, key_line_after(root, CHECKLIST, '- code: "TG-04"', "guidance"), 'guidance: "TODO"')
    replace(root, CHECKLIST, '- code: "TG-05"', '- code: "TG-01"')
    problems = problems_of(root)
    assert len(problems) >= 3
    assert_problem(problems, root, CHECKLIST, "kiểu 'integer' không có", tg02)
    assert_problem(problems, root, CHECKLIST, "tiêu chí TG-04: thiếu nội dung tiếng Việt cho 'guidance'", tg04)
    assert_problem(problems, root, CHECKLIST, "tiêu chí TG-01 bị trùng mã", tg05)


# --------------------------------------------------------------------------- adding a criterion is data only

DT05_ITEM = '''\
      - code: "DT-05"
        question: "Có hướng dẫn người dân cài đặt, sử dụng tài khoản định danh điện tử"
        type: "yesno"
        na_allowed: false
        required: true
        evidence: false
        guidance: "Kiểm tra tại Bộ phận một cửa có tài liệu hoặc cán bộ hướng dẫn người dân cài đặt, kích hoạt tài khoản định danh điện tử. Chọn \\"Có\\" khi có hướng dẫn thực tế."
'''

DT05_RULE = '''
  - id: DT-05
    code: DT-05
    items: ["DT-05"]
    kind: recommendation
    severity: normal
    title: "Chưa hướng dẫn người dân sử dụng tài khoản định danh điện tử"
    remediation: "Phân công cán bộ hướng dẫn người dân cài đặt, sử dụng tài khoản định danh điện tử."
    responsible: "Công chức Văn phòng - Thống kê"
    legal_basis:
      - {instrument: kh-122-2020, article: "Biểu tổng hợp nhiệm vụ, mục 8a"}
      - {instrument: kh-179-2021}
    deadline: "30d"
    all:
      - m: {$and: [{item: "DT-05"}, {value: "no"}]}
'''


@pytest.fixture
def root_with_dt05(root):
    insert_after(root, CHECKLIST, key_line_after(root, CHECKLIST, '- code: "DT-04"', "guidance"), DT05_ITEM)
    write(root, RULES, read(root, RULES).rstrip("\n") + "\n" + DT05_RULE)
    return root


def test_new_item_and_rule_load_without_code_changes(root_with_dt05):
    catalog = load_catalog(root_with_dt05)
    checklist = catalog.checklist("papi-xa", 1)
    items, rules = yaml_counts(PROJECT_ROOT, 1)
    assert len(checklist.items) == items + 1 and len(catalog.ruleset(checklist).rules) == rules + 1
    item = checklist.items["DT-05"]
    assert (item.dimension, item.type) == ("DT", "yesno")
    assert catalog.ruleset(checklist).by_code("DT-05").items == ("DT-05",)


def test_new_rule_fires_on_no(root_with_dt05, compliant):
    compliant["answers"]["DT-05"] = "no"
    result = evaluate(compliant, catalog=load_catalog(root_with_dt05))
    assert [f["code"] for f in result["findings"]] == ["DT-05"]
    (finding,) = result["findings"]
    assert finding["items"] == ["DT-05"]
    assert finding["kind"] == "recommendation"
    assert finding["severity"] == "normal"
    assert finding["repeat"] is False
    assert finding["deadline"] == "2020-10-15"  # 30 days after Tuesday 15/09/2020: Thursday 15/10
    assert finding["title"] == "Chưa hướng dẫn người dân sử dụng tài khoản định danh điện tử"
    assert result["scores"]["DT"] == 7.5  # DT-01, DT-03, DT-04 clean; DT-05 has a finding (DT-02 is input only)
    assert result["missing"] == []


def test_new_rule_does_not_fire_on_yes(root_with_dt05, compliant):
    compliant["answers"]["DT-05"] = "yes"
    result = evaluate(compliant, catalog=load_catalog(root_with_dt05))
    assert result["findings"] == []
    assert result["scores"]["DT"] == 10.0
    assert result["missing"] == []


def test_new_item_is_required(root_with_dt05, compliant):
    result = evaluate(compliant, catalog=load_catalog(root_with_dt05))
    assert result["missing"] == ["DT-05"]
    assert result["findings"] == []


# --------------------------------------------------------------------------- regressions


def test_an_impossible_unquoted_date_is_reported_not_raised(root):
    replace(root, RULES, "effective_to: 2020-12-31", "effective_to: 2020-02-30")
    problems = problems_of(root)
    assert any(str(root / RULES) in p and "2020-02-30" in p for p in problems), problems


def test_a_checklist_problem_does_not_hide_rule_problems(root):
    replace(root, CHECKLIST, 'type: "int"', 'type: "integer"')
    replace(root, RULES, 'deadline: "10wd"', 'deadline: "abc"')
    problems = problems_of(root)
    assert any("integer" in p for p in problems)
    assert any(str(root / RULES) in p and "abc" in p for p in problems), problems
    assert not any("không tồn tại trong checklists" in p for p in problems)


def test_a_bare_boolean_answer_value_is_refused_even_without_an_item(root):
    replace(root, RULES, '{value: "yes"}, {value: "tot"}', '{value: yes}, {value: "tot"}')
    assert any("true/false" in p for p in problems_of(root))


@pytest.mark.parametrize("old, new", [
    ('    items:\n      - code: "TG-01"', '    items: 5\n    old_items:\n      - code: "TG-01"'),
    ("effective_to: 2025-06-30", "effective_to: 2020-06-12 10:00:00"),
])
def test_wrong_shapes_are_reported_not_raised(root, old, new):
    replace(root, CHECKLIST, old, new)
    assert problems_of(root)


def test_a_file_that_is_not_utf8_is_reported(root):
    (root / RULES).write_bytes(read(root, RULES).encode("utf-16"))
    assert any("UTF-8" in p for p in problems_of(root))


def test_inspection_days_run_from_the_first_checklist_to_a_year_after_today(catalog):
    """9999-12-31 was accepted as an inspection date; the catalog now says which dates make sense."""
    first, last = catalog.inspection_days(dt.date(2026, 12, 5))
    assert first == dt.date(2020, 6, 11) == catalog.checklist("papi-xa", 1).effective_from
    assert last == dt.date(2027, 12, 6)

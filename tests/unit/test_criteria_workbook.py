"""The criteria workbook: a checklist version exported to Excel and read back as a draft.

Round trips give the shipped versions exactly; an edited workbook with many mistakes lists each
at its sheet, row and column, and nothing is written while any remains; the drop-down lists are
in the workbook for people to pick from.
"""
from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.xml import DEFUSEDXML

from inspect_app.criteria.export import ExportError, export_workbook
from inspect_app.criteria.importer import ImportResult, import_workbook
from inspect_app.criteria.layout import BASIS, INSTRUMENTS, ITEMS, KIND_LABELS, MEASURE_LABELS, RULES, SCORING, \
    SECTIONS, SEVERITY_LABELS, TYPE_LABELS, VERSION
from inspect_app.domain.catalog import load_catalog
from inspect_app.evaluation import PROJECT_ROOT, cached_catalog

SHIPPED = cached_catalog(PROJECT_ROOT)


def exported(version: int) -> bytes:
    buffer = io.BytesIO()
    export_workbook(PROJECT_ROOT, "papi-xa", version).save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def v2_bytes() -> bytes:
    return exported(2)


def reimport(book) -> ImportResult:
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return import_workbook(buffer, PROJECT_ROOT)


def row_of(book, sheet, key: str, value: str) -> int:
    """The sheet row whose `key` column holds `value`."""
    letter = letter_of(sheet, key)
    ws = book[sheet.title]
    return next(r for r in range(2, ws.max_row + 1) if ws[f"{letter}{r}"].value == value)


def letter_of(sheet, key: str) -> str:
    return get_column_letter(sheet.columns.index(sheet.column(key)) + 1)


def put(book, sheet, row: int, key: str, value) -> None:
    book[sheet.title][f"{letter_of(sheet, key)}{row}"] = value


def basis_rows(book, owner: str) -> list[int]:
    ws, letter = book[BASIS.title], letter_of(BASIS, "owner")
    return [r for r in range(2, ws.max_row + 1) if ws[f"{letter}{r}"].value == owner]


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("version", [1, 2])
def test_export_then_import_gives_the_shipped_version_exactly(version):
    result = import_workbook(io.BytesIO(exported(version)), PROJECT_ROOT)
    assert result.problems == ()
    draft = result.draft.catalog
    shipped, imported = SHIPPED.checklist("papi-xa", version), draft.checklist("papi-xa", version)
    assert imported == shipped
    assert [i for i in imported.items.values()] == [i for i in shipped.items.values()]
    assert draft.ruleset(imported).rules == SHIPPED.ruleset(shipped).rules  # conditions compiled from the words


def test_the_draft_files_load_as_the_version_they_replace(v2_bytes, tmp_path):
    draft = import_workbook(io.BytesIO(v2_bytes), PROJECT_ROOT).draft
    shutil.copytree(PROJECT_ROOT / "checklists", tmp_path / "checklists")
    shutil.copytree(PROJECT_ROOT / "rules", tmp_path / "rules")
    (tmp_path / "checklists" / "papi-xa-v2.yaml").unlink()
    (tmp_path / "rules" / "papi-xa-v2.yaml").unlink()
    draft.write(tmp_path)
    catalog = load_catalog(tmp_path)
    assert catalog.ruleset(catalog.checklist("papi-xa", 2)).rules == SHIPPED.ruleset(SHIPPED.checklist("papi-xa", 2)).rules
    assert 'condition: "CK-03 = \\"Có\\" và CK-05 = \\"Không\\""' in draft.rules_yaml  # rules in words


def test_a_new_version_number_follows_the_version_in_force_and_is_judged_by_the_law_of_its_days(v2_bytes):
    book = load_workbook(io.BytesIO(v2_bytes))
    put(book, VERSION, 2, "version", 3)
    put(book, VERSION, 2, "effective_from", dt.date(2027, 1, 1))
    result = reimport(book)
    assert result.draft is None
    x02 = row_of(book, RULES, "id", "X-02")
    assert any(p.sheet is RULES and p.row == x02 and "không có hiệu lực khi luật áp dụng (từ 01/01/2027)" in p.message
               for p in result.problems)
    # version 2 is closed on 31/12/2026 in the copy the draft is checked against: no overlap, no problem in it
    assert not [p for p in result.problems if "cùng có hiệu lực" in p.message or "danh mục hiện hành" in p.message]


def test_unknown_version_is_refused_in_vietnamese():
    with pytest.raises(ExportError, match="Không có bộ tiêu chí papi-xa phiên bản 9"):
        export_workbook(PROJECT_ROOT, "papi-xa", 9)


# --------------------------------------------------------------------------- the workbook people edit


def test_sheets_dates_and_header_as_people_read_them(v2_bytes):
    book = load_workbook(io.BytesIO(v2_bytes))
    assert book.sheetnames[:7] == [s.title for s in (VERSION, SECTIONS, ITEMS, RULES, BASIS, SCORING, INSTRUMENTS)]
    start = book[VERSION.title][f"{letter_of(VERSION, 'effective_from')}2"]
    assert (start.value.date(), start.number_format) == (dt.date(2025, 7, 1), "DD/MM/YYYY")
    rules = book[RULES.title]
    assert rules.freeze_panes == "A2"
    assert rules[f"{letter_of(RULES, 'condition')}{row_of(book, RULES, 'id', 'J-01')}"].value == \
        'CK-03 = "Có" và CK-05 = "Không"'
    assert rules.column_dimensions[letter_of(RULES, "condition")].width == RULES.column("condition").width
    assert rules[f"{letter_of(RULES, 'title')}2"].alignment.wrap_text
    deadline = letter_of(RULES, "deadline")  # text as typed: Excel must not turn "31/12" into a date
    assert (rules.column_dimensions[deadline].number_format, rules[f"{deadline}2"].number_format) == ("@", "@")


def validation_values(book, sheet, key: str) -> list:
    """The values the list validation on `key`'s column offers, read from the range it names."""
    letter = letter_of(sheet, key)
    found = [v for v in book[sheet.title].data_validations.dataValidation
             if v.type == "list" and any(str(r).startswith(f"{letter}2:") for r in v.sqref.ranges)]
    assert len(found) == 1, f"{sheet.title}.{key}"
    source_sheet, cells = found[0].formula1.rsplit("!", 1)
    min_col, min_row, _, max_row = range_boundaries(cells.replace("$", ""))
    ws = book[source_sheet.strip("'")]
    return [ws.cell(r, min_col).value for r in range(min_row, max_row + 1)]


@pytest.mark.parametrize("sheet, key, expected", [
    (ITEMS, "type", list(TYPE_LABELS.values())),
    (ITEMS, "na_allowed", ["Có", "Không"]),
    (ITEMS, "evidence", ["Có", "Không"]),
    (RULES, "kind", list(KIND_LABELS.values())),
    (RULES, "severity", list(SEVERITY_LABELS.values())),
    (RULES, "measures", list(MEASURE_LABELS.values())),
    (RULES, "repeatable", ["Có", "Không"]),
    (BASIS, "instrument", list(SHIPPED.register.instruments)),
    (ITEMS, "section", ["TG", "CK", "GT", "TN", "TT", "DV", "MT", "DT"]),
])
def test_drop_down_lists_on_the_columns_people_pick_from(v2_bytes, sheet, key, expected):
    book = load_workbook(io.BytesIO(v2_bytes))
    values = validation_values(book, sheet, key)
    assert [v for v in values if v is not None] == expected


def test_dates_and_numbers_are_checked_as_typed(v2_bytes):
    book = load_workbook(io.BytesIO(v2_bytes))
    kinds = {(v.type, str(v.sqref).split(":")[0]) for v in book[ITEMS.title].data_validations.dataValidation}
    assert ("date", f"{letter_of(ITEMS, 'effective_to')}2") in kinds
    assert ("decimal", f"{letter_of(ITEMS, 'min')}2") in kinds
    assert ("whole", f"{letter_of(ITEMS, 'due.days')}2") in kinds


# --------------------------------------------------------------------------- mistakes, each at its cell


def _blank_citations_but_the_plan(book):
    """TG-02 keeps only Kế hoạch 179, which ends on 31/12/2025 while the rule goes on."""
    ws = book[BASIS.title]
    for r in basis_rows(book, "TG-02"):
        if ws[f"{letter_of(BASIS, 'instrument')}{r}"].value != "kh-179-2021":
            for cell in ws[r]:
                cell.value = None
    return RULES, row_of(book, RULES, "id", "TG-02"), None


def _edit(sheet, find_key, find_value, key, value):
    def edit(book):
        row = row_of(book, sheet, find_key, find_value)
        put(book, sheet, row, key, value)
        return sheet, row, key
    return edit


def _citation(owner, index, key, value):
    def edit(book):
        row = basis_rows(book, owner)[index]
        put(book, BASIS, row, key, value)
        return BASIS, row, key
    return edit


MISTAKES = {  # name: (edit returning (sheet, row, column key or None), words of the message)
    "unknown item type": (_edit(ITEMS, "code", "CK-04", "type", "Số thực"), "“Số thực” không có trong danh sách"),
    "impossible date": (_edit(ITEMS, "code", "TG-04", "effective_to", "31/02/2026"), "“31/02/2026” không phải ngày có thật"),
    "date not dd/mm/yyyy": (_edit(RULES, "id", "GT-05", "effective_to", "30-06-2026"), "không phải ngày dạng dd/mm/yyyy"),
    "end before start": (_edit(RULES, "id", "GT-05-2026", "effective_to", dt.datetime(2026, 1, 1)), "trước effective_from"),
    "duplicate item code": (_edit(ITEMS, "code", "TG-09", "code", "TG-08"), "tiêu chí TG-08 bị trùng mã"),
    "rule naming an unknown item": (_edit(RULES, "id", "TG-03", "items", "TG-03; TG-99"), "không có trong checklist: 'TG-99'"),
    "condition syntax": (_edit(RULES, "id", "TG-02", "condition", "TG-02 < < 4"), "ký tự thứ 9"),
    "condition unknown label": (_edit(RULES, "id", "TG-01", "condition", 'TG-01 = "Chưa"'), "không có câu trả lời “Chưa”"),
    "unknown instrument": (_citation("TG-06", 0, "instrument", "kh-999-2099"), "không có trong sổ đăng ký: 'kh-999-2099'"),
    "article not in register": (_citation("TG-03", 1, "article", "Điều 999"), "'Điều 999'"),
    "missing title": (_edit(RULES, "id", "TG-07", "title", None), "thiếu nội dung tiếng Việt cho 'title'"),
    "non-numeric min": (_edit(ITEMS, "code", "TG-02", "min", "ba"), "“ba” không phải là số"),
    "severity not in list": (_edit(RULES, "id", "TG-08", "severity", "Rất nặng"), "“Rất nặng” không có trong danh sách"),
    "malformed deadline": (_edit(RULES, "id", "CK-02", "deadline", "10 ngày"), "Hạn khắc phục không hợp lệ: '10 ngày'"),
    "choices without labels": (_edit(ITEMS, "code", "CK-01", "choices", "tot\ncu_nat\nkhong_co"), "cần dạng “giá trị: nhãn”"),
    "legal basis not covering the rule": (_blank_citations_but_the_plan, "Kế hoạch"),
    "citation of no rule": (_citation("TG-09", 0, "owner", "ZZ-01"), "“ZZ-01” không phải mã một luật"),
    "flag not Có/Không": (_edit(ITEMS, "code", "TG-06", "na_allowed", "Có lẽ"), "“Có lẽ” không có trong danh sách"),
    "whole number": (_edit(SECTIONS, "code", "GT", "papi", "3,5"), "“3,5” không phải là số nguyên"),
    "scoring value": (_edit(SCORING, "subject", "Nghiêm trọng", "value", "một"), "“một” không phải là số"),
    "empty required cell": (_citation("TG-05", 0, "instrument", None), "ô này không được để trống"),
    "unknown kind": (_edit(RULES, "id", "GT-01", "kind", "Nhắc nhở"), "“Nhắc nhở” không có trong danh sách"),
}


@pytest.fixture(scope="module")
def mistaken(v2_bytes):
    """One workbook with every mistake of MISTAKES (each on its own row), imported once."""
    book = load_workbook(io.BytesIO(v2_bytes))
    places = {name: edit(book) for name, (edit, _) in MISTAKES.items()}
    return places, reimport(book)


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_is_listed_at_its_sheet_row_and_column(mistaken, name):
    places, result = mistaken
    sheet, row, key = places[name]
    words = MISTAKES[name][1]
    at = [p for p in result.problems if p.sheet is sheet and p.row == row and words in p.message]
    assert at, "\n".join(map(str, result.problems))
    assert at[0].column is (sheet.column(key) if key else None)
    assert str(at[0]).startswith(f"Trang '{sheet.title}', dòng {row}")


def test_nothing_is_drafted_while_a_problem_remains(mistaken):
    _, result = mistaken
    assert result.draft is None
    assert len(result.problems) >= len(MISTAKES)


def test_a_problem_reads_with_its_column_letter_and_title(mistaken):
    places, result = mistaken
    sheet, row, _ = places["condition syntax"]
    problem = next(p for p in result.problems if p.sheet is sheet and p.row == row and "ký tự thứ 9" in p.message)
    letter = letter_of(RULES, "condition")
    assert str(problem).startswith(f"Trang 'Luật', dòng {row}, cột {letter} (Điều kiện): luật TG-02: điều kiện")
    assert column_index_from_string(letter) == RULES.columns.index(RULES.column("condition")) + 1


# --------------------------------------------------------------------------- the shape of the workbook


def test_a_renamed_column_is_named_in_the_header_row(v2_bytes):
    book = load_workbook(io.BytesIO(v2_bytes))
    book[RULES.title][f"{letter_of(RULES, 'condition')}1"] = "Điều kiện áp dụng"
    result = reimport(book)
    assert [str(p) for p in result.problems] == ["Trang 'Luật', dòng 1: thiếu cột “Điều kiện” (giữ nguyên tên cột như khi xuất)"]
    assert result.draft is None


def test_an_empty_sheet_and_a_sheet_without_rows(v2_bytes):
    book = load_workbook(io.BytesIO(v2_bytes))
    book[RULES.title].delete_rows(1, book[RULES.title].max_row)
    book[SCORING.title].delete_rows(2, book[SCORING.title].max_row)
    assert [str(p) for p in reimport(book).problems] == [
        "Trang 'Luật': trang trống: cần dòng tiêu đề và các dòng dữ liệu",
        "Trang 'Cách tính điểm': trang không có dòng dữ liệu nào",
    ]


def test_a_missing_sheet_and_a_file_that_is_not_a_workbook(v2_bytes):
    book = load_workbook(io.BytesIO(v2_bytes))
    del book[SECTIONS.title]
    assert [str(p) for p in reimport(book).problems] == ["thiếu trang 'Mục'"]
    assert [str(p) for p in import_workbook(io.BytesIO(b"not a workbook"), PROJECT_ROOT).problems] == \
        ["tệp không phải bảng tính Excel (.xlsx) đọc được"]


# --------------------------------------------------------------------------- the commands


def test_commands_export_then_import_write_the_draft(runner, tmp_path):
    path = tmp_path / "v2.xlsx"
    done = runner.invoke(args=["criteria", "export", "papi-xa", "2", str(path)])
    assert done.exit_code == 0 and path.is_file(), done.output
    done = runner.invoke(args=["criteria", "import", str(path), "--out", str(tmp_path / "draft")])
    assert done.exit_code == 0, done.output
    assert sorted(p.relative_to(tmp_path / "draft").as_posix() for p in (tmp_path / "draft").rglob("*.yaml")) == \
        ["checklists/papi-xa-v2.yaml", "rules/papi-xa-v2.yaml"]


def test_import_command_lists_problems_and_writes_nothing(runner, tmp_path, v2_bytes):
    book = load_workbook(io.BytesIO(v2_bytes))
    row = row_of(book, RULES, "id", "TG-02")
    put(book, RULES, row, "condition", "TG-02 < < 4")
    path = tmp_path / "broken.xlsx"
    book.save(path)
    done = runner.invoke(args=["criteria", "import", str(path), "--out", str(tmp_path / "draft")])
    assert done.exit_code == 1
    assert f"Trang 'Luật', dòng {row}, cột {letter_of(RULES, 'condition')} (Điều kiện)" in done.output
    assert "Có 1 lỗi; chưa lưu gì." in done.output
    assert not (tmp_path / "draft").exists()


def test_a_changed_threshold_and_a_new_yes_no_item_with_its_rule_make_a_valid_draft(v2_bytes):
    """What the department will do most: change a number, add a criterion and the rule that judges it."""
    book = load_workbook(io.BytesIO(v2_bytes))
    put(book, RULES, row_of(book, RULES, "id", "TG-02"), "condition", "TG-02 < 5")
    put(book, RULES, row_of(book, RULES, "id", "J-01"), "items", "CK-03, CK-05")  # a comma is read as “;”
    items, rules, basis = (book[s.title] for s in (ITEMS, RULES, BASIS))
    new_item = {"section": "DT", "code": "DT-06", "type": "Có/Không", "na_allowed": "Không", "required": "Có",
                "evidence": "Không", "question": "UBND xã công bố số điện thoại đường dây nóng trên trang thông tin điện tử",
                "guidance": "Kiểm tra trang thông tin điện tử của xã; chọn “Có” khi số điện thoại gọi được."}
    items.append([new_item.get(c.key) for c in ITEMS.columns])
    new_rule = {"id": "DT-06", "code": "DT-06", "items": "DT-06", "kind": "Khuyến nghị", "severity": "Bình thường",
                "title": "Chưa công bố số điện thoại đường dây nóng", "remediation": "Công bố số điện thoại đường dây nóng.",
                "responsible": "Văn phòng HĐND và UBND", "deadline": "10wd", "condition": 'DT-06 = "Không"'}
    rules.append([new_rule.get(c.key) for c in RULES.columns])
    basis.append([{"owner": "DT-06", "instrument": "luat-tccqdp-2025"}.get(c.key) for c in BASIS.columns])
    result = reimport(book)
    assert result.problems == ()
    draft = result.draft.catalog
    checklist = draft.checklist("papi-xa", 2)
    assert checklist.items["DT-06"].type == "yesno" and not checklist.items["DT-06"].na_allowed
    ruleset = {rule.id: rule for rule in draft.ruleset(checklist).rules}
    assert ruleset["DT-06"].condition == {"all": [{"m": {"$and": [{"item": "DT-06"}, {"value": "no"}]}}]}
    assert ruleset["J-01"].items == ("CK-03", "CK-05")
    assert ruleset["TG-02"].condition == {"all": [{"m": {"$and": [{"item": "TG-02"}, {"$lt": {"value": 5}}]}}]}


def test_a_version_without_a_number_still_has_every_other_cell_read(v2_bytes):
    book = load_workbook(io.BytesIO(v2_bytes))
    put(book, VERSION, 2, "version", "hai")
    row = row_of(book, RULES, "id", "TG-08")
    put(book, RULES, row, "severity", "Rất nặng")
    result = reimport(book)
    assert [str(p) for p in result.problems] == [
        f"Trang 'Phiên bản', dòng 2, cột {letter_of(VERSION, 'version')} (Số phiên bản): “hai” không phải là số nguyên",
        f"Trang 'Luật', dòng {row}, cột {letter_of(RULES, 'severity')} (Mức độ): “Rất nặng” không có trong danh sách; "
        "chọn một trong: Bình thường; Nghiêm trọng",
    ]


def test_uploaded_workbooks_are_parsed_without_xml_entity_expansion():
    """openpyxl parses through defusedxml when it is installed (requirements.txt): no billion laughs."""
    assert DEFUSEDXML is True

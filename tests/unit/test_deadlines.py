"""Deadline notation and the Vietnamese working-day calendar.

Expected dates were counted by hand on a real calendar (weekday and public-holiday
lists for the year in question) and are written literally on purpose.
"""

import ast
import dataclasses
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from inspect_app.domain.deadlines import (
    DEFAULT_CALENDAR_PATH,
    POLICY_KINDS,
    CalendarDays,
    CalendarError,
    DayOfInspectionYear,
    DeadlinePolicy,
    FixedDate,
    NoDeadline,
    WorkingCalendar,
    WorkingDays,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# One package-only calendar for the whole module: building a year is the slow part.
CAL = WorkingCalendar()


def due(notation, inspection, calendar=CAL):
    return DeadlinePolicy.parse(notation).due(inspection, calendar)


# --------------------------------------------------------------------------- Nwd


def test_10wd_skips_tet_2021():
    # Fri 5/2/2021; Tết off Wed 10/2 – Tue 16/2. Counted: 8, 9, 17, 18, 19, 22, 23, 24, 25, 26.
    assert due("10wd", date(2021, 2, 5)) == date(2021, 2, 26)


def test_5wd_skips_national_day_2021_both_days():
    # Mon 30/8/2021; 2/9 (Thu) and 3/9 (Fri) off. Counted: 31/8, 1/9, 6/9, 7/9, 8/9.
    assert due("5wd", date(2021, 8, 30)) == date(2021, 9, 8)


def test_5wd_skips_hung_kings_day_2020():
    # Mon 30/3/2020; Giỗ Tổ Thu 2/4/2020. Counted: 31/3, 1/4, 3/4, 6/4, 7/4.
    assert due("5wd", date(2020, 3, 30)) == date(2020, 4, 7)
    assert not CAL.is_working_day(date(2020, 4, 2))
    assert CAL.holiday_name(date(2020, 4, 2)) == "Ngày Giỗ Tổ Hùng Vương"


def test_10wd_skips_tet_2026():
    # Thu 12/2/2026; Tết off Mon 16/2 – Fri 20/2. Counted: 13/2, 23–27/2, 2/3, 3/3, 4/3, 5/3.
    assert due("10wd", date(2026, 2, 12)) == date(2026, 3, 5)


def test_working_days_cross_year_end():
    # Fri 27/12/2024; 1/1/2025 off. Counted: 30/12, 31/12, 2/1, 3/1, 6/1.
    assert CAL.add_working_days(date(2024, 12, 27), 5) == date(2025, 1, 6)


def test_wd_counts_from_day_after_inspection_even_on_holiday():
    # Inspection on Tue 16/2/2021 (last Tết day): day 1 is Wed 17/2.
    assert due("1wd", date(2021, 2, 16)) == date(2021, 2, 17)
    # Inspection on a Saturday: day 1 is the Monday.
    assert due("1wd", date(2024, 11, 16)) == date(2024, 11, 18)


def test_add_working_days_rejects_non_positive():
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2024, 1, 2), 0)


# --------------------------------------------------------------------------- swapped days


def test_package_swapped_saturday_2026_counts_as_working_day():
    # 2/9/2026 swap: work Sat 22/8, off Mon 31/8; 1/9 and 2/9 off.
    assert CAL.is_working_day(date(2026, 8, 22))
    assert not CAL.is_working_day(date(2026, 8, 31))
    assert CAL.holiday_name(date(2026, 8, 22)) is None
    # Thu 20/8/2026. Counted: 21, 22 (Sat), 24, 25, 26, 27, 28, 3/9, 4/9, 7/9.
    assert due("10wd", date(2026, 8, 20)) == date(2026, 9, 7)


def test_package_swap_2025_labour_day():
    # Work Sat 26/4/2025, off Fri 2/5/2025.
    assert CAL.is_working_day(date(2025, 4, 26))
    assert not CAL.is_working_day(date(2025, 5, 2))
    assert due("1wd", date(2025, 4, 25)) == date(2025, 4, 26)


def test_swap_across_year_boundary_2019():
    # Tết Dương lịch 2019: off Mon 31/12/2018, worked Sat 5/1/2019 (decided in 2018).
    cal = WorkingCalendar()  # fresh: 2019 is built without 2018 in the cache
    assert cal.is_working_day(date(2019, 1, 5))
    assert not cal.is_working_day(date(2018, 12, 31))


def test_extra_working_day_counts():
    cal = WorkingCalendar(extra_working_days={date(2023, 5, 6): "Làm bù (thử)"})
    assert cal.is_working_day(date(2023, 5, 6))  # a Saturday
    assert cal.add_working_days(date(2023, 5, 5), 1) == date(2023, 5, 6)
    # Without the override the Saturday is skipped.
    assert CAL.add_working_days(date(2023, 5, 5), 1) == date(2023, 5, 8)


def test_extra_day_off_is_skipped_and_named():
    cal = WorkingCalendar(extra_days_off={date(2023, 5, 4): "Nghỉ hoán đổi (thử)"})
    assert not cal.is_working_day(date(2023, 5, 4))
    assert cal.holiday_name(date(2023, 5, 4)) == "Nghỉ hoán đổi (thử)"
    # Wed 3/5/2023 (itself a nghỉ bù day): Thu 4/5 now off, so day 1 is Fri 5/5.
    assert cal.add_working_days(date(2023, 5, 3), 1) == date(2023, 5, 5)
    assert CAL.add_working_days(date(2023, 5, 3), 1) == date(2023, 5, 4)


def test_extra_working_day_overrides_package_holiday():
    # An admin correction: the package's 31/8/2026 day off turned back into a workday.
    cal = WorkingCalendar(extra_working_days={date(2026, 8, 31): "Sửa lịch (thử)"})
    assert cal.is_working_day(date(2026, 8, 31))
    assert cal.holiday_name(date(2026, 8, 31)) is None


def test_calendar_file_overrides_are_used(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text(
        "confirmed_through: 2023\n"
        "days_off:\n"
        "  - date: 2023-05-04\n"
        '    name: "Nghỉ thêm (thử)"\n'
        '    source: "Thông báo thử"\n'
        "working_days:\n"
        "  - date: '2023-05-06'\n"
        '    name: "Làm bù (thử)"\n'
        '    source: "Thông báo thử"\n',
        encoding="utf-8",
    )
    cal = WorkingCalendar.from_file(path)
    assert cal.extra_days_off == {date(2023, 5, 4): "Nghỉ thêm (thử)"}
    assert cal.confirmed_through == 2023 and cal.is_provisional(date(2024, 1, 1))
    # Wed 3/5/2023: Thu 4/5 off, Fri 5/5 = 1, Sat 6/5 (làm bù) = 2, Mon 8/5 = 3.
    assert cal.add_working_days(date(2023, 5, 3), 3) == date(2023, 5, 8)


def test_constructor_rejects_same_day_in_both_lists():
    with pytest.raises(CalendarError, match="2024-05-04"):
        WorkingCalendar(
            extra_days_off={date(2024, 5, 4): "a"},
            extra_working_days={date(2024, 5, 4): "b"},
        )


# --------------------------------------------------------------------------- Nd


@pytest.mark.parametrize(
    ("inspection", "expected"),
    [
        # +30 = Sat 16/11/2024 -> Mon 18/11.
        (date(2024, 10, 17), date(2024, 11, 18)),
        # +30 = Sun 17/11/2024 -> Mon 18/11.
        (date(2024, 10, 18), date(2024, 11, 18)),
        # +30 = Wed 30/4/2025 (holiday); 1/5 holiday, 2/5 swapped day off, 3–4/5 weekend -> Mon 5/5.
        (date(2025, 3, 31), date(2025, 5, 5)),
        # +30 = Sat 31/12/2022; Sun 1/1/2023, Mon 2/1 nghỉ bù -> Tue 3/1/2023.
        (date(2022, 12, 1), date(2023, 1, 3)),
    ],
)
def test_30d_moves_off_non_working_day(inspection, expected):
    assert due("30d", inspection) == expected


def test_30d_on_working_day_is_not_moved():
    # +30 = Thu 31/10/2024, an ordinary working day.
    assert due("30d", date(2024, 10, 1)) == date(2024, 10, 31)


# --------------------------------------------------------------------------- dd/mm and literal dates


def test_31_12_is_not_moved_off_saturday():
    # 31/12/2022 is a Saturday; year-end dates stay put.
    assert due("31/12", date(2022, 6, 15)) == date(2022, 12, 31)


def test_30_11_of_inspection_year():
    # 30/11/2024 is a Saturday; not moved either.
    assert due("30/11", date(2024, 3, 10)) == date(2024, 11, 30)


def test_day_month_on_inspection_date_is_kept():
    assert due("30/11", date(2024, 11, 30)) == date(2024, 11, 30)


def test_day_month_already_passed_becomes_10wd():
    # Thu 5/12/2024 is after 30/11. Counted: 6, 9–13, 16, 17, 18, 19/12.
    assert due("30/11", date(2024, 12, 5)) == date(2024, 12, 19)


def test_literal_date_before_inspection_becomes_10wd():
    # Mon 1/6/2020 is after 30/5/2020. Counted: 2–5/6, 8–12/6, 15/6.
    assert due("2020-05-30", date(2020, 6, 1)) == date(2020, 6, 15)


def test_literal_date_before_inspection_becomes_10wd_across_tet():
    assert due("2020-05-30", date(2021, 2, 5)) == date(2021, 2, 26)


@pytest.mark.parametrize("inspection", [date(2020, 5, 1), date(2020, 5, 30)])
def test_literal_date_on_or_after_inspection_is_kept_even_on_saturday(inspection):
    assert due("2020-05-30", inspection) == date(2020, 5, 30)


def test_yaml_date_object_is_accepted_as_literal():
    # PyYAML turns an unquoted 2020-05-30 into a date.
    assert DeadlinePolicy.parse(date(2020, 5, 30)) == FixedDate(date(2020, 5, 30))


# --------------------------------------------------------------------------- none, notation, registry


def test_none_has_no_deadline():
    policy = DeadlinePolicy.parse("none")
    assert isinstance(policy, NoDeadline)
    assert policy.due(date(2024, 1, 2), CAL) is None


@pytest.mark.parametrize(
    ("text", "policy", "description"),
    [
        ("10wd", WorkingDays(10), "10 ngày làm việc"),
        ("30d", CalendarDays(30), "30 ngày"),
        ("31/12", DayOfInspectionYear(31, 12), "31/12 năm kiểm tra"),
        ("01/07", DayOfInspectionYear(1, 7), "01/07 năm kiểm tra"),
        ("2020-05-30", FixedDate(date(2020, 5, 30)), "30/05/2020"),
        ("none", NoDeadline(), "không có hạn"),
    ],
)
def test_parse_str_and_describe_round_trip(text, policy, description):
    parsed = DeadlinePolicy.parse(text)
    assert parsed == policy
    assert str(parsed) == text
    assert parsed.describe() == description


def test_policies_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        WorkingDays(10).days = 5


def test_registry_lists_every_kind():
    assert set(POLICY_KINDS) == {
        "none",
        "working_days",
        "calendar_days",
        "day_of_year",
        "fixed_date",
    }


@pytest.mark.parametrize(
    "text",
    [
        "10 wd",
        "0wd",
        "0d",
        "-5d",
        "-10wd",
        "010wd",
        "10WD",
        "32/13",
        "31/04",
        "29/02",
        "31/12/2024",
        "2020-02-30",
        "20200530",
        "abc",
        "",
        " 10wd",
        "99999d",
        "None",
    ],
)
def test_parse_rejects_bad_text_naming_it(text):
    with pytest.raises(ValueError) as excinfo:
        DeadlinePolicy.parse(text)
    message = str(excinfo.value)
    assert f"'{text}'" in message
    assert "Hạn khắc phục không hợp lệ" in message


def test_parse_rejects_non_text():
    with pytest.raises(ValueError, match=re.escape("Hạn khắc phục không hợp lệ: '10'")):
        DeadlinePolicy.parse(10)


# --------------------------------------------------------------------------- calendar file


def test_project_calendar_file_loads():
    cal = WorkingCalendar.from_file(DEFAULT_CALENDAR_PATH)
    assert DEFAULT_CALENDAR_PATH == PROJECT_ROOT / "rules" / "calendar.yaml"
    assert not cal.is_working_day(date(2021, 2, 12))  # Tết Tân Sửu


def test_broken_calendar_file_lists_every_problem(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text(
        "confirmed_through: 2024\n"
        "days_off:\n"
        "  - date: 2024-02-30\n"
        '    name: "Ngày không tồn tại"\n'
        '    source: "Thông báo thử"\n'
        "  - date: 2024-05-06\n"
        '    source: "Thông báo thử"\n'
        "  - date: 2024-05-04\n"
        '    name: "Nghỉ"\n'
        '    source: "Thông báo thử"\n'
        "working_days:\n"
        "  - date: 2024-05-04\n"
        '    name: "Làm bù"\n'
        "  - date: 4/5/2024\n"
        '    name: "Sai định dạng"\n'
        '    source: "Thông báo thử"\n'
        "extra_days:\n"
        "  - date: 2024-01-02\n",
        encoding="utf-8",
    )
    with pytest.raises(CalendarError) as excinfo:
        WorkingCalendar.from_file(path)
    error = excinfo.value
    message = str(error)
    assert str(path) in message
    assert len(error.problems) == 6
    assert "thiếu nguồn (source: văn bản thông báo và nơi đã đối chiếu) cho ngày 2024-05-04" in message
    assert "'2024-02-30' không hợp lệ" in message
    assert "'4/5/2024' không hợp lệ" in message
    assert "thiếu tên (name) cho ngày 2024-05-06" in message
    assert "ngày 2024-05-04 có trong cả days_off và working_days" in message
    assert "khóa không được hỗ trợ: 'extra_days'" in message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("days_off: [\n", "cú pháp YAML không hợp lệ"),
        ("- 2024-01-02\n", "nội dung tệp phải là một bảng"),
        ("days_off: 2024-01-02\n", "days_off phải là một danh sách"),
        ("working_days:\n  - name: x\n", "thiếu ngày (date)"),
        ("days_off: []\n", "confirmed_through phải là năm cuối cùng"),
        ("confirmed_through: '2026'\n", "confirmed_through phải là năm cuối cùng"),
        (
            "days_off:\n  - {date: 2024-05-06, name: a}\n  - {date: 2024-05-06, name: b}\n",
            "bị ghi trùng",
        ),
        ("days_off:\n  - {date: 2024-05-06, name: a, note: b}\n", "khóa không được hỗ trợ 'note'"),
    ],
)
def test_calendar_file_errors(tmp_path, content, fragment):
    path = tmp_path / "calendar.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CalendarError, match=re.escape(fragment)):
        WorkingCalendar.from_file(path)


def test_missing_calendar_file_is_reported(tmp_path):
    with pytest.raises(CalendarError, match="không đọc được tệp"):
        WorkingCalendar.from_file(tmp_path / "absent.yaml")


# --------------------------------------------------------------------------- purity


def test_module_imports_only_stdlib_holidays_and_yaml():
    # Checks the module's own imports; importing it via the package would also run
    # inspect_app/__init__.py, which is not this module's concern.
    import inspect_app.domain.deadlines as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports into the app"
            roots.add(node.module.split(".")[0])
    assert roots - set(sys.stdlib_module_names) == {"holidays", "yaml"}


def test_today_is_hanoi_date_whatever_the_server_zone():
    from datetime import datetime, timezone

    from inspect_app.domain.checklists import today_in_vietnam

    assert today_in_vietnam(datetime(2020, 9, 14, 17, 30, tzinfo=timezone.utc)) == date(2020, 9, 15)
    assert today_in_vietnam(datetime(2020, 9, 14, 16, 59, tzinfo=timezone.utc)) == date(2020, 9, 14)

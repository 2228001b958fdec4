"""The working-day calendar pinned to the official schedule of days off for civil servants, 2020–2026.

Every weekday off and every worked Saturday below was announced by the Government (Văn phòng
Chính phủ letters conveying the Prime Minister's decision, then the labour ministry's notices;
from 2025 Bộ Nội vụ), as reported by official portals and the press; the numbers are in the
comments. Sources: 2021 9895/VPCP-KGVX (27/11/2020); 2022 245/VPCP-KGVX (11/01/2022); 2023
8056/VPCP-KGVX (01/12/2022); 2024 8662/VPCP-KGVX (03/11/2023) and 2450/VPCP-KGVX (12/04/2024);
2025 8726/VPCP-KGVX (26/11/2024) and Thông báo 6150/TB-BLĐTBXH (03/12/2024); 2026 Thông báo
9441/TB-BNV (16/10/2025) and 12729/VPCP-KGVX (25/12/2025). Holidays on a weekend are off anyway
and give the next working day off (nghỉ bù, Bộ luật Lao động 2019 Điều 112).

The test walks every day of the seven years: a day is a working day exactly when it is a
weekday not listed here, or a listed worked Saturday. 24/11/2026 ("Ngày Văn hóa Việt Nam") is a
working day: it was proposed as a holiday, not enacted.
"""
from __future__ import annotations

import datetime as dt

import pytest

from inspect_app.domain.deadlines import DEFAULT_CALENDAR_PATH, WorkingCalendar

OFFICIAL_WEEKDAYS_OFF = {
    # 2020
    "2020-01-01",  # Tết Dương lịch
    "2020-01-23",  # Tết Canh Tý (29 Tết)
    "2020-01-24",  # Tết Canh Tý (30 Tết)
    "2020-01-27",  # Tết Canh Tý (mùng 3)
    "2020-01-28",  # Tết Canh Tý (nghỉ bù mùng 1)
    "2020-01-29",  # Tết Canh Tý (nghỉ bù mùng 2)
    "2020-04-02",  # Giỗ Tổ Hùng Vương
    "2020-04-30",  # Ngày Chiến thắng
    "2020-05-01",  # Quốc tế Lao động
    "2020-09-02",  # Quốc khánh
    # 2021
    "2021-01-01",  # Tết Dương lịch
    "2021-02-10",  # Tết Tân Sửu
    "2021-02-11",  # Tết Tân Sửu
    "2021-02-12",  # Tết Tân Sửu
    "2021-02-15",  # Tết Tân Sửu (nghỉ bù)
    "2021-02-16",  # Tết Tân Sửu (nghỉ bù)
    "2021-04-21",  # Giỗ Tổ Hùng Vương
    "2021-04-30",  # Ngày Chiến thắng
    "2021-05-03",  # Nghỉ bù Quốc tế Lao động (1/5 thứ Bảy)
    "2021-09-02",  # Quốc khánh
    "2021-09-03",  # Quốc khánh (ngày liền kề)
    # 2022
    "2022-01-03",  # Nghỉ bù Tết Dương lịch (1/1 thứ Bảy)
    "2022-01-31",  # Tết Nhâm Dần
    "2022-02-01",  # Tết Nhâm Dần
    "2022-02-02",  # Tết Nhâm Dần
    "2022-02-03",  # Tết Nhâm Dần
    "2022-02-04",  # Tết Nhâm Dần
    "2022-04-11",  # Nghỉ bù Giỗ Tổ (10/4 Chủ nhật)
    "2022-05-02",  # Nghỉ bù Ngày Chiến thắng (30/4 thứ Bảy)
    "2022-05-03",  # Nghỉ bù Quốc tế Lao động (1/5 Chủ nhật)
    "2022-09-01",  # Quốc khánh (ngày liền kề)
    "2022-09-02",  # Quốc khánh
    # 2023
    "2023-01-02",  # Nghỉ bù Tết Dương lịch (1/1 Chủ nhật)
    "2023-01-20",  # Tết Quý Mão
    "2023-01-23",  # Tết Quý Mão
    "2023-01-24",  # Tết Quý Mão
    "2023-01-25",  # Tết Quý Mão (nghỉ bù)
    "2023-01-26",  # Tết Quý Mão (nghỉ bù)
    "2023-05-01",  # Quốc tế Lao động
    "2023-05-02",  # Nghỉ bù Giỗ Tổ (29/4 thứ Bảy)
    "2023-05-03",  # Nghỉ bù Ngày Chiến thắng (30/4 Chủ nhật)
    "2023-09-01",  # Quốc khánh (ngày liền kề)
    "2023-09-04",  # Nghỉ bù Quốc khánh (2/9 thứ Bảy)
    # 2024
    "2024-01-01",  # Tết Dương lịch
    "2024-02-08",  # Tết Giáp Thìn
    "2024-02-09",  # Tết Giáp Thìn
    "2024-02-12",  # Tết Giáp Thìn
    "2024-02-13",  # Tết Giáp Thìn (nghỉ bù)
    "2024-02-14",  # Tết Giáp Thìn (nghỉ bù)
    "2024-04-18",  # Giỗ Tổ Hùng Vương
    "2024-04-29",  # Nghỉ hoán đổi, làm bù thứ Bảy 04/05/2024 (2450/VPCP-KGVX)
    "2024-04-30",  # Ngày Chiến thắng
    "2024-05-01",  # Quốc tế Lao động
    "2024-09-02",  # Quốc khánh
    "2024-09-03",  # Quốc khánh (ngày liền kề)
    # 2025
    "2025-01-01",  # Tết Dương lịch
    "2025-01-27",  # Tết Ất Tỵ
    "2025-01-28",  # Tết Ất Tỵ
    "2025-01-29",  # Tết Ất Tỵ
    "2025-01-30",  # Tết Ất Tỵ
    "2025-01-31",  # Tết Ất Tỵ
    "2025-04-07",  # Giỗ Tổ Hùng Vương
    "2025-04-30",  # Ngày Chiến thắng
    "2025-05-01",  # Quốc tế Lao động
    "2025-05-02",  # Nghỉ hoán đổi, làm bù thứ Bảy 26/04/2025 (6150/TB-BLĐTBXH)
    "2025-09-01",  # Quốc khánh (ngày liền kề)
    "2025-09-02",  # Quốc khánh
    # 2026
    "2026-01-01",  # Tết Dương lịch
    "2026-01-02",  # Nghỉ hoán đổi, làm bù thứ Bảy 10/01/2026 (12729/VPCP-KGVX)
    "2026-02-16",  # Tết Bính Ngọ (29 tháng Chạp)
    "2026-02-17",  # Tết Bính Ngọ (mùng 1)
    "2026-02-18",  # Tết Bính Ngọ (mùng 2)
    "2026-02-19",  # Tết Bính Ngọ (mùng 3)
    "2026-02-20",  # Tết Bính Ngọ (mùng 4)
    "2026-04-27",  # Nghỉ bù Giỗ Tổ (26/4 Chủ nhật)
    "2026-04-30",  # Ngày Chiến thắng
    "2026-05-01",  # Quốc tế Lao động
    "2026-08-31",  # Nghỉ hoán đổi, làm bù thứ Bảy 22/08/2026 (9441/TB-BNV)
    "2026-09-01",  # Quốc khánh (ngày liền kề)
    "2026-09-02",  # Quốc khánh
}

OFFICIAL_WORKED_WEEKENDS = {
    "2024-05-04",  # Làm bù cho 29/04/2024 (2450/VPCP-KGVX ngày 12/04/2024)
    "2025-04-26",  # Làm bù cho 02/05/2025 (Thông báo 6150/TB-BLĐTBXH ngày 03/12/2024)
    "2026-01-10",  # Làm bù cho 02/01/2026 (Văn bản 12729/VPCP-KGVX ngày 25/12/2025)
    "2026-08-22",  # Làm bù cho 31/08/2026 (Thông báo 9441/TB-BNV ngày 16/10/2025)
}


@pytest.fixture(scope="module")
def calendar():
    return WorkingCalendar.from_file(DEFAULT_CALENDAR_PATH)


@pytest.mark.parametrize("year", range(2020, 2027))
def test_every_day_of_the_year_matches_the_official_schedule(calendar, year):
    off = {dt.date.fromisoformat(d) for d in OFFICIAL_WEEKDAYS_OFF}
    worked = {dt.date.fromisoformat(d) for d in OFFICIAL_WORKED_WEEKENDS}
    day, wrong = dt.date(year, 1, 1), []
    while day.year == year:
        expected = day in worked or (day.weekday() < 5 and day not in off)
        if calendar.is_working_day(day) != expected:
            wrong.append(f"{day:%d/%m/%Y} {'làm việc' if expected else 'nghỉ'}")
        day += dt.timedelta(days=1)
    assert wrong == []


def test_the_official_lists_hold_only_weekdays_off_and_weekends_worked():
    assert all(dt.date.fromisoformat(d).weekday() < 5 for d in OFFICIAL_WEEKDAYS_OFF)
    assert all(dt.date.fromisoformat(d).weekday() >= 5 for d in OFFICIAL_WORKED_WEEKENDS)


def test_the_2026_new_year_swap_and_24_november(calendar):
    assert not calendar.is_working_day(dt.date(2026, 1, 2))
    assert calendar.is_working_day(dt.date(2026, 1, 10))
    assert calendar.is_working_day(dt.date(2026, 11, 24))
    assert calendar.add_working_days(dt.date(2025, 12, 31), 1) == dt.date(2026, 1, 5)


@pytest.mark.parametrize("day, provisional", [
    (dt.date(2026, 12, 31), False), (dt.date(2027, 1, 1), True), (dt.date(2020, 6, 11), False),
])
def test_years_after_the_last_announcement_are_provisional(calendar, day, provisional):
    assert calendar.confirmed_through == 2026
    assert calendar.is_provisional(day) is provisional

"""Dates, times and numbers as Vietnamese officials type them (domain/vn_format.py)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from inspect_app.domain.vn_format import format_vn_decimal, parse_vn_date, parse_vn_decimal, parse_vn_time


@pytest.mark.parametrize("text", ["15/09/2020", "15/9/2020", " 15.09.2020 ", "15092020", "2020-09-15"])
def test_a_date_is_read_day_first_or_as_iso(text):
    assert parse_vn_date(text) == dt.date(2020, 9, 15)


def test_day_and_month_are_never_swapped():
    assert parse_vn_date("03/04/2021") == dt.date(2021, 4, 3)


@pytest.mark.parametrize("text", ["09/15/2020", "31/02/2024", "15/09/20", "hôm nay", "2020-9-15", "00/01/2020", "15-09-2020", "15/09.2020"])
def test_an_impossible_or_unreadable_date_is_refused(text):
    with pytest.raises(ValueError):
        parse_vn_date(text)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_a_blank_date_is_none(text):
    assert parse_vn_date(text) is None


@pytest.mark.parametrize("text", ["08:30", "8:30", "8h30", "08.30", "0830", "830", " 8 : 30 "])
def test_a_time_is_read_on_the_24_hour_clock(text):
    assert parse_vn_time(text) == dt.time(8, 30)


def test_an_hour_alone_is_on_the_hour():
    assert parse_vn_time("14h") == dt.time(14, 0) and parse_vn_time("7") == dt.time(7, 0)


@pytest.mark.parametrize("text", ["24:00", "8:60", "8:30 PM", "8:5", "12345", "giờ"])
def test_a_time_out_of_the_clock_or_in_am_pm_is_refused(text):
    with pytest.raises(ValueError):
        parse_vn_time(text)


@pytest.mark.parametrize("text, expected", [("92,45", "92.45"), ("92.45", "92.45"), (" 100 ", "100"), ("0,5", "0.5")])
def test_a_decimal_comma_or_point_is_read(text, expected):
    assert parse_vn_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1.234,5", "92,", ",5", "9 2,4x", "1e3"])
def test_an_ambiguous_or_malformed_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_vn_decimal(text)


def test_a_number_is_shown_with_a_decimal_comma_and_no_trailing_zeros():
    assert [format_vn_decimal(v) for v in (92.45, 87.5, 100.0, 12, None)] == ["92,45", "87,5", "100", "12", ""]

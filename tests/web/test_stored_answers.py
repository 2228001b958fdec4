"""Nothing the API accepts may break a draft: whatever is stored loads, renders and finalises again.

The regression first (a count too large for SQLite's integers was stored as a REAL, and every later
read of the draft failed), then the property behind it, checked with hypothesis on hostile values.
"""
from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from apiclient import URL, Api, assert_vietnamese_error, compliant_doc
from conftest import MINUTES_DETAILS
from hypothesis import HealthCheck, given, settings, strategies as st

from inspect_app.domain.checklists import MAX_COUNT, NOT_APPLICABLE

DAY = dt.date(2020, 9, 15)  # the day of compliant.json: checklist version 1


def checklist(app):
    return app.extensions["catalog"].loaded.checklist_for("papi-xa", DAY).on(DAY)


def read_back_everywhere(api: Api, inspection: int) -> dict[str, Any]:
    """The draft through every reader: the API, the checklist page and the draft minutes."""
    detail = api.get(f"/inspections/{inspection}")
    assert detail.status_code == 200, detail.get_data(as_text=True)
    page = api.client.get(f"/inspections/{inspection}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return detail.get_json()


@pytest.mark.parametrize("value", [18446744073709551616, 2**63, MAX_COUNT + 1, -1, 1e300, True, 4.0])
def test_a_count_out_of_range_is_refused_naming_the_item(app, value):
    api = Api(app, "inspector")
    inspection = api.create()
    refused = assert_vietnamese_error(api.answer(inspection, {"TG-02": value}), 422)
    assert set(refused["errors"]) == {"TG-02"} and "số nguyên" in refused["errors"]["TG-02"]
    assert "TG-02" not in read_back_everywhere(api, inspection)["answers"]


def test_the_largest_count_loads_renders_and_finalises(db_app):
    api = Api(db_app, "inspector")
    inspection = api.create()
    assert api.answer(inspection, compliant_doc()["answers"] | {"TG-02": MAX_COUNT}).status_code == 200
    stored = read_back_everywhere(api, inspection)["answers"]["TG-02"]
    assert stored == MAX_COUNT and type(stored) is int
    assert api.get(f"/inspections/{inspection}/minutes.pdf").status_code == 200
    assert api.finalize(inspection).status_code == 200


def test_a_count_above_the_items_own_maximum_is_refused(app):
    api = Api(app, "inspector")
    inspection = api.create()
    item = next(i for i in checklist(app).items.values() if i.type == "int" and i.max is not None)
    refused = assert_vietnamese_error(api.answer(inspection, {item.code: int(item.max) + 1}), 422)
    assert f"đến {int(item.max)}" in refused["errors"][item.code]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2101-01-01", "2020-09-01\n"])
def test_a_date_off_the_calendar_of_deadlines_is_refused_naming_the_item(app, day):
    api = Api(app, "inspector")
    inspection = api.create()
    refused = assert_vietnamese_error(api.answer(inspection, {"CK-06": day}), 422)  # CK-07 is due 30 days later
    assert set(refused["errors"]) == {"CK-06"}
    assert api.answer(inspection, {"CK-06": "2100-12-31"}).status_code == 200
    assert read_back_everywhere(api, inspection)["answers"]["CK-06"] == "2100-12-31"


@pytest.mark.parametrize("field", ["start_time", "end_time"])
def test_a_time_with_a_trailing_newline_is_refused(db_app, field):
    api = Api(db_app, "inspector")
    inspection = api.create()
    response = api.client.patch(f"{URL}/inspections/{inspection}", json={field: "08:00\n"},
                                headers=api.headers(True))
    assert set(assert_vietnamese_error(response, 422)["errors"]) == {field}


# ---------------------------------------------------------------- the property

# Lone surrogates and NUL are hostile text of their own (issue 15, item 5), refused before any item sees them.
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
EDGE_DAYS = [dt.date.min, dt.date.max, dt.date(1899, 12, 31), dt.date(1900, 1, 1), dt.date(2100, 12, 31),
             dt.date(2101, 1, 1), DAY]
DAYS = st.one_of(st.sampled_from(EDGE_DAYS), st.dates()).map(dt.date.isoformat)
COUNTS = st.one_of(st.sampled_from([0, MAX_COUNT, MAX_COUNT + 1, 2**63, 2**64, -1]), st.integers())
PERCENTS = st.one_of(st.floats(), st.integers(-5, 200), st.floats(0, 100).map(lambda x: round(x, 1)))
ANYTHING = st.one_of(st.none(), st.booleans(), COUNTS, PERCENTS, TEXT, DAYS, DAYS.map(lambda d: d + "\n"),
                     st.sampled_from(["yes", "no", "na"]))
TIMES = st.one_of(st.none(), TEXT, st.times().map(lambda t: t.strftime("%H:%M")),
                  st.times().map(lambda t: t.strftime("%H:%M\n")))
DETAILS = st.fixed_dictionaries({}, optional={
    "start_time": TIMES, "end_time": TIMES, "place": st.one_of(st.none(), TEXT), "copies": ANYTHING,
    "plan_reference": TEXT, "commune_opinion": TEXT, "commune_refusal_reason": st.one_of(st.none(), TEXT)})


def answer_to(item) -> st.SearchStrategy:
    """Values meant for this item's type, edges included, and as often anything at all."""
    meant = {"int": COUNTS, "pct": PERCENTS, "date": st.one_of(DAYS, DAYS.map(lambda d: d + "\n")), "text": TEXT,
             "choice": st.sampled_from([c.value for c in item.choices] + ["na"]),
             "yesno": st.sampled_from(["yes", "no", "na"])}[item.type]
    return st.one_of(meant, meant, ANYTHING)


client_ids = (f"property-{n:08d}" for n in itertools.count())


def stored_form(item, value: Any) -> Any:
    """What the API must give back for an accepted answer: the item's own JSON form of it."""
    parsed = item.validate(value)
    return parsed if parsed in (None, NOT_APPLICABLE) else item.answer_type.to_json(parsed)


@pytest.fixture
def codes(app):
    """The items to answer: one whose answer is a number, a date or a choice, and as often any of them."""
    items = checklist(app).items.values()
    return st.one_of(st.sampled_from(sorted(i.code for i in items if i.type != "yesno")),
                     st.sampled_from(sorted(i.code for i in items)))


@pytest.fixture
def inspector(app):
    return Api(app, "inspector")


def draft_from(api: Api, data, codes) -> tuple[int, dict[str, Any]]:
    """A compliant draft, then drawn answers (one request each, so that one refusal hides no other answer)
    and minutes details sent over it; returns the draft and what must read back."""
    items = checklist(api.app).items
    inspection = api.create(client_id=next(client_ids))
    assert api.answer(inspection, compliant_doc()["answers"]).status_code == 200
    expected: dict[str, Any] = {}
    for code in data.draw(st.lists(codes, min_size=1, max_size=4, unique=True), label="items"):
        value = data.draw(answer_to(items[code]), label=code)
        saved = api.answer(inspection, {code: value})
        if saved.status_code == 200:
            expected[code] = stored_form(items[code], value)
        else:
            assert set(assert_vietnamese_error(saved, 422)["errors"]) == {code}  # the refusal names the item
    details = data.draw(DETAILS, label="details")
    patched = api.client.patch(f"{URL}/inspections/{inspection}", json=MINUTES_DETAILS | details,
                               headers=api.headers(True))
    if patched.status_code != 200:  # refused as a whole: record the meeting as teams do, to go on
        assert set(assert_vietnamese_error(patched, 422)["errors"]) <= set(details) | {"end_time"}  # end ≤ start
        assert api.client.patch(f"{URL}/inspections/{inspection}", json=MINUTES_DETAILS,
                                headers=api.headers(True)).status_code == 200
    return inspection, expected


# Derandomised: the same examples on every run, so that a failure in CI is a failure on every machine.
PROPERTY = settings(deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(PROPERTY, max_examples=50)
@given(data=st.data())
def test_whatever_the_api_accepts_reads_back_and_renders(inspector, codes, data):
    inspection, expected = draft_from(inspector, data, codes)
    stored = read_back_everywhere(inspector, inspection)["answers"]
    for code, value in expected.items():
        assert stored.get(code) == value, code
        assert not isinstance(value, int) or type(stored[code]) is int, code  # a count never comes back a REAL


@settings(PROPERTY, max_examples=8)  # each finalising renders the minutes (seconds)
@given(data=st.data())
def test_whatever_the_api_accepts_finalises(inspector, codes, data):
    inspection, _ = draft_from(inspector, data, codes)
    finalised = inspector.finalize(inspection)
    if finalised.status_code != 200:  # a required item cleared, or times that do not make a meeting
        assert_vietnamese_error(finalised, 422)
        return
    assert inspector.get(f"/inspections/{inspection}/minutes.pdf").status_code == 200
    read_back_everywhere(inspector, inspection)

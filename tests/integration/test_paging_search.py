"""Paging and search of the inspection list and the audit trail on SQLite and PostgreSQL.

Search goes through the stored search key, so "phuc xa" and "đình"/"dinh" must find the same
rows on both databases; a page beyond the last is empty with the right total; bad page values
are refused in Vietnamese with 400.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.models import AdminUnit, Inspection, User
from inspect_app.services import ServiceError
from inspect_app.services import inspections as service
from inspect_app.services.audit_log import audit_page
from inspect_app.services.paging import page_params, search_term

PADDING = 120  # inspections of Phường Trúc Bạch besides the four named ones below


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def listed(db_app, catalog):
    """Four communes created through the service, then 120 more rows for paging (124 in all)."""
    with db_app.app_context():
        for number, code in enumerate(("00001", "00019", "00037", "00006"), start=1):
            service.create_inspection(db.session, catalog, user("admin"), {
                "client_id": f"tablet-page-{number:06d}", "checklist": "papi-xa", "commune_code": code,
                "inspection_date": f"2020-09-{10 + number}", "villages": 12,
                "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
        truc_bach = db.session.scalar(select(AdminUnit).where(AdminUnit.code == "00004"))
        admin = user("admin")
        db.session.add_all(Inspection(
            checklist_id="papi-xa", checklist_version=1, unit_id=truc_bach.id, commune_code="00004",
            commune_name="Phường Trúc Bạch", district_code="001", district_name="Quận Ba Đình",
            inspection_date=dt.date(2021, 1, 1) + dt.timedelta(days=n), villages=8, created_by_id=admin.id)
            for n in range(PADDING))
        db.session.commit()


def names(found) -> list[str]:
    return sorted({i.commune_name for i in found.items})


@pytest.mark.parametrize("typed, expected", [
    ("phuc xa", ["Phường Phúc Xá"]),
    ("Phúc Xá", ["Phường Phúc Xá"]),
    ("PHUC  XA", ["Phường Phúc Xá"]),
    ("dien bien", ["Phường Điện Biên"]),
    ("đien", ["Phường Điện Biên"]),
    ("phuc", ["Phường Phúc Tân", "Phường Phúc Xá", "Phường Vĩnh Phúc"]),
    ("00037", ["Phường Phúc Tân"]),
    ("hoan kiem", ["Phường Phúc Tân"]),  # the area's name counts too
    ("khong co xa nay", []),
])
def test_search_ignores_diacritics_and_case(db_app, listed, typed, expected):
    with db_app.app_context():
        assert names(service.page_inspections(db.session, user("admin"), search=typed, per_page=200)) == expected


def test_dinh_and_đình_find_the_same_rows(db_app, listed):
    with db_app.app_context():
        admin = user("admin")
        plain = service.page_inspections(db.session, admin, search="dinh", per_page=200)
        marked = service.page_inspections(db.session, admin, search="Đình", per_page=200)
        assert [i.id for i in plain.items] == [i.id for i in marked.items]
        assert plain.total == PADDING + 3  # every inspection in Quận Ba Đình: not Phúc Tân (Hoàn Kiếm)
        assert "Phường Phúc Tân" not in names(plain)


def test_the_search_key_is_stored_for_service_and_bulk_inserts(db_app, listed):
    with db_app.app_context():
        keys = dict(db.session.execute(select(Inspection.commune_code, Inspection.search_key)).all())
        assert keys["00001"] == "phuong phuc xa 00001 quan ba dinh"
        assert keys["00004"] == "phuong truc bach 00004 quan ba dinh"


def test_pages_cover_the_list_once_newest_first(db_app, listed):
    with db_app.app_context():
        admin = user("admin")
        everything = service.page_inspections(db.session, admin, per_page=200).items
        pages = [service.page_inspections(db.session, admin, page=n, per_page=50) for n in (1, 2, 3)]
        assert [p.total for p in pages] == [PADDING + 4] * 3 and pages[0].pages == 3
        assert [len(p.items) for p in pages] == [50, 50, 24]
        assert [i.id for p in pages for i in p.items] == [i.id for i in everything]
        dates = [i.inspection_date for p in pages for i in p.items]
        assert dates == sorted(dates, reverse=True)
        assert (pages[1].first_number, pages[2].first_number) == (51, 101)


def test_a_page_beyond_the_end_is_empty_with_the_total(db_app, listed):
    with db_app.app_context():
        beyond = service.page_inspections(db.session, user("admin"), page=9, per_page=50)
        assert (beyond.items, beyond.total, beyond.pages, beyond.page) == ([], PADDING + 4, 3, 9)
        nothing = service.page_inspections(db.session, user("admin"), search="khong co")
        assert (nothing.items, nothing.total, nothing.pages) == ([], 0, 1)


def test_filters_scope_and_search_combine_with_paging(db_app, listed):
    with db_app.app_context():
        hoan_kiem = service.page_inspections(db.session, user("district-hoankiem"), search="phuc")
        assert names(hoan_kiem) == ["Phường Phúc Tân"] and hoan_kiem.total == 1
        ba_dinh = service.page_inspections(db.session, user("district-badinh"), per_page=10, page=2,
                                           commune="00004", search="truc bach")
        assert ba_dinh.total == PADDING and len(ba_dinh.items) == 10 and names(ba_dinh) == ["Phường Trúc Bạch"]
        assert service.page_inspections(db.session, user("district-badinh"), commune="00004",
                                        search="phuc xa").total == 0
        assert service.page_inspections(db.session, user("commune-phucxa")).total == 0  # drafts only


def test_visible_communes_are_the_filter_choices_of_the_user(db_app, listed):
    with db_app.app_context():
        assert service.visible_communes(db.session, user("district-hoankiem")) == [("00037", "Phường Phúc Tân")]
        assert [c for c, _ in service.visible_communes(db.session, user("admin"))] == \
            ["00019", "00037", "00001", "00004", "00006"]  # by name: Điện Biên, Phúc Tân, Phúc Xá, Trúc Bạch, Vĩnh Phúc


@pytest.mark.parametrize("page, per_page, bad", [
    ("0", None, {"page"}), ("-1", None, {"page"}), ("abc", None, {"page"}), ("1.5", None, {"page"}),
    ("100001", None, {"page"}), ("٣", None, {"page"}), (True, None, {"page"}),
    (None, "0", {"per_page"}), (None, "201", {"per_page"}), ("x", "y", {"page", "per_page"}),
])
def test_bad_page_values_are_refused_in_vietnamese_with_400(page, per_page, bad):
    with pytest.raises(ServiceError) as refused:
        page_params(page, per_page)
    assert refused.value.status == 400 and set(refused.value.details["errors"]) == bad
    assert refused.value.message == "Tham số phân trang không hợp lệ."
    assert all("số nguyên" in text for text in refused.value.details["errors"].values())


def test_good_page_values_and_defaults():
    assert page_params() == (1, 50)
    assert page_params(" 2 ", "200") == (2, 200)
    assert page_params(3, 10) == (3, 10)
    assert search_term("  Phúc   Xá ") == "phuc xa" and search_term("%_") is None and search_term(None) is None


def test_the_audit_trail_pages_too(db_app, listed):
    with db_app.app_context():
        admin = user("admin")
        first = audit_page(db.session, admin, per_page=3)
        second = audit_page(db.session, admin, page=2, per_page=3)
        assert first.total == 4 and first.pages == 2  # the four inspections created through the service
        assert [len(first.items), len(second.items)] == [3, 1]
        assert first.items[0].id > first.items[-1].id > second.items[0].id

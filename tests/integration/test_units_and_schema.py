"""Units import, init-db and migrations, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from inspect_app.extensions import db
from inspect_app.models import AdminUnit, Inspection, UnitSuccession, User
from inspect_app.services import Invalid
from inspect_app.services.inspections import page_inspections
from inspect_app.services.units import commune_on, communes_on, districts_on, import_merges, import_units

DATA = Path(__file__).resolve().parent.parent / "data"
PROJECT_DATA = Path(__file__).resolve().parents[2] / "data"


def _empty_schema():
    db.drop_all()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def test_migrations_build_exactly_the_models(db_app):
    with db_app.app_context():
        _empty_schema()
        upgrade(directory=db_app.extensions["migrate"].directory)
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []


def test_the_search_key_migration_backfills_existing_inspections(db_app):
    """Inspections stored before 0005 get their key from their own snapshot names, so search finds them."""
    with db_app.app_context():
        _empty_schema()
        directory = db_app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0004")
        with db.engine.begin() as connection:
            unit = connection.execute(text(
                "INSERT INTO admin_unit (code, name, level, kind, valid_from, source) VALUES "
                "('00001', 'Phường Phúc Xá', 'commune', 'phuong', '2020-01-01', 'test') RETURNING id")).scalar()
            account = connection.execute(text(
                "INSERT INTO user_account (username, password_hash, full_name, position, role, active, failed_logins) "
                "VALUES ('admin', 'x', 'Quản trị', '', 'admin', true, 0) RETURNING id")).scalar()
            for commune, district in (("Phường Phúc Xá", "Quận Ba Đình"), ("Xã Đông Anh", None)):
                connection.execute(text(
                    "INSERT INTO inspection (checklist_id, checklist_version, unit_id, commune_code, commune_name, "
                    "district_code, district_name, inspection_date, villages, status, version, revision, "
                    "plan_reference, commune_opinion, copies, created_by_id, created_at, updated_at) VALUES "
                    "('papi-xa', 1, :unit, '00001', :commune, '001', :district, '2020-09-15', 12, 'draft', 1, 1, "
                    "'', '', 2, :account, '2020-09-15 08:00:00', '2020-09-15 08:00:00')"),
                    {"unit": unit, "account": account, "commune": commune, "district": district})
        upgrade(directory=directory)
        keys = sorted(db.session.scalars(select(Inspection.search_key)))
        assert keys == ["phuong phuc xa 00001 quan ba dinh", "xa dong anh 00001"]
        admin = db.session.scalar(select(User))
        assert [i.commune_name for i in page_inspections(db.session, admin, search="phuc xa").items] == \
            ["Phường Phúc Xá"]


def test_init_db_demo_loads_every_unit_and_the_demo_accounts(db_app):
    with db_app.app_context():
        _empty_schema()
    db_app.config["UNITS_DIR"] = str(PROJECT_DATA)
    db_app.config["DEMO_PASSWORD"] = "DemoPass@2020"
    runner = db_app.test_cli_runner()
    result = runner.invoke(args=["init-db", "--demo"])
    assert result.exit_code == 0, result.output
    with db_app.app_context():
        day_2020, day_2025 = dt.date(2020, 9, 15), dt.date(2025, 9, 15)
        assert len(districts_on(db.session, day_2020)) == 30
        assert len(communes_on(db.session, day_2020)) == 579
        assert len(communes_on(db.session, day_2020, "001")) == 14
        areas = districts_on(db.session, day_2025)  # the department's groups of communes, one per former district
        assert len(areas) == 30 and {a.kind for a in areas} == {"cum"}
        assert len(communes_on(db.session, day_2025)) == 126
        assert [c.name for c in communes_on(db.session, day_2025, "001")] == \
            ["Phường Ba Đình", "Phường Ngọc Hà", "Phường Giảng Võ"]
        assert all(c.parent is not None for c in communes_on(db.session, day_2025))
        assert commune_on(db.session, "00001", day_2020).name == "Phường Phúc Xá"
        assert commune_on(db.session, "00001", day_2025) is None
        assert commune_on(db.session, "00097", day_2025).name == "Phường Hồng Hà"
        usernames = set(db.session.scalars(select(User.username)))
        assert {"admin", "inspector", "district-badinh", "district-hoankiem", "commune-badinh",
                "commune-phucxa"} <= usernames
    again = runner.invoke(args=["init-db", "--demo"])  # idempotent: nothing doubled
    assert again.exit_code == 0, again.output
    with db_app.app_context():
        assert db.session.scalar(select(func.count(AdminUnit.id))) == 30 + 579 + 126 + 30
        assert db.session.scalar(select(func.count(UnitSuccession.id))) == 796
    page = db_app.test_client().post("/login", data={"username": "inspector", "password": "DemoPass@2020"})
    assert page.status_code == 302


def test_init_db_says_which_unit_file_is_missing(db_app, tmp_path):
    with db_app.app_context():
        _empty_schema()
    db_app.config["UNITS_DIR"] = str(tmp_path)
    result = db_app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 1
    assert "hanoi_units_2020.csv" in result.output


def test_a_reform_is_a_data_import(db_app):
    with db_app.app_context():
        merged = commune_on(db.session, "00004", dt.date(2025, 7, 1))
        before = commune_on(db.session, "00004", dt.date(2025, 6, 30))
        assert (before.name, before.parent.name) == ("Phường Trúc Bạch", "Quận Ba Đình")
        assert (merged.name, merged.parent.name, merged.parent.kind) == ("Phường Ba Đình", "Cụm Ba Đình", "cum")
        predecessors = db.session.scalars(select(AdminUnit.name).join(
            UnitSuccession, UnitSuccession.old_unit_id == AdminUnit.id).where(UnitSuccession.new_unit_id == merged.id))
        assert set(predecessors) == {"Phường Trúc Bạch", "Phường Quán Thánh", "Phường Ngọc Hà", "Phường Điện Biên"}
        again = import_merges(db.session, DATA / "merges_small.csv", dt.date(2025, 7, 1))
        assert again.created == 0


def test_import_refuses_a_file_of_the_wrong_shape(db_app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n001,Quận Ba Đình\n", encoding="utf-8")
    with db_app.app_context():
        with pytest.raises(Invalid, match="cột"):
            import_units(db.session, bad, dt.date(2020, 1, 1))
        result = db_app.test_cli_runner().invoke(args=["units", "import", str(bad), "--valid-from", "2020-01-01"])
        assert result.exit_code == 1
        assert "cột phải là" in result.output

"""Shared fixtures: the real catalog, a compliant inspection to vary, and apps on real databases.

Database tests run on SQLite and on PostgreSQL; scripts/test.sh starts a local PostgreSQL
server and exports TEST_POSTGRES_URL. Without it the PostgreSQL cases fail loudly rather than
being skipped.
"""
from __future__ import annotations

import copy
import io
import datetime as dt
import json
import os
from pathlib import Path

import pytest
from pypdf import PdfWriter
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from inspect_app import create_app
from inspect_app.evaluation import PROJECT_ROOT, cached_catalog

DATA = Path(__file__).parent / "data"
PASSWORD = "MatKhau@2020"
# What finalising requires besides the answers: the minutes never invent a time or a place.
MINUTES_DETAILS = {"start_time": "08:30", "end_time": "11:30", "place": "Trụ sở UBND phường", "copies": 2}
ACCOUNTS = {  # username: (role, scope)
    "admin": ("admin", {}),
    "inspector": ("inspector", {"team": True}),
    "inspector2": ("inspector", {}),
    "district-badinh": ("district", {"district_code": "001"}),
    "district-hoankiem": ("district", {"district_code": "002"}),
    "commune-phucxa": ("commune", {"commune_code": "00001"}),
}
BACKENDS = ("sqlite", "postgresql")


def tiny_pdf() -> bytes:
    """A valid one-page PDF (evidence PDFs must parse: services.evidence_pdf)."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def catalog():
    return cached_catalog(PROJECT_ROOT)


def answers_on(catalog, day: dt.date) -> dict:
    """Every item in force on `day` answered, for an inspection of that day under the version then in force:
    the compliant answer where version 1 has the item, one derived from its type for a required item it lacks."""
    compliant = json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"]
    return {code: compliant[code] if code in compliant else item.sample_answer(day, 12)
            for code, item in catalog.checklist_for("papi-xa", day).on(day).items.items()
            if code in compliant or item.required}


@pytest.fixture
def compliant():
    """A fully answered inspection of Phường Phúc Xá on 15/09/2020 with no finding at all."""
    return copy.deepcopy(json.loads((DATA / "compliant.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def password_hash():
    """One scrypt hash for every test account: hashing is deliberately slow."""
    return generate_password_hash(PASSWORD, method="scrypt")


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this test run's own on the test server, so that parallel runs never collide."""
    server = os.environ.get("TEST_POSTGRES_URL")
    if not server:
        pytest.fail("TEST_POSTGRES_URL is not set: run the tests through ./scripts/test.sh, which starts PostgreSQL")
    name = f"inspect_test_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def _database_url(backend: str, tmp_path: Path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


def make_app(database_url: str, tmp_path: Path, **extra):
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
              "PHOTO_DIR": str(tmp_path / "photos"), "UNITS_DIR": str(DATA),
              "CATALOG_CHECK_SECONDS": 3600} | extra  # tests that publish ask for fresh catalogs themselves
    return create_app(config)


def seed(app, password_hash: str) -> None:
    """A fresh schema with the small unit files and one account of each role."""
    from inspect_app.extensions import db
    from inspect_app.models import Team, User
    from inspect_app.services.units import import_groups, import_merges, import_units

    with app.app_context():
        db.drop_all()
        db.create_all()
        import_units(db.session, DATA / "units_small.csv", dt.date(2020, 1, 1))
        import_merges(db.session, DATA / "merges_small.csv", dt.date(2025, 7, 1))
        import_groups(db.session, DATA / "groups_small.csv", dt.date(2025, 7, 1))
        team = Team(name="Đoàn kiểm tra số 1 - Sở Nội vụ")
        db.session.add(team)
        for username, (role, scope) in ACCOUNTS.items():
            db.session.add(User(username=username, password_hash=password_hash, full_name=f"Cán bộ {username}",
                                role=role, district_code=scope.get("district_code"),
                                commune_code=scope.get("commune_code"), team=team if scope.get("team") else None))
        db.session.commit()


@pytest.fixture(params=BACKENDS)
def db_app(request, tmp_path, password_hash):
    """An app on a freshly seeded database, once on SQLite and once on PostgreSQL."""
    app = make_app(_database_url(request.param, tmp_path, request), tmp_path, WTF_CSRF_ENABLED=False)
    seed(app, password_hash)
    yield app
    from inspect_app.extensions import db

    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, password_hash, request):
    """An app on a seeded SQLite database, with CSRF protection on as in production."""
    app = make_app(_database_url("sqlite", tmp_path, request), tmp_path)
    seed(app, password_hash)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def finalize_with_details(session, catalog, actor, inspection_id: int):
    """Record the minutes' times and place, as a team does before finalising, then finalise."""
    from inspect_app.services import inspections

    inspections.update_details(session, actor, inspection_id, MINUTES_DETAILS)
    return inspections.finalize(session, catalog, actor, inspection_id)

"""The city's six years of demo data in a fresh database, for the benchmarks that need volume.

Shared by bench/dashboard.py and bench/report.py: the real units, a few accounts and
`seed_demo` over every commune, on SQLite or on a throwaway PostgreSQL database.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import PASSWORD, make_app  # noqa: E402  (the tests' own app factory)
from sqlalchemy import create_engine, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from inspect_app.cli import load_reference_units  # noqa: E402
from inspect_app.extensions import db  # noqa: E402
from inspect_app.models import Team, User  # noqa: E402
from inspect_app.services.demo import parse_years, seed_demo  # noqa: E402

AS_OF = dt.date(2026, 11, 27)


def seeded_arguments(doc: str, argv: list[str] | None, *, repeats: str, default: int, least: int,
                     repeats_help: str, check_help: str) -> tuple[argparse.Namespace, range]:
    """The options every seeded benchmark takes (its repeat count, --years, --seed, --check, --json) and
    the years to seed; prints the machine it runs on, since these numbers vary with it."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument(repeats, type=int, default=default, help=repeats_help)
    parser.add_argument("--years", default="2020-2025", help="years to seed, e.g. 2020-2025")
    parser.add_argument("--seed", type=int, default=122)
    parser.add_argument("--check", action="store_true", help=check_help)
    parser.add_argument("--json", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args(argv)
    if getattr(args, repeats.lstrip("-")) < least:
        parser.error(f"{repeats} must be at least {least}")
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return args, parse_years(args.years)


def build(url: str, folder: Path, years: range, seed_value: int, accounts: dict[str, tuple[str, str | None]]):
    """An app on `url` with the real units, the accounts (username: role, district) and the demo data.

    Returns the app, the seed result and the seconds seeding took.
    """
    app = make_app(url, folder, UNITS_DIR=str(ROOT / "data"), WTF_CSRF_ENABLED=False)
    password = generate_password_hash(PASSWORD, method="scrypt")
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_reference_units()
        team = Team(name="Đoàn kiểm tra số 1 - Sở Nội vụ")
        for username, (role, district) in accounts.items():
            db.session.add(User(username=username, password_hash=password, full_name=username, role=role,
                                district_code=district, team=team if role == "inspector" else None))
        db.session.commit()
        started = time.perf_counter()
        result = seed_demo(db.session, app.extensions["catalog"].loaded, years, None, seed_value, as_of=AS_OF,
                           photo_dir=folder / "photos")
        seconds = time.perf_counter() - started
    return app, result, seconds


def analyse(app) -> None:
    """Fresh statistics for PostgreSQL's planner, as autovacuum would gather them."""
    with app.app_context():
        db.session.execute(select(1))
        db.session.connection().exec_driver_sql("ANALYZE")
        db.session.commit()


def release(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def postgres_database(prefix: str) -> Iterator[str | None]:
    """A throwaway database on the TEST_POSTGRES_URL server (None when it is not set), dropped after."""
    server = os.environ.get("TEST_POSTGRES_URL")
    if not server:
        yield None
        return
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()

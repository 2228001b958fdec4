"""Configuration from the environment; tests pass a mapping to create_app instead."""
from __future__ import annotations

import os
import secrets

from .evaluation import PROJECT_ROOT, catalog_root
from .services.minutes import MinutesSettings
from .services.reminders import SmtpSettings


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{PROJECT_ROOT / 'instance' / 'inspect.db'}"
    if url.startswith("postgres://"):  # the scheme Heroku-style URLs use; SQLAlchemy wants postgresql
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _smtp() -> SmtpSettings | None:
    host = os.environ.get("INSPECT_SMTP_HOST")
    if not host:
        return None
    return SmtpSettings(host=host, port=int(os.environ.get("INSPECT_SMTP_PORT", "25")),
                        sender=os.environ.get("INSPECT_SMTP_FROM", "kiemtra@noivu.hanoi.gov.vn"),
                        username=os.environ.get("INSPECT_SMTP_USER"), password=os.environ.get("INSPECT_SMTP_PASSWORD"),
                        starttls=os.environ.get("INSPECT_SMTP_STARTTLS", "0") == "1")


class Config:
    """Every setting the app reads, each documented in the README."""

    SECRET_KEY = os.environ.get("INSPECT_SECRET_KEY") or secrets.token_hex(32)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT = 10.0  # seconds a SQLite writer waits for another's transaction before giving up
    CATALOG_DIR = str(catalog_root())
    # how often (seconds) a worker asks the database whether another published a criteria version
    CATALOG_CHECK_SECONDS = float(os.environ.get("INSPECT_CATALOG_CHECK_SECONDS", "10"))
    PHOTO_DIR = os.environ.get("INSPECT_PHOTO_DIR") or str(PROJECT_ROOT / "instance" / "photos")
    UNITS_DIR = os.environ.get("INSPECT_UNITS_DIR") or str(PROJECT_ROOT / "data")
    DEMO_PASSWORD = os.environ.get("INSPECT_DEMO_PASSWORD") or "KiemTra@2020"
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("INSPECT_SECURE_COOKIES", "0") == "1"
    BEHIND_PROXY = os.environ.get("INSPECT_BEHIND_PROXY", "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    RELEASE = os.environ.get("INSPECT_RELEASE", "")  # part of the service worker's version: a new name, a new cache
    IDLE_MINUTES = int(os.environ.get("INSPECT_IDLE_MINUTES", "60"))  # a session unused this long is ended
    WTF_CSRF_TIME_LIMIT = None  # a tablet page stays open all day on site
    JSON_AS_ASCII = False
    # Flask-Compress: text answers go out brotli- or gzip-encoded (the checklist page is ~116 KB of HTML on a
    # slow 3G link); PDFs, photos and workbooks are already compressed and stay as they are. Streamed answers
    # (the static files) take gzip too, so that a browser offering only gzip gets its CSS and JS compressed.
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                          "application/manifest+json", "image/svg+xml", "text/yaml", "text/plain"]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 5  # brotli's 4 (the default) comes out larger than gzip's 6 on our JS and JSON; 5 is smaller
    SMTP = _smtp()
    MINUTES = MinutesSettings(
        issuing_body=os.environ.get("INSPECT_MINUTES_ISSUER", MinutesSettings.issuing_body),
        team_name=os.environ.get("INSPECT_MINUTES_TEAM", MinutesSettings.team_name),
        number_format=os.environ.get("INSPECT_MINUTES_NUMBER", MinutesSettings.number_format),
    )

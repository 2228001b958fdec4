"""Flask extensions, created unbound and bound to an app in create_app."""
from __future__ import annotations

from http import HTTPStatus

from flask import Response
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base with named constraints, so Alembic batch migrations work on SQLite."""

    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class FileAwareCompress(Compress):
    """Flask-Compress (settings in config.Config) minding files: a byte range (206) goes out as it is, since
    its Content-Range counts the file's own bytes, and the streamed file whose body 1.25 replaces by the
    compressed stream is still closed with the answer, not left to the garbage collector."""

    def after_request(self, response: Response) -> Response:
        if response.status_code == HTTPStatus.PARTIAL_CONTENT:
            response.vary.add("Accept-Encoding")
            return response
        body = response.response
        response = super().after_request(response)
        if response.response is not body and hasattr(body, "close"):
            response.call_on_close(body.close)
        return response


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()
compress = FileAwareCompress()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."


def tune_sqlite(engine: Engine, busy_timeout: float) -> None:
    """On SQLite, every connection in WAL mode (readers never wait for the one writer) with a busy timeout
    (a writer waits its turn instead of failing at once with "database is locked")."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

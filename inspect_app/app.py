"""The Flask application factory: config, extensions, catalog, blueprints, CLI commands."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, models
from .config import Config
from .evaluation import PROJECT_ROOT
from .extensions import compress, csrf, db, login_manager, migrate, tune_sqlite
from .services.criteria_versions import CatalogHolder
from .web import hostile, register_blueprints


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build an app; a broken catalog stops it here, with every problem listed."""
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"),
                instance_path=str(PROJECT_ROOT / "instance"))
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    if app.config["MINUTES"].photo_dir is None:  # the minutes' annex reads the photos where they are stored
        app.config["MINUTES"] = replace(app.config["MINUTES"], photo_dir=Path(app.config["PHOTO_DIR"]))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["BEHIND_PROXY"]:  # trust one proxy's X-Forwarded-For/-Proto (client IP, https)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    db.init_app(app)
    with app.app_context():
        tune_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    hostile.register(app)
    csrf.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    holder = CatalogHolder(app.config["CATALOG_DIR"], app.config["CATALOG_CHECK_SECONDS"])
    with app.app_context():
        holder.start(db.session)
        db.session.remove()
    app.extensions["catalog"] = holder
    register_blueprints(app)
    cli.register(app)
    return app


@login_manager.user_loader
def load_user(session_id: str) -> models.User | None:
    """The account of a session whose version is still current (User.get_id: "id:version")."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(models.User, int(user_id))
    return user if user is not None and user.session_version == int(version) else None

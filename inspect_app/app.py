"""The Flask application factory: config, then the catalog, then blueprints, then CLI commands."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from . import cli
from .config import Config
from .evaluation import PROJECT_ROOT, cached_catalog
from .web import catalog_views


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build an app; a broken catalog stops it here, with every problem listed."""
    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"), instance_relative_config=True)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    app.extensions["catalog"] = cached_catalog(Path(app.config["CATALOG_DIR"]))
    app.register_blueprint(catalog_views.blueprint)
    cli.register(app)
    return app

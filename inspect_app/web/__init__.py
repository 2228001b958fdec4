"""Blueprints: thin views over the service layer."""
from __future__ import annotations

from flask import Flask, current_app

from ..domain.catalog import Catalog


def current_catalog(fresh: bool = False) -> Catalog:
    """The catalog this request judges by: reloaded first if another worker published a criteria version
    (at most every CATALOG_CHECK_SECONDS, or now when `fresh`)."""
    from ..extensions import db

    return current_app.extensions["catalog"].current(db.session, fresh)


def register_blueprints(app: Flask) -> None:
    from . import api, audit, auth, catalog_views, criteria_admin, dashboard, errors, headers, inspections, offline, \
        plans, plans_api, remediation, report

    app.register_blueprint(auth.blueprint)
    app.register_blueprint(catalog_views.blueprint)
    app.register_blueprint(criteria_admin.blueprint)
    app.register_blueprint(inspections.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api/v1")
    app.register_blueprint(remediation.blueprint)
    app.register_blueprint(dashboard.blueprint)
    app.register_blueprint(report.blueprint)
    app.register_blueprint(audit.blueprint)
    app.register_blueprint(offline.blueprint)
    app.register_blueprint(plans.blueprint)
    app.register_blueprint(plans_api.blueprint, url_prefix="/api/v1/plans")
    errors.register(app)
    headers.register(app)

"""Inspection pages (placeholder until the tablet UI lands)."""
from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import login_required

blueprint = Blueprint("inspections", __name__)


@blueprint.get("/inspections")
@login_required
def index():
    return redirect(url_for("catalog.index"))

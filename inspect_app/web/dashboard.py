"""Dashboards (placeholder until the dashboard work lands)."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("dashboard", __name__)

"""The summary report (placeholder until the report work lands)."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("report", __name__)

"""The JSON API under /api/v1 (placeholder until the API lands)."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("api", __name__)

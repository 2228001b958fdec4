"""Remediation follow-up pages and API (placeholder until the remediation work lands)."""
from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("remediation", __name__)

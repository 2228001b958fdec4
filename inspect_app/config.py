"""Configuration from the environment; tests pass a mapping to create_app instead."""
from __future__ import annotations

import os
import secrets

from .evaluation import catalog_root


class Config:
    """Every setting the app reads, each documented in the README."""

    SECRET_KEY = os.environ.get("INSPECT_SECRET_KEY") or secrets.token_hex(32)
    CATALOG_DIR = str(catalog_root())
    JSON_AS_ASCII = False

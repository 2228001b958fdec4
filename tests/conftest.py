"""Shared fixtures: the real catalog, a compliant inspection to vary, and the Flask app."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from inspect_app import create_app
from inspect_app.evaluation import PROJECT_ROOT, cached_catalog

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def catalog():
    return cached_catalog(PROJECT_ROOT)


@pytest.fixture
def compliant():
    """A fully answered inspection of Phường Phúc Xá on 15/09/2020 with no finding at all."""
    return copy.deepcopy(json.loads((DATA / "compliant.json").read_text(encoding="utf-8")))


@pytest.fixture
def app():
    return create_app({"TESTING": True, "SECRET_KEY": "test"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()

"""Versions kept outside the catalog folder (the department's, in the database) load through the same
validator, and a version published later supersedes the shipped one from its start."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from inspect_app.criteria.rebase import Rebase
from inspect_app.criteria.versions import dump_yaml
from inspect_app.domain.catalog import CatalogError, StoredVersion, load_catalog
from inspect_app.evaluation import PROJECT_ROOT

START = dt.date(2026, 12, 7)


@pytest.fixture(scope="module")
def shipped():
    return load_catalog(PROJECT_ROOT)


def version_3(register, start: dt.date = START) -> tuple[StoredVersion, list[str]]:
    """Version 2 copied as version 3 and rebased onto `start`, as an imported draft is."""
    checklist = yaml.safe_load((PROJECT_ROOT / "checklists" / "papi-xa-v2.yaml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((PROJECT_ROOT / "rules" / "papi-xa-v2.yaml").read_text(encoding="utf-8"))
    checklist["version"] = rules["version"] = 3
    rebase = Rebase(start, register)
    checklist, rules = rebase.version(checklist, rules)
    return StoredVersion("papi-xa", 3, dump_yaml(checklist), dump_yaml(rules)), rebase.left_out


def test_a_stored_version_supersedes_the_open_ended_shipped_one_from_its_start(shipped):
    stored, _ = version_3(shipped.register)
    catalog = load_catalog(PROJECT_ROOT, [stored])
    assert catalog.checklist("papi-xa", 2).effective_to == START - dt.timedelta(days=1)
    assert catalog.checklist_for("papi-xa", START - dt.timedelta(days=1)).version == 2
    assert catalog.checklist_for("papi-xa", START).version == 3
    assert catalog.checklist("papi-xa", 3).effective_to is None
    assert shipped.checklist("papi-xa", 2).effective_to is None  # the folder alone is unchanged


def test_rebasing_leaves_out_what_ended_before_the_start_and_says_so(shipped):
    stored, left_out = version_3(shipped.register)
    catalog = load_catalog(PROJECT_ROOT, [stored])
    v3 = catalog.checklist("papi-xa", 3)
    rules = {rule.id for rule in catalog.ruleset(v3).rules}
    ended_items = [code for code, item in shipped.checklist("papi-xa", 2).items.items()
                   if item.effective_to and item.effective_to < START]
    assert ended_items and not set(ended_items) & set(v3.items)
    assert all(any(f"tiêu chí {code} " in line for line in left_out) for code in ended_items)
    assert any(line.startswith("căn cứ Kế hoạch số 179/KH-UBND") for line in left_out)
    for rule in catalog.ruleset(v3).rules:
        assert all(c.in_force(START) or c.effective_from > START for c in rule.legal_basis), rule.id
    assert "GT-05" in rules or any(r.startswith("GT-05") for r in rules)


def test_a_rebase_onto_the_shipped_start_leaves_nothing_out(shipped):
    _, left_out = version_3(shipped.register, dt.date(2025, 7, 1))
    assert left_out == []


def test_problems_of_a_stored_version_name_it_and_its_line(shipped):
    stored, _ = version_3(shipped.register)
    broken = StoredVersion("papi-xa", 3, stored.checklist_yaml.replace('type: yesno', 'type: maybe', 1),
                           stored.rules_yaml)
    with pytest.raises(CatalogError) as error:
        load_catalog(PROJECT_ROOT, [broken])
    assert any(p.startswith("CSDL:checklists/papi-xa-v3.yaml:") for p in error.value.problems), error.value.problems


def test_a_stored_version_that_starts_with_the_shipped_one_is_refused(shipped, tmp_path: Path):
    stored, _ = version_3(shipped.register, dt.date(2025, 7, 1))
    with pytest.raises(CatalogError) as error:
        load_catalog(PROJECT_ROOT, [stored])
    assert any("papi-xa@2 và papi-xa@3 cùng có hiệu lực từ ngày 01/07/2025" in p for p in error.value.problems)

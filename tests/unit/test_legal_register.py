"""The register of legal instruments and the citations rules make of it.

Each test edits a private copy of the catalog (as tests/unit/test_catalog.py does) and checks that
`load_catalog` refuses what would let a finding cite an instrument that was not in force: an
unknown instrument or article, a rule left without a basis on some day, an instrument that ends
with no successor, a citation outside its instrument's life. Unverified entries are warnings.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from inspect_app.domain.catalog import CatalogError, load_catalog
from inspect_app.domain.periods import uncovered_days
from inspect_app.evaluation import PROJECT_ROOT

LEGAL = Path("rules") / "legal.yaml"
RULES_V1 = Path("rules") / "papi-xa-v1.yaml"
CHECKLIST_V1 = Path("checklists") / "papi-xa-v1.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "checklists", tmp_path / "checklists")
    shutil.copytree(PROJECT_ROOT / "rules", tmp_path / "rules")
    return tmp_path


def replace(root: Path, rel: Path, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{rel} does not contain {old!r}: the test's edit would do nothing"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def instrument_block(root: Path, instrument_id: str) -> str:
    text = (root / LEGAL).read_text(encoding="utf-8")
    start = text.index(f"  - id: {instrument_id}\n")
    end = text.find("\n  - id: ", start + 1)
    return text[start:end if end > 0 else len(text)]


def edit_instrument(root: Path, instrument_id: str, old: str, new: str) -> None:
    block = instrument_block(root, instrument_id)
    assert old in block, f"{instrument_id} has no {old!r}"
    replace(root, LEGAL, block, block.replace(old, new, 1))


def problems_of(root: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    return caught.value.problems


def test_the_project_register_loads_and_every_rule_cites_it(root):
    catalog = load_catalog(root)
    ids = set(catalog.register.instruments)
    for ruleset in catalog.rulesets.values():
        for rule in ruleset.rules:
            assert rule.legal_basis and {c.instrument.id for c in rule.legal_basis} <= ids


def test_an_unknown_instrument_is_refused(root):
    replace(root, RULES_V1, "instrument: kh-122-2020", "instrument: kh-999-2020")
    assert any("căn cứ dẫn văn bản không có trong sổ đăng ký: 'kh-999-2020'" in p for p in problems_of(root))


def test_an_article_missing_from_the_register_is_refused(root):
    replace(root, RULES_V1, 'article: "Biểu tổng hợp nhiệm vụ, mục 1a"', 'article: "Điều 99"')
    problems = problems_of(root)
    assert any("'Điều 99' của Kế hoạch số 122/KH-UBND" in p and "chưa có trong sổ đăng ký" in p for p in problems)


def test_an_instrument_that_ends_without_a_successor_is_refused(root):
    edit_instrument(root, "luat-dan-chu-co-so-2022", "replaces: [phap-lenh-34-2007]", "replaces: []")
    replace(root, RULES_V1, '\n      - {instrument: luat-dan-chu-co-so-2022, article: "Điều 11 khoản 5"}', "")
    problems = problems_of(root)
    assert any("luật TG-07:" in p and "hết hiệu lực sau ngày 30/06/2023" in p
               and "chưa có văn bản thay thế" in p for p in problems), problems


def test_a_successor_that_starts_late_leaves_a_gap(root):
    edit_instrument(root, "luat-dan-chu-co-so-2022", "effective_from: 2023-07-01", "effective_from: 2024-01-01")
    problems = problems_of(root)
    assert any("luật TG-07:" in p and "từ ngày 01/07/2023 cần dẫn văn bản thay thế" in p for p in problems), problems
    assert any("luật TG-07: không có căn cứ pháp lý nào có hiệu lực từ 01/07/2023 đến 31/12/2023" in p
               for p in problems), problems


def test_a_rule_in_force_before_its_only_instrument_is_refused(root):
    edit_instrument(root, "luat-tiep-cong-dan-2013", "effective_from: 2014-07-01", "effective_from: 2021-01-01")
    problems = problems_of(root)
    assert any("luật GT-06: không có căn cứ pháp lý nào có hiệu lực từ 11/06/2020 đến 31/12/2020" in p
               for p in problems), problems


def test_a_citation_dated_outside_its_instrument_is_refused(root):
    replace(root, RULES_V1, '{instrument: kh-122-2020, article: "Biểu tổng hợp nhiệm vụ, mục 1a"}',
            '{instrument: kh-122-2020, article: "Biểu tổng hợp nhiệm vụ, mục 1a", effective_from: 2020-01-01}')
    assert any("ngoài thời gian văn bản có hiệu lực" in p for p in problems_of(root))


def test_a_rule_outside_its_checklist_version_is_refused(root):
    replace(root, RULES_V1, '''    deadline: "10wd"
    all:
      - m: {$and: [{item: "TG-01"}''', '''    deadline: "10wd"
    effective_to: 2026-01-01
    all:
      - m: {$and: [{item: "TG-01"}''')
    assert any("luật TG-01: thời gian áp dụng" in p and "nằm ngoài thời gian hiệu lực của checklist papi-xa@1" in p
               for p in problems_of(root))


def test_two_versions_in_force_on_the_same_day_are_refused(root):
    replace(root, CHECKLIST_V1, "effective_to: 2025-06-30", "effective_to: 2025-07-15")
    assert any("papi-xa@1 và papi-xa@2 cùng có hiệu lực từ ngày 01/07/2025" in p for p in problems_of(root))


def test_an_incomplete_scoring_policy_is_refused(root):
    replace(root, CHECKLIST_V1, "severity_factors: {normal: 1, high: 1}", "severity_factors: {normal: 1}")
    assert any("'severity_factors' cần đủ normal, high" in p for p in problems_of(root))


def test_a_missing_register_is_reported(root):
    (root / LEGAL).unlink()
    assert any("không có sổ đăng ký văn bản pháp luật" in p for p in problems_of(root))


def test_unverified_entries_are_warnings_not_errors(root):
    edit_instrument(root, "luat-khieu-nai-2011", "verified: true", "verified: false")
    catalog = load_catalog(root)
    assert any(w.startswith("Luật Khiếu nại số 02/2011/QH13: chưa xác minh") for w in catalog.warnings)
    rule = catalog.ruleset(catalog.checklist("papi-xa", 1)).by_code("GT-08")
    assert not next(c for c in rule.legal_basis if c.instrument.id == "luat-khieu-nai-2011").verified


@pytest.mark.parametrize("periods, start, end, gap", [
    ([], dt.date(2020, 1, 1), None, (dt.date(2020, 1, 1), None)),
    ([(dt.date(2020, 1, 1), None)], dt.date(2020, 6, 1), None, None),
    ([(dt.date(2020, 1, 1), dt.date(2020, 12, 31)), (dt.date(2021, 1, 1), None)], dt.date(2020, 6, 1), None, None),
    ([(dt.date(2020, 1, 1), dt.date(2020, 12, 31)), (dt.date(2021, 3, 1), None)], dt.date(2020, 6, 1), None,
     (dt.date(2021, 1, 1), dt.date(2021, 2, 28))),
    ([(dt.date(2020, 1, 1), dt.date(2020, 12, 31))], dt.date(2020, 6, 1), dt.date(2020, 12, 31), None),
    ([(dt.date(2020, 1, 1), dt.date(2020, 12, 31))], dt.date(2020, 6, 1), None, (dt.date(2021, 1, 1), None)),
    ([(dt.date(2020, 7, 1), None)], dt.date(2020, 6, 1), dt.date(2020, 8, 1), (dt.date(2020, 6, 1), dt.date(2020, 6, 30))),
])
def test_uncovered_days(periods, start, end, gap):
    assert uncovered_days(periods, start, end) == gap

"""A new criterion is data only (issue 11, item 5): items of every answer type added to version 2 by
editing its YAML load, get demo answers, test-fixture answers and sample-minutes answers derived from
their type and limits, and seed-demo runs over them, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import answers_on
from sqlalchemy import select

from inspect_app.domain.catalog import load_catalog
from inspect_app.evaluation import PROJECT_ROOT, evaluate_input
from inspect_app.domain.assessment import parse_document
from inspect_app.extensions import db
from inspect_app.models import Answer, Inspection
from inspect_app.pdf.sample import sample_minutes
from inspect_app.services.demo import seed_demo

NEW_ITEMS = [
    {"code": "DT-06", "question": "Số cuộc đối thoại trực tuyến với người dân trong năm", "type": "int",
     "min": 2, "max": 24, "na_allowed": False, "required": True, "evidence": False,
     "guidance": "Đếm theo thông báo trên trang thông tin điện tử của xã."},
    {"code": "DT-07", "question": "Ngày cập nhật gần nhất danh mục dữ liệu mở của xã", "type": "date",
     "na_allowed": False, "required": True, "evidence": False, "guidance": "Xem trang dữ liệu mở."},
    {"code": "DT-08", "question": "Mức độ đầy đủ của thông tin liên hệ trên trang thông tin điện tử", "type": "choice",
     "choices": [{"value": "day_du", "label": "Đầy đủ"}, {"value": "thieu", "label": "Còn thiếu"}],
     "na_allowed": False, "required": True, "evidence": True, "guidance": "Đối chiếu với danh bạ cán bộ."},
    {"code": "DT-09", "question": "Tỷ lệ hồ sơ trực tuyến toàn trình (%)", "type": "pct", "min": 0, "max": 100,
     "na_allowed": True, "required": True, "evidence": False, "guidance": "Theo báo cáo của Trung tâm."},
]
NEW_RULES = [
    {"id": "DT-06", "code": "DT-06", "items": ["DT-06"], "kind": "recommendation", "severity": "normal",
     "title": "Chưa tổ chức đủ 4 cuộc đối thoại trực tuyến trong năm",
     "remediation": "Tổ chức đối thoại trực tuyến ít nhất mỗi quý một lần.", "responsible": "Văn phòng HĐND và UBND",
     "legal_basis": [{"instrument": "luat-tccqdp-2025"}], "deadline": "30d", "condition": "DT-06 < 4"},
    {"id": "DT-08", "code": "DT-08", "items": ["DT-08"], "kind": "recommendation", "severity": "normal",
     "title": "Thông tin liên hệ trên trang thông tin điện tử còn thiếu",
     "remediation": "Bổ sung đầy đủ thông tin liên hệ.", "responsible": "Văn phòng HĐND và UBND",
     "legal_basis": [{"instrument": "luat-tccqdp-2025"}], "deadline": "10wd", "condition": 'DT-08 = "Còn thiếu"'},
]
DAY = dt.date(2026, 9, 15)


@pytest.fixture(scope="module")
def extended(tmp_path_factory) -> Path:
    """A copy of the catalog with the new items and rules added to version 2, by editing its YAML only."""
    root = tmp_path_factory.mktemp("catalog")
    shutil.copytree(PROJECT_ROOT / "checklists", root / "checklists")
    shutil.copytree(PROJECT_ROOT / "rules", root / "rules")
    checklist_path, rules_path = root / "checklists" / "papi-xa-v2.yaml", root / "rules" / "papi-xa-v2.yaml"
    checklist = yaml.safe_load(checklist_path.read_text(encoding="utf-8"))
    next(s for s in checklist["sections"] if s["code"] == "DT")["items"].extend(NEW_ITEMS)
    rules = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
    rules["rules"].extend(NEW_RULES)
    for path, data in ((checklist_path, checklist), (rules_path, rules)):
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def test_the_new_items_load_and_fixtures_answer_them(extended):
    catalog = load_catalog(extended)
    v2 = catalog.checklist_for("papi-xa", DAY)
    assert {"DT-06", "DT-07", "DT-08", "DT-09"} <= set(v2.items)
    answers = answers_on(catalog, DAY)
    assert (answers["DT-06"], answers["DT-07"], answers["DT-08"], answers["DT-09"]) == \
        (2, "2026-09-14", "day_du", 100.0)
    doc = {"checklist": "papi-xa", "inspection_date": DAY.isoformat(), "commune": {"code": "00004", "villages": 12},
           "answers": answers}
    evaluation = evaluate_input(parse_document(doc, catalog), catalog)
    assert evaluation.missing == ()
    assert [f.rule_id for f in evaluation.findings if f.code.startswith("DT-0")] == ["DT-06"]  # 2 < 4


def test_seed_demo_answers_items_it_has_no_tendency_for(db_app, extended):
    catalog = load_catalog(extended)
    with db_app.app_context():
        result = seed_demo(db.session, catalog, range(2026, 2027), 3, 122, as_of=dt.date(2026, 11, 30))
        assert result.inspections >= 3
        stored = dict(db.session.execute(
            select(Answer.item_code, Answer.value).join(Inspection)
            .where(Answer.item_code.in_(["DT-06", "DT-07", "DT-08", "DT-09"]))).all())
        assert set(stored) == {"DT-06", "DT-07", "DT-08", "DT-09"}


def test_sample_minutes_answer_an_item_added_to_the_version_they_use(extended, tmp_path):
    root = tmp_path / "v1"
    shutil.copytree(extended, root)
    path = root / "checklists" / "papi-xa-v1.yaml"
    checklist = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(s for s in checklist["sections"] if s["code"] == "DT")["items"].append(NEW_ITEMS[1])  # a date item
    path.write_text(yaml.safe_dump(checklist, allow_unicode=True, sort_keys=False), encoding="utf-8")
    minutes = sample_minutes(root)
    rows = [row for section in minutes.sections for row in section.rows]
    assert any(row.code == "DT-07" and row.answer == "14/09/2020" for row in rows), \
        [(r.code, r.answer) for r in rows if r.code.startswith("DT")]

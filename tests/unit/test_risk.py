"""Risk ranking by hand: small histories whose scores are worked out below, and the weights file's checks."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from inspect_app.domain.catalog import CatalogError, load_catalog
from inspect_app.domain.risk import CommuneHistory, RiskWeights, months_between, rank, score
from inspect_app.evaluation import PROJECT_ROOT

WEIGHTS = RiskWeights(score_gap=0.5, open_action=2, overdue_action=4, repeat_finding=3, month_since=1,
                      max_months=36, never_inspected=40)
TODAY = dt.date(2026, 10, 1)


def history(code, **values):
    base = {"name": f"Xã {code}", "area": "Cụm Ba Đình", "latest_date": None, "latest_score": None,
            "repeat_findings": 0, "open_actions": 0, "overdue_actions": 0}
    return CommuneHistory(code=code, **(base | values))


def test_each_part_is_a_count_times_its_weight_with_its_reason():
    # inspected 01/08/2025 (14 months), 62,5/80, 3 actions open of which 2 overdue, 1 repeat finding:
    # 14·1 + 17,5·0,5 + 2·4 + 3·2 + 1·3 = 14 + 8,75 + 8 + 6 + 3 = 39,75
    result = score(history("00001", latest_date=dt.date(2025, 8, 1), latest_score=62.5, open_actions=3,
                           overdue_actions=2, repeat_findings=1), WEIGHTS, TODAY)
    assert result.total == 39.75
    assert result.reasons == ("chưa kiểm tra 14 tháng, điểm lần gần nhất 62,5/80, 2 hành động quá hạn, "
                              "3 hành động chưa khắc phục xong, 1 phát hiện tái phạm")


def test_never_inspected_and_capped_months():
    assert score(history("00004"), WEIGHTS, TODAY).reasons == "chưa từng được kiểm tra"
    assert score(history("00004"), WEIGHTS, TODAY).total == 40
    long_ago = score(history("00006", latest_date=dt.date(2020, 9, 15), latest_score=80), WEIGHTS, TODAY)
    assert long_ago.total == 36  # 72 months, counted up to 36
    assert long_ago.reasons == "chưa kiểm tra 72 tháng"


def test_rank_orders_by_score_then_code():
    ranked = rank([history("00010", latest_date=dt.date(2026, 9, 1), latest_score=80),
                   history("00007"), history("00001"),
                   history("00008", latest_date=dt.date(2026, 3, 1), latest_score=70, open_actions=3,
                           overdue_actions=3)],
                  WEIGHTS, TODAY)
    assert [(s.history.code, s.total) for s in ranked] == [
        ("00001", 40), ("00007", 40), ("00008", 30), ("00010", 1)]  # 00008: 7 + 5 + 3·4 + 3·2; 00010: 1 month
    assert ranked[-1].reasons == "chưa kiểm tra 1 tháng"


def test_months_are_whole_months():
    assert months_between(dt.date(2026, 3, 14), dt.date(2026, 5, 13)) == 1
    assert months_between(dt.date(2026, 3, 14), dt.date(2026, 5, 14)) == 2
    assert months_between(dt.date(2026, 3, 14), dt.date(2026, 3, 1)) == 0


def test_the_project_weights_load_with_the_catalog():
    assert load_catalog(PROJECT_ROOT).risk == RiskWeights.from_file(PROJECT_ROOT / "rules" / "risk.yaml")


def test_bad_weights_are_refused_with_every_problem(tmp_path):
    shutil.copytree(PROJECT_ROOT / "checklists", tmp_path / "checklists")
    shutil.copytree(PROJECT_ROOT / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "risk.yaml"
    text = path.read_text(encoding="utf-8").replace("open_action: 2", "open_action: hai")
    text = text.replace("never_inspected: 40", "never_inspectd: 40").replace("max_months: 36", "max_months: 3.5")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as refused:
        load_catalog(tmp_path)
    problems = "\n".join(refused.value.problems)
    assert f"{path}: thiếu khóa never_inspected" in problems
    assert "khóa lạ never_inspectd" in problems
    assert "open_action: cần một số không âm (nhận được: 'hai')" in problems
    assert "max_months: cần một số nguyên" in problems

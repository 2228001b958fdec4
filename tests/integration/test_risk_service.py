"""Risk ranking on a small seeded history, worked out by hand, and "top N into the plan"."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.models import (DRAFT, FINALISED, FindingRecord, Inspection, PlannedInspection, RemediationAction,
                                Team, User)
from inspect_app.services import Forbidden, Invalid
from inspect_app.services import plans, risk
from inspect_app.services.units import commune_on

TODAY = dt.date(2026, 10, 1)


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def inspection(code, day, total, status=FINALISED, repeats=0, actions=()):
    """A stored inspection with `repeats` repeat findings and one remediation action per (deadline, status)."""
    unit = commune_on(db.session, code, day)
    row = Inspection(checklist_id="papi-xa", checklist_version=1, unit=unit, commune_code=code, commune_name=unit.name,
                     district_code=unit.parent.code, district_name=unit.parent.name, inspection_date=day, villages=5,
                     status=status, total_score=total, created_by_id=user("admin").id)
    db.session.add(row)
    db.session.flush()
    for position in range(max(repeats, len(actions))):
        finding = FindingRecord(position=position, rule_id=f"R{position}", code="TG-01", items=["TG-01"], kind="violation",
                                severity="major", repeat=position < repeats, title="t", legal_basis="l",
                                remediation="r", responsible="UBND")
        if position < len(actions):
            deadline, state = actions[position]
            finding.action = RemediationAction(inspection_id=row.id, commune_code=code, district_code=unit.parent.code,
                                               deadline=deadline, status=state)
        row.findings.append(finding)


@pytest.fixture
def history(db_app):
    with db_app.app_context():
        # Phường Ba Đình (00004): 62,5/80 on 01/08/2025 with 1 repeat finding, 2 actions overdue, 1 open in time,
        # 1 verified; an older, better inspection of the same code (Phường Trúc Bạch, 2020) no longer counts
        inspection("00004", dt.date(2020, 9, 15), 80)
        inspection("00004", dt.date(2025, 8, 1), 62.5, repeats=1, actions=[
            (dt.date(2025, 9, 30), "open"), (dt.date(2025, 9, 30), "submitted"), (dt.date(2026, 12, 31), "open"),
            (dt.date(2025, 9, 30), "verified")])
        # Phường Ngọc Hà (00008): full marks a month ago; a later draft does not count
        inspection("00008", dt.date(2026, 9, 1), 80)
        inspection("00008", dt.date(2026, 9, 20), None, status=DRAFT)
        # Phường Giảng Võ (00025): never inspected. Hoàn Kiếm (00070): outside the plan's scope
        db.session.commit()
        plan = plans.create_plan(db.session, user("admin"), {
            "number": "90/KH-SNV", "issued_on": "2026-08-20", "title": "Kiểm tra công tác cải thiện Chỉ số PAPI năm 2026",
            "period_start": "2026-09-01", "period_end": "2026-12-15", "scope": {"areas": ["001"]},
            "teams": [{"team_id": db.session.scalar(select(Team.id)), "decision_number": "31/QĐ-SNV",
                       "decision_date": "2026-08-25",
                       "members": [{"name": "Trần Thị Bình", "position": "Phó Giám đốc Sở", "role": "truong_doan"}]}]})
        yield plan.id


def test_the_ranking_matches_the_hand_computation(db_app, catalog, history):
    with db_app.app_context():
        _, scored, scheduled = risk.ranking_for_plan(db.session, user("admin"), history, catalog.risk, TODAY)
        # 00025: never inspected = 40
        # 00004: 14 months·1 + (80 − 62,5)·0,5 + 2 overdue·4 + 3 open·2 + 1 repeat·3 = 14 + 8,75 + 8 + 6 + 3 = 39,75
        # 00008: 1 month·1 = 1
        assert [(s.history.code, s.total) for s in scored] == [("00025", 40), ("00004", 39.75), ("00008", 1)]
        assert scored[1].reasons == ("chưa kiểm tra 14 tháng, điểm lần gần nhất 62,5/80, 2 hành động quá hạn, "
                                     "3 hành động chưa khắc phục xong, 1 phát hiện tái phạm")
        assert scored[0].reasons == "chưa từng được kiểm tra"
        assert scheduled == set()


def test_top_n_goes_into_the_plan_one_window_after_another(db_app, catalog, history):
    with db_app.app_context():
        added = risk.add_top(db.session, user("admin"), history, {"count": 2, "days": 2, "first_day": "2026-10-05",
                                                                   "kind": "dot_xuat"},
                             catalog.risk, TODAY, catalog.calendar)
        assert [(p.commune_code, p.window_start, p.window_end, p.kind) for p in added] == [
            ("00025", dt.date(2026, 10, 5), dt.date(2026, 10, 6), "dot_xuat"),
            ("00004", dt.date(2026, 10, 7), dt.date(2026, 10, 8), "dot_xuat")]
        # what is scheduled is not offered again; the team's next window follows its last one (Fri 9/10)
        [last] = risk.add_top(db.session, user("admin"), history, {"count": 5, "first_day": "2026-10-05"},
                              catalog.risk, TODAY, catalog.calendar)
        assert (last.commune_code, last.window_start, last.kind) == ("00008", dt.date(2026, 10, 9), "dinh_ky")
        with pytest.raises(Invalid):
            risk.add_top(db.session, user("admin"), history, {"count": 1, "first_day": "2026-10-05"},
                         catalog.risk, TODAY, catalog.calendar)
        assert db.session.query(PlannedInspection).count() == 3


def test_only_the_department_ranks(db_app, catalog, history):
    with db_app.app_context():
        with pytest.raises(Forbidden):
            risk.ranking_for_plan(db.session, user("district-badinh"), history, catalog.risk, TODAY)

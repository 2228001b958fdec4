"""Demo plans: one inspection plan a year over the demo inspections, with realistic progress.

Each year's plan (number "<n>/KH-SNV", report deadlines 31/10 and 15/11 as in 2020) schedules up to
PER_YEAR of that year's demo inspections for one team, one day each, and links them as started; two
more communes are cancelled with a reason and, in the latest year, a few windows before `as_of` were
never started (overdue), and any after it are still to come.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import CANCELLED, PLANNED, STARTED, InspectionPlan, PlannedInspection, PlanScope, PlanTeam, \
    PlanTeamMember, Team, User

PER_YEAR = 40
KINDS = ("dinh_ky", "dinh_ky", "dot_xuat", "dinh_ky", "tai_kiem_tra")
CANCEL_REASONS = ("UBND xã đề nghị lùi do trùng kỳ họp HĐND; chuyển sang đợt sau.",
                  "Đã được Thanh tra thành phố kiểm tra cùng nội dung trong năm.")


def _team(session: Session, actor: User) -> Team:
    team = actor.team or session.scalar(select(Team).order_by(Team.id))
    if team is None:
        team = Team(name="Đoàn kiểm tra của Sở Nội vụ (dữ liệu mẫu)")
        session.add(team)
    return team


def seed_plans(session: Session, planned: list[Any], actor: User, as_of: dt.date, seed: int) -> int:
    """One plan per year of `planned` (the demo seeder's inspections, already written); returns how many."""
    team = _team(session, actor)
    by_year: dict[int, list[Any]] = {}
    for p in planned:
        if p.replaces is None and not p.superseded and p.unit.parent is not None:
            by_year.setdefault(p.day.year, []).append(p)
    latest = max(by_year, default=None)
    for number, (year, rows) in enumerate(sorted(by_year.items()), start=101):
        rng = random.Random(f"{seed}|plan|{year}")
        days: dict[dt.date, Any] = {}
        for p in sorted(rows, key=lambda r: (r.day, r.unit.code)):
            days.setdefault(p.day, p)  # one team, one commune a day
        chosen = sorted(rng.sample(sorted(days), min(PER_YEAR, max(1, len(days) * 3 // 4))))  # some left unplanned
        first, last = min(r.day for r in rows), max(r.day for r in rows)
        round_end = dt.date(year, 11, 30)
        ends_early = any(r.unit.valid_to is not None and r.unit.valid_to < round_end for r in rows)  # a reform
        plan = InspectionPlan(
            number=f"{number}/KH-SNV", issued_on=first - dt.timedelta(days=20),
            title=f"Kiểm tra công tác cải thiện Chỉ số PAPI năm {year} (dữ liệu mẫu)",
            period_start=first, period_end=last if ends_early else max(last, round_end),
            unit_report_due=dt.date(year, 10, 31), department_report_due=dt.date(year, 11, 15), created_by_id=actor.id)
        plan.scope = [PlanScope(level="district", code=code)
                      for code in sorted({r.unit.parent.code for r in rows})]
        plan_team = PlanTeam(team=team, decision_number=f"{number - 100 + 20}/QĐ-SNV",
                             decision_date=first - dt.timedelta(days=15), members=[
                                 PlanTeamMember(position_index=0, user_id=actor.id, name=actor.full_name,
                                                position=actor.position or "Chuyên viên Sở Nội vụ", role="truong_doan")])
        plan.teams = [plan_team]
        for index, day in enumerate(chosen):
            p = days[day]
            plan.planned.append(PlannedInspection(
                plan_team=plan_team, commune_code=p.unit.code, commune_name=p.unit.name,
                district_code=p.unit.parent.code, district_name=p.unit.parent.name, window_start=day, window_end=day,
                kind=KINDS[index % len(KINDS)], status=STARTED, inspection_id=p.id))
        spare = [p for p in rows if p.day not in set(chosen)]
        for reason, p in zip(CANCEL_REASONS, rng.sample(spare, min(2, len(spare)))):
            plan.planned.append(PlannedInspection(
                plan_team=plan_team, commune_code=p.unit.code, commune_name=p.unit.name,
                district_code=p.unit.parent.code, district_name=p.unit.parent.name, window_start=p.day,
                window_end=p.day, kind="dinh_ky", status=CANCELLED, cancel_reason=reason))
        if year == latest:  # the year under way: some windows passed without a start, later ones still to come
            free = [d for d in (plan.period_start + dt.timedelta(days=n)
                                for n in range((plan.period_end - plan.period_start).days + 1))
                    if d not in days and d.weekday() < 5]
            late = [d for d in free if d < as_of][-3:]
            ahead = [d for d in free if d > as_of][:5]
            for day, p in zip(late + ahead, rng.sample(spare, min(len(spare), len(late + ahead)))):
                plan.planned.append(PlannedInspection(
                    plan_team=plan_team, commune_code=p.unit.code, commune_name=p.unit.name,
                    district_code=p.unit.parent.code, district_name=p.unit.parent.name, window_start=day,
                    window_end=day, kind="dot_xuat" if day > as_of else "dinh_ky", status=PLANNED))
        session.add(plan)
    session.flush()
    return len(by_year)

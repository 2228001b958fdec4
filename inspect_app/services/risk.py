"""Risk ranking data: each commune's history in three queries, scored by domain.risk.

History follows the commune code, as the rest of the app does (services.inspections.latest_finalised):
a commune merged in 2025 that kept an old code keeps that code's history.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from ..domain.plans import Calendar
from ..domain.risk import CommuneHistory, RiskScore, RiskWeights, rank
from ..models import CANCELLED, FINALISED, AdminUnit, FindingRecord, Inspection, InspectionPlan, RemediationAction, User
from . import Invalid
from .plans import add_planned, date_field, get_plan, require_planner
from .remediation import OPEN, SUBMITTED
from .units import in_force

MAX_TOP = 200


def histories(session: Session, today: dt.date) -> list[CommuneHistory]:
    """Every commune in force today with its latest finalised inspection and its open remediation."""
    area = aliased(AdminUnit)
    communes = session.execute(
        select(AdminUnit.code, AdminUnit.name, area.name).outerjoin(area, AdminUnit.parent_id == area.id)
        .where(AdminUnit.level == "commune", *in_force(today)).order_by(AdminUnit.code)).all()
    numbered = select(Inspection.id, Inspection.commune_code, Inspection.inspection_date, Inspection.total_score,
                      func.row_number().over(partition_by=Inspection.commune_code,
                                             order_by=(Inspection.inspection_date.desc(), Inspection.id.desc()))
                      .label("n")).where(Inspection.status == FINALISED,
                                         Inspection.inspection_date <= today).subquery()
    repeats = (select(func.count(FindingRecord.id)).where(FindingRecord.inspection_id == numbered.c.id,
                                                          FindingRecord.repeat.is_(True)).scalar_subquery())
    latest = {code: (day, total, repeat) for code, day, total, repeat in session.execute(
        select(numbered.c.commune_code, numbered.c.inspection_date, numbered.c.total_score, repeats)
        .where(numbered.c.n == 1))}
    actions = {code: (open_count, overdue or 0) for code, open_count, overdue in session.execute(
        select(RemediationAction.commune_code, func.count(RemediationAction.id),
               func.sum(case((RemediationAction.deadline < today, 1), else_=0)))
        .join(Inspection, Inspection.id == RemediationAction.inspection_id)
        .where(RemediationAction.status.in_((OPEN, SUBMITTED)), Inspection.inspection_date <= today)
        .group_by(RemediationAction.commune_code))}
    result = []
    for code, name, area_name in communes:
        day, total, repeat = latest.get(code, (None, None, 0))
        open_count, overdue = actions.get(code, (0, 0))
        result.append(CommuneHistory(code, name, area_name, day, total, repeat, open_count, overdue))
    return result


def in_plan_scope(plan: InspectionPlan, history_codes: dict[str, str | None], code: str) -> bool:
    """The commune (or the area it belongs to on the plan's first day) is in the plan's scope."""
    return any((s.level == "commune" and s.code == code) or (s.level == "district" and s.code == history_codes.get(code))
               for s in plan.scope)


def ranking_for_plan(session: Session, actor: User, plan_id: int, weights: RiskWeights,
                     today: dt.date) -> tuple[InspectionPlan, list[RiskScore], set[str]]:
    """The plan's communes ranked by risk, and the codes already scheduled in it (not cancelled)."""
    require_planner(actor)
    plan = get_plan(session, actor, plan_id)
    parent = aliased(AdminUnit)
    area_of = dict(session.execute(
        select(AdminUnit.code, parent.code).outerjoin(parent, AdminUnit.parent_id == parent.id)
        .where(AdminUnit.level == "commune", *in_force(plan.period_start))).all())
    scored = [s for s in rank(histories(session, today), weights, today)
              if in_plan_scope(plan, area_of, s.history.code)]
    scheduled = {p.commune_code for p in plan.planned if p.status != CANCELLED}
    return plan, scored, scheduled


def add_top(session: Session, actor: User, plan_id: int, data: Any, weights: RiskWeights, today: dt.date,
            calendar: Calendar):
    """Put the N riskiest communes not yet scheduled into the plan, spread over its teams.

    Each team takes the next commune when it is next free: windows of `days` working days, one after
    another from `first_day`, after whatever the team already has. add_planned then checks and saves
    them all or none, so the period and the scope are checked as for any other scheduling.
    """
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", errors={"body": "cần một đối tượng JSON"})
    errors: dict[str, str] = {}
    count, days = data.get("count"), data.get("days", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_TOP:
        errors["count"] = f"số xã cần là số nguyên từ 1 đến {MAX_TOP}"
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 20:
        errors["days"] = "số ngày làm việc cho mỗi xã cần là số nguyên từ 1 đến 20"
    first = date_field(data, "first_day", errors)
    kind = data.get("kind", "dinh_ky")
    if errors:
        raise Invalid("Chưa xếp được lịch.", errors=errors)
    plan, scored, scheduled = ranking_for_plan(session, actor, plan_id, weights, today)
    chosen = [s for s in scored if s.history.code not in scheduled][:count]
    free = {}
    for team in plan.teams:
        ends = [p.window_end for p in plan.planned if p.plan_team_id == team.id and p.status != CANCELLED]
        free[team.team_id] = max([first - dt.timedelta(days=1), *ends])
    entries = []
    for choice in chosen:
        team_id = min(free, key=lambda t: (free[t], t))
        start = calendar.add_working_days(free[team_id], 1)
        end = calendar.add_working_days(start, days - 1) if days > 1 else start
        free[team_id] = end
        entries.append({"commune_code": choice.history.code, "team_id": team_id, "kind": kind,
                        "window_start": start.isoformat(), "window_end": end.isoformat()})
    if not entries:
        raise Invalid("Không còn xã nào trong phạm vi kế hoạch để xếp lịch.", errors={"count": "không còn xã nào"})
    return add_planned(session, actor, plan.id, entries)

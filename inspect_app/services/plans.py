"""Inspection plans: the department drafts a plan, forms its teams, schedules communes; teams start them.

Only the department (admin accounts) drafts and changes plans. Every change is one transaction
validated as a whole, so a refused request leaves nothing half-saved; moves and cancellations
carry a reason into the audit trail.

Secrecy (Kế hoạch 122 favours surprise inspections): a planned đột xuất inspection that has not
started is seen only by administrators and the members of the plan's teams; not by the commune,
not by the area's staff, not by other inspectors. Once started it is an ordinary inspection.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session, selectinload

from ..domain.checklists import AnswerError, parse_iso_date
from ..domain.plans import Calendar, overlaps, working_days_late
from ..models import (CANCELLED, FINALISED, PLANNED, PLANNED_KINDS, STARTED, InspectionPlan, PlannedInspection,
                      PlanScope, PlanTeam, PlanTeamMember, Team, User)
from . import MAX_ID, Conflict, Forbidden, Invalid, NotFound
from .audit import record
from .transactions import transaction
from .units import commune_on, communes_on, districts_on

SECRET_KIND = "dot_xuat"
MAX_REASON = 1000
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a plan's dates; beyond them a typo, and the calendar has no years there


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def date_field(data: dict, field: str, errors: dict[str, str], prefix: str = "", required: bool = True) -> dt.date | None:
    value = data.get(field)
    if value in (None, "") and not required:
        return None
    try:
        day = parse_iso_date(value)
    except AnswerError as error:
        errors[prefix + field] = str(error)
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors[prefix + field] = f"ngày phải trong các năm {FIRST_YEAR}–{LAST_YEAR}"
        return None
    return day


def _row_id(value: Any) -> int | None:
    """An id from a JSON body that can name a row: an integer 1 to MAX_ID (larger ones overflow PostgreSQL)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID else None


def require_planner(actor: User) -> None:
    if actor.role != "admin" or not actor.active:
        raise Forbidden("Chỉ tài khoản Sở Nội vụ (quản trị) mới lập và sửa kế hoạch kiểm tra.")


# --- who sees what ---------------------------------------------------------------------------------

def plan_team_ids_of(session: Session, user: User) -> set[int]:
    """The plan teams this user belongs to: by the account's team, or named as a member in the decision."""
    query = select(PlanTeam.id).outerjoin(PlanTeamMember).where(or_(
        PlanTeamMember.user_id == user.id, PlanTeam.team_id == user.team_id if user.team_id else false()))
    return set(session.scalars(query))


def can_see_planned(user: User, planned: PlannedInspection, my_plan_teams: set[int]) -> bool:
    """Whether `user` may see this planned inspection (`my_plan_teams` from plan_team_ids_of)."""
    if user.role == "admin":
        return True
    in_plan = bool(my_plan_teams & {team.id for team in planned.plan.teams})
    if in_plan:
        return True
    if planned.kind == SECRET_KIND and planned.status != STARTED:
        return False
    if user.role == "district":
        return planned.district_code is not None and planned.district_code == user.district_code
    if user.role == "commune":
        return planned.commune_code == user.commune_code and planned.status != CANCELLED
    return False


def get_plan(session: Session, actor: User, plan_id: int) -> InspectionPlan:
    """A plan any signed-in staff account may open; what it lists is filtered by visible_planned."""
    plan = session.get(InspectionPlan, plan_id) if 1 <= plan_id <= MAX_ID else None
    if plan is None:
        raise NotFound("Không có kế hoạch kiểm tra này.")
    if actor.role == "commune":
        raise Forbidden("Tài khoản cấp xã không xem kế hoạch kiểm tra của Sở.")
    return plan


def visible_planned(session: Session, actor: User, plan: InspectionPlan) -> list[PlannedInspection]:
    mine = plan_team_ids_of(session, actor)
    return [p for p in plan.planned if can_see_planned(actor, p, mine)]


def get_planned(session: Session, actor: User, planned_id: int) -> PlannedInspection:
    """A planned inspection, or 404 (not 403) when it is hidden: a secret one must not be confirmed to exist."""
    planned = session.get(PlannedInspection, planned_id) if 1 <= planned_id <= MAX_ID else None
    if planned is None or not can_see_planned(actor, planned, plan_team_ids_of(session, actor)):
        raise NotFound("Không có lượt kiểm tra theo kế hoạch này.")
    return planned


def list_plans(session: Session, actor: User) -> list[InspectionPlan]:
    if actor.role == "commune":
        raise Forbidden("Tài khoản cấp xã không xem kế hoạch kiểm tra của Sở.")
    return list(session.scalars(select(InspectionPlan).order_by(InspectionPlan.period_start.desc(),
                                                                InspectionPlan.id.desc())))


# --- drafting a plan -------------------------------------------------------------------------------

def _members(raw: Any, prefix: str, session: Session, errors: dict[str, str]) -> list[PlanTeamMember]:
    from .inspections import _people, team_head_problem  # inspections imports this module

    people = _people(raw, prefix + "members", errors, with_role=True)
    if prefix + "members" not in errors and not people:
        errors[prefix + "members"] = "đoàn cần ít nhất một thành viên"
    elif prefix + "members" not in errors and (problem := team_head_problem(people)):
        errors[prefix + "members"] = problem
    members = []
    for index, person in enumerate(people):
        user_id = raw[index].get("user_id") if isinstance(raw[index], dict) else None
        if user_id is not None and (_row_id(user_id) is None or session.get(User, user_id) is None):
            errors[f"{prefix}members[{index}].user_id"] = "không có tài khoản này"
            user_id = None
        members.append(PlanTeamMember(position_index=index, user_id=user_id, **person))
    return members


def _teams(raw: Any, session: Session, errors: dict[str, str]) -> list[PlanTeam]:
    if not isinstance(raw, list) or not raw:
        errors["teams"] = "kế hoạch cần ít nhất một đoàn kiểm tra"
        return []
    teams, seen = [], set()
    for index, entry in enumerate(raw):
        prefix = f"teams[{index}]."
        if not isinstance(entry, dict):
            errors[f"teams[{index}]"] = "cần {team_id, decision_number, decision_date, members}"
            continue
        team_id = entry.get("team_id")
        team = session.get(Team, team_id) if _row_id(team_id) is not None else None
        if team is None:
            errors[prefix + "team_id"] = "không có đoàn kiểm tra này"
        elif team.id in seen:
            errors[prefix + "team_id"] = "đoàn này đã có trong kế hoạch"
        else:
            seen.add(team.id)
        number = _text(entry.get("decision_number"))
        if not number or len(number) > 40:
            errors[prefix + "decision_number"] = "thiếu số quyết định thành lập đoàn (tối đa 40 ký tự)"
        day = date_field(entry, "decision_date", errors, prefix)
        members = _members(entry.get("members"), prefix, session, errors)
        teams.append(PlanTeam(team=team, decision_number=number, decision_date=day, members=members))
    return teams


def _scope(raw: Any, session: Session, on: dt.date | None, errors: dict[str, str]) -> list[PlanScope]:
    """Communes and areas as they are on the plan's first day (codes are reused across reforms)."""
    if not isinstance(raw, dict):
        errors["scope"] = "cần {communes: [...], areas: [...]}"
        return []
    scope = []
    for field, level in (("communes", "commune"), ("areas", "district")):
        codes = raw.get(field) or []
        if not isinstance(codes, list) or not all(isinstance(c, str) and c.isdigit() and len(c) <= 10
                                                  for c in codes):
            errors[f"scope.{field}"] = "cần một danh sách mã"
            continue
        scope.extend(PlanScope(level=level, code=code) for code in dict.fromkeys(codes))
    if not scope and "scope.communes" not in errors and "scope.areas" not in errors:
        errors["scope"] = "kế hoạch cần phạm vi: ít nhất một xã, phường hoặc một địa bàn"
    if on is not None:
        communes = {u.code for u in communes_on(session, on)}
        areas = {u.code for u in districts_on(session, on)}
        for item in scope:
            known = communes if item.level == "commune" else areas
            if item.code not in known:
                field = "scope.communes" if item.level == "commune" else "scope.areas"
                errors[field] = f"không có {'xã, phường' if item.level == 'commune' else 'địa bàn'} mã {item.code} vào ngày {on:%d/%m/%Y}"
    return scope


@transaction
def create_plan(session: Session, actor: User, data: Any) -> InspectionPlan:
    """Create a plan with its scope and teams; planned inspections are added afterwards (add_planned)."""
    require_planner(actor)
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", errors={"body": "cần một đối tượng JSON"})
    errors: dict[str, str] = {}
    number = _text(data.get("number"))
    if not number or len(number) > 40:
        errors["number"] = "thiếu số kế hoạch (tối đa 40 ký tự)"
    elif session.scalar(select(InspectionPlan.id).where(InspectionPlan.number == number)) is not None:
        errors["number"] = f"đã có kế hoạch số {number}"
    title = _text(data.get("title"))
    if not title or len(title) > 300:
        errors["title"] = "thiếu trích yếu kế hoạch (tối đa 300 ký tự)"
    issued = date_field(data, "issued_on", errors)
    start, end = date_field(data, "period_start", errors), date_field(data, "period_end", errors)
    if start and end and end < start:
        errors["period_end"] = "ngày kết thúc phải sau ngày bắt đầu"
    unit_due = date_field(data, "unit_report_due", errors, required=False)
    department_due = date_field(data, "department_report_due", errors, required=False)
    if unit_due and department_due and department_due < unit_due:
        errors["department_report_due"] = "hạn báo cáo của Sở phải sau hạn báo cáo của các xã"
    scope = _scope(data.get("scope"), session, start, errors)
    teams = _teams(data.get("teams"), session, errors)
    if errors:
        raise Invalid("Thông tin kế hoạch kiểm tra chưa hợp lệ.", errors=errors)
    plan = InspectionPlan(number=number, issued_on=issued, title=title, period_start=start, period_end=end,
                          unit_report_due=unit_due, department_report_due=department_due,
                          created_by_id=actor.id, scope=scope, teams=teams)
    session.add(plan)
    session.flush()
    record(session, actor, "create_plan", "inspection_plan", plan.id, number=number,
           period=[start.isoformat(), end.isoformat()], teams=[t.team_id for t in teams])
    session.commit()
    return plan


# --- scheduling communes ---------------------------------------------------------------------------

def _in_scope(plan: InspectionPlan, commune_code: str, area_code: str | None) -> bool:
    return any((s.level == "commune" and s.code == commune_code) or (s.level == "district" and s.code == area_code)
               for s in plan.scope)


def _check_window(plan: InspectionPlan, start: dt.date | None, end: dt.date | None, prefix: str,
                  errors: dict[str, str]) -> None:
    if start and end and end < start:
        errors[prefix + "window_end"] = "ngày cuối của khoảng thời gian phải sau ngày đầu"
    for field, day in (("window_start", start), ("window_end", end)):
        if day and not plan.period_start <= day <= plan.period_end:
            errors[prefix + field] = (f"ngày {day:%d/%m/%Y} nằm ngoài thời gian của kế hoạch "
                                      f"({plan.period_start:%d/%m/%Y}–{plan.period_end:%d/%m/%Y})")


def _check_overlaps(plan: InspectionPlan, rows: list[tuple[str, PlannedInspection]], errors: dict[str, str],
                    moving: PlannedInspection | None = None) -> None:
    """One team is in one commune at a time: its windows in the plan may not share a day."""
    booked = [p for p in plan.planned if p.status != CANCELLED and p is not moving]
    for index, (prefix, new) in enumerate(rows):
        others = booked + [other for _, other in rows[:index]]
        clash = next((o for o in others if o.plan_team is new.plan_team
                      and overlaps((o.window_start, o.window_end), (new.window_start, new.window_end))), None)
        if clash is not None:
            errors[prefix + "window_start"] = (
                f"{new.plan_team.team.name} đã có lịch kiểm tra {clash.commune_name} từ "
                f"{clash.window_start:%d/%m/%Y} đến {clash.window_end:%d/%m/%Y}; hai khoảng thời gian không được trùng nhau")


def _plan_team(plan: InspectionPlan, team_id: Any) -> PlanTeam | None:
    return next((t for t in plan.teams if t.team_id == team_id), None)


def _planned_row(session: Session, plan: InspectionPlan, entry: Any, prefix: str,
                 errors: dict[str, str]) -> PlannedInspection | None:
    if not isinstance(entry, dict):
        errors[prefix.rstrip(".") or "body"] = "cần {commune_code, team_id, window_start, window_end, kind}"
        return None
    plan_team = _plan_team(plan, entry.get("team_id"))
    if plan_team is None:
        errors[prefix + "team_id"] = "đoàn này không có trong kế hoạch"
    kind = entry.get("kind")
    if kind not in PLANNED_KINDS:
        errors[prefix + "kind"] = "loại kiểm tra phải là dinh_ky (định kỳ), dot_xuat (đột xuất) hoặc tai_kiem_tra (tái kiểm tra)"
    start, end = date_field(entry, "window_start", errors, prefix), date_field(entry, "window_end", errors, prefix)
    _check_window(plan, start, end, prefix, errors)
    code, unit = entry.get("commune_code"), None
    if not isinstance(code, str) or not code.isdigit():
        errors[prefix + "commune_code"] = "thiếu mã xã"
    elif start:
        unit = commune_on(session, code, start)
        area = unit.parent if unit is not None else None
        if unit is None:
            errors[prefix + "commune_code"] = f"không có xã mã {code} vào ngày {start:%d/%m/%Y}"
        elif not _in_scope(plan, code, area.code if area else None):
            errors[prefix + "commune_code"] = f"{unit.name} không thuộc phạm vi của kế hoạch {plan.number}"
    if any(key.startswith(prefix) for key in errors) or unit is None:
        return None
    return PlannedInspection(plan_team=plan_team, commune_code=unit.code, commune_name=unit.name,
                             district_code=unit.parent.code if unit.parent else None,
                             district_name=unit.parent.name if unit.parent else None,
                             window_start=start, window_end=end, kind=kind, status=PLANNED)


@transaction
def add_planned(session: Session, actor: User, plan_id: int, entries: Any) -> list[PlannedInspection]:
    """Schedule communes in a plan, all or none: errors are keyed `items[i].field`."""
    require_planner(actor)
    plan = get_plan(session, actor, plan_id)
    if not isinstance(entries, list) or not entries:
        raise Invalid("Dữ liệu không hợp lệ.", errors={"items": "cần một danh sách lượt kiểm tra"})
    errors: dict[str, str] = {}
    rows = [(f"items[{i}].", _planned_row(session, plan, entry, f"items[{i}].", errors))
            for i, entry in enumerate(entries)]
    rows = [(prefix, row) for prefix, row in rows if row is not None]
    _check_overlaps(plan, rows, errors)
    if errors:
        raise Invalid("Lịch kiểm tra chưa hợp lệ; chưa lưu lượt nào.", errors=errors)
    added = [row for _, row in rows]
    plan.planned.extend(added)
    session.flush()
    for row in added:
        record(session, actor, "schedule", "planned_inspection", row.id, plan=plan.number, commune=row.commune_code,
               team=row.plan_team.team_id, kind=row.kind,
               window=[row.window_start.isoformat(), row.window_end.isoformat()])
    session.commit()
    return added


def _reason(value: Any) -> str:
    reason = _text(value)
    if not reason or len(reason) > MAX_REASON:
        raise Invalid("Cần nêu lý do.", errors={"reason": f"cần lý do (tối đa {MAX_REASON} ký tự)"})
    return reason


def _changeable(session: Session, actor: User, planned_id: int) -> PlannedInspection:
    require_planner(actor)
    planned = get_planned(session, actor, planned_id)
    if planned.status != PLANNED:
        raise Conflict("Lượt kiểm tra này đã bắt đầu hoặc đã hủy; không dời, không hủy được nữa.")
    return planned


@transaction
def move_planned(session: Session, actor: User, planned_id: int, data: Any) -> PlannedInspection:
    """Move a planned inspection to another window (and optionally another team of the plan), with a reason."""
    planned = _changeable(session, actor, planned_id)
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu không hợp lệ.", errors={"body": "cần một đối tượng JSON"})
    reason = _reason(data.get("reason"))
    errors: dict[str, str] = {}
    start, end = date_field(data, "window_start", errors), date_field(data, "window_end", errors)
    _check_window(planned.plan, start, end, "", errors)
    team = planned.plan_team
    if data.get("team_id") is not None:
        team = _plan_team(planned.plan, data.get("team_id"))
        if team is None:
            errors["team_id"] = "đoàn này không có trong kế hoạch"
    if errors:
        raise Invalid("Khoảng thời gian mới chưa hợp lệ.", errors=errors)
    moved = PlannedInspection(plan_team=team, commune_name=planned.commune_name, window_start=start, window_end=end)
    _check_overlaps(planned.plan, [("", moved)], errors, moving=planned)
    if errors:
        raise Invalid("Khoảng thời gian mới chưa hợp lệ.", errors=errors)
    record(session, actor, "move", "planned_inspection", planned.id, reason=reason,
           window={"from": [planned.window_start.isoformat(), planned.window_end.isoformat()],
                   "to": [start.isoformat(), end.isoformat()]},
           team={"from": planned.plan_team.team_id, "to": team.team_id})
    planned.window_start, planned.window_end, planned.plan_team = start, end, team
    session.commit()
    return planned


@transaction
def cancel_planned(session: Session, actor: User, planned_id: int, data: Any) -> PlannedInspection:
    planned = _changeable(session, actor, planned_id)
    reason = _reason(data.get("reason") if isinstance(data, dict) else None)
    planned.status, planned.cancel_reason = CANCELLED, reason
    record(session, actor, "cancel", "planned_inspection", planned.id, reason=reason, commune=planned.commune_code)
    session.commit()
    return planned


# --- starting one: what the new inspection inherits -----------------------------------------------

PLANNED_KEY = "planned_inspection_id"


def plan_reference(planned: PlannedInspection) -> str:
    """What the minutes' opening cites ("Căn cứ …"): the plan and the decision forming the team."""
    plan, team = planned.plan, planned.plan_team
    return (f"Kế hoạch số {plan.number} ngày {plan.issued_on:%d/%m/%Y} của Sở Nội vụ thành phố Hà Nội "
            f"về {plan.title[0].lower() + plan.title[1:]}; Quyết định số {team.decision_number} ngày "
            f"{team.decision_date:%d/%m/%Y} của Giám đốc Sở Nội vụ về việc thành lập {team.team.name}")


def start_defaults(planned: PlannedInspection) -> dict[str, Any]:
    """The new inspection's commune, team members and citation, taken from the plan."""
    return {"commune_code": planned.commune_code, "plan_reference": plan_reference(planned),
            "team": [{"name": m.name, "position": m.position, "role": m.role} for m in planned.plan_team.members]}


def planned_to_start(session: Session, actor: User, planned_id: Any) -> PlannedInspection:
    """The planned inspection a new inspection starts from: visible to the actor and not yet started."""
    if not isinstance(planned_id, int) or isinstance(planned_id, bool):
        raise Invalid("Dữ liệu không hợp lệ.", errors={PLANNED_KEY: "cần mã số lượt kiểm tra theo kế hoạch"})
    planned = get_planned(session, actor, planned_id)
    if actor.role != "admin" and not plan_team_ids_of(session, actor) & {t.id for t in planned.plan.teams}:
        raise Forbidden("Chỉ thành viên các đoàn của kế hoạch mới bắt đầu lượt kiểm tra này.")
    if planned.status != PLANNED:
        raise Conflict("Lượt kiểm tra theo kế hoạch này đã bắt đầu hoặc đã hủy.")
    return planned


def mark_started(session: Session, actor: User, planned: PlannedInspection, inspection) -> None:
    """Link the new inspection (same transaction as its creation) and record it."""
    planned.status, planned.inspection = STARTED, inspection
    record(session, actor, "start", "planned_inspection", planned.id, inspection=inspection.id)


# --- progress and the inspector's schedule ---------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    planned: int = 0
    started: int = 0
    finalised: int = 0
    overdue: int = 0
    cancelled: int = 0


def state(planned: PlannedInspection, today: dt.date, calendar: Calendar) -> str:
    """planned | overdue | started | finalised | cancelled, the words of the progress counts."""
    if planned.status == CANCELLED:
        return "cancelled"
    if planned.status == STARTED:
        return "finalised" if planned.inspection is not None and planned.inspection.status == FINALISED else "started"
    return "overdue" if working_days_late(planned.window_end, today, calendar) > 0 else "planned"


def progress(rows: list[PlannedInspection], today: dt.date, calendar: Calendar, key) -> dict[str, Progress]:
    """Counts by state per key (team name, area name): a cancelled one counts only as cancelled."""
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        bucket = counts.setdefault(key(row), {})
        name = state(row, today, calendar)
        bucket[name] = bucket.get(name, 0) + 1
    return {k: Progress(**v) for k, v in sorted(counts.items())}


def my_schedule(session: Session, actor: User, today: dt.date, calendar: Calendar,
                days: int = 7) -> list[tuple[PlannedInspection, int]]:
    """The actor's teams' planned inspections not yet started whose window has begun or begins within
    `days`, each with its working days late; the latest first."""
    mine = plan_team_ids_of(session, actor)
    if not mine:
        return []
    rows = session.scalars(select(PlannedInspection).options(selectinload(PlannedInspection.plan))
                           .where(PlannedInspection.plan_team_id.in_(sorted(mine)),
                                  PlannedInspection.status == PLANNED,
                                  PlannedInspection.window_start <= today + dt.timedelta(days=days))
                           .order_by(PlannedInspection.window_end, PlannedInspection.id))
    return [(row, working_days_late(row.window_end, today, calendar)) for row in rows]


@dataclass(frozen=True)
class PlanOverview:
    """What the plan page shows to one user: the rows they may see, each with its state, and the counts."""

    plan: InspectionPlan
    rows: list[tuple[PlannedInspection, str, int]]  # (planned, state, working days late if overdue, else 0)
    by_team: dict[str, Progress]
    by_area: dict[str, Progress]
    total: Progress


def overview(session: Session, actor: User, plan_id: int, today: dt.date, calendar: Calendar) -> PlanOverview:
    plan = get_plan(session, actor, plan_id)
    visible = visible_planned(session, actor, plan)
    states = [state(p, today, calendar) for p in visible]
    rows = [(p, name, working_days_late(p.window_end, today, calendar) if name == "overdue" else 0)
            for p, name in zip(visible, states)]
    by_team = progress(visible, today, calendar, key=lambda p: p.plan_team.team.name)
    by_area = progress(visible, today, calendar, key=lambda p: p.district_name or "Trực thuộc thành phố")
    total = progress(visible, today, calendar, key=lambda p: "").get("", Progress())
    return PlanOverview(plan, rows, by_team, by_area, total)

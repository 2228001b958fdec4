"""The plans' JSON API under /api/v1/plans, with the conventions of web/api.py: a JSON body checked by
the services, CSRF on every mutation, errors as {"error": …, "errors": {field: message}}.

Documented in web/openapi_plans.py, merged into /api/v1/openapi.json.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, url_for
from flask_login import login_required

from ..domain.checklists import today_in_vietnam
from ..domain.plans import working_days_late
from ..domain.risk import RiskScore
from ..extensions import db
from ..models import InspectionPlan, PlannedInspection
from ..services import Forbidden, plans, risk
from .api import _actor, _iso, _json_object
from . import current_catalog

blueprint = Blueprint("plans_api", __name__)


def _calendar():
    return current_catalog().calendar


def _summary(plan: InspectionPlan) -> dict[str, Any]:
    return {"id": plan.id, "number": plan.number, "issued_on": _iso(plan.issued_on), "title": plan.title,
            "period_start": _iso(plan.period_start), "period_end": _iso(plan.period_end),
            "unit_report_due": _iso(plan.unit_report_due), "department_report_due": _iso(plan.department_report_due)}


def _planned(planned: PlannedInspection, state: str | None = None, late: int | None = None) -> dict[str, Any]:
    today = today_in_vietnam()
    state = state or plans.state(planned, today, _calendar())
    if late is None:
        late = working_days_late(planned.window_end, today, _calendar()) if state == "overdue" else 0
    return {"id": planned.id, "plan_id": planned.plan_id, "commune_code": planned.commune_code,
            "commune_name": planned.commune_name, "district_code": planned.district_code,
            "district_name": planned.district_name, "team_id": planned.plan_team.team_id,
            "team_name": planned.plan_team.team.name, "kind": planned.kind,
            "window_start": _iso(planned.window_start), "window_end": _iso(planned.window_end),
            "status": planned.status, "state": state, "working_days_late": late,
            "inspection_id": planned.inspection_id, "cancel_reason": planned.cancel_reason}


def _progress(progress: plans.Progress) -> dict[str, int]:
    return {"planned": progress.planned, "started": progress.started, "finalised": progress.finalised,
            "overdue": progress.overdue, "cancelled": progress.cancelled}


def _detail(actor, plan_id: int) -> dict[str, Any]:
    view = plans.overview(db.session, actor, plan_id, today_in_vietnam(), _calendar())
    plan = view.plan
    return _summary(plan) | {
        "scope": [{"level": s.level, "code": s.code} for s in plan.scope],
        "teams": [{"team_id": t.team_id, "team_name": t.team.name, "decision_number": t.decision_number,
                   "decision_date": _iso(t.decision_date),
                   "members": [{"name": m.name, "position": m.position, "role": m.role, "user_id": m.user_id}
                               for m in t.members]} for t in plan.teams],
        "planned": [_planned(p, state, late) for p, state, late in view.rows],
        "progress": {"total": _progress(view.total),
                     "by_team": {name: _progress(p) for name, p in view.by_team.items()},
                     "by_area": {name: _progress(p) for name, p in view.by_area.items()}},
    }


def _risk(score: RiskScore, scheduled: set[str]) -> dict[str, Any]:
    h = score.history
    return {"commune_code": h.code, "commune_name": h.name, "area": h.area, "score": score.total,
            "reasons": score.reasons, "parts": [{"label": p.label, "points": p.points} for p in score.parts],
            "last_inspection_date": _iso(h.latest_date), "scheduled": h.code in scheduled}


@blueprint.get("")
@login_required
def list_plans():
    return jsonify({"plans": [_summary(p) for p in plans.list_plans(db.session, _actor())]})


@blueprint.post("")
@login_required
def create_plan():
    plan = plans.create_plan(db.session, _actor(), _json_object())
    return jsonify(_detail(_actor(), plan.id)), 201, {"Location": url_for(".get_plan", plan_id=plan.id)}


@blueprint.get("/<int:plan_id>")
@login_required
def get_plan(plan_id: int):
    """The plan with the planned inspections this user may see, their states and the progress counts."""
    return jsonify(_detail(_actor(), plan_id))


@blueprint.post("/<int:plan_id>/planned")
@login_required
def add_planned(plan_id: int):
    added = plans.add_planned(db.session, _actor(), plan_id, _json_object().get("items"))
    return jsonify({"planned": [_planned(p) for p in added]}), 201


@blueprint.get("/<int:plan_id>/ranking")
@login_required
def ranking(plan_id: int):
    today = today_in_vietnam()
    _, scored, scheduled = risk.ranking_for_plan(db.session, _actor(), plan_id, current_catalog().risk,
                                                 today)
    return jsonify({"as_of": _iso(today), "communes": [_risk(s, scheduled) for s in scored]})


@blueprint.post("/<int:plan_id>/top")
@login_required
def add_top(plan_id: int):
    catalog = current_catalog()
    added = risk.add_top(db.session, _actor(), plan_id, _json_object(), catalog.risk, today_in_vietnam(),
                         catalog.calendar)
    return jsonify({"planned": [_planned(p) for p in added]}), 201


@blueprint.post("/planned/<int:planned_id>/move")
@login_required
def move(planned_id: int):
    return jsonify(_planned(plans.move_planned(db.session, _actor(), planned_id, _json_object())))


@blueprint.post("/planned/<int:planned_id>/cancel")
@login_required
def cancel(planned_id: int):
    return jsonify(_planned(plans.cancel_planned(db.session, _actor(), planned_id, _json_object())))


@blueprint.get("/schedule")
@login_required
def schedule():
    """Lịch kiểm tra của tôi: the user's teams' planned inspections not yet started, up to a week ahead."""
    actor, today = _actor(), today_in_vietnam()
    if actor.role == "commune":
        raise Forbidden("Tài khoản cấp xã không có lịch kiểm tra.")
    rows = plans.my_schedule(db.session, actor, today, _calendar())
    return jsonify({"as_of": _iso(today), "planned": [_planned(p, None, late) for p, late in rows]})

"""Plan pages: the list, drafting a plan, the plan page (progress, schedule, risk ranking), its Excel and
PDF, moving and cancelling, starting a planned inspection, and the inspector's "Lịch kiểm tra của tôi".

Views stay thin: who may do and see what, validation and transactions live in services.plans and
services.risk. A refusal on a form comes back as the page with the message (422), never half-saved.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from ..domain.checklists import today_in_vietnam
from ..domain.plans import month_weeks, week_of
from ..domain.vn_format import parse_vn_date
from ..extensions import db
from ..models import MEMBER_ROLES, PLANNED_KINDS, Team, User, utcnow
from ..services import Conflict, Forbidden, Invalid
from ..services import plan_documents, plans, risk
from ..services.units import districts_on
from .api import _actor
from .inspection_forms import new_client_id
from .inspections import submit_inspection_form
from .plan_forms import AddForm, CancelForm, MoveForm, PlanForm, StartForm, TopForm
from . import current_catalog

blueprint = Blueprint("plans", __name__)

RANKING_ROWS = 100  # rows of the ranking shown; the top-N action sees them all
NOT_STORED = {"Cache-Control": "no-store"}  # a plan may list surprise inspections: never kept in a cache
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _capitalised(message: str) -> str:
    return message[:1].upper() + message[1:]


@blueprint.get("/plans")
@login_required
def index():
    return render_template("plans/index.html", plans=plans.list_plans(db.session, _actor()),
                           can_draft=_actor().role == "admin")


@blueprint.route("/plans/new", methods=["GET", "POST"])
@login_required
def new():
    """Draft a plan: number, period, report deadlines, scope and its first team."""
    actor = _actor()
    plans.require_planner(actor)
    form = PlanForm()
    today = today_in_vietnam()
    form.areas.choices = {a.code: a.name for a in districts_on(db.session, form.period_start.data or today)}
    form.team.choices = {t.id: t.name for t in db.session.scalars(select(Team).order_by(Team.name))}
    form.leader_user.choices = {0: "— Không gắn tài khoản —"} | {
        u.id: f"{u.full_name} ({u.username})" for u in db.session.scalars(
            select(User).where(User.role.in_(("inspector", "admin", "district")), User.active).order_by(User.full_name))}
    general: list[str] = []
    if form.validate_on_submit():
        try:
            plan = plans.create_plan(db.session, actor, form.payload())
        except Invalid as error:
            fields = form.fields_by_key()
            for key, message in error.details.get("errors", {}).items():
                if key in fields:
                    fields[key].errors = [*fields[key].errors, _capitalised(message)]
                else:
                    general.append(f"{key}: {_capitalised(message)}")
        else:
            flash(f"Đã lập kế hoạch số {plan.number}. Xếp lịch các xã, phường theo mức rủi ro ở cuối trang.")
            return redirect(url_for(".show", plan_id=plan.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("plans/new.html", form=form, general=general), status


def _render_show(plan_id: int, status: int = 200, general: list[str] | None = None,
                 top: TopForm | None = None, add: AddForm | None = None):
    actor = _actor()
    catalog, today = current_catalog(), today_in_vietnam()
    view = plans.overview(db.session, actor, plan_id, today, catalog.calendar)
    ranking = scheduled = None
    if actor.role == "admin":
        _, ranking, scheduled = risk.ranking_for_plan(db.session, actor, plan_id, catalog.risk, today)
    if top is None:
        top = TopForm(formdata=None, data={"count": 5, "first_day": max(today, view.plan.period_start),
                                           "days": 1, "kind": "dot_xuat"})
    add = add or AddForm(formdata=None)
    add.commune.choices = {s.history.code: f"{s.history.name} — {s.history.area or ''}" for s in ranking or []}
    add.team.choices = {t.team_id: t.team.name for t in view.plan.teams}
    return render_template("plans/show.html", v=view, plan=view.plan, ranking=ranking[:RANKING_ROWS] if ranking else None,
                           ranked=len(ranking or []), scheduled=scheduled or set(), weights=catalog.risk, top=top,
                           add=add,
                           move=MoveForm(formdata=None), cancel=CancelForm(formdata=None), general=general or [],
                           can_plan=actor.role == "admin", kinds=PLANNED_KINDS, today=today), status, NOT_STORED


@blueprint.get("/plans/<int:plan_id>")
@login_required
def show(plan_id: int):
    return _render_show(plan_id)


@blueprint.post("/plans/<int:plan_id>/top")
@login_required
def add_top(plan_id: int):
    """One action: the N riskiest communes of the scope not yet scheduled go into the plan."""
    form = TopForm()
    if not form.validate():
        return _render_show(plan_id, 422, top=form)
    catalog = current_catalog()
    try:
        added = risk.add_top(db.session, _actor(), plan_id, form.payload(), catalog.risk, today_in_vietnam(),
                             catalog.calendar)
    except Invalid as error:
        messages = [error.message, *(_capitalised(m) for m in error.details.get("errors", {}).values())]
        return _render_show(plan_id, 422, messages, top=form)
    flash(f"Đã xếp lịch {len(added)} xã, phường: {', '.join(p.commune_name for p in added)}.")
    return redirect(url_for(".show", plan_id=plan_id, _anchor="lich"), 303)


@blueprint.post("/plans/<int:plan_id>/planned")
@login_required
def add_one(plan_id: int):
    """Schedule one commune by hand (the ranking's "top N" schedules many)."""
    form = AddForm()
    if not form.validate():
        return _render_show(plan_id, 422, add=form)
    try:
        [added] = plans.add_planned(db.session, _actor(), plan_id, form.payload())
    except Invalid as error:
        messages = [error.message, *(_capitalised(m) for m in error.details.get("errors", {}).values())]
        return _render_show(plan_id, 422, messages, add=form)
    flash(f"Đã xếp lịch kiểm tra {added.commune_name}.")
    return redirect(url_for(".show", plan_id=plan_id, _anchor="lich"), 303)


def _change(planned_id: int, form, change) -> Response:
    actor = _actor()
    planned = plans.get_planned(db.session, actor, planned_id)
    plan_id = planned.plan_id
    if not form.validate():
        messages = [f"{field.label.text}: {' '.join(errors)}" for field, errors in
                    ((getattr(form, name), errors) for name, errors in form.errors.items())]
        return _render_show(plan_id, 422, [f"{planned.commune_name}: chưa thay đổi được.", *messages])
    try:
        change(actor, planned)
    except (Invalid, Conflict) as error:
        messages = [_capitalised(m) for m in error.details.get("errors", {}).values()]
        return _render_show(plan_id, error.status, [f"{planned.commune_name}: {error.message}", *messages])
    return redirect(url_for(".show", plan_id=plan_id, _anchor="lich"), 303)


@blueprint.post("/plans/planned/<int:planned_id>/move")
@login_required
def move(planned_id: int):
    form = MoveForm()

    def change(actor, planned):
        plans.move_planned(db.session, actor, planned.id, form.payload())
        flash(f"Đã dời lịch kiểm tra {planned.commune_name}.")
    return _change(planned_id, form, change)


@blueprint.post("/plans/planned/<int:planned_id>/cancel")
@login_required
def cancel(planned_id: int):
    form = CancelForm()

    def change(actor, planned):
        plans.cancel_planned(db.session, actor, planned.id, {"reason": form.reason.data})
        flash(f"Đã hủy lịch kiểm tra {planned.commune_name}.")
    return _change(planned_id, form, change)


@blueprint.get("/plans/<int:plan_id>/calendar")
@login_required
def calendar(plan_id: int):
    """The visits this user may see on a month page (?month=YYYY-MM) or a week (?week=YYYY-MM-DD, any day of it)."""
    catalog, today = current_catalog(), today_in_vietnam()
    view = plans.overview(db.session, _actor(), plan_id, today, catalog.calendar)
    default = min(max(today, view.plan.period_start), view.plan.period_end)
    week = parse_vn_date_arg("week")
    if week is not None:
        weeks, title = [week_of(week)], None
        before = {"week": (week - dt.timedelta(days=7)).isoformat()}
        after = {"week": (week + dt.timedelta(days=7)).isoformat()}
    else:
        month = parse_month_arg() or (default.year, default.month)
        weeks, title = month_weeks(*month), f"Tháng {month[1]}/{month[0]}"
        previous = (month[0] - (month[1] == 1), 12 if month[1] == 1 else month[1] - 1)
        following = (month[0] + (month[1] == 12), 1 if month[1] == 12 else month[1] + 1)
        before, after = {"month": "%d-%02d" % previous}, {"month": "%d-%02d" % following}
    days = {day: [(p, state) for p, state, _ in view.rows
                  if state != "cancelled" and p.window_start <= day <= p.window_end]
            for week_days in weeks for day in week_days}
    return render_template("plans/calendar.html", plan=view.plan, weeks=weeks, days=days, title=title,
                           before=before, after=after, today=today, working=catalog.calendar.is_working_day,
                           month=None if title is None else weeks[1][0].month), 200, NOT_STORED


def parse_vn_date_arg(name: str) -> dt.date | None:
    """A date of the query string (YYYY-MM-DD or dd/mm/yyyy) within the years plans allow; None otherwise."""
    try:
        day = parse_vn_date(request.args.get(name))
    except ValueError:
        return None
    return day if day is not None and plans.FIRST_YEAR <= day.year <= plans.LAST_YEAR else None


def parse_month_arg() -> tuple[int, int] | None:
    raw = request.args.get("month", "")
    if len(raw) == 7 and raw[4] == "-" and raw[:4].isdigit() and raw[5:].isdigit() and raw.isascii():
        year, month = int(raw[:4]), int(raw[5:])
        if plans.FIRST_YEAR <= year <= plans.LAST_YEAR and 1 <= month <= 12:
            return year, month
    return None


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype, headers=NOT_STORED)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.get("/plans/<int:plan_id>/plan.xlsx")
@login_required
def xlsx(plan_id: int):
    view = plans.overview(db.session, _actor(), plan_id, today_in_vietnam(), current_catalog().calendar)
    return _download(plan_documents.to_xlsx(view), XLSX, plan_documents.file_name(view, "xlsx"))


@blueprint.get("/plans/<int:plan_id>/plan.pdf")
@login_required
def pdf(plan_id: int):
    view = plans.overview(db.session, _actor(), plan_id, today_in_vietnam(), current_catalog().calendar)
    return _download(plan_documents.to_pdf(view, utcnow()), "application/pdf", plan_documents.file_name(view, "pdf"))


@blueprint.get("/my-schedule")
@login_required
def my_schedule():
    """Lịch kiểm tra của tôi: the user's teams' planned inspections, today and this week, overdue first."""
    actor = _actor()
    if actor.role == "commune":
        raise Forbidden("Tài khoản cấp xã không có lịch kiểm tra.")
    today = today_in_vietnam()
    rows = plans.my_schedule(db.session, actor, today, current_catalog().calendar)
    week_end = today + dt.timedelta(days=6 - today.weekday())
    groups = {
        "overdue": [(p, late) for p, late in rows if late > 0],
        "today": [(p, late) for p, late in rows if late == 0 and p.window_start <= today],
        "week": [(p, late) for p, late in rows if today < p.window_start <= week_end],
        "later": [(p, late) for p, late in rows if p.window_start > week_end],
    }
    return render_template("plans/my_schedule.html", groups=groups, today=today), 200, NOT_STORED


@blueprint.route("/plans/planned/<int:planned_id>/start", methods=["GET", "POST"])
@login_required
def start(planned_id: int):
    """Start a planned inspection: commune, team and the plan's citation are filled in from the plan."""
    actor = _actor()
    planned = plans.planned_to_start(db.session, actor, planned_id)
    catalog = current_catalog()
    defaults = plans.start_defaults(planned)
    if request.method == "GET":
        today = today_in_vietnam()
        form = StartForm(formdata=None, data={"client_id": new_client_id(), "inspection_date": today,
                                              "team": defaults["team"], "checklist": next(iter(catalog.checklists))})
        form.commune_reps.append_entry()
    else:
        form = StartForm()
    form.checklist.choices = {cid: versions[-1].title for cid, versions in catalog.checklists.items()}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        inspection, _, general = submit_inspection_form(form, planned.id)
        if inspection is not None:
            return redirect(url_for("inspections.show", inspection_id=inspection.id), 303)
        status = 422
    return render_template("plans/start.html", form=form, planned=planned, reference=defaults["plan_reference"],
                           general=general, member_roles=MEMBER_ROLES), status

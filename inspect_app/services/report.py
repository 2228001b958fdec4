"""The summary report (báo cáo tổng hợp) of a period and a scope: five parts, as data, Excel and PDF.

Kế hoạch 122/KH-UBND asks each district to report its inspections to Sở Nội vụ by 31/10 and
Sở Nội vụ to report to the city by 15/11. The report covers a period (from–to, by inspection
date) and a scope (the city, or one district); admins and inspectors may report on the city or
any district, a district officer on their own district only, commune users not at all.

What counts follows the dashboards (services.dashboard.latest_inspections, the same window
query, restricted to the period through the scope's conditions):

- parts 1 and 2 (coverage; average scores): each commune's latest finalised inspection in the
  period (a superseded original never counts; a re-inspection replaces the earlier one);
- parts 3 and 5 (most frequent violations; repeat offenders): each commune's latest finalised
  inspection of each calendar year in the period, so a several-year report counts every year's
  findings once; for a period within one year these are the inspections of parts 1 and 2;
- part 4 (remediation): every action of every finalised inspection dated in the period (actions
  of replaced inspections, `superseded`, are left out), with its status as it stood at the end
  of the period's last day in Hà Nội (rebuilt from `submitted_at` and `verified_at`), and
  "overdue" exactly as the dashboards judge it on that day (services.dashboard overdue actions).

"Communes in force" are the communes valid on the day of the last inspection counted (the end
date when none), plus inspected communes that had ended by then, as on the dashboards.

Numbers come from SQL aggregates; the Excel workbook (openpyxl) and the PDF (WeasyPrint, through
the minutes' locked-down fetcher and Liberation Serif 2 fonts) only lay them out.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import jinja2
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..domain.catalog import Catalog
from ..domain.checklists import VIETNAM
from ..domain.vn_format import parse_vn_date
from ..models import (CANCELLED, FINALISED, SUPERSEDED, AdminUnit, FindingRecord, Inspection, PlannedInspection,
                      RemediationAction, User)
from ..pdf import minutes as pdf_minutes
from . import Forbidden, Invalid
from .dashboard import (CHECKLIST, NO_DISTRICT, VN_OFFSET, city_scope, Scope, ViolationRow, area_name, dimensions,
                        district_scope, latest_inspections, overdue_actions, sees_city)
from .plans import get_plan
from .units import GROUP_KIND, in_force

TITLE = "BÁO CÁO TỔNG HỢP KẾT QUẢ KIỂM TRA CÁC NHIỆM VỤ CẢI THIỆN CHỈ SỐ PAPI"
TOP_VIOLATIONS = 15
MIN_DATE = dt.date(2000, 1, 1)
MAX_CODE_LENGTH = 10
CITY_PARAM = "city"
X02 = "X-02"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = PROJECT_ROOT / "templates" / "report"
STYLESHEET = pdf_minutes.STATIC_DIR / "report.css"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the request ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportRequest:
    """What to report on: checked, and allowed for the user who asked."""

    scope: Scope
    first: dt.date
    last: dt.date
    issuer: tuple[str, str]  # the masthead's two lines: "UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ"
    opened_on_latest_year: bool = False  # no period asked and this year has nothing: the latest year with data
    plan: tuple[int, str] | None = None  # (id, number): the report of one inspection plan (?plan=)

    @property
    def scope_param(self) -> str:
        return CITY_PARAM if self.scope.level == "city" else str(self.scope.code)

    def query(self) -> dict[str, str]:
        """The query string that asks for this report again (for the download links)."""
        query = {"from": self.first.isoformat(), "to": self.last.isoformat(), "scope": self.scope_param}
        return query | ({"plan": str(self.plan[0])} if self.plan else {})


def parse_day(raw: Any) -> dt.date | None:
    """dd/mm/yyyy (what people type) or YYYY-MM-DD (links, scripts); None when empty.

    Raises ValueError for anything else, and for dates that do not exist (30/02/2024).
    """
    return parse_vn_date(raw)


def scope_choices(session: Session, user: User) -> dict[str, str]:
    """The scopes this user may pick on the form: {param: label}, each area with its former name."""
    codes = sorted(set(session.scalars(select(AdminUnit.code).where(AdminUnit.level == "district"))))
    if sees_city(user):
        return {CITY_PARAM: "Toàn thành phố"} | {code: area_name(session, code) for code in codes}
    if user.role == "district" and user.district_code in codes:
        return {user.district_code: area_name(session, user.district_code)}
    return {}


def _issuer(session: Session, user: User, scope: Scope, today: dt.date) -> tuple[str, str]:
    """Who signs: Sở Nội vụ; while districts existed, a district officer reported for their district's UBND
    (Phòng Nội vụ). From 1/7/2025 an area is a group of communes that the Sở Nội vụ follows itself."""
    if user.role == "district" and scope.level == "district":
        district = session.scalar(select(AdminUnit).where(AdminUnit.level == "district", AdminUnit.code == scope.code,
                                                          *in_force(today)))
        if district is not None and district.kind != GROUP_KIND:
            return f"UBND {pdf_minutes.upper_vn(district.name)}", "PHÒNG NỘI VỤ"
    return "UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ"


def resolve_request(session: Session, user: User, args: Mapping[str, Any], today: dt.date) -> ReportRequest:
    """Check ?from= &to= &scope= (city or a district code) and the user's right to that scope.

    Defaults: from 01/01 of the end date's year, to today (Hà Nội), the user's widest scope; with no
    period asked and no finalised inspection this year, the whole latest year that has one.
    Raises Forbidden (403) for commune users and for another district; Invalid (422) with a
    Vietnamese message per bad field otherwise. With ?plan=<id> the report covers only what that plan
    scheduled and the inspections started from it, over the plan's period by default.
    """
    if user.role == "commune":
        raise Forbidden("Tài khoản cấp xã không lập báo cáo tổng hợp.")
    if not (sees_city(user) or (user.role == "district" and user.district_code)):
        raise Forbidden("Tài khoản chưa được gắn với địa bàn nào nên không lập được báo cáo.")
    errors: dict[str, str] = {}
    plan = None
    raw_plan = args.get("plan")
    if raw_plan not in (None, ""):
        if isinstance(raw_plan, str) and raw_plan.isascii() and raw_plan.isdigit() and len(raw_plan) <= 10:
            plan = get_plan(session, user, int(raw_plan))
        else:
            errors["plan"] = "Kế hoạch phải là mã số (chữ số) của một kế hoạch kiểm tra."
    days: dict[str, dt.date | None] = {}
    for field, label in (("from", "Ngày bắt đầu"), ("to", "Ngày kết thúc")):
        try:
            days[field] = parse_day(args.get(field))
        except (ValueError, OverflowError):
            days[field] = None
            errors[field] = f"{label} không hợp lệ: cần một ngày có thật, dạng ngày/tháng/năm (ví dụ 31/10/2024)."
    # a plan's report covers the plan's period, up to today
    last = days["to"] or ((min(plan.period_end, today) if plan else today) if "to" not in errors else None)
    first = days["from"] or ((plan.period_start if plan else dt.date(last.year, 1, 1))
                             if last and "from" not in errors else None)
    if first and first < MIN_DATE:
        errors["from"] = f"Ngày bắt đầu không được trước ngày {MIN_DATE:%d/%m/%Y}."
    if last and last > today:
        errors["to"] = f"Ngày kết thúc không được sau ngày hôm nay ({today:%d/%m/%Y})."
    elif last and last < MIN_DATE:
        errors["to"] = f"Ngày kết thúc không được trước ngày {MIN_DATE:%d/%m/%Y}."
    if first and last and "from" not in errors and "to" not in errors and first > last:
        errors["from"] = f"Ngày bắt đầu ({first:%d/%m/%Y}) phải trước hoặc trùng ngày kết thúc ({last:%d/%m/%Y})."
    raw_scope = args.get("scope")
    code: str | None = None
    if raw_scope in (None, ""):
        code = None if sees_city(user) else user.district_code
    elif raw_scope == CITY_PARAM:
        if not sees_city(user):
            raise Forbidden("Bạn chỉ lập được báo cáo của địa bàn mình.")
    elif isinstance(raw_scope, str) and raw_scope.isascii() and raw_scope.isdigit() \
            and len(raw_scope) <= MAX_CODE_LENGTH:
        code = raw_scope
        if session.scalar(select(AdminUnit.id).where(AdminUnit.level == "district", AdminUnit.code == code)
                          .limit(1)) is None:
            errors["scope"] = f"Không có địa bàn mã {code}."
    else:
        errors["scope"] = "Phạm vi báo cáo phải là toàn thành phố hoặc mã một địa bàn (chữ số)."
    if errors:
        raise Invalid("Tham số báo cáo chưa hợp lệ.", errors=errors)
    if code is not None and not sees_city(user) and code != user.district_code:
        raise Forbidden("Bạn chỉ lập được báo cáo của địa bàn mình.")
    scope = city_scope(user) if code is None else district_scope(session, user, code)
    if plan is not None:
        scope = replace(scope, plan_id=plan.id)
    latest = None if args.get("from") or args.get("to") or plan else _latest_year_with_data(session, code, today)
    if latest is not None:
        first, last = dt.date(latest, 1, 1), dt.date(latest, 12, 31)
    return ReportRequest(scope, first, last, _issuer(session, user, scope, today), latest is not None,
                         (plan.id, plan.number) if plan else None)


def _latest_year_with_data(session: Session, code: str | None, today: dt.date) -> int | None:
    """The year of the scope's latest finalised inspection when this year has none yet (None otherwise):
    a report opened in January, or on a fresh demo, shows numbers rather than an empty year."""
    query = select(func.max(Inspection.inspection_date)).where(
        Inspection.status == FINALISED, Inspection.inspection_date <= today)
    if code is not None:
        query = query.where(Inspection.district_code == code)
    latest = session.scalar(query)
    return latest.year if latest is not None and latest.year < today.year else None


# --- the results ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoverageRow:
    """Part 1: communes inspected out of the communes in force, for one district (or the scope)."""

    code: str | None
    name: str
    in_force: int
    inspected: int

    @property
    def share(self) -> float:
        return self.inspected / self.in_force if self.in_force else 0.0


@dataclass(frozen=True)
class ScoreRow:
    """Part 2: average scores (out of 10 per dimension, out of 80 in total) of an area's communes."""

    code: str | None
    name: str
    inspected: int
    averages: dict[str, float | None]
    total: float | None


@dataclass(frozen=True)
class RemediationRow:
    """Part 4: an area's actions by status at the end of the period, and how many were overdue then."""

    code: str | None
    name: str
    open: int
    submitted: int
    verified: int
    overdue: int

    @property
    def total(self) -> int:
        return self.open + self.submitted + self.verified

    @property
    def verified_share(self) -> float:
        return self.verified / self.total if self.total else 0.0


@dataclass(frozen=True)
class RepeatRow:
    """Part 5: a commune with repeat findings (X-01 escalations) or late remediation (X-02)."""

    commune_code: str
    commune_name: str
    district_name: str
    inspections: int  # counted inspections with such findings
    last_date: dt.date
    repeats: int
    repeat_codes: tuple[str, ...]
    late: int
    late_codes: tuple[str, ...]

    @property
    def findings(self) -> int:
        return self.repeats + self.late


@dataclass(frozen=True)
class CommuneRow:
    """The appendix: one counted inspection per commune (the latest in the period)."""

    inspection_id: int
    district_name: str
    commune_code: str
    commune_name: str
    inspection_date: dt.date
    scores: dict[str, float | None]
    total: float | None


@dataclass(frozen=True)
class SummaryReport:
    request: ReportRequest
    generated: dt.datetime  # Hà Nội time, naive
    reference_date: dt.date  # the day "communes in force" are counted on
    dimensions: list[tuple[str, str]]
    coverage: list[CoverageRow]
    coverage_total: CoverageRow
    scores: list[ScoreRow]
    scores_total: ScoreRow
    violations: list[ViolationRow]
    remediation: list[RemediationRow]
    remediation_total: RemediationRow
    repeats: list[RepeatRow]
    communes: list[CommuneRow]
    basis: str  # the plan or law the inspections were made under, as in force on the period's last day

    @property
    def scope(self) -> Scope:
        return self.request.scope

    @property
    def first(self) -> dt.date:
        return self.request.first

    @property
    def last(self) -> dt.date:
        return self.request.last

    @property
    def city(self) -> bool:
        return self.scope.level == "city"

    @property
    def area_label(self) -> str:
        """What the rows of parts 2 and 4 are: districts for the city, communes for a district."""
        return "Địa bàn" if self.city else "Xã, phường"

    @property
    def scope_label(self) -> str:
        label = "Toàn thành phố Hà Nội" if self.city else self.scope.name
        return f"{label}, theo Kế hoạch số {self.request.plan[1]}" if self.request.plan else label

    @property
    def period_label(self) -> str:
        return f"Từ ngày {self.first:%d/%m/%Y} đến ngày {self.last:%d/%m/%Y}"


# --- queries -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _InPeriod(Scope):
    """A scope whose inspections are also limited to a period (latest_inspections reads scope.inspections())."""

    first: dt.date = MIN_DATE
    last: dt.date = dt.date(2999, 12, 31)

    def inspections(self) -> list[Any]:
        return [*super().inspections(), Inspection.inspection_date.between(self.first, self.last)]


def counted_per_year(scope: Scope, first: dt.date, last: dt.date):
    """Subquery: each unit's latest finalised inspection of each calendar year within [first, last]."""
    narrowed = {field.name: getattr(scope, field.name) for field in fields(Scope)}  # an inspector's narrowing too
    return latest_inspections(_InPeriod(**narrowed, first=first, last=last))


def counted_in_period(scope: Scope, first: dt.date, last: dt.date):
    """Subquery: each unit's latest finalised inspection within [first, last] (same columns)."""
    per_year = counted_per_year(scope, first, last)
    rank = func.row_number().over(partition_by=per_year.c.unit_id,
                                  order_by=(per_year.c.inspection_date.desc(), per_year.c.id.desc()))
    ranked = select(per_year, rank.label("unit_rank")).subquery("ranked_period")
    return select(ranked).where(ranked.c.unit_rank == 1).subquery("counted")


def _district_label(name: str | None) -> str:
    return name or NO_DISTRICT


def _coverage(session: Session, scope: Scope, counted, last: dt.date) -> tuple[list[CoverageRow], dt.date]:
    """Part 1, by district; and the day the communes in force are counted on."""
    reference = session.scalar(select(func.max(counted.c.inspection_date))) or last
    if scope.plan_id is not None:
        return _plan_coverage(session, scope, counted), reference
    district = aliased(AdminUnit)
    units = (select(AdminUnit.id.label("unit_id"), district.code.label("code"), district.name.label("name"))
             .outerjoin(district, district.id == AdminUnit.parent_id)
             .where(AdminUnit.level == "commune", *in_force(reference)))
    if scope.level == "district":
        units = units.where(district.code == scope.code)
    units = units.subquery("in_force_units")
    rows: dict[str | None, dict[str, Any]] = {}
    for code, name, n in session.execute(select(units.c.code, func.min(units.c.name), func.count())
                                         .group_by(units.c.code)):
        rows[code] = {"name": _district_label(name), "in_force": n, "inspected": 0}
    outside = case((counted.c.unit_id.in_(select(units.c.unit_id)), 0), else_=1)
    query = (select(counted.c.district_code, func.min(counted.c.district_name), func.count(), func.sum(outside))
             .group_by(counted.c.district_code))
    for code, name, inspected, extra in session.execute(query):
        row = rows.setdefault(code, {"name": _district_label(name), "in_force": 0, "inspected": 0})
        row["inspected"] = inspected
        row["in_force"] += int(extra or 0)  # inspected communes that had ended by the reference day
    ordered = sorted(rows.items(), key=lambda item: (item[0] is None, item[0] or ""))
    return [CoverageRow(code, r["name"], r["in_force"], r["inspected"]) for code, r in ordered], reference


def _plan_coverage(session: Session, scope: Scope, counted) -> list[CoverageRow]:
    """Part 1 of a plan's report: the communes it scheduled (not cancelled) and those inspected, by district."""
    planned = select(PlannedInspection.district_code, func.min(PlannedInspection.district_name),
                     func.count(func.distinct(PlannedInspection.commune_code))).where(
        PlannedInspection.plan_id == scope.plan_id, PlannedInspection.status != CANCELLED)
    if scope.level == "district":
        planned = planned.where(PlannedInspection.district_code == scope.code)
    rows = {code: [_district_label(name), n, 0] for code, name, n in
            session.execute(planned.group_by(PlannedInspection.district_code))}
    for code, name, inspected in session.execute(select(counted.c.district_code, func.min(counted.c.district_name),
                                                        func.count()).group_by(counted.c.district_code)):
        rows.setdefault(code, [_district_label(name), 0, 0])[2] = inspected
    return [CoverageRow(code, name, max(n, inspected), inspected)
            for code, (name, n, inspected) in sorted(rows.items(), key=lambda item: (item[0] is None, item[0] or ""))]


def _cents(column) -> tuple[Any, Any]:
    """SUM of a score in hundredths (stored scores have two decimals, so the sum is exact) and COUNT."""
    return func.sum(func.round(column * 100)), func.count(column)


def average(cents: Any, count: Any) -> float | None:
    """The mean of scores from their exact sum in hundredths, rounded half up to two decimals.

    Exact on every database: a mean such as 9,815 is 9,82 on SQLite and PostgreSQL alike,
    whatever order the database added the values in (a floating AVG may give 9,81 on one).
    """
    if not count or cents is None:
        return None
    mean = Decimal(int(round(float(cents)))) / Decimal(int(count)) / 100
    return float(mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _scores(session: Session, dims: list[tuple[str, str]], scope: Scope, counted) -> tuple[list[ScoreRow], ScoreRow]:
    """Part 2: by district (city) or by commune (district), and for the whole scope."""
    columns = [counted.c.total_score, *[counted.c.scores[code].as_float() for code, _ in dims]]
    sums = [part for column in columns for part in _cents(column)]

    def row(code: str | None, label: str, n: int, values) -> ScoreRow:
        means = [average(values[i], values[i + 1]) for i in range(0, len(values), 2)]
        return ScoreRow(code, label, n, {c: m for (c, _), m in zip(dims, means[1:])}, means[0])

    if scope.level == "city":
        key, name = counted.c.district_code, counted.c.district_name
    else:
        key, name = counted.c.commune_code, counted.c.commune_name
    query = select(key, func.min(name), func.count(), *sums).group_by(key)
    rows = [row(code, _district_label(label), n, values) for code, label, n, *values in session.execute(query)]
    if scope.level == "city":
        rows.sort(key=lambda r: (r.code is None, r.code or ""))
    else:
        rows.sort(key=lambda r: r.code or "")  # communes in the official order of their codes
    n, *values = session.execute(select(func.count(), *sums)).one()
    return rows, row(scope.code, scope.name, n, values)


def _violations(session: Session, catalog: Catalog, per_year, last: dt.date) -> list[ViolationRow]:
    """Part 3: the violations found most often, each counted once per finding; communes distinct."""
    count = func.count(FindingRecord.id)
    query = (select(FindingRecord.rule_id, FindingRecord.code, count, func.count(func.distinct(per_year.c.unit_id)),
                    func.min(FindingRecord.title), func.min(FindingRecord.legal_basis))
             .join(per_year, per_year.c.id == FindingRecord.inspection_id)
             .where(FindingRecord.kind == "violation")
             .group_by(FindingRecord.rule_id, FindingRecord.code)
             .order_by(count.desc(), FindingRecord.code, FindingRecord.rule_id).limit(TOP_VIOLATIONS))
    titles = catalog.rule_titles(CHECKLIST, last)
    return [ViolationRow(rule_id, code, titles.get(rule_id, title), n, communes, basis)
            for rule_id, code, n, communes, title, basis in session.execute(query)]


def _remediation(session: Session, scope: Scope, first: dt.date, last: dt.date) -> tuple[list[RemediationRow],
                                                                                          RemediationRow]:
    """Part 4: actions of the period's finalised inspections, by status at the end of `last`, and overdue."""
    cut = dt.datetime.combine(last + dt.timedelta(days=1), dt.time()) - VN_OFFSET  # end of `last` in Hà Nội
    action = RemediationAction
    verified = and_(action.status == "verified", func.coalesce(action.verified_at, action.created_at) < cut)
    submitted = and_(action.status.in_(("submitted", "verified")),
                     func.coalesce(action.submitted_at, action.created_at) < cut)
    state = case((verified, "verified"), (submitted, "submitted"), else_="open")
    city = scope.level == "city"
    key = Inspection.district_code if city else Inspection.commune_code
    name = Inspection.district_name if city else Inspection.commune_name
    states = (select(key.label("code"), name.label("name"), state.label("state"))
              .select_from(action).join(Inspection, Inspection.id == action.inspection_id)
              .where(Inspection.status == FINALISED, Inspection.inspection_date.between(first, last),
                     action.status != SUPERSEDED, *scope.actions())
              .subquery("states"))
    counts: dict[str | None, dict[str, Any]] = {}
    for code, label, status, n in session.execute(
            select(states.c.code, func.min(states.c.name), states.c.state, func.count())
            .group_by(states.c.code, states.c.state)):
        row = counts.setdefault(code, {"name": label, "open": 0, "submitted": 0, "verified": 0, "overdue": 0})
        row[status] = n
    late = (overdue_actions(scope, last)
            .where(Inspection.inspection_date >= first, Inspection.status == FINALISED).subquery("late"))
    late_key = late.c.district_code if city else late.c.commune_code
    for code, n in session.execute(select(late_key, func.count()).group_by(late_key)):
        row = counts.setdefault(code, {"name": code, "open": 0, "submitted": 0, "verified": 0, "overdue": 0})
        row["overdue"] = n  # every overdue action is one of the period's actions counted above
    rows = [RemediationRow(code, _district_label(r["name"]) if city else r["name"], r["open"], r["submitted"],
                           r["verified"], r["overdue"]) for code, r in counts.items()]
    rows.sort(key=lambda r: (r.code is None, r.code or ""))
    total = RemediationRow(scope.code, scope.name, sum(r.open for r in rows), sum(r.submitted for r in rows),
                           sum(r.verified for r in rows), sum(r.overdue for r in rows))
    return rows, total


def _repeats(session: Session, per_year) -> list[RepeatRow]:
    """Part 5: communes whose counted inspections found repeats (`repeat`) or late remediation (X-02)."""
    query = (select(per_year.c.unit_id, per_year.c.commune_code, per_year.c.commune_name, per_year.c.district_code,
                    per_year.c.district_name, per_year.c.id, per_year.c.inspection_date, FindingRecord.code,
                    FindingRecord.repeat, FindingRecord.items)
             .join(FindingRecord, FindingRecord.inspection_id == per_year.c.id)
             .where(or_(FindingRecord.repeat.is_(True), FindingRecord.code == X02))
             .order_by(per_year.c.unit_id, per_year.c.inspection_date, FindingRecord.position))
    found: dict[int, dict[str, Any]] = {}
    for unit_id, code, name, district_code, district, inspection_id, day, finding_code, repeat, items in \
            session.execute(query):
        row = found.setdefault(unit_id, {"code": code, "name": name, "district": _district_label(district),
                                         "district_code": district_code or "~",
                                         "inspections": set(), "last": day, "repeats": 0, "repeat_codes": set(),
                                         "late": 0, "late_codes": set()})
        row["inspections"].add(inspection_id)
        row["last"] = max(row["last"], day)
        if finding_code == X02:
            row["late"] += 1
            row["late_codes"].update(items or ())
        if repeat:
            row["repeats"] += 1
            row["repeat_codes"].add(finding_code)
    ordered = sorted(found.values(), key=lambda r: (-(r["repeats"] + r["late"]), r["district_code"], r["code"]))
    return [RepeatRow(r["code"], r["name"], r["district"], len(r["inspections"]), r["last"], r["repeats"],
                      tuple(sorted(r["repeat_codes"])), r["late"], tuple(sorted(r["late_codes"]))) for r in ordered]


def _communes(session: Session, dims: list[tuple[str, str]], counted) -> list[CommuneRow]:
    """The appendix, by district and commune code (the official order)."""
    query = select(counted.c.id, counted.c.district_code, counted.c.district_name, counted.c.commune_code,
                   counted.c.commune_name, counted.c.inspection_date, counted.c.scores, counted.c.total_score)
    rows = sorted(session.execute(query), key=lambda row: (row[1] is None, row[1] or "", row[3], row[0]))
    return [CommuneRow(inspection_id, _district_label(district), code, name, day,
                       {c: _number((scores or {}).get(c)) for c, _ in dims}, _number(total))
            for inspection_id, _, district, code, name, day, scores, total in rows]


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def build_report(session: Session, catalog: Catalog, request: ReportRequest,
                 generated: dt.datetime | None = None) -> SummaryReport:
    """The five parts (and the appendix of communes) for a checked request."""
    scope, first, last = request.scope, request.first, request.last
    generated = generated or dt.datetime.now(VIETNAM).replace(tzinfo=None, microsecond=0)
    dims = dimensions(catalog)
    counted = counted_in_period(scope, first, last)
    per_year = counted_per_year(scope, first, last)
    coverage, reference = _coverage(session, scope, counted, last)
    coverage_total = CoverageRow(scope.code, scope.name, sum(r.in_force for r in coverage),
                                 sum(r.inspected for r in coverage))
    scores, scores_total = _scores(session, dims, scope, counted)
    remediation, remediation_total = _remediation(session, scope, first, last)
    return SummaryReport(
        request=request, generated=generated, reference_date=reference, dimensions=dims,
        coverage=coverage, coverage_total=coverage_total, scores=scores, scores_total=scores_total,
        violations=_violations(session, catalog, per_year, last), remediation=remediation,
        remediation_total=remediation_total, repeats=_repeats(session, per_year),
        communes=_communes(session, dims, counted), basis=report_basis(catalog, last))


def report_basis(catalog: Catalog, last: dt.date) -> str:
    """What the report's opening cites: the basis of the checklist in force on the period's last day
    (Kế hoạch 122/KH-UBND in 2020, 179/KH-UBND to 2025, the 2025 law on local government after)."""
    checklist = catalog.checklist_for(CHECKLIST, last) or catalog.checklists[CHECKLIST][0]  # before the first
    return checklist.basis_on(max(last, checklist.effective_from))


# --- file names ----------------------------------------------------------------------------------------

def file_name(report: SummaryReport, extension: str) -> str:
    """ASCII only: bao-cao-tong-hop-ha-noi-2024-01-01-2024-10-31.xlsx, …-quan-001-…"""
    where = "ha-noi" if report.city else f"quan-{report.scope.code}"
    if report.request.plan:
        where += f"-ke-hoach-{report.request.plan[0]}"
    return f"bao-cao-tong-hop-{where}-{report.first.isoformat()}-{report.last.isoformat()}.{extension}"


# --- Excel ---------------------------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", start_color="9F1C22")
_TOTAL_FILL = PatternFill("solid", start_color="F2F2F2")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_ROW = 5  # rows 1–3: title, scope, period; row 4: the part's heading; row 5: column headers
FORMATS = {"int": "#,##0", "score": "0.00", "share": "0.0%", "date": "dd/mm/yyyy", "text": "@", "wrap": "@"}


def _cell_text(value: str) -> str:
    """NFC, without control characters (Excel cannot hold most) or bidi overrides (as in the PDF)."""
    return ILLEGAL_CHARACTERS_RE.sub("", pdf_minutes.clean_text(value))


def _put(sheet, row: int, column: int, value: Any, kind: str = "text"):
    if isinstance(value, str):
        value = _cell_text(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    if value is not None and kind != "text":
        cell.number_format = FORMATS[kind]
    if kind == "wrap":
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif kind != "text":
        cell.alignment = Alignment(vertical="top")
    cell.border = _BORDER
    return cell


def _sheet(book: Workbook, report: SummaryReport, name: str, heading: str,
           columns: list[tuple[str, float, str]], rows: list[list[Any]], total: list[Any] | None = None,
           notes: tuple[str, ...] = ()) -> None:
    """One part: title rows, a frozen header with filters, typed cells, a total row below the filtered range."""
    sheet = book.create_sheet(name)
    sheet["A1"] = TITLE
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = f"Phạm vi: {_cell_text(report.scope_label)}"
    sheet["A2"].font = Font(bold=True)
    sheet["A3"] = f"Kỳ báo cáo: {report.period_label.lower()}"
    sheet["A4"] = heading
    sheet["A4"].font = Font(bold=True, italic=True)
    for index, (title, width, _) in enumerate(columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = _BORDER
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 45
    for offset, values in enumerate(rows, start=1):
        for index, ((_, _, kind), value) in enumerate(zip(columns, values), start=1):
            _put(sheet, HEADER_ROW + offset, index, value, kind)
    last_row = HEADER_ROW + max(1, len(rows))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last_row}"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    after = HEADER_ROW + len(rows) + 1
    if total is not None:
        for index, ((_, _, kind), value) in enumerate(zip(columns, total), start=1):
            cell = _put(sheet, after, index, value, kind)
            cell.font = Font(bold=True)
            cell.fill = _TOTAL_FILL
        after += 1
    for note in notes:
        after += 1
        sheet.cell(row=after, column=1, value=_cell_text(note)).font = Font(italic=True, size=10)
    sheet.print_options.gridLines = False
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def notes(report: SummaryReport) -> dict[str, str]:
    """The one-line explanations printed under each part (Excel, PDF and the page)."""
    return {
        "coverage": (f"Số xã, phường có hiệu lực tính tại ngày {report.reference_date:%d/%m/%Y} "
                     f"({'ngày kiểm tra cuối cùng trong kỳ' if report.coverage_total.inspected else 'ngày cuối kỳ'}); "
                     "mỗi xã, phường tính một lần, theo lần kiểm tra cuối cùng đã hoàn tất trong kỳ."),
        "scores": ("Điểm bình quân của lần kiểm tra cuối cùng đã hoàn tất trong kỳ của mỗi xã, phường; "
                   "mỗi lĩnh vực thang điểm 10, tổng thang điểm 80."),
        "violations": ("Số lượt: số lần phát hiện; mỗi xã, phường tính theo lần kiểm tra cuối cùng đã hoàn tất "
                       "của từng năm trong kỳ."),
        "remediation": (f"Biện pháp khắc phục của các phiếu đã hoàn tất có ngày kiểm tra trong kỳ (không tính phiếu "
                        f"đã được thay thế), theo trạng thái đến hết ngày {report.last:%d/%m/%Y}; quá hạn: hạn "
                        f"khắc phục trước ngày {report.last:%d/%m/%Y} mà đến hết ngày đó chưa được xác nhận."),
        "repeats": ("Tái phạm: tồn tại đã kết luận ở lần kiểm tra trước, chưa khắc phục, nay phát hiện lại (X-01); "
                    "chậm khắc phục: tồn tại của lần kiểm tra trước đã quá hạn mà chưa khắc phục (X-02)."),
    }


def to_xlsx(report: SummaryReport) -> bytes:
    """The workbook: a sheet per part (and an appendix of communes), Vietnamese headers, typed cells."""
    book = Workbook()
    book.remove(book.active)
    book.properties.title = f"{TITLE} — {report.scope_label} — {report.period_label.lower()}"
    book.properties.creator = "Hệ thống kiểm tra UBND cấp xã — Sở Nội vụ Hà Nội"
    explained = notes(report)
    area = report.area_label

    _sheet(book, report, "1. Kết quả kiểm tra", "I. SỐ XÃ, PHƯỜNG ĐÃ ĐƯỢC KIỂM TRA THEO QUẬN, HUYỆN", [
        ("STT", 6, "int"), ("Địa bàn", 30, "text"), ("Số xã, phường có hiệu lực", 16, "int"),
        ("Số xã, phường đã kiểm tra", 16, "int"), ("Tỷ lệ đã kiểm tra", 12, "share"),
        ("Số xã, phường chưa kiểm tra", 16, "int"),
    ], [[n, r.name, r.in_force, r.inspected, r.share, r.in_force - r.inspected]
        for n, r in enumerate(report.coverage, start=1)],
        [None, "Tổng cộng", report.coverage_total.in_force, report.coverage_total.inspected,
         report.coverage_total.share, report.coverage_total.in_force - report.coverage_total.inspected],
        (explained["coverage"],))

    dims = report.dimensions
    _sheet(book, report, "2. Điểm bình quân", f"II. ĐIỂM BÌNH QUÂN THEO LĨNH VỰC VÀ TỔNG ĐIỂM THEO {area.upper()}", [
        ("STT", 6, "int"), (area, 28, "text"), ("Số xã, phường đã kiểm tra" if report.city else "Ngày kiểm tra",
                                                14, "int" if report.city else "date"),
        *[(f"{code} — {title} (thang 10)", 13, "score") for code, title in dims],
        ("Điểm tuân thủ (thang 80)", 12, "score"),
    ], [[n, r.name, r.inspected if report.city else _commune_date(report, r.code),
         *[r.averages[c] for c, _ in dims], r.total] for n, r in enumerate(report.scores, start=1)],
        [None, f"Bình quân {report.scope_label.lower() if report.city else report.scope.name}",
         report.scores_total.inspected if report.city else None,
         *[report.scores_total.averages[c] for c, _ in dims], report.scores_total.total],
        (explained["scores"],))

    _sheet(book, report, "3. Vi phạm thường gặp", f"III. {TOP_VIOLATIONS} VI PHẠM THƯỜNG GẶP NHẤT", [
        ("STT", 6, "int"), ("Mã", 9, "text"), ("Nội dung vi phạm", 60, "wrap"), ("Số lượt", 10, "int"),
        ("Số xã, phường", 10, "int"), ("Căn cứ pháp lý", 60, "wrap"),
    ], [[n, v.code, v.title, v.count, v.communes, v.legal_basis] for n, v in enumerate(report.violations, start=1)],
        None, (explained["violations"],))

    total = report.remediation_total
    _sheet(book, report, "4. Khắc phục", f"IV. TÌNH HÌNH KHẮC PHỤC SAU KIỂM TRA THEO {area.upper()}", [
        ("STT", 6, "int"), (area, 28, "text"), ("Tổng số biện pháp", 12, "int"),
        ("Chưa khắc phục", 12, "int"), ("Chờ xác nhận", 12, "int"), ("Đã khắc phục", 12, "int"),
        (f"Quá hạn (đến {report.last:%d/%m/%Y})", 14, "int"), ("Tỷ lệ đã khắc phục", 12, "share"),
    ], [[n, r.name, r.total, r.open, r.submitted, r.verified, r.overdue, r.verified_share]
        for n, r in enumerate(report.remediation, start=1)],
        [None, "Tổng cộng", total.total, total.open, total.submitted, total.verified, total.overdue,
         total.verified_share], (explained["remediation"],))

    _sheet(book, report, "5. Tái phạm", "V. XÃ, PHƯỜNG TÁI PHẠM HOẶC CHẬM KHẮC PHỤC", [
        ("STT", 6, "int"), ("Địa bàn", 24, "text"), ("Xã, phường", 26, "text"), ("Mã xã", 8, "text"),
        ("Ngày kiểm tra gần nhất có tái phạm, chậm khắc phục", 16, "date"),
        ("Số lần kiểm tra có tái phạm, chậm khắc phục", 14, "int"),
        ("Số tồn tại tái phạm", 11, "int"), ("Tồn tại tái phạm", 22, "wrap"),
        ("Số tồn tại chậm khắc phục (X-02)", 13, "int"), ("Tồn tại chậm khắc phục", 22, "wrap"),
        ("Tổng số", 9, "int"),
    ], [[n, r.district_name, r.commune_name, r.commune_code, r.last_date, r.inspections, r.repeats,
         ", ".join(r.repeat_codes), r.late, ", ".join(r.late_codes), r.findings]
        for n, r in enumerate(report.repeats, start=1)],
        [None, "Tổng cộng", f"{len(report.repeats)} xã, phường", None, None,
         sum(r.inspections for r in report.repeats), sum(r.repeats for r in report.repeats), None,
         sum(r.late for r in report.repeats), None, sum(r.findings for r in report.repeats)],
        (explained["repeats"],))

    _sheet(book, report, "Phụ lục - Xã, phường", "PHỤ LỤC: KẾT QUẢ KIỂM TRA TỪNG XÃ, PHƯỜNG (LẦN CUỐI TRONG KỲ)", [
        ("STT", 6, "int"), ("Địa bàn", 24, "text"), ("Mã xã", 8, "text"), ("Xã, phường", 26, "text"),
        ("Ngày kiểm tra", 13, "date"), *[(f"{code} (thang 10)", 9, "score") for code, _ in dims],
        ("Điểm tuân thủ (thang 80)", 11, "score"), ("Mã phiếu", 9, "int"),
    ], [[n, r.district_name, r.commune_code, r.commune_name, r.inspection_date, *[r.scores[c] for c, _ in dims],
         r.total, r.inspection_id] for n, r in enumerate(report.communes, start=1)])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _commune_date(report: SummaryReport, code: str | None) -> dt.date | None:
    return next((r.inspection_date for r in report.communes if r.commune_code == code), None)


# --- PDF -----------------------------------------------------------------------------------------------

def vn_number(value: Any, places: int = 2) -> str:
    """72,50 — or a dash for no value."""
    return "—" if value is None else f"{float(value):.{places}f}".replace(".", ",")


def vn_count(value: int) -> str:
    """3.790: dots between thousands."""
    return f"{value:,}".replace(",", ".")


def vn_percent(value: float) -> str:
    return f"{100 * value:.1f}".replace(".", ",") + "%"


PDF_CODES = 8  # codes listed per cell of part 5 in the PDF (the workbook lists them all)


def code_list(codes: tuple[str, ...], limit: int = PDF_CODES) -> str:
    """"CK-01, GT-03" — at most `limit` codes, then how many more."""
    shown = ", ".join(codes[:limit])
    return f"{shown} … +{len(codes) - limit} mã" if len(codes) > limit else shown


def _finalize(value: Any) -> Any:
    """Every printed string is NFC and free of control and bidi-override characters."""
    return pdf_minutes.clean_text(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             finalize=_finalize)
    env.filters.update(vn_date=pdf_minutes.vn_date, vn_number=vn_number, vn_count=vn_count, vn_percent=vn_percent,
                       code_list=code_list,
                       upper_vn=pdf_minutes.upper_vn, vn_long_date=pdf_minutes.vn_long_date)
    return env


def place_name(report: SummaryReport) -> str:
    """The place in the date line (NĐ 30/2020): Hà Nội for Sở Nội vụ, the district's own name for a district."""
    if report.request.issuer[1] == "SỞ NỘI VỤ":
        return "Hà Nội"
    name = report.scope.name
    for prefix in ("Quận ", "Huyện ", "Thị xã "):
        name = name.removeprefix(prefix)
    return name


def render_html(report: SummaryReport) -> str:
    """The PDF's HTML (templates/report/pdf.html); useful for debugging the layout."""
    city_issuer = report.request.issuer[1] == "SỞ NỘI VỤ"
    html = _environment().get_template("pdf.html").render(
        r=report, title=TITLE, notes=notes(report), created=report.generated.replace(tzinfo=VIETNAM).isoformat(),
        place_date=pdf_minutes.place_date_line(place_name(report), report.generated.date()),
        reporter="Sở Nội vụ" if city_issuer else f"Phòng Nội vụ {report.scope.name}",
        dates={row.commune_code: row.inspection_date for row in report.communes}, pdf_codes=PDF_CODES)
    return unicodedata.normalize("NFC", html)


def _identifier(report: SummaryReport) -> bytes:
    key = f"report|{report.request.scope_param}|{report.first}|{report.last}|{report.generated.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32].encode()


def to_pdf(report: SummaryReport) -> bytes:
    """The report as PDF bytes: A4 landscape, Liberation Serif 2 embedded, nothing fetched but static files."""
    return render_pdf(render_html(report), _identifier(report))


def render_pdf(html: str, identifier: bytes) -> bytes:
    """Lay out `html` with report.css through the minutes' locked-down renderer (fetcher, fonts)."""
    return pdf_minutes.render_pdf(html, STYLESHEET, identifier)


__all__ = ["CoverageRow", "RemediationRow", "RepeatRow", "ReportRequest", "ScoreRow", "SummaryReport", "TITLE",
           "build_report", "counted_in_period", "counted_per_year", "file_name", "notes",
           "parse_day", "resolve_request", "scope_choices", "to_pdf", "to_xlsx"]

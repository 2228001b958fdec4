"""Dashboards: scores, coverage, remediation and violations of a year, for the user's scope.

Every number comes from SQL aggregates (GROUP BY, window functions) over the inspections that
count: for each administrative unit and year, its latest finalised inspection (a superseded
original never counts; a re-inspection in the same year replaces the earlier one). Units are
taken as they were (`unit_id`), so a commune code reused by the 2025 reform is not mixed up
with the commune that held it before.

Scopes follow the accounts' roles: admins see the city, a district officer their district, a
commune user their commune (finalised inspections only, as everywhere). Inspectors browse the
city, its districts and communes too, but every number counts only the inspections they may
open (accounts.can_view): their team's and those they created. Another team's commune shows no
inspection rather than figures whose inspections would answer 403.
Functions return plain dataclasses; the web layer only formats them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, case, extract, func, not_, or_, select
from sqlalchemy.orm import Session

from ..domain.catalog import Catalog
from ..domain.checklists import Checklist
from ..models import (FINALISED, SUPERSEDED, AdminUnit, FindingRecord, Inspection, PlannedInspection,
                      RemediationAction, User)
from . import Forbidden, NotFound
from .units import in_force

CHECKLIST = "papi-xa"
CITY_NAME = "Thành phố Hà Nội"
NO_DISTRICT = "Chưa xếp địa bàn"
BIN_WIDTH = 5  # histogram of totals out of 80: 16 bins of 5 points
MAX_TOTAL = 80
VN_OFFSET = dt.timedelta(hours=7)
SORTS = ("rank", "name", "district", "date", "total")
SECTION_SHORT = {
    "TG": "Tham gia của người dân", "CK": "Công khai, minh bạch", "GT": "Trách nhiệm giải trình",
    "TN": "Kiểm soát tham nhũng", "TT": "Thủ tục hành chính công", "DV": "Cung ứng dịch vụ công",
    "MT": "Quản trị môi trường", "DT": "Quản trị điện tử",
}


# --- scopes ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What a dashboard covers: the city, one district or one commune (by code)."""

    level: str  # city | district | commune
    code: str | None = None
    name: str = CITY_NAME
    district_code: str | None = None  # a commune seen by a district officer: only that district's rows
    inspector_id: int | None = None  # seen by an inspector: only their team's inspections and their own
    team_id: int | None = None
    plan_id: int | None = None  # the summary report of a plan: only the inspections started from it

    def _viewer(self) -> list[Any]:
        """Conditions on Inspection for an inspector's view (the rule of accounts.can_view), and for a plan."""
        conditions = []
        if self.plan_id is not None:  # a revision of a planned inspection stands for it
            started = select(PlannedInspection.inspection_id).where(PlannedInspection.plan_id == self.plan_id,
                                                                    PlannedInspection.inspection_id.is_not(None))
            conditions.append(or_(Inspection.id.in_(started), Inspection.replaces_id.in_(started)))
        if self.inspector_id is None:
            return conditions
        own = Inspection.created_by_id == self.inspector_id
        return [*conditions, own if self.team_id is None else or_(Inspection.team_id == self.team_id, own)]

    def inspections(self) -> list[Any]:
        """Conditions on Inspection for this scope."""
        if self.level == "district":
            return [Inspection.district_code == self.code, *self._viewer()]
        if self.level == "commune":
            conditions = [Inspection.commune_code == self.code, *self._viewer()]
            if self.district_code:
                conditions.append(Inspection.district_code == self.district_code)
            return conditions
        return self._viewer()

    def actions(self) -> list[Any]:
        """Conditions on RemediationAction (joined with its Inspection) for this scope."""
        if self.level == "district":
            return [RemediationAction.district_code == self.code, *self._viewer()]
        if self.level == "commune":
            conditions = [RemediationAction.commune_code == self.code, *self._viewer()]
            if self.district_code:
                conditions.append(RemediationAction.district_code == self.district_code)
            return conditions
        return self._viewer()


CITY = Scope("city")


def sees_city(user: User) -> bool:
    return user.role in ("admin", "inspector")


def _seen_by(scope: Scope, user: User) -> Scope:
    """The scope narrowed to what the user may open: an inspector's team's inspections and their own."""
    if user.role == "inspector":
        return replace(scope, inspector_id=user.id, team_id=user.team_id)
    return scope


def city_scope(user: User) -> Scope:
    """The city as the user sees it (admins and inspectors only)."""
    if not sees_city(user):
        raise Forbidden("Bạn chỉ xem được số liệu của đơn vị mình.")
    return _seen_by(CITY, user)


def district_scope(session: Session, user: User, code: str) -> Scope:
    """One district's dashboard, for admins, inspectors and that district's officers."""
    if not (sees_city(user) or (user.role == "district" and user.district_code == code)):
        raise Forbidden("Bạn chỉ xem được số liệu của đơn vị mình.")
    return _seen_by(Scope("district", code, area_name(session, code)), user)


def area_name(session: Session, code: str) -> str:
    """The area's name, with its former name when the 2025 reform turned a district into a group of communes:
    "Cụm Ba Đình (đến 30/06/2025: Quận Ba Đình)"."""
    units = session.execute(select(AdminUnit.name, AdminUnit.valid_to).where(
        AdminUnit.level == "district", AdminUnit.code == code).order_by(AdminUnit.valid_from.desc())).all()
    if not units:
        raise NotFound(f"Không có địa bàn mã {code}.")
    (latest, _), *earlier = units
    former = [f"đến {until:%d/%m/%Y}: {name}" for name, until in earlier if name != latest and until]
    return f"{latest} ({'; '.join(former)})" if former else latest


def commune_scope(session: Session, user: User, code: str) -> Scope:
    """One commune's page: its code's inspections the user may see (a district officer: in their district)."""
    if user.role == "commune" and user.commune_code != code:
        raise Forbidden("Bạn chỉ xem được số liệu của xã, phường mình.")
    if user.role not in ("admin", "inspector", "district", "commune"):
        raise Forbidden("Bạn không có quyền xem số liệu này.")
    district = user.district_code if user.role == "district" else None
    scope = _seen_by(Scope("commune", code, district_code=district), user)
    name = session.scalar(select(Inspection.commune_name).where(*scope.inspections())
                          .order_by(Inspection.inspection_date.desc(), Inspection.id.desc()).limit(1))
    if name is None:
        unit = session.scalar(select(AdminUnit).where(AdminUnit.level == "commune", AdminUnit.code == code)
                              .order_by(AdminUnit.valid_from.desc()).limit(1))
        if unit is None:
            raise NotFound(f"Không có xã, phường mã {code}.")
        if district and (unit.parent is None or unit.parent.code != district):
            raise Forbidden("Bạn chỉ xem được số liệu của các xã, phường thuộc địa bàn mình.")
        name = unit.name
    return replace(scope, name=name)


def own_scope(session: Session, user: User) -> Scope:
    """The widest scope a user may see: the city, their district or their commune."""
    if sees_city(user):
        return city_scope(user)
    if user.role == "district" and user.district_code:
        return district_scope(session, user, user.district_code)
    if user.role == "commune" and user.commune_code:
        return commune_scope(session, user, user.commune_code)
    raise Forbidden("Tài khoản chưa được gắn với đơn vị nào.")


# --- the inspections that count --------------------------------------------------------------------

def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def latest_inspections(scope: Scope, year: int | None = None):
    """Subquery: per unit (and year), the latest finalised inspection in scope, with its year."""
    year_of = extract("year", Inspection.inspection_date)
    partition = (Inspection.unit_id,) if year is not None else (Inspection.unit_id, year_of)
    rn = func.row_number().over(partition_by=partition,
                                order_by=(Inspection.inspection_date.desc(), Inspection.id.desc()))
    query = select(
        Inspection.id, Inspection.unit_id, Inspection.commune_code, Inspection.commune_name,
        Inspection.district_code, Inspection.district_name, Inspection.inspection_date, Inspection.total_score,
        Inspection.scores, year_of.label("year"), rn.label("rn"),
    ).where(Inspection.status == FINALISED, *scope.inspections())
    if year is not None:
        first, last = _year_bounds(year)
        query = query.where(Inspection.inspection_date.between(first, last))
    ranked = query.subquery("ranked")
    return select(ranked).where(ranked.c.rn == 1).subquery("latest")


def available_years(session: Session, scope: Scope) -> list[int]:
    """Years with at least one finalised inspection in scope, oldest first."""
    year_of = extract("year", Inspection.inspection_date)
    rows = session.scalars(select(year_of).where(Inspection.status == FINALISED, *scope.inspections())
                           .group_by(year_of).order_by(year_of))
    return [int(y) for y in rows]


def dimensions(catalog: Catalog) -> list[tuple[str, str]]:
    """(code, short Vietnamese title) of each scored dimension, in checklist order."""
    checklist: Checklist | None = catalog.latest(CHECKLIST)
    if checklist is None:
        return [(code, title) for code, title in SECTION_SHORT.items()]
    return [(s.code, SECTION_SHORT.get(s.code, s.title)) for s in checklist.sections]


# --- results ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    inspected: int
    in_force: int
    reference_date: dt.date
    average_total: float | None
    overdue: int

    @property
    def percent(self) -> float:
        return 100.0 * self.inspected / self.in_force if self.in_force else 0.0


@dataclass(frozen=True)
class DimensionAverage:
    code: str
    title: str
    average: float | None


@dataclass(frozen=True)
class HistogramBin:
    low: int
    high: int
    count: int


@dataclass(frozen=True)
class AreaScores:
    """One row of the area × dimension table: a district (city page) or a commune (district page)."""

    code: str | None
    name: str
    inspected: int
    averages: dict[str, float | None]
    total: float | None


@dataclass(frozen=True)
class RankRow:
    rank: int
    inspection_id: int
    commune_code: str
    commune_name: str
    district_code: str | None
    district_name: str | None
    inspection_date: dt.date
    total: float


@dataclass(frozen=True)
class OverdueRow:
    code: str | None
    name: str
    actions: int
    communes: int
    oldest_deadline: dt.date
    as_of: dt.date

    @property
    def longest_days(self) -> int:
        return (self.as_of - self.oldest_deadline).days


@dataclass(frozen=True)
class TrendPoint:
    year: int
    average: float
    inspected: int


@dataclass(frozen=True)
class TrendSeries:
    name: str
    points: list[TrendPoint]


@dataclass(frozen=True)
class ViolationRow:
    rule_id: str
    code: str
    title: str
    count: int
    communes: int
    legal_basis: str


@dataclass(frozen=True)
class Overview:
    """Everything the city and district dashboards show."""

    scope: Scope
    year: int
    years: list[int]
    as_of: dt.date
    coverage: Coverage
    dimensions: list[DimensionAverage]
    histogram: list[HistogramBin]
    areas: list[AreaScores]
    ranking: list[RankRow]
    overdue: list[OverdueRow]
    trends: list[TrendSeries]
    violations: list[ViolationRow]
    sort: str = "rank"
    descending: bool = False


@dataclass(frozen=True)
class HistoryRow:
    inspection_id: int
    inspection_date: dt.date
    status: str
    revision: int
    commune_name: str
    district_code: str | None
    district_name: str | None
    total: float | None
    scores: dict[str, float]
    findings: int
    violations: int
    counts: bool  # the latest finalised inspection of its unit and year (what the dashboards count)


@dataclass(frozen=True)
class ActionRow:
    action_id: int
    inspection_id: int
    inspection_date: dt.date
    code: str
    title: str
    kind: str
    severity: str
    repeat: bool
    deadline: dt.date | None
    status: str
    as_of: dt.date

    @property
    def overdue_days(self) -> int:
        late = self.deadline is not None and self.deadline < self.as_of and self.status in ("open", "submitted")
        return (self.as_of - self.deadline).days if late else 0


@dataclass(frozen=True)
class CommuneView:
    scope: Scope
    as_of: dt.date
    history: list[HistoryRow]
    trend: list[TrendPoint]
    dimensions: list[DimensionAverage]
    latest: HistoryRow | None
    actions: list[ActionRow]
    action_counts: dict[str, int] = field(default_factory=dict)


# --- queries ----------------------------------------------------------------------------------------

def _avg(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _score(column, code: str):
    return column[code].as_float()


def coverage(session: Session, scope: Scope, year: int, as_of: dt.date) -> Coverage:
    """Communes inspected in `year` out of those in force (on the year's last inspection day)."""
    latest = latest_inspections(scope, year)
    inspected, average, last_day = session.execute(
        select(func.count(), func.avg(latest.c.total_score), func.max(latest.c.inspection_date))).one()
    first, last = _year_bounds(year)
    reference = last_day or min(last, max(first, as_of))
    units = select(AdminUnit.id).where(AdminUnit.level == "commune", *in_force(reference))
    if scope.level == "district":
        units = units.where(AdminUnit.parent_id.in_(select(AdminUnit.id).where(
            AdminUnit.level == "district", AdminUnit.code == scope.code)))
    elif scope.level == "commune":
        units = units.where(AdminUnit.code == scope.code)
    in_force_count = session.scalar(select(func.count()).select_from(units.subquery()))
    # inspected units that had ended by the reference date still count as units of the year
    outside = session.scalar(select(func.count()).select_from(latest).where(latest.c.unit_id.not_in(units)))
    overdue = session.scalar(select(func.count()).select_from(overdue_actions(scope, as_of).subquery()))
    return Coverage(inspected, in_force_count + outside, reference, _avg(average), overdue)


def dimension_averages(session: Session, catalog: Catalog, scope: Scope, year: int) -> list[DimensionAverage]:
    latest = latest_inspections(scope, year)
    dims = dimensions(catalog)
    row = session.execute(select(*[func.avg(_score(latest.c.scores, code)) for code, _ in dims])).one()
    return [DimensionAverage(code, title, _avg(value)) for (code, title), value in zip(dims, row)]


def histogram(session: Session, scope: Scope, year: int) -> list[HistogramBin]:
    """How many units scored 0–5, 5–10, … 75–80 (the last bin includes 80)."""
    latest = latest_inspections(scope, year)
    bins = MAX_TOTAL // BIN_WIDTH
    index = case(*[(latest.c.total_score < BIN_WIDTH * (i + 1), i) for i in range(bins - 1)], else_=bins - 1)
    counts = dict(session.execute(select(index, func.count()).group_by(index)).all())
    return [HistogramBin(i * BIN_WIDTH, (i + 1) * BIN_WIDTH, counts.get(i, 0)) for i in range(bins)]


def area_scores(session: Session, catalog: Catalog, scope: Scope, year: int) -> list[AreaScores]:
    """Average scores per dimension by district (city scope) or by commune (district scope)."""
    latest = latest_inspections(scope, year)
    dims = dimensions(catalog)
    averages = [func.avg(_score(latest.c.scores, code)) for code, _ in dims]
    if scope.level == "city":
        key, name = latest.c.district_code, latest.c.district_name
    else:
        key, name = latest.c.commune_code, latest.c.commune_name
    query = (select(key, func.min(name), func.count(), func.avg(latest.c.total_score), *averages)
             .group_by(key).order_by(key))
    return [AreaScores(code, label or NO_DISTRICT, count, {c: _avg(v) for (c, _), v in zip(dims, values)}, _avg(total))
            for code, label, count, total, *values in session.execute(query)]


def ranking(session: Session, scope: Scope, year: int, sort: str = "rank", descending: bool = False) -> list[RankRow]:
    """Communes by total out of 80 (rank 1 = best; ties share a rank), sorted as asked."""
    latest = latest_inspections(scope, year)
    rank = func.rank().over(order_by=latest.c.total_score.desc()).label("rank")
    ranked = select(latest, rank).subquery("ranked_total")
    keys = {
        "rank": [ranked.c.rank, ranked.c.commune_name],
        "total": [ranked.c.total_score, ranked.c.commune_name],
        "name": [ranked.c.commune_name, ranked.c.commune_code],
        "district": [ranked.c.district_name, ranked.c.rank, ranked.c.commune_name],
        "date": [ranked.c.inspection_date, ranked.c.commune_name],
    }[sort if sort in SORTS else "rank"]
    order = [k.desc() for k in keys] if descending else keys
    query = select(ranked.c.rank, ranked.c.id, ranked.c.commune_code, ranked.c.commune_name, ranked.c.district_code,
                   ranked.c.district_name, ranked.c.inspection_date, ranked.c.total_score).order_by(*order, ranked.c.id)
    return [RankRow(*row) for row in session.execute(query)]


def overdue_actions(scope: Scope, as_of: dt.date):
    """Actions late on `as_of`: deadline before that day and not verified by its end (as
    services.remediation.is_overdue judges them today), superseded ones excluded."""
    cut = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()) - VN_OFFSET  # end of as_of in Hà Nội
    verified = and_(RemediationAction.status == "verified",
                    func.coalesce(RemediationAction.verified_at, RemediationAction.created_at) < cut)
    return (select(RemediationAction.id, RemediationAction.commune_code, RemediationAction.district_code,
                   RemediationAction.deadline, Inspection.commune_name, Inspection.district_name)
            .join(Inspection, Inspection.id == RemediationAction.inspection_id)
            .where(RemediationAction.status != SUPERSEDED, RemediationAction.deadline < as_of,
                   Inspection.inspection_date <= as_of, not_(verified), *scope.actions()))


def overdue_by_area(session: Session, scope: Scope, as_of: dt.date) -> list[OverdueRow]:
    """Overdue remediation on `as_of`, by district (city scope) or by commune (district scope)."""
    overdue = overdue_actions(scope, as_of).subquery("overdue")
    key, name = ((overdue.c.district_code, overdue.c.district_name) if scope.level == "city"
                 else (overdue.c.commune_code, overdue.c.commune_name))
    query = (select(key, func.min(name), func.count(), func.count(func.distinct(overdue.c.commune_code)),
                    func.min(overdue.c.deadline))
             .group_by(key).order_by(func.count().desc(), key))
    return [OverdueRow(code, label or NO_DISTRICT, actions, communes, oldest, as_of)
            for code, label, actions, communes, oldest in session.execute(query)]


def trend(session: Session, scope: Scope) -> list[TrendPoint]:
    """The average total per year (latest finalised inspection of each unit and year)."""
    latest = latest_inspections(scope)
    query = (select(latest.c.year, func.avg(latest.c.total_score), func.count())
             .group_by(latest.c.year).order_by(latest.c.year))
    return [TrendPoint(int(year), round(float(average), 2), count) for year, average, count in session.execute(query)]


def top_violations(session: Session, catalog: Catalog, scope: Scope, year: int, limit: int = 10) -> list[ViolationRow]:
    """The violations found most often in `year` (each rule once per inspection counted per finding)."""
    latest = latest_inspections(scope, year)
    count = func.count(FindingRecord.id)
    query = (select(FindingRecord.rule_id, FindingRecord.code, count,
                    func.count(func.distinct(latest.c.unit_id)), func.min(FindingRecord.title),
                    func.min(FindingRecord.legal_basis))
             .join(latest, latest.c.id == FindingRecord.inspection_id)
             .where(FindingRecord.kind == "violation")
             .group_by(FindingRecord.rule_id, FindingRecord.code)
             .order_by(count.desc(), FindingRecord.code, FindingRecord.rule_id).limit(limit))
    titles = catalog.rule_titles(CHECKLIST, dt.date(year, 12, 31))
    # the rule's own words: a stored title may carry an escalation or a code
    return [ViolationRow(rule_id, code, titles.get(rule_id, title), n, communes, basis)
            for rule_id, code, n, communes, title, basis in session.execute(query)]


def overview(session: Session, catalog: Catalog, scope: Scope, year: int | None, as_of: dt.date,
             sort: str = "rank", descending: bool = False, city: Scope | None = None) -> Overview:
    """The city or district dashboard for `year` (default: the latest year with data); a district's
    trend is drawn beside `city`'s when given (the city as the user sees it)."""
    own_trend = trend(session, scope)
    years = [point.year for point in own_trend]  # the years with a counted inspection in scope
    if year is None or year not in years:
        year = years[-1] if years else as_of.year
    trends = [TrendSeries(scope.name, own_trend)]
    if city is not None and scope.level != "city":
        trends.append(TrendSeries(CITY_NAME, trend(session, city)))
    return Overview(
        scope=scope, year=year, years=years, as_of=as_of, coverage=coverage(session, scope, year, as_of),
        dimensions=dimension_averages(session, catalog, scope, year), histogram=histogram(session, scope, year),
        areas=area_scores(session, catalog, scope, year), ranking=ranking(session, scope, year, sort, descending),
        overdue=overdue_by_area(session, scope, as_of), trends=trends,
        violations=top_violations(session, catalog, scope, year), sort=sort if sort in SORTS else "rank",
        descending=descending)


def commune_view(session: Session, catalog: Catalog, scope: Scope, as_of: dt.date) -> CommuneView:
    """A commune's history (every finalised or superseded inspection), its trend and its open actions."""
    conditions = [Inspection.status.in_((FINALISED, SUPERSEDED)), *scope.inspections()]
    latest_ids = set(session.scalars(select(latest_inspections(scope).c.id)))
    findings = (select(FindingRecord.inspection_id, func.count().label("n"),
                       func.sum(case((FindingRecord.kind == "violation", 1), else_=0)).label("v"))
                .group_by(FindingRecord.inspection_id).subquery("counted"))
    query = (select(Inspection.id, Inspection.inspection_date, Inspection.status, Inspection.revision,
                    Inspection.commune_name, Inspection.district_code, Inspection.district_name,
                    Inspection.total_score, Inspection.scores,
                    func.coalesce(findings.c.n, 0), func.coalesce(findings.c.v, 0))
             .outerjoin(findings, findings.c.inspection_id == Inspection.id)
             .where(*conditions).order_by(Inspection.inspection_date.desc(), Inspection.id.desc()))
    history = [HistoryRow(*row[:7], row[7], row[8] or {}, int(row[9]), int(row[10]), row[0] in latest_ids)
               for row in session.execute(query)]
    latest = next((row for row in history if row.counts), None)
    dims = [DimensionAverage(code, title, latest.scores.get(code) if latest else None)
            for code, title in dimensions(catalog)]
    action_query = (select(RemediationAction.id, RemediationAction.inspection_id, Inspection.inspection_date,
                           FindingRecord.code, FindingRecord.title, FindingRecord.kind, FindingRecord.severity,
                           FindingRecord.repeat, RemediationAction.deadline, RemediationAction.status)
                    .join(FindingRecord, FindingRecord.id == RemediationAction.finding_id)
                    .join(Inspection, Inspection.id == RemediationAction.inspection_id)
                    .where(RemediationAction.status.in_(("open", "submitted")), *scope.actions(),
                           Inspection.status.in_((FINALISED, SUPERSEDED)))
                    .order_by(RemediationAction.deadline.is_(None), RemediationAction.deadline,
                              RemediationAction.id))
    actions = [ActionRow(*row, as_of=as_of) for row in session.execute(action_query)]
    counts = dict(session.execute(select(RemediationAction.status, func.count())
                                  .join(Inspection, Inspection.id == RemediationAction.inspection_id)
                                  .where(*scope.actions(), Inspection.status.in_((FINALISED, SUPERSEDED)))
                                  .group_by(RemediationAction.status)).all())
    return CommuneView(scope, as_of, history, trend(session, scope), dims, latest, actions, counts)


__all__ = ["CITY", "Scope", "Overview", "CommuneView", "available_years", "area_scores", "city_scope",
           "commune_scope", "commune_view", "coverage", "dimension_averages", "district_scope", "histogram",
           "latest_inspections", "overdue_actions", "overdue_by_area", "overview", "own_scope", "ranking",
           "sees_city", "top_violations", "trend"]

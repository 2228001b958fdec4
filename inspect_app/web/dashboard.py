"""Dashboards: the city, a district, a commune (each user sees only their own scope).

Views parse the query string and hand over to services.dashboard, which does every
aggregate in SQL; charts are inline SVG drawn by Jinja macros (templates/dashboard/_charts.html),
so the pages need no script and no request to anywhere else.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..domain.checklists import today_in_vietnam
from ..domain.vn_format import parse_vn_date
from ..extensions import db
from ..models import STATUS_LABELS
from ..services import dashboard as service
from ..services.remediation import STATUS_LABELS as ACTION_STATUS
from . import current_catalog

blueprint = Blueprint("dashboard", __name__)

RANKING_ROWS = 50  # rows of the ranking shown before "show all"
KIND_LABELS = {"violation": "Vi phạm", "recommendation": "Khuyến nghị"}
HEAT_STEPS = (6, 7, 8, 8.5, 9, 9.5)  # class heat-0 below 6/10 … heat-6 from 9.5/10


def _count(value: int) -> str:
    """A whole number with dots between thousands (3.790), as Vietnamese readers expect."""
    return f"{value:,}".replace(",", ".")


def _heat(value: float | None, scale: float = 10.0) -> str:
    """The background class of a score on a 0–10 scale (totals: scale 80)."""
    if value is None:
        return "heat-none"
    normal = value * 10.0 / scale
    return f"heat-{sum(1 for step in HEAT_STEPS if normal >= step)}"


def _line_chart(series: list[service.TrendSeries], width: int = 640, height: int = 250) -> dict[str, Any] | None:
    """Coordinates of a line chart of totals per year (y from just under the lowest value to 80 at most)."""
    years = sorted({p.year for s in series for p in s.points})
    values = [p.average for s in series for p in s.points]
    if not years:
        return None
    low = max(0, math.floor((min(values) - 3) / 5) * 5)  # room for a label under the lowest point
    high = min(80, math.ceil((max(values) + 1) / 5) * 5)
    if high - low < 10:
        low = max(0, high - 10)
    x0, x1, y0, y1 = 44, width - 12, 22, height - 34
    inner = 28  # the first and last points stay clear of the axis labels
    step = (x1 - x0 - 2 * inner) / (len(years) - 1) if len(years) > 1 else 0

    def x(year: int) -> float:
        return round(x0 + inner + step * years.index(year) if len(years) > 1 else (x0 + x1) / 2, 1)

    def y(value: float) -> float:
        return round(y1 - (y1 - y0) * (value - low) / (high - low), 1)

    tick_step = 5 if high - low <= 40 else 10
    return {
        "width": width, "height": height, "x0": x0, "x1": x1, "y0": y0, "y1": y1,
        "ticks": [(y(v), v) for v in range(low, high + 1, tick_step)],
        "years": [(x(year), year) for year in years],
        "lines": [{"name": s.name, "index": i, "points": " ".join(f"{x(p.year)},{y(p.average)}" for p in s.points),
                   "dots": [(x(p.year), y(p.average), _label_y(s.points, n, y), p) for n, p in enumerate(s.points)]}
                  for i, s in enumerate(series)],
    }


def _label_y(points: list[service.TrendPoint], n: int, y) -> float:
    """Where a point's value goes: above it, or below it at a dip (so the line never crosses the text)."""
    here = points[n].average
    neighbours = [points[i].average for i in (n - 1, n + 1) if 0 <= i < len(points)]
    dip = neighbours and all(here < other for other in neighbours)
    return round(y(here) + (22 if dip else -10), 1)


def _from_first(bins: list[service.HistogramBin]) -> list[service.HistogramBin]:
    """The histogram from just before its first non-empty bin (totals rarely fall below 40)."""
    first = next((i for i, b in enumerate(bins) if b.count), 0)
    start = max(0, first - 1)
    return bins[start - start % 2:]


@blueprint.context_processor
def helpers() -> dict[str, Any]:
    return {"count": _count, "heat": _heat, "line_chart": _line_chart, "from_first": _from_first,
            "ACTION_STATUS": ACTION_STATUS, "KIND_LABELS": KIND_LABELS, "INSPECTION_STATUS": STATUS_LABELS,
            "sees_city": service.sees_city(current_user), "query": _query, "here": _here, "here_path": _here_path}


def _here(**changes: Any) -> str:
    """This page's URL with some query parameters changed."""
    return url_for(request.endpoint, **(request.view_args or {}), **_query(**changes))


def _here_path() -> str:
    return url_for(request.endpoint, **(request.view_args or {}))


def _query(**changes: Any) -> dict[str, Any]:
    """The current page's query parameters with some changed (None drops one)."""
    args = {k: v for k, v in request.args.items() if k in ("year", "as_of", "sort", "dir", "all")}
    args.update(changes)
    return {k: v for k, v in args.items() if v not in (None, "")}


def _as_of() -> tuple[dt.date, str | None]:
    """?as_of=dd/mm/yyyy (or YYYY-MM-DD), else today in Hà Nội; with a message when the date was unreadable
    or outside the dates an inspection may bear (9999-12-31 overflowed the deadline arithmetic): the page then
    answers 422 and shows today's figures under the message."""
    today = today_in_vietnam()
    try:
        day = parse_vn_date(request.args.get("as_of", ""))
    except ValueError:
        return today, "Ngày không hợp lệ (cần dạng ngày/tháng/năm), đang hiển thị số liệu tính đến hôm nay."
    first, last = _current_catalog().inspection_days(today)
    if day and not first <= day <= last:
        return today, (f"Chỉ xem được số liệu tính đến một ngày từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}; "
                       "đang hiển thị số liệu tính đến hôm nay.")
    return day or today, None


def _year() -> int | None:
    raw = request.args.get("year", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else None


def _current_catalog():
    return current_catalog()


def _overview_page(scope: service.Scope):
    as_of, warning = _as_of()
    sort = request.args.get("sort", "rank")
    descending = request.args.get("dir") == "desc"
    show_all = request.args.get("all") == "1"
    city = service.city_scope(current_user) if service.sees_city(current_user) else None
    data = service.overview(db.session, _current_catalog(), scope, _year(), as_of, sort=sort, descending=descending,
                            city=city)
    ranking = data.ranking if show_all else data.ranking[:RANKING_ROWS]
    return render_template("dashboard/overview.html", data=data, ranking=ranking, show_all=show_all,
                           warning=warning, dims=data.dimensions), 422 if warning else 200


@blueprint.get("/dashboard")
@login_required
def index():
    """The entry page: the city for admins and inspectors (an inspector's own inspections only); others
    go to their district or commune."""
    scope = service.own_scope(db.session, current_user)
    if scope.level == "district":
        return redirect(url_for(".district", code=scope.code, **_query()))
    if scope.level == "commune":
        return redirect(url_for(".commune", code=scope.code, **_query()))
    return _overview_page(scope)


@blueprint.get("/dashboard/district/<code>")
@login_required
def district(code: str):
    return _overview_page(service.district_scope(db.session, current_user, code))


@blueprint.get("/dashboard/commune/<code>")
@login_required
def commune(code: str):
    as_of, warning = _as_of()
    scope = service.commune_scope(db.session, current_user, code)
    data = service.commune_view(db.session, _current_catalog(), scope, as_of)
    district = next(((row.district_code, row.district_name) for row in data.history if row.district_code), None)
    return render_template("dashboard/commune.html", data=data, warning=warning, district=district,
                           dims=data.dimensions, trend=[service.TrendSeries(scope.name, data.trend)]), \
        422 if warning else 200

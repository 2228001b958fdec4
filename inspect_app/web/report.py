"""The summary report (báo cáo tổng hợp): the page /reports and its Excel and PDF downloads.

GET /reports?from=dd/mm/yyyy&to=dd/mm/yyyy (or YYYY-MM-DD)&scope=city|<district code> shows the form and a summary
of the five parts; /reports/summary.xlsx and /reports/summary.pdf take the same parameters.
Defaults: the current year from 01/01 to today (Hà Nội) and the user's widest scope. Views stay
thin: checking the request, scoping and every number live in services.report. A bad parameter
answers 422 with Vietnamese messages (the page shows them beside its form), another district or
a commune account 403.
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import login_required

from ..domain.checklists import format_vn_date, today_in_vietnam
from ..extensions import db
from ..services import Invalid
from ..services import report as service
from .api import _actor
from . import current_catalog

blueprint = Blueprint("report", __name__)

PAGE_REPEATS = 50  # rows of part 5 shown on the page; the files hold them all
PDF = "application/pdf"
NOT_STORED = {"Cache-Control": "no-store"}  # a report holds every commune's results: never kept in a cache


@blueprint.context_processor
def helpers() -> dict[str, object]:
    return {"count": service.vn_count}


def _report() -> service.SummaryReport:
    """The report the query string asks for (Invalid → 422, Forbidden → 403 through web/errors.py)."""
    checked = service.resolve_request(db.session, _actor(), request.args, today_in_vietnam())
    return service.build_report(db.session, current_catalog(), checked)


@blueprint.get("/reports")
@login_required
def index():
    """The form (from, to, scope), a summary of the five parts and the download links."""
    user = _actor()
    choices = service.scope_choices(db.session, user)
    errors: dict[str, str] = {}
    report = None
    try:
        report = _report()
    except Invalid as error:
        errors = error.details.get("errors", {})
    today = today_in_vietnam()
    values = {  # dates shown as dd/mm/yyyy, what people type in these text fields
        "from": request.args.get("from", "") if errors or not report else format_vn_date(report.first),
        "to": request.args.get("to", "") if errors or not report else format_vn_date(report.last),
        "scope": request.args.get("scope", "") if errors or not report else report.request.scope_param,
    }
    if not values["from"] and not values["to"] and not errors:
        values |= {"from": format_vn_date(today.replace(month=1, day=1)), "to": format_vn_date(today)}
    page = render_template("report/index.html", report=report, errors=errors, values=values, choices=choices,
                           notes=service.notes(report) if report else {}, today=today,
                           page_repeats=PAGE_REPEATS, title=service.TITLE)
    return page, 422 if errors else 200, NOT_STORED


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype, headers=NOT_STORED)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.get("/reports/summary.xlsx")
@login_required
def xlsx():
    """The workbook: one sheet per part, plus the communes' results."""
    report = _report()
    return _download(service.to_xlsx(report), service.XLSX_MIME, service.file_name(report, "xlsx"))


@blueprint.get("/reports/summary.pdf")
@login_required
def pdf():
    """The report as an A4 PDF with the Nghị định 30/2020 masthead."""
    report = _report()
    return _download(service.to_pdf(report), PDF, service.file_name(report, "pdf"))

"""Read-only pages of the catalog: the checklist versions, their rules and legal basis, the register."""
from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import login_required

from ..criteria.export import ExportError, export_workbook
from ..domain.checklists import Checklist, today_in_vietnam
from ..domain.conditions import ConditionError, describe_condition
from ..domain.rules import KINDS
from ..domain.vn_format import parse_vn_date
from ..extensions import db
from ..services.criteria_versions import published_versions
from ..services.report import XLSX_MIME
from .hostile import parse_id
from . import current_catalog

blueprint = Blueprint("catalog", __name__)
KIND_LABELS = dict(zip(KINDS, ("Vi phạm", "Khuyến nghị", "Kiến nghị xử lý")))


def _day_argument() -> tuple[dt.date | None, str | None]:
    """?date= as dd/mm/yyyy (what a person types) or YYYY-MM-DD; an error message when it is neither."""
    raw = (request.args.get("date") or "").strip()
    try:
        return parse_vn_date(raw), None
    except ValueError:
        return None, f"Ngày “{raw[:20]}” không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 15/04/2026."


@blueprint.get("/checklists")
def index():
    """Every version of every checklist, newest first, with the one in force today marked."""
    catalog = current_catalog()
    today = today_in_vietnam()
    versions = [c for versions in catalog.checklists.values() for c in reversed(versions)]
    return render_template("catalog/index.html", versions=versions, today=today)


@blueprint.get("/checklists/<checklist_id>")
def checklist(checklist_id: str):
    """One checklist version with its items, guidance, the rules in force on a day and their legal basis.

    ?version=N picks a version, ?date= the version in force on that day (default: today).
    """
    catalog = current_catalog()
    day, error = _day_argument()
    version = parse_id(request.args.get("version"))
    if version is not None:
        found = catalog.checklist(checklist_id, version)
    else:
        found = catalog.checklist_for(checklist_id, day or today_in_vietnam()) or catalog.latest(checklist_id)
    if found is None:
        abort(404)
    if day is None or not found.in_force(day):  # the rules shown are those of a day the version was in force
        day = min(max(today_in_vietnam(), found.effective_from), found.effective_to or dt.date.max)
    rules = [r for r in catalog.ruleset(found).rules if r.in_force(day)]
    by_item = {code: [r for r in rules if r.code == code] for code in found.items}
    cross_cutting = [r for r in rules if r.code not in found.items]
    return render_template("catalog/checklist.html", checklist=found, day=day, error=error, rules_by_item=by_item,
                           cross_cutting=cross_cutting, kind_labels=KIND_LABELS, conditions=_in_words(rules, found),
                           versions=catalog.checklists[found.id]), 422 if error else 200


@blueprint.get("/checklists/<checklist_id>/workbook.xlsx")
@login_required
def workbook(checklist_id: str):
    """A version as the criteria workbook (?version=N; default: the version in force today), for editing in Excel."""
    catalog = current_catalog()
    version = parse_id(request.args.get("version"))
    if version is None:
        found = catalog.checklist_for(checklist_id, today_in_vietnam()) or catalog.latest(checklist_id)
        version = found.version if found else None
    try:
        book = export_workbook(current_app.config["CATALOG_DIR"], checklist_id, version,
                               published_versions(db.session))
    except ExportError:
        abort(404)
    return workbook_response(book, f"{checklist_id}-v{version}.xlsx")


def workbook_response(book, file_name: str) -> Response:
    body = io.BytesIO()
    book.save(body)
    response = Response(body.getvalue(), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _in_words(rules, checklist: Checklist) -> dict[str, str]:
    """Each rule's condition as a jurist reads it; a condition the language cannot say is left out."""
    words = {}
    for rule in rules:
        try:
            words[rule.id] = describe_condition(rule.condition, checklist.items)
        except ConditionError:
            continue
    return words


@blueprint.get("/legal")
def register():
    """The register of legal instruments: what each is, when it is in force, what replaced it, where it was checked."""
    catalog = current_catalog()
    instruments = sorted(catalog.register.instruments.values(), key=lambda i: (i.effective_from, i.cite))
    successors = {i.id: catalog.register.successors(i.id) for i in instruments}
    return render_template("catalog/legal.html", instruments=instruments, successors=successors,
                           register=catalog.register)

"""Read-only pages of the catalog: the checklist an inspection team fills in."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

blueprint = Blueprint("catalog", __name__)


@blueprint.get("/checklists")
def index():
    """The checklists in the catalog, newest version of each."""
    catalog = current_app.extensions["catalog"]
    return render_template("catalog/index.html", checklists=[v[-1] for v in catalog.checklists.values()])


@blueprint.get("/checklists/<checklist_id>")
def checklist(checklist_id: str):
    """One checklist with its items, guidance and the rules that apply to each item."""
    catalog = current_app.extensions["catalog"]
    found = catalog.latest(checklist_id)
    if found is None:
        abort(404)
    rules = catalog.rulesets[found.id].rules
    by_item = {code: [r for r in rules if code in r.items] for code in found.items}
    return render_template("catalog/checklist.html", checklist=found, rules_by_item=by_item)

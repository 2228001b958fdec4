"""Criteria versions on SQLite and PostgreSQL: a workbook stored as a draft, compared and run over the year's
finalised inspections (a stricter threshold reports the extra findings of that rule and nothing else)."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import answers_on, finalize_with_details
from inspect_app.criteria.export import export_workbook
from inspect_app.criteria.layout import ITEMS, RULES
from inspect_app.extensions import db
from inspect_app.models import User
from inspect_app.services import Forbidden, Invalid
from inspect_app.services import inspections as service
from inspect_app.services.criteria_preview import compare
from inspect_app.services.criteria_versions import draft_catalog, import_draft

TODAY = dt.date(2026, 6, 30)


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def inspected(catalog, commune: str, day: dt.date, tg02: int, finalise: bool = True) -> int:
    inspection, _ = service.create_inspection(db.session, catalog, user("admin"), {
        "client_id": f"tablet-{commune}-{day:%Y%m%d}", "checklist": "papi-xa", "commune_code": commune,
        "inspection_date": day.isoformat(), "villages": 12,
        "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}],
        "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}]})
    service.save_answers(db.session, catalog, user("admin"), inspection.id, answers_on(catalog, day) | {"TG-02": tg02}, {},
                         inspection.version)
    if finalise:
        finalize_with_details(db.session, catalog, user("admin"), inspection.id)
    return inspection.id


def edited_v2(root: Path, sheet, key: str, before, after) -> io.BytesIO:
    """Version 2's workbook with one cell of TG-02's row on `sheet` changed from `before` to `after`."""
    book = export_workbook(root, "papi-xa", 2)
    cells = book[sheet.title]
    code = sheet.columns.index(sheet.column("id" if sheet is RULES else "code")) + 1
    column = sheet.columns.index(sheet.column(key)) + 1
    row = next(r for r in range(2, cells.max_row + 1) if cells.cell(r, code).value == "TG-02")
    assert cells.cell(row, column).value == before
    cells.cell(row, column).value = after
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def stricter_tg02(root: Path) -> io.BytesIO:
    """TG-02's threshold raised from 4 to 5."""
    return edited_v2(root, RULES, "condition", "TG-02 < 4", "TG-02 < 5")


def preview_workbook(session, catalog, actor, upload, root, today):
    """Store the upload as a draft and compare it with the version in force, as the draft's page does."""
    outcome = import_draft(session, catalog, actor, upload, "tieu-chi.xlsx", root, today)
    assert outcome.problems == (), [str(p) for p in outcome.problems]
    loaded = draft_catalog(session, root, outcome.draft)
    return compare(session, catalog, loaded, loaded.checklist("papi-xa", outcome.draft.version), today)


def test_a_stricter_threshold_adds_findings_of_that_rule_only(db_app, catalog):
    root = Path(db_app.config["CATALOG_DIR"])
    with db_app.app_context():
        inspected(catalog, "00004", dt.date(2025, 9, 15), tg02=4)  # a finding only under the draft
        inspected(catalog, "00008", dt.date(2025, 11, 20), tg02=3)  # a finding under both
        inspected(catalog, "00025", dt.date(2026, 3, 10), tg02=6)  # none under either
        inspected(catalog, "00001", dt.date(2025, 6, 20), tg02=4)  # version 1, more than a year before
        inspected(catalog, "00097", dt.date(2026, 4, 15), tg02=4, finalise=False)  # not finalised
        preview = preview_workbook(db.session, catalog, user("admin"), stricter_tg02(root), root, TODAY)
        assert preview.checklist.version == 3 and preview.checklist.effective_from == TODAY
        assert [(e.code, [(c.label, c.before, c.after) for c in e.changes]) for e in preview.diff.rules] == \
            [("TG-02", [("Điều kiện", "TG-02 < 4", "TG-02 < 5")])]
        assert preview.diff.items == () and preview.current.version == 2
        run = preview.dry_run
        assert (run.inspections, run.changed, run.dropped_answers) == (3, 1, 0)
        assert (run.since, run.until) == (dt.date(2025, 6, 30), TODAY)
        changing = [(c.rule_id, c.before, c.after, c.appear, c.disappear) for c in run.rules
                    if c.appear or c.disappear]
        assert changing == [("TG-02", 1, 2, 1, 0)]
        assert all(c.before == c.after for c in run.rules if c.rule_id != "TG-02")


@pytest.mark.parametrize("name", ["inspector", "district-badinh"])
def test_only_administrators_may_preview(db_app, catalog, name):
    root = Path(db_app.config["CATALOG_DIR"])
    with db_app.app_context(), pytest.raises(Forbidden):
        preview_workbook(db.session, catalog, user(name), stricter_tg02(root), root, TODAY)


def test_a_file_that_is_not_a_workbook_is_refused_in_vietnamese(db_app, catalog):
    root = Path(db_app.config["CATALOG_DIR"])
    with db_app.app_context():
        for content in (b"id,version\npapi-xa,2\n", b"PK\x03\x04 not really a zip"):
            with pytest.raises(Invalid, match="không phải bảng tính Excel"):
                preview_workbook(db.session, catalog, user("admin"), io.BytesIO(content), root, TODAY)


def test_an_answer_the_drafts_item_refuses_is_left_unanswered_and_counted(db_app, catalog):
    root = Path(db_app.config["CATALOG_DIR"])
    with db_app.app_context():
        inspected(catalog, "00004", dt.date(2025, 9, 15), tg02=3)
        inspected(catalog, "00008", dt.date(2025, 11, 20), tg02=6)
        capped = edited_v2(root, ITEMS, "max", None, 5)  # 6 no longer fits: as if TG-02 had not been answered
        run = preview_workbook(db.session, catalog, user("admin"), capped, root, TODAY).dry_run
        assert (run.inspections, run.changed, run.dropped_answers) == (2, 0, 1)
        assert [(c.rule_id, c.before, c.after) for c in run.rules if c.rule_id == "TG-02"] == [("TG-02", 1, 1)]

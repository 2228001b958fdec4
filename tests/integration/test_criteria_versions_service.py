"""Criteria versions on SQLite and PostgreSQL: a workbook stored as a draft, compared and run over the year's
finalised inspections (a stricter threshold reports the extra findings of that rule and nothing else)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from conftest import PASSWORD, answers_on, finalize_with_details, make_app
from inspect_app.criteria.export import export_workbook
from inspect_app.criteria.layout import ITEMS, RULES
from inspect_app.extensions import db
from inspect_app.domain.catalog import StoredVersion, load_catalog
from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.domain.conditions import describe_condition
from inspect_app.models import AuditEntry, CriteriaVersion, User
from inspect_app.services import Conflict, Forbidden, Invalid
from inspect_app.services import criteria_versions as versions
from inspect_app.services.transactions import Busy
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


def capped_tg02(root: Path) -> io.BytesIO:
    """TG-02 answers capped at 5."""
    return edited_v2(root, ITEMS, "max", None, 5)


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


# --------------------------------------------------------------------------- drafts and publishing

def holder(app):
    return app.extensions["catalog"]


def upload_draft(app, edit=stricter_tg02, today: dt.date | None = None):
    root = Path(app.config["CATALOG_DIR"])
    catalog = holder(app).current(db.session, fresh=True)
    outcome = import_draft(db.session, catalog, user("admin"), edit(root), "tieu-chi.xlsx", root,
                           today or today_in_vietnam())
    assert outcome.problems == (), [str(p) for p in outcome.problems]
    return outcome


def new_inspection(app, commune: str, day: dt.date):
    catalog = holder(app).current(db.session, fresh=True)
    inspection, _ = service.create_inspection(db.session, catalog, user("admin"), {
        "client_id": f"tablet-{commune}-{day:%Y%m%d}", "checklist": "papi-xa", "commune_code": commune,
        "inspection_date": day.isoformat(), "villages": 12,
        "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}],
        "commune_reps": []})
    return inspection


def test_a_draft_published_for_tomorrow_is_used_from_tomorrow_and_audited(db_app):
    today = today_in_vietnam()
    tomorrow = today + dt.timedelta(days=1)
    with db_app.app_context():
        draft = upload_draft(db_app).draft
        assert (draft.version, draft.status, draft.effective_from) == (3, "draft", today)
        assert holder(db_app).current(db.session, fresh=True).checklist("papi-xa", 3) is None  # a draft is not served
        published = versions.publish(db.session, holder(db_app), user("admin"), draft.id, tomorrow, today)
        assert (published.status, published.effective_from, published.published_by.username) == \
            ("published", tomorrow, "admin")
        catalog = holder(db_app).current(db.session)
        assert catalog.checklist_for("papi-xa", today).version == 2
        assert catalog.checklist_for("papi-xa", tomorrow).version == 3
        assert catalog.checklist("papi-xa", 2).effective_to == today
        assert new_inspection(db_app, "00004", tomorrow).checklist_version == 3
        assert new_inspection(db_app, "00008", today).checklist_version == 2
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "criteria_version")
                                     .order_by(AuditEntry.id)).all()
        assert [(e.action, e.username, e.details["version"]) for e in entries] == \
            [("import_criteria", "admin", 3), ("publish_criteria", "admin", 3)]
        assert entries[1].details["effective_from"] == tomorrow.isoformat()
        published_text = published.checklist_yaml + "\0" + published.rules_yaml
        assert entries[1].details["sha256"] == hashlib.sha256(published_text.encode()).hexdigest()
        assert yaml.safe_load(published.checklist_yaml)["effective_from"] == tomorrow  # rebased onto its day
        with pytest.raises(Conflict, match="không sửa được"):
            versions.publish(db.session, holder(db_app), user("admin"), draft.id, tomorrow, today)
        with pytest.raises(Conflict, match="không xóa được"):
            versions.delete_draft(db.session, user("admin"), draft.id)


def test_publishing_refuses_a_past_day_an_earlier_start_and_a_day_inspections_already_use(db_app):
    today = today_in_vietnam()
    with db_app.app_context():
        first, second = upload_draft(db_app).draft, upload_draft(db_app, capped_tg02).draft
        assert (first.version, second.version) == (3, 4)
        with pytest.raises(Invalid, match="hôm nay hoặc một ngày sau"):
            versions.publish(db.session, holder(db_app), user("admin"), first.id, today - dt.timedelta(days=1), today)
        made = new_inspection(db_app, "00004", today + dt.timedelta(days=10))
        assert made.checklist_version == 2
        with pytest.raises(Invalid, match=r"Đã có 1 cuộc kiểm tra lập theo phiên bản trước"):
            versions.publish(db.session, holder(db_app), user("admin"), first.id, today + dt.timedelta(days=5), today)
        versions.publish(db.session, holder(db_app), user("admin"), first.id, today + dt.timedelta(days=11), today)
        with pytest.raises(Invalid, match="phiên bản mới phải có hiệu lực sau ngày đó"):
            versions.publish(db.session, holder(db_app), user("admin"), second.id, today + dt.timedelta(days=11), today)
        assert db.session.get(CriteriaVersion, second.id).status == "draft"  # nothing half-done
        assert holder(db_app).current(db.session, fresh=True).checklist("papi-xa", 4) is None


def test_a_workbook_of_a_draft_replaces_that_draft_and_one_of_a_published_version_makes_a_new_one(db_app):
    root = Path(db_app.config["CATALOG_DIR"])
    with db_app.app_context():
        draft = upload_draft(db_app).draft
        book = export_workbook(root, "papi-xa", 3, versions.catalog_versions(db.session, draft))
        again = io.BytesIO()
        book.save(again)
        again.seek(0)
        catalog = holder(db_app).current(db.session)
        outcome = import_draft(db.session, catalog, user("admin"), again, "lan-2.xlsx", root, today_in_vietnam())
        assert outcome.replaced and outcome.draft.id == draft.id and outcome.draft.source_name == "lan-2.xlsx"
        assert db.session.scalar(select(func.count()).select_from(CriteriaVersion)) == 1
        assert upload_draft(db_app).draft.version == 4  # version 2's workbook never replaces version 2


@pytest.mark.parametrize("name", ["inspector", "district-badinh", "commune-phucxa"])
def test_only_administrators_publish_or_delete(db_app, name):
    with db_app.app_context():
        draft = upload_draft(db_app).draft
        with pytest.raises(Forbidden):
            versions.publish(db.session, holder(db_app), user(name), draft.id, today_in_vietnam(), today_in_vietnam())
        with pytest.raises(Forbidden):
            versions.delete_draft(db.session, user(name), draft.id)
        assert db.session.get(CriteriaVersion, draft.id).status == "draft"


def test_another_worker_picks_up_a_published_version(db_app, tmp_path):
    today = today_in_vietnam()
    url = db_app.config["SQLALCHEMY_DATABASE_URI"]
    watching = make_app(url, tmp_path / "b", CATALOG_CHECK_SECONDS=0, WTF_CSRF_ENABLED=False)
    sleepy = make_app(url, tmp_path / "c", WTF_CSRF_ENABLED=False)  # checks only when asked
    with db_app.app_context():
        draft_id = upload_draft(db_app).draft.id
    for other in (watching, sleepy):
        with other.app_context():
            assert holder(other).current(db.session).checklist("papi-xa", 3) is None
    with db_app.app_context():
        versions.publish(db.session, holder(db_app), user("admin"), draft_id, today, today)
        inspection_id = new_inspection(db_app, "00004", today).id
    with watching.app_context():
        assert holder(watching).current(db.session).checklist_for("papi-xa", today).version == 3
    with sleepy.app_context():
        assert holder(sleepy).current(db.session).checklist("papi-xa", 3) is None
        client = sleepy.test_client()
        client.post("/login", data={"username": "admin", "password": PASSWORD})
        missed = client.get(f"/api/v1/inspections/{inspection_id}")
        assert missed.status_code == 503 and missed.headers["Retry-After"] == "1"
        assert "Bảng tiêu chí vừa được cập nhật" in missed.get_json()["error"]
        again = client.get(f"/api/v1/inspections/{inspection_id}")
        assert again.status_code == 200 and again.get_json()["checklist_version"] == 3
    for other in (watching, sleepy):
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_two_administrators_publishing_at_once_publish_one_version_for_a_day(db_app):
    today = today_in_vietnam()
    day = today + dt.timedelta(days=3)
    with db_app.app_context():
        drafts = [upload_draft(db_app).draft.id, upload_draft(db_app, capped_tg02).draft.id]
    outcomes, start = [], threading.Barrier(2)

    def publish(draft_id: int) -> None:
        with db_app.app_context():
            start.wait()
            try:
                versions.publish(db.session, holder(db_app), user("admin"), draft_id, day, today)
                outcomes.append("published")
            except (Invalid, Conflict, Busy) as refused:
                outcomes.append(type(refused).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=publish, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (["Invalid", "published"], ["Conflict", "published"]), outcomes
    with db_app.app_context():
        catalog = holder(db_app).current(db.session, fresh=True)  # the catalog still loads
        assert db.session.scalar(select(func.count()).select_from(CriteriaVersion)
                                 .where(CriteriaVersion.status == "published")) == 1
        assert catalog.checklist_for("papi-xa", day).version in (3, 4)


def test_published_versions_export_as_yaml_and_as_a_workbook_from_the_command_line(db_app, tmp_path):
    runner = db_app.test_cli_runner()
    assert "Chưa có phiên bản nào do Sở ban hành." in runner.invoke(args=["criteria", "yaml", str(tmp_path)]).output
    with db_app.app_context():
        draft_id = upload_draft(db_app).draft.id
        versions.publish(db.session, holder(db_app), user("admin"), draft_id, today_in_vietnam(), today_in_vietnam())
    done = runner.invoke(args=["criteria", "yaml", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.yaml"))
    assert written == ["checklists/papi-xa-v3.yaml", "rules/papi-xa-v3.yaml"]
    root = Path(db_app.config["CATALOG_DIR"])
    with_files = load_catalog(root, [StoredVersion("papi-xa", 3, *(
        (tmp_path / "out" / part / "papi-xa-v3.yaml").read_text(encoding="utf-8") for part in ("checklists", "rules")))])
    v3 = with_files.checklist("papi-xa", 3)
    tg02 = next(rule for rule in with_files.ruleset(v3).rules if rule.id == "TG-02")
    assert describe_condition(tg02.condition, v3.items) == "TG-02 < 5"  # the files load back as published
    done = runner.invoke(args=["criteria", "export", "papi-xa", "3", str(tmp_path / "v3.xlsx")])
    assert done.exit_code == 0 and (tmp_path / "v3.xlsx").is_file(), done.output

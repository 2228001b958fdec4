"""Re-inspection (tái kiểm tra) on SQLite and PostgreSQL: starting one, its refusals, and what it compares.

The story: Phường Phúc Xá is inspected on 15/09/2020 with TG-01 (10wd → 29/09/2020) and GT-03 (3wd →
18/09/2020) violated. The commune fixes TG-01 (evidence sent, verified by the team) and leaves GT-03
open past its deadline. At the re-inspection on 15/03/2021 GT-03 is still violated: a repeat offence
(X-01) and a late remediation (X-02); TG-01 is compliant.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import finalize_with_details
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, Inspection, User
from inspect_app.services import Conflict, Forbidden, Invalid
from inspect_app.services import inspections as service
from inspect_app.services.previous import previous_of
from inspect_app.services import minutes as minutes_service
from inspect_app.services import remediation

DATA = Path(__file__).resolve().parent.parent / "data"
TEAM = [{"name": "Trần Thị Bình", "position": "Chuyên viên Sở Nội vụ", "role": "truong_doan"},
        {"name": "Lê Văn An", "position": "Chuyên viên", "role": "thanh_vien"}]
REPS = [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}]
# Budget disclosure dates that fit an inspection in March 2021 (so CK-07/CK-08 do not fire).
BUDGET_2021 = {"CK-06": "2021-01-05", "CK-07": "2021-01-20", "CK-08": "2021-01-10"}


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def compliant_answers() -> dict:
    return json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"]


def inspected(catalog, *, day="2020-09-15", commune="00001", client_id="tablet-first-0001", answers=None,
              actor="inspector", finalise=True) -> Inspection:
    inspection, _ = service.create_inspection(db.session, catalog, user(actor), {
        "client_id": client_id, "checklist": "papi-xa", "commune_code": commune, "inspection_date": day,
        "villages": 12, "team": TEAM, "commune_reps": REPS})
    service.save_answers(db.session, catalog, user(actor), inspection.id,
                         compliant_answers() | (answers or {}), {}, inspection.version)
    if finalise:
        finalize_with_details(db.session, catalog, user(actor), inspection.id)
    return inspection


def action_of(inspection: Inspection, code: str):
    return next(f.action for f in inspection.findings if f.code == code)


def fix(action_id: int, photo_dir: Path, verify: bool = True) -> None:
    """The commune sends evidence; the team verifies it (or not yet)."""
    remediation.submit_evidence(db.session, user("commune-phucxa"), action_id, "Đã sửa loa truyền thanh tổ 5",
                                None, photo_dir, now=dt.datetime(2020, 9, 25, 3))
    if verify:
        remediation.verify(db.session, user("inspector"), action_id, "Minh chứng đạt yêu cầu", confirmed=True, now=dt.datetime(2020, 9, 28, 3))


def reinspect(catalog, previous_id, actor="inspector", **data):
    body = {"client_id": "tablet-again-0001", "reinspection_of": previous_id, "inspection_date": "2021-03-15"} | data
    return service.create_inspection(db.session, catalog, user(actor), body)


@pytest.fixture
def photo_dir(db_app):
    return Path(db_app.config["PHOTO_DIR"])


def test_the_story_repeat_late_and_fixed(db_app, catalog, photo_dir):
    with db_app.app_context():
        first = inspected(catalog, answers={"GT-03": "khong", "TG-01": "no"})
        assert [f.code for f in first.findings][:2] == ["TG-01", "GT-03"]
        assert action_of(first, "GT-03").deadline == dt.date(2020, 9, 18)
        fix(action_of(first, "TG-01").id, photo_dir)
        assert action_of(first, "TG-01").status == "verified"

        again, created = reinspect(catalog, first.id)
        assert created and again.status == "draft"
        assert (again.commune_code, again.unit_id, again.villages) == (first.commune_code, first.unit_id, 12)
        assert [(m.name, m.role) for m in again.members] == [(p["name"], p["role"]) for p in TEAM]
        assert [r.name for r in again.commune_reps] == [REPS[0]["name"]]
        assert previous_of(db.session, again).inspection.id == first.id

        _, evaluation = service.save_answers(db.session, catalog, user("inspector"), again.id,
                                             compliant_answers() | BUDGET_2021 | {"GT-03": "khong", "TG-01": "yes"},
                                             {}, again.version)
        by_code = {f.code: f for f in evaluation.findings}
        assert by_code["GT-03"].repeat and by_code["GT-03"].severity == "high"
        assert "TG-01" not in by_code
        late = [f for f in evaluation.findings if f.code == "X-02"]
        assert [f.items for f in late] == [("GT-03",)]  # X-02 only for GT-03: TG-01 was verified

        done, _ = finalize_with_details(db.session, catalog, user("inspector"), again.id)
        results = minutes_service.previous_results(db.session, catalog, done, list(done.findings),
                                                   previous_of(db.session, done))
        assert results.inspection_date == dt.date(2020, 9, 15) and results.number == "01/BB-ĐKT"
        outcome = {line.code: line for line in results.lines if line.code in ("TG-01", "GT-03")}
        assert outcome["TG-01"].outcome == "Đã khắc phục"
        assert outcome["GT-03"].outcome == "Chưa khắc phục"
        assert "tái phạm" in outcome["GT-03"].detail and "quá thời hạn" in outcome["GT-03"].detail
        assert outcome["GT-03"].deadline == dt.date(2020, 9, 18)
        assert "(tái phạm" not in outcome["GT-03"].title
        # the E-01 recommendations (no photo) fire again: not fixed, but not late (they have no deadline)
        assert {line.outcome for line in results.lines if line.code == "E-01"} == {"Chưa khắc phục"}
        assert results.tally() == "đã khắc phục 1; chưa khắc phục 5"
        # The record's SHA-256 (printed in the footer) covers this part of the minutes too.
        content = minutes_service.RecordContent(service.answers_of(done), service.notes_of(done),
                                                list(done.findings), dict(done.scores), previous_of(db.session, done))
        assert done.record_sha256 == minutes_service.record_digest(done, content, results)
        assert done.record_sha256 != minutes_service.record_digest(done, content)


def test_late_pending_and_no_previous_outcomes(db_app, catalog, photo_dir):
    with db_app.app_context():
        first = inspected(catalog, answers={"GT-03": "khong", "TG-01": "no"})
        assert minutes_service.previous_results(db.session, catalog, first, list(first.findings),
                                                previous_of(db.session, first)) is None
        fix(action_of(first, "TG-01").id, photo_dir, verify=False)  # evidence sent, not yet verified
        again, _ = reinspect(catalog, first.id)
        _, evaluation = service.save_answers(db.session, catalog, user("inspector"), again.id,
                                             compliant_answers() | BUDGET_2021 | {"GT-03": "du", "TG-01": "yes"},
                                             {}, again.version)
        # GT-03 is fixed now, but its action is still open long after 18/09/2020: X-02, "Chậm khắc phục".
        results = minutes_service.previous_results(db.session, catalog, again, list(evaluation.findings),
                                                   previous_of(db.session, again))
        outcome = {line.code: line.outcome for line in results.lines}
        assert outcome["GT-03"] == "Chậm khắc phục"
        assert outcome["TG-01"] == "Chờ xác nhận"  # submitted evidence is not late (README)


def test_defaults_are_overridable_and_creation_is_idempotent_and_audited(db_app, catalog):
    with db_app.app_context():
        first = inspected(catalog)
        other_team = [{"name": "Phạm Thu Hà", "position": "Phó Giám đốc Sở", "role": "truong_doan"}]
        again, created = reinspect(catalog, first.id, villages=13, team=other_team, commune_reps=[],
                                   plan_reference="Kế hoạch số 20/KH-SNV")
        assert created
        repeat, created_again = reinspect(catalog, first.id, villages=99)  # the tablet's double tap
        assert (repeat.id, created_again) == (again.id, False)
        assert again.villages == 13 and [m.name for m in again.members] == ["Phạm Thu Hà"]
        assert again.commune_reps == [] and again.plan_reference == "Kế hoạch số 20/KH-SNV"
        assert (again.checklist_id, again.checklist_version) == ("papi-xa", 1)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "inspection",
                                                           AuditEntry.entity_id == again.id))
        assert entry.action == "create" and entry.details["reinspection_of"] == first.id
        assert db.session.query(Inspection).count() == 2


def test_previous_overview_shows_answers_in_words_and_statuses(db_app, catalog, photo_dir):
    with db_app.app_context():
        first = inspected(catalog, answers={"GT-03": "khong", "TG-01": "no", "CK-07": None})
        fix(action_of(first, "TG-01").id, photo_dir)
        again, _ = reinspect(catalog, first.id)
        overview = service.previous_overview(catalog, again, previous_of(db.session, again), "01/BB-ĐKT")
        assert overview["id"] == first.id and overview["inspection_date"] == "2020-09-15"
        assert overview["display"]["TG-01"] == "Không" and overview["display"]["GT-03"] == "Không niêm yết"
        assert overview["display"]["CK-06"] == "05/01/2020"
        assert overview["display"]["CK-07"] == "Chưa thực hiện"  # left empty: not yet disclosed
        findings = {f["code"]: f for f in overview["findings"]}
        assert (findings["TG-01"]["status"], findings["TG-01"]["status_label"]) == ("verified", "Đã khắc phục")
        assert (findings["GT-03"]["status_label"], findings["GT-03"]["overdue"]) == ("Chưa khắc phục", True)
        assert findings["GT-03"]["deadline"] == "2020-09-18"
        assert service.previous_overview(catalog, first, previous_of(db.session, first), None) is None
        detail = service.inspection_detail(db.session, catalog, again)
        assert detail["previous"] == overview


def test_refused_unless_finalised(db_app, catalog):
    with db_app.app_context():
        draft = inspected(catalog, finalise=False)
        with pytest.raises(Conflict) as refused:
            reinspect(catalog, draft.id)
        assert "đã hoàn tất" in refused.value.message
        finalize_with_details(db.session, catalog, user("inspector"), draft.id)
        revision, _ = service.revise(db.session, user("inspector"), draft.id)
        service.finalize(db.session, catalog, user("inspector"), revision.id)
        with pytest.raises(Conflict) as superseded:
            reinspect(catalog, draft.id)  # replaced by its revision
        assert "thay thế" in superseded.value.message
        again, created = reinspect(catalog, revision.id)
        assert created and previous_of(db.session, again).inspection.id == revision.id


def test_refused_unless_the_latest_finalised(db_app, catalog):
    with db_app.app_context():
        first = inspected(catalog)
        second = inspected(catalog, day="2021-03-15", client_id="tablet-second-001", answers=BUDGET_2021)
        with pytest.raises(Conflict) as refused:
            reinspect(catalog, first.id, inspection_date="2021-06-01")
        assert "không phải lần kiểm tra gần nhất" in refused.value.message and "15/03/2021" in refused.value.message
        again, created = reinspect(catalog, second.id, inspection_date="2021-06-01")
        assert created
        inspected(catalog, commune="00004", client_id="tablet-other-0001")  # another commune changes nothing
        assert reinspect(catalog, second.id, inspection_date="2021-06-01")[0].id == again.id


def test_refused_unless_the_date_is_after(db_app, catalog):
    with db_app.app_context():
        first = inspected(catalog)
        for day in ("2020-09-15", "2020-09-01"):
            with pytest.raises(Invalid) as refused:
                reinspect(catalog, first.id, inspection_date=day)
            assert refused.value.details["errors"]["inspection_date"] == (
                "ngày tái kiểm tra phải sau ngày kiểm tra lần trước (15/09/2020)")
        with pytest.raises(Invalid) as other:
            reinspect(catalog, first.id, commune_code="00004")
        assert "cùng xã" in other.value.details["errors"]["commune_code"]
        for bad in ("1", True, 0):
            with pytest.raises(Invalid):
                reinspect(catalog, bad)
        with pytest.raises(Invalid) as missing:
            reinspect(catalog, 424242)
        assert "424242" in missing.value.details["errors"]["reinspection_of"]
        assert db.session.query(Inspection).count() == 1


def test_a_commune_merged_by_the_2025_reform_cannot_be_reinspected_under_its_old_code(db_app, catalog):
    with db_app.app_context():
        budget = {"CK-06": "2025-01-06", "CK-07": "2025-01-20", "CK-08": "2025-04-10"}
        phucxa = inspected(catalog, day="2025-05-20", answers=budget, actor="admin")
        with pytest.raises(Invalid) as refused:
            reinspect(catalog, phucxa.id, actor="admin", inspection_date="2025-09-15")
        message = refused.value.details["errors"]["commune_code"]
        assert message.startswith("Phường Phúc Xá (mã 00001) đã được sắp xếp vào Phường Hồng Hà (mã 00097) "
                                  "từ ngày 01/07/2025")
        assert "không thể tái kiểm tra theo mã cũ" in message
        # The code 00004 lives on as the new Phường Ba Đình: a different unit, refused just the same.
        trucbach = inspected(catalog, day="2025-05-20", commune="00004", client_id="tablet-trucbach-01",
                             answers=budget, actor="admin")
        with pytest.raises(Invalid) as reused:
            reinspect(catalog, trucbach.id, actor="admin", client_id="tablet-again-0004",
                      inspection_date="2025-09-15")
        assert "Phường Trúc Bạch (mã 00004) đã được sắp xếp vào Phường Ba Đình (mã 00004)" in (
            reused.value.details["errors"]["commune_code"])
        # Before the reform takes effect the old commune is still there.
        again, created = reinspect(catalog, phucxa.id, actor="admin", inspection_date="2025-06-30")
        assert created and again.commune_name == "Phường Phúc Xá" and again.unit_id == phucxa.unit_id


def test_who_may_start_a_reinspection(db_app, catalog):
    with db_app.app_context():
        first = inspected(catalog)
        for name, error in (("commune-phucxa", Forbidden), ("inspector2", Forbidden),
                            ("district-hoankiem", Forbidden)):
            with pytest.raises(error):
                reinspect(catalog, first.id, actor=name)
        again, created = reinspect(catalog, first.id, actor="district-badinh")
        assert created and again.created_by_id == user("district-badinh").id
        assert service.latest_finalised_ids(db.session, {"00001", "00004"}) == {first.id}
        assert service.can_reinspect(user("inspector"), first) and not service.can_reinspect(user("commune-phucxa"), first)
        assert not service.can_reinspect(user("inspector"), again)  # a draft


@pytest.mark.parametrize("status, again, repeat, late, expected", [
    ("open", True, True, True, ("Chưa khắc phục", "Tiếp tục vi phạm (tái phạm); quá thời hạn khắc phục")),
    ("open", True, True, False, ("Chưa khắc phục", "Tiếp tục vi phạm (tái phạm)")),
    ("verified", True, False, False,
     ("Chưa khắc phục", "Đã xác nhận khắc phục nhưng lần kiểm tra này tiếp tục phát hiện")),
    ("open", False, False, True, ("Chậm khắc phục", "Quá thời hạn khắc phục, chưa có minh chứng được xác nhận")),
    ("verified", False, False, False, ("Đã khắc phục", "Đã xác nhận khắc phục; lần kiểm tra này không phát hiện lại")),
    ("submitted", False, False, False, ("Chờ xác nhận", "Đã gửi minh chứng, chờ xác nhận")),
    ("open", False, False, False, ("Chưa khắc phục", "Lần kiểm tra này không phát hiện lại")),
])
def test_remediation_outcome_precedence(status, again, repeat, late, expected):
    assert minutes_service.remediation_outcome(status, again=again, repeat=repeat, late=late) == expected


def test_previous_results_reference_and_tally_without_a_number():
    from inspect_app.pdf.minutes import PreviousResults, RemediationLine

    results = PreviousResults(number=None, inspection_date=dt.date(2020, 9, 15), lines=[
        RemediationLine(1, "GT-03", "Không niêm yết", dt.date(2020, 9, 18), "Chậm khắc phục"),
        ("2", "TG-01", "Truyền thanh", None, "Chờ xác nhận", ""),
    ])
    assert results.reference == "Biên bản kiểm tra ngày 15/09/2020"
    assert results.tally() == "chờ xác nhận 1; chậm khắc phục 1"
    assert all(isinstance(line, RemediationLine) for line in results.lines)

"""The inspection service on SQLite and PostgreSQL: create, answer, finalise, revise."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import finalize_with_details
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, FindingRecord, Inspection, RemediationAction, User
from inspect_app.services import Conflict, Forbidden, Invalid
from inspect_app.services import inspections as service
from inspect_app.services.previous import previous_of

DATA = Path(__file__).resolve().parent.parent / "data"


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def new(catalog, actor="inspector", **overrides):
    data = {"client_id": "tablet-0001-abcdef", "checklist": "papi-xa", "commune_code": "00001",
            "inspection_date": "2020-09-15", "villages": 12,
            "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}],
            "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}]} | overrides
    return service.create_inspection(db.session, catalog, user(actor), data)


def compliant_answers():
    return json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"]


def test_create_is_idempotent_by_client_id(db_app, catalog):
    with db_app.app_context():
        first, created = new(catalog)
        again, created_again = new(catalog)
        assert (created, created_again) == (True, False)
        assert first.id == again.id
        assert db.session.query(Inspection).count() == 1
        assert (first.commune_name, first.district_name) == ("Phường Phúc Xá", "Quận Ba Đình")


def test_unit_is_the_one_in_force_on_the_inspection_date(db_app, catalog):
    with db_app.app_context():
        old, _ = new(catalog, client_id="tablet-2020-000004", commune_code="00004")
        merged, _ = new(catalog, actor="admin", client_id="tablet-2025-000004", commune_code="00004",
                        inspection_date="2025-09-15")
        assert (old.commune_name, old.district_code) == ("Phường Trúc Bạch", "001")
        # after the reform: no district; the area is the group of communes the department defined
        assert (merged.commune_name, merged.district_code, merged.district_name) == \
            ("Phường Ba Đình", "001", "Cụm Ba Đình")
        assert (merged.checklist_version, old.checklist_version) == (2, 1)


def test_save_answers_validates_all_or_nothing_and_checks_the_version(db_app, catalog):
    with db_app.app_context():
        inspection, _ = new(catalog)
        with pytest.raises(Invalid) as refused:
            service.save_answers(db.session, catalog, user("inspector"), inspection.id,
                                 {"TG-01": "no", "TG-02": "abc", "ZZ-01": 1}, {}, inspection.version)
        assert set(refused.value.details["errors"]) == {"TG-02", "ZZ-01"}
        assert service.answers_of(db.session.get(Inspection, inspection.id)) == {}
        version, evaluation = service.save_answers(db.session, catalog, user("inspector"), inspection.id,
                                                   {"TG-01": "no"}, {"TG-01": "Loa hỏng"}, 1)
        assert version == 2
        assert [f.code for f in evaluation.findings] == ["TG-01", "CK-08"]  # CK-08 empty: not disclosed
        with pytest.raises(Conflict) as stale:
            service.save_answers(db.session, catalog, user("inspector"), inspection.id, {"TG-01": "yes"}, {}, 1)
        assert stale.value.details["answers"] == {"TG-01": "no"}


def test_finalise_refuses_missing_then_locks_and_creates_actions(db_app, catalog):
    with db_app.app_context():
        inspection, _ = new(catalog)
        with pytest.raises(Invalid) as missing:
            service.finalize(db.session, catalog, user("inspector"), inspection.id)
        assert "TG-01" in missing.value.details["missing"]
        answers = compliant_answers() | {"GT-03": "khong", "CK-05": "no"}
        service.save_answers(db.session, catalog, user("inspector"), inspection.id, answers, {}, 1)
        # every answer given, but the minutes would have to invent when and where: refused, nothing saved
        with pytest.raises(Invalid) as unrecorded:
            service.finalize(db.session, catalog, user("inspector"), inspection.id)
        assert unrecorded.value.details["missing"] == []
        assert unrecorded.value.details["errors"] == {"start_time": "chưa nhập giờ bắt đầu",
                                                      "end_time": "chưa nhập giờ kết thúc", "place": "chưa nhập địa điểm"}
        db.session.rollback()
        assert db.session.get(Inspection, inspection.id).status == "draft" and not db.session.query(FindingRecord).count()
        with pytest.raises(Invalid) as backwards:
            service.update_details(db.session, user("inspector"), inspection.id,
                                   {"start_time": "14:00", "end_time": "09:15", "place": "Trụ sở UBND phường"})
        assert backwards.value.details["errors"] == {"end_time": "giờ kết thúc phải sau giờ bắt đầu"}
        with pytest.raises(Invalid) as trailing:  # `$` would match before the newline; the time must be all there is
            service.update_details(db.session, user("inspector"), inspection.id, {"start_time": "08:00\n"})
        assert trailing.value.details["errors"] == {"start_time": "giờ cần dạng HH:MM (ví dụ 08:30)"}
        done, evaluation = finalize_with_details(db.session, catalog, user("inspector"), inspection.id)
        assert done.status == "finalised"
        assert [f.code for f in done.findings] == ["CK-05", "GT-03", "J-01"] + ["E-01"] * 4  # no photos
        assert db.session.query(RemediationAction).count() == len(done.findings)
        assert done.total_score == evaluation.scores["total"] < 80
        with pytest.raises(Conflict):
            service.save_answers(db.session, catalog, user("inspector"), inspection.id, {"TG-01": "no"}, {},
                                 done.version)
        actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions[-3:] == ["answer", "details", "finalize"]


def test_repeat_offence_uses_the_previous_finalised_inspection(db_app, catalog):
    with db_app.app_context():
        first, _ = new(catalog)
        service.save_answers(db.session, catalog, user("inspector"), first.id,
                             compliant_answers() | {"GT-03": "khong"}, {}, 1)
        finalize_with_details(db.session, catalog, user("inspector"), first.id)
        second, _ = new(catalog, client_id="tablet-0002-abcdef", inspection_date="2021-03-15")
        answers = compliant_answers() | {"GT-03": "khong", "CK-06": "2021-01-05", "CK-07": "2021-01-20",
                                         "CK-08": "2021-01-10"}
        _, evaluation = service.save_answers(db.session, catalog, user("inspector"), second.id, answers, {}, 1)
        gt03 = [f for f in evaluation.findings if f.code == "GT-03"][0]
        assert gt03.repeat and gt03.severity == "high"
        assert any(f.code == "X-02" for f in evaluation.findings)


def test_revision_names_the_one_it_replaces(db_app, catalog):
    with db_app.app_context():
        inspection, _ = new(catalog)
        service.save_answers(db.session, catalog, user("inspector"), inspection.id, compliant_answers(), {}, 1)
        finalize_with_details(db.session, catalog, user("inspector"), inspection.id)
        revision, created = service.revise(db.session, user("inspector"), inspection.id)
        assert created and service.revise(db.session, user("inspector"), inspection.id) == (revision, False)
        assert (revision.replaces_id, revision.revision, revision.status) == (inspection.id, 2, "draft")
        assert service.answers_of(revision) == service.answers_of(inspection)
        service.finalize(db.session, catalog, user("inspector"), revision.id)
        assert db.session.get(Inspection, inspection.id).status == "superseded"


def test_roles_scope_what_users_see(db_app, catalog):
    with db_app.app_context():
        inspection, _ = new(catalog)
        assert [i.id for i in service.page_inspections(db.session, user("district-badinh")).items] == [inspection.id]
        assert service.page_inspections(db.session, user("district-hoankiem")).items == []
        assert service.page_inspections(db.session, user("inspector2")).items == []
        assert service.page_inspections(db.session, user("commune-phucxa")).items == []  # not finalised yet
        with pytest.raises(Forbidden):
            service.get_inspection(db.session, user("district-hoankiem"), inspection.id)
        with pytest.raises(Forbidden):
            new(catalog, actor="commune-phucxa", client_id="tablet-commune-01")
        with pytest.raises(Forbidden):
            new(catalog, actor="district-hoankiem", client_id="tablet-hk-000001")


def test_previous_inspection_is_the_same_unit_not_just_the_same_code(db_app, catalog):
    with db_app.app_context():
        truc_bach, _ = new(catalog, client_id="tablet-2020-truc-bach", commune_code="00004")
        service.save_answers(db.session, catalog, user("inspector"), truc_bach.id,
                             compliant_answers() | {"GT-03": "khong"}, {}, 1)
        finalize_with_details(db.session, catalog, user("inspector"), truc_bach.id)
        ba_dinh, _ = new(catalog, actor="admin", client_id="tablet-2025-ba-dinh", commune_code="00004",
                         inspection_date="2025-09-15")
        assert ba_dinh.commune_name == "Phường Ba Đình"
        assert previous_of(db.session, ba_dinh).inspection is None  # code 00004 reused, new unit
        again, _ = new(catalog, client_id="tablet-2021-truc-bach", commune_code="00004",
                       inspection_date="2021-09-15")
        assert previous_of(db.session, again).inspection.id == truc_bach.id

"""The remediation service on SQLite and PostgreSQL: listing by role, filters, overdue, evidence, verdicts, audit.

Inspections are made and finalised through services.inspections with the compliant answers and a
few violations, so the actions are the ones finalising really creates.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from conftest import finalize_with_details
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, Inspection, RemediationAction, RemediationEvidence, User
from inspect_app.services import Conflict, Forbidden, Invalid, NotFound
from inspect_app.services import inspections
from inspect_app.services import remediation as service
from inspect_app.services.remediation import Upload

DATA = Path(__file__).resolve().parent.parent / "data"
# TG-01 violation (10wd → 29/09/2020), TG-02 (30d → 15/10), CK-05 and J-01 (15wd → 06/10), GT-03 (3wd → 18/09),
# DV-03 (31/12/2020); with no photo, E-01 for CK-01, CK-02, CK-03 and GT-04 (no deadline).
VIOLATIONS = {"TG-01": "no", "GT-03": "khong", "CK-05": "no", "TG-02": 3, "DV-03": 80.5}
NOW = dt.datetime(2020, 10, 1, 3, 0, 0)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def compliant_answers() -> dict:
    return json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"]


def finalised(catalog, actor="inspector", commune="00001", client_id="tablet-rem-000001", answers=None,
              day="2020-09-15") -> int:
    inspection, _ = inspections.create_inspection(db.session, catalog, user(actor), {
        "client_id": client_id, "checklist": "papi-xa", "commune_code": commune, "inspection_date": day,
        "villages": 12, "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}]})
    inspections.save_answers(db.session, catalog, user(actor), inspection.id,
                             compliant_answers() | (VIOLATIONS if answers is None else answers), {},
                             inspection.version)
    finalize_with_details(db.session, catalog, user(actor), inspection.id)
    return inspection.id


def action_of(inspection_id: int, code: str) -> RemediationAction:
    return db.session.scalar(select(RemediationAction).join(RemediationAction.finding).where(
        RemediationAction.inspection_id == inspection_id, RemediationAction.finding.has(code=code)))


def codes(actions) -> list[str]:
    return [a.finding.code for a in actions]


def jpeg_with_exif(width=2400, height=1800) -> bytes:
    image = Image.new("RGB", (width, height), (200, 60, 30))
    exif = Image.Exif()
    exif[0x010F] = "Máy ảnh của xã"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def tiny_pdf() -> bytes:
    """A minimal valid one-page PDF, cross-reference table included."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def stored_files(app) -> set[str]:
    folder = Path(app.config["PHOTO_DIR"])
    return {p.name for p in folder.iterdir() if p.is_file()} if folder.exists() else set()


@pytest.fixture
def two(db_app, catalog):
    """Phúc Xá (Ba Đình) inspected by the team, and Phúc Tân (Hoàn Kiếm) by the administrator."""
    with db_app.app_context():
        phucxa = finalised(catalog)
        phuctan = finalised(catalog, actor="admin", commune="00037", client_id="tablet-rem-000002",
                            answers={"TG-01": "no"})
    return phucxa, phuctan


# ---------------------------------------------------------------- listing


def test_finalising_creates_one_open_action_per_finding(db_app, two):
    phucxa, _ = two
    with db_app.app_context():
        inspection = db.session.get(Inspection, phucxa)
        assert len(inspection.findings) == 10
        for finding in inspection.findings:
            action = finding.action
            assert (action.status, action.deadline, action.commune_code, action.district_code) == (
                "open", finding.deadline, "00001", "001")
        assert action_of(phucxa, "GT-03").deadline == dt.date(2020, 9, 18)


def test_each_role_lists_only_what_it_may_see(db_app, two):
    phucxa, phuctan = two
    with db_app.app_context():
        def inspections_seen(name):
            return {a.inspection_id for a in service.list_actions(db.session, user(name))}

        assert inspections_seen("admin") == {phucxa, phuctan}
        assert inspections_seen("inspector") == {phucxa}  # the team's inspection, not the administrator's
        assert inspections_seen("inspector2") == set()
        assert inspections_seen("district-badinh") == {phucxa}
        assert inspections_seen("district-hoankiem") == {phuctan}  # nothing of Ba Đình
        assert inspections_seen("commune-phucxa") == {phucxa}
        assert len(service.list_actions(db.session, user("commune-phucxa"))) == 10
        assert service.list_actions(db.session, user("district-hoankiem"), district="001") == []
        assert service.list_actions(db.session, user("commune-phucxa"), commune="00037") == []
        districts, communes = service.filter_choices(db.session, user("admin"))
        assert districts == {"001": "Quận Ba Đình", "002": "Quận Hoàn Kiếm"}
        assert communes == {"00001": "Phường Phúc Xá", "00037": "Phường Phúc Tân"}
        assert service.filter_choices(db.session, user("district-hoankiem")) == (
            {"002": "Quận Hoàn Kiếm"}, {"00037": "Phường Phúc Tân"})


def test_filters_and_sort_orders(db_app, two):
    phucxa, phuctan = two
    with db_app.app_context():
        admin = user("admin")

        def listed(**kwargs):
            return service.list_actions(db.session, admin, **kwargs)

        by_deadline = listed()
        deadlines = [a.deadline for a in by_deadline]
        dated = [d for d in deadlines if d is not None]
        assert dated == sorted(dated) and deadlines[len(dated):] == [None] * (len(deadlines) - len(dated))
        assert codes(by_deadline)[0] == "GT-03"
        assert codes(listed(commune="00001", dimension="CK")) == ["CK-05", "J-01", "E-01", "E-01", "E-01"]
        assert {tuple(a.finding.items) for a in listed(commune="00001", dimension="CK")} == {
            ("CK-05",), ("CK-03", "CK-05"), ("CK-01",), ("CK-02",), ("CK-03",)}
        assert codes(listed(dimension="TG", commune="00001")) == ["TG-01", "TG-02"]
        assert codes(listed(dimension="MT")) == []
        assert {a.inspection_id for a in listed(district="002")} == {phuctan}
        assert [a.commune_code for a in listed(sort="commune")] == sorted(a.commune_code for a in by_deadline)
        assert len(listed(limit=3)) == 3

        gt03 = action_of(phucxa, "GT-03")
        service.submit_evidence(db.session, user("commune-phucxa"), gt03.id, "Đã niêm yết", None, Path("/nonexistent"))
        by_status = listed(sort="status")
        statuses = [a.status for a in by_status]
        assert statuses == sorted(statuses, key=["open", "submitted", "verified"].index)
        assert codes(listed(status="submitted")) == ["GT-03"]
        assert len(listed(status="open")) == len(by_deadline) - 1

        with pytest.raises(Invalid) as bad:
            listed(dimension="XX", status="done", sort="name", district="Ba Đình", commune="1" * 11)
        assert set(bad.value.details["errors"]) == {"dimension", "status", "sort", "district", "commune"}
        assert "trạng thái" in bad.value.details["errors"]["status"]
        with pytest.raises(Invalid):
            listed(overdue_as_of="2020-10-01")  # a date object is required, not a string
        with pytest.raises(Invalid) as bad_date:
            service.filters_from_query({"overdue_as_of": "01/10/2020", "dimension": "tg"})
        assert set(bad_date.value.details["errors"]) == {"overdue_as_of", "dimension"}
        assert "YYYY-MM-DD" in bad_date.value.details["errors"]["overdue_as_of"]
        assert service.filters_from_query({"overdue_as_of": "2020-10-01", "sort": "", "q": " Phúc  Xá "}) == {
            "district": None, "commune": None, "dimension": None, "status": None, "sort": "deadline",
            "overdue_as_of": dt.date(2020, 10, 1), "search": "phuc xa"}


def test_search_without_diacritics_and_paging(db_app, two):
    phucxa, phuctan = two
    with db_app.app_context():
        admin = user("admin")
        everything = service.list_actions(db.session, admin)
        for typed in ("phuc xa", "Phúc Xá", "PHUC XA", "00001"):
            found = service.page_actions(db.session, admin, search=typed, per_page=200)
            assert {a.inspection_id for a in found.items} == {phucxa} and found.total == 10, typed
        assert {a.inspection_id for a in service.page_actions(db.session, admin, search="phuc").items} == \
            {phucxa, phuctan}
        dinh = service.page_actions(db.session, admin, search="dinh").items  # Quận Ba Đình, not Hoàn Kiếm
        assert dinh and [a.id for a in dinh] == [a.id for a in service.page_actions(db.session, admin,
                                                                                    search="Đình").items]
        assert {a.inspection_id for a in dinh} == {phucxa}
        assert service.page_actions(db.session, user("district-hoankiem"), search="phuc xa").total == 0
        assert len(everything) == 16
        pages = [service.page_actions(db.session, admin, page=n, per_page=5) for n in (1, 2, 3, 4, 5)]
        assert [p.total for p in pages] == [16] * 5 and pages[0].pages == 4
        assert [len(p.items) for p in pages] == [5, 5, 5, 1, 0]  # beyond the end: empty, not an error
        assert [a.id for p in pages for a in p.items] == [a.id for a in everything]  # same order, each once
        late = service.page_actions(db.session, admin, search="phuc xa", overdue_as_of=dt.date(2020, 9, 19),
                                    status="open")
        assert codes(late.items) == ["GT-03"]  # filters and search together


def test_the_commune_sees_its_actions_grouped_by_inspection_newest_first(db_app, catalog, two):
    phucxa, _ = two
    with db_app.app_context():
        later = finalised(catalog, client_id="tablet-rem-000003", answers={"TG-01": "no"}, day="2020-12-01")
        found = service.page_actions(db.session, user("commune-phucxa"), sort="inspection", per_page=200)
        groups = service.group_by_inspection(db.session, found.items)
        assert [g.inspection.id for g in groups] == [later, phucxa]
        assert [g.inspection.inspection_date for g in groups] == [dt.date(2020, 12, 1), dt.date(2020, 9, 15)]
        numbers = [g.minutes_number for g in groups]
        assert all(n and n.endswith("/BB-ĐKT") for n in numbers) and numbers[0] != numbers[1]
        assert sum(len(g.actions) for g in groups) == found.total
        assert all(a.inspection_id == g.inspection.id for g in groups for a in g.actions)
        older = next(g for g in groups if g.inspection.id == phucxa)
        assert [a.finding.position for a in older.actions] == sorted(a.finding.position for a in older.actions)
        split = service.page_actions(db.session, user("commune-phucxa"), sort="inspection", per_page=found.total - 1)
        assert [g.inspection.id for g in service.group_by_inspection(db.session, split.items)] == [later, phucxa]
        assert service.group_by_inspection(db.session, []) == []


def test_overdue_boundaries(db_app, two):
    phucxa, _ = two
    with db_app.app_context():
        admin = user("admin")
        gt03 = action_of(phucxa, "GT-03")
        deadline = gt03.deadline

        def overdue_codes(day):
            return codes(service.list_actions(db.session, admin, commune="00001", overdue_as_of=day))

        assert overdue_codes(deadline) == []  # on the deadline itself it is still in time
        assert service.action_summary(gt03, deadline)["overdue"] is False
        assert overdue_codes(deadline + dt.timedelta(days=1)) == ["GT-03"]
        assert service.action_summary(gt03, deadline + dt.timedelta(days=1))["overdue"] is True
        assert service.action_summary(gt03)["overdue"] is False  # no date, no judgement
        late = overdue_codes(dt.date(2021, 6, 1))
        assert sorted(late) == ["CK-05", "DV-03", "GT-03", "J-01", "TG-01", "TG-02"]  # E-01 has no deadline

        service.submit_evidence(db.session, user("commune-phucxa"), gt03.id, "Đã niêm yết", None, Path("/x"))
        assert "GT-03" in overdue_codes(deadline + dt.timedelta(days=1))  # submitted but not yet verified
        service.verify(db.session, user("inspector"), gt03.id, "Minh chứng đạt yêu cầu", confirmed=True)
        assert "GT-03" not in overdue_codes(dt.date(2030, 1, 1))  # verified is never overdue
        assert service.action_summary(action_of(phucxa, "GT-03"), dt.date(2030, 1, 1))["overdue"] is False


def test_action_summary_and_detail(db_app, two):
    phucxa, _ = two
    with db_app.app_context():
        summary = service.action_summary(action_of(phucxa, "J-01"), dt.date(2020, 10, 7))
        assert summary | {"id": 0, "inspection_id": 0} == {
            "id": 0, "inspection_id": 0, "inspection_date": "2020-09-15", "commune_code": "00001",
            "commune_name": "Phường Phúc Xá", "district_code": "001", "district_name": "Quận Ba Đình",
            "code": "J-01", "items": ["CK-03", "CK-05"], "kind": "recommendation", "severity": "normal",
            "title": summary["title"], "deadline": "2020-10-06", "status": "open", "overdue": True,
            "evidence_count": 0, "submitted_at": None, "verified_at": None, "verify_comment": None,
            "return_reason": None}
        assert summary["inspection_id"] == phucxa and summary["title"].startswith("Công khai danh sách hộ nghèo")
        detail = service.action_detail(action_of(phucxa, "GT-03"))
        assert detail["evidence"] == [] and detail["legal_basis"] and detail["remediation"] and detail["responsible"]


# ---------------------------------------------------------------- evidence


def test_only_the_commune_and_the_administrator_submit_evidence(db_app, two):
    phucxa, _ = two
    with db_app.app_context():
        db.session.add(User(username="commune-trucbach", password_hash="x", full_name="Cán bộ Trúc Bạch",
                            role="commune", commune_code="00004"))
        db.session.commit()
        action_id = action_of(phucxa, "TG-01").id
        photo_dir = Path(db_app.config["PHOTO_DIR"])
        for name in ("inspector", "inspector2", "district-badinh", "district-hoankiem", "commune-trucbach"):
            with pytest.raises(Forbidden) as refused:
                service.submit_evidence(db.session, user(name), action_id, "Đã sửa loa", None, photo_dir)
            assert "quyền" in refused.value.message or "cán bộ UBND" in refused.value.message
            db.session.rollback()
        with pytest.raises(NotFound):
            service.submit_evidence(db.session, user("commune-phucxa"), 999_999, "x", None, photo_dir)
        assert db.session.get(RemediationAction, action_id).status == "open"
        service.submit_evidence(db.session, user("admin"), action_id, "Quản trị nhập thay xã", None, photo_dir)
        evidence = service.submit_evidence(db.session, user("commune-phucxa"), action_id, "  Đã sửa loa  ", None,
                                           photo_dir, now=NOW)
        action = db.session.get(RemediationAction, action_id)
        assert (action.status, action.submitted_at, len(action.evidence)) == ("submitted", NOW, 2)
        assert (evidence.kind, evidence.note, evidence.stored_name, evidence.created_at) == ("note", "Đã sửa loa",
                                                                                          None, NOW)


def test_files_photos_are_re_encoded_pdfs_kept_and_fakes_refused(db_app, two):
    phucxa, _ = two
    with db_app.app_context():
        commune, photo_dir = user("commune-phucxa"), Path(db_app.config["PHOTO_DIR"])
        action_id = action_of(phucxa, "CK-05").id

        def submit(data: bytes, filename: str, content_type: str, note=""):
            return service.submit_evidence(db.session, commune, action_id, note,
                                           Upload(io.BytesIO(data), filename, content_type), photo_dir)

        refusals = [
            (b"<html><script>alert(1)</script></html>", "bien-ban.pdf", "application/pdf"),  # a fake PDF
            (b"%PDF" + b"-" * 0, "bien-ban.pdf", "application/pdf"),  # almost the magic bytes
            ("Đây không phải ảnh".encode() * 20, "anh.jpg", "image/jpeg"),
            (b"MZ\x90\x00 executable", "chuong-trinh.exe", "application/octet-stream"),
            (b"", "rong.jpg", "image/jpeg"),
        ]
        for data, filename, content_type in refusals:
            with pytest.raises(Invalid) as refused:
                submit(data, filename, content_type, note="kèm tệp")
            assert "file" in refused.value.details["errors"], filename
            db.session.rollback()
        with pytest.raises(Invalid) as too_big:  # 20 MB is the limit, below the app's 25 MB request cap
            submit(b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024), "lon.pdf", "application/pdf")
        assert "quá lớn" in too_big.value.message
        db.session.rollback()
        with pytest.raises(Invalid) as nothing:
            service.submit_evidence(db.session, commune, action_id, "   ", None, photo_dir)
        assert "ghi chú hoặc một tệp" in nothing.value.message
        with pytest.raises(Invalid) as long_note:
            service.submit_evidence(db.session, commune, action_id, "x" * 4001, None, photo_dir)
        assert set(long_note.value.details["errors"]) == {"note"}
        db.session.rollback()
        assert stored_files(db_app) == set() and db.session.get(RemediationAction, action_id).evidence == []
        assert db.session.get(RemediationAction, action_id).status == "open"

        pdf = tiny_pdf()
        stored_pdf = submit(pdf, "C:\\Văn bản\\Báo cáo khắc phục.pdf", "application/pdf", note="Báo cáo số 12")
        assert (stored_pdf.kind, stored_pdf.original_name, stored_pdf.size) == ("pdf", "Báo cáo khắc phục.pdf",
                                                                               len(pdf))
        assert (photo_dir / stored_pdf.stored_name).read_bytes() == pdf  # kept byte for byte
        assert stored_pdf.stored_name.endswith(".pdf") and len(stored_pdf.stored_name) == 36

        original = jpeg_with_exif()
        photo = submit(original, "IMG_2001.JPG", "image/jpeg")
        saved = (photo_dir / photo.stored_name).read_bytes()
        assert photo.kind == "photo" and saved != original and photo.size == len(saved)
        with Image.open(io.BytesIO(saved)) as image:
            assert image.format == "JPEG" and max(image.size) == 1600 and not image.getexif()
        assert stored_files(db_app) == {stored_pdf.stored_name, photo.stored_name}
        action = db.session.get(RemediationAction, action_id)
        assert [e.kind for e in action.evidence] == ["pdf", "photo"] and action.status == "submitted"


# ---------------------------------------------------------------- verdicts


def test_verify_only_a_submitted_action_by_the_right_people(db_app, two):
    phucxa, _ = two
    with db_app.app_context():
        action_id = action_of(phucxa, "TG-02").id
        with pytest.raises(Conflict) as not_yet:
            service.verify(db.session, user("inspector"), action_id, "Minh chứng đạt yêu cầu", confirmed=True)
        assert not_yet.value.details == {"status": "open"}
        service.submit_evidence(db.session, user("commune-phucxa"), action_id, "Đã đăng 6 tin", None, Path("/x"))
        for name in ("commune-phucxa", "inspector2", "district-hoankiem"):
            with pytest.raises(Forbidden):
                service.verify(db.session, user(name), action_id, "Minh chứng đạt yêu cầu", confirmed=True)
            db.session.rollback()
        moment = dt.datetime(2020, 10, 2, 8, 30)
        action = service.verify(db.session, user("district-badinh"), action_id, "Minh chứng đạt yêu cầu",
                                confirmed=True, now=moment)
        assert (action.status, action.verified_at, action.verified_by_id) == ("verified", moment,
                                                                             user("district-badinh").id)
        with pytest.raises(Conflict):
            service.verify(db.session, user("inspector"), action_id, "Minh chứng đạt yêu cầu", confirmed=True)
        with pytest.raises(Conflict) as closed:
            service.submit_evidence(db.session, user("commune-phucxa"), action_id, "Thêm", None, Path("/x"))
        assert closed.value.status == 409 and "đã được xác nhận" in closed.value.message
        for name in ("admin", "inspector"):  # the team and the administrator may verify too
            other = action_of(phucxa, "TG-01").id if name == "admin" else action_of(phucxa, "DV-03").id
            service.submit_evidence(db.session, user("commune-phucxa"), other, "Xong", None, Path("/x"))
            verdict = service.verify(db.session, user(name), other, "Minh chứng đạt yêu cầu", confirmed=True)
            assert verdict.status == "verified"


def test_a_verdict_needs_the_confirmation_and_a_comment_and_a_send_back_clears_it(db_app, two):
    phucxa, _ = two
    with db_app.app_context():
        action_id = action_of(phucxa, "TG-02").id
        service.submit_evidence(db.session, user("commune-phucxa"), action_id, "Đã đăng 6 tin", None, Path("/x"))
        for comment, confirmed, missing in (("Đạt", False, {"confirm"}), ("Đạt", "yes", {"confirm"}),
                                            (" \n ", True, {"comment"}), (None, None, {"confirm", "comment"}),
                                            ("x" * 2001, True, {"comment"})):
            with pytest.raises(Invalid) as refused:
                service.verify(db.session, user("inspector"), action_id, comment, confirmed=confirmed)
            assert set(refused.value.details["errors"]) == missing
            db.session.rollback()
            assert db.session.get(RemediationAction, action_id).status == "submitted"
        action = service.verify(db.session, user("inspector"), action_id, "  Đã xem 6 tin trên loa  ", confirmed=True)
        assert action.verify_comment == "Đã xem 6 tin trên loa"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "verify")).one()
        assert entry.details["comment"] == "Đã xem 6 tin trên loa"
        service.reopen(db.session, user("inspector"), action_id, "Tin thứ 6 chưa phát")
        assert (action.status, action.verify_comment, action.verified_at) == ("open", None, None)


def test_reopen_needs_a_reason_and_opens_the_action_again(db_app, two):
    phucxa, _ = two
    with db_app.app_context():
        action_id = action_of(phucxa, "GT-03").id
        inspector = user("inspector")
        with pytest.raises(Conflict):
            service.reopen(db.session, inspector, action_id, "Chưa gửi gì")  # still open
        service.submit_evidence(db.session, user("commune-phucxa"), action_id, "Đã niêm yết", None, Path("/x"))
        for reason in (None, "", "   ", 42):
            with pytest.raises(Invalid) as refused:
                service.reopen(db.session, inspector, action_id, reason)
            assert refused.value.details["errors"] == {"reason": "nhập lý do trả lại"}
            assert "lý do" in refused.value.message
            db.session.rollback()
        with pytest.raises(Forbidden):
            service.reopen(db.session, user("commune-phucxa"), action_id, "Tự mở lại")
        db.session.rollback()
        action = service.reopen(db.session, inspector, action_id, "Ảnh chụp không thấy lịch tiếp công dân")
        assert (action.status, action.return_reason) == ("open", "Ảnh chụp không thấy lịch tiếp công dân")
        service.submit_evidence(db.session, user("commune-phucxa"), action_id, "Ảnh mới", None, Path("/x"))
        service.verify(db.session, inspector, action_id, "Minh chứng đạt yêu cầu", confirmed=True)
        action = service.reopen(db.session, user("district-badinh"), action_id, "Kiểm tra lại thấy đã gỡ lịch")
        assert (action.status, action.verified_at, action.verified_by_id) == ("open", None, None)
        assert action.return_reason == "Kiểm tra lại thấy đã gỡ lịch"


def test_every_change_is_audited(db_app, two):
    phucxa, _ = two
    with db_app.app_context():
        action_id = action_of(phucxa, "CK-05").id
        evidence = service.submit_evidence(db.session, user("commune-phucxa"), action_id, "Có hòm thư góp ý",
                                           None, Path("/x"))
        service.reopen(db.session, user("inspector"), action_id, "Thiếu ảnh hòm thư")
        service.submit_evidence(db.session, user("commune-phucxa"), action_id, "Ảnh hòm thư", None, Path("/x"))
        service.verify(db.session, user("district-badinh"), action_id, "Minh chứng đạt yêu cầu", confirmed=True)
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "remediation",
                                                              AuditEntry.entity_id == action_id)
                                     .order_by(AuditEntry.id)).all()
        assert [(e.username, e.action) for e in entries] == [
            ("commune-phucxa", "submit_evidence"), ("inspector", "reopen"), ("commune-phucxa", "submit_evidence"),
            ("district-badinh", "verify")]
        assert entries[0].details == {"evidence": evidence.id, "kind": "note", "sha256": None, "size": 0,
                                      "previous": "open"}
        assert entries[1].details == {"reason": "Thiếu ảnh hòm thư", "previous": "submitted"}
        with pytest.raises(Conflict):  # a refusal writes nothing
            service.verify(db.session, user("inspector"), action_id, "Minh chứng đạt yêu cầu", confirmed=True)
        db.session.rollback()
        assert db.session.query(AuditEntry).filter_by(entity="remediation").count() == 4


def test_a_revision_carries_remediation_forward(db_app, catalog, two):
    """Finalise, work on the actions, revise (TG-02 corrected away, MT-03 found), finalise again: every
    action whose finding stands goes on with its evidence, status and history; TG-02's is closed as no
    longer applicable; MT-03 gets a new one; the minutes details are the original's; the audit says so."""
    phucxa, _ = two
    with db_app.app_context():
        inspector, commune = user("inspector"), user("commune-phucxa")
        verified, sent_back, submitted = (action_of(phucxa, code).id for code in ("GT-03", "TG-01", "CK-05"))
        for action_id in (verified, sent_back, submitted):
            service.submit_evidence(db.session, commune, action_id, "Đã khắc phục", None, Path("/x"))
        service.verify(db.session, inspector, verified, "Minh chứng đạt yêu cầu", confirmed=True)
        service.reopen(db.session, inspector, sent_back, "Ảnh chưa rõ loa ở tổ dân phố số 5")
        original = db.session.get(Inspection, phucxa)
        before = {(f.rule_id, tuple(f.items)): snapshot(f.action) for f in original.findings}
        gone = action_of(phucxa, "TG-02").id
        actions_before = db.session.scalar(select(func.count(RemediationAction.id)))

        revision, _ = inspections.revise(db.session, inspector, phucxa)
        inspections.save_answers(db.session, catalog, inspector, revision.id, {"TG-02": 5, "MT-03": "no"}, {},
                                 revision.version)
        inspections.finalize(db.session, catalog, inspector, revision.id)  # the details: copied from the original
        db.session.expire_all()
        done, original = db.session.get(Inspection, revision.id), db.session.get(Inspection, phucxa)

        assert (original.status, done.status) == ("superseded", "finalised")
        assert original.start_time and original.end_time and original.place
        for field in inspections.MINUTES_DETAILS:
            assert getattr(done, field) == getattr(original, field), field
        keys = {(f.rule_id, tuple(f.items)) for f in done.findings}
        assert keys == set(before) - {("TG-02", ("TG-02",))} | {("MT-03", ("MT-03",))}
        for finding in done.findings:
            key = (finding.rule_id, tuple(finding.items))
            assert finding.action.inspection_id == done.id and finding.action.deadline == finding.deadline
            if key in before:  # the same action: same id, status, evidence, times, reviewer, reason
                assert snapshot(finding.action) == before[key], key
            else:
                assert snapshot(finding.action)[1:] == ("open", (), None, None, None, None)
        assert action_of(done.id, "GT-03").id == verified and action_of(done.id, "GT-03").status == "verified"
        assert action_of(done.id, "TG-01").return_reason == "Ảnh chưa rõ loa ở tổ dân phố số 5"
        assert action_of(done.id, "CK-05").status == "submitted"
        assert all(f.action is None for f in original.findings if f.code != "TG-02")
        closed = db.session.get(RemediationAction, gone)
        assert (closed.status, closed.inspection_id) == ("superseded", phucxa)
        assert service.STATUS_LABELS["superseded"] == "Không còn áp dụng"
        assert db.session.scalar(select(func.count(RemediationAction.id))) == actions_before + 1  # MT-03 only

        audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action.in_(("carry_forward", "close_action")))
                                   .order_by(AuditEntry.id)).all()
        carried = [before[(f.rule_id, tuple(f.items))][0] for f in done.findings if (f.rule_id, tuple(f.items)) in before]
        assert [(e.action, e.entity_id) for e in audit] == \
            [("carry_forward", action_id) for action_id in carried] + [("close_action", gone)]
        assert all(e.details["from_inspection"] == phucxa and e.details["to_inspection"] == done.id
                   for e in audit[:-1])
        assert audit[-1].details == {"inspection": phucxa, "code": "TG-02",
                                     "status": {"from": "open", "to": "superseded"}}

        current = service.list_actions(db.session, commune)
        assert {a.inspection_id for a in current} == {done.id} and all(a.status != "superseded" for a in current)
        with pytest.raises(Conflict) as refused:
            service.submit_evidence(db.session, commune, gone, "Muộn", None, Path("/x"))
        assert refused.value.details == {"status": "superseded"} and "không còn áp dụng" in refused.value.message
        db.session.rollback()
        with pytest.raises(Conflict):
            service.reopen(db.session, inspector, gone, "Mở lại")
        assert db.session.scalar(select(RemediationEvidence).where(RemediationEvidence.action_id == gone)) is None


def snapshot(action: RemediationAction) -> tuple:
    """What a carried action keeps: its id, status, evidence, times, reviewer and send-back reason."""
    return (action.id, action.status, tuple((e.id, e.note) for e in action.evidence), action.submitted_at,
            action.verified_at, action.verified_by_id, action.return_reason)

"""The minutes through the app: draft previews, frozen at finalising, byte-identical downloads."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import FindingRecord, Inspection, MinutesDocument, RemediationAction
from apiclient import VARIED, Api, compliant_doc


def text_of(pdf: bytes) -> str:
    """The PDF's text, NFC, without whitespace (line breaks fall anywhere)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def api(app):
    return Api(app, "inspector")


def answered(api, **extra) -> int:
    inspection = api.create(**extra)
    assert api.answer(inspection, compliant_doc()["answers"] | VARIED).status_code == 200
    return inspection


def test_a_draft_preview_is_watermarked_and_rendered_afresh(api):
    inspection = answered(api)
    first = api.get(f"/inspections/{inspection}/minutes.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Cache-Control"] == "no-store"
    assert "DỰTHẢO" in text_of(first.data)
    assert api.answer(inspection, {"GT-03": "du"}).status_code == 200
    second = api.get(f"/inspections/{inspection}/minutes.pdf").data
    assert "Khôngniêmyết" not in text_of(second) or text_of(second) != text_of(first.data)


def test_details_then_finalise_freeze_the_minutes(api, app):
    inspection = answered(api)
    details = {"start_time": "08:30", "end_time": "11:45", "copies": 3, "commune_opinion": "Nhất trí với kết luận.",
               "place": "hội trường UBND Phường Phúc Xá",
               "plan_reference": "Kế hoạch số 145/KH-SNV ngày 01/9/2020 của Sở Nội vụ"}
    patched = api.client.patch(f"/api/v1/inspections/{inspection}", json=details, headers=api.headers(True))
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["copies"] == 3
    done = api.finalize(inspection).get_json()
    first = api.get(f"/inspections/{inspection}/minutes.pdf")
    second = api.get(f"/inspections/{inspection}/minutes.pdf")
    assert first.data == second.data
    assert hashlib.sha256(first.data).hexdigest() == done["minutes_sha256"] == first.headers["ETag"].strip('"')
    text = text_of(first.data)
    assert "DỰTHẢO" not in text
    for expected in ("BIÊNBẢNKIỂMTRA", "PhườngPhúcXá", "QuậnBaĐình", "Số:01/BB-ĐKT", "vàohồi08giờ30ngày15tháng9năm2020,tạihộitrườngUBNDPhườngPhúcXá.",
                     "Kếhoạchsố145/KH-SNV", "Nhấttrívớikếtluận.", "đượclậpthành3bản", "Biênbảnkếtthúcvàohồi11giờ45"):
        assert expected in text, expected
    with app.app_context():
        stored = db.session.get(Inspection, inspection)
        assert stored.record_sha256 in text
        for finding in stored.findings:
            assert squash(finding.title)[:30] in text
            if finding.deadline:
                assert finding.deadline.strftime("%d/%m/%Y") in text
    again = api.client.patch(f"/api/v1/inspections/{inspection}", json={"copies": 2}, headers=api.headers(True))
    assert again.status_code == 409


def test_invalid_details_are_refused_per_field(api):
    inspection = api.create()
    response = api.client.patch(f"/api/v1/inspections/{inspection}", headers=api.headers(True),
                                json={"start_time": "8h30", "copies": 0, "colour": "đỏ"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"start_time", "copies", "colour"}


def test_a_revision_is_numbered_anew_and_names_the_one_it_replaces(api, app):
    inspection = answered(api)
    api.finalize(inspection)
    revision = api.post(f"/inspections/{inspection}/revise").get_json()["id"]
    assert api.finalize(revision).status_code == 200
    text = text_of(api.get(f"/inspections/{revision}/minutes.pdf").data)
    assert "Số:02/BB-ĐKT" in text and "01/BB-ĐKT" in text  # the replaced minutes' number is named
    with app.app_context():
        assert db.session.scalar(select(func.count(MinutesDocument.id))) == 2
        original = db.session.scalar(select(MinutesDocument).where(MinutesDocument.inspection_id == inspection))
    assert api.get(f"/inspections/{inspection}/minutes.pdf").data == original.pdf  # still served as frozen


def test_if_the_pdf_cannot_be_rendered_nothing_is_finalised(api, app, monkeypatch):
    inspection = answered(api)

    def broken(data):
        raise RuntimeError("renderer down")

    monkeypatch.setattr("inspect_app.services.minutes.render_minutes", broken)
    failed = api.finalize(inspection)
    assert failed.status_code == 500
    assert "Traceback" not in failed.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Inspection, inspection).status == "draft"
        assert db.session.scalar(select(func.count(FindingRecord.id))) == 0
        assert db.session.scalar(select(func.count(RemediationAction.id))) == 0


def test_others_cannot_read_the_minutes(app, api):
    inspection = answered(api)
    assert Api(app, "district-hoankiem").get(f"/inspections/{inspection}/minutes.pdf").status_code == 403
    assert Api(app, "commune-phucxa").get(f"/inspections/{inspection}/minutes.pdf").status_code == 403
    api.finalize(inspection)
    assert Api(app, "commune-phucxa").get(f"/inspections/{inspection}/minutes.pdf").status_code == 200
    assert Api(app).get(f"/inspections/{inspection}/minutes.pdf").status_code == 401


def test_seeded_inspections_freeze_their_minutes_on_first_download(app):
    from inspect_app.services.demo import seed_demo

    with app.app_context():
        seed_demo(db.session, app.extensions["catalog"].loaded, range(2020, 2021), 1, 122)
        seeded = db.session.scalar(select(Inspection).where(Inspection.status == "finalised"))
        assert seeded.minutes_sha256 is None
    api = Api(app, "admin")
    first = api.get(f"/inspections/{seeded.id}/minutes.pdf")
    second = api.get(f"/inspections/{seeded.id}/minutes.pdf")
    assert first.status_code == 200 and first.data == second.data
    assert "DỰTHẢO" not in text_of(first.data)
    with app.app_context():
        frozen = db.session.get(Inspection, seeded.id)
        assert frozen.minutes_sha256 == hashlib.sha256(first.data).hexdigest()
        assert frozen.record_sha256 in text_of(first.data)


def test_seed_demo_skip_existing_leaves_a_filled_database_alone(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--years", "2020", "--communes", "1"]).exit_code == 0
    again = runner.invoke(args=["seed-demo", "--years", "2020", "--communes", "1"])
    assert again.exit_code == 1 and "Dữ liệu mẫu đã được tạo" in again.output
    skipped = runner.invoke(args=["seed-demo", "--communes", "1", "--skip-existing"])
    assert skipped.exit_code == 0 and "không tạo thêm" in skipped.output


def failing_answers(checklist) -> dict:
    """Answers to every item of a dated checklist that make its item rules fire."""
    answers = {}
    for code, item in checklist.items.items():
        if item.type == "yesno":
            answers[code] = "no"
        elif item.type == "choice":
            answers[code] = item.choices[-1].value
        elif item.type in ("int", "pct"):
            answers[code] = 5 if item.input_only else 0
        elif item.type == "date" and not item.due:
            answers[code] = "2025-12-20"
    return answers


def test_a_commune_after_the_reform_gets_the_current_sheet_and_current_law(api, app, catalog):
    """Phường Ba Đình (00004 since 1/7/2025) inspected in November 2026: version 2 of the sheet, the
    compliance score, only instruments in force; no district, no repealed law, no 2020 plan."""
    day = dt.date(2026, 11, 18)
    checklist = catalog.checklist_for("papi-xa", day).on(day)
    inspection = api.create(client_id="tablet-2026-ba-dinh", commune_code="00004", inspection_date=day.isoformat(),
                            villages=40, commune_reps=[{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}])
    shown = api.get(f"/inspections/{inspection}").get_json()
    assert (shown["checklist_version"], shown["district_code"]) == (2, "001")
    assert api.answer(inspection, failing_answers(checklist)).status_code == 200
    done = api.finalize(inspection)
    assert done.status_code == 200, done.get_json()
    findings = done.get_json()["findings"]
    assert {"GT-12", "CK-15", "DT-05", "GT-05"} <= {f["code"] for f in findings}
    text = text_of(api.get(f"/inspections/{inspection}/minutes.pdf").data)
    for current in ("Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15", "Luật Ngân sách nhà nước số 89/2025/QH15",
                    "Nghị định số 224/2026/NĐ-CP", "Luật số 136/2025/QH15", "ĐIỂM TUÂN THỦ",
                    "tại UBND Phường Ba Đình.", "papi-xa@2"):
        assert squash(current) in text, current
    for repealed in ("122/KH-UBND", "179/KH-UBND", "số 77/2015", "Pháp lệnh", "Quận Ba Đình", "Phòng Nội vụ",
                     "cấp huyện", "UBND quận", "ĐIỂM PAPI", "Cụm Ba Đình", "83/2015"):
        assert squash(repealed) not in text, repealed
    rules = [rule for rule in catalog.ruleset(checklist).rules if rule.in_force(day)]
    for finding in findings:
        assert finding["legal_basis"] in {rule.basis_on(day) for rule in rules if rule.code == finding["code"]}

"""Photos of an inspection: caption and delete while a draft, the time taken, the location only by opt-in."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from apiclient import VARIED, Api, assert_vietnamese_error, compliant_doc, jpeg
from PIL import Image
from sqlalchemy import select

from inspect_app.domain.checklists import VIETNAM
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, Photo, Team

TEAM = "Đoàn kiểm tra số 1 - Sở Nội vụ"
# 21°01'41,64" N, 105°50'03,6" E: the Sở Nội vụ's neighbourhood in Ba Đình
LATITUDE, LONGITUDE = 21.0282, 105.834333


def exif_block(taken: str | None = "2020:09:15 08:45:10", offset: str | None = None, gps: bool = True) -> Image.Exif:
    """EXIF as a tablet camera writes it: DateTimeOriginal (local time) and the GPS position."""
    exif = Image.Exif()
    exif[0x0110] = "Tablet camera"
    if taken is not None:
        exif.get_ifd(0x8769)[36867] = taken
        if offset is not None:
            exif.get_ifd(0x8769)[36881] = offset
    if gps:
        position = exif.get_ifd(0x8825)
        position[1], position[2] = "N", (21.0, 1.0, 41.52)
        position[3], position[4] = "E", (105.0, 50.0, 3.6)
    return exif


def exif_jpeg(**kwargs) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 30)).save(out, "JPEG", exif=exif_block(**kwargs).tobytes())
    return out.getvalue()


def photo_of(api: Api, inspection: int, photo_id: int) -> dict:
    return next(p for p in api.get(f"/inspections/{inspection}").get_json()["photos"] if p["id"] == photo_id)


@pytest.fixture
def api(app):
    return Api(app, "inspector")


def uploaded(api: Api, inspection: int, item: str = "CK-01", data: bytes | None = None, **kwargs) -> dict:
    response = api.photo(inspection, item, data or jpeg(), **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# ---------------------------------------------------------------- caption


def test_a_caption_is_saved_trimmed_audited_and_bumps_the_version(api, app):
    inspection = api.create()
    photo = uploaded(api, inspection)
    response = api.caption(inspection, photo["id"], "  Bảng niêm yết lịch tiếp công dân  ")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["caption"] == "Bảng niêm yết lịch tiếp công dân"
    assert body["version"] == photo["version"] + 1  # the minutes print it: other tablets must reload
    assert photo_of(api, inspection, photo["id"])["caption"] == "Bảng niêm yết lịch tiếp công dân"
    assert api.caption(inspection, photo["id"], None).get_json()["caption"] == ""  # null removes it
    with app.app_context():
        changes = [e.details["caption"] for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "caption_photo").order_by(AuditEntry.id))]
    assert changes == [{"from": "", "to": "Bảng niêm yết lịch tiếp công dân"},
                       {"from": "Bảng niêm yết lịch tiếp công dân", "to": ""}]


@pytest.mark.parametrize("caption, problem", [
    ("Ả" * 301, "tối đa 300 ký tự"),
    ("Bảng tin\ndòng hai", "ký tự điều khiển"),
    ("Chuông\x07", "ký tự điều khiển"),
    ("Đảo chiều \u202egnahp", "ký tự điều khiển"),
    (12, "phải là văn bản"),
])
def test_a_bad_caption_is_refused_with_the_reason_and_nothing_saved(api, caption, problem):
    inspection = api.create()
    photo = uploaded(api, inspection)
    body = assert_vietnamese_error(api.caption(inspection, photo["id"], caption), 422)
    assert problem in body["errors"]["caption"]
    assert photo_of(api, inspection, photo["id"])["caption"] == ""
    assert api.get(f"/inspections/{inspection}").get_json()["version"] == photo["version"]


def test_a_caption_request_needs_exactly_the_caption_and_csrf(api):
    inspection = api.create()
    photo = uploaded(api, inspection)
    path = f"/inspections/{inspection}/photos/{photo['id']}"
    assert "caption" in assert_vietnamese_error(api.patch(path, json={}), 422)["errors"]
    assert "width" in assert_vietnamese_error(api.patch(path, json={"caption": "x", "width": 1}), 422)["errors"]
    assert_vietnamese_error(api.patch(path, data="không phải JSON"), 400)
    assert_vietnamese_error(api.caption(inspection, photo["id"], "Ảnh", csrf=False), 400)


# ---------------------------------------------------------------- delete


def test_deleting_a_photo_removes_row_and_file_and_reevaluates(api, app):
    inspection = api.create()
    assert api.answer(inspection, compliant_doc()["answers"] | VARIED).status_code == 200
    evidence = uploaded(api, inspection, "CK-01")
    with api.client.get(f"/inspections/{inspection}/photos/{evidence['id']}?size=thumb") as thumb:
        assert thumb.status_code == 200
    with app.app_context():
        stored = db.session.get(Photo, evidence["id"]).stored_name
    folder = Path(app.config["PHOTO_DIR"])
    assert (folder / stored).exists() and (folder / "thumbs" / stored).exists()
    before = api.get(f"/inspections/{inspection}").get_json()
    response = api.delete_photo(inspection, evidence["id"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == before["version"] + 1
    assert {"findings", "scores", "assessed", "missing"} <= set(body)
    detail = api.get(f"/inspections/{inspection}").get_json()
    assert detail["photos"] == [] and detail["findings"] == body["findings"]
    assert not (folder / stored).exists() and not (folder / "thumbs" / stored).exists()
    assert api.client.get(f"/inspections/{inspection}/photos/{evidence['id']}").status_code == 404
    assert_vietnamese_error(api.delete_photo(inspection, evidence["id"]), 404)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete_photo"))
        photo_row = db.session.get(Photo, evidence["id"])
    assert photo_row is None
    assert entry.details | {"sha256": None} == {"item": "CK-01", "photo": evidence["id"], "caption": "",
                                                 "sha256": None}
    assert len(entry.details["sha256"]) == 64


def test_a_revision_deletes_its_photo_but_the_finalised_one_keeps_the_file(api, app):
    inspection = api.create()
    assert api.answer(inspection, compliant_doc()["answers"] | VARIED).status_code == 200
    original = uploaded(api, inspection, "CK-01")
    assert api.finalize(inspection).status_code == 200
    revision = api.post(f"/inspections/{inspection}/revise").get_json()["id"]
    copied = api.get(f"/inspections/{revision}").get_json()["photos"][0]
    assert api.delete_photo(revision, copied["id"]).status_code == 200
    with api.client.get(f"/inspections/{inspection}/photos/{original['id']}") as shown:
        assert shown.status_code == 200 and shown.mimetype == "image/jpeg"


# ---------------------------------------------------------------- who and when


def test_after_finalising_photos_can_be_neither_captioned_nor_deleted(api):
    inspection = api.create()
    assert api.answer(inspection, compliant_doc()["answers"]).status_code == 200
    photo = uploaded(api, inspection)
    assert api.finalize(inspection).status_code == 200
    for response in (api.caption(inspection, photo["id"], "Sửa sau khi chốt"), api.delete_photo(inspection, photo["id"])):
        body = assert_vietnamese_error(response, 409)
        assert body["status"] == "finalised" and "bản sửa đổi" in body["error"]
    assert photo_of(api, inspection, photo["id"])["caption"] == ""


def test_another_teams_inspection_and_another_inspections_photo_are_refused(api, app):
    inspection = api.create()
    photo = uploaded(api, inspection)
    outsider = Api(app, "inspector2")  # an inspector of no team
    assert_vietnamese_error(outsider.caption(inspection, photo["id"], "Không phải của tôi"), 403)
    assert_vietnamese_error(outsider.delete_photo(inspection, photo["id"]), 403)
    commune = Api(app, "commune-phucxa")
    assert_vietnamese_error(commune.delete_photo(inspection, photo["id"]), 403)
    other = api.create(client_id="tablet-0002-abcdef")
    assert_vietnamese_error(api.delete_photo(other, photo["id"]), 404)
    assert_vietnamese_error(api.caption(other, photo["id"], "Ảnh"), 404)
    assert photo_of(api, inspection, photo["id"])["caption"] == ""


# ---------------------------------------------------------------- when and where it was taken


def test_the_exif_time_is_kept_and_the_location_stripped_by_default(api, app):
    inspection = api.create()
    photo = uploaded(api, inspection, data=exif_jpeg())
    assert photo["taken_at"] == "2020-09-15T01:45:10+00:00"  # 08:45:10 in Hà Nội
    assert (photo["taken_at_source"], photo["location"]) == ("exif", None)
    with app.app_context():
        row = db.session.get(Photo, photo["id"])
        assert (row.latitude, row.longitude) == (None, None)
        saved = Path(app.config["PHOTO_DIR"]) / row.stored_name
    with Image.open(saved) as image:
        assert not image.getexif() and "exif" not in image.info  # the stored file carries no metadata


def test_an_offset_in_the_exif_wins_and_a_photo_without_a_time_gets_the_upload_time(api):
    inspection = api.create()
    offset = uploaded(api, inspection, data=exif_jpeg(taken="2020:09:15 10:45:10", offset="+09:00"))
    assert offset["taken_at"] == "2020-09-15T01:45:10+00:00"
    plain = uploaded(api, inspection, data=jpeg())
    assert plain["taken_at_source"] == "upload" and plain["taken_at"]
    future = uploaded(api, inspection, data=exif_jpeg(taken="2099:01:01 00:00:00"))  # a broken camera clock
    assert future["taken_at_source"] == "upload"
    garbled = uploaded(api, inspection, data=exif_jpeg(taken="không phải ngày"))
    assert garbled["taken_at_source"] == "upload"


def test_the_location_is_kept_only_after_an_admin_opts_the_team_in(api, app):
    inspection = api.create()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["teams", "photo-location", TEAM, "on", "--by", "inspector"])
    assert refused.exit_code == 1 and "quản trị" in refused.output
    assert uploaded(api, inspection, data=exif_jpeg())["location"] is None
    result = runner.invoke(args=["teams", "photo-location", TEAM, "on", "--by", "admin"])
    assert result.exit_code == 0, result.output
    assert "đã chuyển sang lưu vị trí chụp ảnh" in result.output
    kept = uploaded(api, inspection, data=exif_jpeg())
    assert kept["location"] == pytest.approx({"latitude": LATITUDE, "longitude": LONGITUDE}, abs=1e-5)
    assert kept["taken_at_source"] == "exif"
    assert uploaded(api, inspection, data=exif_jpeg(gps=False))["location"] is None
    off = runner.invoke(args=["teams", "photo-location", "1", "off", "--by", "admin"])
    assert off.exit_code == 0 and "không lưu vị trí" in off.output
    assert uploaded(api, inspection, data=exif_jpeg())["location"] is None
    unknown = runner.invoke(args=["teams", "photo-location", "Đoàn số 9", "on", "--by", "admin"])
    assert unknown.exit_code == 1 and TEAM in unknown.output  # says which teams there are
    with app.app_context():
        assert db.session.scalar(select(Team.keep_photo_location)) is False
        changes = [e.details["keep_photo_location"] for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "photo_location").order_by(AuditEntry.id))]
    assert changes == [{"from": False, "to": True}, {"from": True, "to": False}]


def test_a_downscaled_photo_takes_its_time_and_place_from_the_exif_sent_beside_it(api, app):
    """A tablet's canvas drops the EXIF; checklist.js sends the original's EXIF segment with the photo."""
    app.test_cli_runner().invoke(args=["teams", "photo-location", TEAM, "on", "--by", "admin"])
    inspection = api.create()
    segment = b"Exif\x00\x00" + exif_block().tobytes()
    photo = uploaded(api, inspection, data=jpeg(), exif=segment)
    assert photo["taken_at"] == "2020-09-15T01:45:10+00:00" and photo["taken_at_source"] == "exif"
    assert photo["location"] == pytest.approx({"latitude": LATITUDE, "longitude": LONGITUDE}, abs=1e-5)
    body = assert_vietnamese_error(api.photo(inspection, "CK-01", jpeg(), exif=b"not exif"), 422)
    assert "exif" in body["errors"]
    too_long = assert_vietnamese_error(api.photo(inspection, "CK-01", jpeg(), exif=b"Exif\x00\x00" + bytes(70000)),
                                       422)
    assert "64 KB" in too_long["errors"]["exif"]
    assert len(api.get(f"/inspections/{inspection}").get_json()["photos"]) == 1  # nothing half-saved


# ---------------------------------------------------------------- the minutes' annex of photos


def pdf_text(pdf: bytes, tmp_path: Path, *pages: str) -> str:
    """What poppler reads from the PDF (pdftotext), as a reader sees it."""
    path = tmp_path / "bien-ban.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", *pages, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_the_minutes_annex_shows_each_photo_with_caption_time_and_kept_location(api, app, tmp_path):
    app.test_cli_runner().invoke(args=["teams", "photo-location", TEAM, "on", "--by", "admin"])
    inspection = api.create()
    assert api.answer(inspection, compliant_doc()["answers"] | VARIED).status_code == 200
    located = uploaded(api, inspection, "TG-01", data=exif_jpeg())
    plain = uploaded(api, inspection, "CK-01", data=jpeg(640, 480))
    wrong = uploaded(api, inspection, "CK-01", data=jpeg())
    assert api.caption(inspection, located["id"], "Lịch tiếp công dân niêm yết tại bảng tin").status_code == 200
    assert api.caption(inspection, wrong["id"], "Ảnh chụp nhầm").status_code == 200
    assert api.delete_photo(inspection, wrong["id"]).status_code == 200
    draft = pdf_text(api.get(f"/inspections/{inspection}/minutes.pdf").data, tmp_path)
    assert "PHỤ LỤC: ẢNH MINH CHỨNG" in draft and "Ảnh chụp nhầm" not in draft
    assert api.finalize(inspection).status_code == 200
    pdf = api.get(f"/inspections/{inspection}/minutes.pdf").data
    text = pdf_text(pdf, tmp_path)
    annex = text[text.index("PHỤ LỤC: ẢNH MINH CHỨNG"):]
    squashed = " ".join(annex.split())
    assert "Kèm theo Biên bản kiểm tra số 01/BB-ĐKT" in squashed
    assert "Ảnh 1 – tiêu chí TG-01: Lịch tiếp công dân niêm yết tại bảng tin" in squashed
    assert "Chụp lúc 15/09/2020 08:45; vị trí chụp: 21,028200° B, 105,834333° Đ" in squashed
    assert "Ảnh 2 – tiêu chí CK-01 " in squashed  # no caption: nothing after the item
    uploaded_at = dt.datetime.fromisoformat(plain["taken_at"]).astimezone(VIETNAM)
    assert f"Tải lên lúc {uploaded_at:%d/%m/%Y %H:%M} (ảnh không ghi thời điểm chụp)" in squashed
    assert "Ảnh 3" not in squashed and "Ảnh chụp nhầm" not in squashed
    images = subprocess.run(["pdfimages", "-list", "-"], input=pdf, check=True, capture_output=True).stdout.decode()
    assert len([line for line in images.splitlines()[2:] if " image " in line]) == 2  # both photos embedded


def test_the_annex_prints_no_location_for_a_team_that_did_not_opt_in(api, tmp_path):
    inspection = api.create()
    uploaded(api, inspection, "TG-01", data=exif_jpeg())
    text = " ".join(pdf_text(api.get(f"/inspections/{inspection}/minutes.pdf").data, tmp_path).split())
    assert "Chụp lúc 15/09/2020 08:45" in text and "vị trí chụp" not in text

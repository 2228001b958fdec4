"""On the tablet: a photo gets a caption, and a wrongly taken one is deleted after a confirmation."""
from __future__ import annotations

import io
import re

import test_tablet
from playwright.sync_api import expect
from PIL import Image
from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.models import Photo, User
from inspect_app.services import inspections as service

live_server, browser, screenshots = test_tablet.live_server, test_tablet.browser, test_tablet.screenshots
NEW = {"checklist": "papi-xa", "commune_code": "00001", "inspection_date": "2020-09-15", "villages": 12,
       "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên Sở Nội vụ", "role": "truong_doan"}],
       "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}]}


def camera_jpeg(color: tuple[int, int, int]) -> bytes:
    """A 2000×1500 camera photo taken at 08:45 on 15/09/2020: the tablet downscales it (dropping its EXIF)."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2020:09:15 08:45:10"
    out = io.BytesIO()
    Image.new("RGB", (2000, 1500), color).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def photos(app, inspection_id: int) -> list[tuple[str, str, str | None]]:
    with app.app_context():
        return [(p.item_code, p.caption, p.taken_at_source) for p in db.session.scalars(
            select(Photo).where(Photo.inspection_id == inspection_id).order_by(Photo.id))]


def test_a_photo_is_captioned_and_a_wrong_one_deleted_on_the_tablet(app, live_server, browser, screenshots):
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == "inspector"))
        inspection_id = service.create_inspection(db.session, app.extensions["catalog"].loaded, actor, NEW)[0].id
    tablet = test_tablet.Tablet(browser, live_server, test_tablet.PORTRAIT)
    page = tablet.page
    tablet.login("inspector")
    page.goto(f"/inspections/{inspection_id}")
    cards = page.locator("#item-CK-01 .photo-card")
    for count, (name, color) in enumerate((("bang-tin.jpg", (30, 120, 60)), ("chup-nham.jpg", (160, 40, 40))), 1):
        page.set_input_files('input[name="photo-CK-01"]',
                             files=[{"name": name, "mimeType": "image/jpeg", "buffer": camera_jpeg(color)}])
        expect(cards).to_have_count(count)  # a card once the server confirmed the upload
    # the canvas dropped the EXIF; the page sent the original's beside the photo, so the time is the camera's
    assert photos(app, inspection_id) == [("CK-01", "", "exif"), ("CK-01", "", "exif")]
    expect(cards.first.locator(".photo-taken")).to_have_text("Chụp lúc 15/09/2020 08:45")

    # Caption the first: one big button opens the photo with its caption field.
    edit = cards.first.locator(".photo-edit")
    assert edit.bounding_box()["height"] >= 44 and edit.bounding_box()["width"] >= 44
    edit.tap()
    dialog = page.locator("#photo-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#photo-dialog-taken")).to_have_text("Chụp lúc 15/09/2020 08:45")
    page.fill("#photo-caption-input", "Bảng tin công khai ngân sách phường")
    page.screenshot(path=str(screenshots / "photo-caption-768x1024.png"))
    buttons = page.evaluate("""() => Array.from(document.querySelectorAll('#photo-dialog-actions .button'))
        .map(b => b.getBoundingClientRect().height)""")
    assert min(buttons) >= 44, buttons
    page.locator("#photo-caption-save").tap()
    expect(dialog).to_be_hidden()
    expect(cards.first.locator(".photo-caption")).to_have_text("Bảng tin công khai ngân sách phường")
    assert photos(app, inspection_id)[0][1] == "Bảng tin công khai ngân sách phường"

    # A caption with a line break pasted in is refused beside the field, the dialog stays open.
    cards.first.locator(".photo-edit").tap()
    page.evaluate("() => { document.getElementById('photo-caption-input').value = 'Dòng một\\u0007'; }")
    page.locator("#photo-caption-save").tap()
    expect(page.locator("#photo-dialog-error")).to_contain_text("ký tự điều khiển")
    page.locator("#photo-dialog-close").tap()
    expect(dialog).to_be_hidden()

    # Delete the second: it asks first; "Không xóa" keeps it, "Xóa ảnh" removes it.
    cards.nth(1).locator(".photo-edit").tap()
    page.locator("#photo-delete").tap()
    expect(page.locator("#photo-delete-confirm")).to_be_visible()
    expect(page.locator("#photo-delete-confirm")).to_contain_text("Xóa ảnh này khỏi phiếu?")
    page.screenshot(path=str(screenshots / "photo-delete-confirm-768x1024.png"))
    page.locator("#photo-delete-cancel").tap()
    expect(page.locator("#photo-delete-confirm")).to_be_hidden()
    assert len(photos(app, inspection_id)) == 2
    page.locator("#photo-delete").tap()
    page.locator("#photo-delete-go").tap()
    expect(dialog).to_be_hidden()
    expect(cards).to_have_count(1)
    assert photos(app, inspection_id) == [("CK-01", "Bảng tin công khai ngân sách phường", "exif")]
    expect(page.locator("#save-status")).to_contain_text(re.compile("Đã xóa ảnh"))

    # After a reload the page shows what the server holds; answers still save with the new version.
    page.reload()
    expect(page.locator("#item-CK-01 .photo-caption")).to_have_text(["Bảng tin công khai ngân sách phường"])
    tablet.tap("TG-01", "yes")
    tablet.wait_saved(inspection_id)
    page.locator("#item-CK-01").screenshot(path=str(screenshots / "photo-captioned-768x1024.png"))
    assert not tablet.errors, tablet.errors
    tablet.only_local_requests()
    tablet.close()

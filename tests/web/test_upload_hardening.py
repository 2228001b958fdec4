"""Hostile uploads through the real endpoints: inspection photos and remediation evidence.

Each fixture is made here with Pillow or pypdf: a pixel bomb, a truncated JPEG, a JPEG with a
comment, PDFs with active content and an HTML polyglot. Refused files answer 422 in Vietnamese
and leave nothing behind; accepted images are stored re-encoded without their comment.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from apiclient import Api, assert_vietnamese_error
from PIL import Image, ImageFile, PngImagePlugin
from sqlalchemy import select
from test_remediation import Api as RemediationApi
from test_remediation import action_id, finalised

from inspect_app.extensions import db
from inspect_app.models import Photo, RemediationEvidence
from inspect_app.services.photos import LONGEST_SIDE, open_upload

COMMENT = b"<script>alert('COM')</script>"


def jpeg(width: int = 640, height: int = 480, **options) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(out, "JPEG", **options)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (58, 123, 213)).save(out, "PNG")
    return out.getvalue()


def segment_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's segments from SOI up to the first scan (where COM and APPn live)."""
    markers, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        markers.append(data[pos + 1])
        if data[pos + 1] == 0xDA:
            break
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return markers


class Uploads:
    """Send a file as an inspection photo or as remediation evidence, and read back what was stored."""

    def __init__(self, app, kind: str):
        self.app, self.kind = app, kind
        if kind == "photo":
            self.api = Api(app, "inspector")
            self.target = self.api.create()
        else:
            self.api = RemediationApi(app, "commune-phucxa")
            self.target = action_id(app, finalised(app), "GT-03")

    def send(self, data: bytes, filename: str = "anh.jpg"):
        if self.kind == "photo":
            return self.api.photo(self.target, "CK-01", data, filename=filename)
        return self.api.evidence(self.target, "Ảnh minh chứng", (data, filename))

    def stored(self) -> list[bytes]:
        """The bytes of every file stored so far, oldest first."""
        model = Photo if self.kind == "photo" else RemediationEvidence
        with self.app.app_context():
            names = db.session.scalars(select(model.stored_name).where(model.stored_name.is_not(None))
                                       .order_by(model.id)).all()
        folder = Path(self.app.config["PHOTO_DIR"])
        return [(folder / name).read_bytes() for name in names]

    def files_on_disk(self) -> list[Path]:
        folder = Path(self.app.config["PHOTO_DIR"])
        return sorted(folder.glob("*.*")) if folder.exists() else []


@pytest.fixture(params=["photo", "evidence"])
def uploads(app, request):
    return Uploads(app, request.param)


def refused(uploads: Uploads, data: bytes, filename: str = "anh.jpg") -> str:
    """Send, expect a Vietnamese 422, and check that nothing was stored."""
    before = uploads.files_on_disk()
    body = assert_vietnamese_error(uploads.send(data, filename), 422)
    assert uploads.files_on_disk() == before and uploads.stored() == []
    return body["error"]


# ---------------------------------------------------------------- images


def test_a_pixel_bomb_is_refused_from_its_header_without_decoding(uploads, monkeypatch):
    bomb = png(7740, 7740)
    assert len(bomb) < 300 * 1024  # a small file that would decode to 240 MB, 690 MB in all

    def never(self):
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", never)
    assert "độ phân giải quá lớn" in refused(uploads, bomb, "bom.png")


def test_a_large_jpeg_is_decoded_at_a_fraction_of_its_size():
    image = open_upload(jpeg(4800, 3600))
    assert image.size == (2400, 1800)  # libjpeg's DCT scaling: half, still more than the 1600 px stored
    assert max(image.size) >= LONGEST_SIDE


def test_the_jpeg_comment_does_not_survive_re_encoding(uploads):
    sent = jpeg(comment=COMMENT)
    assert 0xFE in segment_markers(sent) and Image.open(io.BytesIO(sent)).info["comment"] == COMMENT
    response = uploads.send(sent)
    assert response.status_code == 201, response.get_json()
    [stored] = uploads.stored()
    assert 0xFE not in segment_markers(stored) and b"\xff\xfe" not in stored and COMMENT not in stored
    assert "comment" not in Image.open(io.BytesIO(stored)).info


@pytest.mark.parametrize("cut", ["end marker", "half"])
def test_a_truncated_jpeg_is_refused(uploads, cut):
    # WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on when the app imports it: Pillow alone would
    # then decode the missing half as grey and the upload was stored.
    assert ImageFile.LOAD_TRUNCATED_IMAGES
    data = jpeg(progressive=cut == "half")
    data = data[:-2] if cut == "end marker" else data[:len(data) // 2]
    assert "cắt cụt" in refused(uploads, data)


def test_a_truncated_png_is_refused(uploads):
    data = png(300, 200)
    refused(uploads, data[:len(data) * 2 // 3], "anh.png")


def test_a_complete_jpeg_with_trailing_bytes_is_still_accepted(uploads):
    """Some cameras append their own data after the end of the image; the image itself is whole."""
    response = uploads.send(jpeg(progressive=True) + b"\x00" * 16 + b"SEFT trailer")
    assert response.status_code == 201, response.get_json()
    assert len(uploads.stored()) == 1

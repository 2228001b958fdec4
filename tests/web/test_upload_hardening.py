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
from pypdf import PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (ArrayObject, DictionaryObject, NameObject, NullObject, NumberObject,
                           TextStringObject)
from sqlalchemy import select
from test_remediation import Api as RemediationApi
from test_remediation import action_id, finalised, page_client, token_of

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


# ---------------------------------------------------------------- PDF evidence


def pdf(build=None) -> bytes:
    """A one-page PDF written by pypdf; `build(writer)` adds to it."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if build is not None:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def action(**entries) -> DictionaryObject:
    return DictionaryObject({NameObject(f"/{key}"): value for key, value in entries.items()})


def open_action(value):
    return lambda writer: writer._root_object.__setitem__(NameObject("/OpenAction"), value)


def link(url: str):
    return lambda writer: writer.add_annotation(0, Link(rect=(50, 50, 200, 80), url=url))


def document_script(writer):
    """What Acrobat's "Document JavaScripts" writes: a name tree of scripts run when the file opens."""
    script = action(S=NameObject("/JavaScript"), JS=TextStringObject("app.alert('minh chứng');"))
    writer._root_object[NameObject("/Names")] = action(JavaScript=action(Names=ArrayObject(
        [TextStringObject("mo-tep"), writer._add_object(script)])))


def page_events(writer):
    writer.pages[0][NameObject("/AA")] = action(O=action(S=NameObject("/JavaScript"), JS=TextStringObject("app.alert(1)")))


def xfa_form(writer):
    writer._root_object[NameObject("/AcroForm")] = action(Fields=ArrayObject(), XFA=TextStringObject("<xdp:xdp/>"))


def page_destination(writer):
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/XYZ"), NullObject(), NullObject(), NumberObject(0)])


@pytest.fixture
def evidence(app):
    return Uploads(app, "evidence")


@pytest.mark.parametrize("build", [None, page_destination, link("https://hanoi.gov.vn/"), link("mailto:ubnd@hanoi.gov.vn")],
                         ids=["plain", "opens on a page", "web link", "mail link"])
def test_a_plain_pdf_is_stored_as_sent(evidence, build):
    sent = pdf(build)
    response = evidence.send(sent, "bien-ban.pdf")
    assert response.status_code == 201, response.get_json()
    assert evidence.stored() == [sent]


HOSTILE_PDFS = {
    "document JavaScript": (document_script, "/JavaScript"),
    "OpenAction JavaScript": (open_action(action(S=NameObject("/JavaScript"), JS=TextStringObject("app.alert(1)"))),
                              "/JS"),
    "OpenAction Launch": (open_action(action(S=NameObject("/Launch"), F=TextStringObject("cmd.exe"))), "/Launch"),
    "page events": (page_events, "/AA"),
    "javascript: link": (link("javascript:app.alert(1)"), "liên kết"),
    "file: link": (link("file:///C:/Windows/System32/calc.exe"), "liên kết"),
    "embedded file": (lambda writer: writer.add_attachment("hoa-don.exe", b"MZ\x90\x00"), "nội dung nhúng"),
    "XFA form": (xfa_form, "/XFA"),
    "password": (lambda writer: writer.encrypt("mat-khau"), "mật khẩu"),
}


@pytest.mark.parametrize("case", HOSTILE_PDFS)
def test_a_pdf_with_active_content_is_refused(evidence, case):
    build, reason = HOSTILE_PDFS[case]
    assert reason in refused(evidence, pdf(build), "bien-ban.pdf")


def test_a_hex_escaped_javascript_name_is_refused_too(evidence):
    """`/J#61vaScript` is /JavaScript to a PDF reader; the check reads names as the reader does."""
    sent = pdf(document_script).replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS", b"/J#53")
    assert b"/JavaScript" not in sent and b"/JS" not in sent
    assert "mã lệnh" in refused(evidence, sent, "bien-ban.pdf")


@pytest.mark.parametrize("sent", [
    b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n" + b"%%EOF\n",
    b"%PDF-1.7\n%<!DOCTYPE html><svg onload=alert(1)>\n",
    b"<html><script>alert(1)</script></html>\n%PDF-1.4\n",
], ids=["HTML after the signature", "SVG in a comment", "HTML before the signature"])
def test_an_html_polyglot_is_refused(evidence, sent):
    refused(evidence, sent + pdf()[len(b"%PDF-1.x\n"):], "bien-ban.pdf")


@pytest.mark.parametrize("sent", [b"%PDF-1.4\n" + bytes(range(256)) * 8, b"%PDF-"],
                         ids=["garbage", "signature only"])
def test_a_file_that_does_not_parse_as_a_pdf_is_refused(evidence, sent):
    assert "không đọc được" in refused(evidence, sent, "bien-ban.pdf")


def test_the_evidence_form_refuses_the_same_files_with_the_reason(app):
    """The page's form (not only the API) goes through the same checks and says why, in Vietnamese."""
    target = action_id(app, finalised(app), "GT-03")
    commune = page_client(app, "commune-phucxa")
    token = token_of(commune.get(f"/remediations/{target}"))
    hostile = pdf(open_action(action(S=NameObject("/JavaScript"), JS=TextStringObject("app.alert(1)"))))
    for data, name, reason in ((hostile, "bien-ban.pdf", "chứa mã lệnh"), (png(7740, 7740), "bom.png", "quá lớn"),
                               (jpeg()[:-2], "anh.jpg", "cắt cụt")):
        response = commune.post(f"/remediations/{target}/evidence", content_type="multipart/form-data",
                                data={"csrf_token": token, "note": "Minh chứng", "file": (io.BytesIO(data), name)})
        assert response.status_code == 422 and reason in response.get_data(as_text=True), name
    with app.app_context():
        assert db.session.scalars(select(RemediationEvidence)).all() == []

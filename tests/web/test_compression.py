"""Text answers go out compressed to a browser that asks for it (the checklist page crosses slow 3G links);
PDFs, photos and workbooks, already compressed, go out as they are; without Accept-Encoding nothing is."""
from __future__ import annotations

import gzip
import re

import brotli
import pytest
from apiclient import VARIED, Api, compliant_doc, jpeg

from inspect_app.web.inspections import asset

TOKEN = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')


def without_token(body: bytes) -> bytes:
    """The CSRF token is signed with the time: two requests of one session may carry different ones."""
    found = TOKEN.search(body)
    return body.replace(found.group(1), b"") if found else body


@pytest.fixture
def api(app):
    return Api(app, "inspector")


def text_paths(app, inspection: int) -> list[str]:
    with app.test_request_context():
        files = [asset("checklist.js"), asset("offline.js"), asset("app.css")]
    return [f"/inspections/{inspection}", *files, "/service-worker.js", "/manifest.webmanifest",
            "/api/v1/checklists/papi-xa?version=2"]


def fetched(client, path: str, encoding: str | None):
    with client.get(path, headers={"Accept-Encoding": encoding} if encoding else {}) as response:
        assert response.status_code == 200, path
        return response, response.get_data()


@pytest.mark.parametrize("encoding,decode", [("gzip", gzip.decompress), ("gzip, deflate, br", brotli.decompress)],
                         ids=["gzip", "br"])
def test_pages_scripts_styles_and_json_are_compressed_and_decode_to_the_same_bytes(app, api, encoding, decode):
    inspection = api.create()
    for path in text_paths(app, inspection):
        plain, plain_body = fetched(api.client, path, None)
        packed, packed_body = fetched(api.client, path, encoding)
        assert packed.headers["Content-Encoding"] == encoding.split(", ")[-1], path
        assert "accept-encoding" in packed.headers["Vary"].lower(), path
        assert len(packed_body) < len(plain_body), (path, len(packed_body), len(plain_body))
        assert without_token(decode(packed_body)) == without_token(plain_body), path
        assert packed.mimetype == plain.mimetype, path
        assert packed.headers["X-Content-Type-Options"] == "nosniff", path  # the security headers stay
        if packed.mimetype == "text/html":
            assert "frame-ancestors 'none'" in packed.headers["Content-Security-Policy"], path


def test_a_compressed_static_file_has_its_own_etag_and_answers_304_to_it(app, client):
    with app.test_request_context():
        path = asset("app.css")
    packed, _ = fetched(client, path, "gzip")
    plain, _ = fetched(client, path, None)
    assert packed.headers["ETag"] != plain.headers["ETag"]  # not the same bytes: not the same validator
    with client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}) as again:
        assert again.status_code == 304 and again.get_data() == b""
    with client.get(path, headers={"If-None-Match": plain.headers["ETag"]}) as again:
        assert again.status_code == 304


def test_a_byte_range_of_a_static_file_goes_out_uncompressed(app, client):
    with app.test_request_context():
        path = asset("checklist.js")
    _, whole = fetched(client, path, None)
    with client.get(path, headers={"Accept-Encoding": "gzip, br", "Range": "bytes=1000-8999"}) as part:
        assert part.status_code == 206 and "Content-Encoding" not in part.headers
        assert part.headers["Content-Range"] == f"bytes 1000-8999/{len(whole)}"
        assert part.get_data() == whole[1000:9000]
        assert "accept-encoding" in part.headers["Vary"].lower()


def test_pdfs_photos_and_workbooks_go_out_as_they_are(app, api):
    inspection = api.create()
    assert api.answer(inspection, compliant_doc()["answers"] | VARIED).status_code == 200
    photo = api.photo(inspection, "CK-01", jpeg(320, 240)).get_json()
    files = {f"/api/v1/inspections/{inspection}/minutes.pdf": b"%PDF",
             f"/inspections/{inspection}/photos/{photo['id']}": b"\xff\xd8\xff",
             "/checklists/papi-xa/workbook.xlsx": b"PK"}
    for path, magic in files.items():
        response, body = fetched(api.client, path, "gzip, deflate, br")
        assert "Content-Encoding" not in response.headers, path
        assert body.startswith(magic) and len(body) > app.config["COMPRESS_MIN_SIZE"], path


def test_nothing_is_compressed_for_a_client_that_does_not_ask(app, api):
    inspection = api.create()
    for encoding in (None, "identity"):
        for path in text_paths(app, inspection):
            response, body = fetched(api.client, path, encoding)
            assert "Content-Encoding" not in response.headers, (path, encoding)
            assert "accept-encoding" in response.headers["Vary"].lower(), path  # a cache keeps both apart
            assert len(body) == response.content_length, path
    page, body = fetched(api.client, f"/inspections/{inspection}", None)
    assert body.startswith(b"<!doctype html>")

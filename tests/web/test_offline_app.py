"""The installable app: manifest, service worker, offline page, and uploads a tablet may replay."""
from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from apiclient import Api, assert_vietnamese_error, jpeg
from PIL import Image
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import AuditEntry, Inspection, Photo
from inspect_app.services.inspections import answers_of, notes_of


def test_the_manifest_installs_a_vietnamese_app_with_png_icons(client, app):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["lang"] == "vi" and manifest["name"].startswith("Kiểm tra UBND cấp xã")
    assert manifest["display"] == "standalone" and manifest["scope"] == "/" and manifest["theme_color"] == "#9f1c22"
    sizes = set()
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/") and icon["type"] == "image/png"
        with client.get(icon["src"]) as served:
            assert served.status_code == 200
            width, height = Image.open(io.BytesIO(served.data)).size
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add((icon["sizes"], icon.get("purpose", "any")))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_the_worker_is_served_from_the_root_uncached_and_names_only_same_origin_files(client, app):
    response = client.get("/service-worker.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    text = response.get_data(as_text=True)
    assert "http://" not in text and "https://" not in text  # no external request
    shell = re.search(r"var SHELL_URLS = (\[.*?\]);", text).group(1)
    for url in ("/offline", "/manifest.webmanifest", "/static/checklist.js?v=", "/static/offline.js?v=",
                "/api/v1/checklists/papi-xa?version=2"):
        assert url in shell
    version = re.search(r'var VERSION = "([0-9a-f]{12})"', text).group(1)
    app.config["RELEASE"] = "next"  # a new release: a new version, so the browser installs the worker again
    assert version not in client.get("/service-worker.js").get_data(as_text=True)


def test_the_offline_page_is_public_vietnamese_and_names_nobody(client, app):
    page = client.get("/offline")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Chưa có kết nối mạng" in text and 'lang="vi"' in text
    assert "csrf-token" not in text and "Đăng xuất" not in text  # cached for whoever uses the tablet next
    assert "Set-Cookie" not in page.headers


def test_every_page_links_the_manifest_and_the_offline_script(app):
    api = Api(app, "inspector")
    text = api.client.get("/inspections").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in text
    assert re.search(r'<script src="/static/offline\.js\?v=[0-9a-f]+" defer>', text)
    assert 'id="net-status"' in text and 'id="logout-warning"' in text


def test_a_photo_sent_again_with_its_client_key_is_stored_once(app):
    api = Api(app, "inspector")
    inspection = api.create()
    first = api.photo(inspection, "CK-01", jpeg(), client_key="12-1733400000000-0-abc123")
    assert first.status_code == 201
    again = api.photo(inspection, "CK-01", jpeg(80, 60), client_key="12-1733400000000-0-abc123")
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    other = api.photo(inspection, "CK-01", jpeg(), client_key="12-1733400000000-1-def456")
    assert other.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Photo).where(Photo.inspection_id == inspection)) == 2
    refused = api.photo(inspection, "CK-01", jpeg(), client_key="<script>")
    assert_vietnamese_error(refused, 422)
    assert "client_key" in refused.get_json()["errors"]


# ---------------------------------------------------------------- importing a tablet's exported queue

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def queue_file(user: str, changes: list, photos: list = ()) -> bytes:
    """A file as static/offline.js exports it ("Xuất dữ liệu chờ gửi")."""
    return json.dumps({"format": "inspect-offline-queue", "format_version": 1, "exported_at": "2026-12-05T08:00:00Z",
                       "origin": "http://127.0.0.1", "user": user, "changes": changes,
                       "photos": list(photos)}).encode()


def change(inspection: int, answers: dict, notes: dict | None = None, bases: dict | None = None) -> dict:
    notes = notes or {}
    bases = bases or {"answers": {code: None for code in answers}, "notes": {code: "" for code in notes}}
    return {"inspection": str(inspection), "answers": answers, "notes": notes, "bases": bases,
            "held": {"answers": {}, "notes": {}}, "base_version": 1}


def photo_entry(inspection: int, key: str, item: str = "CK-01") -> dict:
    return {"key": key, "inspection": str(inspection), "item": item, "name": "bang-tin.jpg",
            "data": "data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()}


def upload(api: Api, content: bytes):
    page = api.client.get("/admin/offline-import")
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    return api.client.post("/admin/offline-import", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(content), "du-lieu-cho-gui.json")})


def state(app, inspection: int) -> tuple[dict, dict, int]:
    with app.app_context():
        found = db.session.get(Inspection, inspection)
        return answers_of(found), notes_of(found), len(found.photos)


def test_only_an_admin_imports_a_queue(app):
    assert app.test_client().get("/admin/offline-import").status_code == 302  # to the login page
    for username in ("inspector", "district-badinh", "commune-phucxa"):
        assert Api(app, username).client.get("/admin/offline-import").status_code == 403
    page = Api(app, "admin").client.get("/admin/offline-import")
    assert page.status_code == 200 and "Nhập dữ liệu chờ gửi" in page.get_data(as_text=True)


def test_an_exported_queue_is_applied_as_its_author_once_and_audited(app):
    inspector, admin = Api(app, "inspector"), Api(app, "admin")
    inspection = inspector.create()
    content = queue_file("inspector", [change(inspection, {"TG-01": "yes", "TG-02": 3}, {"TG-01": "Loa tốt"})],
                         [photo_entry(inspection, "1-1733400000000-0-abc123")])
    response = upload(admin, content)
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "Đã nhập dữ liệu của tài khoản inspector" in text and "Ảnh mới: 1" in text
    assert state(app, inspection) == ({"TG-01": "yes", "TG-02": 3}, {"TG-01": "Loa tốt"}, 1)
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == inspection)
                                     .order_by(AuditEntry.id)).all()
        by_action = {(e.action, e.username) for e in entries}
        assert {("answer", "inspector"), ("photo", "inspector"), ("offline_import", "admin")} <= by_action
    # The same file again (the tablet synced meanwhile, or the admin clicked twice): nothing new.
    again = upload(admin, content)
    assert again.status_code == 200 and "ảnh đã có trên máy chủ: 1" in again.get_data(as_text=True)
    assert state(app, inspection) == ({"TG-01": "yes", "TG-02": 3}, {"TG-01": "Loa tốt"}, 1)


def test_a_value_changed_on_the_server_since_is_listed_not_overwritten(app):
    inspector, admin = Api(app, "inspector"), Api(app, "admin")
    inspection = inspector.create()
    assert inspector.answer(inspection, {"TG-01": "no"}).status_code == 200  # another tablet, after the export
    response = upload(admin, queue_file("inspector", [change(inspection, {"TG-01": "yes", "TG-04": "yes"})]))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'id="import-clashes"' in text and "<td>Có</td><td>Không</td>" in text
    assert state(app, inspection)[0] == {"TG-01": "no", "TG-04": "yes"}


@pytest.mark.parametrize("content, where", [
    (b"not json", "tệp"),
    (json.dumps({"format": "something-else"}).encode(), "tệp"),
    (queue_file("nobody", []), "user"),
    (queue_file("inspector", [{"inspection": "999999", "answers": {"TG-01": "yes"}}]), "thay đổi 1"),
    (queue_file("inspector", [], [{"key": "1-1733400000000-0-abc123", "inspection": "1", "item": "CK-01",
                                   "data": "data:text/html;base64,PGI+"}]), "ảnh 1"),
])
def test_a_malformed_file_is_refused_in_vietnamese(app, content, where):
    response = upload(Api(app, "admin"), content)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Tệp dữ liệu chờ gửi không hợp lệ; chưa nhập gì." in text and f"<strong>{where}</strong>" in text


def test_nothing_is_half_applied_when_one_change_is_not_allowed_or_wrong(app):
    inspector, admin = Api(app, "inspector"), Api(app, "admin")
    mine = inspector.create()
    # inspector2 belongs to no team: the team's inspection is not theirs to edit, whoever uploads the file
    refused = upload(admin, queue_file("inspector2", [change(mine, {"TG-01": "yes"})]))
    assert refused.status_code == 422 and "không có quyền sửa phiếu số" in refused.get_data(as_text=True)
    wrong = upload(admin, queue_file("inspector", [change(mine, {"TG-01": "yes"}), change(mine, {"TG-02": -5})],
                                     [photo_entry(mine, "1-1733400000000-0-abc123")]))
    assert wrong.status_code == 422 and "có câu trả lời không hợp lệ" in wrong.get_data(as_text=True)
    assert state(app, mine) == ({}, {}, 0)
    with app.app_context():
        assert not list(Path(app.config["PHOTO_DIR"]).glob("*"))  # no file left without its row

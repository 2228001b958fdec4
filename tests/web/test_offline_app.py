"""The installable app: manifest, service worker, offline page, and uploads a tablet may replay."""
from __future__ import annotations

import base64
import html
import io
import json
import re
from pathlib import Path

import pytest
from apiclient import NEW_INSPECTION, Api, assert_vietnamese_error, jpeg
from PIL import Image
from sqlalchemy import func, select
from test_pages import compliant_answers, finalise

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


# ---------------------------------------------------------------- inspections started without a network

def test_the_offline_checklist_page_is_a_blank_draft_of_the_whole_version(app):
    page = Api(app, "inspector").client.get("/inspections/offline-draft?checklist=papi-xa&version=2")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-pending="1"' in text and 'data-api-base=""' in text and "Chờ tạo trên máy chủ" in text
    # Every item of the version, those that start or end within it marked for the tablet to hide by date.
    assert re.search(r'id="item-[A-Z]+-\d+"[^>]*data-to="2025-12-31"', text)
    assert re.search(r'id="item-[A-Z]+-\d+"[^>]*data-from="2026-04-01"', text)
    assert 'id="finalize" hidden' in text and "minutes-draft-link" not in text  # nothing to finalise yet
    assert 'id="details-form"' in text and 'action=""' in text


@pytest.mark.parametrize("query, status", [
    ("checklist=papi-xa&version=99", 404), ("checklist=papi-xa&version=abc", 404), ("checklist=nope&version=1", 404),
    ("checklist=papi-xa", 404), ("checklist=papi-xa&version=2&previous=x", 404),
    ("checklist=papi-xa&version=2&previous=999999", 422),
])
def test_a_wrong_offline_checklist_address_is_refused_in_vietnamese(app, query, status):
    response = Api(app, "inspector").client.get(f"/inspections/offline-draft?{query}")
    assert response.status_code == status and "Traceback" not in response.get_data(as_text=True)
    assert "lang=\"vi\"" in response.get_data(as_text=True)


def test_a_commune_account_gets_no_offline_checklist(app):
    response = Api(app, "commune-phucxa").client.get("/inspections/offline-draft?checklist=papi-xa&version=2")
    assert response.status_code == 403


def test_the_offline_reinspection_page_shows_the_previous_results(app):
    inspector = Api(app, "inspector")
    first = inspector.create()
    finalise(app, first, compliant_answers() | {"GT-03": "khong"})
    text = inspector.client.get(f"/inspections/offline-draft?checklist=papi-xa&version=2&previous={first}") \
        .get_data(as_text=True)
    assert f'data-previous="{first}"' in text and "Kết quả lần kiểm tra trước" in text and "15/09/2020" in text
    # The start forms name the pages to cache and pick the version by the date typed.
    form = inspector.client.get(f"/inspections/{first}/reinspect").get_data(as_text=True)
    versions = json.loads(html.unescape(re.search(r'data-offline-versions="([^"]+)"', form).group(1)))
    assert [(v["version"], v["from"], v["to"]) for v in versions] == [(1, "2020-06-11", "2025-06-30"),
                                                                      (2, "2025-07-01", None)]
    assert versions[1]["page"] == f"/inspections/offline-draft?checklist=papi-xa&version=2&previous={first}"
    listing = inspector.client.get("/inspections").get_data(as_text=True)  # only the version in force today
    assert re.search(rf'class="button small reinspect"[^>]*data-offline-pages="/inspections/offline-draft\?'
                     rf'checklist=papi-xa&amp;version=2&amp;previous={first}"', listing)
    assert re.search(r'id="new-inspection-link"[^>]*data-offline-pages="/inspections/offline-draft\?'
                     r'checklist=papi-xa&amp;version=2"', listing)


def creation(client_id: str, **overrides) -> dict:
    """A queued creation as static/new-inspection.js writes it."""
    return {"key": f"inspector|{client_id}", "client_id": client_id, "status": "waiting",
            "payload": NEW_INSPECTION | {"client_id": client_id} | overrides,
            "page": "/inspections/offline-draft?checklist=papi-xa&version=1",
            "labels": {"commune": "Phường Phúc Xá", "date": "15/09/2020", "title": "Phường Phúc Xá — ngày 15/09/2020"}}


def test_an_exported_queue_creates_the_inspections_started_offline_once(app):
    admin = Api(app, "admin")
    client_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    content = json.loads(queue_file("inspector", [change(f"new-{client_id}", {"TG-01": "yes"})],  # type: ignore
                                    [photo_entry(f"new-{client_id}", f"new-{client_id}-1733400000000-0-abc123")]))
    content["creations"] = [creation(client_id)]
    raw = json.dumps(content).encode()
    response = upload(admin, raw)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert 'id="import-created"' in response.get_data(as_text=True)
    with app.app_context():
        created = db.session.scalars(select(Inspection).where(Inspection.client_id == client_id)).all()
        assert len(created) == 1 and created[0].created_by.username == "inspector"
        inspection = created[0].id
    assert state(app, inspection) == ({"TG-01": "yes"}, {}, 1)
    again = upload(admin, raw)  # the tablet synced meanwhile, or the file is uploaded twice
    assert again.status_code == 200 and 'id="import-created"' not in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)
                                 .where(Inspection.client_id == client_id)) == 1
    assert state(app, inspection) == ({"TG-01": "yes"}, {}, 1)


def test_an_offline_creation_the_server_refuses_refuses_the_whole_file(app):
    content = json.loads(queue_file("inspector", [change("new-aaaaaaaaaaaaaaaa", {"TG-01": "yes"})]))  # type: ignore
    content["creations"] = [creation("aaaaaaaaaaaaaaaa", villages=0)]
    response = upload(Api(app, "admin"), json.dumps(content).encode())
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "<strong>phiếu lập ngoại tuyến 1</strong>" in text and "số thôn, tổ dân phố phải là số nguyên" in text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)
                                 .where(Inspection.client_id == "aaaaaaaaaaaaaaaa")) == 0

"""The installable app: manifest, service worker, offline page, and uploads a tablet may replay."""
from __future__ import annotations

import io
import re

from apiclient import Api, assert_vietnamese_error, jpeg
from PIL import Image
from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import Photo


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

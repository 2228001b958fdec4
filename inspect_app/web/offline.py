"""The installable tablet app: the web app manifest, the service worker, the offline page, and the
administrator's import of a tablet's exported queue.

The worker is served from the site root so that its scope is the whole app; its text names the
fingerprinted static files it pre-caches, so its version (a hash of that list and the release
name) changes with every release that changes a file, and the browser installs the new worker.
Queued work lives in IndexedDB, which a new worker never touches.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from ..extensions import db
from ..services import Forbidden, Invalid, offline_import
from .inspections import asset
from . import current_catalog

blueprint = Blueprint("offline", __name__)

# What a tablet needs to open any cached page without a network.
SHELL_ASSETS = ("app.css", "vn-inputs.js", "offline.js", "checklist.js", "new-inspection.js", "icon.svg",
                "camera.svg", "icon-192.png", "icon-512.png", "icon-maskable-512.png")
CHECKLIST_IDS = ("papi-xa",)


def shell_urls() -> list[str]:
    """The URLs the worker pre-caches: the offline page, the manifest, the static files and the criteria."""
    catalog = current_catalog()
    checklists = [url_for("api.list_checklists")] + [
        url_for("api.get_checklist", checklist_id=c.id, version=c.version)
        for versions in catalog.checklists.values() for c in versions]
    return [url_for("offline.offline_page"), url_for("offline.manifest")] + \
        [asset(name) for name in SHELL_ASSETS] + checklists


@blueprint.get("/manifest.webmanifest")
def manifest():
    """The manifest that lets a tablet install the app on its home screen (public: it holds no data)."""
    body = {
        "name": "Kiểm tra UBND cấp xã — Sở Nội vụ Hà Nội", "short_name": "Kiểm tra xã", "lang": "vi",
        "start_url": url_for("inspections.index"), "scope": "/", "display": "standalone",
        "background_color": "#f6f4f1", "theme_color": "#9f1c22",
        "icons": [{"src": asset("icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": asset("icon-512.png"), "sizes": "512x512", "type": "image/png"},
                  {"src": asset("icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
                   "purpose": "maskable"}],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response


@blueprint.get("/service-worker.js")
def service_worker():
    """The worker, never cached by HTTP, so that the browser sees a new release at its next check."""
    urls = shell_urls()
    version = hashlib.sha256("\n".join(urls + [current_app.config["RELEASE"]]).encode()).hexdigest()[:12]
    text = render_template("offline/service-worker.js", version=version, shell=urls,
                           offline_url=url_for("offline.offline_page"))
    response = Response(text, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/offline")
def offline_page():
    """What the worker shows for a page it never cached while the network is down."""
    return render_template("offline/offline.html")


class QueueFileForm(FlaskForm):
    file = FileField("Tệp dữ liệu chờ gửi (.json)", validators=[FileRequired("Chọn tệp dữ liệu chờ gửi (.json).")])


@blueprint.route("/admin/offline-import", methods=["GET", "POST"])
@login_required
def import_queue():
    """GET: the upload form; POST: apply a tablet's exported queue as its author, whole or not at all."""
    if current_user.role != "admin":
        raise Forbidden("Chỉ quản trị viên nhập được dữ liệu chờ gửi.")
    form = QueueFileForm()
    result, error, problems, status = None, None, {}, 200
    if form.validate_on_submit():
        raw = form.file.data.stream.read(current_app.config["MAX_CONTENT_LENGTH"])
        try:
            result = offline_import.import_queue(db.session, current_catalog(),
                                                 current_user._get_current_object(), raw,
                                                 Path(current_app.config["PHOTO_DIR"]))
        except Invalid as refused:
            error, problems, status = refused.message, refused.details.get("errors", {}), 422
    elif form.is_submitted():
        error, status = "; ".join(form.file.errors) or "Chưa chọn tệp.", 422
    return render_template("offline/import.html", form=form, result=result, error=error, problems=problems), status

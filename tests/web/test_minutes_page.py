"""The minutes on the inspection page: the details form, draft and frozen PDF links, revisions."""
from __future__ import annotations

import re

from sqlalchemy import select

from inspect_app.extensions import db
from inspect_app.models import Inspection
from apiclient import VARIED, Api, compliant_doc
from test_pages import login


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_details_form_saves_and_reports_errors_beside_the_field(app):
    api = Api(app, "inspector")
    inspection = api.create()
    client = app.test_client()
    login(client, "inspector")
    page = client.get(f"/inspections/{inspection}").get_data(as_text=True)
    assert "Thông tin biên bản" in page and f"/api/v1/inspections/{inspection}/minutes.pdf" in page
    assert "Xem biên bản dự thảo" in page
    token = csrf_of(page)
    bad = client.post(f"/inspections/{inspection}/details", data={"csrf_token": token, "copies": "0",
                                                                  "start_time": "25:99"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "Từ 1 đến 20 bản." in body
    ok = client.post(f"/inspections/{inspection}/details", data={
        "csrf_token": token, "start_time": "08:30", "end_time": "11:00", "copies": "3",
        "commune_opinion": "<b>Nhất trí</b>"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("#minutes")
    with app.app_context():
        stored = db.session.get(Inspection, inspection)
        assert (stored.start_time, stored.end_time, stored.copies) == ("08:30", "11:00", 3)
    after = client.get(f"/inspections/{inspection}").get_data(as_text=True)
    assert "Đã lưu thông tin biên bản." in after and "&lt;b&gt;Nhất trí&lt;/b&gt;" in after
    missing_token = client.post(f"/inspections/{inspection}/details", data={"copies": "2"})
    assert missing_token.status_code == 400


def test_finalised_page_offers_the_frozen_pdf_and_a_revision(app):
    api = Api(app, "inspector")
    inspection = api.create()
    api.answer(inspection, compliant_doc()["answers"] | VARIED)
    api.finalize(inspection)
    client = app.test_client()
    login(client, "inspector")
    page = client.get(f"/inspections/{inspection}").get_data(as_text=True)
    assert "In biên bản (PDF)" in page and "Lập bản sửa đổi" in page
    revised = client.post(f"/inspections/{inspection}/revise", data={"csrf_token": csrf_of(page)})
    assert revised.status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(Inspection).where(Inspection.replaces_id == inspection))
    assert revised.headers["Location"].endswith(f"/inspections/{draft.id}")
    commune = app.test_client()
    login(commune, "commune-phucxa")
    read_only = commune.get(f"/inspections/{inspection}").get_data(as_text=True)
    assert "In biên bản (PDF)" in read_only and "Lập bản sửa đổi" not in read_only

"""The audit trail page: administrators see who changed what; nobody else does."""
from __future__ import annotations

from apiclient import VARIED, Api, compliant_doc
from test_pages import login


def test_admin_sees_each_change_with_who_and_when(app):
    api = Api(app, "inspector")
    inspection = api.create()
    api.answer(inspection, {"TG-01": "no"}, notes={"TG-01": "<script>alert(1)</script>"})
    api.answer(inspection, compliant_doc()["answers"] | VARIED)
    api.finalize(inspection)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(f"/audit?entity=inspection&id={inspection}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for label in ("Lập phiếu", "Trả lời", "Hoàn tất phiếu"):
        assert label in html
    assert html.count("<tr>") == 1 + 5  # header, create, two answer batches, minutes details, finalize
    assert "<script>alert" not in html and "inspector" in html
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert admin.get("/audit?id=abc").status_code == 422


def test_only_administrators_read_the_audit_trail(app):
    for username in ("inspector", "district-badinh", "commune-phucxa"):
        client = app.test_client()
        login(client, username)
        assert client.get("/audit").status_code == 403
    assert app.test_client().get("/audit").status_code == 302  # to the login page

"""Dates, times and numbers as Vietnamese officials type them, read on the server whatever the browser.

The pages use text fields (the browser's date, time and number inputs follow its language:
mm/dd/yyyy, AM/PM, a decimal point, English bubbles), so the server must read dd/mm/yyyy,
24-hour times and whole numbers, keep ISO dates from links and the API, and answer in Vietnamese
beside the field.
"""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from inspect_app.extensions import db
from inspect_app.models import Inspection
from test_pages import login, make_inspection, new_form, token_of
from test_remediation import action_id, finalised, jpeg, page_client

LOCALE_INPUTS = re.compile(r'<input[^>]*type="(date|time|datetime-local|month|week|number)"')
REQUIRED = re.compile(r'<(input|select|textarea)[^>]*\srequired[\s>=]')


def test_a_new_inspection_takes_a_day_first_date_and_refuses_an_impossible_one(app, client):
    login(client, "inspector")
    _, data = new_form(client)
    typed = client.post("/inspections/new", data=data | {"inspection_date": "15/9/2020"})
    assert typed.status_code == 303
    _, data = new_form(client)
    iso = client.post("/inspections/new", data=data | {"inspection_date": "2020-09-16"})  # links and scripts
    assert iso.status_code == 303
    for wrong in ("31/02/2020", "09/15/2020", "Sep 15, 2020"):
        _, data = new_form(client)
        refused = client.post("/inspections/new", data=data | {"inspection_date": wrong})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422, wrong
        assert "Ngày kiểm tra không hợp lệ: cần một ngày có thật, dạng ngày/tháng/năm (ví dụ 15/09/2020)." in html
        assert re.search(rf'id="inspection_date"[^>]*value="{re.escape(wrong)}"', html)  # kept to be corrected
    with app.app_context():
        days = db.session.scalars(select(Inspection.inspection_date).order_by(Inspection.id)).all()
        assert [d.isoformat() for d in days] == ["2020-09-15", "2020-09-16"]


def test_the_villages_field_refuses_a_non_number_in_vietnamese(app, client):
    login(client, "inspector")
    _, data = new_form(client)
    refused = client.post("/inspections/new", data=data | {"villages": "12,5"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Cần một số nguyên." in html and "Not a valid" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_minutes_details_take_24_hour_times_however_typed(app, client):
    inspection = make_inspection(app)
    login(client, "inspector")
    page = client.get(f"/inspections/{inspection}").get_data(as_text=True)
    token = token_of(client.get(f"/inspections/{inspection}"))
    for name in ("start_time", "end_time"):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'type="text"' in field and 'placeholder="giờ:phút"' in field
    refused = client.post(f"/inspections/{inspection}/details", data={
        "csrf_token": token, "start_time": "8:30 PM", "end_time": "11:00", "copies": "hai"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Giờ không hợp lệ: cần dạng giờ:phút theo 24 giờ (ví dụ 08:30 hoặc 14:00)." in html
    assert "Cần một số nguyên (chỉ gồm chữ số)." in html and "Not a valid" not in html
    saved = client.post(f"/inspections/{inspection}/details", data={
        "csrf_token": token, "start_time": "8h30", "end_time": "1415", "copies": "3"})
    assert saved.status_code == 302
    with app.app_context():
        stored = db.session.get(Inspection, inspection)
        assert (stored.start_time, stored.end_time, stored.copies) == ("08:30", "14:15", 3)
    shown = client.get(f"/inspections/{inspection}").get_data(as_text=True)
    assert re.search(r'name="start_time"[^>]*value="08:30"', shown)
    assert re.search(r'name="end_time"[^>]*value="14:15"', shown)


def test_filters_and_the_report_take_day_first_dates(app):
    client = page_client(app, "admin")
    dashboard = client.get("/dashboard?as_of=15/01/2025").get_data(as_text=True)
    assert "tính đến ngày 15/01/2025" in dashboard and 'name="as_of" value="15/01/2025"' in dashboard
    assert "Ngày không hợp lệ" not in dashboard
    remediation = client.get("/remediations?as_of=15/01/2025")
    assert remediation.status_code == 200
    assert "quá hạn tính đến ngày <b>15/01/2025</b>" in remediation.get_data(as_text=True)
    report = client.get("/reports?from=01/01/2023&to=31/12/2024&scope=city")
    html = report.get_data(as_text=True)
    assert report.status_code == 200 and 'name="from" value="01/01/2023"' in html
    assert 'href="/reports/summary.xlsx?from=2023-01-01&amp;to=2024-12-31&amp;scope=city"' in html
    criteria = client.get("/checklists/papi-xa?date=15.09.2020").get_data(as_text=True)
    assert 'name="date"' in criteria and 'value="15/09/2020"' in criteria and 'placeholder="ngày/tháng/năm"' in criteria
    refused = client.get("/reports?from=31/02/2023")
    assert refused.status_code == 422 and "Ngày bắt đầu không hợp lệ" in refused.get_data(as_text=True)


def test_no_page_uses_the_browsers_date_time_or_number_inputs_or_its_required_bubble(app):
    inspected = finalised(app)
    gt03 = action_id(app, inspected, "GT-03")
    draft = make_inspection(app, client_id="tablet-locale-0002")
    inspector = page_client(app, "inspector")
    commune = page_client(app, "commune-phucxa")
    evidence_page = commune.get(f"/remediations/{gt03}")
    sent = commune.post(f"/remediations/{gt03}/evidence", content_type="multipart/form-data", data={
        "csrf_token": token_of(evidence_page), "note": "Đã niêm yết", "file": (io.BytesIO(jpeg()), "lich.jpg")})
    assert sent.status_code == 303
    pages = {
        "inspector": ("/inspections/new", f"/inspections/{draft}", f"/inspections/{inspected}/reinspect",
                      "/remediations", f"/remediations/{gt03}", "/reports", "/dashboard", "/checklists/papi-xa",
                      "/legal", "/checklists"),
        "commune": ("/remediations", f"/remediations/{action_id(app, inspected, 'CK-05')}"),  # still open
        "nobody": ("/login",),
    }
    file_inputs = 0
    admin = page_client(app, "admin")
    pages["admin"] = ("/audit",)
    for who, client in (("inspector", inspector), ("commune", commune), ("nobody", app.test_client()),
                        ("admin", admin)):
        for path in pages[who]:
            response = client.get(path)
            html = response.get_data(as_text=True)
            assert response.status_code == 200, path
            assert not LOCALE_INPUTS.search(html), (path, LOCALE_INPUTS.search(html))
            # `required` would leave the browser's English "Please fill out this field." on the field
            assert not REQUIRED.search(html), (path, REQUIRED.search(html))
            for file_input in re.findall(r'<input[^>]*type="file"[^>]*>', html):
                assert 'title="' in file_input, (path, file_input)  # no "No file chosen" tooltip
                file_inputs += 1
    assert file_inputs > 55  # a photo button per checklist item and the commune's evidence picker
    evidence_form = commune.get(f"/remediations/{action_id(app, inspected, 'CK-05')}").get_data(as_text=True)
    assert "Chọn ảnh hoặc tệp</span>" in evidence_form and ">Chưa chọn tệp</span>" in evidence_form
    review = inspector.get(f"/remediations/{gt03}").get_data(as_text=True)
    assert 'data-required="Vui lòng nhập lý do trả lại."' in review and 'aria-required="true"' in review
    empty = inspector.post(f"/remediations/{gt03}/reopen", data={"csrf_token": token_of(inspector.get(
        f"/remediations/{gt03}")), "reason": ""})
    assert empty.status_code == 422 and "Vui lòng nhập lý do trả lại." in empty.get_data(as_text=True)

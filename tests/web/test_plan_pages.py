"""The plan pages through the app, with CSRF on: drafting, ranking and top N, the inspector's schedule,
starting from the plan, moving, the files, and who may open what."""
from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from test_headers import TOKEN, logged_in

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection, PlannedInspection, Team, User


def token(client, path="/plans") -> str:
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def plan_form(app, **overrides):
    today = today_in_vietnam()
    with app.app_context():
        team_id = db.session.scalar(select(Team.id))
        leader = db.session.scalar(select(User.id).where(User.username == "inspector"))
    return {"number": "90/KH-SNV", "issued_on": f"{today - dt.timedelta(days=10):%d/%m/%Y}",
            "title": "Kiểm tra công tác cải thiện Chỉ số PAPI", "period_start": f"{today - dt.timedelta(days=5):%d/%m/%Y}",
            "period_end": f"{today + dt.timedelta(days=60):%d/%m/%Y}", "unit_report_due": "", "department_report_due": "",
            "areas": ["001"], "communes": "", "team": str(team_id), "decision_number": "31/QĐ-SNV",
            "decision_date": f"{today - dt.timedelta(days=8):%d/%m/%Y}", "leader_name": "Trần Thị Bình",
            "leader_position": "Phó Giám đốc Sở", "leader_user": str(leader),
            "members": "Lê Văn An, Chuyên viên"} | overrides


def draft(app, admin) -> int:
    response = admin.post("/plans/new", data=plan_form(app) | {"csrf_token": token(admin, "/plans/new")})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/plans/(\d+)", response.headers["Location"]).group(1))


def test_a_plan_is_drafted_ranked_scheduled_and_started(app):
    admin = logged_in(app)
    plan_id = draft(app, admin)
    page = admin.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Xếp hạng rủi ro" in page and "rules/risk.yaml" in page
    assert page.split('id="ranking"')[1].count("chưa từng được kiểm tra") == 3  # Cụm Ba Đình: three communes
    today = today_in_vietnam()
    response = admin.post(f"/plans/{plan_id}/top", data={
        "csrf_token": token(admin), "count": "2", "first_day": f"{today:%d/%m/%Y}", "days": "1", "kind": "dot_xuat"})
    assert response.status_code == 303
    with app.app_context():
        planned = db.session.scalars(select(PlannedInspection).order_by(PlannedInspection.id)).all()
        assert [p.commune_code for p in planned] == ["00004", "00008"]  # ties at 40: by code
        first_id, commune = planned[0].id, planned[0].commune_name
    shown = admin.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "đã có trong lịch" in shown and commune in shown

    district = logged_in(app, "district-badinh")  # a surprise inspection: not for the area's staff
    assert commune not in district.get(f"/plans/{plan_id}").get_data(as_text=True).split('id="lich"')[1]
    assert district.get(f"/plans/planned/{first_id}/start").status_code == 404

    inspector = logged_in(app, "inspector")
    schedule = inspector.get("/my-schedule").get_data(as_text=True)
    assert commune in schedule and f"/plans/planned/{first_id}/start" in schedule
    start = inspector.get(f"/plans/planned/{first_id}/start").get_data(as_text=True)
    assert "Trần Thị Bình" in start and "Kế hoạch số 90/KH-SNV" in start and "Quyết định số 31/QĐ-SNV" in start
    response = inspector.post(f"/plans/planned/{first_id}/start", data={
        "csrf_token": token(inspector), "client_id": "plan-start-000001", "checklist": "papi-xa",
        "inspection_date": f"{today:%d/%m/%Y}", "villages": "9",
        "team-0-name": "Trần Thị Bình", "team-0-position": "Phó Giám đốc Sở", "team-0-role": "truong_doan",
        "team-1-name": "Lê Văn An", "team-1-position": "Chuyên viên", "team-1-role": "thanh_vien",
        "commune_reps-0-name": "Nguyễn Văn Cường", "commune_reps-0-position": "Chủ tịch UBND phường"})
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        inspection = db.session.scalar(select(Inspection))
        assert inspection.commune_code == "00004" and "Kế hoạch số 90/KH-SNV" in inspection.plan_reference
        assert db.session.get(PlannedInspection, first_id).status == "started"
    assert commune not in inspector.get("/my-schedule").get_data(as_text=True)


def test_a_bad_plan_comes_back_with_the_fields_marked(app):
    admin = logged_in(app)
    bad = plan_form(app, period_end="01/01/2020", leader_name="", areas=[])
    response = admin.post("/plans/new", data=bad | {"csrf_token": token(admin, "/plans/new")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nhập họ tên trưởng đoàn." in page
    assert "Chưa lập được kế hoạch" in page
    assert admin.post("/plans/new", data=plan_form(app)).status_code == 400  # no CSRF token


def test_move_needs_a_reason_and_files_download(app):
    admin = logged_in(app)
    plan_id = draft(app, admin)
    today = today_in_vietnam()
    admin.post(f"/plans/{plan_id}/top", data={"csrf_token": token(admin), "count": "1",
                                             "first_day": f"{today:%d/%m/%Y}", "days": "2", "kind": "dinh_ky"})
    with app.app_context():
        planned = db.session.scalar(select(PlannedInspection))
        planned_id, name = planned.id, planned.commune_name
    later = today + dt.timedelta(days=14)
    refused = admin.post(f"/plans/planned/{planned_id}/move", data={
        "csrf_token": token(admin), "window_start": f"{later:%d/%m/%Y}", "window_end": f"{later:%d/%m/%Y}", "reason": ""})
    assert refused.status_code == 422 and "Nêu lý do." in refused.get_data(as_text=True)
    moved = admin.post(f"/plans/planned/{planned_id}/move", data={
        "csrf_token": token(admin), "window_start": f"{later:%d/%m/%Y}", "window_end": f"{later:%d/%m/%Y}",
        "reason": "UBND phường họp"})
    assert moved.status_code == 303
    workbook = admin.get(f"/plans/{plan_id}/plan.xlsx")
    assert workbook.headers["Content-Disposition"] == 'attachment; filename="ke-hoach-90-KH-SNV.xlsx"'
    sheet = load_workbook(io.BytesIO(workbook.data))["Lịch kiểm tra"]
    assert sheet["B5"].value == name and sheet["H5"].value.date() == later
    document = admin.get(f"/plans/{plan_id}/plan.pdf")
    assert document.mimetype == "application/pdf" and document.data.startswith(b"%PDF")
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(document.data)).pages).split())
    assert "SỞ NỘI VỤ" in text and "Số: 90/KH-SNV" in text and "KẾ HOẠCH" in text and name in text


def test_commune_accounts_see_no_plan(app):
    admin = logged_in(app)
    plan_id = draft(app, admin)
    commune = logged_in(app, "commune-phucxa")
    for path in ("/plans", f"/plans/{plan_id}", "/my-schedule", f"/plans/{plan_id}/plan.xlsx"):
        assert commune.get(path).status_code == 403, path
    assert logged_in(app, "inspector").get("/plans/new").status_code == 403


def test_the_calendar_shows_visible_visits_by_month_and_week(app):
    admin = logged_in(app)
    plan_id = draft(app, admin)
    today = today_in_vietnam()
    admin.post(f"/plans/{plan_id}/top", data={"csrf_token": token(admin), "count": "1",
                                             "first_day": f"{today:%d/%m/%Y}", "days": "1", "kind": "dot_xuat"})
    with app.app_context():
        planned = db.session.scalar(select(PlannedInspection))
        day, name = planned.window_start, planned.commune_name
    month = admin.get(f"/plans/{plan_id}/calendar?month={day:%Y-%m}").get_data(as_text=True)
    assert f"Tháng {day.month}/{day.year}" in month and f"{name} · Đột xuất" in month
    week = admin.get(f"/plans/{plan_id}/calendar?week={day.isoformat()}").get_data(as_text=True)
    assert f"{name} · Đột xuất" in week and "Tuần " in week
    for odd in ("month=2020-13", "month=9999-01", "week=31/02/2020", "week=x"):  # fall back, never a 500
        assert admin.get(f"/plans/{plan_id}/calendar?{odd}").status_code == 200, odd
    hidden = logged_in(app, "district-badinh").get(f"/plans/{plan_id}/calendar?week={day.isoformat()}")
    assert name not in hidden.get_data(as_text=True).split("<table")[1]


def test_one_commune_is_added_by_hand_or_refused_with_the_reason(app):
    admin = logged_in(app)
    plan_id = draft(app, admin)
    with app.app_context():
        team_id = db.session.scalar(select(Team.id))
    today = today_in_vietnam()
    day = today + dt.timedelta(days=3)
    entry = {"commune": "00008", "team": str(team_id), "window_start": f"{day:%d/%m/%Y}",
             "window_end": f"{day:%d/%m/%Y}", "kind": "tai_kiem_tra"}
    assert admin.post(f"/plans/{plan_id}/planned", data=entry | {"csrf_token": token(admin)}).status_code == 303
    clash = admin.post(f"/plans/{plan_id}/planned", data=entry | {"csrf_token": token(admin), "commune": "00025"})
    assert clash.status_code == 422 and "không được trùng nhau" in clash.get_data(as_text=True)
    outside = admin.post(f"/plans/{plan_id}/planned", data=entry | {"csrf_token": token(admin), "commune": "00070",
                                                                     "window_start": f"{today:%d/%m/%Y}",
                                                                     "window_end": f"{today:%d/%m/%Y}"})
    assert outside.status_code == 422 and "không thuộc phạm vi của kế hoạch 90/KH-SNV" in outside.get_data(as_text=True)
    with app.app_context():
        assert [p.commune_code for p in db.session.scalars(select(PlannedInspection))] == ["00008"]

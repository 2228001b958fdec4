"""/api/v1/plans: the documented shapes and statuses, validation naming each field, CSRF, roles, secrecy."""
from __future__ import annotations

from apiclient import URL, Api, NEW_INSPECTION
from openapi_schemas import DocumentedSchemas

PLAN = {"number": "145/KH-SNV", "issued_on": "2020-09-01", "title": "Kiểm tra công tác cải thiện Chỉ số PAPI năm 2020",
        "period_start": "2020-09-01", "period_end": "2020-10-31", "unit_report_due": "2020-10-31",
        "department_report_due": "2020-11-15", "scope": {"areas": ["001"]},
        "teams": [{"team_id": 1, "decision_number": "12/QĐ-SNV", "decision_date": "2020-09-05",
                   "members": [{"name": "Trần Thị Bình", "position": "Phó Giám đốc Sở", "role": "truong_doan"}]}]}


def item(commune, start, end, kind="dinh_ky"):
    return {"commune_code": commune, "team_id": 1, "window_start": start, "window_end": end, "kind": kind}


def test_plans_through_the_api_match_the_document(app):
    check = DocumentedSchemas(app.test_client().get(f"{URL}/openapi.json").get_json()).check
    admin, inspector = Api(app, "admin"), Api(app, "inspector")
    check(inspector.post("/plans", json=PLAN), "/plans", "post")  # 403
    assert admin.post("/plans", csrf=False, json=PLAN).status_code == 400  # no X-CSRFToken
    refused = admin.post("/plans", json=PLAN | {"period_end": "2020-08-01", "teams": [
        PLAN["teams"][0] | {"members": [{"name": "Lê Văn An", "position": "Chuyên viên"}]}]})
    check(refused, "/plans", "post")
    assert set(refused.get_json()["errors"]) == {"period_end", "teams[0].members"}
    created = admin.post("/plans", json=PLAN)
    check(created, "/plans", "post")
    plan = created.get_json()["id"]
    check(admin.get("/plans"), "/plans", "get")

    clash = admin.post(f"/plans/{plan}/planned", json={"items": [item("00001", "2020-09-15", "2020-09-16"),
                                                                 item("00004", "2020-09-16", "2020-09-17")]})
    check(clash, "/plans/{plan_id}/planned", "post")
    assert list(clash.get_json()["errors"]) == ["items[1].window_start"]
    added = admin.post(f"/plans/{plan}/planned", json={"items": [
        item("00001", "2020-09-15", "2020-09-16", "dot_xuat"), item("00004", "2020-09-21", "2020-09-22")]})
    check(added, "/plans/{plan_id}/planned", "post")
    secret, plain = (p["id"] for p in added.get_json()["planned"])
    check(admin.get(f"/plans/{plan}/ranking"), "/plans/{plan_id}/ranking", "get")
    check(inspector.get(f"/plans/{plan}/ranking"), "/plans/{plan_id}/ranking", "get")  # 403
    top = admin.post(f"/plans/{plan}/top", json={"count": 1, "first_day": "2020-09-23", "kind": "tai_kiem_tra"})
    check(top, "/plans/{plan_id}/top", "post")
    assert top.get_json()["planned"][0]["window_start"] == "2020-09-23"

    district = Api(app, "district-badinh")  # not in the plan's teams: the surprise inspection is hidden
    shown = district.get(f"/plans/{plan}")
    check(shown, "/plans/{plan_id}", "get")
    assert secret not in {p["id"] for p in shown.get_json()["planned"]} and plain in {
        p["id"] for p in shown.get_json()["planned"]}
    check(district.post(f"/plans/planned/{secret}/cancel", json={"reason": "x"}), "/plans/planned/{planned_id}/cancel",
          "post")  # 403 before anything is looked up
    detail = admin.get(f"/plans/{plan}")
    check(detail, "/plans/{plan_id}", "get")
    assert detail.get_json()["progress"]["total"]["overdue"] == 3  # all three windows are long past

    moved = admin.post(f"/plans/planned/{plain}/move", json={"window_start": "2020-10-05", "window_end": "2020-10-06",
                                                              "reason": "UBND phường họp"})
    check(moved, "/plans/planned/{planned_id}/move", "post")
    check(admin.post(f"/plans/planned/{plain}/move", json={"window_start": "2020-12-05", "window_end": "2020-12-06",
                                                           "reason": "x"}), "/plans/planned/{planned_id}/move", "post")
    check(admin.post(f"/plans/planned/{plain}/cancel", json={"reason": "Đã kiểm tra trong đợt trước"}),
          "/plans/planned/{planned_id}/cancel", "post")
    check(admin.post(f"/plans/planned/{plain}/cancel", json={"reason": "lần nữa"}),
          "/plans/planned/{planned_id}/cancel", "post")  # 409
    check(admin.get("/plans/424242"), "/plans/{plan_id}", "get")

    started = inspector.post("/inspections", json=NEW_INSPECTION | {"planned_inspection_id": secret})
    assert started.status_code == 201, started.get_json()
    check(inspector.get("/plans/schedule"), "/plans/schedule", "get")
    check(Api(app, "commune-phucxa").get("/plans"), "/plans", "get")  # 403

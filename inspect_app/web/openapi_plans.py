"""The OpenAPI description of /api/v1/plans (web/plans_api.py), merged into the document of web/openapi.py."""
from __future__ import annotations

from typing import Any

from ..models import MEMBER_ROLES, PLANNED_KINDS
from ..services import MAX_ID
from .openapi import (BAD_REQUEST, DATE, FORBIDDEN, INVALID, UNAUTHORISED, WRITE, _error, _json,
                      _json_body, _nullable, _object, _operation, _ref, _string)

STATES = ["planned", "overdue", "started", "finalised", "cancelled"]
PLAN_ID = {"name": "plan_id", "in": "path", "required": True, "description": "Mã kế hoạch.",
           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
PLANNED_ID = {"name": "planned_id", "in": "path", "required": True, "description": "Mã lượt kiểm tra theo kế hoạch.",
              "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
PLANNER_ONLY = _error("Chỉ tài khoản Sở Nội vụ (quản trị) lập và sửa kế hoạch; tài khoản cấp xã không xem kế hoạch.")
HIDDEN = _error("Không có kế hoạch, lượt kiểm tra này, hoặc lượt kiểm tra đột xuất chưa bắt đầu mà người dùng không "
                "thuộc các đoàn của kế hoạch (không tiết lộ là có).")
SCHEDULE_INVALID = _error("Dữ liệu chưa hợp lệ, không lưu gì: `errors` ghi từng trường (`items[i].window_start`…): "
                          "trùng thời gian của cùng một đoàn, xã ngoài phạm vi, ngày ngoài thời gian của kế hoạch.")
NOT_CHANGEABLE = _error("Lượt kiểm tra đã bắt đầu hoặc đã hủy.")
PROGRESS = _object({name: {"type": "integer", "minimum": 0} for name in
                    ("planned", "started", "finalised", "overdue", "cancelled")})

SCHEMAS: dict[str, Any] = {
    "PlanSummary": _object({
        "id": {"type": "integer"}, "number": _string(examples=["145/KH-SNV"]), "issued_on": DATE, "title": _string(),
        "period_start": DATE, "period_end": DATE,
        "unit_report_due": _nullable(_string(format="date", description="Hạn các xã, phường báo cáo (31/10 năm 2020).")),
        "department_report_due": _nullable(_string(format="date",
                                                   description="Hạn Sở báo cáo Thành phố (15/11 năm 2020).")),
    }),
    "PlanMember": _object({"name": _string(minLength=1, maxLength=120), "position": _string(minLength=1, maxLength=200),
                           "role": _string(enum=list(MEMBER_ROLES), default="thanh_vien"),
                           "user_id": _nullable({**ID, "description": "Tài khoản của thành viên: thấy lịch của đoàn."})},
                          required=("name", "position")),
    "PlanTeam": _object({
        "team_id": ID, "decision_number": _string(minLength=1, maxLength=40, examples=["12/QĐ-SNV"]),
        "decision_date": DATE,
        "members": {"type": "array", "minItems": 1, "items": _ref("PlanMember"), "description": "Đúng một trưởng đoàn."},
    }),
    "NewPlan": _object({
        "number": _string(minLength=1, maxLength=40), "issued_on": DATE, "title": _string(minLength=1, maxLength=300),
        "period_start": DATE, "period_end": DATE, "unit_report_due": _nullable(_string(format="date")),
        "department_report_due": _nullable(_string(format="date")),
        "scope": _object({"communes": {"type": "array", "items": _string(pattern=r"^\d{1,10}$")},
                          "areas": {"type": "array", "items": _string(pattern=r"^\d{1,10}$"),
                                    "description": "Quận, huyện (đến 30/6/2025) hoặc cụm xã, phường (từ 01/7/2025)."}},
                         required=()),
        "teams": {"type": "array", "minItems": 1, "items": _ref("PlanTeam")},
    }, required=("number", "issued_on", "title", "period_start", "period_end", "scope", "teams")),
    "Planned": _object({
        "id": {"type": "integer"}, "plan_id": {"type": "integer"}, "commune_code": _string(),
        "commune_name": _string(), "district_code": _nullable(_string()), "district_name": _nullable(_string()),
        "team_id": {"type": "integer"}, "team_name": _string(), "kind": _string(enum=list(PLANNED_KINDS)),
        "window_start": DATE, "window_end": DATE, "status": _string(enum=["planned", "started", "cancelled"]),
        "state": _string(enum=STATES, description="overdue: chưa bắt đầu, đã qua ít nhất một ngày làm việc sau "
                                                  "ngày cuối của thời gian kiểm tra."),
        "working_days_late": {"type": "integer", "minimum": 0, "description": "0 trừ khi quá hạn."},
        "inspection_id": _nullable({"type": "integer"}), "cancel_reason": _nullable(_string()),
    }),
    "PlanDetail": {"allOf": [_ref("PlanSummary"), _object({
        "scope": {"type": "array", "items": _object({"level": _string(enum=["commune", "district"]),
                                                     "code": _string()})},
        "teams": {"type": "array", "items": _object({
            "team_id": {"type": "integer"}, "team_name": _string(), "decision_number": _string(),
            "decision_date": DATE, "members": {"type": "array", "items": _object({
                "name": _string(), "position": _string(), "role": _string(enum=list(MEMBER_ROLES)),
                "user_id": _nullable({"type": "integer"})})}})},
        "planned": {"type": "array", "items": _ref("Planned"),
                    "description": "Chỉ các lượt người dùng được xem: lượt đột xuất chưa bắt đầu chỉ hiện với Sở và "
                                   "thành viên các đoàn của kế hoạch."},
        "progress": _object({"total": PROGRESS, "by_team": {"type": "object", "additionalProperties": PROGRESS},
                             "by_area": {"type": "object", "additionalProperties": PROGRESS}}),
    })]},
    "PlannedItems": _object({"items": {"type": "array", "minItems": 1, "items": _object({
        "commune_code": _string(pattern=r"^\d{1,10}$"), "team_id": ID, "window_start": DATE, "window_end": DATE,
        "kind": _string(enum=list(PLANNED_KINDS))})}}),
    "PlannedList": _object({"planned": {"type": "array", "items": _ref("Planned")}}),
    "TopRequest": _object({
        "count": {"type": "integer", "minimum": 1, "maximum": 200}, "first_day": DATE,
        "days": {"type": "integer", "minimum": 1, "maximum": 20, "default": 1,
                 "description": "Số ngày làm việc cho mỗi xã."},
        "kind": _string(enum=list(PLANNED_KINDS), default="dinh_ky")}, required=("count", "first_day")),
    "MoveRequest": _object({"window_start": DATE, "window_end": DATE, "reason": _string(minLength=1, maxLength=1000),
                            "team_id": {**ID, "description": "Giao cho đoàn khác của kế hoạch (không bắt buộc)."}},
                           required=("window_start", "window_end", "reason")),
    "CancelRequest": _object({"reason": _string(minLength=1, maxLength=1000)}),
    "Ranking": _object({"as_of": DATE, "communes": {"type": "array", "items": _object({
        "commune_code": _string(), "commune_name": _string(), "area": _nullable(_string()),
        "score": {"type": "number"}, "reasons": _string(examples=["3 hành động quá hạn, chưa kiểm tra 14 tháng"]),
        "parts": {"type": "array", "items": _object({"label": _string(), "points": {"type": "number"}})},
        "last_inspection_date": _nullable(_string(format="date")), "scheduled": {"type": "boolean"}})}}),
    "Schedule": _object({"as_of": DATE, "planned": {"type": "array", "items": _ref("Planned")}}),
}

PATHS: dict[str, Any] = {
    "/plans": {
        "get": _operation("Các kế hoạch kiểm tra, mới nhất trước", "plans", {
            "200": _json(_object({"plans": {"type": "array", "items": _ref("PlanSummary")}}), "Danh sách."),
            "401": UNAUTHORISED, "403": PLANNER_ONLY,
        }, op_id="listPlans"),
        "post": _operation("Lập kế hoạch: số, ngày, thời gian, hạn báo cáo, phạm vi, các đoàn (tất cả hoặc không)",
                           "plans", {
            "201": _json(_ref("PlanDetail"), "Đã lập kế hoạch."), "400": BAD_REQUEST, "401": UNAUTHORISED,
            "403": PLANNER_ONLY, "422": INVALID,
        }, security=WRITE, body=_json_body("NewPlan"), op_id="createPlan"),
    },
    "/plans/schedule": {"get": _operation(
        "Lịch kiểm tra của tôi: lượt chưa bắt đầu của các đoàn mình, đến hết 7 ngày tới", "plans", {
            "200": _json(_ref("Schedule"), "Lịch."), "401": UNAUTHORISED, "403": FORBIDDEN,
        }, op_id="mySchedule")},
    "/plans/{plan_id}": {"get": _operation("Một kế hoạch: đoàn, lịch người dùng được xem, tiến độ", "plans", {
        "200": _json(_ref("PlanDetail"), "Kế hoạch."), "401": UNAUTHORISED, "403": PLANNER_ONLY, "404": HIDDEN,
    }, parameters=[PLAN_ID], op_id="getPlan")},
    "/plans/{plan_id}/planned": {"post": _operation("Xếp lịch kiểm tra các xã (tất cả hoặc không)", "plans", {
        "201": _json(_ref("PlannedList"), "Đã xếp lịch."), "400": BAD_REQUEST, "401": UNAUTHORISED,
        "403": PLANNER_ONLY, "404": HIDDEN, "422": SCHEDULE_INVALID,
    }, security=WRITE, body=_json_body("PlannedItems"), parameters=[PLAN_ID], op_id="addPlanned")},
    "/plans/{plan_id}/ranking": {"get": _operation(
        "Xếp hạng rủi ro các xã, phường trong phạm vi kế hoạch, kèm lý do (trọng số: rules/risk.yaml)", "plans", {
            "200": _json(_ref("Ranking"), "Cao nhất trước."), "401": UNAUTHORISED, "403": PLANNER_ONLY,
            "404": HIDDEN,
        }, parameters=[PLAN_ID], op_id="getRanking")},
    "/plans/{plan_id}/top": {"post": _operation(
        "Đưa N xã, phường rủi ro cao nhất chưa có lịch vào kế hoạch, lần lượt cho các đoàn", "plans", {
            "201": _json(_ref("PlannedList"), "Đã xếp lịch."), "400": BAD_REQUEST, "401": UNAUTHORISED,
            "403": PLANNER_ONLY, "404": HIDDEN, "422": SCHEDULE_INVALID,
        }, security=WRITE, body=_json_body("TopRequest"), parameters=[PLAN_ID], op_id="addTop")},
    "/plans/planned/{planned_id}/move": {"post": _operation(
        "Dời lượt kiểm tra sang khoảng thời gian khác (ghi lý do vào nhật ký)", "plans", {
            "200": _json(_ref("Planned"), "Đã dời."), "400": BAD_REQUEST, "401": UNAUTHORISED, "403": PLANNER_ONLY,
            "404": HIDDEN, "409": NOT_CHANGEABLE, "422": SCHEDULE_INVALID,
        }, security=WRITE, body=_json_body("MoveRequest"), parameters=[PLANNED_ID], op_id="movePlanned")},
    "/plans/planned/{planned_id}/cancel": {"post": _operation(
        "Hủy lượt kiểm tra (ghi lý do vào nhật ký)", "plans", {
            "200": _json(_ref("Planned"), "Đã hủy."), "400": BAD_REQUEST, "401": UNAUTHORISED, "403": PLANNER_ONLY,
            "404": HIDDEN, "409": NOT_CHANGEABLE, "422": INVALID,
        }, security=WRITE, body=_json_body("CancelRequest"), parameters=[PLANNED_ID], op_id="cancelPlanned")},
}

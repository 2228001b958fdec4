"""The OpenAPI 3.1 document of the JSON API (web/api.py), served at /api/v1/openapi.json.

Kept as Python data beside the views it describes; tests/web/test_api.py checks that it is a
valid OpenAPI document, that it lists exactly the routes registered under /api/v1, and that
real responses match the schemas it declares; tests/web/test_schemathesis.py that generated
requests never get a 5xx or a status code the document does not list.
"""
from __future__ import annotations

import copy
import functools
from typing import Any

from ..domain.text import MAX_SEARCH_LENGTH
from ..services import MAX_ID
from ..services.paging import MAX_PAGE, MAX_PER_PAGE, PER_PAGE

API_VERSION = "1.0.0"
DIMENSIONS = ("TG", "CK", "GT", "TN", "TT", "DV", "MT", "DT")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str, schema: str = "Error") -> dict[str, Any]:
    return _json(_ref(schema), description)


def _string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict[str, Any], required: tuple[str, ...] | None = None, **extra: Any) -> dict[str, Any]:
    """An object schema; every property is required unless `required` says otherwise."""
    return {"type": "object", "properties": properties,
            "required": list(properties if required is None else required), **extra}


DATE = _string(format="date", examples=["2020-09-15"])
CODE = _string(pattern=r"^[A-Z]{2}-\d{2}$", examples=["TG-01"])
ASSESSED = {"type": "array", "items": _string(enum=list(DIMENSIONS)),
            "description": "Lĩnh vực đã có ít nhất một câu trả lời; phiếu nháp hiển thị các lĩnh vực còn lại là "
                           "“chưa đánh giá”, không hiện điểm."}

UNAUTHORISED = _error("Chưa đăng nhập (hoặc phiên đã hết).")
FORBIDDEN = _error("Tài khoản không có quyền với phiếu này.")
NOT_FOUND = _error("Không tìm thấy.")
BAD_REQUEST = _error("Nội dung không phải JSON hợp lệ, thiếu/sai mã CSRF (header X-CSRFToken), hoặc có ký tự "
                     "NUL, mã Unicode hỏng.")
INVALID = _error("Dữ liệu chưa hợp lệ: `errors` ghi lỗi theo từng trường hoặc mã tiêu chí.")
LOCKED = _error("Phiếu đã hoàn tất và bị khóa (`status`), hoặc vừa bị người khác cập nhật.", "Conflict")

READ = [{"cookieSession": []}]
WRITE = [{"cookieSession": [], "csrfToken": []}]
INSPECTION_ID = {"name": "inspection_id", "in": "path", "required": True, "description": "Mã phiếu kiểm tra.",
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
PHOTO_ID = {"name": "photo_id", "in": "path", "required": True, "description": "Mã ảnh (trong phiếu này).",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
ACTION_ID = {"name": "action_id", "in": "path", "required": True, "description": "Mã việc khắc phục.",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
PAGING = [
    {"name": "page", "in": "query", "required": False, "description": "Trang cần lấy (từ 1). Trang sau trang cuối trả "
     "danh sách rỗng cùng `total`, `pages`, không báo lỗi.", "schema": {"type": "integer", "minimum": 1,
                                                                        "maximum": MAX_PAGE, "default": 1}},
    {"name": "per_page", "in": "query", "required": False, "description": "Số dòng mỗi trang.",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": PER_PAGE}},
]
SEARCH = {"name": "q", "in": "query", "required": False,
          "description": "Tìm theo tên xã, phường hoặc địa bàn, có dấu hay không dấu (\"phuc xa\" tìm thấy "
                         "\"Phường Phúc Xá\", \"dinh\" tìm thấy \"Đình\"), hoặc theo mã xã.",
          "schema": _string(maxLength=MAX_SEARCH_LENGTH)}
PAGE_FIELDS = {
    "total": {"type": "integer", "minimum": 0, "description": "Số dòng khớp bộ lọc, trên mọi trang."},
    "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    "pages": {"type": "integer", "minimum": 1, "description": "Số trang (ít nhất 1, kể cả khi không có dòng nào)."},
}
BAD_PAGE = _error("Tham số phân trang không hợp lệ: `errors` ghi `page` hoặc `per_page` sai.")
REMEDIATION_STATUSES = ("open", "submitted", "verified", "superseded")
HOSTILE = _error("Đường dẫn, tham số hoặc nội dung có ký tự NUL, mã Unicode hỏng hoặc byte không phải UTF-8 "
                 "(`errors` ghi nơi có ký tự đó).")
TOO_LARGE = _error("Nội dung yêu cầu quá lớn.")
BUSY = _error("SQLite vẫn bận ghi sau vài lần thử: chưa lưu gì, thử lại sau số giây trong Retry-After.")
REMEDIATION_CONFLICT = _error("Trạng thái của việc không cho phép thao tác này (`status`).", "RemediationConflict")

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": True,
        "description": "Mọi lỗi: thông điệp tiếng Việt, kèm chi tiết tùy trường hợp.",
        "properties": {
            "error": _string(description="Thông điệp cho người dùng (tiếng Việt)."),
            "errors": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "Lỗi theo trường hoặc theo mã tiêu chí, "
                                      "ví dụ {\"TG-02\": \"cần một số nguyên …\"}."},
            "missing": {"type": "array", "items": CODE,
                        "description": "Tiêu chí bắt buộc chưa trả lời (khi hoàn tất)."},
        },
    },
    "Conflict": {
        "description": "409: phiếu đã khóa (có `status`) hoặc base_version đã cũ (có `version`, `answers`, `notes` "
                       "hiện tại để máy tính bảng tải lại).",
        "allOf": [_ref("Error"), {"type": "object", "properties": {
            "status": _string(enum=["draft", "finalised", "superseded"]),
            "version": {"type": ["integer", "null"]},
            "answers": _ref("Answers"),
            "notes": _ref("Notes"),
        }}],
    },
    "AnswerValue": {
        "type": ["string", "number", "null"],
        "description": "yesno: \"yes\" | \"no\" | \"na\"; int, pct: số; date: \"YYYY-MM-DD\"; choice: một giá trị "
                       "trong `choices`; text: văn bản; null xóa câu trả lời.",
    },
    "Answers": {"type": "object", "propertyNames": CODE, "additionalProperties": _ref("AnswerValue")},
    "Notes": {"type": "object", "propertyNames": CODE, "additionalProperties": {"type": "string", "maxLength": 4000}},
    "User": _object({
        "id": {"type": "integer"}, "username": _string(), "full_name": _string(), "position": _string(),
        "role": _string(enum=["admin", "district", "inspector", "commune"]), "role_label": _string(),
        "district_code": _nullable(_string()), "commune_code": _nullable(_string()), "team": _nullable(_string()),
    }),
    "LoginRequest": _object({"username": _string(minLength=1, maxLength=64),
                             "password": _string(minLength=1, maxLength=200)}),
    "Session": _object({
        "user": _ref("User"), "role": _string(enum=["admin", "district", "inspector", "commune"]),
        "csrf_token": _string(description="Gửi lại trong header X-CSRFToken với mọi yêu cầu thay đổi dữ liệu."),
    }),
    "Citation": _object({
        "instrument": _string(description="Mã văn bản trong sổ đăng ký (GET /checklists: trang /legal)."),
        "text": _string(description="Căn cứ như kết luận in ra: tên, số văn bản và điều khoản."),
        "effective_from": DATE, "effective_to": _nullable(DATE),
        "verified": {"type": "boolean", "description": "false: văn bản hoặc điều khoản chưa được đối chiếu."},
    }),
    "ChecklistSummary": _object({
        "id": _string(examples=["papi-xa"]), "version": {"type": "integer", "minimum": 1}, "title": _string(),
        "basis": {"type": "array", "items": _ref("Citation")}, "effective_from": DATE, "effective_to": _nullable(DATE),
    }),
    "Choice": _object({"value": _string(), "label": _string()}),
    "InspectionDetails": {"type": "object", "additionalProperties": False, "properties": {
        "start_time": _nullable(_string(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")),
        "end_time": _nullable(_string(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")),
        "place": _nullable(_string(maxLength=200)), "plan_reference": _nullable(_string(maxLength=500)),
        "copies": {"type": "integer", "minimum": 1, "maximum": 20},
        "commune_opinion": _nullable(_string(maxLength=4000)),
        "commune_refusal_reason": _nullable(_string(maxLength=1000)),
        "team_refusal_reason": _nullable(_string(maxLength=1000)),
    }},
    "Item": _object({
        "code": CODE, "question": _string(), "type": _string(enum=["yesno", "int", "pct", "date", "choice", "text"]),
        "na_allowed": {"type": "boolean"}, "required": {"type": "boolean"}, "evidence": {"type": "boolean"},
        "guidance": _string(), "choices": {"type": "array", "items": _ref("Choice")},
        "min": {"type": ["number", "null"]}, "max": {"type": ["number", "null"]}, "unit": _nullable(_string()),
        "input_only": {"type": "boolean", "description": "Chỉ là số liệu đầu vào cho tiêu chí khác; không tính điểm."},
        "effective_from": _nullable(DATE), "effective_to": _nullable(DATE),
    }, description="Một tiêu chí; effective_from / effective_to khi tiêu chí bắt đầu hoặc kết thúc trong phiên bản."),
    "Section": _object({"code": _string(enum=list(DIMENSIONS)), "papi": {"type": "integer"}, "title": _string(),
                        "items": {"type": "array", "items": _ref("Item")}}),
    "Checklist": {"allOf": [_ref("ChecklistSummary"), _object({
        "sections": {"type": "array", "items": _ref("Section")},
        "scoring": _object({
            "item_weights": {"type": "object", "additionalProperties": {"type": "number"}},
            "severity_factors": {"type": "object", "additionalProperties": {"type": "number"}},
            "repeat_factor": {"type": "number"},
            "explanation": _string(description="Cách tính điểm tuân thủ, bằng tiếng Việt."),
        })})]},
    "Unit": _object({
        "code": _string(pattern=r"^\d+$"), "name": _string(), "kind": _string(),
        "district_code": _nullable(_string(description="Địa bàn: quận, huyện đến 30/6/2025; cụm xã, phường do Sở Nội vụ xác định từ 1/7/2025.")),
    }),
    "Units": _object({
        "date": DATE, "district": _nullable(_string()),
        "districts": {"type": "array", "items": _ref("Unit"), "description": "Chỉ khi không có tham số district."},
        "communes": {"type": "array", "items": _ref("Unit")},
    }, required=("date", "district", "communes")),
    "Person": _object({"name": _string(minLength=1, maxLength=120), "position": _string(minLength=1, maxLength=200)}),
    "TeamMember": _object({"name": _string(minLength=1, maxLength=120), "position": _string(minLength=1, maxLength=200),
                           "role": _string(enum=["truong_doan", "thanh_vien"], default="thanh_vien")},
                          required=("name", "position")),
    "NewInspection": _object({
        "client_id": _string(minLength=8, maxLength=64,
                             description="Mã do máy tính bảng sinh; gửi lại cùng mã trả về phiếu đã tạo."),
        "checklist": _string(examples=["papi-xa"]), "commune_code": _string(pattern=r"^\d+$", examples=["00001"]),
        "inspection_date": DATE, "villages": {"type": "integer", "minimum": 1, "maximum": 500},
        "team": {"type": "array", "items": _ref("TeamMember"), "description": "Đúng một trưởng đoàn."},
        "commune_reps": {"type": "array", "items": _ref("Person")},
        "plan_reference": _string(maxLength=500),
        "reinspection_of": {
            "type": "integer", "minimum": 1, "maximum": MAX_ID,
            "description": "Tái kiểm tra: mã phiếu đã hoàn tất gần nhất của xã. Khi có, checklist, commune_code, "
                           "villages, team và commune_reps mặc định lấy theo phiếu đó (gửi để thay đổi); bị từ chối "
                           "nếu phiếu đó chưa hoàn tất hoặc không còn là lần kiểm tra gần nhất (409), ngày không sau "
                           "ngày kiểm tra lần trước hoặc xã đã được sắp xếp vào đơn vị khác vào ngày mới (422)."},
        "planned_inspection_id": {
            "type": "integer", "minimum": 1, "maximum": MAX_ID,
            "description": "Bắt đầu một lượt kiểm tra theo kế hoạch (/plans): commune_code, team và plan_reference "
                           "(căn cứ Kế hoạch số …, Quyết định số … thành lập đoàn) mặc định lấy theo kế hoạch; chỉ "
                           "thành viên các đoàn của kế hoạch; lượt đã bắt đầu hoặc đã hủy bị từ chối (409)."},
    }, required=("inspection_date",),
        anyOf=[{"required": ["checklist", "commune_code", "villages"]}, {"required": ["reinspection_of"]},
               {"required": ["planned_inspection_id", "checklist", "villages"]}]),
    "Created": _object({"id": {"type": "integer"}, "status": _string(enum=["draft", "finalised", "superseded"]),
                        "version": {"type": "integer"}}),
    "InspectionSummary": _object({
        "id": {"type": "integer"}, "client_id": _nullable(_string()),
        "status": _string(enum=["draft", "finalised", "superseded"]), "version": {"type": "integer"},
        "revision": {"type": "integer"}, "replaces": {"type": ["integer", "null"]}, "checklist": _string(),
        "checklist_version": {"type": "integer"}, "commune_code": _string(), "commune_name": _string(),
        "district_code": _nullable(_string()), "district_name": _nullable(_string()), "inspection_date": DATE,
        "villages": {"type": "integer"}, "total_score": {"type": ["number", "null"]},
    }),
    "InspectionList": _object({**PAGE_FIELDS, "inspections": {"type": "array", "items": _ref("InspectionSummary")}}),
    "PreviousFinding": {"allOf": [_ref("Finding"), _object({
        "status": _string(enum=["open", "submitted", "verified", "superseded"],
                          description="Trạng thái khắc phục hiện nay."),
        "status_label": _string(examples=["Chưa khắc phục", "Chờ xác nhận", "Đã khắc phục"]),
        "overdue": {"type": "boolean",
                    "description": "Chưa khắc phục và đã quá hạn vào ngày kiểm tra của phiếu này (X-02)."},
    })]},
    "PreviousInspection": _object({
        "id": {"type": "integer"}, "inspection_date": DATE,
        "minutes_number": _nullable(_string(description="Số biên bản lần trước; null nếu chưa phát hành.")),
        "answers": _ref("Answers"),
        "display": {"type": "object", "propertyNames": CODE, "additionalProperties": _string(),
                    "description": "Câu trả lời lần trước bằng chữ (Có, Không, 05/01/2020 …), theo mã tiêu chí."},
        "findings": {"type": "array", "items": _ref("PreviousFinding")},
    }, description="Lần kiểm tra đã hoàn tất gần nhất trước phiếu này của cùng xã."),
    "PhotoRef": _object({
        "id": {"type": "integer"}, "item": CODE, "width": {"type": "integer"}, "height": {"type": "integer"},
        "caption": _string(maxLength=300, description="Chú thích in dưới ảnh trong phụ lục ảnh của biên bản; "
                                                      "\"\" khi chưa có."),
        "taken_at": _nullable(_string(format="date-time", description="Thời điểm chụp (UTC).")),
        "taken_at_source": _nullable(_string(enum=["exif", "upload"], description=(
            "exif: theo DateTimeOriginal của ảnh (giờ Hà Nội nếu ảnh không ghi múi giờ); upload: ảnh không ghi "
            "thời điểm chụp (hoặc ghi sai, sau lúc tải lên) nên lấy thời điểm tải lên."))),
        "location": {"oneOf": [_object({"latitude": {"type": "number", "minimum": -90, "maximum": 90},
                                        "longitude": {"type": "number", "minimum": -180, "maximum": 180}}),
                               {"type": "null"}],
                     "description": "Vị trí chụp (GPS trong EXIF), chỉ lưu khi đoàn kiểm tra đã được quản trị bật "
                                    "`flask teams photo-location <đoàn> on`; mặc định bỏ."},
    }),
    "InspectionDetail": {"allOf": [_ref("InspectionSummary"), _object({
        "team": {"type": "array", "items": _ref("TeamMember")},
        "commune_reps": {"type": "array", "items": _ref("Person")},
        "plan_reference": _string(), "answers": _ref("Answers"), "notes": _ref("Notes"),
        "photos": {"type": "array", "items": _ref("PhotoRef")}, "minutes_sha256": _nullable(_string()),
        "record_sha256": _nullable(_string()),
        "findings": {"type": "array", "items": _ref("Finding")}, "scores": _ref("Scores"),
        "assessed": ASSESSED, "missing": {"type": "array", "items": CODE},
        "start_time": _nullable(_string()), "end_time": _nullable(_string()), "place": _nullable(_string()),
        "copies": {"type": "integer"}, "commune_opinion": _string(),
        "commune_refusal_reason": _nullable(_string()), "team_refusal_reason": _nullable(_string()),
        "previous": {"oneOf": [_ref("PreviousInspection"), {"type": "null"}],
                     "description": "Lần kiểm tra trước (null nếu không có): câu trả lời và tồn tại với trạng thái "
                                    "khắc phục."},
    })]},
    "Finding": _object({
        "code": _string(description="Mã tiêu chí với quy tắc của chính tiêu chí, nếu không là mã quy tắc chung "
                                    "(J-01, E-01, X-02)."),
        "items": {"type": "array", "items": CODE}, "kind": _string(enum=["violation", "recommendation"]),
        "severity": _string(enum=["normal", "high"]), "repeat": {"type": "boolean"}, "deadline": _nullable(DATE),
        "title": _string(), "legal_basis": _string(),
        "deadline_provisional": {"type": "boolean", "description": "Hạn rơi vào năm chưa công bố lịch nghỉ lễ, Tết: "
                                                                   "hạn tạm tính, có thể thay đổi."},
    }, description="Một phát hiện như giao diện đánh giá (criteria.md) công bố, thêm deadline_provisional."),
    "Scores": _object({**{d: {"type": "number", "minimum": 0, "maximum": 10} for d in DIMENSIONS},
                       "total": {"type": "number", "minimum": 0, "maximum": 80}},
                      required=("total",), additionalProperties={"type": "number"}),
    "AnswersRequest": _object({
        "answers": _ref("Answers"), "notes": _ref("Notes"),
        "base_version": {"type": "integer", "description": "`version` của phiếu mà máy tính bảng đã tải."},
    }, required=("base_version",)),
    "Evaluation": _object({
        "version": {"type": "integer"}, "findings": {"type": "array", "items": _ref("Finding")},
        "scores": _ref("Scores"), "assessed": ASSESSED, "missing": {"type": "array", "items": CODE},
    }),
    "PhotoUpload": _object({
        "item": CODE, "file": _string(contentMediaType="image/*", description="JPEG, PNG hoặc WebP, tối đa 20 MB."),
        "exif": _string(contentMediaType="application/octet-stream", description=(
            "Tùy chọn: đoạn APP1 \"Exif\\0\\0…\" (tối đa 64 KB) của ảnh gốc, khi máy tính bảng đã thu nhỏ ảnh "
            "(canvas bỏ EXIF). Chỉ dùng để đọc thời điểm và vị trí chụp; tệp ảnh lưu lại không mang EXIF.")),
        "client_key": _string(pattern=r"^[A-Za-z0-9_-]{8,64}$", description=(
            "Tùy chọn: khóa của ảnh trong hàng đợi của máy tính bảng. Gửi lại cùng khóa trả lại ảnh đã lưu (200), "
            "không tạo ảnh thứ hai.")),
    }, required=("item", "file")),
    "Photo": {"allOf": [_ref("PhotoRef"), _object({
        "version": {"type": "integer", "description": "Phiên bản mới của phiếu (ảnh cũng tăng version)."}})]},
    "PhotoCaption": {"type": "object", "additionalProperties": False, "required": ["caption"], "properties": {
        "caption": _nullable(_string(maxLength=300, description=(
            "Một dòng, tối đa 300 ký tự, không chứa ký tự điều khiển; \"\" hoặc null xóa chú thích.")))}},
    "Finalised": _object({
        "id": {"type": "integer"}, "status": _string(enum=["finalised"]), "version": {"type": "integer"},
        "findings": {"type": "array", "items": _ref("Finding")}, "scores": _ref("Scores"),
        "minutes_sha256": _nullable(_string(description="SHA-256 của biên bản PDF; null khi chưa có.")),
    }),
    "RemediationSummary": _object({
        "id": {"type": "integer"}, "inspection_id": {"type": "integer"}, "inspection_date": DATE,
        "commune_code": _string(), "commune_name": _string(), "district_code": _nullable(_string()),
        "district_name": _nullable(_string()),
        "code": _string(description="Mã phát hiện (mã tiêu chí, hoặc J-01, E-01, X-02)."),
        "items": {"type": "array", "items": CODE}, "kind": _string(examples=["violation", "recommendation"]),
        "severity": _string(enum=["normal", "high"]), "title": _string(), "deadline": _nullable(DATE),
        "status": _string(enum=list(REMEDIATION_STATUSES)),
        "overdue": {"type": "boolean", "description": "Quá hạn vào ngày `as_of` (mặc định hôm nay, giờ Hà Nội): "
                                                      "chưa xác nhận, chưa bị thay thế, hạn trước ngày đó."},
        "evidence_count": {"type": "integer", "minimum": 0},
        "submitted_at": _nullable(_string(format="date-time")), "verified_at": _nullable(_string(format="date-time")),
        "verify_comment": _nullable(_string(description="Nhận xét của người xác nhận đã khắc phục.")),
        "return_reason": _nullable(_string(description="Lý do lần trả lại gần nhất.")),
    }),
    "RemediationList": _object({
        "as_of": DATE, **PAGE_FIELDS, "remediations": {"type": "array", "items": _ref("RemediationSummary")}}),
    "RemediationEvidence": _object({
        "id": {"type": "integer"}, "kind": _string(enum=["photo", "pdf", "note"]), "original_name": _string(),
        "size": {"type": "integer", "minimum": 0}, "note": _string(), "created_at": _string(format="date-time"),
        "url": _nullable(_string(description="Tệp minh chứng (ảnh: inline, ?size=thumb cho ảnh nhỏ; PDF: tải về).")),
    }),
    "Remediation": {"allOf": [_ref("RemediationSummary"), _object({
        "legal_basis": _string(), "remediation": _string(), "responsible": _string(),
        "evidence": {"type": "array", "items": _ref("RemediationEvidence")},
    })]},
    "EvidenceUpload": _object({
        "note": _string(maxLength=4000),
        "file": _string(contentMediaType="application/octet-stream",
                        description="Ảnh (JPEG, PNG, WebP; lưu lại dạng JPEG ≤ 1600 px) hoặc PDF, tối đa 20 MB."),
    }, required=(), description="Cần ít nhất ghi chú hoặc tệp."),
    "ReopenRequest": _object({"reason": _string(minLength=1, maxLength=2000)}),
    "VerifyRequest": _object({"confirm": {"type": "boolean", "const": True},
                              "comment": _string(minLength=1, maxLength=2000)}),
    "RemediationConflict": {
        "description": "409: việc đã xác nhận, đã bị thay thế, hoặc chưa ở trạng thái cho phép thao tác này.",
        "allOf": [_ref("Error"), {"type": "object", "properties": {
            "status": _string(enum=list(REMEDIATION_STATUSES))}}],
    },
}


def _operation(summary: str, tag: str, responses: dict[str, Any], *, security: list | None = None,
               body: dict[str, Any] | None = None, parameters: list | None = None, op_id: str) -> dict[str, Any]:
    # any request may carry what web/hostile.py refuses, or find SQLite locked by another's transaction
    responses = {"400": HOSTILE} | responses | {"503": BUSY}
    if body:  # the app refuses bodies above MAX_CONTENT_LENGTH before any view reads them
        responses = {"413": TOO_LARGE} | responses
    operation: dict[str, Any] = {"operationId": op_id, "summary": summary, "tags": [tag],
                                 "security": READ if security is None else security, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if body:
        operation["requestBody"] = body
    return operation


def _json_body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


PATHS: dict[str, Any] = {
    "/login": {"post": _operation(
        "Đăng nhập (không cần CSRF); sau nhiều lần sai phải đợi giữa hai lần thử (15 giây, gấp đôi dần, "
        "tối đa 5 phút)", "session", {
            "200": _json(_ref("Session"), "Đã đăng nhập; cookie phiên được đặt."),
            "400": BAD_REQUEST, "401": _error("Sai tên đăng nhập hoặc mật khẩu."),
            "422": INVALID,
            "429": _error("Đăng nhập sai nhiều lần: đợi số giây trong Retry-After rồi thử lại; mật khẩu chưa được "
                          "kiểm tra."),
        }, security=[], body=_json_body("LoginRequest"), op_id="login")},
    "/logout": {"post": _operation("Đăng xuất", "session", {
        "204": {"description": "Đã đăng xuất."}, "400": BAD_REQUEST, "401": UNAUTHORISED,
    }, security=WRITE, op_id="logout")},
    "/session": {"get": _operation("Người dùng hiện tại và mã CSRF mới", "session", {
        "200": _json(_ref("Session"), "Phiên đang mở."), "401": UNAUTHORISED,
    }, op_id="getSession")},
    "/checklists": {"get": _operation("Các checklist (mọi phiên bản) và thời gian hiệu lực", "catalog", {
        "200": _json(_object({"checklists": {"type": "array", "items": _ref("ChecklistSummary")}}), "Danh sách."),
        "401": UNAUTHORISED,
    }, op_id="listChecklists")},
    "/checklists/{checklist_id}": {"get": _operation("Một checklist đầy đủ: phần, tiêu chí, hướng dẫn", "catalog", {
        "200": _json(_ref("Checklist"), "Checklist."), "401": UNAUTHORISED, "404": NOT_FOUND, "422": INVALID,
    }, parameters=[
        {"name": "checklist_id", "in": "path", "required": True, "schema": _string(examples=["papi-xa"])},
        {"name": "version", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1},
         "description": "Phiên bản cụ thể, đầy đủ mọi tiêu chí (ưu tiên hơn date)."},
        {"name": "date", "in": "query", "required": False, "schema": DATE,
         "description": "Phiên bản có hiệu lực vào ngày này (mặc định: hôm nay), chỉ gồm các tiêu chí có hiệu lực "
                        "vào ngày đó."},
    ], op_id="getChecklist")},
    "/units": {"get": _operation("Địa bàn và xã, phường có hiệu lực vào một ngày", "units", {
        "200": _json(_ref("Units"), "Đơn vị hành chính."), "401": UNAUTHORISED,
        "404": _error("Không có địa bàn này vào ngày đó."), "422": INVALID,
    }, parameters=[
        {"name": "district", "in": "query", "required": False, "schema": _string(pattern=r"^\d+$"),
         "description": "Chỉ các xã, phường của địa bàn này."},
        {"name": "date", "in": "query", "required": False, "schema": DATE, "description": "Mặc định: hôm nay."},
    ], op_id="listUnits")},
    "/inspections": {
        "get": _operation("Các phiếu kiểm tra người dùng được xem, mới nhất trước", "inspections", {
            "200": _json(_ref("InspectionList"), "Một trang danh sách phiếu."), "400": BAD_PAGE,
            "401": UNAUTHORISED, "422": INVALID,
        }, parameters=[
            SEARCH, *PAGING,
            {"name": "commune", "in": "query", "required": False, "schema": _string()},
            {"name": "status", "in": "query", "required": False,
             "schema": _string(enum=["draft", "finalised", "superseded"])},
            {"name": "mine", "in": "query", "required": False, "schema": _string(enum=["1", "true"]),
             "description": "Chỉ phiếu do mình lập."},
        ], op_id="listInspections"),
        "post": _operation("Lập phiếu kiểm tra (idempotent theo client_id)", "inspections", {
            "200": _json(_ref("Created"), "client_id đã dùng: trả lại phiếu đã lập, không tạo phiếu thứ hai."),
            "201": _json(_ref("Created"), "Đã lập phiếu nháp."), "400": BAD_REQUEST, "401": UNAUTHORISED,
            "403": FORBIDDEN,
            "409": _error("Tái kiểm tra: phiếu lần trước chưa hoàn tất, đã được thay thế, hoặc không còn là lần kiểm "
                          "tra gần nhất của xã; theo kế hoạch: lượt kiểm tra đã bắt đầu hoặc đã hủy.", "Conflict"),
            "422": INVALID,
        }, security=WRITE, body=_json_body("NewInspection"), op_id="createInspection"),
    },
    "/inspections/{inspection_id}": {
        "get": _operation("Một phiếu: câu trả lời, ảnh, phát hiện, điểm", "inspections", {
            "200": _json(_ref("InspectionDetail"), "Phiếu kiểm tra."), "401": UNAUTHORISED, "403": FORBIDDEN,
            "404": NOT_FOUND,
        }, parameters=[INSPECTION_ID], op_id="getInspection"),
        "patch": _operation("Thông tin biên bản của phiếu nháp: giờ, địa điểm, số bản, ý kiến, lý do không ký",
                            "inspections", {
            "200": _json(_ref("InspectionDetail"), "Đã lưu."), "400": BAD_REQUEST, "401": UNAUTHORISED,
            "403": FORBIDDEN, "404": NOT_FOUND, "409": LOCKED, "422": INVALID,
        }, security=WRITE, body=_json_body("InspectionDetails"), parameters=[INSPECTION_ID],
            op_id="updateInspectionDetails"),
    },
    "/inspections/{inspection_id}/minutes.pdf": {"get": _operation(
        "Biên bản PDF: bản đã chốt (đúng từng byte) hoặc bản dự thảo có chữ DỰ THẢO", "inspections", {
            "200": {"description": "Tệp PDF.", "content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}},
            "304": {"description": "Không đổi (ETag = SHA-256 của tệp)."},
            "401": UNAUTHORISED, "403": FORBIDDEN, "404": NOT_FOUND,
        }, parameters=[INSPECTION_ID], op_id="getMinutes")},
    "/inspections/{inspection_id}/answers": {"put": _operation(
        "Lưu một loạt câu trả lời và ghi chú (tất cả hoặc không), kiểm tra base_version", "inspections", {
            "200": _json(_ref("Evaluation"), "Đã lưu; kết quả đánh giá tạm thời."), "400": BAD_REQUEST,
            "401": UNAUTHORISED, "403": FORBIDDEN, "404": NOT_FOUND,
            "409": LOCKED, "422": INVALID,
        }, security=WRITE, body=_json_body("AnswersRequest"), parameters=[INSPECTION_ID], op_id="saveAnswers")},
    "/inspections/{inspection_id}/photos": {"post": _operation(
        "Đính kèm ảnh minh chứng cho một tiêu chí", "inspections", {
            "201": _json(_ref("Photo"), "Đã lưu ảnh (thu nhỏ còn tối đa 1600 px, bỏ siêu dữ liệu; giữ thời "
                                        "điểm chụp và, nếu đoàn đã bật, vị trí chụp)."),
            "200": _json(_ref("Photo"), "client_key đã dùng: trả lại ảnh đã lưu, không tạo ảnh thứ hai."),
            "400": BAD_REQUEST, "401": UNAUTHORISED, "403": FORBIDDEN, "404": NOT_FOUND, "409": LOCKED,
            "413": _error("Tệp quá lớn."), "422": _error("Thiếu tiêu chí, thiếu tệp, hoặc tệp không phải ảnh hợp lệ."),
        }, security=WRITE, parameters=[INSPECTION_ID], op_id="addPhoto",
        body={"required": True, "content": {"multipart/form-data": {"schema": _ref("PhotoUpload")}}})},
    "/inspections/{inspection_id}/photos/{photo_id}": {
        "patch": _operation("Sửa chú thích ảnh (khi phiếu còn là nháp; ghi nhật ký)", "inspections", {
            "200": _json(_ref("Photo"), "Đã lưu chú thích."), "400": BAD_REQUEST, "401": UNAUTHORISED,
            "403": FORBIDDEN, "404": NOT_FOUND, "409": LOCKED,
            "422": _error("Chú thích quá dài, có ký tự điều khiển, hoặc không phải văn bản (`errors.caption`)."),
        }, security=WRITE, body=_json_body("PhotoCaption"), parameters=[INSPECTION_ID, PHOTO_ID],
            op_id="captionPhoto"),
        "delete": _operation("Xóa ảnh chụp nhầm (khi phiếu còn là nháp; ghi nhật ký)", "inspections", {
            "200": _json(_ref("Evaluation"), "Đã xóa; phiên bản mới và kết quả đánh giá không còn ảnh này "
                                             "(có thể phát sinh E-01 “thiếu ảnh minh chứng”)."),
            "400": BAD_REQUEST, "401": UNAUTHORISED, "403": FORBIDDEN, "404": NOT_FOUND, "409": LOCKED,
        }, security=WRITE, parameters=[INSPECTION_ID, PHOTO_ID], op_id="deletePhoto"),
    },
    "/inspections/{inspection_id}/finalize": {"post": _operation(
        "Hoàn tất: lưu phát hiện, điểm, biện pháp khắc phục và khóa phiếu", "inspections", {
            "200": _json(_ref("Finalised"), "Đã hoàn tất."), "400": BAD_REQUEST, "401": UNAUTHORISED,
            "403": FORBIDDEN, "404": NOT_FOUND, "409": LOCKED,
            "422": _error("Còn tiêu chí bắt buộc chưa trả lời: `missing`."),
        }, security=WRITE, parameters=[INSPECTION_ID], op_id="finalizeInspection")},
    "/inspections/{inspection_id}/revise": {"post": _operation(
        "Lập bản sửa đổi (phiếu nháp mới thay thế phiếu đã hoàn tất)", "inspections", {
            "200": _json(_ref("InspectionSummary"), "Bản sửa đổi nháp đã có: trả lại bản đó, không lập bản thứ hai."),
            "201": _json(_ref("InspectionSummary"), "Bản sửa đổi nháp (`replaces` = phiếu gốc)."),
            "400": BAD_REQUEST, "401": UNAUTHORISED, "403": FORBIDDEN, "404": NOT_FOUND,
            "409": _error("Chỉ lập bản sửa đổi cho phiếu đã hoàn tất; hoặc một yêu cầu khác vừa lập bản sửa đổi "
                          "(`revision` = mã của bản đó)."),
        }, security=WRITE, parameters=[INSPECTION_ID], op_id="reviseInspection")},
    "/remediations": {"get": _operation(
        "Việc khắc phục người dùng được xem (theo vai trò), lọc và sắp xếp", "remediation", {
            "200": _json(_ref("RemediationList"), "Một trang danh sách; không lọc trạng thái thì bỏ các việc đã bị "
                                                  "thay thế."),
            "400": BAD_PAGE, "401": UNAUTHORISED, "422": INVALID,
        }, parameters=[
            SEARCH, *PAGING,
            {"name": "district", "in": "query", "required": False, "schema": _string(pattern=r"^\d+$")},
            {"name": "commune", "in": "query", "required": False, "schema": _string(pattern=r"^\d+$")},
            {"name": "dimension", "in": "query", "required": False, "schema": _string(enum=list(DIMENSIONS)),
             "description": "Lĩnh vực của các tiêu chí trong phát hiện."},
            {"name": "status", "in": "query", "required": False, "schema": _string(enum=list(REMEDIATION_STATUSES))},
            {"name": "overdue_as_of", "in": "query", "required": False, "schema": DATE,
             "description": "Chỉ các việc quá hạn vào ngày này (hạn trước ngày đó, chưa xác nhận)."},
            {"name": "sort", "in": "query", "required": False,
             "description": "inspection: theo lần kiểm tra, mới nhất trước (như danh sách của xã, phường).",
             "schema": _string(enum=["deadline", "commune", "status", "inspection"], default="deadline")},
        ], op_id="listRemediations")},
    "/remediations/{action_id}": {"get": _operation(
        "Một việc khắc phục: phát hiện, biện pháp, hạn, minh chứng", "remediation", {
            "200": _json(_ref("Remediation"), "Việc khắc phục."), "401": UNAUTHORISED, "403": FORBIDDEN,
            "404": NOT_FOUND,
        }, parameters=[ACTION_ID], op_id="getRemediation")},
    "/remediations/{action_id}/evidence": {"post": _operation(
        "Xã, phường gửi minh chứng (ghi chú và/hoặc ảnh, PDF); việc chuyển sang chờ xác nhận", "remediation", {
            "201": _json(_ref("Remediation"), "Đã nhận minh chứng."), "400": BAD_REQUEST, "401": UNAUTHORISED,
            "403": FORBIDDEN, "404": NOT_FOUND, "409": REMEDIATION_CONFLICT, "413": _error("Tệp quá lớn."),
            "422": _error("Thiếu cả ghi chú lẫn tệp, hoặc tệp không phải ảnh hay PDF hợp lệ."),
        }, security=WRITE, parameters=[ACTION_ID], op_id="submitRemediationEvidence",
        body={"required": True, "content": {"multipart/form-data": {"schema": _ref("EvidenceUpload")}}})},
    "/remediations/{action_id}/verify": {"post": _operation(
        "Xác nhận đã khắc phục (chỉ việc đang chờ xác nhận)", "remediation", {
            "200": _json(_ref("Remediation"), "Đã xác nhận."), "400": BAD_REQUEST, "401": UNAUTHORISED,
            "403": FORBIDDEN, "404": NOT_FOUND, "409": REMEDIATION_CONFLICT,
            "422": _error("Thiếu xác nhận đã xem minh chứng hoặc nhận xét về minh chứng."),
        }, security=WRITE, body=_json_body("VerifyRequest"), parameters=[ACTION_ID], op_id="verifyRemediation")},
    "/remediations/{action_id}/reopen": {"post": _operation(
        "Trả lại cho xã, phường kèm lý do (việc mở lại)", "remediation", {
            "200": _json(_ref("Remediation"), "Đã trả lại; việc ở trạng thái open."), "400": BAD_REQUEST,
            "401": UNAUTHORISED, "403": FORBIDDEN, "404": NOT_FOUND, "409": REMEDIATION_CONFLICT,
            "422": _error("Thiếu lý do trả lại."),
        }, security=WRITE, body=_json_body("ReopenRequest"), parameters=[ACTION_ID], op_id="reopenRemediation")},
    "/openapi.json": {"get": _operation("Tài liệu OpenAPI này", "meta", {
        "200": _json({"type": "object"}, "Tài liệu OpenAPI 3.1."),
    }, security=[], op_id="getOpenAPI")},
}


@functools.lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    from . import openapi_plans  # it builds on the helpers above

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API kiểm tra UBND cấp xã (PAPI)",
            "version": API_VERSION,
            "description": (
                "API JSON cho ứng dụng máy tính bảng của đoàn kiểm tra theo Kế hoạch 122/KH-UBND. "
                "Đăng nhập bằng POST /login: máy chủ đặt cookie phiên và trả `csrf_token`; mọi yêu cầu thay đổi "
                "dữ liệu (POST, PUT) sau đó phải gửi header X-CSRFToken với mã này (GET /session cấp lại mã). "
                "Mọi lỗi có dạng {\"error\": thông điệp tiếng Việt, ...chi tiết}."),
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": n} for n in ("session", "catalog", "units", "inspections", "remediation", "plans",
                                       "meta")],
        "security": READ,
        "paths": PATHS | openapi_plans.PATHS,
        "components": {
            "schemas": SCHEMAS | openapi_plans.SCHEMAS,
            "securitySchemes": {
                "cookieSession": {"type": "apiKey", "in": "cookie", "name": "session",
                                  "description": "Cookie phiên Flask, đặt khi đăng nhập."},
                "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                              "description": "`csrf_token` từ POST /login hoặc GET /session; bắt buộc với POST, PUT."},
            },
        },
    }


def openapi_document() -> dict[str, Any]:
    """A fresh copy of the document (callers may change theirs without touching the cached one)."""
    return copy.deepcopy(_document())

"""Errors as users should see them: Vietnamese, JSON under /api, never a stack trace."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..domain.catalog import UnknownVersion
from ..extensions import db
from ..services import ServiceError
from ..services.transactions import BUSY_MESSAGE, Busy, database_locked

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Vui lòng đăng nhập.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang hoặc dữ liệu yêu cầu.",
    405: "Phương thức không được hỗ trợ.",
    409: "Dữ liệu đã thay đổi hoặc đã bị khóa.",
    413: "Tệp tải lên quá lớn.",
    422: "Dữ liệu chưa hợp lệ.",
    429: "Quá nhiều yêu cầu, vui lòng thử lại sau.",
    503: BUSY_MESSAGE,
    500: "Hệ thống gặp lỗi. Dữ liệu đã lưu trước đó không bị mất; vui lòng thử lại.",
}


CATALOG_UPDATED = "Bảng tiêu chí vừa được cập nhật phiên bản mới; vui lòng thử lại sau giây lát."


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, message: str, /, **details):
    if wants_json():
        return jsonify({"error": message, **details}), status
    return render_template("errors/error.html", status=status, message=message, details=details), status


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        db.session.rollback()
        body, status = error_response(error.status, error.message, **error.details)
        retry_after = getattr(error, "retry_after", None)  # Busy, and a throttled login
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return body, status, headers

    @app.errorhandler(UnknownVersion)
    def unknown_version(error: UnknownVersion):
        """Another worker published the version this inspection uses moments ago: load it, let the client retry."""
        db.session.rollback()
        app.extensions["catalog"].refresh(db.session)
        body, status = error_response(503, CATALOG_UPDATED)
        return body, status, {"Retry-After": "1"}

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(400, "Phiên làm việc đã hết hạn hoặc thiếu mã bảo vệ CSRF; hãy tải lại trang.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500, MESSAGES.get(error.code, error.name))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        if database_locked(error):  # SQLite, outside the services that retry (services.transactions)
            app.logger.warning("database locked on %s", request.path)
            body, status = error_response(503, BUSY_MESSAGE)
            return body, status, {"Retry-After": str(Busy.retry_after)}
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500, MESSAGES[500])

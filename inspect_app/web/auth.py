"""Login, logout, password change, and the end of idle sessions.

A session lasts while it is used: one idle longer than IDLE_MINUTES (INSPECT_IDLE_MINUTES) is
ended at its next request, which goes to the login page with a message (API: JSON 401). Logging
out and changing the password end every session of the account (services.accounts).
"""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..services import Invalid, accounts
from .forms import LoginForm, PasswordForm

blueprint = Blueprint("auth", __name__)

LAST_SEEN = "last_seen"  # session key: when the session was last used (Unix seconds)
LAST_SEEN_STEP = 60  # rewrite the cookie at most once a minute, not on every request
LOGIN_ENDPOINTS = ("auth.login", "api.login")


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login (no open redirect)."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inspections.index")


def start_session(user) -> None:
    """Log the user in on this client, idle time counted from now (the page and the API alike)."""
    login_user(user)
    session[LAST_SEEN] = int(time.time())


@blueprint.before_app_request
def end_idle_session():
    """Log out a session unused for longer than IDLE_MINUTES, so a tablet left open does not stay logged in."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    now, last_seen = int(time.time()), session.get(LAST_SEEN)
    minutes = current_app.config["IDLE_MINUTES"]
    if isinstance(last_seen, int) and now - last_seen > minutes * 60:
        logout_user()
        session.pop(LAST_SEEN)
        if request.endpoint in LOGIN_ENDPOINTS:  # logging in again: nothing to refuse
            return None
        message = f"Phiên làm việc đã hết hạn sau {minutes} phút không thao tác; vui lòng đăng nhập lại."
        if request.path.startswith("/api/"):
            return jsonify({"error": message}), 401
        flash(message)
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
    if not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_STEP:
        session[LAST_SEEN] = now
    return None


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inspections.index"))
    form = LoginForm()
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db.session, form.username.data, form.password.data,
                                         address=request.remote_addr)
        except accounts.LoginRefused as refused:
            error, status = refused.message, refused.status
            if isinstance(refused, accounts.TooManyAttempts):
                headers["Retry-After"] = str(refused.retry_after)
        else:
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error), status, headers


@blueprint.post("/logout")
@login_required
def logout():
    accounts.logout(db.session, current_user._get_current_object())
    logout_user()
    return redirect(url_for("auth.login"))


@blueprint.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password; the other sessions of the account end, this one goes on."""
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            user = accounts.change_password(db.session, current_user._get_current_object(),
                                            form.current_password.data, form.new_password.data)
        except Invalid as invalid:
            error = invalid.message
        else:
            start_session(user)
            flash("Đã đổi mật khẩu; các phiên đăng nhập khác của tài khoản đã kết thúc.")
            return redirect(url_for("inspections.index"))
    return render_template("auth/password.html", form=form, error=error), 422 if error else 200


@login_manager.unauthorized_handler
def unauthorized():
    """API clients get a JSON 401; people are sent to the login page."""
    if request.path.startswith("/api/"):
        return jsonify({"error": "Vui lòng đăng nhập."}), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))

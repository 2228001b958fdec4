"""Login and logout pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..services.accounts import LoginRefused, authenticate
from ..services.audit import record
from .forms import LoginForm

blueprint = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only redirect within this site after login (no open redirect)."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inspections.index")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inspections.index"))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = authenticate(db.session, form.username.data, form.password.data, address=request.remote_addr,
                                throttle=current_app.extensions["login_throttle"])
        except LoginRefused as refused:
            error, status = refused.message, refused.status
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error), status if error else 200


@blueprint.post("/logout")
@login_required
def logout():
    record(db.session, current_user, "logout", "user", current_user.id)
    db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))


@login_manager.unauthorized_handler
def unauthorized():
    """API clients get a JSON 401; people are sent to the login page."""
    if request.path.startswith("/api/"):
        return jsonify({"error": "Vui lòng đăng nhập."}), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))

"""Accounts: password checks with throttling, and who may see or change what."""
from __future__ import annotations

import datetime as dt
import threading
from collections import deque

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import FINALISED, ROLES, SUPERSEDED, Inspection, Team, User, utcnow
from . import Forbidden, Invalid, ServiceError
from .audit import record

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=5)
MIN_PASSWORD_LENGTH = 8


class LoginRefused(ServiceError):
    status = 401


class TooManyAttempts(LoginRefused):
    status = 429


class AddressThrottle:
    """Failed logins per client address, in memory per process.

    The per-account lockout stops guessing one password; this bounds guessing across many
    accounts from one address (and keeps one address from locking everybody out).
    """

    def __init__(self, limit: int = 20, window: dt.timedelta = dt.timedelta(minutes=15)):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: dt.datetime) -> deque[dt.datetime]:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def check(self, address: str, now: dt.datetime) -> None:
        with self._lock:
            if len(self._recent(address, now)) >= self.limit:
                raise TooManyAttempts("Đăng nhập sai quá nhiều lần từ địa chỉ này. Vui lòng thử lại sau 15 phút.")

    def failed(self, address: str, now: dt.datetime) -> None:
        with self._lock:
            self._recent(address, now).append(now)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    return generate_password_hash(password, method="scrypt")


def authenticate(session: Session, username: str, password: str, now: dt.datetime | None = None, *,
                 address: str | None = None, throttle: AddressThrottle | None = None) -> User:
    """Check a password; after five failures in a row the account waits five minutes.

    With a throttle, an address with too many recent failures is refused before any check.
    """
    now = now or utcnow()
    if throttle and address:
        throttle.check(address, now)
    try:
        return _check_password(session, username, password, now)
    except LoginRefused:
        if throttle and address:
            throttle.failed(address, now)
        raise


def _check_password(session: Session, username: str, password: str, now: dt.datetime) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    refused = LoginRefused("Tên đăng nhập hoặc mật khẩu không đúng.")
    if user is None or not user.active:
        check_password_hash(DUMMY_HASH, password)  # same work as a real check: no timing oracle
        raise refused
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginRefused(f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.")
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
            record(session, user, "login_locked", "user", user.id)
        session.commit()
        raise refused
    user.failed_logins, user.locked_until = 0, None
    record(session, user, "login", "user", user.id)
    session.commit()
    return user


DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def create_user(session: Session, username: str, password: str, full_name: str, role: str, *,
                position: str = "", district_code: str | None = None, commune_code: str | None = None,
                team: Team | None = None) -> User:
    if role not in ROLES:
        raise Invalid(f"Vai trò không hợp lệ: {role}")
    user = User(username=username.lower(), password_hash=hash_password(password), full_name=full_name,
                position=position, role=role, district_code=district_code, commune_code=commune_code, team=team)
    session.add(user)
    session.flush()
    record(session, None, "create_user", "user", user.id, username=user.username, role=role)
    return user


def can_view(user: User, inspection: Inspection) -> bool:
    if user.role == "admin":
        return True
    if user.role == "district":
        return inspection.district_code is not None and inspection.district_code == user.district_code
    if user.role == "inspector":
        return (user.team_id is not None and inspection.team_id == user.team_id) or inspection.created_by_id == user.id
    return inspection.commune_code == user.commune_code and inspection.status in (FINALISED, SUPERSEDED)


def can_edit(user: User, inspection: Inspection) -> bool:
    return user.role in ("admin", "district", "inspector") and can_view(user, inspection)


def require_view(user: User, inspection: Inspection) -> None:
    if not can_view(user, inspection):
        raise Forbidden("Bạn không có quyền xem phiếu kiểm tra này.")


def require_edit(user: User, inspection: Inspection) -> None:
    require_view(user, inspection)
    if not can_edit(user, inspection):
        raise Forbidden("Bạn không có quyền sửa phiếu kiểm tra này.")

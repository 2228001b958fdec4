"""Accounts: password checks slowed down against guessing, sessions, and who may see or change what.

Login throttling. Failed logins are counted in the database (models.LoginFailure), so the limits
hold across workers and hosts, under two keys:

- the pair (client address, typed username): 5 attempts free, then each further attempt waits
  15 s after the previous failure, then 30 s, 60 s… doubling up to 5 minutes;
- the client address alone (whatever usernames it types): 20 attempts free, then the same
  doubling delay. A username that logged in from this address in the last 30 days is exempt, so
  someone guessing behind an office's NAT does not keep that office's users out (their pairs
  still bound guesses at them).

Nothing is locked and nothing is counted per account across addresses: a stranger guessing at
`admin` slows down only their own address and pair, never admin's logins from elsewhere; a
distributed guess is bounded per address. Counters forget an hour after their last failure; a
right password clears its pair and takes its attempt back off the address.

Each attempt is counted before its password is checked, in one transaction per attempt that
either raises the counters (a conditional UPDATE … RETURNING, which serialises parallel attempts
on the row) or refuses with 429 "Vui lòng đợi X giây rồi thử lại." and Retry-After, before any
check. So 16 parallel wrong passwords get exactly 5 checks. Unknown usernames are counted like
real ones and refused with the same words, status and cost (a dummy hash is checked); the one
difference left is the exemption above, which tells only someone at the very address a user
logged in from that the user exists.

Sessions. Flask-Login keeps "id:version" in the cookie (User.get_id); logging out and changing
the password raise User.session_version, so a cookie saved earlier no longer loads a user.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass

from sqlalchemy import case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import FINALISED, ROLES, SUPERSEDED, AdminUnit, Inspection, LoginFailure, Team, User, utcnow
from . import Forbidden, Invalid, ServiceError
from .audit import record
from .transactions import transaction

MIN_PASSWORD_LENGTH = 8
WRONG_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many attempts are free, and how long to wait after that (see the module docstring)."""

    free_per_pair: int = 5
    free_per_address: int = 20
    first_delay: dt.timedelta = dt.timedelta(seconds=15)
    max_delay: dt.timedelta = dt.timedelta(minutes=5)
    forget_after: dt.timedelta = dt.timedelta(hours=1)
    known_for: dt.timedelta = dt.timedelta(days=30)

    def delay(self, failures: int, free: int) -> dt.timedelta:
        """The wait after the `failures`-th failure: none while free, then doubling up to the cap."""
        if failures < free:
            return dt.timedelta(0)
        return min(self.first_delay * 2 ** min(failures - free, 32), self.max_delay)


THROTTLE = ThrottlePolicy()


class LoginRefused(ServiceError):
    status = 401


class TooManyAttempts(LoginRefused):
    """Too many recent failures: wait `retry_after` seconds (sent as Retry-After)."""

    status = 429

    def __init__(self, wait: dt.timedelta):
        self.retry_after = max(1, math.ceil(wait.total_seconds()))
        super().__init__(f"Vui lòng đợi {self.retry_after} giây rồi thử lại.")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    return generate_password_hash(password, method="scrypt")


def _key(*parts: str) -> str:
    """A counter's key: a digest, so that neither addresses nor typed usernames are stored as typed."""
    text = "\n".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(text).hexdigest()


def _insert_missing(session: Session, key: str) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(LoginFailure).values(key=key, failures=0).on_conflict_do_nothing())


def _count_attempt(session: Session, key: str, free: int, now: dt.datetime, policy: ThrottlePolicy):
    """Count one attempt under `key` unless it must wait; returns (failures, last_success) or raises.

    The UPDATE's condition and the new wait are written under the row's lock, so a parallel
    attempt sees them: the counter can never be overtaken."""
    _insert_missing(session, key)
    counted = session.execute(
        update(LoginFailure)
        .where(LoginFailure.key == key, or_(LoginFailure.not_before.is_(None), LoginFailure.not_before <= now))
        .values(failures=case((LoginFailure.last_failure < now - policy.forget_after, 1),
                              else_=LoginFailure.failures + 1),
                last_failure=now)
        .returning(LoginFailure.failures, LoginFailure.last_success)).one_or_none()
    if counted is None:
        not_before = session.scalar(select(LoginFailure.not_before).where(LoginFailure.key == key))
        session.rollback()
        raise TooManyAttempts(not_before - now)
    wait = policy.delay(counted.failures, free)
    if wait:
        session.execute(update(LoginFailure).where(LoginFailure.key == key).values(not_before=now + wait))
    return counted


@transaction
def authenticate(session: Session, username: str, password: str, now: dt.datetime | None = None, *,
                 address: str | None = None, policy: ThrottlePolicy = THROTTLE) -> User:
    """Check a password, counted against the client address and the (address, username) pair first."""
    now = now or utcnow()
    name, address = username.strip().lower(), address or "unknown"
    pair, from_address = _key("pair", address, name), _key("address", address)
    _, last_success = _count_attempt(session, pair, policy.free_per_pair, now, policy)
    known = last_success is not None and last_success > now - policy.known_for
    if not known:
        _count_attempt(session, from_address, policy.free_per_address, now, policy)
    session.commit()  # the attempt is counted before the (slow) check, whoever else is trying

    user = session.scalar(select(User).where(User.username == name))
    if user is None or not user.active:
        check_password_hash(DUMMY_HASH, password)  # same work as a real check: no timing oracle
        raise LoginRefused(WRONG_CREDENTIALS)
    if not check_password_hash(user.password_hash, password):
        raise LoginRefused(WRONG_CREDENTIALS)
    session.execute(update(LoginFailure).where(LoginFailure.key == pair)
                    .values(failures=0, not_before=None, last_success=now))
    if not known:
        session.execute(update(LoginFailure).where(LoginFailure.key == from_address).values(
            failures=LoginFailure.failures - 1,
            not_before=case((LoginFailure.failures <= policy.free_per_address, None), else_=LoginFailure.not_before)))
    record(session, user, "login", "user", user.id)
    session.commit()
    return user


DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def end_sessions(session: Session, user: User) -> None:
    """Invalidate every session of the account (all its devices), as logout and a password change do."""
    session.execute(update(User).where(User.id == user.id)
                    .values(session_version=User.session_version + 1))
    session.refresh(user)


@transaction
def logout(session: Session, user: User) -> None:
    """Log out: a session cookie copied before now stops working, on every device of the account."""
    record(session, user, "logout", "user", user.id)
    end_sessions(session, user)
    session.commit()


@transaction
def change_password(session: Session, user: User, current: str, new: str) -> User:
    """Change one's own password (the current one is asked again); other sessions of the account end."""
    if not check_password_hash(user.password_hash, current):
        raise Invalid("Mật khẩu hiện tại không đúng.", errors={"current_password": "Mật khẩu hiện tại không đúng."})
    if new == current:
        raise Invalid("Mật khẩu mới cần khác mật khẩu hiện tại.", errors={"new_password": "cần khác mật khẩu cũ"})
    user.password_hash = hash_password(new)
    end_sessions(session, user)
    record(session, user, "change_password", "user", user.id)
    session.commit()
    return user


USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")


@transaction
def add_account(session: Session, username: str, password: str, full_name: str, role: str, *, position: str = "",
                email: str | None = None, district_code: str | None = None, commune_code: str | None = None,
                team_name: str | None = None) -> User:
    """A new account (the department's officers and the communes' staff), checked in Vietnamese: a free
    username, a name, a role with the scope it needs (a district officer's area or district, a commune
    officer's commune), and a team by name for an inspector (created if new). Audited."""
    username = username.strip().lower()
    errors: dict[str, str] = {}
    if not USERNAME.fullmatch(username):
        errors["username"] = "tên đăng nhập 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới"
    elif session.scalar(select(User).where(User.username == username)) is not None:
        errors["username"] = f"tên đăng nhập “{username}” đã có"
    if not full_name.strip() or len(full_name.strip()) > 120:
        errors["full_name"] = "cần họ và tên (tối đa 120 ký tự)"
    if len(position) > 120:
        errors["position"] = "chức vụ tối đa 120 ký tự"
    if role not in ROLES:
        errors["role"] = "vai trò phải là một trong " + ", ".join(ROLES)
    scope = {"district": ("district_code", district_code, "mã địa bàn"), "commune": ("commune_code", commune_code, "mã xã")}
    for needed_by, (field, code, label) in scope.items():
        if role == needed_by and not code:
            errors[field] = f"tài khoản vai trò {role} cần {label}"
        elif role != needed_by and code:
            errors[field] = f"chỉ tài khoản vai trò {needed_by} mới có {label}"
        elif code and session.scalar(select(AdminUnit.id).where(AdminUnit.code == code).limit(1)) is None:
            errors[field] = f"không có đơn vị mã {code}"
    if team_name and role != "inspector":
        errors["team"] = "chỉ thành viên đoàn kiểm tra (inspector) mới thuộc một đoàn"
    if errors:
        raise Invalid("Chưa tạo được tài khoản.", errors=errors)
    team = None
    if team_name:
        team = session.scalar(select(Team).where(Team.name == team_name.strip())) or Team(name=team_name.strip())
        session.add(team)
    user = create_user(session, username, password, full_name.strip(), role, position=position.strip(),
                       district_code=district_code, commune_code=commune_code, team=team)
    user.email = email or None
    session.commit()
    return user


@transaction
def reset_password(session: Session, username: str, new: str) -> User:
    """An administrator sets a forgotten password: every session of the account ends; audited."""
    user = _account(session, username)
    user.password_hash = hash_password(new)
    end_sessions(session, user)
    record(session, None, "reset_password", "user", user.id, username=user.username)
    session.commit()
    return user


@transaction
def set_active(session: Session, username: str, active: bool) -> tuple[User, bool]:
    """Lock an account (someone who left) or open it again; locking ends its sessions. Audited when changed."""
    user = _account(session, username)
    changed = user.active != active
    if changed:
        user.active = active
        if not active:
            end_sessions(session, user)
        if active:
            record(session, None, "enable_user", "user", user.id, username=user.username)
        else:
            record(session, None, "disable_user", "user", user.id, username=user.username)
    session.commit()
    return user, changed


def _account(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise Invalid(f"Không có tài khoản “{username}”.", errors={"username": "không có tài khoản này"})
    return user


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

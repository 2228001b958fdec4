"""Inspection teams' settings, changed by an administrator and audited."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Team, User
from . import Forbidden, NotFound
from .audit import record


def find_team(session: Session, reference: str) -> Team:
    """A team by its id or its exact name."""
    reference = reference.strip()
    team = session.get(Team, int(reference)) if reference.isdigit() else None
    team = team or session.scalar(select(Team).where(Team.name == reference))
    if team is None:
        names = ", ".join(f"{t.id}: {t.name}" for t in session.scalars(select(Team).order_by(Team.id)))
        raise NotFound(f"Không có đoàn kiểm tra “{reference}”. Các đoàn hiện có: {names or '(chưa có)'}.")
    return team


def set_photo_location(session: Session, actor: User, reference: str, keep: bool) -> tuple[Team, bool]:
    """Opt a team in to (or out of) keeping where its photos were taken; returns the team and whether it changed.

    Only from photos uploaded afterwards: opting out does not erase locations already kept, opting in
    cannot bring back those already stripped.
    """
    if actor.role != "admin" or not actor.active:
        raise Forbidden("Chỉ tài khoản quản trị (Sở Nội vụ) mới bật, tắt việc lưu vị trí chụp ảnh của đoàn.")
    team = find_team(session, reference)
    changed = team.keep_photo_location != keep
    if changed:
        record(session, actor, "photo_location", "team", team.id, team=team.name,
               keep_photo_location={"from": team.keep_photo_location, "to": keep})
        team.keep_photo_location = keep
    session.commit()
    return team, changed

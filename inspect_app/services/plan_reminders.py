"""Reminders of plans: the department before a plan's report deadlines, each team before its planned windows.

Digests have the shape of services.reminders' (recipients, subject, body), so `flask remind` sends
both kinds the same way. A team's digest goes only to the team (its members' accounts and the accounts
of its team): it may name surprise inspections, which nobody else may see before they start.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..domain.checklists import format_vn_date
from ..domain.deadlines import WorkingCalendar
from ..domain.plans import working_days_late
from ..models import PLANNED, InspectionPlan, PlannedInspection, PlanTeam, PlanTeamMember, User

NOTICE_WORKING_DAYS = 5
FOOTER = "Thư này được gửi tự động từ hệ thống kiểm tra UBND cấp xã của Sở Nội vụ Hà Nội."


@dataclass
class PlanDigest:
    title: str  # "Kế hoạch số 145/KH-SNV" or "Đoàn kiểm tra số 1 — Kế hoạch số 145/KH-SNV"
    recipients: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def subject(self, as_of: dt.date) -> str:
        return f"[Kiểm tra PAPI] {self.title}: {len(self.lines)} việc cần lưu ý ({format_vn_date(as_of)})"

    def body(self, as_of: dt.date) -> str:
        return "\n".join([f"{self.title}, tính đến ngày {format_vn_date(as_of)}.", "", *self.lines, "", FOOTER])


def _when(day: dt.date, as_of: dt.date, calendar: WorkingCalendar) -> str:
    if day < as_of:
        return f"đã quá {working_days_late(day, as_of, calendar)} ngày làm việc"
    if day == as_of:
        return "hôm nay"
    return f"còn {sum(calendar.is_working_day(as_of + dt.timedelta(days=n)) for n in range(1, (day - as_of).days + 1))} ngày làm việc"


def plan_digests(session: Session, calendar: WorkingCalendar, as_of: dt.date,
                 notice: int = NOTICE_WORKING_DAYS) -> list[PlanDigest]:
    """Report deadlines within `notice` working days (to administrators), and per team the planned
    inspections not started whose window opens within them or has passed."""
    horizon = calendar.add_working_days(as_of, notice)
    admins = sorted(set(session.scalars(select(User.email).where(User.role == "admin", User.active,
                                                                 User.email.is_not(None)))))
    digests = []
    for plan in session.scalars(select(InspectionPlan).where(or_(
            InspectionPlan.unit_report_due.between(as_of, horizon),
            InspectionPlan.department_report_due.between(as_of, horizon))).order_by(InspectionPlan.id)):
        lines = [f"- {label}: hạn {format_vn_date(day)} ({_when(day, as_of, calendar)})"
                 for label, day in (("Các xã, phường báo cáo kết quả", plan.unit_report_due),
                                    ("Sở Nội vụ báo cáo UBND Thành phố", plan.department_report_due))
                 if day is not None and as_of <= day <= horizon]
        digests.append(PlanDigest(f"Kế hoạch số {plan.number}", admins, lines))
    rows = session.scalars(select(PlannedInspection).where(PlannedInspection.status == PLANNED,
                                                           PlannedInspection.window_start <= horizon)
                           .order_by(PlannedInspection.plan_team_id, PlannedInspection.window_start))
    by_team: dict[int, list[PlannedInspection]] = {}
    for row in rows:
        by_team.setdefault(row.plan_team_id, []).append(row)
    for team_id, planned in by_team.items():
        team = session.get(PlanTeam, team_id)
        members = select(PlanTeamMember.user_id).where(PlanTeamMember.plan_team_id == team_id)
        emails = session.scalars(select(User.email).where(User.active, User.email.is_not(None), or_(
            User.id.in_(members), User.team_id == team.team_id)))
        lines = []
        for p in planned:
            late = working_days_late(p.window_end, as_of, calendar)
            state = f"quá hạn {late} ngày làm việc" if late else (
                "đang trong thời gian kiểm tra" if p.window_start <= as_of else f"bắt đầu {_when(p.window_start, as_of, calendar)}")
            lines.append(f"- {p.commune_name} ({p.kind_label}): {format_vn_date(p.window_start)}–"
                         f"{format_vn_date(p.window_end)}, {state}")
        digests.append(PlanDigest(f"{team.team.name} — Kế hoạch số {team.plan.number}", sorted(set(emails)), lines))
    return digests

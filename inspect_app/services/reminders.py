"""Reminders: a digest per area (địa bàn) of remediation due within five working days and overdue.

The date is always passed in (`--as-of`), so a reminder run can be replayed or tested for any day.
"""
from __future__ import annotations

import datetime as dt
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.checklists import format_vn_date
from ..domain.deadlines import WorkingCalendar
from ..models import FindingRecord, Inspection, RemediationAction, User
from .dashboard import NO_DISTRICT

DUE_SOON_WORKING_DAYS = 5
PENDING = ("open", "submitted")


@dataclass(frozen=True)
class ReminderLine:
    code: str
    commune_name: str
    title: str
    deadline: dt.date
    status: str

    def text(self, as_of: dt.date) -> str:
        late = (as_of - self.deadline).days
        when = f"quá hạn {late} ngày" if late > 0 else "đến hạn hôm nay" if late == 0 else "sắp đến hạn"
        waiting = " — đã nộp minh chứng, chờ xác nhận" if self.status == "submitted" else ""
        return f"- [{self.code}] {self.commune_name}: {self.title} — hạn {format_vn_date(self.deadline)} ({when}){waiting}"


@dataclass
class DistrictDigest:
    district_code: str | None
    district_name: str
    recipients: list[str] = field(default_factory=list)
    due_soon: list[ReminderLine] = field(default_factory=list)
    overdue: list[ReminderLine] = field(default_factory=list)

    def subject(self, as_of: dt.date) -> str:
        return (f"[Kiểm tra PAPI] {self.district_name}: {len(self.overdue)} việc quá hạn, "
                f"{len(self.due_soon)} việc sắp đến hạn ({format_vn_date(as_of)})")

    def body(self, as_of: dt.date) -> str:
        lines = [f"Tình hình khắc phục sau kiểm tra tại {self.district_name}, tính đến ngày {format_vn_date(as_of)}.", ""]
        if self.overdue:
            lines += [f"QUÁ HẠN ({len(self.overdue)}):", *(line.text(as_of) for line in self.overdue), ""]
        if self.due_soon:
            lines += [f"ĐẾN HẠN TRONG {DUE_SOON_WORKING_DAYS} NGÀY LÀM VIỆC ({len(self.due_soon)}):",
                      *(line.text(as_of) for line in self.due_soon), ""]
        lines.append("Thư này được gửi tự động từ hệ thống kiểm tra UBND cấp xã của Sở Nội vụ Hà Nội.")
        return "\n".join(lines)


def build_digests(session: Session, calendar: WorkingCalendar, as_of: dt.date) -> list[DistrictDigest]:
    """One digest per district that has something overdue or due within five working days."""
    horizon = calendar.add_working_days(as_of, DUE_SOON_WORKING_DAYS)
    rows = session.execute(
        select(RemediationAction, FindingRecord, Inspection)
        .join(FindingRecord, RemediationAction.finding_id == FindingRecord.id)
        .join(Inspection, RemediationAction.inspection_id == Inspection.id)
        .where(RemediationAction.status.in_(PENDING), RemediationAction.deadline.is_not(None),
               RemediationAction.deadline <= horizon)
        .order_by(Inspection.district_code, RemediationAction.deadline, Inspection.commune_name, FindingRecord.position)
    ).all()
    digests: dict[str | None, DistrictDigest] = {}
    for action, finding, inspection in rows:
        digest = digests.get(inspection.district_code)
        if digest is None:
            digest = digests[inspection.district_code] = DistrictDigest(
                inspection.district_code, inspection.district_name or NO_DISTRICT)
        line = ReminderLine(finding.code, inspection.commune_name, finding.title, action.deadline, action.status)
        (digest.overdue if action.deadline < as_of else digest.due_soon).append(line)
    admins = [u.email for u in session.scalars(select(User).where(User.role == "admin", User.active, User.email.is_not(None)))]
    for digest in digests.values():
        officers = session.scalars(select(User.email).where(
            User.role == "district", User.active, User.district_code == digest.district_code,
            User.email.is_not(None))) if digest.district_code else []
        digest.recipients = sorted(set(officers)) or sorted(set(admins))
    return list(digests.values())


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "kiemtra@noivu.hanoi.gov.vn"
    username: str | None = None
    password: str | None = None
    starttls: bool = False


def send_digests(digests: list[DistrictDigest], as_of: dt.date, smtp: SmtpSettings) -> int:
    """Send each digest that has recipients; return how many messages went out."""
    sent = 0
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        for digest in digests:
            if not digest.recipients:
                continue
            message = EmailMessage()
            message["From"], message["To"] = smtp.sender, ", ".join(digest.recipients)
            message["Subject"] = digest.subject(as_of)
            message.set_content(digest.body(as_of))
            client.send_message(message)
            sent += 1
    return sent

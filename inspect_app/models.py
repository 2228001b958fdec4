"""SQLAlchemy models: units, accounts, inspections with their answers, findings and remediation.

Inspections keep snapshots (commune and district names and codes, checklist version, rule
texts of each finding) so that a later reform or catalog change never rewrites history.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .domain.text import search_key
from .extensions import db

# "district" is the intermediate level in both eras (see services.units): a quận, huyện or thị xã before
# 1/7/2025, a group of communes (cụm) the department defines after it; users see it as "địa bàn".
ROLES = {
    "admin": "Quản trị (Sở Nội vụ)",
    "district": "Cán bộ theo dõi địa bàn",
    "inspector": "Thành viên đoàn kiểm tra",
    "commune": "Cán bộ UBND cấp xã",
}
DRAFT, FINALISED, SUPERSEDED = "draft", "finalised", "superseded"
STATUS_LABELS = {DRAFT: "Đang kiểm tra", FINALISED: "Đã hoàn tất", SUPERSEDED: "Đã được thay thế"}
MEMBER_ROLES = {"truong_doan": "Trưởng đoàn", "thanh_vien": "Thành viên"}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class AdminUnit(db.Model):
    """A district or commune as it existed between valid_from and valid_to (inclusive)."""

    __tablename__ = "admin_unit"
    __table_args__ = (UniqueConstraint("code", "level", "valid_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))  # district | commune
    kind: Mapped[str] = mapped_column(String(20))  # quan, huyen, thi-xa, phuong, xa, thi-tran
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id])


class UnitSuccession(db.Model):
    """An old commune merged (fully or partly) into a new one by a reform."""

    __tablename__ = "unit_succession"
    id: Mapped[int] = mapped_column(primary_key=True)
    old_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    merge_type: Mapped[str] = mapped_column(String(10))  # full | partial


class Team(db.Model):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Where a photo was taken is personal data: kept only when an administrator opts the team in.
    keep_photo_location: Mapped[bool] = mapped_column(default=False, server_default=false())


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))  # reminders go here
    position: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(10))
    commune_code: Mapped[str | None] = mapped_column(String(10))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the id a session cookie carries ("id:version"): raising it ends every session of the account.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    team: Mapped[Team | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: a cookie saved before logout or a password change stops
        matching once the version is raised."""
        return f"{self.id}:{self.session_version}"


class LoginFailure(db.Model):
    """Recent failed logins of one client address, or of one (address, typed username) pair.

    Shared by every worker and host through the database; `key` is a SHA-256 of the address and
    username, so no typed text (often a password typed into the wrong field) is stored.
    services.accounts explains the policy.
    """

    __tablename__ = "login_failure"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure: Mapped[dt.datetime | None] = mapped_column(DateTime)
    not_before: Mapped[dt.datetime | None] = mapped_column(DateTime)  # no password check before this time
    last_success: Mapped[dt.datetime | None] = mapped_column(DateTime)  # pairs only: a known user at this address


def _inspection_search_key(context) -> str:
    """What the lists search: the commune's and area's names without diacritics, and the commune code.

    A column default computed from the row's own snapshot names, so bulk inserts (the demo) get it
    too; the names never change after insert, so neither does the key.
    """
    row = context.get_current_parameters()
    return search_key((row.get("commune_name"), row.get("commune_code"), row.get("district_name")))


class Inspection(db.Model):
    __tablename__ = "inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    checklist_id: Mapped[str] = mapped_column(String(40))
    checklist_version: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"))
    commune_code: Mapped[str] = mapped_column(String(10), index=True)
    commune_name: Mapped[str] = mapped_column(String(120))
    district_code: Mapped[str | None] = mapped_column(String(10), index=True)
    district_name: Mapped[str | None] = mapped_column(String(120))
    search_key: Mapped[str] = mapped_column(String(260), default=_inspection_search_key, index=True)
    inspection_date: Mapped[dt.date] = mapped_column(Date, index=True)
    villages: Mapped[int]
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    status: Mapped[str] = mapped_column(String(12), default=DRAFT, index=True)
    version: Mapped[int] = mapped_column(default=1)
    revision: Mapped[int] = mapped_column(default=1)
    # unique: an inspection is replaced by one revision at most, however many requests race to revise it
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), unique=True)
    plan_reference: Mapped[str] = mapped_column(Text, default="")
    commune_opinion: Mapped[str] = mapped_column(Text, default="")
    start_time: Mapped[str | None] = mapped_column(String(5))  # HH:MM, printed in the minutes
    end_time: Mapped[str | None] = mapped_column(String(5))
    place: Mapped[str | None] = mapped_column(String(200))
    copies: Mapped[int] = mapped_column(default=2, server_default="2")
    commune_refusal_reason: Mapped[str | None] = mapped_column(Text)
    team_refusal_reason: Mapped[str | None] = mapped_column(Text)
    record_sha256: Mapped[str | None] = mapped_column(String(64))
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    total_score: Mapped[float | None]
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    finalised_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    unit: Mapped[AdminUnit] = relationship()
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    members: Mapped[list[InspectionMember]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="InspectionMember.position_index")
    commune_reps: Mapped[list[CommuneRep]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="CommuneRep.position_index")
    answers: Mapped[list[Answer]] = relationship(back_populates="inspection", cascade="all, delete-orphan")
    photos: Mapped[list[Photo]] = relationship(back_populates="inspection", cascade="all, delete-orphan",
                                               order_by="Photo.id")
    findings: Mapped[list[FindingRecord]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="FindingRecord.position")

    __mapper_args__ = {"version_id_col": version}

    @property
    def locked(self) -> bool:
        return self.status != DRAFT

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class InspectionMember(db.Model):
    __tablename__ = "inspection_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    position_index: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    inspection: Mapped[Inspection] = relationship(back_populates="members")


class CommuneRep(db.Model):
    __tablename__ = "commune_rep"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    position_index: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(200))
    inspection: Mapped[Inspection] = relationship(back_populates="commune_reps")


class Answer(db.Model):
    """One item's answer (the contract's JSON value) and the inspector's note."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("inspection_id", "item_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(10))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    inspection: Mapped[Inspection] = relationship(back_populates="answers")


PHOTO_TIME_SOURCES = {"exif": "theo thông tin của ảnh (EXIF)", "upload": "theo thời điểm tải lên"}


class Photo(db.Model):
    """Photo evidence, stored re-encoded (downscaled, metadata stripped) under the instance folder.

    What the file carried that the minutes need is kept in columns: when it was taken (and whether
    that came from the camera or is the upload time) and, for a team that opted in, where.
    """

    __tablename__ = "photo"
    __table_args__ = (UniqueConstraint("inspection_id", "client_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(10))
    stored_name: Mapped[str] = mapped_column(String(80))  # a revision shares its files
    original_name: Mapped[str] = mapped_column(String(255))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    caption: Mapped[str] = mapped_column(String(300), default="", server_default="")
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC, like every stored time
    taken_at_source: Mapped[str | None] = mapped_column(String(8))  # PHOTO_TIME_SOURCES
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    client_key: Mapped[str | None] = mapped_column(String(64))  # the tablet's queue key: a replayed upload is one photo
    inspection: Mapped[Inspection] = relationship(back_populates="photos")


class FindingRecord(db.Model):
    """A finding as evaluated at finalising, with the texts in force then."""

    __tablename__ = "finding"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    position: Mapped[int]
    rule_id: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(10), index=True)
    items: Mapped[list[str]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    repeat: Mapped[bool] = mapped_column(default=False)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    remediation: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(200))
    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    action: Mapped[RemediationAction | None] = relationship(back_populates="finding", uselist=False,
                                                            cascade="all, delete-orphan")

    def to_contract(self) -> dict[str, Any]:
        return {
            "code": self.code, "items": list(self.items), "kind": self.kind, "severity": self.severity,
            "repeat": self.repeat, "deadline": self.deadline.isoformat() if self.deadline else None,
            "title": self.title, "legal_basis": self.legal_basis,
        }


class RemediationAction(db.Model):
    """What the commune must do about one finding, by its deadline; followed up until verified."""

    __tablename__ = "remediation_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id"), unique=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    commune_code: Mapped[str] = mapped_column(String(10), index=True)
    district_code: Mapped[str | None] = mapped_column(String(10), index=True)
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    verify_comment: Mapped[str | None] = mapped_column(Text)  # what the reviewer saw when confirming the fix
    return_reason: Mapped[str | None] = mapped_column(Text)  # why an inspector sent the evidence back
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    finding: Mapped[FindingRecord] = relationship(back_populates="action")
    evidence: Mapped[list[RemediationEvidence]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="RemediationEvidence.id")


class RemediationEvidence(db.Model):
    """What the commune sent to show a finding was fixed: a photo or a PDF, with a note."""

    __tablename__ = "remediation_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("remediation_action.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # photo | pdf
    stored_name: Mapped[str | None] = mapped_column(String(80))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    action: Mapped[RemediationAction] = relationship(back_populates="evidence")


class MinutesDocument(db.Model):
    """The frozen PDF minutes of a finalised inspection: stored once, served byte for byte."""

    __tablename__ = "minutes_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(db.Model):
    """Who changed what, when: written in the same transaction as the change itself.

    prev_hash and entry_hash chain the entries (domain.audit_chain, services.audit); prev_hash is
    unique, so two entries can never follow the same one.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),
                      UniqueConstraint("prev_hash", name="uq_audit_prev_hash"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, server_default=func.now())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))  # null only until the commit chains it
    entry_hash: Mapped[str | None] = mapped_column(String(64))


# --- inspection plans (kế hoạch kiểm tra) -----------------------------------------------------------
PLANNED_KINDS = {"dinh_ky": "Định kỳ", "dot_xuat": "Đột xuất", "tai_kiem_tra": "Tái kiểm tra"}
PLANNED, STARTED, CANCELLED = "planned", "started", "cancelled"
PLANNED_STATUS_LABELS = {PLANNED: "Chưa kiểm tra", STARTED: "Đã bắt đầu", CANCELLED: "Đã hủy"}


class InspectionPlan(db.Model):
    """The department's plan for a period: which communes, which team, when, and its report deadlines."""

    __tablename__ = "inspection_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # "145/KH-SNV"
    issued_on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    unit_report_due: Mapped[dt.date | None] = mapped_column(Date)  # communes report by (31/10 in 2020)
    department_report_due: Mapped[dt.date | None] = mapped_column(Date)  # the department reports by (15/11)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    scope: Mapped[list[PlanScope]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                  order_by="PlanScope.id")
    teams: Mapped[list[PlanTeam]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                 order_by="PlanTeam.id")
    planned: Mapped[list[PlannedInspection]] = relationship(
        back_populates="plan", cascade="all, delete-orphan",
        order_by="(PlannedInspection.window_start, PlannedInspection.id)")


class PlanScope(db.Model):
    """One commune, or one area (a district before 1/7/2025, a group of communes after), in a plan's scope."""

    __tablename__ = "plan_scope"
    __table_args__ = (UniqueConstraint("plan_id", "level", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))  # commune | district
    code: Mapped[str] = mapped_column(String(10))
    plan: Mapped[InspectionPlan] = relationship(back_populates="scope")


class PlanTeam(db.Model):
    """A team of the plan, formed by a decision (số quyết định thành lập đoàn), with its members."""

    __tablename__ = "plan_team"
    __table_args__ = (UniqueConstraint("plan_id", "team_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    decision_number: Mapped[str] = mapped_column(String(40))  # "12/QĐ-SNV"
    decision_date: Mapped[dt.date] = mapped_column(Date)
    plan: Mapped[InspectionPlan] = relationship(back_populates="teams")
    team: Mapped[Team] = relationship()
    members: Mapped[list[PlanTeamMember]] = relationship(
        back_populates="plan_team", cascade="all, delete-orphan", order_by="PlanTeamMember.position_index")


class PlanTeamMember(db.Model):
    """A member as the decision names them; `user_id` links the account that sees the team's schedule."""

    __tablename__ = "plan_team_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_team_id: Mapped[int] = mapped_column(ForeignKey("plan_team.id"), index=True)
    position_index: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # MEMBER_ROLES
    plan_team: Mapped[PlanTeam] = relationship(back_populates="members")


class PlannedInspection(db.Model):
    """One commune to inspect, by one team, within a date window; started becomes a real inspection."""

    __tablename__ = "planned_inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    plan_team_id: Mapped[int] = mapped_column(ForeignKey("plan_team.id"), index=True)
    commune_code: Mapped[str] = mapped_column(String(10), index=True)
    commune_name: Mapped[str] = mapped_column(String(120))
    district_code: Mapped[str | None] = mapped_column(String(10))
    district_name: Mapped[str | None] = mapped_column(String(120))
    window_start: Mapped[dt.date] = mapped_column(Date, index=True)
    window_end: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # PLANNED_KINDS
    status: Mapped[str] = mapped_column(String(12), default=PLANNED)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), unique=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    plan: Mapped[InspectionPlan] = relationship(back_populates="planned")
    plan_team: Mapped[PlanTeam] = relationship()
    inspection: Mapped[Inspection | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return PLANNED_KINDS[self.kind]


CRITERIA_DRAFT, CRITERIA_PUBLISHED = "draft", "published"


class CriteriaVersion(db.Model):
    """A checklist version made by the department (imported from its criteria workbook): the text of its
    checklist and rules files, as the catalog validates them. A draft may be replaced or deleted; once
    published it is immutable and the catalog loads it beside the shipped versions in checklists/."""

    __tablename__ = "criteria_version"
    __table_args__ = (UniqueConstraint("checklist_id", "version", name="uq_criteria_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=CRITERIA_DRAFT, index=True)
    title: Mapped[str] = mapped_column(Text)
    checklist_yaml: Mapped[str] = mapped_column(Text)
    rules_yaml: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[dt.date] = mapped_column(Date)  # a draft's earliest start; the published start
    left_out: Mapped[list[str]] = mapped_column(JSON, default=list)  # what rebasing left out, in words
    source_name: Mapped[str] = mapped_column(String(255))  # the workbook's file name
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

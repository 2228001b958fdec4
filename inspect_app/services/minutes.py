"""The minutes (biên bản kiểm tra) of an inspection: frozen at finalising, previewed as drafts.

Called by the inspection service, which passes in the answers, notes, findings and scores.

At finalising the record is hashed (its SHA-256 is printed in the footer, so a paper copy can
be matched to the stored record), the PDF is rendered once and stored with its own SHA-256, and
every later download returns those bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from ..domain.catalog import Catalog
from ..domain.checklists import VIETNAM, Checklist
from ..models import MEMBER_ROLES, FindingRecord, Inspection, MinutesDocument, Photo
from ..pdf import (CommuneRep, MinutesData, TeamMember, checklist_sections, finding_lines, finding_title,
                   place_date_line, render_minutes, score_lines)
from ..pdf.minutes import LATE_LABEL, PhotoLine, PreviousResults, RemediationLine
from . import NotFound
from .photos import annex_copy
from .previous import Previous
from .remediation import OPEN, STATUS_LABELS, SUBMITTED, VERIFIED
from .units import GROUP_KIND, commune_on



@dataclass(frozen=True)
class MinutesSettings:
    """How the minutes are headed and numbered; configured per deployment."""

    issuing_body: str = "UBND THÀNH PHỐ HÀ NỘI"
    team_name: str = "ĐOÀN KIỂM TRA SỞ NỘI VỤ"
    place_name: str = "Hà Nội"
    number_format: str = "{seq:02d}/BB-ĐKT"  # {seq} per year, {year}, {id}
    photo_dir: Path | None = None  # where the annex of photos reads them (the app's PHOTO_DIR); None: no images


@dataclass(frozen=True)
class RecordContent:
    """What an inspection's minutes print besides the inspection row itself."""

    answers: dict[str, Any]  # JSON values, as stored
    notes: dict[str, str]
    findings: list[Any]  # domain Findings (drafts) or FindingRecords (finalised)
    scores: dict[str, float]
    previous: Previous  # the commune's previous finalised inspection, for the re-inspection part


def record_digest(inspection: Inspection, content: RecordContent, review: PreviousResults | None = None) -> str:
    """SHA-256 of the finalised record in canonical JSON: what the printed footer certifies.

    A re-inspection's record also covers what its minutes print about the previous findings (`review`);
    without one the record, and so the digest, is exactly what it was before re-inspections existed.
    """
    record = {
        "id": inspection.id, "revision": inspection.revision, "replaces": inspection.replaces_id,
        "checklist": f"{inspection.checklist_id}@{inspection.checklist_version}",
        "commune": [inspection.commune_code, inspection.commune_name],
        "district": [inspection.district_code, inspection.district_name],
        "date": inspection.inspection_date.isoformat(), "villages": inspection.villages,
        "team": [[m.name, m.position, m.role] for m in inspection.members],
        "commune_reps": [[r.name, r.position] for r in inspection.commune_reps],
        "answers": content.answers, "notes": content.notes,
        "photos": sorted(p.sha256 for p in inspection.photos),
        "findings": [f.to_contract() | {"remediation": f.remediation, "responsible": f.responsible}
                     for f in content.findings],
        "scores": content.scores, "opinion": inspection.commune_opinion,
        "times": [inspection.start_time, inspection.end_time], "place": inspection.place,
    }
    annex = [[p.sha256, p.item_code, p.caption, p.taken_at.isoformat() if p.taken_at else None, p.taken_at_source,
              p.latitude, p.longitude] for p in inspection.photos]
    if any(line[2] or line[3] for line in annex):  # the annex prints them; records without stay as they were
        record["photo_annex"] = sorted(annex, key=lambda line: [str(part) for part in line])
    if review is not None:
        record["previous_results"] = {
            "number": review.number, "date": review.inspection_date.isoformat(),
            "lines": [[line.code, line.title, line.deadline.isoformat() if line.deadline else None, line.outcome,
                       line.detail] for line in review.lines]}
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def next_number(session: Session, settings: MinutesSettings, inspection: Inspection) -> str:
    year = inspection.inspection_date.year
    done = session.scalar(select(func.count(MinutesDocument.id)).join(
        Inspection, MinutesDocument.inspection_id == Inspection.id).where(
        extract("year", Inspection.inspection_date) == year))
    return settings.number_format.format(seq=done + 1, year=year, id=inspection.id)


def administrative_district(session: Session, inspection: Inspection) -> str | None:
    """The district the commune belonged to, for the minutes' address line; None after the 2025 reform, when
    communes sit directly under the city and the inspection's area is only the department's group."""
    commune = commune_on(session, inspection.commune_code, inspection.inspection_date)
    parent = commune.parent if commune is not None else None
    return parent.name if parent is not None and parent.kind != GROUP_KIND else None


def minutes_data(session: Session, catalog: Catalog, inspection: Inspection, settings: MinutesSettings,
                 content: RecordContent, *, number: str, draft: bool) -> MinutesData:
    """Everything the minutes print, from the inspection and its content."""
    checklist = catalog.checklist_on(inspection.checklist_id, inspection.checklist_version, inspection.inspection_date)
    answers = {code: checklist.items[code].validate(value) for code, value in content.answers.items()}
    lines, total = score_lines(checklist, content.scores)
    head = next((m.name for m in inspection.members if m.role == "truong_doan"), "")
    replaced = minutes_number(session, inspection.replaces_id)
    return MinutesData(
        issuing_body=settings.issuing_body, team_name=settings.team_name, number=number,
        place_date_line=place_date_line(settings.place_name, inspection.inspection_date),
        commune_name=inspection.commune_name, district_name=administrative_district(session, inspection),
        inspection_date=inspection.inspection_date,
        start_time=inspection.start_time, end_time=inspection.end_time, place=inspection.place,
        plan_reference=inspection.plan_reference or "",
        team=[TeamMember(m.name, m.position, MEMBER_ROLES[m.role]) for m in inspection.members],
        commune_reps=[CommuneRep(r.name, r.position) for r in inspection.commune_reps],
        sections=checklist_sections(checklist, answers, content.notes),
        findings=finding_lines(content.findings, catalog.calendar), scores=lines, total=total,
        commune_opinion=inspection.commune_opinion or "", copies=inspection.copies,
        commune_signer=inspection.commune_reps[0].name if inspection.commune_reps else "",
        team_head=head, commune_refusal_reason=inspection.commune_refusal_reason,
        team_refusal_reason=inspection.team_refusal_reason, inspection_id=inspection.id,
        revision=inspection.revision, replaces_number=replaced, checklist_version=checklist.key,
        record_sha256=inspection.record_sha256 or "", draft=draft,
        previous_results=previous_results(session, catalog, inspection, content.findings, content.previous),
        photos=photo_annex(checklist, inspection.photos, settings.photo_dir),
    )


def vn_moment(moment: dt.datetime) -> str:
    """A stored (UTC) time as dd/mm/yyyy HH:MM in Hà Nội."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def vn_location(latitude: float, longitude: float) -> str:
    """"21,028200° B, 105,834333° Đ": decimal degrees with a decimal comma, north/south and east/west in words."""
    north = f"{abs(latitude):.6f}° {'B' if latitude >= 0 else 'N'}"
    east = f"{abs(longitude):.6f}° {'Đ' if longitude >= 0 else 'T'}"
    return f"{north}, {east}".replace(".", ",")


def photo_annex(checklist: Checklist, photos: list[Photo], photo_dir: Path | None) -> tuple[PhotoLine, ...]:
    """The photos in checklist order (then as taken), numbered, with their images when the files are there."""
    order = {code: index for index, code in enumerate(checklist.items)}
    lines = []
    ordered = sorted(photos, key=lambda p: (order.get(p.item_code, len(order)), p.taken_at or p.created_at, p.id))
    for number, photo in enumerate(ordered, start=1):
        image = None
        if photo_dir is not None:
            try:
                image = annex_copy(photo_dir, photo.stored_name)
            except NotFound:
                image = None
        located = photo.latitude is not None and photo.longitude is not None
        lines.append(PhotoLine(number=number, item=photo.item_code, caption=photo.caption or "",
                               taken=vn_moment(photo.taken_at or photo.created_at),
                               from_camera=photo.taken_at_source == "exif",
                               location=vn_location(photo.latitude, photo.longitude) if located else "",
                               image=image))
    return tuple(lines)


LATE_CODE = "X-02"  # the rule that flags a previous finding still open past its deadline


def _late_items(catalog: Catalog, inspection: Inspection, finding: FindingRecord) -> tuple[str, ...]:
    """The items an X-02 finding about this previous finding carries (as domain.assessment derives them)."""
    checklist = catalog.checklist_on(inspection.checklist_id, inspection.checklist_version, inspection.inspection_date)
    if finding.code in checklist.items:
        return (finding.code,)
    rule = catalog.ruleset(checklist).by_code(finding.code)
    return tuple(rule.items) if rule and rule.items else ()


def remediation_outcome(status: str, *, again: bool, repeat: bool, late: bool) -> tuple[str, str]:
    """What the minutes say became of one previous finding: (outcome, detail).

    - the same rule fires again now → "Chưa khắc phục" (a repeat offence when X-01 escalated it);
    - else X-02 fired for it (still open past its deadline) → "Chậm khắc phục";
    - else verified → "Đã khắc phục";
    - else the remediation status ("Chưa khắc phục", "Chờ xác nhận").
    """
    if again:
        detail = "Tiếp tục vi phạm (tái phạm)" if repeat else "Tiếp tục phát hiện tại lần kiểm tra này"
        if status == VERIFIED:
            detail = "Đã xác nhận khắc phục nhưng lần kiểm tra này tiếp tục phát hiện"
        return STATUS_LABELS[OPEN], detail + ("; quá thời hạn khắc phục" if late else "")
    if late:
        return LATE_LABEL, "Quá thời hạn khắc phục, chưa có minh chứng được xác nhận"
    if status == VERIFIED:
        return STATUS_LABELS[VERIFIED], "Đã xác nhận khắc phục; lần kiểm tra này không phát hiện lại"
    if status == SUBMITTED:
        return STATUS_LABELS[SUBMITTED], "Đã gửi minh chứng, chờ xác nhận"
    return STATUS_LABELS.get(status, STATUS_LABELS[OPEN]), "Lần kiểm tra này không phát hiện lại"


def minutes_number(session: Session, inspection_id: int | None) -> str | None:
    """The number of an inspection's frozen minutes, if it has them."""
    if inspection_id is None:
        return None
    return session.scalar(select(MinutesDocument.number).where(MinutesDocument.inspection_id == inspection_id))


def previous_results(session: Session, catalog: Catalog, inspection: Inspection, findings: list[Any],
                     previous: Previous) -> PreviousResults | None:
    """The re-inspection part of the minutes: each finding of the previous finalised inspection, with its
    deadline and whether it was fixed, judged from this inspection's findings (domain Findings for a draft,
    FindingRecords once finalised) and the previous remediation statuses. None without a previous
    inspection, or when it had no finding.
    """
    earlier = previous.findings
    if not earlier:
        return None
    late_items = {tuple(f.items) for f in findings if f.code == LATE_CODE}
    lines = []
    for number, finding in enumerate(earlier, start=1):
        status = finding.action.status if finding.action else OPEN
        same = [f for f in findings if f.code == finding.code and f.code != LATE_CODE
                and set(f.items) == set(finding.items)]
        late = status == OPEN and _late_items(catalog, inspection, finding) in late_items
        outcome, detail = remediation_outcome(status, again=bool(same), repeat=any(f.repeat for f in same),
                                              late=late)
        lines.append(RemediationLine(number, finding.code, _plain_title(finding), finding.deadline, outcome, detail))
    return PreviousResults(number=minutes_number(session, previous.inspection.id),
                           inspection_date=previous.inspection.inspection_date, lines=lines)


def _plain_title(finding: FindingRecord) -> str:
    """The title without X-01's suffix (the previous minutes marked the repeat), naming the items of a
    cross-cutting finding (E-01 "Thiếu ảnh minh chứng" can be there once per item)."""
    title = finding_title(finding)
    items = [code for code in finding.items if code != finding.code and code not in title]
    return f"{title} ({', '.join(items)})" if items else title


def freeze_minutes(session: Session, catalog: Catalog, inspection: Inspection, settings: MinutesSettings,
                   content: RecordContent) -> MinutesDocument:
    """Hash the finalised record, render the PDF once and store it (same transaction as finalising)."""
    inspection.record_sha256 = record_digest(
        inspection, content, previous_results(session, catalog, inspection, content.findings, content.previous))
    number = next_number(session, settings, inspection)
    pdf = render_minutes(minutes_data(session, catalog, inspection, settings, content, number=number, draft=False))
    document = MinutesDocument(inspection_id=inspection.id, number=number, pdf=pdf,
                               sha256=hashlib.sha256(pdf).hexdigest())
    session.add(document)
    inspection.minutes_sha256 = document.sha256
    return document


def stored_minutes(session: Session, inspection: Inspection) -> MinutesDocument | None:
    return session.scalar(select(MinutesDocument).where(MinutesDocument.inspection_id == inspection.id))


def draft_minutes(session: Session, catalog: Catalog, inspection: Inspection, settings: MinutesSettings,
                  content: RecordContent) -> bytes:
    """A watermarked preview, rendered afresh from the answers so far."""
    return render_minutes(minutes_data(session, catalog, inspection, settings, content, number="…", draft=True))

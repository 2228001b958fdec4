"""Administrative units: imported from CSV files, looked up as they were on a given date.

A reform is a data import: the three-level file creates districts and communes from a date;
a merge file lists the whole new system (communes, each with the old communes merged into it),
so from its effective date its communes exist and every older unit, district or commune, ends
the day before. Codes are reused across reforms: a unit is always looked up with a date.

The intermediate level (`level = "district"`, the "địa bàn" of accounts, dashboards and
reports) has a form in both eras: a quận, huyện or thị xã before 1/7/2025; after it, when
districts no longer exist, a group of communes (cụm, kind "cum") that the department defines
in a groups file, e.g. by former district, reusing that district's code so that an account
scoped to it keeps its history.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import AdminUnit, UnitSuccession
from . import Invalid

UNITS_COLUMNS = ["district_code", "district_name", "district_type", "commune_code", "commune_name", "commune_type"]
MERGE_COLUMNS = ["commune_code_2025", "commune_name_2025", "old_commune_code", "old_commune_name", "merge_type"]
GROUP_COLUMNS = ["group_code", "group_name", "commune_code_2025", "commune_name_2025"]
COMMUNE_KINDS = {"Phường": "phuong", "Xã": "xa", "Thị trấn": "thi-tran"}
GROUP_KIND = "cum"


@dataclass(frozen=True)
class ImportResult:
    created: int
    ended: int
    skipped: int


def _rows(path: Path, columns: list[str]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise Invalid(f"{path.name}: cột phải là {', '.join(columns)} (tệp có: {', '.join(reader.fieldnames or [])})")
        rows = list(reader)
    problems = [f"{path.name}:{n}: thiếu giá trị" for n, row in enumerate(rows, start=2) if not all(row.values())]
    if problems:
        raise Invalid("; ".join(problems[:10]))
    return rows


def in_force(day: dt.date):
    return [AdminUnit.valid_from <= day, or_(AdminUnit.valid_to.is_(None), AdminUnit.valid_to >= day)]


def import_units(session: Session, path: Path, valid_from: dt.date) -> ImportResult:
    """Import districts and communes (the 2020 file's shape) in force from `valid_from`."""
    rows = _rows(path, UNITS_COLUMNS)
    existing = {(u.code, u.level) for u in session.scalars(select(AdminUnit).where(AdminUnit.valid_from == valid_from))}
    districts: dict[str, AdminUnit] = {}
    created = skipped = 0
    for row in rows:
        code = row["district_code"]
        if code not in districts:
            districts[code] = session.scalar(select(AdminUnit).where(
                AdminUnit.code == code, AdminUnit.level == "district", AdminUnit.valid_from == valid_from))
            if districts[code] is None:
                districts[code] = AdminUnit(code=code, name=row["district_name"], level="district",
                                            kind=row["district_type"], valid_from=valid_from, source=path.name)
                session.add(districts[code])
                created += 1
        if (row["commune_code"], "commune") in existing:
            skipped += 1
            continue
        session.add(AdminUnit(code=row["commune_code"], name=row["commune_name"], level="commune",
                              kind=row["commune_type"], parent=districts[code], valid_from=valid_from,
                              source=path.name))
        created += 1
    session.flush()
    return ImportResult(created, 0, skipped)


def import_merges(session: Session, path: Path, effective: dt.date) -> ImportResult:
    """Create the merged communes from `effective` and end their predecessors the day before."""
    rows = _rows(path, MERGE_COLUMNS)
    day_before = effective - dt.timedelta(days=1)
    created = ended = skipped = 0
    new_units: dict[str, AdminUnit] = {}
    for row in rows:
        code = row["commune_code_2025"]
        if code not in new_units:
            unit = session.scalar(select(AdminUnit).where(
                AdminUnit.code == code, AdminUnit.level == "commune", AdminUnit.valid_from == effective))
            if unit is None:
                name = row["commune_name_2025"]
                kind = next((k for prefix, k in COMMUNE_KINDS.items() if name.startswith(prefix)), "xa")
                unit = AdminUnit(code=code, name=name, level="commune", kind=kind, valid_from=effective,
                                 source=path.name)
                session.add(unit)
                session.flush()
                created += 1
            else:
                skipped += 1
            new_units[code] = unit
        old = session.scalar(select(AdminUnit).where(
            AdminUnit.code == row["old_commune_code"], AdminUnit.level == "commune", *in_force(day_before)))
        if old is None:
            continue
        link = session.scalar(select(UnitSuccession).where(
            UnitSuccession.old_unit_id == old.id, UnitSuccession.new_unit_id == new_units[code].id))
        if link is None:
            session.add(UnitSuccession(old_unit_id=old.id, new_unit_id=new_units[code].id, merge_type=row["merge_type"]))
    session.flush()
    new_ids = {unit.id for unit in new_units.values()}
    for unit in session.scalars(select(AdminUnit).where(*in_force(day_before), *in_force(effective))):
        if unit.id not in new_ids:  # the file is the whole new system: what it does not list ends
            unit.valid_to = day_before
            ended += 1
    session.flush()
    return ImportResult(created, ended, skipped)


def import_groups(session: Session, path: Path, effective: dt.date) -> ImportResult:
    """Group the communes in force on `effective` into the department's areas (cụm) from that day.

    Groups in force the day before end then, so a regrouping is a new file with a later date.
    """
    rows = _rows(path, GROUP_COLUMNS)
    communes = {u.code: u for u in communes_on(session, effective)}
    unknown = sorted({row["commune_code_2025"] for row in rows} - set(communes))
    if unknown:
        raise Invalid(f"{path.name}: không có xã, phường mã {', '.join(unknown[:10])} vào ngày {effective:%d/%m/%Y}")
    ungrouped = sorted(set(communes) - {row["commune_code_2025"] for row in rows})
    if ungrouped:
        raise Invalid(f"{path.name}: tệp phải xếp mọi xã, phường vào một cụm; còn thiếu {', '.join(ungrouped[:10])}")
    groups: dict[str, AdminUnit] = {}
    created = ended = skipped = 0
    day_before = effective - dt.timedelta(days=1)
    for old in session.scalars(select(AdminUnit).where(AdminUnit.level == "district", AdminUnit.kind == GROUP_KIND,
                                                        *in_force(day_before), *in_force(effective))):
        old.valid_to = day_before
        ended += 1
    for row in rows:
        code = row["group_code"]
        if code not in groups:
            groups[code] = session.scalar(select(AdminUnit).where(
                AdminUnit.code == code, AdminUnit.level == "district", AdminUnit.valid_from == effective))
            if groups[code] is None:
                groups[code] = AdminUnit(code=code, name=row["group_name"], level="district", kind=GROUP_KIND,
                                         valid_from=effective, source=path.name)
                session.add(groups[code])
                created += 1
            else:
                groups[code].valid_to = None
                skipped += 1
        communes[row["commune_code_2025"]].parent = groups[code]
    session.flush()
    return ImportResult(created, ended, skipped)


def commune_on(session: Session, code: str, day: dt.date) -> AdminUnit | None:
    """The commune with this code as it was on `day` (codes are reused across reforms)."""
    return session.scalar(select(AdminUnit).where(
        AdminUnit.code == code, AdminUnit.level == "commune", *in_force(day)))


def districts_on(session: Session, day: dt.date) -> list[AdminUnit]:
    return list(session.scalars(select(AdminUnit).where(AdminUnit.level == "district", *in_force(day))
                                .order_by(AdminUnit.code)))


def communes_on(session: Session, day: dt.date, district_code: str | None = None) -> list[AdminUnit]:
    query = select(AdminUnit).where(AdminUnit.level == "commune", *in_force(day))
    if district_code:
        parent = select(AdminUnit.id).where(AdminUnit.level == "district", AdminUnit.code == district_code)
        query = query.where(AdminUnit.parent_id.in_(parent))
    return list(session.scalars(query.order_by(AdminUnit.code)))

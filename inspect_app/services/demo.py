"""Demo data: yearly inspection rounds of every Hà Nội commune, evaluated by the real rule engine.

`seed_demo` plays the inspection plan of Kế hoạch 122 year after year: each commune in force is
inspected once a year on a working day, its answers drawn from the commune's and its district's
tendencies; each inspection is evaluated exactly as `services.inspections.finalize` evaluates it
(`parse_document` + `evaluate_input`, with the previous inspection's findings and the status of
their remediation on that day), so findings, deadlines, repeat offences (X-01), late remediation
(X-02) and scores are the engine's own. Rows are then written in bulk, shaped as the workflow
writes them: a finalised inspection with members, representatives, answers (JSON as
`save_answers` stores them), photos, scores and total; a `FindingRecord` and a
`RemediationAction` per finding; a correction now and then (the original `superseded`, the
revision `finalised`; as `finalize` does, each action whose finding stands in the revision moves to
it with its history, and the original's other unverified actions are closed as `superseded`).

Choices (see also the report in the issue):
- The round runs 1/9–30/11. When a reform ends communes earlier in the same year (2025: the
  two-level system from 1/7/2025), that year's round is held in May–June instead, on the communes
  then in force, so every year compares the same 579 communes with their districts.
- Photos: every photo row points at one shared placeholder JPEG (written once to the photo
  folder), so an item answered "Có" has its evidence and E-01 fires only where the demo means it
  to (about 4 % of such answers), and re-evaluating the stored inspection gives the same result.
- Remediation: after each inspection every action is verified, submitted or left open, by the
  commune's diligence; what happened before the next inspection is what that inspection saw
  (X-01, X-02); some actions still open at the re-inspection are closed later. Nothing happens
  after `as_of` (default: today in Hà Nội), so open actions of the last round are overdue.
- Evidence of a submitted action is one note (the remediation workflow's "note" kind), no file.
- Everything is drawn from random generators seeded with (seed, year, commune), so a slice of N
  communes holds the same inspections as the full run for those communes.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import math
import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from ..domain.assessment import parse_document
from ..domain.catalog import Catalog
from ..domain.checklists import NOT_APPLICABLE, Checklist, Item, last_period_end_before, today_in_vietnam
from ..domain.rules import Finding
from ..evaluation import evaluate_input
from ..extensions import db
from ..models import (FINALISED, SUPERSEDED, AdminUnit, Answer, AuditEntry, CommuneRep, FindingRecord, Inspection,
                      InspectionMember, Photo, RemediationAction, RemediationEvidence, User)
from . import Invalid
from .demo_plans import seed_plans
from .remediation import STATUS_LABELS
from .units import GROUP_KIND

CHECKLIST = "papi-xa"
SEED_ACTION = "seed_demo"
PLACEHOLDER_NAME = "demo-anh-minh-hoa.jpg"
ROUND = ((9, 1), (11, 30))  # the yearly round: 1/9 to 30/11
EARLY_ROUND_DAYS = (58, 3)  # before a mid-year reform: from 58 to 3 days before the old units end
REVISION_RATE = 0.02
MISSING_PHOTO_RATE = 0.04
VN_OFFSET = dt.timedelta(hours=7)

# How often each item fails across the city (before the district's and commune's tendencies).
BASE_FAIL = {
    "TG-01": .05, "TG-02": .15, "TG-03": .12, "TG-04": .10, "TG-05": .06, "TG-06": .08, "TG-07": .08,
    "TG-08": .07, "TG-09": .10,
    "CK-01": .15, "CK-02": .08, "CK-03": .06, "CK-04": .15, "CK-05": .12, "CK-07": .12, "CK-08": .20,
    "CK-09": .05, "CK-10": .08, "CK-11": .04, "CK-12": .07, "CK-13": .06, "CK-14": .20, "CK-15": .15, "CK-16": .10,
    "GT-01": .06, "GT-02": .10, "GT-03": .15, "GT-04": .07, "GT-05": .12, "GT-06": .10, "GT-07": .08,
    "GT-08": .08, "GT-09": .25, "GT-10": .10, "GT-12": .15,
    "TN-01": .05, "TN-02": .06, "TN-03": .10, "TN-04": .05,
    "TT-01": .04, "TT-03": .18, "TT-04": .25, "TT-05": .15, "TT-07": .15,
    "DV-01": .15, "DV-02": .12, "DV-03": .20, "DV-04": .08, "DV-05": .20, "DV-06": .10, "DV-07": .06,
    "MT-01": .12, "MT-02": .08, "MT-03": .08,
    "DT-01": .10, "DT-03": .15, "DT-04": .10, "DT-05": .20,
}
# "Không áp dụng" where the checklist allows it: no election, no contribution, no recruitment...
NA_RATE = {"TG-06": .55, "TG-07": .30, "CK-09": .03, "CK-13": .40, "CK-15": .05, "CK-16": .25, "TN-01": .50,
           "TN-04": .55, "DV-06": .10}
# Commune profiles: share, yearly change of the failure log-odds, share of actions verified.
PROFILES = {"improving": (.35, -.35, .9), "steady": (.50, -.08, .8), "stubborn": (.15, .05, .4)}
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Văn", "Thị", "Minh", "Thu", "Hồng", "Đức", "Thanh", "Quang", "Ngọc", "Hữu", "Thị Thu", "Xuân")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Lan", "Linh", "Long", "Mai",
         "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Yến", "Khánh", "Việt")
LEADS = ("Phó Giám đốc Sở Nội vụ", "Trưởng phòng Xây dựng chính quyền và Công tác thanh niên, Sở Nội vụ")


@dataclass(frozen=True)
class SeedResult:
    """What one run wrote, and how long it took."""

    years: tuple[int, ...]
    communes: int
    inspections: int
    revisions: int
    answers: int
    photos: int
    findings: int
    repeats: int
    actions: dict[str, int]
    overdue: int
    as_of: dt.date
    seconds: float

    def summary(self) -> str:
        statuses = ", ".join(f"{n} {STATUS_LABELS.get(s, s).lower()}" for s, n in sorted(self.actions.items()))
        span = f"{self.years[0]}–{self.years[-1]}" if self.years else "—"
        seconds = f"{self.seconds:.1f}".replace(".", ",")  # a decimal comma, as everywhere in the app
        return (f"Đã tạo {self.inspections} phiếu kiểm tra mẫu ({self.revisions} bản sửa đổi) của {self.communes} xã, "
                f"năm {span}: {self.answers} câu trả lời, {self.photos} ảnh, {self.findings} phát hiện "
                f"({self.repeats} tái phạm), biện pháp khắc phục: {statuses}; {self.overdue} biện pháp quá hạn "
                f"ngày {self.as_of:%d/%m/%Y}. Thời gian: {seconds} giây.")


@dataclass
class _Profile:
    """A commune's tendencies: how likely it fails, how that changes, how it follows up."""

    effect: float
    slope: float
    diligence: float
    stubborn: bool
    weak: frozenset[str]
    villages: int
    chair: str
    clerk: str


@dataclass
class _Fate:
    """One remediation action's history: when evidence was sent and when it was accepted."""

    finding: Finding
    roll: float
    submit_after: int
    verify_after: int
    late_roll: float
    status: str = "open"
    submitted_at: dt.datetime | None = None
    verified_at: dt.datetime | None = None

    def status_on(self, day: dt.date) -> str:
        """The status a re-inspection on `day` sees (what finalize puts into `previous`)."""
        moment = _utc(day, 8)
        if self.verified_at and self.verified_at <= moment:
            return "verified"
        if self.submitted_at and self.submitted_at <= moment:
            return "submitted"
        return "open"


@dataclass
class _Planned:
    """One inspection as it will be stored."""

    key: str
    unit: AdminUnit
    day: dt.date
    villages: int
    answers: dict[str, Any]
    photos: dict[str, int]
    scores: dict[str, float]
    fates: list[_Fate]
    team: list[dict[str, str]]
    reps: list[dict[str, str]]
    finalised_at: dt.datetime
    revision: int = 1
    replaces: _Planned | None = None
    superseded: bool = False
    id: int | None = None

    @functools.cached_property
    def finding_keys(self) -> set[tuple[str, tuple[str, ...]]]:
        return {_finding_key(fate.finding) for fate in self.fates}


def _finding_key(finding: Finding) -> tuple[str, tuple[str, ...]]:
    """What a revision matches a finding by, as finalize does: its rule and items."""
    return finding.rule_id, tuple(finding.items)


def _utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Hà Nội wall-clock time as the naive UTC the models store."""
    return dt.datetime.combine(day, dt.time(hour, minute)) - VN_OFFSET


def _rng(seed: int, *parts: Any) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _name(rng: random.Random) -> str:
    middle = rng.choice(MIDDLE)
    return f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}"


def parse_years(text: str) -> range:
    """'2020-2025' or '2023' as a range of years; refuse anything else in Vietnamese."""
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*", text or "")
    if not match:
        raise Invalid(f"Năm không hợp lệ: {text!r} (cần dạng 2020-2025 hoặc 2023).")
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    if not 2020 <= first <= last <= 2100:
        raise Invalid(f"Khoảng năm không hợp lệ: {text!r} (từ 2020, năm đầu không sau năm cuối).")
    return range(first, last + 1)


class DemoSeeder:
    """Plans every inspection in memory through the domain evaluation, then writes them in bulk."""

    def __init__(self, session: Session, catalog: Catalog, seed: int, as_of: dt.date, actor: User,
                 photo: dict[str, Any]):
        self.session, self.catalog, self.seed, self.as_of = session, catalog, seed, as_of
        self.actor, self.photo = actor, photo
        self.profiles: dict[tuple[str, dt.date], _Profile] = {}
        self.district_effects: dict[str, float] = {}
        self.last: dict[int, _Planned] = {}  # by unit id: what finalize finds as the previous inspection
        self.planned: list[_Planned] = []
        self.communes: set[int] = set()

    # --- the plan -----------------------------------------------------------------------------

    def round_of(self, year: int) -> tuple[dt.date, dt.date, list[AdminUnit]]:
        """The year's round: its window of dates and the communes in force throughout it."""
        start, end = dt.date(year, *ROUND[0]), dt.date(year, *ROUND[1])
        reform_end = self.session.scalar(select(func.max(AdminUnit.valid_to)).where(
            AdminUnit.level == "commune", AdminUnit.valid_to >= dt.date(year, 1, 1), AdminUnit.valid_to < start))
        if reform_end is not None:
            start, end = (reform_end - dt.timedelta(days=EARLY_ROUND_DAYS[0]),
                          reform_end - dt.timedelta(days=EARLY_ROUND_DAYS[1]))
        units = self.session.scalars(
            select(AdminUnit).options(selectinload(AdminUnit.parent))
            .where(AdminUnit.level == "commune", AdminUnit.valid_from <= start,
                   or_(AdminUnit.valid_to.is_(None), AdminUnit.valid_to >= end))
            .order_by(AdminUnit.code)).all()
        return start, end, list(units)

    def profile(self, unit: AdminUnit) -> _Profile:
        key = (unit.code, unit.valid_from)
        if key not in self.profiles:
            district = unit.parent.code if unit.parent else ""
            if district not in self.district_effects:
                self.district_effects[district] = _rng(self.seed, "district", district).gauss(0, .45)
            rng = _rng(self.seed, "commune", unit.code, unit.valid_from)
            roll, kind = rng.random(), "steady"
            for name, (share, _, _) in PROFILES.items():
                if roll < share:
                    kind = name
                    break
                roll -= share
            _, slope, diligence = PROFILES[kind]
            weak = frozenset(rng.sample(sorted(BASE_FAIL), rng.randint(2, 4))) if kind == "stubborn" else frozenset()
            merged = unit.parent is not None and unit.parent.kind == GROUP_KIND  # the 2025 reform merged 3–5 units
            villages = (rng.randint(10, 40) if unit.kind == "phuong" else rng.randint(6, 20)) * (4 if merged else 1)
            self.profiles[key] = _Profile(
                effect=self.district_effects[district] + rng.gauss(0, .5), slope=slope + rng.gauss(0, .06),
                diligence=diligence, stubborn=kind == "stubborn", weak=weak, villages=villages,
                chair=_name(rng), clerk=_name(rng))
        return self.profiles[key]

    def plan(self, years: range, communes: int | None) -> None:
        for index, year in enumerate(years):
            start, end, units = self.round_of(year)
            if communes is not None:
                units = units[:communes]
            for unit in units:
                rng = _rng(self.seed, year, unit.code)
                day = self._working_day(rng, start, end)
                if day > self.as_of:
                    continue  # the round has not reached this commune yet
                self._inspect(rng, unit, day, index, self.catalog.checklist_for(CHECKLIST, day).on(day))
        for last in self.last.values():
            self._settle(last, None)

    def _working_day(self, rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
        calendar = self.catalog.calendar
        for _ in range(100):
            day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
            if calendar.is_working_day(day):
                return day
        return calendar.next_working_day_on_or_after(start)

    def _inspect(self, rng: random.Random, unit: AdminUnit, day: dt.date, index: int, checklist: Checklist) -> None:
        profile = self.profile(unit)
        previous = self.last.get(unit.id)
        if previous is not None:
            self._settle(previous, day)
        seen = {}  # item code -> status of the previous finding on that item, as this inspection sees it
        if previous is not None:
            for fate in previous.fates:
                if fate.finding.code in checklist.items:
                    seen[fate.finding.code] = fate.status_on(day)
        answers, photos = self._answers(rng, profile, day, index, checklist, seen)
        key = f"demo-{self.seed}-{day.year}-{unit.id}"
        district = unit.parent
        team = self._team(rng, district)
        reps = [{"name": profile.chair, "position": f"Chủ tịch UBND {unit.name}"},
                {"name": profile.clerk, "position": "Công chức Văn phòng - Thống kê"}]
        original = self._evaluated(key, unit, day, profile.villages, answers, photos, previous, team, reps,
                                   _utc(day, 11, 30))
        self.communes.add(unit.id)
        final = original
        if rng.random() < REVISION_RATE:
            corrected, corrected_photos = self._correction(rng, checklist, answers, photos)
            revised_on = day + dt.timedelta(days=rng.randint(2, 7))
            if revised_on <= self.as_of:
                final = self._evaluated(f"{key}-r2", unit, day, profile.villages, corrected, corrected_photos,
                                        previous, team, reps, _utc(revised_on, 15))
                final.revision, final.replaces, original.superseded = 2, original, True
        self.last[unit.id] = final

    def _answers(self, rng: random.Random, profile: _Profile, day: dt.date, index: int, checklist: Checklist,
                 seen: dict[str, str]) -> tuple[dict[str, Any], dict[str, int]]:
        """Answers in JSON form (what a tablet sends), drawn from the commune's tendencies."""
        villages = profile.villages
        answers: dict[str, Any] = {}
        photos: dict[str, int] = {}
        for code, item in checklist.items.items():
            fail = rng.random() < self._failure(profile, code, index, seen.get(code))
            if item.na_allowed and (rng.random() < NA_RATE.get(code, 0) or
                                    (code == "TG-08" and answers.get("TG-07") == NOT_APPLICABLE)):
                answers[code] = NOT_APPLICABLE
                continue
            value = self._value(rng, item, fail, villages, day, answers)
            if value is not None:
                answers[code] = value
            if item.evidence:
                positive = value in ("yes", "tot", "du")
                count = (0 if rng.random() < MISSING_PHOTO_RATE else rng.randint(1, 3)) if positive else \
                    int(rng.random() < .5)
                if count:
                    photos[code] = count
        return answers, photos

    def _failure(self, profile: _Profile, code: str, index: int, seen: str | None) -> float:
        base = BASE_FAIL.get(code)
        if base is None:
            return 0.0
        p = _sigmoid(_logit(base) + profile.effect + profile.slope * index)
        if code in profile.weak:
            p = max(p, .85)
        if seen == "verified":
            p *= .4
        elif seen is not None:  # found last time and not fixed: likely found again
            p = max(p, .85 if profile.stubborn else .45)
        return min(p, .97)

    @staticmethod
    def _value(rng: random.Random, item: Item, fail: bool, villages: int, day: dt.date,
               answers: dict[str, Any]) -> Any:
        """One answer that fails (or passes) its item's rule, consistent with the answers before it; an item
        added since (a criterion is data only) gets a valid answer derived from its type and limits."""
        code, kind = item.code, item.type
        if code == "CK-01":
            return rng.choice(("cu_nat", "cu_nat", "khong_co")) if fail else "tot"
        if code == "GT-03":
            return rng.choice(("thieu", "thieu", "khong")) if fail else "du"
        if kind == "yesno":
            return "no" if fail else "yes"
        if code in ("TG-03", "TG-05", "CK-04"):
            return villages - rng.randint(1, min(3, villages)) if fail else villages
        if code == "TG-02":
            return rng.randint(1, 3) if fail else rng.randint(4, 10)
        if code == "CK-10":
            return rng.randint(15, 29) if fail else rng.randint(30, 45)
        if code in ("GT-02", "GT-12"):
            return 0 if fail else rng.randint(1, 4)
        if code == "GT-05":
            least = 4 if day <= dt.date(2026, 6, 30) else 2
            return rng.randint(max(0, least - 3), least - 1) if fail else rng.randint(least, least + 2)
        if code in ("GT-08", "TN-03", "MT-01"):
            return rng.randint(1, 3) if fail else 0
        if code in ("GT-09", "DV-02", "DV-04", "DV-05"):
            low = {"GT-09": 60.0, "DV-02": 92.0, "DV-04": 90.0, "DV-05": 80.0}[code]
            return round(rng.uniform(low, 99.9), 1) if fail else 100.0
        if code == "DV-03":
            return round(rng.uniform(82.0, 90.0), 1) if fail else round(rng.uniform(90.1, 98.5), 1)
        if code == "TT-04":
            return rng.randint(0, 2) if fail else 3
        if code in ("TT-02", "TT-06", "DT-02"):
            return {"TT-02": rng.randint(3, 8), "TT-06": rng.randint(0, 12), "DT-02": rng.randint(0, 40)}[code]
        if code in ("TT-03", "TT-07", "DT-03"):
            whole_code = {"TT-03": "TT-02", "TT-07": "TT-06", "DT-03": "DT-02"}[code]
            whole = answers[whole_code]
            if fail and whole == 0:
                whole = answers[whole_code] = rng.randint(1, 5)
            return rng.randint(0, whole - 1) if fail else whole
        if code == "CK-06":  # HĐND decides the year's budget in the second half of December
            return dt.date(day.year - 1, 12, rng.randint(15, 31)).isoformat()
        if code == "CK-07":
            decided = dt.date.fromisoformat(answers["CK-06"])
            if not fail:
                return (decided + dt.timedelta(days=rng.randint(2, 30))).isoformat()
            return None if rng.random() < .4 else (decided + dt.timedelta(days=rng.randint(31, 60))).isoformat()
        if item.due is not None and item.due.kind == "after_period_end":  # CK-08, CK-14: the last period's report
            period_end = last_period_end_before(day, item.due.months)
            allowed, elapsed = item.due.days, (day - period_end).days
            if fail and elapsed > allowed:
                if rng.random() < .4 or elapsed < allowed + 2:
                    return None
                return (period_end + dt.timedelta(days=rng.randint(allowed + 1, min(45, elapsed)))).isoformat()
            disclosed = period_end + dt.timedelta(days=rng.randint(1, allowed))
            return disclosed.isoformat() if disclosed <= day else None
        return item.sample_answer(day, villages)  # an item the demo has no tendency for: valid, from its type

    def _correction(self, rng: random.Random, checklist: Checklist, answers: dict[str, Any],
                    photos: dict[str, int]) -> tuple[dict[str, Any], dict[str, int]]:
        """A revision's answers: one yes/no answer entered wrongly and corrected."""
        corrected, corrected_photos = dict(answers), dict(photos)
        code = rng.choice([c for c, v in answers.items() if v in ("yes", "no")])
        corrected[code] = "no" if answers[code] == "yes" else "yes"
        if checklist.items[code].evidence and corrected[code] == "yes":
            corrected_photos[code] = max(1, corrected_photos.get(code, 0))
        return corrected, corrected_photos

    def _team(self, rng: random.Random, district: AdminUnit | None) -> list[dict[str, str]]:
        team = [{"name": _name(rng), "position": rng.choice(LEADS), "role": "truong_doan"},
                {"name": _name(rng), "position": "Chuyên viên Sở Nội vụ", "role": "thanh_vien"}]
        if district is not None and district.kind != GROUP_KIND:  # after 2025 no district office joins
            team.append({"name": _name(rng), "position": f"Chuyên viên Phòng Nội vụ {district.name}",
                         "role": "thanh_vien"})
        return team

    def _evaluated(self, key: str, unit: AdminUnit, day: dt.date, villages: int, answers: dict[str, Any],
                   photos: dict[str, int], previous: _Planned | None, team, reps, finalised_at) -> _Planned:
        """Evaluate exactly as finalize does and keep the result as one planned inspection."""
        doc: dict[str, Any] = {
            "checklist": CHECKLIST, "inspection_date": day.isoformat(),
            "commune": {"code": unit.code, "villages": villages}, "answers": answers, "evidence": photos,
        }
        if previous is not None:
            doc["previous"] = {"inspection_date": previous.day.isoformat(), "findings": [
                {"code": f.finding.code, "deadline": f.finding.deadline.isoformat() if f.finding.deadline else None,
                 "status": f.status_on(day)} for f in previous.fates]}
        parsed = parse_document(doc, self.catalog)
        evaluation = evaluate_input(parsed, self.catalog)
        if evaluation.missing:
            raise RuntimeError(f"demo answers of {key} leave {evaluation.missing} unanswered")
        stored = {}  # as save_answers stores them: the parsed value back in JSON form
        for code, value in parsed.answers.items():
            if value is not None:
                item = parsed.checklist.items[code]
                stored[code] = NOT_APPLICABLE if value == NOT_APPLICABLE else item.answer_type.to_json(value)
        rng = _rng(self.seed, "fates", key)
        fates = [_Fate(f, rng.random(), rng.randint(2, 25), rng.randint(2, 15), rng.random())
                 for f in evaluation.findings]
        planned = _Planned(key=key, unit=unit, day=day, villages=villages, answers=stored, photos=dict(photos),
                           scores=dict(evaluation.scores), fates=fates, team=team, reps=reps,
                           finalised_at=finalised_at)
        self.planned.append(planned)
        return planned

    def _settle(self, inspection: _Planned, next_day: dt.date | None) -> None:
        """Decide what the commune did about each finding, before the next inspection and after it."""
        profile = self.profile(inspection.unit)
        horizon = next_day or self.as_of
        for fate in inspection.fates:
            deadline = fate.finding.deadline or (inspection.day + dt.timedelta(days=30))
            if fate.roll < profile.diligence:  # fixed, mostly before the deadline
                submitted = min(deadline, inspection.day + dt.timedelta(days=fate.submit_after))
                if fate.submit_after > 20:
                    submitted = deadline + dt.timedelta(days=fate.submit_after - 20)  # a little late
                self._advance(fate, submitted, submitted + dt.timedelta(days=fate.verify_after), horizon)
            elif fate.roll < profile.diligence + .15:  # evidence sent, not yet checked
                self._advance(fate, inspection.day + dt.timedelta(days=fate.submit_after), None, horizon)
            late_fix = .15 if profile.stubborn else .6
            if next_day is not None and fate.status != "verified" and fate.late_roll < late_fix:
                # after the re-inspection's reminder, some communes fix the old finding too
                submitted = next_day + dt.timedelta(days=5 + int(fate.late_roll * 60))
                self._advance(fate, submitted, submitted + dt.timedelta(days=fate.verify_after), self.as_of)

    def _advance(self, fate: _Fate, submitted: dt.date, verified: dt.date | None, horizon: dt.date) -> None:
        """Evidence sent on `submitted`, accepted on `verified`: whatever happens before `horizon`."""
        if fate.submitted_at is None:
            if not (submitted < horizon and submitted <= self.as_of):
                return
            fate.status, fate.submitted_at = "submitted", _utc(submitted, 9, 30)
        if verified is not None and verified < horizon and verified <= self.as_of:
            fate.status, fate.verified_at = "verified", _utc(verified, 15)

    # --- writing ------------------------------------------------------------------------------------

    def write(self) -> dict[str, int]:
        """Insert every planned row in bulk (executemany), ids through RETURNING."""
        session, actor = self.session, self.actor
        originals = [p for p in self.planned if p.replaces is None]
        revisions = [p for p in self.planned if p.replaces is not None]
        for batch in (originals, revisions):
            if not batch:
                continue
            ids = _insert(session, Inspection, [self._inspection_row(p) for p in batch], returning=True)
            for planned, new_id in zip(batch, ids):
                planned.id = new_id
        counts = Counter()
        answer_rows, photo_rows, member_rows, rep_rows = [], [], [], []
        for p in self.planned:
            for code, value in p.answers.items():
                answer_rows.append({"inspection_id": p.id, "item_code": code, "value": value, "note": "",
                                    "updated_at": p.finalised_at, "updated_by_id": actor.id})
            for code, count in p.photos.items():
                for n in range(count):
                    photo_rows.append({
                        "inspection_id": p.id, "item_code": code, "stored_name": self.photo["stored_name"],
                        "original_name": f"{code}-{n + 1}.jpg", "width": self.photo["width"],
                        "height": self.photo["height"], "size": self.photo["size"], "sha256": self.photo["sha256"],
                        "uploaded_by_id": actor.id, "created_at": p.finalised_at})
            member_rows += [{"inspection_id": p.id, "position_index": i, **m} for i, m in enumerate(p.team)]
            rep_rows += [{"inspection_id": p.id, "position_index": i, **r} for i, r in enumerate(p.reps)]
        for model, rows in ((Answer, answer_rows), (Photo, photo_rows), (InspectionMember, member_rows),
                            (CommuneRep, rep_rows)):
            _insert(session, model, rows)
        counts.update(answers=len(answer_rows), photos=len(photo_rows))
        finding_rows, owners = [], []
        for p in self.planned:
            for position, fate in enumerate(p.fates, start=1):
                f = fate.finding
                finding_rows.append({
                    "inspection_id": p.id, "position": position, "rule_id": f.rule_id, "code": f.code,
                    "items": list(f.items), "kind": f.kind, "severity": f.severity, "repeat": f.repeat,
                    "deadline": f.deadline, "title": f.title, "legal_basis": f.legal_basis,
                    "remediation": f.remediation, "responsible": f.responsible})
                owners.append((p, fate))
                counts["repeats"] += f.repeat
        if not finding_rows:
            return counts
        finding_ids = _insert(session, FindingRecord, finding_rows, returning=True)
        revision_of = {id(p.replaces): p for p in self.planned if p.replaces is not None}
        action_rows = []
        for finding_id, (p, fate) in zip(finding_ids, owners):
            status, submitted, verified = fate.status, fate.submitted_at, fate.verified_at
            created = p.finalised_at
            if p.superseded:
                revision = revision_of[id(p)]
                if _finding_key(fate.finding) in revision.finding_keys:
                    continue  # the revision's finding took this action over
                if not (verified and verified <= revision.finalised_at):  # its finding is gone: closed
                    status, submitted, verified = SUPERSEDED, None, None
            elif p.replaces is not None and _finding_key(fate.finding) in p.replaces.finding_keys:
                created = p.replaces.finalised_at  # carried over from the original
            action_rows.append({
                "finding_id": finding_id, "inspection_id": p.id, "commune_code": p.unit.code,
                "district_code": p.unit.parent.code if p.unit.parent else None, "deadline": fate.finding.deadline,
                "status": status, "submitted_at": submitted, "verified_at": verified,
                "verified_by_id": actor.id if verified else None, "return_reason": None,
                "created_at": created, "updated_at": verified or submitted or p.finalised_at})
            counts[f"action_{status}"] += 1
        action_ids = _insert(session, RemediationAction, action_rows, returning=True)
        evidence_rows = [{
            "action_id": action_id, "kind": "note", "stored_name": None, "original_name": "", "size": 0,
            "sha256": None, "note": "UBND xã báo cáo đã khắc phục xong tồn tại (dữ liệu mẫu).",
            "uploaded_by_id": actor.id, "created_at": row["submitted_at"]}
            for action_id, row in zip(action_ids, action_rows) if row["submitted_at"]]
        _insert(session, RemediationEvidence, evidence_rows)
        counts["findings"] = len(finding_rows)
        return counts

    def _inspection_row(self, p: _Planned) -> dict[str, Any]:
        unit, district = p.unit, p.unit.parent
        original = p.replaces
        return {
            "client_id": None if original else p.key, "checklist_id": CHECKLIST,
            "checklist_version": self.catalog.checklist_for(CHECKLIST, p.day).version, "unit_id": unit.id,
            "commune_code": unit.code, "commune_name": unit.name,
            "district_code": district.code if district else None, "district_name": district.name if district else None,
            "inspection_date": p.day, "villages": p.villages, "team_id": self.actor.team_id,
            "status": SUPERSEDED if p.superseded else FINALISED, "version": 3, "revision": p.revision,
            "replaces_id": original.id if original else None,
            "plan_reference": f"Kế hoạch kiểm tra công tác cải thiện Chỉ số PAPI năm {p.day.year} (dữ liệu mẫu)",
            "commune_opinion": "Nhất trí với kết quả kiểm tra; cam kết khắc phục các tồn tại đúng thời hạn.",
            "start_time": "08:00", "end_time": "11:30", "place": f"Trụ sở UBND {unit.name}", "copies": 2,
            "scores": p.scores, "total_score": p.scores["total"],
            "created_by_id": self.actor.id, "created_at": p.finalised_at - dt.timedelta(hours=3, minutes=30),
            "updated_at": p.finalised_at, "finalised_at": p.finalised_at, "finalised_by_id": self.actor.id,
        }


def _insert(session: Session, model: type, rows: list[dict[str, Any]], returning: bool = False) -> list[int]:
    """A Core executemany on the model's table (batched by the driver); the new ids in row order."""
    if not rows:
        return []
    table = model.__table__
    connection = session.connection()
    if not returning:
        connection.execute(insert(table), rows)
        return []
    result = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def placeholder_photo(photo_dir: Path | None) -> dict[str, Any]:
    """The one small JPEG every demo photo row points at, written once into the photo folder."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (226, 231, 237))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((220, 170, 420, 320), radius=18, outline=(120, 132, 146), width=8)
    draw.ellipse((280, 205, 360, 285), outline=(120, 132, 146), width=8)
    draw.rectangle((250, 150, 310, 172), fill=(120, 132, 146))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    data = out.getvalue()
    if photo_dir is not None:
        photo_dir.mkdir(parents=True, exist_ok=True)
        target = photo_dir / PLACEHOLDER_NAME
        if not target.exists():
            target.write_bytes(data)
    return {"stored_name": PLACEHOLDER_NAME, "width": 640, "height": 480, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def demo_actor(session: Session, username: str | None = None) -> User:
    """Who the demo inspections are made by: the named user, else `inspector`, else the first admin."""
    if username:
        user = session.scalar(select(User).where(User.username == username.lower()))
        if user is None:
            raise Invalid(f"Không có tài khoản {username}.")
        return user
    user = session.scalar(select(User).where(User.username == "inspector")) or session.scalar(
        select(User).where(User.role == "admin").order_by(User.id))
    if user is None:
        raise Invalid("Chưa có tài khoản để đứng tên các phiếu mẫu: chạy `flask --app inspect_app init-db --demo` "
                      "trước.")
    return user


def seed_demo(session: Session, catalog: Catalog, years: range, communes: int | None, seed: int, *,
              as_of: dt.date | None = None, actor: User | None = None, photo_dir: Path | None = None) -> SeedResult:
    """Generate finalised demo inspections for `years` (all communes, or the first `communes` ones), and one
    inspection plan a year over them (services.demo_plans).

    Refuses (Invalid, Vietnamese message) when demo data or any inspection is already there, so it
    never runs twice. Commits once at the end; nothing is written if anything fails.
    """
    started = time.perf_counter()
    as_of = as_of or today_in_vietnam()
    if communes is not None and communes < 1:
        raise Invalid("Số xã phải là số nguyên dương.")
    done = session.scalar(select(AuditEntry).where(AuditEntry.action == SEED_ACTION).limit(1))
    if done is not None:
        raise Invalid(f"Dữ liệu mẫu đã được tạo ngày {(done.at + VN_OFFSET):%d/%m/%Y} "
                      f"({done.details.get('inspections', '?')} phiếu); không tạo lại lần thứ hai.")
    existing = session.scalar(select(func.count(Inspection.id)))
    if existing:
        raise Invalid(f"Cơ sở dữ liệu đã có {existing} phiếu kiểm tra: chỉ tạo dữ liệu mẫu trên cơ sở dữ liệu "
                      "chưa có phiếu nào.")
    if not session.scalar(select(func.count(AdminUnit.id)).where(AdminUnit.level == "commune")):
        raise Invalid("Chưa có danh mục đơn vị hành chính: chạy `flask --app inspect_app init-db` trước.")
    actor = actor or demo_actor(session)
    seeder = DemoSeeder(session, catalog, seed, as_of, actor, placeholder_photo(photo_dir))
    try:
        seeder.plan(years, communes)
        counts = seeder.write()
        seed_plans(session, seeder.planned, actor, as_of, seed)
        inspections = len(seeder.planned)
        overdue = sum(1 for p in seeder.planned if not p.superseded for f in p.fates
                      if f.status != "verified" and f.finding.deadline and f.finding.deadline < as_of)
        session.add(AuditEntry(user_id=actor.id, username=actor.username, action=SEED_ACTION, entity="inspection",
                               entity_id=None, details={"years": [years.start, years.stop - 1], "communes": communes,
                                                        "seed": seed, "as_of": as_of.isoformat(),
                                                        "inspections": inspections}))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    actions = {k.removeprefix("action_"): v for k, v in counts.items() if k.startswith("action_")}
    return SeedResult(
        years=tuple(sorted({p.day.year for p in seeder.planned})), communes=len(seeder.communes),
        inspections=inspections, revisions=sum(1 for p in seeder.planned if p.replaces is not None),
        answers=counts["answers"], photos=counts["photos"], findings=counts["findings"], repeats=counts["repeats"],
        actions=actions, overdue=overdue, as_of=as_of, seconds=time.perf_counter() - started)


def _years_option(ctx, param, value: str) -> range:
    try:
        return parse_years(value)
    except Invalid as error:
        raise click.BadParameter(error.message) from None


@click.command("seed-demo")
@click.option("--years", default="2020-2026", show_default=True, callback=_years_option,
              help="Các năm kiểm tra, ví dụ 2020-2026 hoặc 2024.")
@click.option("--communes", type=click.IntRange(min=1), default=None,
              help="Chỉ tạo cho N xã đầu tiên (theo mã) mỗi năm; mặc định: mọi xã có hiệu lực.")
@click.option("--seed", type=int, default=122, show_default=True,
              help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Ngày hiện tại của dữ liệu mẫu (mặc định: hôm nay theo giờ Hà Nội).")
@click.option("--user", "username", default=None, help="Tài khoản đứng tên các phiếu (mặc định: inspector).")
@click.option("--skip-existing", is_flag=True, help="Đã có phiếu kiểm tra thì bỏ qua, không báo lỗi (cho scripts/run.sh).")
@with_appcontext
def seed_demo_command(years: range, communes: int | None, seed: int, as_of: dt.datetime | None,
                      username: str | None, skip_existing: bool) -> None:
    """Tạo dữ liệu mẫu: mỗi xã một phiếu kiểm tra đã hoàn tất mỗi năm, đánh giá bằng bộ luật thật."""
    if skip_existing and db.session.scalar(select(func.count(Inspection.id))):
        click.echo("Cơ sở dữ liệu đã có phiếu kiểm tra: không tạo thêm dữ liệu mẫu.")
        return
    try:
        actor = demo_actor(db.session, username)
        result = seed_demo(db.session, current_app.extensions["catalog"].current(db.session), years, communes, seed,
                           as_of=as_of.date() if as_of else None, actor=actor,
                           photo_dir=Path(current_app.config["PHOTO_DIR"]))
    except Invalid as error:
        click.echo(error.message, err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(result.summary())

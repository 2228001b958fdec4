"""Demo data and dashboard numbers, on SQLite and PostgreSQL.

The demo generator is checked against the real evaluation: every stored inspection, re-read
from its rows as finalize reads them (with the remediation statuses as they were on its date),
evaluates to exactly the stored findings and scores. The dashboard service is checked
against a small hand-built dataset whose averages and counts are worked out below by hand.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from conftest import make_app, seed
from sqlalchemy import func, select

from inspect_app.domain.assessment import PreviousFinding
from inspect_app.domain.text import search_key
from inspect_app.extensions import db
from inspect_app.models import Answer, AuditEntry, FindingRecord, Inspection, Photo, RemediationAction, User
from inspect_app.services import Forbidden, Invalid
from inspect_app.services import dashboard as service
from inspect_app.services import inspections, remediation
from inspect_app.services.demo import PLACEHOLDER_NAME, parse_years, seed_demo, seed_demo_command
from inspect_app.services.previous import previous_of
from inspect_app.services.units import commune_on

AS_OF = dt.date(2026, 11, 27)
YEARS = range(2020, 2027)
BEFORE_REFORM = range(2020, 2026)
VN = dt.timedelta(hours=7)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def status_on(action: RemediationAction, moment: dt.datetime) -> str:
    """What a re-inspection at `moment` saw of an action (document() uses today's status)."""
    if action.verified_at and action.verified_at <= moment:
        return "verified"
    if action.submitted_at and action.submitted_at <= moment:
        return "submitted"
    return "open"


def evaluation_then(inspection: Inspection, catalog) -> dict:
    """The evaluation finalize made of this inspection's rows, on the day it was finalised."""
    moment = dt.datetime.combine(inspection.inspection_date, dt.time(8)) - VN
    earlier = tuple(PreviousFinding(f.code, f.deadline, status_on(f.action, moment))
                    for f in previous_of(db.session, inspection).findings)
    return inspections.evaluate_inspection(catalog, inspection, inspections.evidence_of(inspection),
                                           earlier).to_contract()


# --- the demo generator -------------------------------------------------------------------------------

def test_seed_demo_runs_the_real_evaluation(db_app, catalog, tmp_path):
    with db_app.app_context():
        result = seed_demo(db.session, catalog, YEARS, None, 122, as_of=AS_OF, photo_dir=tmp_path / "photos")
        db.session.expire_all()
        rows = db.session.scalars(select(Inspection).order_by(Inspection.inspection_date, Inspection.id)).all()

        # counts: one finalised inspection per commune and year: the 30 communes of the small unit file
        # until 2025, then the 7 communes of the small group file, as far as the 2026 round got by AS_OF
        finalised = [i for i in rows if i.status == "finalised"]
        per_year = Counter(i.inspection_date.year for i in finalised)
        assert {year: per_year[year] for year in BEFORE_REFORM} == {year: 30 for year in BEFORE_REFORM}
        assert 4 <= per_year[2026] <= 7 and set(per_year) == set(YEARS)
        assert len({(i.unit_id, i.inspection_date.year) for i in finalised}) == len(finalised)
        assert result.inspections == len(rows) and result.communes == 37 and result.years == tuple(YEARS)
        assert {i.status for i in rows} <= {"finalised", "superseded"}
        superseded = [i for i in rows if i.status == "superseded"]
        assert result.revisions == len(superseded) == sum(1 for i in rows if i.replaces_id)
        for original in superseded:
            revision = db.session.scalar(select(Inspection).where(Inspection.replaces_id == original.id))
            assert revision.status == "finalised" and revision.revision == 2
            assert revision.inspection_date == original.inspection_date
            # as finalize does: an action whose finding stands in the revision moved to it, the rest were closed
            standing = {(f.rule_id, tuple(f.items)) for f in revision.findings}
            for f in original.findings:
                if (f.rule_id, tuple(f.items)) in standing:
                    assert f.action is None
                else:
                    assert f.action.status in ("superseded", "verified") and f.action.inspection_id == original.id

        # dates: working days of the Sept–Nov round, and May–June in 2025 (the 2020 units end on 30/6/2025);
        # after the reform the area is the department's group of communes and the checklist is version 2
        for i in rows:
            assert catalog.calendar.is_working_day(i.inspection_date) and i.inspection_date <= AS_OF
            year = i.inspection_date.year
            if year == 2025:
                assert dt.date(2025, 5, 1) <= i.inspection_date < dt.date(2025, 7, 1)
            else:
                assert dt.date(year, 9, 1) <= i.inspection_date <= dt.date(year, 11, 30)
            after_reform = year == 2026
            assert i.district_code in (("001", "002", "006") if after_reform else ("001", "002"))
            assert i.checklist_version == (2 if after_reform else 1)
            assert commune_on(db.session, i.commune_code, i.inspection_date).valid_from == \
                (dt.date(2025, 7, 1) if after_reform else dt.date(2020, 1, 1))
            assert i.finalised_at and i.total_score == i.scores["total"]

        # every stored inspection re-evaluates to its stored findings and scores
        for i in rows:
            expected = evaluation_then(i, catalog)
            assert expected["scores"] == i.scores, i.client_id
            assert expected["findings"] == [f.to_contract() for f in i.findings], i.client_id
            if i.status == "superseded":
                continue  # its actions: checked with its revision above
            assert all(f.action is not None for f in i.findings)
            for f in i.findings:
                assert (f.action.deadline, f.action.commune_code, f.action.district_code, f.action.inspection_id) == \
                    (f.deadline, i.commune_code, i.district_code, i.id)

        # answers consistent with one another, as an inspector would record them; each to its version's items
        for i in rows:
            answers = inspections.answers_of(i)
            items = catalog.checklist_on(i.checklist_id, i.checklist_version, i.inspection_date).items
            unanswered = set(items) - set(answers)  # only "not yet published" dates are left blank
            assert set(answers) <= set(items) and all(items[c].type == "date" for c in unanswered)
            for part, whole in (("TT-03", "TT-02"), ("TT-07", "TT-06"), ("DT-03", "DT-02")):
                if part in answers:
                    assert answers[part] <= answers[whole]
            for code in ("TG-03", "TG-05", "CK-04"):
                assert answers[code] <= i.villages
            assert answers["CK-06"] < i.inspection_date.isoformat()

        # remediation histories: verified before the next inspection saw them, some left open past the deadline
        actions = db.session.scalars(select(RemediationAction)).all()
        statuses = Counter(a.status for a in actions)
        assert statuses["verified"] and statuses["submitted"] and statuses["open"]
        assert result.actions == dict(statuses)
        for a in actions:
            if a.status in ("submitted", "verified"):
                assert a.submitted_at and a.evidence and a.evidence[0].kind == "note"
            if a.status == "verified":
                assert a.verified_at > a.submitted_at and a.verified_by_id is not None
        overdue = [a for a in actions if a.status in ("open", "submitted") and a.deadline and a.deadline < AS_OF]
        assert overdue and result.overdue == len(overdue)
        repeats = db.session.scalars(select(FindingRecord).where(FindingRecord.repeat.is_(True))).all()
        late = db.session.scalars(select(FindingRecord).where(FindingRecord.code == "X-02")).all()
        assert repeats and late and result.repeats == len(repeats)
        assert all(f.severity == "high" for f in repeats)

        # tendencies: some communes improve, some keep the same violation year after year
        totals = defaultdict(dict)
        for i in finalised:
            if i.inspection_date.year in BEFORE_REFORM:
                totals[i.commune_code][i.inspection_date.year] = i.total_score
        assert any(t[2025] - t[2020] >= 5 for t in totals.values())
        codes_by_commune = defaultdict(Counter)
        for f in repeats:
            codes_by_commune[f.inspection.commune_code][f.code] += 1
        assert any(n >= 2 for counter in codes_by_commune.values() for n in counter.values())
        assert len({round(sum(t.values()) / len(t)) for t in totals.values()}) > 5  # communes differ

        # photos point at the one placeholder file, which exists
        photos = db.session.scalars(select(Photo)).all()
        assert photos and {p.stored_name for p in photos} == {PLACEHOLDER_NAME}
        assert (tmp_path / "photos" / PLACEHOLDER_NAME).is_file()
        assert db.session.scalar(select(func.count(Answer.id))) == result.answers

        # bulk inserts get their search key too: the lists find the demo's communes without diacritics
        assert all(i.search_key == search_key((i.commune_name, i.commune_code, i.district_name)) for i in rows)
        phucxa = inspections.page_inspections(db.session, User(role="admin"), search="phuc xa", per_page=200)
        assert phucxa.total == sum(1 for i in rows if i.commune_name == "Phường Phúc Xá") > 0

        # it never runs twice
        with pytest.raises(Invalid, match="Dữ liệu mẫu đã được tạo"):
            seed_demo(db.session, catalog, YEARS, None, 122, as_of=AS_OF)
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "seed_demo")) == 1


def test_seed_demo_is_deterministic_and_a_slice_is_the_same_data(tmp_path, password_hash, catalog):
    def run(folder: str, communes: int | None, years=range(2020, 2023)):
        app = make_app(f"sqlite:///{tmp_path / folder}.db", tmp_path / folder)
        seed(app, password_hash)
        with app.app_context():
            seed_demo(db.session, catalog, years, communes, 7, as_of=AS_OF)
            rows = db.session.execute(select(Inspection.commune_code, Inspection.inspection_date,
                                             Inspection.status, Inspection.total_score)
                                      .order_by(Inspection.commune_code, Inspection.inspection_date,
                                                Inspection.revision)).all()
            db.engine.dispose()
        return [tuple(r) for r in rows]

    whole, again, slice_ = run("a", None), run("b", None), run("c", 4)
    assert whole == again
    first_four = sorted({r[0] for r in whole})[:4]
    assert slice_ == [r for r in whole if r[0] in first_four]


def test_seed_demo_refuses_a_database_with_inspections_and_bad_arguments(app, catalog):
    with app.app_context():
        with pytest.raises(Invalid, match="Số xã phải là số nguyên dương"):
            seed_demo(db.session, catalog, YEARS, 0, 1)
        seed_demo(db.session, catalog, range(2021, 2022), 2, 1, as_of=AS_OF)
        db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.action == "seed_demo"))
        db.session.commit()
        with pytest.raises(Invalid, match="đã có .* phiếu kiểm tra"):
            seed_demo(db.session, catalog, YEARS, 2, 1, as_of=AS_OF)
    with pytest.raises(Invalid, match="Năm không hợp lệ"):
        parse_years("20-25")
    assert parse_years("2020-2025") == range(2020, 2026) and parse_years("2024") == range(2024, 2025)


def test_seed_demo_command(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(seed_demo_command, ["--years", "2020-2021", "--communes", "3", "--seed", "5",
                                               "--as-of", "2022-01-15"])
    assert result.exit_code == 0, result.output
    assert "Đã tạo" in result.output and "của 3 xã, năm 2020–2021" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Inspection.id)).where(Inspection.status == "finalised")) == 6
    assert (tmp_path / "photos" / PLACEHOLDER_NAME).is_file()
    again = runner.invoke(seed_demo_command, ["--years", "2020-2021"])
    assert again.exit_code == 1 and "Dữ liệu mẫu đã được tạo" in again.output
    bad = runner.invoke(seed_demo_command, ["--years", "2019"])
    assert bad.exit_code == 2 and "Khoảng năm không hợp lệ" in bad.output


# --- dashboard numbers on a hand-built dataset ----------------------------------------------------------

DIMS = ("TG", "CK", "GT", "TN", "TT", "DV", "MT", "DT")


def _moment(day: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(day) - VN if day else None


def _inspection(code: str, day: str, scores: list[float] | None, *, status="finalised", replaces=None,
                findings=()) -> Inspection:
    """An inspection row as finalize leaves it; findings: (rule_id, kind, deadline, status, submitted, verified)."""
    date = dt.date.fromisoformat(day)
    unit = commune_on(db.session, code, date)
    district = unit.parent
    stored = None if scores is None else dict(zip(DIMS, scores)) | {"total": float(sum(scores))}
    inspection = Inspection(
        checklist_id="papi-xa", checklist_version=1, unit=unit, commune_code=unit.code, commune_name=unit.name,
        district_code=district.code, district_name=district.name, inspection_date=date, villages=10,
        created_by_id=user("inspector").id, status=status, revision=2 if replaces else 1,
        replaces_id=replaces.id if replaces else None, scores=stored, total_score=stored and stored["total"])
    db.session.add(inspection)
    db.session.flush()
    for position, (rule_id, kind, deadline, action_status, submitted, verified) in enumerate(findings, start=1):
        finding = FindingRecord(
            position=position, rule_id=rule_id, code=rule_id, items=[rule_id], kind=kind, severity="normal",
            repeat=False, deadline=dt.date.fromisoformat(deadline) if deadline else None,
            title=f"Tiêu đề lưu của {rule_id}", legal_basis=f"Căn cứ của {rule_id}", remediation="Khắc phục.",
            responsible="Chủ tịch UBND xã")
        finding.action = RemediationAction(
            inspection_id=inspection.id, commune_code=unit.code, district_code=district.code,
            deadline=finding.deadline, status=action_status, submitted_at=_moment(submitted),
            verified_at=_moment(verified))
        inspection.findings.append(finding)
    db.session.flush()
    return inspection


def build_dataset() -> None:
    """Four units counted in 2024 (totals 70, 60, 76, 80), one in 2023 (64); what must not count, too."""
    V, R = "violation", "recommendation"
    # Phường Phúc Xá (Ba Đình): 2023 and 2024
    _inspection("00001", "2023-10-05", [8] * 8,
                findings=[("TG-01", V, "2023-10-19", "verified", "2023-10-15", "2023-10-20")])
    _inspection("00001", "2024-09-10", [10, 9, 9, 8, 9, 9, 8, 8], findings=[
        ("TG-01", V, "2024-10-01", "open", None, None),
        ("CK-02", V, "2024-10-01", "verified", "2024-09-20", "2024-09-25"),
        ("GT-04", V, "2024-11-01", "verified", "2025-01-05", "2025-01-10"),
        ("TG-02", R, "2024-10-15", "submitted", "2024-10-10", None)])
    # Phường Trúc Bạch: an original (superseded, 50) and its revision (60)
    original = _inspection("00004", "2024-09-12", [6.25] * 8, status="superseded",
                           findings=[("TG-01", V, "2024-09-20", "superseded", None, None)])
    _inspection("00004", "2024-09-12", [8, 8, 7, 8, 7, 8, 7, 7], replaces=original,
                findings=[("E-01", R, None, "open", None, None)])
    # Phường Vĩnh Phúc: two finalised inspections in 2024, the later one counts
    _inspection("00006", "2024-03-01", [5] * 8, findings=[
        ("TG-01", V, "2024-03-15", "verified", "2024-03-10", "2024-03-20"),
        ("GT-08", V, "2024-03-22", "verified", "2024-03-10", "2024-03-20")])
    _inspection("00006", "2024-10-01", [10, 10, 10, 10, 10, 10, 8, 8],
                findings=[("TG-01", V, "2024-10-15", "verified", "2024-10-08", "2024-10-10")])
    # Phường Cống Vị: a draft never counts
    _inspection("00007", "2024-09-20", None, status="draft")
    # Phường Phúc Tân (Hoàn Kiếm)
    _inspection("00037", "2024-09-15", [10] * 8, findings=[
        ("CK-02", V, "2024-10-03", "verified", "2024-10-02", "2024-10-05"),
        ("DV-04", V, "2025-03-01", "open", None, None)])
    db.session.commit()


def test_dashboard_numbers_for_the_city(db_app, catalog):
    with db_app.app_context():
        build_dataset()
        city = service.CITY
        assert service.available_years(db.session, city) == [2023, 2024]
        cov = service.coverage(db.session, city, 2024, dt.date(2024, 12, 31))
        assert (cov.inspected, cov.in_force, cov.reference_date, cov.average_total, cov.overdue) == \
            (4, 30, dt.date(2024, 10, 1), 71.5, 3)
        averages = {d.code: d.average for d in service.dimension_averages(db.session, catalog, city, 2024)}
        assert averages == {"TG": 9.5, "CK": 9.25, "GT": 9.0, "TN": 9.0, "TT": 9.0, "DV": 9.25, "MT": 8.25,
                            "DT": 8.25}
        bins = service.histogram(db.session, city, 2024)
        assert len(bins) == 16 and (bins[0].low, bins[-1].high) == (0, 80)
        assert {b.low: b.count for b in bins if b.count} == {60: 1, 70: 1, 75: 2}  # 80 falls in the last bin

        areas = service.area_scores(db.session, catalog, city, 2024)
        assert [(a.code, a.name, a.inspected, a.total) for a in areas] == [
            ("001", "Quận Ba Đình", 3, 68.67), ("002", "Quận Hoàn Kiếm", 1, 80.0)]
        assert areas[0].averages["TG"] == 9.33 and areas[0].averages["MT"] == 7.67
        assert set(areas[1].averages.values()) == {10.0}

        ranking = service.ranking(db.session, city, 2024)
        assert [(r.rank, r.commune_name, r.total) for r in ranking] == [
            (1, "Phường Phúc Tân", 80.0), (2, "Phường Vĩnh Phúc", 76.0), (3, "Phường Phúc Xá", 70.0),
            (4, "Phường Trúc Bạch", 60.0)]
        assert ranking[1].inspection_date == dt.date(2024, 10, 1) and ranking[0].district_name == "Quận Hoàn Kiếm"
        by_name = service.ranking(db.session, city, 2024, sort="name")
        assert [r.commune_code for r in by_name] == ["00037", "00001", "00004", "00006"]
        assert [r.rank for r in service.ranking(db.session, city, 2024, sort="total", descending=False)] == \
            [4, 3, 2, 1]

        def overdue(day):
            return [(r.code, r.actions, r.communes, r.oldest_deadline)
                    for r in service.overdue_by_area(db.session, city, dt.date.fromisoformat(day))]
        # 31/12/2024: TG-01 (open), GT-04 (verified only on 10/01/2025), TG-02 (submitted, not verified)
        assert overdue("2024-12-31") == [("001", 3, 1, dt.date(2024, 10, 1))]
        assert overdue("2025-02-01") == [("001", 2, 1, dt.date(2024, 10, 1))]
        assert overdue("2025-04-01") == [("001", 2, 1, dt.date(2024, 10, 1)), ("002", 1, 1, dt.date(2025, 3, 1))]
        assert overdue("2024-09-01") == []
        # the same actions as the remediation list's "overdue" filter, judged today
        listed = remediation.list_actions(db.session, user("admin"), overdue_as_of=dt.date(2025, 4, 1))
        assert len(listed) == service.coverage(db.session, city, 2024, dt.date(2025, 4, 1)).overdue == 3

        assert [(p.year, p.average, p.inspected) for p in service.trend(db.session, city)] == \
            [(2023, 64.0, 1), (2024, 71.5, 4)]
        violations = service.top_violations(db.session, catalog, city, 2024)
        assert [(v.code, v.count, v.communes) for v in violations] == [
            ("CK-02", 2, 2), ("TG-01", 2, 2), ("DV-04", 1, 1), ("GT-04", 1, 1)]
        rules = {r.id: r for r in catalog.rulesets["papi-xa@1"].rules}
        assert violations[1].title == rules["TG-01"].title and violations[1].legal_basis == "Căn cứ của TG-01"

        page = service.overview(db.session, catalog, city, None, dt.date(2024, 12, 31))
        assert page.year == 2024 and page.years == [2023, 2024] and page.coverage == cov
        older = service.overview(db.session, catalog, city, 2023, dt.date(2024, 12, 31))
        assert (older.coverage.inspected, older.coverage.average_total) == (1, 64.0)
        assert [(v.code, v.count) for v in older.violations] == [("TG-01", 1)]


def test_dashboard_scopes(db_app, catalog):
    with db_app.app_context():
        build_dataset()
        hoankiem = service.own_scope(db.session, user("district-hoankiem"))
        assert (hoankiem.level, hoankiem.code, hoankiem.name) == \
            ("district", "002", "Cụm Hoàn Kiếm (đến 30/06/2025: Quận Hoàn Kiếm)")
        cov = service.coverage(db.session, hoankiem, 2024, dt.date(2025, 4, 1))
        assert (cov.inspected, cov.in_force, cov.average_total, cov.overdue) == (1, 16, 80.0, 1)
        assert [r.commune_code for r in service.ranking(db.session, hoankiem, 2024)] == ["00037"]
        assert [(r.code, r.actions) for r in service.overdue_by_area(db.session, hoankiem, dt.date(2025, 4, 1))] == \
            [("00037", 1)]
        assert [(v.code, v.count) for v in service.top_violations(db.session, catalog, hoankiem, 2024)] == \
            [("CK-02", 1), ("DV-04", 1)]
        assert [p.average for p in service.trend(db.session, hoankiem)] == [80.0]
        with pytest.raises(Forbidden):
            service.district_scope(db.session, user("district-hoankiem"), "001")
        with pytest.raises(Forbidden):
            service.commune_scope(db.session, user("district-hoankiem"), "00001")

        badinh = service.district_scope(db.session, user("admin"), "001")
        rows = service.area_scores(db.session, catalog, badinh, 2024)
        assert [(r.code, r.total) for r in rows] == [("00001", 70.0), ("00004", 60.0), ("00006", 76.0)]
        assert service.coverage(db.session, badinh, 2024, dt.date(2024, 12, 31)).in_force == 14

        phucxa = service.own_scope(db.session, user("commune-phucxa"))
        assert (phucxa.level, phucxa.code) == ("commune", "00001")
        view = service.commune_view(db.session, catalog, phucxa, dt.date(2024, 12, 31))
        assert [(h.inspection_date, h.total, h.counts) for h in view.history] == [
            (dt.date(2024, 9, 10), 70.0, True), (dt.date(2023, 10, 5), 64.0, True)]
        assert view.latest.total == 70.0 and view.history[0].violations == 3 and view.history[0].findings == 4
        assert [(a.code, a.status, a.overdue_days) for a in view.actions] == [
            ("TG-01", "open", 91), ("TG-02", "submitted", 77)]
        assert [p.average for p in view.trend] == [64.0, 70.0]
        with pytest.raises(Forbidden):
            service.commune_scope(db.session, user("commune-phucxa"), "00004")

        trucbach = service.commune_view(db.session, catalog, service.commune_scope(db.session, user("admin"), "00004"),
                                        dt.date(2024, 12, 31))
        assert [(h.status, h.total, h.counts) for h in trucbach.history] == [
            ("finalised", 60.0, True), ("superseded", 50.0, False)]

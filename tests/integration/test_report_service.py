"""The summary report's numbers on SQLite and PostgreSQL, on a small dataset built through the services.

(Named test_report_service.py, like test_remediation_service.py: pytest refuses two test modules
with the same basename, and tests/web/test_report.py holds the page and file tests.)

Every inspection below is created, answered (tests/data/compliant.json with a few answers
changed), given its photo evidence and finalised through services.inspections, and its actions are
moved through services.remediation with fixed timestamps, so findings, deadlines, repeats (X-01),
late remediation (X-02) and scores are the engine's own. The expected numbers are worked out by
hand in the comments.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from conftest import finalize_with_details
from inspect_app.extensions import db
from inspect_app.models import Inspection, RemediationAction, User
from inspect_app.services import Forbidden, Invalid, dashboard, inspections, remediation
from inspect_app.services import report as service
from inspect_app.services.demo import seed_demo

DATA = Path(__file__).resolve().parent.parent / "data"
EVIDENCE_ITEMS = ("CK-01", "CK-02", "CK-03", "GT-03", "GT-04")  # the items E-01 wants a photo for
BUDGET_2021 = {"CK-06": "2021-01-05", "CK-07": "2021-01-20", "CK-08": "2021-01-10"}
TODAY = dt.date(2026, 11, 27)
DIMS = ("TG", "CK", "GT", "TN", "TT", "DV", "MT", "DT")


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def compliant_answers() -> dict:
    return json.loads((DATA / "compliant.json").read_text(encoding="utf-8"))["answers"]


def jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 160, 90)).save(out, "JPEG")
    out.seek(0)
    return out


def utc(day: str, hour: int = 3, minute: int = 0) -> dt.datetime:
    """A stored (naive UTC) timestamp; 03:00 UTC is 10:00 in Hà Nội."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute)


def inspect(app, catalog, code: str, day: str, changes: dict, *, photos: bool = True, finalise: bool = True,
            revise_with: dict | None = None) -> Inspection:
    """One inspection through the services: create, photos, answers, finalise (and optionally a revision)."""
    actor = user("inspector")
    inspection, _ = inspections.create_inspection(db.session, catalog, actor, {
        "client_id": f"report-{code}-{day}", "checklist": "papi-xa", "commune_code": code, "inspection_date": day,
        "villages": 12, "team": [{"name": "Trần Thị Bình", "position": "Chuyên viên", "role": "truong_doan"}],
        "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND"}]})
    if photos:
        for item in EVIDENCE_ITEMS:
            inspections.add_photo(db.session, actor, inspection.id, item, jpeg(), "anh.jpg",
                                  Path(app.config["PHOTO_DIR"]), catalog)
    inspection = db.session.get(Inspection, inspection.id)
    inspections.save_answers(db.session, catalog, actor, inspection.id, compliant_answers() | changes, {},
                             inspection.version)
    if not finalise:
        return inspection
    done, _ = finalize_with_details(db.session, catalog, actor, inspection.id)
    if revise_with is not None:
        revision, _ = inspections.revise(db.session, actor, done.id)
        inspections.save_answers(db.session, catalog, actor, revision.id, revise_with, {}, revision.version)
        done, _ = inspections.finalize(db.session, catalog, actor, revision.id)
    return done


def action(inspection: Inspection, code: str, nth: int = 0) -> RemediationAction:
    found = [f.action for f in db.session.get(Inspection, inspection.id).findings if f.code == code]
    return found[nth]


def submit(act: RemediationAction, day: str, hour: int = 3, minute: int = 0) -> None:
    remediation.submit_evidence(db.session, user("admin"), act.id, "Đã khắc phục, có biên bản kèm theo.", None,
                                Path("/nonexistent"), now=utc(day, hour, minute))


def verify(act: RemediationAction, day: str, hour: int = 3, minute: int = 0) -> None:
    remediation.verify(db.session, user("admin"), act.id, "Minh chứng đạt yêu cầu", confirmed=True, now=utc(day, hour, minute))


def build_dataset(app, catalog) -> dict[str, Inspection]:
    """Ba Đình (001, 14 communes) and Hoàn Kiếm (002, 16 communes); 2020 round and two 2021 re-inspections."""
    made: dict[str, Inspection] = {}
    # A. Phúc Xá: CK-05 (recommendation, 06/10), GT-03 (violation, 18/09), J-01 (recommendation, 06/10).
    #    CK 9,17, GT 9,00: total 78,17.
    made["A"] = a = inspect(app, catalog, "00001", "2020-09-15", {"GT-03": "khong", "CK-05": "no"})
    submit(action(a, "CK-05"), "2020-10-01")  # submitted, never verified: late after 06/10
    submit(action(a, "J-01"), "2020-10-01")
    verify(action(a, "J-01"), "2020-10-05")
    # B. Trúc Bạch: everything in order, 80.
    made["B"] = inspect(app, catalog, "00004", "2020-09-16", {})
    # C. Vĩnh Phúc: an original (TG-01 only) corrected by a revision (TG-01, and GT-03 missed the first time):
    #    TG 8,89, GT 9,00: total 77,89; TG-01 due 01/10, GT-03 due 22/09. The original no longer counts.
    made["C"] = c = inspect(app, catalog, "00006", "2020-09-17", {"TG-01": "no"}, revise_with={"GT-03": "khong"})
    submit(action(c, "TG-01"), "2020-09-25")
    verify(action(c, "TG-01"), "2020-09-28")
    submit(action(c, "GT-03"), "2020-12-20")
    verify(action(c, "GT-03"), "2020-12-31", 17, 30)  # 00:30 on 01/01/2021 in Hà Nội: after 31/12/2020
    # D. Cống Vị: a draft never counts.
    inspect(app, catalog, "00007", "2020-09-20", {"TG-01": "no"}, finalise=False)
    # E. Liễu Giai, twice in 2020: July (DV-04, fixed in time) and October (MT-03 due 27/10, left open).
    made["E1"] = e1 = inspect(app, catalog, "00008", "2020-07-15", {"DV-04": 90})
    submit(action(e1, "DV-04"), "2020-07-20")
    verify(action(e1, "DV-04"), "2020-07-22")
    made["E2"] = inspect(app, catalog, "00008", "2020-10-20", {"MT-03": "no"})  # MT 6,67: 76,67
    # F. Phúc Tân (Hoàn Kiếm), no photos: DV-04 (09/10), MT-03 (25/09), E-01 × 5 (no deadline); DV 8,57,
    #    MT 6,67: 75,24. Nothing fixed.
    made["F"] = inspect(app, catalog, "00037", "2020-09-18", {"DV-04": 90, "MT-03": "no"}, photos=False)
    # G. Đồng Xuân (Hoàn Kiếm): GT-03 "thiếu" (rule GT-03-thieu, code GT-03, due 28/09), fixed; GT 9,00: 79,00.
    made["G"] = g = inspect(app, catalog, "00040", "2020-09-21", {"GT-03": "thieu"})
    submit(action(g, "GT-03"), "2020-09-24")
    verify(action(g, "GT-03"), "2020-09-25")
    # H. Phúc Xá again in 2021: GT-03 still not fixed → repeat and X-02; GT 9,00: 79,00.
    made["H"] = inspect(app, catalog, "00001", "2021-03-15", {"GT-03": "khong"} | BUDGET_2021)
    # I. Phúc Tân again in 2021: MT-03 again → repeat; DV-04 and MT-03 still open → X-02 × 2; MT 6,67: 76,67.
    made["I"] = i = inspect(app, catalog, "00037", "2021-03-16", {"MT-03": "no"} | BUDGET_2021)
    submit(action(i, "MT-03"), "2021-03-18")
    verify(action(i, "MT-03"), "2021-03-20")
    return made


def report(admin_or_user: str, first: str, last: str, scope: str | None = None, catalog=None):
    args = {"from": first, "to": last} | ({"scope": scope} if scope is not None else {})
    checked = service.resolve_request(db.session, user(admin_or_user), args, TODAY)
    return service.build_report(db.session, catalog, checked)


def coverage(r) -> list[tuple]:
    return [(row.code, row.name, row.in_force, row.inspected) for row in r.coverage]


def scores(row) -> dict[str, float | None]:
    return {code: value for code, value in row.averages.items() if value != 10.0} | {"total": row.total}


def remediation_rows(r) -> list[tuple]:
    return [(row.name, row.open, row.submitted, row.verified, row.overdue) for row in r.remediation]


def total(r) -> tuple:
    t = r.remediation_total
    return t.total, t.open, t.submitted, t.verified, t.overdue


def test_report_numbers(db_app, catalog):
    with db_app.app_context():
        made = build_dataset(db_app, catalog)
        # the engine said what the comments above say
        assert [made[k].total_score for k in ("A", "B", "C", "E2", "F", "G", "H", "I")] == \
            [78.17, 80.0, 77.89, 76.67, 75.24, 79.0, 79.0, 76.67]
        h_findings = [(f.code, f.repeat) for f in db.session.get(Inspection, made["H"].id).findings]
        i_findings = [(f.code, f.repeat, tuple(f.items)) for f in db.session.get(Inspection, made["I"].id).findings]
        assert sorted(h_findings) == [("GT-03", True), ("X-02", False)]
        assert sorted(i_findings) == [("MT-03", True, ("MT-03",)), ("X-02", False, ("DV-04",)),
                                      ("X-02", False, ("MT-03",))]

        # --- 2020, the city: counted A, B, C (revision), E (October), F, G ---------------------------------
        r = report("admin", "2020-01-01", "2020-12-31", catalog=catalog)
        assert (r.scope.level, r.first, r.last, r.request.issuer) == (
            "city", dt.date(2020, 1, 1), dt.date(2020, 12, 31), ("UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ"))
        assert r.reference_date == dt.date(2020, 10, 20)  # the last inspection counted
        assert coverage(r) == [("001", "Quận Ba Đình", 14, 4), ("002", "Quận Hoàn Kiếm", 16, 2)]
        assert (r.coverage_total.in_force, r.coverage_total.inspected, r.coverage_total.share) == (30, 6, 0.2)
        # Ba Đình: TG (10+10+8,89+10)/4 = 9,7225; CK 39,17/4 = 9,7925; GT 38/4 = 9,5; MT 36,67/4 = 9,1675 (half up);
        # total (78,17+80+77,89+76,67)/4 = 78,1825. Hoàn Kiếm: DV 18,57/2 = 9,285 → 9,29; MT 16,67/2 = 8,335 → 8,34;
        # GT 9,5; total 154,24/2 = 77,12.
        assert [(row.code, row.name, row.inspected) for row in r.scores] == [
            ("001", "Quận Ba Đình", 4), ("002", "Quận Hoàn Kiếm", 2)]
        assert scores(r.scores[0]) == {"TG": 9.72, "CK": 9.79, "GT": 9.5, "MT": 9.17, "total": 78.18}
        assert scores(r.scores[1]) == {"GT": 9.5, "DV": 9.29, "MT": 8.34, "total": 77.12}
        # the city: TG 58,89/6 = 9,815 → 9,82; CK 59,17/6; GT 57/6; DV 58,57/6; MT 53,34/6; total 466,97/6
        assert r.scores_total.inspected == 6
        assert scores(r.scores_total) == {"TG": 9.82, "CK": 9.86, "GT": 9.5, "DV": 9.76, "MT": 8.89, "total": 77.83}
        # violations: GT-03 at A and C, MT-03 at E (October) and F; E's July DV-04 does not count
        rules = {rule.id: rule for rule in catalog.rulesets["papi-xa@1"].rules}
        assert [(v.rule_id, v.code, v.count, v.communes) for v in r.violations] == [
            ("GT-03", "GT-03", 2, 2), ("MT-03", "MT-03", 2, 2), ("DV-04", "DV-04", 1, 1),
            ("GT-03-thieu", "GT-03", 1, 1), ("TG-01", "TG-01", 1, 1)]
        assert r.violations[0].title == rules["GT-03"].title
        assert r.violations[0].legal_basis == rules["GT-03"].basis_on(dt.date(2020, 9, 15))
        assert r.violations[3].title == rules["GT-03-thieu"].title
        # remediation at the end of 31/12/2020: Ba Đình A GT-03 open, A CK-05 submitted, A J-01 verified,
        # C TG-01 verified, C GT-03 submitted (verified 00:30 on 01/01/2021), E DV-04 verified, E MT-03 open;
        # overdue: A GT-03, A CK-05, C GT-03, E MT-03. Hoàn Kiếm: F DV-04, MT-03 and 5 × E-01 open (the two with
        # a deadline overdue), G verified. C's original TG-01 (superseded) is left out.
        assert remediation_rows(r) == [("Quận Ba Đình", 2, 2, 3, 4), ("Quận Hoàn Kiếm", 7, 0, 1, 2)]
        assert total(r) == (15, 9, 2, 4, 6)
        assert r.repeats == []
        assert [(c.commune_name, c.inspection_date, c.total) for c in r.communes] == [
            ("Phường Phúc Xá", dt.date(2020, 9, 15), 78.17), ("Phường Trúc Bạch", dt.date(2020, 9, 16), 80.0),
            ("Phường Vĩnh Phúc", dt.date(2020, 9, 17), 77.89), ("Phường Liễu Giai", dt.date(2020, 10, 20), 76.67),
            ("Phường Phúc Tân", dt.date(2020, 9, 18), 75.24), ("Phường Đồng Xuân", dt.date(2020, 9, 21), 79.0)]
        assert r.communes[2].inspection_id == made["C"].id  # the revision, not the original

        # the same inspections and overdue actions as the dashboard of 2020
        cov = dashboard.coverage(db.session, dashboard.CITY, 2020, dt.date(2020, 12, 31))
        assert (cov.inspected, cov.in_force, cov.overdue) == (6, 30, 6)
        assert dashboard.top_violations(db.session, catalog, dashboard.CITY, 2020, limit=15) == r.violations

        # one day later C's GT-03 counts as fixed
        r = report("admin", "2020-01-01", "2021-01-01", catalog=catalog)
        assert remediation_rows(r)[0] == ("Quận Ba Đình", 2, 1, 4, 3)

        # --- 2021: the two re-inspections -------------------------------------------------------------
        r = report("admin", "2021-01-01", "2021-12-31", catalog=catalog)
        assert coverage(r) == [("001", "Quận Ba Đình", 14, 1), ("002", "Quận Hoàn Kiếm", 16, 1)]
        assert scores(r.scores_total) == {"GT": 9.5, "MT": 8.34, "total": 77.84}  # 155,67/2 = 77,835 → 77,84
        assert [(v.code, v.count, v.communes) for v in r.violations] == [("X-02", 3, 2), ("GT-03", 1, 1),
                                                                         ("MT-03", 1, 1)]
        assert r.violations[0].title == "Chậm khắc phục tồn tại đã kết luận tại lần kiểm tra trước"
        assert "mục 4a" in r.violations[1].legal_basis  # the repeat's basis adds X-01's
        # H: GT-03 and X-02 open, both overdue; I: MT-03 verified in time, two X-02 open and overdue
        assert remediation_rows(r) == [("Quận Ba Đình", 2, 0, 0, 2), ("Quận Hoàn Kiếm", 2, 0, 1, 2)]
        repeats = [(x.commune_name, x.district_name, x.inspections, x.last_date, x.repeats, x.repeat_codes, x.late,
                    x.late_codes, x.findings) for x in r.repeats]
        assert repeats == [
            ("Phường Phúc Tân", "Quận Hoàn Kiếm", 1, dt.date(2021, 3, 16), 1, ("MT-03",), 2, ("DV-04", "MT-03"), 3),
            ("Phường Phúc Xá", "Quận Ba Đình", 1, dt.date(2021, 3, 15), 1, ("GT-03",), 1, ("GT-03",), 2)]

        # --- 2020–2021: each commune's latest inspection for the scores, each year's for the findings -------
        r = report("admin", "2020-01-01", "2021-12-31", catalog=catalog)
        assert r.reference_date == dt.date(2021, 3, 16)
        assert coverage(r) == [("001", "Quận Ba Đình", 14, 4), ("002", "Quận Hoàn Kiếm", 16, 2)]
        # Ba Đình: H, B, C, E: total (79+80+77,89+76,67)/4 = 78,39; Hoàn Kiếm: I, G: 155,67/2 = 77,835 → 77,84;
        # the city: 469,23/6 = 78,205 → 78,21
        assert scores(r.scores[0]) == {"TG": 9.72, "GT": 9.5, "MT": 9.17, "total": 78.39}
        assert scores(r.scores[1]) == {"GT": 9.5, "MT": 8.34, "total": 77.84}
        assert scores(r.scores_total) == {"TG": 9.82, "GT": 9.5, "MT": 8.89, "total": 78.21}
        assert [(v.rule_id, v.count, v.communes) for v in r.violations] == [
            ("GT-03", 3, 2), ("MT-03", 3, 2), ("X-02", 3, 2), ("DV-04", 1, 1), ("GT-03-thieu", 1, 1), ("TG-01", 1, 1)]
        # at the end of 2021: Ba Đình 9 actions (4 open, A CK-05 submitted, 4 verified), 5 overdue;
        # Hoàn Kiếm 11 (F 7 open, I 2 open; G and I MT-03 verified), 4 overdue
        assert remediation_rows(r) == [("Quận Ba Đình", 4, 1, 4, 5), ("Quận Hoàn Kiếm", 9, 0, 2, 4)]
        assert total(r) == (20, 13, 1, 6, 9)
        assert [x.commune_name for x in r.repeats] == ["Phường Phúc Tân", "Phường Phúc Xá"]

        # --- a district: Hoàn Kiếm, by its own officer; rows are its communes ------------------------------
        r = report("district-hoankiem", "2020-01-01", "2020-12-31", catalog=catalog)
        assert (r.scope.level, r.scope.code, r.scope.name) == \
            ("district", "002", "Cụm Hoàn Kiếm (đến 30/06/2025: Quận Hoàn Kiếm)")
        # no district exists any more: the area's officer reports as the Sở Nội vụ; before 1/7/2025, as the district
        assert r.request.issuer == ("UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ")
        then = service.resolve_request(db.session, user("district-hoankiem"), {"from": "2020-01-01", "to": "2020-12-31"},
                                       dt.date(2021, 1, 15))
        assert then.issuer == ("UBND QUẬN HOÀN KIẾM", "PHÒNG NỘI VỤ")
        assert coverage(r) == [("002", "Quận Hoàn Kiếm", 16, 2)]
        assert [(row.code, row.name, row.total) for row in r.scores] == [
            ("00037", "Phường Phúc Tân", 75.24), ("00040", "Phường Đồng Xuân", 79.0)]
        assert scores(r.scores_total) == {"GT": 9.5, "DV": 9.29, "MT": 8.34, "total": 77.12}
        assert [(v.rule_id, v.count) for v in r.violations] == [("DV-04", 1), ("GT-03-thieu", 1), ("MT-03", 1)]
        assert remediation_rows(r) == [("Phường Phúc Tân", 7, 0, 0, 2), ("Phường Đồng Xuân", 0, 0, 1, 0)]
        assert [c.commune_code for c in r.communes] == ["00037", "00040"]
        # the admin asking for the same district gets the same numbers, as Sở Nội vụ
        same = report("admin", "2020-01-01", "2020-12-31", "002", catalog=catalog)
        assert (same.scores_total, same.remediation_total) == (r.scores_total, r.remediation_total)
        assert same.request.issuer == ("UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ")

        # --- nothing in the period ------------------------------------------------------------------------
        r = report("admin", "2019-01-01", "2019-12-31", catalog=catalog)
        assert (r.coverage_total.in_force, r.coverage_total.inspected) == (0, 0)  # no unit in force before 2020
        assert r.scores == [] and r.scores_total.total is None and r.violations == [] and r.remediation == []


def test_request_checks_and_scopes(db_app):
    with db_app.app_context():
        def check(username, **args):
            return service.resolve_request(db.session, user(username), args, TODAY)

        city = check("admin")
        assert (city.scope.level, city.first, city.last) == ("city", dt.date(2026, 1, 1), TODAY)
        assert check("inspector", scope="city").scope.level == "city"
        assert check("inspector", scope="001").scope.name == "Cụm Ba Đình (đến 30/06/2025: Quận Ba Đình)"
        own = check("district-hoankiem")
        assert (own.scope.level, own.scope.code, own.query()) == (
            "district", "002", {"from": "2026-01-01", "to": "2026-11-27", "scope": "002"})
        assert check("admin", to="2021-06-30").first == dt.date(2021, 1, 1)  # from: 01/01 of the end's year
        typed = check("admin", **{"from": "1/3/2024", "to": "31/10/2024"})  # dd/mm/yyyy typed by hand
        assert (typed.first, typed.last) == (dt.date(2024, 3, 1), dt.date(2024, 10, 31))

        with pytest.raises(Forbidden):
            check("district-hoankiem", scope="001")
        with pytest.raises(Forbidden):
            check("district-hoankiem", scope="city")
        with pytest.raises(Forbidden):
            check("commune-phucxa")

        def errors(**args) -> dict[str, str]:
            with pytest.raises(Invalid) as refused:
                check("admin", **args)
            return refused.value.details["errors"]

        assert set(errors(**{"from": "2024-02-30"})) == {"from"}
        assert set(errors(to="hôm qua")) == {"to"}
        assert "phải trước hoặc trùng" in errors(**{"from": "2024-05-01", "to": "2024-04-30"})["from"]
        assert "sau ngày hôm nay" in errors(to="2026-11-28")["to"]
        assert "trước ngày 01/01/2000" in errors(**{"from": "1999-12-31"})["from"]
        assert errors(scope="999") == {"scope": "Không có địa bàn mã 999."}
        assert set(errors(scope="../001")) == {"scope"}
        assert set(errors(scope="1" * 11)) == {"scope"}
        assert set(errors(**{"from": "x", "to": "y", "scope": "z"})) == {"from", "to", "scope"}
        assert set(errors(**{"from": "0001-01-01", "to": "9999-12-31"})) == {"from", "to"}
        assert set(errors(**{"from": "2024-13-01"})) == {"from"}
        assert set(errors(**{"from": ["2024-01-01"]})) == {"from"}  # not a string at all


def test_a_period_across_the_reform_counts_every_unit_once(db_app, catalog):
    """2025–2026: the 30 communes of the small unit file, inspected in May–June 2025 before they ended,
    and the communes of the small group file inspected in 2026. Each unit counts once, in the area whose
    code it was inspected under (001 is Quận Ba Đình, then Cụm Ba Đình); nobody is dropped."""
    with db_app.app_context():
        seed_demo(db.session, catalog, range(2025, 2027), None, 122, as_of=TODAY)
        rows = db.session.execute(select(Inspection.unit_id, Inspection.district_code, Inspection.inspection_date)
                                  .where(Inspection.status == "finalised")).all()
        before = {unit for unit, _, day in rows if day < dt.date(2025, 7, 1)}
        after = {unit for unit, _, day in rows if day >= dt.date(2025, 7, 1)}
        assert len(before) == 30 and 4 <= len(after) <= 7 and not before & after
        by_area = {code: {unit for unit, area, _ in rows if area == code} for code in ("001", "002", "006")}

        r = report("admin", "2025-01-01", "2026-11-27", catalog=catalog)
        assert r.coverage_total.inspected == len(before) + len(after)
        assert r.coverage_total.in_force == 30 + 7  # the ended units inspected, and the 7 in force on the last day
        assert [(row.code, row.inspected) for row in r.coverage] == \
            [(code, len(units)) for code, units in by_area.items() if units]
        assert sum(row.in_force for row in r.coverage) == r.coverage_total.in_force
        assert {row.code: row.in_force for row in r.coverage}["001"] == 14 + 3
        assert r.scores_total.inspected == r.coverage_total.inspected
        assert "Luật Tổ chức chính quyền địa phương số 72/2025/QH15" in r.basis

        # the dashboards: each year its own units, the trend one point per year
        year_2025 = dashboard.coverage(db.session, dashboard.CITY, 2025, TODAY)
        year_2026 = dashboard.coverage(db.session, dashboard.CITY, 2026, TODAY)
        assert (year_2025.inspected, year_2025.in_force) == (30, 30)
        assert (year_2026.inspected, year_2026.in_force) == (len(after), 7)
        assert [(p.year, p.inspected) for p in dashboard.trend(db.session, dashboard.CITY)] == \
            [(2025, 30), (2026, len(after))]

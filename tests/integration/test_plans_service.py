"""Inspection plans on SQLite and PostgreSQL: drafting, scheduling, moving, starting, and who sees what."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import finalize_with_details
from inspect_app.domain.plans import working_days_late
from inspect_app.evaluation import PROJECT_ROOT
from inspect_app.domain.deadlines import WorkingCalendar
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, Inspection, InspectionPlan, PlannedInspection, Team, User
from inspect_app.services import Conflict, Forbidden, Invalid, NotFound
from inspect_app.services import inspections, plans
from inspect_app.services.minutes import stored_minutes

CALENDAR = WorkingCalendar.from_file(PROJECT_ROOT / "rules" / "calendar.yaml")


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def team_id():
    return db.session.scalar(select(Team.id))


def plan_data(**overrides):
    leader = {"name": "Trần Thị Bình", "position": "Phó Giám đốc Sở", "role": "truong_doan",
              "user_id": user("inspector").id}
    return {"number": "145/KH-SNV", "issued_on": "2020-09-01",
            "title": "Kiểm tra công tác cải thiện Chỉ số PAPI năm 2020",
            "period_start": "2020-09-01", "period_end": "2020-10-31",
            "unit_report_due": "2020-10-31", "department_report_due": "2020-11-15",
            "scope": {"areas": ["001"], "communes": ["00037"]},
            "teams": [{"team_id": team_id(), "decision_number": "12/QĐ-SNV", "decision_date": "2020-09-05",
                       "members": [leader, {"name": "Lê Văn An", "position": "Chuyên viên"}]}]} | overrides


def slot(commune="00001", start="2020-09-15", end="2020-09-16", kind="dinh_ky"):
    return {"commune_code": commune, "team_id": team_id(), "window_start": start, "window_end": end, "kind": kind}


def new_plan(**overrides):
    return plans.create_plan(db.session, user("admin"), plan_data(**overrides))


def test_a_plan_with_scope_teams_and_deadlines(db_app):
    with db_app.app_context():
        plan = new_plan()
        plan = db.session.get(InspectionPlan, plan.id)
        assert (plan.unit_report_due, plan.department_report_due) == (dt.date(2020, 10, 31), dt.date(2020, 11, 15))
        assert {(s.level, s.code) for s in plan.scope} == {("district", "001"), ("commune", "00037")}
        [team] = plan.teams
        assert (team.decision_number, [m.role for m in team.members]) == ("12/QĐ-SNV", ["truong_doan", "thanh_vien"])
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity == "inspection_plan")) == "create_plan"


def test_only_the_department_drafts_plans(db_app):
    with db_app.app_context():
        for name in ("inspector", "district-badinh", "commune-phucxa"):
            with pytest.raises(Forbidden):
                plans.create_plan(db.session, user(name), plan_data())


def test_a_plan_is_refused_whole_with_every_field_named(db_app):
    with db_app.app_context():
        bad = plan_data(number="", period_end="2020-08-01", scope={"communes": ["99999"]},
                        teams=[{"team_id": team_id(), "decision_number": "12/QĐ-SNV", "decision_date": "2020-09-05",
                                "members": [{"name": "Lê Văn An", "position": "Chuyên viên"}]}])
        with pytest.raises(Invalid) as refused:
            plans.create_plan(db.session, user("admin"), bad)
        errors = refused.value.details["errors"]
        assert set(errors) == {"number", "period_end", "scope.communes", "teams[0].members"}
        assert "trưởng đoàn" in errors["teams[0].members"]
        assert db.session.query(InspectionPlan).count() == 0


def test_scheduling_checks_scope_period_and_overlaps_all_or_nothing(db_app):
    with db_app.app_context():
        plan = new_plan()
        with pytest.raises(Invalid) as refused:
            plans.add_planned(db.session, user("admin"), plan.id, [
                slot("00001", "2020-09-15", "2020-09-16"),
                slot("00004", "2020-09-16", "2020-09-17"),  # the same team, one day shared
                slot("00040", "2020-09-21", "2020-09-22"),  # Hoàn Kiếm: outside the scope
                slot("00006", "2020-11-02", "2020-11-03"),  # after the period
            ])
        errors = refused.value.details["errors"]
        assert set(errors) == {"items[1].window_start", "items[2].commune_code", "items[3].window_start",
                               "items[3].window_end"}
        assert "Phường Phúc Xá" in errors["items[1].window_start"]
        assert "không thuộc phạm vi" in errors["items[2].commune_code"]
        assert "ngoài thời gian của kế hoạch" in errors["items[3].window_start"]
        assert db.session.query(PlannedInspection).count() == 0

        added = plans.add_planned(db.session, user("admin"), plan.id, [
            slot("00001", "2020-09-15", "2020-09-16"), slot("00037", "2020-09-17", "2020-09-18", "dot_xuat")])
        assert [(p.commune_name, p.district_code, p.kind_label) for p in added] == [
            ("Phường Phúc Xá", "001", "Định kỳ"), ("Phường Phúc Tân", "002", "Đột xuất")]
        with pytest.raises(Invalid) as clash:  # against what is already saved
            plans.add_planned(db.session, user("admin"), plan.id, [slot("00006", "2020-09-18", "2020-09-19")])
        assert "Phường Phúc Tân" in clash.value.details["errors"]["items[0].window_start"]


def test_move_and_cancel_need_a_reason_and_are_audited(db_app):
    with db_app.app_context():
        plan = new_plan()
        first, second = plans.add_planned(db.session, user("admin"), plan.id, [
            slot("00001", "2020-09-15", "2020-09-16"), slot("00004", "2020-09-21", "2020-09-22")])
        with pytest.raises(Invalid) as no_reason:
            plans.move_planned(db.session, user("admin"), first.id, {"window_start": "2020-09-28",
                                                                      "window_end": "2020-09-29"})
        assert "reason" in no_reason.value.details["errors"]
        with pytest.raises(Invalid) as clash:
            plans.move_planned(db.session, user("admin"), first.id, {
                "window_start": "2020-09-22", "window_end": "2020-09-23", "reason": "UBND phường họp"})
        assert "window_start" in clash.value.details["errors"]
        moved = plans.move_planned(db.session, user("admin"), first.id, {
            "window_start": "2020-09-14", "window_end": "2020-09-17", "reason": "UBND phường họp HĐND"})
        assert (moved.window_start, moved.window_end) == (dt.date(2020, 9, 14), dt.date(2020, 9, 17))
        plans.cancel_planned(db.session, user("admin"), second.id, {"reason": "Đã kiểm tra trong đợt trước"})
        with pytest.raises(Conflict):
            plans.cancel_planned(db.session, user("admin"), second.id, {"reason": "lần nữa"})
        with pytest.raises(Forbidden):
            plans.cancel_planned(db.session, user("inspector"), first.id, {"reason": "không đi được"})
        trail = {e.action: e.details for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "planned_inspection"))}
        assert trail["move"]["reason"] == "UBND phường họp HĐND"
        assert trail["move"]["window"] == {"from": ["2020-09-15", "2020-09-16"], "to": ["2020-09-14", "2020-09-17"]}
        assert trail["cancel"]["reason"] == "Đã kiểm tra trong đợt trước"


def test_an_inspection_started_from_the_plan_cites_it_in_the_minutes(db_app, catalog, compliant):
    with db_app.app_context():
        plan = new_plan()
        [planned] = plans.add_planned(db.session, user("admin"), plan.id, [slot("00001")])
        inspection, created = inspections.create_inspection(db.session, catalog, user("inspector"), {
            "planned_inspection_id": planned.id, "checklist": "papi-xa", "inspection_date": "2020-09-15",
            "villages": 12, "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND phường"}]})
        assert created and inspection.commune_code == "00001" and inspection.team_id == team_id()
        assert [m.name for m in inspection.members] == ["Trần Thị Bình", "Lê Văn An"]
        assert inspection.plan_reference.startswith("Kế hoạch số 145/KH-SNV ngày 01/09/2020 của Sở Nội vụ")
        assert "Quyết định số 12/QĐ-SNV ngày 05/09/2020" in inspection.plan_reference
        planned = db.session.get(PlannedInspection, planned.id)
        assert (planned.status, planned.inspection_id) == ("started", inspection.id)
        inspections.save_answers(db.session, catalog, user("inspector"), inspection.id, compliant["answers"], {},
                                 inspection.version)
        finalize_with_details(db.session, catalog, user("inspector"), inspection.id)
        assert plans.state(planned, dt.date(2020, 12, 1), CALENDAR) == "finalised"
        document = stored_minutes(db.session, db.session.get(Inspection, inspection.id))
        text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(document.pdf)).pages).split())
        assert "Căn cứ Kế hoạch số 145/KH-SNV ngày 01/09/2020" in text
        assert "Quyết định số 12/QĐ-SNV ngày 05/09/2020" in text
        with pytest.raises(Conflict):  # started once only
            inspections.create_inspection(db.session, catalog, user("inspector"), {
                "planned_inspection_id": planned.id, "checklist": "papi-xa", "inspection_date": "2020-09-15",
                "villages": 12})


def test_a_planned_inspection_is_started_for_its_own_commune_by_its_own_teams(db_app, catalog):
    with db_app.app_context():
        plan = new_plan()
        [planned] = plans.add_planned(db.session, user("admin"), plan.id, [slot("00001")])
        data = {"planned_inspection_id": planned.id, "checklist": "papi-xa", "inspection_date": "2020-09-15",
                "villages": 12}
        with pytest.raises(Invalid) as other_commune:
            inspections.create_inspection(db.session, catalog, user("inspector"), data | {"commune_code": "00004"})
        assert "Phường Phúc Xá" in other_commune.value.details["errors"]["commune_code"]
        with pytest.raises(Forbidden):  # sees it (its area) but is not in the plan's teams
            inspections.create_inspection(db.session, catalog, user("district-badinh"), data)
        assert db.session.query(Inspection).count() == 0


@pytest.mark.parametrize("kind", ["dot_xuat", "dinh_ky"])
def test_a_surprise_inspection_stays_secret_until_it_starts(db_app, catalog, kind):
    """Every role, before and after the start: only the department and the plan's teams see a đột xuất."""
    with db_app.app_context():
        plan = new_plan()
        [planned] = plans.add_planned(db.session, user("admin"), plan.id, [slot("00001", kind=kind)])
        member_by_name = user("inspector2")  # no team of its own: named in the decision instead
        plan.teams[0].members[1].user_id = member_by_name.id
        db.session.commit()
        secret = kind == "dot_xuat"
        before = {"admin": True, "inspector": True, "inspector2": True,
                  "district-badinh": not secret, "district-hoankiem": False, "commune-phucxa": not secret}
        for name, sees in before.items():
            actor = user(name)
            mine = plans.plan_team_ids_of(db.session, actor)
            assert plans.can_see_planned(actor, planned, mine) is sees, name
            if actor.role != "commune":
                shown = plans.visible_planned(db.session, actor, db.session.get(InspectionPlan, plan.id))
                assert (planned in shown) is sees, name
            if not sees:
                with pytest.raises(NotFound):  # 404, not 403: its existence is not confirmed either
                    plans.get_planned(db.session, actor, planned.id)
        inspections.create_inspection(db.session, catalog, user("inspector"), {
            "planned_inspection_id": planned.id, "checklist": "papi-xa", "inspection_date": "2020-09-15",
            "villages": 12})
        planned = db.session.get(PlannedInspection, planned.id)
        after = before | {"district-badinh": True, "commune-phucxa": True}
        for name, sees in after.items():
            actor = user(name)
            assert plans.can_see_planned(actor, planned, plans.plan_team_ids_of(db.session, actor)) is sees, name


def test_overdue_counts_working_days_after_the_window():
    # window ends Friday 28/08/2020; 31/08 is a Monday; 02/09 National Day (one day off in 2020)
    friday = dt.date(2020, 8, 28)
    assert working_days_late(friday, friday, CALENDAR) == 0
    assert working_days_late(friday, dt.date(2020, 8, 30), CALENDAR) == 0  # the weekend only
    assert working_days_late(friday, dt.date(2020, 8, 31), CALENDAR) == 1
    assert working_days_late(friday, dt.date(2020, 9, 2), CALENDAR) == 2  # Quốc khánh does not count
    assert working_days_late(friday, dt.date(2020, 9, 3), CALENDAR) == 3


def test_my_schedule_and_progress(db_app):
    with db_app.app_context():
        plan = new_plan()
        plans.add_planned(db.session, user("admin"), plan.id, [
            slot("00001", "2020-09-01", "2020-09-04"), slot("00004", "2020-09-14", "2020-09-15"),
            slot("00006", "2020-10-05", "2020-10-06")])
        today = dt.date(2020, 9, 10)
        rows = plans.my_schedule(db.session, user("inspector"), today, CALENDAR)
        assert [(p.commune_code, late) for p, late in rows] == [("00001", 4), ("00004", 0)]
        assert plans.my_schedule(db.session, user("district-badinh"), today, CALENDAR) == []
        counts = plans.progress(plan.planned, today, CALENDAR, key=lambda p: p.district_name)
        assert counts == {"Quận Ba Đình": plans.Progress(planned=2, overdue=1)}


def test_reminders_before_report_deadlines_and_windows_reach_only_the_department_and_the_team(db_app):
    from inspect_app.services.plan_reminders import plan_digests

    with db_app.app_context():
        for name in ("admin", "inspector", "district-badinh"):
            user(name).email = f"{name}@noivu.hanoi.gov.vn"
        db.session.commit()
        plan = new_plan()
        plans.add_planned(db.session, user("admin"), plan.id, [
            slot("00001", "2020-10-20", "2020-10-21", "dot_xuat"), slot("00004", "2020-10-28", "2020-10-29"),
            slot("00006", "2020-10-30", "2020-10-30")])
        deadline, team = plan_digests(db.session, CALENDAR, dt.date(2020, 10, 26))  # Monday
        assert deadline.recipients == ["admin@noivu.hanoi.gov.vn"]
        assert deadline.lines == ["- Các xã, phường báo cáo kết quả: hạn 31/10/2020 (còn 4 ngày làm việc)"]  # Tue–Fri; 31/10 is a Saturday
        assert team.recipients == ["inspector@noivu.hanoi.gov.vn"]  # the district's officer never hears of 00001
        assert team.lines == [
            "- Phường Phúc Xá (Đột xuất): 20/10/2020–21/10/2020, quá hạn 3 ngày làm việc",
            "- Phường Trúc Bạch (Định kỳ): 28/10/2020–29/10/2020, bắt đầu còn 2 ngày làm việc",
            "- Phường Vĩnh Phúc (Định kỳ): 30/10/2020–30/10/2020, bắt đầu còn 4 ngày làm việc"]
        assert "Kế hoạch số 145/KH-SNV" in team.subject(dt.date(2020, 10, 26))
        assert plan_digests(db.session, CALENDAR, dt.date(2020, 9, 1)) == []  # nothing due within 5 working days


def test_the_demo_data_has_one_plan_a_year_with_realistic_progress(db_app, catalog, tmp_path):
    from inspect_app.services.demo import seed_demo

    with db_app.app_context():
        as_of = dt.date(2026, 11, 27)
        seed_demo(db.session, catalog, range(2020, 2027), None, 122, as_of=as_of, photo_dir=tmp_path / "photos")
        plans_by_year = {p.period_start.year: p for p in db.session.scalars(select(InspectionPlan))}
        assert sorted(plans_by_year) == list(range(2020, 2027))
        for year, plan in plans_by_year.items():
            view = plans.overview(db.session, user("admin"), plan.id, as_of, catalog.calendar)
            assert (plan.unit_report_due, plan.department_report_due) == (dt.date(year, 10, 31), dt.date(year, 11, 15))
            assert view.total.finalised > 0 and view.total.cancelled == 2
            assert all(p.inspection.commune_code == p.commune_code for p, _, _ in view.rows if p.inspection)
            if year < 2026:
                assert view.total.overdue == view.total.planned == 0
        assert plans.overview(db.session, user("admin"), plans_by_year[2026].id, as_of, catalog.calendar).total.overdue > 0


def test_the_summary_report_of_a_plan_covers_what_it_planned_and_did(db_app, catalog, compliant):
    from inspect_app.services import report

    with db_app.app_context():
        plan = new_plan()
        first, _ = plans.add_planned(db.session, user("admin"), plan.id, [
            slot("00001", "2020-09-15", "2020-09-15"), slot("00004", "2020-09-16", "2020-09-16")])
        base = {"checklist": "papi-xa", "inspection_date": "2020-09-15", "villages": 12}
        done, _ = inspections.create_inspection(db.session, catalog, user("inspector"),
                                                base | {"planned_inspection_id": first.id})
        other, _ = inspections.create_inspection(db.session, catalog, user("inspector"), base | {  # not planned
            "commune_code": "00006", "team": [{"name": "Lê Văn An", "position": "Chuyên viên", "role": "truong_doan"}]})
        for inspection in (done, other):
            inspections.save_answers(db.session, catalog, user("inspector"), inspection.id, compliant["answers"], {},
                                     inspection.version)
            finalize_with_details(db.session, catalog, user("inspector"), inspection.id)
        request = report.resolve_request(db.session, user("admin"), {"plan": str(plan.id)}, dt.date(2020, 12, 1))
        assert (request.first, request.last) == (dt.date(2020, 9, 1), dt.date(2020, 10, 31))
        built = report.build_report(db.session, catalog, request)
        assert (built.coverage_total.in_force, built.coverage_total.inspected) == (2, 1)  # 2 planned, 1 done
        assert [c.commune_code for c in built.communes] == ["00001"]
        assert built.scope_label == "Toàn thành phố Hà Nội, theo Kế hoạch số 145/KH-SNV"
        assert request.query()["plan"] == str(plan.id)
        whole = report.build_report(db.session, catalog, report.resolve_request(
            db.session, user("admin"), {"from": "2020-09-01", "to": "2020-10-31"}, dt.date(2020, 12, 1)))
        assert whole.coverage_total.inspected == 2
        with pytest.raises(NotFound):
            report.resolve_request(db.session, user("admin"), {"plan": "999"}, dt.date(2020, 12, 1))
        with pytest.raises(Invalid):
            report.resolve_request(db.session, user("admin"), {"plan": "abc"}, dt.date(2020, 12, 1))


def test_calendar_pages_start_on_monday():
    from inspect_app.domain.plans import month_weeks, week_of

    september = month_weeks(2020, 9)  # 1/9/2020 was a Tuesday, 30/9 a Wednesday
    assert (september[0][0], september[-1][-1], len(september)) == (dt.date(2020, 8, 31), dt.date(2020, 10, 4), 5)
    assert month_weeks(2020, 12)[-1][-1] == dt.date(2021, 1, 3)
    assert week_of(dt.date(2026, 12, 5)) == [dt.date(2026, 11, 30) + dt.timedelta(days=n) for n in range(7)]

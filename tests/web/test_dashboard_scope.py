"""An inspector's dashboards count only the inspections they may open (issue 15, item 8):
their team's and their own, as accounts.can_view decides; another team's communes show nothing."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection, Team, User
from inspect_app.services import report as report_service
from inspect_app.services.demo import seed_demo
from test_dashboard import AS_OF, Page, get, login


@pytest.fixture
def two_teams(app):
    """Demo inspections of 2023–2024: Ba Đình's by the inspector's team, Hoàn Kiếm's by another team."""
    with app.app_context():
        seed_demo(db.session, app.extensions["catalog"].loaded, range(2023, 2025), None, 122, as_of=AS_OF)
        other = Team(name="Đoàn kiểm tra số 2 - Sở Nội vụ")
        db.session.add(other)
        db.session.flush()
        inspector = db.session.scalar(select(User).where(User.username == "inspector"))
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        db.session.execute(update(Inspection).where(Inspection.district_code == "001")
                           .values(team_id=inspector.team_id, created_by_id=admin.id))
        db.session.execute(update(Inspection).where(Inspection.district_code == "002")
                           .values(team_id=other.id, created_by_id=admin.id))
        names = dict(db.session.execute(select(Inspection.commune_code, Inspection.commune_name)).all())
        db.session.commit()
    return names


def communes_ranked(html: str) -> set[str]:
    ranking = html.split('id="xep-hang"')[1].split("</table>")[0]
    return set(re.findall(r'href="/dashboard/commune/(\d+)', ranking))


def test_an_inspector_sees_only_their_teams_communes(client, two_teams):
    login(client, "inspector")
    city = get(client, "/dashboard?year=2024&all=1")
    assert "Số liệu chỉ gồm các phiếu kiểm tra của đoàn mình" in city
    ranked = communes_ranked(city)
    assert ranked and all(code < "00037" for code in ranked)  # Ba Đình's communes only
    text = " ".join(Page(city).text)
    assert not any(name in text for code, name in two_teams.items() if code >= "00037")
    for link in re.findall(r'href="/inspections/(\d+)"', city):  # every inspection it links to opens
        assert client.get(f"/inspections/{link}").status_code == 200
    other_district = get(client, "/dashboard/district/002?year=2024")
    assert "chưa có phiếu kiểm tra nào đã hoàn tất" in other_district
    other_commune = get(client, "/dashboard/commune/00037")
    assert not re.search(r'href="/inspections/\d+"', other_commune)
    with client.application.app_context():
        foreign = db.session.scalar(select(Inspection.id).where(Inspection.district_code == "002"))
    assert client.get(f"/inspections/{foreign}").status_code == 403  # what the dashboard no longer shows


def test_an_inspector_without_a_team_sees_only_their_own_inspections(client, two_teams):
    with client.application.app_context():
        lone = db.session.scalar(select(User).where(User.username == "inspector2"))
        mine = db.session.scalar(select(Inspection).where(Inspection.commune_code == "00037",
                                                          Inspection.status == "finalised")
                                 .order_by(Inspection.inspection_date.desc()))
        mine.created_by_id, year = lone.id, mine.inspection_date.year
        db.session.commit()
    login(client, "inspector2")
    assert communes_ranked(get(client, f"/dashboard?year={year}")) == {"00037"}


def test_the_administrator_still_sees_every_team(client, two_teams):
    login(client, "admin")
    city = get(client, "/dashboard?year=2024&all=1")
    ranked = communes_ranked(city)
    assert any(code < "00037" for code in ranked) and any(code >= "00037" for code in ranked)
    assert "Số liệu chỉ gồm" not in city


def test_an_inspectors_report_counts_only_their_teams_inspections(client, two_teams):
    """The summary report follows the dashboards' rule: the city report of an inspector is their team's share."""
    query = {"from": "01/01/2024", "to": "31/12/2024", "scope": "city"}
    login(client, "inspector")
    assert "Số liệu chỉ gồm các phiếu kiểm tra của đoàn mình" in get(client, "/reports?" + urlencode(query))
    app = client.application
    with app.app_context():
        communes = {}
        for username in ("inspector", "admin"):
            actor = db.session.scalar(select(User).where(User.username == username))
            checked = report_service.resolve_request(db.session, actor, query, today_in_vietnam())
            report = report_service.build_report(db.session, app.extensions["catalog"].loaded, checked)
            communes[username] = {row.commune_code for row in report.communes}
    assert communes["inspector"] and all(code < "00037" for code in communes["inspector"])  # Ba Đình's only
    assert any(code >= "00037" for code in communes["admin"]) and communes["inspector"] < communes["admin"]

"""Re-inspection (tái kiểm tra) through the app: the buttons, the short form, the checklist's previous
answers, the API, and the part of the minutes that says what was fixed and what was not.

The story (as in tests/integration/test_reinspection.py): Phường Phúc Xá, 15/09/2020, TG-01 and GT-03
violated; TG-01 fixed (evidence from commune-phucxa, verified by the inspector), GT-03 left open past
18/09/2020; re-inspected on 15/03/2021 with GT-03 still violated and TG-01 compliant.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openapi_schemas import DocumentedSchemas
from sqlalchemy import func, select
from apiclient import URL, Api, compliant_doc
from test_minutes import text_of
from test_pages import compliant_answers, controls_of, finalise, login, make_inspection, save, user

from inspect_app.domain.checklists import today_in_vietnam
from inspect_app.extensions import db
from inspect_app.models import Inspection
from inspect_app.services import inspections as service
from inspect_app.services import remediation

BUDGET_2021 = {"CK-06": "2021-01-05", "CK-07": "2021-01-20", "CK-08": "2021-01-10"}
STILL_WRONG = {"GT-03": "khong", "TG-01": "yes"}


def first_inspection(app) -> int:
    """Finalised with TG-01 and GT-03 violated; TG-01 then fixed and verified, GT-03 left open."""
    inspection_id = make_inspection(app)
    finalise(app, inspection_id, compliant_answers() | {"GT-03": "khong", "TG-01": "no"})
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        action = next(f.action for f in inspection.findings if f.code == "TG-01")
        remediation.submit_evidence(db.session, user("commune-phucxa"), action.id, "Đã sửa loa truyền thanh", None,
                                    Path(app.config["PHOTO_DIR"]), now=dt.datetime(2020, 9, 25, 3))
        remediation.verify(db.session, user("inspector"), action.id, "Minh chứng đạt yêu cầu", confirmed=True, now=dt.datetime(2020, 9, 28, 3))
    return inspection_id


def reinspection(app, previous_id: int, day="2021-03-15", answers=None) -> int:
    with app.app_context():
        inspection, _ = service.create_inspection(db.session, app.extensions["catalog"].loaded, user("inspector"), {
            "client_id": "tablet-again-0001", "reinspection_of": previous_id, "inspection_date": day})
        inspection_id = inspection.id
    if answers is not None:
        save(app, inspection_id, answers)
    return inspection_id


def reinspect_links(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/inspections/(\d+)/reinspect"', html)}


def article(html: str, code: str) -> str:
    start = html.index(f'id="item-{code}"')
    return html[start:html.index("</article>", start)]


def form_data(html: str, **changes) -> dict[str, str]:
    """Every named control of the re-inspection form with its prefilled value (selects: the selected option)."""
    data = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    for name, body in re.findall(r'<select name="([^"]+)">(.*?)</select>', html, re.S):
        data[name] = re.search(r'<option value="([^"]+)" selected', body).group(1)
    return data | changes


# ------------------------------------------------------------------------------------ buttons


def test_the_latest_finalised_inspection_offers_a_reinspection(app):
    first = first_inspection(app)
    draft = make_inspection(app, commune="00004", client_id="tablet-0004-abcdef")
    client = app.test_client()
    login(client, "inspector")
    page = client.get(f"/inspections/{first}").get_data(as_text=True)
    assert reinspect_links(page) == {first} and ">Tái kiểm tra</a>" in page
    assert reinspect_links(client.get(f"/inspections/{draft}").get_data(as_text=True)) == set()
    assert reinspect_links(client.get("/inspections").get_data(as_text=True)) == {first}
    commune = app.test_client()
    login(commune, "commune-phucxa")
    assert reinspect_links(commune.get(f"/inspections/{first}").get_data(as_text=True)) == set()
    assert reinspect_links(commune.get("/inspections").get_data(as_text=True)) == set()
    assert commune.get(f"/inspections/{first}/reinspect").status_code == 403
    second = reinspection(app, first, answers=compliant_answers() | BUDGET_2021)
    finalise(app, second, compliant_answers() | BUDGET_2021)
    listed = client.get("/inspections").get_data(as_text=True)
    assert reinspect_links(listed) == {second}  # one button per commune: on its latest finalised inspection
    assert reinspect_links(client.get(f"/inspections/{first}").get_data(as_text=True)) == {second}  # "start there"
    later = client.get(f"/inspections/{first}").get_data(as_text=True)  # the older one says where to start instead
    assert f'href="/inspections/{second}/reinspect" id="reinspect-latest-link"' in later
    assert "Đã có lần kiểm tra sau (ngày 15/03/2021)" in later
    refused = client.get(f"/inspections/{first}/reinspect")
    assert refused.status_code == 409 and "không phải lần kiểm tra gần nhất" in refused.get_data(as_text=True)
    refusal = refused.get_data(as_text=True)
    assert f'href="/inspections/{second}/reinspect" id="start-from-link">Tái kiểm tra từ phiếu ngày 15/03/2021</a>' \
        in refusal and f'href="/inspections/{second}">Xem phiếu ngày 15/03/2021</a>' in refusal
    district = app.test_client()
    login(district, "district-badinh")
    assert reinspect_links(district.get("/inspections").get_data(as_text=True)) == {second}


# ------------------------------------------------------------------------------------ the form


def test_the_form_is_prefilled_and_a_double_submit_creates_one_draft(app):
    first = first_inspection(app)
    client = app.test_client()
    login(client, "inspector")
    response = client.get(f"/inspections/{first}/reinspect")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Tái kiểm tra Phường Phúc Xá" in html and "15/09/2020" in html
    assert 'name="villages"' in html and re.search(r'name="villages"[^>]*value="12"', html)
    assert re.search(r'name="team-0-name" value="Trần Thị Bình"', html)
    assert re.search(r'name="commune_reps-0-name" value="Nguyễn Văn Cường"', html)
    assert re.search(r'name="team-1-name" value=""', html)  # one empty row to add a member
    # The date defaults to today while the commune still exists (the test units end it on 30/06/2025).
    today = today_in_vietnam()
    expected = f"{today:%d/%m/%Y}" if today <= dt.date(2025, 6, 30) else ""
    assert re.search(rf'name="inspection_date"[^>]*type="text"[^>]*value="{expected}"', html)
    assert "sau ngày 15/09/2020, không muộn hơn ngày 30/06/2025" in html
    assert "Chưa khắc phục" in html and "Đã khắc phục" in html  # the previous findings, with their status
    parsed = controls_of(response)
    assert parsed.styles == 0 and [s["src"].split("?")[0] for s in parsed.scripts] == [
        "/static/vn-inputs.js", "/static/offline.js", "/static/new-inspection.js"]  # it starts offline too
    data = form_data(html, inspection_date="15/03/2021", **{"team-1-name": "Lê Văn An",
                                                            "team-1-position": "Chuyên viên"})
    created = client.post(f"/inspections/{first}/reinspect", data=data)
    again = client.post(f"/inspections/{first}/reinspect", data=data)
    assert created.status_code == again.status_code == 303
    assert created.headers["Location"] == again.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 2
        new = db.session.scalar(select(Inspection).where(Inspection.id != first))
        assert (new.inspection_date, new.commune_code, new.villages) == (dt.date(2021, 3, 15), "00001", 12)
        assert [(m.name, m.role) for m in new.members] == [("Trần Thị Bình", "truong_doan"),
                                                           ("Lê Văn An", "thanh_vien")]
        assert [r.name for r in new.commune_reps] == ["Nguyễn Văn Cường"]
    shown = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Đã lập phiếu tái kiểm tra Phường Phúc Xá ngày 15/03/2021" in shown
    pending = client.get(f"/inspections/{first}/reinspect").get_data(as_text=True)  # a draft is under way
    assert 'id="pending"' in pending and f'href="/inspections/{new.id}">ngày 15/03/2021</a>' in pending
    assert 'id="pending"' not in html


def test_the_form_explains_refusals_in_vietnamese(app):
    first = first_inspection(app)
    draft = make_inspection(app, commune="00004", client_id="tablet-0004-abcdef")
    client = app.test_client()
    anonymous = client.get(f"/inspections/{first}/reinspect")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(client, "inspector")
    html = client.get(f"/inspections/{first}/reinspect").get_data(as_text=True)
    no_token = form_data(html, inspection_date="2021-03-15")
    del no_token["csrf_token"]
    assert client.post(f"/inspections/{first}/reinspect", data=no_token).status_code == 400
    too_early = client.post(f"/inspections/{first}/reinspect", data=form_data(html, inspection_date="2020-09-15"))
    assert too_early.status_code == 422
    assert "Ngày tái kiểm tra phải sau ngày kiểm tra lần trước (15/09/2020)" in too_early.get_data(as_text=True)
    headless = client.post(f"/inspections/{first}/reinspect",
                           data=form_data(html, inspection_date="2021-03-15", **{"team-0-role": "thanh_vien"}))
    assert headless.status_code == 422 and "trưởng đoàn" in headless.get_data(as_text=True)
    not_done = client.get(f"/inspections/{draft}/reinspect")
    assert not_done.status_code == 409
    assert "Chỉ tái kiểm tra từ phiếu đã hoàn tất" in not_done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 2


def test_a_merged_commune_is_refused_with_its_successor_named(app):
    budget = {"CK-06": "2025-01-06", "CK-07": "2025-01-20", "CK-08": "2025-04-10"}
    before_reform = make_inspection(app, actor="admin", day="2025-05-20")
    finalise(app, before_reform, compliant_answers() | budget, actor="admin")
    client = app.test_client()
    login(client, "admin")
    html = client.get(f"/inspections/{before_reform}/reinspect").get_data(as_text=True)
    assert "chỉ tồn tại đến ngày 30/06/2025" in html and "không muộn hơn ngày 30/06/2025" in html
    refused = client.post(f"/inspections/{before_reform}/reinspect", data=form_data(html, inspection_date="2025-09-15"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Phường Phúc Xá (mã 00001) đã được sắp xếp vào Phường Hồng Hà (mã 00097) từ ngày 01/07/2025" in page


# ------------------------------------------------------------------------------------ the checklist


def test_the_checklist_shows_the_previous_answers_and_findings(app, catalog):
    first = first_inspection(app)
    again = reinspection(app, first, answers={"TG-01": "yes"})
    client = app.test_client()
    login(client, "inspector")
    response = client.get(f"/inspections/{again}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    top = html[html.index('id="previous"'):html.index('id="checklist"')]
    assert "Kết quả lần kiểm tra trước" in top and "15/09/2020" in top and "biên bản số 01/BB-ĐKT" in top
    assert "GT-03" in top and "TG-01" in top and "Hạn 18/09/2020" in top and "Quá hạn" in top
    assert f'href="/inspections/{first}"' in top
    tg01, gt03, tg02 = article(html, "TG-01"), article(html, "GT-03"), article(html, "TG-02")
    assert "Lần trước (15/09/2020): Không</p>" in tg01
    assert "Lần trước (15/09/2020): Không niêm yết</p>" in gt03
    assert "Lần trước (15/09/2020): 4 tin, bài</p>" in tg02
    assert 'class="prev-finding"' not in tg02
    with app.app_context():
        stored = db.session.get(Inspection, first)
        titles = {f.code: f.title for f in stored.findings}
    assert titles["GT-03"] in gt03 and "hạn 18/09/2020" in gt03 and "Chưa khắc phục" in gt03 and "Quá hạn" in gt03
    assert titles["TG-01"] in tg01 and "hạn 29/09/2020" in tg01 and "Đã khắc phục" in tg01
    assert "Lần trước (" in article(html, "CK-01") and titles["E-01"] in article(html, "CK-01")
    # The controls are still exactly the item codes (plus notes, photos and the minutes' details).
    names = {attrs.get("name") for tag, attrs in controls_of(response).controls}
    codes = set(catalog.checklist("papi-xa", 1).items)
    details = {"start_time", "end_time", "copies", "place", "plan_reference", "commune_opinion",
               "commune_refusal_reason", "team_refusal_reason"}
    assert names == codes | {f"note-{c}" for c in codes} | {f"photo-{c}" for c in codes} | details | {
        "csrf_token", "photo-caption"}
    assert re.search(r'name="TG-01" value="yes" checked', tg01)
    plain = client.get(f"/inspections/{first}").get_data(as_text=True)
    assert "Lần trước (" not in plain and 'id="previous"' not in plain  # no previous inspection: nothing shown


# ------------------------------------------------------------------------------------ the API


def test_the_api_starts_a_reinspection_and_documents_it(app):
    first = first_inspection(app)
    api = Api(app, "inspector")
    schemas = DocumentedSchemas(app.test_client().get(f"{URL}/openapi.json").get_json())
    body = {"client_id": "tablet-api-again-01", "reinspection_of": first, "inspection_date": "2021-03-15"}
    created = api.post("/inspections", json=body)
    schemas.check(created, "/inspections", "post")
    assert created.status_code == 201
    again = api.post("/inspections", json=body)
    assert again.status_code == 200 and again.get_json()["id"] == created.get_json()["id"]
    detail = api.get(f"/inspections/{created.get_json()['id']}")
    schemas.check(detail, "/inspections/{inspection_id}", "get")
    previous = detail.get_json()["previous"]
    assert previous["id"] == first and previous["display"]["TG-01"] == "Không" and previous["answers"]["TG-01"] == "no"
    assert {f["code"]: f["status"] for f in previous["findings"]}["TG-01"] == "verified"
    first_detail = api.get(f"/inspections/{first}")
    schemas.check(first_detail, "/inspections/{inspection_id}", "get")
    assert first_detail.get_json()["previous"] is None
    early = api.post("/inspections", json=body | {"client_id": "tablet-api-again-02", "inspection_date": "2020-09-01"})
    schemas.check(early, "/inspections", "post")
    assert early.status_code == 422 and "inspection_date" in early.get_json()["errors"]
    draft = created.get_json()["id"]
    conflict = api.post("/inspections", json=body | {"client_id": "tablet-api-again-03", "reinspection_of": draft})
    schemas.check(conflict, "/inspections", "post")
    assert conflict.status_code == 409 and conflict.get_json()["status"] == "draft"
    assert conflict.get_json()["start_from"] == first and conflict.get_json()["latest_date"] == "2020-09-15"
    commune = Api(app, "commune-phucxa")
    assert commune.post("/inspections", json=body | {"client_id": "tablet-api-again-04"}).status_code == 403


# ------------------------------------------------------------------------------------ the minutes


def row_of(text: str, code: str) -> str:
    """The squashed text of one row of the remediation table, from its code to the next row's number."""
    part = text[text.index("Kếtquảkhắcphụccáctồntại"):text.index("III.KẾTLUẬN")]
    match = re.search(rf"\d{code}·(.*?)(?=\d[A-Z]{{1,2}}-\d\d·|$)", part)
    return match.group(1)


def test_the_minutes_say_what_was_fixed_and_what_was_not(app):
    first = first_inspection(app)
    api = Api(app, "inspector")
    assert "Kếtquảkhắcphục" not in text_of(api.get(f"/inspections/{first}/minutes.pdf").data)  # no previous
    again = reinspection(app, first, answers=compliant_doc()["answers"] | BUDGET_2021 | STILL_WRONG)
    draft = text_of(api.get(f"/inspections/{again}/minutes.pdf").data)
    assert "DỰTHẢO" in draft and "9.Kếtquảkhắcphụccáctồntạitheo" in draft
    finalised = api.finalize(again)
    assert finalised.status_code == 200, finalised.get_json()
    text = text_of(api.get(f"/inspections/{again}/minutes.pdf").data)
    assert "9.Kếtquảkhắcphụccáctồntạitheo" "Biênbảnkiểmtrasố01/BB-ĐKTngày15/09/2020" in text
    assert "Đoànkiểmtrađãkiểmtraviệckhắcphục6tồntại,viphạm,kiếnnghịnêutạibiênbảntrên:" \
           "đãkhắcphục1;chưakhắcphục5." in text
    assert text.index("8.Chỉsốnộidung8") < text.index("9.Kếtquảkhắcphục") < text.index("III.KẾTLUẬN")
    tg01, gt03 = row_of(text, "TG-01"), row_of(text, "GT-03")
    assert "29/09/2020" in tg01 and "Đãkhắcphục" in tg01 and "Chưakhắcphục" not in tg01
    assert "18/09/2020" in gt03 and "Chưakhắcphục" in gt03 and "(táiphạm/chậmkhắcphục)" not in gt03
    assert "E-01·Thiếuảnhminhchứng(CK-01)" in text  # which item each cross-cutting finding was about
    assert "Tiếptụcviphạm(táiphạm);quáthờihạnkhắcphục" in gt03
    # …and the conclusions carry GT-03 as a repeat offence and X-02 for its late remediation.
    conclusions = text[text.index("III.KẾTLUẬN"):text.index("IV.ĐIỂM")]
    assert "Táiphạm/chậmkhắcphục" in conclusions and "X-02" in conclusions and "ChậmkhắcphụctồntạiGT-03" in conclusions

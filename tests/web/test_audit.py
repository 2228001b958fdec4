"""The audit trail page: administrators see who changed what, in Vietnamese; nobody else does."""
from __future__ import annotations

import ast
import datetime as dt
import io
import re
from html import unescape
from pathlib import Path

import pytest
from apiclient import URL, VARIED, Api, compliant_doc, jpeg
from sqlalchemy import select
from test_pages import login

import inspect_app
from inspect_app.extensions import db
from inspect_app.models import AuditEntry, FindingRecord, RemediationAction, User
from inspect_app.services import accounts, teams
from inspect_app.services.audit_log import audit_page
from inspect_app.services.audit_view import ACTION_FIELD_LABELS, ACTION_LABELS, FIELD_LABELS, Row, present

PACKAGE = Path(inspect_app.__file__).parent
ROOT = PACKAGE.parent
HOSTILE = "<script>alert(1)</script> Văn bản chưa rõ"
RAW = re.compile(r"\\u[0-9a-fA-F]{4}|[{}\[\]\"]")  # JSON syntax or escapes: never on the page


def test_admin_sees_each_change_with_who_and_when(app):
    api = Api(app, "inspector")
    inspection = api.create()
    api.answer(inspection, {"TG-01": "no"}, notes={"TG-01": "<script>alert(1)</script>"})
    api.answer(inspection, compliant_doc()["answers"] | VARIED)
    api.finalize(inspection)
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get(f"/audit?entity=inspection&id={inspection}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for label in ("Lập phiếu", "Trả lời", "Hoàn tất phiếu"):
        assert label in html
    assert html.count("<tr>") == 1 + 5  # header, create, two answer batches, minutes details, finalize
    assert "<script>alert" not in html and "inspector" in html
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert admin.get("/audit?id=abc").status_code == 422


def test_only_administrators_read_the_audit_trail(app):
    for username in ("inspector", "district-badinh", "commune-phucxa"):
        client = app.test_client()
        login(client, username)
        assert client.get("/audit").status_code == 403
    assert app.test_client().get("/audit").status_code == 302  # to the login page


# ---------------------------------------------------------------- every action has words


def _constants(tree: ast.Module) -> dict[str, object]:
    return {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) for target in node.targets if isinstance(target, ast.Name)}


def _resolve(node: ast.AST, constants: dict[str, object], where: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and isinstance(constants.get(node.id), str):
        return constants[node.id]
    raise AssertionError(f"{where}: cannot read the audit action or key {ast.unparse(node)!r}")


def _spread_keys(function: ast.AST, name: str, constants: dict[str, object], where: str) -> set[str]:
    """The keys of `**name` in a record() call: every dict literal assigned to `name` in the same function."""
    keys = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            for literal in ast.walk(node.value):
                if isinstance(literal, ast.Dict):
                    keys |= {_resolve(k, constants, where) for k in literal.keys if k is not None}
    assert keys, f"{where}: **{name} is not built from a dict literal"
    return keys


def recorded() -> dict[str, set[str]]:
    """Every action the code writes to the audit trail, with the detail keys it writes, read from the sources."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and n.name != "record"]  # audit.record() itself writes whatever it is given
        for function in functions:
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name == "record" and len(node.args) >= 3:
                    action = _resolve(node.args[2], constants, where)
                    keys = {k.arg for k in node.keywords if k.arg}
                    for spread in (k.value for k in node.keywords if k.arg is None):
                        keys |= _spread_keys(function, spread.id, constants, where)
                elif name == "AuditEntry":
                    arguments = {k.arg: k.value for k in node.keywords}
                    action = _resolve(arguments["action"], constants, where)
                    details = arguments.get("details")
                    literal = details.keys if isinstance(details, ast.Dict) else ()
                    keys = {_resolve(k, constants, where) for k in literal}
                else:
                    continue
                found.setdefault(action, set()).update(keys)
    return found


def test_every_recorded_action_and_detail_has_a_vietnamese_label():
    actions = recorded()
    assert {"create", "answer", "photo", "details", "finalize", "revise", "freeze_minutes", "login", "logout",
            "change_password", "create_user", "submit_evidence", "verify", "reopen", "seed_demo"} <= set(actions)
    missing = sorted(a for a in actions if a not in ACTION_LABELS)
    assert not missing, f"audit actions without a Vietnamese label in services/audit_view.py: {missing}"
    unlabelled = sorted(f"{a}.{k}" for a, keys in actions.items() for k in keys
                        if (a, k) not in ACTION_FIELD_LABELS and k not in FIELD_LABELS)
    assert not unlabelled, f"audit details without a Vietnamese label in services/audit_view.py: {unlabelled}"
    for label in [*ACTION_LABELS.values(), *FIELD_LABELS.values()]:
        assert not re.search(r"\b(changes|from|to|user|inspection)\b", label), label


# ---------------------------------------------------------------- a varied trail, in words


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def make_trail(app) -> dict[str, int]:
    """A day of work: an inspection answered, photographed, detailed, finalised, followed up and revised."""
    inspector, commune = Api(app, "inspector"), Api(app, "commune-phucxa")
    inspection = inspector.create()
    inspector.answer(inspection, {"TG-01": "no"}, notes={"TG-01": "Chưa niêm yết"})
    inspector.answer(inspection, compliant_doc()["answers"] | VARIED)
    kept = inspector.photo(inspection, "TG-01", jpeg())
    assert kept.status_code == 201
    assert inspector.caption(inspection, kept.get_json()["id"], "Lịch tiếp công dân niêm yết").status_code == 200
    wrong = inspector.photo(inspection, "CK-01", jpeg()).get_json()["id"]
    assert inspector.caption(inspection, wrong, "Chụp nhầm").status_code == 200
    assert inspector.delete_photo(inspection, wrong).status_code == 200
    for details in ({"place": "Trụ sở UBND phường", "start_time": "08:30"},
                    {"place": "Hội trường UBND phường Phúc Xá", "copies": 3, "end_time": "11:00"}):
        response = inspector.client.patch(f"{URL}/inspections/{inspection}", json=details,
                                          headers=inspector.headers(True))
        assert response.status_code == 200, response.get_json()
    assert inspector.post(f"/inspections/{inspection}/finalize").status_code == 200
    with app.app_context():
        action = db.session.scalar(select(RemediationAction.id).where(
            RemediationAction.inspection_id == inspection, RemediationAction.finding.has(code="GT-03")))
    sent = commune.post(f"/remediations/{action}/evidence", data={"note": "Đã công khai", "file": (
        io.BytesIO(jpeg()), "anh.jpg")}, content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_json()
    assert inspector.post(f"/remediations/{action}/verify", json={"confirm": True, "comment": "Ảnh rõ"}).status_code == 200
    assert inspector.post(f"/remediations/{action}/reopen", json={"reason": HOSTILE}).status_code == 200
    revised = inspector.post(f"/inspections/{inspection}/revise")
    assert revised.status_code in (200, 201), revised.get_json()
    revision = revised.get_json()["id"]
    # the revision answers GT-03 as compliant: its action closes, the others carry forward
    inspector.answer(revision, {"GT-03": compliant_doc()["answers"]["GT-03"]})
    assert inspector.finalize(revision).status_code == 200
    assert inspector.post("/logout").status_code == 204
    with app.app_context():
        accounts.create_user(db.session, "commune-truc-bach", "MatKhau@2025", "Nguyễn Thị Hoa", "commune",
                             commune_code="00004")
        accounts.change_password(db.session, user("commune-truc-bach"), "MatKhau@2025", "MatKhau@2026")
        accounts.reset_password(db.session, "commune-truc-bach", "MatKhau@2027")  # `flask users …`
        accounts.set_active(db.session, "commune-truc-bach", False)
        accounts.set_active(db.session, "commune-truc-bach", True)
        admin = user("admin")
        teams.set_photo_location(db.session, admin, "Đoàn kiểm tra số 1 - Sở Nội vụ", True)
        # the actions no API call above makes: as their services write them
        db.session.add_all([
            AuditEntry(user_id=admin.id, username="admin", action="seed_demo", entity="inspection", entity_id=None,
                       details={"years": [2024, 2026], "communes": 10, "seed": 122, "as_of": "2026-12-01",
                                "inspections": 1234}),
            AuditEntry(user_id=user("inspector2").id, username="inspector2", action="login_locked", entity="user",
                       entity_id=user("inspector2").id, details={}),
            *(AuditEntry(user_id=admin.id, username="admin", action=action, entity="criteria_version", entity_id=1,
                         details={"checklist": "papi-xa", "version": 3, "sha256": "ab" * 32} | extra)
              for action, extra in (("import_criteria", {"file": "tieu-chi.xlsx", "replaced": False}),
                                    ("publish_criteria", {"effective_from": "2026-12-06"}),
                                    ("delete_criteria", {}))),
            *(AuditEntry(user_id=admin.id, username="admin", action=action, entity=entity, entity_id=1, details=details)
              for action, entity, details in (
                  ("create_plan", "inspection_plan", {"number": "145/KH-SNV", "period": ["2020-09-01", "2020-11-30"],
                                                      "teams": [1]}),
                  ("schedule", "planned_inspection", {"plan": "145/KH-SNV", "commune": "00001", "team": 1,
                                                      "kind": "dinh_ky", "window": ["2020-09-15", "2020-09-16"]}),
                  ("move", "planned_inspection", {"reason": "UBND phường họp HĐND",
                                                  "window": {"from": ["2020-09-15", "2020-09-16"],
                                                             "to": ["2020-09-21", "2020-09-22"]}}),
                  ("cancel", "planned_inspection", {"reason": "Đã kiểm tra trong đợt trước", "commune": "00001"}),
                  ("start", "planned_inspection", {"inspection": inspection}),
                  ("offline_import", "inspection", {"author": "inspector", "items": ["TG-01", "TG-02"],
                                                    "clashes": ["CK-01"], "exported_at": "2026-12-05T09:30:00+07:00"}))),
            AuditEntry(user_id=admin.id, username="admin", action="freeze_minutes", entity="inspection",
                       entity_id=inspection, details={"minutes": "01/BB-ĐKT"},
                       at=dt.datetime(2020, 9, 15, 17, 30)),  # UTC: 16/09/2020 00:30 in Hà Nội
        ])
        db.session.commit()
    return {"inspection": inspection, "action": action, "revision": revision}


@pytest.fixture
def trail(app):
    return make_trail(app)


@pytest.fixture
def db_trail(db_app):
    """The same day of work on SQLite and on PostgreSQL."""
    return make_trail(db_app)


def rows_for(app, viewer: str = "admin") -> list[Row]:
    with app.app_context():
        entries = audit_page(db.session, user("admin"), per_page=200).items
        return present(db.session, app.extensions["catalog"].loaded, user(viewer), entries)


def text(line) -> str:
    """A line as the page reads it."""
    before = f"{line.before.full or line.before.text} → " if line.before else ""
    after = (line.after.full or line.after.text) if line.after else ""
    return f"{line.label}: {before}{after}" + (f" ({line.remark})" if line.remark else "")


def by_action(rows: list[Row]) -> dict[str, list[Row]]:
    found: dict[str, list[Row]] = {}
    for row in reversed(rows):  # oldest first
        found.setdefault(row.action, []).append(row)
    return found


def lines(row: Row) -> list[str]:
    return [text(line) for line in (*row.lines, *row.more)]


def test_each_action_reads_as_who_when_what_on_which_record_and_before_after(db_app, db_trail):
    app, trail = db_app, db_trail
    rows = rows_for(app)
    seen = by_action(rows)
    assert set(seen) == set(ACTION_LABELS.values())  # every action of the code, each in Vietnamese

    created = seen["Lập phiếu kiểm tra"][0]
    assert (created.who.name, created.who.username, created.who.role) == (
        "Cán bộ inspector", "inspector", "Thành viên đoàn kiểm tra")
    assert re.fullmatch(r"\d{2}/\d{2}/20\d{2} \d{2}:\d{2}", created.at)
    assert (created.target.kind, created.target.name) == ("Phiếu kiểm tra", "Phường Phúc Xá 15/09/2020")
    assert created.target.link.endpoint == "inspections.show"
    assert created.target.link.args == {"inspection_id": trail["inspection"]}
    assert lines(created) == ["Xã, phường: Phường Phúc Xá (mã 00001)", "Ngày kiểm tra: 15/09/2020"]

    first, batch, _revision = seen["Trả lời tiêu chí"]
    assert len(first.lines) == 2 and first.lines[0].label.startswith("TG-01 · ")
    assert text(first.lines[0]).endswith(": chưa trả lời → Không")
    assert text(first.lines[1]).endswith(": (trống) → Chưa niêm yết (ghi chú)")  # the note's own text
    answered = lines(batch)
    assert len(batch.lines) == 8 and batch.more  # a long batch opens on demand
    assert any(t.startswith("TG-01 · ") and t.endswith(": Không → Có") for t in answered)
    assert any(t.startswith("DV-03 · ") and t.endswith(": chưa trả lời → 80,5%") for t in answered)
    codes = [t[:5] for t in answered]
    assert codes.index("TG-01") < codes.index("DV-03")  # in the checklist's order

    photo = seen["Thêm ảnh minh chứng"][0]
    assert photo.lines[0].label == "Tiêu chí" and photo.lines[0].after.text.startswith("TG-01 · ")
    assert photo.lines[1].after.link.endpoint == "inspections.photo"
    digest = photo.lines[2]
    assert digest.label == "Mã băm SHA-256" and digest.after.text.endswith("…") and len(digest.after.full) == 64

    assert re.fullmatch(r"Thời điểm chụp: \d{2}/\d{2}/20\d{2} \d{2}:\d{2}", text(photo.lines[3]))
    assert lines(photo)[4:] == ["Nguồn thời điểm chụp: theo thời điểm tải lên", "Lưu vị trí chụp: Không"]
    captioned, captioned_wrong = seen["Sửa chú thích ảnh"]
    assert lines(captioned)[0].startswith("Tiêu chí: TG-01 · ")
    assert lines(captioned)[2:] == ["Chú thích ảnh: (trống) → Lịch tiếp công dân niêm yết"]
    deleted = seen["Xóa ảnh minh chứng"][0]
    assert deleted.target.name == "Phường Phúc Xá 15/09/2020"
    assert lines(deleted)[0].startswith("Tiêu chí: CK-01 · ")
    assert re.fullmatch(r"Ảnh: ảnh số \d+ \(đã xóa\)", lines(deleted)[1])
    assert deleted.lines[2].label == "Mã băm SHA-256" and len(deleted.lines[2].after.full) == 64
    assert lines(deleted)[3] == "Chú thích ảnh: Chụp nhầm"
    located = seen["Đổi thiết lập lưu vị trí chụp ảnh của đoàn"][0]
    assert (located.target.kind, located.who.username) == ("Đoàn kiểm tra", "admin")
    assert lines(located) == ["Đoàn kiểm tra: Đoàn kiểm tra số 1 - Sở Nội vụ", "Lưu vị trí chụp ảnh: Không → Có"]

    set_once, changed = seen["Sửa thông tin biên bản"]
    assert lines(set_once) == ["Giờ bắt đầu: (trống) → 08:30", "Địa điểm: (trống) → Trụ sở UBND phường"]
    assert lines(changed) == ["Giờ kết thúc: (trống) → 11:00",
                              "Địa điểm: Trụ sở UBND phường → Hội trường UBND phường Phúc Xá", "Số bản: 2 bản → 3 bản"]

    finalised = lines(seen["Hoàn tất phiếu"][0])
    assert finalised[0] == "Trạng thái: Đang kiểm tra → Đã hoàn tất"
    assert re.search(r"^Tổng điểm tuân thủ: \d+(,\d+)? điểm$", finalised[2], re.M), finalised
    assert "Số biên bản: 01/BB-ĐKT" in finalised

    submitted = seen["Gửi minh chứng khắc phục"][0]
    assert submitted.target.kind == "Việc khắc phục"
    assert submitted.target.name == "GT-03 · Phường Phúc Xá 15/09/2020"
    assert submitted.target.link.endpoint == "remediation.show"
    sent = lines(submitted)
    assert sent[0] == "Trạng thái: Chưa khắc phục → Chờ xác nhận"
    assert "Minh chứng: Xem ảnh" in sent and "Loại minh chứng: Ảnh" in sent
    assert any(re.fullmatch(r"Dung lượng tệp: \d+ (byte|KB)", t) for t in sent), sent
    assert lines(seen["Xác nhận đã khắc phục"][0]) == ["Trạng thái: Chờ xác nhận → Đã khắc phục",
                                                       "Số minh chứng đã gửi: 1", "Nhận xét về minh chứng: Ảnh rõ"]
    assert lines(seen["Trả lại minh chứng"][0]) == ["Trạng thái: Đã khắc phục → Chưa khắc phục",
                                                    f"Lý do trả lại: {HOSTILE}"]

    revised = seen["Lập bản sửa đổi"][0]
    assert revised.target.name == "Phường Phúc Xá 15/09/2020 (bản sửa đổi lần 2)"
    assert revised.lines[0].label == "Sửa đổi phiếu"
    assert revised.lines[0].after.link.args == {"inspection_id": trail["inspection"]}
    assert lines(revised) == ["Sửa đổi phiếu: Phường Phúc Xá 15/09/2020", "Bản sửa đổi lần: 2"]

    carried = seen["Chuyển việc khắc phục sang bản sửa đổi"]
    with app.app_context():
        found = list(db.session.scalars(select(FindingRecord.code).where(
            FindingRecord.inspection_id == trail["inspection"], FindingRecord.code != "GT-03")))
    assert sorted(row.target.name.split(" · ")[0] for row in carried) == sorted(found)
    moved = lines(carried[0])
    assert moved[:2] == ["Từ phiếu: Phường Phúc Xá 15/09/2020",
                         "Sang phiếu: Phường Phúc Xá 15/09/2020 (bản sửa đổi lần 2)"]
    assert "Trạng thái: Chưa khắc phục" in moved and any(t.startswith("Hạn khắc phục: ") for t in moved), moved
    closed = seen["Đóng việc khắc phục (không còn áp dụng)"]
    assert [row.target.name for row in closed] == ["GT-03 · Phường Phúc Xá 15/09/2020"]
    assert lines(closed[0]) == ["Phiếu kiểm tra: Phường Phúc Xá 15/09/2020", "Mã phát hiện: GT-03",
                                "Trạng thái: Chưa khắc phục → Không còn áp dụng"]

    login_row = seen["Đăng nhập"][0]
    assert (login_row.target.kind, login_row.lines) == ("Tài khoản", ())
    assert re.fullmatch(r"Cán bộ [\w-]+ \([\w-]+\)", login_row.target.name)
    assert seen["Đăng xuất"][0].who.username == "inspector"
    account = seen["Tạo tài khoản"][0]
    assert (account.who.name, account.target.name) == ("Hệ thống", "Nguyễn Thị Hoa (commune-truc-bach)")
    assert lines(account) == ["Tên đăng nhập: commune-truc-bach", "Vai trò: Cán bộ UBND cấp xã"]
    assert lines(seen["Tạo dữ liệu mẫu"][0]) == [
        "Các năm: 2024–2026", "Số xã, phường: 10", "Hạt giống ngẫu nhiên: 122", "Tính đến ngày: 01/12/2026",
        "Số phiếu đã tạo: 1.234"]
    frozen = seen["Chốt biên bản"][0]
    assert frozen.at == "16/09/2020 00:30" and lines(frozen) == ["Số biên bản: 01/BB-ĐKT"]

    for row in rows:
        shown = " ".join([row.at, row.who.name, row.action, row.target.kind, row.target.name, *lines(row)])
        assert not re.search(r"\\u[0-9a-f]{4}|[{}\[\]\"#]|\b(changes|from|to|user|inspection)\b", shown), shown


def test_links_only_to_what_the_viewer_may_see(app, trail):
    """A district officer of Hoàn Kiếm may not open Phúc Xá's inspection: its name stays, without a link."""
    for row in rows_for(app, viewer="district-hoankiem"):
        assert row.target.link is None
        assert all(line.after is None or line.after.link is None for line in (*row.lines, *row.more))
    assert any(row.target.link for row in rows_for(app, viewer="district-badinh"))


def test_unknown_actions_keys_and_values_still_read_as_text(app):
    with app.app_context():
        long_text = "Văn bản số 45/KH-SNV về việc kiểm tra công tác cải cách hành chính " * 5
        entry = AuditEntry(user_id=None, username="system", action="archive", entity="checklist", entity_id=7,
                           at=dt.datetime(2020, 9, 15, 1, 30), details={
                               "mystery_key": {"nested": "Văn bản", "values": [1, 2.5, True, None]},
                               "moved": {"from": "2020-09-15T01:30:00", "to": "2020-09-16"},
                               "long_text": long_text, "digest": "ab" * 32, "empty": None, "flag": False})
        db.session.add(entry)
        db.session.commit()
        (row,) = present(db.session, app.extensions["catalog"].loaded, user("admin"), [entry])
    assert (row.at, row.who.name, row.action) == ("15/09/2020 08:30", "Hệ thống", "Thao tác “archive”")
    assert (row.target.kind, row.target.name) == ("Bản ghi “checklist”", "số 7")
    shown = [text(line) for line in row.lines]
    assert shown[0] == "Trường “mystery key”: Trường “nested”: Văn bản; Trường “values”: 1; 2,5; Có; (trống)"
    assert shown[1] == "Trường “moved”: 15/09/2020 08:30 → 16/09/2020"
    cut = row.lines[2].after
    assert len(cut.text) <= 161 and cut.text.endswith("…") and cut.full == long_text
    assert row.lines[3].after.text == "abababababab…" and row.lines[3].after.code
    assert shown[4:] == ["Trường “empty”: (trống)", "Trường “flag”: Không"]
    for line in shown:
        assert not re.search(r"\\u|[{}\[\]\"]", line), line


# ---------------------------------------------------------------- the page


def visible_text(html: str) -> str:
    """The text a sighted reader sees, spaces collapsed (the words only screen readers hear dropped)."""
    body = re.sub(r'(?s)<(script|style)\b.*?</\1>|<span class="audit-sr">[^<]*</span>', " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def test_page_shows_names_links_and_before_after_in_vietnamese(app, trail):
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    table = html[html.index('<table class="table audit">'):html.index("</table>")]
    words = visible_text(table)
    for expected in ("Cán bộ inspector", "Thành viên đoàn kiểm tra", "Phiếu kiểm tra", "Phường Phúc Xá 15/09/2020",
                     "Hoàn tất phiếu", "Đang kiểm tra → Đã hoàn tất",
                     "Trụ sở UBND phường → Hội trường UBND phường Phúc Xá",
                     "Chưa khắc phục → Chờ xác nhận", "GT-03 · Phường Phúc Xá 15/09/2020", "16/09/2020 00:30",
                     "Xem thêm", "Hệ thống"):
        assert expected in words, expected
    assert not re.search(r"\b(changes|from|to)\b", words)
    assert "user #" not in html and "inspection #" not in html and "\\u" not in html
    assert not RAW.search(words), RAW.search(words)
    assert f'href="/inspections/{trail["inspection"]}"' in table
    assert f'href="/remediations/{trail["action"]}"' in table
    assert f'href="/audit?entity=inspection&amp;id={trail["inspection"]}"' in table
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Văn bản chưa rõ" in table and "<script>alert" not in html
    inline_scripts = re.findall(r'<script(?![^>]*\bsrc="/static/)', html)  # the pages' own files are fine
    assert not inline_scripts and " style=" not in html and "<style" not in html  # strict CSP: nothing inline
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "|safe" not in (ROOT / "templates/audit/index.html").read_text(encoding="utf-8")
    filtered = admin.get(f"/audit?entity=remediation&id={trail['action']}").get_data(as_text=True)
    assert filtered.count("<tr>") == 1 + 4 and "Bỏ lọc" in filtered  # submit, verify, reopen, close


def css_rules(css: str) -> list[tuple[str, str]]:
    css = re.sub(r"(?s)/\*.*?\*/", "", css)
    return [(selector.strip(), body) for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css)]


def test_filters_and_links_are_at_least_44_px_tall(app):
    admin = app.test_client()
    login(admin, "admin")
    html = admin.get("/audit?user=admin").get_data(as_text=True)
    start = html.index('<form method="get" class="panel filters audit-filters"')
    form = html[start:html.index("</form>", start)]
    assert re.findall(r"<(input|select|button|a)\b", form) == ["select", "input", "input", "button", "a"]
    assert not re.search(r"<input(?![^>]*type=\"text\")", form)  # the app's field styles key on type=text
    rules = css_rules((PACKAGE / "static/app.css").read_text(encoding="utf-8"))

    def tall(element: str) -> bool:
        for selector, body in rules:
            height = re.search(r"min-height:\s*(\d+)px", body)
            if height and int(height.group(1)) >= 44 and any(
                    part.strip().startswith(".audit-filters") and part.strip().endswith(element)
                    for part in selector.split(",")):
                return True
        return False

    assert tall("input") and tall("select") and tall(".button")
    assert any("a.audit-link" in selector and re.search(r"min-height:\s*(4[4-9]|[5-9]\d)px", body)
               for selector, body in rules)
    assert any(".audit-long summary" in selector and re.search(r"min-height:\s*(4[4-9]|[5-9]\d)px", body)
               for selector, body in rules)


def test_the_trail_pages_newest_first_keeping_its_filters(app):
    api = Api(app, "inspector")
    inspection = api.create()
    for n in range(4):
        api.answer(inspection, {"TG-01": "no" if n % 2 else "yes"})
    admin = app.test_client()
    login(admin, "admin")
    first = admin.get(f"/audit?entity=inspection&id={inspection}&per_page=2").get_data(as_text=True)
    assert first.count("<tr>") == 1 + 2 and "5 thay đổi khớp bộ lọc · đang xem 1–2" in first
    assert "Trang 1/3" in first
    assert f'href="/audit?entity=inspection&amp;id={inspection}&amp;per_page=2&amp;page=2">Sau »' in first
    last = admin.get(f"/audit?entity=inspection&id={inspection}&per_page=2&page=3").get_data(as_text=True)
    assert last.count("<tr>") == 1 + 1 and "Lập phiếu" in last  # the oldest entry: the inspection's creation
    beyond = admin.get(f"/audit?entity=inspection&id={inspection}&per_page=2&page=4").get_data(as_text=True)
    assert "Trang 4 không có thay đổi nào: nhật ký chỉ có 3 trang." in beyond
    assert admin.get("/audit?page=0").status_code == 400


def test_criteria_versions_read_as_their_checklist_and_version(app, trail):
    seen = by_action(rows_for(app))
    imported = seen["Tải lên bản nháp bảng tiêu chí"][0]
    assert (imported.target.kind, imported.target.name) == ("Phiên bản bảng tiêu chí", "papi-xa phiên bản 3")
    assert "Tệp bảng tính: tieu-chi.xlsx" in lines(imported)
    assert "Có hiệu lực từ ngày: 06/12/2026" in lines(seen["Ban hành phiên bản bảng tiêu chí"][0])
    assert seen["Xóa bản nháp bảng tiêu chí"][0].target.link.endpoint == "criteria.draft"


def test_an_offline_import_names_its_author_and_what_it_wrote(app, trail):
    imported = by_action(rows_for(app))["Nhập dữ liệu chờ gửi của máy tính bảng"][0]
    assert "Người nhập trên máy tính bảng: inspector" in lines(imported)
    assert "Các tiêu chí khác với máy chủ (chưa ghi): CK-01" in lines(imported)


def test_plans_read_in_vietnamese(app, trail):
    seen = by_action(rows_for(app))
    assert "Thời gian của kế hoạch: 01/09/2020 – 30/11/2020" in lines(seen["Lập kế hoạch kiểm tra"][0])
    assert "Thời gian dự kiến: 15/09/2020 – 16/09/2020 → 21/09/2020 – 22/09/2020" in \
        lines(seen["Dời lịch kiểm tra dự kiến"][0])
    assert seen["Hủy lịch kiểm tra dự kiến"][0].target.kind == "Lịch kiểm tra dự kiến"

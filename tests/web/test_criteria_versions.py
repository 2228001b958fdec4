"""The criteria versions pages (upload a draft, compare, try, publish) and the workbook download, with CSRF on
as in production."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from conftest import answers_on
from openpyxl import load_workbook
from test_pages import finalise, login, make_inspection, token_of

from inspect_app.criteria.importer import import_workbook
from inspect_app.criteria.layout import BASIS, ITEMS, RULES
from inspect_app.domain.checklists import today_in_vietnam

PAGE = "/admin/criteria"


def download(client, version: int = 2):
    return client.get(f"/checklists/papi-xa/workbook.xlsx?version={version}")


def edited(client, edit) -> bytes:
    """Version 2's workbook as the page offers it, edited by `edit(book)`."""
    book = load_workbook(io.BytesIO(download(client).data))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cell_row(book, sheet, key: str, value: str) -> int:
    column = sheet.columns.index(sheet.column(key)) + 1
    ws = book[sheet.title]
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, column).value == value)


def put(book, sheet, row: int, key: str, value) -> None:
    book[sheet.title].cell(row, sheet.columns.index(sheet.column(key)) + 1).value = value


def upload(client, content: bytes, name: str = "tieu-chi.xlsx"):
    token = token_of(client.get(PAGE))
    return client.post(PAGE, data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def stricter_with_a_new_item(book) -> None:
    """TG-02's threshold from 4 to 5, and a new yes/no item DT-06 with its rule and legal basis."""
    put(book, RULES, cell_row(book, RULES, "id", "TG-02"), "condition", "TG-02 < 5")
    item = {"section": "DT", "code": "DT-06", "type": "Có/Không", "na_allowed": "Không", "required": "Có",
            "evidence": "Không", "question": "UBND xã công bố số điện thoại đường dây nóng trên trang thông tin điện tử",
            "guidance": "Kiểm tra trang thông tin điện tử của xã; chọn “Có” khi số điện thoại gọi được."}
    rule = {"id": "DT-06", "code": "DT-06", "items": "DT-06", "kind": "Khuyến nghị", "severity": "Bình thường",
            "title": "Chưa công bố số điện thoại đường dây nóng", "remediation": "Công bố số điện thoại đường dây nóng.",
            "responsible": "Văn phòng HĐND và UBND", "deadline": "10wd", "condition": 'DT-06 = "Không"'}
    book[ITEMS.title].append([item.get(c.key) for c in ITEMS.columns])
    book[RULES.title].append([rule.get(c.key) for c in RULES.columns])
    book[BASIS.title].append([{"owner": "DT-06", "instrument": "luat-tccqdp-2025"}.get(c.key) for c in BASIS.columns])


def cells(html: str, row_id: str) -> list[str]:
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_only_administrators_see_and_use_the_page(client):
    assert "/login" in client.get(PAGE).headers["Location"]
    login(client, "inspector")
    assert client.get(PAGE).status_code == 403
    token = token_of(client.get("/checklists"))
    refused = client.post(PAGE, data={"csrf_token": token, "file": (io.BytesIO(b"PK\x03\x04"), "a.xlsx")},
                          content_type="multipart/form-data")
    assert refused.status_code == 403
    assert "Chỉ quản trị viên được quản lý phiên bản bảng tiêu chí." in refused.get_data(as_text=True)
    assert "Quản lý phiên bản" not in client.get("/checklists").get_data(as_text=True)


def test_the_criteria_pages_link_to_the_versions_and_the_workbook(client):
    login(client, "admin")
    assert f'href="{PAGE}"' in client.get("/checklists").get_data(as_text=True)
    html = client.get("/checklists/papi-xa?version=1").get_data(as_text=True)
    assert 'href="/checklists/papi-xa/workbook.xlsx?version=1"' in html
    page = client.get(PAGE)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(as_text=True)


def test_a_broken_workbook_lists_its_problems_by_sheet_row_and_column(client):
    login(client, "admin")
    rows = {}

    def break_it(book):
        rows["TG-02"] = cell_row(book, RULES, "id", "TG-02")
        put(book, RULES, rows["TG-02"], "condition", "TG-02 < < 4")

    response = upload(client, edited(client, break_it))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bảng tính có 1 lỗi; chưa lưu gì" in html
    letter = chr(ord("A") + RULES.columns.index(RULES.column("condition")))
    assert re.search(rf'<td>Luật</td><td class="num">{rows["TG-02"]}</td>\s*<td>{letter} \(Điều kiện\)</td>', html)
    assert "Chạy thử" not in html


def test_a_valid_edit_shows_its_differences_and_what_it_changes(app, client):
    today = today_in_vietnam()
    for commune, days, tg02 in (("00004", 30, 4), ("00008", 60, 6)):
        day = today - dt.timedelta(days=days)
        with app.app_context():
            answers = answers_on(app.extensions["catalog"].loaded, day) | {"TG-02": tg02}
        inspection = make_inspection(app, actor="admin", commune=commune, client_id=f"tablet-{commune}-preview",
                                     day=day.isoformat())
        finalise(app, inspection, answers, actor="admin")
    login(client, "admin")
    response = upload(client, edited(client, stricter_with_a_new_item))
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "Đã lưu thành bản nháp phiên bản 3" in html and "Khác với phiên bản 2 đang áp dụng" in html
    assert re.search(r'id="item-DT-06">.*?Thêm mới</span> UBND xã công bố số điện thoại', html, re.S)
    assert re.search(r'id="rule-TG-02">.*?<th scope="row">Điều kiện</th><td><del>TG-02 &lt; 4</del></td>'
                     r'<td><ins>TG-02 &lt; 5</ins></td>', html, re.S)
    assert "thêm 1, bỏ 0, sửa 0" in html and "thêm 1, bỏ 0, sửa 1" in html  # items, then rules
    assert "2 phiếu papi-xa hoàn tất" in html and "1 phiếu có kết luận thay đổi" in html
    assert cells(html, "run-TG-02")[2:] == ["0", "1", "1", "0"]


def test_a_file_that_is_not_a_workbook_is_refused_in_vietnamese(client):
    login(client, "admin")
    response = upload(client, "Mã;Câu hỏi\nTG-02;Số tin bài\n".encode(), "tieu-chi.xlsx")
    assert response.status_code == 422
    assert "Tệp tải lên không phải bảng tính Excel (.xlsx)" in response.get_data(as_text=True)
    assert upload(client, b"", "trong.xlsx").status_code == 422


def test_the_workbook_download_imports_with_no_problem(client):
    assert "/login" in download(client).headers["Location"]
    login(client, "commune-phucxa")
    response = download(client)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="papi-xa-v2.xlsx"' in response.headers["Content-Disposition"]
    root = Path(client.application.config["CATALOG_DIR"])
    result = import_workbook(io.BytesIO(response.data), root)
    assert result.problems == () and (result.draft.checklist_id, result.draft.version) == ("papi-xa", 2)
    assert download(client, 9).status_code == 404


def draft_page(client, edit=stricter_with_a_new_item) -> str:
    """Upload an edited version 2 as a draft; the draft page's address."""
    response = upload(client, edited(client, edit))
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def test_trying_a_draft_shows_its_findings_beside_the_version_in_force(client):
    login(client, "admin")
    address = draft_page(client)
    page = client.get(f"{address}/try")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="a-DT-06"' in html and 'name="a-TG-02"' in html
    response = client.post(f"{address}/try", data={"csrf_token": token_of(page), "day": "", "villages": "12",
                                                   "a-TG-02": "4", "a-DT-06": "no", "a-TG-01": "yes"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    draft = re.search(r'<div id="trial-draft">(.*?)</div>', html, re.S).group(1)
    current = re.search(r'<div id="trial-current">(.*?)</div>', html, re.S).group(1)
    assert 'class="finding-TG-02"' in draft and 'class="finding-DT-06"' in draft
    assert 'class="finding-TG-02"' not in current and "Phiên bản 2 đang áp dụng" in current
    assert "DT-06" in re.search(r"không có hoặc không nhận câu trả lời của: ([^<]*)", html).group(1)
    refused = client.post(f"{address}/try", data={"csrf_token": token_of(page), "a-TG-02": "bốn", "day": "31/02/2026"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "không đọc được" in text and "Ngày không hợp lệ" in text
    assert "Kết quả chấm thử" not in text


def test_publishing_from_the_page_needs_today_or_later_and_is_final(client):
    login(client, "admin")
    address = draft_page(client)
    page = client.get(address)
    html = page.get_data(as_text=True)
    assert "Bản nháp" in html and "Ban hành phiên bản 3" in html
    yesterday = (today_in_vietnam() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    refused = client.post(f"{address}/publish", data={"csrf_token": token_of(page), "effective_from": yesterday})
    assert refused.status_code == 422 and "Ngày có hiệu lực phải là hôm nay hoặc một ngày sau." in \
        refused.get_data(as_text=True)
    no_token = client.post(f"{address}/publish", data={"effective_from": yesterday})
    assert no_token.status_code in (400, 422) and "Đã ban hành" not in client.get(address).get_data(as_text=True)
    tomorrow = today_in_vietnam() + dt.timedelta(days=1)
    done = client.post(f"{address}/publish", data={"csrf_token": token_of(page),
                                                   "effective_from": tomorrow.strftime("%d/%m/%Y")})
    assert done.status_code == 303
    html = client.get(address).get_data(as_text=True)
    assert f"Đã ban hành phiên bản 3, có hiệu lực từ ngày {tomorrow:%d/%m/%Y}" in html
    assert "Ban hành phiên bản 3" not in html and "Xóa bản nháp" not in html
    listing = client.get(PAGE).get_data(as_text=True)
    assert re.search(r'id="version-papi-xa-3">.*?Đã ban hành', listing, re.S)
    yaml_text = client.get(f"{address}/checklist.yaml")
    assert yaml_text.status_code == 200 and f"effective_from: {tomorrow.isoformat()}" in yaml_text.get_data(as_text=True)
    assert "DT-06" in client.get(f"{address}/rules.yaml").get_data(as_text=True)
    html = client.get(f"/checklists/papi-xa?date={tomorrow:%d/%m/%Y}").get_data(as_text=True)
    assert "phiên bản 3" in html and "DT-06" in html


def test_a_draft_can_be_deleted_and_others_cannot_see_it(client):
    login(client, "admin")
    address = draft_page(client)
    page = client.get(address)
    assert client.post(f"{address}/delete", data={"csrf_token": token_of(page)}).status_code == 303
    assert client.get(address).status_code == 404
    address = draft_page(client)
    client.post("/logout", data={"csrf_token": token_of(client.get(PAGE))})
    login(client, "inspector")
    for path in (address, f"{address}/try", f"{address}/workbook.xlsx", f"{address}/rules.yaml"):
        assert client.get(path).status_code == 403, path


def test_the_versions_list_offers_each_drafts_own_workbook(client):
    login(client, "admin")
    address = draft_page(client)
    listing = client.get(PAGE).get_data(as_text=True)
    link = re.search(r'id="version-papi-xa-3">.*?href="([^"]+)">Excel</a>', listing, re.S).group(1)
    assert link == f"{address}/workbook.xlsx"
    response = client.get(link)
    assert response.status_code == 200 and 'filename="papi-xa-v3.xlsx"' in response.headers["Content-Disposition"]

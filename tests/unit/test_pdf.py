"""The minutes PDF (inspect_app/pdf): content, fonts, page layout, safety and reproducibility.

The PDF is read back the way a person or an archive would: pypdf for the text of each page (in
drawing order, so a table cell's lines stay together), poppler's pdftotext for reading order,
word positions (-bbox) and table rows (-layout), and pdffonts for the embedded fonts. Text is
compared NFC-normalised with all whitespace removed, because line breaks fall anywhere.
Poppler (poppler-utils) and fonts-liberation2 are required: the tests fail, not skip, without them.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import http.server
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from inspect_app.domain.checklists import NOT_APPLICABLE
from inspect_app.evaluation import PROJECT_ROOT, cached_catalog
from inspect_app.pdf import (
    ChecklistRow, FindingLine, ForbiddenURL, MinutesData, MinutesRenderError, SectionResult, checklist_sections,
    place_date_line, render_html, render_minutes, vn_date, vn_score,
)
from inspect_app.pdf import minutes as minutes_module
from inspect_app.pdf.fetch import StaticOnlyFetcher
from inspect_app.pdf.minutes import PhotoLine, closing_sentence, footer_line, vn_long_date
from inspect_app.pdf.sample import ANSWERS, INSPECTION_DATE, NOTES, sample_minutes

MM = 72 / 25.4  # PDF points per millimetre
A4 = (595.28, 841.89)
FONT_NAME = re.compile(r"^[A-Z]{6}\+Liberation-Serif(-Bold)?(-Italic)?$")


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def squash(text: str) -> str:
    """NFC with every whitespace character removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def poppler(tool: str, *args: str, pdf: bytes) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} not found: install poppler-utils"
    result = subprocess.run([path, *args, "-", "-"] if tool == "pdftotext" else [path, *args, "-"],
                            input=pdf, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def pdffonts(pdf: bytes, tmp_path: Path) -> list[dict[str, str]]:
    path = shutil.which("pdffonts")
    assert path, "pdffonts not found: install poppler-utils"
    file = tmp_path / "fonts.pdf"
    file.write_bytes(pdf)
    lines = subprocess.run([path, str(file)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = []
    for line in lines[2:]:
        # name type encoding emb sub uni object ID — the type has a space ("CID TrueType")
        match = re.match(r"^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert match, line
        rows.append(dict(zip(("name", "type", "encoding", "emb", "sub", "uni"), match.groups())))
    return rows


def page_texts(pdf: bytes) -> list[str]:
    return [unicodedata.normalize("NFC", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def words_by_page(pdf: bytes) -> list[list[tuple[float, float, float, float, str]]]:
    """Every word with its box (xMin, yMin, xMax, yMax in points from the top left), page by page."""
    html = poppler("pdftotext", "-bbox", pdf=pdf)

    class Words(HTMLParser):
        def __init__(self):
            super().__init__()
            self.pages, self.box = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "page":
                self.pages.append([])
            elif tag == "word":
                a = dict(attrs)
                self.box = tuple(float(a[k]) for k in ("xmin", "ymin", "xmax", "ymax"))

        def handle_data(self, data):
            if self.box is not None:
                self.pages[-1].append((*self.box, unicodedata.normalize("NFC", data)))
                self.box = None

    parser = Words()
    parser.feed(html)
    return parser.pages


# ---------------------------------------------------------------------------------------------
# fixtures: the realistic minutes, final and draft
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def checklist():
    """The version the sample inspection (15/09/2020) is evaluated with."""
    return cached_catalog(PROJECT_ROOT).checklist_for("papi-xa", INSPECTION_DATE)


@pytest.fixture(scope="module")
def final() -> MinutesData:
    return sample_minutes(draft=False)


@pytest.fixture(scope="module")
def final_pdf(final) -> bytes:
    return render_minutes(final)


@pytest.fixture(scope="module")
def final_pages(final_pdf) -> list[str]:
    return page_texts(final_pdf)


@pytest.fixture(scope="module")
def final_text(final_pages) -> str:
    return squash("".join(final_pages))


@pytest.fixture(scope="module")
def draft_pdf() -> bytes:
    return render_minutes(sample_minutes(draft=True))


class RecordingServer:
    """A local HTTP server on 127.0.0.1:<free port> that records every request it gets."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { background: red }")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_server():
    with RecordingServer() as server:
        yield server


@pytest.fixture
def fetched(monkeypatch):
    """Every URL the renderer's fetcher is asked for, whether it serves or refuses it."""
    calls: list[str] = []
    original = StaticOnlyFetcher.fetch

    def recording(self, url, headers=None):
        calls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", recording)
    monkeypatch.setattr(minutes_module, "_per_thread", threading.local())  # fetch the stylesheet and fonts anew
    return calls


# ---------------------------------------------------------------------------------------------
# the realistic data itself
# ---------------------------------------------------------------------------------------------

def test_sample_rows_come_from_the_real_checklist(final, checklist):
    assert [s.papi for s in final.sections] == list(range(1, 9))
    assert [r.code for s in final.sections for r in s.rows] == list(checklist.items)
    for section in final.sections:
        for row in section.rows:
            item = checklist.items[row.code]
            assert row.question == item.question
            assert row.answer == item.display(item.validate(ANSWERS[row.code]))
            assert row.note == NOTES.get(row.code, "")
    assert "Không áp dụng" in {r.answer for s in final.sections for r in s.rows}
    assert len(final.team) == 3 and len(final.commune_reps) == 2
    assert len(final.findings) >= 12
    assert any(f.repeat for f in final.findings)
    assert sum(f.deadline is None for f in final.findings) >= 2
    assert final.checklist_version == "papi-xa@1" and len(final.record_sha256) == 64


# ---------------------------------------------------------------------------------------------
# content
# ---------------------------------------------------------------------------------------------

def test_header_title_and_opening(final_text, final_pages):
    first = squash(final_pages[0])
    for line in ("UBND THÀNH PHỐ HÀ NỘI", "ĐOÀN KIỂM TRA SỞ NỘI VỤ", "Số: 15/BB-ĐKT",
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 "Hà Nội, ngày 15 tháng 9 năm 2020", "BIÊN BẢN KIỂM TRA",
                 "Việc thực hiện các nhiệm vụ cải thiện Chỉ số PAPI tại UBND Phường Phúc Xá, Quận Ba Đình",
                 "Hôm nay, vào hồi 08 giờ 30 ngày 15 tháng 9 năm 2020, tại trụ sở UBND Phường Phúc Xá",
                 "Căn cứ Kế hoạch số 145/KH-SNV ngày 01/9/2020 của Sở Nội vụ"):
        assert squash(line) in first, line


def test_composition(final, final_text):
    for member in final.team:
        assert squash(f"{member.name}{member.position}{member.role_label}") in final_text
    for rep in final.commune_reps:
        assert squash(f"{rep.name}{rep.position}") in final_text
    assert squash("Trưởng đoàn") in final_text and squash("Thành viên") in final_text


def test_every_checklist_row_is_printed_whole_on_one_page(final, final_pages):
    pages = [squash(p) for p in final_pages]
    for section in final.sections:
        assert sum(squash(f"Chỉ số nội dung {section.papi}: {section.title}") in p for p in pages) == 1
        for row in section.rows:
            cell = squash(f"{row.code}{row.question}{row.answer}{row.note}")
            assert sum(cell in p for p in pages) == 1, row.code  # whole row, never split across pages


def test_table_header_repeats_after_page_breaks(final_pdf):
    """Every page after the first starts (below its number) with a heading or a table header, never mid-table."""
    for number, words in enumerate(words_by_page(final_pdf)[1:], start=2):
        body = [w for w in words if w[1] > 20 * MM]
        top = min(w[1] for w in body)
        first_line = [w[4] for w in sorted((w for w in body if w[1] < top + 10), key=lambda w: w[0])]
        is_header = "Mã" in first_line[:1] or "STT" in first_line[:2]
        is_heading = bool(re.match(r"^([IVX]+|\d+)\.$", first_line[0]))
        assert is_header or is_heading, (number, first_line)


def test_findings_table(final, final_text, final_pdf):
    for f in final.findings:
        assert squash(f"{f.number}{f.code}·{f.kind_label}") in final_text
        assert squash(f.title) in final_text
        assert squash(f.legal_basis) in final_text
        assert squash(f.remediation) in final_text
    # the deadline (or "—") sits on the first line of the finding's own row
    rows = poppler("pdftotext", "-layout", pdf=final_pdf).splitlines()
    for f in final.findings:
        first_line = next(line for line in rows if re.match(rf"^\s*{f.number}\s+{re.escape(f.code)} · ", line))
        assert (vn_date(f.deadline) if f.deadline else "—") in first_line, (f.code, first_line)
    assert sum(f.deadline is None for f in final.findings) == sum(
        1 for line in rows if re.match(r"^\s*\d+\s+\S+ · ", line) and " — " in line)


def test_a_finding_across_items_names_them(final, final_text):
    """E-01 (a photo missing) and J-01 (two items that contradict each other) say which items they are about;
    a finding that is its own item (GT-03) does not repeat its code."""
    named = {f.code: f.named_items for f in final.findings}
    assert named["E-01"] == "CK-02" and named["J-01"] == "CK-03, CK-05" and named["GT-03"] == ""
    for f in final.findings:
        if f.named_items:
            assert squash(f"Tiêu chí: {f.named_items}") in final_text, f.code
        else:
            assert squash(f"{f.code} · {f.kind_label}Tiêu chí:") not in final_text, f.code


def test_repeat_offence_is_marked(final, final_pages):
    repeat = next(f for f in final.findings if f.repeat)
    marked = [squash(p) for p in final_pages if squash(f"{repeat.code}·{repeat.kind_label}") in squash(p)]
    assert len(marked) == 1
    assert squash(f"{repeat.code}·{repeat.kind_label}Tái phạm / chậm khắc phục{repeat.title}") in marked[0]
    assert squash("Tái phạm / chậm khắc phục") * 2 not in marked[0]  # the engine's suffix is not printed twice


def test_scores_and_total(final, final_text):
    assert len(final.scores) == 8
    for i, line in enumerate(final.scores, start=1):
        assert squash(f"{i}{line.title} ({line.code}){vn_score(line.score)}") in final_text
    assert squash(f"Điểm tuân thủ{vn_score(final.total)}/80") in final_text
    assert squash("không phải điểm Chỉ số PAPI") in final_text
    assert vn_score(6.25) == "6,25" and vn_score(8.888) == "8,89" and vn_score(10) == "10,00"


def test_opinion_closing_and_signatures(final, final_pages):
    last = squash(final_pages[-1])
    closing = "Biên bản kết thúc vào hồi 11 giờ 45 cùng ngày, được lập thành 2 bản có giá trị như nhau, " \
              "đã đọc lại cho các thành viên cùng nghe và nhất trí ký tên."
    assert closing_sentence(final.end_time, final.copies) == closing
    # the closing sentence and the whole signature block are on the same (last) page
    for part in (closing, "ĐẠI DIỆN UBND PHƯỜNG PHÚC XÁ", "TRƯỞNG ĐOÀN KIỂM TRA", final.commune_signer, final.team_head):
        assert squash(part) in last, part
    assert last.count(squash("(Ký, ghi rõ họ tên)")) == 2
    opinion = squash("V. Ý KIẾN CỦA UBND PHƯỜNG PHÚC XÁ" + final.commune_opinion)
    assert opinion in squash("".join(final_pages))


def test_footer_on_every_page(final, final_pages):
    footer = f"Mã phiếu 1024 · lần 1 · papi-xa@1 · SHA-256 {final.record_sha256}"
    assert footer_line(final) == footer
    assert all(squash(footer) in squash(page) for page in final_pages)


# ---------------------------------------------------------------------------------------------
# page, fonts, metadata
# ---------------------------------------------------------------------------------------------

def test_a4_pages(final_pdf):
    reader = PdfReader(io.BytesIO(final_pdf))
    assert len(reader.pages) >= 5
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) <= 1 and abs(float(box.height) - A4[1]) <= 1


def assert_within_margins(pdf: bytes) -> None:
    """No word outside the 30/15 mm side margins; only the page number and the footer in the 20 mm bands."""
    for number, words in enumerate(words_by_page(pdf), start=1):
        for x0, y0, x1, y1, text in words:
            assert x0 >= 30 * MM - 1 and x1 <= A4[0] - 15 * MM + 1, (number, text)
            if y1 < 20 * MM:
                assert text == str(number), (number, text)  # the page number, in the top margin
            elif y0 > A4[1] - 20 * MM:
                assert 5 * MM < A4[1] - y1, (number, text)  # the footer line, inside the bottom margin


def test_margins(final_pdf):
    assert_within_margins(final_pdf)


def test_page_numbers_from_page_two(final_pdf):
    texts = [poppler("pdftotext", "-f", str(n), "-l", str(n), pdf=final_pdf) for n in (1, 2, 3)]
    assert not texts[0].lstrip()[0].isdigit()
    assert texts[1].lstrip().startswith("2\n") and texts[2].lstrip().startswith("3\n")
    pages = words_by_page(final_pdf)
    assert not [w for w in pages[0] if w[3] < 20 * MM]  # nothing at all in page 1's top margin
    centre = (30 * MM + A4[0] - 15 * MM) / 2
    for number, words in enumerate(pages[1:], start=2):
        top = [w for w in words if w[3] < 20 * MM]
        assert [w[4] for w in top] == [str(number)]
        assert abs((top[0][0] + top[0][2]) / 2 - centre) < 2


def test_only_liberation_serif_2_embedded(final_pdf, draft_pdf, tmp_path):
    from fontTools.ttLib import TTFont

    for pdf in (final_pdf, draft_pdf):
        fonts = pdffonts(pdf, tmp_path)
        assert {f["name"].split("+")[1] for f in fonts} == {
            "Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic", "Liberation-Serif-Bold-Italic"}
        for font in fonts:
            assert FONT_NAME.match(font["name"]) and font["emb"] == "yes" and font["sub"] == "yes", font
            assert font["uni"] == "yes", font  # text can be copied and searched
    # the embedded programs are Liberation Serif 2.x (1.07 lacks Ơ, Ư and the dot-below letters)
    programs = {}
    for page in PdfReader(io.BytesIO(draft_pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            programs[font["/BaseFont"]] = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
    assert len(programs) == 4
    for program in programs.values():
        assert program["name"].getDebugName(1) == "Liberation Serif"
        assert program["name"].getDebugName(5).startswith("Version 2.")
        assert program["name"].getDebugName(2) in ("Regular", "Bold", "Italic", "Bold Italic")


def test_vietnamese_text_survives_as_nfc(final_pages, final_text):
    text = "".join(final_pages)
    assert "\ufffd" not in text
    assert unicodedata.normalize("NFC", text) == text
    for word in ("Phường", "Ủy ban", "được", "Trưởng", "tồn đọng", "khắc phục", "Hạnh phúc", "Độc lập", "Quận"):
        assert squash(word) in final_text, word


def test_metadata_is_fixed(final_pdf, final):
    reader = PdfReader(io.BytesIO(final_pdf))
    assert reader.metadata["/CreationDate"].startswith("D:20200915114500+07")
    assert reader.metadata["/Title"] == "Biên bản kiểm tra số 15/BB-ĐKT – UBND Phường Phúc Xá"
    assert reader.trailer["/ID"][0]  # a stable identifier derived from the record


# ---------------------------------------------------------------------------------------------
# draft, revisions, refusals, variants
# ---------------------------------------------------------------------------------------------

def test_draft_watermark_on_every_page_only_in_drafts(draft_pdf, final_pages):
    draft_pages = page_texts(draft_pdf)
    assert len(draft_pages) == len(final_pages)
    assert all("DỰTHẢO" in squash(page) for page in draft_pages)
    assert all("DỰTHẢO" not in squash(page) and "DỰ THẢO" not in page for page in final_pages)
    # the footer of every draft page says it in plain horizontal text too (poppler splits diagonal text)
    reading_order = poppler("pdftotext", pdf=draft_pdf).split("\f")[:-1]
    assert len(reading_order) == len(draft_pages)
    assert all("DỰ THẢO · Mã phiếu 1024 · lần 1 · papi-xa@1 · chưa chốt, chưa có SHA-256" in page
               for page in reading_order)


def test_refusal_reason_replaces_the_signature(final):
    reason = "Không đồng ý với kết luận tại mục 7 về lịch tiếp công dân."
    pages = page_texts(render_minutes(dataclasses.replace(final, commune_refusal_reason=reason)))
    last = squash(pages[-1])
    assert squash(f"ĐẠI DIỆN UBND PHƯỜNG PHÚC XÁ(Không ký biên bản)Lý do: {reason}{final.commune_signer}") in last
    assert last.count(squash("(Ký, ghi rõ họ tên)")) == 1  # only the team head's side is to be signed
    assert squash("TRƯỞNG ĐOÀN KIỂM TRA(Ký, ghi rõ họ tên)") in last

    both = dataclasses.replace(final, commune_refusal_reason=reason, team_refusal_reason="Đoàn bảo lưu ý kiến.")
    last = squash(page_texts(render_minutes(both))[-1])
    assert squash("(Ký, ghi rõ họ tên)") not in last
    assert squash("Lý do: Đoàn bảo lưu ý kiến.") in last


def test_no_findings_no_district_revision(final):
    variant = dataclasses.replace(final, findings=(), district_name=None, revision=2, replaces_number="15/BB-ĐKT",
                                  number="16/BB-ĐKT", commune_opinion="", copies=3)
    text = squash("".join(page_texts(render_minutes(variant))))
    assert squash("Qua kiểm tra, Đoàn kiểm tra không phát hiện tồn tại, vi phạm và không có kiến nghị "
                  "đối với UBND Phường Phúc Xá.") in text
    assert squash("Yêu cầu khắc phục") not in text
    assert squash("Chỉ số PAPI tại UBND Phường Phúc XáBiên bản này thay thế biên bản số 15/BB-ĐKT.") in text
    assert squash("Quận Ba Đình") not in text.split(squash("Hôm nay"))[0]
    assert squash("V. Ý KIẾN CỦA UBND PHƯỜNG PHÚC XÁKhông có ý kiến khác.") in text
    assert squash("được lập thành 3 bản") in text
    assert squash("Mã phiếu 1024 · lần 2 · papi-xa@1") in text


# ---------------------------------------------------------------------------------------------
# safety: user text is text, nothing is fetched
# ---------------------------------------------------------------------------------------------

def hostile_strings(port: int) -> list[str]:
    return [
        '<img src="file:///etc/passwd">',
        f'<link rel=stylesheet href="http://127.0.0.1:{port}/x.css">',
        "<script>alert('xss')</script>",
        f'<div style="background:url(http://127.0.0.1:{port}/bg.png)">nền</div>',
        f'<style>@import url("http://127.0.0.1:{port}/i.css");</style>',
        f'</td></tr></table><img src="http://127.0.0.1:{port}/y.png"><base href="http://127.0.0.1:{port}/">',
        "{{ 7 * 7 }} {% raw %}",
        "x" * 300,  # one unbreakable word, wider than the page
    ]


def test_hostile_user_text_is_printed_literally_and_fetches_nothing(final, http_server, fetched, caplog):
    evil = hostile_strings(http_server.port)
    first = final.sections[0]
    rows = (first.rows[0]._replace(note=evil[0] + " " + evil[1]), *first.rows[1:])
    finding = dataclasses.replace(final.findings[0], title=evil[2], remediation=evil[3])
    data = dataclasses.replace(
        final,
        sections=(dataclasses.replace(first, rows=rows), *final.sections[1:]),
        findings=(finding, *final.findings[1:]),
        commune_opinion=evil[4] + "\n" + evil[5] + "\n" + evil[7],
        plan_reference=evil[6] + " " + evil[7],
        team=((evil[1], "Chuyên viên", "Thành viên"), *final.team[1:]),
    )
    html = render_html(data)
    assert "<img" not in html and "<script" not in html and "<link" not in html and "<base" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_minutes(data)
    text = squash("".join(page_texts(pdf)))
    for string in evil:
        assert squash(string) in text, string
    assert "root:" not in text
    assert_within_margins(pdf)  # long unbreakable user text wraps inside its cell
    assert http_server.hits == []
    whitelist = set(minutes_module._whitelist())
    assert fetched and set(fetched) <= whitelist
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_fetcher_refuses_everything_but_its_static_files(tmp_path):
    allowed = minutes_module._whitelist()
    fetcher = StaticOnlyFetcher(allowed)
    css_url = next(url for url in allowed if url.endswith("minutes.css"))
    assert b"@font-face" in fetcher.fetch(css_url).read()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    for url in ("http://127.0.0.1:9/x.css", "https://example.com/", "file:///etc/passwd", secret.as_uri(),
                "data:text/css,body{}", css_url + "?x", css_url + "#x", "ftp://127.0.0.1/x",
                css_url.replace("minutes.css", "../minutes.py"), "fonts/LiberationSerif-Regular.ttf"):
        with pytest.raises(ForbiddenURL):
            fetcher.fetch(url)
    # only the four font files and the stylesheet are ever served
    assert sorted(Path(p).name for p in allowed.values()) == sorted(
        ["minutes.css", "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf",
         "LiberationSerif-BoldItalic.ttf"])


def test_the_annex_of_photos_loads_only_the_images_it_was_given(final, http_server, fetched):
    """A caption is text; the photos come as bytes under numbered URLs; nothing else is read."""
    evil = hostile_strings(http_server.port)
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 60)).save(out, "JPEG")
    photos = (PhotoLine(1, "CK-01", evil[0] + " " + evil[1], "15/09/2020 08:45", True,
                        "21,028200° B, 105,834333° Đ", out.getvalue()),
              PhotoLine(2, "CK-01", evil[5], "15/09/2020 09:10", False, "", None))
    data = dataclasses.replace(final, photos=photos)
    pdf = render_minutes(data)
    text = squash("".join(page_texts(pdf)))
    assert squash("PHỤ LỤC: ẢNH MINH CHỨNG") in text
    assert squash("Ảnh 1 – tiêu chí CK-01: " + evil[0] + " " + evil[1]) in text
    assert squash("Chụp lúc 15/09/2020 08:45; vị trí chụp: 21,028200° B, 105,834333° Đ") in text
    assert squash("Tải lên lúc 15/09/2020 09:10 (ảnh không ghi thời điểm chụp)") in text
    assert squash("(không còn tệp ảnh)") in text and "root:" not in text
    assert http_server.hits == []
    annex = set(minutes_module.annex_images(data))
    assert len(annex) == 1 and annex <= set(fetched) <= set(minutes_module._whitelist()) | annex
    assert len(PdfReader(io.BytesIO(pdf)).pages[-1].images) == 1
    fetcher = StaticOnlyFetcher(minutes_module._whitelist()).with_images(minutes_module.annex_images(data))
    with pytest.raises(ForbiddenURL):
        fetcher.fetch(next(iter(annex)).replace("1.jpg", "2.jpg"))


def test_a_forbidden_url_stops_the_rendering(final, http_server, monkeypatch):
    """Even if the template itself asked for a resource, the renderer would fail, not fetch it."""
    for url in (f"http://127.0.0.1:{http_server.port}/logo.png", "file:///etc/passwd", "data:image/png;base64,AAAA"):
        monkeypatch.setattr(minutes_module, "render_html", lambda data, url=url: f'<p>x</p><img src="{url}">')
        with pytest.raises(MinutesRenderError):
            render_minutes(final)
    assert http_server.hits == []


def test_control_and_bidi_characters_are_dropped(final):
    sneaky = "Ghi chú\u202eđã sửa\u202c\x00\x07 xong"
    html = render_html(dataclasses.replace(final, commune_opinion=sneaky))
    assert "Ghi chúđã sửa xong" in html and "\u202e" not in html and "\x00" not in html


def test_nfd_input_is_printed_as_nfc(final):
    decomposed = unicodedata.normalize("NFD", "Đề nghị gia hạn thời hạn khắc phục")
    data = dataclasses.replace(final, commune_opinion=decomposed, commune_name=unicodedata.normalize("NFD", "Phường Phúc Xá"))
    html = render_html(data)
    assert unicodedata.normalize("NFC", html) == html
    assert "Đề nghị gia hạn thời hạn khắc phục" in html and "ĐẠI DIỆN UBND PHƯỜNG PHÚC XÁ" in html


# ---------------------------------------------------------------------------------------------
# reproducibility
# ---------------------------------------------------------------------------------------------

def test_same_data_gives_identical_bytes(final, final_pdf, monkeypatch):
    assert render_minutes(final) == final_pdf
    monkeypatch.setattr(minutes_module, "_per_thread", threading.local())  # fresh fonts and stylesheet
    assert render_minutes(final) == final_pdf
    other_thread = []
    worker = threading.Thread(target=lambda: other_thread.append(render_minutes(final)))
    worker.start()
    worker.join()
    assert other_thread == [final_pdf]


def test_identical_bytes_in_another_process(final_pdf):
    """A frozen PDF can be re-created later: another interpreter (other hash seed) gives the same bytes."""
    code = ("import hashlib, sys; from inspect_app.pdf import render_minutes; "
            "from inspect_app.pdf.sample import sample_minutes; "
            "sys.stdout.write(hashlib.sha256(render_minutes(sample_minutes(draft=False))).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True,
                            text=True, check=True, timeout=120)
    assert result.stdout == hashlib.sha256(final_pdf).hexdigest()


# ---------------------------------------------------------------------------------------------
# data and formatting
# ---------------------------------------------------------------------------------------------

def test_vietnamese_dates():
    assert vn_date(dt.date(2020, 9, 5)) == "05/09/2020" and vn_date(None) == "—"
    assert vn_long_date(dt.date(2020, 9, 15)) == "ngày 15 tháng 9 năm 2020"
    assert vn_long_date(dt.date(2021, 2, 5)) == "ngày 05 tháng 02 năm 2021"  # NĐ 30/2020: leading zeros
    assert vn_long_date(dt.date(2021, 12, 31)) == "ngày 31 tháng 12 năm 2021"
    assert place_date_line("Hà Nội", dt.date(2020, 9, 15)) == "Hà Nội, ngày 15 tháng 9 năm 2020"


def test_minutes_data_is_checked(final):
    with pytest.raises(ValueError, match="start_time"):
        dataclasses.replace(final, start_time="8h30")
    with pytest.raises(ValueError, match="record_sha256"):
        dataclasses.replace(final, record_sha256="", draft=False)
    with pytest.raises(ValueError, match="copies"):
        dataclasses.replace(final, copies=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        final.draft = True  # type: ignore[misc]
    # lists and plain tuples are accepted and stored as tuples
    data = dataclasses.replace(final, team=[["A", "B", "Trưởng đoàn"]], scores=[("TG", "Tham gia", 10.0)])
    assert data.team[0].role_label == "Trưởng đoàn" and data.scores[0].score == 10.0
    assert isinstance(data.team, tuple)


def test_checklist_sections_show_answers_in_words(checklist):
    answers = {"TG-01": "yes", "TG-06": NOT_APPLICABLE, "CK-06": dt.date(2020, 1, 5), "GT-09": 87.5, "CK-01": "cu_nat"}
    sections = checklist_sections(checklist, answers, {"TG-01": "ghi chú"})
    rows = {r.code: r for s in sections for r in s.rows}
    assert isinstance(sections[0], SectionResult) and isinstance(rows["TG-01"], ChecklistRow)
    assert rows["TG-01"].answer == "Có" and rows["TG-01"].note == "ghi chú"
    assert rows["TG-06"].answer == "Không áp dụng"
    assert rows["CK-06"].answer == "05/01/2020"
    assert rows["GT-09"].answer == "87,5%"
    assert rows["CK-01"].answer == "Cũ nát, khó đọc"
    assert rows["CK-07"].answer == "Chưa thực hiện"  # optional item left empty


def test_finding_line_fields():
    line = FindingLine(number=1, code="GT-03", title="t", legal_basis="b", remediation="r", deadline=None,
                       responsible="x")
    assert line.kind_label == "Vi phạm" and not line.repeat and not line.severity_high

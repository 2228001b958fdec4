"""A plan as files: the Excel workbook of its schedule and the PDF in the Nghị định 30/2020 format.

The PDF goes through the minutes' renderer (pdf.minutes.render_pdf: locked-down fetcher, embedded
Liberation Serif) with the report's stylesheet. Both list only what the user may see: a surprise
inspection not yet started is left out of the files of anyone outside the plan's teams.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import unicodedata
from typing import Any

import jinja2
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..pdf import minutes as pdf_minutes
from ..evaluation import PROJECT_ROOT
from .plans import PlanOverview
from .report import STYLESHEET

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "plans"
STATE_LABELS = {"planned": "Chưa kiểm tra", "overdue": "Quá hạn", "started": "Đang kiểm tra",
                "finalised": "Đã hoàn tất", "cancelled": "Đã hủy"}


def file_name(view: PlanOverview, extension: str) -> str:
    """ke-hoach-145-KH-SNV.xlsx: ASCII only, so that every browser keeps it."""
    folded = unicodedata.normalize("NFKD", view.plan.number.replace("Đ", "D").replace("đ", "d"))
    safe = "".join(c if c.isascii() and c.isalnum() else "-" for c in folded if not unicodedata.combining(c))
    return f"ke-hoach-{safe.strip('-')}.{extension}"


def to_xlsx(view: PlanOverview) -> bytes:
    """Two sheets: the schedule (one row per planned inspection) and the progress per team and area."""
    plan = view.plan
    book = Workbook()
    sheet = book.active
    sheet.title = "Lịch kiểm tra"
    sheet.append([f"Kế hoạch số {plan.number} ngày {plan.issued_on:%d/%m/%Y}: {plan.title}"])
    sheet.append([f"Thời gian: {plan.period_start:%d/%m/%Y}–{plan.period_end:%d/%m/%Y}"])
    sheet["A1"].font = Font(bold=True)
    headers = ["STT", "Xã, phường", "Mã xã", "Địa bàn", "Đoàn kiểm tra", "Quyết định thành lập đoàn",
               "Loại kiểm tra", "Từ ngày", "Đến ngày", "Tình trạng", "Số ngày làm việc quá hạn", "Lý do hủy"]
    sheet.append([])
    sheet.append(headers)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for index, (planned, state, late) in enumerate(view.rows, start=1):
        team = planned.plan_team
        sheet.append([index, planned.commune_name, planned.commune_code, planned.district_name or "",
                      team.team.name, f"{team.decision_number} ngày {team.decision_date:%d/%m/%Y}",
                      planned.kind_label, planned.window_start, planned.window_end, STATE_LABELS[state],
                      late if state == "overdue" else None, planned.cancel_reason or ""])
        for column in (8, 9):
            sheet.cell(row=sheet.max_row, column=column).number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEFGHIJKL", (6, 30, 9, 24, 30, 26, 14, 12, 12, 14, 12, 30)):
        sheet.column_dimensions[column].width = width
    counts = book.create_sheet("Tiến độ")
    counts.append(["Theo", "Tên", "Kế hoạch", "Chưa kiểm tra", "Quá hạn", "Đang kiểm tra", "Đã hoàn tất", "Đã hủy"])
    for cell in counts[1]:
        cell.font = Font(bold=True)
    for label, groups in (("Đoàn", view.by_team), ("Địa bàn", view.by_area)):
        for name, p in groups.items():
            counts.append([label, name, p.planned + p.overdue + p.started + p.finalised, p.planned, p.overdue,
                           p.started, p.finalised, p.cancelled])
    counts.column_dimensions["B"].width = 32
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _finalize(value: Any) -> Any:
    """Every printed string is NFC and free of control and bidi-override characters, as in the report."""
    return pdf_minutes.clean_text(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             finalize=_finalize)
    env.filters.update(vn_date=pdf_minutes.vn_date, upper_vn=pdf_minutes.upper_vn)
    return env


def render_html(view: PlanOverview, generated: dt.datetime) -> str:
    html = _environment().get_template("pdf.html").render(
        v=view, plan=view.plan, states=STATE_LABELS, created=generated.isoformat(),
        place_date=pdf_minutes.place_date_line("Hà Nội", view.plan.issued_on))
    return unicodedata.normalize("NFC", html)


def to_pdf(view: PlanOverview, generated: dt.datetime) -> bytes:
    """The plan as an A4 PDF with the administrative masthead, its teams, deadlines and schedule."""
    identifier = hashlib.sha256(f"plan|{view.plan.id}|{generated.isoformat()}".encode()).hexdigest()[:32].encode()
    return pdf_minutes.render_pdf(render_html(view, generated), STYLESHEET, identifier)

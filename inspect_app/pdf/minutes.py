"""The inspection minutes (biên bản kiểm tra) as a PDF: plain data in, PDF bytes out.

No Flask and no database: the caller builds a MinutesData (inspect_app.pdf.build has helpers
that turn the domain objects into its parts) and calls render_minutes(). The layout follows
/work/shared/spec/minutes.md (Nghị định 30/2020/NĐ-CP, Phụ lục I and Mẫu 1.9).

Safety: the HTML comes from a Jinja template with autoescape on, so user text is text; and the
only URL fetcher WeasyPrint gets (fetch.StaticOnlyFetcher) answers nothing but the stylesheet and
the four Liberation Serif 2 font files, so even a template mistake cannot make the renderer read
a file or a URL.

Reproducibility: the same MinutesData gives byte-identical PDFs (same WeasyPrint, fonts and
Pango): the creation date is the end of the inspection (not "now"), the PDF /ID is derived from
the record, and font subset names are hashes of the font description.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, path2url

from .fetch import ForbiddenURL, StaticOnlyFetcher

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent.parent
TEMPLATE_DIR = PROJECT_ROOT / "templates" / "pdf"
STATIC_DIR = PACKAGE_DIR / "static"
STYLESHEET = STATIC_DIR / "minutes.css"
# Liberation Serif 2.x (Debian package fonts-liberation2): metric-compatible with Times New Roman
# and complete for Vietnamese. Debian's fonts-liberation 1.07 lacks Ơ, Ư and the dot-below
# letters, so the files are named by path and checked, never looked up by family name.
DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
FONT_FILES = ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
              "LiberationSerif-Italic.ttf", "LiberationSerif-BoldItalic.ttf")
# The stylesheet names the fonts as "fonts/<file>" relative to the static folder; the fetcher maps
# exactly those URLs to the font files (nothing is copied into the project).
FONT_URL_DIR = "fonts"
VIETNAMESE_PROBE = "ĂÂĐÊÔƠƯăâđêôơưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"
TIMEZONE = dt.timezone(dt.timedelta(hours=7), "ICT")
HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
VIOLATION_LABEL, RECOMMENDATION_LABEL = "Vi phạm", "Khuyến nghị"
NO_OPINION = "Không có ý kiến khác"
# Control characters other than tab and newline, and the bidi overrides/isolates that can make
# printed text read differently from the stored text.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class MinutesRenderError(RuntimeError):
    """The minutes could not be rendered (missing or unsuitable font, forbidden resource)."""


# ---------------------------------------------------------------------------------------------
# The data the minutes print
# ---------------------------------------------------------------------------------------------

class TeamMember(NamedTuple):
    name: str
    position: str
    role_label: str  # "Trưởng đoàn" / "Thành viên" (/ "Thư ký" …)


class CommuneRep(NamedTuple):
    name: str
    position: str


class ChecklistRow(NamedTuple):
    code: str
    question: str
    answer: str  # the answer in words (Item.display)
    note: str = ""


class ScoreLine(NamedTuple):
    code: str  # dimension code, e.g. "TG"
    title: str
    score: float  # 0–10


@dataclass(frozen=True)
class SectionResult:
    papi: int
    title: str
    rows: tuple[ChecklistRow, ...]

    def __post_init__(self):
        object.__setattr__(self, "rows", tuple(ChecklistRow(*r) for r in self.rows))


@dataclass(frozen=True, kw_only=True)
class FindingLine:
    number: int
    code: str
    title: str
    legal_basis: str
    remediation: str
    deadline: dt.date | None
    responsible: str
    repeat: bool = False
    kind_label: str = VIOLATION_LABEL  # "Vi phạm" / "Khuyến nghị"
    severity_high: bool = False
    deadline_provisional: bool = False  # in a year whose days off were not announced yet
    items: tuple[str, ...] = ()  # the checklist items it is about, named when they are not just `code`

    @property
    def named_items(self) -> str:
        """"CK-03, TG-01" for a finding across items (E-01, J-01); empty when the finding is its one item."""
        return "" if list(self.items) in ([], [self.code]) else ", ".join(self.items)


# What became of a previous finding, as the re-inspection part of the minutes says it.
FIXED_LABEL, NOT_FIXED_LABEL = "Đã khắc phục", "Chưa khắc phục"
LATE_LABEL, PENDING_LABEL = "Chậm khắc phục", "Chờ xác nhận"


class RemediationLine(NamedTuple):
    """One finding of the previous inspection and what became of it, as a re-inspection found it."""

    number: int
    code: str
    title: str
    deadline: dt.date | None
    outcome: str  # "Đã khắc phục" / "Chưa khắc phục" / "Chậm khắc phục" / "Chờ xác nhận"
    detail: str = ""  # e.g. "Tiếp tục vi phạm (tái phạm); quá thời hạn khắc phục"


@dataclass(frozen=True, kw_only=True)
class PreviousResults:
    """The part of a re-inspection's minutes on the previous minutes' findings (Kết quả khắc phục …)."""

    number: str | None  # the previous minutes' number; None when they were never issued by this system
    inspection_date: dt.date
    lines: tuple[RemediationLine, ...]

    def __post_init__(self):
        object.__setattr__(self, "lines", tuple(RemediationLine(*line) for line in self.lines))

    @property
    def reference(self) -> str:
        """"Biên bản kiểm tra số 01/BB-ĐKT ngày 15/09/2020" (without "số …" when the number is unknown)."""
        number = f" số {self.number}" if self.number else ""
        return f"Biên bản kiểm tra{number} ngày {vn_date(self.inspection_date)}"

    def tally(self) -> str:
        """"đã khắc phục 1; chưa khắc phục 1": the outcomes counted, in a fixed order, zeros left out."""
        order = (FIXED_LABEL, PENDING_LABEL, LATE_LABEL, NOT_FIXED_LABEL)
        counts = {label: 0 for label in order}
        for line in self.lines:
            counts[line.outcome] = counts.get(line.outcome, 0) + 1
        return "; ".join(f"{label[:1].lower()}{label[1:]} {n}" for label, n in counts.items() if n)


class PhotoLine(NamedTuple):
    """One photo of the annex: what it shows and when (and, if the team keeps it, where) it was taken."""

    number: int
    item: str  # the checklist item it is evidence for
    caption: str
    taken: str  # "15/09/2020 08:45", Hà Nội time
    from_camera: bool  # the camera's own time (EXIF); else the upload time
    location: str = ""  # "21,028200° B, 105,834333° Đ"; empty unless kept
    image: bytes | None = None  # the JPEG; None when its file is missing (then the annex says so)


@dataclass(frozen=True, kw_only=True)
class MinutesData:
    """Everything the minutes print. Sequences may be given as lists; they are stored as tuples."""

    issuing_body: str = "UBND THÀNH PHỐ HÀ NỘI"
    team_name: str  # "ĐOÀN KIỂM TRA SỞ NỘI VỤ"
    number: str  # "15/BB-ĐKT": the caller's numbering scheme, printed as "Số: {number}"
    place_date_line: str  # "Hà Nội, ngày 15 tháng 9 năm 2020" (see place_date_line())
    commune_name: str  # "Phường Phúc Xá"
    district_name: str | None  # "Quận Ba Đình"; None after the 2025 reform (then omitted)
    inspection_date: dt.date
    start_time: str | None  # "08:30"; a draft may not have it yet (then a blank to fill in)
    end_time: str | None  # "11:45"
    place: str | None  # "trụ sở UBND Phường Phúc Xá"
    plan_reference: str = ""  # "Kế hoạch số 45/KH-SNV ngày 01/9/2020 của Sở Nội vụ …"
    team: tuple[TeamMember, ...]
    commune_reps: tuple[CommuneRep, ...]
    sections: tuple[SectionResult, ...]
    findings: tuple[FindingLine, ...]
    scores: tuple[ScoreLine, ...]
    total: float
    commune_opinion: str = ""
    copies: int = 2
    commune_signer: str
    team_head: str
    commune_refusal_reason: str | None = None
    team_refusal_reason: str | None = None
    inspection_id: int | str
    revision: int = 1
    replaces_number: str | None = None
    checklist_version: str  # "papi-xa@1"
    record_sha256: str = ""  # SHA-256 (hex) of the finalised record; empty for a draft
    draft: bool = False
    # A re-inspection: what became of the previous minutes' findings (printed at the end of part II).
    # None (the default) leaves the part out, so minutes without a previous inspection are unchanged.
    previous_results: PreviousResults | None = None
    # The annex of photos (Phụ lục ảnh), after the signatures; empty leaves it out.
    photos: tuple[PhotoLine, ...] = ()

    def __post_init__(self):
        conv = {"team": TeamMember, "commune_reps": CommuneRep, "scores": ScoreLine, "photos": PhotoLine}
        for name, kind in conv.items():
            object.__setattr__(self, name, tuple(kind(*x) for x in getattr(self, name)))
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "findings", tuple(self.findings))
        problems = []
        for name in ("start_time", "end_time"):
            value = getattr(self, name)
            if value is None and not self.draft:
                problems.append(f"final (non-draft) minutes need the {name}: they never invent one")
            elif value is not None and not HH_MM.match(value):
                problems.append(f"{name} must be HH:MM, got {value!r}")
        if not self.place and not self.draft:
            problems.append("final (non-draft) minutes need the place")
        if self.copies < 1:
            problems.append("copies must be at least 1")
        if self.revision < 1:
            problems.append("revision must be at least 1")
        if self.record_sha256 and not SHA256_HEX.match(self.record_sha256):
            problems.append("record_sha256 must be 64 lower-case hex digits")
        if not self.draft and not self.record_sha256:
            problems.append("final (non-draft) minutes need the record_sha256 of the finalised record")
        if problems:
            raise ValueError("; ".join(problems))


# ---------------------------------------------------------------------------------------------
# Vietnamese formatting
# ---------------------------------------------------------------------------------------------

def clean_text(value: str) -> str:
    """NFC, without control characters or bidi overrides (tab and newline are kept)."""
    return unicodedata.normalize("NFC", _UNSAFE_CHARS.sub("", value))


def vn_date(day: dt.date | None, empty: str = "—") -> str:
    """dd/mm/yyyy, or `empty` for no date."""
    return day.strftime("%d/%m/%Y") if day else empty


def vn_score(value: float) -> str:
    """A score with two decimals and the Vietnamese decimal comma: 8.888 → "8,89"."""
    return f"{value:.2f}".replace(".", ",")


def vn_long_date(day: dt.date) -> str:
    """"ngày 15 tháng 9 năm 2020"; days below 10 and months below 3 get a leading zero (NĐ 30/2020)."""
    day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day_text} tháng {month_text} năm {day.year}"


def place_date_line(place: str, day: dt.date) -> str:
    """"Hà Nội, ngày 15 tháng 9 năm 2020": the line under the national motto."""
    return f"{place}, {vn_long_date(day)}"


BLANK = "……"  # a value the team has not recorded yet: a draft leaves room to write it by hand


def vn_clock(hh_mm: str | None) -> str:
    """"08:30" → "08 giờ 30"; no time yet → "…… giờ ……"."""
    hours, minutes = hh_mm.split(":") if hh_mm else (BLANK, BLANK)
    return f"{hours} giờ {minutes}"


def upper_vn(text: str) -> str:
    return unicodedata.normalize("NFC", text.upper())


def closing_sentence(end_time: str | None, copies: int) -> str:
    return (f"Biên bản kết thúc vào hồi {vn_clock(end_time)} cùng ngày, được lập thành {copies} bản có giá trị "
            "như nhau, đã đọc lại cho các thành viên cùng nghe và nhất trí ký tên.")


def footer_line(data: MinutesData) -> str:
    """The line printed at the foot of every page, matching a paper copy to the stored record.

    A draft has no finalised record yet; its footer says so in words ("DỰ THẢO"), which also puts
    the word in the text layer in a form every extractor reads (diagonal watermark text is
    extracted in pieces by poppler).
    """
    head = f"Mã phiếu {data.inspection_id} · lần {data.revision} · {data.checklist_version} · "
    if data.draft:
        return f"DỰ THẢO · {head}chưa chốt, chưa có SHA-256"
    return f"{head}SHA-256 {data.record_sha256}"


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

def font_dir() -> Path:
    """Where Liberation Serif 2 lives: INSPECT_PDF_FONT_DIR, else Debian's fonts-liberation2 folder."""
    return Path(os.environ.get("INSPECT_PDF_FONT_DIR") or DEFAULT_FONT_DIR)


@functools.lru_cache(maxsize=4)
def _checked_fonts(directory: Path) -> tuple[Path, ...]:
    """The four font files, after checking that each one has every Vietnamese letter."""
    from fontTools.ttLib import TTFont

    paths = tuple(directory / name for name in FONT_FILES)
    for path in paths:
        if not path.is_file():
            raise MinutesRenderError(f"font file missing: {path} (install fonts-liberation2 or set INSPECT_PDF_FONT_DIR)")
        with TTFont(path, lazy=True) as font:
            cmap = font.getBestCmap()
        missing = sorted({ch for ch in VIETNAMESE_PROBE if ord(ch) not in cmap})
        if missing:
            raise MinutesRenderError(f"{path} lacks Vietnamese glyphs {''.join(missing)}: use Liberation Serif 2.x")
    return paths


def _whitelist(stylesheet: Path = STYLESHEET) -> dict[str, Path]:
    """URL → file for everything the renderer may read: one stylesheet of the static folder and the fonts."""
    if stylesheet.parent != STATIC_DIR:
        raise MinutesRenderError(f"stylesheets live in {STATIC_DIR}: {stylesheet}")
    base = static_base_url()
    allowed = {base + stylesheet.name: stylesheet}
    for path in _checked_fonts(font_dir()):
        allowed[f"{base}{FONT_URL_DIR}/{path.name}"] = path
    return allowed


def static_base_url() -> str:
    """The fixed base every relative URL of the minutes resolves against (the static folder)."""
    return path2url(str(STATIC_DIR)).rstrip("/") + "/"


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(vn_date=vn_date, vn_score=vn_score, vn_clock=vn_clock, vn_long_date=vn_long_date,
                       upper_vn=upper_vn)
    return env


def _cleaned(value: Any) -> Any:
    """The data with every string NFC-normalised and stripped of control and bidi characters."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_cleaned(v) for v in value))
    if isinstance(value, tuple):
        return tuple(_cleaned(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return type(value)(**{f.name: _cleaned(getattr(value, f.name)) for f in fields(value) if f.init})
    return value


ANNEX_URL = "annex/{number}.jpg"  # relative to the static base; answered from PhotoLine.image only


def annex_images(data: MinutesData) -> dict[str, bytes]:
    """URL → JPEG bytes of the annex's photos: the only images the renderer may load."""
    base = static_base_url()
    return {base + ANNEX_URL.format(number=p.number): p.image for p in data.photos if p.image is not None}


def render_html(data: MinutesData) -> str:
    """The minutes as HTML (what WeasyPrint lays out); useful for debugging the template."""
    data = _cleaned(data)
    created = dt.datetime.combine(data.inspection_date, dt.time.fromisoformat(data.end_time or "00:00"), TIMEZONE)
    html = _environment().get_template("minutes.html").render(
        d=data,
        district_suffix=f", {data.district_name}" if data.district_name else "",
        commune_upper=upper_vn(data.commune_name),
        opening_date=vn_long_date(data.inspection_date),
        opinion_paragraphs=[p.strip() for p in (data.commune_opinion or "").split("\n") if p.strip()]
        or [NO_OPINION + "."],
        score_max=10 * len(data.scores),
        closing=closing_sentence(data.end_time, data.copies),
        blank=BLANK * 4,
        footer=footer_line(data),
        created=created.isoformat(),
        annex_url=ANNEX_URL,
    )
    return unicodedata.normalize("NFC", html)


def _pdf_identifier(data: MinutesData) -> bytes:
    key = f"{data.inspection_id}|{data.revision}|{data.record_sha256}|{data.draft}"
    return hashlib.sha256(key.encode()).hexdigest()[:32].encode()


_per_thread = threading.local()


def _resources(stylesheet: Path = STYLESHEET) -> tuple[StaticOnlyFetcher, FontConfiguration, CSS]:
    """The fetcher and parsed stylesheet (per stylesheet) and the font configuration, made once per thread.

    A FontConfiguration per render leaks about 0.25 MB of Fontconfig/Pango memory each time in
    WeasyPrint 70 (measured with bench/pdf.py); one per thread stays flat and gives the same bytes.
    Per thread, because Pango and Fontconfig objects are not meant to be shared between threads.
    Every stylesheet declares the same four @font-face rules, which WeasyPrint keys by their
    descriptors: another stylesheet adds no face, so the minutes' bytes never depend on what else
    the thread rendered before.
    """
    fonts = getattr(_per_thread, "fonts", None)
    if fonts is None or fonts[0] != font_dir():
        fonts = _per_thread.fonts = (font_dir(), FontConfiguration(), {})
    _, font_config, sheets = fonts
    mtime = stylesheet.stat().st_mtime_ns
    cached = sheets.get(stylesheet)
    if cached is None or cached[0] != mtime:
        fetcher = StaticOnlyFetcher(_whitelist(stylesheet))
        css = CSS(url=static_base_url() + stylesheet.name, url_fetcher=fetcher, font_config=font_config)
        cached = sheets[stylesheet] = (mtime, fetcher, css)
    return cached[1], font_config, cached[2]


def render_pdf(html: str, stylesheet: Path, pdf_identifier: bytes, images: Mapping[str, bytes] | None = None) -> bytes:
    """Any document as PDF bytes: `html` (a template under templates/pdf or templates/report, autoescaped)
    laid out with `stylesheet` (a file of the static folder) and Liberation Serif 2, through the locked-down
    fetcher (that stylesheet, the four fonts and the `images` given as bytes, nothing else) and the
    thread's font configuration."""
    try:
        fetcher, font_config, css = _resources(stylesheet)
        if images:
            fetcher = fetcher.with_images(images)
        document = HTML(string=html, base_url=static_base_url(), url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[css], font_config=font_config, pdf_identifier=pdf_identifier)
    except FatalURLFetchingError as error:
        raise MinutesRenderError(str(error.__cause__ or error)) from error.__cause__


def render_minutes(data: MinutesData) -> bytes:
    """The minutes as PDF bytes (A4, Liberation Serif 2 embedded as subsets)."""
    return render_pdf(render_html(data), STYLESHEET, _pdf_identifier(data), annex_images(data))


__all__ = [
    "ChecklistRow", "CommuneRep", "FindingLine", "ForbiddenURL", "MinutesData", "MinutesRenderError", "PhotoLine",
    "PreviousResults", "RemediationLine", "ScoreLine", "SectionResult", "TeamMember", "closing_sentence",
    "footer_line", "place_date_line", "render_html", "render_minutes", "render_pdf", "vn_date", "vn_long_date",
    "vn_score",
]

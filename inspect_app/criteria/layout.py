"""The sheets and columns of the criteria workbook, shared by export and import.

A column is found by its header text, so people may reorder columns; the labels people pick from
drop-down lists (types, kinds, severities, …) map to the words the YAML catalog stores.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.checklists import ANSWER_TYPES, DUE_KINDS
from ..domain.rules import KINDS, MEASURES, SEVERITIES

YES_LABEL, NO_LABEL = "Có", "Không"
FLAG_LABELS = {True: YES_LABEL, False: NO_LABEL}
TYPE_LABELS = {name: {"yesno": "Có/Không", "int": "Số nguyên", "pct": "Tỷ lệ %", "date": "Ngày",
                      "choice": "Lựa chọn", "text": "Văn bản"}.get(name, name) for name in ANSWER_TYPES}
KIND_LABELS = dict(zip(KINDS, ("Vi phạm", "Khuyến nghị", "Kiến nghị xử lý")))
SEVERITY_LABELS = dict(zip(SEVERITIES, ("Bình thường", "Nghiêm trọng")))
MEASURE_LABELS = dict(zip(MEASURES, ("Ngày kiểm tra", "Tháng trước ngày kiểm tra")))
DUE_LABELS = dict(zip(DUE_KINDS, ("Sau ngày của tiêu chí", "Sau ngày kết thúc kỳ báo cáo")))
WEIGHT, SEVERITY_FACTOR, REPEAT_FACTOR, EXPLANATION = "item_weights", "severity_factors", "repeat_factor", "explanation"
SCORING_LABELS = {WEIGHT: "Trọng số tiêu chí", SEVERITY_FACTOR: "Hệ số mức độ", REPEAT_FACTOR: "Hệ số tái phạm",
                  EXPLANATION: "Giải thích cách tính điểm"}
VERSION_OWNER = "Phiên bản"  # the owner of the checklist's own legal basis on the citations sheet


@dataclass(frozen=True, eq=False)  # one object per column: compared and hashed by identity
class Column:
    key: str  # what it holds in the YAML (a dotted key for nested values: due.days)
    title: str  # its header
    width: int
    kind: str = "text"  # text | date | flag | number | integer | lines | label
    labels: dict | None = None  # for kind "label": YAML value -> what people pick
    required: bool = False  # a row without it is refused by the importer
    hints: tuple[str, ...] = ()  # words by which the validator's messages point at this column


@dataclass(frozen=True, eq=False)
class Sheet:
    title: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _dates() -> tuple[Column, Column]:
    return (Column("effective_from", "Hiệu lực từ", 13, "date", hints=("'effective_from'",)),
            Column("effective_to", "Hiệu lực đến", 13, "date", hints=("'effective_to'", "effective_to (")))


VERSION = Sheet("Phiên bản", (
    Column("id", "Mã bộ tiêu chí", 16, required=True, hints=("'id'",)),
    Column("version", "Số phiên bản", 12, "integer", required=True, hints=("'version'",)),
    Column("title", "Tên bộ tiêu chí", 70, hints=("'title'",)),
    *_dates(),
))
SECTIONS = Sheet("Mục", (
    Column("code", "Mã mục", 10, required=True, hints=("mã mục",)),
    Column("papi", "Nội dung PAPI số", 14, "integer", hints=("'papi'",)),
    Column("title", "Tên mục", 60, hints=("'title'",)),
))
ITEMS = Sheet("Tiêu chí", (
    Column("section", "Mục", 8, required=True),
    Column("code", "Mã tiêu chí", 12, required=True, hints=("mã tiêu chí", "bị trùng mã")),
    Column("question", "Câu hỏi", 60, hints=("'question'",)),
    Column("guidance", "Hướng dẫn kiểm tra", 70, hints=("'guidance'",)),
    Column("type", "Kiểu trả lời", 14, "label", TYPE_LABELS, hints=("kiểu '",)),
    Column("na_allowed", "Cho phép “Không áp dụng”", 14, "flag", FLAG_LABELS, hints=("'na_allowed'",)),
    Column("required", "Bắt buộc trả lời", 12, "flag", FLAG_LABELS, hints=("'required'",)),
    Column("evidence", "Cần ảnh minh chứng", 12, "flag", FLAG_LABELS, hints=("'evidence'",)),
    Column("input_only", "Chỉ là số liệu đầu vào", 12, "flag", FLAG_LABELS, hints=("'input_only'",)),
    Column("unit", "Đơn vị", 12),
    Column("min", "Tối thiểu", 10, "number", hints=("'min'",)),
    Column("max", "Tối đa", 10, "number", hints=("'max'",)),
    Column("choices", "Các lựa chọn (mỗi dòng “giá trị: nhãn”)", 30, "lines", hints=("'choices'", "'label'")),
    Column("part_of", "Là phần của (villages hoặc mã tiêu chí)", 16, hints=("'part_of'",)),
    Column("due.kind", "Hạn công khai tính từ", 22, "label", DUE_LABELS, hints=("'due'",)),
    Column("due.item", "Hạn: ngày của tiêu chí", 14, hints=("'due.item'",)),
    Column("due.days", "Hạn: số ngày", 10, "integer"),
    Column("due.months", "Hạn: tháng kết thúc kỳ (3; 6; 9; 12)", 16),
    *_dates(),
))
RULES = Sheet("Luật", (
    Column("id", "Mã luật", 14, required=True, hints=("'id'", "bị trùng id")),
    Column("code", "Mã phát hiện", 12, hints=("mã phát hiện",)),
    Column("items", "Các tiêu chí (cách nhau bởi “;”)", 16,
           hints=("'items'", "mã tiêu chí không có trong checklist")),
    Column("kind", "Loại kết luận", 16, "label", KIND_LABELS, hints=("'kind'",)),
    Column("severity", "Mức độ", 14, "label", SEVERITY_LABELS, hints=("'severity'",)),
    Column("title", "Kết luận", 50, hints=("'title'",)),
    Column("remediation", "Biện pháp khắc phục", 50, hints=("'remediation'",)),
    Column("responsible", "Người chịu trách nhiệm", 24, hints=("'responsible'",)),
    Column("deadline", "Thời hạn khắc phục (10wd, 30d, 31/12, none)", 16, hints=("'deadline'", "Hạn khắc phục")),
    Column("measures", "Xét theo", 18, "label", MEASURE_LABELS, hints=("'measures'",)),
    Column("repeatable", "Tính tái phạm", 12, "flag", FLAG_LABELS, hints=("'repeatable'",)),
    Column("condition", "Điều kiện", 50, hints=("điều kiện",)),
    *_dates(),
))
BASIS = Sheet("Căn cứ pháp lý", (
    Column("owner", f"Áp dụng cho (mã luật hoặc “{VERSION_OWNER}”)", 22, required=True),
    Column("instrument", "Văn bản (mã trong sổ đăng ký)", 24, required=True,
           hints=("văn bản không có trong sổ đăng ký", "ngoài thời gian văn bản có hiệu lực")),
    Column("article", "Điều khoản (mỗi dòng một điều khoản)", 40, "lines",
           hints=("chưa có trong sổ đăng ký", "'article'")),
    *_dates(),
))
SCORING = Sheet("Cách tính điểm", (
    Column("parameter", "Thông số", 26, "label", SCORING_LABELS, required=True),
    Column("subject", "Áp dụng cho (mã tiêu chí hoặc mức độ)", 22),
    Column("value", "Giá trị", 70),
))
INSTRUMENTS = Sheet("Văn bản", (
    Column("id", "Mã văn bản", 24), Column("cite", "Trích dẫn", 50), Column("kind", "Loại", 12),
    Column("number", "Số, ký hiệu", 18), Column("issuer", "Cơ quan ban hành", 24), Column("issued", "Ngày ban hành", 13, "date"),
    *_dates(), Column("verified", "Đã xác minh", 11, "flag", FLAG_LABELS),
    Column("articles", "Điều khoản đã đăng ký (mỗi dòng một điều khoản)", 60, "lines"),
))
EDITABLE = (VERSION, SECTIONS, ITEMS, RULES, BASIS, SCORING)  # what the importer reads
LISTS = "Danh sách chọn"  # a hidden sheet holding the drop-down lists

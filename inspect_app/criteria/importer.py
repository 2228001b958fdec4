"""Import a criteria workbook as a draft checklist version, validated by the catalog's own loader.

The importer only reads cells: it turns labels, flags, dates and numbers into the YAML the catalog
stores, and names a cell it cannot read by sheet, row and column. Everything else is judged by
`load_catalog` on a temporary copy of the catalog with this version's two files replaced, so there
is one validator. The importer writes those files itself, remembering which sheet row each line
came from, and reports the loader's problems at that row (and the column its message names).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from ..domain.catalog import Catalog, CatalogError, StoredVersion, load_catalog
from ..domain.legal import LegalRegister
from ..domain.rules import SEVERITIES
from .layout import BASIS, EDITABLE, EXPLANATION, ITEMS, REPEAT_FACTOR, RULES, SCORING, SECTIONS, \
    SEVERITY_FACTOR, SEVERITY_LABELS, VERSION, VERSION_OWNER, WEIGHT, Column, Sheet
from .rebase import Rebase
from .versions import version_files

VN_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
PROBLEM_LINE = re.compile(r"^(?P<path>[^:]+?)(?::(?P<line>\d+))?: (?P<message>.*)$", re.S)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the workbook, where it is: sheet, row and column when known."""

    message: str
    sheet: Sheet | None = None
    row: int | None = None
    column: Column | None = None

    @property
    def letter(self) -> str | None:
        return get_column_letter(self.sheet.columns.index(self.column) + 1) if self.column else None

    def __str__(self) -> str:
        where = [f"Trang '{self.sheet.title}'"] if self.sheet else []
        where += [f"dòng {self.row}"] if self.row else []
        where += [f"cột {self.letter} ({self.column.title})"] if self.column else []
        return ", ".join(where) + ": " + self.message if where else self.message

    @property
    def order(self) -> tuple[int, int, int]:
        sheet = EDITABLE.index(self.sheet) if self.sheet else -1
        return sheet, self.row or 0, self.sheet.columns.index(self.column) if self.column else -1


@dataclass(frozen=True)
class Draft:
    """A valid draft version: its two catalog files, and the catalog that loaded them."""

    checklist_id: str
    version: int
    checklist_yaml: str
    rules_yaml: str
    catalog: Catalog = field(repr=False, compare=False)
    left_out: tuple[str, ...] = ()  # what rebasing onto the earliest start left out, in words

    @property
    def file_name(self) -> str:
        return f"{self.checklist_id}-v{self.version}.yaml"

    def write(self, directory: Path | str) -> tuple[Path, Path]:
        """Write checklists/<id>-v<N>.yaml and rules/<id>-v<N>.yaml under `directory`."""
        paths = Path(directory) / "checklists" / self.file_name, Path(directory) / "rules" / self.file_name
        for path, text in zip(paths, (self.checklist_yaml, self.rules_yaml)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return paths


@dataclass(frozen=True)
class ImportResult:
    draft: Draft | None
    problems: tuple[Problem, ...]


def import_workbook(source: Path | str | IO[bytes], root: Path | str, stored: Iterable[StoredVersion] = (), *,
                    numbered: Callable[[str, int], int] | None = None,
                    earliest: Callable[[str], dt.date] | None = None,
                    register: LegalRegister | None = None) -> ImportResult:
    """Read a criteria workbook into a draft version of the catalog in `root` (with the `stored` versions
    beside it), or list every problem.

    `numbered(id, number in the workbook)` numbers the draft (published versions are never replaced);
    `earliest(id)` is the first day it may start (today or later, for a version to publish): a workbook
    dated earlier is rebased onto that day against `register`, and what that leaves out is listed.
    """
    try:
        book = load_workbook(source, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a file that is not a workbook
        return ImportResult(None, (Problem("tệp không phải bảng tính Excel (.xlsx) đọc được"),))
    reader = _Reader(book)
    if reader.misshapen:
        return ImportResult(None, reader.sorted())
    head = reader.version()
    if numbered is not None and head["id"] and isinstance(head["version"], int):
        head["version"] = numbered(head["id"], head["version"])
    rebase = None
    start = earliest(head["id"]) if earliest is not None and head["id"] else None
    if start is not None and register is not None and head["effective_from"] is not None \
            and head["effective_from"] < start:
        head["effective_from"] = start
        rebase = Rebase(start, register)
    checklist_yaml, rules_yaml = reader.draft(head, rebase)  # every cell is read, even when the version has no name
    catalog = None
    if head["id"] and isinstance(head["version"], int):
        catalog = _validate(Path(root), tuple(stored), head, checklist_yaml, rules_yaml, reader)
    problems = reader.sorted()
    if problems or catalog is None:
        return ImportResult(None, problems)
    return ImportResult(Draft(head["id"], head["version"], checklist_yaml.text, rules_yaml.text, catalog,
                              tuple(rebase.left_out) if rebase else ()), ())


# --------------------------------------------------------------------------- reading cells


@dataclass
class _Row:
    sheet: Sheet
    at: int  # the sheet row
    cells: dict[str, Any]  # column key -> the cell's value
    reader: "_Reader"

    def raw(self, key: str) -> Any:
        value = self.cells.get(key)
        return None if isinstance(value, str) and not value.strip() else value

    def problem(self, key: str, message: str) -> None:
        self.reader.add(Problem(message, self.sheet, self.at, self.sheet.column(key)))

    def text(self, key: str) -> str | None:
        value = self.raw(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return None if value is None else unicodedata.normalize("NFC", str(value).strip())

    def lines(self, key: str) -> list[str]:
        return [line.strip() for line in (self.text(key) or "").splitlines() if line.strip()]

    def number(self, key: str, whole: bool = False) -> int | float | None:
        value = self.raw(key)
        if isinstance(value, str):
            text = value.strip().replace(" ", "")
            try:
                value = float(text.replace(",", ".")) if "," in text or "." in text else int(text)
            except ValueError:
                self.problem(key, f"“{value.strip()}” không phải là số" + (" nguyên" if whole else ""))
                return None
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            if value is not None:
                self.problem(key, f"“{value}” không phải là số")
            return None
        if isinstance(value, float) and value.is_integer() and whole:
            value = int(value)
        if whole and not isinstance(value, int):
            self.problem(key, f"“{str(value).replace('.', ',')}” không phải là số nguyên")
            return None
        return value

    def date(self, key: str) -> dt.date | None:
        value = self.raw(key)
        if value is None or isinstance(value, dt.date):
            return value.date() if isinstance(value, dt.datetime) else value
        text = str(value).strip()
        match = VN_DATE.fullmatch(text)
        try:
            if match:
                return dt.date(int(match[3]), int(match[2]), int(match[1]))
            return dt.date.fromisoformat(text)
        except ValueError:
            what = "không phải ngày có thật" if match else "không phải ngày dạng dd/mm/yyyy"
            self.problem(key, f"“{text}” {what}")
            return None

    def label(self, key: str) -> Any:
        """The YAML value of the label people picked from the column's drop-down list."""
        text = self.text(key)
        if text is None:
            return None
        labels = self.sheet.column(key).labels
        by_label = {label.casefold(): value for value, label in labels.items()}
        if text.casefold() not in by_label:
            self.problem(key, f"“{text}” không có trong danh sách; chọn một trong: "
                              + "; ".join(dict.fromkeys(labels.values())))
            return None
        return by_label[text.casefold()]


class _Reader:
    """Reads the editable sheets, collecting problems, and writes the draft's YAML."""

    def __init__(self, book: Workbook):
        self.book, self.problems = book, []
        self.rows = {sheet.title: list(self._rows(sheet)) for sheet in EDITABLE}
        self.misshapen = bool(self.problems)  # a missing sheet or column: rows cannot be read until it is fixed
        if not self.misshapen:
            self.rows = {title: self._filled(rows) for title, rows in self.rows.items()}

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def sorted(self) -> tuple[Problem, ...]:
        return tuple(sorted(self.problems, key=lambda p: p.order))

    def _rows(self, sheet: Sheet) -> Iterator[_Row]:
        if sheet.title not in self.book.sheetnames:
            self.add(Problem(f"thiếu trang '{sheet.title}'"))
            return
        cells = list(self.book[sheet.title].iter_rows(values_only=True))
        header = [unicodedata.normalize("NFC", str(v)).strip() if v is not None else "" for v in (cells or [()])[0]]
        if not any(header):
            self.add(Problem("trang trống: cần dòng tiêu đề và các dòng dữ liệu", sheet))
            return
        positions = {}
        for column in sheet.columns:
            if column.title in header:
                positions[column.key] = header.index(column.title)
            else:
                self.add(Problem(f"thiếu cột “{column.title}” (giữ nguyên tên cột như khi xuất)", sheet, 1))
        data = [(number, values) for number, values in enumerate(cells[1:], start=2)
                if any(v is not None and str(v).strip() for v in values)]
        if not data:
            self.add(Problem("trang không có dòng dữ liệu nào", sheet))
        for number, values in data:
            yield _Row(sheet, number, {key: values[i] if i < len(values) else None for key, i in positions.items()},
                       self)

    def _filled(self, rows: list[_Row]) -> list[_Row]:
        """The rows with every required cell filled; the others are reported and left out."""
        kept = []
        for row in rows:
            missing = [column for column in row.sheet.columns if column.required and row.raw(column.key) is None]
            for column in missing:
                row.problem(column.key, "ô này không được để trống")
            if not missing:
                kept.append(row)
        return kept

    def version(self) -> dict[str, Any]:
        """The version's own row: id, number, title and dates (None where a cell cannot be read)."""
        rows = self.rows[VERSION.title]
        for extra in rows[1:]:
            self.add(Problem("trang này chỉ có một dòng dữ liệu (phiên bản đang sửa)", VERSION, extra.at))
        if not rows:  # its required cells were empty, and are reported
            return dict.fromkeys(("id", "version", "title", "effective_from", "effective_to", "row"))
        row = rows[0]
        return {"id": row.text("id"), "version": row.number("version", whole=True), "title": row.text("title"),
                "effective_from": row.date("effective_from"), "effective_to": row.date("effective_to"),
                "row": row.at}

    def draft(self, head: dict[str, Any], rebase: Rebase | None = None) -> tuple["_Yaml", "_Yaml"]:
        rules = [self._rule(row) for row in self.rows[RULES.title]]
        basis = self._basis({rule.data["id"] for rule in rules if rule.data.get("id")})
        items = self._items()
        if rebase is not None:
            rules, basis, items = _rebased(rebase, rules, basis, items)
        checklist = _Yaml()
        origin = (VERSION, head["row"])
        checklist.line("# Bản nháp đọc từ bảng tính tiêu chí; kiểm tra bằng: flask --app inspect_app catalog check")
        for key in ("id", "version", "title"):
            checklist.pair("", key, head[key], origin)
        checklist.entries("", "basis", basis.get(VERSION_OWNER, []), origin)
        for key in ("effective_from", "effective_to"):
            checklist.pair("", key, head[key], origin)
        checklist.line("scoring:")
        for key, value in self._scoring().items():
            checklist.pair("  ", key, value, (SCORING, None))
        checklist.line("sections:")
        for row in self.rows[SECTIONS.title]:
            code = row.text("code")
            section = {"code": code, "papi": row.number("papi", whole=True), "title": row.text("title")}
            checklist.block("  ", section, (SECTIONS, row.at))
            checklist.entries("    ", "items", [], (SECTIONS, row.at), blocks=items.pop(code, []))
        for leftover in items.values():
            for item in leftover:
                self.add(Problem("mục này không có trên trang 'Mục'", ITEMS, item.origin[1], ITEMS.column("section")))
        rules_yaml = _Yaml()
        rules_yaml.line("# Bản nháp đọc từ bảng tính tiêu chí")
        rules_yaml.pair("", "checklist", head["id"], origin)
        rules_yaml.pair("", "version", head["version"], origin)
        rules_yaml.line("rules:")
        for rule in rules:
            rules_yaml.block("  ", rule.data, rule.origin)
            if rule.data.get("id") in basis:
                rules_yaml.entries("    ", "legal_basis", basis[rule.data["id"]], rule.origin)
        return checklist, rules_yaml

    def _items(self) -> dict[str, list["_Block"]]:
        """The items by section code, in row order."""
        by_section: dict[str, list[_Block]] = {}
        for row in self.rows[ITEMS.title]:
            item = {"code": row.text("code"), "question": row.text("question"), "guidance": row.text("guidance"),
                    "type": row.label("type")}
            for key in ("na_allowed", "required", "evidence", "input_only"):
                item[key] = row.label(key)
            item |= {"unit": row.text("unit"), "min": row.number("min"), "max": row.number("max"),
                     "choices": self._choices(row), "part_of": row.text("part_of"), "due": self._due(row),
                     "effective_from": row.date("effective_from"), "effective_to": row.date("effective_to")}
            block = _Block({k: v for k, v in item.items() if v is not None}, (ITEMS, row.at))
            by_section.setdefault(row.text("section"), []).append(block)
        return by_section

    def _choices(self, row: _Row) -> list[dict[str, str]] | None:
        choices = []
        for line in row.lines("choices"):
            value, colon, label = (part.strip() for part in line.partition(":"))
            if not colon or not value or not label:
                row.problem("choices", f"“{line}” cần dạng “giá trị: nhãn” (ví dụ tot: Tốt)")
                continue
            choices.append({"value": value, "label": label})
        return choices or None

    def _due(self, row: _Row) -> dict[str, Any] | None:
        due = {"kind": row.label("due.kind"), "item": row.text("due.item"), "days": row.number("due.days", whole=True)}
        months = row.text("due.months")
        if months is not None:
            try:
                due["months"] = [int(m) for m in re.split(r"[;,]", months) if m.strip()]
            except ValueError:
                row.problem("due.months", f"“{months}” cần các tháng là số, cách nhau bởi “;” (ví dụ 3; 6; 9; 12)")
        due = {k: v for k, v in due.items() if v is not None}
        return due or None

    def _rule(self, row: _Row) -> "_Block":
        deadline = row.raw("deadline")
        rule = {"id": row.text("id"), "code": row.text("code"),
                "items": [c.strip() for c in re.split(r"[;,]", row.text("items") or "") if c.strip()] or None,
                "kind": row.label("kind"), "severity": row.label("severity"), "title": row.text("title"),
                "remediation": row.text("remediation"), "responsible": row.text("responsible"),
                "deadline": deadline.date().isoformat() if isinstance(deadline, dt.datetime) else row.text("deadline"),
                "measures": row.label("measures"), "repeatable": row.label("repeatable"),
                "effective_from": row.date("effective_from"), "effective_to": row.date("effective_to"),
                "condition": row.text("condition")}
        if rule["condition"] is None:
            row.problem("condition", "luật cần một điều kiện (ví dụ TG-01 = \"Không\")")
        return _Block({k: v for k, v in rule.items() if v is not None}, (RULES, row.at))

    def _basis(self, rule_ids: set[str]) -> dict[str, list["_Block"]]:
        """The citations by owner: a rule id, or the version itself."""
        by_owner: dict[str, list[_Block]] = {}
        for row in self.rows[BASIS.title]:
            owner = row.text("owner")
            if owner != VERSION_OWNER and owner not in rule_ids:
                row.problem("owner", f"“{owner}” không phải mã một luật trên trang 'Luật', cũng không phải "
                                     f"“{VERSION_OWNER}”")
                continue
            articles = row.lines("article")
            citation = {"instrument": row.text("instrument"),
                        "article": articles[0] if len(articles) == 1 else articles or None,
                        "effective_from": row.date("effective_from"), "effective_to": row.date("effective_to")}
            by_owner.setdefault(owner, []).append(
                _Block({k: v for k, v in citation.items() if v is not None}, (BASIS, row.at)))
        return by_owner

    def _scoring(self) -> dict[str, Any]:
        scoring: dict[str, Any] = {WEIGHT: {}, SEVERITY_FACTOR: {}}
        by_label = {label: severity for severity, label in SEVERITY_LABELS.items()}
        for row in self.rows[SCORING.title]:
            parameter = row.label("parameter")
            if parameter == EXPLANATION:
                scoring[EXPLANATION] = row.text("value")
                continue
            value = row.number("value")
            subject = row.text("subject")
            if parameter == WEIGHT:
                if subject is None:
                    row.problem("subject", "trọng số cần mã tiêu chí được chấm điểm")
                    continue
                scoring[WEIGHT][subject] = value
            elif parameter == SEVERITY_FACTOR:
                if subject not in by_label:
                    row.problem("subject", f"“{subject}” không phải mức độ; chọn một trong: "
                                           + "; ".join(SEVERITY_LABELS[s] for s in SEVERITIES))
                    continue
                scoring[SEVERITY_FACTOR][by_label[subject]] = value
            elif parameter == REPEAT_FACTOR:
                scoring[REPEAT_FACTOR] = value
        return scoring


def _rebased(rebase: Rebase, rules: list["_Block"], basis: dict[str, list["_Block"]],
             items: dict[str, list["_Block"]]):
    """The rows rebased onto the draft's start (see criteria.rebase), each kept with its sheet row."""
    dropped: set[str] = set()
    kept_items = {}
    for section, blocks in items.items():
        kept_items[section] = []
        for block in blocks:
            if rebase.keeps_item(block.data):
                kept_items[section].append(_Block(rebase.cleared(block.data, rebase.start), block.origin))
            else:
                dropped.add(block.data.get("code"))
    kept_rules, judged = [], {VERSION_OWNER: rebase.start}
    for block in rules:
        if rebase.keeps_rule(block.data, dropped):
            judged[block.data.get("id")] = rebase.judged_from(block.data)
            kept_rules.append(_Block(rebase.cleared(block.data, judged[block.data.get("id")]), block.origin))
    kept_basis: dict[str, list[_Block]] = {}
    for owner, blocks in basis.items():
        if owner not in judged:
            continue
        name = "phiên bản" if owner == VERSION_OWNER else f"luật {owner}"
        for block in blocks:
            citation = rebase.citation(name, block.data, judged[owner])
            if citation is not None:
                kept_basis.setdefault(owner, []).append(_Block(citation, block.origin))
    return kept_rules, kept_basis, kept_items


# --------------------------------------------------------------------------- writing YAML that remembers its rows

Origin = tuple[Sheet, int | None]


@dataclass(frozen=True)
class _Block:
    data: dict[str, Any]
    origin: Origin


class _Yaml:
    """YAML text written line by line, each line remembering the sheet row it came from."""

    def __init__(self):
        self.lines: list[str] = []
        self.origins: dict[int, Origin] = {}  # 1-based line -> origin

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def line(self, text: str, origin: Origin | None = None) -> None:
        self.lines.append(text)
        if origin:
            self.origins[len(self.lines)] = origin

    def pair(self, indent: str, key: str, value: Any, origin: Origin) -> None:
        self.line(f"{indent}{key}: {_flow(value)}", origin)

    def block(self, indent: str, data: dict[str, Any], origin: Origin) -> None:
        """A mapping as an entry of a list: "- key: value" then the other keys under it."""
        for n, (key, value) in enumerate(data.items()):
            self.pair(indent + ("- " if n == 0 else "  "), key, value, origin)

    def entries(self, indent: str, key: str, flows: list[_Block], origin: Origin, blocks: list[_Block] = ()) -> None:
        """A list under `key`: one flow mapping per line (citations), or block mappings (items)."""
        if not flows and not blocks:
            self.line(f"{indent}{key}: []", origin)
            return
        self.line(f"{indent}{key}:", origin)
        for entry in flows:
            self.line(f"{indent}  - {_flow(entry.data)}", entry.origin)
        for entry in blocks:
            self.block(indent + "  ", entry.data, entry.origin)


def _flow(value: Any) -> str:
    """A value as YAML flow text: JSON for text, numbers and lists (JSON is YAML), dates bare."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _key(key: Any) -> str:
    return key if isinstance(key, str) and re.fullmatch(r"[a-z_]+", key) else json.dumps(key, ensure_ascii=False)


# --------------------------------------------------------------------------- the one validator


def _validate(root: Path, stored: tuple[StoredVersion, ...], head: dict[str, Any], checklist: _Yaml, rules: _Yaml,
              reader: _Reader) -> Catalog | None:
    """Load a copy of the catalog (its folder and the stored versions) with this version in place of any of
    the same number; report the loader's problems at the draft's rows."""
    with tempfile.TemporaryDirectory(prefix="draft-") as tmp:
        folder = Path(tmp)
        for part in ("checklists", "rules"):
            shutil.copytree(root / part, folder / part)
        for version in stored:
            Draft(version.checklist_id, version.version, version.checklist_yaml, version.rules_yaml, None).write(folder)
        for old in version_files(folder, head["id"], head["version"]):
            if old is not None:
                old.unlink()
        name = f"{head['id']}-v{head['version']}.yaml"
        drafts = {folder / "checklists" / name: checklist, folder / "rules" / name: rules}
        for path, text in drafts.items():
            path.write_text(text.text, encoding="utf-8")
        try:
            return load_catalog(folder)
        except CatalogError as error:
            found = {(p.sheet, p.row, p.column) for p in reader.problems if p.column}
            for line in error.problems:
                problem = _located(line, folder, drafts, reader)
                if (problem.sheet, problem.row, problem.column) not in found or problem.column is None:
                    reader.add(problem)
            return None


def _located(line: str, folder: Path, drafts: dict[Path, _Yaml], reader: _Reader) -> Problem:
    """The loader's "file:line: message" at the sheet row (and the column its words name) it came from."""
    match = PROBLEM_LINE.match(line)
    if not match:
        return Problem(line)
    path, message = Path(match["path"]), match["message"]
    draft = drafts.get(path)
    if draft is None:
        where = path.relative_to(folder) if path.is_relative_to(folder) else path
        return Problem(f"danh mục hiện hành ({where}{':' + match['line'] if match['line'] else ''}): {message}")
    origin = draft.origins.get(int(match["line"] or 0)) or _named(message, reader)
    if origin is None:
        return Problem(message)
    sheet, row = origin
    return Problem(message, sheet, row, _column(sheet, message))


def _named(message: str, reader: _Reader) -> Origin | None:
    """The row of the item or rule a line-less message names ("tiêu chí TG-03: …")."""
    for sheet, pattern in ((ITEMS, r"^tiêu chí ([A-Z]{2}-\d{2})"), (RULES, r"^luật (\S+?):")):
        found = re.match(pattern, message)
        if found:
            row = next((r for r in reader.rows[sheet.title] if r.text("code" if sheet is ITEMS else "id") == found[1]),
                       None)
            return (sheet, row.at) if row else None
    return None


def _column(sheet: Sheet, message: str) -> Column | None:
    """The column whose hint comes first in the message, if any."""
    places = [(message.find(hint), column) for column in sheet.columns for hint in column.hints if hint in message]
    return min(places, key=lambda place: place[0])[1] if places else None

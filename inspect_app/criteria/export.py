"""Export a checklist version as the criteria workbook: one sheet per part of the version.

The rows are the version's YAML as written (a key left out stays an empty cell, so its default
still applies after a round trip); conditions are shown in words, whatever form the file uses.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..domain.catalog import Catalog, StoredVersion, load_catalog
from ..domain.conditions import describe_condition
from ..domain.rules import SEVERITIES
from .layout import BASIS, EDITABLE, EXPLANATION, INSTRUMENTS, ITEMS, LISTS, REPEAT_FACTOR, RULES, SCORING, \
    SECTIONS, SEVERITY_FACTOR, SEVERITY_LABELS, VERSION, VERSION_OWNER, WEIGHT, Column, Sheet
from .versions import read_yaml, version_files

DATE_FORMAT = "DD/MM/YYYY"
LAST_ROW = 2000  # drop-downs and checks reach this row, so rows people add are covered too
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


class ExportError(LookupError):
    """The version asked for is not in the catalog; the message is Vietnamese."""


def export_workbook(root: Path | str, checklist_id: str, version: int, stored: Iterable[StoredVersion] = ()) -> Workbook:
    """The workbook of one checklist version of the (validated) catalog in `root` with the `stored` versions."""
    root, stored = Path(root), tuple(stored)
    catalog = load_catalog(root, stored)
    checklist = catalog.checklist(checklist_id, version)
    if checklist is None:
        raise ExportError(f"Không có bộ tiêu chí {checklist_id} phiên bản {version} trong danh mục.")
    own = next((v for v in stored if (v.checklist_id, v.version) == (checklist_id, version)), None)
    if own is not None:
        data, rules_data = yaml.safe_load(own.checklist_yaml), yaml.safe_load(own.rules_yaml)
    else:
        checklist_path, rules_path = version_files(root, checklist_id, version)
        data, rules_data = read_yaml(checklist_path), read_yaml(rules_path)
    conditions = {rule.id: describe_condition(rule.condition, checklist.items)
                  for rule in catalog.ruleset(checklist).rules}
    book = Workbook()
    book.remove(book.active)
    _fill(book, VERSION, [data])
    _fill(book, SECTIONS, data["sections"])
    _fill(book, ITEMS, [_item_row(section["code"], item) for section in data["sections"] for item in section["items"]])
    _fill(book, RULES, [_rule_row(rule, conditions[rule["id"]]) for rule in rules_data["rules"]])
    _fill(book, BASIS, [*_basis_rows(VERSION_OWNER, data.get("basis")),
                        *(row for rule in rules_data["rules"] for row in _basis_rows(rule["id"], rule.get("legal_basis")))])
    _fill(book, SCORING, _scoring_rows(data.get("scoring") or {}))
    _fill(book, INSTRUMENTS, _instrument_rows(catalog))
    _add_drop_downs(book, len(catalog.register.instruments))
    return book


def _item_row(section: str, item: dict[str, Any]) -> dict[str, Any]:
    row = {"section": section, **item}
    if "choices" in item:
        row["choices"] = "\n".join(f"{choice.get('value')}: {choice.get('label')}" for choice in item["choices"])
    due = row.pop("due", None) or {}
    row |= {f"due.{key}": value for key, value in due.items()}
    if "due.months" in row:
        row["due.months"] = "; ".join(str(month) for month in row["due.months"])
    return row


def _rule_row(rule: dict[str, Any], words: str) -> dict[str, Any]:
    row = {**rule, "condition": words}
    if "items" in rule:
        row["items"] = "; ".join(rule["items"])
    if isinstance(rule.get("deadline"), dt.date):  # YAML reads an unquoted 2020-05-30 as a date
        row["deadline"] = rule["deadline"].isoformat()
    return row


def _basis_rows(owner: str, citations: list[dict[str, Any]] | None) -> Iterable[dict[str, Any]]:
    for citation in citations or ():
        articles = citation.get("article")
        yield {**citation, "owner": owner,
               "article": "\n".join([articles] if isinstance(articles, str) else articles or [])}


def _scoring_rows(scoring: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [{"parameter": WEIGHT, "subject": code, "value": weight}
            for code, weight in (scoring.get(WEIGHT) or {}).items()]
    factors = scoring.get(SEVERITY_FACTOR) or {}
    rows += [{"parameter": SEVERITY_FACTOR, "subject": SEVERITY_LABELS[s], "value": factors[s]}
             for s in SEVERITIES if s in factors]
    rows += [{"parameter": key, "value": scoring[key]} for key in (REPEAT_FACTOR, EXPLANATION) if key in scoring]
    return rows


def _instrument_rows(catalog: Catalog) -> list[dict[str, Any]]:
    """The whole register, so a rule may cite any instrument; the importer does not read it back."""
    return [{"id": i.id, "cite": i.cite, "kind": i.kind, "number": i.number, "issuer": i.issuer, "issued": i.issued,
             "effective_from": i.effective_from, "effective_to": i.effective_to, "verified": i.verified,
             "articles": "\n".join(i.articles)} for i in catalog.register.instruments.values()]


def _fill(book: Workbook, sheet: Sheet, rows: Iterable[dict[str, Any]]) -> None:
    """One sheet: a bold frozen header, the columns' widths and formats, wrapped text."""
    target = book.create_sheet(sheet.title)
    target.append([column.title for column in sheet.columns])
    target.freeze_panes = "A2"
    for number, column in enumerate(sheet.columns, start=1):
        cell = target.cell(1, number)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        dimension = target.column_dimensions[get_column_letter(number)]
        dimension.width, dimension.number_format = column.width, _number_format(column)
    for row in rows:
        target.append([_cell_value(column, row.get(column.key)) for column in sheet.columns])
        for number, column in enumerate(sheet.columns, start=1):
            cell = target.cell(target.max_row, number)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.number_format = _number_format(column)


def _number_format(column: Column) -> str:
    """Dates as dd/mm/yyyy; text as typed (Excel would turn a deadline "31/12" into a date)."""
    return {"date": DATE_FORMAT, "number": "General", "integer": "General"}.get(column.kind, "@")


def _cell_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind in ("label", "flag"):
        return column.labels.get(value, value)
    if column.kind == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return value


def _add_drop_downs(book: Workbook, instruments: int) -> None:
    """List validations on every label and flag column (from a hidden sheet), the register's ids on the
    citations, the sections' codes on the items; date and number checks on date and number columns."""
    lists = book.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    ranges: dict[tuple[str, ...], str] = {}
    for sheet in EDITABLE:
        for column in sheet.columns:
            labels = tuple(dict.fromkeys(column.labels.values())) if column.labels else ()
            if labels and labels not in ranges:
                number = len(ranges) + 1
                letter = get_column_letter(number)
                lists.cell(1, number, column.title)
                for row, label in enumerate(labels, start=2):
                    lists.cell(row, number, label)
                ranges[labels] = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(labels) + 1}"
    for sheet in EDITABLE:
        target = book[sheet.title]
        for number, column in enumerate(sheet.columns, start=1):
            if column.labels:
                validation = _list(ranges[tuple(dict.fromkeys(column.labels.values()))])
            elif sheet is BASIS and column.key == "instrument":
                validation = _list(f"{quote_sheetname(INSTRUMENTS.title)}!$A$2:$A${instruments + 1}")
            elif sheet is ITEMS and column.key == "section":
                validation = _list(f"{quote_sheetname(SECTIONS.title)}!$A$2:$A${LAST_ROW}")
            elif column.kind == "date":
                validation = DataValidation("date", operator="between", formula1="DATE(1900,1,1)",
                                            formula2="DATE(2100,12,31)", allow_blank=True, showErrorMessage=True,
                                            errorTitle="Ngày không hợp lệ", error="Nhập ngày dạng dd/mm/yyyy.")
            elif column.kind in ("number", "integer"):
                validation = DataValidation("decimal" if column.kind == "number" else "whole", operator="between",
                                            formula1="-1000000000", formula2="1000000000", allow_blank=True,
                                            showErrorMessage=True, errorTitle="Cần một số",
                                            error="Nhập một số (dấu phẩy thập phân).")
            else:
                continue
            letter = get_column_letter(number)
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            target.add_data_validation(validation)


def _list(source: str) -> DataValidation:
    return DataValidation("list", formula1=source, allow_blank=True, showErrorMessage=True,
                          errorTitle="Giá trị không có trong danh sách", error="Chọn một giá trị trong danh sách.")

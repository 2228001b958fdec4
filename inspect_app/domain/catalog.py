"""Load and validate the catalog: checklists/*.yaml, rules/*.yaml, rules/legal.yaml and rules/calendar.yaml.

Every problem is collected (with its file and line) before anything is refused, so an
administrator who edits a file sees all that is wrong in one run, not one error at a time.
Rules and checklists cite the register of legal instruments (rules/legal.yaml) by id and
article; the validator proves that every citation is in force whenever the rule applies and
that no rule is left without a legal basis on any day. Unverified instruments and articles are
allowed, and listed as warnings.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable

import yaml

from .checklists import ANSWER_TYPES, DUE_KINDS, Checklist, Choice, Due, Item, ScoringPolicy, Section
from .conditions import ConditionError, compile_condition
from .deadlines import CalendarError, DeadlinePolicy, WorkingCalendar
from .legal import Article, Citation, Instrument, LegalRegister
from .periods import Period, uncovered_days
from .risk import RiskWeights, RiskWeightsError
from .rules import INSPECTION_DATE, KINDS, MEASURES, PREVIOUS_MONTH, SEVERITIES, Rule, RuleSet, first_day_of_previous_month

CALENDAR_FILE = "calendar.yaml"
LEGAL_FILE = "legal.yaml"
RISK_FILE = "risk.yaml"  # the plans' risk weights (domain.risk)
CROSS_CUTTING_CODE = re.compile(r"^[A-Z]-\d{2}$")
ITEM_CODE = re.compile(r"^[A-Z]{2}-\d{2}$")
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
INSPECTION_HORIZON = dt.timedelta(days=366)  # how far ahead of today an inspection may be dated
COMPARISONS = ("$lt", "$lte", "$gt", "$gte", "$neq")
CONNECTIVES = ("$and", "$or")
EXISTENCE = ("$ex", "$nex")
FACT_REFERENCES = ("$m", "$l", "$s")
# The fields the evaluator puts on facts (see inspect_app.evaluation.build_facts).
FACT_FIELDS = {
    "item": str, "value": object, "photos": int, "evidence": bool, "shortfall": float,
    "days_late": int, "undisclosed_past_due": bool, "t": str, "code": str, "status": str,
    "days_overdue": int,
}
POSITIVE_ANSWER_HINT = 'viết "yes"/"no" trong dấu ngoặc kép (YAML hiểu yes/no không ngoặc là true/false)'


class CatalogError(Exception):
    """The catalog files are broken; `problems` lists every one as 'file:line: message'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class UnknownVersion(LookupError):
    """A stored inspection names a checklist version this catalog has not loaded."""


@dataclass(frozen=True)
class StoredVersion:
    """A checklist version kept outside the catalog folder (made by the department, kept in the database):
    the text of its checklist file and of its rules file, loaded and validated like the folder's files."""

    checklist_id: str
    version: int
    checklist_yaml: str
    rules_yaml: str

    @property
    def names(self) -> tuple[str, str]:
        """How problems name its two texts: like files, under a "CSDL:" (database) prefix."""
        name = f"{self.checklist_id}-v{self.version}.yaml"
        return f"CSDL:checklists/{name}", f"CSDL:rules/{name}"


class _Node(dict):
    """A YAML mapping that remembers the line it started on."""

    line = 0


class _LineLoader(yaml.SafeLoader):
    """A safe loader that keeps line numbers and reports duplicate keys instead of hiding them.

    Dates stay text: PyYAML would raise a bare ValueError on an impossible date such as
    2020-02-30, while as text it is reported with its file and line like any other problem.
    """

    duplicates: list[tuple[int, str]]

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Node:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            loader.duplicates.append((key_node.start_mark.line + 1, f"khóa {key!r} bị lặp"))
        seen.add(key)
    mapping = _Node(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Problems:
    """Collects problems for one file (a path, or the name of a version stored in the database)."""

    def __init__(self, path: Path | str, sink: list[str]):
        self.path, self.sink = path, sink

    def add(self, node: Any, message: str) -> None:
        line = getattr(node, "line", 0) if not isinstance(node, int) else node
        self.sink.append(f"{self.path}:{line}: {message}" if line else f"{self.path}: {message}")


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(f"{path}: tệp không phải văn bản UTF-8")
        return None
    return _parse_yaml(text, path, problems)


def _parse_yaml(text: str, name: Path | str, problems: list[str]) -> Any:
    loader = _LineLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as error:
        problems.append(f"{name}: lỗi cú pháp YAML: {error}")
        return None
    finally:
        loader.dispose()
    for line, message in loader.duplicates:
        problems.append(f"{name}:{line}: {message}")
    return data


def _vietnamese(value: Any) -> bool:
    """Required user-facing text: non-empty and written in Vietnamese (at least one accented letter)."""
    return isinstance(value, str) and any(ord(c) > 127 and c.isalpha() for c in value)


def _text(node: dict, key: str, p: _Problems, what: str) -> str:
    value = node.get(key)
    if not _vietnamese(value):
        p.add(node, f"{what}: thiếu nội dung tiếng Việt cho '{key}'")
        return ""
    return unicodedata.normalize("NFC", value.strip())


def _date(value: Any, node: dict, key: str, p: _Problems, what: str, required: bool) -> dt.date | None:
    if value is None:
        if required:
            p.add(node, f"{what}: thiếu '{key}'")
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        p.add(node, f"{what}: '{key}' không phải ngày dạng YYYY-MM-DD ({value!r})")
        return None


def _period(node: dict, p: _Problems, what: str, required: bool) -> tuple[dt.date | None, dt.date | None]:
    start = _date(node.get("effective_from"), node, "effective_from", p, what, required)
    end = _date(node.get("effective_to"), node, "effective_to", p, what, False)
    if start and end and end < start:
        p.add(node, f"{what}: effective_to ({end}) trước effective_from ({start})")
    return start, end


def _list(node: dict, key: str, p: _Problems, what: str) -> list:
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        p.add(node, f"{what}: '{key}' phải là một danh sách")
        return []
    return value


def _unknown_keys(node: dict, allowed: set[str], p: _Problems, what: str) -> None:
    for key in node:
        if key not in allowed:
            p.add(node, f"{what}: khóa không hợp lệ '{key}'")


# --------------------------------------------------------------------------- the register of legal instruments

INSTRUMENT_KEYS = {"id", "kind", "number", "title", "cite", "issuer", "issued", "effective_from", "effective_to",
                   "replaces", "amended_by", "source", "verified", "articles", "note"}
ARTICLE_KEYS = {"ref", "gist", "source", "verified", "effective_from", "effective_to"}


def _flag(node: dict, key: str, p: _Problems, what: str) -> bool:
    value = node.get(key)
    if not isinstance(value, bool):
        p.add(node, f"{what}: '{key}' phải là true hoặc false")
        return False
    return value


def _plain_text(node: dict, key: str, p: _Problems, what: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        p.add(node, f"{what}: thiếu '{key}'")
        return ""
    return unicodedata.normalize("NFC", value.strip())


def _instrument(node: Any, p: _Problems) -> Instrument | None:
    if not isinstance(node, dict):
        p.add(0, "mỗi văn bản trong sổ đăng ký phải là một bảng khóa-giá trị")
        return None
    instrument_id = node.get("id")
    what = f"văn bản {instrument_id}"
    if not isinstance(instrument_id, str) or not IDENTIFIER.match(instrument_id):
        p.add(node, f"văn bản có 'id' không hợp lệ: {instrument_id!r}")
        return None
    _unknown_keys(node, INSTRUMENT_KEYS, p, what)
    issued = _date(node.get("issued"), node, "issued", p, what, required=False)  # null: not yet verified
    start, end = _period(node, p, what, required=True)
    if issued and start and start < issued:
        p.add(node, f"{what}: có hiệu lực ({start:%d/%m/%Y}) trước ngày ban hành ({issued:%d/%m/%Y})")
    articles: dict[str, Article] = {}
    for raw in _list(node, "articles", p, what):
        if not isinstance(raw, dict):
            p.add(node, f"{what}: mỗi điều khoản cần ref, gist, source, verified")
            continue
        _unknown_keys(raw, ARTICLE_KEYS, p, f"{what}, điều khoản")
        ref = _plain_text(raw, "ref", p, f"{what}, điều khoản")
        if ref in articles:
            p.add(raw, f"{what}: điều khoản '{ref}' bị lặp")
        article_what = f"{what}, {ref}"
        article_start, article_end = _period(raw, p, article_what, required=False)
        articles[ref] = Article(ref, _text(raw, "gist", p, article_what), _plain_text(raw, "source", p, article_what),
                                _flag(raw, "verified", p, article_what), article_start, article_end)
    replaces = _list(node, "replaces", p, what)
    if any(not isinstance(r, str) for r in replaces):
        p.add(node, f"{what}: 'replaces' là danh sách id văn bản")
        replaces = []
    if start is None:
        return None
    return Instrument(
        id=instrument_id, kind=_text(node, "kind", p, what), number=_plain_text(node, "number", p, what),
        title=_text(node, "title", p, what), cite=_text(node, "cite", p, what), issuer=_text(node, "issuer", p, what),
        issued=issued, effective_from=start, effective_to=end, replaces=tuple(replaces),
        source=_plain_text(node, "source", p, what), verified=_flag(node, "verified", p, what), articles=articles,
        note=_clean_optional(node.get("note")),
    )


def _clean_optional(value: Any) -> str:
    return unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else ""


def _register(data: Any, p: _Problems) -> LegalRegister:
    if not isinstance(data, dict) or not isinstance(data.get("instruments"), list):
        p.add(0, "sổ đăng ký văn bản cần khóa 'instruments' là một danh sách")
        return LegalRegister({})
    _unknown_keys(data, {"instruments"}, p, "sổ đăng ký văn bản")
    instruments: dict[str, Instrument] = {}
    for node in data["instruments"]:
        instrument = _instrument(node, p)
        if instrument is None:
            continue
        if instrument.id in instruments:
            p.add(node, f"văn bản {instrument.id} bị trùng id")
        instruments[instrument.id] = instrument
    for instrument in instruments.values():
        for replaced in instrument.replaces:
            if replaced not in instruments:
                p.add(0, f"văn bản {instrument.id}: 'replaces' nêu văn bản không có trong sổ đăng ký: {replaced!r}")
    return LegalRegister(instruments)


CITATION_KEYS = {"instrument", "article", "effective_from", "effective_to"}


def _citations(node: dict, key: str, register: LegalRegister, p: _Problems, what: str) -> tuple[Citation, ...]:
    """The citations of a rule or checklist, each clipped to its instrument's period."""
    raw = node.get(key)
    if not isinstance(raw, list) or not raw:
        p.add(node, f"{what}: thiếu căn cứ pháp lý ('{key}': danh sách {{instrument, article}})")
        return ()
    citations = []
    for entry in raw:
        if not isinstance(entry, dict):
            p.add(node, f"{what}: mỗi căn cứ pháp lý cần dạng {{instrument: id, article: \"Điều …\"}}")
            continue
        _unknown_keys(entry, CITATION_KEYS, p, f"{what}, căn cứ")
        instrument = register.instruments.get(entry.get("instrument"))
        if instrument is None:
            p.add(entry, f"{what}: căn cứ dẫn văn bản không có trong sổ đăng ký: {entry.get('instrument')!r}")
            continue
        raw_articles = entry.get("article", [])
        if isinstance(raw_articles, str):
            raw_articles = [raw_articles]
        if not isinstance(raw_articles, list) or any(not isinstance(a, str) for a in raw_articles):
            p.add(entry, f"{what}: 'article' là một điều khoản hoặc danh sách điều khoản")
            raw_articles = []
        articles = tuple(unicodedata.normalize("NFC", a.strip()) for a in raw_articles)
        for article in articles:
            if article not in instrument.articles:
                p.add(entry, f"{what}: '{article}' của {instrument.cite} chưa có trong sổ đăng ký "
                             f"(thêm vào 'articles' của văn bản {instrument.id}, ghi nguồn đã đối chiếu)")
        start, end = _period(entry, p, what, required=False)
        if start and start < instrument.effective_from or end and instrument.effective_to and end > instrument.effective_to:
            p.add(entry, f"{what}: dẫn {instrument.cite} ngoài thời gian văn bản có hiệu lực "
                         f"({_span(instrument.effective_from, instrument.effective_to)})")
        known = [instrument.articles[a] for a in articles if a in instrument.articles]
        starts = [d for d in (start, instrument.effective_from, *(a.effective_from for a in known)) if d is not None]
        ends = [d for d in (end, instrument.effective_to, *(a.effective_to for a in known)) if d is not None]
        citations.append(Citation(instrument, articles, max(starts), min(ends) if ends else None))
    return tuple(citations)


def _span(start: dt.date, end: dt.date | None) -> str:
    return f"từ {start:%d/%m/%Y}" + (f" đến {end:%d/%m/%Y}" if end else "")


def _check_basis(citations: tuple[Citation, ...], period: Period, register: LegalRegister, p: _Problems,
                 node: dict, what: str) -> None:
    """Every day of `period` has a citation in force, and an instrument that ends while the rule still
    applies hands over: to the successor the register names, which the rule must then cite; without a
    successor, the rule's other citations must carry on."""
    start, end = period
    gap = uncovered_days([(c.effective_from, c.effective_to) for c in citations], start, end)
    for citation in citations:
        if citation.effective_to is not None and citation.effective_to < start \
                or end is not None and citation.effective_from > end:
            p.add(node, f"{what}: dẫn {citation.text} nhưng văn bản không có hiệu lực khi luật áp dụng "
                        f"({_span(start, end)})")
        ended = citation.instrument.effective_to
        if ended is None or citation.effective_to != ended or (end is not None and end <= ended):
            continue
        day_after = ended + dt.timedelta(days=1)
        successors = register.successors(citation.instrument.id)
        if successors and not any(c.instrument in successors and c.in_force(day_after) for c in citations):
            names = ", ".join(s.cite for s in successors)
            p.add(node, f"{what}: {citation.instrument.cite} hết hiệu lực sau ngày {ended:%d/%m/%Y}; "
                        f"từ ngày {day_after:%d/%m/%Y} cần dẫn văn bản thay thế ({names})")
        elif not successors and gap is not None and gap[0] == day_after:
            p.add(node, f"{what}: {citation.instrument.cite} hết hiệu lực sau ngày {ended:%d/%m/%Y} mà luật vẫn áp "
                        "dụng; sổ đăng ký chưa có văn bản thay thế (khóa 'replaces') và luật không còn căn cứ nào khác")
            gap = None  # reported once, in words that say why
    if citations and gap is not None:
        p.add(node, f"{what}: không có căn cứ pháp lý nào có hiệu lực {_span(*gap)}")


ITEM_KEYS = {"code", "question", "type", "na_allowed", "required", "evidence", "guidance", "input_only",
             "min", "max", "unit", "choices", "part_of", "due", "effective_from", "effective_to"}


def _item(node: Any, section: str, p: _Problems) -> Item | None:
    if not isinstance(node, dict):
        p.add(0, f"mục {section}: mỗi tiêu chí phải là một bảng khóa-giá trị")
        return None
    code = node.get("code")
    what = f"tiêu chí {code}"
    if not isinstance(code, str) or not ITEM_CODE.match(code) or not code.startswith(f"{section}-"):
        p.add(node, f"mã tiêu chí {code!r} không hợp lệ: cần dạng {section}-NN trong mục {section}")
        return None
    _unknown_keys(node, ITEM_KEYS, p, what)
    kind = node.get("type")
    if kind not in ANSWER_TYPES:
        p.add(node, f"{what}: kiểu '{kind}' không có; chọn một trong {', '.join(ANSWER_TYPES)}")
    flags = {}
    for flag, default in (("na_allowed", False), ("required", True), ("evidence", False), ("input_only", False)):
        flags[flag] = node.get(flag, default)
        if not isinstance(flags[flag], bool):
            p.add(node, f"{what}: '{flag}' phải là true hoặc false")
    choices = ()
    if kind == "choice":
        raw = _list(node, "choices", p, what)
        choices = tuple(Choice(str(c.get("value")), _text(c, "label", p, what)) for c in raw if isinstance(c, dict))
        values = [c.value for c in choices]
        if len(choices) < 2 or len(set(values)) != len(values) or any(not IDENTIFIER.match(v) for v in values):
            p.add(node, f"{what}: 'choices' cần ít nhất hai giá trị khác nhau, mỗi giá trị dạng chữ không dấu")
    elif "choices" in node:
        p.add(node, f"{what}: chỉ kiểu choice mới có 'choices'")
    for bound in ("min", "max"):
        if bound in node and (kind not in ("int", "pct") or not isinstance(node[bound], (int, float))):
            p.add(node, f"{what}: '{bound}' chỉ dùng cho kiểu int/pct và phải là số")
    due = None
    if "due" in node:
        raw = node["due"]
        months = raw.get("months", []) if isinstance(raw, dict) else None
        if kind != "date" or not isinstance(raw, dict) or raw.get("kind") not in DUE_KINDS \
                or not isinstance(raw.get("days"), int) or raw["days"] < 0 \
                or (raw.get("kind") == "after_item") != bool(raw.get("item")) \
                or not isinstance(months, list) or (raw.get("kind") == "after_period_end") != bool(months) \
                or any(isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 12 for m in months):
            p.add(node, f"{what}: 'due' cần dạng {{kind: after_item, item: MÃ, days: N}} "
                        f"hoặc {{kind: after_period_end, months: [3, 6, 9], days: N}} trên tiêu chí kiểu date")
        else:
            due = Due(raw["kind"], raw["days"], raw.get("item"), tuple(sorted(months)))
    start, end = _period(node, p, what, required=False)
    return Item(
        code=code, dimension=section, question=_text(node, "question", p, what), type=str(kind),
        guidance=_text(node, "guidance", p, what), choices=choices, due=due,
        min=node.get("min"), max=node.get("max"), unit=node.get("unit"), part_of=node.get("part_of"),
        effective_from=start, effective_to=end, **flags,
    )


def _scoring(data: dict, items: dict[str, Item], p: _Problems) -> ScoringPolicy:
    """The checklist version's scoring policy: weights and factors, with their Vietnamese explanation."""
    node = data.get("scoring")
    what = "checklist: scoring"
    if not isinstance(node, dict):
        p.add(data, f"{what}: cần bảng item_weights, severity_factors, repeat_factor, explanation")
        return ScoringPolicy({}, {}, 1.0, "")
    _unknown_keys(node, {"item_weights", "severity_factors", "repeat_factor", "explanation"}, p, what)

    def positive(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0

    weights = node.get("item_weights") or {}
    if not isinstance(weights, dict) or any(code not in items or items[code].input_only or not positive(w)
                                            for code, w in weights.items()):
        p.add(node, f"{what}: 'item_weights' cần dạng {{mã tiêu chí được chấm điểm: số > 0}}")
        weights = {}
    factors = node.get("severity_factors")
    if not isinstance(factors, dict) or set(factors) != set(SEVERITIES) or not all(map(positive, factors.values())):
        p.add(node, f"{what}: 'severity_factors' cần đủ {', '.join(SEVERITIES)}, mỗi hệ số là số > 0")
        factors = {}
    repeat = node.get("repeat_factor")
    if not positive(repeat):
        p.add(node, f"{what}: 'repeat_factor' phải là số > 0")
        repeat = 1.0
    return ScoringPolicy({k: float(v) for k, v in weights.items()}, {k: float(v) for k, v in factors.items()},
                         float(repeat), _text(node, "explanation", p, what))


def _checklist(data: Any, register: LegalRegister, p: _Problems) -> Checklist | None:
    if not isinstance(data, dict):
        p.add(0, "tệp checklist phải là một bảng khóa-giá trị")
        return None
    _unknown_keys(data, {"id", "version", "title", "basis", "effective_from", "effective_to", "sections", "scoring"},
                  p, "checklist")
    if not isinstance(data.get("id"), str) or not IDENTIFIER.match(data["id"]):
        p.add(data, "checklist: thiếu 'id' hợp lệ")
    if not isinstance(data.get("version"), int) or isinstance(data.get("version"), bool) or data["version"] < 1:
        p.add(data, "checklist: 'version' phải là số nguyên ≥ 1")
    start, end = _period(data, p, "checklist", required=True)
    title, basis = _text(data, "title", p, "checklist"), _citations(data, "basis", register, p, "checklist")
    if start:
        _check_basis(basis, (start, end), register, p, data, "checklist")
    sections, codes = [], set()
    for node in _list(data, "sections", p, "checklist"):
        code = node.get("code") if isinstance(node, dict) else None
        if not isinstance(code, str) or not re.match(r"^[A-Z]{2}$", code):
            p.add(node if isinstance(node, dict) else 0, f"mục {code!r}: mã mục cần hai chữ in hoa")
            continue
        items = []
        for raw in _list(node, "items", p, f"mục {code}"):
            item = _item(raw, code, p)
            if item is None:
                continue
            if item.code in codes:
                p.add(raw, f"tiêu chí {item.code} bị trùng mã")
                continue
            codes.add(item.code)
            items.append(item)
        if not items:
            p.add(node, f"mục {code}: không có tiêu chí nào")
        papi = node.get("papi")
        if not isinstance(papi, int):
            p.add(node, f"mục {code}: 'papi' phải là số thứ tự chỉ số nội dung PAPI")
        sections.append(Section(code, papi if isinstance(papi, int) else 0, _text(node, "title", p, f"mục {code}"), tuple(items)))
    if not sections:
        p.add(data, "checklist: không có mục nào")
    checklist_items = {i.code: i for s in sections for i in s.items}
    for item in checklist_items.values():
        ref = item.part_of
        if ref is not None and ref != "villages" and (ref not in checklist_items or checklist_items[ref].type != "int"):
            p.add(0, f"tiêu chí {item.code}: 'part_of' phải là villages hoặc mã một tiêu chí kiểu int ({ref!r})")
        if item.due and item.due.item and (item.due.item not in checklist_items or checklist_items[item.due.item].type != "date"):
            p.add(0, f"tiêu chí {item.code}: 'due.item' phải là mã một tiêu chí kiểu date ({item.due.item!r})")
        if start and not _within(_item_period(item, (start, end)), (start, end)):
            p.add(0, f"tiêu chí {item.code}: thời gian hiệu lực nằm ngoài thời gian của checklist ({_span(start, end)})")
        for other in (ref, item.due.item if item.due else None):
            if start and other in checklist_items and not _within(_item_period(item, (start, end)),
                                                                 _item_period(checklist_items[other], (start, end))):
                p.add(0, f"tiêu chí {item.code} dùng số liệu của {other}, nên {other} phải có hiệu lực suốt thời gian "
                         f"của {item.code}")
    scoring = _scoring(data, checklist_items, p)
    if not isinstance(data.get("id"), str) or not isinstance(data.get("version"), int) or start is None:
        return None  # problems are reported
    return Checklist(
        id=data["id"], version=data["version"], title=title, basis=basis, effective_from=start, effective_to=end,
        sections=tuple(sections), scoring=scoring,
    )


def _item_period(item: Item, version: Period) -> Period:
    """An item's period in force: its own dates, else its checklist version's."""
    return item.effective_from or version[0], item.effective_to or version[1]


def _within(inner: Period, outer: Period) -> bool:
    return inner[0] >= outer[0] and (outer[1] is None or (inner[1] is not None and inner[1] <= outer[1]))


def _scalar_ok(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


class _ConditionChecker:
    """Checks a condition against the subset of durable_rules' JSON grammar the evaluator supports."""

    def __init__(self, items: dict[str, Item], p: _Problems, node: dict, what: str):
        self.items, self.p, self.node, self.what = items, p, node, what

    def error(self, message: str) -> None:
        self.p.add(self.node, f"{self.what}: {message}")

    def check(self, condition: Any) -> None:
        joins = [k for k in ("all", "any") if isinstance(condition, dict) and k in condition]
        if len(joins) != 1 or len(condition) != 1 or not isinstance(condition[joins[0]], list) or not condition[joins[0]]:
            self.error("điều kiện cần đúng một khóa 'all' hoặc 'any' với danh sách mẫu không rỗng")
            return
        names = set()
        for pattern in condition[joins[0]]:
            if not isinstance(pattern, dict) or len(pattern) != 1:
                self.error("mỗi mẫu cần đúng một tên (ví dụ m, a, b) trỏ tới một biểu thức")
                continue
            name, expression = next(iter(pattern.items()))
            if not isinstance(name, str) or not IDENTIFIER.match(name) or name.startswith("$") or name in names:
                self.error(f"tên mẫu {name!r} không hợp lệ hoặc bị trùng")
            names.add(name)
            self.expression(expression)

    def expression(self, expression: Any, item: str | None = None) -> None:
        if not isinstance(expression, dict) or len(expression) != 1:
            self.error(f"biểu thức cần đúng một khóa ({expression!r})")
            return
        key, operand = next(iter(expression.items()))
        if key in CONNECTIVES:
            if not isinstance(operand, list) or not operand:
                self.error(f"'{key}' cần một danh sách biểu thức không rỗng")
                return
            codes = [e.get("item") for e in operand if isinstance(e, dict) and isinstance(e.get("item"), str)]
            scope = codes[0] if key == "$and" and len(codes) == 1 else item
            for sub in operand:
                self.expression(sub, scope)
        elif key in COMPARISONS or key in EXISTENCE:
            if not isinstance(operand, dict) or len(operand) != 1:
                self.error(f"'{key}' cần dạng {{trường: giá trị}}")
                return
            field, value = next(iter(operand.items()))
            self.field(field, value, item, numeric=key in ("$lt", "$lte", "$gt", "$gte"))
        elif key in FACT_REFERENCES or (isinstance(operand, dict) and any(k in FACT_REFERENCES for k in operand)):
            self.error("so sánh giá trị của hai fact trong luật làm durable_rules sập tiến trình; "
                       "hãy tính trường dẫn xuất trong Python")
        elif isinstance(key, str) and key.startswith("$"):
            self.error(f"toán tử '{key}' không được hỗ trợ")
        else:
            self.field(key, operand, item, numeric=False)

    def field(self, field: Any, value: Any, item: str | None, numeric: bool) -> None:
        if field not in FACT_FIELDS:
            self.error(f"trường '{field}' không có trên fact; các trường có: {', '.join(FACT_FIELDS)}")
            return
        if isinstance(value, dict) and any(k in FACT_REFERENCES for k in value):
            self.error("so sánh giá trị của hai fact trong luật làm durable_rules sập tiến trình; "
                       "hãy tính trường dẫn xuất trong Python")
            return
        if not _scalar_ok(value):
            self.error(f"giá trị của '{field}' phải là chuỗi, số hoặc true/false ({value!r})")
            return
        if numeric and (isinstance(value, bool) or not isinstance(value, (int, float))):
            self.error(f"so sánh lớn/nhỏ trên '{field}' cần một số ({value!r})")
        if field == "item" and value not in self.items:
            self.error(f"mã tiêu chí không có trong checklist: {value!r}")
        if field == "value" and item in self.items and not numeric:
            self.answer_value(self.items[item], value)
        elif field == "value" and isinstance(value, bool):
            self.error(f"câu trả lời không bao giờ là true/false; {POSITIVE_ANSWER_HINT}")
        if FACT_FIELDS[field] is bool and not isinstance(value, bool):
            self.error(f"'{field}' là true/false ({value!r})")
        if FACT_FIELDS[field] is str and field != "item" and not isinstance(value, str):
            self.error(f"'{field}' là chuỗi ({value!r}); {POSITIVE_ANSWER_HINT}")

    def answer_value(self, item: Item, value: Any) -> None:
        allowed = {"yesno": ["yes", "no", "na"], "choice": [c.value for c in item.choices]}.get(item.type)
        if allowed is not None and value not in allowed:
            hint = f"; {POSITIVE_ANSWER_HINT}" if isinstance(value, bool) else ""
            self.error(f"{item.code} không có giá trị {value!r}; giá trị hợp lệ: {', '.join(allowed)}{hint}")
        if item.type in ("int", "pct") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            self.error(f"{item.code} là số; so sánh với {value!r} không bao giờ đúng")


RULE_KEYS = {"id", "code", "items", "kind", "severity", "title", "remediation", "responsible", "legal_basis",
             "deadline", "effective_from", "effective_to", "measures", "all", "any", "condition", "repeatable"}


def _judged_period(checklist: Checklist, measures: str) -> Period:
    """The days a rule of this checklist version may be judged on: a rule about the month before the
    inspection is judged on that month's first day, so its period starts a month earlier."""
    if measures != PREVIOUS_MONTH:
        return checklist.effective_from, checklist.effective_to
    end = checklist.effective_to
    return first_day_of_previous_month(checklist.effective_from), first_day_of_previous_month(end) if end else None


def _rule(node: Any, checklist: Checklist, register: LegalRegister, p: _Problems) -> Rule | None:
    if not isinstance(node, dict):
        p.add(0, "mỗi luật phải là một bảng khóa-giá trị")
        return None
    rule_id = node.get("id")
    what = f"luật {rule_id}"
    if not isinstance(rule_id, str) or not IDENTIFIER.match(rule_id):
        p.add(node, f"luật có 'id' không hợp lệ: {rule_id!r}")
        return None
    _unknown_keys(node, RULE_KEYS, p, what)
    items = checklist.items
    code = node.get("code", rule_id)
    if not isinstance(code, str) or (code not in items and not CROSS_CUTTING_CODE.match(code)):
        p.add(node, f"{what}: mã phát hiện {code!r} không phải mã tiêu chí trong checklist "
                    "cũng không phải mã liên mục dạng X-01")
    rule_items = node.get("items", [])
    if not isinstance(rule_items, list) or any(not isinstance(c, str) for c in rule_items):
        p.add(node, f"{what}: 'items' phải là danh sách mã tiêu chí")
        rule_items = []
    for item_code in rule_items:
        if item_code not in items:
            p.add(node, f"{what}: mã tiêu chí không có trong checklist: {item_code!r}")
    if code in items and code not in rule_items:
        p.add(node, f"{what}: 'items' phải có chính mã {code}")
    kind, severity = node.get("kind"), node.get("severity", "normal")
    if kind not in KINDS:
        p.add(node, f"{what}: 'kind' phải là một trong {', '.join(KINDS)}")
    if severity not in SEVERITIES:
        p.add(node, f"{what}: 'severity' phải là một trong {', '.join(SEVERITIES)}")
    raw_deadline = node.get("deadline")
    deadline = None
    try:
        deadline = DeadlinePolicy.parse(str(raw_deadline)) if raw_deadline is not None else None
    except ValueError as error:
        p.add(node, f"{what}: {error}")
    if raw_deadline is None:
        p.add(node, f"{what}: thiếu 'deadline' (ví dụ 10wd, 30d, 31/12, 2020-05-30, none)")
    measures = node.get("measures", INSPECTION_DATE)
    if measures not in MEASURES:
        p.add(node, f"{what}: 'measures' phải là một trong {', '.join(MEASURES)}")
        measures = INSPECTION_DATE
    allowed = _judged_period(checklist, measures)
    version = (checklist.effective_from, checklist.effective_to)
    for item_code in rule_items:  # by default a rule applies while its items are in force
        if item_code in items:
            item_start, item_end = _item_period(items[item_code], version)
            allowed = (max(allowed[0], item_start),
                       min((d for d in (allowed[1], item_end) if d is not None), default=None))
    start, end = _period(node, p, what, required=False)
    start, end = start or allowed[0], end or allowed[1]
    if not _within((start, end), allowed):
        p.add(node, f"{what}: thời gian áp dụng ({_span(start, end)}) nằm ngoài thời gian hiệu lực của "
                    f"checklist {checklist.key} hoặc của tiêu chí của luật ({_span(*allowed)})")
    repeatable = node.get("repeatable", True)
    if not isinstance(repeatable, bool):
        p.add(node, f"{what}: 'repeatable' phải là true hoặc false")
    condition = _condition(node, items, p, what)
    if condition is not None:
        _ConditionChecker(items, p, node, what).check(condition)
    basis = _citations(node, "legal_basis", register, p, what)
    _check_basis(basis, (start, end), register, p, node, what)
    return Rule(
        id=rule_id, code=str(code), items=tuple(rule_items), kind=str(kind), severity=str(severity),
        title=_text(node, "title", p, what), remediation=_text(node, "remediation", p, what),
        responsible=_text(node, "responsible", p, what) if "responsible" in node else "Chủ tịch UBND xã",
        legal_basis=basis, deadline=deadline, effective_from=start, effective_to=end,
        condition=_plain(condition or {}), repeatable=bool(repeatable), measures=measures,
    )


def _condition(node: dict, items: dict[str, Item], p: _Problems, what: str) -> dict[str, Any] | None:
    """The rule's condition in durable JSON: written as such (all/any), or in words (condition:) and compiled;
    None when the words do not compile (the problem is already listed)."""
    json_form = {k: node[k] for k in ("all", "any") if k in node}
    if "condition" not in node:
        return json_form
    if json_form:
        p.add(node, f"{what}: dùng một trong hai: 'condition' (điều kiện bằng lời) hoặc all/any, không cả hai")
        return json_form
    try:
        return compile_condition(node["condition"], items)
    except ConditionError as error:
        p.add(node, f"{what}: điều kiện {node['condition']!r}: {error}")
        return None


def _plain(value: Any) -> Any:
    """Drop the line-number dict subclass so conditions serialise as plain JSON."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _ruleset(data: Any, checklists: dict[str, list[Checklist]], register: LegalRegister,
             p: _Problems) -> RuleSet | None:
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        p.add(0, "tệp luật cần khóa 'checklist', 'version' và danh sách 'rules'")
        return None
    _unknown_keys(data, {"checklist", "version", "rules"}, p, "tệp luật")
    checklist_id, version = data.get("checklist"), data.get("version")
    checklist = next((c for c in checklists.get(checklist_id, []) if c.version == version), None)
    if checklist is None:
        p.add(data, f"tệp luật: checklist {checklist_id!r} phiên bản {version!r} không tồn tại trong checklists/")
        return None
    rules, ids = [], set()
    for node in data["rules"]:
        rule = _rule(node, checklist, register, p)
        if rule is None:
            continue
        if rule.id in ids:
            p.add(node, f"luật {rule.id} bị trùng id")
        ids.add(rule.id)
        rules.append(rule)
    return RuleSet(checklist.id, checklist.version, tuple(rules), str(p.path))


@dataclass(frozen=True)
class Catalog:
    """Every checklist version with its rules, the register of legal instruments, the calendar and the
    risk weights of plans."""

    checklists: dict[str, tuple[Checklist, ...]]
    rulesets: dict[str, RuleSet]  # by checklist key, "papi-xa@2"
    register: LegalRegister
    calendar: WorkingCalendar
    risk: RiskWeights | None = None

    def checklist_for(self, checklist_id: str, day: dt.date) -> Checklist | None:
        """The newest version of the checklist in force on `day`."""
        versions = [c for c in self.checklists.get(checklist_id, ()) if c.in_force(day)]
        return max(versions, key=lambda c: c.version) if versions else None

    def checklist(self, checklist_id: str, version: int) -> Checklist | None:
        return next((c for c in self.checklists.get(checklist_id, ()) if c.version == version), None)

    def checklist_on(self, checklist_id: str, version: int, day: dt.date) -> Checklist:
        """A stored inspection's checklist: its version, with the items in force on its date."""
        found = self.checklist(checklist_id, version)
        if found is None:  # published by another worker since this catalog was loaded
            raise UnknownVersion(f"{checklist_id}@{version}")
        return found.on(day)

    def inspection_days(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """The dates an inspection (or a dashboard's "as of") may bear: from the day the first checklist came
        into force to a year after today, for teams that plan ahead; nothing later has a checklist anyone
        has seen or days off anyone has confirmed, and 9999-12-31 overflowed the deadline arithmetic."""
        first = min(c.effective_from for versions in self.checklists.values() for c in versions)
        return first, today + INSPECTION_HORIZON

    def latest(self, checklist_id: str) -> Checklist | None:
        versions = self.checklists.get(checklist_id, ())
        return versions[-1] if versions else None

    def ruleset(self, checklist: Checklist) -> RuleSet:
        return self.rulesets[checklist.key]

    def rule_titles(self, checklist_id: str, day: dt.date) -> dict[str, str]:
        """Each rule id's own title (without its {code} placeholder) in the version in force on `day`,
        else in the latest version that had it: what reports print instead of escalated stored titles."""
        titles: dict[str, str] = {}
        for checklist in self.checklists.get(checklist_id, ()):
            if checklist.effective_from <= day or not titles:
                titles |= {r.id: r.title.replace(" {code}", "").replace("{code}", "")
                           for r in self.ruleset(checklist).rules}
        return titles

    @property
    def warnings(self) -> list[str]:
        """What is allowed but should be settled: unverified instruments and articles."""
        return self.register.unverified()


def load_catalog(root: Path | str, stored: Iterable[StoredVersion] = ()) -> Catalog:
    """Load and validate `root`/checklists and `root`/rules, and the `stored` versions beside them;
    raise CatalogError listing every problem."""
    root = Path(root)
    stored = tuple(stored)
    problems: list[str] = []
    legal = root / "rules" / LEGAL_FILE
    register = _register(_read_yaml(legal, problems), _Problems(legal, problems)) if legal.is_file() else None
    if register is None:
        problems.append(f"{legal}: không có sổ đăng ký văn bản pháp luật")
        register = LegalRegister({})
    checklist_files = sorted((root / "checklists").glob("*.yaml"))
    if not checklist_files:
        problems.append(f"{root / 'checklists'}: không có tệp checklist nào (*.yaml)")
    checklist_texts = [(path, lambda sink, path=path: _read_yaml(path, sink)) for path in checklist_files]
    checklist_texts += [(v.names[0], lambda sink, v=v: _parse_yaml(v.checklist_yaml, v.names[0], sink)) for v in stored]
    checklists: dict[str, list[Checklist]] = {}
    for name, read in checklist_texts:
        p = _Problems(name, [])
        checklist = _checklist(read(p.sink), register, p)
        problems.extend(p.sink)
        if checklist is None:
            continue
        if any(c.version == checklist.version for c in checklists.get(checklist.id, [])):
            problems.append(f"{name}: checklist {checklist.key} bị trùng id và phiên bản")
            continue
        checklists.setdefault(checklist.id, []).append(checklist)
    rule_texts = [(path, lambda sink, path=path: _read_yaml(path, sink))
                  for path in sorted((root / "rules").glob("*.yaml")) if path.name not in (CALENDAR_FILE, LEGAL_FILE, RISK_FILE)]
    rule_texts += [(v.names[1], lambda sink, v=v: _parse_yaml(v.rules_yaml, v.names[1], sink)) for v in stored]
    rulesets: dict[str, RuleSet] = {}
    for name, read in rule_texts:
        p = _Problems(name, problems)
        ruleset = _ruleset(read(problems), checklists, register, p)
        if ruleset is None:
            continue
        if ruleset.key in rulesets:
            problems.append(f"{name}: checklist {ruleset.key} đã có tệp luật {rulesets[ruleset.key].source}")
        rulesets[ruleset.key] = ruleset
    calendar = None
    try:
        calendar = WorkingCalendar.from_file(root / "rules" / CALENDAR_FILE)
    except CalendarError as error:
        problems.extend(f"{error.path}: {problem}" for problem in error.problems)
    risk = None
    try:
        risk = RiskWeights.from_file(root / "rules" / RISK_FILE)
    except RiskWeightsError as error:
        problems.extend(str(error).splitlines())
    for versions in checklists.values():
        for checklist in versions:
            if checklist.key not in rulesets:
                problems.append(f"{root / 'rules'}: checklist {checklist.key} chưa có tệp luật")
    _check_versions(checklists, root, problems)
    if problems:
        raise CatalogError(problems)
    return Catalog({k: _superseded(v) for k, v in checklists.items()}, rulesets, register, calendar, risk)


def _check_versions(checklists: dict[str, list[Checklist]], root: Path, problems: list[str]) -> None:
    """Versions of one checklist follow each other: no two in force on the same day. A version with no end
    is superseded by the next one from its start (see _superseded); one with an end must end before it."""
    for checklist_id, versions in checklists.items():
        ordered = sorted(versions, key=lambda c: (c.effective_from, c.version))
        for earlier, later in zip(ordered, ordered[1:]):
            if later.version < earlier.version:
                problems.append(f"{root / 'checklists'}: {later.key} bắt đầu ngày {later.effective_from:%d/%m/%Y}, "
                                f"sau {earlier.key}; phiên bản sau phải có số lớn hơn")
            elif earlier.effective_from == later.effective_from or (
                    earlier.effective_to is not None and earlier.effective_to >= later.effective_from):
                problems.append(f"{root / 'checklists'}: {earlier.key} và {later.key} cùng có hiệu lực từ ngày "
                                f"{later.effective_from:%d/%m/%Y}; phiên bản trước phải kết thúc trước đó")


def _superseded(versions: list[Checklist]) -> tuple[Checklist, ...]:
    """The versions in order, each open-ended one closed the day before the next one starts: a version
    published by the department supersedes the shipped one in force, whose file says no end."""
    ordered = sorted(versions, key=lambda c: c.version)
    return tuple(replace(earlier, effective_to=later.effective_from - dt.timedelta(days=1))
                 if earlier.effective_to is None else earlier for earlier, later in zip(ordered, ordered[1:])) \
        + tuple(ordered[-1:])

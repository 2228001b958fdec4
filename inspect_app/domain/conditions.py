"""Rule conditions in words a jurist reads and writes, compiled to durable_rules' JSON grammar.

    GT-02 < 4
    CK-03 = "Có" và CK-05 = "Không"
    số còn thiếu(TG-03) > 0
    số ngày chậm(CK-07) > 0
    trạng thái(phát hiện lần trước) <> "Đã khắc phục"
    cần ảnh(tiêu chí bất kỳ) và số ảnh(tiêu chí bất kỳ) = 0 và giá trị(tiêu chí bất kỳ) thuộc {"yes"; "tot"; "du"}

The text is parsed by a Lark grammar (never evaluated) and compiled to the JSON the engine runs,
which stays the only thing durable_rules sees. `describe` turns a compiled condition back into its
canonical text, so every shipped rule round-trips: describe, then compile, gives the same JSON.

What a condition talks about (its subject) is an item by code, any item ("tiêu chí bất kỳ") or a
finding of the previous inspection ("phát hiện lần trước"). Comparisons on one subject become one
pattern; "và" between subjects joins patterns (all), "hoặc" between subjects offers them (any).
Answers are written as people read them: "Có", "Không", a choice's label; numbers with a decimal
comma (90,1); lists with semicolons. Operators are Excel's: =, <>, <, <=, >, >= (≠, ≤, ≥ also read).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Union

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from .assessment import PREVIOUS_STATUSES
from .checklists import NOT_APPLICABLE, Item, YesNo

ANY_ITEM, PREVIOUS = "tiêu chí bất kỳ", "phát hiện lần trước"
NOT_APPLICABLE_LABEL = "Không áp dụng"


@dataclass(frozen=True)
class Field:
    """One fact field as the language names it, and what it applies to."""

    key: str  # the fact field
    name: str  # its Vietnamese name, written as a function: số ảnh(GT-02)
    kind: str  # number | flag | answer | text
    of_items: bool  # on item facts (else on previous findings)


FIELDS = tuple(Field(*spec) for spec in (
    ("value", "giá trị", "answer", True),
    ("shortfall", "số còn thiếu", "number", True),
    ("days_late", "số ngày chậm", "number", True),
    ("undisclosed_past_due", "quá hạn chưa công khai", "flag", True),
    ("photos", "số ảnh", "number", True),
    ("evidence", "cần ảnh", "flag", True),
    ("status", "trạng thái", "text", False),
    ("days_overdue", "số ngày quá hạn", "number", False),
    ("code", "mã", "text", False),
))
BY_NAME = {f.name: f for f in FIELDS}
BY_KEY = {f.key: f for f in FIELDS}
OPERATORS = {"=": None, "<>": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
SPELLINGS = {"≠": "<>", "!=": "<>", "≤": "<=", "≥": ">="}
BY_OPERATOR = {key: text for text, key in OPERATORS.items() if key}

GRAMMAR = r"""
?start: disjunction
?disjunction: conjunction (_OR conjunction)*
?conjunction: _atom (_AND _atom)*
_atom: comparison | membership | flag | "(" disjunction ")"
comparison: operand OPERATOR value
membership: operand _IN "{" value (";" value)* "}"
flag: FIELD_NAME "(" subject ")"
operand: subject | FIELD_NAME "(" subject ")"
subject: ITEM_CODE | ANY_ITEM | PREVIOUS
value: NUMBER | STRING
OPERATOR: "<>" | "<=" | ">=" | "!=" | "≠" | "≤" | "≥" | "=" | "<" | ">"
FIELD_NAME: %s
ITEM_CODE: /[A-Z]{2}-\d{2}/
ANY_ITEM: "tiêu chí bất kỳ"i
PREVIOUS: "phát hiện lần trước"i
NUMBER: /-?\d+(,\d+)?/
STRING: /"[^"]*"/ | /“[^”]*”/
_OR: "hoặc"i
_AND: "và"i
_IN: "thuộc"i
%%ignore /\s+/
""" % " | ".join(f'"{f.name}"i' for f in sorted(FIELDS, key=lambda f: -len(f.name)))

_PARSER = Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)

# What the parser expected, in words (terminal names of the grammar above).
EXPECTED = {
    "ITEM_CODE": "mã tiêu chí (ví dụ GT-02)", "ANY_ITEM": f"“{ANY_ITEM}”", "PREVIOUS": f"“{PREVIOUS}”",
    "FIELD_NAME": "tên trường (ví dụ số ảnh)", "OPERATOR": "phép so sánh (=, <>, <, <=, >, >=)",
    "NUMBER": "một số (dấu phẩy thập phân, ví dụ 90,1)", "STRING": "một chuỗi trong ngoặc kép",
    "_OR": "“hoặc”", "_AND": "“và”", "_IN": "“thuộc”", "LPAR": "“(”", "RPAR": "“)”", "LBRACE": "“{”",
    "RBRACE": "“}”", "SEMICOLON": "“;”",
}


class ConditionError(ValueError):
    """A condition that cannot be read or compiled; `position` is the 1-based character it is about."""

    def __init__(self, message: str, position: int | None = None):
        self.message, self.position = message, position
        super().__init__(f"ký tự thứ {position}: {message}" if position else message)


# The parsed condition: comparisons on subjects, joined by "và" / "hoặc".
@dataclass(frozen=True)
class Comparison:
    subject: str  # an item code, ANY_ITEM or PREVIOUS
    field: Field
    operator: str  # a key of OPERATORS
    value: Any
    position: int


@dataclass(frozen=True)
class Junction:
    connective: str  # "$and" | "$or"
    parts: tuple["Node", ...]


Node = Union[Comparison, Junction]


def _subjects(node: Node) -> list[str]:
    if isinstance(node, Comparison):
        return [node.subject]
    return list(dict.fromkeys(s for part in node.parts for s in _subjects(part)))


def _number(text: str) -> int | float:
    return float(text.replace(",", ".")) if "," in text else int(text)


@v_args(meta=True)
class _Reader(Transformer):
    """Parse tree → Comparison/Junction nodes, with answers turned into stored values."""

    def __init__(self, items: Mapping[str, Item]):
        super().__init__()
        self.items = items

    def subject(self, meta, children):
        token: Token = children[0]
        if token.type == "ITEM_CODE" and str(token) not in self.items:
            raise ConditionError(f"không có tiêu chí {token} trong phiếu này", token.column)
        return (ANY_ITEM if token.type == "ANY_ITEM" else PREVIOUS if token.type == "PREVIOUS" else str(token),
                token.column)

    def operand(self, meta, children):
        if len(children) == 1:
            subject, column = children[0]
            if subject != ANY_ITEM and subject != PREVIOUS:
                return subject, BY_KEY["value"], column
            example = f"trạng thái({subject})" if subject == PREVIOUS else f"giá trị({subject})"
            raise ConditionError(f"“{subject}” cần tên trường, ví dụ {example}", column)
        name, (subject, _) = children
        return subject, self._field(name, subject), name.column

    def _field(self, name: Token, subject: str) -> Field:
        field = BY_NAME[unicodedata.normalize("NFC", str(name)).lower()]
        if field.of_items != (subject != PREVIOUS):
            where = "phát hiện lần trước" if subject == PREVIOUS else "tiêu chí"
            raise ConditionError(f"“{field.name}” không dùng được cho {where}", name.column)
        if subject in self.items:
            item = self.items[subject]
            if field.key == "shortfall" and not item.part_of:
                raise ConditionError(f"{subject} không so với tổng số nào, nên không có “{field.name}”", name.column)
            if field.key in ("days_late", "undisclosed_past_due") and not item.due:
                raise ConditionError(f"{subject} không có hạn công khai, nên không có “{field.name}”", name.column)
        return field

    def value(self, meta, children):
        token: Token = children[0]
        if token.type == "NUMBER":
            return _number(str(token)), token.column
        return unicodedata.normalize("NFC", str(token)[1:-1]), token.column

    def comparison(self, meta, children):
        (subject, field, column), operator, (value, value_column) = children
        operator = SPELLINGS.get(str(operator), str(operator))
        if field.kind == "flag":
            raise ConditionError(f"“{field.name}” là điều kiện đúng/sai: viết {field.name}({subject}) "
                                 "không kèm phép so sánh", column)
        return Comparison(subject, field, operator, self._stored(subject, field, operator, value, value_column),
                          column)

    def membership(self, meta, children):
        (subject, field, column), *values = children
        if field.kind == "flag":
            raise ConditionError(f"“{field.name}” là điều kiện đúng/sai, không dùng với “thuộc”", column)
        return Junction("$or", tuple(Comparison(subject, field, "=", self._stored(subject, field, "=", v, c), column)
                                     for v, c in values))

    def flag(self, meta, children):
        name, (subject, _) = children
        field = self._field(name, subject)
        if field.kind != "flag":
            raise ConditionError(f"“{field.name}” cần một phép so sánh, ví dụ {field.name}({subject}) > 0", name.column)
        return Comparison(subject, field, "=", True, name.column)

    def conjunction(self, meta, children):
        return Junction("$and", tuple(children))

    def disjunction(self, meta, children):
        return Junction("$or", tuple(children))

    def _stored(self, subject: str, field: Field, operator: str, value: Any, column: int) -> Any:
        """The value as the fact holds it: an answer's label becomes its stored value."""
        ordered = operator not in ("=", "<>")
        if field.kind == "number" or (field.kind == "answer" and ordered):
            if isinstance(value, str):
                raise ConditionError(f"“{field.name}” so sánh với một số, không phải “{value}”", column)
            if field.key == "value" and subject in self.items and self.items[subject].type not in ("int", "pct"):
                raise ConditionError(f"{subject} không phải câu trả lời dạng số, không so sánh lớn/nhỏ được", column)
            return value
        if field.key == "status":
            by_label = {label.lower(): key for key, label in PREVIOUS_STATUSES.items()}
            if not isinstance(value, str) or value.lower() not in by_label:
                raise ConditionError("trạng thái là một trong: " + "; ".join(
                    f"“{label}”" for label in PREVIOUS_STATUSES.values()), column)
            return by_label[value.lower()]
        if field.kind == "text" or subject not in self.items:
            return value  # a previous finding's code; any item's stored value ("yes", "tot")
        return _answer_value(self.items[subject], value, column)


def _answer_labels(item: Item) -> dict[str, Any]:
    """An item's answers by the label people read, and the stored value each stands for."""
    labels: dict[str, Any] = {}
    if item.type == "yesno":
        labels = {label: key for key, label in YesNo.labels.items()}
    elif item.type == "choice":
        labels = {choice.label: choice.value for choice in item.choices}
    if item.na_allowed:
        labels[NOT_APPLICABLE_LABEL] = NOT_APPLICABLE
    return labels


def _answer_value(item: Item, value: Any, column: int) -> Any:
    labels = _answer_labels(item)
    if item.type in ("int", "pct"):
        if isinstance(value, str):
            raise ConditionError(f"{item.code} là câu trả lời dạng số; so sánh với một số, không phải “{value}”",
                                 column)
        return value
    folded = {label.lower(): stored for label, stored in labels.items()}
    if isinstance(value, str) and value.lower() in folded:
        return folded[value.lower()]
    if not labels:
        raise ConditionError(f"{item.code} ({item.type}) không so sánh được trong điều kiện", column)
    listed = "; ".join(f"“{label}”" for label in labels)
    raise ConditionError(f"{item.code} không có câu trả lời “{value}”; các câu trả lời: {listed}", column)


def _test(node: Node) -> dict[str, Any]:
    if isinstance(node, Junction):
        return {node.connective: [_test(part) for part in node.parts]}
    key = OPERATORS[node.operator]
    return {node.field.key: node.value} if key is None else {key: {node.field.key: node.value}}


def _tests(node: Node) -> list[dict[str, Any]]:
    """The tests of one pattern: a conjunction is spread into the pattern's own $and."""
    if isinstance(node, Junction) and node.connective == "$and":
        return [test for part in node.parts for test in _tests(part)]
    return [_test(node)]


def _pattern(subject: str, node: Node) -> dict[str, Any]:
    lead = [] if subject == ANY_ITEM else [{"t": "previous"}] if subject == PREVIOUS else [{"item": subject}]
    return {"$and": [*lead, *_tests(node)]}


def _first_position(node: Node) -> int:
    return node.position if isinstance(node, Comparison) else _first_position(node.parts[0])


def compile_condition(text: str, items: Mapping[str, Item]) -> dict[str, Any]:
    """The durable_rules condition ({"all"|"any": [patterns]}) of a condition written in words."""
    tree = _parse(text)
    try:
        node = _Reader(items).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, ConditionError):
            raise error.orig_exc from None
        raise
    subjects = _subjects(node)
    if len(subjects) == 1:
        return {"all": [{"m": _pattern(subjects[0], node)}]}
    if not isinstance(node, Junction):
        raise AssertionError("a single comparison has one subject")
    groups: dict[str, list[Node]] = {}
    for part in node.parts:
        inner = _subjects(part)
        if len(inner) > 1:
            raise ConditionError("mỗi nhóm trong ngoặc chỉ nói về một tiêu chí; “và”, “hoặc” giữa các tiêu chí "
                                 "khác nhau chỉ dùng ở ngoài cùng", _first_position(part))
        groups.setdefault(inner[0], []).append(part)
    join = "all" if node.connective == "$and" else "any"
    names = [chr(ord("a") + n) for n in range(len(groups))]
    return {join: [{name: _pattern(subject, parts[0] if len(parts) == 1 else Junction(node.connective, tuple(parts)))}
                   for name, (subject, parts) in zip(names, groups.items())]}


def _parse(text: str):
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("điều kiện đang trống")
    text = unicodedata.normalize("NFC", text)
    try:
        return _PARSER.parse(text)
    except UnexpectedCharacters as error:
        if text[error.pos_in_stream] == "." and text[error.pos_in_stream - 1: error.pos_in_stream + 2][::2].isdigit():
            raise ConditionError("số thập phân viết với dấu phẩy (ví dụ 90,1)", error.column) from None
        raise ConditionError(f"không hiểu “{_near(text, error.pos_in_stream)}”; cần {_expected(error.allowed)}",
                             error.column) from None
    except UnexpectedEOF as error:
        raise ConditionError(f"điều kiện dừng giữa chừng; cần {_expected(error.expected)}", len(text) + 1) from None
    except UnexpectedToken as error:
        if error.token.type == "$END":
            raise ConditionError(f"điều kiện dừng giữa chừng; cần {_expected(error.expected)}", len(text) + 1) \
                from None
        raise ConditionError(f"“{error.token}” không đúng chỗ; cần {_expected(error.expected)}",
                             error.column) from None
    except UnexpectedInput as error:  # any other parse failure Lark reports
        raise ConditionError("không đọc được điều kiện", getattr(error, "column", None)) from None


def _near(text: str, index: int) -> str:
    word = text[index:].split(maxsplit=1)
    return word[0][:20] if word else text[index:index + 1]


def _expected(terminals: Iterable[str]) -> str:
    names = sorted({EXPECTED.get(t, f"“{t}”") for t in terminals})
    return " hoặc ".join(names) if names else "điều kiện khác"


# Back from durable JSON to words.
def describe_condition(condition: Mapping[str, Any], items: Mapping[str, Item]) -> str:
    """The canonical words of a compiled condition; ConditionError when it is not one the language makes."""
    join = "all" if "all" in condition else "any"
    patterns = condition.get(join)
    if len(condition) != 1 or not isinstance(patterns, list) or not patterns:
        raise ConditionError("điều kiện không có dạng all/any của ngôn ngữ điều kiện")
    names = ["m"] if len(patterns) == 1 else [chr(ord("a") + n) for n in range(len(patterns))]
    if [next(iter(p), None) if isinstance(p, dict) else None for p in patterns] != names:
        raise ConditionError("tên mẫu không theo quy ước (m, hoặc a, b, c…)")
    texts = [_describe_pattern(next(iter(p.values())), items) for p in patterns]
    if len(texts) == 1:
        return texts[0][0]
    return (" và " if join == "all" else " hoặc ").join(f"({text})" if compound else text for text, compound in texts)


def _describe_pattern(pattern: Any, items: Mapping[str, Item]) -> tuple[str, bool]:
    """The pattern's words, and whether they hold a "và" or "hoặc" (to be bracketed beside other patterns)."""
    tests = pattern.get("$and") if isinstance(pattern, dict) and len(pattern) == 1 else None
    if not isinstance(tests, list) or not tests:
        raise ConditionError("mẫu không có dạng {$and: [...]}")
    head = tests[0]
    if head == {"t": "previous"}:
        subject, tests = PREVIOUS, tests[1:]
    elif isinstance(head, dict) and list(head) == ["item"] and head["item"] in items:
        subject, tests = head["item"], tests[1:]
    else:
        subject = ANY_ITEM
    if not tests:
        raise ConditionError("mẫu không có phép so sánh nào")
    words = [_describe_test(test, subject, items) for test in tests]
    if len(words) == 1:
        return words[0]
    return " và ".join(f"({text})" if compound else text for text, compound in words), True


def _is_membership(test: dict[str, Any]) -> bool:
    options = test.get("$or")
    return (isinstance(options, list) and bool(options)
            and all(isinstance(o, dict) and len(o) == 1 and next(iter(o)) in BY_KEY
                    and BY_KEY[next(iter(o))].kind != "flag" for o in options)
            and len({next(iter(o)) for o in options}) == 1)


def _describe_test(test: Any, subject: str, items: Mapping[str, Item]) -> tuple[str, bool]:
    """One test's words, and whether they are a bracketable "và"/"hoặc" of several tests."""
    if not isinstance(test, dict) or len(test) != 1:
        raise ConditionError(f"phép so sánh không đọc được: {test!r}")
    key, operand = next(iter(test.items()))
    if key == "$or" and _is_membership(test):
        field = BY_KEY[next(iter(operand[0]))]
        values = "; ".join(_describe_value(subject, field, next(iter(o.values())), items) for o in operand)
        return f"{_describe_operand(subject, field)} thuộc {{{values}}}", False
    if key in ("$and", "$or"):
        if not isinstance(operand, list) or not operand:
            raise ConditionError(f"“{key}” cần một danh sách phép so sánh")
        words = [_describe_test(part, subject, items) for part in operand]
        joined = (" và " if key == "$and" else " hoặc ").join(f"({t})" if compound else t for t, compound in words)
        return joined, True
    if key in BY_OPERATOR:
        if not isinstance(operand, dict) or len(operand) != 1:
            raise ConditionError(f"phép so sánh không đọc được: {test!r}")
        (field_key, value), = operand.items()
        field = _known_field(field_key)
        return (f"{_describe_operand(subject, field)} {BY_OPERATOR[key]} "
                f"{_describe_value(subject, field, value, items)}"), False
    field = _known_field(key)
    if field.kind == "flag":
        if operand is not True:
            raise ConditionError(f"“{field.name}” chỉ viết được khi đúng (true)")
        return f"{field.name}({subject})", False
    return f"{_describe_operand(subject, field)} = {_describe_value(subject, field, operand, items)}", False


def _known_field(key: str) -> Field:
    if key not in BY_KEY:
        raise ConditionError(f"trường {key!r} không có tên trong ngôn ngữ điều kiện")
    return BY_KEY[key]


def _describe_operand(subject: str, field: Field) -> str:
    return subject if field.key == "value" and subject not in (ANY_ITEM, PREVIOUS) else f"{field.name}({subject})"


def _describe_value(subject: str, field: Field, value: Any, items: Mapping[str, Item]) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConditionError(f"giá trị {value!r} không viết được trong điều kiện")
    if isinstance(value, (int, float)):
        return str(value).replace(".", ",")
    if field.key == "status":
        if value not in PREVIOUS_STATUSES:
            raise ConditionError(f"trạng thái {value!r} không có")
        return f'"{PREVIOUS_STATUSES[value]}"'
    if field.key == "value" and subject in items:
        label = next((lbl for lbl, stored in _answer_labels(items[subject]).items() if stored == value), None)
        if label is None:
            raise ConditionError(f"{subject} không có câu trả lời {value!r}")
        return f'"{label}"'
    return f'"{value}"'

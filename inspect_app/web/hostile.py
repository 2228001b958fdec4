"""One gate for text and numbers no field accepts, before any view, service or database sees them.

PostgreSQL refuses NUL in text and psycopg cannot encode a lone UTF-16 surrogate (JSON's "\\ud800"),
so either used to reach the database as a 500 from any field that forgot to check. No field of
this app has a use for them, nor for bytes that are not UTF-8, so the request is refused whole
with a 400 naming where they were. Ids in paths are bounded by PostgreSQL's INTEGER (SQLite's
64-bit integers hold more, but no row can have such an id), so a larger one is a 404.
"""
from __future__ import annotations

import re
from typing import Any, Iterator
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from ..services import MAX_ID
from .errors import error_response

MESSAGE = "Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL hoặc mã Unicode hỏng); hãy xóa ký tự đó rồi gửi lại."
REASON = "có ký tự không hợp lệ"
FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
MAX_PLACES = 20  # named in the answer; a document full of them needs no longer list


class BoundedInt(IntegerConverter):
    """`<int:…>` in every route: 1 to MAX_ID, so that a huge id is "not found" instead of an overflow.

    Not found whatever the method: werkzeug's own refusal (ValidationError) would let a PATCH route
    of the same path answer 405 for the GET route whose id was refused."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def parse_id(text: str | None) -> int | None:
    """A number typed in a query string as ASCII digits, 1 to MAX_ID; None otherwise ("²" passes
    str.isdigit() but not int(), and 10^30 passes int() but overflows the database)."""
    if text and text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID:
        return int(text)
    return None


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _json_strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every key and string in a JSON document with where it is ("team[0].name"), without recursion:
    a document nested as deep as the parser allows must not overflow the stack here."""
    stack = [(where, value)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            yield where or "body", value
        elif isinstance(value, dict):
            for key, item in value.items():
                inner = f"{where}.{key}" if where else str(key)
                yield inner, key
                stack.append((inner, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", item) for index, item in enumerate(value))


def _bad_places() -> Iterator[str]:
    """Where the request carries what no field accepts: the path, a query parameter, a form field, a JSON string."""
    environ = request.environ
    path = environ.get("PATH_INFO", "")
    if "\x00" in path or not _is_utf8(path.encode("latin-1", "replace")):
        yield "path"
    if not _is_utf8(unquote_to_bytes(environ.get("QUERY_STRING", ""))):
        yield "query"
    fields = [*request.args.items(multi=True), *request.form.items(multi=True),
              *((key, upload.filename) for key, upload in request.files.items(multi=True))]
    for key, value in fields:  # a multipart name="\" (unterminated) is a field named None: it crashed CSRF
        if key is None or FORBIDDEN.search(key) or FORBIDDEN.search(value or ""):
            yield FORBIDDEN.sub("?", key or "form")
    if request.is_json:
        try:
            document = request.get_json(silent=True)
        except RecursionError:  # the view answers that one
            return
        for where, text in _json_strings(document):
            if FORBIDDEN.search(text):
                yield FORBIDDEN.sub("?", where)


def refuse_hostile_input():
    """Answer 400 before anything reads a request with NUL, lone surrogates or non-UTF-8 bytes."""
    places = list(dict.fromkeys(_bad_places()))
    if places:
        return error_response(400, MESSAGE, errors={place: REASON for place in places[:MAX_PLACES]})
    return None


def register(app: Flask) -> None:
    """Before the blueprints (their routes take the converter) and before CSRF (the first hook to read the form)."""
    app.url_map.converters["int"] = BoundedInt
    app.before_request(refuse_hostile_input)

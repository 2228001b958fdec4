"""Evidence PDFs are stored only when they are plain documents: no script, no action, no polyglot.

Refused rather than rewritten. A rewrite (a pypdf clone without the actions) has to remove script
from every place a PDF can hold it — the catalog, pages, annotations, form fields, name trees,
object streams — and whatever it misses is stored and served as if checked; a refusal only has to
recognise them, and it looks at every object of the file. The commune can always export the
document again as a plain PDF, and evidence stays byte for byte what the commune sent, so its
SHA-256 in the audit trail identifies the file it signed.

Refused: JavaScript anywhere (/JS, /JavaScript), actions run on events (/AA), actions other than
moving within the document, named viewer commands and web links (/Launch, /SubmitForm,
/ImportData, /GoToR, /GoToE, /Rendition, /RichMediaExecute, /Sound, /Movie, …), links whose
address is not http, https or mailto, embedded files (/EmbeddedFiles, /EF), XFA forms, rich
media, encrypted files (their objects cannot be read), files pypdf cannot parse, and HTML
markup in the first kilobyte (a file a browser could take for a web page). An /OpenAction that
only opens a page, as word processors write it, is kept.
"""
from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from . import Invalid

PDF_MAGIC = b"%PDF-"
HTML_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|frame|svg|img|style|object|embed|meta|"
                         rb"link|form|!--)", re.IGNORECASE)
FORBIDDEN_KEYS = {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/XFA", "/RichMedia", "/RichMediaContent"}
FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Rendition",
                     "/RichMediaExecute", "/Sound", "/Movie", "/GoTo3DView", "/ECMAScript"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")
MAX_OBJECTS = 200_000
ADVICE = " Vui lòng xuất lại tài liệu thành tệp PDF thông thường (In → Lưu dưới dạng PDF) rồi gửi lại."


def _refuse(reason: str) -> Invalid:
    return Invalid("Tệp PDF " + reason + "." + ADVICE, errors={"file": "PDF " + reason})


def _objects(reader: PdfReader) -> Iterator[PdfObject]:
    """The trailer and every object the cross-reference tables list, object streams included."""
    yield reader.trailer
    references = [(number, generation) for generation, numbers in reader.xref.items() for number in numbers]
    references += [(number, 0) for number in reader.xref_objStm]
    if len(references) > MAX_OBJECTS:
        raise _refuse("có quá nhiều đối tượng")
    for number, generation in references:
        found = reader.get_object(IndirectObject(number, generation, reader))
        if found is not None:
            yield found


def _problem(value: PdfObject) -> str | None:
    """What makes a value active content, looking inside its dictionaries and arrays (not references:
    every object is visited in turn)."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, DictionaryObject):
            keys = {str(key) for key in current}
            if keys & FORBIDDEN_KEYS:
                return "chứa mã lệnh hoặc nội dung nhúng (" + ", ".join(sorted(keys & FORBIDDEN_KEYS)) + ")"
            action = current.get("/S")
            if isinstance(action, NameObject) and action in FORBIDDEN_ACTIONS:
                return f"chứa thao tác tự động ({action})"
            if action == "/URI":
                address = current.get("/URI")
                text = address.decode("latin-1") if isinstance(address, bytes) else str(address)
                if not text.strip().lower().startswith(SAFE_SCHEMES):
                    return "chứa liên kết không phải địa chỉ web"
            stack.extend(item for key, item in current.items() if not isinstance(item, IndirectObject))
        elif isinstance(current, ArrayObject):
            stack.extend(item for item in current if not isinstance(item, IndirectObject))
    return None


def check_pdf(data: bytes) -> None:
    """Refuse (Invalid) a PDF that is not a plain document."""
    if not data.startswith(PDF_MAGIC) or HTML_MARKUP.search(data[:1024]):
        raise _refuse("có nội dung HTML hoặc không bắt đầu bằng %PDF- (tệp giả dạng PDF)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns of the small defects real scanners' files have
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise _refuse("được đặt mật khẩu")
            len(reader.pages)  # the page tree must be readable
            problem = next(filter(None, map(_problem, _objects(reader))), None)
    except Invalid:
        raise
    except Exception:  # noqa: BLE001 — a hostile file can make the parser fail in any way: it is not a PDF we can read
        raise _refuse("bị hỏng hoặc không đọc được") from None
    if problem:
        raise _refuse(problem)

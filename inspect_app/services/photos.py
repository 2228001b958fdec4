"""Photo evidence: checked, downscaled and re-encoded before it is stored.

Re-encoding drops whatever else the file carried (EXIF location, a JPEG comment, scripts in a fake
image) and keeps a 12-megapixel tablet photo from making a 9 MB PDF later. Before that, two facts
are read from the EXIF: when the photo was taken (DateTimeOriginal) and where (GPS); the caller
decides whether the location is kept (only for a team that opted in).

The size is read from the header before anything is decoded, so that a small file cannot make a
huge bitmap (a 233 KB PNG of 7,740 × 7,740 pixels took 690 MB): JPEGs are decoded at 1/2, 1/4 or
1/8 of their size when that is still larger than what is stored, and what decoding and shrinking
hold at once stays under MAX_DECODED_BYTES. A file cut short is refused rather than stored half grey.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import re
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from struct import error as struct_error
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from ..domain.checklists import VIETNAM
from . import Invalid, NotFound

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_SOURCE_PIXELS = 50_000_000  # a 50 MP phone photo; JPEGs are then decoded at a fraction of this
MAX_DECODED_BYTES = 100 * 1000 * 1000  # what decoding and shrinking one upload may hold at once
LONGEST_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
TOO_LARGE = "Ảnh có độ phân giải quá lớn để xử lý; vui lòng gửi ảnh nhỏ hơn (ví dụ ảnh JPEG chụp từ máy tính bảng)."


EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 36867, 36881
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4
MAX_EXIF_BYTES = 64 * 1024  # one JPEG APP1 segment
EXIF_HEADER = b"Exif\x00\x00"


@dataclass(frozen=True)
class Taken:
    """What a photo's EXIF says of when and where it was taken; None where it says nothing usable."""

    at: dt.datetime | None = None  # aware
    latitude: float | None = None
    longitude: float | None = None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class StoredPhoto:
    stored_name: str
    width: int
    height: int
    size: int
    sha256: str
    taken: Taken = Taken()


def _exif_time(exif: Image.Exif) -> dt.datetime | None:
    """DateTimeOriginal ("2020:09:15 08:45:10"), in its OffsetTimeOriginal or else Hà Nội time."""
    ifd = exif.get_ifd(EXIF_IFD)
    raw, offset = ifd.get(DATE_TIME_ORIGINAL), ifd.get(OFFSET_TIME_ORIGINAL)
    if not isinstance(raw, str):
        return None
    try:
        local = dt.datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if isinstance(offset, str):
        try:
            return local.replace(tzinfo=dt.datetime.strptime(offset.strip("\x00 "), "%z").tzinfo)
        except ValueError:
            pass
    return local.replace(tzinfo=VIETNAM)


def _degrees(value: object, reference: object, negative: str, limit: float) -> float | None:
    """Degrees, minutes, seconds (EXIF rationals) as signed decimal degrees; None if malformed."""
    try:
        degrees, minutes, seconds = (float(part) for part in value)  # type: ignore[union-attr]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(result) or not 0 <= result <= limit or not isinstance(reference, str):
        return None
    return round(-result if reference.strip("\x00 ").upper() == negative else result, 6)


def read_taken(exif: Image.Exif) -> Taken:
    """When and where, as far as the EXIF tells (a location needs both coordinates)."""
    gps = exif.get_ifd(GPS_IFD)
    latitude = _degrees(gps.get(GPS_LATITUDE), gps.get(GPS_LATITUDE_REF), "S", 90)
    longitude = _degrees(gps.get(GPS_LONGITUDE), gps.get(GPS_LONGITUDE_REF), "W", 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    return Taken(_exif_time(exif), latitude, longitude)


def exif_segment(data: bytes) -> Image.Exif:
    """The EXIF a tablet sends beside a photo it downscaled (a canvas drops it): "Exif\\0\\0" + TIFF data."""
    if len(data) > MAX_EXIF_BYTES or not data.startswith(EXIF_HEADER):
        raise Invalid("Thông tin EXIF kèm ảnh không hợp lệ.", errors={"exif": "cần đoạn APP1 “Exif”, tối đa 64 KB"})
    exif = Image.Exif()
    try:
        exif.load(data)
    except (OSError, SyntaxError, ValueError, struct_error, KeyError, IndexError, TypeError):
        raise Invalid("Thông tin EXIF kèm ảnh không hợp lệ.", errors={"exif": "không đọc được"}) from None
    return exif


def _fitted(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """The size of an image shrunk (never enlarged) to at most `longest` pixels a side."""
    scale = min(1.0, longest / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _decoding_bytes(image: Image.Image, source_pixels: int) -> int:
    """What decoding and shrinking `image` holds at once, as Pillow and libjpeg hold it.

    A decoded frame takes 1, 2 or 4 bytes a pixel (RGB takes four); beside it, any mode but RGB
    and L needs an RGB copy before it can be shrunk well, and shrinking holds about a third of a
    frame; a progressive JPEG keeps all its DCT coefficients (about 3 bytes a source pixel,
    whatever the draft size).
    """
    held = 1 if image.mode in ("1", "L", "P") else 2 if image.mode.startswith("I;16") else 4
    per_pixel = held + max(0 if image.mode in ("RGB", "L") else 4, max(held, 4) / 3)
    coefficients = 3 * source_pixels if image.format in ("JPEG", "MPO") and image.info.get("progressive") else 0
    return round(image.width * image.height * per_pixel) + coefficients


# After a scan's entropy-coded data, the next marker: 0xFF not followed by a stuffed zero, a restart or fill.
_AFTER_SCAN = re.compile(rb"\xff(?![\x00\xd0-\xd7\xff])")


def _jpeg_complete(data: bytes) -> bool:
    """Whether the JPEG reaches its end-of-image marker: its segments are walked, skipping each scan's data.

    A file cut short still decodes (the rest grey) because WeasyPrint turns
    ImageFile.LOAD_TRUNCATED_IMAGES on for the whole process when it is imported.
    """
    pos = 2  # after SOI
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xD9:
            return True
        if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:  # fill byte, markers without a length
            pos += 1 if marker == 0xFF else 2
            continue
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == 0xDA:  # start of scan: its header, then entropy-coded data up to the next marker
            found = _AFTER_SCAN.search(data, pos)
            if found is None:
                return False
            pos = found.start()
    return data[pos:pos + 2] == b"\xff\xd9"


def _complete(image: Image.Image, data: bytes) -> bool:
    """Whether the file holds all of its image data (libwebp refuses a cut WebP by itself)."""
    if image.format in ("JPEG", "MPO"):
        return _jpeg_complete(data)
    if image.format == "PNG":
        try:
            Image.open(io.BytesIO(data)).verify()  # every chunk's CRC up to IEND, without decoding
        except (OSError, SyntaxError, struct_error):
            return False
    return True


def open_upload(data: bytes) -> Image.Image:
    """The uploaded image decoded within MAX_DECODED_BYTES, or Invalid; the size is checked from the header."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # lazy: reads the header only
            if image.format not in ACCEPTED_FORMATS:
                raise Invalid("Chỉ nhận ảnh JPEG, PNG hoặc WebP.")
            source_pixels = image.width * image.height
            if source_pixels > MAX_SOURCE_PIXELS:
                raise Invalid(TOO_LARGE)
            if image.format in ("JPEG", "MPO"):
                image.draft("RGB", _fitted(image.size, LONGEST_SIDE))  # DCT scaling, still ≥ what is stored
            if _decoding_bytes(image, source_pixels) > MAX_DECODED_BYTES:
                raise Invalid(TOO_LARGE)
            if not _complete(image, data):
                raise Invalid("Tệp ảnh bị cắt cụt (thiếu phần cuối); vui lòng gửi lại ảnh đầy đủ.")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise Invalid("Tệp tải lên không phải là ảnh hợp lệ.") from None
    return image


def store_photo(stream: BinaryIO, photo_dir: Path, sent_exif: Image.Exif | None = None) -> StoredPhoto:
    """Validate an uploaded image and store it as a JPEG of at most 1600 px a side, metadata stripped.

    The time and place taken are read from the image's own EXIF, else from `sent_exif` (what the
    tablet read from the original before downscaling it).
    """
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid(f"Ảnh quá lớn (tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB).")
    if not data:
        raise Invalid("Tệp ảnh rỗng.")
    image = open_upload(data)
    taken = _taken(image, sent_exif)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")  # the one full-size copy, counted by _decoding_bytes
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)  # in place, reducing first
    image = ImageOps.exif_transpose(image).convert("RGB")
    out = io.BytesIO()
    # Pillow writes the source's JPEG comment (COM segment) back unless told otherwise.
    image.save(out, "JPEG", quality=82, optimize=True, comment=b"")
    encoded = out.getvalue()
    name = f"{uuid.uuid4().hex}.jpg"
    photo_dir.mkdir(parents=True, exist_ok=True)
    (photo_dir / name).write_bytes(encoded)
    return StoredPhoto(name, image.width, image.height, len(encoded), hashlib.sha256(encoded).hexdigest(), taken)


def _taken(image: Image.Image, sent_exif: Image.Exif | None) -> Taken:
    """The image's own EXIF if it says anything, else the EXIF sent beside it; a broken EXIF says nothing."""
    try:
        own = read_taken(image.getexif())
    except (OSError, SyntaxError, ValueError, struct_error, KeyError, IndexError, TypeError):
        own = Taken()
    if (own.at is not None or own.located) or sent_exif is None:
        return own
    try:
        return read_taken(sent_exif)
    except (OSError, SyntaxError, ValueError, struct_error, KeyError, IndexError, TypeError):
        return Taken()


THUMB_SIZE = 160
ANNEX_SIZE, ANNEX_FOLDER = 1000, "annex"  # about 300 dpi at half the printed width: a 40-photo annex stays small


def thumbnail_folder(directory: Path, stored_name: str, folder: str = "thumbs", size: int = THUMB_SIZE) -> Path:
    """The folder holding a smaller JPEG of a stored photo, made once, so list pages stay light on 3G."""
    thumbs = directory / folder
    target = thumbs / stored_name
    if not target.exists():
        thumbs.mkdir(parents=True, exist_ok=True)
        try:
            with Image.open(directory / stored_name) as image:
                image.thumbnail((size, size))
                partial = thumbs / f".{stored_name}.{os.getpid()}.tmp"
                image.convert("RGB").save(partial, "JPEG", quality=75, optimize=True)
                partial.replace(target)
        except (OSError, UnidentifiedImageError):
            raise NotFound("Không tìm thấy ảnh.") from None
    return thumbs


def annex_copy(directory: Path, stored_name: str) -> bytes:
    """The JPEG the minutes' annex prints: made once per photo, so every rendering embeds the same bytes."""
    return (thumbnail_folder(directory, stored_name, ANNEX_FOLDER, ANNEX_SIZE) / stored_name).read_bytes()

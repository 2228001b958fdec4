"""Photo evidence: checked, downscaled and re-encoded before it is stored.

Re-encoding drops whatever else the file carried (EXIF location, scripts in a fake image) and
keeps a 12-megapixel tablet photo from making a 9 MB PDF later. Before that, two facts are read
from the EXIF: when the photo was taken (DateTimeOriginal) and where (GPS); the caller decides
whether the location is kept (only for a team that opted in).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
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
MAX_PIXELS = 60_000_000
LONGEST_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}


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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise Invalid("Chỉ nhận ảnh JPEG, PNG hoặc WebP.")
            if image.width * image.height > MAX_PIXELS:
                raise Invalid("Ảnh có độ phân giải quá lớn.")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise Invalid("Tệp tải lên không phải là ảnh hợp lệ.") from None
    taken = _taken(image, sent_exif)
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
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

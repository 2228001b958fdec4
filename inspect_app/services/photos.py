"""Photo evidence: checked, downscaled and re-encoded before it is stored.

Re-encoding drops whatever else the file carried (EXIF location, scripts in a fake image) and
keeps a 12-megapixel tablet photo from making a 9 MB PDF later.
"""
from __future__ import annotations

import hashlib
import io
import os
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from . import Invalid, NotFound

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 60_000_000
LONGEST_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}


@dataclass(frozen=True)
class StoredPhoto:
    stored_name: str
    width: int
    height: int
    size: int
    sha256: str


def store_photo(stream: BinaryIO, photo_dir: Path) -> StoredPhoto:
    """Validate an uploaded image and store it as a JPEG of at most 1600 px a side."""
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
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    encoded = out.getvalue()
    name = f"{uuid.uuid4().hex}.jpg"
    photo_dir.mkdir(parents=True, exist_ok=True)
    (photo_dir / name).write_bytes(encoded)
    return StoredPhoto(name, image.width, image.height, len(encoded), hashlib.sha256(encoded).hexdigest())


THUMB_SIZE = 160


def thumbnail_folder(directory: Path, stored_name: str, folder: str = "thumbs") -> Path:
    """The folder holding a small JPEG of a stored photo, made once, so list pages stay light on 3G."""
    thumbs = directory / folder
    target = thumbs / stored_name
    if not target.exists():
        thumbs.mkdir(parents=True, exist_ok=True)
        try:
            with Image.open(directory / stored_name) as image:
                image.thumbnail((THUMB_SIZE, THUMB_SIZE))
                partial = thumbs / f".{stored_name}.{os.getpid()}.tmp"
                image.convert("RGB").save(partial, "JPEG", quality=75, optimize=True)
                partial.replace(target)
        except (OSError, UnidentifiedImageError):
            raise NotFound("Không tìm thấy ảnh.") from None
    return thumbs

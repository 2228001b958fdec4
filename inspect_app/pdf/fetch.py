"""The only way the PDF renderer may read anything: a URL fetcher with an exact whitelist.

WeasyPrint resolves every URL it meets (stylesheets, @font-face sources, images, <link>,
url() in inline styles, attachments) through the fetcher given to it. This one answers only
the URLs of the app's own static files, each mapped to one file on disk, and the images the
caller handed over as bytes (the minutes' annex of photos, under numbered URLs); every other URL —
http, https, ftp, data:, any other file:// path, the same path with a query or fragment —
raises ForbiddenURL, and because the fetcher is built with fail_on_errors=True WeasyPrint
stops the rendering instead of silently leaving the resource out.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

CONTENT_TYPES = {".css": "text/css; charset=utf-8", ".ttf": "font/ttf", ".jpg": "image/jpeg"}


class ForbiddenURL(PermissionError):
    """The renderer asked for a URL that is not one of the app's whitelisted static files."""


@functools.lru_cache(maxsize=16)
def _file_bytes(path: Path) -> bytes:
    """Static files are read once per process (fonts are ~400 kB each)."""
    return path.read_bytes()


class StaticOnlyFetcher(URLFetcher):
    """Serve exactly the whitelisted URLs from their files (or the bytes given); refuse everything else."""

    def __init__(self, allowed: Mapping[str, Path | bytes]):
        super().__init__(fail_on_errors=True, allowed_protocols=("file",))
        self._allowed = dict(allowed)

    def with_images(self, images: Mapping[str, bytes]) -> StaticOnlyFetcher:
        """The same whitelist plus these images, each answered from its bytes (nothing read from disk)."""
        return StaticOnlyFetcher(self._allowed | dict(images))

    def fetch(self, url, headers=None):
        entry = self._allowed.get(url)
        if entry is None:
            raise ForbiddenURL(f"the minutes renderer fetches nothing but its own static files: {url[:200]!r}")
        suffix = Path(url).suffix if isinstance(entry, bytes) else entry.suffix
        content_type = CONTENT_TYPES.get(suffix.lower(), "application/octet-stream")
        body = entry if isinstance(entry, bytes) else _file_bytes(entry)
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    def __call__(self, url):
        return self.fetch(url)

    def open(self, url, data=None, timeout=None):
        # Never fall back to urllib's openers, whatever WeasyPrint passes in.
        return self.fetch(getattr(url, "full_url", url))

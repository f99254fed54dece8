"""The URL fetcher WeasyPrint uses, confined to one in-memory edition tree.

It serves WeasyPrint from the tree and nothing else: no network, no ``file://`` elsewhere, no
``..`` escapes. A refused reference is recorded, and the build fails naming it. ``data:`` URLs
are decoded here (never by WeasyPrint) and only up to a size limit.
"""

from __future__ import annotations

import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from pressroom.editions.resources import Files, data_url, read


class TreeFetcher:
    """A WeasyPrint URL fetcher confined to one in-memory edition tree."""

    def __init__(self, base: str, files: Files):
        self.base = base  # e.g. "file:///abs/build/slug/"
        self.files = files
        self.refused: list[str] = []

    # WeasyPrint checks this attribute on fetchers
    _fail_on_errors = False

    def __call__(self, url: str):
        from weasyprint.urls import URLFetcherResponse

        if url[:5].lower() == "data:":
            decoded = data_url(url)
            if decoded is None:
                return self.refuse(url, "a data: URL larger than the limit or malformed")
            mime, body = decoded
            return URLFetcherResponse(url[:64], body, {"Content-Type": mime})
        path = self.resolve(url)
        if path is None:
            return self.refuse(url, "not a file of this brief")
        body = read(self.files[path])
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": mime})

    def refuse(self, url: str, why: str):
        self.refused.append(url if len(url) < 120 else url[:120] + "…")
        raise ValueError(f"Pressroom refused {url[:120]!r}: {why}")

    def fetch(self, url, headers=None):
        return self(url)

    def resolve(self, url: str) -> str | None:
        if not url.startswith(self.base):
            return None
        rest = unquote(urlsplit(url[len(self.base):]).path)
        path = posixpath.normpath(rest)
        if path.startswith("../") or path == ".." or path not in self.files:
            return None
        return path

"""What an edition may contain (the confined URL fetcher WeasyPrint uses is in
:mod:`pressroom.weasy.fetcher`).

An edition is a tree of files held in memory: ``{path inside the edition: bytes
or a Path on disk}``. Only the brief's own images and the project's own styles
and fonts ever enter a tree. The fetcher below serves WeasyPrint from that tree
and nothing else: no network, no ``file://`` elsewhere, no ``..`` escapes. A
refused reference is recorded, and the build fails naming it. ``data:`` URLs
are decoded here (never by WeasyPrint) and only up to a size limit.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes

from pressroom.execution import inputs

#: Largest ``data:`` URL the PDF renderer may decode (only the project's own styles can hold one).
#: Here, not with the manuscript's limits: the PDF worker reads it, and importing
#: ``pressroom.manuscript`` (Markdown, YAML, the citation code) would delay its start.
MAX_DATA_URL = 64 * 1024

Files = dict[str, "bytes | Path"]

_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


def css_urls(css: str) -> list[str]:
    return _CSS_URL.findall(css)


def read(value: bytes | Path) -> bytes:
    return value if isinstance(value, bytes) else value.read_bytes()


def style_assets(styles_dir: Path, sheets: list[str]) -> Files:
    """The named stylesheets of styles/ and every font they reference, as ``assets/...``."""
    files: Files = {}
    for name in sheets:
        path = styles_dir / name
        files[f"assets/{name}"] = path
        for url in css_urls(path.read_text(encoding="utf-8")):
            target = posixpath.normpath(posixpath.join("assets", url))
            source = styles_dir / posixpath.relpath(target, "assets")
            if target.startswith("assets/") and source.is_file():
                files[target] = source
    inputs.note(*(p for p in files.values() if isinstance(p, Path)))
    return files


def data_url(url: str) -> tuple[str, bytes] | None:
    """Decode a ``data:`` URL of at most MAX_DATA_URL bytes; None if larger or malformed."""
    if len(url) > MAX_DATA_URL * 4 // 3 + 256 or "," not in url:
        return None
    header, payload = url[5:].split(",", 1)
    params = header.split(";")
    mime = params[0].strip() or "text/plain"
    try:
        body = (base64.b64decode(unquote(payload), validate=False) if "base64" in params[1:]
                else unquote_to_bytes(payload))
    except (binascii.Error, ValueError):
        return None
    return (mime, body) if len(body) <= MAX_DATA_URL else None

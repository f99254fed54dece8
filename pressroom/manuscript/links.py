"""Internal links of a brief: ``#heading-id``, ``02-russia.md`` or ``02-russia.md#heading-id``.

One resolver serves the lint (a link to nowhere is C310) and the editions, which
rewrite each link for where their sections live: one HTML page (``#id``), or one
XHTML file per section in the EPUB (``russia.xhtml#id``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


def is_internal(href: str) -> bool:
    """A link within the brief: no scheme (http:, mailto:), no host, not an absolute path."""
    try:
        parts = urlsplit(href)
    except ValueError:  # malformed (e.g. an unclosed IPv6 host): not a link within the brief
        return False
    return not (parts.scheme or parts.netloc or href.startswith("/"))


class Targets:
    """Where each section file and each anchor of a brief is.

    ``parsed`` is what :func:`pressroom.manuscript.parse_sections` returns.
    """

    def __init__(self, parsed) -> None:
        self.ids: dict[str, str] = {}  # anchor -> section id
        self.files: dict[Path, str] = {}  # section file -> section id
        for section in parsed:
            sid, path, result = section.id, section.path, section.parsed
            self.files[path.resolve()] = sid
            self.ids[sid] = sid
            for _, _, anchor, _ in result.headings:
                self.ids[anchor] = sid

    def resolve(self, href: str, source: Path) -> tuple[str, str] | None:
        """(section id, anchor) of an internal link from ``source``; None if it points to nowhere."""
        parts = urlsplit(href)
        anchor = unquote(parts.fragment)
        if parts.path:
            sid = self.files.get((source.parent / unquote(parts.path)).resolve())
            if sid is None or (anchor and self.ids.get(anchor) != sid):
                return None
            return sid, anchor or sid
        if anchor in self.ids:
            return self.ids[anchor], anchor
        return None

    def rewrite(self, hrefs, source: Path, mode: str) -> dict[str, str]:
        """{href as written: href in an edition} for the internal links of one section."""
        mapping = {}
        for href in hrefs:
            target = self.resolve(href, source) if is_internal(href) else None
            if target is not None:
                sid, anchor = target
                mapping[href] = f"{sid}.xhtml#{anchor}" if mode == "xhtml" else f"#{anchor}"
        return mapping

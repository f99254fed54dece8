"""What a manuscript may ask of the pipeline: limits, link schemes, image checks.

Briefs come from outside authors, so every input is bounded before it reaches
the Markdown parser, WeasyPrint or an archive. The numbers below are the
documented limits (README, "Security"); each check returns ``(code, message,
hint)`` tuples that the loader turns into one-line problems.

WeasyPrint lays out one paragraph in time that grows faster than its length
(50 KB took 0.4 s, 400 KB 7.2 s, 5 MB did not finish in 180 s) and recurses
once per nested element, so paragraph length and nesting depth are capped here,
before layout, rather than discovered there.
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

#: Largest Markdown section or single-file brief, in bytes.
MAX_FILE_BYTES = 512 * 1024
#: Largest brief.yaml or house.yaml, in bytes.
MAX_YAML_BYTES = 64 * 1024
#: Largest total of all the text files of one brief, in bytes.
MAX_BRIEF_BYTES = 2 * 1024 * 1024
#: Longest paragraph, list item, table cell, heading or code block, in characters.
MAX_BLOCK_CHARS = 20_000
#: Most rows in one table (WeasyPrint's table layout is the slowest of all).
MAX_TABLE_ROWS = 1_000
#: Deepest nesting of block quotes and lists inside one another.
MAX_DEPTH = 8
#: Deepest nesting of emphasis, strong, strikethrough and links inside one another (markdown-it
#: nests emphasis without bound: a run of 3,000 asterisks is 1,500 levels, too deep for WeasyPrint).
MAX_INLINE_DEPTH = 16
#: markdown-it's own ceiling (it silently drops what lies deeper, so it must exceed MAX_DEPTH
#: in token levels: a list costs two levels, list and item).
PARSER_NESTING = 2 * MAX_DEPTH + 8
#: YAML anchors/aliases per document (bounds "billion laughs" expansion) and nesting depth.
MAX_YAML_ALIASES = 20
MAX_YAML_DEPTH = 10
#: Largest image file, its largest side and its largest area.
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_SIDE = 20_000
MAX_IMAGE_PIXELS = 50_000_000
#: (The largest ``data:`` URL the PDF renderer may decode is the renderer's: resources.MAX_DATA_URL.)
#: Schemes a manuscript link may use (besides #anchors); a link is only a hyperlink, never fetched.
LINK_SCHEMES = frozenset({"http", "https", "mailto"})

_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_HOST = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.?$"
                   r"|^[0-9a-f:.]*:[0-9a-f:.]*$")

Issue = tuple[str, str, str]  # code, message, hint


def link_scheme(url: str) -> str | None:
    """The scheme a browser would see in ``url`` (control characters and spaces ignored)."""
    match = _SCHEME.match(_CONTROL.sub("", url))
    return match.group(1).lower() if match else None


def safe_link(url: str) -> bool:
    """An anchor in the brief (``#id``) or an http(s)/mailto address; never javascript:, data:,
    file: ... nor a relative path (it would point at nothing in the EPUB, and at the build
    machine's disk in the PDF)."""
    if url.startswith("#"):
        return True
    scheme = link_scheme(url)
    if scheme == "mailto":
        return True
    if scheme not in LINK_SCHEMES:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 host)
        return False
    return bool(parts.hostname and _HOST.match(parts.hostname))


def safe_address(url: str) -> bool:
    """A web address for metadata (website, licence): http(s) with a host, or mailto."""
    return not url.startswith("#") and safe_link(url)


# --------------------------------------------------------------------------- Markdown

def block_issues(tokens) -> list[tuple[Issue, object]]:
    """Blocks too long or nested too deeply, each with the token that shows where."""
    found = []
    depth, deepest_reported, table, rows = 0, False, None, 0
    for token in tokens:
        if token.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
            depth += 1
            if depth > MAX_DEPTH and not deepest_reported:
                deepest_reported = True
                found.append((("C321", f"lists and quotes are nested more than {MAX_DEPTH} deep",
                               "flatten the structure"), token))
        elif token.type in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "table_open":
            table, rows = token, 0
        elif token.type == "tr_open":
            rows += 1
            if rows == MAX_TABLE_ROWS + 1:
                found.append((("C322", f"a table has more than {MAX_TABLE_ROWS:,} rows",
                               "split it, or publish the data as a separate file"), table))
        elif token.type in ("inline", "fence", "code_block") and len(token.content) > MAX_BLOCK_CHARS:
            found.append((("C322", f"a block of {len(token.content):,} characters is longer than "
                                   f"the limit of {MAX_BLOCK_CHARS:,}",
                           "split it into paragraphs"), token))
    return found


def inline_issues(tokens) -> list[tuple[Issue, object]]:
    """Inline formatting nested too deeply, with the paragraph that holds it."""
    for token in tokens:
        depth = 0
        for child in token.children or ():
            depth += child.nesting
            if depth > MAX_INLINE_DEPTH:
                return [(("C321", f"emphasis, links or strikethrough are nested more than "
                                  f"{MAX_INLINE_DEPTH} deep", "remove the extra * _ ~ or ["), token)]
    return []


# --------------------------------------------------------------------------- images

_FORMATS = {".png": {"PNG"}, ".jpg": {"JPEG"}, ".jpeg": {"JPEG"}, ".gif": {"GIF"}, ".webp": {"WEBP"}}
_SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video",
                  "handler", "listener", "base", "link", "meta"}


def image_issues(path: Path) -> list[Issue]:
    """Problems of an image file: too big, not what its name says, truncated, unsafe SVG."""
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        return [("C323", f"the image is {size / 2**20:.0f} MB, over the limit of "
                         f"{MAX_IMAGE_BYTES // 2**20} MB", "export it smaller")]
    if path.suffix.lower() == ".svg":
        return svg_issues(path.read_bytes())
    return raster_issues(path, _FORMATS[path.suffix.lower()])


def raster_issues(path: Path, formats: set[str]) -> list[Issue]:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind, (width, height) = image.format, image.size
                if kind not in formats:
                    return [("C324", f"the file is {kind or 'not an image'}, not what its name says",
                             f"rename it to .{(kind or 'png').lower()} or convert it")]
                if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
                    return [("C323", f"the image is {width}×{height} pixels, over the limit of "
                                     f"{MAX_IMAGE_SIDE} pixels a side and {MAX_IMAGE_PIXELS:,} in all",
                             "export it at print resolution (300 dpi is plenty)")]
                image.load()  # decodes every pixel: finds truncated files
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return [("C323", "the image has too many pixels", "export it smaller")]
    except Exception as exc:  # Pillow raises many types for a broken file
        return [("C324", f"the image cannot be read ({str(exc)[:80] or type(exc).__name__})",
                 "export it again from its source")]
    return []


def svg_issues(data: bytes) -> list[Issue]:
    """An SVG must be plain drawing: no DTD or entities, scripts, handlers or outside references."""
    if re.search(rb"<!(DOCTYPE|ENTITY)", data, re.I):
        return [("C325", "the SVG declares a DOCTYPE or entities", "export it again without them")]
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [("C324", f"the SVG is not well-formed XML ({exc})", "export it again")]
    if root.tag.rsplit("}", 1)[-1] != "svg":
        return [("C324", "the file is not an SVG image", "export it again as SVG")]
    for element in root.iter():
        name = str(element.tag).rsplit("}", 1)[-1]
        if name in _SVG_FORBIDDEN:
            return [("C325", f"the SVG contains <{name}>", "remove it; an image may only draw")]
        for key, value in element.attrib.items():
            attr = key.rsplit("}", 1)[-1].lower()
            if attr.startswith("on"):
                return [("C325", f"the SVG has an event handler ({attr})", "remove it")]
            if attr in ("href", "src") and not value.strip().startswith("#"):
                return [("C325", f"the SVG refers to {value[:60]!r} outside itself",
                         "embed the drawing; an SVG may only refer to its own parts (#id)")]
            if _outside_url(value):
                return [("C325", f"the SVG refers to a URL in its {attr} attribute",
                         "remove url(...) references other than url(#id)")]
        if name == "style" and (_outside_url(element.text or "") or "@import" in (element.text or "")):
            return [("C325", "the SVG's stylesheet refers to a URL", "remove url(...) and @import")]
    return []


def _outside_url(text: str) -> bool:
    return any(not u.strip(" '\"").startswith("#")
               for u in re.findall(r"url\(([^)]*)\)", text, re.I))

"""Read the outputs back and check them against the model.

Each check returns problems that name the source (file:line) of what is
missing, never just a boolean:

* completeness: every paragraph, list item, table cell, quote, code block and
  footnote of every section is in the text of the edition, in source order;
* headings: every source heading is a heading of the HTML and the EPUB and a
  PDF bookmark, in order and with the same nesting;
* structure: the PDF opens, page 1 is the cover with the title, the document
  information is right; the EPUB's container, package, spine and navigation
  are right, and EPUBCheck reports nothing.

Text is compared after normalisation: letters and digits only, case-folded,
so typography (curly quotes, dashes, hyphenation, line breaks) may change and
wording may not.
"""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

from pressroom.checks.glyphs import missing_glyphs
from pressroom.errors import Problem
from pressroom.model import Block, Brief
from pressroom.wording import normalise  # noqa: F401 (verify.normalise, as the other checks call it)

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "c": "urn:oasis:names:tc:opendocument:xmlns:container",
      "epub": "http://www.idpf.org/2007/ops"}


def _excerpt(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n].rstrip() + "…"


def _section_of(brief: Brief, block: Block) -> str:
    for section in brief.sections:
        if block in section.blocks or block in section.notes:
            return section.path
    return brief.sources[0].as_posix()


def check_sequence(brief: Brief, stream: str, edition: str, blocks: list[Block]) -> list[Problem]:
    """Each block's text in ``stream`` (normalised), in order; report what is missing and where."""
    problems, cursor = [], 0
    for block in blocks:
        needle = normalise(block.text)
        if not needle:
            continue
        found = stream.find(needle, cursor)
        where = _section_of(brief, block)
        if found < 0:
            earlier = stream.find(needle)
            what = "out of order" if earlier >= 0 else "missing"
            problems.append(Problem(
                "V501", f"{block.kind} {what} in the {edition}: “{_excerpt(block.text)}”",
                "the edition lost or moved source text; check the layouts", where, block.line))
            continue
        cursor = found + len(needle)
    return problems


def body_blocks(brief: Brief) -> list[Block]:
    return [b for s in brief.sections for b in s.blocks]


def note_blocks(brief: Brief) -> list[Block]:
    return [b for s in brief.sections for b in s.notes]


def flow_blocks(brief: Brief) -> list[Block]:
    """Reading order of the web and EPUB editions: each section's body, then its notes."""
    return [b for s in brief.sections for b in (*s.blocks, *s.notes)]


# --------------------------------------------------------------------------- PDF

def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def _strip_furniture(brief: Brief, pages: list[str]) -> list[str]:
    """Drop page furniture from each page's text: the running heads, the folio and a draft's
    footer stamp (drawn after the page body), and a draft's diagonal mark (drawn first, under
    the text)."""
    from pressroom.editions.html import draft_stamp

    meta = brief.metadata
    ends = [normalise(meta.short_title), normalise(meta.series_label), normalise(draft_stamp(brief))]
    mark = normalise("DRAFT") if meta.is_draft else ""
    out = []
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        stream = normalise(text)
        if mark and stream.startswith(mark):
            stream = stream[len(mark):]
        furniture = [normalise(f"{number} of {total}"), *ends]
        stripped = True
        while stripped:
            stripped = False
            for end in furniture:
                if end and stream.endswith(end):
                    stream, stripped = stream[: -len(end)], True
        out.append(stream)
    return out


#: A list marker alone on a line, as pypdf gives them: "1. " (with the space the marker's content
#: ends in: a wrapped line of digits, "9850712." of a DOI, has none) or a bullet.
_MARKER_LINE = re.compile(r"^[ \t]*(?:\d{1,9}[.)][ \t]+|[•◦▪‣–-][ \t]*)$", re.M)


def _without_list_markers(text: str) -> str:
    """pypdf gives the markers of a page's list items (``1.``, ``•``) as lines of their own after
    the page's text; a number among them would stand between the halves of a paragraph that
    runs on to the next page."""
    return _MARKER_LINE.sub("", text)


def _outline(reader) -> list[tuple[int, str]]:
    flat: list[tuple[int, str]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                flat.append((depth, item.title))

    walk(reader.outline, 1)
    return flat


def outline_depths(levels: list[int]) -> list[int]:
    """Where headings of these levels sit in a PDF outline, a tree that cannot skip a level:
    a section that starts with ``##`` has its heading at the top, not one level down."""
    depths, open_levels = [], []
    for level in levels:
        while open_levels and open_levels[-1] >= level:
            open_levels.pop()
        open_levels.append(level)
        depths.append(len(open_levels))
    return depths


def verify_pdf(brief: Brief, data: bytes, edition: str = "PDF") -> list[Problem]:
    """``edition`` names the PDF in the problems: "screen PDF", "print PDF"."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    where = brief.sources[0].as_posix()
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        return [Problem("V503", f"the PDF cannot be read: {exc}", "rebuild it", where)]
    meta = brief.metadata
    problems = []
    info = reader.metadata or {}
    title = meta.title + (f": {meta.subtitle}" if meta.subtitle else "")  # as layouts/page.html <title>
    if (info.get("/Title") or "").strip() != title.strip():
        problems.append(Problem("V503", f"PDF /Title is {info.get('/Title')!r}, not the title",
                                "check layouts/page.html <title>", where))
    if meta.authors and info.get("/Author") != ", ".join(meta.authors):
        problems.append(Problem("V503", f"PDF /Author is {info.get('/Author')!r}",
                                "check the author meta tags", where))
    if not pages or normalise(meta.title) not in normalise(pages[0]):
        problems.append(Problem("V503", "page 1 does not carry the title",
                                "the cover must come first", where))
    expected = list(zip(outline_depths([h.level for h in brief.headings]),
                        [h.text for h in brief.headings]))
    actual = _outline(reader)
    if [(lvl, normalise(t)) for lvl, t in actual] != [(lvl, normalise(t)) for lvl, t in expected]:
        problems.append(Problem("V502", f"PDF bookmarks {[t for _, t in actual]} do not mirror the "
                                f"headings {[t for _, t in expected]}",
                                "check bookmark-level in styles/print.css", where))
    # Notes float to the page foot: find them first and cut them out of the flow.
    stream = "".join(_strip_furniture(brief, [_without_list_markers(p) for p in pages]))
    cursor = 0
    for number, note in enumerate(note_blocks(brief), start=1):
        needle = normalise(note.text)
        found = stream.find(needle, cursor)
        marker = str(number)  # the note's number printed before it at the page foot
        if found >= len(marker) and stream[found - len(marker):found] == marker:
            found, needle = found - len(marker), marker + needle
        if found < 0:
            problems.append(Problem("V501", f"footnote missing in the {edition}: “{_excerpt(note.text)}”",
                                    "check the footnote rules in styles/print.css",
                                    _section_of(brief, note), note.line))
            continue
        stream = stream[:found] + stream[found + len(needle):]
        cursor = found
    problems += check_sequence(brief, stream, edition, body_blocks(brief))
    for font, chars in sorted(missing_glyphs(data).items()):
        codes = ", ".join(f"U+{ord(c):04X}" for c in sorted(chars))
        problems.append(Problem("V509", f"{font} has no glyph for {codes}: a box is printed",
                                "add a fallback face with that script to styles/fonts.css", where))
    return problems


# --------------------------------------------------------------------------- HTML and XHTML

class _TextAndHeadings(HTMLParser):
    """Collects the text of a document and its headings inside ``section.section`` elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self._heading: list[str] | None = None
        self._level = 0
        self._depth = 0  # nesting inside a section.section
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "title"):
            self._skip += 1
        if tag == "section" and "section" in (attrs.get("class") or "").split():
            self._depth = 1
        elif self._depth and tag == "section":
            self._depth += 1
        if self._depth and re.fullmatch(r"h[1-6]", tag):
            self._heading, self._level = [], int(tag[1]) - 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._skip = max(0, self._skip - 1)
        if tag == "section" and self._depth:
            self._depth -= 1
        if self._heading is not None and re.fullmatch(r"h[1-6]", tag):
            self.headings.append((self._level, "".join(self._heading).strip()))
            self._heading = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)


def read_markup(documents: list[str]) -> tuple[str, list[tuple[int, str]]]:
    parser = _TextAndHeadings()
    for doc in documents:
        parser.feed(doc)
    parser.close()
    return normalise(" ".join(parser.text)), parser.headings


def check_headings(brief: Brief, found: list[tuple[int, str]], edition: str) -> list[Problem]:
    problems, cursor = [], 0
    for heading, section in ((h, s) for s in brief.sections for h in s.headings):
        target = (heading.level, normalise(heading.text))
        rest = [(lvl, normalise(t)) for lvl, t in found[cursor:]]
        if target in rest:
            cursor += rest.index(target) + 1
        else:
            problems.append(Problem("V502", f"heading “{heading.text}” (level {heading.level}) is "
                                    f"missing from the {edition} or out of order",
                                    "check the layouts", section.path, heading.line))
    return problems


def verify_html(brief: Brief, html: str, edition: str = "HTML") -> list[Problem]:
    stream, headings = read_markup([html])
    return check_headings(brief, headings, edition) + check_sequence(brief, stream, edition,
                                                                      flow_blocks(brief))


def verify_epub(brief: Brief, data: bytes, epubcheck: bool = False,
                path: Path | None = None) -> list[Problem]:
    where = brief.sources[0].as_posix()

    def bad(message):
        return [Problem("V503", message, "rebuild the EPUB; check layouts/epub/", where)]

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if not names or names[0] != "mimetype" or archive.read("mimetype") != b"application/epub+zip":
            return bad("the EPUB does not start with its mimetype entry")
        container = ET.fromstring(archive.read("META-INF/container.xml"))
        opf_path = container.find(".//c:rootfile", NS).get("full-path")
        opf = ET.fromstring(archive.read(opf_path))
        base = opf_path.rsplit("/", 1)[0] + "/" if "/" in opf_path else ""
        manifest = {i.get("id"): i for i in opf.findall(".//opf:manifest/opf:item", NS)}
        spine = [manifest[r.get("idref")].get("href") for r in opf.findall(".//opf:spine/opf:itemref", NS)]
        docs = {href: archive.read(base + href).decode("utf-8") for href in spine}
        for _href, text in docs.items():
            ET.fromstring(text.encode("utf-8"))  # well-formed XML
        nav_item = next(i for i in manifest.values() if "nav" in (i.get("properties") or "").split())
        nav = ET.fromstring(archive.read(base + nav_item.get("href")))
    except (zipfile.BadZipFile, KeyError, StopIteration, AttributeError, ET.ParseError) as exc:
        return bad(f"the EPUB is malformed: {type(exc).__name__}: {exc}")
    problems = []
    title = opf.findtext(".//dc:title", namespaces=NS)
    if title != brief.metadata.title:
        problems += bad(f"dc:title is {title!r}")
    modified = opf.find(".//opf:meta[@property='dcterms:modified']", NS)
    if modified is None or modified.text != brief.metadata.modified:
        problems += bad("dcterms:modified is not the brief's date")
    expected_spine = [f"{s.id}.xhtml" for s in brief.sections]
    if [h for h in spine if h in expected_spine] != expected_spine:
        problems += bad(f"the spine {spine} is not in section order {expected_spine}")
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    toc_labels = [normalise("".join(a.itertext())) for a in toc.iter(f"{{{NS['x']}}}a")] if toc is not None else []
    for section in brief.sections:
        for heading in section.headings:
            if normalise(heading.text) not in toc_labels:
                problems.append(Problem("V502", f"heading “{heading.text}” is not in the EPUB "
                                        "navigation", "check layouts/epub/nav.xhtml",
                                        section.path, heading.line))
        if normalise(section.label) not in toc_labels:
            problems.append(Problem("V502", f"section “{section.label}” is not in the EPUB navigation",
                                    "check layouts/epub/nav.xhtml", section.path, 1))
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    if landmarks is None:
        problems += bad("the navigation document has no landmarks")
    stream, headings = read_markup([docs[h] for h in spine if h != nav_item.get("href")])
    files = {n[len(base):]: archive.read(n) for n in names if n.startswith(base) and not n.endswith("/")}
    problems += check_glyphs(files, docs, "EPUB", where)
    problems += check_headings(brief, headings, "EPUB")
    problems += check_sequence(brief, stream, "EPUB", flow_blocks(brief))
    if epubcheck and path is not None:
        problems += run_epubcheck(path)
    return problems


def run_epubcheck(path: Path) -> list[Problem]:
    """EPUBCheck on one file (see :func:`pressroom.checks.validators.epubcheck`, which takes many)."""
    from pressroom.checks.validators import epubcheck as run

    return run([path])[path]


# --------------------------------------------------------------------------- outputs on disk

#: How each PDF is named in a problem: by its profile.
def verify_outputs(brief: Brief, build_dir: Path, epubcheck: bool = False,
                   formats=None) -> list[Problem]:
    """Verify the editions ``formats`` (edition names; default: every one) of ``brief`` on disk,
    each with its registry entry's verifier. A missing edition is a problem (B403)."""
    from pressroom import editions

    problems = []
    for name in editions.chosen(formats) if formats is None else formats:
        edition = editions.REGISTRY[name]
        path = edition.document(build_dir, brief.slug)
        if not path.is_file():
            problems.append(Problem("B403", f"{path} does not exist",
                                    f"run: invoke build --brief {brief.slug}", str(path)))
            continue
        problems += edition.verify(brief, path, epubcheck=epubcheck)
    return problems


def check_glyphs(files: dict, documents: dict[str, str], edition: str, where: str) -> list[Problem]:
    """The reading editions' glyph check: every character of the documents is drawn by one of the
    edition's own fonts, the subsets it carries (fontsubset.py), not by a reader's fallback."""
    from pressroom.editions.fontsubset import HOUSE_FONTS, missing

    problems = []
    for family, chars in sorted(missing(files, documents, reference=HOUSE_FONTS).items()):
        codes = ", ".join(f"U+{ord(c):04X} {c}" for c in sorted(chars))
        problems.append(Problem("F110", f"the {edition}'s {family} has no glyph for {codes}",
                                "rebuild it (invoke build --force); if the face lacks the character, "
                                "add a fallback face with that script to styles/fonts.css", where))
    return problems


def verify_pdf_file(brief: Brief, path: Path, edition, epubcheck: bool = False) -> list[Problem]:
    """A PDF edition (any profile) on disk, named by its profile in the problems; a print PDF is
    also preflighted for PDF/X (veraPDF checks the screen PDF: see checks/verapdf.py)."""
    data = path.read_bytes()
    problems = verify_pdf(brief, data, edition.label)
    if edition.profile == "print":
        from pressroom.checks import preflight
        from pressroom.project import shown

        problems += preflight.check(data, shown(path))
    return problems


def verify_epub_file(brief: Brief, path: Path, edition, epubcheck: bool = False) -> list[Problem]:
    return verify_epub(brief, path.read_bytes(), epubcheck=epubcheck, path=path)


def verify_html_file(brief: Brief, path: Path, edition, epubcheck: bool = False) -> list[Problem]:
    """The HTML edition's page, and its glyphs against the edition's own subset fonts."""
    problems = verify_html(brief, path.read_text(encoding="utf-8"))
    files = {p.relative_to(path.parent).as_posix(): p for p in sorted(path.parent.rglob("*"))
             if p.is_file()}
    pages = {name: value.read_text(encoding="utf-8") for name, value in files.items()
             if name.endswith(".html") and "/" not in name}
    return problems + check_glyphs(files, pages, edition.label, brief.sources[0].as_posix())

"""One page numbering for every edition: where each PDF page begins, and markers there.

The PDF is laid out first; walking WeasyPrint's boxes page by page gives the
text that opens each page (``starts``). The reading editions are then walked
as text (``Stream``) and a page-break marker is put before the word that opens
each page (``mark``), so a reader of the EPUB or the web edition cites the
same page numbers as a reader of the PDF. Markers and PDF come from one layout.

Text is compared as wording.normalise() compares it (letters and digits,
case-folded), so typography, hyphenation and text-transform do not matter.
Generated text (list markers, footnote calls) and footnote bodies are left out
of both sides; an image counts as one unit, ``#``.
"""

from __future__ import annotations

import bisect
import html
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache

from pressroom.errors import BuildError, Problem
from pressroom.wording import normalise

KEY = 48  # units of text that identify where a page begins
IMAGE = "#"  # the unit an image stands for (normalise() never yields it)


@dataclass(frozen=True)
class PageStart:
    number: int  # the PDF page number (its folio)
    key: str  # the units that open the page
    offset: int  # where they are in the print layout's text


#: normalise() of one character, remembered: the walks below ask it of every character
_unit = lru_cache(maxsize=4096)(normalise)


def units(text: str) -> str:
    return "".join(map(_unit, text))


# --------------------------------------------------------------------------- the PDF's pages

def starts(document) -> list[PageStart]:
    """Where each page of a laid-out document begins; pages with no body text have none. The
    pages are read by :func:`pressroom.weasy.boxes.page_pieces` (WeasyPrint's boxes)."""
    from pressroom.weasy.boxes import page_pieces

    stream: list[str] = []
    offsets: list[tuple[int, int]] = []
    length = 0
    for number, pieces in enumerate(page_pieces(document, IMAGE), start=1):
        begin = length
        for piece in pieces:
            piece = piece if piece == IMAGE else units(piece)
            stream.append(piece)
            length += len(piece)
        if length > begin:
            offsets.append((number, begin))
    text = "".join(stream)
    return [PageStart(number, text[offset:offset + KEY], offset) for number, offset in offsets]


# --------------------------------------------------------------------------- the reading editions

_TOKEN = re.compile(r"<!--.*?-->|<\?.*?\?>|<![^>]*>|<(/?)([A-Za-z][\w:.-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
                    re.S)
_ENTITY = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_SKIPPED = frozenset({"head", "script", "style", "template"})
#: Attributes that mark text a page-break marker never goes into: notes and note references.
_NOT_FLOW = re.compile(r"""class=["'][^"']*\b(noteref|footnotes|draft-banner|toc)\b|role=["']doc-(footnote|endnotes|pagebreak)""")
_NOTES = re.compile(r"""class=["'][^"']*\b(footnotes|draft-banner|toc)\b|role=["']doc-(footnote|endnotes|pagebreak)""")
#: Opening tags a marker is moved before when a page begins with their first word.
_BLOCK_OPEN = re.compile(r"<(?:h[1-6]|p|blockquote|figure|div|pre)\b[^>]*>\s*\Z")


class Places:
    """``(document, index in it)`` of each unit, packed in one array of integers: a list of
    tuples took about 150 bytes a unit (180 MiB for the web edition of a 400-page brief)."""

    __slots__ = ("keys",)

    def __init__(self):
        self.keys = array("q")

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index: int) -> tuple[int, int]:
        key = self.keys[index]
        return key >> 32, key & 0xFFFFFFFF

    def first(self, doc: int, index: int) -> int:
        """The first unit at or after ``index`` of document ``doc``."""
        return bisect.bisect_left(self.keys, doc << 32 | index)


class Stream:
    """The body text of some documents as units, each with the place in its document it came from."""

    def __init__(self, documents: list[str], include_noterefs: bool = False):
        self.documents = documents
        self._not_flow = _NOTES if include_noterefs else _NOT_FLOW
        self.text: list[str] = []
        self.where = Places()  # (document, index in it) of each unit
        for index, doc in enumerate(documents):
            self._read(index, doc)
        self.joined = "".join(self.text)

    def _add(self, piece: str, doc: int, at: int):
        key = doc << 32 | at
        for ch in piece:
            self.text.append(ch)
            self.where.keys.append(key)

    def _read(self, index: int, doc: str):
        body = doc.find("<body")
        cursor = body if body >= 0 else 0
        stack: list[tuple[str, bool]] = []  # open elements: (name, left out of the flow)
        for token in _TOKEN.finditer(doc, cursor):
            skipping = bool(stack and stack[-1][1])
            if not skipping:
                self._text(index, doc, cursor, token.start())
            cursor = token.end()
            closing, name, attrs = token.group(1), (token.group(2) or "").lower(), token.group(3) or ""
            if not name:
                continue
            if closing:
                while stack:
                    if stack.pop()[0] == name:
                        break
                continue
            if name == "img" and not skipping:
                self._add(IMAGE, index, token.start())
            if name in _VOID or attrs.rstrip().endswith("/"):
                continue
            stack.append((name, skipping or name in _SKIPPED or bool(self._not_flow.search(attrs))))
        if not (stack and stack[-1][1]):
            self._text(index, doc, cursor, len(doc))

    def _text(self, index: int, doc: str, start: int, end: int):
        at = start
        while at < end:
            entity = _ENTITY.match(doc, at) if doc[at] == "&" else None
            if entity and entity.end() <= end:
                self._add(units(html.unescape(entity.group(0))), index, at)
                at = entity.end()
            else:
                self._add(_unit(doc[at]), index, at)
                at += 1

    def at(self, doc: int, index: int) -> int:
        """The first unit at or after ``index`` of document ``doc``."""
        return self.where.first(doc, index)

    def find(self, key: str, start: int, expected: int) -> int:
        """The occurrence of ``key`` at or after ``start`` nearest to ``expected``; -1 if none."""
        best, found = -1, self.joined.find(key, start)
        while found >= 0:
            if best < 0 or abs(found - expected) < abs(best - expected):
                best = found
            if found > expected:
                break
            found = self.joined.find(key, found + 1)
        return best


def _word_start(doc: str, at: int) -> int:
    """Back to the start of the word (a hyphenated word split across pages starts on the earlier page)."""
    while at > 0 and (doc[at - 1].isalnum() or doc[at - 1] == "\u00ad"):
        at -= 1
    while True:  # a page that opens with a block's first word: the marker goes before the block
        lt = doc.rfind("<", 0, at)
        if lt < 0 or not _BLOCK_OPEN.match(doc, lt, at):
            return at
        at = lt


#: Elements a page marker is never put inside (it would read as a note call there): a page that
#: opens with one has its marker before it. (opening tag, closing tag, the element it is moved before)
_NO_MARKER_INSIDE = (("<thead", "</thead>", "<table"), ('<header class="cover"', "</header>", None))
_TAGS = re.compile(r"<[^>]*>")


def _outside(doc: str, at: int) -> int:
    """Move a marker out of a table header or the cover, when the page opens with it."""
    for opening, closing, before in _NO_MARKER_INSIDE:
        start = doc.rfind(opening, 0, at)
        if start < 0 or doc.find(closing, start) < at:
            continue
        if before is not None:
            start = doc.rfind(before, 0, start)
        if start >= 0 and not units(html.unescape(_TAGS.sub("", doc[start:at]))):
            at = start
    return at


@dataclass(frozen=True)
class Marker:
    number: int
    document: int
    at: int  # index in the document where the marker goes


def locate(pages: list[PageStart], documents: list[str], edition: str, where: str) -> list[Marker]:
    """Where each page begins in ``documents``; a page that cannot be found fails the build."""
    stream = Stream(documents)
    markers, cursor, previous = [], 0, None
    for page in pages:
        expected = cursor + (page.offset - previous.offset if previous else 0)
        found = stream.find(page.key, cursor, expected) if page.key else -1
        if found < 0:
            raise BuildError(Problem(
                "B404", f"page {page.number} of the PDF (“{page.key[:30]}…”) is not in the {edition}",
                "the print and reading layouts must carry the same body text", where))
        doc, at = stream.where[found]
        markers.append(Marker(page.number, doc, _outside(documents[doc], _word_start(documents[doc], at))))
        cursor, previous = found + 1, page
    return markers


def insert(documents: list[str], markers: list[Marker], tag) -> list[str]:
    """Each document with ``tag(number)`` inserted at its markers."""
    out = list(documents)
    for marker in sorted(markers, key=lambda m: (m.document, m.at), reverse=True):
        doc = out[marker.document]
        out[marker.document] = doc[:marker.at] + tag(marker.number) + doc[marker.at:]
    return out


def html_marker(number: int) -> str:
    # The page number is the marker's accessible name. axe-core (4.x) does not apply DPUB-ARIA roles
    # when it checks for prohibited attributes and reports aria-label on this span; title names it
    # just the same (and reading.css shows it in the margin of the web edition).
    return f'<span role="doc-pagebreak" id="page-{number}" title="{number}"></span>'


def xhtml_marker(number: int) -> str:
    return (f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{number}" '
            f'aria-label="{number}"/>')

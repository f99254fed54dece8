"""`invoke import MANUSCRIPT.docx`: a Word manuscript as a brief that builds at once as a draft.

Mammoth (BSD-2) reads the document: paragraphs with their style names and list
numbering, runs with bold, italic, superscript, subscript and strikethrough,
hyperlinks, footnotes, endnotes, comments, tables with their merged cells and
images with Word's description. This module writes that model out as
Pressroom's Markdown and ``brief.yaml``; it never parses Word's zip or XML
for the text itself.

A manuscript comes from outside, so the file is screened first (:func:`screen`):
a zip, not a ``.doc``, ``.docm`` or an encrypted file, bounded in size and in
what it unpacks to, no DTD or entity in any XML part, no relationship to an
outside file or address (nothing is ever fetched; Mammoth is also told not to
read outside files). Images are checked like a brief's own (pixel limits).

What the Markdown cannot carry (comments, tracked changes, text boxes,
equations, fields, embedded objects, charts, headers and footers, underline,
highlight…) is listed in the import report, one line each with the section file
and line where it was, printed and saved as ``IMPORT.txt`` beside the brief
(``invoke build`` and ``invoke check`` warn while it exists, P706).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

import yaml

from pressroom import wording
from pressroom.errors import ManuscriptError, Problem
from pressroom.manuscript import Collector, Project, load_house, markdown, reading, safety, scaffold, shown
from pressroom.model import FIELDS

#: Largest .docx accepted, and the most its parts may unpack to (a zip bomb stops there).
MAX_DOCX_BYTES = 50 * 2**20
MAX_UNPACKED_BYTES = 200 * 2**20
#: A part that unpacks to more than this many times its packed size is refused.
MAX_RATIO = 100
MAX_PARTS = 2_000
REPORT = "IMPORT.txt"
TRACK_CHANGES = ("accept", "reject")
#: Values a house.yaml `word_styles` entry may map a Word style name to.
STYLE_TARGETS = frozenset(markdown.ALLOWED_CLASSES | {"summary", "key_points", "quote", "paragraph"})

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MACRO_TYPES = ("macroEnabled", "vbaProject")
_IMAGE_SUFFIX = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}
_CONVERTIBLE = {"image/tiff", "image/bmp", "image/x-bmp", "image/x-ms-bmp"}
_QUOTE_STYLES = {"quote", "intense quote", "block text"}
_HEADING = re.compile(r"^heading ([1-9])$", re.I)


@dataclass
class Imported:
    folder: Path
    report: list[str]
    warnings: list[Problem] = field(default_factory=list)


def _refuse(code: str, message: str, hint: str, path: Path) -> ManuscriptError:
    return ManuscriptError(Problem(code, message, hint, shown(path)))


# --------------------------------------------------------------------------- screening

def screen(path: Path) -> zipfile.ZipFile:
    """Open ``path`` as a .docx after the checks an untrusted file needs; raise one problem."""
    if not path.is_file():
        raise _refuse("P101", "there is no such file", "give the path of a .docx file", path)
    size = path.stat().st_size
    if size > MAX_DOCX_BYTES:
        raise _refuse("P703", f"the file is {size / 2**20:.0f} MB, over the limit of "
                      f"{MAX_DOCX_BYTES // 2**20} MB", "save the images smaller, or split the "
                      "manuscript", path)
    head = path.read_bytes()[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file: Word 97-2003, or encrypted
        raise _refuse("P701", "the file is an old Word .doc or a password-protected document",
                      "open it in Word, remove any password, and save it as .docx", path)
    if path.suffix.lower() == ".docm":
        raise _refuse("P702", "a macro-enabled .docm document is refused",
                      "save it as a plain .docx (Word Document) without macros", path)
    try:
        archive = zipfile.ZipFile(path)
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse("P701", "the file is not a Word .docx document (it is not a zip archive)",
                      "save the manuscript from Word as .docx (Word Document)", path) from None
    try:
        _screen_archive(archive, names, path)
    except BaseException:
        archive.close()
        raise
    return archive


def _screen_archive(archive: zipfile.ZipFile, names: list[str], path: Path) -> None:
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise _refuse("P701", "the file is a zip but not a Word document (no word/document.xml)",
                      "save the manuscript from Word as .docx (Word Document)", path)
    if len(names) > MAX_PARTS:
        raise _refuse("P703", f"the document has {len(names):,} parts, over the limit of "
                      f"{MAX_PARTS:,}", "save it again from Word", path)
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.flag_bits & 0x1:
            raise _refuse("P701", "the document is encrypted", "remove the password and save "
                          "it again as .docx", path)
        if total > MAX_UNPACKED_BYTES or (info.compress_size and info.file_size > 1_000_000
                                          and info.file_size > MAX_RATIO * info.compress_size):
            raise _refuse("P703", "the document unpacks to far more than its size (a zip bomb?)",
                          "save it again from Word; keep images under 20 MB", path)
    types = archive.read("[Content_Types].xml")
    if any(m.encode() in types for m in _MACRO_TYPES) or any("vbaProject" in n for n in names):
        raise _refuse("P702", "the document holds macros (a .docm saved as .docx)",
                      "save it as a plain .docx (Word Document) without macros", path)
    for name in names:
        if name.endswith((".xml", ".rels")):
            data = _read_bounded(archive, name, path)
            text = _xml_text(data)
            if re.search(r"<!\s*(DOCTYPE|ENTITY)", text, re.I):
                raise _refuse("P704", f"the part {name} declares a DTD or XML entities",
                              "save the document again from Word (Word never writes them)", path)
            if name.endswith(".rels"):
                _screen_relationships(text, name, path)


def _read_bounded(archive: zipfile.ZipFile, name: str, path: Path) -> bytes:
    with archive.open(name) as part:
        data = part.read(MAX_UNPACKED_BYTES + 1)
    if len(data) > MAX_UNPACKED_BYTES:
        raise _refuse("P703", "the document unpacks to more than the limit (a zip bomb?)",
                      "save it again from Word", path)
    return data


def _xml_text(data: bytes) -> str:
    """An XML part as text, whatever its encoding (a DTD hidden in UTF-16 is still seen)."""
    for bom, codec in ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"), (b"\xef\xbb\xbf", "utf-8-sig")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if data[:2] in (b"<\x00", b"\x00<"):
        return data.decode("utf-16-le" if data[0] else "utf-16-be", errors="replace")
    return data.decode("utf-8", errors="replace")


def _screen_relationships(text: str, name: str, path: Path) -> None:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise _refuse("P701", f"the part {name} is not well-formed XML ({exc})",
                      "save the document again from Word", path) from None
    for rel in root:
        if rel.get("TargetMode", "").lower() != "external":
            continue
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        if kind == "hyperlink":
            continue  # a link in the text: only ever a hyperlink in the editions
        target = rel.get("Target", "")[:80]
        raise _refuse("P705", f"the document refers to an outside {kind or 'file'} ({target}); "
                      "it is never fetched", "embed the image (Insert > Picture > This Device) or "
                      "remove the link or template, then save again", path)


# --------------------------------------------------------------------------- tracked changes

def _prepared(archive: zipfile.ZipFile, reject: bool) -> io.BytesIO:
    """A copy of the document for Mammoth: simple fields unwrapped (Mammoth would drop their
    shown text), and, with ``reject``, every tracked change rejected (insertions out, deletions
    in; Mammoth reads a document with its changes accepted, as Word shows it with markup off)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in archive.infolist():
            data = archive.read(info.filename)
            if info.filename in ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml"):
                data = _rewritten(data, reject)
            elif info.filename == "word/styles.xml":
                data = _slim_styles(data)
            copy.writestr(zipfile.ZipInfo(info.filename, info.date_time), data)  # never the
            # original's ZipInfo: writing records new offsets in it
    out.seek(0)
    return out


def _slim_styles(data: bytes) -> bytes:
    """styles.xml with only what Mammoth reads of it (each style's type, id and name, and a
    numbering style's list): a template's table styles and latent styles are most of its size
    and most of Mammoth's reading time (0.25 s of 0.41 s for python-docx's template)."""
    root = ET.fromstring(data)
    for child in list(root):
        if child.tag != f"{{{W}}}style":
            root.remove(child)
            continue
        for part in list(child):
            if part.tag == f"{{{W}}}pPr":
                for setting in list(part):
                    if setting.tag != f"{{{W}}}numPr":
                        part.remove(setting)
            elif part.tag != f"{{{W}}}name":
                child.remove(part)
    ET.register_namespace("w", W)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _unwrap(parents: dict, element) -> None:
    parent = parents[element]
    at = list(parent).index(element)
    parent.remove(element)
    for offset, child in enumerate(list(element)):
        parent.insert(at + offset, child)
        parents[child] = parent


def _rewritten(data: bytes, reject: bool) -> bytes:
    if b"fldSimple" not in data and not reject:
        return data
    for _, (prefix, uri) in ET.iterparse(io.BytesIO(data), events=("start-ns",)):
        ET.register_namespace(prefix, uri)
    root = ET.fromstring(data)
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in list(root.iter(f"{{{W}}}fldSimple")):
        _unwrap(parents, element)
    if not reject:
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)
    for element in list(root.iter()):
        tag = element.tag
        if tag in (f"{{{W}}}ins", f"{{{W}}}moveTo"):
            parents[element].remove(element)
        elif tag in (f"{{{W}}}del", f"{{{W}}}moveFrom"):
            parent = parents[element]
            if parent.tag == f"{{{W}}}rPr":  # a deleted paragraph mark: the paragraph stays
                parent.remove(element)
                continue
            _unwrap(parents, element)
    for element in root.iter():
        if element.tag == f"{{{W}}}delText":
            element.tag = f"{{{W}}}t"
        elif element.tag == f"{{{W}}}delInstrText":
            element.tag = f"{{{W}}}instrText"
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --------------------------------------------------------------------------- what Mammoth does not carry

_NOT_CARRIED = {
    f"{{{W}}}txbxContent": "a text box (its text is placed where it is anchored)",
    "{http://schemas.openxmlformats.org/officeDocument/2006/math}oMath": "an equation (not carried over)",
    f"{{{W}}}object": "an embedded object (not carried over)",
    "{http://schemas.openxmlformats.org/drawingml/2006/chart}chart": "a chart (not carried over; "
                                                                     "export it as an image)",
    "{http://schemas.openxmlformats.org/drawingml/2006/diagram}relIds": "a SmartArt diagram (not "
                                                                         "carried over)",
    f"{{{W}}}fldSimple": "a field (its shown result is kept as text)",
    f"{{{W}}}instrText": "a field (its shown result is kept as text)",
    f"{{{W}}}ins": "a tracked insertion",
    f"{{{W}}}del": "a tracked deletion",
    f"{{{W}}}moveFrom": "a tracked move",
}


def _scan(archive: zipfile.ZipFile, mode: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(what, anchor text) of everything Mammoth drops or changes, per body block; and the parts
    of the document that are not imported at all (headers, footers)."""
    found: list[tuple[str, str]] = []
    for name in ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml"):
        if name not in archive.namelist():
            continue
        root = ET.fromstring(archive.read(name))
        anchor = ""
        for block in _blocks(root):
            text = _own_text(block).strip()
            anchor = text or anchor
            seen_field = False
            for element in block.iter():
                what = _NOT_CARRIED.get(element.tag)
                if what is None or (what.startswith("a field") and seen_field):
                    continue
                seen_field |= what.startswith("a field")
                if what.startswith("a tracked"):
                    changed = "".join(t.text or "" for t in element.iter()
                                      if t.tag in (f"{{{W}}}t", f"{{{W}}}delText")).strip()
                    verb = "accepted" if mode == "accept" else "rejected"
                    author = element.get(f"{{{W}}}author", "")
                    what = f"{what}{' by ' + author if author else ''} {verb}: “{changed[:60]}”"
                    if not changed:
                        continue
                elif what.startswith("a field"):
                    instr = "".join(t.text or "" for t in block.iter(f"{{{W}}}instrText")).split()
                    code = element.get(f"{{{W}}}instr", "").split() or instr
                    what = what.replace("a field", f"a {code[0]} field" if code else "a field")
                found.append((what, text or anchor))
    extra = sorted(n for n in archive.namelist() if re.match(r"word/(header|footer)\d*\.xml$", n))
    return found, extra


def _own_text(element) -> str:
    """The text of a paragraph without that of the text boxes anchored in it."""
    if element.tag == f"{{{W}}}txbxContent":
        return ""
    if element.tag == f"{{{W}}}t":
        return element.text or ""
    return "".join(_own_text(child) for child in element)


def _blocks(root):
    body = root.find(f"{{{W}}}body")
    container = body if body is not None else root  # footnotes.xml: w:footnote elements
    for element in container:
        if element.tag in (f"{{{W}}}footnote", f"{{{W}}}endnote"):
            yield from element
        else:
            yield element


def _list_numbers(archive: zipfile.ZipFile) -> list[tuple[str, int]]:
    """(numId, the number Word shows) of every numbered paragraph of the body, in order.

    Mammoth gives each item its kind and level but not its number; Word continues a list across
    other paragraphs and may start it anywhere (w:start, w:startOverride)."""
    if "word/numbering.xml" not in archive.namelist():
        return []
    numbering = ET.fromstring(archive.read("word/numbering.xml"))
    starts: dict[tuple[str, str], int] = {}
    abstract = {a.get(f"{{{W}}}abstractNumId"): a for a in numbering.iter(f"{{{W}}}abstractNum")}
    overrides: dict[tuple[str, str], int] = {}
    for num in numbering.iter(f"{{{W}}}num"):
        num_id = num.get(f"{{{W}}}numId")
        ref = num.find(f"{{{W}}}abstractNumId")
        definition = abstract.get(ref.get(f"{{{W}}}val") if ref is not None else None)
        for lvl in (definition.iter(f"{{{W}}}lvl") if definition is not None else ()):
            start = lvl.find(f"{{{W}}}start")
            starts[(num_id, lvl.get(f"{{{W}}}ilvl"))] = int(start.get(f"{{{W}}}val")) if start is not None else 1
        for override in num.iter(f"{{{W}}}lvlOverride"):
            value = override.find(f"{{{W}}}startOverride")
            if value is not None:
                overrides[(num_id, override.get(f"{{{W}}}ilvl"))] = int(value.get(f"{{{W}}}val"))
    body = ET.fromstring(archive.read("word/document.xml")).find(f"{{{W}}}body")
    counters: dict[tuple[str, str], int] = {}
    out = []
    paragraphs = [] if body is None else [
        p for element in body for p in ([element] if element.tag == f"{{{W}}}p" else
                                        element.findall(f"{{{W}}}sdtContent/{{{W}}}p"))]
    for paragraph in paragraphs:
        pr = paragraph.find(f"{{{W}}}pPr/{{{W}}}numPr")
        if pr is None:
            continue
        num = pr.find(f"{{{W}}}numId")
        lvl = pr.find(f"{{{W}}}ilvl")
        num_id = num.get(f"{{{W}}}val") if num is not None else None
        ilvl = lvl.get(f"{{{W}}}val") if lvl is not None else "0"
        if num_id in (None, "0"):
            continue
        key = (num_id, ilvl)
        first = overrides.get(key, starts.get(key, 1))
        counters[key] = counters.get(key, first - 1) + 1
        for other in list(counters):  # a shallower item restarts the deeper levels
            if other[0] == num_id and int(other[1]) > int(ilvl):
                del counters[other]
        out.append((num_id, counters[key]))
    return out


# --------------------------------------------------------------------------- Markdown out

_ESCAPE = re.compile(r"([\\`*_{}\[\]<>#|~^&$])")
_LINE_START = re.compile(r"^(\s*)([-+=]+|\d{1,9}[.)])(?=\s|$)")
_DASHES = re.compile(r"-{2,}")
_REPLACEMENT = re.compile(r"\((c|r|tm|p)\)", re.I)  # markdown-it's typographer would make them ©, ®…


def escape(text: str) -> str:
    """Text as Markdown that prints exactly as it was typed (the typographer's quotes aside)."""
    text = _ESCAPE.sub(r"\\\1", text)
    text = _DASHES.sub(lambda m: "\\-" * len(m.group()), text)  # not – or —
    text = text.replace("+-", "+\\-")  # not ±
    return _REPLACEMENT.sub(lambda m: "\\(" + m.group(0)[1:], text)


@dataclass
class _Section:
    name: str
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Writer:
    """Walks Mammoth's document model and writes Markdown sections."""

    def __init__(self, document, styles: dict[str, str], images_dir: Path, source: Path):
        self.document = document
        self.styles = {k.casefold(): v for k, v in styles.items()}
        self.images_dir = images_dir
        self.source = source
        self.sections: list[_Section] = []
        self.meta: dict = {}
        self.report: list[tuple[str, int, str]] = []  # section file, line, what
        self.warnings: list[Problem] = []
        self.notes = document.notes
        self.comments = {c.comment_id: c for c in document.comments}
        self.note_number = 0
        self.image_number = 0
        self.list_stack: list[tuple] = []
        self.numbers: list[tuple[str | None, int]] = []  # (numId, number) of each numbered paragraph
        self.last_kind = ""
        self.summary: list[str] = []
        self.key_points: list[str] = []
        self._caption_used = None  # the Caption paragraph a figure took as its caption
        self.folder_shown = "source/<slug>"  # the brief's folder in warnings (named at the end)

    # sections and lines
    def section(self) -> _Section:
        if not self.sections:
            self.sections.append(_Section("01-introduction.md"))
        return self.sections[-1]

    def line_no(self) -> int:
        return len(self.section().lines) + 1

    def note(self, what: str) -> None:
        """Report ``what`` at the line the block being written will take (after its blank line)."""
        written = len(self.section().lines)
        self.report.append((self.section().name, written + 2 if written else 1, what))

    def block(self, text: str, kind: str) -> None:
        """Add one block; blocks are separated by a blank line except items of one list."""
        lines = self.section().lines
        if lines and not (kind == "item" and self.last_kind == "item") and not (
                kind == "quote" and self.last_kind == "quote"):
            lines.append("")
        elif kind == "quote" and self.last_kind == "quote":
            lines.append(">")
        lines.extend(text.split("\n"))
        self.last_kind = kind

    # the walk
    def run(self) -> None:
        children = list(self.document.children)
        numbered = sum(1 for c in children if type(c).__name__ == "Paragraph" and c.numbering is not None)
        if numbered != len(self.numbers):  # numbering from styles, or changes: Markdown numbers them
            self.numbers = []
        for i, element in enumerate(children):
            following = children[i + 1] if i + 1 < len(children) else None
            self.element(element, following)
        for section in self.sections:
            if section.notes:
                section.lines += [""] + section.notes

    def element(self, element, following) -> None:
        kind = type(element).__name__
        if kind == "Paragraph":
            self.paragraph(element, following)
        elif kind == "Table":
            self.list_stack = []
            self.table(element)
        else:
            self.note(f"a {kind} block (not carried over)")

    def paragraph(self, paragraph, following) -> None:
        style = (paragraph.style_name or "").strip()
        target = self.styles.get(style.casefold())
        if self._caption_used is paragraph:
            return
        heading = _HEADING.match(style)
        if style.casefold() == "title" or style.casefold() == "subtitle":
            key = style.casefold()
            value = self.plain(paragraph)
            if value and key not in self.meta:
                self.meta[key] = value
                return
        image = self.only_image(paragraph)
        if image is not None and not heading and paragraph.numbering is None:
            self.list_stack = []
            self.figure(image, following)
            return
        text = self.inline(paragraph.children).strip()
        if not text:
            return
        if heading:
            self.list_stack = []
            level = int(heading.group(1))
            if level == 1:
                self.new_section(self.plain(paragraph))
            self.block("#" * min(level, markdown.MAX_HEADING_LEVEL) + " " + _one_line(text), "heading")
            return
        if target == "summary":
            self.summary.append(self.plain(paragraph))
            return
        if target == "key_points":
            self.key_points.append(self.plain(paragraph))
            return
        if paragraph.numbering is not None:
            self.item(paragraph, text)
            return
        self.list_stack = []
        text = _guard_lines(text)
        if style.casefold() == "caption":
            self.block(text, "paragraph")
            return
        if target in markdown.ALLOWED_CLASSES or (target is None and style.casefold() in _QUOTE_STYLES) \
                or target == "quote":
            quoted = "\n".join("> " + line for line in text.split("\n"))
            if target in markdown.ALLOWED_CLASSES and target == "pullquote":
                self.block("{.pullquote}\n" + quoted, "paragraph")
            elif target in markdown.ALLOWED_CLASSES:
                self.block(f"{{.{target}}}\n" + text, "paragraph")
            else:
                self.block(quoted, "quote")
            return
        self.block(text, "paragraph")

    def new_section(self, title: str) -> None:
        if self.sections and not any(line.strip() for line in self.sections[-1].lines):
            self.sections.pop()  # nothing before the first heading: no introduction file
        number = len(self.sections) + 1
        slug = markdown.slugify(title)[:40].rstrip("-") or "section"
        self.sections.append(_Section(f"{number:02d}-{slug}.md"))
        self.last_kind = ""

    def item(self, paragraph, text: str) -> None:
        """A list item: its kind and level from Word's numbering, its number from numbering.xml."""
        level = int(paragraph.numbering.level_index or 0)
        ordered = bool(paragraph.numbering.is_ordered)
        num_id, number = self.numbers.pop(0) if self.numbers else (None, 1)
        stack = self.list_stack  # (level, ordered, marker indent, content indent, numId)
        while stack and stack[-1][0] > level:
            stack.pop()
        if stack and stack[-1][0] == level and (stack[-1][1] != ordered or stack[-1][4] != num_id):
            stack.pop()  # another list at the same level starts here
            if not stack:
                self.last_kind = "list-end"  # a blank line: two lists, not one
        if not stack or stack[-1][0] < level:
            indent = stack[-1][3] if stack else 0
            marker = f"{number}. " if ordered else "- "
            stack.append((level, ordered, indent, indent + len(marker), num_id))
        else:
            marker = f"{number}. " if ordered else "- "
        indent = stack[-1][2]
        stack[-1] = (*stack[-1][:3], indent + len(marker), num_id)
        lines = _guard_lines(text).split("\n")
        self.block("\n".join([" " * indent + marker + lines[0]] +
                             [" " * (indent + len(marker)) + line for line in lines[1:]]), "item")

    # inline content
    def plain(self, element) -> str:
        parts = []
        for child in getattr(element, "children", ()):
            name = type(child).__name__
            if name == "Text":
                parts.append(child.value)
            elif name == "Tab":
                parts.append(" ")
            elif name == "Break":
                parts.append(" ")
            elif hasattr(child, "children"):
                parts.append(self.plain(child))
        return " ".join("".join(parts).split())

    def inline(self, children, html: bool = False) -> str:
        out = []
        for child in children:
            name = type(child).__name__
            if name == "Run":
                out.append(self.run_text(child, html))
            elif name == "Hyperlink":
                text = self.inline(child.children, html)
                if html or not child.href or not text.strip():
                    out.append(text)
                    if child.anchor:
                        self.note(f"a link to the bookmark '{child.anchor}' (its text is kept)")
                else:
                    out.append(f"[{text}](<{child.href.replace('>', '%3E').replace('<', '%3C')}>)")
            elif name == "Text":
                out.append(_html_text(child.value) if html else escape(child.value))
            elif name == "Tab":
                out.append(" ")
            elif name == "Break":
                if child.break_type == "line":
                    out.append("<br />" if html else "\\\n")
                else:
                    out.append(" ")
            elif name == "NoteReference":
                out.append(self.note_ref(child))
            elif name == "CommentReference":
                comment = self.comments.get(child.comment_id)
                if comment is not None:
                    who = comment.author_name or "someone"
                    said = self.plain_blocks(comment.body)
                    self.report.append((self.section().name, self._next_line(),
                                        f"a comment by {who}: “{said[:80]}”"))
            elif name == "Image":
                out.append(self.inline_image(child))
            elif name == "Paragraph":  # a text box's paragraphs, read where it is anchored
                out.append(" " + self.inline(child.children, html) + " ")
            elif name == "Checkbox":
                out.append("☒" if child.checked else "☐")
            elif name in ("Bookmark",):
                continue
            elif hasattr(child, "children"):
                out.append(self.inline(child.children, html))
        return "".join(out)

    def run_text(self, run, html: bool) -> str:
        text = self.inline(run.children, html)
        if not text.strip():
            return text
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):]
        core = text.strip()
        if run.vertical_alignment == "superscript":
            core = f"<sup>{core}</sup>"
        elif run.vertical_alignment == "subscript":
            core = f"<sub>{core}</sub>"
        if not html:
            if run.is_strikethrough:
                core = f"~~{core}~~"
            if run.is_italic:
                core = f"*{core}*"
            if run.is_bold:
                core = f"**{core}**"
        lost = [w for w, on in (("underline", run.is_underline), ("highlight", run.highlight),
                                ("small capitals", run.is_small_caps), ("all capitals", run.is_all_caps))
                if on]
        if html and (run.is_bold or run.is_italic or run.is_strikethrough):
            lost.append("bold or italic inside a table kept as HTML")
        for what in lost:
            self.note(f"{what} formatting of “{self.plain(run)[:40]}” (the text is kept)")
        return lead + core + trail

    def plain_blocks(self, blocks) -> str:
        return " ".join(self.plain(b) for b in blocks)

    def note_ref(self, reference) -> str:
        try:
            note = self.notes.resolve(reference)
        except KeyError:
            self.note(f"a reference to {reference.note_type} {reference.note_id}, which the document "
                      "does not hold")
            return ""
        self.note_number += 1
        label = str(self.note_number)
        paragraphs = [self.inline(p.children).strip() for p in note.body
                      if type(p).__name__ == "Paragraph"]
        paragraphs = [_one_line(p) for p in paragraphs if p]
        for other in note.body:
            if type(other).__name__ != "Paragraph":
                paragraphs.append(_one_line(escape(self.plain(other))))
                self.note(f"a table inside {reference.note_type} {label} (its text is kept as a paragraph)")
        if not paragraphs:
            paragraphs = [escape(f"({reference.note_type} {label} is empty in the document)")]
        body = f"[^{label}]: {paragraphs[0]}"
        for more in paragraphs[1:]:
            body += f"\n\n    {more}"
        self.section().notes.append(body)
        return f"[^{label}]"

    # images
    def only_image(self, paragraph):
        images, text = [], self.plain(paragraph)
        for element in _descendants(paragraph):
            if type(element).__name__ == "Image":
                images.append(element)
        return images[0] if len(images) == 1 and not text else None

    def save_image(self, image) -> str | None:
        kind = (image.content_type or "").lower()
        self.image_number += 1
        number = self.image_number
        with image.open() as handle:
            data = handle.read(safety.MAX_IMAGE_BYTES + 1)
        if len(data) > safety.MAX_IMAGE_BYTES:
            raise _refuse("C323", f"image {number} is larger than {safety.MAX_IMAGE_BYTES // 2**20} MB",
                          "insert it smaller in Word and save again", self.source)
        self.images_dir.mkdir(exist_ok=True)
        if kind in _IMAGE_SUFFIX:
            target = self.images_dir / f"figure-{number:02d}{_IMAGE_SUFFIX[kind]}"
            target.write_bytes(data)
        elif kind in _CONVERTIBLE:
            target = self.images_dir / f"figure-{number:02d}.png"
            raw = target.with_suffix(".raw")
            raw.write_bytes(data)
            issues = safety.raster_issues(raw, {"TIFF", "BMP"})
            if not issues:
                from PIL import Image
                with Image.open(raw) as picture:
                    picture.save(target, "PNG")
            raw.unlink()
            if issues:
                raise _refuse(issues[0][0], f"image {number}: {issues[0][1]}", issues[0][2], self.source)
            self.note(f"image {number} was {kind.split('/')[-1].upper()}, converted to PNG")
        else:
            self.note(f"image {number} ({kind or 'unknown type'}, "
                      f"“{(image.alt_text or '')[:60]}”) is not carried over; export it as PNG")
            return None
        issues = safety.image_issues(target)
        if issues:
            raise _refuse(issues[0][0], f"image {number}: {issues[0][1]}", issues[0][2], self.source)
        return f"images/{target.name}"

    def figure(self, image, following) -> None:
        src = self.save_image(image)
        if src is None:
            return
        caption = ""
        if following is not None and type(following).__name__ == "Paragraph" and \
                (following.style_name or "").strip().casefold() == "caption":
            caption = self.plain(following)
            self._caption_used = following
        alt = " ".join((image.alt_text or "").split())
        if not alt:
            alt = caption or _undescribed(self.image_number)
            self.warnings.append(Problem(
                "C703", f"image '{src}' has no description in Word; its "
                f"{'caption' if caption else 'number'} stands in", "describe what it shows between "
                "the brackets: ![what it shows](...) (Word: right-click > View Alt Text)",
                f"{self._shown_section()}", self._next_line(), "warning"))
        title = f' "{caption.replace(chr(34), chr(8221))}"' if caption else ""
        self.block(f"![{escape(alt)}]({src}{title})", "paragraph")

    def inline_image(self, image) -> str:
        src = self.save_image(image)
        if src is None:
            return ""
        alt = " ".join((image.alt_text or "").split())
        if not alt:
            alt = _undescribed(self.image_number)
            self.warnings.append(Problem(
                "C703", f"image '{src}' has no description in Word; its number stands in",
                "describe what it shows between the brackets: ![what it shows](...)",
                self._shown_section(), self._next_line(), "warning"))
        return f"![{escape(alt)}]({src})"

    def _next_line(self) -> int:
        written = len(self.section().lines)
        return written + 2 if written else 1

    def _shown_section(self) -> str:
        return f"{self.folder_shown}/{self.section().name}"

    # tables
    def table(self, table) -> None:
        rows = [r for r in table.children if type(r).__name__ == "TableRow"]
        simple = all(
            type(c).__name__ == "TableCell" and (c.colspan or 1) == 1 and (c.rowspan or 1) == 1
            and len([p for p in c.children if type(p).__name__ == "Paragraph" and self.plain(p)]) <= 1
            and all(type(p).__name__ == "Paragraph" and p.numbering is None for p in c.children)
            for r in rows for c in r.children)
        widths = {len(r.children) for r in rows}
        if rows and simple and len(widths) == 1:
            lines = []
            for i, row in enumerate(rows):
                cells = [_one_line(" ".join(self.inline(p.children).strip() for p in c.children))
                         .replace("|", "\\|") for c in row.children]
                lines.append("| " + " | ".join(cells) + " |")
                if i == 0:
                    lines.append("|" + "---|" * len(cells))
            self.block("\n".join(lines), "table")
            return
        # Markdown has no merged cells nor paragraphs in a cell: an HTML table of the allowlist
        out = ["<table>"]
        for row in rows:
            cells = []
            for cell in row.children:
                tag = "th" if row.is_header else "td"
                span = "".join(f' {k}="{v}"' for k, v in (("colspan", cell.colspan), ("rowspan", cell.rowspan))
                               if v and v > 1)
                paragraphs = [self.inline(p.children, html=True).strip() if type(p).__name__ == "Paragraph"
                              else _html_text(self.plain(p)) for p in cell.children]
                body = "".join(f"<p>{_one_line(p)}</p>" for p in paragraphs if p)
                cells.append(f"<{tag}{span}>{body}</{tag}>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
        self.block("\n".join(out), "table")
        where = (self._shown_section(), self.line_no() - len(out))
        self.warnings.append(Problem("C704", "a table with merged cells or several paragraphs in a "
                                     "cell is kept as an HTML table", "simplify it to a grid of "
                                     "one-paragraph cells for a Markdown table, or keep it as it is",
                                     where[0], where[1], "warning"))
        self.report.append((self.section().name, where[1], "a table kept as an HTML table (merged "
                            "cells or several paragraphs in a cell); links and bold in it are plain"))


def _undescribed(number: int) -> str:
    """The alternative text of an image Word gave none: a build needs one (C303); C703 says so."""
    return f"Image {number} of the Word manuscript (not yet described)"


def _descendants(element):
    for child in getattr(element, "children", ()):
        yield child
        yield from _descendants(child)


def _html_text(text: str) -> str:
    from html import escape as html_escape

    return html_escape(text, quote=False)


def _one_line(text: str) -> str:
    return " ".join(text.replace("\\\n", " ").split())


def _guard_lines(text: str) -> str:
    """Escape what would start a list, a rule or a setext heading at the start of a line (``#`` and
    ``>`` are escaped everywhere), and strip the indentation that would make a code block."""
    lines = [line.strip(" \t") for line in text.split("\n")]
    return "\n".join(_LINE_START.sub(_escape_marker, line) for line in lines)


def _escape_marker(match: re.Match) -> str:
    marker = match.group(2)
    if marker[0].isdigit():  # "1." -> "1\.": not an ordered list
        return match.group(1) + marker[:-1] + "\\" + marker[-1]
    return match.group(1) + "\\" + marker


# --------------------------------------------------------------------------- brief.yaml

def _core_properties(archive: zipfile.ZipFile) -> dict:
    if "docProps/core.xml" not in archive.namelist():
        return {}
    root = ET.fromstring(archive.read("docProps/core.xml"))
    found = {}
    for element in root:
        name, text = element.tag.rsplit("}", 1)[-1], (element.text or "").strip()
        if text:
            found[name] = text
    out = {}
    if found.get("title"):
        out["title"] = found["title"]
    if found.get("creator"):
        out["authors"] = [a.strip() for a in re.split(r"[;\n]", found["creator"]) if a.strip()]
    for key in ("created", "modified"):
        try:
            out.setdefault("date", dt.date.fromisoformat(found[key][:10]))
        except (KeyError, ValueError):
            pass
    return out


def brief_yaml(meta: dict, sections: list[str], house: dict) -> str:
    """The text of ``invoke new``'s brief.yaml with the fields the document gave filled in."""
    template = scaffold.brief_yaml(meta["title"], house)
    blocks = template.split("\n\n")
    names = {f.name for f in FIELDS}
    out = []
    for block in blocks:
        first = block.split("\n", 1)[0]
        name = re.match(r"# (\w+)", first)
        key = name.group(1) if name else None
        if key in names and key != "title" and key in meta:
            comment = [line for line in block.split("\n") if line.startswith("#")]
            kind = next(f.kind for f in FIELDS if f.name == key)
            keep = comment[:-2] if kind == "list" else comment[:-1]
            value = yaml.safe_dump({key: meta[key]}, allow_unicode=True, width=90, sort_keys=False).strip()
            block = "\n".join(keep + [value])
        elif block.startswith("# The section files"):
            block = "# The section files, in reading order.\nsections:\n" + "\n".join(
                f"  - {name}" for name in sections) + "\n"
        out.append(block)
    return "\n\n".join(out)


# --------------------------------------------------------------------------- the import

def word_styles(project: Project) -> dict[str, str]:
    """house.yaml's `word_styles:` (Word style name -> block); read here, the loader ignores it."""
    if not project.house_file.is_file():
        return {}
    problems = Collector()
    text = reading.read_text(project.house_file, shown(project.house_file), problems,
                             safety.MAX_YAML_BYTES)
    data, lines = reading.load_yaml(text or "", shown(project.house_file), problems)
    styles = (data or {}).get("word_styles") or {}
    if not isinstance(styles, dict) or not all(isinstance(k, str) and v in STYLE_TARGETS
                                               for k, v in styles.items()):
        raise ManuscriptError(Problem("M203", "word_styles must map Word style names to one of "
                                      + ", ".join(sorted(STYLE_TARGETS)),
                                      "write e.g. 'Pull Quote: pullquote'", shown(project.house_file),
                                      lines.get("word_styles")))
    return styles


def import_docx(project: Project, manuscript: Path, slug: str | None = None,
                track_changes: str = "accept") -> Imported:
    """Create source/<slug>/ from a .docx; all or nothing (a refusal leaves nothing under source/)."""
    import mammoth.docx

    if track_changes not in TRACK_CHANGES:
        raise ManuscriptError(Problem("M203", f"--track-changes must be accept or reject, not "
                                      f"'{track_changes}'", "write --track-changes reject"))
    manuscript = Path(manuscript)
    archive = screen(manuscript)
    with archive:
        styles = word_styles(project)
        house = load_house(project, Collector())
        source = _prepared(archive, track_changes == "reject")
        prepared = zipfile.ZipFile(source)
        with source, prepared:
            result = mammoth.docx.read(source, external_file_access=False)
            document = result.value
            core = _core_properties(archive)
            scanned, parts = _scan(archive, track_changes)
            staging = Path(tempfile.mkdtemp(prefix=".import-", dir=_ensure(project.source_dir)))
            try:
                writer = _Writer(document, styles, staging / "images", manuscript)
                writer.numbers = _list_numbers(prepared)
                writer.run()
                meta = {**core, **{k: v for k, v in writer.meta.items()}}
                meta["title"] = meta.get("title") or manuscript.stem.replace("_", " ").strip()
                if writer.summary:
                    meta["summary"] = " ".join(writer.summary)
                if writer.key_points:
                    meta["key_points"] = writer.key_points
                slug = slug or markdown.slugify(meta["title"])
                if markdown.slugify(slug) != slug:
                    raise ManuscriptError(Problem("P107", f"'{slug}' is not a slug", "use lower-case "
                                                  f"letters, digits and hyphens, e.g. {markdown.slugify(slug)}"))
                folder = project.source_dir / slug
                if folder.exists():
                    raise ManuscriptError(Problem("P112", f"a brief called '{slug}' already exists",
                                                  "choose another --slug", shown(folder)))
                if not writer.sections:
                    writer.section().lines.append(escape("(The document has no text.)"))
                names = [s.name for s in writer.sections]
                for section in writer.sections:
                    (staging / section.name).write_text("\n".join(section.lines).strip("\n") + "\n",
                                                        encoding="utf-8")
                (staging / "brief.yaml").write_text(brief_yaml(meta, names, house), encoding="utf-8")
                where = f"{shown(folder)}"
                report = _report(writer, scanned, parts, staging, where, result.messages, meta, core)
                warnings = [Problem(p.code, p.message, p.hint, p.path.replace("source/<slug>", where),
                                    p.line, "warning") for p in writer.warnings]
                warnings += [Problem("C705", line.split(": ", 1)[1], "see " + f"{where}/{REPORT}",
                                     line.split(":", 1)[0], int(line.split(":")[1]), "warning")
                             for line in report if re.match(r"^\S+:\d+: ", line)]
                header = [f"Import report for {manuscript.name} ({track_changes}ed tracked changes).",
                          "What the Markdown does not carry, one line each with where it was.",
                          f"Read it, fix what matters, then delete {REPORT}: `invoke check` warns "
                          "while it exists.", ""]
                (staging / REPORT).write_text("\n".join(header + (report or ["Nothing was lost."])) + "\n",
                                              encoding="utf-8")
                staging.chmod(0o755)
                staging.rename(folder)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return Imported(folder, report, warnings)


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _report(writer: _Writer, scanned, parts, staging: Path, where: str, messages, meta, core) -> list[str]:
    lines = [f"{where}/{name}:{line}: {what}" for name, line, what in writer.report]
    texts = {s.name: [wording.normalise(line.replace("\\", "")) for line in
                      (staging / s.name).read_text(encoding="utf-8").split("\n")] for s in writer.sections}
    for what, anchor in scanned:
        name, line = _locate(texts, anchor)
        lines.append(f"{where}/{name}:{line}: {what}")
    for part in parts:
        lines.append(f"{where}/brief.yaml:1: the page {part[5:-4].rstrip('0123456789')} "
                     f"({part}) is not imported; the editions make their own")
    if "title" not in writer.meta and "title" not in core:
        lines.append(f"{where}/brief.yaml:1: the document has no Title; the file name is the title")
    for message in messages:
        text = str(getattr(message, "message", message))
        if any(tag in text for tag in _NOT_CARRIED) or any(
                tag.rsplit("}", 1)[-1] in text for tag in _NOT_CARRIED):
            continue  # named above, where it was
        if "unrecognised" in text.lower() or "ignored" in text.lower():
            lines.append(f"{where}/brief.yaml:1: Word reader: {text}")
    return sorted(set(lines), key=lambda s: (s.split(":")[0], int(s.split(":")[1]), s))


def _locate(texts: dict[str, list[str]], anchor: str) -> tuple[str, int]:
    whole = wording.normalise(anchor)
    for needle in (whole[:40], whole[-30:]):
        if needle:
            for name, lines in texts.items():
                for number, line in enumerate(lines, 1):
                    if needle in line:
                        return name, number
    name = next(iter(texts))
    return name, 1

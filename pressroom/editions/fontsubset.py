"""Lean reading editions: every font of the EPUB and the HTML edition cut down to what it draws.

The PDF embeds its own subsets (WeasyPrint makes them); the EPUB and the web page used to carry
the fourteen whole faces of ``styles/fonts/``. Here, for one edition's files (its documents,
stylesheets and fonts), :func:`lean` works out which face draws which character and keeps only
those (HarfBuzz's subsetter): as WOFF2 with ``font-display: swap`` on the web (:func:`woff2`), as
TrueType in the EPUB (what every common reading system reads):

* **which face**: each document is styled as a browser would, far enough to know its fonts: the
  stylesheets it links (and its ``<style>``), a small user-agent sheet (headings and ``th`` bold,
  ``em`` italic, list markers, quotes), selectors matched by cssselect2, the cascade, and
  inheritance of ``font-family``, ``font-weight``, ``font-style``, ``text-transform`` and
  ``list-style-type``. A character goes to the face CSS font matching picks in the first family
  of the stack that has it (the Armenian fallback gets only what Source Serif and Sans lack).
* **what the stylesheets generate**: ``content`` of pseudo-elements and of page-margin boxes
  (strings, ``attr()``, ``counter()`` and ``target-counter()`` as digits, quotes, ``leader()``,
  ``string()`` from what ``string-set`` takes), list markers, hyphens where words may break, and
  the uppercase of text that ``text-transform`` raises. A face that draws nothing is left out,
  with its ``@font-face`` rule.
* **OpenType features**: the subsetter's defaults (kerning, standard ligatures, marks, ...) and
  every feature the stylesheets ask for (``font-variant-numeric: oldstyle-nums`` keeps ``onum``,
  ``tabular-nums`` ``tnum``, small caps ``smcp``, ``font-feature-settings`` its tags).
* **deterministic**: no timestamp is recalculated (``head.modified`` stays the source face's), the
  name table keeps the source's own records (with its copyright and licence: OFL), and WOFF2 and
  the glyph order come out the same in every process.
* **cached**: a subset is keyed by the font file's digest, the character set, the features, the
  flavour and the libraries' versions, in memory and in ``build/.fonts/`` (:mod:`artefacts`:
  written with the brief's outputs, never by a build that fails): a rebuild whose text has not
  changed reads it back instead of subsetting again. A build runs this while the PDF is laid out.

:func:`missing` is the reading editions' glyph check: every character of an edition's documents
must be drawn by one of the edition's own (subset) fonts.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import struct
import threading
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pressroom.editions import artefacts
from pressroom.editions.resources import Files, read

VERSION = 1  # of what this module makes: part of every cache key
HOUSE_FONTS = Path(__file__).resolve().parents[2] / "styles" / "fonts"  # the whole faces
CACHE = ".fonts"  # under the build folder
#: Brotli's quality for the web's WOFF2. The first brief's five faces: 43.5 kB at 8 in 0.02 s;
#: 40.7 kB at 11 in 0.2 s (fontTools' only choice); 36.6 kB at 11 with WOFF2's glyf transform,
#: 0.4 s (fontTools re-encodes every outline in Python). See docs/performance.md.
WOFF2_QUALITY = 8
FONTS_SHEET = "assets/fonts.css"
GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "math",
           "emoji", "fangsong", "ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded"}
DIGITS = "0123456789"
QUOTES = "\u201c\u201d\u2018\u2019"  # open-quote, close-quote: the user agent's English quotes
HYPHENS = "-\u2010"  # what a browser (hyphen-minus) or WeasyPrint (U+2010) draws at a break
SPACES = " \u00a0"
MARKERS = {"disc": "\u2022", "circle": "\u25e6", "square": "\u25aa", "decimal": DIGITS + ".",
           "decimal-leading-zero": DIGITS + ".", "lower-roman": "ivxlcdm.", "upper-roman": "IVXLCDM.",
           "lower-alpha": "abcdefghijklmnopqrstuvwxyz.", "lower-latin": "abcdefghijklmnopqrstuvwxyz.",
           "upper-alpha": "ABCDEFGHIJKLMNOPQRSTUVWXYZ.", "upper-latin": "ABCDEFGHIJKLMNOPQRSTUVWXYZ.",
           "disclosure-open": "\u25be", "disclosure-closed": "\u25b8"}
#: CSS font-variant keywords -> the OpenType features they turn on
FEATURES = {"oldstyle-nums": ("onum",), "lining-nums": ("lnum",), "proportional-nums": ("pnum",),
            "tabular-nums": ("tnum",), "diagonal-fractions": ("frac",), "stacked-fractions": ("afrc",),
            "ordinal": ("ordn",), "slashed-zero": ("zero",), "small-caps": ("smcp",),
            "all-small-caps": ("smcp", "c2sc"), "petite-caps": ("pcap",),
            "all-petite-caps": ("pcap", "c2pc"), "unicase": ("unic",), "titling-caps": ("titl",),
            "common-ligatures": ("liga", "clig"), "discretionary-ligatures": ("dlig",),
            "historical-ligatures": ("hlig",), "contextual": ("calt",), "super": ("sups",),
            "sub": ("subs",), "historical-forms": ("hist",)}
#: The user agent's rules that choose a face (HTML's rendering section), under every sheet.
UA_SHEET = """
h1, h2, h3, h4, h5, h6, th, b, strong { font-weight: bold; }
b, strong { font-weight: bolder; }
i, em, cite, var, dfn, address, caption { font-style: italic; }
code, kbd, pre, samp, tt { font-family: monospace; }
ul, menu, dir { list-style-type: disc; }
ul ul, ol ul { list-style-type: circle; }
ul ul ul, ul ol ul, ol ul ul, ol ol ul { list-style-type: square; }
ol { list-style-type: decimal; }
q::before { content: open-quote; }
q::after { content: close-quote; }
[hidden] { display: none; }
"""
_SKIP = {"head", "script", "style", "template", "title", "meta", "link"}
_HTML_NS = "{http://www.w3.org/1999/xhtml}"


# --------------------------------------------------------------------------- faces

@dataclass(frozen=True)
class Face:
    family: str
    weight: int
    style: str
    url: str  # as fonts.css gives it, relative to the sheet
    rule: str  # the whole @font-face rule, as written


def faces(css: str) -> list[Face]:
    """The ``@font-face`` rules of a stylesheet (the first ``src: url()`` of each)."""
    import tinycss2

    found = []
    for match in _FONT_FACE.finditer(css):
        rule = tinycss2.parse_one_rule(match.group(), skip_comments=True)
        if rule.type != "at-rule" or rule.content is None:
            continue
        values = {d.lower_name: _significant(d.value) for d in _declarations(rule.content)}
        family = _families(values.get("font-family", []))
        url = next((t.value for t in values.get("src", []) if t.type == "url"), None)
        if url is None:
            url = next((t.arguments[0].value for t in values.get("src", []) if t.type == "function"
                        and t.lower_name == "url" and t.arguments and t.arguments[0].type == "string"), None)
        if not family or url is None:
            continue
        weight = _weight(values.get("font-weight", []), 400) or 400
        style = next((t.lower_value for t in values.get("font-style", []) if t.type == "ident"), "normal")
        found.append(Face(family[0], weight, style, url, match.group()))
    return found


_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.I)


def _pick(candidates: list[Face], weight: int, style: str) -> Face | None:
    """The face CSS font matching picks from one family's faces (CSS Fonts 4, 5.2)."""
    order = {"italic": ("italic", "oblique", "normal"), "oblique": ("oblique", "italic", "normal")}
    for wanted in order.get(style, ("normal", "oblique", "italic")):
        styled = [f for f in candidates if f.style == wanted]
        if styled:
            break
    else:
        return None
    weights = sorted({f.weight for f in styled})
    if weight in weights:
        chosen = weight
    elif 400 <= weight <= 500:
        up = [w for w in weights if weight < w <= 500]
        down = [w for w in weights if w < weight]
        chosen = min(up) if up else max(down) if down else min(weights)
    elif weight < 400:
        down = [w for w in weights if w < weight]
        chosen = max(down) if down else min(weights)
    else:
        up = [w for w in weights if w > weight]
        chosen = min(up) if up else max(weights)
    return next(f for f in styled if f.weight == chosen)


# --------------------------------------------------------------------------- CSS values

def _declarations(content):
    import tinycss2

    return [d for d in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True)
            if d.type == "declaration"]


def _significant(tokens):
    return [t for t in tokens if t.type not in ("whitespace", "comment")]


def _families(tokens) -> list[str]:
    names, current = [], []
    for token in tokens + [None]:
        if token is None or (token.type == "literal" and token.value == ","):
            if current:
                names.append(" ".join(current))
            current = []
        elif token.type == "string":
            current.append(token.value)
        elif token.type == "ident":
            current.append(token.value)
    return names


def _weight(tokens, inherited: int) -> int | None:
    for token in tokens:
        if token.type == "number" and token.is_integer:
            return token.int_value
        if token.type == "ident":
            word = token.lower_value
            if word == "normal":
                return 400
            if word == "bold":
                return 700
            if word == "bolder":
                return 400 if inherited < 350 else 700 if inherited < 550 else 900
            if word == "lighter":
                return 100 if inherited < 550 else 400 if inherited < 750 else 700
    return None


_SIZES = {"xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large", "xxx-large",
          "smaller", "larger"}


def _shorthand(tokens, style: dict) -> None:
    """``font: [style] [variant] [weight] size[/line-height] family, ...``"""
    tokens = _significant(tokens)
    weight, font_style = 400, "normal"
    for index, token in enumerate(tokens):
        if token.type in ("dimension", "percentage") or (token.type == "ident" and token.lower_value in _SIZES):
            rest = tokens[index + 1:]
            if rest and rest[0].type == "literal" and rest[0].value == "/":
                rest = rest[2:]
            families = _families(rest)
            if families:
                style["family"] = families
            style["weight"], style["style"] = weight, font_style
            return
        if token.type == "ident" and token.lower_value in ("italic", "oblique"):
            font_style = token.lower_value
        elif token.type == "ident" and token.lower_value in FEATURES:
            style.setdefault("features", set()).update(FEATURES[token.lower_value])
        else:
            weight = _weight([token], style["weight"]) or weight


def _strings(tokens, element, strings: dict) -> str:
    """The characters a ``content`` (or ``string-set`` value) generates."""
    out = []
    for token in _significant(tokens):
        if token.type == "string":
            out.append(token.value)
        elif token.type == "ident" and token.lower_value in ("open-quote", "close-quote"):
            out.append(QUOTES)
        elif token.type == "function":
            name, arguments = token.lower_name, _significant(token.arguments)
            if name in ("counter", "counters", "target-counter", "target-counters"):
                out.append(DIGITS + "".join(a.value for a in arguments if a.type == "string"))
                for argument in arguments:
                    if argument.type == "ident" and argument.lower_value in MARKERS:
                        out.append(MARKERS[argument.lower_value])
            elif name == "attr" and arguments and arguments[0].type == "ident" and element is not None:
                out.append(element.get(arguments[0].value, ""))
            elif name in ("leader", "target-text"):
                out.append("".join(a.value for a in arguments if a.type == "string") or ". ")
            elif name == "string" and arguments and arguments[0].type == "ident":
                out.append("".join(strings.get(arguments[0].value, ())))
            elif name == "content" and element is not None:
                out.append("".join(element.itertext()))
    return "".join(out)


# --------------------------------------------------------------------------- the cascade

@dataclass
class Sheets:
    """Parsed rules of the stylesheets of one document, the user agent's first."""

    rules: list = field(default_factory=list)  # (origin, order, selector, declarations)
    pages: list = field(default_factory=list)  # (page declarations, [margin-box declarations])
    features: set = field(default_factory=set)

    def add(self, css: str, origin: int) -> None:
        import tinycss2

        self._rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), origin)

    def _rules(self, rules, origin: int) -> None:
        import cssselect2
        import tinycss2

        for rule in rules:
            if rule.type == "qualified-rule":
                declarations = _declarations(rule.content)
                self._features(declarations)
                try:
                    selectors = cssselect2.compile_selector_list(rule.prelude)
                except cssselect2.SelectorError:
                    continue
                for selector in selectors:
                    self.rules.append((origin, len(self.rules), selector, declarations))
            elif rule.type == "at-rule" and rule.content is not None:
                if rule.lower_at_keyword in ("media", "supports", "layer", "container"):
                    self._rules(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                         skip_whitespace=True), origin)
                elif rule.lower_at_keyword == "page":
                    items = tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                           skip_whitespace=True)
                    own = [d for d in items if d.type == "declaration"]
                    boxes = [_declarations(b.content) for b in items
                             if b.type == "at-rule" and b.content is not None]
                    for declarations in (own, *boxes):
                        self._features(declarations)
                    self.pages.append((own, boxes))

    def _features(self, declarations) -> None:
        for d in declarations:
            if d.lower_name.startswith("font-variant") or d.lower_name == "font":
                for token in _significant(d.value):
                    if token.type == "ident" and token.lower_value in FEATURES:
                        self.features.update(FEATURES[token.lower_value])
            elif d.lower_name == "font-feature-settings":
                self.features.update(t.value for t in d.value if t.type == "string" and len(t.value) == 4)


def _apply(declarations, style: dict, element, strings: dict) -> None:
    for d in declarations:
        name = d.lower_name
        if name == "font-family":
            style["family"] = _families(_significant(d.value)) or style["family"]
        elif name == "font-weight":
            style["weight"] = _weight(_significant(d.value), style["weight"]) or style["weight"]
        elif name == "font-style":
            word = next((t.lower_value for t in d.value if t.type == "ident"), None)
            style["style"] = word or style["style"]
        elif name == "font":
            _shorthand(d.value, style)
        elif name == "text-transform":
            style["transform"] = next((t.lower_value for t in d.value if t.type == "ident"), "none")
        elif name in ("list-style", "list-style-type"):
            for token in _significant(d.value):
                if token.type == "string":
                    style["marker"] = token.value
                elif token.type == "ident" and (token.lower_value in MARKERS or token.lower_value == "none"):
                    style["marker"] = "" if token.lower_value == "none" else MARKERS[token.lower_value]
        elif name == "display":
            style["display"] = next((t.lower_value for t in d.value if t.type == "ident"), "")
        elif name == "content":
            style["content"] = d.value
        elif name == "string-set" and element is not None:
            parts, current = [], []
            for token in _significant(d.value) + [None]:
                if token is None or (token.type == "literal" and token.value == ","):
                    parts.append(current)
                    current = []
                else:
                    current.append(token)
            for part in parts:
                if part and part[0].type == "ident":
                    strings.setdefault(part[0].value, []).append(_strings(part[1:], element, strings))


class Usage:
    """Which face draws which characters, for one edition (see :func:`usage`)."""

    def __init__(self, all_faces: list[Face], cmaps: dict[str, frozenset[int]]):
        self.faces = all_faces
        self.cmaps = cmaps  # face url -> the code points its font has
        self.families: dict[str, list[Face]] = {}
        for face in all_faces:
            self.families.setdefault(face.family.lower(), []).append(face)
        self.chars: dict[Face, set[str]] = {}
        self.uncovered: dict[str, set[str]] = {}  # the family that should draw them -> characters
        self.features: set[str] = set()
        self._memo: dict = {}

    def draw(self, text: str, style: dict) -> None:
        if not text:
            return
        transform = style["transform"]
        if transform in ("uppercase", "capitalize"):
            text += text.upper()
        elif transform == "lowercase":
            text += text.lower()
        key = (tuple(style["family"]), style["weight"], style["style"])
        entry = self._memo.get(key)
        if entry is None:
            entry = self._memo[key] = (self._stack(*key), {})
        stack, decided = entry
        if not stack:
            return  # a generic or unknown family: the reader's own fonts
        for char in set(text).difference(decided):
            decided[char] = face = self._choose(stack, char)
            if face is not None:
                chars = self.chars.setdefault(face, set())
                if not chars:
                    chars.update(c for c in SPACES + HYPHENS if ord(c) in self.cmaps[face.url])
                chars.add(char)

    def _choose(self, stack: list, char: str) -> Face | None:
        """The face that draws a character: the first of the stack that has it."""
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return None
        for face in stack:
            if face is None:
                break
            if ord(char) in self.cmaps[face.url]:
                return face
        self.uncovered.setdefault(stack[0].family, set()).add(char)
        return None

    def _stack(self, families: tuple, weight: int, style: str) -> list:
        """The vendored faces a text falls back through; None where a generic family takes over."""
        stack: list = []
        for family in families:
            candidates = self.families.get(family.lower())
            if candidates:
                face = _pick(candidates, weight, style)
                if face is not None:
                    stack.append(face)
            elif stack:
                stack.append(None)
                break
            else:
                return []
        return stack


def _root_style() -> dict:
    return {"family": ["serif"], "weight": 400, "style": "normal", "transform": "none", "marker": ""}


def _inherited(style: dict) -> dict:
    return {k: style[k] for k in ("family", "weight", "style", "transform", "marker")}


def _document(name: str, text: str):
    """The element tree of a document: XHTML as XML; HTML as XML too when it is well-formed (the
    layouts write it so; ten times faster), else as a browser parses it (tinyhtml5)."""
    if name.endswith(".xhtml"):
        return ET.fromstring(text.encode("utf-8"))
    try:
        return ET.fromstring(text.encode("utf-8"))
    except ET.ParseError:
        import tinyhtml5

        return tinyhtml5.parse(text)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


_usages: dict[str, Usage] = {}  # the last few, by what they were made from (see usage)


def usage(documents: dict[str, str], files: Files, all_faces: list[Face],
          cmaps: dict[str, frozenset[int]]) -> Usage:
    """Style each document with the stylesheets it links (found in ``files``) and note which
    face draws each character of its text and of what its stylesheets generate. The answer is
    kept for the same documents, stylesheets and fonts (each reading edition asks about both)."""
    h = hashlib.sha256(str(VERSION).encode())
    for name in sorted(documents):
        h.update(name.encode() + b"\0" + documents[name].encode("utf-8", "surrogatepass") + b"\0")
    for name in sorted(n for n in files if n.endswith(".css")):
        h.update(name.encode() + b"\0" + read(files[name]) + b"\0")
    for face in all_faces:
        h.update(f"{face!r}{hash(cmaps[face.url])}".encode())  # a cmap: the same frozenset per process
    key = h.hexdigest()
    with _lock:
        if key in _usages:
            return _usages[key]
    found = _usage(documents, files, all_faces, cmaps)
    with _lock:
        if len(_usages) >= 8:
            _usages.pop(next(iter(_usages)))
        _usages[key] = found
    return found


def _usage(documents: dict[str, str], files: Files, all_faces: list[Face],
           cmaps: dict[str, frozenset[int]]) -> Usage:
    import cssselect2

    found = Usage(all_faces, cmaps)
    for name, text in documents.items():
        root = _document(name, text)
        links, inline = [], []
        for element in root.iter():
            tag = _local(element.tag)
            if tag == "link" and "stylesheet" in (element.get("rel") or "").split():
                href = posixpath.normpath(posixpath.join(posixpath.dirname(name), element.get("href", "")))
                if href in files:
                    links.append(href)
            elif tag == "style":
                inline.append("".join(element.itertext()))
        sheets, matcher = _styled(tuple(read(files[href]).decode("utf-8") for href in links), tuple(inline))
        found.features |= sheets.features
        strings: dict[str, list[str]] = {}
        root_style = _walk(cssselect2.ElementWrapper.from_html_root(root), matcher, _root_style(),
                           found, strings)
        for own, boxes in sheets.pages:  # the page's margin boxes: running heads, "N of M"
            page = dict(root_style)
            _apply(own, page, None, strings)
            for box in boxes:
                style = dict(page, content=None)
                _apply(box, style, None, strings)
                if style.get("content"):
                    found.draw(_strings(style["content"], None, strings), style)
    return found


@lru_cache(maxsize=16)
def _styled(linked: tuple[str, ...], inline: tuple[str, ...]):
    """The parsed rules of a document's stylesheets (its linked sheets' text, then its ``<style>``)
    and their selectors' matcher: every document of an edition, and the other edition, shares them."""
    import cssselect2

    sheets = Sheets()
    sheets.add(UA_SHEET, 0)
    for css in (*linked, *inline):
        sheets.add(css, 1)
    matcher = cssselect2.Matcher()
    for origin, order, selector, declarations in sheets.rules:
        matcher.add_selector(selector, (origin, order, declarations))
    return sheets, matcher


def _walk(wrapper, matcher, inherited: dict, found: Usage, strings: dict) -> dict:
    """Style one element and its subtree (iteratively: a long brief nests deep)."""
    top = None
    stack = [(wrapper, inherited)]
    while stack:
        wrapper, parent = stack.pop()
        element = wrapper.etree_element
        tag = _local(element.tag)
        if tag in _SKIP:
            continue
        own = dict(_inherited(parent), content=None, display="")
        pseudo: dict[str, list] = {}
        matched = sorted(matcher.match(wrapper), key=lambda m: (m[3][0], m[0], m[3][1]))
        for _, _, kind, (_origin, _order, declarations) in matched:
            if kind:
                pseudo.setdefault(kind, []).extend(declarations)
            else:
                _apply(declarations, own, element, strings)
        important = [d for _, _, kind, (_, _, declarations) in matched if not kind
                     for d in declarations if d.important]
        _apply(important, own, element, strings)
        if top is None:
            top = own
        if own["display"] == "none":
            continue
        found.draw(element.text or "", own)
        if element.get("alt"):
            found.draw(element.get("alt"), own)
        if tag == "li" and own["marker"] and own["display"] in ("", "list-item"):
            found.draw(own["marker"], own)
        for kind, declarations in pseudo.items():
            style = dict(own, content=None)
            _apply(declarations, style, element, strings)
            if kind == "marker" and tag == "li" and own["marker"]:
                found.draw(own["marker"], style)
            if style.get("content"):
                found.draw(_strings(style["content"], element, strings), style)
        children = list(wrapper.iter_children())
        for child in children:
            if child.etree_element.tail:
                found.draw(child.etree_element.tail, own)
        stack.extend((child, own) for child in reversed(children))
    return top or inherited


# --------------------------------------------------------------------------- subsetting

@lru_cache(maxsize=64)
def _source_cmap(path: str, size: int, mtime: int) -> frozenset[int]:
    with open(path, "rb") as handle:
        if handle.read(4) in (b"wOFF", b"wOF2"):  # HarfBuzz reads no WOFF: fontTools does
            return _bytes_cmap(Path(path).read_bytes())
    import uharfbuzz as hb

    return frozenset(hb.Face(hb.Blob.from_file_path(path)).unicodes)  # HarfBuzz: the best cmap's


def cmap(value: bytes | Path) -> frozenset[int]:
    """The characters a font (a file, or bytes: a WOFF2 subset too) has glyphs for."""
    if isinstance(value, Path):
        stat = value.stat()
        return _source_cmap(str(value), stat.st_size, stat.st_mtime_ns)
    return _bytes_cmap(value)


@lru_cache(maxsize=64)
def _bytes_cmap(data: bytes) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(io.BytesIO(data), lazy=True).getBestCmap() or {})


STORE = artefacts.Store(CACHE)  # the subsets made: in memory, and in build/.fonts/
_lock = threading.Lock()


def subset_key(source: bytes | Path, chars: set[str], features: set[str], flavor: str = "woff2") -> str:
    """The cache key of a subset: the font file, the characters, the features, the versions."""
    import fontTools
    import uharfbuzz

    if isinstance(source, Path):
        font = artefacts.file_digest(source)
    else:
        font = hashlib.sha256(source).hexdigest()
    text = "\0".join([str(VERSION), fontTools.version, uharfbuzz.__version__, font, "".join(sorted(chars)),
                      ",".join(sorted(features)), flavor])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def subset(source: bytes | Path, chars: set[str], features: set[str],
           build_dir: Path | None = None, flavor: str = "woff2") -> bytes:
    """``source`` with the glyphs of ``chars`` (and what its kept features reach), as WOFF2
    (``flavor="woff2"``: the web) or as the TrueType/OpenType font it is (``"sfnt"``: the EPUB)."""
    key = subset_key(source, chars, features, flavor)
    return STORE.get(f"{key}.{flavor}", build_dir, lambda: _make(source, chars, features, flavor))


def _make(source: bytes | Path, chars: set[str], features: set[str], flavor: str) -> bytes:
    """HarfBuzz's subsetter (uharfbuzz: a millisecond a face, where fontTools' took a fifth of a
    second), then, for the web, fontTools' WOFF2 encoder."""
    import uharfbuzz as hb

    data = source.read_bytes() if isinstance(source, Path) else bytes(source)
    if data[:4] in (b"wOFF", b"wOF2"):  # a house face sent as WOFF: HarfBuzz reads the font inside
        from fontTools.ttLib import TTFont

        font, unpacked = TTFont(io.BytesIO(data), recalcTimestamp=False), io.BytesIO()
        font.flavor = None
        font.save(unpacked)
        data = unpacked.getvalue()
    plan = hb.SubsetInput()
    plan.unicode_set.update(sorted(ord(c) for c in chars))
    plan.layout_feature_tag_set.update(_tag(f) for f in sorted(features))
    plan.name_id_set.update((0, 1, 2, 3, 4, 5, 6, 13, 14))  # with the copyright and the OFL's notice
    plan.name_lang_id_set.clear()
    plan.name_lang_id_set.invert()  # every language the source's names are in
    plan.flags = hb.SubsetFlags.NOTDEF_OUTLINE  # a missing glyph is a visible box, not nothing
    face = hb.subset(hb.Face(hb.Blob(data)), plan)
    if face is None:
        raise ValueError(f"HarfBuzz could not subset {source if isinstance(source, Path) else 'a font'}")
    data = face.blob.data  # head.modified stays the source face's: nothing recalculated
    if flavor == "sfnt":
        return data
    return woff2(data)


def woff2(sfnt: bytes, quality: int | None = None) -> bytes:
    """The WOFF2 file (W3C WOFF 2.0) of a TrueType/OpenType font, each table with the null
    transform, all in one Brotli stream at ``quality`` (default :data:`WOFF2_QUALITY`).

    This is the file fontTools writes with ``woff2.compress(transform_tables=set())``, byte for
    byte at quality 11 (a test holds it to that), with the encoder's helpers taken from
    fontTools; fontTools compresses only at Brotli's slowest quality, 11: 0.2 s of a cold build
    for the first brief's five faces, against 0.02 s at 8, for 7 % more bytes."""
    import brotli
    from fontTools.ttLib.sfnt import calcChecksum
    from fontTools.ttLib.woff2 import getKnownTagIndex, packBase128, woff2UnknownTagIndex

    flavor, count = struct.unpack(">4sH", sfnt[:6])
    entries = sorted(struct.unpack(">4sIII", sfnt[12 + 16 * i:28 + 16 * i]) for i in range(count))
    tables = {tag: bytearray(sfnt[offset:offset + length]) for tag, _, offset, length in entries}
    if b"head" in tables:  # bit 11: "subjected to a WOFF 2.0 lossless modifying transform"
        head = tables[b"head"]
        head[16:18] = struct.pack(">H", struct.unpack(">H", head[16:18])[0] | 1 << 11)
        head[8:12] = b"\0\0\0\0"
    # the checksums of the font a reader rebuilds (tables in this order, each padded to 4 bytes)
    search = 1 << (count.bit_length() - 1) if count else 0
    directory = struct.pack(">4sHHHH", flavor, count, search * 16, max(search.bit_length() - 1, 0),
                            count * 16 - search * 16)
    offset, total, directory_entries = 12 + 16 * count, 12 + 16 * count, b""
    for tag, data in tables.items():
        checksum = calcChecksum(bytes(data))
        directory_entries += struct.pack(">4sIII", tag, checksum, offset, len(data))
        offset += (len(data) + 3) & ~3
        total += (len(data) + 3) & ~3
    master = (calcChecksum(directory + directory_entries) + sum(
        calcChecksum(bytes(d)) for d in tables.values())) & 0xFFFFFFFF
    if b"head" in tables:
        tables[b"head"][8:12] = struct.pack(">I", (0xB1B0AFBA - master) & 0xFFFFFFFF)
    listing, stream = b"", b""
    for tag, data in tables.items():
        name = tag.decode("latin-1")
        index = getKnownTagIndex(name)
        flags = index | (3 << 6 if name in ("glyf", "loca") else 0)  # 3 for these, 0 else: null
        listing += bytes([flags]) + (tag if index == woff2UnknownTagIndex else b"") + packBase128(len(data))
        stream += data
    compressed = brotli.compress(stream, mode=brotli.MODE_FONT,
                                 quality=WOFF2_QUALITY if quality is None else quality)
    length = (48 + len(listing) + len(compressed) + 3) & ~3
    major, minor = struct.unpack(">HH", tables[b"head"][4:8]) if b"head" in tables else (0, 0)
    header = struct.pack(">4s4sIHHIIHHIIIII", b"wOF2", flavor, length, count, 0, total,
                         len(compressed), major, minor, 0, 0, 0, 0, 0)
    return (header + listing + compressed).ljust(length, b"\0")


def _tag(feature: str) -> int:
    return int.from_bytes(feature.encode("ascii")[:4].ljust(4), "big")


# --------------------------------------------------------------------------- editions

def _sheet_faces(files: Files, sheet: str) -> tuple[str, list[Face], dict[str, str]]:
    css = read(files[sheet]).decode("utf-8")
    found = faces(css)
    where = {f.url: posixpath.normpath(posixpath.join(posixpath.dirname(sheet), f.url)) for f in found}
    return css, [f for f in found if where[f.url] in files], where


def lean(files: Files, documents: dict[str, str], build_dir: Path | None = None,
         web: bool = True, sheet: str = FONTS_SHEET, others=()) -> Files:
    """An edition's files with its fonts subset to what ``documents`` draw, as WOFF2, and
    ``sheet`` rewritten to name them (``font-display: swap`` on the web); unused faces gone.

    ``others``: the ``(files, documents)`` of the brief's other reading editions. A face this
    edition uses holds what every edition draws with it: one subset per face and brief serves
    the EPUB and the web page alike (subsetting is most of the cost), and an edition's bytes
    do not depend on which editions a build makes."""
    if sheet not in files:
        return files
    css, all_faces, where = _sheet_faces(files, sheet)
    cmaps = {f.url: cmap(files[where[f.url]]) for f in all_faces}
    used = usage(documents, files, all_faces, cmaps)
    chars = {face: set(found) for face, found in used.chars.items()}
    features = set(used.features)
    for other_files, other_documents in others:
        if sheet not in other_files:
            continue
        _, other_faces, other_where = _sheet_faces(other_files, sheet)
        other = usage(other_documents, other_files, other_faces,
                      {f.url: cmap(other_files[other_where[f.url]]) for f in other_faces})
        features |= other.features
        for face, found in other.chars.items():
            if face in chars:
                chars[face] |= found
    out = {name: value for name, value in files.items() if name not in where.values()}
    for face in all_faces:
        if not chars.get(face):
            css = css.replace(face.rule, "", 1)
            continue
        url = re.sub(r"\.(ttf|otf|woff2?)$", "", face.url, flags=re.I) + ".woff2" if web else face.url
        out[posixpath.normpath(posixpath.join(posixpath.dirname(sheet), url))] = subset(
            files[where[face.url]], chars[face], features, build_dir, "woff2" if web else "sfnt")
        rule = face.rule.replace(face.url, url, 1)
        if web and "font-display" not in rule:
            rule = rule[:rule.rindex("}")].rstrip() + " font-display: swap; }"
        css = css.replace(face.rule, rule, 1)
    css = re.sub(r"\n{2,}", "\n", css)
    out[sheet] = css.encode("utf-8")
    return dict(sorted(out.items()))


def missing(files: Files, documents: dict[str, str], sheet: str = FONTS_SHEET,
            reference: Path | None = None) -> dict[str, set[str]]:
    """The reading editions' glyph check: characters of ``documents`` that none of the edition's
    own fonts (the files ``sheet`` names) draws: ``{family that should: {characters}}``.

    ``reference``: the folder of the whole faces (``styles/fonts/``). A character none of them
    has is left out: no subset could hold it, and the PDF, too, draws it in the machine's fonts
    (its own check, V509, looks for .notdef boxes)."""
    if sheet not in files:
        return {}
    _, all_faces, where = _sheet_faces(files, sheet)
    cmaps = {}
    for face in all_faces:
        try:
            cmaps[face.url] = cmap(files[where[face.url]])
        except Exception:  # not a font fontTools reads: it draws nothing
            cmaps[face.url] = frozenset()
    found = usage(documents, files, all_faces, cmaps).uncovered
    if reference is not None and reference.is_dir():
        whole = _whole_faces(reference)
        everything = frozenset().union(*whole.values()) if whole else frozenset()
        # a character is lost by a subset only if the family's own whole faces have it (else the
        # family never drew it: a reader's fallback does, as WeasyPrint's does in the PDF)
        found = {family: {c for c in chars if ord(c) in whole.get(family, everything)}
                 for family, chars in found.items()}
    return {family: chars for family, chars in found.items() if chars}


@lru_cache(maxsize=4)
def _whole_faces(reference: Path) -> dict[str, frozenset]:
    """The characters of the whole faces in ``reference``, by family name (typographic, else
    legacy)."""
    from fontTools.ttLib import TTFont

    out: dict[str, set] = {}
    for path in sorted(reference.iterdir()):
        if path.suffix.lower() not in (".ttf", ".otf", ".woff", ".woff2"):
            continue
        font = TTFont(path, lazy=True)
        name = font["name"]
        family = str(name.getDebugName(16) or name.getDebugName(1) or path.stem)
        out.setdefault(family, set()).update(cmap(path))
    return {family: frozenset(chars) for family, chars in out.items()}

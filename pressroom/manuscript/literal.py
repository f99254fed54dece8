"""Markup that reaches the text literally: what a reader would see printed as typed.

The parser renders CommonMark, footnotes, block attributes and Pandoc's
``^superscript^`` and ``~subscript~``. Whatever markup-looking text is left in
a text token after parsing is printed verbatim in every edition; each kind is
found here, with its line and column in the source, so that the build warns
about it and the publishing gate (strict) refuses it:

    C340  an angle-bracket tag left as text         11<sup>th</sup>, health.”<br>Trade
    C341  a ^…^ or ~…~ pair left as text            ^a b^ (Pandoc needs ^a\\ b^)
    C342  a citation [@key] without a bibliography  [@smith2020]
    C343  a {.class} or {#id} left as text          ## Title {.wide}
    C344  a zero-width or bidi control character    U+200B, U+202E, …

Code (spans, blocks) is literal by intent and never reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.token import Token

#: Invisible characters that change what a reader sees or how text is ordered, and that no
#: manuscript needs (ZWNJ and ZWJ, U+200C/D, are kept: scripts and emoji need them).
CONTROLS = {
    "\u200b": "zero-width space", "\u200e": "left-to-right mark", "\u200f": "right-to-left mark",
    "\u202a": "left-to-right embedding", "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting", "\u202d": "left-to-right override",
    "\u202e": "right-to-left override", "\u2060": "word joiner", "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate", "\u2068": "first strong isolate",
    "\u2069": "pop directional isolate", "\ufeff": "zero-width no-break space (BOM)",
}
_CONTROL_RE = re.compile("[" + "".join(CONTROLS) + "]")

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_PAIR = re.compile(r"\^[^\^\s](?:[^\^\n]*?[^\^\s])?\^|(?<!~)~[^~\s](?:[^~\n]*?[^~\s])?~(?!~)")
_PLAIN_PAIR = re.compile(r"\^[^\^\s]+\^|(?<!~)~[^~\s]+~(?!~)")
_CITATION = re.compile(r"\[[^\[\]]*?-?@[\w][\w:.#$%&+?<>~/-]*[^\[\]]*\]")
_ATTRIBUTE = re.compile(r"\{\s*[.#][A-Za-z][^{}]*\}")

_HINTS = {
    "br": "end the line with a backslash (\\) for a line break",
    "sup": "write ^text^ for a superscript", "sub": "write ~text~ for a subscript",
    "em": "write *text* for emphasis", "i": "write *text* for emphasis",
    "strong": "write **text** for strong emphasis", "b": "write **text** for strong emphasis",
}


@dataclass(frozen=True)
class Literal:
    code: str
    message: str
    hint: str
    line: int  # in the file, 1-based
    col: int  # 1-based


def find(tokens: list[Token], text: str, line_offset: int = 0) -> list[Literal]:
    """Literal markup in the text tokens of a parsed section, and control characters in ``text``
    (the section as parsed); lines and columns are those of the file (``line_offset`` added)."""
    lines = text.split("\n")
    found: list[Literal] = []
    for token in tokens:
        if token.type != "inline" or not token.map:
            continue
        cursor = [token.map[0], 0]  # where the search in the source resumes: line index, column
        for child in _texts(token.children or []):
            for code, match, message, hint in _matches(child.content):
                line, col = _locate(lines, token.map, cursor, match)
                found.append(Literal(code, message, hint, line + 1 + line_offset, col + 1))
    for number, line in enumerate(lines):
        for match in _CONTROL_RE.finditer(line):
            char = match.group()
            found.append(Literal("C344", f"invisible character U+{ord(char):04X} "
                                 f"({CONTROLS[char]}) in the text",
                                 "delete it: it is invisible but changes how the text is read "
                                 "or ordered", number + 1 + line_offset, match.start() + 1))
    return sorted(found, key=lambda f: (f.line, f.col, f.code))


def find_plain(text: str) -> list[tuple[str, str, str]]:
    """(code, message, hint) of the markup in text printed as written, not parsed as Markdown
    (the metadata: title, summary, key points...): there even ^2^ and ~2~ stay as typed."""
    found = []
    for code, _match, message, hint in _matches(text, plain=True):
        found.append((code, message, hint))
    for match in _CONTROL_RE.finditer(text):
        char = match.group()
        found.append(("C344", f"invisible character U+{ord(char):04X} ({CONTROLS[char]})",
                      "delete it: it is invisible but changes how the text is read or ordered"))
    return found


def _texts(children: list[Token]):
    """The tokens printed as their source text: text, and a citation (issue 17) while the brief
    has no bibliography to render it from."""
    for child in children:
        if child.type in ("text", "citation"):
            yield child
        elif child.children:
            yield from _texts(child.children)


def _matches(content: str, plain: bool = False):
    opened = set()
    for match in _TAG.finditer(content):
        name = re.match(r"</?([A-Za-z0-9-]+)", match.group()).group(1).lower()
        if match.group().startswith("</") and name in opened:
            continue  # <sup>th</sup>: one finding for the pair
        opened.add(name)
        yield ("C340", match.group(), f"the tag {match.group()[:40]} is printed as text",
               _HINTS.get(name, "remove it: raw HTML is not rendered"))
    pairs = _PLAIN_PAIR if plain else _PAIR
    for match in pairs.finditer(content):
        mark = match.group()[0]
        kind = "superscript" if mark == "^" else "subscript"
        hint = ("metadata is printed as written: type the character itself (² ₂) or rephrase"
                if plain else f"a {kind} has no spaces: write {mark}a\\ b{mark}, or escape the marks "
                f"(\\{mark})")
        yield ("C341", match.group(), f"{match.group()[:40]} is printed as typed, not as a {kind}", hint)
    for match in _CITATION.finditer(content):
        yield ("C342", match.group(), f"the citation {match.group()[:40]} is printed as typed: "
               "the brief has no bibliography", "add a bibliography to the brief, or write the "
               "reference as a footnote")
    for match in _ATTRIBUTE.finditer(content):
        yield ("C343", match.group(), f"{match.group()[:40]} is printed as text: it is not a "
               "block attribute here", "put {.class} alone on the line above a paragraph, "
               "with a known class, or remove it")


def _locate(lines: list[str], span, cursor: list[int], needle: str) -> tuple[int, int]:
    """The 0-based line and column of ``needle`` in the block's source lines, from ``cursor`` on
    (typography may have changed the text: then the start of the search is given)."""
    first, end = cursor[0], min(span[1], len(lines))
    for index in range(first, end):
        col = lines[index].find(needle, cursor[1] if index == first else 0)
        if col >= 0:
            cursor[0], cursor[1] = index, col + len(needle)
            return index, col
    return first, cursor[1]

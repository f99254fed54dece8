"""Citations as the Markdown reads and prints them, Pandoc's syntax: ``[@key]``, ``[@key, p. 33]``,
``[@a; @b, chap. 2]``, narrative ``@key [p. 5]``, ``[-@key]``, prefixes and suffixes. The parser's
inline rule makes ``citation`` tokens; :mod:`pressroom.manuscript.citations` gives them their
words (citeproc-js), and :func:`render` prints them (their source text while unprocessed).

Apart from the processor so that the Markdown parser needs only this, and the processor may
read the parser's tokens without the two importing each other.
"""

from __future__ import annotations

import re
from html import escape, unescape
from html.parser import HTMLParser

from markdown_it.token import Token

#: Pandoc's citation key: starts with a letter, digit or _, may hold : . # $ % & - + ? < > ~ /
#: when a letter or digit follows.
_KEY = r"[^\W](?:[^\W]|[:.#$%&+?<>~/-](?=[^\W]))*"
_ITEM = re.compile(rf"^(?P<prefix>(?:.*\s)?)(?P<minus>-?)@(?P<key>{_KEY})(?P<suffix>.*)$", re.S)
_NARRATIVE = re.compile(rf"@(?P<key>{_KEY})")
#: Locator terms as Pandoc recognises them (English), with their CSL labels.
_LABELS = {
    "book": ("bk.", "bks.", "book", "books"), "chapter": ("chap.", "chaps.", "chapter", "chapters", "ch."),
    "column": ("col.", "cols.", "column", "columns"), "figure": ("fig.", "figs.", "figure", "figures"),
    "folio": ("fol.", "fols.", "folio", "folios"), "number": ("no.", "nos.", "number", "numbers"),
    "line": ("l.", "ll.", "line", "lines"), "note": ("n.", "nn.", "note", "notes"),
    "opus": ("op.", "opp.", "opus", "opera"), "page": ("p.", "pp.", "page", "pages"),
    "paragraph": ("para.", "paras.", "paragraph", "paragraphs", "¶", "¶¶"),
    "part": ("pt.", "pts.", "part", "parts"), "section": ("sec.", "secs.", "section", "sections", "§", "§§"),
    "sub-verbo": ("s.v.", "s.vv.", "sub verbo", "sub verbis"), "verse": ("v.", "vv.", "verse", "verses"),
    "volume": ("vol.", "vols.", "volume", "volumes"),
}
_TERM = {term: label for label, terms in _LABELS.items() for term in terms}
_TERMS = "|".join(re.escape(t) for t in sorted(_TERM, key=len, reverse=True))
_LOCATOR = re.compile(rf"^\s*(?:(?P<term>{_TERMS})\s*)?(?P<value>[0-9ivxlcdmIVXLCDM]+[a-z]?"
                      rf"(?:\s*(?:[-–—,&]|--)\s*[0-9ivxlcdmIVXLCDM]+[a-z]?)*)(?P<rest>(?:[\s,;].*)?)$", re.S)


def _locator(suffix: str) -> dict:
    """Split a suffix into a CSL locator and label, and what text remains (as Pandoc does)."""
    text = suffix.strip()
    comma = text.startswith(",")
    text = text[1:].strip() if comma else text
    match = _LOCATOR.match(text)
    if match and (match.group("term") or match.group("value")[0].isdigit()):
        value = match.group("value").replace("--", "–").replace("–", "-")  # the style sets the dash
        out = {"locator": value, "label": _TERM.get(match.group("term") or "p.", "page")}
        rest = match.group("rest")
        if rest.strip():
            out["suffix"] = rest if rest[:1] in ",;" else rest
        return out
    return {"suffix": (", " if comma else " ") + text} if text else {}


def _item(part: str) -> dict | None:
    match = _ITEM.match(part)
    if match is None:
        return None
    item = {"id": match.group("key")}
    prefix = match.group("prefix").strip()
    if prefix:
        item["prefix"] = prefix + " "
    if match.group("minus"):
        item["suppress-author"] = True
    item.update(_locator(match.group("suffix")))
    return item


def _closing(src: str, start: int, end: int) -> int:
    """The position of the ``]`` that closes the ``[`` at ``start``, or -1."""
    depth = 0
    for pos in range(start, end):
        char = src[pos]
        if char == "\\":
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return pos
    return -1


def _bracketed(src: str, start: int, end: int) -> tuple[list[dict], int] | None:
    close = _closing(src, start, end)
    if close < 0 or src[start + 1:start + 2] == "^" or src[close + 1:close + 2] in ("(", "["):
        return None
    content = src[start + 1:close]
    if "@" not in content:
        return None
    items = [_item(part) for part in content.split(";")]
    if not items or any(i is None for i in items):
        return None
    return items, close + 1


def _rule(state, silent: bool) -> bool:
    src, pos, end = state.src, state.pos, state.posMax
    char = src[pos]
    if char == "[":
        found = _bracketed(src, pos, end)
        if found is None:
            return False
        items, after = found
        narrative = None
    elif char == "@":
        before = src[pos - 1] if pos > 0 else " "
        if before.isalnum() or before in "._%+-@\\":  # an e-mail address, not a citation
            return False
        match = _NARRATIVE.match(src, pos, end)
        if match is None:
            return False
        item, after = {"id": match.group("key")}, match.end()
        bracket = re.match(r" ?\[", src[after:end])
        if bracket:
            close = _closing(src, after + bracket.end() - 1, end)
            inner = src[after + bracket.end():close] if close > 0 else ""
            if close > 0 and "@" not in inner and src[close + 1:close + 2] not in ("(", "["):
                item.update(_locator("," + inner if inner[:1] != "," else inner))
                after = close + 1
        items, narrative = [item], item["id"]
    else:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.content = src[pos:after]
        token.meta = {"items": items, "narrative": narrative}
    state.pos = after
    return True


def plugin(md) -> None:
    """Teach a MarkdownIt parser Pandoc's citations (before links, so ``[@key]`` is no link)."""
    md.inline.ruler.before("link", "citation", _rule)


def render(token: Token, mode: str) -> str:
    """A citation in an edition: its rendering, or its source text when it was not processed."""
    html = token.meta.get("html")
    if html is None:
        return escape(token.content)
    target = token.meta.get("target")
    if mode == "xhtml" and target:
        html = html.replace('href="#ref-', f'href="{target}.xhtml#ref-')
    return html


def plain(token: Token) -> str:
    """A citation's words as the verifier finds them in an edition."""
    return token.meta.get("plain", token.content if token.meta.get("html") is None else "")


# --------------------------------------------------------------------------- the processor's HTML

_ALLOWED = {"i": (), "b": (), "em": (), "strong": (), "sup": (), "sub": (), "span": ("style",),
            "a": ("href",), "div": ("class",)}


class _Clean(HTMLParser):
    """citeproc-js's HTML, kept to the inline tags it makes and written as well-formed XHTML.

    Entries are untrusted (a .bib file is part of the manuscript): any other tag is dropped,
    a link is kept only to an http(s) or doi address or to an entry, a style only small caps."""

    def __init__(self, link: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []
        self.link = link

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in _ALLOWED:
            self.stack.append("")
            return
        kept = ""
        if tag == "a":
            href = attrs.get("href") or ""
            if not re.match(r"^(https?://|#ref-)", href) or (href.startswith("#") and not self.link):
                self.stack.append("")
                return
            kept = f' href="{escape(href)}"'
            if href.startswith("#ref-"):
                kept += ' class="citation-link"'
        elif tag == "span" and re.fullmatch(r"\s*font-variant:\s*small-caps;?\s*", attrs.get("style") or ""):
            kept = ' class="small-caps"'
        elif tag == "div":
            cls = attrs.get("class") or ""
            if cls not in ("csl-left-margin", "csl-right-inline", "csl-block", "csl-indent"):
                self.stack.append("")
                return
            tag, kept = "span", f' class="{cls}"'
        self.stack.append(tag)
        self.out.append(f"<{tag}{kept}>")

    def handle_endtag(self, tag):
        if self.stack:
            name = self.stack.pop()
            if name:
                self.out.append(f"</{name}>")

    def handle_data(self, data):
        self.out.append(escape(data, quote=False))

    def result(self) -> str:
        while self.stack:
            name = self.stack.pop()
            if name:
                self.out.append(f"</{name}>")
        return "".join(self.out).strip()


def clean(html: str, link: bool = True) -> str:
    parser = _Clean(link)
    parser.feed(html)
    parser.close()
    return parser.result()


def _linked(html: str, key: str) -> str:
    """A citation linked to its entry: the words before any address it prints (a link holds no link)."""
    head, sep, tail = html.partition("<a ")
    lead = re.match(r"^(.*?)([\s,;:(]*)$", head, re.S)
    words, rest = lead.group(1), lead.group(2)
    opened = re.findall(r"<(\w+)[^>]*>", words)
    closed = re.findall(r"</(\w+)>", words)
    if not text_of(words) or sorted(opened) != sorted(closed):
        return html
    return f'<a href="#ref-{escape(key)}" class="citation-link">{words}</a>{rest}{sep}{tail}'


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


# --------------------------------------------------------------------------- sources

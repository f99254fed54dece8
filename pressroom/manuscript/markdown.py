"""The one configured Markdown parser, and the render rules of each edition.

CommonMark with tables, footnotes, block attributes (``{.pullquote}``) and
typographic quotes and dashes. Raw HTML is read, then cleaned to a fixed allowlist
by :mod:`pressroom.manuscript.rawhtml` (nh3); what is not allowed is dropped with a warning.
One parse serves three renderings:

* ``html``: the web edition (notes at the end of the section, with back-links);
* ``xhtml``: the same with EPUB semantics (``epub:type``), well-formed XML;
* ``print``: notes inline, where WeasyPrint floats them to the page foot.

The token stream also gives the verifier its list of headings and text blocks,
each with its source line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin

from pressroom.manuscript import citesyntax as citations
from pressroom.manuscript import literal, rawhtml
from pressroom.manuscript.safety import PARSER_NESTING, block_issues, inline_issues, safe_link

#: Classes a manuscript may put on a block with ``{.name}``; anything else is dropped.
ALLOWED_CLASSES = frozenset({"pullquote", "note", "lead", "wide"})
MODES = ("html", "xhtml", "print")
#: Headings are set one level down (the brief's title is the only h1), and HTML stops at h6.
MAX_HEADING_LEVEL = 5
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_PAGE_ID = re.compile(r"page-\d+")  # reserved for print page markers (pages.py)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"typographer": True, "html": True, "xhtmlOut": True,
                                   "maxNesting": PARSER_NESTING})
    # Every link and image reaches the loader, which applies one policy (pressroom.manuscript.safety) and
    # reports what it refuses, instead of markdown-it silently printing it as text.
    md.validateLink = lambda url: True
    md.enable(["table", "replacements", "smartquotes", "strikethrough"])
    md.use(footnote_plugin).use(attrs_block_plugin).use(citations.plugin)
    md.use(superscript_plugin).use(sub_plugin)  # Pandoc's ^superscript^ and ~subscript~
    md.core.ruler.after("block", "pressroom_limits", _limits)
    md.core.ruler.after("inline", "pressroom_inline_limits", _inline_limits)
    md.core.ruler.after("pressroom_inline_limits", "pressroom_raw_html", _raw_html)
    for name, rule in _RULES.items():
        md.add_render_rule(name, rule)
    return md


class HeadingRef(NamedTuple):
    level: int
    text: str
    id: str
    line: int


class BlockRef(NamedTuple):
    kind: str  # paragraph, heading, item, cell, quote, code, caption, html...
    text: str
    line: int


class NoteRef(NamedTuple):
    text: str
    line: int


class ImageRef(NamedTuple):
    src: str
    alt: str
    line: int


class At(NamedTuple):
    """Something of a section (a link's href, a note's label, a dropped attribute) and its line."""

    what: str
    line: int


class LevelSkip(NamedTuple):
    line: int
    before: int
    after: int


class OverLimit(NamedTuple):
    code: str
    message: str
    hint: str
    line: int


@dataclass
class Parsed:
    """A section's tokens with what was learned from them."""

    tokens: list[Token]
    headings: list[HeadingRef] = field(default_factory=list)
    blocks: list[BlockRef] = field(default_factory=list)
    notes: list[NoteRef] = field(default_factory=list)
    images: list[ImageRef] = field(default_factory=list)
    links: list[At] = field(default_factory=list)  # href, line
    dropped_attrs: list[At] = field(default_factory=list)  # the attribute, line
    undefined_notes: list[At] = field(default_factory=list)  # the label, line
    unused_notes: list[At] = field(default_factory=list)  # the label, line
    skipped_levels: list[LevelSkip] = field(default_factory=list)
    empty_headings: list[int] = field(default_factory=list)  # lines
    too_deep_headings: list[int] = field(default_factory=list)  # lines
    over_limits: list[OverLimit] = field(default_factory=list)
    literal: list[literal.Literal] = field(default_factory=list)  # markup printed as typed
    dropped_html: list[At] = field(default_factory=list)  # what the HTML lost, line
    note_count: int = 0
    line_offset: int = 0


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "").replace("'", "")
    slug = re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-_")
    if not slug or not slug[0].isalpha():
        slug = "s-" + slug
    return slug[:60].rstrip("-")


def parse(text: str, *, line_offset: int, note_offset: int, used_ids: set[str]) -> Parsed:
    """Parse one section; shift headings one level down and give them stable, unique ids."""
    md = parser()
    env: dict = {}
    tokens = md.parse(text, env)
    result = Parsed(tokens)
    result.over_limits = [OverLimit(*issue, _line(token, line_offset))
                          for issue, token in env.get("over_limits", ())]
    if result.over_limits:
        return result  # nothing of it will be rendered
    result.line_offset = line_offset
    _sanitise_attrs(tokens, result, line_offset)
    result.dropped_html = [At(", ".join(token.meta["dropped"]), _line(token, line_offset))
                           for token in tokens if (token.meta or {}).get("dropped")]
    _number_headings(tokens, result, line_offset, used_ids)
    defined = _notes(tokens, env, result, line_offset, text)
    _collect(tokens, result, line_offset, note_offset, defined)
    result.literal = literal.find(tokens, text, line_offset)
    return result


def _limits(state) -> None:
    """A core rule between block and inline parsing: check lengths and depth before the
    inline parser (whose cost grows faster than a paragraph's length) ever sees a block."""
    _keep_only(state, block_issues(state.tokens))


def _inline_limits(state) -> None:
    _keep_only(state, inline_issues(state.tokens))


def _keep_only(state, found) -> None:
    if found:
        state.env["over_limits"] = found
        state.tokens = [t for _, t in found]  # keep only what points at the lines; skip the rest
        for token in state.tokens:
            token.type, token.children, token.content = "limit", None, ""


_MARK, _END = "\ue000", "\ue001"  # around the index of a Markdown token while nh3 reads a paragraph


def _raw_html(state) -> None:
    """Clean every HTML block and every paragraph holding inline HTML (see pressroom.manuscript.rawhtml)."""
    if state.env.get("over_limits"):
        return
    for token in state.tokens:
        if token.type == "html_block":
            token.meta = {"raw": rawhtml.events(token.content, inline=False),
                          "dropped": rawhtml.dropped(token.content, inline=False)}
        elif token.type == "inline" and any(c.type == "html_inline" for c in token.children or ()):
            _inline_html(token)


def _inline_html(inline: Token) -> None:
    """nh3 reads the paragraph's HTML with each Markdown token standing in as a marker, so that
    an unclosed tag closes where the paragraph ends and dropped content takes its text with it."""
    children = inline.children
    fragment = "".join(c.content if c.type == "html_inline" else f"{_MARK}{i}{_END}"
                       for i, c in enumerate(children))
    dropped = rawhtml.dropped(fragment, inline=True)
    rebuilt, stack, crossed = [], [], False
    for event in rawhtml.events(fragment, inline=True):
        if event[0] == "data":
            for piece in event[1].split(_MARK)[1:]:
                child = children[int(piece.split(_END, 1)[0])]
                rebuilt.append(child)
                if child.nesting == 1:
                    stack.append(child.type[:-5])
                elif child.nesting == -1:
                    crossed |= not stack or stack.pop() != child.type[:-6]
            continue
        token = Token("html_inline", "", 0)
        token.meta = {"raw": [event]}
        rebuilt.append(token)
        if event[0] == "start" and event[1] not in rawhtml.VOID:
            stack.append("<" + event[1])
        elif event[0] == "end":
            crossed |= not stack or stack.pop() != "<" + event[1]
    if crossed or stack:  # HTML tags and Markdown formatting overlap: keep the text, drop the tags
        rebuilt = [c for c in children if c.type != "html_inline"]
        dropped.append("HTML tags that overlap Markdown formatting")
    inline.children = rebuilt
    if dropped:
        inline.meta = {**(inline.meta or {}), "dropped": dropped}


def _line(token: Token, offset: int) -> int:
    return (token.map[0] + 1 + offset) if token.map else offset + 1


def _sanitise_attrs(tokens: list[Token], result: Parsed, offset: int) -> None:
    for token in _walk(tokens):
        for key, value in (token.meta or {}).pop("insecure_attrs", {}).items():
            # a block's {attributes} stand on the line above it
            result.dropped_attrs.append(At(f"{key}={value!r}", _line(token, offset) - 1))
        if token.type in ("link_open", "image") or not token.attrs:
            continue
        clean: dict = {}
        for key, value in token.attrs.items():
            if key == "class":
                kept = [c for c in str(value).split() if c in ALLOWED_CLASSES]
                if kept:
                    clean["class"] = " ".join(kept)
                if len(kept) != len(str(value).split()):
                    result.dropped_attrs.append(At(f'class="{value}"', _line(token, offset)))
            elif key in ("start", "colspan", "rowspan", "style") and token.type != "paragraph_open":
                if key == "style" and token.tag in ("th", "td"):  # table alignment from markdown-it
                    if re.fullmatch(r"text-align:(left|right|center)", str(value)):
                        clean[key] = value
                elif key in ("start", "colspan", "rowspan") and str(value).isdigit():
                    clean[key] = value
                else:
                    result.dropped_attrs.append(At(f"{key}={value!r}", _line(token, offset)))
            else:
                result.dropped_attrs.append(At(f"{key}={value!r}", _line(token, offset)))
        token.attrs = clean


def refuse_links(result: Parsed, keep) -> list[tuple[str, int]]:
    """Unwrap every link whose href ``keep`` refuses (its text stays); return (href, line) of each."""
    refused = []
    for token in result.tokens:
        if token.type != "inline" or not token.children:
            continue
        kept, closing = [], []
        for child in token.children:
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                closing.append(keep(href))
                if not closing[-1]:
                    refused.append((href, _line(token, result.line_offset)))
                    continue
            elif child.type == "link_close" and closing and not closing.pop():
                continue
            kept.append(child)
        token.children = kept
    return refused


def _walk(tokens: list[Token]):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _plain(inline: Token, note_offset: int) -> str:
    parts = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline" and child.meta["raw"][0][:2] == ("start", "br"):
            parts.append(" ")
        elif child.type == "footnote_ref":
            parts.append(str(note_offset + child.meta["id"] + 1))
        elif child.type == "citation":
            parts.append(citations.plain(child))
        elif child.type == "citation_author":
            parts.append(citations.text_of(child.meta.get("author", "")))
    return "".join(parts).strip()


def _number_headings(tokens: list[Token], result: Parsed, offset: int, used: set[str]) -> None:
    previous = 0
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        level = int(token.tag[1])
        text = _plain(tokens[i + 1], 0)
        line = _line(token, offset)
        if not text:
            result.empty_headings.append(line)
        if level > MAX_HEADING_LEVEL:
            result.too_deep_headings.append(line)
        if level > max(previous, 1) + 1:  # a section starts at level 1 (its title)
            result.skipped_levels.append(LevelSkip(line, max(previous, 1), level))
        previous = level
        base = slugify(text)
        anchor, n = base, 2
        while anchor in used or _PAGE_ID.fullmatch(anchor):  # page-N: the print page markers
            anchor, n = f"{base}-{n}", n + 1
        used.add(anchor)
        token.attrSet("id", anchor)
        tag = f"h{min(level + 1, 6)}"
        token.tag = tag
        tokens[i + 2].tag = tag
        result.headings.append(HeadingRef(level, text, anchor, line))


def _notes(tokens, env, result: Parsed, offset: int, text: str) -> set[int]:
    """Record defined notes; report references to undefined notes and unused definitions."""
    refs = env.get("footnotes", {}).get("refs", {})
    defined = {t.meta["id"] for t in tokens if t.type == "footnote_open"}
    lines = text.split("\n")
    for key, ident in refs.items():
        if ident == -1:  # defined, never referenced: markdown-it drops it
            label = key[1:]
            line = next((i + 1 for i, s in enumerate(lines) if s.lstrip().startswith(f"[^{label}]:")), 1)
            result.unused_notes.append(At(label, line + offset))
    result.note_count = len(env.get("footnotes", {}).get("list", {}))
    # markdown-it leaves an undefined reference as literal text "[^label]"
    for token in tokens:
        if token.type == "inline":
            for match in re.finditer(r"\[\^([^\]\s]+)\]", token.content):
                if f":{match.group(1)}" not in refs:  # the line of the reference, not the paragraph's
                    line = _line(token, offset) + token.content.count("\n", 0, match.start())
                    result.undefined_notes.append(At(match.group(1), line))
    return defined


def recollect(result: Parsed, note_offset: int) -> None:
    """Gather a section's blocks, notes, images and links again, after its citations were
    rendered and its notes numbered again (pressroom/citations.py)."""
    result.blocks, result.notes, result.images, result.links = [], [], [], []
    _collect(result.tokens, result, result.line_offset, note_offset, set())


def _collect(tokens, result: Parsed, offset: int, note_offset: int, defined: set[int]) -> None:
    stack: list[str] = []
    containers = {
        "bullet_list_open": "item", "ordered_list_open": "item", "blockquote_open": "quote",
        "th_open": "cell", "td_open": "cell", "footnote_open": "footnote", "heading_open": "heading",
    }
    for token in tokens:
        if token.type in containers:
            stack.append(containers[token.type])
        elif token.type.replace("_close", "_open") in containers and token.nesting == -1:
            stack.pop()
        elif token.type in ("fence", "code_block"):
            result.blocks.append(BlockRef("code", token.content.strip(), _line(token, offset)))
        elif token.type == "html_block":
            for src, alt in rawhtml.images(token.meta["raw"]):
                result.images.append(ImageRef(src, alt, _line(token, offset)))
            for text in rawhtml.text_blocks(token.meta["raw"]):
                result.blocks.append(BlockRef("html", text, _line(token, offset)))
        elif token.type == "inline":
            for child in _walk(token.children or []):
                if child.type == "image":
                    alt = "".join(c.content for c in _walk(child.children or []) if c.type == "text")
                    result.images.append(ImageRef(child.attrGet("src") or "", alt, _line(token, offset)))
                    if child is figure_image(token):
                        result.blocks.append(BlockRef("caption", str(child.attrGet("title")), _line(token, offset)))
                elif child.type == "html_inline":
                    for src, alt in rawhtml.images(child.meta["raw"]):
                        result.images.append(ImageRef(src, alt, _line(token, offset)))
                elif child.type == "link_open":
                    result.links.append(At(str(child.attrGet("href") or ""), _line(token, offset)))
            text = _plain(token, note_offset)
            if not text:
                continue
            kind = stack[-1] if stack else "paragraph"
            line = _line(token, offset)
            if kind == "footnote":
                result.notes.append(NoteRef(text, line))
            else:
                result.blocks.append(BlockRef(kind, text, line))


# --------------------------------------------------------------------------- rendering

def render(parsed: Parsed, mode: str, *, prefix: str, note_offset: int, images: dict[str, str],
           links: dict[str, str] | None = None, remote: frozenset[str] = frozenset()) -> str:
    """Render a parsed section for one edition (see MODES); ``links`` rewrites internal hrefs;
    an image in ``remote`` (a draft's web address, never fetched) becomes a placeholder."""
    assert mode in MODES
    md = parser()
    env = {"mode": mode, "prefix": prefix, "offset": note_offset, "images": images, "notes": {},
           "links": links or {}, "remote": remote}
    tokens = parsed.tokens
    if mode == "print":
        env["notes"] = _note_bodies(md, tokens, env)
        tokens = _without_note_block(tokens)
    return md.renderer.render(tokens, md.options, env)


def _note_bodies(md, tokens, env) -> dict[int, str]:
    bodies: dict[int, list[str]] = {}
    current = None
    for token in tokens:
        if token.type == "footnote_open":
            current = token.meta["id"]
            bodies[current] = []
        elif token.type == "footnote_close":
            current = None
        elif current is not None and token.type == "inline":
            bodies[current].append(md.renderer.renderInline(token.children, md.options, env))
    return {k: " ".join(v) for k, v in bodies.items()}


def _without_note_block(tokens):
    out, skipping = [], False
    for token in tokens:
        if token.type == "footnote_block_open":
            skipping = True
        if not skipping:
            out.append(token)
        if token.type == "footnote_block_close":
            skipping = False
    return out


def _n(token, env) -> int:
    return env["offset"] + token.meta["id"] + 1


def _footnote_ref(self, tokens, idx, options, env):
    n = _n(tokens[idx], env)
    p = env["prefix"]
    if env["mode"] == "print":
        body = env["notes"].get(tokens[idx].meta["id"], "")
        return f'<span class="footnote" id="{p}-fn{n}">{body}</span>'
    sub = tokens[idx].meta.get("subId", 0)
    ref_id = f"{p}-fnref{n}" + (f"-{sub}" if sub else "")
    epub = ' epub:type="noteref"' if env["mode"] == "xhtml" else ""
    return (f'<a href="#{p}-fn{n}" id="{ref_id}" class="noteref" role="doc-noteref"{epub}>'
            f"{n}</a>")


def _footnote_block_open(self, tokens, idx, options, env):
    return '<div class="footnotes">\n'


def _footnote_block_close(self, tokens, idx, options, env):
    return "</div>\n"


def _footnote_open(self, tokens, idx, options, env):
    n = _n(tokens[idx], env)
    p = env["prefix"]
    epub = ' epub:type="footnote"' if env["mode"] == "xhtml" else ""
    env["label"] = (f'<a class="footnote-label" href="#{p}-fnref{n}" role="doc-backlink" '
                    f'aria-label="Back to reference {n}">{n}</a> ')
    return f'<aside id="{p}-fn{n}" class="footnote" role="doc-footnote"{epub}>\n'


def _footnote_close(self, tokens, idx, options, env):
    return "</aside>\n"


def _footnote_anchor(self, tokens, idx, options, env):
    return ""


def figure_image(inline: Token | None) -> Token | None:
    """The image of a paragraph that holds one titled image and nothing else: a figure."""
    if inline is None or inline.type != "inline":
        return None
    return _alone(inline.children or [])


def _alone(children: list[Token]) -> Token | None:
    children = [c for c in children if not (c.type == "text" and not c.content.strip())]
    if len(children) == 1 and children[0].type == "image" and children[0].attrGet("title"):
        return children[0]
    return None


def _paragraph_open(self, tokens, idx, options, env):
    if figure_image(tokens[idx + 1] if idx + 1 < len(tokens) else None) is not None:
        return '<figure class="figure">'
    html = self.renderToken(tokens, idx, options, env)
    if env.get("label"):
        html, env["label"] = html + env["label"], ""
    return html


def _paragraph_close(self, tokens, idx, options, env):
    if idx > 0 and figure_image(tokens[idx - 1]) is not None:
        return "</figure>\n"
    return self.renderToken(tokens, idx, options, env)


def _image(self, tokens, idx, options, env):
    token = tokens[idx]
    src = env["images"].get(token.attrGet("src") or "")
    alt = escape(self.renderInlineAsText(token.children or [], options, env))
    if (token.attrGet("src") or "") in env["remote"]:
        html = rawhtml.placeholder(str(token.attrGet("src")), self.renderInlineAsText(
            token.children or [], options, env))
        title = token.attrGet("title")
        if title and _alone(tokens) is token:
            html += f'<figcaption>{escape(str(title))}</figcaption>'
        return html
    if src is None:  # refused upstream; never reach for it
        return f'<span class="missing-image">[{alt}]</span>'
    title = token.attrGet("title")
    if title and _alone(tokens) is token:
        return (f'<img src="{escape(src)}" alt="{alt}" />'
                f'<figcaption>{escape(str(title))}</figcaption>')
    title_attr = f' title="{escape(str(title))}"' if title else ""
    return f'<img src="{escape(src)}" alt="{alt}"{title_attr} />'


def _link_open(self, tokens, idx, options, env):
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    internal = env.get("links", {}).get(href)  # where an internal link points in this edition
    if internal is None and not safe_link(href):  # refused by the loader already; never output
        return "<a>"
    href = internal or href
    attrs = f' href="{escape(href)}"'
    if token.attrGet("title"):
        attrs += f' title="{escape(str(token.attrGet("title")))}"'
    return f"<a{attrs}>"


def _html(self, tokens, idx, options, env):
    events = tokens[idx].meta["raw"]
    html = rawhtml.render(events, env["mode"], env)
    if tokens[idx].type != "html_block" or not html.strip():
        return html
    if not any(e[0] == "start" and e[1] in rawhtml.BLOCK_TAGS for e in events):
        html = f"<p>{html.strip()}</p>"  # what is left is inline: a paragraph of its own
    return html + "\n"


def _citation(self, tokens, idx, options, env):
    return citations.render(tokens[idx], env["mode"])


def _citation_author(self, tokens, idx, options, env):
    keys = " ".join(i["id"] for i in tokens[idx].meta["items"])
    return f'<span class="citation-author" data-cites="{escape(keys)}">{tokens[idx].meta.get("author", "")}</span>'


_RULES = {
    "html_block": _html,
    "html_inline": _html,
    "citation": _citation,
    "citation_author": _citation_author,
    "footnote_ref": _footnote_ref,
    "footnote_block_open": _footnote_block_open,
    "footnote_block_close": _footnote_block_close,
    "footnote_open": _footnote_open,
    "footnote_close": _footnote_close,
    "footnote_anchor": _footnote_anchor,
    "paragraph_open": _paragraph_open,
    "paragraph_close": _paragraph_close,
    "image": _image,
    "link_open": _link_open,
}

"""Raw HTML in a manuscript: a fixed allowlist, sanitised by nh3, rendered in every edition.

A CMS export or a hand-written brief may hold HTML. It is cleaned by nh3 (the
Rust ``ammonia`` sanitiser, built on the html5ever parser, so unclosed tags and
a stray ``</body>`` parse the way a browser would); what nh3 keeps is read
back into a short list of events (start tag, end tag, text) and written out
again per edition (XHTML for the EPUB, ``open`` details in print, images
mapped to the brief's own files or to a placeholder).

What nh3 drops is also named, for the writer's warning: a second lenient
reading of the input (``html.parser``) lists the elements, attributes and
addresses outside the allowlist. That list only explains; the cleaning is
nh3's. HTML comments are authors' notes and go silently.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

#: Inline elements a paragraph may hold (and ``img``, a local file or, in a draft, a placeholder).
INLINE_TAGS = frozenset({"sub", "sup", "br", "abbr", "small", "mark", "kbd", "q", "cite", "span", "img"})
#: Block elements an HTML block may hold, besides the inline ones. ``p`` is kept so that the
#: paragraphs of a figure, a details box or a table cell stay apart.
BLOCK_TAGS = frozenset({"figure", "figcaption", "details", "summary", "dl", "dt", "dd", "p",
                        "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"})
#: Attributes kept, per element ("*": on every allowed element).
ATTRIBUTES = {"*": {"lang", "dir"}, "abbr": {"title"}, "img": {"src", "alt"},
              "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
#: Elements removed with everything inside them (their text is code or styling, not prose).
CONTENT_DROPPED = frozenset({"script", "style", "template", "noscript", "title", "textarea",
                             "xmp", "noembed", "noframes", "iframe", "object"})
VOID = frozenset({"br", "img"})
#: Image addresses nh3 keeps: a relative path (a file of the brief) or a web address, which
#: is never fetched (a draft shows a placeholder, a final refuses it).
URL_SCHEMES = frozenset({"http", "https"})
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_URL_ATTRS = frozenset({"src", "href", "cite", "action", "formaction", "data", "poster", "srcset"})

Event = tuple  # ("start", tag, attrs) | ("end", tag) | ("data", text)


def _filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "dir":
        return value if value.lower() in ("ltr", "rtl", "auto") else None
    if attr == "lang":
        return value if _LANG.match(value) else None
    if attr in ("colspan", "rowspan"):
        return value if value.isdigit() and 0 < int(value) <= 100 else None
    return value


def clean(fragment: str, *, inline: bool) -> str:
    """The fragment with only the allowlist left (nh3; lenient, like a browser)."""
    tags = INLINE_TAGS if inline else INLINE_TAGS | BLOCK_TAGS
    return nh3.clean(fragment, tags=set(tags), clean_content_tags=set(CONTENT_DROPPED),
                     attributes={k: set(v) for k, v in ATTRIBUTES.items() if k == "*" or k in tags},
                     attribute_filter=_filter, url_schemes=set(URL_SCHEMES), strip_comments=True,
                     link_rel=None)


class _Events(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Event] = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, tuple((k, v or "") for k, v in attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.events.append(("end", tag))

    def handle_endtag(self, tag):
        if tag not in VOID:
            self.events.append(("end", tag))

    def handle_data(self, data):
        self.events.append(("data", data))


def events(fragment: str, *, inline: bool) -> list[Event]:
    """Sanitise, then read nh3's (well-formed) output back as events."""
    reader = _Events()
    reader.feed(clean(fragment, inline=inline))
    reader.close()
    return reader.events


class _Dropped(HTMLParser):
    """Names what the allowlist leaves out, for the warning (the cleaning itself is nh3's)."""

    def __init__(self, inline: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.tags = INLINE_TAGS if inline else INLINE_TAGS | BLOCK_TAGS
        self.inline = inline
        self.found: list[str] = []

    def _add(self, what: str) -> None:
        if what not in self.found:
            self.found.append(what)

    def handle_starttag(self, tag, attrs):
        if tag not in self.tags:
            where = " inside a paragraph" if self.inline and tag in BLOCK_TAGS else ""
            self._add(f"<{tag}>{where}")
            return
        allowed = ATTRIBUTES.get(tag, set()) | ATTRIBUTES["*"]
        for key, value in attrs:
            value = value or ""
            if key not in allowed:
                self._add(f"{key}= on <{tag}>")
            elif key in _URL_ATTRS:
                scheme = _scheme(value)
                if scheme and scheme not in URL_SCHEMES:
                    self._add(f"a {scheme}: address on <{tag}>")
            elif _filter(tag, key, value) is None:
                self._add(f"{key}={value[:20]!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_pi(self, data):
        self._add("a processing instruction <?…>")

    def unknown_decl(self, data):
        self._add("a <![CDATA[…]]> section")

    def handle_decl(self, decl):
        self._add("a <!DOCTYPE> declaration")


def dropped(fragment: str, *, inline: bool) -> list[str]:
    """What :func:`clean` removes from ``fragment``, one short name each (comments are not named)."""
    reader = _Dropped(inline)
    try:
        reader.feed(fragment)
        reader.close()
    except Exception:  # html.parser is lenient, but a name is only for the warning
        pass
    return reader.found


def _scheme(url: str) -> str | None:
    from pressroom.manuscript.safety import link_scheme

    return link_scheme(url)


def is_remote(src: str) -> bool:
    """An image address on another machine (``http:``, ``https:`` or ``//host/...``)."""
    try:
        parts = urlsplit(src.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in URL_SCHEMES or (not parts.scheme and bool(parts.netloc))


def images(evts: list[Event]) -> list[tuple[str, str]]:
    """(src, alt) of every image left in the events; an image without src is dropped on output."""
    found = []
    for event in evts:
        if event[0] == "start" and event[1] == "img":
            attrs = dict(event[2])
            if attrs.get("src"):
                found.append((attrs["src"], attrs.get("alt", "")))
    return found


#: Elements whose text the verifier looks for as one block.
TEXT_BLOCKS = frozenset({"p", "figcaption", "summary", "dt", "dd", "th", "td", "caption"})


def text_blocks(evts: list[Event]) -> list[str]:
    """The text of an HTML block, one string per block element that holds text directly."""
    blocks, current = [], []
    for event in evts:
        if event[0] == "data":
            current.append(event[1])
        elif event[1] in TEXT_BLOCKS or event[1] in BLOCK_TAGS:
            text = " ".join("".join(current).split())
            if text:
                blocks.append(text)
            current = []
        elif event[0] == "start" and event[1] == "br":
            current.append(" ")
    text = " ".join("".join(current).split())
    if text:
        blocks.append(text)
    return blocks


def placeholder(src: str, alt: str) -> str:
    """A remote image in a draft: its description and its address, as text; nothing is fetched."""
    return (f'<span class="remote-image"><span class="remote-image-label">Image not included '
            f'(remote):</span> <span class="remote-image-alt">{escape(alt)}</span> '
            f'<span class="remote-image-url">{escape(src)}</span></span>')


def render(evts: list[Event], mode: str, env: dict) -> str:
    """Write sanitised events for one edition (well-formed XHTML in every mode)."""
    out = []
    for event in evts:
        kind = event[0]
        if kind == "data":
            out.append(escape(event[1], quote=False))
        elif kind == "end":
            out.append(f"</{event[1]}>")
        else:
            tag, attrs = event[1], dict(event[2])
            if tag == "img":
                out.append(_image(attrs, env))
                continue
            if tag == "details" and mode == "print":
                attrs["open"] = "open"
            if tag == "figure":
                attrs["class"] = "figure"
            text = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
            out.append(f"<{tag}{text}{' /' if tag in VOID else ''}>")
    return "".join(out)


def _image(attrs: dict, env: dict) -> str:
    src, alt = attrs.get("src", ""), attrs.get("alt", "")
    if not src:
        return ""
    if src in env.get("remote", ()):
        return placeholder(src, alt)
    target = env["images"].get(src)
    if target is None:
        return f'<span class="missing-image">[{escape(alt)}]</span>'
    return f'<img src="{escape(target)}" alt="{escape(alt)}" />'

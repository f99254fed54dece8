"""Read a tagged PDF's structure back and check it against the brief: what veraPDF cannot know.

veraPDF (pressroom/verapdf.py) holds the screen PDF to PDF/UA-1 and PDF/A-2a: that the file is
marked as tagged, shows its title, has a language, no content outside the tree or the artifacts.
It cannot know the brief. This quick check (``invoke check --accessibility``) reads the tag tree
back against the brief's own structure and text; the document-level flags veraPDF checks
(``Marked``, ``DisplayDocTitle``) are read here but not checked again.

``read`` walks every page's content stream (which text is marked with which
MCID, which is an artifact) and the structure tree (which element owns which
MCID) with pypdf. ``check`` then asks:

* the document: ``/Lang`` is the brief's language (veraPDF only sees that there is one),
  there are bookmarks;
* the roles: the title is the one ``H1``, every source heading is an ``H2``/``H3``
  in order, lists are ``L``/``LI``, tables ``Table``/``TH``/``TD``, images
  ``Figure`` with alternate text, footnotes ``Note``;
* artifacts: every piece of text drawn is either in the tree or an artifact
  (running heads and folios are artifacts), never loose;
* reading order: the tree's text, in tree order, holds every paragraph, item,
  cell and quote of the source in source order, and every note in a ``Note``.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

from pressroom.checks.verify import body_blocks, check_sequence, normalise, note_blocks
from pressroom.errors import Problem
from pressroom.model import Brief


@dataclass
class Node:
    role: str
    alt: str | None
    text: str  # the element's own and its descendants' text, in tree order
    inside: tuple[str, ...]  # roles of its ancestors


@dataclass
class Tagged:
    lang: str = ""
    display_title: bool = False
    marked: bool = False
    outline: bool = False
    nodes: list[Node] = field(default_factory=list)
    flow: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (text, roles it is in), tree order
    loose: list[str] = field(default_factory=list)  # drawn text neither in the tree nor an artifact
    artifacts: list[str] = field(default_factory=list)


def _content(page) -> tuple[dict[int, str], list[str], list[str]]:
    """A page's marked text by MCID, its artifact text and its unmarked text."""
    stack: list[tuple[str, int | None]] = []
    marked: dict[int, list[str]] = defaultdict(list)
    artifacts: list[str] = []
    unmarked: list[str] = []

    def before(op, args, *_):
        if op in (b"BDC", b"BMC"):
            props = args[1] if op == b"BDC" and len(args) > 1 else None
            mcid = props.get("/MCID") if hasattr(props, "get") else None
            stack.append((str(args[0]), mcid))
        elif op == b"EMC" and stack:
            stack.pop()

    def text(value, *_):
        if not value.strip():
            return
        if any(tag == "/Artifact" for tag, _ in stack):
            artifacts.append(value)
            return
        mcid = next((m for _, m in reversed(stack) if m is not None), None)
        (unmarked if mcid is None else marked[mcid]).append(value)

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return {k: "".join(v) for k, v in marked.items()}, artifacts, unmarked


def read(data: bytes) -> Tagged:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    result = Tagged(lang=str(root.get("/Lang") or ""),
                    display_title=bool((root.get("/ViewerPreferences") or {}).get("/DisplayDocTitle")),
                    marked=bool((root.get("/MarkInfo") or {}).get("/Marked")),
                    outline=bool(reader.outline))
    numbers = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    content = [_content(page) for page in reader.pages]
    used: set[tuple[int, int]] = set()

    def mcid_text(page: int | None, mcid: int) -> str:
        if page is None:
            return ""
        used.add((page, mcid))
        return content[page][0].get(mcid, "")

    def page_of(obj, default):
        ref = obj.get("/Pg")
        return numbers.get(ref.idnum, default) if ref is not None else default

    def walk(element, inside: tuple[str, ...], page: int | None) -> str:
        role = str(element.get("/S", ""))[1:]
        page = page_of(element, page)
        node = Node(role, str(element["/Alt"]) if "/Alt" in element else None, "", inside)
        result.nodes.append(node)
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, list) else ([] if kids is None else [kids])
        parts = []
        for kid in kids:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, int) or (hasattr(kid, "get") and kid.get("/Type") == "/MCR"):
                mcid = kid if isinstance(kid, int) else int(kid["/MCID"])
                parts.append(mcid_text(page if isinstance(kid, int) else page_of(kid, page), mcid))
                result.flow.append((parts[-1], (*inside, role)))
            elif hasattr(kid, "get") and "/S" in kid:
                parts.append(walk(kid, (*inside, role), page))
        node.text = "".join(parts)
        return node.text

    tree = root.get("/StructTreeRoot")
    if tree is not None:
        walk(tree.get_object(), (), None)
    for number, (marked, artifacts, unmarked) in enumerate(content):
        result.artifacts += artifacts
        result.loose += unmarked
        result.loose += [text for mcid, text in marked.items() if (number, mcid) not in used]
    return result


def _problem(message: str, hint: str, where: str, line: int | None = None) -> Problem:
    return Problem("V506", message, hint, where, line)


def check(brief: Brief, data: bytes) -> list[Problem]:
    where = brief.sources[0].as_posix()
    try:
        tagged = read(data)
    except Exception as exc:  # a PDF pypdf cannot walk is a broken output
        return [_problem(f"the PDF's structure cannot be read: {exc}", "rebuild it", where)]
    problems: list[Problem] = []
    meta = brief.metadata
    if not tagged.nodes:
        return [_problem("the PDF has no tag structure", "render with pdf_variant='pdf/ua-1'", where)]
    if tagged.lang.lower() != meta.language.lower():
        problems.append(_problem(f"the PDF's /Lang is {tagged.lang!r}, not {meta.language!r}",
                                 "set lang on <html> in layouts/page.html", where))
    if not tagged.outline:  # bookmarks: the brief's sections; PDF/UA-1 does not ask for them
        problems.append(_problem("the PDF has no bookmarks", "keep bookmark-level in styles/", where))
    roles = [n.role for n in tagged.nodes]
    if roles.count("H1") != 1 or normalise(next(n.text for n in tagged.nodes if n.role == "H1")) != normalise(meta.title):
        problems.append(_problem("the title is not the PDF's one H1", "check the cover's <h1>", where))
    found = [(int(n.role[1]) - 1, normalise(n.text)) for n in tagged.nodes
             if n.role in ("H2", "H3", "H4", "H5", "H6") and normalise(n.text)]
    cursor = 0
    for section in brief.sections:
        for heading in section.headings:
            target = (heading.level, normalise(heading.text))
            if target in found[cursor:]:
                cursor = found.index(target, cursor) + 1
            else:
                problems.append(_problem(f"heading “{heading.text}” is not an H{heading.level + 1} of "
                                         "the PDF, in order", "check the heading levels of the print "
                                         "layout", section.path, heading.line))
    kinds = {b.kind for b in body_blocks(brief)}
    for kind, needed in (("item", ("L", "LI")), ("cell", ("Table", "TR")), ("paragraph", ("P",))):
        for role in needed:
            if kind in kinds and role not in roles:
                problems.append(_problem(f"the PDF has {kind}s but no {role} tag",
                                         "check the print layout's markup", where))
    if "cell" in kinds and not {"TH", "TD"} & set(roles):
        problems.append(_problem("the PDF's tables have no TH/TD cells", "check the print layout", where))
    figures = [n for n in tagged.nodes if n.role == "Figure"]
    if len(figures) < len(brief.images):
        problems.append(_problem(f"{len(brief.images)} images but {len(figures)} Figure tags",
                                 "check the print layout's <img> elements", where))
    for figure in figures:
        if not (figure.alt or "").strip():
            problems.append(_problem("a Figure of the PDF has no alternate text (/Alt)",
                                     "give every image alternative text", where))
    for text in tagged.loose[:5]:
        problems.append(_problem(f"text drawn outside the tag tree and not an artifact: “{text.strip()[:40]}”",
                                 "running heads and folios must be artifacts (pressroom/editions/pdftags.py)",
                                 where))
    notes = [n for n in tagged.nodes if n.role == "Note"]
    body = "".join(text for text, inside in tagged.flow if "Note" not in inside)
    problems += [_relabel(p, "the PDF's tag tree") for p in
                 check_sequence(brief, normalise(body), "PDF tag tree", body_blocks(brief))]
    problems += [_relabel(p, "a Note of the PDF") for p in
                 check_sequence(brief, normalise("".join(n.text for n in notes)), "PDF notes",
                                note_blocks(brief))]
    return problems


def _relabel(problem: Problem, what: str) -> Problem:
    return Problem("V506", problem.message.replace("PDF tag tree", what).replace("PDF notes", what),
                   "the reading order of the PDF's tags must follow the source; check the print layout",
                   problem.path, problem.line)

"""`invoke check`, first half: lint a manuscript without building it.

Findings print as ``file:line:col: CODE message; hint``. The loader's own checks
(YAML, metadata types, missing files, images, attributes) come from
:mod:`pressroom.manuscript` unchanged; the rules below add what a build lets pass
but an editor should fix, and give the loader's findings they share a column.
Each rule is one function registered with its code in :data:`RULES` (a rule owns
its code: the loader's problem of that code gives way to it); every code is
catalogued in :data:`pressroom.errors.CODES`. Rules read the same token stream
the editions are rendered from (:func:`pressroom.manuscript.parse_sections`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from pressroom import manuscript
from pressroom.errors import CODES, Problem
from pressroom.manuscript import Collector, Project, links, shown
from pressroom.manuscript.markdown import Parsed
from pressroom.manuscript.messages import words
from pressroom.model import FIELDS


@dataclass
class Source:
    """One Markdown file of a brief, as lines and as the parser's tokens."""

    path: Path
    where: str
    lines: list[str]  # the whole file; lines[0] is line 1
    parsed: Parsed
    skip: set[int]  # lines that are not prose: code, rules, table delimiters, {attributes}
    table: set[int]  # lines of tables, whose cells may be padded with spaces


@dataclass
class Draft:
    """A brief as the lint sees it: its metadata as written and its parsed sources."""

    folder: Path | None  # the brief's folder; None for a single-file brief
    meta_path: Path  # the file holding the metadata
    meta_where: str  # the same, as shown in findings
    meta_text: str  # its YAML (the front matter of a single-file brief)
    meta_offset: int  # lines before the YAML in its file
    data: dict
    lines: dict  # metadata key -> line
    house: dict
    sources: list[Source]
    targets: links.Targets
    as_final: bool = False  # the publishing gate checks a draft as the final it is meant to become

    @property
    def final(self) -> bool:
        return self.as_final or self.data.get("status") == "final"


RULES: dict[str, Callable[[Draft], Iterable[Problem]]] = {}


def rule(code: str):
    """Register a rule under its code."""
    assert code in CODES, code

    def register(function):
        RULES[code] = function
        return function
    return register


def lint(project: Project, target: str | None = None, as_final: bool = False) -> list[Problem]:
    """Every finding for the brief(s) named by ``target``, sorted by file, line and column;
    ``as_final`` checks each brief as if its status were final (what publishing needs)."""
    loader = Collector()
    house = manuscript.load_house(project, loader)
    found: list[Problem] = []
    for location in manuscript.resolve_targets(project, target):
        loader.parsed = None
        manuscript.load_brief(location, house, loader, project, check=True)
        draft = read_draft(location, house, loader.parsed)  # the loader's parse, not a second one
        if draft is not None:
            draft.as_final = as_final
            for check in RULES.values():
                found.extend(check(draft))
    found += [p for p in loader.problems if p.code not in RULES]
    unique = {(p.path, p.line, p.col, p.code, p.message): p for p in found}
    return sorted(unique.values(), key=lambda p: (p.path or "", p.line or 0, p.col or 0, p.code))


# --------------------------------------------------------------------------- reading

def read_draft(location: Path, house: dict, loaded=None) -> Draft | None:
    """The metadata and sources of a brief, read with the loader's functions (it reports their
    problems); ``loaded`` is the loader's parse of its sections (:attr:`Collector.parsed`), used
    when it is of the same files."""
    quiet = Collector()
    single = location.is_file()
    meta_path = location if single else location / "brief.yaml"
    text = manuscript.read_text(meta_path, quiet)
    if text is None:
        return None
    where = shown(meta_path)
    if single:
        header, body, offset = manuscript.split_front_matter(text, where, quiet)
        data, lines = (manuscript.load_yaml(header, where, quiet, line_offset=1)
                       if header.strip() else ({}, {}))
        files, texts = [(location, body, offset)], {location: text}
        meta_text, meta_offset = header, 1
    else:
        data, lines = manuscript.load_yaml(text, where, quiet)
        meta_text, meta_offset = text, 0
        files, texts = [], {}
        for name in dict.fromkeys(map(str, _listed(data))):
            path = location / name
            if manuscript._inside(path, location) and path.is_file():
                body = manuscript.read_text(path, quiet)
                if body is not None:
                    files.append((path, body, 0))
                    texts[path] = body
    if data is None:
        return None
    if loaded is not None and [f for f, _ in loaded] == files:
        parsed = [section for _, section in loaded]
    else:  # the loader stopped before its sections (a broken brief.yaml): parse them here
        parsed = manuscript.parse_sections(files)
    sources = []
    for (path, _, offset), section in zip(files, parsed):
        result = section.parsed
        skip, table = _not_prose(result, offset)
        skip |= set(range(1, offset + 1))  # front matter
        sources.append(Source(path, shown(path), texts[path].split("\n"), result, skip, table))
    return Draft(None if single else location, meta_path, where, meta_text, meta_offset, data, lines,
                 house, sources, links.Targets(parsed))


def _listed(data: dict) -> list:
    listed = data.get("sections") if isinstance(data, dict) else None
    return listed if isinstance(listed, list) else []


def _not_prose(parsed: Parsed, offset: int) -> tuple[set[int], set[int]]:
    skip, table = set(), set()
    for token in parsed.tokens:
        if not token.map:
            continue
        first, end = token.map[0] + 1 + offset, token.map[1] + offset
        if token.type in ("fence", "code_block"):
            skip |= set(range(first, end + 1))
        elif token.type == "hr":
            skip.add(first)
        elif token.type == "table_open":
            skip.add(first + 1)
            table |= set(range(first, end + 1))
        elif token.type == "heading_open" and token.markup in ("=", "-"):
            skip.add(end)  # a setext underline
    return skip, table


def _problem(code, message, hint, where, line, col=1, severity="warning") -> Problem:
    return Problem(code, message, hint, where, line, severity, col)


def _col(source: Source, line: int, needle: str) -> int:
    text = source.lines[line - 1] if 0 < line <= len(source.lines) else ""
    found = text.find(needle)
    return found + 1 if found >= 0 else len(text) - len(text.lstrip()) + 1


# --------------------------------------------------------------------------- metadata and files

@rule("M206")
def final_fields(draft: Draft):
    if not draft.final:
        return
    values = {**draft.house, **draft.data}
    for field in FIELDS:
        if field.final and values.get(field.name) in (None, "", []):
            where = "source/house.yaml or " + draft.meta_where if field.house else draft.meta_where
            yield _problem("M206", f"'{field.name}' is missing; a final brief needs it",
                           f"add '{field.name}:' to {where}",
                           draft.meta_where, draft.lines.get("status", 1), severity="error")


@rule("M207")
def key_point_count(draft: Draft):
    points = draft.data.get("key_points")
    if isinstance(points, list) and not 3 <= len(points) <= 5:
        yield _problem("M207", f"{len(points)} key points; a brief has three to five",
                       "merge or add key points", draft.meta_where, draft.lines.get("key_points", 1),
                       severity="error" if draft.final else "warning")


def _metadata_nodes(draft: Draft):
    """(key, value node) of each field of the metadata, as YAML nodes (they know their place)."""
    try:
        node = yaml.compose(draft.meta_text)
    except yaml.YAMLError:
        return
    if isinstance(node, yaml.MappingNode):
        yield from ((key.value, value) for key, value in node.value)


def _section_items(draft: Draft):
    """(name, line, column) of each item under `sections:` in brief.yaml."""
    for key, value in _metadata_nodes(draft):
        if key == "sections" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                yield str(item.value), item.start_mark.line + 1, item.start_mark.column + 1


@rule("P106")
def listed_but_missing(draft: Draft):
    if draft.folder is None:
        return
    for name, line, col in _section_items(draft):
        path = draft.folder / name
        if manuscript._inside(path, draft.folder) and not path.is_file():
            yield _problem("P106", *words("P106", name=name, path=shown(path)), draft.meta_where,
                           line, col, severity="error")


@rule("P111")
def present_but_unlisted(draft: Draft):
    if draft.folder is None:
        return
    listed = {(draft.folder / str(name)).resolve() for name in _listed(draft.data)}
    for path in sorted(draft.folder.glob("*.md")):
        if path.resolve() not in listed:
            yield _problem("P111", f"{path.name} is in the brief's folder but not listed in sections",
                           f"add '- {path.name}' under sections: in brief.yaml, or move the file out",
                           shown(path), 1)


# --------------------------------------------------------------------------- structure

@rule("C303")
def image_without_alt(draft: Draft):
    for source in draft.sources:
        for src, alt, line in source.parsed.images:
            if not alt.strip():
                yield _problem("C303", *words("C303", src=src), source.where, line,
                               _col(source, line, "!["), "error")


@rule("C304")
def note_undefined(draft: Draft):
    for source in draft.sources:
        for label, line in source.parsed.undefined_notes:
            yield _problem("C304", *words("C304", label=label), source.where, line,
                           _col(source, line, f"[^{label}]"), "error")


@rule("C305")
def note_unused(draft: Draft):
    for source in draft.sources:
        for label, line in source.parsed.unused_notes:
            yield _problem("C305", *words("C305", label=label), source.where, line,
                           _col(source, line, f"[^{label}]"))


@rule("C306")
def heading_skipped(draft: Draft):
    for source in draft.sources:
        for line, before, after in source.parsed.skipped_levels:
            yield _problem("C306", *words("C306", before=before, after=after, hashes="#" * (before + 1)),
                           source.where, line, _col(source, line, "#"))


@rule("C310")
def link_to_nowhere(draft: Draft):
    for source in draft.sources:
        for href, line in source.parsed.links:
            if links.is_internal(href) and draft.targets.resolve(href, source.path) is None:
                yield _problem("C310", *words("C310", href=href), source.where, line,
                               _col(source, line, f"({href}") + 1, "error")


# --------------------------------------------------------------------------- typography

_CODE_SPAN = re.compile(r"(`+).+?\1")
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<[A-Za-z][A-Za-z0-9+.-]*:[^>\s]*>|^ {0,3}\[(?!\^)[^\]]+\]:.*$")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->")  # raw HTML markup is not prose (rawhtml.py)
_ATTRIBUTES = re.compile(r"^\s*\{[^}]*\}\s*$")
_MARKERS = re.compile(r"^\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+)?")


#: Metadata printed as written (the typographer does not see it), so linted like prose.
PROSE_FIELDS = ("title", "subtitle", "short_title", "authors", "summary", "key_points", "keywords", "about")


def _blank(match: re.Match) -> str:
    return "\0" * len(match.group())  # keeps columns


def _prose(draft: Draft):
    """(file, line number, text, in a table) of every line of prose; code, link targets and YAML
    syntax blanked out."""
    for source in draft.sources:
        for number, text in enumerate(source.lines, 1):
            if number not in source.skip and not _ATTRIBUTES.match(text):
                text = _HTML_TAG.sub(_blank, text)
                yield (source.where, number, _LINK_TARGET.sub(_blank, _CODE_SPAN.sub(_blank, text)),
                       number in source.table)
    text = draft.meta_text
    keep = [False] * len(text)
    for key, value in _metadata_nodes(draft):
        if key in PROSE_FIELDS:
            for node in value.value if isinstance(value, yaml.SequenceNode) else [value]:
                if not isinstance(node, yaml.ScalarNode):
                    continue
                start, end = node.start_mark.index, node.end_mark.index
                if node.style in ('"', "'"):
                    start, end = start + 1, end - 1
                elif node.style in ("|", ">"):
                    start = text.find("\n", start) + 1  # past the indicator
                keep[start:end] = [True] * max(0, end - start)
    masked = "".join(c if keep[i] or c == "\n" else "\0" for i, c in enumerate(text))
    for number, line in enumerate(masked.split("\n"), 1 + draft.meta_offset):
        if line.strip("\0"):
            yield draft.meta_where, number, line, False


def _typography(code: str, pattern: str, message: str, hint: str):
    expression = re.compile(pattern)

    def check(draft: Draft):
        for where, number, text, _ in _prose(draft):
            for match in expression.finditer(text):
                yield _problem(code, message, hint, where, number, match.start() + 1)
    check.__name__ = f"typography_{code}"
    return rule(code)(check)


_typography("T601", '"', "straight double quote", "type “ and ” (the build guesses, and may guess wrong)")
_typography("T602", "'", "straight single quote", "type ’ for an apostrophe, ‘ and ’ for quotes, or run invoke fix")
_typography("T603", r"(?<!-)--(?!-)", "double hyphen",
            "type – (en dash) for ranges or — (em dash) for a break, or run invoke fix")


@rule("T604")
def double_space(draft: Draft):
    for where, number, text, in_table in _prose(draft):
        if in_table:  # cells may be padded to line up
            continue
        start = _MARKERS.match(text).end()
        for match in re.finditer(r"(?<=[^\s\0]) {2,}(?=[^\s\0])", text[start:]):
            yield _problem("T604", "two or more spaces between words", "keep one space",
                           where, number, start + match.start() + 1)


@rule("T605")
def trailing_space(draft: Draft):
    for source in draft.sources:
        for number, text in enumerate(source.lines, 1):
            match = re.search(r"[ \t]+$", text)
            if match and text.strip():
                yield _problem("T605", "trailing spaces (two or more make a hidden line break)",
                               "delete them; end a line with \\ for a visible line break",
                               source.where, number, match.start() + 1)

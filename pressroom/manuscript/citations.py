"""Citations ``[@key]`` and the bibliography, as Pandoc reads and citeproc-js renders them.

* Syntax (:func:`plugin`): an inline rule of the one Markdown parser reads Pandoc's
  citations: ``[@key]``, ``[@key, p. 33]``, ``[see @a, pp. 33–35; also @b]``, author
  suppressed ``[-@key]`` and narrative ``@key [p. 5]``. ``\\@`` and an e-mail address are text.
* Sources: ``bibliography:`` (BibTeX/BibLaTeX ``.bib``, CSL-JSON ``.json``, CSL-YAML
  ``.yaml`` inside the brief's folder), ``references:`` inline, ``nocite:``; ``csl:`` names
  a vendored style (``pressroom/manuscript/csl/``) or a ``.csl`` file of the brief or of ``source/``.
* Processing (:func:`apply`, called by the loader once per brief): every citation of the
  brief goes to citeproc-js (``scripts/citeproc.js``, Node.js in ``.tools/``) in one request;
  the answer is kept in ``build/.citations/`` keyed by the request, so a brief whose
  citations, entries, style and locale are unchanged never starts the processor again.
* A note style makes each citation in the text a note, numbered with the authored ones; an
  author-date or numeric style renders it in the text. The bibliography is a section of its
  own that closes the brief (``bibliography_title``, default "References").
"""

from __future__ import annotations

import contextvars
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from markdown_it.token import Token

from pressroom.manuscript.citesyntax import (  # noqa: F401 (the syntax is read with the Markdown)
    _ITEM,
    _KEY,
    _NARRATIVE,
    _closing,
    _item,
    _linked,
    _locator,
    clean,
    plain,
    plugin,
    render,
    text_of,
)

HERE = Path(__file__).resolve().parent
CSL_DIR = HERE / "csl"  # the vendored styles and locales (see pressroom/manuscript/csl/README.md)
ROOT = HERE.parent.parent
SCRIPT = ROOT / "scripts" / "citeproc.js"
TOOLS = ROOT / ".tools"
DEFAULT_STYLE = "chicago-notes-bibliography"
DEFAULT_TITLE = "References"
SECTION_ID = "references"  # the bibliography's section (reserved: a section file gets another id)
BIB_TYPES = {".bib": "bibtex", ".bibtex": "bibtex", ".json": "json", ".yaml": "yaml", ".yml": "yaml"}
FIELDS = ("bibliography", "references", "nocite", "csl", "bibliography_title")
#: A brief's language -> the vendored CSL locale (pressroom/manuscript/csl/locales/).
LOCALES = {"en": "en-US", "fr": "fr-FR", "de": "de-DE", "ru": "ru-RU"}
#: Fields an entry of a type needs for any of the vendored styles to cite it fully (C804);
#: "a|b" is either one.
NEEDS = {
    "book": ("title", "author|editor", "publisher", "issued"),
    "chapter": ("title", "author", "container-title", "publisher", "issued"),
    "article-journal": ("title", "author", "container-title", "issued"),
    "article-newspaper": ("title", "container-title", "issued"),
    "article-magazine": ("title", "container-title", "issued"),
    "report": ("title", "author|publisher", "issued"),
    "webpage": ("title", "URL"),
    "legislation": ("title",),
    "legal_case": ("title",),
    "thesis": ("title", "author", "publisher", "issued"),
}

# --------------------------------------------------------------------------- the syntax: citesyntax.py


@dataclass
class Source:
    """One file of entries (or the inline ``references:``), as shown in problems."""

    where: str
    kind: str  # bibtex, json, yaml, inline
    text: str = ""
    lines: dict[str, int] = field(default_factory=dict)  # entry id -> line
    line: int | None = None  # where the field naming it is


def _entry_lines(kind: str, text: str, every: bool = False) -> dict:
    """Entry id -> its line (``every``: the lines of each entry with that id)."""
    patterns = {"bibtex": r"^[ \t]*@\w+[ \t]*[{(][ \t]*([^,\s]+)[ \t]*,",
                "json": r"\"id\"\s*:\s*\"([^\"]+)\"",
                "yaml": r"^[ \t-]*id:[ \t]*['\"]?([^'\"\s#]+)"}
    found: dict = {}
    for match in re.finditer(patterns[kind], text, re.M):
        line = text.count("\n", 0, match.start(1)) + 1
        if every:
            found.setdefault(match.group(1), []).append(line)
        else:
            found.setdefault(match.group(1), line)
    return found


def _date(value):
    """A Pandoc CSL-YAML date (2020, 2020-05-01, a YAML date) as CSL-JSON."""
    import datetime as dt

    if isinstance(value, dt.date):
        return {"date-parts": [[value.year, value.month, value.day]]}
    if isinstance(value, (int, str)):
        parts = str(value).split("-")
        if all(p.isdigit() for p in parts) and 1 <= len(parts) <= 3:
            return {"date-parts": [[int(p) for p in parts]]}
        return {"raw": str(value)}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return {"date-parts": [[v[k] for k in ("year", "month", "day") if k in v] for v in value]}
    return value


_DATES = ("issued", "accessed", "original-date", "event-date", "submitted")


def csl_item(item: dict) -> dict:
    """A CSL-YAML or CSL-JSON item as citeproc-js reads it (ids as text, dates as date-parts)."""
    out = {str(k): v for k, v in item.items()}
    out["id"] = str(out.get("id", ""))
    for name in _DATES:
        if name in out:
            out[name] = _date(out[name])
    return out


# --------------------------------------------------------------------------- styles and locales

def vendored_styles() -> list[str]:
    return sorted(p.stem for p in CSL_DIR.glob("*.csl"))


def style_file(name: str, root: Path, source_dir: Path | None) -> Path | None:
    """A vendored style by name (with or without .csl), or a .csl file of the brief or source/."""
    bare = name[:-4] if name.endswith(".csl") else name
    if re.fullmatch(r"[a-z0-9-]+", bare) and (CSL_DIR / f"{bare}.csl").is_file():
        return CSL_DIR / f"{bare}.csl"
    if not name.endswith(".csl"):
        return None
    for base in (root, source_dir):
        if base is None:
            continue
        path = base / name
        if _inside(path, base) and path.is_file():
            return path.resolve()
    return None


def locale_for(language: str) -> str:
    tag = language.strip()
    for candidate in (tag, LOCALES.get(tag.split("-")[0].lower(), "")):
        if candidate and (CSL_DIR / "locales" / f"locales-{candidate}.xml").is_file():
            return candidate
    return ""


def _inside(path: Path, root: Path) -> bool:
    from pressroom.manuscript import _inside as inside  # the loader's rule for images and sections

    return inside(path, root)


# --------------------------------------------------------------------------- the model

@dataclass
class Result:
    """What the loader keeps of a brief's citations: the bibliography's HTML, its entries'
    words (for the verifier) and every file the rendering was made from."""

    entries: list[tuple[str, str, int]]  # (html, plain text, line in where) in the style's order
    ids: list[str]
    title: str
    inputs: tuple[Path, ...]
    note_style: bool
    where: str  # the first bibliography file (or brief.yaml for references: inline)
    line: int


def _walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _footnote_spans(tokens) -> dict[int, list[Token]]:
    """Each authored note's tokens (footnote_open .. footnote_close), by its id."""
    spans: dict[int, list[Token]] = {}
    current = None
    for token in tokens:
        if token.type == "footnote_open":
            current = token.meta["id"]
            spans[current] = []
        if current is not None:
            spans[current].append(token)
        if token.type == "footnote_close":
            current = None
    return spans


def _note_tokens(citation: Token, number: int, line_map) -> list[Token]:
    """An authored-looking note holding one citation (a note style's citation in the text)."""
    opened = Token("footnote_open", "", 1)
    opened.meta = {"id": number, "label": f"cite-{number}"}
    para = Token("paragraph_open", "p", 1)
    para.map = line_map
    inline = Token("inline", "", 0)
    inline.map, inline.content, inline.children = line_map, citation.content, [citation]
    return [opened, para, inline, Token("paragraph_close", "p", -1), Token("footnote_close", "", -1)]


def _after_punctuation(children: list[Token]) -> list[Token]:
    """A citation's note mark goes after the punctuation that follows it, with no space before
    it ("as shown [@key]." gives "as shown.¹"), as Pandoc places it."""
    out: list[Token] = []
    pending: list[Token] = []  # note marks waiting for the punctuation after them
    for child in children:
        is_mark = child.type == "footnote_ref" and str(child.meta.get("label", "")).startswith("cite-")
        if is_mark:
            while out and out[-1].type == "softbreak":
                out.pop()
            if out and out[-1].type == "text":
                out[-1].content = out[-1].content.rstrip()
            pending.append(child)
            continue
        if pending and child.type == "text":
            match = re.match(r"[.,;:!?]*", child.content)
            if match.group(0):
                if out and out[-1].type == "text":
                    out[-1].content += match.group(0)
                else:
                    moved = Token("text", "", 0)
                    moved.content = match.group(0)
                    out.append(moved)
                child.content = child.content[match.end():]
        out += pending
        pending = []
        out.append(child)
    return out + pending


def _renumber(result, note_style: bool) -> list[tuple[Token, bool]]:
    """Give the section's notes one sequence in reading order, a note style's citations in the
    text becoming notes of their own; return each citation with whether it is in a note, in
    the order the reader meets them."""
    from pressroom.manuscript.markdown import _line

    tokens = result.tokens
    spans = _footnote_spans(tokens)
    in_notes = {id(t) for span in spans.values() for t in span}
    for token in tokens:  # where each citation is, for its problems
        for child in _walk(token.children or []) if token.type == "inline" else ():
            if child.type == "citation":
                child.meta["line"] = _line(token, result.line_offset)
    order: list[tuple[Token, bool]] = []
    new_ids: dict[int, int] = {}
    notes: list[list[Token]] = []
    for token in tokens:
        if token.type != "inline" or token.children is None or id(token) in in_notes:
            continue
        children = []
        for child in token.children:
            if child.type == "footnote_ref" and child.meta["id"] not in new_ids:
                new_ids[child.meta["id"]] = len(notes)
                notes.append(spans.get(child.meta["id"], []))
                order += [(t, True) for t in _walk(notes[-1]) if t.type == "citation"]
            elif child.type == "citation" and note_style:
                number = len(notes)
                notes.append(_note_tokens(child, number, token.map))
                order.append((child, True))
                if child.meta["narrative"]:
                    author = Token("citation_author", "", 0)
                    author.meta = child.meta
                    children.append(author)
                ref = Token("footnote_ref", "", 0)
                ref.meta = {"id": number, "subId": 0, "label": f"cite-{number}"}
                children.append(ref)
                continue
            elif child.type == "citation":
                order.append((child, False))
            children.append(child)
        token.children = _after_punctuation(children) if note_style else children
    if not note_style:
        return order
    for token in _walk(tokens):  # the authored notes' references and anchors, renumbered
        if token.type in ("footnote_ref", "footnote_anchor") and token.meta.get("id") in new_ids \
                and not str(token.meta.get("label", "")).startswith("cite-"):
            token.meta = {**token.meta, "id": new_ids[token.meta["id"]]}
    for number, span in enumerate(notes):
        if span and span[0].type == "footnote_open":
            span[0].meta = {**span[0].meta, "id": number}
    body = [t for t in tokens if not t.type.startswith("footnote_block") and id(t) not in in_notes]
    if notes:
        body += [Token("footnote_block_open", "", 1), *(t for span in notes for t in span),
                 Token("footnote_block_close", "", -1)]
    result.tokens = body
    result.note_count = len(notes)
    return order


@dataclass
class Prepared:
    """What a brief's citations are made from, read before its sections are (:func:`prepare`):
    the style, the locale and the entries, with the problems found reading them (given to the
    build's collector by :func:`apply`, after the sections' own, in the order they were found)
    and the processor already started on them, if it was."""

    where: str
    lines: dict
    project: object
    slug: str
    meta: dict
    style_text: str | None = None  # None: an unknown style (its problem is in ``problems``)
    note_style: bool = False
    lang: str = "en-US"
    locale_files: list[Path] = field(default_factory=list)
    inputs: list[Path] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    bibtex: list[dict] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    problems: _Deferred = None
    processor: Processor | None = None
    _head: dict | None = None

    def head(self) -> dict:
        """The first part of the request: everything but the citations."""
        if self._head is None:
            self._head = {"style": self.style_text, "lang": self.lang,
                          "locales": {p.stem.removeprefix("locales-"): p.read_text(encoding="utf-8")
                                      for p in self.locale_files},
                          "bibtex": self.bibtex, "items": self.items}
        return self._head

    def close(self) -> None:
        """Stop the processor started early if its answer was never asked for (the brief could
        not be read, or its citations were kept from the last build)."""
        if self.processor is not None:
            self.processor.close()
            self.processor = None


class _Deferred:
    """Problems found before the sections are read, given to the collector after theirs."""

    def __init__(self) -> None:
        self.found: list[tuple[str, tuple]] = []

    def error(self, *args) -> None:
        self.found.append(("error", args))

    def warn(self, *args) -> None:
        self.found.append(("warn", args))

    def give(self, problems) -> None:
        for kind, args in self.found:
            getattr(problems, kind)(*args)
        self.found = []


def prepare(meta: dict, root: Path, where: str, lines: dict, language: str, project=None,
            slug: str = "", early: bool = False) -> Prepared | None:
    """Read the brief's style, locale and entries (None when it has no bibliography); with
    ``early``, start citeproc-js on them at once, so that it builds its engine for the style and
    reads the BibTeX while the sections are parsed, unless the last build's answer is likely to
    serve again (its style and entries are the same: then no process is started)."""
    from pressroom.manuscript import reading, safety

    wanted = meta.get("bibliography") or ()
    references = meta.get("references") or ()
    if not wanted and not references:
        return None  # citations stay as written: issue 20's warning names them
    problems = _Deferred()
    prepared = Prepared(where, lines, project, slug, meta, problems=problems)
    source_dir = project.source_dir if project is not None else None
    inputs = prepared.inputs
    # the style
    style_name = str(meta.get("csl") or DEFAULT_STYLE)
    style = style_file(style_name, root, source_dir)
    if style is None:
        guess = difflib.get_close_matches(style_name.removesuffix(".csl"), vendored_styles(), n=3)
        hint = (f"did you mean {', '.join(guess)}?" if guess else
                f"use one of {', '.join(vendored_styles())} or the path of a .csl file in the brief's folder")
        house = os.path.relpath(project.house_file) if project is not None else where
        problems.error("C806", f"unknown citation style '{style_name}'", hint,
                       where if "csl" in lines else house, lines.get("csl"))
        return prepared
    inputs.append(style)
    inputs += [p for p in (SCRIPT, TOOLS / "package-lock.json") if p.is_file()]  # the processor
    style_text = prepared.style_text = style.read_text(encoding="utf-8")
    klass = re.search(r"<style\b[^>]*\bclass=\"([a-z-]+)\"", style_text)
    prepared.note_style = bool(klass and klass.group(1) == "note")
    lang = locale_for(language)
    if not lang:
        problems.warn("C809", f"no citation locale for language '{language}'; English (en-US) is used",
                      "vendor locales-<language>.xml in pressroom/manuscript/csl/locales/", where, lines.get("language"))
        lang = "en-US"
    prepared.lang = lang
    locale_files = prepared.locale_files = sorted({CSL_DIR / "locales" / f"locales-{lang}.xml",
                                                  CSL_DIR / "locales" / "locales-en-US.xml"})
    inputs += locale_files
    # the entries
    sources, bibtex, items = prepared.sources, prepared.bibtex, prepared.items
    for name in wanted:
        path = root / str(name)
        kind = BIB_TYPES.get(path.suffix.lower())
        line = lines.get("bibliography")
        if not _inside(path, root):
            problems.error("C805", f"bibliography '{name}' is outside the brief's folder",
                           "copy the file into the brief's folder", where, line)
            continue
        if kind is None:
            problems.error("C805", f"bibliography '{name}' is not a .bib, .json or .yaml file",
                           "export BibTeX, BibLaTeX or CSL JSON from your reference manager", where, line)
            continue
        if not path.is_file():
            problems.error("C805", f"bibliography '{name}' not found", f"put the file at "
                           f"{os.path.relpath(path)} or fix the name", where, line)
            continue
        text = reading.read_text(path, os.path.relpath(path), problems, safety.MAX_FILE_BYTES)
        if text is None:
            continue
        inputs.append(path.resolve())
        source = Source(os.path.relpath(path), kind, text, _entry_lines(kind, text))
        sources.append(source)
        if kind == "bibtex":
            bibtex.append({"source": source.where, "text": text})
            continue
        loaded = _load_entries(source, problems)
        items += [{"source": source.where, "item": csl_item(i)} for i in loaded]
    if references:
        if not isinstance(references, (list, tuple)) or not all(isinstance(r, dict) for r in references):
            problems.error("M202", "'references' must be a list of entries, each with an id",
                           "write one '- id: key' with its fields per entry", where, lines.get("references"))
        else:
            inline = Source(where, "inline", line=lines.get("references"))
            sources.append(inline)
            items += [{"source": where, "item": csl_item(i)} for i in references]
    if early:
        head = prepared.head()
        if not _kept(project, slug, head):
            prepared.processor = Processor.start(head)
    return prepared


def apply(parsed, meta: dict, root: Path, where: str, lines: dict, language: str, problems,
          project=None, slug: str = "", check: bool = False, prepared: Prepared | None = None):
    """Process every citation of a brief's parsed sections; returns (parsed, Result) or
    (parsed, None) when the brief has no bibliography. Problems go to ``problems``.
    ``prepared`` is what :func:`prepare` read before the sections (read now if not given)."""
    from pressroom.manuscript import markdown

    if prepared is None:
        prepared = prepare(meta, root, where, lines, language, project, slug)
    if prepared is None:
        return parsed, None
    prepared.problems.give(problems)
    if prepared.style_text is None:
        prepared.close()
        return parsed, None
    note_style, sources, inputs = prepared.note_style, prepared.sources, prepared.inputs
    nocite = [str(k).lstrip("@") for k in (meta.get("nocite") or ())]
    # the citations, in reading order, each with its note
    parsed = list(parsed)
    clusters, tokens = [], []
    note_offset = 0
    renumbered = []
    for section in parsed:
        path, result = section.path, section.parsed
        order = _renumber(result, note_style)
        renumbered.append(section._replace(note_offset=note_offset))  # its notes, citations included
        notes_of = _note_numbers(result, note_offset)
        for token, in_note in order:
            number = notes_of.get(id(token), 0) if in_note else 0
            cid = f"c{len(clusters) + 1}"
            items_of = [dict(i) for i in token.meta["items"]]
            if token.meta["narrative"] and not note_style:
                items_of[0]["suppress-author"] = True
            clusters.append({"id": cid, "noteIndex": number, "items": items_of,
                             "narrative": token.meta["narrative"]})
            tokens.append((cid, token, path, result))
        note_offset += result.note_count
    parsed = renumbered
    request = {**prepared.head(), "clusters": clusters, "nocite": nocite}
    answer = run(request, project, slug, problems, where, prepared)
    if answer is None:
        return parsed, None
    by_where = {s.where: s for s in sources}
    _report_entries(answer, by_where, problems)
    known = answer["items"]
    bib_ids = [b["id"] for b in answer["bibliography"]]
    for cid, token, path, result in tokens:
        missing = [i["id"] for i in token.meta["items"] if i["id"] not in known]
        for key in missing:
            guess = difflib.get_close_matches(key, sorted(known), n=3)
            hint = f"did you mean {', '.join('@' + g for g in guess)}?" if guess else \
                "add the entry to the bibliography or fix the key"
            problems.error("C801", f"citation key '@{key}' is not in the bibliography", hint,
                           os.path.relpath(path), _token_line(token, result))
        html = answer["citations"].get(cid, "")
        if token.meta["narrative"]:
            author = clean(answer["authors"].get(cid, ""), link=False)
            if "NO_PRINTED_FORM" in author:  # a numeric style names no author: the number alone
                author = ""
            token.meta["author"] = author
            if not note_style and author:
                html = f"{author} {html}"
        html = clean(html, link=bool(bib_ids))
        first = token.meta["items"][0]["id"]
        if first in bib_ids:
            html = _linked(html, first)
        token.meta["html"] = f'<span class="citation" data-cites="{escape(" ".join(i["id"] for i in token.meta["items"]))}">{html}</span>'  # noqa: E501
        token.meta["plain"] = text_of(html)
        token.meta["target"] = "references"
    if check:
        cited = {i["id"] for c in clusters for i in c["items"]}
        for entry in answer["entries"]:
            if entry["id"] not in cited and entry["id"] not in nocite and "*" not in nocite:
                source = by_where.get(entry["source"])
                problems.warn("C807", f"entry '{entry['id']}' is never cited",
                              f"cite it with [@{entry['id']}], add it to nocite, or remove it",
                              entry["source"], (source.lines.get(entry["id"]) if source else None) or (source.line if source else None))  # noqa: E501
    for section in parsed:
        result, note_offset = section.parsed, section.note_offset
        markdown.recollect(result, note_offset)
    first = sources[0] if sources else Source(where, "inline", line=lines.get("bibliography"))
    entries = []
    for b in answer["bibliography"]:
        html = clean(b["html"])
        entries.append((html, text_of(html), first.lines.get(b["id"]) or first.line or 0))
    title = str(meta.get("bibliography_title") or DEFAULT_TITLE)
    return parsed, Result(entries, bib_ids, title, tuple(inputs), note_style, first.where,
                          first.line or 0)


def _token_line(token: Token, result) -> int:
    return token.meta.get("line") or result.line_offset + 1


def _note_numbers(result, note_offset: int) -> dict[int, int]:
    """id(citation token) -> the number of the note it is in (after renumbering)."""
    numbers, current = {}, None
    for token in result.tokens:
        if token.type == "footnote_open":
            current = note_offset + token.meta["id"] + 1
        elif token.type == "footnote_close":
            current = None
        elif current is not None and token.children:
            for child in _walk(token.children):
                if child.type == "citation":
                    numbers[id(child)] = current
    return numbers


def _load_entries(source: Source, problems) -> list[dict]:
    import yaml

    try:
        data = json.loads(source.text) if source.kind == "json" else yaml.safe_load(source.text)
    except json.JSONDecodeError as error:
        problems.error("C803", f"the CSL JSON cannot be read: {error.msg}",
                       "export it again as CSL JSON", source.where, error.lineno)
        return []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.error("C803", f"the CSL YAML cannot be read: {getattr(error, 'problem', None) or error}",
                       "fix the YAML at that line", source.where, mark.line + 1 if mark else None)
        return []
    if isinstance(data, dict) and isinstance(data.get("references"), list):
        data = data["references"]
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list) or not all(isinstance(i, dict) and "id" in i for i in data):
        problems.error("C803", "the file is not a list of CSL entries, each with an id",
                       "export CSL JSON (or CSL YAML) from your reference manager", source.where, 1)
        return []
    return data


def _report_entries(answer: dict, sources: dict[str, Source], problems) -> None:
    for bad in answer["bad"]:
        source = sources.get(bad["source"])
        line = bad.get("line")
        key = None
        if source and line:  # name the entry the parser was reading: the last one begun above
            begun = [(n, k) for k, n in source.lines.items() if n <= line]
            if begun:
                line, key = max(begun)
        what = f"entry '{key}' is malformed" if key else "the BibTeX cannot be read"
        problems.error("C803", f"{what}: {bad['message'][:120]}",
                       "check its braces, quotes and commas (one field per line helps)",
                       bad["source"], line)
    seen: dict[str, str] = {}
    count: dict[tuple[str, str], int] = {}
    for entry in answer["entries"]:
        key, where = entry["id"], entry["source"]
        source = sources.get(where)
        nth = count[(key, where)] = count.get((key, where), -1) + 1
        found = _entry_lines(source.kind, source.text, every=True).get(key, []) if source and source.text else []
        line = (found[nth] if nth < len(found) else None) or (source.line if source else None)
        if key in seen:
            problems.error("C802", f"entry '{key}' is defined twice (first in {seen[key]})",
                           "keep one of them, or give this one its own key", where, line)
            continue
        seen[key] = where
        item = answer["items"].get(key, {})
        kind = item.get("type", "")
        lacking = [need.replace("|", " or ") for need in NEEDS.get(kind, ())
                   if not any(item.get(n) for n in need.split("|"))]
        if lacking:
            problems.warn("C804", f"entry '{key}' ({kind}) has no {', '.join(lacking)}",
                          "add the field, or the citation prints without it", where, line)


# --------------------------------------------------------------------------- running citeproc-js

def _versions() -> str:
    lock = TOOLS / "package-lock.json"
    h = hashlib.sha256(SCRIPT.read_bytes())
    if lock.is_file():
        h.update(lock.read_bytes())
    return h.hexdigest()


def request_key(request: dict) -> str:
    text = json.dumps(request, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((_versions() + text).encode("utf-8")).hexdigest()


HEAD = ("style", "lang", "locales", "bibtex", "items")  # the request's first part; then clusters, nocite


def head_key(head: dict) -> str:
    """The key of a request's first part (the style, the locale, the entries, the processor)."""
    return request_key({k: head[k] for k in HEAD})


def _cache_file(project, slug: str) -> Path | None:
    return project.build_dir / ".citations" / f"{slug or 'brief'}.json" if project is not None else None


def _stored(project, slug: str) -> dict:
    cache = _cache_file(project, slug)
    if cache is None:
        return {}
    try:
        stored = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stored if isinstance(stored, dict) else {}


def _kept(project, slug: str, head: dict) -> bool:
    """Whether the last answer kept for this brief was made from the same style, locale and
    entries: then it most likely serves again (the citations are compared once they are read),
    and no processor is started before they are."""
    return _stored(project, slug).get("head") == head_key(head)


def _node() -> str | None:
    node = shutil.which("node")
    return node if node is not None and (TOOLS / "node_modules" / "citeproc").is_dir() else None


class Processor:
    """One citeproc-js process (``scripts/citeproc.js``), given the first part of its request
    (the style and the entries) as it starts, and the rest (the citations) by :meth:`finish`.
    The first part is written by a thread, so the build never waits on the pipe."""

    def __init__(self, node: str, head: dict, key: str | None = None):
        self.key = key or head_key(head)
        self.process = subprocess.Popen([node, str(SCRIPT), str(TOOLS)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        env={"PATH": os.environ.get("PATH", ""), "NODE_OPTIONS": ""})
        first = json.dumps({k: head[k] for k in HEAD}).encode("utf-8") + b"\n"
        self._writer = threading.Thread(target=self._send, args=(first,), daemon=True)
        self._writer.start()

    @classmethod
    def start(cls, head: dict) -> Processor | None:
        node = _node()
        if node is None:
            return None  # apply() says so, once
        try:
            return cls(node, head)
        except OSError:
            return None  # started again by run(), which reports the failure

    def _send(self, data: bytes) -> None:
        try:
            self.process.stdin.write(data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the process ended: its exit status and message say why

    def finish(self, rest: dict) -> tuple[int, bytes, bytes]:
        """The process's exit status, answer and messages, once it has the citations."""
        self._writer.join()
        out, err = self.process.communicate(json.dumps(rest).encode("utf-8"))
        return self.process.returncode, out, err

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self._writer.join()
        self.process.communicate()


class Ready:
    """A citation processor kept ready between the rebuilds of a long-lived process (the
    preview, :func:`kept_ready`): once a brief's citations have been processed, the next process
    is started on the same style and entries, and builds its engine and reads the BibTeX while
    the editor writes. A change of citations then waits only for them to be processed (0.6 s
    for the bench's 60, not 1.6 s). It is a fresh process like any other, given the same request,
    so its answer is the same; one for other entries or another style is stopped, never used."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.processor: Processor | None = None
        self._wanted: dict | None = None

    def take(self, key: str) -> Processor | None:
        """The ready processor, if it was started on the style and entries of ``key`` (their
        :func:`head_key`) and is still running."""
        with self._lock:
            processor, self.processor = self.processor, None
        if processor is None:
            return None
        if processor.key != key or processor.process.poll() is not None:
            processor.close()
            return None
        return processor

    def want(self, head: dict) -> None:
        """Have a processor ready for this style and entries after this rebuild (:meth:`start`)."""
        self._wanted = head

    def start(self) -> None:
        """Start the processor wanted, once the rebuild is done (not while it lays out pages),
        unless one for the same style and entries is still running."""
        head, self._wanted = self._wanted, None
        if head is None:
            return
        key = head_key(head)
        with self._lock:
            kept, self.processor = self.processor, None
        if kept is not None and kept.key == key and kept.process.poll() is None:
            started = kept
        else:
            if kept is not None:
                kept.close()
            started = Processor.start(head)
        with self._lock:
            self.processor = started

    def close(self) -> None:
        self._wanted = None
        with self._lock:
            processor, self.processor = self.processor, None
        if processor is not None:
            processor.close()


_READY: contextvars.ContextVar[Ready | None] = contextvars.ContextVar("pressroom_citations_ready", default=None)


@contextmanager
def kept_ready(ready: Ready):
    """Within this block, a brief whose citations must be processed again takes the processor
    ``ready`` has (if it was started on the same style and entries), and has ``ready`` want the
    next one."""
    token = _READY.set(ready)
    try:
        yield ready
    finally:
        _READY.reset(token)


def run(request: dict, project, slug: str, problems, where: str, prepared: Prepared | None = None) -> dict | None:
    """citeproc-js's answer to the request: from build/.citations/ when the same request was
    answered before, else from one Node.js process (the one ``prepared`` started, if it was
    started on the same style and entries, or the one kept ready by the preview)."""
    key = request_key(request)
    early = prepared.processor if prepared is not None else None
    if prepared is not None:
        prepared.processor = None
    stored = _stored(project, slug)
    head = {k: request[k] for k in HEAD}
    head_digest = head_key(head)
    ready = _READY.get()
    if ready is not None:
        ready.want(head)  # for the next change of citations, whatever serves this one
    if stored.get("key") == key and "result" in stored:
        if early is not None:
            early.close()
        return stored["result"]
    if early is not None and early.key != head_digest:  # never: the same first part
        early.close()
        early = None
    if ready is not None:
        spare = ready.take(head_digest)  # None, and stopped, if it was started on other entries
        if early is None:
            early = spare
        elif spare is not None:
            spare.close()
    if early is None:
        node = _node()
        if node is None:
            problems.error("B801", "the citation processor (citeproc-js on Node.js) is not installed",
                           "run scripts/bootstrap", where)
            return None
        early = Processor(node, head, head_digest)
    returncode, out, err = early.finish({k: v for k, v in request.items() if k not in HEAD})
    if returncode != 0:
        why = err.decode("utf-8", "replace").strip().splitlines()[:1]
        problems.error("B801", f"the citation processor failed: {' '.join(why)[:160]}",
                       "check the style file; run with --debug for details", where)
        return None
    result = json.loads(out)
    cache = _cache_file(project, slug)
    if cache is not None:
        from pressroom.execution.writers import write_file

        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            write_file(cache, json.dumps({"key": key, "head": head_digest, "result": result}).encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written costs time, never the build
    return result


# --------------------------------------------------------------------------- the bibliography section

def section_html(result: Result, sid: str, mode: str) -> str:
    """The bibliography: a heading and a list, one item per entry, each with its anchor."""
    epub = mode == "xhtml"
    items = []
    for (html, _, _), key in zip(result.entries, result.ids):
        attrs = f' id="ref-{escape(key)}" class="csl-entry"'
        if epub:  # role="doc-biblioentry" is deprecated in DPUB-ARIA 1.1; EPUBCheck warns on it
            attrs += ' epub:type="biblioentry"'
        items.append(f"<li{attrs}>{html}</li>")
    return (f'<h2 id="{sid}-title">{escape(result.title)}</h2>\n'
            f'<ul class="references">\n' + "\n".join(items) + "\n</ul>\n")

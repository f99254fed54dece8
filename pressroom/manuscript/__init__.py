"""source/ -> model: read every file of a brief, check all of it, raise once.

A brief is either a folder with ``brief.yaml`` (metadata and the ordered list
of section files) or a single Markdown file with YAML front matter. Every
problem found is collected with its file and line; if any is an error, one
:class:`ManuscriptError` carries them all and nothing is rendered.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from pressroom.errors import ManuscriptError, Problem
from pressroom.manuscript import citations, editorial, links, markdown, rawhtml, reading, safety
from pressroom.manuscript.messages import words
from pressroom.model import FIELD_NAMES, FIELDS, PAPERS, STATUSES, Block, Brief, Heading, Image, Metadata, Section
from pressroom.project import Project, resolve_targets, shown  # noqa: F401 (re-exported)

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}
BRIEF_KEYS = FIELD_NAMES | {"sections"}
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # BCP 47, as EPUB and HTML need it
MAX_FILE_BYTES = safety.MAX_FILE_BYTES
#: house.yaml keys that are settings of a task, not metadata (word_styles: `invoke import`).
HOUSE_SETTINGS = frozenset({"word_styles"})
REMOTE = "remote"  # in a draft's image map: a web address shown as a placeholder, never fetched
load_yaml = reading.load_yaml


class Collector:
    """Gathers problems; :meth:`raise_errors` stops once with all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        #: The sections of the last brief read, as parsed (``[(path, text, offset), ParsedSection]``):
        #: the lint reads them instead of parsing the files again.
        self.parsed: list[tuple[tuple, ParsedSection]] | None = None

    def error(self, code, message, hint="", path=None, line=None):
        self.problems.append(Problem(code, message, hint, path, line, "error"))

    def warn(self, code, message, hint="", path=None, line=None):
        self.problems.append(Problem(code, message, hint, path, line, "warning"))

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_errors(self, strict: bool = False) -> None:
        bad = [p for p in self.problems if p.severity == "error" or strict]
        if bad:
            raise ManuscriptError(self.problems if strict else bad)


# --------------------------------------------------------------------------- reading

def read_text(path: Path, problems: Collector, limit: int = MAX_FILE_BYTES) -> str | None:
    """Read a UTF-8 source file of at most ``limit`` bytes; see :mod:`pressroom.manuscript.reading`."""
    return reading.read_text(path, shown(path), problems, limit)


def split_front_matter(text: str, where: str, problems: Collector) -> tuple[str, str, int]:
    """Return (yaml text, body, number of lines before the body)."""
    if not text.startswith("---\n"):
        return "", text, 0
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 1
    problems.error("P108", "the front matter is not closed",
                   "end it with a line of three dashes (---)", where, 1)
    return "", "", 0


# --------------------------------------------------------------------------- metadata

def _xml_safe(value, key, where, line, problems: Collector):
    """YAML escapes ("\x07") can put characters XML forbids into a value: remove them, warn."""
    if isinstance(value, str) and reading.XML_FORBIDDEN.search(value):
        problems.warn("P110", f"a character XML forbids was removed from '{key}'",
                      "delete the escape sequence", where, line)
        return reading.XML_FORBIDDEN.sub("", value)
    if isinstance(value, list):
        return [_xml_safe(v, key, where, line, problems) for v in value]
    return value


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _check_field(name: str, value, where: str, line, problems: Collector):
    """Return the value converted to its field type, or None after reporting the problem."""
    kind = next(f.kind for f in FIELDS if f.name == name)
    if kind == "str":
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value).strip()
        problems.error("M202", f"'{name}' must be text", f"write {name}: some text", where, line)
    elif kind == "link":
        if isinstance(value, str) and safety.safe_address(value.strip()):
            return value.strip()
        problems.error("M203", f"'{name}' must be a web address (http:, https: or mailto:)",
                       f"write {name}: https://...", where, line)
    elif kind == "language":
        if isinstance(value, str) and _LANGUAGE.match(value.strip()):
            return value.strip()
        problems.error("M203", f"'{name}' must be a language tag such as en or en-GB, got "
                       f"{_short(value)}", f"write {name}: en", where, line)
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        problems.error("M202", f"'{name}' must be a whole number", f"write {name}: 1", where, line)
    elif kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            problems.error("M202", f"'{name}' must be a date, got {_short(value)}",
                           f"write {name}: YYYY-MM-DD", where, line)
    elif kind == "list":
        if isinstance(value, str):
            return (value.strip(),)
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            return tuple(str(v).strip() for v in value)
        problems.error("M202", f"'{name}' must be a list of text items",
                       f"write one '- item' per line under {name}:", where, line)
    elif kind == "status":
        if value in STATUSES:
            return value
        problems.error("M203", f"'{name}' must be draft or final, got {_short(value)}",
                       f"write {name}: draft", where, line)
    elif kind == "url":
        text = str(value).strip().rstrip("/")
        try:
            parts = urlsplit(text)
        except ValueError:  # e.g. an unclosed IPv6 host
            parts = urlsplit("")
        if (parts.scheme in ("http", "https") and safety.safe_address(text) and not parts.query
                and not parts.fragment):
            return text
        problems.error("M202", f"'{name}' must be an http(s) address, got {_short(value)}",
                       f"write {name}: https://example.org/briefs", where, line)
    elif kind == "references":
        if isinstance(value, list) and all(isinstance(v, dict) and "id" in v for v in value):
            return tuple(value)
        problems.error("M202", f"'{name}' must be a list of entries, each with an id",
                       "write '- id: key' followed by the entry's fields", where, line)
    elif kind == "paper":
        if str(value).lower() in PAPERS:
            return str(value).lower()
        problems.error("M203", f"'{name}' must be a4 or letter, got {_short(value)}",
                       f"write {name}: a4", where, line)
    return None


def build_metadata(data: dict, lines: dict, where: str, house: dict, slug: str,
                   problems: Collector, allowed: set[str]) -> Metadata | None:
    values: dict = {}
    for source, source_where, source_lines in ((house, "house", {}), (data, where, lines)):
        for key, value in source.items():
            key = str(key)
            line = source_lines.get(key)
            if key not in allowed:
                if source is data or key not in FIELD_NAMES:
                    guess = difflib.get_close_matches(key, sorted(allowed), n=1)
                    hint = f"did you mean '{guess[0]}'?" if guess else "remove it (see the README)"
                    problems.warn("M204", f"unknown field '{key}'", hint,
                                  where if source is data else source_where, line)
                continue
            if key == "sections":
                continue
            if value is None or value == "" or value == []:
                if source is data:
                    problems.warn("M205", f"'{key}' is empty", "give it a value or remove it",
                                  where, line)
                continue
            value = _xml_safe(value, key, where if source is data else source_where, line, problems)
            checked = _check_field(key, value, where, line, problems)
            if checked is not None:
                values[key] = checked
    if "title" not in values:
        if "title" not in data:
            problems.error("M201", "the title is missing", "add a line 'title: ...'", where, 1)
        return None
    editorial.final_needs(values, lines, where, problems)  # the build warns, the gate refuses
    editorial.metadata_literals(data, lines, where, problems)
    values.setdefault("short_title", values["title"])
    publisher = values.get("publisher", "")
    values.setdefault("authors", (publisher,) if publisher else ())
    values.setdefault("identifier", f"urn:pressroom:{slug}")
    return Metadata(**values)


# --------------------------------------------------------------------------- briefs

def load_house(project: Project, problems: Collector) -> dict:
    if not project.house_file.is_file():
        return {}
    text = read_text(project.house_file, problems, safety.MAX_YAML_BYTES)
    if text is None:
        return {}
    data, lines = load_yaml(text, shown(project.house_file), problems)
    if data is None:
        return {}
    house_fields = {f.name for f in FIELDS if f.house}
    for key, line in lines.items():
        if key not in house_fields and key not in HOUSE_SETTINGS:
            problems.warn("M204", f"'{key}' is not a house field", "move it to brief.yaml",
                          shown(project.house_file), line)
    return {k: v for k, v in data.items() if k in house_fields}


def load(project: Project, target: str | None = None, strict: bool = False) -> tuple[list[Brief], list[Problem]]:
    """Read, check and model every brief named by ``target``. Raises once with every problem."""
    problems = Collector()
    house = load_house(project, problems)
    briefs = []
    for location in resolve_targets(project, target):
        brief = load_brief(location, house, problems, project)
        if brief is not None:
            briefs.append(brief)
    for logo in sorted({b.metadata.logo for b in briefs if b.metadata.logo}):
        _check_logo(project, logo, problems)
    problems.raise_errors(strict)
    return briefs, problems.warnings


def logo_file(project: Project, logo: str) -> Path | None:
    """The publisher's mark named in house.yaml (relative to source/), if it is a usable SVG."""
    path = project.source_dir / logo
    if logo and _inside(path, project.source_dir) and path.suffix.lower() == ".svg" and path.is_file():
        return path.resolve()
    return None


def _check_logo(project: Project, logo: str, problems: Collector) -> None:
    if logo_file(project, logo) is None:
        problems.error("C311", f"the logo '{logo}' is not an SVG file inside source/",
                       "give a path relative to source/, e.g. logo: marks/logo.svg",
                       shown(project.house_file))


def load_brief(location: Path, house: dict, problems: Collector, project: Project | None = None,
               check: bool = False) -> Brief | None:
    """One brief; ``project`` gives citations their styles in source/ and their cache in build/,
    ``check`` (``invoke check``) adds the warnings about entries never cited."""
    options = {"project": project, "check": check}
    if location.is_file():
        return _load_single(location, house, problems, options)
    return _load_folder(location, house, problems, options)


def _read_sections(root: Path, slug: str, data: dict, lines: dict, where: str, house: dict, metadata,
                   files, problems: Collector, options: dict):
    """The brief's parsed sections with their citations processed: (sections, cited). The
    citation processor starts on the style and entries before the sections are parsed."""
    prepared = _cite_early(root, slug, data, lines, where, house, metadata, options)
    try:
        sections = _sections(root, files, problems, _draft(metadata), _cites(metadata))
        return _cite(root, slug, data, lines, where, house, metadata, sections, problems, options, prepared)
    finally:
        if prepared is not None:
            prepared.close()  # a processor started for a brief that could not be read


def _cite_early(root: Path, slug: str, data: dict, lines: dict, where: str, house: dict, metadata,
                options: dict):
    """The brief's style and entries, read (and citeproc-js started on them) before its
    sections are parsed: ``citations.prepare``. None when it has no bibliography."""
    if metadata is None:
        return None
    return citations.prepare(_cite_meta(data, house, metadata), root, where, lines, metadata.language,
                             options.get("project"), slug, early=True)


def _cite_meta(data: dict, house: dict, metadata) -> dict:
    meta = {**{k: house[k] for k in citations.FIELDS if k in house},
            **{k: data[k] for k in citations.FIELDS if k in data}}
    meta.update({k: getattr(metadata, k) for k in ("bibliography", "references", "nocite")})
    return meta


def _cite(root: Path, slug: str, data: dict, lines: dict, where: str, house: dict, metadata,
          sections, problems: Collector, options: dict, prepared=None):
    """Citations and the bibliography (pressroom/citations.py): new sections data and the result."""
    if metadata is None or sections is None:
        return sections, None
    parsed, images = sections
    parsed, result = citations.apply(parsed, _cite_meta(data, house, metadata), root, where, lines,
                                     metadata.language, problems, options.get("project"), slug,
                                     options.get("check", False), prepared)
    return (parsed, images), result


def _load_single(path: Path, house: dict, problems: Collector, options: dict | None = None) -> Brief | None:
    where = shown(path)
    text = read_text(path, problems)
    if text is None:
        return None
    header, body, offset = split_front_matter(text, where, problems)
    data, lines = load_yaml(header, where, problems, line_offset=1) if header.strip() else ({}, {})
    if data is None:
        return None
    slug = markdown.slugify(path.stem)
    metadata = build_metadata(data, lines, where, house, slug, problems, FIELD_NAMES)
    sections, cited = _read_sections(path.parent, slug, data, lines, where, house, metadata,
                                     [(path, body, offset)], problems, options or {})
    if metadata is None or sections is None:
        return None
    return _assemble(slug, path.parent, (path,), metadata, sections, cited)


def _load_folder(folder: Path, house: dict, problems: Collector, options: dict | None = None) -> Brief | None:
    yaml_path = folder / "brief.yaml"
    where = shown(yaml_path)
    text = read_text(yaml_path, problems, safety.MAX_YAML_BYTES)
    if text is None:
        return None
    if not _inside(yaml_path, folder):
        problems.error("C302", "brief.yaml is a link to a file outside the brief's folder",
                       "replace the link with the file itself", where)
        return None
    data, lines = load_yaml(text, where, problems)
    if data is None:
        return None
    if (folder / "IMPORT.txt").is_file():
        problems.warn("P706", "the import report is still here", "read it, fix what matters, "
                      "then delete it", shown(folder / "IMPORT.txt"))
    slug = markdown.slugify(folder.name)
    metadata = build_metadata(data, lines, where, house, slug, problems, BRIEF_KEYS)
    listed = data.get("sections")
    line = lines.get("sections", 1)
    if not isinstance(listed, list) or not listed:
        problems.error("P105", "the brief lists no sections",
                       "add 'sections:' with one '- file.md' per line", where, line)
        return None
    files, seen, total = [], set(), 0
    for item in listed:
        if not isinstance(item, (str, int)) or "\x00" in str(item):
            problems.error("M202", "'sections' must be a list of file names",
                           "write one '- file.md' per line", where, line)
            continue
        name = str(item)
        path = (folder / name)
        if name in seen:
            problems.error("P109", f"section '{name}' is listed twice", "list it once", where, line)
            continue
        seen.add(name)
        if not _inside(path, folder):
            problems.error("C302", f"section '{name}' is outside the brief's folder",
                           "keep section files beside brief.yaml", where, line)
            continue
        if not path.is_file():
            problems.error("P106", *words("P106", name=name, path=shown(path)), where, line)
            continue
        body = read_text(path, problems)
        if body is not None:
            total += len(body)
            if total > safety.MAX_BRIEF_BYTES:
                problems.error("P113", f"the brief's text is longer than the limit of "
                               f"{safety.MAX_BRIEF_BYTES // 2**20} MB", "publish it as two briefs",
                               shown(path))
                return None
            files.append((path, body, 0))
    sections, cited = _read_sections(folder, slug, data, lines, where, house, metadata, files,
                                     problems, options or {})
    if metadata is None or sections is None:
        return None
    sources = (yaml_path, *(f[0] for f in files))
    return _assemble(slug, folder, sources, metadata, sections, cited)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


class ParsedSection(NamedTuple):
    """One section file, parsed: its place, the id the editions give it, and its notes' start."""

    index: int
    id: str
    path: Path
    parsed: markdown.Parsed
    note_offset: int  # footnotes of the earlier sections: this one's are numbered after them


def parse_sections(files) -> list[ParsedSection]:
    """Parse section files ``[(path, text, line offset)]`` in order, with the ids the editions use;
    reports nothing."""
    used_ids: set[str] = {"cover", "contents", "back", "notes", "key-points", "summary",
                          citations.SECTION_ID, f"{citations.SECTION_ID}-title"}
    section_ids = []
    for path, _, _ in files:
        base = markdown.slugify(re.sub(r"^\d+[-_ ]*", "", path.stem) or path.stem)
        sid, n = base, 2
        while sid in used_ids:
            sid, n = f"{base}-{n}", n + 1
        used_ids.add(sid)
        section_ids.append(sid)
    parsed, note_offset = [], 0
    for index, (path, body, offset) in enumerate(files):
        result = markdown.parse(body, line_offset=offset, note_offset=note_offset, used_ids=used_ids)
        parsed.append(ParsedSection(index, section_ids[index], path, result, note_offset))
        note_offset += result.note_count
    return parsed


def _draft(metadata: Metadata | None) -> bool:
    return metadata is None or metadata.status != "final"


def _cites(metadata: Metadata | None) -> bool:
    """Whether the brief's citations are rendered (it has a bibliography): then ``[@key]`` is
    not literal markup."""
    return metadata is not None and bool(metadata.bibliography or metadata.references)


def _sections(root: Path, files, problems: Collector, draft: bool = False, cites: bool = False):
    """Parse every section file; report its problems; resolve its images inside the brief's folder.

    In a draft a remote image is a placeholder (``REMOTE``), with a warning; in a final, an error."""
    parsed, images, ok = parse_sections(files), {}, True
    problems.parsed = list(zip(files, parsed))
    seen_headings: dict[tuple[int, str], tuple[str, int]] = {}
    for section in parsed:
        path, result = section.path, section.parsed
        where = shown(path)
        for code, message, hint, line in result.over_limits:
            problems.error(code, message, hint, where, line)
            ok = False
        for line in result.empty_headings:
            problems.error("C328", "the heading has no text", "write its words after the #, "
                           "or remove the line", where, line)
            ok = False
        for line in result.too_deep_headings:
            problems.error("C329", "a level-6 heading (######) has no place in the editions",
                           "use ##### at most: the brief's title is the top heading", where, line)
            ok = False
        for level, text, _, line in result.headings:
            earlier = seen_headings.setdefault((level, text.casefold()), (where, line))
            if earlier != (where, line):
                problems.warn("C327", f"heading '{text[:60]}' repeats the one at "
                              f"{earlier[0]}:{earlier[1]}", "give each heading its own words "
                              "so the contents and links can tell them apart", where, line)
        for attr, line in result.dropped_attrs:
            problems.warn("C307", f"attribute {attr} is not allowed and was dropped",
                          "use one of the classes " + ", ".join(sorted(markdown.ALLOWED_CLASSES)),
                          where, line)
        literal_markup(result, where, problems, bibliography=cites)
        for what, line in result.dropped_html:
            problems.warn("C701", f"HTML dropped: {what}", "only the HTML listed in the README "
                          "(Writing a brief) is kept; remove the rest", where, line)
        for label, line in result.undefined_notes:
            problems.error("C304", *words("C304", label=label), where, line)
        for label, line in result.unused_notes:
            problems.warn("C305", *words("C305", label=label), where, line)
        for line, before, after in result.skipped_levels:
            problems.warn("C306", *words("C306", before=before, after=after,
                                         hashes="#" * (before + 1)), where, line)
        for src, alt, line in result.images:
            if draft and rawhtml.is_remote(src):
                problems.warn("C702", f"a remote image is not fetched: '{src[:80]}'",
                              "download it into images/ and link it; the draft shows a placeholder",
                              where, line)
                images[(path, src)] = REMOTE
                continue
            target = _resolve_image(root, path, src, alt, where, line, problems)
            if target is None:
                ok = False
            else:
                images[(path, src)] = target
    targets = links.Targets(parsed)
    for section in parsed:
        path, result = section.path, section.parsed
        for href, line in markdown.refuse_links(result, lambda href, p=path: _linkable(href, p, targets)):
            if links.is_internal(href):
                problems.warn("C310", *words("C310", href=href[:60]), shown(path), line)
            else:
                problems.warn("C326", f"link to '{href[:60]}' removed, its text kept",
                              "a link may be an http:, https: or mailto: address, or point to a "
                              "heading or section of this brief", shown(path), line)
    if not ok:
        return None
    return parsed, images


def literal_markup(result: markdown.Parsed, where: str, problems: Collector,
                   bibliography: bool = False) -> None:
    """Markup printed as typed (see :mod:`pressroom.manuscript.literal`): a warning at file:line:col. A brief
    with a bibliography renders its citations: then ``[@key]`` is not literal (C342 is not told)."""
    for found in result.literal:
        if bibliography and found.code == "C342":
            continue
        problems.problems.append(Problem(found.code, found.message, found.hint, where, found.line,
                                         "warning", found.col))


def _linkable(href: str, source: Path, targets: links.Targets) -> bool:
    """A link an edition may carry: within the brief and resolved, or to a web or mail address."""
    if links.is_internal(href):
        return targets.resolve(href, source) is not None
    return safety.safe_link(href)


def _resolve_image(root: Path, section: Path, src: str, alt: str, where, line, problems) -> Image | None:
    try:
        parts = urlsplit(src)
    except ValueError:  # e.g. an unclosed IPv6 host
        parts = urlsplit("x:")
    if parts.scheme or parts.netloc or src.startswith("/"):
        problems.error("C309", f"image '{src[:80]}' is not a file of this brief",
                       "copy the image into the brief's folder and give a relative path",
                       where, line)
        return None
    path = section.parent / unquote(parts.path)
    if not _inside(path, root):
        problems.error("C302", f"image '{src}' is outside the brief's folder",
                       "copy it into the brief's images/ folder", where, line)
        return None
    suffix = path.suffix.lower()
    if suffix not in IMAGE_TYPES:
        problems.error("C308", f"image '{src}' is not PNG, JPEG, GIF, SVG or WebP",
                       "convert it to PNG or SVG", where, line)
        return None
    if not path.is_file():
        problems.error("C301", f"image '{src}' not found", f"put the file at {shown(path)}",
                       where, line)
        return None
    if not alt.strip():
        problems.error("C303", *words("C303", src=src), where, line)
        return None
    issues = safety.image_issues(path.resolve())
    for code, message, hint in issues:
        problems.error(code, f"image '{src[:80]}': {message}", hint, where, line)
    if issues:
        return None
    rel = path.resolve().relative_to(root.resolve()).as_posix()
    return Image(path.resolve(), f"media/{_url_safe(rel)}", IMAGE_TYPES[suffix])


def _url_safe(rel: str) -> str:
    """A name usable as is in a URL, an EPUB manifest and a ZIP (spaces, #, ? and accents out)."""
    safe = re.sub(r"[^A-Za-z0-9._/-]", "-", rel)
    if safe == rel:
        return rel
    stem, dot, suffix = safe.rpartition(".")
    return f"{stem}-{hashlib.sha1(rel.encode()).hexdigest()[:8]}{dot}{suffix}"


def _assemble(slug, root, sources, metadata: Metadata, sections_data, cited=None) -> Brief:
    parsed, images = sections_data
    targets = links.Targets(parsed)
    sections = []
    for section in parsed:
        index, sid, path, result = section.index, section.id, section.path, section.parsed
        mapping = {src: img.target for (p, src), img in images.items() if p == path and img != REMOTE}
        remote = frozenset(src for (p, src), img in images.items() if p == path and img == REMOTE)
        hrefs = [href for href, _ in result.links]
        headings = tuple(Heading(*h) for h in result.headings)
        first = next((b for b in result.blocks), None)
        title = headings[0].text if headings and first and first[0] == "heading" else ""
        label = title or ("Introduction" if index == 0 else f"Section {index + 1}")
        kwargs = {"prefix": sid, "note_offset": section.note_offset, "images": mapping, "remote": remote}
        rendered = {mode: markdown.render(result, mode, links=targets.rewrite(hrefs, path, mode), **kwargs)
                    for mode in markdown.MODES}
        sections.append(Section(
            id=sid, path=shown(path), title=title, label=label, headings=headings,
            blocks=tuple(Block(*b) for b in result.blocks),
            notes=tuple(Block("footnote", t, line) for t, line in result.notes),
            html=rendered["html"], xhtml=rendered["xhtml"], print_html=rendered["print"],
        ))
    if cited is not None and cited.entries:
        sections.append(_bibliography(cited))
    unique_images = tuple(sorted({img.target: img for img in images.values() if img != REMOTE}.values(),
                                 key=lambda i: i.target))
    return Brief(slug=slug, root=root, sources=tuple(sources), metadata=metadata,
                 sections=tuple(sections), images=unique_images,
                 inputs=cited.inputs if cited is not None else ())


def _bibliography(cited) -> Section:
    """The section that closes a brief with its cited entries (pressroom/citations.py)."""
    sid = citations.SECTION_ID
    heading = Heading(1, cited.title, f"{sid}-title", cited.line)
    blocks = (Block("heading", cited.title, cited.line),
              *(Block("entry", text, line) for _, text, line in cited.entries))
    rendered = {mode: citations.section_html(cited, sid, mode) for mode in markdown.MODES}
    return Section(id=sid, path=cited.where, title=cited.title, label=cited.title, headings=(heading,),
                   blocks=blocks, notes=(), html=rendered["html"], xhtml=rendered["xhtml"],
                   print_html=rendered["print"], role="bibliography")

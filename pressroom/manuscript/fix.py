"""`invoke fix`: rewrite the typography of a brief's sources in place, as the build would print it.

The build's typographer turns ``day's`` into ``day’s`` in the editions; the
sources keep the straight quote and `invoke check` reports it (T601-T605). This
module writes into the sources what the build prints, and the house's spacing:

* quotes and apostrophes:     "a" 'b' day's '90s     ->  “a” ‘b’ day’s ’90s
* dashes and ellipses:        1990--2000, a---b, ...  ->  1990–2000, a—b, …
* non-breaking spaces:        12 km, J. Smith         ->  12 km, J. Smith (U+00A0)
* percentages (house.yaml ``percent``): 12 %  ->  12% (default) or 12 % (``percent: "12 %"``)
* spaces:                     two between words, trailing ones  ->  one, none (or ``\\`` for a
                              line break: two trailing spaces before a line are one in Markdown)

Only prose changes: code, link targets, {attributes}, table delimiter rows and
YAML syntax are never touched; in brief.yaml only the fields printed as written
(title, summary, key points...). Each file is checked before it is written: its
words (letters and digits) must be exactly those it had, and its YAML must read
back to the same fields. Files are replaced atomically.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from pressroom import manuscript
from pressroom.checks import lint
from pressroom.errors import ManuscriptError, Problem
from pressroom.manuscript import Collector, Project
from pressroom.wording import normalise

NBSP = "\u00a0"
#: Units a number is tied to by a non-breaking space (case-sensitive, whole words).
UNITS = ("km", "m", "cm", "mm", "km²", "m²", "m³", "ha", "kg", "g", "t", "Mt", "kt", "bcm", "l",
         "kW", "MW", "GW", "kWh", "MWh", "GWh", "TWh", "°C", "bn", "mn", "bpd", "USD", "EUR",
         "AZN", "RUB")
_UNIT = re.compile(r"(?<=\d) (?=(?:" + "|".join(map(re.escape, sorted(UNITS, key=len, reverse=True)))
                   + r")(?![\w²³]))")
_INITIAL = re.compile(r"(?<![\w.’'])(?![IA]\.)[A-Z]\.( )(?=[A-Z])")
_DASHES = re.compile(r"(?<!-)-{2,3}(?!-)")
_ELLIPSIS = re.compile(r"(?<!\.)\.\.\.(?!\.)")
_SPACES = re.compile(r"(?<=[^\s\0]) {2,}(?=[^\s\0])")
_OPENING = set(" \t([{“‘—–-/\u00a0")


@dataclass(frozen=True)
class Change:
    where: str  # the file as shown
    line: int
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {_shown(self.before)} -> {_shown(self.after)}"


def _shown(text: str) -> str:
    return text.replace(NBSP, "⍽")


# --------------------------------------------------------------------------- one line

def typeset(text: str, mask: str, percent: str = "12%", table: bool = False,
            quote_units: str = r"['\"]") -> str:
    """``text`` with its typography fixed where ``mask`` (the same length) is not ``\\0``.

    ``quote_units`` finds the quotes: in YAML, ``''`` (single-quoted) or ``\\"`` (double-quoted)
    is one quote written in two characters, and becomes one curly quote.
    """
    edits: list[tuple[int, int, str]] = []
    for match in _DASHES.finditer(mask):
        dash = "—" if len(match.group()) == 3 else "–"
        edits.append((match.start(), match.end(), dash))
    for match in _ELLIPSIS.finditer(mask):
        edits.append((match.start(), match.end(), "…"))
    for match in re.finditer(quote_units, mask):
        char = "'" if match.group() in ("'", "''") else '"'
        edits.append((match.start(), match.end(), _curl(char, mask, match.start(), match.end())))
    for match in _UNIT.finditer(mask):
        edits.append((match.start(), match.end(), NBSP))
    for match in _INITIAL.finditer(mask):
        edits.append((match.start(1), match.end(1), NBSP))
    if percent == "12 %":
        for match in re.finditer(r"(?<=\d)[ \u00a0]?%", mask):
            edits.append((match.start(), match.end(), NBSP + "%"))
    else:
        for match in re.finditer(r"(?<=\d)[ \u00a0]%", mask):
            edits.append((match.start(), match.end(), "%"))
    if not table:
        start = lint._MARKERS.match(mask).end()
        for match in _SPACES.finditer(mask, start):
            edits.append((match.start(), match.end(), " "))
    out, cursor = [], 0
    for start, end, new in sorted(edits):
        if start < cursor:  # overlapping edits (e.g. a dash inside a unit's space): the first wins
            continue
        out += [text[cursor:start], new]
        cursor = end
    return "".join(out) + text[cursor:]


def _curl(char: str, mask: str, start: int, end: int) -> str:
    before = mask[start - 1] if start > 0 else " "
    after = mask[end] if end < len(mask) else " "
    left, right = ("‘", "’") if char == "'" else ("“", "”")
    if char == "'":
        if before.isalnum() and (after.isalnum() or after == "\0"):
            return right  # day's, don't
        if re.match(r"\d\ds\b", mask[end:end + 4]):
            return right  # '90s
    if before in _OPENING:  # after a space, a bracket, a dash or another opening quote
        return left if not after.isspace() else right
    return right


# --------------------------------------------------------------------------- a brief

def _markdown_lines(source: lint.Source):
    """(line number, text, mask, in a table) of every line of prose of a section file."""
    for number, text in enumerate(source.lines, 1):
        if number in source.skip or lint._ATTRIBUTES.match(text):
            continue
        mask = lint._LINK_TARGET.sub(lint._blank, lint._CODE_SPAN.sub(lint._blank, text))
        mask = re.sub(r"<[^<>\n]*>|\\.", lint._blank, mask)  # autolinks, tags, escapes
        yield number, text, mask, number in source.table


def _fix_markdown(source: lint.Source, percent: str) -> str:
    lines = list(source.lines)
    for number, text, mask, table in _markdown_lines(source):
        lines[number - 1] = typeset(text, mask, percent, table)
    for index, text in enumerate(lines):  # trailing spaces: none, or a visible line break
        if index + 1 in source.skip or not text.strip():
            continue
        stripped = text.rstrip(" \t")
        if stripped != text:
            following = lines[index + 1] if index + 1 < len(lines) else ""
            hard = len(text) - len(stripped) >= 2 and following.strip()
            lines[index] = stripped + ("\\" if hard else "")
    return "\n".join(lines)


def _fix_yaml(draft: lint.Draft, percent: str) -> str:
    text = draft.meta_text
    edits = []
    for key, value in lint._metadata_nodes(draft):
        if key not in lint.PROSE_FIELDS:
            continue
        for node in value.value if isinstance(value, yaml.SequenceNode) else [value]:
            if not isinstance(node, yaml.ScalarNode):
                continue
            start, end = node.start_mark.index, node.end_mark.index
            units = r"['\"]"
            if node.style == "'":
                start, end, units = start + 1, end - 1, r"''|\""
            elif node.style == '"':
                start, end, units = start + 1, end - 1, r"\\\"|'"
            elif node.style in ("|", ">"):
                start = text.find("\n", start) + 1
            span = text[start:end]
            # in a double-quoted scalar \" is a quote; other escapes are left alone
            mask = re.sub(r'\\[^"]', lint._blank, span) if node.style == '"' else span
            edits.append((start, end, "\n".join(
                typeset(line, m, percent, quote_units=units)
                for line, m in zip(span.split("\n"), mask.split("\n")))))
    out, cursor = [], 0
    for start, end, new in sorted(edits):
        out += [text[cursor:start], new]
        cursor = end
    return "".join(out) + text[cursor:]


def _same_words(before: str, after: str) -> bool:
    return normalise(before) == normalise(after)


def _same_yaml(before: str, after: str) -> bool:
    try:
        old, new = yaml.safe_load(before) or {}, yaml.safe_load(after) or {}
    except yaml.YAMLError:
        return False
    return (isinstance(new, dict) and old.keys() == new.keys()
            and all(_same_words(_flat(old[k]), _flat(new[k])) for k in old))


def _flat(value) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def plan(project: Project, target: str | None = None) -> tuple[list[Change], dict[Path, str], list[Problem]]:
    """What `invoke fix` would change: the changes line by line, each file's new text, and the
    files it leaves alone because the result would not be safe (their problems)."""
    loader = Collector()
    house = manuscript.load_house(project, loader)
    percent = str(house.get("percent") or "12%")
    changes: list[Change] = []
    texts: dict[Path, str] = {}
    refused: list[Problem] = []
    for location in manuscript.resolve_targets(project, target):
        draft = lint.read_draft(location, house)
        if draft is None:
            continue
        files = []  # (path, shown, text now, text fixed, whether its YAML reads back the same)
        for source in draft.sources:
            files.append([source.path, source.where, "\n".join(source.lines),
                          _fix_markdown(source, percent), True])
        header = _fix_yaml(draft, percent)
        same_yaml = header == draft.meta_text or _same_yaml(draft.meta_text, header)
        if draft.folder is not None:
            files.append([draft.meta_path, draft.meta_where, draft.meta_text, header, same_yaml])
        else:  # a single file: its front matter (lines 2...), then its body (fixed above)
            lines = files[-1][3].split("\n")
            lines[1:1 + len(draft.meta_text.split("\n"))] = header.split("\n")
            files[-1][3:] = ["\n".join(lines), same_yaml]
        for path, where, old, new, yaml_ok in files:
            if old == new:
                continue
            if not (_same_words(old, new) and yaml_ok):
                refused.append(Problem("T609", "the typography of this file cannot be fixed safely",
                                       "fix the quotes by hand (see invoke check)", where))
                continue
            texts[path] = new
            for number, (a, b) in enumerate(zip(old.split("\n"), new.split("\n")), 1):
                if a != b:
                    changes.append(Change(where, number, *_excerpts(a, b)))
    return changes, texts, refused


def _excerpts(before: str, after: str, context: int = 24) -> tuple[str, str]:
    """The part of a line that changed, with some context either side."""
    head = 0
    while head < min(len(before), len(after)) and before[head] == after[head]:
        head += 1
    tail = 0
    while (tail < min(len(before), len(after)) - head
           and before[len(before) - 1 - tail] == after[len(after) - 1 - tail]):
        tail += 1
    start = max(0, head - context)
    a_end, b_end = len(before) - max(0, tail - context), len(after) - max(0, tail - context)
    dots = "…" if start else ""
    return (dots + before[start:a_end] + ("…" if a_end < len(before) else ""),
            dots + after[start:b_end] + ("…" if b_end < len(after) else ""))


def write(texts: dict[Path, str]) -> None:
    """Replace each file atomically (a temporary file beside it, renamed over it)."""
    for path, text in texts.items():
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".fix", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.chmod(tmp, path.stat().st_mode & 0o7777)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def fix(project: Project, target: str | None = None, check: bool = False) -> list[Change]:
    """Fix (or with ``check`` only list) the typography of the sources; return the changes."""
    changes, texts, refused = plan(project, target)
    if not check:
        write(texts)
    if refused:
        error = ManuscriptError(refused)
        error.changes = changes
        raise error
    return changes

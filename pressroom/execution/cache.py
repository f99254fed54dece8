"""Incremental builds: an edition is rebuilt only when something it is made from has changed.

``build/.manifest.json`` holds one entry per output: the digest of every file
the output was made from (the brief's sources and images, ``house.yaml``, the
layouts it rendered and everything they include, the stylesheets and fonts it
carries; see :mod:`pressroom.execution.inputs`), and a key for everything else that
shapes it: Pressroom's version and code, the versions of the libraries that
render it, the brief's git revision and the build options (any dict; a new
option needs no change here). The PDF's inputs are those of the HTML tree it is
made from, plus WeasyPrint's version: print.html is keyed by what makes it,
never by its own bytes. Since every edition carries the PDF's page numbers,
the HTML tree's inputs are inputs of the EPUB too.

Deciding that an edition is up to date hashes files and nothing more: no
YAML, Markdown, Jinja or WeasyPrint is imported. A file whose size and
modification time are those recorded when it was hashed, and which had not been
modified for a second by then, is taken to be unchanged without being read again
(as make and git do; the second keeps a file edited just as it was hashed from
being trusted on its time alone): a brief of 1,000 sections is planned from 1,000
``stat`` calls, not 1,000 reads. The manifest is written
after the outputs, atomically; a build that dies in between leaves an entry
that no longer matches its output, so that edition is simply made again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pressroom import __version__
from pressroom.errors import Problem
from pressroom.execution import gitinfo

MANIFEST = ".manifest.json"
SCHEMA = 2
RACY_NS = 1_000_000_000  # a file modified less than this before it was hashed is hashed again
#: Libraries whose version changes an edition; "*" applies to every edition. WeasyPrint's
#: layout gives every edition its page numbers, so its stack counts for all of them.
LIBRARIES = {"*": ("jinja2", "markdown-it-py", "mdit-py-plugins", "PyYAML",
                   "weasyprint", "pydyf", "tinycss2", "fonttools"),
             # the reading editions' subset fonts: WOFF2, and the styling that picks their faces
             "epub": ("brotli", "cssselect2", "tinyhtml5", "pillow"),
             "html": ("brotli", "cssselect2", "tinyhtml5")}


def digest(path: Path) -> str | None:
    """The SHA-256 of a file's bytes; None when it is missing or unreadable."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Pressroom's own code: a change to any module invalidates every output, even unversioned."""
    package = Path(__file__).resolve().parent.parent  # all of pressroom/
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def installed() -> dict[str, str]:
    """Installed distributions and their versions, read from the ``*.dist-info`` folder names.

    One directory listing per ``sys.path`` entry: far cheaper than importlib.metadata,
    which the no-op build cannot afford.
    """
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, version = name[:-len(".dist-info")].partition("-")
                found.setdefault(_normal(project), version)
    return found


def _normal(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def library_versions(edition: str) -> dict[str, str]:
    versions = installed()
    return {name: versions.get(_normal(name), "") for name in LIBRARIES["*"] + LIBRARIES.get(edition, ())}


def brief_root(location: Path) -> Path:
    return location if location.is_dir() else location.parent


def key(location: Path, edition: str, options: dict | None) -> str:
    """Everything but files that shapes one edition of one brief, as one digest."""
    parts = {"schema": SCHEMA, "edition": edition, "pressroom": __version__, "code": code_digest(),
             "python": sys.version.split()[0], "libraries": library_versions(edition),
             "revision": gitinfo.revision(brief_root(location)), "options": options or {}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def output_stamp(path: Path) -> list[int] | None:
    """What the manifest remembers of an output, to notice one replaced or deleted behind its back."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


@dataclass
class Plan:
    """What a build has to do: for each brief location, the editions to make and those up to date."""

    stale: dict[Path, tuple[str, ...]] = field(default_factory=dict)
    fresh: dict[Path, tuple[str, ...]] = field(default_factory=dict)
    digests: dict[str, str | None] = field(default_factory=dict)  # every file hashed while planning


class Manifest:
    """``build/.manifest.json``: {location: {"slug", "warnings", "editions": {edition: entry}}}."""

    def __init__(self, build_dir: Path):
        self.path = build_dir / MANIFEST
        self.revisions: dict = {}  # gitinfo's answers as loaded: a build that asks git again saves
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.briefs: dict = data["briefs"] if data.get("schema") == SCHEMA else {}
            if data.get("schema") == SCHEMA:
                gitinfo.remember(data.get("revisions"))
                self.revisions = gitinfo.known()
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.briefs = {}

    def entry(self, location: Path) -> dict:
        return self.briefs.get(str(location), {})

    def plan(self, locations: list[Path], formats, options: dict | None, force: bool = False,
             strict: bool = False) -> Plan:
        plan = Plan()
        for location in locations:
            stale, fresh = [], []
            brief = self.entry(location)
            for edition in formats:
                up_to_date = (not force and not (strict and brief.get("warnings"))
                              and self._fresh(brief.get("editions", {}).get(edition), location,
                                              edition, options, plan.digests))
                (fresh if up_to_date else stale).append(edition)
            if stale:
                plan.stale[location] = tuple(stale)
            if fresh:
                plan.fresh[location] = tuple(fresh)
        return plan

    @staticmethod
    def _fresh(entry, location, edition, options, digests) -> bool:
        if not entry or entry.get("key") != key(location, edition, options):
            return False
        if output_stamp(Path(entry["output"])) != entry.get("stamp"):
            return False
        stats, trusted = entry.get("stats", {}), entry.get("hashed", 0) - RACY_NS
        for name, recorded in entry["inputs"].items():
            if name not in digests:
                digests[name] = _unchanged(name, stats.get(name), trusted, recorded)
            if digests[name] != recorded:
                return False
        return True

    def record(self, location: Path, slug: str, warnings: list[Problem], editions: dict) -> None:
        """Remember a brief just built: ``editions`` maps an edition to its entry (see :func:`entry`);
        an edition whose entry is None is forgotten, so the next build makes it again."""
        brief = self.briefs.setdefault(str(location), {"editions": {}})
        brief["slug"] = slug
        brief["warnings"] = [vars(w) for w in warnings]
        for edition, entry in editions.items():
            if entry is None:
                brief["editions"].pop(edition, None)
            else:
                brief["editions"][edition] = entry

    def revisions_changed(self) -> bool:
        """Whether git was asked again (a commit, an edit): a build with nothing to render saves
        the answers all the same, so that the next one need not ask."""
        return gitinfo.known() != self.revisions

    def save(self) -> None:
        from pressroom.execution.writers import write_file

        self.revisions = gitinfo.known()
        text = json.dumps({"schema": SCHEMA, "briefs": self.briefs, "revisions": self.revisions},
                          indent=1, sort_keys=True)
        write_file(self.path, text.encode("utf-8"))


def _stat(name: str) -> list[int] | None:
    try:
        stat = os.stat(name)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _unchanged(name: str, recorded_stat, trusted_before: int, recorded: str | None) -> str | None:
    """The digest of a file: the recorded one when its size and time are as recorded and it had
    not been modified for a while when it was hashed; else read and hashed again."""
    now = _stat(name)
    if now is not None and now == recorded_stat and now[1] < trusted_before:
        return recorded
    return digest(Path(name))


def entry(location: Path, edition: str, options: dict | None, inputs: set[Path], output: Path,
          planned: dict[str, str | None], **extra) -> dict | None:
    """A manifest entry for an edition just written; None if an input changed while it was made.

    Inputs are hashed after rendering; one already hashed while planning must
    still have that digest, or the output may mix old and new: it is then not
    recorded, and the next build makes it again.
    """
    import time

    digests, stats, hashed = {}, {}, time.time_ns()
    for path in sorted(inputs):
        name = os.path.abspath(path)
        stats[name] = _stat(name)  # before reading: a change after it shows in the time
        digests[name] = digest(Path(name))
        if name in planned and planned[name] != digests[name]:
            return None
    return {"key": key(location, edition, options), "inputs": digests, "stats": stats,
            "hashed": hashed, "output": str(output), "stamp": output_stamp(output), **extra}


def stored_warnings(brief: dict) -> list[Problem]:
    return [Problem(**w) for w in brief.get("warnings", [])]

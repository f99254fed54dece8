"""`invoke new`: a new brief folder that builds at once as a draft.

The brief.yaml lists every metadata field with the sentence that documents it
(:data:`pressroom.model.FIELDS`), so the template never drifts from the schema.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
import textwrap
import unicodedata
from pathlib import Path

import yaml

from pressroom.errors import ManuscriptError, Problem
from pressroom.manuscript import Collector, Project, load_house, markdown, shown
from pressroom.model import FIELDS, Metadata

FIRST_SECTION = "01-introduction.md"
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Metadata) if isinstance(f.default, str)}
_EXAMPLES = {"str": "…", "int": "1", "date": "YYYY-MM-DD", "status": "draft", "paper": "a4",
             "url": "https://briefs.example.org", "link": "https://…", "language": "en",
             "references": "[{id: key, type: book, title: …}]"}

INTRODUCTION = """\
# Introduction

Write the first section here. Each section is one Markdown file; list them in order under
`sections:` in brief.yaml. Run `invoke check --brief {slug}` to lint the text and
`invoke build --brief {slug}` to make the PDF, EPUB and HTML editions.
"""


def brief_yaml(title: str, house: dict | None = None) -> str:
    """The text of a new brief.yaml: the title, `status: draft`, every other field commented.

    A field with a default (the house's, or the model's) shows it as its example when it is short.
    """
    house = house or {}
    out = ["# Editorial metadata of the brief. Uncomment a field to use it; house defaults",
           "# (marked 'house') come from source/house.yaml and may be overridden here.",
           "# `invoke check` says which fields a brief needs before it becomes `status: final`.", ""]
    for field in FIELDS:
        notes = [n for n, on in (("required", field.required), ("house", field.house),
                                 ("needed for final", field.final)) if on]
        doc = f"{field.name}{' (' + ', '.join(notes) + ')' if notes else ''}: {field.doc}"
        out += textwrap.wrap(doc, 94, initial_indent="# ", subsequent_indent="#   ",
                             break_on_hyphens=False)
        if field.name == "title":
            out.append(yaml.safe_dump({"title": title}, allow_unicode=True, width=1000).strip())
        elif field.name == "status":
            out.append("status: draft")
        elif field.kind == "list":
            out += [f"# {field.name}:", "#   - …"]
        else:
            default = str(house.get(field.name, _DEFAULTS.get(field.name) or ""))
            example = default if default and len(default) <= 60 and "\n" not in default else None
            out.append(f"# {field.name}: {example or _EXAMPLES[field.kind]}")
        out.append("")
    out += ["# The section files, in reading order.", "sections:", f"  - {FIRST_SECTION}", ""]
    return "\n".join(out)


SLUG_LIMIT = 60


def title_slug(title: str, limit: int = SLUG_LIMIT) -> str:
    """The slug of a title: its whole words, as many as fit in ``limit`` characters (never cut
    mid-word; a single longer word is cut)."""
    text = unicodedata.normalize("NFKC", title).lower().replace("’", "").replace("'", "")
    words = [w for w in re.split(r"[^\w]+|_", text) if w] or [""]
    slug = ""
    for word in words:
        if len(f"{slug}-{word}" if slug else word) > limit:
            break
        slug = f"{slug}-{word}" if slug else word
    return markdown.slugify(slug or words[0][:limit])


def new_brief(project: Project, title: str, slug: str | None = None) -> Path:
    """Create source/<slug>/ with brief.yaml and a first section; refuse to touch an existing one."""
    title = title.strip()
    if not title:
        raise ManuscriptError(Problem("M201", "the title is empty", 'give one: invoke new "Title"'))
    slug = slug or title_slug(title)
    if markdown.slugify(slug) != slug:
        raise ManuscriptError(Problem("P107", f"'{slug}' is not a slug",
                                      f"use lower-case letters, digits and hyphens, e.g. "
                                      f"{markdown.slugify(slug)}"))
    folder = project.source_dir / slug
    if folder.exists():
        raise ManuscriptError(Problem("P112", f"a brief called '{slug}' already exists",
                                      "choose another title or --slug", shown(folder)))
    project.source_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=project.source_dir))
    try:
        house = load_house(project, Collector())  # its problems are the build's to report
        (staging / "brief.yaml").write_text(brief_yaml(title, house), encoding="utf-8")
        (staging / FIRST_SECTION).write_text(INTRODUCTION.format(slug=slug), encoding="utf-8")
        staging.chmod(0o755)
        staging.rename(folder)  # all or nothing
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder

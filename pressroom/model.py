"""The in-memory model of a brief: frozen dataclasses, no I/O, no Jinja, no WeasyPrint.

Everything a renderer needs is here, already checked; everything a verifier
needs (the plain text of each block, with its source line) is here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Field:
    """One metadata field: its type, default and the sentence that documents it."""

    name: str
    kind: str  # "str", "int", "date", "list", "status", "paper", "url", "link", "language"
    doc: str
    required: bool = False
    house: bool = False  # a publisher-wide default may come from house.yaml
    final: bool = False  # a brief with `status: final` must have it (`invoke check`)


#: The metadata schema. The README's metadata reference is this table.
FIELDS: tuple[Field, ...] = (
    Field("title", "str", "from brief.yaml or front matter; to the cover, the HTML `<title>`, "
          "PDF /Title, `dc:title` and the citation", required=True),
    Field("subtitle", "str", "from brief.yaml; under the title on the cover and in the EPUB title page"),
    Field("short_title", "str", "from brief.yaml (defaults to `title`); the PDF running head"),
    Field("series", "str", "from house.yaml, overridable; the cover band (\"Policy Brief No. 1\") "
          "and `belongs-to-collection` in the EPUB", house=True, final=True),
    Field("number", "int", "from brief.yaml; the number in the series on the cover and in the EPUB "
          "collection", final=True),
    Field("date", "date", "from brief.yaml (YYYY-MM-DD); the cover date, PDF creation/modification dates, "
          "`dc:date` and `dcterms:modified`; never the clock", final=True),
    Field("status", "status", "`draft` or `final` (default `draft`); drafts are marked as such in "
          "every edition"),
    Field("authors", "list", "from brief.yaml (defaults to the publisher): an institutional byline; "
          "the cover byline, PDF /Author and `dc:creator`"),
    Field("summary", "str", "from brief.yaml; the cover summary, PDF /Subject, `dc:description` and "
          "the HTML description", final=True),
    Field("key_points", "list", "from brief.yaml, three to five short sentences; the key-points box "
          "on the cover and in the EPUB title page", final=True),
    Field("keywords", "list", "from brief.yaml; PDF /Keywords, `dc:subject` and the HTML keywords",
          final=True),
    Field("language", "language", "from house.yaml, overridable (BCP 47, e.g. `en`); `lang` of every "
          "edition, hyphenation, `dc:language`", house=True),
    Field("licence", "str", "from house.yaml, overridable; the back page and `dc:rights`", house=True),
    Field("licence_url", "link", "from house.yaml, overridable (an http(s) address); the link of the "
          "licence on the back page",
          house=True),
    Field("identifier", "str", "from brief.yaml (a DOI, ISBN or URN); `dc:identifier` and the citation; "
          "a stable `urn:pressroom:<slug>` when absent"),
    Field("version", "str", "from brief.yaml (default `1.0`); the colophon and the EPUB metadata"),
    Field("publisher", "str", "from house.yaml; the byline default, the back page, PDF /Producer "
          "context and `dc:publisher`", house=True),
    Field("website", "link", "from house.yaml (an http(s) address); the back page and the EPUB title "
          "page", house=True),
    Field("paper", "paper", "from house.yaml, overridable: `a4` or `letter`; the PDF page size",
          house=True),
    Field("about", "str", "from house.yaml: one paragraph about the publisher for the back page",
          house=True),
    Field("contact", "str", "from house.yaml: an address or e-mail for the back page", house=True),
    Field("logo", "str", "from house.yaml: the publisher's mark, an SVG file (a path relative to "
          "`source/`); the cover and the back page; a typographic mark when absent", house=True),
    Field("toc_threshold", "int", "from house.yaml (default 6): the printed brief gets a table of "
          "contents with page numbers when it has more sections than this", house=True),
    Field("percent", "str", "from house.yaml: how `invoke fix` writes a percentage, `12%` (the "
          "default) or `12 %` (a non-breaking space before the sign)", house=True),
    Field("base_url", "url", "from house.yaml: where `dist/` is served (e.g. `https://briefs.example.org`); "
          "the canonical URL, Open Graph tags and JSON-LD of the HTML edition and the links of the "
          "Atom feed", house=True),
    # Citations (pressroom/citations.py), named as Pandoc names them
    Field("bibliography", "list", "from brief.yaml or front matter: a path or a list of paths to "
          "BibTeX/BibLaTeX `.bib`, CSL JSON `.json` or CSL YAML `.yaml` files inside the brief's "
          "folder; the entries that `[@key]` cites"),
    Field("references", "references", "from brief.yaml or front matter: entries written inline, "
          "in CSL YAML (each with an `id`)"),
    Field("nocite", "list", "from brief.yaml or front matter: keys (`@key`) of entries listed in the "
          "bibliography though never cited; `'@*'` lists all"),
    Field("csl", "str", "from house.yaml, overridable (default `chicago-notes-bibliography`): a "
          "vendored citation style by name (`chicago-author-date`, `apa`, `ieee`) or the path of a "
          "`.csl` file in the brief's folder or `source/`", house=True),
    Field("bibliography_title", "str", "from house.yaml, overridable (default `References`): the "
          "heading of the bibliography that closes the brief", house=True),
)

FIELD_NAMES = {f.name for f in FIELDS}
STATUSES = ("draft", "final")
PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class Metadata:
    title: str
    subtitle: str = ""
    short_title: str = ""
    series: str = ""
    number: int | None = None
    date: dt.date | None = None
    status: str = "draft"
    authors: tuple[str, ...] = ()
    summary: str = ""
    key_points: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    language: str = "en"
    licence: str = ""
    licence_url: str = ""
    identifier: str = ""
    version: str = "1.0"
    publisher: str = ""
    website: str = ""
    paper: str = "a4"
    about: str = ""
    contact: str = ""
    logo: str = ""
    toc_threshold: int = 6
    percent: str = "12%"
    base_url: str = ""
    bibliography: tuple[str, ...] = ()
    references: tuple = ()  # CSL items (mappings), as written
    nocite: tuple[str, ...] = ()
    csl: str = ""
    bibliography_title: str = ""

    @property
    def is_draft(self) -> bool:
        return self.status != "final"

    @property
    def series_label(self) -> str:
        if self.series and self.number is not None:
            return f"{self.series} No. {self.number}"
        return self.series

    @property
    def modified(self) -> str:
        """`dcterms:modified`: the brief's date at noon UTC, a fixed value when it has none."""
        day = self.date or dt.date(2000, 1, 1)
        return f"{day.isoformat()}T12:00:00Z"


@dataclass(frozen=True)
class Heading:
    level: int  # 1 = a section heading in the source (`#`); rendered one level lower
    text: str
    id: str
    line: int


@dataclass(frozen=True)
class Block:
    """A unit of text a reader must find in every edition (what the verifier checks)."""

    kind: str  # heading, paragraph, item, cell, quote, footnote, code, caption
    text: str
    line: int


@dataclass(frozen=True)
class Image:
    """A file of the brief that an edition carries."""

    source: Path  # absolute path inside the brief's folder
    target: str  # path inside an edition, e.g. "media/images/map.png"
    media_type: str


@dataclass(frozen=True)
class Section:
    id: str
    path: str  # as shown to the user in problems, e.g. source/x/02-russia.md
    title: str  # its first heading, or "" for an untitled introduction
    label: str  # what a table of contents shows
    headings: tuple[Heading, ...]
    blocks: tuple[Block, ...]
    notes: tuple[Block, ...]
    html: str  # body for the web and EPUB: notes at the end with back-links
    xhtml: str  # the same, with EPUB semantics (epub:type)
    print_html: str  # body for the PDF: notes inline, floated to the page foot
    role: str = ""  # "bibliography" for the list of references that closes a brief


@dataclass(frozen=True)
class Brief:
    slug: str
    root: Path  # the brief's folder (or the folder of a single-file brief)
    sources: tuple[Path, ...]  # every file the brief is made from
    metadata: Metadata
    sections: tuple[Section, ...]
    images: tuple[Image, ...] = field(default=())
    inputs: tuple[Path, ...] = field(default=())  # other files its editions are made from (CSL, .bib)

    @property
    def headings(self) -> tuple[Heading, ...]:
        return tuple(h for s in self.sections for h in s.headings)

"""The edition registry: what every edition is, in one entry each.

An edition is a name (its key in the manifest, the outputs, a release and the build table),
the ``--format`` that chooses it, where it goes under ``build/``, the module that makes it
and the function that verifies it. A PDF profile is one more PDF edition: the page of the
edition tree it is laid out from and the stylesheets that page adds.

Every edition module has two phases (see :func:`pressroom.build.render`):

* ``prepare(context, edition)``: everything that does not need the PDF's page numbers; a PDF
  submits its layout here (to the scheduler: here, a worker or a pool);
* ``finish(prepared, starts)``: the edition's bytes (a file) or files (a folder), given where
  each page of the screen PDF starts; returns a :class:`Made`.

So adding an edition or a profile is one :func:`register` call (or one entry below) plus its
module and layouts; the build, the cache, the verifier, the build table and releases read it
from here. Nothing in this module imports a renderer: they are imported when used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Edition:
    name: str        # "pdf", "pdf-print", "epub", "html": its key everywhere
    format: str      # what --format chooses it by
    output: str      # its path under build/, "{slug}" replaced; a folder ends in "/"
    label: str       # how messages name it ("screen PDF")
    module: str      # the module with prepare() and finish()
    verifier: str    # "module:function" checking the output on disk against the brief
    column: str = ""   # its column in the build table, if it has one
    profile: str = ""  # a PDF's profile
    page: str = ""     # a PDF's page of the edition tree
    sheets: tuple[str, ...] = ()  # the stylesheets that page adds to the print sheets
    release: tuple[str, str, str] | None = None  # in a release: (suffix, label, media type)
    needs: tuple[str, ...] = ()  # editions always written with it (a PDF's print.html beside it)

    @property
    def folder(self) -> bool:
        return self.output.endswith("/")

    def path(self, build_dir: Path, slug: str) -> Path:
        return build_dir / self.output.format(slug=slug).rstrip("/")

    def document(self, build_dir: Path, slug: str) -> Path:
        """The file that stands for the edition: itself, or a folder's index.html."""
        path = self.path(build_dir, slug)
        return path / "index.html" if self.folder else path

    def renderer(self):
        return importlib.import_module(self.module)

    def verify(self, brief, path: Path, **options) -> list:
        module, function = self.verifier.split(":")
        return getattr(importlib.import_module(module), function)(brief, path, self, **options)


@dataclass
class Made:
    """What an edition's ``finish`` gives: its bytes (or files, for a folder) and, for a PDF,
    its number of pages."""

    data: object
    pages: int | None = None


_VERIFY = "pressroom.checks.verify"
REGISTRY: dict[str, Edition] = {}


def register(edition: Edition) -> Edition:
    """Add an edition (or replace one of the same name)."""
    REGISTRY[edition.name] = edition
    return edition


for _edition in (
    Edition("pdf", "pdf", "{slug}.pdf", "screen PDF", "pressroom.editions.pdf",
            f"{_VERIFY}:verify_pdf_file", column="PDF", profile="screen", page="print.html",
            release=(".pdf", "PDF", "application/pdf"), needs=("html",)),
    Edition("pdf-print", "pdf", "{slug}-print.pdf", "print PDF", "pressroom.editions.pdf",
            f"{_VERIFY}:verify_pdf_file", profile="print", page="print-profile.html",
            sheets=("press.css",), release=("-print.pdf", "Print PDF", "application/pdf"),
            needs=("html",)),
    Edition("epub", "epub", "{slug}.epub", "EPUB", "pressroom.editions.epub",
            f"{_VERIFY}:verify_epub_file", column="EPUB",
            release=(".epub", "EPUB", "application/epub+zip")),
    Edition("html", "html", "{slug}/", "HTML edition", "pressroom.editions.html",
            f"{_VERIFY}:verify_html_file", column="HTML", release=("", "Read online", "text/html")),
):
    register(_edition)


def formats() -> tuple[str, ...]:
    """What ``--format`` may name: pdf, epub, html."""
    return tuple(dict.fromkeys(e.format for e in REGISTRY.values()))


def profiles() -> dict[str, Edition]:
    """The PDF profiles by name: screen, print."""
    return {e.profile: e for e in REGISTRY.values() if e.profile}


def pdfs() -> tuple[str, ...]:
    return tuple(e.name for e in REGISTRY.values() if e.profile)


def chosen(formats_=None, profiles_=("screen",)) -> tuple[str, ...]:
    """The editions to make for ``--format`` and ``--profile``: a PDF format is one edition per
    profile. Raises :class:`UsageError` for a name the registry does not know."""
    from pressroom.errors import Problem, UsageError

    formats_ = formats() if not formats_ else tuple(formats_)
    unknown = [f for f in formats_ if f not in formats() and f not in REGISTRY]
    if unknown:
        raise UsageError(Problem("U101", f"unknown format {', '.join(unknown)}",
                                 f"choose from {', '.join(formats())}"))
    bad = [p for p in profiles_ if p not in profiles()]
    if bad or not profiles_:
        raise UsageError(Problem("U102", f"unknown profile {', '.join(bad) or '(none)'}",
                                 f"choose from {', '.join(profiles())}"))
    out: list[str] = []
    for name in formats_:
        if name in REGISTRY and name not in formats():
            out.append(name)  # an edition named directly ("pdf-print")
            continue
        for edition in REGISTRY.values():
            if edition.format == name and (not edition.profile or edition.profile in profiles_):
                out.append(edition.name)
    return tuple(dict.fromkeys(out))


def released() -> tuple[str, ...]:
    """What a release is made from: every edition with a release name, every profile."""
    return tuple(e.name for e in REGISTRY.values() if e.release)


def output_paths(build_dir: Path, slug: str) -> dict[str, Path]:
    """Where each edition of ``slug`` goes."""
    return {e.name: e.path(build_dir, slug) for e in REGISTRY.values()}


def pages() -> dict[str, tuple[str, list[str]]]:
    """Each PDF profile's page of the edition tree and the stylesheets it adds."""
    return {e.profile: (e.page, list(e.sheets)) for e in REGISTRY.values() if e.profile}


#: The --format names (pdf, epub, html), as they were registered above.
EDITIONS = formats()
#: The PDF profiles: the page of the edition tree each is laid out from, and the stylesheets
#: it adds to the print sheets.
PAGES = pages()

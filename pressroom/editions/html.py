"""Model -> the HTML edition: ``index.html`` (web) and ``print.html`` (what the PDF is made from).

Both are pages of one layout (``layouts/page.html``) with different stylesheets
and footnote placement. The tree they live in is self-contained: stylesheets,
fonts and images sit beside them, so it works from ``file://`` and any host.
"""

from __future__ import annotations

import re

from pressroom import __version__, editions
from pressroom.editions import citation, templates, webmeta
from pressroom.editions import pagination as pages
from pressroom.editions.resources import Files, read, style_assets
from pressroom.execution import inputs
from pressroom.execution.gitinfo import revision
from pressroom.manuscript import logo_file
from pressroom.model import Brief
from pressroom.project import Project

WEB_SHEETS = ["fonts.css", "reading.css"]
PRINT_SHEETS = ["fonts.css", "print.css"]
LOGO = "assets/logo.svg"
_ARMENIAN = re.compile("[\u0530-\u058f\ufb13-\ufb17]")


def context(brief: Brief, edition: str, project: Project | None = None) -> dict:
    meta = brief.metadata
    text = " ".join([meta.title, meta.subtitle, meta.summary, *meta.key_points,
                     *(s.html for s in brief.sections)])
    return {
        "brief": brief,
        "meta": meta,
        "edition": edition,
        "version": __version__,
        "revision": revision(brief.root),
        "citation": citation.suggested(meta),
        "logo": LOGO if project and brand_assets(brief, project) else "",
        "armenian": bool(_ARMENIAN.search(text)),
        "show_toc": len(brief.sections) > meta.toc_threshold,
        "draft_stamp": draft_stamp(brief),
        "web": webmeta.context(brief) if edition == "web" else {},
    }


def draft_stamp(brief: Brief) -> str:
    """The footer of every interior page of a draft PDF: "Draft — date — source revision"."""
    meta = brief.metadata
    if not meta.is_draft:
        return ""
    parts = ["Draft", templates.longdate(meta.date) if meta.date else "",
             f"source revision {revision(brief.root)}" if revision(brief.root) else ""]
    return " — ".join(p for p in parts if p)


def brand_assets(brief: Brief, project: Project) -> Files:
    """The publisher's logo, when house.yaml names one."""
    path = logo_file(project, brief.metadata.logo) if brief.metadata.logo else None
    if path:
        inputs.note(path)  # the build cache remakes every edition when the logo changes
    return {LOGO: path} if path else {}


def page(brief: Brief, project: Project, edition: str, profile: str = "screen") -> str:
    """One page of the HTML edition: ``web``, or ``print`` in one of the PDF profiles."""
    sheets = WEB_SHEETS if edition == "web" else PRINT_SHEETS + editions.pages()[profile][1]
    return templates.render(project.layouts_dir, "page.html", profile=profile,
                            stylesheets=[f"assets/{s}" for s in sheets],
                            **context(brief, edition, project))


def paginate(brief: Brief, files: Files, starts: list[pages.PageStart]) -> Files:
    """The tree with the PDF's page breaks marked in ``index.html`` (``role="doc-pagebreak"``)."""
    page_html = read(files["index.html"]).decode("utf-8")
    where = brief.sources[0].as_posix()
    markers = pages.locate(starts, [page_html], "HTML edition", where)
    marked = pages.insert([page_html], markers, pages.html_marker)[0]
    return {**files, "index.html": marked.encode("utf-8")}


def lean(brief: Brief, project: Project, files: Files, others=()) -> Files:
    """The tree as readers get it: its fonts cut down to what its pages and the other reading
    editions (``others``: their ``(files, documents)``, see :meth:`Context.views`) draw, one subset
    per face serving them all, as WOFF2 with ``font-display: swap`` (see
    :mod:`pressroom.editions.fontsubset`). A build makes it while the PDF is laid out from the
    tree with the whole faces."""
    from pressroom.editions import fontsubset

    return fontsubset.lean(files, _view(files)[1], project.build_dir,
                           others=list(others))


def fonts_view(ctx):
    """What this edition's fonts must draw, for the other reading editions' subsets."""
    return _view(ctx.tree)


def _view(files: Files):
    """What the tree's fonts must draw: its files and pages, with a page break to come."""
    documents = {name: read(value).decode("utf-8") for name, value in files.items()
                 if name.endswith(".html")}
    if "index.html" in documents:  # the page breaks to come show their number in the margin
        documents["index.html"] = documents["index.html"].replace(
            "</body>", pages.html_marker(1234567890) + "</body>", 1)
    return files, documents


def tree(brief: Brief, project: Project, profiles=None) -> Files:
    """Every file of ``build/<slug>/``: the web page, ``print.html`` (the screen PDF's page, whose
    layout also numbers the pages of the reading editions) and the page of each other profile
    (by default all: ``print-profile.html`` for the print PDF)."""
    files: Files = {"index.html": page(brief, project, "web").encode("utf-8")}
    sheets = set(WEB_SHEETS + PRINT_SHEETS)
    pages = editions.pages()
    for profile in dict.fromkeys(("screen", *(pages if profiles is None else profiles))):
        name, extra = pages[profile]
        files[name] = page(brief, project, "print", profile).encode("utf-8")
        sheets.update(extra)
    files.update(style_assets(project.styles_dir, sorted(sheets)))
    files.update(brand_assets(brief, project))
    for image in brief.images:
        files[image.target] = image.source
    return dict(sorted(files.items()))


def prepare(ctx, edition):
    """The HTML edition's first phase: the tree (made before anything else: the PDF is laid out
    from it with the whole faces) with its fonts subset, while the PDF is laid out, to what it
    and the EPUB draw (:func:`lean`). Made only beside a PDF, it keeps the whole faces."""
    if "html" not in ctx.chosen:
        return ctx.brief, ctx.tree
    return ctx.brief, lean(ctx.brief, ctx.project, ctx.tree, ctx.views(but=edition.name))


def finish(prepared, starts):
    """The tree, with the screen PDF's page breaks marked in ``index.html``."""
    from pressroom.editions import Made

    brief, files = prepared
    return Made(paginate(brief, files, starts))

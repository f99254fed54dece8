"""Model -> the HTML edition: ``index.html`` (web) and ``print.html`` (what the PDF is made from).

Both are pages of one layout (``layouts/page.html``) with different stylesheets
and footnote placement. The tree they live in is self-contained: stylesheets,
fonts and images sit beside them, so it works from ``file://`` and any host.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

from .. import __version__, citation, pages, templates
from ..manuscript import Project
from ..model import Brief
from ..resources import Files, read, style_assets

WEB_SHEETS = ["fonts.css", "reading.css"]
PRINT_SHEETS = ["fonts.css", "print.css"]


@lru_cache(maxsize=32)
def revision(folder: Path) -> str:
    """The source revision of a brief: its git commit, with '+' when the brief has local changes."""
    try:
        head = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%h", "--", "."],
                              capture_output=True, text=True, timeout=10)
        if head.returncode != 0 or not head.stdout.strip():
            return ""
        dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def context(brief: Brief, edition: str) -> dict:
    return {
        "brief": brief,
        "meta": brief.metadata,
        "edition": edition,
        "version": __version__,
        "revision": revision(brief.root),
        "citation": citation.suggested(brief.metadata),
    }


def page(brief: Brief, project: Project, edition: str) -> str:
    """One page of the HTML edition: ``web`` or ``print``."""
    sheets = WEB_SHEETS if edition == "web" else PRINT_SHEETS
    return templates.render(project.layouts_dir, "page.html",
                            stylesheets=[f"assets/{s}" for s in sheets], **context(brief, edition))


def paginate(brief: Brief, files: Files, starts: list[pages.PageStart]) -> Files:
    """The tree with the PDF's page breaks marked in ``index.html`` (``role="doc-pagebreak"``)."""
    page_html = read(files["index.html"]).decode("utf-8")
    where = brief.sources[0].as_posix()
    markers = pages.locate(starts, [page_html], "HTML edition", where)
    marked = pages.insert([page_html], markers, pages.html_marker)[0]
    return {**files, "index.html": marked.encode("utf-8")}


def tree(brief: Brief, project: Project) -> Files:
    """Every file of ``build/<slug>/``."""
    files: Files = {
        "index.html": page(brief, project, "web").encode("utf-8"),
        "print.html": page(brief, project, "print").encode("utf-8"),
    }
    files.update(style_assets(project.styles_dir, sorted(set(WEB_SHEETS + PRINT_SHEETS))))
    for image in brief.images:
        files[image.target] = image.source
    return dict(sorted(files.items()))

"""print.html -> PDF with WeasyPrint: tagged (PDF/UA-1), fonts embedded and subset, deterministic.

WeasyPrint is imported here only, and only when a PDF is actually laid out.
Everything it fetches comes from the edition tree through the confined fetcher.
``layout`` gives the laid-out document (where each page begins comes from it,
see pages.py), ``write`` its bytes: the PDF and the page numbers of the
reading editions come from one layout.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import unquote

from ..errors import BuildError, Problem
from ..model import Brief
from ..resources import Files, TreeFetcher, read
from . import pdftags

VARIANT = "pdf/ua-1"


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _options(brief: Brief) -> dict:
    identifier = hashlib.md5(
        f"{brief.metadata.identifier}|{brief.metadata.version}".encode()).hexdigest().encode()
    return {"pdf_variant": VARIANT, "pdf_identifier": identifier}


def _failed(brief: Brief, exc: Exception) -> BuildError:
    why = " ".join(str(exc).split())[:160] or type(exc).__name__  # one line, whatever WeasyPrint says
    return BuildError(Problem("B401", f"the PDF could not be rendered: {why}",
                              "run with --debug for details", brief.sources[0].as_posix()))


def layout(brief: Brief, files: Files, base_url: str):
    """Lay out ``print.html`` of an edition tree (``base_url`` is where the tree will live)."""
    from weasyprint import HTML
    from weasyprint.logger import LOGGER

    fetcher = TreeFetcher(base_url, files)
    capture = _Capture()
    LOGGER.addHandler(capture)
    try:
        html = HTML(string=read(files["print.html"]).decode("utf-8"),
                    base_url=base_url + "print.html", url_fetcher=fetcher)
        document = html.render(**_options(brief))
    except Exception as exc:  # WeasyPrint raises many types; report one line
        raise _failed(brief, exc) from exc
    finally:
        LOGGER.removeHandler(capture)
    if fetcher.refused:
        raise BuildError([Problem("B402", f"resource refused: {url}",
                                  "only files of the brief and of styles/ may be used",
                                  *locate(brief, url)) for url in fetcher.refused])
    return document


def write(brief: Brief, document) -> bytes:
    """The bytes of a laid-out document, its tag tree finished for PDF/UA (pdftags.py)."""
    try:
        return document.write_pdf(finisher=pdftags.finish, **_options(brief))
    except Exception as exc:
        raise _failed(brief, exc) from exc


def render(brief: Brief, files: Files, base_url: str) -> bytes:
    """Lay out and write ``print.html`` of an edition tree."""
    return write(brief, layout(brief, files, base_url))


def locate(brief: Brief, url: str) -> tuple[str, int | None]:
    """The source file and line that mention a refused URL (its last part), else the brief."""
    from ..manuscript import shown

    name = unquote(url.rstrip("/").rsplit("/", 1)[-1])[:60] or url[:60]
    for source in brief.sources:
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        at = text.find(name)
        if at >= 0:
            return shown(source), text.count("\n", 0, at) + 1
    return shown(brief.sources[0]), None

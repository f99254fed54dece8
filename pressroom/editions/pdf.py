"""print.html -> PDF with WeasyPrint: tagged (PDF/UA-1), fonts embedded and subset, deterministic.

WeasyPrint is imported here only, and only when a PDF is actually rendered.
Everything it fetches comes from the edition tree through the confined fetcher.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import unquote

from ..errors import BuildError, Problem
from ..model import Brief
from ..resources import Files, TreeFetcher, read


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def render(brief: Brief, files: Files, base_url: str) -> bytes:
    """Render ``print.html`` of an edition tree; ``base_url`` is where the tree will live."""
    from weasyprint import HTML
    from weasyprint.logger import LOGGER

    fetcher = TreeFetcher(base_url, files)
    capture = _Capture()
    LOGGER.addHandler(capture)
    try:
        html = HTML(string=read(files["print.html"]).decode("utf-8"),
                    base_url=base_url + "print.html", url_fetcher=fetcher)
        identifier = hashlib.md5(
            f"{brief.metadata.identifier}|{brief.metadata.version}".encode()).hexdigest().encode()
        pdf = html.write_pdf(pdf_variant="pdf/ua-1",
                             pdf_identifier=identifier)
    except Exception as exc:  # WeasyPrint raises many types; report one line
        why = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise BuildError(Problem("B401", f"the PDF could not be rendered: {why}",
                                 "run with --debug for details", brief.sources[0].as_posix())) from exc
    finally:
        LOGGER.removeHandler(capture)
    if fetcher.refused:
        raise BuildError([Problem("B402", f"resource refused: {url}",
                                  "only files of the brief and of styles/ may be used",
                                  *locate(brief, url)) for url in fetcher.refused])
    return pdf


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

"""print.html -> PDF with WeasyPrint: tagged (PDF/UA-1), fonts embedded and subset, deterministic.

WeasyPrint is imported here only (through :mod:`pressroom.weasy`), and only when a PDF is
actually rendered; :func:`submit` hands the render to the PDF worker when a build runs one
(:mod:`pressroom.worker`). Everything WeasyPrint fetches comes from the edition tree through
the confined fetcher.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path

from ..errors import BuildError, Problem
from ..model import Brief
from ..resources import Files, TreeFetcher, read


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def submit(brief: Brief, files: Files, base_url: str):
    """Start rendering; return a function that returns the PDF (or raises why there is none).

    With a PDF worker running, the render happens there while the caller goes on (with the
    EPUB); otherwise here and now."""
    from .. import worker

    running = worker.active()
    if running is None:
        pdf = render(brief, files, base_url)
        return lambda: pdf
    job = {name: value for name, value in files.items() if name != "index.html"}
    return running.submit(dataclasses.replace(brief, sections=()), job, base_url)


def fonts_key(files: Files, base_url: str) -> tuple:
    """What the fonts of an edition tree depend on: where it lives, its stylesheets and fonts."""
    key = [base_url]
    for name, value in sorted(files.items()):
        if name.startswith("assets/"):
            if isinstance(value, Path):
                stat = value.stat()
                key.append((name, str(value), stat.st_size, stat.st_mtime_ns))
            else:
                key.append((name, hashlib.sha256(value).hexdigest()))
    return tuple(key)


def render(brief: Brief, files: Files, base_url: str) -> bytes:
    """Render ``print.html`` of an edition tree; ``base_url`` is where the tree will live."""
    from .. import weasy

    HTML = weasy.load().HTML
    from weasyprint.logger import LOGGER

    fetcher = TreeFetcher(base_url, files)
    capture = _Capture()
    LOGGER.addHandler(capture)
    try:
        html = HTML(string=read(files["print.html"]).decode("utf-8"),
                    base_url=base_url + "print.html", url_fetcher=fetcher)
        identifier = hashlib.md5(
            f"{brief.metadata.identifier}|{brief.metadata.version}".encode()).hexdigest().encode()
        pdf = html.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=identifier,
                             font_config=weasy.font_config(fonts_key(files, base_url)))
    except Exception as exc:  # WeasyPrint raises many types; report one line
        raise BuildError(Problem("B401", f"the PDF could not be rendered: {exc}",
                                 "run with --debug for details", brief.sources[0].as_posix())) from exc
    finally:
        LOGGER.removeHandler(capture)
    if fetcher.refused:
        raise BuildError([Problem("B402", f"resource refused: {url}",
                                  "only files of the brief and of styles/ may be used",
                                  brief.sources[0].as_posix()) for url in fetcher.refused])
    return pdf

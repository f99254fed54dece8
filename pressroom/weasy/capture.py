"""WeasyPrint's warnings, captured while it lays out or writes a PDF (its logger is an internal
detail: only this subpackage touches it). :func:`pressroom.editions.pdf.problems` turns them into
Problems at the project's file and line."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager


class _Capture(logging.Handler):
    """WeasyPrint's warnings in this thread while it lays out or writes a PDF, each with the
    stylesheet WeasyPrint was parsing when it warned (its progress log names each one)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.thread = threading.get_ident()
        self.sheet: str | None = None  # the URL of the stylesheet being parsed
        self.records: list[tuple[str | None, str]] = []  # (stylesheet, message)

    def emit(self, record):
        if record.thread != self.thread:
            return
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.records.append((self.sheet, message))
        elif message.startswith(_PARSING):
            self.sheet = message[len(_PARSING):]


_PARSING = "Step 2 - Fetching and parsing CSS - "


@contextmanager
def capturing():
    """Capture WeasyPrint's warnings (and the stylesheet names of its progress log) in a block."""
    from weasyprint.logger import LOGGER

    progress = logging.getLogger("weasyprint.progress")
    capture, level = _Capture(), progress.level
    LOGGER.addHandler(capture)
    progress.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        progress.setLevel(level)
        LOGGER.removeHandler(capture)

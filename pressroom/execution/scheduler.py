"""Where a PDF is laid out: in this process, in the build's PDF worker, or in a worker of the
build's pool. The editions do not know; they ask here (:func:`submit`).

A job gives ``starts()`` (where each page begins: the reading editions' page numbers),
``page_count`` once laid out, and ``pdf()`` (the bytes, when asked for). Whatever runs it, the
PDF is the same, byte for byte.
"""

from __future__ import annotations

import dataclasses

from pressroom.execution import worker

#: ``with leased() as jobs:`` the block's jobs go to one worker of this thread's pool, if any.
leased = worker.leased


def submit(brief, files, base_url: str, pdf: bool = True, profile: str = "screen"):
    """Lay out the profile's page of an edition tree (and write the PDF if ``pdf``): in the PDF
    worker when one runs, else here."""
    running = worker.active()
    if running is None:
        from pressroom.editions.pdf import LaidOut

        return LaidOut(brief, files, base_url, profile)
    job = {name: value for name, value in files.items() if name != "index.html"}
    return running.submit(dataclasses.replace(brief, sections=()), job, base_url, pdf, profile)

"""Where a PDF is laid out: in this process, in the build's PDF worker, or in a worker of the
build's pool. The editions do not know; they ask here (:func:`submit`). This module holds the
policy (when a worker is used, which one a thread's jobs go to); :mod:`worker` the processes,
:mod:`pipe` their protocol and :mod:`child` the worker's own loop.

A job gives ``starts()`` (where each page begins: the reading editions' page numbers),
``page_count`` once laid out, ``warnings`` (WeasyPrint's) and ``pdf()`` (the bytes, when asked
for). Whatever runs it, the PDF is the same, byte for byte.

A worker is used only where it helps: when the command line allows it (:func:`allow`; library
callers such as the tests and the preview render in their own process, with their caches), when
this process has not imported WeasyPrint yet, and unless ``PRESSROOM_WORKER=0``.
"""

from __future__ import annotations

import atexit
import dataclasses
import os
import sys
import threading
from contextlib import contextmanager

from pressroom.execution import worker

_allowed = False
_active: worker.Worker | None = None
_local = threading.local()  # .pool: the build's Pool (threads building several briefs); .worker: leased


def early() -> None:
    """Start a worker now, idle, for a build this process is about to run (the command line, as
    Invoke loads tasks.py); the build has it import WeasyPrint (:class:`started`) or stops it
    (:func:`stop`)."""
    global _active
    allow()
    if active() is None and wanted():
        _active = worker.Worker()
        atexit.register(stop)


def stop() -> None:
    """Stop the worker of this process, if any (a build that needs none stops it at once)."""
    global _active
    running = active()
    if running is not None:
        _active = None
        running.close()


def allow(value: bool = True) -> None:
    """Let builds in this process use a worker (the command line does)."""
    global _allowed
    _allowed = value


def wanted() -> bool:
    return (_allowed and os.environ.get("PRESSROOM_WORKER", "1") != "0"
            and "weasyprint" not in sys.modules)


def active() -> worker.Worker | None:
    """The worker this thread's PDF jobs go to: the one it leased from the build's :class:`Pool`,
    else the worker of this process (a process forked from the build, as a pool's, has none)."""
    leased = getattr(_local, "worker", None)
    if leased is not None:
        return leased
    return _active if _active is not None and _active.owner == os.getpid() else None


def pooled() -> bool:
    """Whether a build of several briefs at once renders their PDFs in a :class:`worker.Pool`."""
    return os.environ.get("PRESSROOM_WORKER", "1") != "0"


def pool(size: int) -> worker.Pool:
    """A :class:`worker.Pool` of ``size`` workers; its first is the command line's, if one was
    started early."""
    global _active
    first = None
    if active() is not None:  # started early by the command line: already up
        first, _active = _active, None
    return worker.Pool(size, first)


def join(workers: worker.Pool) -> None:
    """Make this thread's briefs use ``workers`` (a thread pool's initializer)."""
    _local.pool = workers


@contextmanager
def leased():
    """``with leased() as jobs:`` the block's PDF jobs go to one worker of this thread's pool,
    if it has one. Jobs passed to ``jobs(...)`` that the block leaves unread because it failed
    are read to their end, so that the worker's next job gets its own answers."""
    pool = getattr(_local, "pool", None)
    running = pool.take() if pool is not None else None
    if running is not None:
        _local.worker = running
    submitted: list = []

    def add(job):
        submitted.append(job)
        return job

    try:
        yield add
    except BaseException:
        for job in submitted:
            job.discard()
        raise
    finally:
        if running is not None:
            _local.worker = None
            pool.give(running)


class started:
    """``with scheduler.started():`` a worker for the block, when useful, importing WeasyPrint.

    The command line starts one idle (``prepare=False``) before it reads its arguments, so the
    interpreter's start-up is done by the time a build asks it to prepare."""

    def __init__(self, prepare: bool = True):
        self.prepare = prepare
        self.worker: worker.Worker | None = None  # the worker this block started (and stops)

    def __enter__(self):
        global _active
        if active() is None and wanted():
            self.worker = _active = worker.Worker()
        if active() is not None and self.prepare:
            _active.prepare()
        return active()

    def __exit__(self, *exc):
        global _active
        if self.worker is not None and self.worker.owner == os.getpid():
            _active = None
            self.worker.close()
        return False


def submit(brief, files, base_url: str, pdf: bool = True, profile: str = "screen"):
    """Lay out the profile's page of an edition tree (and write the PDF if ``pdf``): in the PDF
    worker when one runs, else here."""
    running = active()
    if running is None:
        from pressroom.editions.pdf import LaidOut

        return LaidOut(brief, files, base_url, profile)
    job = {name: value for name, value in files.items() if name != "index.html"}
    return running.submit(dataclasses.replace(brief, sections=()), job, base_url, pdf, profile)

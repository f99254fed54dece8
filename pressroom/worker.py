"""A second process for the PDF, forked before the sources are read.

Importing WeasyPrint takes longer than reading, checking and rendering a brief to HTML.
A build that will make a PDF forks this worker first: the worker imports WeasyPrint while
the build loads the brief and renders its HTML; then the worker renders ``print.html``
while the build makes the EPUB. The job (``print.html`` and the edition's file list) and
the PDF travel over a pipe each way; nothing else is shared, and only the build writes to
``build/``.

The worker is used only where it helps and is safe: on systems with ``fork``, from the main
thread of a process that has not imported WeasyPrint yet (a warm process, such as the preview,
renders in-process with its caches), and unless ``PRESSROOM_WORKER=0``. Everywhere else the PDF
is rendered in the build's own process, with the same result byte for byte.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import threading

_HEADER = struct.Struct("!Q")
_active: Worker | None = None


def wanted() -> bool:
    return (hasattr(os, "fork") and os.environ.get("PRESSROOM_WORKER", "1") != "0"
            and "weasyprint" not in sys.modules
            and threading.current_thread() is threading.main_thread())


def active() -> Worker | None:
    return _active


class Worker:
    def __init__(self):
        jobs_r, jobs_w = os.pipe()
        results_r, results_w = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (runs in the child)
            os.close(jobs_w)
            os.close(results_r)
            _serve(jobs_r, results_w)
        os.close(jobs_r)
        os.close(results_w)
        self.pid, self._jobs, self._results = pid, jobs_w, results_r
        self._sender: threading.Thread | None = None
        self._busy = False

    def submit(self, brief, files, base_url):
        """Send one PDF job; return a function that waits for the PDF (or raises its problems)."""
        data = pickle.dumps((brief, files, base_url), protocol=pickle.HIGHEST_PROTOCOL)
        # the worker may still be importing WeasyPrint: a thread waits on the pipe, not the build
        self._sender = threading.Thread(target=_write, args=(self._jobs, data), daemon=True)
        self._sender.start()
        self._busy = True
        return self._receive

    def _receive(self) -> bytes:
        from .errors import BuildError, Problem

        self._sender.join()
        message = _read(self._results)
        self._busy = False
        if message is None:
            raise BuildError(Problem("B401", "the PDF worker stopped before finishing",
                                     "run again; set PRESSROOM_WORKER=0 to render in one process"))
        kind, value = pickle.loads(message)
        if kind == "pdf":
            return value
        if kind == "error":
            error_type, problems = value
            raise error_type(problems)
        raise RuntimeError(f"the PDF worker failed:\n{value}")

    def close(self) -> None:
        for fd in (self._jobs, self._results):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._busy:  # the build failed while the worker rendered: stop it
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


class started:
    """``with worker.started(needed):`` runs a worker for the block when ``needed`` and useful."""

    def __init__(self, needed: bool = True):
        self.needed = needed
        self.worker: Worker | None = None

    def __enter__(self):
        global _active
        if self.needed and _active is None and wanted():
            self.worker = _active = Worker()
        return self.worker

    def __exit__(self, *exc):
        global _active
        if self.worker is not None:
            _active = None
            self.worker.close()
        return False


# --------------------------------------------------------------------------- the pipe

def _write(fd: int, data: bytes) -> None:
    try:
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(fd, view):]
    except OSError:  # the other side has gone; the reader reports it
        pass


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read(fd: int) -> bytes | None:
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    return _read_exactly(fd, _HEADER.unpack(header)[0])


# --------------------------------------------------------------------------- the child

def _serve(jobs: int, results: int):  # pragma: no cover (runs in the child)
    """Import WeasyPrint, then render each job until the build closes the pipe. Never returns."""
    code = 0
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        from . import weasy
        from .editions import pdf
        from .errors import PressroomError

        weasy.load()
        while (message := _read(jobs)) is not None:
            brief, files, base_url = pickle.loads(message)
            try:
                reply = ("pdf", pdf.render(brief, files, base_url))
            except PressroomError as error:
                reply = ("error", (type(error), error.problems))
            except Exception:  # a bug: the build shows the traceback
                import traceback

                reply = ("crash", traceback.format_exc())
            _write(results, pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:
        code = 1
    finally:
        try:
            from . import weasy

            weasy.forget_fonts()  # removes the fonts' temporary folders
            import gc

            gc.collect()
        finally:
            os._exit(code)

"""A second process for the PDF, started before the sources are read.

Importing WeasyPrint takes longer than reading, checking and rendering a brief to HTML.
A command-line build starts this worker first: the worker imports WeasyPrint while the
build loads the brief and renders its HTML; then it lays out ``print.html`` and sends back
where each page starts, and writes the PDF while the build puts those page numbers into the
web edition and the EPUB. The job (``print.html`` and the edition's file list), the page
starts and the PDF travel over pipes; only the build writes to ``build/``.

The worker is a fresh interpreter, not a fork: it carries nothing of the build (Invoke
alone is 14 MiB), so its peak memory is WeasyPrint's own. It is used only where it helps:
when the command line allows it (:func:`scheduler.allow`; library callers such as the tests and the
preview render in their own process, with their caches), when this process has not
imported WeasyPrint yet, and unless ``PRESSROOM_WORKER=0``. Either way the PDF is the same,
byte for byte.

The command line starts the worker as soon as Invoke loads ``tasks.py`` for a build, before
it has even parsed the arguments (:func:`scheduler.early`): its interpreter starts while Invoke and the
build start, and waits. Once the build's plan shows something to render, the worker imports
WeasyPrint; a build that renders nothing (nothing changed) or hands its briefs to a pool of
processes stops it before it has imported anything. The worker is an interpreter without ``site`` (``-S``), given the build's
``sys.path``: the same modules, without processing every ``.pth`` file again.

A build of several briefs at once uses a :class:`Pool` of workers, one per core: the build
reads the briefs and makes their HTML and EPUBs in threads, each thread leasing a worker for a
brief's layout and PDF (:func:`scheduler.leased`). Only the pool's first worker starts an interpreter and
imports WeasyPrint; it then forks the others (:class:`Clone`), which talk to the build over a
Unix socket. A brief that fails after sending its job has the job's answers read and dropped
(:meth:`Job.discard`), so the worker's next brief gets its own.

This module holds the processes (:class:`Worker`, :class:`Clone`, :class:`Job`, :class:`Pool`);
:mod:`scheduler` decides when they are used, :mod:`pipe` is the protocol between them and the
build, and :mod:`child` is the worker's own loop, which decides when Python's cycle collector
runs. Its automatic full collections walk
every box of the document several times during a layout (7 % of a 100-page render) and find
almost nothing since the pages no longer form cycles (see :mod:`pressroom.weasy`). So the
worker freezes what its imports made, leaves the collector off while it lays out and writes,
and collects twice per job: once the layout is done (its context and the parser's tree, the
only cycles left, before the PDF needs memory) and once the job is.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading

from pressroom.execution import pipe

_BOOT = ("import sys; sys.path[:0] = sys.argv[1].split(sys.argv[2]); "
         "from pressroom.execution.child import serve; serve()")
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
class Pool:
    """PDF workers for a build of several briefs at once, one per core: the build's threads read,
    check and render the briefs to HTML and EPUB in this process, and each thread leases a worker
    (:func:`leased`) for a brief's layout and PDF.

    Only the first worker starts an interpreter (the command line's, started early, if there is
    one): once it has imported WeasyPrint, it forks the others (:class:`Clone`), which start
    with WeasyPrint imported instead of each importing it on a core the build needs."""

    def __init__(self, size: int, first: Worker | None = None):
        first = first or Worker()  # the command line's, started early, if the scheduler has one
        first.prepare()
        self.workers: list[Worker] = [first]
        self._folder = None
        if size > 1:
            self._folder = tempfile.mkdtemp(prefix="pressroom-")
            address = os.path.join(self._folder, "clones")
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(address)
            self._listener.listen(size)
            for _ in range(size - 1):
                first.clone(address)
                self.workers.append(Clone(first, self._listener))
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        for running in self.workers:
            self._idle.put(running)

    def take(self) -> Worker:
        return self._idle.get()

    def give(self, running: Worker) -> None:
        self._idle.put(running)

    def close(self) -> None:
        if self._folder is not None:
            self._listener.close()
            import shutil

            shutil.rmtree(self._folder, ignore_errors=True)
        for running in reversed(self.workers):
            running.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Worker:
    def __init__(self):
        paths = [_ROOT, *(path for path in sys.path if path and path != _ROOT)]
        self.process = subprocess.Popen([sys.executable, "-S", "-c", _BOOT, os.pathsep.join(paths),
                                         os.pathsep], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, bufsize=0)
        self.pid, self.owner = self.process.pid, os.getpid()
        self._jobs, self._results = self.process.stdin.fileno(), self.process.stdout.fileno()
        self._sender: threading.Thread | None = None
        self._prepared = False
        self._given = False  # whether a job was sent (then it may have fonts to clean up)
        self._failed: tuple[str, str] | None = None  # why it could not start, and the traceback

    def prepare(self) -> None:
        """Have the worker import WeasyPrint now (it waits for this or a job: a build with
        nothing to render never imports it)."""
        if not self._prepared:
            self._prepared = True
            pipe.write(self._jobs, b"")

    def submit(self, brief, files, base_url, pdf: bool = True, profile: str = "screen") -> Job:
        """Send one job: lay out the profile's page, then (if ``pdf``) write the PDF. Jobs are
        answered in the order they were sent; read each one's answers in that order."""
        self.prepare()
        self._given = True
        self._send(pickle.dumps((brief, files, base_url, pdf, profile), pickle.HIGHEST_PROTOCOL))
        return Job(self, pdf)

    def clone(self, address: str) -> None:
        """Have the worker fork a copy of itself once it has imported WeasyPrint; the copy
        connects to the Unix socket at ``address`` (see :class:`Clone`)."""
        self.prepare()
        self._send(pickle.dumps(("clone", address)))

    def _send(self, data: bytes) -> None:
        # the worker may still be importing WeasyPrint: a thread waits on the pipe, not the build
        if self._sender is not None:
            self._sender.join()  # the previous job is read by now, or about to be: one writer at a time
        self._sender = threading.Thread(target=pipe.write, args=(self._jobs, data), daemon=True)
        self._sender.start()

    def receive(self, expected: str):
        kind, value = self.next()
        if kind == expected:
            return value
        if kind == "error":
            error_type, problems = value
            raise error_type(problems)
        raise RuntimeError(f"the PDF worker failed:\n{value}")

    def next(self) -> tuple[str, object]:
        """The worker's next answer: ``starts``, ``pdf``, ``error`` or ``crash`` and its value.
        A worker that could not start says why once (``failed``): every read then raises B415,
        caused by the worker's traceback (which ``--debug`` shows)."""
        from pressroom.errors import BuildError, Problem

        if self._failed is None:
            message = pipe.read(self._results)
            if message is None:
                raise BuildError(Problem("B401", "the PDF worker stopped before finishing",
                                         "run again; set PRESSROOM_WORKER=0 to render in one "
                                         "process"))
            answer = pickle.loads(message)
            if answer[0] != "failed":
                return answer
            self._failed = answer[1]
        why, trace = self._failed
        raise BuildError(Problem("B415", f"the PDF worker could not start: {why}",
                                 "check WeasyPrint's installation (scripts/bootstrap); run with "
                                 "--debug for the traceback")) from StartFailure(trace)

    def close(self) -> None:
        # whatever it is doing (starting, importing, rendering for a build that failed), stop it:
        # SIGTERM ends it at once, removing its fonts' temporary folders; one that was never
        # given a job has none, and SIGKILL spares it the clean-up
        if self._given:
            self.process.terminate()
        else:
            self.process.kill()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.process.wait()


class StartFailure(Exception):
    """The traceback of a worker that could not start, as the cause of its B415 (``--debug``)."""

    def __str__(self) -> str:
        return "the PDF worker's traceback:\n" + str(self.args[0]).rstrip()


class Clone(Worker):
    """A worker forked by another (``parent``) once that one has imported WeasyPrint, talking to
    the build over one Unix socket. It is the parent worker's child, not the build's: it is
    stopped by signal and, like the parent, exits when the build closes its connection."""

    def __init__(self, parent: Worker, listener: socket.socket):
        self.parent, self.listener = parent, listener
        self.process, self.pid, self.owner = None, None, os.getpid()
        self._jobs = self._results = -1  # until the clone has connected
        self._sender: threading.Thread | None = None
        self._prepared, self._given = True, False
        self._failed = None

    def _connect(self) -> None:
        from pressroom.errors import BuildError, Problem

        self.listener.settimeout(0.5)
        while self.pid is None:
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                if self.parent.process.poll() is None:
                    continue
                raise BuildError(Problem("B401", "the PDF worker stopped before finishing",
                                         "run again; set PRESSROOM_WORKER=0 to render in one "
                                         "process")) from None
            connection.setblocking(True)
            self._jobs = self._results = connection.detach()
            self.pid = self.next()[1]  # its first word: its process id

    def submit(self, *args, **kwargs) -> Job:
        self._connect()
        return super().submit(*args, **kwargs)

    def close(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGTERM if self._given else signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._jobs >= 0:
            os.close(self._jobs)
            self._jobs = self._results = -1


class Job:
    """One brief in the worker: ``starts()`` once it is laid out, ``pdf()`` once it is written;
    ``warnings`` holds WeasyPrint's warnings of what was read so far."""

    def __init__(self, worker: Worker, pdf: bool):
        self.worker = worker
        self.owed = 2 if pdf else 1  # answers still to read: the starts, then the PDF
        self._starts = None
        self.page_count = 0
        self.warnings: list = []  # WeasyPrint's, as Problems: the layout's, then the PDF's

    def starts(self):
        if self._starts is None:
            self._starts, self.page_count, warnings = self._receive("starts")
            self.warnings += warnings
        return self._starts

    def pdf(self) -> bytes:
        self.starts()
        data, warnings = self._receive("pdf")
        self.warnings += warnings
        return data

    def _receive(self, expected: str):
        try:
            value = self.worker.receive(expected)
        except BaseException:
            self.owed = 0  # a failed job has nothing more to say (a dead worker, nothing at all)
            raise
        self.owed -= 1
        return value

    def discard(self) -> None:
        """Read what the worker still owes for this job, for a brief that failed meanwhile."""
        while self.owed:
            self.owed -= 1
            try:
                kind, _ = self.worker.next()
            except Exception:  # it stopped: there is nothing more to read
                kind = "error"
            if kind in ("error", "crash"):
                self.owed = 0



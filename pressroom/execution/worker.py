"""A second process for the PDF, started before the sources are read.

Importing WeasyPrint takes longer than reading, checking and rendering a brief to HTML.
A command-line build starts this worker first: the worker imports WeasyPrint while the
build loads the brief and renders its HTML; then it lays out ``print.html`` and sends back
where each page starts, and writes the PDF while the build puts those page numbers into the
web edition and the EPUB. The job (``print.html`` and the edition's file list), the page
starts and the PDF travel over pipes; only the build writes to ``build/``.

The worker is a fresh interpreter, not a fork: it carries nothing of the build (Invoke
alone is 14 MiB), so its peak memory is WeasyPrint's own. It is used only where it helps:
when the command line allows it (:func:`allow`; library callers such as the tests and the
preview render in their own process, with their caches), when this process has not
imported WeasyPrint yet, and unless ``PRESSROOM_WORKER=0``. Either way the PDF is the same,
byte for byte.

The command line starts the worker as soon as Invoke loads ``tasks.py`` for a build, before
it has even parsed the arguments (:func:`early`): its interpreter starts while Invoke and the
build start, and waits. Once the build's plan shows something to render, the worker imports
WeasyPrint; a build that renders nothing (nothing changed) or hands its briefs to a pool of
processes stops it before it has imported anything. The worker is an interpreter without ``site`` (``-S``), given the build's
``sys.path``: the same modules, without processing every ``.pth`` file again.

A build of several briefs at once uses a :class:`Pool` of workers, one per core: the build
reads the briefs and makes their HTML and EPUBs in threads, each thread leasing a worker for a
brief's layout and PDF (:func:`leased`). Only the pool's first worker starts an interpreter and
imports WeasyPrint; it then forks the others (:class:`Clone`), which talk to the build over a
Unix socket. A brief that fails after sending its job has the job's answers read and dropped
(:meth:`Job.discard`), so the worker's next brief gets its own.

The worker decides when Python's cycle collector runs. Its automatic full collections walk
every box of the document several times during a layout (7 % of a 100-page render) and find
almost nothing since the pages no longer form cycles (see :mod:`pressroom.weasy`). So the
worker freezes what its imports made, leaves the collector off while it lays out and writes,
and collects twice per job: once the layout is done (its context and the parser's tree, the
only cycles left, before the PDF needs memory) and once the job is.
"""

from __future__ import annotations

import atexit
import gc
import os
import pickle
import queue
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager

_HEADER = struct.Struct("!Q")
_BOOT = ("import sys; sys.path[:0] = sys.argv[1].split(sys.argv[2]); "
         "from pressroom.execution.worker import serve; serve()")
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_allowed = False
_active: Worker | None = None
_local = threading.local()  # .pool: the build's Pool (threads building several briefs); .worker: leased


def early() -> None:
    """Start a worker now, idle, for a build this process is about to run (the command line, as
    Invoke loads tasks.py); the build has it import WeasyPrint (:class:`started`) or stops it
    (:func:`stop`)."""
    global _active
    allow()
    if active() is None and wanted():
        _active = Worker()
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


def active() -> Worker | None:
    """The worker this thread's PDF jobs go to: the one it leased from the build's :class:`Pool`,
    else the worker of this process (a process forked from the build, as a pool's, has none)."""
    leased = getattr(_local, "worker", None)
    if leased is not None:
        return leased
    return _active if _active is not None and _active.owner == os.getpid() else None


def pooled() -> bool:
    """Whether a build of several briefs at once renders their PDFs in a :class:`Pool`."""
    return os.environ.get("PRESSROOM_WORKER", "1") != "0"


class Pool:
    """PDF workers for a build of several briefs at once, one per core: the build's threads read,
    check and render the briefs to HTML and EPUB in this process, and each thread leases a worker
    (:func:`leased`) for a brief's layout and PDF.

    Only the first worker starts an interpreter (the command line's, started early, if there is
    one): once it has imported WeasyPrint, it forks the others (:class:`Clone`), which start
    with WeasyPrint imported instead of each importing it on a core the build needs."""

    def __init__(self, size: int):
        global _active
        if active() is not None:  # started early by the command line: already up
            first, _active = _active, None
        else:
            first = Worker()
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

    def join(self) -> None:
        """Make this thread's briefs use the pool (a thread pool's initializer)."""
        _local.pool = self

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
            _write(self._jobs, b"")

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
        self._sender = threading.Thread(target=_write, args=(self._jobs, data), daemon=True)
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
            message = _read(self._results)
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
            except socket.timeout:
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


class started:
    """``with worker.started():`` a worker for the block, when useful, importing WeasyPrint.

    The command line starts one idle (``prepare=False``) before it reads its arguments, so the
    interpreter's start-up is done by the time a build asks it to prepare."""

    def __init__(self, prepare: bool = True):
        self.prepare = prepare
        self.worker: Worker | None = None  # the worker this block started (and stops)

    def __enter__(self):
        global _active
        if active() is None and wanted():
            self.worker = _active = Worker()
        if active() is not None and self.prepare:
            _active.prepare()
        return active()

    def __exit__(self, *exc):
        global _active
        if self.worker is not None and self.worker.owner == os.getpid():
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

def _clone(address: str, jobs: int, results: int) -> tuple[int, int]:  # pragma: no cover
    """Fork: the worker goes on with its ``jobs`` and ``results``; the copy connects to
    ``address``, says its process id, and reads jobs from and writes results to that socket."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the system reaps the copies
    if os.fork():
        return jobs, results
    from pressroom import weasy

    weasy.disown_fonts()  # their folders are the worker's
    os.close(jobs)
    if results != jobs:
        os.close(results)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(address)
    channel = connection.detach()
    _write(channel, pickle.dumps(("pid", os.getpid())))
    return channel, channel


def serve():  # pragma: no cover (runs in the worker)
    """Import WeasyPrint, then render each job from stdin until the build closes it. Never returns."""
    jobs, results = 0, os.dup(1)
    os.dup2(2, 1)  # anything printed goes to stderr, never into the results
    code = 0
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        try:
            from pressroom import weasy
            from pressroom.editions import pdf
            from pressroom.errors import PressroomError

            message = _read(jobs)  # the build's word to prepare, or its first job
            if message is None:
                return
            weasy.load()
        except Exception as exc:  # WeasyPrint cannot be imported (a missing Pango, ...): say why
            import traceback

            why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            _write(results, pickle.dumps(("failed", (why, traceback.format_exc()))))
            raise
        gc.disable()
        gc.freeze()  # what the imports made lives as long as the worker: no collection walks it
        if not message:
            message = _read(jobs)
        while message is not None:
            request = pickle.loads(message)
            del message
            if isinstance(request[0], str):  # ("clone", address)
                jobs, results = _clone(request[1], jobs, results)
                message = _read(jobs)
                continue
            brief, files, base_url, wanted_pdf, profile = request
            try:
                laid_out = pdf.LaidOut(brief, files, base_url, profile)
                _write(results, pickle.dumps(("starts", (laid_out.starts(), laid_out.page_count,
                                                         laid_out.warnings))))
                gc.collect()
                if wanted_pdf:
                    told = len(laid_out.warnings)
                    data = laid_out.pdf()
                    _write(results, pickle.dumps(("pdf", (data, laid_out.warnings[told:])),
                                                 pickle.HIGHEST_PROTOCOL))
                    del data
            except PressroomError as error:
                _write(results, pickle.dumps(("error", (type(error), error.problems))))
            except Exception:  # a bug: the build shows the traceback
                import traceback

                _write(results, pickle.dumps(("crash", traceback.format_exc())))
            laid_out = None
            gc.collect()
            message = _read(jobs)
    except BaseException:
        code = 1
    finally:
        try:
            from pressroom import weasy

            weasy.forget_fonts()  # removes the fonts' temporary folders
            gc.collect()
        finally:
            os._exit(code)

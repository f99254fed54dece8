"""The PDF worker's own loop, in its process: import WeasyPrint, then lay out and write each job
from the build until the build closes the pipe (see :mod:`pressroom.execution.worker`)."""

from __future__ import annotations

import gc
import os
import pickle
import signal
import socket
import sys

from pressroom.execution import pipe


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
    pipe.write(channel, pickle.dumps(("pid", os.getpid())))
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

            message = pipe.read(jobs)  # the build's word to prepare, or its first job
            if message is None:
                return
            weasy.load()
        except Exception as exc:  # WeasyPrint cannot be imported (a missing Pango, ...): say why
            import traceback

            why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            pipe.write(results, pickle.dumps(("failed", (why, traceback.format_exc()))))
            raise
        gc.disable()
        gc.freeze()  # what the imports made lives as long as the worker: no collection walks it
        if not message:
            message = pipe.read(jobs)
        while message is not None:
            request = pickle.loads(message)
            del message
            if isinstance(request[0], str):  # ("clone", address)
                jobs, results = _clone(request[1], jobs, results)
                message = pipe.read(jobs)
                continue
            brief, files, base_url, wanted_pdf, profile = request
            try:
                laid_out = pdf.LaidOut(brief, files, base_url, profile)
                pipe.write(results, pickle.dumps(("starts", (laid_out.starts(), laid_out.page_count,
                                                         laid_out.warnings))))
                gc.collect()
                if wanted_pdf:
                    told = len(laid_out.warnings)
                    data = laid_out.pdf()
                    pipe.write(results, pickle.dumps(("pdf", (data, laid_out.warnings[told:])),
                                                 pickle.HIGHEST_PROTOCOL))
                    del data
            except PressroomError as error:
                pipe.write(results, pickle.dumps(("error", (type(error), error.problems))))
            except Exception:  # a bug: the build shows the traceback
                import traceback

                pipe.write(results, pickle.dumps(("crash", traceback.format_exc())))
            laid_out = None
            gc.collect()
            message = pipe.read(jobs)
    except BaseException:
        code = 1
    finally:
        try:
            from pressroom import weasy

            weasy.forget_fonts()  # removes the fonts' temporary folders
            gc.collect()
        finally:
            os._exit(code)

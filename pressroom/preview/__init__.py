"""`invoke preview`: one brief, rebuilt on every save in a warm process, shown live in a browser.

    Preview.rebuild()   load -> build.render (the build's pipeline): HTML edition (published as
                        soon as it has the PDF's page numbers) -> PDF (published when written)
    PreviewServer       127.0.0.1 only: the page, the edition tree, the PDF, /events (SSE)
    watch()             watchfiles on source/, layouts/ and styles/ -> rebuild(); it watches
                        before the first build, so no save is missed

Nothing is written to build/: the preview lives in memory, so it never races
`invoke build` nor leaves a half-made file. The process stays warm: WeasyPrint,
the Markdown parser and the compiled Jinja layouts (reloaded only when a layout
changes) are imported once. A broken source is shown as its ``file:line:
message`` lines above the last good preview, which stays; fixing it recovers.
The page is served from pressroom/preview/static/ and loads nothing from elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pressroom.editions.resources import Files, read
from pressroom.errors import BuildError, PressroomError, Problem
from pressroom.project import Project, resolve_targets

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {"/": ("preview.html", "text/html; charset=utf-8"),
         "/preview.js": ("preview.js", "text/javascript; charset=utf-8"),
         "/preview.css": ("preview.css", "text/css; charset=utf-8")}


class Preview:
    """The warm state of one brief: its last good editions, its status and who is listening."""

    def __init__(self, project: Project, target: str | None = None, log=None):
        self.project = project
        self.log = log or (lambda message: None)  # the terminal: one line per rebuild
        self.location = resolve_targets(project, target)[0]
        self.tree: Files = {}  # the last good HTML edition
        self.pdf: bytes | None = None  # the last good PDF
        self.state = {"generation": 0, "html": 0, "pdf": 0, "title": self.location.name,
                      "status": "", "built": "", "seconds": None, "warnings": [], "errors": [],
                      "busy": False, "pages": None}
        self._lock = threading.Lock()  # one rebuild at a time
        self._citations = None  # a citeproc-js process kept ready for the next change of citations
        self._listeners: list[queue.Queue] = []
        self.stopping = threading.Event()

    # ------------------------------------------------------------------ the rebuild cycle
    def rebuild(self) -> dict[str, float]:
        """One cycle, as on a save: load, lay out, show the HTML edition (with the PDF's page
        numbers), then write and show the PDF.

        Returns the seconds from start until each edition was shown, e.g.
        ``{"html": 0.08, "pdf": 0.71}`` (``{"error": ...}`` when the sources are
        broken). This is the hook `invoke bench` calls in a warm process.
        """
        from pressroom.manuscript import citations

        with self._lock:
            if self._citations is None:
                self._citations = citations.Ready()
            try:
                return self._rebuild()
            finally:
                if not self.stopping.is_set():
                    self._citations.start()  # after the PDF, so it never slows the layout
                if self.stopping.is_set():  # stopped meanwhile: nothing is left running
                    self._citations.close()

    def _rebuild(self) -> dict[str, float]:
        from pressroom import build, manuscript
        from pressroom.execution import gitinfo
        from pressroom.manuscript import citations

        start = time.perf_counter()
        self._publish(busy=True)
        gitinfo.revision.cache_clear()  # the colophon's revision, as `invoke build` would see it
        timings: dict[str, float] = {}
        try:
            with citations.kept_ready(self._citations):
                briefs, warnings = manuscript.load(self.project, str(self.location))
            brief = briefs[0]

            def shown(name, made):  # the HTML edition, with the PDF's page numbers, first
                if name == "html":
                    self.tree = made.data
                    timings["html"] = time.perf_counter() - start
                    self._publish(html=self.state["generation"] + 1, title=brief.metadata.title,
                                  status=brief.metadata.status,
                                  warnings=[str(w) for w in warnings], errors=[])

            rendered = build.render(brief, self.project, ("html", "pdf"), shown=shown)
            self.pdf = rendered["pdf"]
        except PressroomError as error:
            self._publish(busy=False, errors=[str(p) for p in error.problems])
            for problem in error.problems:
                self.log(str(problem))
            return {"error": time.perf_counter() - start}
        timings["pdf"] = time.perf_counter() - start
        built = dt.datetime.now().strftime("%H:%M:%S")
        warnings = warnings + rendered.warnings  # WeasyPrint's, about styles/ and images
        self._publish(busy=False, pdf=self.state["generation"] + 1, pages=rendered.pages["pdf"],
                      built=built, seconds=round(timings["pdf"], 2),
                      warnings=[str(w) for w in warnings])
        self.log(f"{built} rebuilt {brief.slug} in {timings['pdf']:.2f} s"
                 + (f", {len(warnings)} warnings" if warnings else ""))
        return timings

    def edit(self, path: Path, text: str, timeout: float = 30.0) -> dict[str, float]:
        """Bench hook for a watching preview: save ``text`` to ``path``, then return the seconds
        until the page was told of the new HTML edition and of the new PDF (or of an error).

        Unlike :meth:`rebuild`, this includes noticing the save (watchfiles) and its debounce,
        so it is what an editor waits for. Needs :meth:`watch` running (see PreviewServer).
        """
        listener = self.subscribe()
        try:
            listener.get()  # the state as it was
            html, pdf = self.state["html"], self.state["pdf"]
            start = time.perf_counter()
            Path(path).write_text(text, encoding="utf-8")
            timings: dict[str, float] = {}
            while "pdf" not in timings and "error" not in timings:
                message = listener.get(timeout=max(0.0, start + timeout - time.perf_counter()))
                if message is None:
                    break
                state = json.loads(message)
                now = time.perf_counter() - start
                if state["html"] != html:
                    timings.setdefault("html", now)
                if state["pdf"] != pdf:
                    timings["pdf"] = now
                if state["errors"] and not state["busy"]:
                    timings["error"] = now
            return timings
        finally:
            self.unsubscribe(listener)

    def _publish(self, **changes) -> None:
        self.state.update(changes, generation=self.state["generation"] + 1)
        message = json.dumps(self.state)
        for listener in list(self._listeners):
            listener.put(message)

    # ------------------------------------------------------------------ listeners (SSE)
    def subscribe(self) -> queue.Queue:
        listener: queue.Queue = queue.Queue()
        listener.put(json.dumps(self.state))
        self._listeners.append(listener)
        return listener

    def unsubscribe(self, listener: queue.Queue) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def stop(self) -> None:
        self.stopping.set()
        if self._citations is not None:  # (a rebuild under way closes what it starts)
            self._citations.close()
        for listener in list(self._listeners):
            listener.put(None)

    # ------------------------------------------------------------------ watching
    def relevant(self, path: Path) -> bool:
        """A change this brief depends on: not one inside another brief's folder."""
        source = self.project.source_dir.resolve()
        try:
            parts = path.resolve().relative_to(source).parts
        except ValueError:
            return True  # layouts/ or styles/
        own = self.location.resolve()
        return len(parts) == 1 or own.is_file() or (source / parts[0]) == own

    def watch(self, watching: threading.Event | None = None) -> None:
        """Rebuild after every save until :meth:`stop`; saves made during a rebuild trigger one more.

        ``watching``, if given, is set once the folders are watched: watchfiles yields (an empty
        set, after ``rust_timeout``) only once its watcher is in place, so a save made after
        that is never missed, even one made while the first build runs."""
        import watchfiles

        folders = [d for d in (self.project.source_dir, self.project.layouts_dir,
                               self.project.styles_dir) if d.is_dir()]
        for changes in watchfiles.watch(*folders, stop_event=self.stopping, debounce=400, step=30,
                                        rust_timeout=50, yield_on_timeout=True,
                                        raise_interrupt=False):
            if watching is not None:
                watching.set()
            if any(self.relevant(Path(p)) for _, p in changes):
                self.rebuild()


class PreviewServer:
    """The preview on ``http://127.0.0.1:<port>/``; port 0 picks a free one."""

    def __init__(self, project: Project, target: str | None = None, port: int = 8000, log=None):
        self.preview = Preview(project, target, log)
        try:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.preview))
        except OSError as exc:
            raise BuildError(Problem("B405", f"cannot listen on 127.0.0.1:{port} ({exc.strerror})",
                                     "choose another port with --port N (0 picks a free one)")) from None
        self.httpd.daemon_threads = True
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def start(self) -> None:
        """Watch, then build once (errors are shown, not raised), then serve; watching and
        serving go on in background threads. Watching starts first, so that a save made at any
        moment after ``start`` (while building, or as soon as the server answers) rebuilds."""
        watching = threading.Event()
        watcher = threading.Thread(target=self.preview.watch, args=(watching,), daemon=True)
        watcher.start()
        self._threads.append(watcher)
        while not watching.wait(0.05):
            if not watcher.is_alive():  # watchfiles failed: its thread printed why
                raise BuildError(Problem("B465", "the preview cannot watch source/, layouts/ "
                                         "and styles/", "run with --debug for details"))
        self.preview.rebuild()
        server = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        server.start()
        self._threads.append(server)

    def stop(self) -> None:
        self.preview.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


def serve(project: Project, target: str | None = None, port: int = 8000, announce=print) -> None:
    """Run the preview until Ctrl-C."""
    server = PreviewServer(project, target, port, log=announce)
    try:
        server.start()
        announce(f"Previewing {server.preview.state['title']} at {server.url} "
                 f"(watching source/, layouts/, styles/; Ctrl-C to stop)")
        while not server.preview.stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        announce("preview stopped")


PAGE_DPI = 110  # the PDF pane's page images: sharp on screen, quick to make


_IMAGES: dict = {"pdf": None, "pages": {}}  # the page images of the PDF shown now, as asked for
_IMAGES_LOCK = threading.Lock()


def page_image(pdf: bytes, number: int) -> bytes | None:
    """The cached :func:`render_page` of the PDF shown now (an older PDF's images are dropped)."""
    with _IMAGES_LOCK:
        if _IMAGES["pdf"] is not pdf:
            _IMAGES.update(pdf=pdf, pages={})
        if number not in _IMAGES["pages"]:
            _IMAGES["pages"][number] = render_page(pdf, number)
        return _IMAGES["pages"][number]


def render_page(pdf: bytes, number: int) -> bytes | None:
    """Page ``number`` of the preview's PDF as a PNG (pdftoppm, poppler-utils). The PDF pane shows
    the pages as images in a page of its own, so that a rebuild swaps the pictures and keeps the
    page and scroll position (a browser's PDF viewer goes back to page 1 on every reload)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pressroom-page-") as tmp:
        source = Path(tmp, "preview.pdf")
        source.write_bytes(pdf)
        try:
            subprocess.run(["pdftoppm", "-png", "-r", str(PAGE_DPI), "-f", str(number), "-l",
                            str(number), "-singlefile", str(source), str(Path(tmp, "page"))],
                           check=True, capture_output=True, timeout=60)
            return Path(tmp, "page.png").read_bytes()
        except (OSError, subprocess.SubprocessError):
            return None  # no such page, or no pdftoppm: a 404


def _handler(preview: Preview):
    class Handler(BaseHTTPRequestHandler):
        server_version = "Pressroom-preview"

        def log_message(self, *args):  # quiet: the status line says what matters
            pass

        def do_GET(self):
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host not in ("127.0.0.1", "localhost"):
                return self._send(403, b"preview serves 127.0.0.1 only", "text/plain")
            path = unquote(urlsplit(self.path).path)
            if path in PAGES:
                name, kind = PAGES[path]
                return self._send(200, (STATIC / name).read_bytes(), kind)
            if path == "/events":
                return self._events()
            if path == "/state":
                return self._send(200, json.dumps(preview.state).encode(), "application/json")
            if path == "/edition.pdf" and preview.pdf is not None:
                return self._send(200, preview.pdf, "application/pdf")
            if path.startswith("/page/") and path.endswith(".png") and preview.pdf is not None:
                number = path[len("/page/"):-len(".png")]
                image = page_image(preview.pdf, int(number)) if number.isdigit() else None
                if image is not None:
                    return self._send(200, image, "image/png")
            if path.startswith("/edition/"):
                name = path[len("/edition/"):] or "index.html"
                tree = preview.tree
                if name in tree:
                    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                    return self._send(200, read(tree[name]), kind)
            self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, kind: str):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", "default-src 'self'; style-src 'self' "
                             "'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'")
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser no longer wants it (a page image replaced by a newer one)

        def _events(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            listener = preview.subscribe()
            try:
                while not preview.stopping.is_set():
                    try:
                        message = listener.get(timeout=10)
                    except queue.Empty:
                        self.wfile.write(b": keep-alive\n\n")
                    else:
                        if message is None:
                            break
                        self.wfile.write(f"event: state\ndata: {message}\n\n".encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                preview.unsubscribe(listener)
            self.close_connection = True

    return Handler

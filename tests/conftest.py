"""Shared fixtures: the real project, temporary copies of it to break, and built editions."""

from __future__ import annotations

import contextlib
import http.server
import shutil
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pressroom import manuscript  # noqa: E402
from pressroom.build import render  # noqa: E402
from pressroom.manuscript import Project  # noqa: E402

FIRST = "azerbaijan-between-moscow-and-the-west"
FIXTURES = ROOT / "tests" / "fixtures"


class _Counter(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server API)
        self.server.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_POST = do_HEAD = do_GET

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def counting(handler=None):
    """An HTTP server on 127.0.0.1 (a port of its own) that counts requests: (server, its URL).
    ``handler`` answers them (default: 404)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler or _Counter)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def counting_server():
    with counting() as running:
        yield running


#: A final brief of one section, with every field a final needs (the gate's tests).
TINY_FINAL = """title: A tiny brief
number: 7
date: 2026-01-02
status: final
version: "1.0"
summary: What the tiny brief finds.
key_points:
  - One finding.
  - Another finding.
  - A third finding.
keywords:
  - findings
sections:
  - 01-findings.md
"""


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Project:
    """The repository's own project, building into a temporary folder."""
    return Project(ROOT, build_root=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def first_brief(project):
    briefs, _ = manuscript.load(project, FIRST)
    return briefs[0]


@pytest.fixture(scope="session")
def first_outputs(project, first_brief):
    """Every edition of the first brief, rendered once for the whole session (in memory)."""
    return render(first_brief, project)


def copy_project(tmp_path: Path) -> Project:
    """A private copy of the project (sources, layouts, styles) that a test may break."""
    for name in ("source", "layouts", "styles"):
        shutil.copytree(ROOT / name, tmp_path / name, symlinks=True)
    return Project(tmp_path)


@pytest.fixture
def scratch(tmp_path) -> Project:
    return copy_project(tmp_path)


def write_brief(folder: Path, yaml_text: str, sections: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "brief.yaml").write_text(yaml_text, encoding="utf-8")
    for name, text in sections.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def load_brief(project: Project, target=FIRST):
    """The model of one brief of ``project``."""
    return manuscript.load(project, str(target))[0][0]


def edit(path: Path, old: str, new: str) -> None:
    """Break a copy of a layout or stylesheet on purpose; fail if the edit would not apply."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")

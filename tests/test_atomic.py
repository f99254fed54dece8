"""Interrupted and concurrent builds: the last good outputs survive byte for byte.

A build is stalled half-way through writing an output (a patched writer writes
half the bytes, then sleeps) and killed; the previous PDF and EPUB must be
byte-identical and no visible partial file may be in the build folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import zipfile

import pytest
from conftest import ROOT
from hostile_support import MANIFEST, run_library

from pressroom.editions import cover_image, fontsubset
from pressroom.execution import writers

CACHES = (fontsubset.STORE.folder, cover_image.STORE.folder)  # build/.fonts/, build/.covers/
DOC = """---
title: Survives
date: 2026-01-02
---
# A brief that survives

A paragraph of text{extra}.
"""

STALLED_BUILD = """
import os, sys, time
sys.path.insert(0, {root!r})
real_fdopen = os.fdopen

class Stalling:
    '''Writes half of the output whose bytes start with {magic!r}, then waits to be killed.'''
    def __init__(self, handle):
        self.handle = handle
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)
    def __getattr__(self, name):
        return getattr(self.handle, name)
    def write(self, data):
        if not data.startswith({magic!r}):
            return self.handle.write(data)
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        open({marker!r}, "w").close()
        time.sleep(600)

os.fdopen = lambda fd, *args, **kwargs: Stalling(real_fdopen(fd, *args, **kwargs))
os.chdir({root!r})
from invoke.main import program
program.run(["invoke", "build", "--brief", {doc!r}, "--format", "pdf,epub"])
"""


def _visible(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def _stall(tmp_path, magic: bytes):
    """Start a build that stalls while writing the output starting with ``magic``."""
    marker = tmp_path / "stalled"
    script = STALLED_BUILD.format(root=str(ROOT), magic=magic, marker=str(marker),
                                  doc=str(tmp_path / "survives.md"))
    env = dict(os.environ, PRESSROOM_BUILD_DIR=str(tmp_path / "build"))
    child = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the build never reached the writer"
        time.sleep(0.1)
    return child


@pytest.fixture
def previous(tmp_path):
    """A first good build; then the source changes, so a new build would differ."""
    doc = tmp_path / "survives.md"
    doc.write_text(DOC.format(extra=""), encoding="utf-8")
    build = tmp_path / "build"
    assert run_library(doc, build, ("pdf", "epub")).exit == 0
    before = {name: (build / name).read_bytes() for name in ("survives.pdf", "survives.epub")}
    assert _visible(build) == ["survives.epub", "survives.pdf"]
    doc.write_text(DOC.format(extra=", and a second sentence that changes every edition"),
                   encoding="utf-8")
    return doc, build, before


@pytest.mark.parametrize("magic", [b"%PDF", b"PK"], ids=["pdf", "epub"])
def test_a_build_killed_mid_write_leaves_the_previous_outputs_byte_identical(previous, tmp_path, magic):
    doc, build, before = previous
    child = _stall(tmp_path, magic)
    partial = [p for p in build.iterdir() if p.name.endswith(".tmp")]
    assert partial, "the build was not stopped mid-write"  # the half-written temporary file
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    assert _visible(build) == ["survives.epub", "survives.pdf"]
    for name, data in before.items():
        assert (build / name).read_bytes() == data, f"{name} changed"
    # the next build removes what the killed one left and writes the new editions
    assert run_library(doc, build, ("pdf", "epub")).exit == 0
    assert [p.name for p in build.iterdir() if p.name.startswith(".") and p.name not in (MANIFEST, *CACHES)] == []
    for cache in CACHES:  # the fonts' and covers' caches hold whole files only
        assert not list((build / cache).glob(".part-*"))
    assert (build / "survives.pdf").read_bytes() != before["survives.pdf"]


def test_sigterm_mid_write_cleans_up_and_says_so_in_one_line(previous, tmp_path):
    doc, build, before = previous
    child = _stall(tmp_path, b"PK")
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert err.strip().endswith("[B412]") and err.strip().count("\n") == 0 and "Traceback" not in err
    # not even a hidden temporary file is left
    assert sorted(p.name for p in build.iterdir() if p.name not in (MANIFEST, *CACHES)) == [
        "survives.epub", "survives.pdf"]
    assert (build / "survives.epub").read_bytes() == before["survives.epub"]


def test_two_builds_of_one_brief_at_once_corrupt_nothing(tmp_path):
    doc = tmp_path / "survives.md"
    doc.write_text(DOC.format(extra=""), encoding="utf-8")
    solo = tmp_path / "solo"
    assert run_library(doc, solo, ("epub", "html")).exit == 0
    shared = tmp_path / "shared"
    env = dict(os.environ, PRESSROOM_BUILD_DIR=str(shared))
    command = [sys.executable, "-m", "invoke", "build", "--brief", str(doc), "--format", "epub,html"]
    children = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for child in children:
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
    assert sorted(p.name for p in shared.iterdir() if p.name not in (MANIFEST, *CACHES)) == ["survives", "survives.epub"]
    assert (shared / "survives.epub").read_bytes() == (solo / "survives.epub").read_bytes()
    assert zipfile.ZipFile(shared / "survives.epub").testzip() is None
    for page in (solo / "survives").rglob("*"):
        twin = shared / "survives" / page.relative_to(solo / "survives")
        assert page.is_dir() or twin.read_bytes() == page.read_bytes()


def test_writers_take_turns(tmp_path):
    """While one build holds the folder, another's write waits (the lock is what the test above relies on)."""
    order = []
    with writers.locked(tmp_path):
        thread = threading.Thread(target=lambda: (writers.locked(tmp_path).__enter__(),
                                                  order.append("second")))
        thread.start()
        time.sleep(0.3)
        order.append("first")
    thread.join(timeout=10)
    assert order == ["first", "second"]


def test_an_html_folder_moved_aside_by_a_dead_build_is_put_back(tmp_path):
    aside = tmp_path / ".brief.old.k3j_x9.tmp"
    (aside / "assets").mkdir(parents=True)
    (aside / "index.html").write_text("previous")
    half = tmp_path / ".brief.a81k2n.tmp"
    half.mkdir()
    (half / "index.html").write_text("half")
    stray = tmp_path / ".brief.pdf.p0q9.tmp"
    stray.write_bytes(b"%PDF-half")
    with writers.locked(tmp_path):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief"]
    assert (tmp_path / "brief" / "index.html").read_text() == "previous"


def test_an_unwritable_build_folder_is_one_line(tmp_path):
    doc = tmp_path / "survives.md"
    doc.write_text(DOC.format(extra=""), encoding="utf-8")
    blocker = tmp_path / "build"
    blocker.write_text("a file where the build folder should be")
    outcome = run_library(doc, blocker, ("html",))
    assert outcome.exit == 4 and [p.code for p in outcome.problems] == ["B411"]
    assert "\n" not in str(outcome.problems[0])

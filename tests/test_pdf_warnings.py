"""A PDF worker that cannot start (WeasyPrint cannot be imported) says why in one line (B415),
and ``--debug`` shows the worker's traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIRST, ROOT

from pressroom import worker
from pressroom.editions import html, pdf
from pressroom.errors import BuildError


def _cli_copy(tmp_path: Path) -> Path:
    for name in ("source", "layouts", "styles"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
    (tmp_path / "pressroom").symlink_to(ROOT / "pressroom")
    return tmp_path


def invoke(root: Path, *args, **env):
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=root, capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, PRESSROOM_BUILD_DIR=str(root / "build"), **env))


# --------------------------------------------------------------------------- the worker's start

@pytest.fixture
def no_pango(tmp_path):
    """A folder whose ``weasyprint`` fails to import as WeasyPrint does without Pango."""
    fake = tmp_path / "no-pango"
    (fake / "weasyprint").mkdir(parents=True)
    (fake / "weasyprint" / "__init__.py").write_text(
        "raise OSError(\"cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open "
        "shared object file: No such file or directory\")\n", encoding="utf-8")
    return fake


def test_a_worker_that_cannot_start_says_why_and_keeps_its_traceback(no_pango, monkeypatch,
                                                                     project, first_brief):
    tree = html.tree(first_brief, project)
    monkeypatch.syspath_prepend(str(no_pango))  # the worker is given this process's sys.path
    running = worker.Worker()
    try:
        job = running.submit(first_brief, tree, pdf.tree_url(first_brief.slug))
        with pytest.raises(BuildError) as caught:
            job.starts()
        with pytest.raises(BuildError):  # and again, should the build ask again
            running.next()
    finally:
        running.close()
    [problem] = caught.value.problems
    assert problem.code == "B415" and "cannot load library 'libpango-1.0-0'" in problem.message
    assert "\n" not in str(problem)
    trace = str(caught.value.__cause__)
    assert "Traceback (most recent call last)" in trace and "no-pango/weasyprint/__init__.py" in trace


def test_the_command_line_shows_the_cause_in_one_line_and_the_traceback_with_debug(no_pango,
                                                                                   tmp_path):
    root = _cli_copy(tmp_path / "project")
    run = invoke(root, "build", "--brief", FIRST, "--format", "pdf", PYTHONPATH=str(no_pango))
    assert run.returncode == 4
    [line] = run.stderr.strip().splitlines()
    assert line.endswith("[B415]") and "the PDF worker could not start: OSError: cannot load " \
                                      "library 'libpango-1.0-0'" in line
    debug = invoke(root, "build", "--brief", FIRST, "--format", "pdf", "--debug",
                   PYTHONPATH=str(no_pango))
    assert debug.returncode != 0
    assert "no-pango/weasyprint/__init__.py" in debug.stderr and "OSError: cannot load library" in debug.stderr

"""Nothing WeasyPrint says is swallowed.

* Its warnings about the project's stylesheets, fonts and images are Problems naming the file
  and line (B425, B435, B445): shown by the build, kept in its manifest (a no-op rebuild shows
  them again), fatal with ``--strict``, and sent back by the PDF worker.
* A PDF worker that cannot start (WeasyPrint cannot be imported) says why in one line (B415),
  and ``--debug`` shows the worker's traceback.

Every test breaks a temporary copy of the project; source/ and styles/ are never edited.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIRST, ROOT, copy_project, load_brief

from pressroom import build
from pressroom.editions import html, pdf
from pressroom.errors import BuildError, ManuscriptError
from pressroom.execution import worker

SECOND = "sample-brief-corridors"
NEW = {"B425", "B435", "B445", "B455"}

#: one mistake of each kind in styles/print.css: (the CSS, its code, the column WeasyPrint gives)
KINDS = {
    "misspelt property": ("p { colr: #333; }", "B425", 5),
    "unknown selector": ("p:nth-unknown(2) { color: #333; }", "B425", None),
    "calc( of a bad var(": ("p { --gap: red; margin-left: calc(var(--gap) * 2); }", "B425", 30),
    "missing font file": ('@font-face { font-family: "Gone Sans"; src: url(fonts/GoneSans.ttf); }',
                          "B435", None),
    "unreadable image": ("body { background-image: url(texture.png); }", "B445", None),
    "broken calc(": ("h2 { width: calc(100% - ; }", "B425", 6),  # last: it runs to the end
}


def add_rule(css: Path, rule: str) -> int:
    """Append ``rule`` to a stylesheet on a line of its own; return that line's number."""
    text = css.read_text(encoding="utf-8").rstrip("\n") + "\n"
    css.write_text(text + rule + "\n", encoding="utf-8")
    return text.count("\n") + 1


@pytest.fixture
def copy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths in messages are shown relative to here
    project = copy_project(tmp_path)
    (project.styles_dir / "texture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not an image" * 8)
    return project


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_weasyprint_warning_is_a_problem_at_its_file_and_line(copy, kind):
    rule, code, col = KINDS[kind]
    line = add_rule(copy.styles_dir / "print.css", rule)
    result = build.build(copy, FIRST, formats=("pdf",))
    [warning] = [w for w in result.warnings if w.code in NEW]
    assert (warning.code, warning.severity) == (code, "warning")
    assert (warning.path, warning.line, warning.col) == ("styles/print.css", line, col)
    assert re.match(rf"styles/print\.css:{line}(:{col})?: warning: .+; .+ \[{code}\]$", str(warning))
    assert "\n" not in str(warning) and "file:///" not in str(warning)

    with pytest.raises(ManuscriptError) as caught:  # --strict: the warning stops the build
        build.build(copy, FIRST, formats=("pdf",), strict=True)
    assert code in {p.code for p in caught.value.problems}


def test_every_mistake_of_a_stylesheet_is_reported_at_once(copy):
    css = copy.styles_dir / "print.css"
    lines = {kind: add_rule(css, rule) for kind, (rule, _, _) in KINDS.items()}
    result = build.build(copy, FIRST, formats=("pdf",))
    found = sorted((w.line, w.code) for w in result.warnings if w.code in NEW)
    assert found == sorted((lines[kind], code) for kind, (_, code, _) in KINDS.items())


def test_a_warning_of_another_stylesheet_names_that_one(copy):
    line = add_rule(copy.styles_dir / "fonts.css", "p { colr: #333; }")
    result = build.build(copy, FIRST, formats=("pdf",))
    [warning] = [w for w in result.warnings if w.code in NEW]
    assert (warning.path, warning.line) == ("styles/fonts.css", line)


def test_the_warnings_travel_back_from_the_pdf_worker(copy):
    add_rule(copy.styles_dir / "print.css", KINDS["misspelt property"][0])
    brief = load_brief(copy)
    tree = html.tree(brief, copy)
    base = pdf.tree_url(brief.slug)
    here = pdf.LaidOut(brief, tree, base)
    here.pdf()
    running = worker.Worker()
    try:
        job = running.submit(brief, {k: v for k, v in tree.items() if k != "index.html"}, base)
        job.pdf()
    finally:
        running.close()
    assert [w.code for w in here.warnings] == ["B425"]
    assert job.warnings == here.warnings


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


def test_the_command_line_shows_them_keeps_them_in_the_manifest_and_fails_on_them_if_strict(tmp_path):
    root = _cli_copy(tmp_path)
    line = add_rule(root / "styles" / "print.css", KINDS["misspelt property"][0])
    shown = rf"(?m)^styles/print\.css:{line}:5: warning: Ignored `colr: #333`, unknown property; .*\[B425\]$"
    for attempt in ("built", "up to date"):  # through the PDF worker, then from the manifest
        run = invoke(root, "build", "--brief", FIRST, "--format", "pdf")
        assert run.returncode == 0, run.stderr
        assert re.search(shown, run.stderr), (attempt, run.stderr)
        assert re.search(rf"(?m)^{FIRST} .* 1$", run.stdout), run.stdout  # the table's warnings
    assert "made" not in run.stdout.splitlines()[0]  # the second build made nothing
    strict = invoke(root, "build", "--brief", FIRST, "--format", "pdf", "--strict")
    assert strict.returncode == 2 and re.search(shown, strict.stderr), strict.stderr
    assert "Traceback" not in strict.stderr


def test_the_preview_shows_them_with_the_manuscript_warnings(copy):
    from pressroom.preview import Preview

    line = add_rule(copy.styles_dir / "print.css", KINDS["misspelt property"][0])
    preview = Preview(copy, FIRST)
    assert set(preview.rebuild()) == {"html", "pdf"}
    assert [w for w in preview.state["warnings"] if "[B425]" in w] == [
        f"styles/print.css:{line}:5: warning: Ignored `colr: #333`, unknown property; "
        "correct the CSS (WeasyPrint ignores it) [B425]"]


@pytest.mark.parametrize("slug", [FIRST, SECOND])
def test_the_briefs_of_the_project_lay_out_without_a_warning(project, slug):
    rendered = build.render(load_brief(project, slug), project, ("pdf", "pdf-print"))
    assert rendered.warnings == []


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

"""The command line: `invoke build`, `invoke check`, one-line errors, atomic outputs."""

import os
import subprocess
import sys

import pytest
from conftest import FIRST, FIXTURES, ROOT

from pressroom import build as build_module
from pressroom import manuscript
from pressroom.errors import BuildError

NOTES_DOC = FIXTURES / "documents" / "notes-and-tables.md"


def invoke(*args, build_dir=None, cwd=ROOT):
    env = dict(os.environ)
    if build_dir:
        env["PRESSROOM_BUILD_DIR"] = str(build_dir)
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_list_shows_every_task_with_help():
    out = invoke("--list").stdout
    for name in ("build", "check", "clean", "test"):
        assert f"  {name} " in out


def test_an_unknown_brief_is_one_line_and_exit_2(tmp_path):
    result = invoke("build", "--brief", "no-such-brief", build_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "[P107]" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_an_unknown_format_is_refused(tmp_path):
    result = invoke("build", "--format", "docx", build_dir=tmp_path)
    assert result.returncode == 2 and "unknown format docx" in result.stderr


def test_an_arbitrary_document_builds_into_three_verified_editions(tmp_path):
    result = invoke("build", "--brief", str(NOTES_DOC), build_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == {
        "notes-and-tables", "notes-and-tables.pdf", "notes-and-tables.epub"}
    check = invoke("check", "--brief", str(NOTES_DOC), build_dir=tmp_path)
    assert check.returncode == 0, check.stderr  # completeness, headings, structure and EPUBCheck


def test_check_reports_a_damaged_output_with_exit_3(tmp_path):
    assert invoke("build", "--brief", str(NOTES_DOC), "--format", "pdf", build_dir=tmp_path).returncode == 0
    pdf = tmp_path / "notes-and-tables.pdf"
    pdf.write_bytes(pdf.read_bytes()[:3000])
    result = invoke("check", "--brief", str(NOTES_DOC), "--format", "pdf", build_dir=tmp_path)
    assert result.returncode == 3 and "[V503]" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_without_outputs_says_to_build(tmp_path):
    result = invoke("check", "--brief", str(NOTES_DOC), "--format", "epub", build_dir=tmp_path)
    assert result.returncode == 3 and "invoke build" in result.stderr


@pytest.mark.parametrize("slug", [FIRST, "sample-brief-corridors"])  # the second has images
def test_two_clean_builds_in_different_folders_are_byte_identical(tmp_path, slug):
    for name in ("a", "b"):
        assert invoke("build", "--brief", slug, "--format", "pdf,epub",
                      build_dir=tmp_path / name).returncode == 0
    for suffix in (".pdf", ".epub"):
        assert (tmp_path / "a" / (slug + suffix)).read_bytes() == (tmp_path / "b" / (slug + suffix)).read_bytes()


def test_a_writers_mistake_leaves_the_last_good_outputs(scratch, tmp_path):
    build_module.build(scratch, FIRST)
    before = {p: p.read_bytes() for p in scratch.build_dir.glob("*.*") if p.is_file()}  # not .fonts/
    brief_yaml = scratch.source_dir / FIRST / "brief.yaml"
    brief_yaml.write_text(brief_yaml.read_text() + "title: twice\n")
    with pytest.raises(manuscript.ManuscriptError):
        build_module.build(scratch, FIRST)
    assert {p: p.read_bytes() for p in scratch.build_dir.glob("*.*") if p.is_file()} == before
    assert not list(scratch.build_dir.glob(".*.tmp"))  # no temporary file left


def test_a_failed_render_leaves_the_last_good_outputs(scratch, monkeypatch):
    build_module.build(scratch, FIRST)
    before = {p: p.read_bytes() for p in scratch.build_dir.rglob("*") if p.is_file()}
    section = scratch.source_dir / FIRST / "05-conclusion.md"
    section.write_text(section.read_text() + "\nA new paragraph.\n")
    from pressroom.editions import epub

    def broken(*args, **kwargs):
        raise BuildError("the EPUB renderer failed")

    monkeypatch.setattr(epub, "finish", broken)
    with pytest.raises(BuildError):
        build_module.build(scratch, FIRST)
    after = {p: p.read_bytes() for p in scratch.build_dir.rglob("*") if p.is_file()}
    assert after == before  # neither the new PDF nor the new HTML were written
    assert not list(scratch.build_dir.glob(".*.tmp"))  # no temporary file left


def test_invoke_test_runs_pytest_with_invokes_own_interpreter(tmp_path):
    """`.venv/bin/invoke test` (the Quick start) works with no venv on PATH: the `python` found
    there (if any) has neither pytest nor Pressroom's libraries."""
    (tmp_path / "python").write_text("#!/bin/sh\necho 'not the venv python' >&2; exit 7\n")
    (tmp_path / "python").chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:/usr/bin:/bin"}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run([sys.executable, "-m", "invoke", "test", "-k",
                             "test_quick_start_is_two_commands"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


FREEZES = """
import gc, sys
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "weasyprint":
    from pressroom import weasy
    weasy.load()
import tasks
before = gc.get_freeze_count()
tasks._run(lambda: [object() for _ in range(10)], False)
print(gc.get_freeze_count() > before)
"""


@pytest.mark.parametrize("loaded", ["nothing", "weasyprint"])
def test_a_command_freezes_what_it_made_unless_weasyprint_ran_in_its_process(loaded):
    # frozen, the objects are left to the OS at exit (faster); WeasyPrint's font configurations
    # must be collected while the modules are there, or their temporary folders stay behind
    result = subprocess.run([sys.executable, "-c", FREEZES, str(ROOT), loaded], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ("True" if loaded == "nothing" else "False")
    assert "Exception ignored" not in result.stderr

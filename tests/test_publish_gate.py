"""The publishing gate refuses each unmet condition, with its reason, one line each, and releases nothing."""

import os
import shutil
import subprocess
import sys

import pytest
from conftest import FIRST, ROOT, TINY_FINAL, write_brief

from pressroom.checks import verify
from pressroom.errors import PublishError
from pressroom.publishing import gate, publish

TINY = TINY_FINAL
FINDINGS = "# Findings\n\nA first paragraph of findings.[^1]\n\n[^1]: A note on the findings.\n"


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def tiny(project, yaml=TINY, text=FINDINGS) -> str:
    write_brief(project.source_dir / "tiny", yaml, {"01-findings.md": text})
    return "tiny"


@pytest.fixture
def no_epubcheck(monkeypatch):
    """For tests whose subject is another condition: EPUBCheck takes seconds a run."""
    monkeypatch.setattr(verify, "run_epubcheck", lambda path: [])


def refused(project, target, tmp_path):
    dist = tmp_path / "dist"
    with pytest.raises(PublishError) as info:
        publish.publish(project, target, dist)
    assert not dist.exists(), "a refused brief must leave nothing in dist/"
    for problem in info.value.problems:
        assert "\n" not in str(problem)
    return info.value.problems


def codes(problems):
    return {p.code for p in problems}


def test_a_final_tiny_brief_passes_the_gate(scratch, no_epubcheck):
    assert gate.check(scratch, tiny(scratch)).metadata.title == "A tiny brief"


def test_a_draft_is_refused_because_of_its_status(scratch, tmp_path, no_epubcheck):
    problems = refused(scratch, tiny(scratch, TINY.replace("final", "draft")), tmp_path)
    assert "R601" in codes(problems)
    problem = next(p for p in problems if p.code == "R601")
    assert "status is 'draft'" in str(problem) and problem.path.endswith("tiny/brief.yaml")


def test_every_unmet_condition_is_reported_at_once(scratch, tmp_path, no_epubcheck):
    yaml = TINY.replace("final", "draft").replace("date: 2026-01-02\n", "")
    text = FINDINGS + "\n[^2]: A note nobody cites.\n"
    problems = refused(scratch, tiny(scratch, yaml, text), tmp_path)
    # draft, the date a final needs, a manuscript warning (strict mode): told at once, unbuilt
    assert codes(problems) == {"R601", "M206", "C305", "R602"}
    assert all(p.severity == "error" for p in problems)


def test_a_manuscript_warning_blocks_publishing(scratch, tmp_path, no_epubcheck):
    problems = refused(scratch, tiny(scratch, text=FINDINGS + "\n[^2]: Never cited.\n"), tmp_path)
    assert codes(problems) == {"C305", "R602"}
    assert any("[^2]" in p.message and p.line == 7 for p in problems)


def test_a_final_brief_without_what_the_lint_requires_is_refused(scratch, tmp_path, no_epubcheck):
    problems = refused(scratch, tiny(scratch, TINY.replace("summary: What the tiny brief finds.\n", "")),
                       tmp_path)
    assert codes(problems) == {"M206", "R602"}
    assert any("'summary' is missing" in p.message for p in problems)


def test_outputs_that_lose_source_text_are_refused(scratch, tmp_path, no_epubcheck):
    edit(scratch.layouts_dir / "page.html", "{% for section in brief.sections %}",
         '{% for section in brief.sections if section.id != "russia" %}')
    problems = refused(scratch, FIRST, tmp_path)
    lost = [p for p in problems if p.code == "V501"]
    assert lost and all(p.path.endswith("03-russia.md") for p in lost)


def test_a_print_pdf_that_loses_text_is_refused(scratch, tmp_path, no_epubcheck):
    # press.css styles the print profile only: the screen PDF and the reading editions are whole
    with open(scratch.styles_dir / "press.css", "a", encoding="utf-8") as sheet:
        sheet.write("\n#findings p { display: none; }\n")
    problems = refused(scratch, tiny(scratch), tmp_path)
    assert codes(problems) == {"V501"}
    assert all(p.path.endswith("01-findings.md") for p in problems)


def test_epubcheck_findings_are_refused(scratch, tmp_path):
    # An invalid date only EPUBCheck notices: the verifier's own reading of the EPUB passes.
    edit(scratch.layouts_dir / "epub" / "package.opf", "<dc:language>",
         "<dc:date>sometime</dc:date>\n    <dc:language>")
    problems = refused(scratch, tiny(scratch), tmp_path)
    assert codes(problems) == {"V504"}


def test_a_final_brief_carrying_a_draft_marking_is_refused(scratch, tmp_path, no_epubcheck):
    edit(scratch.layouts_dir / "partials" / "cover.html", "{% if meta.is_draft %}", "{% if true %}")
    problems = refused(scratch, tiny(scratch), tmp_path)
    assert codes(problems) == {"R603"}
    where = sorted(p.path.rsplit("/", 1)[-1] for p in problems)
    assert where == ["index.html", "print-profile.html", "print.html", "tiny-print.pdf", "tiny.epub",
                     "tiny.pdf"]  # one line per output


def test_draft_markings_are_found_in_markup():
    assert gate.markup_marks('<body class="web final"><p class="lead">x</p>') == []
    assert gate.markup_marks('<body class="web draft">') == ['<body class="draft">']
    assert gate.markup_marks('<header data-draft-stamp="Draft">') == ["<header data-draft-stamp>"]
    assert gate.markup_marks('<header data-draft-mark="DRAFT">') == ["<header data-draft-mark>"]


def test_the_command_refuses_a_draft_one_line_per_reason_exit_5(tmp_path):
    source = tmp_path / "memo.md"
    source.write_text("---\ntitle: A memo\ndate: 2026-01-02\n---\n\n# Point\n\nOne point.\n",
                      encoding="utf-8")
    env = {**os.environ, "PRESSROOM_BUILD_DIR": str(tmp_path / "build")}
    result = subprocess.run([sys.executable, "-m", "invoke", "publish", "--brief", str(source),
                             "--dist", str(tmp_path / "dist")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 5, result.stderr
    lines = result.stderr.strip().splitlines()
    assert any("[R601]" in line and "status is 'draft'" in line for line in lines)
    assert all(line.rstrip().endswith("]") for line in lines), lines  # one problem a line
    assert "Traceback" not in result.stderr and not (tmp_path / "dist").exists()
    shutil.rmtree(tmp_path / "build", ignore_errors=True)

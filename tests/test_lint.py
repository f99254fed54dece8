"""`invoke check`'s lint: a corpus of flawed briefs (tests/lint/<case>/), one flaw each.

A new case is a new folder: ``brief/`` holds the brief (or ``brief.md``, a single-file
brief), ``expected.yaml`` the one finding (code, file, line, column) the lint must report
for it, and nothing else.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from pressroom.checks import lint
from pressroom.errors import CODES
from pressroom.manuscript import Project

CORPUS = ROOT / "tests" / "lint"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())


def expected(case: Path) -> dict:
    return yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))


def brief_of(case: Path) -> Path:
    return case / "brief.md" if (case / "brief.md").is_file() else case / "brief"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_flaw_is_caught_with_its_code_file_line_and_column(case):
    want = expected(case)
    found = lint.lint(Project(ROOT), str(brief_of(case)))
    assert [(p.code, Path(p.path).name, p.line, p.col or 1) for p in found] == [
        (want["code"], want["file"], want["line"], want["col"])]
    folder = brief_of(case) if brief_of(case).is_dir() else case
    assert Path(found[0].path).resolve() == (folder / want["file"]).resolve()


def test_every_rule_has_a_case_in_the_corpus():
    assert set(lint.RULES) <= {expected(case)["code"] for case in CASES}
    assert all(code in CODES for code in lint.RULES)


def test_the_real_briefs_are_clean():
    assert [str(p) for p in lint.lint(Project(ROOT))] == []


def test_code_in_a_manuscript_is_not_prose(scratch):
    folder = scratch.source_dir / "azerbaijan-between-moscow-and-the-west"
    section = folder / "05-conclusion.md"
    section.write_text(section.read_text() + '\nRun `x -- "y"` or:\n\n```\nit\'s  "code" --\n```\n\n'
                       '| a  | b |\n|--|--|\n| 1  | 2 |\n\nSee [the web](https://example.org/a--b "T").\n')
    assert [str(p) for p in lint.lint(scratch)] == []


def test_a_finding_is_one_line_file_line_col_code_message():
    case = CORPUS / "double-hyphen"
    (finding,) = lint.lint(Project(ROOT), str(case / "brief"))
    line = str(finding)  # the one format every problem prints in
    assert re.fullmatch(r"\S+/01-text\.md:7:6: warning: double hyphen; .+ \[T603\]", line), line


def invoke(*args, build_dir):
    env = dict(os.environ, PRESSROOM_BUILD_DIR=str(build_dir))
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_errors_exit_2_warnings_only_with_strict(tmp_path):
    error = invoke("check", "--brief", str(CORPUS / "footnote-undefined" / "brief"), build_dir=tmp_path)
    assert error.returncode == 2 and ":7:11: footnote [^2] is referenced but not defined" in error.stderr
    assert "Traceback" not in error.stderr
    warning = str(CORPUS / "trailing-spaces" / "brief")
    lenient = invoke("check", "--brief", warning, build_dir=tmp_path)
    assert lenient.returncode == 0 and ":7:11: warning: " in lenient.stderr and "[T605]" in lenient.stderr
    assert "not built yet, so no edition verified" in lenient.stdout
    strict = invoke("check", "--brief", warning, "--strict", build_dir=tmp_path)
    assert strict.returncode == 2 and "T605" in strict.stderr

"""The speed patches of pressroom/weasy/ run only on the WeasyPrint and pydyf they were tested on."""

import subprocess
import sys
from pathlib import Path

from pressroom import weasy

ROOT = Path(__file__).resolve().parent.parent

UNTESTED = """
import sys
import pydyf, weasyprint
sys.path.insert(0, sys.argv[1])
from pressroom import weasy

weasyprint.__version__ = sys.argv[2]  # as if another WeasyPrint were installed
references = pydyf.PDF.page_references
weasy._tune()
print(pydyf.PDF.page_references is references, pydyf.PDF._pressroom)
"""


def test_the_tested_versions_are_the_installed_ones():
    import pydyf
    import weasyprint

    assert weasy.tested(weasyprint.__version__, pydyf.__version__)
    assert not weasy.tested("71.0", pydyf.__version__)
    assert not weasy.tested(weasyprint.__version__, "1.0.0")


def _tune_as(version: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", UNTESTED, str(ROOT), version],
                          capture_output=True, text=True, timeout=120)


def test_an_untested_weasyprint_runs_unpatched_with_a_one_line_notice():
    result = _tune_as("99.0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]  # page_references untouched
    notice = result.stderr.strip().splitlines()
    assert len(notice) == 1 and "99.0" in notice[0] and "without them" in notice[0]


def test_the_check_above_sees_the_patches_on_the_tested_version():
    import weasyprint

    result = _tune_as(weasyprint.__version__)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"] and result.stderr == ""

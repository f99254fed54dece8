"""docs/editors.md is generated from CODES and never drifts (issue 20)."""

from conftest import ROOT

from devtools import editorsdoc
from pressroom.errors import CODES


def test_every_code_has_an_example_and_a_fix():
    assert set(editorsdoc.EXAMPLES) == set(CODES)
    assert all(example and fix for example, fix in editorsdoc.EXAMPLES.values())


def test_the_guide_is_what_the_codes_make():
    text = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    assert text == editorsdoc.generate(), "run: invoke docs"
    for code, meaning in CODES.items():
        assert f"**{code}**: {meaning}." in text
    for step in ("## Writing", "## Previewing", "## Checking", "## Fixing", "## Publishing"):
        assert step in text

"""The README and the docs stay true: the Quick start, the metadata reference, the limits."""

import re

from conftest import ROOT

from pressroom.model import FIELDS

README = (ROOT / "README.md").read_text(encoding="utf-8")
METADATA = (ROOT / "docs" / "metadata.md").read_text(encoding="utf-8")
SECURITY = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")


def test_quick_start_is_two_commands_ending_in_invoke_test():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "invoke build" in commands[0] and commands[1].endswith("invoke test")


def test_every_metadata_field_is_documented():
    for field in FIELDS:
        assert f"| `{field.name}` |" in METADATA and field.doc in METADATA, field.name


def test_the_security_limits_in_the_readme_are_the_enforced_ones():
    from pressroom.editions import resources
    from pressroom.manuscript import safety

    section = SECURITY
    rows = {
        "a Markdown file": f"{safety.MAX_FILE_BYTES // 1024} KB",
        "`brief.yaml`, `house.yaml`": f"{safety.MAX_YAML_BYTES // 1024} KB",
        "all the text of one brief": f"{safety.MAX_BRIEF_BYTES // 2**20} MB",
        "a paragraph, list item, table cell, heading or code block": f"{safety.MAX_BLOCK_CHARS:,} characters",
        "rows of one table": f"{safety.MAX_TABLE_ROWS:,}",
        "lists and block quotes inside one another": f"{safety.MAX_DEPTH} deep",
        "emphasis, links and strikethrough inside one another": f"{safety.MAX_INLINE_DEPTH} deep",
        "an image file": (f"{safety.MAX_IMAGE_BYTES // 2**20} MB, {safety.MAX_IMAGE_SIDE:,} pixels a side, "
                          f"{safety.MAX_IMAGE_PIXELS // 10**6} million pixels"),
        "a `data:` URL in the project's styles": f"{resources.MAX_DATA_URL // 1024} KB",
    }
    for what, value in rows.items():
        assert f"| {what} | {value} |" in section, what
    assert f"at most {safety.MAX_YAML_ALIASES} aliases and {safety.MAX_YAML_DEPTH} levels" in section


def test_the_readme_stays_a_page():
    assert len(README.splitlines()) <= 200

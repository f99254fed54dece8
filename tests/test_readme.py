"""The README stays true: its Quick start and its metadata reference."""

import re

from conftest import ROOT
from pressroom.model import FIELDS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_two_commands_ending_in_invoke_test():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "invoke build" in commands[0] and commands[1].endswith("invoke test")


def test_every_metadata_field_is_documented():
    for field in FIELDS:
        assert f"| `{field.name}` |" in README and field.doc in README, field.name

"""`invoke fix` writes into the sources the typography the build prints (issue 20)."""

from __future__ import annotations

import pytest
from conftest import write_brief
from invoke import Context, Exit

from pressroom.checks import lint
from pressroom.manuscript import fix
from pressroom.wording import normalise

YAML = """title: "The day's \\"big\\" memo"
summary: 'A summary that''s plain -- really...'
key_points:
  - The workers' union said "no" in the '90s.
  - Over 12 % of 40 km.
  - Written by J. R. Smith.
sections:
  - 01-a.md
"""
TEXT = """# The day's "news"

It's a "test" -- with `code 'x'` and [a link](https://example.org/it's) here...
Second line  with  spaces.
1990--2000 and a---b, 5 km and 3 GW.

| a | b's |
|---|-----|
| 'x' | "y" |
"""
FIXED = """# The day’s “news”

It’s a “test” – with `code 'x'` and [a link](https://example.org/it's) here…
Second line with spaces.
1990–2000 and a—b, 5\u00a0km and 3\u00a0GW.

| a | b’s |
|---|-----|
| ‘x’ | “y” |
"""


@pytest.fixture
def memo(scratch):
    write_brief(scratch.source_dir / "memo", YAML, {"01-a.md": TEXT})
    return scratch


def test_fix_rewrites_the_typography_the_lint_reports(memo):
    before = [p for p in lint.lint(memo, "memo") if p.code.startswith("T6")]
    assert {"T601", "T602", "T603", "T604"} <= {p.code for p in before}
    changes = fix.fix(memo, "memo")
    assert (memo.source_dir / "memo" / "01-a.md").read_text(encoding="utf-8") == FIXED
    yaml_text = (memo.source_dir / "memo" / "brief.yaml").read_text(encoding="utf-8")
    assert yaml_text.startswith('title: "The day’s “big” memo"\nsummary: \'A summary that’s plain – really…\'')
    assert "said “no” in the ’90s" in yaml_text and "12% of 40\u00a0km" in yaml_text
    assert "J.\u00a0R.\u00a0Smith" in yaml_text
    assert [p for p in lint.lint(memo, "memo") if p.code.startswith("T6")] == []
    assert normalise(FIXED) == normalise(TEXT)
    shown = [str(c) for c in changes]
    assert any(line.endswith("01-a.md:1: # The day's \"news\" -> # The day’s “news”") for line in shown)
    assert fix.fix(memo, "memo") == []  # a second run has nothing to do


def test_fix_check_lists_and_writes_nothing(memo):
    changes = fix.fix(memo, "memo", check=True)
    assert len(changes) >= 8
    assert (memo.source_dir / "memo" / "01-a.md").read_text(encoding="utf-8") == TEXT


def test_the_house_may_want_a_space_before_the_percent_sign(memo):
    with open(memo.house_file, "a", encoding="utf-8") as house:
        house.write('percent: "12 %"\n')
    write_brief(memo.source_dir / "memo", YAML, {"01-a.md": "# A\n\nRose by 12% and 3 %.\n"})
    fix.fix(memo, "memo")
    text = (memo.source_dir / "memo" / "01-a.md").read_text(encoding="utf-8")
    assert "by 12\u00a0% and 3\u00a0%." in text


def test_the_task_prints_file_line_before_after_and_check_exits_1(memo, monkeypatch, capsys):
    import tasks

    monkeypatch.setattr(tasks, "_project", lambda: memo)
    with pytest.raises(Exit) as info:
        tasks.fix.body(Context(), brief="memo", check=True)
    assert info.value.code == 1
    out = capsys.readouterr().out.splitlines()
    assert any(":3: It's a" in line and " -> It’s a" in line for line in out)
    tasks.fix.body(Context(), brief="memo")
    tasks.fix.body(Context(), brief="memo", check=True)  # clean now: no exit
    assert capsys.readouterr().out.splitlines()[-1] == "typography already clean"


def test_fix_never_changes_the_authors_words_of_the_repository(project):
    changes, texts, refused = fix.plan(project)
    assert refused == []
    assert all(normalise(path.read_text(encoding="utf-8")) == normalise(text) for path, text in texts.items())


def test_a_single_file_brief_is_fixed_front_matter_and_body(scratch, tmp_path):
    memo = tmp_path / "memo.md"
    memo.write_text("---\ntitle: The day's memo\n---\n\n# Point\n\nIt's \"here\"...\n", encoding="utf-8")
    fix.fix(scratch, str(memo))
    assert memo.read_text(encoding="utf-8") == "---\ntitle: The day’s memo\n---\n\n# Point\n\nIt’s “here”…\n"

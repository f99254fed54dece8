"""The brief's git revision (colophon and build cache) is remembered while nothing it depends on
changes, and is always what git itself would answer."""

from __future__ import annotations

import subprocess

import pytest

from pressroom.execution import gitinfo


def git(repo, *args) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "press@example.org")
    git(tmp_path, "config", "user.name", "Press")
    brief = tmp_path / "source" / "brief"
    (brief / "images").mkdir(parents=True)
    (brief / "brief.yaml").write_text("title: A\n")
    (brief / "01-intro.md").write_text("Text.\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "first")
    monkeypatch.setattr(gitinfo, "_known", {})
    return brief


def fresh(folder) -> str:
    """What the pipeline answers in a new process: lru cache empty, remembered answers kept."""
    gitinfo.revision.cache_clear()
    return gitinfo.revision(folder)


ASK = gitinfo._ask  # git itself, even where a test counts or forbids the pipeline's questions


def truth(folder) -> str:
    return ASK(folder)


STEPS = [
    ("clean", lambda b: None),
    ("edited", lambda b: (b / "01-intro.md").write_text("Text, edited.\n")),
    ("committed", lambda b: (git(b, "commit", "-q", "-am", "edit"))),
    ("an untracked image", lambda b: (b / "images" / "map.png").write_bytes(b"png")),
    ("added", lambda b: git(b, "add", "-A")),
    ("committed again", lambda b: git(b, "commit", "-q", "-m", "map")),
    ("ignored", lambda b: ((b / ".gitignore").write_text("*.tmp\n"), git(b, "add", "-A"),
                           git(b, "commit", "-q", "-m", "ignore"),
                           (b / "notes.tmp").write_text("x"))),
    ("checked out", lambda b: git(b, "checkout", "-q", "HEAD~1")),
    ("back", lambda b: git(b, "checkout", "-q", "main")),
]


def test_the_remembered_revision_is_what_git_answers_after_every_change(repo, monkeypatch):
    asked = []
    real = gitinfo._ask
    monkeypatch.setattr(gitinfo, "_ask", lambda folder: asked.append(folder) or real(folder))
    for name, change in STEPS:
        change(repo)
        answer = fresh(repo)
        assert answer == truth(repo), name
        assert fresh(repo) == answer  # the second time, from memory
    assert len(asked) == len(STEPS)  # once per change, never for the second answer


def test_the_comparison_catches_a_stamp_blind_to_edits(repo, monkeypatch):
    """Sabotaged (a stamp that sees only git's own files), an edit keeps the old revision."""
    fresh(repo)
    monkeypatch.setattr(gitinfo, "_line", lambda path: "" if "/.git/" not in path else path + "\n")
    gitinfo.revision.cache_clear()
    fresh(repo)  # remembered under the blind stamp
    (repo / "01-intro.md").write_text("Text, edited.\n")
    assert fresh(repo) != truth(repo)


def test_answers_survive_in_the_manifest_and_a_no_op_build_needs_no_git(repo, monkeypatch, tmp_path):
    from pressroom.execution import cache

    build_dir = tmp_path / "build"
    build_dir.mkdir()
    manifest = cache.Manifest(build_dir)
    revision = fresh(repo)
    assert manifest.revisions_changed()
    manifest.save()
    monkeypatch.setattr(gitinfo, "_known", {})
    monkeypatch.setattr(gitinfo, "_ask", lambda folder: pytest.fail("git was asked"))
    again = cache.Manifest(build_dir)  # a new build reads them back
    assert fresh(repo) == revision and not again.revisions_changed()


def test_no_repository_means_no_stamp(tmp_path):
    assert gitinfo.stamp(tmp_path) is None
    (tmp_path / ".git").write_text("gitdir: elsewhere\n")  # a worktree: git is asked each time
    assert gitinfo.stamp(tmp_path) is None

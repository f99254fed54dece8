"""The source revision of a brief, for the colophon and the build cache (import-light).

Asking git costs two processes per brief, and every build plans with the answer, a rebuild with
nothing to do too. So each answer is remembered with a stamp of everything it depends on (the
stat of every file and folder of the brief, and of git's HEAD, the ref it names, the packed refs,
the index and the ignore files): while the stamp is the same, git would answer the same. The
build keeps the answers in its manifest (:func:`known`, :func:`remember`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from functools import lru_cache
from pathlib import Path

_known: dict[str, list[str]] = {}  # folder -> [stamp, revision]


@lru_cache(maxsize=32)
def revision(folder: Path) -> str:
    """The source revision of a brief: its git commit, with '+' when the brief has local changes."""
    before = stamp(folder)
    remembered = _known.get(str(folder))
    if before is not None and remembered and remembered[0] == before:
        return remembered[1]
    answer = _ask(folder)
    if before is not None and stamp(folder) == before:  # nothing moved while git answered
        _known[str(folder)] = [before, answer]
    return answer


def known() -> dict[str, list[str]]:
    """The answers remembered, for the manifest."""
    return dict(_known)


def remember(answers) -> None:
    """Answers a previous build remembered (from its manifest); malformed ones are ignored."""
    if isinstance(answers, dict):
        _known.update({k: v for k, v in answers.items()
                       if isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)})


def stamp(folder: Path) -> str | None:
    """What git's answer for ``folder`` depends on, as a digest; None where git keeps its data
    somewhere this does not look (a worktree, a submodule) or there is no repository."""
    folder = Path(os.path.abspath(folder))
    root = next((p for p in (folder, *folder.parents) if os.path.lexists(p / ".git")), None)
    if root is None or not os.path.isdir(root / ".git"):
        return None
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    watched = [git / "HEAD", git / "index", git / "packed-refs", git / "info" / "exclude"]
    if head.startswith("ref: "):
        watched.append(git / head[5:])
    watched += [p / ".gitignore" for p in (folder, *folder.parents) if p == root or root in p.parents]
    parts = [f"{head}\n"]
    for path in watched:
        parts.append(_line(str(path)))
    for top, dirs, files in os.walk(folder):
        dirs.sort()
        parts.append(_line(top))
        parts += [_line(os.path.join(top, name)) for name in sorted(files)]
    return hashlib.sha256("".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _line(path: str) -> str:
    try:
        s = os.stat(path)
    except OSError:
        return f"{path} -\n"
    return f"{path} {s.st_ino} {s.st_size} {s.st_mtime_ns} {s.st_ctime_ns}\n"


def _ask(folder: Path) -> str:
    asked = []
    try:  # both questions at once; status must not refresh the index, which the stamp watches
        for question in (["log", "-1", "--format=%h", "--", "."],
                         ["--no-optional-locks", "status", "--porcelain", "--", "."]):
            asked.append(subprocess.Popen(["git", "-C", str(folder), *question], text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
        (head, _), (dirty, _) = (process.communicate(timeout=10) for process in asked)
        if asked[0].returncode != 0 or not head.strip():
            return ""
        return head.strip() + ("+" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""
    finally:
        for process in asked:
            if process.poll() is None:
                process.kill()
                process.wait()

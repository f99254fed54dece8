"""The source revision of a brief, for the colophon and the build cache (import-light)."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=32)
def revision(folder: Path) -> str:
    """The source revision of a brief: its git commit, with '+' when the brief has local changes."""
    asked = []
    try:  # both questions at once: every build plans with this, a rebuild with nothing to do too
        for question in (["log", "-1", "--format=%h", "--", "."], ["status", "--porcelain", "--", "."]):
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

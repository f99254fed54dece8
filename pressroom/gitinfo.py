"""The source revision of a brief, for the colophon and the build cache (import-light)."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=32)
def revision(folder: Path) -> str:
    """The source revision of a brief: its git commit, with '+' when the brief has local changes."""
    try:
        head = subprocess.run(["git", "-C", str(folder), "log", "-1", "--format=%h", "--", "."],
                              capture_output=True, text=True, timeout=10)
        if head.returncode != 0 or not head.stdout.strip():
            return ""
        dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return ""

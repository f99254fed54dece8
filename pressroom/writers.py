"""The only code that writes to build/: every output through a temporary name and a rename.

A failed or interrupted build leaves the previous outputs exactly as they were;
temporary names start with a dot and end in ``.tmp`` so a later build can
sweep what a killed process left behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from .resources import Files, read

STALE_SECONDS = 3600


def write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_tree(folder: Path, files: Files) -> None:
    """Replace ``folder`` with a tree of files, swapping whole folders by rename."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    old = None
    try:
        for name, value in files.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(value, Path):
                shutil.copyfile(value, target)
            else:
                target.write_bytes(read(value))
        os.chmod(tmp, 0o755)
        if folder.exists():
            old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old.", suffix=".tmp"))
            os.rmdir(old)
            os.rename(folder, old)
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not folder.exists():
            os.rename(old, folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def sweep(build_dir: Path) -> None:
    """Remove temporary files an interrupted build left behind (older than an hour)."""
    if not build_dir.is_dir():
        return
    limit = time.time() - STALE_SECONDS
    for entry in build_dir.glob(".*.tmp"):
        try:
            if entry.stat().st_mtime < limit:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        except OSError:
            pass

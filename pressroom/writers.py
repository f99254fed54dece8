"""The only code that writes to build/: every output through a temporary name and a rename.

A failed or interrupted build leaves the previous outputs exactly as they were:

* every output is written to a dot-prefixed ``*.tmp`` name beside its final
  path, flushed to disk, then renamed over the old one (a rename is atomic);
* the HTML folder is swapped whole: old folder aside, new folder in place, old
  removed; if a build dies between the two renames, the next build puts the
  old folder back before doing anything else;
* builds of one build folder take turns writing (an exclusive ``flock`` on the
  folder itself, so no lock file is left behind), and a build holding the lock
  knows that every temporary name it finds was left by a dead build and
  removes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from pathlib import Path

from .errors import BuildError, Problem
from .resources import Files, read

_OLD = re.compile(r"^\.(?P<name>.+)\.old\.[^.]+\.tmp$")


@contextlib.contextmanager
def locked(build_dir: Path):
    """Hold the build folder for writing; other builds wait their turn (rendering does not)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(build_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        recover(build_dir)
        yield build_dir
    finally:
        os.close(fd)  # closing releases the lock


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


def recover(build_dir: Path) -> None:
    """With the lock held: put back an HTML folder a dead build had moved aside, remove its temporaries."""
    for entry in sorted(build_dir.glob(".*.tmp")):
        match = _OLD.match(entry.name)
        with contextlib.suppress(OSError):
            if match and entry.is_dir() and not (build_dir / match["name"]).exists():
                os.rename(entry, build_dir / match["name"])
            elif entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def guarded(path: Path, write) -> None:
    """Run one write; a failure of the file system becomes a one-line build error."""
    try:
        write()
    except OSError as exc:
        raise BuildError(Problem("B404", f"cannot write {path} ({exc.strerror or exc})",
                                 "check that the build folder is writable and the disk has room",
                                 str(path))) from exc

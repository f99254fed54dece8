"""The only code that writes to build/: every output through a temporary name and a rename.

A failed or interrupted build leaves the previous outputs exactly as they were:

* all the editions of a brief are first written in full to dot-prefixed
  ``*.tmp`` names beside their final paths and flushed to disk (a
  :class:`Batch`); only then are they renamed into place, one rename each, so
  an interruption while writing leaves every previous output untouched;
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

from pressroom.editions.resources import Files, read
from pressroom.errors import BuildError, Problem

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


def stage_file(path: Path, data: bytes) -> Path:
    """Write ``data`` in full to a temporary name beside ``path``; return that name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def stage_tree(folder: Path, files: Files) -> Path:
    """Write a tree of files to a temporary folder beside ``folder``; return that folder."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        for name, value in files.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(value, Path):
                shutil.copyfile(value, target)
            else:
                target.write_bytes(read(value))
        os.chmod(tmp, 0o755)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def swap_tree(tmp: Path, folder: Path) -> None:
    """Put a staged folder in place of ``folder`` (two renames; see :func:`recover`)."""
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old.", suffix=".tmp"))
        os.rmdir(old)
        os.rename(folder, old)
    try:
        os.rename(tmp, folder)
    except BaseException:
        if old is not None and not folder.exists():
            os.rename(old, folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class Batch:
    """Every output of one brief: staged in full, then renamed into place together."""

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []  # (temporary, final)

    def file(self, path: Path, data: bytes) -> None:
        self.staged.append((stage_file(path, data), path))

    def tree(self, folder: Path, files: Files) -> None:
        self.staged.append((stage_tree(folder, files), folder))

    def commit(self) -> None:
        while self.staged:
            tmp, final = self.staged.pop(0)
            if tmp.is_dir():
                swap_tree(tmp, final)
            else:
                os.replace(tmp, final)

    def discard(self) -> None:
        for tmp, _ in self.staged:
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
        self.staged.clear()


def write_file(path: Path, data: bytes) -> None:
    """One file, atomically, holding the folder's lock (a lone write, e.g. the build manifest)."""
    _write_one(path, lambda batch: batch.file(path, data))


def write_tree(folder: Path, files: Files) -> None:
    """One folder of files, swapped whole, holding the parent folder's lock."""
    _write_one(folder, lambda batch: batch.tree(folder, files))


def _write_one(path: Path, stage) -> None:
    def write():
        with locked(path.parent):
            batch = Batch()
            try:
                stage(batch)
                batch.commit()
            finally:
                batch.discard()

    guarded(path, write)


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


def sweep(build_dir: Path) -> None:
    """Put back or remove what interrupted builds left (takes the lock: never a live build's files)."""
    if build_dir.is_dir():
        with locked(build_dir):
            pass


def guarded(path: Path, write) -> None:
    """Run one write; a failure of the file system becomes a one-line build error."""
    try:
        return write()
    except OSError as exc:
        raise BuildError(Problem("B411", f"cannot write {path} ({exc.strerror or exc})",
                                 "check that the build folder is writable and the disk has room",
                                 str(path))) from exc


def remove_build_dir(build_dir: Path) -> None:
    """Remove every generated output (``invoke clean``), holding the build lock so that a build
    running meanwhile finishes first."""
    import shutil

    if not build_dir.exists():
        return
    with locked(build_dir):  # the lock is on the folder itself: it goes with it
        for child in sorted(build_dir.iterdir()):
            if child.is_dir() and not child.is_symlink():
                guarded(child, lambda c=child: shutil.rmtree(c))
            else:
                guarded(child, child.unlink)
        build_dir.rmdir()

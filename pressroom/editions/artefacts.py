"""What a build makes from its inputs and can make again the same: a font subset, the EPUB's
cover image. Each kind is a :class:`Store`: the last few in memory (the preview's rebuilds), and
on disk under the build folder (``build/.fonts/``, ``build/.covers/``: the next process), by a
key of everything they are made from. A store is written with the brief's outputs
(:func:`flush`, holding the build folder's lock): a failed build leaves nothing in ``build/``.
Reading one back is the same bytes as making it again; what goes wrong on disk only costs time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

_lock = threading.Lock()
STORES: list[Store] = []


class Store:
    def __init__(self, folder: str, limit: int = 128):
        self.folder, self.limit = folder, limit
        self.memory: dict[str, bytes] = {}
        self.pending: dict[Path, bytes] = {}  # made, for the disk, once their brief is written
        self.stats = {"made": 0, "cached": 0}  # in this process (the tests look)
        STORES.append(self)

    def get(self, name: str, build_dir: Path | None, make) -> bytes:
        """The artefact ``name`` (its key, and a suffix), made by ``make()`` if neither memory nor
        the store's folder under ``build_dir`` has it."""
        stored = build_dir / self.folder / name if build_dir is not None else None
        with _lock:
            data = self.memory.get(name)
        on_disk = False
        if data is None and stored is not None:
            try:
                data = stored.read_bytes()
                on_disk = True
            except OSError:
                data = None
        if data is None:
            data = make()
            self.stats["made"] += 1
        else:
            self.stats["cached"] += 1
        with _lock:
            if stored is not None and not on_disk and not stored.is_file():
                self.pending[stored] = data  # written with the brief's outputs (flush)
            if len(self.memory) >= self.limit:
                self.memory.pop(next(iter(self.memory)))
            self.memory[name] = data
        return data

    def flush(self, build_dir: Path) -> None:
        folder = build_dir / self.folder
        with _lock:
            ready = {path: data for path, data in self.pending.items() if path.parent == folder}
            for path in ready:
                del self.pending[path]
        if not ready:
            return
        for stale in folder.glob(".part-*") if folder.is_dir() else ():  # of a build killed mid-write
            try:
                stale.unlink()
            except OSError:
                pass
        for path, data in ready.items():
            _write(path, data)


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, read once per process while its size and time stay the same."""
    stat = path.stat()
    return _digest(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=128)
def _digest(path: str, size: int, mtime: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def flush(build_dir: Path) -> None:
    """Write what was made for ``build_dir`` to its stores: called once a brief's outputs are in
    place, holding the build folder's lock."""
    for store in STORES:
        store.flush(build_dir)


def _write(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (a reader never sees half of one)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError:  # a store that cannot be written is only slower
        try:
            os.unlink(temporary)
        except (OSError, UnboundLocalError):
            pass

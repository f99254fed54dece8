"""What an edition is made of, noted while it is made.

Code that reads a file an edition depends on (a layout, a stylesheet, a font)
calls :func:`note`; :func:`recording` collects those paths for the edition
being rendered (in the thread rendering it), so the build cache (:mod:`pressroom.execution.cache`) learns the true
inputs of each output instead of a list kept by hand. Outside a recording,
:func:`note` does nothing. Import-light on purpose: the no-op build uses it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

_local = threading.local()  # .active: the recordings of this thread (briefs built in threads)


def _recordings() -> list[set[Path]]:
    try:
        return _local.active
    except AttributeError:
        _local.active = []
        return _local.active


@contextmanager
def recording():
    """Collect every path noted inside the ``with`` block (nested recordings all see it)."""
    used: set[Path] = set()
    recordings = _recordings()
    recordings.append(used)
    try:
        yield used
    finally:
        recordings.remove(used)


def note(*paths: Path) -> None:
    for used in _recordings():
        used.update(Path(p) for p in paths)


def active() -> bool:
    return bool(_recordings())

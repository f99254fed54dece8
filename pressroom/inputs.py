"""What an edition is made of, noted while it is made.

Code that reads a file an edition depends on (a layout, a stylesheet, a font)
calls :func:`note`; :func:`recording` collects those paths for the edition
being rendered, so the build cache (:mod:`pressroom.cache`) learns the true
inputs of each output instead of a list kept by hand. Outside a recording,
:func:`note` does nothing. Import-light on purpose: the no-op build uses it.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

_active: list[set[Path]] = []


@contextmanager
def recording():
    """Collect every path noted inside the ``with`` block (nested recordings all see it)."""
    used: set[Path] = set()
    _active.append(used)
    try:
        yield used
    finally:
        _active.remove(used)


def note(*paths: Path) -> None:
    for used in _active:
        used.update(Path(p) for p in paths)


def active() -> bool:
    return bool(_active)

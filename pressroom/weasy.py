"""WeasyPrint, imported once per process and quickly; one font configuration shared by its renders.

Two of WeasyPrint's own costs are avoidable without changing a byte of the PDF:

* **Finding its C libraries.** WeasyPrint tries several names for each library
  (``libgobject-2.0-0``, ``gobject-2.0-0``, ..., ``libgobject-2.0.so.0``) so that one list
  serves Linux, macOS and Windows. cffi hands every name that is not directly loadable to
  ``ctypes.util.find_library``, which on Linux runs ``ldconfig``, ``gcc`` and ``ld`` in turn:
  about fifty processes, 0.15 s of a 0.39 s import. The names that work on Linux are sonames
  the dynamic loader finds by itself, so during the import ``find_library`` answers "not found"
  at once and the loader finds the same libraries. Should that fail, the import is retried
  as WeasyPrint wrote it.
* **Loading the fonts again for every render.** Each render makes a new ``FontConfiguration``,
  copies every ``@font-face`` file to a temporary folder and rebuilds Fontconfig's view of them.
  A long-lived process (the preview) keeps one, reused while the fonts it was made from are
  unchanged.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

KEEP = 4  # font configurations kept at once: one per edition tree in use
_font_configs: dict = {}  # key -> FontConfiguration, oldest first


@contextmanager
def _no_library_search():
    import ctypes.util

    real = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = real


def load():
    """Import WeasyPrint (once) and return the module."""
    if "weasyprint" in sys.modules and hasattr(sys.modules["weasyprint"], "HTML"):
        return sys.modules["weasyprint"]
    if sys.platform.startswith("linux"):
        try:
            with _no_library_search():
                import weasyprint
            return weasyprint
        except OSError:  # a library only find_library knows where to find: do it the slow way
            for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
                del sys.modules[name]
    import weasyprint

    return weasyprint


def font_config(key):
    """A FontConfiguration for ``key``: where an edition tree lives and what its stylesheets and
    fonts are (names, sizes, modification times). Any change to them makes a new one, so a face
    a stylesheet no longer declares can never be matched."""
    from weasyprint.text.fonts import FontConfiguration

    config = _font_configs.pop(key, None) or FontConfiguration()
    _font_configs[key] = config
    while len(_font_configs) > KEEP:
        del _font_configs[next(iter(_font_configs))]
    return config


def forget_fonts() -> None:
    """Drop every shared FontConfiguration (their temporary folders go with them)."""
    _font_configs.clear()

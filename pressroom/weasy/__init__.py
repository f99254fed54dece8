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
* **Serialising every object twice.** Given an identifier (ours is stable, made from the
  brief's identifier and version), pydyf writes each object, then serialises and compresses
  every object again to hash them for the trailer's ``/ID``. While a PDF is written, the
  bytes of each numbered object are kept and given again (:func:`_write_once`).
* **Listing every page reference for every tag.** The tag tree asks pydyf for
  ``page_references``, a tuple of every page made again on each call: quadratic in the pages.
  It is kept while the page list is unchanged (:func:`_page_references`).

* **Keeping every laid-out page for the cycle collector.** A page's footnote area points back
  at its page, so each page's box tree is a reference cycle: a page laid out again (WeasyPrint
  remakes pages whose counters changed) is freed only by a full collection, which walks every
  box of the document. The footnote area holds its page by weak reference instead
  (:func:`_weak_page`); the page outlives it, so layout reads the same page.
* **Laying out every footnote of a page again for each new one.** To know the room left on a
  page, WeasyPrint lays out all its footnotes so far each time one more is called: quadratic in
  the notes on a page, half the layout of a note-heavy brief. Each note is laid out once per
  place instead (:mod:`pressroom.weasy.footnotes`).

These give the same bytes as WeasyPrint and pydyf alone; a test holds them to it. Each patch
reads internals, so they are applied only on the versions they were tested on
(:data:`TESTED`); on any other, WeasyPrint runs as it comes, a little slower, and a one-line
notice says so. This subpackage is the only code that imports WeasyPrint or pydyf.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager

KEEP = 4  # font configurations kept at once: one per edition tree in use
#: The versions the patches below were tested on (version prefixes).
TESTED = {"weasyprint": ("70.",), "pydyf": ("0.11.", "0.12.", "0.13.")}
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
            _tune()
            return weasyprint
        except OSError:  # a library only find_library knows where to find: do it the slow way
            for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
                del sys.modules[name]
    import weasyprint

    _tune()
    return weasyprint


_writing = threading.local()  # .memo: id -> bytes of each numbered object, while a PDF is written


def tested(weasyprint_version: str, pydyf_version: str) -> bool:
    """Whether the speed patches were tested on these versions."""
    return (weasyprint_version.startswith(TESTED["weasyprint"])
            and pydyf_version.startswith(TESTED["pydyf"]))


def _tune() -> None:
    """Install :func:`_write_once` and :func:`_page_references` in pydyf (once), and the weak
    footnote-area page and the footnotes measured once per place in WeasyPrint, on the versions
    they were tested on."""
    import pydyf
    import weasyprint

    if getattr(pydyf.PDF, "_pressroom", None) is not None:
        return
    if not tested(weasyprint.__version__, pydyf.__version__):
        pydyf.PDF._pressroom = False
        print(f"pressroom: WeasyPrint {weasyprint.__version__} / pydyf {pydyf.__version__} are not "
              f"the versions its speed-ups were tested on; rendering without them (same output)",
              file=sys.stderr)
        return
    for kind in (pydyf.Dictionary, pydyf.Array, pydyf.Stream, pydyf.String):
        kind.data = property(_write_once(kind.data.fget))
    pydyf.PDF.write = _writing_pdf(pydyf.PDF.write)
    pydyf.PDF.page_references = property(_page_references(pydyf.PDF.page_references.fget))
    pydyf.PDF._pressroom = True
    from weasyprint.formatting_structure import boxes

    from pressroom.weasy import footnotes

    if not isinstance(getattr(boxes.FootnoteAreaBox, "page", None), property):  # else WeasyPrint's own
        boxes.FootnoteAreaBox.page = _weak_page()
    footnotes.install()


def _write_once(data):
    """``data`` of a pydyf object, made once per numbered object while a PDF is written.
    Nothing changes an object while it is written, so the bytes given again are the same."""

    def once(self):
        memo = getattr(_writing, "memo", None)
        if memo is None or self.number is None:  # not writing, or an object inside another
            return data(self)
        value = memo.get(id(self))
        if value is None:
            value = memo[id(self)] = data(self)
        return value

    return once


def _writing_pdf(write):
    def writing(self, *args, **kwargs):
        _writing.memo = {}  # the objects live in self.objects until the end: their ids are theirs
        try:
            return write(self, *args, **kwargs)
        finally:
            _writing.memo = None

    return writing


def _weak_page() -> property:
    """``FootnoteAreaBox.page`` held weakly: no cycle between a page and its footnote area."""
    import weakref

    def get(self):
        return self.__dict__["_pressroom_page"]()

    def set_(self, page):
        self.__dict__["_pressroom_page"] = weakref.ref(page)

    return property(get, set_)


def _page_references(references):
    """``PDF.page_references``, kept until a page is added."""

    def cached(self):
        count = len(self.pages["Kids"])
        kept = self.__dict__.get("_pressroom_page_references")
        if kept is None or kept[0] != count:
            kept = self.__dict__["_pressroom_page_references"] = (count, references(self))
        return kept[1]

    return cached


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


def disown_fonts() -> None:
    """In a process forked from one that laid out pages: drop the inherited FontConfigurations
    without removing their temporary folders, which still belong to the process forked from."""
    for config in _font_configs.values():
        config._folder = None
    _font_configs.clear()

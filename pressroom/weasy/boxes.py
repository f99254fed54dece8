"""Reading WeasyPrint's laid-out boxes: the text and images that open each page.

The walk reads attributes of WeasyPrint's box tree (``page._page_box``, ``element_tag``,
``is_header``), which are not public API: they live here, behind the version check of
:mod:`pressroom.weasy`.
"""

from __future__ import annotations

#: Classes of boxes that are not the author's text: a draft's banner, the table of contents.
_FURNITURE = frozenset({"draft-banner", "toc"})


def _flow(box, repeated: set, image: str):
    """The text and image boxes of a page's body in reading order (no margin boxes, no notes,
    no table header repeated from an earlier page)."""
    tag = getattr(box, "element_tag", None) or ""
    if "::" in tag:  # ::marker, ::footnote-call, ::before: generated, not the author's text
        return
    element = getattr(box, "element", None)
    if element is not None and _FURNITURE & set((element.get("class") or "").split()):
        return
    if getattr(box, "is_header", False) and element is not None:
        if element in repeated:
            return
        repeated.add(element)
    if type(box).__name__.endswith("ReplacedBox") and tag == "img":
        yield image
        return
    text = getattr(box, "text", None)
    if text is not None:
        yield text
    for child in getattr(box, "children", None) or ():
        yield from _flow(child, repeated, image)


def page_pieces(document, image: str):
    """For each page of a laid-out document, an iterator of its body's pieces in reading order:
    text, or ``image`` for an image."""
    repeated: set = set()
    for page in document.pages:
        root = page._page_box.children[0] if page._page_box.children else None  # the <html> box
        yield _flow(root, repeated, image) if root is not None else iter(())

"""Finishing WeasyPrint's tag tree for PDF/UA-1 (a ``finisher`` run just before the PDF is written).

WeasyPrint 70 tags the document from the HTML (headings, paragraphs, lists,
tables, figures with their ``alt``). Three things it leaves to us:

* **Running heads and folios** (the page's margin boxes) are marked content
  with an MCID whose structure element is never linked into the tree: content
  that is neither tagged nor an artifact. They become pagination artifacts
  (``/Artifact <</Type /Pagination>>``) and leave the parent tree.
* **Skipped heading levels** (a manuscript's mistake, which the lint reports as C306) are
  closed up in the tag tree (PDF/UA-1 7.4.2).
* **Footnotes** sit in the page's footnote area as an untyped ``NonStruct``
  holding one ``Span`` per note. Each note becomes a ``Note`` with an ``ID``
  (PDF/UA-1 7.9) inside a ``Div``.

Only the structure is changed; what is drawn, and where, stays as laid out.
"""

from __future__ import annotations

import pydyf


def _ref(value) -> int | None:
    """The object number of an indirect reference (``b'12 0 R'``), else None."""
    if isinstance(value, (bytes, str)):
        text = value.decode() if isinstance(value, bytes) else value
        parts = text.split()
        if len(parts) == 3 and parts[2] == "R" and parts[0].isdigit():
            return int(parts[0])
    return None


def _kids(pdf, element) -> list:
    kids = element.get("K")
    items = kids if isinstance(kids, (list, pydyf.Array)) else [kids]
    return [pdf.objects[n] for n in (_ref(k) for k in items) if n is not None]


def _reachable(pdf, root) -> set[int]:
    seen: set[int] = set()
    todo = _kids(pdf, root)
    while todo:
        element = todo.pop()
        if element.number in seen:
            continue
        seen.add(element.number)
        if isinstance(element, pydyf.Dictionary) and element.get("Type") == "/StructElem":
            todo.extend(_kids(pdf, element))
    return seen


def _artifacts(pdf, root, page_streams) -> None:
    """Marked content whose structure element is outside the tree becomes a pagination artifact."""
    reachable = _reachable(pdf, root)
    nums = pdf.objects[_ref(root["ParentTree"])]["Nums"]
    for index in range(0, len(nums), 2):
        page, mapping = nums[index], nums[index + 1]
        if not isinstance(mapping, pydyf.Array) or page >= len(page_streams):
            continue
        orphans = {mcid for mcid, ref in enumerate(mapping) if _ref(ref) not in reachable}
        if not orphans:
            continue
        for mcid in orphans:
            mapping[mcid] = "null"
        ops = page_streams[page].stream
        for i, item in enumerate(ops):
            if isinstance(item, pydyf.Dictionary) and item.get("MCID") in orphans and i > 0:
                ops[i - 1] = "/Artifact"
                ops[i] = pydyf.Dictionary({"Type": "/Pagination"})


def _notes(pdf, document, structure) -> None:
    """The footnote area of each page: a Div of Notes."""
    count = 0
    references = [bytes(r) if isinstance(r, bytes) else str(r).encode() for r in pdf.page_references]
    top = _kids(pdf, structure)
    for number, page in enumerate(document.pages):
        if not any(type(box).__name__ == "FootnoteAreaBox" for box in page._page_box.children):
            continue
        on_page = [e for e in top if _as_bytes(e.get("Pg")) == references[number]]
        if not on_page or on_page[-1].get("S") != "/NonStruct":
            continue
        area = on_page[-1]  # the footnote area is the page box's last tagged child
        area["S"] = "/Div"
        for note in _kids(pdf, area):
            if note.get("S") == "/Span":
                count += 1
                note["S"] = "/Note"
                note["ID"] = pydyf.String(f"note-{count}")


def _heading_levels(pdf, structure) -> None:
    """No heading level skipped going down (PDF/UA-1 7.4.2): a heading deeper than the one
    before it by more than a level is tagged one level below it. The manuscript's skipped level
    is reported by the lint (C306); the page keeps the size the author chose."""
    last = 0
    todo = [structure]
    while todo:
        element = todo.pop()
        role = str(element.get("S", ""))
        if role[:2] == "/H" and role[2:].isdigit():
            level = int(role[2:])
            if level > last + 1:
                level = last + 1
                element["S"] = f"/H{level}"
            last = level
        todo.extend(reversed([k for k in _kids(pdf, element) if isinstance(k, pydyf.Dictionary)
                              and k.get("Type") == "/StructElem"]))


def _as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def finish(document, pdf) -> None:
    """The ``finisher`` given to WeasyPrint's ``write_pdf``."""
    if "StructTreeRoot" not in pdf.catalog:
        return
    root = pdf.objects[_ref(pdf.catalog["StructTreeRoot"])]
    structure = _kids(pdf, root)[0]  # the /Document element
    page_streams = [pdf.objects[_ref(pdf.objects[_ref(r)]["Contents"])] for r in pdf.page_references]
    _artifacts(pdf, root, page_streams)
    _notes(pdf, document, structure)
    _heading_levels(pdf, structure)

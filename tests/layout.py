"""Checks of the printed layout, read from WeasyPrint's layout tree or from the PDF itself.

Each returns a list of findings (empty when the layout is right), so a test can show the
same check passing on the real build and catching a deliberately broken one.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from pressroom.build import render
from pressroom.checks import verify
from pressroom.editions import html, pdf

MM = 72 / 25.4


def document(brief, project, profile="screen"):
    """The laid-out WeasyPrint document of a brief, exactly as the PDF edition makes it."""
    tree = html.tree(brief, project, (profile,))
    base = (project.build_dir / brief.slug).resolve().as_uri() + "/"
    return pdf.layout(brief, tree, base, profile)


def pdf_of(brief, project, profile="screen") -> bytes:
    key = "pdf" if profile == "screen" else f"pdf-{profile}"
    return render(brief, project, (key,))[key]


def _walk(box):
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from _walk(child)


def _text(box) -> str:
    return "".join(b.text for b in _walk(box) if hasattr(b, "text") and isinstance(b.text, str))


def _element_id(box) -> str | None:
    element = getattr(box, "element", None)
    return element.get("id") if element is not None else None


def margin_text(page) -> str:
    """What the page's head and foot margin boxes (running heads, folio, footer) print."""
    return " ".join(_text(c) for c in page._page_box.children
                    if type(c).__name__ == "MarginBox"
                    and c.at_keyword.startswith(("@top", "@bottom"))).strip()


def cover_heads(doc) -> list[str]:
    """Findings: the cover (page 1) carries page furniture."""
    text = margin_text(doc.pages[0])
    return [f"page 1 prints {text!r} in its margins"] if text else []


def folios(data: bytes) -> list[str]:
    """Findings: an interior page without its "N of M" folio, or a cover with one."""
    pages = verify.pdf_pages(data)
    total, found = len(pages), []
    for number, text in enumerate(pages, start=1):
        has = re.search(rf"\b{number} of {total}\s*$", text.strip()) is not None
        if number == 1 and has:
            found.append("the cover shows a folio")
        elif number > 1 and not has:
            found.append(f"page {number} does not end with '{number} of {total}'")
    return found


def _flow_blocks(page):
    """Block boxes of the page's main flow that hold lines of text, in order."""
    root = page._page_box.children[0]
    for box in _walk(root):
        if type(box).__name__ in ("BlockBox", "TableCellBox") and any(
                type(c).__name__ == "LineBox" for c in box.children):
            if box.style["position"] not in ("absolute", "fixed"):
                yield box


def headings_at_page_foot(doc) -> list[str]:
    """Findings: a page whose main flow ends with a heading."""
    found = []
    for number, page in enumerate(doc.pages, start=1):
        blocks = list(_flow_blocks(page))
        if blocks and re.fullmatch(r"h[1-6]", blocks[-1].element_tag or ""):
            found.append(f"page {number} ends with the heading {_text(blocks[-1])!r}")
    return found


def notes_off_their_page(doc, brief) -> list[str]:
    """Findings: a footnote whose text is not at the foot of the page of its call."""
    calls, bodies = {}, {}
    for number, page in enumerate(doc.pages, start=1):
        for child in page._page_box.children:
            if type(child).__name__ == "FootnoteAreaBox":
                for box in child.children:
                    bodies.setdefault(_element_id(box), number)
        for box in _walk(page._page_box.children[0]):
            if (box.element_tag or "").endswith("::footnote-call"):
                calls.setdefault(_element_id(box), number)
    found = []
    for section in brief.sections:
        for ident in re.findall(r'class="footnote" id="([^"]+)"', section.print_html):
            if ident not in calls or bodies.get(ident) != calls[ident]:
                found.append(f"note {ident}: called on page {calls.get(ident)}, "
                             f"set at the foot of page {bodies.get(ident)}")
    return found


def split_figures(doc) -> list[str]:
    """Findings: a figure whose image and caption are on different pages."""
    pages: dict[int, set[int]] = {}
    for number, page in enumerate(doc.pages, start=1):
        for box in _walk(page._page_box.children[0]):
            if box.element_tag == "figure":
                pages.setdefault(id(box.element), set()).add(number)
    return [f"a figure spans pages {sorted(p)}" for p in pages.values() if len(p) > 1]


def bleed_boxes(data: bytes, bleed_mm: float = 3.0) -> list[str]:
    """Findings: a page whose BleedBox is not its TrimBox grown by ``bleed_mm`` on every side."""
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages, start=1):
        trim, bleed = page.trimbox, page.bleedbox
        sides = {"left": trim.left - bleed.left, "bottom": trim.bottom - bleed.bottom,
                 "right": bleed.right - trim.right, "top": bleed.top - trim.top}
        for side, value in sides.items():
            if abs(float(value) / MM - bleed_mm) > 0.01:
                found.append(f"page {number}: the bleed is {float(value) / MM:.2f} mm on the {side}")
        media = page.mediabox
        if not (media.left <= bleed.left and media.bottom <= bleed.bottom
                and media.right >= bleed.right and media.top >= bleed.top):
            found.append(f"page {number}: the MediaBox does not contain the BleedBox")
    return found


def rgb_colour(data: bytes) -> list[str]:
    """Findings: a page that paints in RGB (a print-profile PDF must be CMYK only)."""
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(data))
    found = []
    for number, page in enumerate(reader.pages, start=1):
        if "/Group" in page and page["/Group"].get("/CS") == "/DeviceRGB":
            found.append(f"page {number} has an RGB transparency group")
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator in (b"rg", b"RG") or (operator in (b"cs", b"CS") and operands
                                                  and operands[0] == "/DeviceRGB"):
                found.append(f"page {number} uses {operator.decode()} {operands}")
                break
    return found


def page_sizes(data: bytes) -> set[tuple[float, float]]:
    """The trim sizes of the pages, in millimetres (rounded to 0.1 mm)."""
    sizes = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        box = page.trimbox
        sizes.add((round(float(box.width) / MM, 1), round(float(box.height) / MM, 1)))
    return sizes


def draft_marks(data: bytes, stamp: str) -> list[str]:
    """Findings about the draft mark: pages without the diagonal DRAFT, or without the
    footer stamp (interior pages)."""
    found = []
    for number, text in enumerate(verify.pdf_pages(data), start=1):
        if not text.startswith("DRAFT"):
            found.append(f"page {number} has no DRAFT mark")
        if number > 1 and verify.normalise(stamp) not in verify.normalise(text):
            found.append(f"page {number} has no draft stamp")
    return found


def any_draft_text(data: bytes) -> list[str]:
    """Findings: a final that says DRAFT anywhere."""
    return [f"page {n} mentions a draft" for n, text in enumerate(verify.pdf_pages(data), start=1)
            if "draft" in text.lower()]

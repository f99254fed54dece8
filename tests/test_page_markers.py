"""Page markers in the reading editions never look like note calls (issue 20): not inside a table
header nor the cover, and invisible in the web edition unless a reader asks for them."""

from __future__ import annotations

import re

import pytest
import tinycss2
from conftest import ROOT, load_brief

from pressroom.build import render
from pressroom.checks import accessibility

SAMPLE = "sample-brief-corridors"  # its page 1 opens in the cover band, page 3 with a table header
MARKER = re.compile(r'<span role="doc-pagebreak" id="page-(\d+)"')


@pytest.fixture(scope="module")
def sample(project):
    brief = load_brief(project, SAMPLE)
    return brief, render(brief, project, ("pdf", "html"))


def _inside(doc: str, at: int, opening: str, closing: str) -> bool:
    start = doc.rfind(opening, 0, at)
    return start >= 0 and doc.find(closing, start) > at


@pytest.mark.slow
def test_no_marker_inside_a_table_header_or_the_cover(sample):
    brief, outputs = sample
    doc = outputs["html"]["index.html"].decode("utf-8")
    found = {int(m.group(1)): m.start() for m in MARKER.finditer(doc)}
    assert {1, 3} <= set(found)
    for number, at in found.items():
        assert not _inside(doc, at, "<thead", "</thead>"), f"page {number} in a table header"
        assert not _inside(doc, at, "<header class=\"cover\"", "</header>"), f"page {number} in the cover"
    # still right before the text that opens each page of the PDF
    assert accessibility.check_markers(brief, outputs["pdf"], [doc], "HTML edition") == []


def _rules(sheet: str):
    for rule in tinycss2.parse_stylesheet(sheet, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.content is not None:
            yield from _rules(tinycss2.serialize(rule.content))
        elif rule.type == "qualified-rule":
            declarations = tinycss2.parse_declaration_list(rule.content, skip_comments=True,
                                                           skip_whitespace=True)
            yield (" ".join(tinycss2.serialize(rule.prelude).split()),
                   {d.name: tinycss2.serialize(d.value).strip() for d in declarations
                    if d.type == "declaration"})


def test_web_page_markers_are_invisible_unless_asked_for():
    sheet = (ROOT / "styles" / "reading.css").read_text(encoding="utf-8")
    shown = {}
    for prelude, declarations in _rules(sheet):
        for selector in prelude.split(","):
            selector = selector.strip()
            if "doc-pagebreak" in selector and "content" in declarations:
                shown[selector] = declarations["content"]
    plain = [s for s in shown if ":checked" not in s and ":target" not in s]
    assert plain and all(shown[s] == "none" for s in plain), shown
    asked = [s for s in shown if ":checked" in s or ":target" in s]
    assert asked and all(shown[s].startswith('"p.') for s in asked), shown
    page = (ROOT / "layouts" / "page.html").read_text(encoding="utf-8")
    assert 'id="show-pages"' in page and 'for="show-pages"' in page

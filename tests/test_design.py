"""The printed page: furniture, breaks, notes, figures, glyphs; each check also shown
catching a deliberately broken build (a stylesheet or layout edited in a scratch copy)."""

import dataclasses

import layout
import pytest
from conftest import FIXTURES, edit, load_brief

from pressroom.checks import verify
from pressroom.checks.glyphs import missing_glyphs

SAMPLE = FIXTURES / "design" / "multilingual.md"
NOTES_DOC = FIXTURES / "documents" / "notes-and-tables.md"
VENDORED = {"Source-Serif-4", "Source-Serif-4-Italic", "Source-Serif-4-Semi-Bold",
            "Source-Serif-4-Semi-Bold-Italic", "Source-Serif-4-Bold", "Source-Serif-4-Bold-Italic",
            "Source-Sans-3", "Source-Sans-3-Italic", "Source-Sans-3-Semi-Bold", "Source-Sans-3-Bold",
            # the fallback faces carry family names of their own (styles/fonts.css), so no
            # font of the machine can stand in for them
            "Pressroom-Noto-Serif-Armenian", "Pressroom-Noto-Serif-Armenian-Bold",
            "Pressroom-Noto-Sans-Armenian", "Pressroom-Noto-Sans-Armenian-Bold"}


load = load_brief


@pytest.fixture(scope="module")
def sample(project):
    return load(project, SAMPLE)


@pytest.fixture(scope="module")
def sample_doc(project, sample):
    return layout.document(sample, project)


@pytest.fixture(scope="module")
def first_doc(project, first_brief):
    return layout.document(first_brief, project)


@pytest.fixture(scope="module")
def corridors(project):
    """The sample brief of source/: figures, a table, notes, pull quotes, lists."""
    brief = load(project, "sample-brief-corridors")
    return brief, layout.document(brief, project)


@pytest.fixture(scope="module")
def sample_pdf(sample_doc):
    return sample_doc.write_pdf()


# ------------------------------------------------------------------ cover and folios

def test_the_cover_has_no_running_head_or_folio(first_doc, sample_doc):
    assert layout.cover_heads(first_doc) == layout.cover_heads(sample_doc) == []
    assert "of" in layout.margin_text(first_doc.pages[1])  # interior pages do have them


def test_a_cover_with_furniture_is_caught(scratch):
    edit(scratch.styles_dir / "print.css", "@page cover {", "@page not-the-cover {")
    assert layout.cover_heads(layout.document(load(scratch), scratch))


def test_every_interior_page_shows_n_of_m(first_outputs, sample_pdf):
    assert layout.folios(first_outputs["pdf"]) == []
    assert layout.folios(sample_pdf) == []
    assert len(verify.pdf_pages(sample_pdf)) >= 4


def test_a_missing_folio_is_caught(scratch):
    edit(scratch.styles_dir / "print.css", 'content: counter(page) " of " counter(pages);',
         'content: counter(page);')
    assert layout.folios(layout.pdf_of(load(scratch), scratch))


# ------------------------------------------------------------------ breaks

def test_no_page_ends_with_a_heading(first_doc, sample_doc, corridors):
    assert layout.headings_at_page_foot(first_doc) == []
    assert layout.headings_at_page_foot(sample_doc) == []
    assert layout.headings_at_page_foot(corridors[1]) == []


def test_a_heading_stranded_at_a_page_foot_is_caught(scratch):
    edit(scratch.styles_dir / "print.css", "/* ---------------------------------------------------------------"
         "--- back matter */", ".section h2 { break-after: page; }\n/* back matter */")
    found = layout.headings_at_page_foot(layout.document(load(scratch), scratch))
    assert found and "Azerbaijan" in " ".join(found)


def test_no_figure_is_split(sample_doc, corridors):
    assert layout.split_figures(sample_doc) == []
    assert layout.split_figures(corridors[1]) == []
    assert layout.cover_heads(corridors[1]) == []


def test_a_split_figure_is_caught(scratch):
    edit(scratch.styles_dir / "print.css", "figure { margin: 15pt 0; break-inside: avoid; }",
         "figure { margin: 15pt 0; } figure img { break-after: page; }")
    assert layout.split_figures(layout.document(load(scratch, SAMPLE), scratch))


def test_a_titled_image_alone_in_a_paragraph_is_a_figure_with_its_caption(sample):
    for section in sample.sections:
        for body in (section.html, section.xhtml, section.print_html):
            if "bars.svg" in body:
                assert '<figure class="figure"><img src="media/images/bars.svg" alt="Three' in body
                assert "<figcaption>Figure 1. Capacity of three routes" in body
                assert "<p><figure" not in body
    captions = [b for s in sample.sections for b in s.blocks if b.kind == "caption"]
    assert [c.text for c in captions] == [
        "Figure 1. Capacity of three routes, billion cubic metres a year"]


def test_the_table_header_repeats_on_the_next_page(sample_pdf):
    pages = [p for p in verify.pdf_pages(sample_pdf) if "Route 1" in p or "Route 4" in p]
    assert len(pages) >= 2 and all("Capacity (bcm)" in p for p in pages)


# ------------------------------------------------------------------ notes

def test_each_footnote_is_at_the_foot_of_the_page_of_its_call(project, sample, sample_doc, corridors):
    assert layout.notes_off_their_page(sample_doc, sample) == []
    assert layout.notes_off_their_page(corridors[1], corridors[0]) == []
    notes = load(project, NOTES_DOC)
    assert layout.notes_off_their_page(layout.document(notes, project), notes) == []


def test_notes_set_in_the_text_instead_of_the_page_foot_are_caught(scratch):
    edit(scratch.styles_dir / "print.css", ".footnote { float: footnote;", ".footnote { float: none;")
    brief = load(scratch, SAMPLE)
    found = layout.notes_off_their_page(layout.document(brief, scratch), brief)
    assert len(found) == 5


# ------------------------------------------------------------------ glyphs

def test_the_multilingual_sample_has_a_glyph_for_every_character(sample_pdf, sample):
    text = verify.pdf_pages(sample_pdf)
    assert any("ə" in p and "Россия" in p and "Հայաստան" in p for p in text)
    assert missing_glyphs(sample_pdf) == {}
    assert verify.verify_pdf(sample, sample_pdf) == []


def test_only_vendored_faces_are_embedded(sample_pdf):
    import io

    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(sample_pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            # WeasyPrint slants a face without an italic (Armenian) and says so in the name
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[1].rstrip(",")
                      .removesuffix("-Oblique"))
    assert names <= VENDORED, names - VENDORED
    assert {"Pressroom-Noto-Serif-Armenian", "Pressroom-Noto-Sans-Armenian"} <= names


def test_a_character_no_face_has_is_caught_as_notdef(scratch, tmp_path):
    # U+0378 is unassigned: no font anywhere has a glyph for it.
    source = SAMPLE.read_text(encoding="utf-8").replace("Şəki və Gəncə.", "Şəki \u0378 Gəncə.")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "bars.svg").write_bytes((SAMPLE.parent / "images" / "bars.svg").read_bytes())
    (tmp_path / "broken.md").write_text(source, encoding="utf-8")
    brief = load(scratch, tmp_path / "broken.md")
    data = layout.pdf_of(brief, scratch)
    assert any("\u0378" in chars for chars in missing_glyphs(data).values())
    # the verifier reports it (and the text it garbles around it)
    assert "V509" in [p.code for p in verify.verify_pdf(brief, data)]


def test_a_fallback_face_missing_from_the_stack_is_caught(scratch):
    edit(scratch.styles_dir / "print.css", '"Source Serif 4", "Pressroom Noto Serif Armenian", serif; font-size: 10.5pt',
         '"Source Serif 4", serif; font-size: 10.5pt')
    data = layout.pdf_of(load(scratch, SAMPLE), scratch)
    import io

    from pypdf import PdfReader

    names = {str(f.get_object()["/BaseFont"]).split("+", 1)[1].rstrip(",")
             for page in PdfReader(io.BytesIO(data)).pages
             for f in (page["/Resources"].get("/Font") or {}).values()}
    # the machine's fonts fill in (or nothing does): either way not a vendored face
    assert not names <= VENDORED or missing_glyphs(data)


# ------------------------------------------------------------------ paper

def test_a4_by_default_and_letter_on_request(project, first_brief, first_outputs):
    assert layout.page_sizes(first_outputs["pdf"]) == {(210.0, 297.0)}
    letter = dataclasses.replace(first_brief, metadata=dataclasses.replace(first_brief.metadata,
                                                                           paper="letter"))
    data = layout.pdf_of(letter, project)
    assert layout.page_sizes(data) == {(215.9, 279.4)}
    assert layout.folios(data) == [] and layout.cover_heads(layout.document(letter, project)) == []


def test_a_layout_that_ignores_the_paper_is_caught(scratch, first_brief):
    edit(scratch.layouts_dir / "page.html", '"letter" if meta.paper == "letter" else "A4"', '"A4"')
    letter = dataclasses.replace(load(scratch), metadata=dataclasses.replace(
        first_brief.metadata, paper="letter"))
    assert layout.page_sizes(layout.pdf_of(letter, scratch)) != {(215.9, 279.4)}


# ------------------------------------------------------------------ contents

def test_a_long_brief_gets_a_table_of_contents_with_page_numbers(scratch):
    edit(scratch.source_dir / "house.yaml", "paper: a4", "paper: a4\ntoc_threshold: 3")
    brief = load(scratch)
    doc = layout.document(brief, scratch)
    pages = {}
    for number, page in enumerate(doc.pages, start=1):
        for box in layout._walk(page._page_box.children[0]):
            ident = layout._element_id(box)
            if box.element_tag == "section" and ident:
                pages.setdefault(ident, number)
    data = doc.write_pdf()
    contents = verify.pdf_pages(data)[1]
    assert contents.lower().startswith("contents")
    for section in brief.sections:
        assert f"{section.label} {pages[section.id]}" in contents.replace("\n", " ")
    assert layout.folios(data) == []
    import io

    from pypdf import PdfReader

    links = [a.get_object() for a in PdfReader(io.BytesIO(data)).pages[1].get("/Annots", [])]
    internal = [a for a in links if "/Dest" in a or a.get("/A", {}).get("/S") == "/GoTo"]
    assert len(internal) >= len(brief.sections)  # each entry links to its section


def test_a_short_brief_has_no_table_of_contents(first_outputs):
    from pressroom.editions.resources import read

    assert 'class="toc"' not in read(first_outputs["html"]["print.html"]).decode()

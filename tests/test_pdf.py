"""The PDF edition: structure, document information, outline, fonts, determinism."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from test_sources import article_paragraphs, sentences

from pressroom.build import render
from pressroom.checks import verify


@pytest.fixture(scope="module")
def reader(first_outputs):
    return PdfReader(io.BytesIO(first_outputs["pdf"]))


def test_page_one_is_the_cover_with_the_title(reader, first_brief):
    first = verify.normalise(reader.pages[0].extract_text())
    assert verify.normalise(first_brief.metadata.title) in first
    assert verify.normalise(first_brief.metadata.summary) in first


def test_document_information_comes_from_the_metadata(reader, first_brief):
    meta = first_brief.metadata
    info = reader.metadata
    assert info["/Title"] == f"{meta.title}: {meta.subtitle}"
    assert info["/Author"] == ", ".join(meta.authors)
    assert info["/Subject"] == meta.summary
    assert info["/Keywords"] == ", ".join(meta.keywords)
    date = meta.date.strftime("%Y%m%d")
    assert info["/CreationDate"].startswith(f"D:{date}")
    assert info["/ModDate"].startswith(f"D:{date}")
    assert reader.trailer["/Root"]["/Lang"] == meta.language


def test_the_pdf_is_tagged_with_a_structure_tree(reader):
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root


def test_outline_equals_the_heading_tree(reader, first_brief):
    outline = [(1, item.title) for item in reader.outline if not isinstance(item, list)]
    assert outline == [(h.level, h.text) for h in first_brief.headings]


def test_internal_links_are_live(first_outputs, project, first_brief):
    """The footnote calls of a brief with notes link to their notes; headings have destinations."""
    reader = PdfReader(io.BytesIO(first_outputs["pdf"]))
    names = reader.named_destinations
    assert {h.id for h in first_brief.headings} <= set(names)


def test_every_font_is_embedded_and_subset(reader):
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts.append((font["/BaseFont"], any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    assert fonts and all(embedded for _, embedded in fonts)
    assert all("+" in str(name) for name, _ in fonts)  # subset tag
    assert {str(n).split("+")[1].split(",")[0] for n, _ in fonts} <= {
        "Source-Serif-4", "Source-Sans-3", "Source-Serif-4-Italic", "Source-Sans-3-Semi-Bold",
        "Source-Sans-3-Bold", "Source-Serif-4-Semi-Bold", "Source-Serif-4-Bold",
        "Source-Sans-3-Italic", "Source-Serif-4-Semi-Bold-Italic", "Noto-Serif-Armenian",
        "Noto-Sans-Armenian"}


@pytest.mark.skipif(not shutil.which("qpdf"), reason="qpdf is installed by .ci/run")
def test_qpdf_finds_no_error(first_outputs, tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(first_outputs["pdf"])
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_sentence_of_the_article_is_in_the_pdf_text(first_outputs, first_brief):
    stream = "".join(verify._strip_furniture(first_brief, verify.pdf_pages(first_outputs["pdf"])))
    missing = [s for p in article_paragraphs() for s in sentences(p) if verify.normalise(s) not in stream]
    assert missing == []


def test_the_verifier_finds_the_pdf_complete(first_outputs, first_brief):
    assert verify.verify_pdf(first_brief, first_outputs["pdf"]) == []


def test_two_renders_are_byte_identical(project, first_brief, first_outputs):
    again = render(first_brief, project, ("pdf",))
    assert again["pdf"] == first_outputs["pdf"]

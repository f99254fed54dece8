"""The print profile, drafts against finals, the publisher's mark and the EPUB cover image;
each check also shown catching a deliberately broken build."""

import dataclasses
import io
import re
import zipfile

import layout
import pytest
from conftest import FIRST, FIXTURES, edit, load_brief
from pypdf import PdfReader

from pressroom import manuscript
from pressroom.build import render
from pressroom.checks import preflight
from pressroom.editions import html, pdf
from pressroom.editions.resources import read
from pressroom.errors import ManuscriptError

NOTES_DOC = FIXTURES / "documents" / "notes-and-tables.md"  # status: draft (the default)
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="40" height="40">'
        '<circle cx="20" cy="20" r="18" fill="#0b4f6c"/></svg>')


load = load_brief


@pytest.fixture(scope="module")
def press(project, first_brief):
    return layout.pdf_of(first_brief, project, "print")


# ------------------------------------------------------------------ print profile

def test_print_profile_bleed_box_is_3_mm_outside_the_trim_box(press):
    assert layout.bleed_boxes(press) == []
    assert layout.page_sizes(press) == {(210.0, 297.0)}
    media = PdfReader(io.BytesIO(press)).pages[0].mediabox
    assert round(float(media.width) / layout.MM) == 230  # 10 mm of media for the marks


def test_weasyprints_own_bleed_box_is_caught(project, first_brief, monkeypatch):
    monkeypatch.setattr(pdf, "_press", lambda *args: (lambda document, out: None))
    assert layout.bleed_boxes(layout.pdf_of(first_brief, project, "print"))


def test_the_screen_pdf_has_no_bleed(first_outputs):
    assert layout.bleed_boxes(first_outputs["pdf"], bleed_mm=0) == []


def test_print_profile_paints_in_cmyk_only(press, first_outputs):
    assert layout.rgb_colour(press) == []
    assert layout.rgb_colour(first_outputs["pdf"])  # the screen PDF is RGB


def test_a_print_profile_without_its_cmyk_sheet_and_conversion_is_caught(project, first_brief,
                                                                           monkeypatch):
    from dataclasses import replace

    from pressroom import editions

    monkeypatch.setitem(editions.REGISTRY, "pdf-print", replace(editions.REGISTRY["pdf-print"], sheets=()))
    monkeypatch.setattr(pdf.pdfx, "active", lambda: False)  # RGB as WeasyPrint writes it
    data = layout.pdf_of(first_brief, project, "print")
    assert layout.rgb_colour(data)
    assert [p.code for p in preflight.check(data, "print.pdf")] == ["V903"]


def test_without_its_cmyk_sheet_the_conversion_still_makes_the_print_pdf_cmyk(project, first_brief,
                                                                               monkeypatch):
    from dataclasses import replace

    from pressroom import editions

    monkeypatch.setitem(editions.REGISTRY, "pdf-print", replace(editions.REGISTRY["pdf-print"], sheets=()))
    data = layout.pdf_of(first_brief, project, "print")
    assert layout.rgb_colour(data) == [] and preflight.check(data, "print.pdf") == []


def test_print_profile_is_pdf_x_4_with_an_output_intent_and_no_annotations(press, first_outputs):
    reader = PdfReader(io.BytesIO(press))
    assert reader.pdf_header == "%PDF-1.6"
    assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-4"
    assert reader.metadata["/Trapped"] == "/False"
    intent = reader.trailer["/Root"]["/OutputIntents"][0]
    assert intent["/S"] == "/GTS_PDFX" and intent["/OutputConditionIdentifier"] == "FOGRA39"
    assert intent["/DestOutputProfile"].get_data() == pdf.pdfx.PROFILE.read_bytes()
    assert all("/Annots" not in page for page in reader.pages)
    assert any("/Annots" in page for page in PdfReader(io.BytesIO(first_outputs["pdf"])).pages)
    assert reader.outline  # bookmarks stay


def test_the_cover_band_bleeds_in_print_and_not_on_screen(project, first_brief, first_outputs):
    def band(doc):
        page = doc.pages[0]
        box = next(b for b in layout._walk(page._page_box) if "band" in (
            (b.element.get("class") or "") if getattr(b, "element", None) is not None else "").split()
            and b.element_tag == "div")
        return box.border_box_x(), box.border_box_y(), box.border_width()

    x, y, width = band(layout.document(first_brief, project, "print"))
    mm = 96 / 25.4  # CSS px
    assert round(x / mm, 1) == -3.0 and round(y / mm, 1) == -3.0 and round(width / mm, 1) == 216.0
    x, y, width = band(layout.document(first_brief, project, "screen"))
    assert (round(x / mm, 1), round(y / mm, 1), round(width / mm, 1)) == (0.0, 0.0, 210.0)


def test_print_profile_on_letter_embeds_the_same_output_profile(project, first_brief):
    letter = dataclasses.replace(first_brief, metadata=dataclasses.replace(first_brief.metadata,
                                                                           paper="letter"))
    data = layout.pdf_of(letter, project, "print")
    assert layout.page_sizes(data) == {(215.9, 279.4)} and layout.bleed_boxes(data) == []
    intent = PdfReader(io.BytesIO(data)).trailer["/Root"]["/OutputIntents"][0]
    assert intent["/OutputConditionIdentifier"] == "FOGRA39" and "/DestOutputProfile" in intent


def test_a_print_pdf_with_link_annotations_is_caught(project, first_brief, monkeypatch):
    keep = pdf._press

    def leaky(*args):
        finish = keep(*args)

        def run(document, out):
            annots = {n: out.objects[n].get("Annots") for n in out.pages["Kids"][::3]}
            finish(document, out)
            for n, value in annots.items():
                if value is not None:
                    out.objects[n]["Annots"] = value
        return run

    monkeypatch.setattr(pdf, "_press", leaky)
    reader = PdfReader(io.BytesIO(layout.pdf_of(first_brief, project, "print")))
    assert any("/Annots" in page for page in reader.pages)


def test_the_print_pdf_carries_every_block_of_the_source(first_brief, press):
    from pressroom.checks import verify

    assert verify.verify_pdf(first_brief, press) == []


def test_print_profile_is_deterministic(project, first_brief, press):
    assert layout.pdf_of(first_brief, project, "print") == press


# ------------------------------------------------------------------ drafts and finals

def test_a_draft_is_marked_on_every_page_and_in_every_edition(project):
    brief = load(project, NOTES_DOC)
    out = render(brief, project, ("pdf", "pdf-print", "epub", "html"))
    stamp = html.draft_stamp(brief)
    assert stamp.startswith("Draft — 15 January 2026")
    assert layout.draft_marks(out["pdf"], stamp) == []
    assert layout.draft_marks(out["pdf-print"], stamp) == []
    assert 'class="draft-banner"' in read(out["html"]["index.html"]).decode()
    book = zipfile.ZipFile(io.BytesIO(out["epub"]))
    sections = [n for n in book.namelist() if n.endswith(".xhtml") and "nav" not in n]
    assert all(b'class="draft-banner"' in book.read(n) for n in sections if "back" not in n)


def test_a_draft_without_its_mark_is_caught(scratch):
    edit(scratch.styles_dir / "print.css", "content: string(draft-mark);", "content: none;")
    brief = load(scratch, NOTES_DOC)
    found = layout.draft_marks(layout.pdf_of(brief, scratch), html.draft_stamp(brief))
    assert found and all("DRAFT mark" in f for f in found)


def test_a_draft_without_its_footer_stamp_is_caught(scratch):
    edit(scratch.styles_dir / "print.css", "@bottom-left { content: string(draft-stamp);",
         "@bottom-left { content: none;")
    brief = load(scratch, NOTES_DOC)
    found = layout.draft_marks(layout.pdf_of(brief, scratch), html.draft_stamp(brief))
    assert found == ["page 2 has no draft stamp"]


def test_a_final_carries_no_draft_marking(first_brief, first_outputs, project, press):
    assert first_brief.metadata.status == "final" and html.draft_stamp(first_brief) == ""
    assert layout.any_draft_text(first_outputs["pdf"]) == layout.any_draft_text(press) == []
    assert "draft" not in read(first_outputs["html"]["index.html"]).decode().lower()
    book = zipfile.ZipFile(io.BytesIO(first_outputs["epub"]))
    assert not any(b"draft" in book.read(n).lower() for n in book.namelist() if n.endswith(".xhtml"))


def test_a_final_that_shows_a_draft_mark_is_caught(scratch):
    edit(scratch.layouts_dir / "partials" / "cover.html",
         '{% if draft_stamp %} data-draft-stamp="{{ draft_stamp }}" data-draft-mark="DRAFT"{% endif %}',
         ' data-draft-mark="DRAFT"')
    assert layout.any_draft_text(layout.pdf_of(load(scratch), scratch))


# ------------------------------------------------------------------ the publisher's mark

def test_a_logo_from_house_yaml_is_on_the_cover_and_the_back_page(scratch):
    (scratch.source_dir / "marks").mkdir(exist_ok=True)
    (scratch.source_dir / "marks" / "logo.svg").write_text(LOGO, encoding="utf-8")
    edit(scratch.source_dir / "house.yaml", "paper: a4", "paper: a4\nlogo: marks/logo.svg")
    brief = load(scratch)
    out = render(brief, scratch, ("pdf", "pdf-print", "epub", "html"))
    page = read(out["html"]["print.html"]).decode()
    assert page.count('<img class="logo" src="assets/logo.svg" alt="Pressroom Policy Institute"') == 2
    assert "wordmark" not in page and out["html"]["assets/logo.svg"].name == "logo.svg"
    assert "EPUB/assets/logo.svg" in zipfile.ZipFile(io.BytesIO(out["epub"])).namelist()
    doc = layout.document(brief, scratch)
    logos = [number for number, p in enumerate(doc.pages, start=1) for b in layout._walk(p._page_box)
             if b.element_tag == "img" and b.element.get("class") == "logo"
             and type(b).__name__.endswith("ReplacedBox")]
    assert logos == [1, len(doc.pages)]  # drawn on the cover and with the back matter
    # the logo's RGB is converted: the print PDF with a logo is PDF/X-4 too, and passes preflight
    assert PdfReader(io.BytesIO(out["pdf-print"])).metadata["/GTS_PDFXVersion"] == "PDF/X-4"
    assert preflight.check(out["pdf-print"], "logo-print.pdf") == []


def test_without_a_logo_the_mark_is_typographic(first_outputs):
    page = read(first_outputs["html"]["print.html"]).decode()
    assert page.count('<span class="wordmark" aria-label="Pressroom Policy Institute">') == 2


@pytest.mark.parametrize("logo", ["marks/missing.svg", "../README.md", "house.yaml"])
def test_a_logo_that_is_not_an_svg_inside_source_is_refused(scratch, logo):
    edit(scratch.source_dir / "house.yaml", "paper: a4", f"paper: a4\nlogo: {logo}")
    with pytest.raises(ManuscriptError) as error:
        manuscript.load(scratch, FIRST)
    assert [p.code for p in error.value.problems] == ["C311"]


# ------------------------------------------------------------------ EPUB cover image

def cover_image_problems(data: bytes) -> list[str]:
    book = zipfile.ZipFile(io.BytesIO(data))
    opf = book.read("EPUB/package.opf").decode()
    items = re.findall(r'<item id="[^"]+" href="([^"]+)" media-type="([^"]+)" properties="cover-image"/>', opf)
    if len(items) != 1:
        return ["no manifest item has properties=\"cover-image\""]
    href, media_type = items[0]
    from PIL import Image

    image = Image.open(io.BytesIO(book.read(f"EPUB/{href}")))
    problems = []
    if media_type != "image/png" or image.format != "PNG":
        problems.append(f"the cover image is {media_type}")
    if image.size != (1600, 2400):
        problems.append(f"the cover image is {image.size}")
    return problems


def test_the_epub_has_a_cover_image_drawn_from_the_cover(first_outputs, project, first_brief):
    assert cover_image_problems(first_outputs["epub"]) == []
    from PIL import Image

    book = zipfile.ZipFile(io.BytesIO(first_outputs["epub"]))
    image = Image.open(io.BytesIO(book.read("EPUB/media/cover.png"))).convert("RGB")
    assert image.getpixel((800, 100)) == (0x0B, 0x4F, 0x6C)  # the band, in the house colour
    assert image.getpixel((800, 2200)) == (255, 255, 255)
    again = render(first_brief, project, ("epub",))["epub"]
    assert again == first_outputs["epub"]  # deterministic, cover image included


def test_a_package_without_the_cover_image_property_is_caught(scratch):
    edit(scratch.layouts_dir / "epub" / "package.opf",
         '{% if item.properties %} properties="{{ item.properties }}"{% endif %}',
         '{% if item.properties == "nav" %} properties="nav"{% endif %}')
    brief = load(scratch)
    assert cover_image_problems(render(brief, scratch, ("epub",))["epub"])


def test_the_cover_image_sets_armenian_in_the_fallback_face(project):
    from pressroom.editions import cover_image

    brief = load(project, FIXTURES / "design" / "multilingual.md")
    face = cover_image.Face(project.styles_dir / "fonts", "SourceSans3-Bold.ttf", "sans", "Bold", 40)
    fonts = {font.path.rsplit("/", 1)[-1] for font, _ in face.runs(brief.metadata.title)}
    assert fonts == {"SourceSans3-Bold.ttf", "NotoSansArmenian-Bold.ttf"}


# ------------------------------------------------------------------ the command line

def test_build_writes_the_print_profile_beside_the_screen_pdf_on_letter(tmp_path):
    from test_tasks import invoke

    result = invoke("build", "--brief", FIRST, "--format", "pdf,html", "--profile", "screen,print",
                    "--paper", "letter", build_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    screen, press = tmp_path / f"{FIRST}.pdf", tmp_path / f"{FIRST}-print.pdf"
    assert layout.page_sizes(screen.read_bytes()) == layout.page_sizes(press.read_bytes()) == {
        (215.9, 279.4)}
    assert layout.bleed_boxes(press.read_bytes()) == []
    assert "print-profile.html" in {p.name for p in (tmp_path / FIRST).iterdir()}


@pytest.mark.parametrize("args, message", [(("--profile", "poster"), "unknown profile poster"),
                                           (("--paper", "a5"), "unknown paper a5")])
def test_build_refuses_an_unknown_profile_or_paper(tmp_path, args, message):
    from test_tasks import invoke

    result = invoke("build", *args, build_dir=tmp_path)
    assert result.returncode == 2 and message in result.stderr


def test_print_profile_html_reproduces_the_print_pdf(project, first_brief, press, tmp_path):
    """`weasyprint build/<slug>/print-profile.html` lays out the same pages (with bleed)."""
    from weasyprint import HTML

    from pressroom.checks import verify
    from pressroom.execution.writers import write_tree

    folder = tmp_path / first_brief.slug
    write_tree(folder, html.tree(first_brief, project, ("print",)))
    again = HTML(filename=str(folder / "print-profile.html")).write_pdf()
    assert verify.pdf_pages(again) == verify.pdf_pages(press)
    assert layout.page_sizes(again) == {(210.0, 297.0)}

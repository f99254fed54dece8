"""Every check of the outputs, shown catching a deliberately broken build."""

import io
import re
import zipfile

import pytest
from conftest import FIXTURES, edit, load_brief

from pressroom.build import render
from pressroom.checks import verify
from pressroom.editions.resources import read

NOTES_DOC = FIXTURES / "documents" / "notes-and-tables.md"


load = load_brief


def codes(problems):
    return sorted({p.code for p in problems})


def test_a_layout_that_drops_a_section_is_caught_in_every_edition(scratch):
    edit(scratch.layouts_dir / "page.html", "{% for section in brief.sections %}",
         '{% for section in brief.sections if section.id != "russia" %}')
    edit(scratch.layouts_dir / "epub" / "section.xhtml", "{{ section.xhtml | safe }}",
         '{{ section.xhtml | safe if section.id != "russia" else "" }}')
    brief = load(scratch)
    out = render(brief, scratch)
    for problems in (verify.verify_pdf(brief, out["pdf"]),
                     verify.verify_epub(brief, out["epub"]),
                     verify.verify_html(brief, read(out["html"]["index.html"]).decode())):
        lost = [p for p in problems if p.code == "V501"]
        assert lost and all(p.path.endswith("03-russia.md") for p in lost)
        assert {p.line for p in lost} == {1, 3, 5, 7}  # heading and three paragraphs, by line
        assert any(p.code == "V502" and "Russia" in p.message for p in problems)


def test_a_nav_that_loses_a_heading_is_caught(scratch):
    edit(scratch.layouts_dir / "epub" / "nav.xhtml", "{% for entry in toc %}",
         '{% for entry in toc if entry.label != "Conclusion" %}')
    brief = load(scratch)
    problems = verify.verify_epub(brief, render(brief, scratch, ("epub",))["epub"])
    assert [p.code for p in problems] == ["V502", "V502"]
    assert all(p.path.endswith("05-conclusion.md") for p in problems)


def test_a_pdf_missing_a_paragraph_is_caught(project, first_brief, first_outputs):
    from pressroom.editions import pdf

    tree = dict(first_outputs["html"])
    page = read(tree["print.html"]).decode()
    paragraph = re.search(r"<p>Russia has used its leverage.*?</p>", page, re.S).group()
    tree["print.html"] = page.replace(paragraph, "").encode()
    base = (project.build_dir / first_brief.slug).resolve().as_uri() + "/"
    problems = verify.verify_pdf(first_brief, pdf.render(first_brief, tree, base))
    assert [(p.code, p.path.rsplit("/", 1)[-1], p.line) for p in problems] == [
        ("V501", "03-russia.md", 5)]
    assert "Russia has used its leverage" in problems[0].message


def test_bookmarks_that_do_not_mirror_the_headings_are_caught(scratch):
    edit(scratch.styles_dir / "print.css", "bookmark-level: 1;", "bookmark-level: none;")
    brief = load(scratch)
    problems = verify.verify_pdf(brief, render(brief, scratch, ("pdf",))["pdf"])
    assert codes(problems) == ["V502"]


def test_a_wrong_pdf_title_and_a_cover_without_the_title_are_caught(scratch):
    edit(scratch.layouts_dir / "page.html", "<title>{{ meta.title }}", "<title>Untitled")
    edit(scratch.layouts_dir / "partials" / "cover.html",
         '<h1 class="title">{{ meta.title }}</h1>', '<h1 class="title">Brief</h1>')
    brief = load(scratch)
    problems = verify.verify_pdf(brief, render(brief, scratch, ("pdf",))["pdf"])
    messages = " ".join(p.message for p in problems)
    assert "/Title" in messages and "page 1 does not carry the title" in messages


def test_paragraphs_out_of_order_are_caught(first_brief, first_outputs):
    page = read(first_outputs["html"]["index.html"]).decode()
    first = re.search(r'<section class="section" id="russia">.*?</section>', page, re.S).group()
    second = re.search(r'<section class="section" id="the-west">.*?</section>', page, re.S).group()
    swapped = page.replace(first, "@@").replace(second, first).replace("@@", second)
    problems = verify.verify_html(first_brief, swapped)
    assert any("out of order" in p.message for p in problems)


def test_a_missing_footnote_is_caught_in_the_pdf_and_the_epub(scratch):
    edit(scratch.styles_dir / "print.css", ".footnote { float: footnote;", ".footnote { display: none;")
    edit(scratch.styles_dir / "reading.css", "html {", ".footnote { display: none } html {")
    brief = load(scratch, str(NOTES_DOC))
    out = render(brief, scratch, ("pdf", "epub"))
    pdf_problems = verify.verify_pdf(brief, out["pdf"])
    assert any(p.code == "V501" and "footnote" in p.message for p in pdf_problems)
    # CSS cannot hide text from the EPUB's source; drop the notes from the markup instead
    book = zipfile.ZipFile(io.BytesIO(out["epub"]))
    entries = {n: book.read(n) for n in book.namelist()}
    name = next(n for n in entries if n.endswith(".xhtml") and b'class="footnotes"' in entries[n])
    entries[name] = re.sub(rb'<div class="footnotes">.*?</div>', b"", entries[name], flags=re.S)
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as out_zip:
        for n, data in entries.items():
            out_zip.writestr(n, data, zipfile.ZIP_STORED if n == "mimetype" else zipfile.ZIP_DEFLATED)
    epub_problems = verify.verify_epub(brief, broken.getvalue())
    assert sum(p.code == "V501" for p in epub_problems) == 3


def test_a_spine_out_of_order_is_caught(first_brief, first_outputs):
    book = zipfile.ZipFile(io.BytesIO(first_outputs["epub"]))
    entries = {n: book.read(n) for n in book.namelist()}
    opf = entries["EPUB/package.opf"].decode()
    refs = re.findall(r'<itemref idref="[^"]+"/>', opf)
    entries["EPUB/package.opf"] = opf.replace(refs[2], "@@").replace(refs[3], refs[2]).replace(
        "@@", refs[3]).encode()
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as out_zip:
        for n, data in entries.items():
            out_zip.writestr(n, data)
    problems = verify.verify_epub(first_brief, broken.getvalue())
    assert any(p.code == "V503" and "spine" in p.message for p in problems)


def test_epubcheck_catches_an_invalid_book(scratch, tmp_path):
    edit(scratch.layouts_dir / "epub" / "section.xhtml", "{{ section.xhtml | safe }}",
         '{{ section.xhtml | safe }}<a href="missing.xhtml">nowhere</a>')
    brief = load(scratch)
    path = tmp_path / "bad.epub"
    path.write_bytes(render(brief, scratch, ("epub",))["epub"])
    problems = verify.run_epubcheck(path)
    assert problems and all(p.code == "V504" for p in problems)
    assert any("RSC-007" in p.message for p in problems)


def test_a_truncated_pdf_is_reported_not_raised(first_brief, first_outputs):
    problems = verify.verify_pdf(first_brief, first_outputs["pdf"][:2000])
    assert problems and problems[0].code == "V503"


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 not a zip"])
def test_a_damaged_epub_is_reported_not_raised(first_brief, damage):
    problems = verify.verify_epub(first_brief, damage)
    assert [p.code for p in problems] == ["V503"]

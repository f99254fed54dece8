"""One page numbering everywhere, a tagged PDF, Ace by DAISY and axe-core clean; each check fails on a broken build.

Ace and axe-core must be installed (scripts/bootstrap: npm ci in .tools/, Debian's chromium):
a missing checker fails these tests with its V508 message, it never skips them.
"""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from conftest import FIRST, FIXTURES, write_brief

from pressroom import manuscript
from pressroom.build import render
from pressroom.checks import accessibility, tagged
from pressroom.editions import pagination as pages
from pressroom.editions import pdf as pdf_edition
from pressroom.editions.resources import read
from pressroom.weasy import tags as pdftags

NOTES_DOC = FIXTURES / "documents" / "notes-and-tables.md"


def _png(width=4, height=3) -> bytes:
    """A tiny valid PNG, made here (no image library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x0b\x4f\x6c" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture(scope="session")
def notes_brief(project):
    briefs, _ = manuscript.load(project, str(NOTES_DOC))
    return briefs[0]


@pytest.fixture(scope="session")
def notes_outputs(project, notes_brief):
    return render(notes_brief, project)


@pytest.fixture(scope="session")
def figure_project(tmp_path_factory):
    """A brief with a figure, a list, a table and notes, long enough to run over several pages."""
    from conftest import copy_project

    root = tmp_path_factory.mktemp("figure")
    project = copy_project(root)
    paragraph = ("Energy corridors shape the foreign policy of every state they cross, and the "
                 "agreements that govern them outlast the governments that sign them. ") * 6
    folder = write_brief(project.source_dir / "figures", "title: Corridors in pictures\n"
                         "date: 2026-02-01\nsections: [01-map.md]\n", {
                             "01-map.md": "# Where the pipes run\n\n" + "\n\n".join(
                                 [paragraph] * 5) + "\n\n![A schematic map of three pipelines]"
                             "(images/map.png \"The corridor\")\n\n- one\n- two\n\n"
                             "| a | b |\n|---|---|\n| 1 | 2 |\n\nA claim.[^1]\n\n"
                             + "\n\n".join([paragraph] * 6) + "\n\n[^1]: Its source.\n"})
    (folder / "images").mkdir()
    (folder / "images" / "map.png").write_bytes(_png())
    return project


@pytest.fixture(scope="session")
def figure_outputs(figure_project):
    briefs, _ = manuscript.load(figure_project, "figures")
    return briefs[0], render(briefs[0], figure_project)


def _epub_docs(outputs):
    documents, _, _ = accessibility.epub_documents(outputs["epub"])
    return documents


def _html(outputs) -> str:
    return read(outputs["html"]["index.html"]).decode()


# --------------------------------------------------------------------------- page numbers

@pytest.mark.slow
@pytest.mark.parametrize("which", ["first", "notes", "figures"])
def test_every_pdf_page_is_marked_where_it_begins(which, first_brief, first_outputs, notes_brief,
                                                  notes_outputs, figure_outputs):
    brief, outputs = {"first": (first_brief, first_outputs), "notes": (notes_brief, notes_outputs),
                      "figures": figure_outputs}[which]
    pdf = outputs["pdf"]
    assert accessibility.check_markers(brief, pdf, _epub_docs(outputs), "EPUB") == []
    assert accessibility.check_markers(brief, pdf, [_html(outputs)], "HTML edition") == []
    assert accessibility.check_page_list(brief, pdf, outputs["epub"]) == []
    marked = accessibility.MARKER.findall("".join(_epub_docs(outputs)))
    # the notes document is a cover and one page: its back matter follows the text
    assert marked == [str(n) for n in range(1, len(marked) + 1)] and len(marked) >= 2


def test_the_epub_declares_its_page_source_and_features(first_outputs):
    import io
    import zipfile

    opf = zipfile.ZipFile(io.BytesIO(first_outputs["epub"])).read("EPUB/package.opf").decode()
    assert "<dc:source>" in opf and "PDF edition" in opf and 'property="pageBreakSource"' in opf
    for feature in ("pageBreakMarkers", "printPageNumbers", "pageNavigation"):
        assert f">{feature}</meta>" in opf


def test_a_marker_moved_by_one_word_is_caught(first_brief, first_outputs):
    docs = _epub_docs(first_outputs)
    index = next(i for i, d in enumerate(docs) if 'id="page-3"' in d)
    marker = re.search(r'<span epub:type="pagebreak"[^>]*id="page-3"[^>]*/>', docs[index]).group()
    doc = docs[index].replace(marker, "")
    at = docs[index].index(marker)
    space = doc.index(" ", at) + 1
    docs[index] = doc[:space] + marker + doc[space:]
    problems = accessibility.check_markers(first_brief, first_outputs["pdf"], docs, "EPUB")
    assert [p.code for p in problems] == ["V505"] and "page 3" in problems[0].message


def test_a_missing_marker_and_a_short_page_list_are_caught(first_brief, first_outputs):
    html = re.sub(r'<span role="doc-pagebreak" id="page-2"[^>]*></span>', "", _html(first_outputs))
    problems = accessibility.check_markers(first_brief, first_outputs["pdf"], [html], "HTML edition")
    assert [p.code for p in problems] == ["V505"] and "page 2" in problems[0].message
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(first_outputs["epub"]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name.endswith("nav.xhtml"):
                data = re.sub(rb'<li><a href="[^"]*#page-3">3</a></li>', b"", data)
            out.writestr(name, data)
    problems = accessibility.check_page_list(first_brief, first_outputs["pdf"], buffer.getvalue())
    assert [p.code for p in problems] == ["V505"] and "[1, 2, 4]" in problems[0].message


def test_a_page_that_opens_mid_word_is_marked_before_the_word():
    documents = ['<html><body><section><p>The agree\u00adments were <em>signed</em> in Baku.</p>'
                 '<p>Second paragraph.</p></section></body></html>']
    starts = [pages.PageStart(2, pages.units("mentsweresigned"), 7),
              pages.PageStart(3, pages.units("Second paragraph"), 30)]
    markers = pages.locate(starts, documents, "test", "x")
    marked = pages.insert(documents, markers, pages.html_marker)[0]
    assert 'The <span role="doc-pagebreak" id="page-2" title="2"></span>agree\u00adments' in marked
    # a page that opens with a paragraph: the marker stands before the paragraph, not in it
    assert '<span role="doc-pagebreak" id="page-3" title="3"></span><p>Second' in marked


def test_a_page_the_reading_edition_lacks_fails_the_build():
    from pressroom.errors import BuildError

    with pytest.raises(BuildError) as error:
        pages.locate([pages.PageStart(2, "nowhereinthetext", 0)], ["<body><p>Text.</p></body>"], "EPUB", "x")
    assert error.value.problems[0].code == "B404"


def test_a_heading_cannot_take_a_page_markers_id(project):
    from pressroom.manuscript import markdown

    parsed = markdown.parse("# Page 3\n\nText.\n", line_offset=0, note_offset=0, used_ids=set())
    assert parsed.headings[0][2] == "page-3-2"


# --------------------------------------------------------------------------- the PDF's tags

@pytest.mark.slow
def test_the_pdf_tags_are_right(first_brief, first_outputs, notes_brief, notes_outputs, figure_outputs):
    for brief, outputs in ((first_brief, first_outputs), (notes_brief, notes_outputs), figure_outputs):
        assert tagged.check(brief, outputs["pdf"]) == []
    structure = tagged.read(notes_outputs["pdf"])
    roles = [n.role for n in structure.nodes]
    for role in ("H1", "H2", "H3", "P", "L", "LI", "Table", "TH", "TD", "Note"):
        assert role in roles, role
    assert roles.count("Note") == sum(len(s.notes) for s in notes_brief.sections) == 3
    assert structure.lang == "en" and structure.display_title and structure.outline
    assert not structure.loose and any("of" in a for a in structure.artifacts)  # folios are artifacts
    figures = [n for n in tagged.read(figure_outputs[1]["pdf"]).nodes if n.role == "Figure"]
    assert [f.alt for f in figures] == ["A schematic map of three pipelines"]


def _print_pdf(project, brief, tree, change=None, finisher=True, monkeypatch=None):
    tree = dict(tree)
    if change:
        tree["print.html"] = change(read(tree["print.html"]).decode()).encode()
    if not finisher:
        monkeypatch.setattr(pdftags, "finish", lambda document, pdf: None)
    base = (project.build_dir / brief.slug).resolve().as_uri() + "/"
    return pdf_edition.render(brief, tree, base)


def test_running_heads_not_marked_as_artifacts_are_caught(project, first_brief, first_outputs, monkeypatch):
    data = _print_pdf(project, first_brief, first_outputs["html"], finisher=False, monkeypatch=monkeypatch)
    problems = tagged.check(first_brief, data)
    assert problems and {p.code for p in problems} == {"V506"}
    assert any("outside the tag tree" in p.message and "of 4" in p.message for p in problems)


def test_an_image_without_alternate_text_is_caught(figure_project, figure_outputs):
    brief, outputs = figure_outputs
    data = _print_pdf(figure_project, brief, outputs["html"],
                      change=lambda page: re.sub(r' alt="[^"]*"', "", page))
    problems = tagged.check(brief, data)
    assert [p.code for p in problems] == ["V506"] and "/Alt" in problems[0].message


def test_a_reading_order_that_leaves_the_source_is_caught(project, first_brief, first_outputs):
    def swap(page):
        first = re.search(r"<p>Russia has used its leverage.*?</p>", page, re.S).group()
        return page.replace(first, "").replace("</main>", first + "</main>")
    problems = tagged.check(first_brief, _print_pdf(project, first_brief, first_outputs["html"], swap))
    assert problems and all(p.code == "V506" for p in problems)
    assert any(p.path.endswith("03-russia.md") for p in problems)


def test_footnotes_that_are_not_notes_are_caught(project, notes_brief, notes_outputs, monkeypatch):
    monkeypatch.setattr(pdftags, "_notes", lambda *args: None)
    problems = tagged.check(notes_brief, _print_pdf(project, notes_brief, notes_outputs["html"]))
    assert len(problems) == 3 and all("a Note of the PDF" in p.message for p in problems)


# --------------------------------------------------------------------------- Ace by DAISY and axe-core

@pytest.mark.slow
@pytest.mark.parametrize("which", ["first", "notes", "figures"])
def test_ace_and_axe_find_no_violation(which, tmp_path, project, first_brief, first_outputs, notes_brief,
                                       notes_outputs, figure_outputs):
    from pressroom.build import write

    brief, outputs = {"first": (first_brief, first_outputs), "notes": (notes_brief, notes_outputs),
                      "figures": figure_outputs}[which]
    write(tmp_path, brief, outputs)
    ace, summary = accessibility.run_ace(tmp_path / f"{brief.slug}.epub")
    assert ace == [], "\n".join(map(str, ace))
    axe, summary = accessibility.run_axe([tmp_path / brief.slug / "index.html"])
    assert axe == [], "\n".join(map(str, axe))
    assert "0 violations" in summary


def test_ace_catches_a_book_without_language(tmp_path, first_brief, first_outputs):
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(first_outputs["epub"]))
    path = tmp_path / "broken.epub"
    with zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".xhtml"):
                data = re.sub(rb' (xml:)?lang="[^"]*"', b"", data)
            out.writestr(info, data)
    problems, _ = accessibility.run_ace(path)
    assert problems and all(p.code == "V507" for p in problems)
    assert any("Ace:" in p.message for p in problems)


def test_axe_catches_an_image_without_alt_and_low_contrast(tmp_path, first_outputs):
    from pressroom.execution.writers import write_tree

    tree = dict(first_outputs["html"])
    page = read(tree["index.html"]).decode().replace(
        "</main>", '<p style="color:#ddd">Pale text.</p><img src="media/none.png" /></main>')
    tree["index.html"] = page.encode()
    write_tree(tmp_path / "site", tree)
    problems, _ = accessibility.run_axe([tmp_path / "site" / "index.html"])
    ids = {re.match(r"axe-core: ([\w-]+)", p.message).group(1) for p in problems}
    assert {"image-alt", "color-contrast"} <= ids and {p.code for p in problems} == {"V507"}


def test_a_missing_checker_is_a_problem_not_a_skip(tmp_path, monkeypatch):
    monkeypatch.setattr(accessibility, "TOOLS", tmp_path / "no-tools")
    ace, _ = accessibility.run_ace(tmp_path / "x.epub")
    axe, _ = accessibility.run_axe([tmp_path / "x.html"])
    assert [p.code for p in ace + axe] == ["V508", "V508"]


@pytest.mark.slow
def test_invoke_check_accessibility_reports_and_fails_on_a_broken_build(tmp_path):
    from test_tasks import invoke

    assert invoke("build", "--brief", FIRST, build_dir=tmp_path).returncode == 0
    result = invoke("check", "--accessibility", "--brief", FIRST, build_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    for line in ("page numbers: 4 PDF pages", "PDF tags:", "EPUB: Ace", "HTML: axe-core"):
        assert line in result.stdout
    html = tmp_path / FIRST / "index.html"
    html.write_text(re.sub(r'<span role="doc-pagebreak" id="page-3"[^>]*></span>', "",
                           html.read_text(encoding="utf-8")), encoding="utf-8")
    result = invoke("check", "--accessibility", "--brief", FIRST, build_dir=tmp_path)
    assert result.returncode == 3 and "[V505]" in result.stderr

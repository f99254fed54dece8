"""Word manuscripts for the import tests, made with python-docx (no binary is committed).

Each ``make_*`` function writes one .docx exercising one feature; :func:`make_realistic`
writes a brief-length manuscript with all of them. python-docx has no API for footnotes,
tracked changes, text boxes or equations, so those are added as WordprocessingML through its
``oxml`` layer, exactly as Word writes them. ``python tests/docx_fixtures.py DIR`` writes them all.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DATE = "2026-03-04T09:00:00Z"


def _png(width=120, height=80, colour=(30, 90, 160)) -> io.BytesIO:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    out.seek(0)
    return out


def _new(title: str | None = "A brief from Word", subtitle: str | None = None, author="Jane Author"):
    document = docx.Document()
    core = document.core_properties
    core.author = author
    core.title = ""
    import datetime as dt

    core.created = dt.datetime(2026, 3, 4, 9, 0, 0)
    core.modified = dt.datetime(2026, 3, 4, 9, 0, 0)
    core.last_modified_by = author
    core.revision = 1
    if title:
        document.add_paragraph(title, style="Title")
    if subtitle:
        document.add_paragraph(subtitle, style="Subtitle")
    return document


def _save(document, path: Path) -> Path:
    document.save(str(path))
    return path


# --------------------------------------------------------------------------- notes

class _Notes:
    """A footnotes or endnotes part, related to the document, with Word's two separators."""

    def __init__(self, document, kind: str):
        self.kind = kind  # "footnote" or "endnote"
        self.document = document
        self.notes: list[str] = []
        self.next_id = 1

    def reference(self, paragraph, text: str) -> None:
        note_id = self.next_id
        self.next_id += 1
        self.notes.append(
            f'<w:{self.kind} w:id="{note_id}"><w:p><w:pPr><w:pStyle w:val="{self.kind.title()}Text"/></w:pPr>'
            f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{self.kind}Ref/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {_xml(text)}</w:t></w:r></w:p></w:{self.kind}>')
        run = paragraph.add_run()
        run._r.append(parse_xml(f'<w:{self.kind}Reference {nsdecls("w")} w:id="{note_id}"/>'))

    def attach(self) -> None:
        if not self.notes:
            return
        separators = "".join(
            f'<w:{self.kind} w:type="{t}" w:id="{i}"><w:p><w:r><w:{t}/></w:r></w:p></w:{self.kind}>'
            for i, t in ((-1, "separator"), (0, "continuationSeparator")))
        xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<w:{self.kind}s {nsdecls("w")}>{separators}{"".join(self.notes)}</w:{self.kind}s>')
        name = f"/word/{self.kind}s.xml"
        content = ("application/vnd.openxmlformats-officedocument.wordprocessingml."
                   f"{self.kind}s+xml")
        part = Part(PackURI(name), content, xml.encode(), self.document.part.package)
        self.document.part.relate_to(part, RT.FOOTNOTES if self.kind == "footnote" else RT.ENDNOTES)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------- features

def make_headings(path: Path) -> Path:
    document = _new("Headings and sections", "A subtitle from the Subtitle style")
    document.add_paragraph("Text before the first heading opens the brief.")
    document.add_heading("The first section", level=1)
    document.add_paragraph("A paragraph of the first section.")
    document.add_heading("A second-level heading", level=2)
    document.add_paragraph("Under the second level.")
    document.add_heading("A third-level heading", level=3)
    document.add_paragraph("Under the third level.")
    document.add_heading("A fourth-level heading", level=4)
    document.add_paragraph("Under the fourth level.")
    document.add_heading("The second section", level=1)
    document.add_paragraph("The last paragraph.")
    return _save(document, path)


def make_notes(path: Path) -> Path:
    document = _new("Footnotes and endnotes")
    document.add_heading("Notes", level=1)
    footnotes, endnotes = _Notes(document, "footnote"), _Notes(document, "endnote")
    p = document.add_paragraph("A claim that needs a source.")
    footnotes.reference(p, "The first footnote, with its source.")
    p.add_run(" A second claim.")
    footnotes.reference(p, "The second footnote.")
    p = document.add_paragraph("A paragraph with an endnote.")
    endnotes.reference(p, "An endnote at the end of the document.")
    footnotes.attach()
    endnotes.attach()
    return _save(document, path)


def make_tables(path: Path) -> Path:
    document = _new("Tables")
    document.add_heading("Tables", level=1)
    document.add_paragraph("A simple table follows.")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("Country", "Exports", "Share"), ("Georgia", "1.2 bn", "12%"),
                             ("Turkey", "3.4 bn", "34%")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("A table with merged cells and two paragraphs in a cell follows.")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "A heading across three columns"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Spans two rows"
    table.cell(1, 1).text = "First paragraph in a cell."
    table.cell(1, 1).add_paragraph("Second paragraph in the same cell.")
    table.cell(1, 2).text = "Plain cell"
    table.cell(2, 1).text = "Bottom middle"
    table.cell(2, 2).text = "Bottom right"
    document.add_paragraph("After the tables.")
    return _save(document, path)


def _described(document, paragraph_run, description: str | None) -> None:
    inline = paragraph_run._r.xpath(".//wp:docPr")[0]
    if description:
        inline.set("descr", description)


def make_images(path: Path) -> Path:
    document = _new("Images")
    document.add_heading("Figures", level=1)
    document.add_paragraph("A described figure with a caption follows.")
    run = document.add_paragraph().add_run()
    run.add_picture(_png(), width=Pt(200))
    _described(document, run, "A blue rectangle standing for a map")
    document.add_paragraph("Figure 1. The region at a glance.", style="Caption")
    document.add_paragraph("An image without a description follows.")
    run = document.add_paragraph().add_run()
    run.add_picture(_png(colour=(200, 60, 40)), width=Pt(120))
    document.add_paragraph("After the images.")
    return _save(document, path)


def _numbering(document, kind: str, start: int | None = None) -> str:
    """A new three-level list definition (decimal or bullet) and a list (w:num) using it; its numId."""
    numbering = document.part.numbering_part.element
    abstract_id = max([int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
                      + [0]) + 1
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{kind}"/>'
        f'<w:lvlText w:val="{"•" if kind == "bullet" else f"%{i + 1}."}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{720 * (i + 1)}" w:hanging="360"/></w:pPr></w:lvl>' for i in range(3))
    definition = parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">'
                           f'<w:multiLevelType w:val="hybridMultilevel"/>{levels}</w:abstractNum>')
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(definition)
    else:
        numbering.append(definition)
    num_id = max([n.numId for n in numbering.num_lst] + [0]) + 1
    override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride>'
                if start else "")
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId '
                               f'w:val="{abstract_id}"/>{override}</w:num>'))
    return str(num_id)


def _item(document, text: str, num_id: str, level: int = 0, kind: str = "decimal"):
    paragraph = document.add_paragraph(text, style="List Paragraph")
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/>'
                         f'</w:numPr>'))
    return paragraph


def make_lists(path: Path) -> Path:
    document = _new("Lists")
    document.add_heading("Lists", level=1)
    document.add_paragraph("A bulleted list with a nested level:")
    bullets = _numbering(document, "bullet")
    _item(document, "First bullet", bullets, 0, "bullet")
    _item(document, "A nested bullet", bullets, 1, "bullet")
    _item(document, "Second bullet", bullets, 0, "bullet")
    document.add_paragraph("A numbered list that starts at three:")
    numbers = _numbering(document, "decimal", start=3)
    _item(document, "Third step", numbers)
    _item(document, "Fourth step", numbers)
    _item(document, "A nested point under the fourth", numbers, 1)
    _item(document, "Fifth step", numbers)
    document.add_paragraph("After the lists.")
    return _save(document, path)


def _hyperlink(paragraph, text: str, url: str) -> None:
    rel = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    paragraph._p.append(parse_xml(
        f'<w:hyperlink {nsdecls("w", "r")} r:id="{rel}"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/>'
        f'</w:rPr><w:t>{_xml(text)}</w:t></w:r></w:hyperlink>'))


def make_inline(path: Path) -> Path:
    document = _new("Inline formatting")
    document.add_heading("Formatting", level=1)
    p = document.add_paragraph("Plain, ")
    p.add_run("bold").bold = True
    p.add_run(", ")
    p.add_run("italic").italic = True
    p.add_run(", CO")
    p.add_run("2").font.subscript = True
    p.add_run(" and the 21")
    p.add_run("st").font.superscript = True
    p.add_run(" century; see ")
    _hyperlink(p, "the agency's site", "https://www.example.org/report")
    p.add_run(".")
    p = document.add_paragraph("A line that breaks")
    p.add_run().add_break()
    p.add_run("here, and 10\u00a0km with a non-breaking space.")
    document.add_paragraph("Characters Markdown would read: *stars*, _underscores_, [brackets], "
                           "<angle> & {braces}, #hash, 1. at start, (c) and a | pipe.")
    document.add_paragraph("A quotation from a speech, set apart.", style="Quote")
    document.add_paragraph("After the quotation.")
    return _save(document, path)


def make_house_styles(path: Path) -> Path:
    document = _new("House styles")
    styles = document.styles
    for name in ("Pull Quote", "Key Points", "Abstract"):
        styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH).base_style = styles["Normal"]
    document.add_paragraph("An abstract paragraph that becomes the summary.", style="Abstract")
    document.add_heading("House styles", level=1)
    for point in ("The first key point.", "The second key point.", "The third key point."):
        document.add_paragraph(point, style="Key Points")
    document.add_paragraph("A plain paragraph between.")
    document.add_paragraph("A pull quote in the house style.", style="Pull Quote")
    document.add_paragraph("A paragraph in an unknown style stays a paragraph.",
                           style=styles.add_style("Odd Style", WD_STYLE_TYPE.PARAGRAPH))
    return _save(document, path)


def _tracked(paragraph, inserted: str, deleted: str) -> None:
    paragraph._p.append(parse_xml(
        f'<w:ins {nsdecls("w")} w:id="901" w:author="Editor" w:date="{DATE}"><w:r><w:t xml:space="preserve">'
        f'{_xml(inserted)}</w:t></w:r></w:ins>'))
    paragraph._p.append(parse_xml(
        f'<w:del {nsdecls("w")} w:id="902" w:author="Editor" w:date="{DATE}"><w:r><w:delText xml:space="preserve">'
        f'{_xml(deleted)}</w:delText></w:r></w:del>'))


def _text_box(paragraph, text: str) -> None:
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape id="box1" '
        f'style="width:200pt;height:40pt"><v:textbox><w:txbxContent><w:p><w:r><w:t>{_xml(text)}</w:t>'
        f'</w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>'))


def _equation(paragraph) -> None:
    paragraph._p.append(parse_xml(
        '<m:oMath xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math">'
        '<m:r><m:t>E=mc</m:t></m:r></m:oMath>'))


def _field(paragraph, shown: str) -> None:
    paragraph._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" DATE \\@ &quot;d MMMM yyyy&quot; "><w:r><w:t>{_xml(shown)}'
        f'</w:t></w:r></w:fldSimple>'))


def make_lost(path: Path) -> Path:
    """What the Markdown cannot carry: each must be named in the import report."""
    document = _new("What does not carry over")
    document.add_heading("Reported", level=1)
    p = document.add_paragraph("A paragraph with a comment on it.")
    document.add_comment(p.runs, text="Check this figure.", author="Reviewer", initials="R")
    p = document.add_paragraph("Tracked changes: ")
    _tracked(p, "inserted words", "deleted words")
    p = document.add_paragraph("A paragraph anchoring a text box.")
    _text_box(p, "Text inside the box.")
    p = document.add_paragraph("An equation follows: ")
    _equation(p)
    p = document.add_paragraph("Printed on ")
    _field(p, "4 March 2026")
    p.add_run(". ")
    p.add_run("Underlined words").underline = True
    p.add_run(" end the paragraph.")
    return _save(document, path)


FEATURES = {"headings": make_headings, "notes": make_notes, "tables": make_tables,
            "images": make_images, "lists": make_lists, "inline": make_inline,
            "house-styles": make_house_styles, "lost": make_lost}


# --------------------------------------------------------------------------- a brief-length manuscript

_SENTENCES = [
    "The corridor links the Caspian basin to European markets through Georgia and Turkey.",
    "Its capacity has grown each year since the agreement was renewed.",
    "Officials in both capitals describe the route as a strategic priority.",
    "Freight volumes nonetheless depend on tariffs that change with every season.",
    "Investors ask for predictable rules before they commit to new terminals.",
    "The ministries have promised a single customs window by the end of the decade.",
]


def make_realistic(path: Path, sections: int = 5, paragraphs: int = 6, notes_per_section: int = 3,
                   tables: int = 2, images: int = 2) -> Path:
    """A brief-length manuscript with every feature (``invoke bench`` makes a longer one)."""
    document = _new("The Middle Corridor after the agreement", "Trade, transit and the politics of routes",
                    author="Jane Author; John Analyst")
    footnotes, endnotes = _Notes(document, "footnote"), _Notes(document, "endnote")
    bullets, numbers = _numbering(document, "bullet"), _numbering(document, "decimal", start=1)
    document.add_paragraph("This brief reviews the corridor one year after the agreement. "
                           "It draws on interviews and public data.")
    note = 0
    for s in range(sections):
        document.add_heading(f"Part {s + 1}: {_SENTENCES[s % 6].split(' ')[1].title()} and the route", level=1)
        for p in range(paragraphs):
            paragraph = document.add_paragraph(" ".join(
                f"{_SENTENCES[(s + p + k) % 6]}" for k in range(4)) + f" (Part {s + 1}, paragraph {p + 1}.)")
            if p < notes_per_section:
                note += 1
                (endnotes if note % 5 == 0 else footnotes).reference(
                    paragraph, f"Source {note}: interview in the capital, {2020 + note % 6}.")
            if p == 1:
                document.add_heading(f"What changed in part {s + 1}", level=2)
            if p == 2:
                _item(document, f"A first point of part {s + 1}", bullets, 0, "bullet")
                _item(document, "A nested detail", bullets, 1, "bullet")
                _item(document, f"A second point of part {s + 1}", numbers)
            if p == 3:
                document.add_paragraph(f"Quoted speech in part {s + 1}.", style="Quote")
        if s < tables:
            table = document.add_table(rows=4, cols=3)
            for r in range(4):
                for c in range(3):
                    table.cell(r, c).text = ("Year", "Tonnes", "Share")[c] if r == 0 else f"{2022 + r}-{c}"
            if s == 0:
                table.cell(3, 1).merge(table.cell(3, 2))
        if s < images:
            run = document.add_paragraph().add_run()
            run.add_picture(_png(160 + s, 90), width=Pt(220))
            _described(document, run, f"Chart {s + 1} of freight by year")
            document.add_paragraph(f"Figure {s + 1}. Freight by year.", style="Caption")
    p = document.add_paragraph("Finally, ")
    p.add_run("the outlook").bold = True
    p.add_run(" is ")
    p.add_run("cautious").italic = True
    p.add_run("; CO")
    p.add_run("2").font.subscript = True
    p.add_run(" per tonne falls.")
    footnotes.attach()
    endnotes.attach()
    return _save(document, path)


def write_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = {name: make(folder / f"{name}.docx") for name, make in FEATURES.items()}
    made["realistic"] = make_realistic(folder / "realistic.docx")
    return made


def document_runs(path: Path) -> list[str]:
    """Every run of text (w:r's w:t) in document.xml, footnotes.xml and endnotes.xml, read with a
    plain XML parser, independently of the importer and of Mammoth."""
    from xml.etree import ElementTree as ET

    runs = []
    with zipfile.ZipFile(path) as archive:
        for name in ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml"):
            if name in archive.namelist():
                root = ET.fromstring(archive.read(name))
                for run in root.iter(f"{{{W_NS}}}r"):
                    text = "".join(t.text or "" for t in run.iter(f"{{{W_NS}}}t"))
                    if text.strip():
                        runs.append(text)
    return runs


if __name__ == "__main__":
    for _name, made in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docx-fixtures")).items():
        print(made)

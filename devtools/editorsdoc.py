"""docs/editors.md, the editors' guide, generated from :data:`pressroom.errors.CODES`.

Every problem code gets its sentence (from ``CODES``), an example of the line
an editor sees, and the fix (from :data:`EXAMPLES` here). `invoke docs` writes
the file; a test fails when it is not what :func:`generate` makes, or when a
code has no example, so the guide never drifts from the codes.
"""

from __future__ import annotations

from pathlib import Path

from pressroom.errors import CODES

S = "source/my-brief"

#: code -> (a line as the editor sees it, what to do about it)
EXAMPLES: dict[str, tuple[str, str]] = {
    "P101": (f"{S}/02-russia.md: not UTF-8 (byte 0x92 at offset 811); save the file as UTF-8",
             "Save the file as UTF-8 (in most editors: Save as… → Encoding → UTF-8)."),
    "P102": (f"{S}/brief.yaml:7: YAML syntax error: mapping values are not allowed here",
             "Check the indentation, colons and quotes on that line; text with a colon goes in quotes."),
    "P103": (f"{S}/brief.yaml:9: the key 'title' appears twice; keep one of them",
             "Delete one of the two lines."),
    "P104": (f"{S}/brief.yaml:1: expected a mapping of fields (key: value)",
             "Write one `key: value` per line."),
    "P105": (f"{S}/brief.yaml:12: the brief lists no sections",
             "Add `sections:` with one `- 01-introduction.md` line per section file."),
    "P106": (f"{S}/brief.yaml:14:5: section '02-russia.md' is listed but there is no such file",
             "Create the file or correct its name in the list."),
    "P107": ("pressroom: no brief 'my-breif' under source/",
             "Check the slug: it is the folder's name under `source/`."),
    "P108": (f"{S}.md:1: the front matter is not closed",
             "End the YAML at the top of the file with a line of three dashes (`---`)."),
    "P109": (f"{S}/brief.yaml:15: section '02-russia.md' is listed twice",
             "List each section file once."),
    "P110": (f"{S}/02-russia.md:8: control character U+0007 removed",
             "Delete the invisible character (it often comes from pasting out of another program)."),
    "P111": (f"{S}/notes.md:1: notes.md is in the brief's folder but not listed in sections",
             "Add it under `sections:` in brief.yaml, or move it out of the folder."),
    "P112": (f"{S}: a brief called 'my-brief' already exists",
             "Choose another title, or give `--slug`."),
    "P113": (f"{S}/02-russia.md: the file is larger than the limit of 2,048 KB",
             "Split the section into several files."),
    "P114": (f"{S}/brief.yaml:3: the YAML is more than 100 aliases (*name)",
             "Write plain `key: value` fields; no anchors and aliases are needed."),
    "P120": (f"{S}/brief.yaml:9: a line of 'key_points' starts with '- ' but continues the item "
             "above: it is indented too far",
             "Indent every `- ` of the list alike; otherwise two key points become one."),
    "P121": (f"{S}/brief.yaml:5: 'version: 1.10' is read by YAML as the number 1.1",
             'Quote it: `version: "1.10"`.'),
    "P701": ("manuscript.doc: not a Word .docx document (an old .doc?); save it as .docx in Word",
             "Open it in Word or LibreOffice and save it as Word Document (.docx)."),
    "P702": ("manuscript.docm: a macro-enabled document is refused; save it as .docx without macros",
             "Save a copy as .docx (macros are never run or kept)."),
    "P703": ("manuscript.docx: the document unpacks to more than the limit; split it or remove large images",
             "Shrink the images or split the manuscript into two briefs."),
    "P704": ("manuscript.docx: word/document.xml declares a DTD or entities; save it again from Word",
             "Save the file again from Word or LibreOffice; a normal document has no DTD."),
    "P705": ("manuscript.docx: word/_rels/document.xml.rels links to http://…; embed the image instead",
             "Insert the picture into the document instead of linking to it."),
    "P706": (f"{S}/IMPORT.txt: warning: the import report is still there; read it, then delete it",
             "Read what the import could not carry over, fix the brief, then delete IMPORT.txt."),
    "M201": (f"{S}/brief.yaml:1: the title is missing", "Add a line `title: …`."),
    "M202": (f"{S}/brief.yaml:3: 'date' must be a date, got '3 May'", "Write dates as `YYYY-MM-DD`."),
    "M203": (f"{S}/brief.yaml:4: 'status' must be draft or final, got 'done'",
             "Use one of the values the message names."),
    "M204": (f"{S}/brief.yaml:6: unknown field 'sumary'; did you mean 'summary'?",
             "Correct the name, or remove the field (see the README's metadata reference)."),
    "M205": (f"{S}/brief.yaml:8: 'subtitle' is empty", "Give it a value or delete the line."),
    "M206": (f"{S}/brief.yaml:4: 'summary' is missing; a final brief needs it",
             "Add the field; the build warns and `invoke publish` refuses until it is there."),
    "M207": (f"{S}/brief.yaml:7: 2 key points; a brief has three to five", "Merge or add key points."),
    "C301": (f"{S}/02-russia.md:12: image 'images/map.png' not found",
             "Put the file where the message says, or correct the path."),
    "C302": (f"{S}/02-russia.md:12: image '../other/map.png' is outside the brief's folder",
             "Copy the image into the brief's `images/` folder."),
    "C303": (f"{S}/02-russia.md:12:1: image 'images/map.png' has no alternative text",
             "Describe the image between the brackets: `![what it shows](images/map.png)`."),
    "C304": (f"{S}/02-russia.md:14:23: footnote [^3] is referenced but not defined",
             "Add a line `[^3]: the note's text`, or remove the reference."),
    "C305": (f"{S}/02-russia.md:40:1: footnote [^4] is defined but never referenced",
             "Put `[^4]` where the note belongs, or delete the note."),
    "C306": (f"{S}/02-russia.md:20:1: heading level jumps from 2 to 4", "Use `###` for that heading."),
    "C307": (f"{S}/02-russia.md:18: attribute class='box' is not allowed and was dropped",
             "Use one of the classes `pullquote`, `note`, `lead`, `wide`."),
    "C308": (f"{S}/02-russia.md:12: image 'images/map.tiff' is not PNG, JPEG, GIF, SVG or WebP",
             "Convert the image to PNG (photos: JPEG; charts: SVG)."),
    "C309": (f"{S}/02-russia.md:12: image 'https://example.org/map.png' is not a file of this brief",
             "Download the image into the brief's folder and give its relative path."),
    "C310": (f"{S}/02-russia.md:9:14: link '#sanctions' points to no heading or section of this brief",
             "Link to an existing heading's id or a listed section file."),
    "C311": ("source/house.yaml: the logo 'logo.png' is not an SVG file inside source/",
             "Give the path of an SVG file relative to `source/`."),
    "C321": (f"{S}/02-russia.md:30: lists and block quotes are nested more than 8 deep",
             "Flatten the nesting."),
    "C322": (f"{S}/02-russia.md:30: the paragraph is longer than 20,000 characters",
             "Split it into several paragraphs (or the table into several tables)."),
    "C323": (f"{S}/02-russia.md:12: image 'images/scan.png': the file is larger than 20 MB",
             "Export the image smaller."),
    "C324": (f"{S}/02-russia.md:12: image 'images/map.png': the file is not a PNG image",
             "Export the image again in the format its name says."),
    "C325": (f"{S}/02-russia.md:12: image 'images/chart.svg': the SVG holds a script",
             "Export the SVG again as a plain drawing (no scripts, no links to other files)."),
    "C326": (f"{S}/02-russia.md:9: link to 'file:///C:/notes.doc' removed, its text kept",
             "Link to an http(s) or mailto address, or to a heading or section of the brief."),
    "C327": (f"{S}/03-west.md:5: heading 'Background' repeats the one at {S}/02-russia.md:5",
             "Give each heading its own words."),
    "C328": (f"{S}/02-russia.md:20: the heading has no text", "Write its words after the `#`, or delete the line."),
    "C329": (f"{S}/02-russia.md:20: a level-6 heading (######) has no place in the editions",
             "Use `#####` at most."),
    "C340": (f"{S}/02-russia.md:7:12: the tag <sup> is printed as text",
             "Write `^th^` for a superscript, `~2~` for a subscript, a `\\` at the end of a line for a "
             "line break; other HTML is not rendered."),
    "C341": (f"{S}/02-russia.md:7:3: ^super script^ is printed as typed, not as a superscript",
             "A superscript or subscript has no spaces: write `^super\\ script^`, or escape the marks "
             "(`\\^`)."),
    "C342": (f"{S}/02-russia.md:9:17: the citation [@smith2020] is printed as typed: the brief has no "
             "bibliography", "Add a bibliography to the brief, or write the reference as a footnote."),
    "C343": (f"{S}/02-russia.md:5:14: {{.wide}} is printed as text: it is not a block attribute here",
             "Put `{.class}` alone on the line above a paragraph, with a known class, or delete it."),
    "C344": (f"{S}/02-russia.md:11:9: invisible character U+200B (zero-width space) in the text",
             "Delete it (it usually comes with text pasted from the web or a PDF)."),
    "C701": (f"{S}/02-russia.md:12: warning: HTML dropped: <script>",
             "Remove the tag: only the HTML listed in the README (Writing a brief) is kept."),
    "C702": (f"{S}/02-russia.md:20: warning: a remote image is not fetched; download it into images/ and link it",
             "Save the image into the brief's `images/` folder and link that file."),
    "C703": (f"{S}/03-figures.md:7: warning: image images/image1.png has no description in Word",
             "Write what the image shows between the brackets: `![what it shows](images/image1.png)`."),
    "C704": (f"{S}/04-tables.md:3: warning: a table with merged cells is kept as HTML",
             "Check the table in the preview; simplify it into rows and columns if you can."),
    "C705": (f"{S}/IMPORT.txt: warning: a comment was not carried over (02-russia.md:14)",
             "Read IMPORT.txt and carry over by hand what the brief needs."),
    "C801": (f"{S}/02-russia.md:9:41: citation key 'smith202' is not in the bibliography; did you mean smith2020?",
             "Correct the key, or add the source to the brief's bibliography file."),
    "C802": (f"{S}/refs.bib:40: the key 'smith2020' is defined twice (first at refs.bib:12)",
             "Give each entry its own key; keep one of the two if they are the same source."),
    "C803": (f"{S}/refs.bib:17: the entry cannot be read: a brace is not closed",
             "Export the bibliography again from Zotero, or close the brace at that line."),
    "C804": (f"{S}/refs.bib:30: warning: the book 'smith2020' has no title",
             "Add the missing field to the entry in your reference manager and export it again."),
    "C805": (f"{S}/brief.yaml:8: the bibliography file refs.bib does not exist",
             "Put the file in the brief's folder, or correct its name after `bibliography:`."),
    "C806": (f"{S}/brief.yaml:9: unknown citation style 'chicago-note'; did you mean chicago-notes-bibliography?",
             "Use one of the vendored styles the message lists, or a .csl file in the brief's folder."),
    "C807": (f"{S}/refs.bib:52: warning: the entry 'jones2019' is never cited",
             "Cite it where it belongs, list it under `nocite:`, or remove it."),
    "C809": (f"{S}/brief.yaml:6: warning: no citation locale for the language 'az'; English is used",
             "Nothing to do for a draft; ask the engineers to vendor the locale for the final."),
    "T601": (f"{S}/02-russia.md:14:23: warning: straight double quote",
             "Type “ and ”, or run `invoke fix`."),
    "T602": (f"{S}/02-russia.md:14:8: warning: straight single quote",
             "Type ’ for an apostrophe and ‘ ’ for quotes, or run `invoke fix`."),
    "T603": (f"{S}/02-russia.md:14:30: warning: double hyphen",
             "Type – for ranges and — for a break, or run `invoke fix`."),
    "T604": (f"{S}/02-russia.md:14:12: warning: two or more spaces between words",
             "Keep one space, or run `invoke fix`."),
    "T605": (f"{S}/02-russia.md:14:80: warning: trailing spaces",
             "Delete them (`invoke fix` does); end a line with `\\` for a visible line break."),
    "T609": (f"{S}/brief.yaml: the typography of this file cannot be fixed safely",
             "Fix the quotes of that file by hand; `invoke check` shows where they are."),
    "B401": (f"{S}/brief.yaml: the PDF edition could not be rendered: …",
             "Run the build again with `--debug` and send the traceback to the engineers."),
    "B402": (f"{S}/brief.yaml: a resource was refused while rendering: https://…",
             "A layout or stylesheet asks for a file from outside the project; tell the engineers."),
    "B403": ("build/my-brief.epub does not exist; run: invoke build --brief my-brief",
             "Build the brief first."),
    "B404": (f"{S}/brief.yaml: page 3 of the PDF (“…”) is not in the EPUB",
             "The layouts lost text; tell the engineers."),
    "B405": ("pressroom: port 8000 is in use", "Give another port: `invoke preview --port 8001`."),
    "B406": ("layouts/page.html:12: a layout has a template error", "Tell the engineers (or undo the layout edit)."),
    "B411": ("build/my-brief.pdf: cannot be written (disk full)", "Free some space or fix the permissions."),
    "B412": ("pressroom: interrupted; the previous outputs are unchanged", "Build again."),
    "B413": ("pressroom: internal error: …; run again with --debug and report the traceback",
             "Send the `--debug` output to the engineers."),
    "B415": ("pressroom: the PDF worker could not start: OSError: cannot load library 'libpango-1.0-0'; "
             "check WeasyPrint's installation (scripts/bootstrap) [B415]",
             "Run `scripts/bootstrap`: it installs the libraries WeasyPrint needs."),
    "B425": ("styles/print.css:185:5: warning: Ignored `colr: #333`, unknown property; correct the CSS "
             "(WeasyPrint ignores it) [B425]", "Correct the property or value at that line of the stylesheet."),
    "B435": ("styles/fonts.css:12: warning: the font file fonts/Missing.ttf does not exist; add it to "
             "styles/ or correct the url() [B435]", "Add the font file or correct its `url()`."),
    "B445": ("source/my-brief/images/map.png: warning: source/my-brief/images/map.png cannot be loaded by "
             "WeasyPrint [B445]", "Replace the image with one saved again as PNG, JPEG or SVG."),
    "B455": ("pressroom: warning: WeasyPrint: … [B455]",
             "Read WeasyPrint's words; if they concern the layouts, tell the engineers."),
    "B465": ("pressroom: the preview cannot watch source/, layouts/ and styles/; run with --debug for "
             "details [B465]", "Check that the folders exist and that the machine allows more inotify watches."),
    "B420": ("build/my-brief.pdf: build/my-brief.pdf (screen PDF) is older than 02-russia.md; run: "
             "invoke build --brief my-brief", "Build again; `invoke check` then compares the new outputs."),
    "U101": ("pressroom: unknown format docx; choose from pdf, epub, html [U101]",
             "Name one of the formats the message lists in `--format`."),
    "U102": ("pressroom: unknown profile large; choose from screen, print [U102]",
             "Name one of the profiles the message lists in `--profile`."),
    "U103": ("pressroom: unknown paper a5; choose from a4, letter [U103]",
             "Use `--paper a4` or `--paper letter`."),
    "F110": (f"{S}/01-introduction.md: the HTML edition's Source Serif 4 has no glyph for U+0259 ə",
             "Build again with `invoke build --force`; if it stays, tell the engineers (a face lacks the character)."),
    "V901": ("build/my-brief.pdf: veraPDF: PDF/UA-1 7.1-3 failed: content is neither tagged nor an artifact (page 2)",
             "The layout draws something outside the tag tree: tell the engineers, with the clause and page."),
    "V902": ("build/my-brief.pdf: veraPDF 1.28.2 is not installed (.tools/verapdf/...); run scripts/bootstrap",
             "Run `scripts/bootstrap`: it installs veraPDF."),
    "V903": ("build/my-brief-print.pdf: page 3 paints in DeviceRGB (an image)",
             "Build the print PDF again; if it stays, an image could not be converted: save it as CMYK or RGB PNG/JPEG."),
    "V904": ("build/my-brief-print.pdf: the font Arial is not embedded",
             "Tell the engineers: every font of the print PDF must be embedded."),
    "V905": ("build/my-brief-print.pdf: page 2 has no BleedBox 3 mm outside its TrimBox",
             "Build it again with `--profile print`; a print PDF from elsewhere needs its bleed set."),
    "V906": ("build/my-brief-print.pdf: no GTS_PDFX output intent",
             "Build it again with `--profile print`."),
    "V907": ("build/my-brief-print.pdf: /Trapped is not /True or /False",
             "Build it again with `--profile print`."),
    "V908": ("build/my-brief-print.pdf: GTS_PDFXVersion differs between the XMP and the Info dictionary",
             "Build it again with `--profile print`."),
    "V909": ("build/my-brief-print.pdf: warning: images/map.png is 150 ppi at its printed size (page 3)",
             "Give the printer an image of at least 300 ppi at the size it is printed, or print it smaller."),
    "V910": ("build/my-brief-print.pdf: warning: an image of page 2 has 320 % total ink",
             "Ask the designer for an image within 300 % total ink (the printer's limit)."),
    "B801": ("pressroom: the citation processor (citeproc-js) is missing; run scripts/bootstrap [B801]",
             "Run `scripts/bootstrap`: it installs Node.js's citation tools in `.tools/`."),
    "V501": (f"{S}/02-russia.md:14: paragraph missing in the screen PDF: “…”",
             "The edition lost text although it is up to date: tell the engineers."),
    "V502": (f"{S}/02-russia.md:5: heading “Background” (level 2) is missing from the EPUB",
             "Tell the engineers (the layouts lost a heading)."),
    "V503": (f"{S}/brief.yaml: the PDF cannot be read; rebuild it", "Build again; if it stays, tell the engineers."),
    "V504": ("build/my-brief.epub: ERROR RSC-007: referenced resource missing",
             "Usually a layout problem: tell the engineers."),
    "V505": (f"{S}/brief.yaml: page 3 of the PDF has no marker in the EPUB", "Build again (all editions together)."),
    "V506": ("build/my-brief.pdf: the figure on page 2 has no alternate text in the tags",
             "Give the image its alternative text; if it has one, tell the engineers."),
    "V507": ("build/my-brief.epub: Ace: color-contrast (serious)", "Usually a stylesheet problem: tell the engineers."),
    "V508": ("pressroom: Ace by DAISY is not installed", "Run `scripts/bootstrap`."),
    "V509": ("build/my-brief.pdf: Source Serif 4 has no glyph for U+0531: a box is printed",
             "Tell the engineers which script the text needs."),
    "R601": (f"{S}/brief.yaml: the status is 'draft'; only a final brief is published",
             "Write `status: final` when the brief is ready."),
    "R602": (f"{S}/brief.yaml: 3 manuscript finding(s) above; publishing runs `invoke check --strict`",
             "Fix each finding listed above it (`invoke fix` does the typography)."),
    "R603": ("build/my-brief.pdf: draft marking on page 1: “not for circulation”",
             "The layouts mark a final brief as a draft: tell the engineers."),
    "R604": ("dist/my-brief/1.0: version 1.0 is already published and would change",
             'Give the brief a new version: `version: "1.1"`.'),
    "R605": (f"{S}/brief.yaml: the cover thumbnail could not be made", "Run `scripts/bootstrap` (poppler-utils)."),
}

GROUPS = {"P": "Sources and YAML", "M": "Metadata", "C": "The manuscript's content",
          "T": "Typography of the sources", "B": "Building", "V": "Checking the outputs",
          "R": "Publishing"}

GUIDE = """\
# The editors' guide

For the people who write and publish briefs. Every command runs from the project folder; the
engineering documentation is the README. (This file is generated from the problem codes by
`invoke docs`; edit `devtools/editorsdoc.py`, not this file.)

## Writing

A brief is a folder under `source/`: `brief.yaml` (its title, date, summary, key points… and the
list of its section files) and one Markdown file per section. Start one with

    invoke new "Water and Power in the South Caucasus"

which makes `source/water-and-power-in-the-south-caucasus/` with a documented `brief.yaml`
(`status: draft`) and a first section. Write in Markdown: `# Heading`, `*italic*`, `**bold**`,
footnotes `text[^1]` and `[^1]: the note`, tables, `^superscript^` and `~subscript~`, images
`![what it shows](images/map.png "Caption")`. HTML tags are not rendered: they would be printed as
typed, so the build warns about them (C340).

## Previewing

    invoke preview --brief water-and-power-in-the-south-caucasus

opens a live preview on http://127.0.0.1:8000/: the web edition and the PDF's pages side by side,
rebuilt on every save, where you were. A mistake shows above the last good preview.

## Checking

    invoke check --brief water-and-power-in-the-south-caucasus

lists every problem at once, one line each: the file, the line and column, the code, what is
wrong and what to do. Then it compares what is in `build/` with the sources; an edition older
than its sources is reported as such (B420): run `invoke build` and check again.

## Fixing

    invoke fix --brief water-and-power-in-the-south-caucasus [--check]

writes into the sources the typography the build prints: curly quotes and apostrophes, dashes,
ellipses, non-breaking spaces (12 km, J. Smith), one space between words. Each change is printed
as `file:line: before -> after`; `--check` only lists them. The words never change.

## Publishing

Set `status: final` in `brief.yaml`, then

    invoke publish --brief water-and-power-in-the-south-caucasus

A brief that is not ready is refused in under a second, before anything is built, with every
reason in the first answer: the status, each field a final brief needs (M206), each warning of
`invoke check --strict`. Fix them all, publish again: the second run builds, verifies every
edition and releases it into `dist/<slug>/<version>/`. A published version never changes; give a
new `version:` for a correction.

## Every problem code

Warnings let the build go on (`invoke publish` refuses them all); errors stop it before anything
is written.
"""


def generate() -> str:
    """The text of docs/editors.md."""
    missing = sorted(set(CODES) - set(EXAMPLES))
    if missing:
        raise ValueError(f"no example in devtools/editorsdoc.py for {', '.join(missing)}")
    out = [GUIDE]
    group = None
    for code, meaning in CODES.items():
        if code[0] != group:
            group = code[0]
            out.append(f"\n### {GROUPS.get(group, group)}\n")
        example, fix = EXAMPLES[code]
        out.append(f"\n**{code}**: {meaning}.\n\n    {example} [{code}]\n\n{fix}\n")
    return "".join(out)


def write(root: Path) -> Path:
    path = root / "docs" / "editors.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(generate(), encoding="utf-8")
    return path

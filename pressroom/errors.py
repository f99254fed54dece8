"""Problems and the few exceptions Pressroom raises.

Logging and error policy, written down once:

* A **Problem** is something wrong with a manuscript or an output, found by
  Pressroom itself. It knows its file, line, a stable code, what is wrong and
  how to fix it, and prints as one line: ``path:line: message; hint [CODE]``.
* An **error** stops the build before anything is written to ``build/``.
  Validation gathers every problem of every file first and raises once, so an
  editor fixes all mistakes in one pass.
* A **warning** is printed and the build goes on; ``--strict`` turns warnings
  into errors.
* Progress goes to standard output, one line per edition; nothing is printed
  for a successful step inside an edition.
* Only ``tasks.py`` turns a :class:`PressroomError` into an exit status
  (:data:`EXIT_CODES`); a traceback is shown with ``--debug`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Every problem code Pressroom reports, with the sentence that explains it.
#: Tests and editors refer to codes, never to wording.
CODES: dict[str, str] = {
    # Sources and YAML
    "P101": "a file cannot be read (missing, not a file, or not UTF-8)",
    "P102": "YAML syntax error",
    "P103": "a YAML key appears twice in one mapping",
    "P104": "the YAML document is not a mapping of fields",
    "P105": "the brief has no sections",
    "P106": "a section listed in brief.yaml has no file",
    "P107": "the brief to build does not exist",
    "P108": "front matter is not closed with a line of three dashes",
    "P109": "a section is listed twice",
    "P110": "a character XML forbids is in the text",
    "P111": "a Markdown file in the brief's folder is not listed in sections",
    "P112": "a brief by that name already exists",
    "P113": "a file or a brief is larger than the limit (see README, Security)",
    "P114": "the YAML has too many aliases or is nested too deeply",
    "P120": "a YAML list item is indented too far and merges into the item above",
    "P121": "a text field (such as version: 1.10) is read by YAML as a number and changes",
    # Metadata
    "M201": "a required metadata field is missing",
    "M202": "a metadata field has the wrong type",
    "M203": "a metadata field has a value outside the allowed ones",
    "M204": "an unknown metadata field",
    "M205": "a metadata field is empty",
    "M206": "a field a final brief needs is missing",
    "M207": "key points are not three to five",
    # Manuscript content
    "C301": "an image is referenced but its file is missing",
    "C302": "a reference points outside the brief's folder",
    "C303": "an image has no alternative text",
    "C304": "a footnote is referenced but not defined",
    "C305": "a footnote is defined but never referenced",
    "C306": "a heading level is skipped",
    "C307": "an attribute is not allowed in a manuscript",
    "C308": "an image type is not supported",
    "C309": "a remote or unsupported URL is referenced as a resource",
    "C310": "an internal link points to nowhere",
    "C311": "the publisher's logo is missing, outside source/ or not an SVG file",
    "C321": "lists and block quotes are nested deeper than the limit",
    "C322": "a paragraph, item, cell, code block or table is longer than the limit",
    "C323": "an image file, or its pixel size, is larger than the limit",
    "C324": "an image is truncated, unreadable, or not the type its name says",
    "C325": "an SVG image holds a script, an event handler, a DTD or an outside reference",
    "C326": "a link is not an http, https or mailto address nor a #anchor; its text is kept",
    "C327": "a heading repeats the words of an earlier one at the same level",
    "C328": "a heading has no text",
    "C329": "a heading is deeper than level 5 (the brief's title takes level 1)",
    "C340": "an HTML tag is printed as text (raw HTML is not rendered)",
    "C341": "a ^superscript^ or ~subscript~ pair is printed as typed (it holds a space)",
    "C342": "a citation [@key] is printed as typed: the brief has no bibliography",
    "C343": "a {.class} or {#id} is printed as text: it is not a block attribute there",
    "C344": "an invisible zero-width or bidi control character is in the text",
    # Manuscripts as authors send them (raw HTML, remote images, Word import)
    "C701": "raw HTML outside the allowlist was dropped (see README, Writing a brief)",
    "C702": "a remote image is not fetched; a draft shows a placeholder, a final refuses it",
    "C703": "an imported Word image has no description (alternative text)",
    "C704": "a Word table Markdown cannot express (merged cells, paragraphs in a cell) is kept as HTML",
    "C705": "something in the Word document is not carried over (listed in IMPORT.txt)",
    "P701": "the file is not a Word .docx document (not a zip, an old .doc, or encrypted)",
    "P702": "a macro-enabled Word document (.docm) is refused",
    "P703": "the .docx is larger than the limit, or unpacks to far more (a zip bomb)",
    "P704": "a part of the .docx declares an XML DTD or entities",
    "P705": "the .docx refers to an outside file or address (a linked image, template or object)",
    "P706": "the brief's import report (IMPORT.txt) is still there; read it, then delete it",
    # Citations and bibliographies (pressroom/citations.py)
    "C801": "a citation key is not in the bibliography",
    "C802": "a bibliography entry's key is defined twice",
    "C803": "a bibliography file or entry cannot be read (malformed BibTeX, CSL JSON or YAML)",
    "C804": "a bibliography entry lacks a field its type needs",
    "C805": "a bibliography file does not exist, is outside the brief's folder or is of no known type",
    "C806": "the citation style is unknown",
    "C807": "a bibliography entry is never cited (`invoke check`)",
    "C809": "no vendored citation locale for the brief's language; English is used",
    "B801": "the citation processor (citeproc-js on Node.js) is missing or failed",
    # Typography of the source (warnings of `invoke check`)
    "T601": "a straight double quote",
    "T602": "a straight single quote or apostrophe",
    "T603": "a double hyphen",
    "T604": "two or more spaces between words",
    "T605": "trailing spaces at the end of a line",
    "T609": "invoke fix cannot rewrite a file's typography safely; it is left unchanged",
    # Build and outputs
    "B401": "an edition failed to render",
    "B402": "a resource was refused while rendering",
    "B403": "an output is missing; build it first",
    "B404": "a page of the PDF cannot be found in a reading edition to mark where it begins",
    "B405": "the preview cannot listen on its port",
    "B406": "a layout has a template error",
    "B411": "an output cannot be written (permissions, disk full)",
    "B412": "the build was interrupted; the previous outputs are unchanged",
    "B413": "an unexpected internal error",
    "B415": "the PDF worker could not start (its cause is shown; --debug shows the traceback)",
    "B425": "WeasyPrint ignores a CSS declaration or rule of a stylesheet (unknown property, invalid value, parse error)",
    "B435": "a font of a stylesheet cannot be loaded (missing or unreadable font file)",
    "B445": "an image or other file cannot be loaded while laying out the PDF",
    "B455": "WeasyPrint warned while laying out or writing the PDF",
    "B465": "the preview cannot watch its folders for saves",
    "B420": "an output in build/ is older than its sources; build it again",
    "V501": "text of the source is missing from an output",
    "V502": "a heading is missing from an output or out of order",
    "V503": "the structure of an output is wrong",
    "V504": "EPUBCheck reported a problem",
    "V505": "a print page number is missing or misplaced in the EPUB or HTML edition",
    "V506": "the PDF's tag structure is wrong (roles, alternate text, artifacts, reading order)",
    "V507": "an accessibility checker (Ace by DAISY, axe-core) reported a violation",
    "V508": "an accessibility checker cannot run; install it with scripts/bootstrap",
    "V509": "a character is printed without a glyph (.notdef) in the PDF",
    "F110": "a character of the EPUB or the HTML edition has no glyph in that edition's own (subset) fonts",
    # Outside validators and the print preflight (issue 18)
    "V901": "veraPDF found a failed rule of PDF/UA-1 or PDF/A-2a in the screen PDF",
    "V902": "veraPDF cannot validate a PDF (not installed, not run, or a claim missing)",
    "V903": "the print PDF uses DeviceRGB (a colour, image, shading or group)",
    "V904": "a font of the print PDF is not embedded",
    "V905": "a page of the print PDF lacks its TrimBox or BleedBox, or the bleed is wrong",
    "V906": "the print PDF lacks its one GTS_PDFX output intent (a registered condition or a profile)",
    "V907": "the print PDF's /Trapped is not set to /True or /False",
    "V908": "the print PDF's GTS_PDFXVersion is missing or differs between the XMP and the Info dictionary",
    "V909": "an image of the print PDF is under 300 ppi at its printed size",
    "V910": "a colour or image of the print PDF has more than 300 % total ink",
    # Publishing
    "R601": "only a brief whose status is final is published",
    "R602": "a manuscript warning blocks publishing (the checks run in strict mode)",
    "R603": "an output carries a draft marking",
    "R604": "this version is already published with different content",
    "R605": "a release file could not be made",
    # Usage of the commands
    "U101": "an unknown edition format was asked for",
    "U102": "an unknown PDF profile was asked for",
    "U103": "an unknown paper size was asked for",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, pointing at the source that causes it."""

    code: str
    message: str
    hint: str = ""
    path: str | None = None
    line: int | None = None
    severity: str = "error"  # "error" or "warning"
    col: int | None = None  # 1-based column, where known

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code}")

    @property
    def location(self) -> str:
        if self.path is None:
            return "pressroom"
        if self.line and self.col:
            return f"{self.path}:{self.line}:{self.col}"
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        """The one way a problem prints, as compilers do: ``file:line:col: warning: message;
        hint [CODE]`` (``warning:`` for warnings only; line and column where known)."""
        kind = "warning: " if self.severity == "warning" else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.location}: {kind}{self.message}{hint} [{self.code}]"


class PressroomError(Exception):
    """Base of every error Pressroom raises on purpose."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("B401", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # keep the problems when an error crosses a process boundary
        return (type(self), (self.problems,))


class ManuscriptError(PressroomError):
    """The sources of a brief are wrong: the writer can fix it."""


class BuildError(PressroomError):
    """Rendering or writing an edition failed."""


class VerificationError(PressroomError):
    """An output does not match its sources."""


class UsageError(PressroomError):
    """A command was called with an option value it does not know."""


class PublishError(PressroomError):
    """The brief is not ready to publish, or publishing would replace what readers have."""


#: Exit statuses, mapped in one place (used by tasks.py only).
EXIT_CODES: dict[type[PressroomError], int] = {
    ManuscriptError: 2,
    UsageError: 2,
    VerificationError: 3,
    BuildError: 4,
    PublishError: 5,
    PressroomError: 1,
}


def exit_code(error: PressroomError) -> int:
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1

"""The edition tree's print page -> PDF with WeasyPrint, in one of two profiles.

* ``screen`` (``build/<slug>.pdf``): RGB, tagged PDF/UA-1 (its tag tree finished by
  pdftags.py), live links, bookmarks. Its layout also gives the page numbers of the
  reading editions (pages.py).
* ``print`` (``build/<slug>-print.pdf``): for a commercial printer. Every colour of the
  layout is process CMYK (``styles/press.css``); the TrimBox is the paper size and the
  BleedBox lies exactly 3 mm outside it, the MediaBox 10 mm, so the crop and registration
  marks (drawn here, in registration colour) stand clear of the bleed; the cover band bleeds;
  no link annotations and no page transparency group. When the brief has no image and no
  logo (an image may carry RGB colour, which the pipeline cannot vouch for), the file is
  PDF/X-1a:2003: PDF 1.4, GTS_PDFXVersion, /Trapped /False, and an output intent naming the
  registered condition FOGRA39 (A4) or CGATS TR 001 / SWOP (Letter). With images it keeps
  all of the above except the PDF/X claim.

WeasyPrint is imported here only (through :mod:`pressroom.weasy`), and only when a PDF is
actually laid out. Everything it fetches comes from the edition tree through the confined
fetcher. ``layout`` gives the laid-out document, ``write`` its bytes. :func:`submit` does both
in the PDF worker when a build runs one (:mod:`pressroom.worker`), so the build makes the
reading editions while the PDF is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ..errors import BuildError, Problem
from ..model import Brief
from ..resources import Files, TreeFetcher, read
from . import pdfa, pdftags, pdfx
from . import PAGES

BLEED_MM = 3.0
PT_PER_MM = 72 / 25.4

#: The registered characterisation (ICC registry) the print PDF's output intent names, A4 and
#: Letter alike, and the profile embedded with it (made from its data: styles/pressroom-fogra39l.md).
CONDITION = ("FOGRA39", "Offset printing, according to ISO 12647-2:2004/Amd 1, OFCOM, paper type 1 "
                        "or 2 = coated art, 115 g/m2, screen ruling 60/cm")
PROFILE_NAME = "Pressroom CMYK (FOGRA39L, coated offset, 300 % total ink)"


@dataclass(frozen=True)
class Profile:
    name: str
    page: str  # the page of the edition tree it is made from

    def variant(self, brief: Brief) -> str:
        """The claim WeasyPrint writes: PDF/A-2a on screen (pdfa.py adds PDF/UA-1 to it), PDF/X-4
        in print (pdfx.py makes every colour of it CMYK)."""
        return "pdf/a-2a" if self.name == "screen" else "pdf/x-4"


PROFILES = {name: Profile(name, page) for name, (page, _) in PAGES.items()}


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _options(brief: Brief, profile: str) -> dict:
    meta = brief.metadata
    identifier = hashlib.md5(f"{meta.identifier}|{meta.version}".encode()).hexdigest().encode()
    return {"pdf_variant": PROFILES[profile].variant(brief), "pdf_identifier": identifier,
            "pdf_tags": profile == "screen"}


def _failed(brief: Brief, exc: Exception) -> BuildError:
    why = " ".join(str(exc).split())[:160] or type(exc).__name__  # one line, whatever WeasyPrint says
    return BuildError(Problem("B401", f"the PDF could not be rendered: {why}",
                              "run with --debug for details", brief.sources[0].as_posix()))


def tree_url(slug: str) -> str:
    """The address an edition tree is laid out at: the same wherever ``build/`` is. WeasyPrint
    names each image after its URL, so an address with the build folder in it would make the
    PDF of a brief with images depend on where it was built. The fetcher serves the tree from
    memory; nothing is ever read at this address."""
    return f"file:///pressroom/{slug}/"


def fonts_key(files: Files, base_url: str) -> tuple:
    """What the fonts of an edition tree depend on: where it lives, its stylesheets and fonts."""
    key = [base_url]
    for name, value in sorted(files.items()):
        if name.startswith("assets/"):
            if isinstance(value, Path):
                stat = value.stat()
                key.append((name, str(value), stat.st_size, stat.st_mtime_ns))
            else:
                key.append((name, hashlib.sha256(value).hexdigest()))
    return tuple(key)


def layout(brief: Brief, files: Files, base_url: str, profile: str = "screen"):
    """Lay out the profile's page of an edition tree (``base_url`` is where the tree will live)."""
    from .. import weasy

    HTML = weasy.load().HTML
    from weasyprint.logger import LOGGER

    page = PROFILES[profile].page
    fetcher = TreeFetcher(base_url, files)
    capture = _Capture()
    LOGGER.addHandler(capture)
    try:
        html = HTML(string=read(files[page]).decode("utf-8"), base_url=base_url + page,
                    url_fetcher=fetcher)
        document = html.render(font_config=weasy.font_config(fonts_key(files, base_url)),
                               **_options(brief, profile))
    except Exception as exc:  # WeasyPrint raises many types; report one line
        raise _failed(brief, exc) from exc
    finally:
        LOGGER.removeHandler(capture)
    if fetcher.refused:
        raise BuildError([Problem("B402", f"resource refused: {url}",
                                  "only files of the brief and of styles/ may be used",
                                  *locate(brief, url)) for url in fetcher.refused])
    # dates from the brief, never the clock (PDF/X would otherwise stamp the time)
    document.metadata.created = document.metadata.created or brief.metadata.modified
    document.metadata.modified = document.metadata.modified or brief.metadata.modified
    return document


def write(brief: Brief, document, profile: str = "screen") -> bytes:
    """The bytes of a laid-out document: the screen PDF with its tag tree finished for PDF/UA
    (pdftags.py), the print PDF finished for the press (``_press``)."""
    options = _options(brief, profile)
    if profile == "screen":
        finisher = _screen
    else:
        finisher = _press(brief.metadata.paper, options["pdf_variant"], _document_id(brief))
    try:
        with pdfx.converting(profile != "screen"):
            return document.write_pdf(finisher=finisher, **options)
    except BuildError:
        raise
    except Exception as exc:
        raise _failed(brief, exc) from exc


def _screen(document, pdf) -> None:
    pdftags.finish(document, pdf)
    pdfa.finish(document, pdf)


def _document_id(brief: Brief) -> str:
    """A PDF/X-4 file's xmpMM:DocumentID, stable for the brief's identifier and version."""
    meta = brief.metadata
    return "uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{meta.identifier}|{meta.version}"))


def render(brief: Brief, files: Files, base_url: str, profile: str = "screen") -> bytes:
    """Lay out and write the profile's page of an edition tree."""
    return write(brief, layout(brief, files, base_url, profile), profile)


class LaidOut:
    """A layout made here: its page starts (screen profile) and page count now, its PDF when
    asked for."""

    def __init__(self, brief: Brief, files: Files, base_url: str, profile: str = "screen"):
        from .. import pages

        self.brief, self.profile = brief, profile
        self.document = layout(brief, files, base_url, profile)
        self._starts = pages.starts(self.document) if profile == "screen" else []
        self.page_count = len(self.document.pages)

    def starts(self):
        return self._starts

    def pdf(self) -> bytes:
        return write(self.brief, self.document, self.profile)

    def discard(self) -> None:
        """Nothing to read: made here (a worker's job reads what it still owes)."""


def submit(brief: Brief, files: Files, base_url: str, pdf: bool = True, profile: str = "screen"):
    """Lay out the profile's page (and write the PDF if ``pdf``): in the PDF worker when one runs,
    else here. Returns an object whose ``starts()`` gives the page starts and ``pdf()`` the PDF."""
    from .. import worker

    running = worker.active()
    if running is None:
        return LaidOut(brief, files, base_url, profile)
    job = {name: value for name, value in files.items() if name != "index.html"}
    return running.submit(dataclasses.replace(brief, sections=()), job, base_url, pdf, profile)


def _marks(x0: float, y0: float, x1: float, y1: float) -> bytes:
    """Crop marks at the corners and registration crosses at the middle of each side, drawn
    in registration colour (100 % of every ink), 5 mm clear of the trim: outside the bleed."""
    mm = PT_PER_MM
    gap, length, r = 5 * mm, 5 * mm, 1.5 * mm
    ops = ["/Artifact <</Type /Page>> BDC", "q", "0.25 w", "1 1 1 1 K"]
    for x, sx in ((x0, -1), (x1, 1)):
        for y, sy in ((y0, -1), (y1, 1)):
            ops += [f"{x + sx * gap:.3f} {y:.3f} m {x + sx * (gap + length):.3f} {y:.3f} l S",
                    f"{x:.3f} {y + sy * gap:.3f} m {x:.3f} {y + sy * (gap + length):.3f} l S"]
    middle_x, middle_y, off = (x0 + x1) / 2, (y0 + y1) / 2, 7.5 * mm
    for cx, cy in ((middle_x, y1 + off), (middle_x, y0 - off), (x0 - off, middle_y), (x1 + off, middle_y)):
        k = r * 0.5523
        ops += [f"{cx - 2 * r:.3f} {cy:.3f} m {cx + 2 * r:.3f} {cy:.3f} l S",
                f"{cx:.3f} {cy - 2 * r:.3f} m {cx:.3f} {cy + 2 * r:.3f} l S",
                f"{cx + r:.3f} {cy:.3f} m {cx + r:.3f} {cy + k:.3f} {cx + k:.3f} {cy + r:.3f} {cx:.3f} {cy + r:.3f} c "
                f"{cx - k:.3f} {cy + r:.3f} {cx - r:.3f} {cy + k:.3f} {cx - r:.3f} {cy:.3f} c "
                f"{cx - r:.3f} {cy - k:.3f} {cx - k:.3f} {cy - r:.3f} {cx:.3f} {cy - r:.3f} c "
                f"{cx + k:.3f} {cy - r:.3f} {cx + r:.3f} {cy - k:.3f} {cx + r:.3f} {cy:.3f} c S"]
    ops += ["Q", "EMC"]  # a production aid, not the document (ISO 32000-1 14.8.2.2)
    return "\n".join(ops).encode()


def _press(paper: str, variant: str | None, document_id: str = ""):
    """A WeasyPrint finisher for the print profile: the exact 3 mm BleedBox, printer's marks
    in CMYK, no annotations, no page transparency group, and the PDF/X-4 output intent with
    its embedded CMYK profile (pdfx.py), ``GTS_PDFXVersion`` in the Info dictionary as in the
    XMP, and a stable ``xmpMM:DocumentID`` (WeasyPrint draws a random one)."""
    import pydyf

    def finish(document, pdf):
        bleed = BLEED_MM * PT_PER_MM
        for number in pdf.pages["Kids"][::3]:  # Kids is flat: number, 0, "R", ...
            page = pdf.objects[number]
            page.pop("Annots", None)
            page.pop("Group", None)  # a transparency group; the pages are opaque
            x0, y0, x1, y1 = (float(v) for v in page["TrimBox"])
            page["BleedBox"] = pydyf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
            marks = pydyf.Stream([_marks(x0, y0, x1, y1)], compress=True)
            pdf.add_object(marks)
            page["Contents"] = pydyf.Array([marks.reference, page["Contents"]])
        if variant:
            identifier, condition = CONDITION
            profile = pydyf.Stream([pdfx.profile_compressed()],
                                   pydyf.Dictionary({"N": 4, "Filter": "/FlateDecode"}))
            pdf.add_object(profile)
            pdf.catalog["OutputIntents"] = pydyf.Array([pydyf.Dictionary({
                "Type": "/OutputIntent", "S": "/GTS_PDFX",
                "OutputConditionIdentifier": pydyf.String(identifier),
                "OutputCondition": pydyf.String(condition),
                "RegistryName": pydyf.String("http://www.color.org"),
                "Info": pydyf.String(PROFILE_NAME),
                "DestOutputProfile": profile.reference,
            })])
            pdf.info["GTS_PDFXVersion"] = pydyf.String("PDF/X-4")
            if document_id and "Metadata" in pdf.catalog:
                _stable_document_id(pdf, document_id)
    return finish


def _stable_document_id(pdf, document_id: str) -> None:
    import re

    metadata = pdf.objects[pdftags._ref(pdf.catalog["Metadata"])]
    packet = b"".join(p if isinstance(p, bytes) else str(p).encode() for p in metadata.stream)
    metadata.stream = [re.sub(rb"xmp\.did:[0-9a-f-]{36}", document_id.encode(), packet)]


def locate(brief: Brief, url: str) -> tuple[str, int | None]:
    """The source file and line that mention a refused URL (its last part), else the brief."""
    from ..manuscript import shown

    name = unquote(url.rstrip("/").rsplit("/", 1)[-1])[:60] or url[:60]
    for source in brief.sources:
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        at = text.find(name)
        if at >= 0:
            return shown(source), text.count("\n", 0, at) + 1
    return shown(brief.sources[0]), None

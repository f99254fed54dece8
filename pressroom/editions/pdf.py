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
in the PDF worker when a build runs one (:mod:`pressroom.execution.worker`), so the build makes the
reading editions while the PDF is written.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from pressroom.editions import PAGES
from pressroom.editions.resources import Files, read
from pressroom.errors import BuildError, Problem
from pressroom.model import Brief
from pressroom.weasy import pdfa, pdfx
from pressroom.weasy import tags as pdftags
from pressroom.weasy.capture import capturing as _capturing
from pressroom.weasy.fetcher import TreeFetcher
from pressroom.weasy.press import BLEED_MM, PT_PER_MM  # noqa: F401 (used by tests)
from pressroom.weasy.press import finisher as _press


@dataclass(frozen=True)
class Profile:
    name: str
    page: str  # the page of the edition tree it is made from

    def variant(self, brief: Brief) -> str:
        """The claim WeasyPrint writes: PDF/A-2a on screen (pdfa.py adds PDF/UA-1 to it), PDF/X-4
        in print (pdfx.py makes every colour of it CMYK)."""
        return "pdf/a-2a" if self.name == "screen" else "pdf/x-4"


PROFILES = {name: Profile(name, page) for name, (page, _) in PAGES.items()}


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


def layout(brief: Brief, files: Files, base_url: str, profile: str = "screen",
           warnings: list[Problem] | None = None):
    """Lay out the profile's page of an edition tree (``base_url`` is where the tree will live).
    WeasyPrint's warnings about the tree's stylesheets, fonts and images are added to
    ``warnings``, as Problems naming the project's or brief's file (:func:`problems`)."""
    from pressroom import weasy

    HTML = weasy.load().HTML

    page = PROFILES[profile].page
    fetcher = TreeFetcher(base_url, files)
    with _capturing() as capture:
        try:
            html = HTML(string=read(files[page]).decode("utf-8"), base_url=base_url + page,
                        url_fetcher=fetcher)
            document = html.render(font_config=weasy.font_config(fonts_key(files, base_url)),
                                   **_options(brief, profile))
        except Exception as exc:  # WeasyPrint raises many types; report one line
            raise _failed(brief, exc) from exc
    missing = [url for url in fetcher.refused if _missing_asset(files, base_url, url)]
    refused = [url for url in fetcher.refused if url not in missing]
    if refused:
        raise BuildError([Problem("B402", f"resource refused: {url}",
                                  "only files of the brief and of styles/ may be used",
                                  *locate(brief, url)) for url in refused])
    if warnings is not None:
        warnings += problems(files, base_url, capture.records, missing)
    # dates from the brief, never the clock (PDF/X would otherwise stamp the time)
    document.metadata.created = document.metadata.created or brief.metadata.modified
    document.metadata.modified = document.metadata.modified or brief.metadata.modified
    return document


def write(brief: Brief, document, profile: str = "screen",
          warnings: list[Problem] | None = None, files: Files | None = None,
          base_url: str = "") -> bytes:
    """The bytes of a laid-out document: the screen PDF with its tag tree finished for PDF/UA
    (pdftags.py), the print PDF finished for the press (``_press``). WeasyPrint's warnings
    while writing (a font it cannot embed) are added to ``warnings``."""
    options = _options(brief, profile)
    if profile == "screen":
        finisher = _screen
    else:
        finisher = _press(brief.metadata.paper, options["pdf_variant"], _document_id(brief))
    with _capturing() as capture:
        try:
            with pdfx.converting(profile != "screen"):
                data = document.write_pdf(finisher=finisher, **options)
        except BuildError:
            raise
        except Exception as exc:
            raise _failed(brief, exc) from exc
    if warnings is not None:
        warnings += problems(files or {}, base_url, capture.records)
    return data


def _screen(document, pdf) -> None:
    pdftags.finish(document, pdf)
    pdfa.finish(document, pdf)


def _document_id(brief: Brief) -> str:
    """A PDF/X-4 file's xmpMM:DocumentID, stable for the brief's identifier and version."""
    meta = brief.metadata
    return "uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{meta.identifier}|{meta.version}"))


def render(brief: Brief, files: Files, base_url: str, profile: str = "screen",
           warnings: list[Problem] | None = None) -> bytes:
    """Lay out and write the profile's page of an edition tree."""
    document = layout(brief, files, base_url, profile, warnings)
    return write(brief, document, profile, warnings, files, base_url)


# --------------------------------------------------------------------------- WeasyPrint's warnings

_AT = re.compile(r" at (\d+):(\d+)")
_NAMED = re.compile(r"^(?:Ignored|Deprecated) `([^`:\s]+)|^Invalid math function at \d+:\d+: ([\w-]+)\(")
_FONT = re.compile(r"^Font-face '(.*)' cannot be loaded")
_SELECTOR = re.compile(r"^Invalid or unsupported selector, '(.+)'")
_IMAGE = re.compile(r"^Failed to load (?:image|stylesheet|attachment) at '?([^' ]+)'?")


def problems(files: Files, base_url: str, records, missing=()) -> list[Problem]:
    """WeasyPrint's warnings (``records``: the stylesheet being parsed, the message) and the
    stylesheet assets that do not exist (``missing``: their URLs) as warnings naming the file of
    the project or brief (``styles/print.css:186:5``), each once (a missing font file, not also
    the face WeasyPrint then cannot load). B425: a CSS declaration or rule WeasyPrint ignores;
    B435: a font that cannot be loaded; B445: an image or other file that cannot be loaded;
    B455: any other warning of WeasyPrint's."""
    found: list[Problem] = []
    for url in missing:
        name = _tree_name(base_url, url)
        code = "B435" if name.lower().endswith(_FONTS) else "B445"
        path, line = _mention(files, posixpath.relpath(name, "assets"))
        kind = "the font file" if code == "B435" else "the file"
        found.append(Problem(code, f"{kind} {name[len('assets/'):]} does not exist",
                             "add it to styles/ or correct the url()", path, line, "warning"))
    for sheet, message in records:
        text = " ".join(message.split())
        text = text if len(text) <= 160 else text[:159] + "…"
        name = _tree_name(base_url, sheet) if sheet else None
        at, font, image = _AT.search(message), _FONT.match(message), _IMAGE.match(message)
        selector = _SELECTOR.match(message)
        if image:
            target = _tree_name(base_url, image.group(1).rstrip(":"))
            if target not in files:  # missing: reported above (or refused, which fails the build)
                continue
            why = message.split(": ", 1)[1].strip() if ": " in message else ""
            path, line = _mention(files, posixpath.relpath(target, "assets"))
            found.append(Problem("B445", f"{_shown(files, target)} cannot be loaded by WeasyPrint"
                                 + (f" ({' '.join(why.split())[:100]})" if why else ""),
                                 "replace the file with one WeasyPrint can read",
                                 path or _shown(files, target), line, "warning"))
        elif font:
            if any(p.code == "B435" for p in found):  # a missing font file says why already
                continue
            path, line = _mention(files, font.group(1), prefer=name)
            found.append(Problem("B435", text, "check the @font-face src and the font file",
                                 path, line, "warning"))
        elif selector:
            path, line = _mention(files, selector.group(1).strip(), prefer=name)
            found.append(Problem("B425", text, "correct the selector (WeasyPrint ignores the rule)",
                                 path, line, "warning"))
        elif at:
            line, col = int(at.group(1)), int(at.group(2))
            text = _AT.sub("", text, count=1).rstrip(".")
            named = _NAMED.match(message)
            sheet_name = _sheet_at(files, name, line, col, named and (named.group(1) or named.group(2)))
            found.append(Problem("B425", text, "correct the CSS (WeasyPrint ignores it)",
                                 _shown(files, sheet_name), line, "warning", col))
        else:
            found.append(Problem("B455", f"WeasyPrint: {text}", "", _shown(files, name), None,
                                 "warning"))
    return list(dict.fromkeys(found))


_FONTS = (".ttf", ".otf", ".woff", ".woff2")


def _tree_name(base_url: str, url: str) -> str:
    if url.startswith(base_url):
        return posixpath.normpath(unquote(url[len(base_url):].split("#")[0].split("?")[0]))
    return url


def _missing_asset(files: Files, base_url: str, url: str) -> bool:
    """Whether a refused URL is a file a stylesheet of the tree names under assets/ that does
    not exist: a mistake of the project to warn about, not a resource to refuse."""
    if not url.startswith(base_url):
        return False
    name = _tree_name(base_url, url)
    return (name.startswith("assets/") and name not in files
            and _mention(files, posixpath.relpath(name, "assets"))[1] is not None)


def _shown(files: Files, name: str | None) -> str | None:
    """The project's or brief's file behind a file of the tree (None for a generated one)."""
    from pressroom.project import shown

    value = files.get(name) if name else None
    return shown(value) if isinstance(value, Path) else None


def _sheets(files: Files, first: str | None = None) -> list[str]:
    names = sorted(n for n in files if n.endswith(".css") and isinstance(files[n], Path))
    return sorted(names, key=lambda n: n != first)


def _lines(files: Files, name: str) -> list[str]:
    return read(files[name]).decode("utf-8", "replace").splitlines()


def _sheet_at(files: Files, current: str | None, line: int, col: int, word: str | None) -> str | None:
    """The stylesheet a warning at ``line:col`` is about: the one being parsed if ``word`` (the
    property or function warned about) is on that line, else the first other one where it is (a
    value WeasyPrint computes after parsing every stylesheet), else the one being parsed."""
    if not word:
        return current
    for name in _sheets(files, current):
        lines = _lines(files, name)
        if line <= len(lines) and word.lower() in lines[line - 1].lower():
            return name
    return current


def _mention(files: Files, text: str, prefer: str | None = None) -> tuple[str | None, int | None]:
    """The stylesheet of the tree (``prefer`` first) and line that mention ``text``."""
    for name in _sheets(files, prefer):
        for number, line in enumerate(_lines(files, name), 1):
            if text in line:
                return _shown(files, name), number
    return _shown(files, prefer), None


class LaidOut:
    """A layout made here: its page starts (screen profile), page count and WeasyPrint's
    warnings now, its PDF when asked for (with the warnings of writing it)."""

    def __init__(self, brief: Brief, files: Files, base_url: str, profile: str = "screen"):
        from pressroom.editions import pagination as pages

        self.brief, self.profile, self.files, self.base_url = brief, profile, files, base_url
        self.warnings: list[Problem] = []
        self.document = layout(brief, files, base_url, profile, self.warnings)
        self._starts = pages.starts(self.document) if profile == "screen" else []
        self.page_count = len(self.document.pages)

    def starts(self):
        return self._starts

    def pdf(self) -> bytes:
        return write(self.brief, self.document, self.profile, self.warnings, self.files,
                     self.base_url)

    def discard(self) -> None:
        """Nothing to read: made here (a worker's job reads what it still owes)."""


def prepare(ctx, edition):
    """The PDF edition's first phase: its layout, submitted to the scheduler (the screen profile's
    is the build's, already submitted: it numbers the pages of every edition)."""
    return ctx.layout(edition.profile)


def finish(job, starts):
    """The PDF's bytes, once written (in the worker, if it was laid out there)."""
    from pressroom.editions import Made

    job.starts()
    return Made(job.pdf(), job.page_count)


def locate(brief: Brief, url: str) -> tuple[str, int | None]:
    """The source file and line that mention a refused URL (its last part), else the brief."""
    from pressroom.manuscript import shown

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

"""``invoke check --accessibility``: page numbers, the PDF's tags, Ace by DAISY and axe-core.

* page numbers: for every page of the PDF (read back with pypdf, not from the
  layout that placed them), the EPUB's and the HTML edition's marker for that
  page stands right before the text that opens the page; the EPUB's page-list
  has one entry per page with body text, each pointing at its marker;
* the PDF's tag structure (tagged.py);
* Ace by DAISY on the EPUB and axe-core on the HTML edition, both in headless
  Chromium: any violation, of any impact, is a problem.

The checkers are npm packages installed in ``.tools/`` by scripts/bootstrap;
Chromium is Debian's. A checker that is missing is a problem (V508), never a
silent skip.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from pressroom.checks import tagged
from pressroom.checks.verify import NS, note_blocks
from pressroom.editions.pagination import IMAGE, Stream, units
from pressroom.errors import Problem
from pressroom.model import Brief

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"
CHROMIUM = os.environ.get("PUPPETEER_EXECUTABLE_PATH", "/usr/bin/chromium")
MARKER = re.compile(r"""<span\b[^>]*\brole=["']doc-pagebreak["'][^>]*\bid=["']page-(\d+)["'][^>]*>""")


# --------------------------------------------------------------------------- page numbers

def _page_heads(brief: Brief, pdf: bytes) -> dict[int, str]:
    """Each PDF page's opening text (units), running heads and folios left out."""
    from pressroom.checks.verify import _strip_furniture, pdf_pages

    return {number: text for number, text in enumerate(_strip_furniture(brief, pdf_pages(pdf)), 1)}


def _in_notes(brief: Brief, head: str) -> bool:
    """A page that opens with a footnote carried over (its number, then its text) has no marker."""
    notes = units(" ".join(b.text for b in note_blocks(brief)))
    text = re.sub(r"^\d+", "", head)[:24]
    return bool(text) and text in notes


def check_markers(brief: Brief, pdf: bytes, documents: list[str], edition: str) -> list[Problem]:
    """Every page of the PDF that opens with body text has its marker right before that text."""
    where = brief.sources[0].as_posix()
    heads = _page_heads(brief, pdf)
    marked = "".join(documents)
    stream = Stream(documents, include_noterefs=True)
    positions = {}
    for index, doc in enumerate(documents):
        for match in MARKER.finditer(doc):
            positions[int(match.group(1))] = stream.at(index, match.end())
    problems = []
    for number, head in heads.items():
        if number not in positions:
            if head and not _in_notes(brief, head):
                problems.append(Problem("V505", f"page {number} of the PDF has no marker in the {edition}",
                                        "rebuild; the page markers come from the PDF's layout", where))
            continue
        # an image (the cover's logo) is a unit of the editions' text but not of the PDF's text
        after = stream.joined[positions[number]:].replace(IMAGE, "")
        needle = head[:24]
        first_word = _first_word(stream, positions[number]).replace(IMAGE, "")
        found = after.find(needle, 0, len(needle) + len(first_word))
        if not needle or found < 0 or (found > 0 and found >= len(first_word)):
            problems.append(Problem(
                "V505", f"the {edition}'s marker for page {number} is not before the text that opens "
                f"the page (“{head[:30]}…”; after the marker: “{after[:30]}…”)",
                "rebuild; the page markers come from the PDF's layout", where))
    extra = sorted(set(positions) - set(heads))
    if extra:
        problems.append(Problem("V505", f"the {edition} marks pages the PDF does not have: {extra}",
                                "rebuild the editions together", where))
    if not marked:
        problems.append(Problem("V505", f"the {edition} is empty", "rebuild", where))
    return problems


def _first_word(stream: Stream, index: int) -> str:
    """The units of the word that follows a marker (up to the next space in the document)."""
    if index >= len(stream.where):
        return ""
    doc, at = stream.where[index]
    text = stream.documents[doc]
    end = at
    while end < len(text) and not text[end].isspace() and text[end] != "<":
        end += 1
    return units(text[at:end])


def epub_documents(data: bytes) -> tuple[list[str], list[str], str]:
    """The EPUB's content documents in spine order (nav left out), their names and the nav."""
    from xml.etree import ElementTree as ET

    archive = zipfile.ZipFile(io.BytesIO(data))
    container = ET.fromstring(archive.read("META-INF/container.xml"))
    opf_path = container.find(".//c:rootfile", NS).get("full-path")
    opf = ET.fromstring(archive.read(opf_path))
    base = opf_path.rsplit("/", 1)[0] + "/" if "/" in opf_path else ""
    manifest = {i.get("id"): i for i in opf.findall(".//opf:manifest/opf:item", NS)}
    nav = next(i.get("href") for i in manifest.values() if "nav" in (i.get("properties") or "").split())
    names = [manifest[r.get("idref")].get("href") for r in opf.findall(".//opf:spine/opf:itemref", NS)]
    names = [n for n in names if n != nav]
    return [archive.read(base + n).decode("utf-8") for n in names], names, archive.read(base + nav).decode("utf-8")


def check_page_list(brief: Brief, pdf: bytes, epub: bytes) -> list[Problem]:
    """The page-list: one entry per page with body text, in order, each at its marker."""
    where = brief.sources[0].as_posix()
    documents, names, nav = epub_documents(epub)
    block = re.search(r'<nav[^>]*epub:type="page-list"[^>]*>(.*?)</nav>', nav, re.S)
    if not block:
        return [Problem("V505", "the EPUB navigation has no page-list", "check layouts/epub/nav.xhtml", where)]
    entries = re.findall(r'<a href="([^"#]+)#([^"]+)">([^<]*)</a>', block.group(1))
    heads = _page_heads(brief, pdf)
    expected = [n for n, head in heads.items() if head and not _in_notes(brief, head)]
    labels = [int(label) for _, _, label in entries if label.isdigit()]
    problems = []
    if labels != expected:
        problems.append(Problem("V505", f"the page-list has pages {labels}; the PDF's pages with body "
                                f"text are {expected}", "rebuild the editions together", where))
    for href, anchor, label in entries:
        doc = documents[names.index(href)] if href in names else ""
        if f'id="{anchor}"' not in doc or f'aria-label="{label}"' not in doc:
            problems.append(Problem("V505", f"page-list entry {label} points at no marker ({href}#{anchor})",
                                    "check layouts/epub/nav.xhtml", where))
    return problems


# --------------------------------------------------------------------------- Ace and axe

def _tool(path: Path, what: str) -> Problem | None:
    if not shutil.which("node"):
        return Problem("V508", f"{what} needs Node.js, which is not installed", "run scripts/bootstrap")
    if not path.exists():
        return Problem("V508", f"{what} is not installed ({path} is missing)",
                       "run scripts/bootstrap (npm ci in .tools/)")
    if not Path(CHROMIUM).exists():
        return Problem("V508", f"{what} needs Chromium at {CHROMIUM}",
                       "install Debian's chromium (scripts/bootstrap) or set PUPPETEER_EXECUTABLE_PATH")
    return None


def _env() -> dict:
    return {**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM, "PUPPETEER_SKIP_DOWNLOAD": "1"}


def run_ace(epub: Path) -> tuple[list[Problem], str]:
    """Ace by DAISY on an EPUB: every violation is a problem. Returns (problems, summary)."""
    ace = TOOLS / "node_modules" / "@daisy" / "ace-cli" / "lib" / "cli" / "cli.js"
    ace = ace if ace.exists() else TOOLS / "node_modules" / ".bin" / "ace-cli"
    missing = _tool(ace, "Ace by DAISY")
    if missing:
        return [missing], "not run"
    with tempfile.TemporaryDirectory(prefix="pressroom-ace-") as out:
        result = subprocess.run(["node", str(ace), "-f", "-s", "-o", out, str(epub)], env=_env(),
                                capture_output=True, text=True, timeout=600)
        report_path = Path(out) / "report.json"
        if not report_path.exists():
            return [Problem("V508", f"Ace did not run: {(result.stderr or result.stdout).strip()[:300]}",
                            "run scripts/bootstrap", str(epub))], "failed"
        report = json.loads(report_path.read_text(encoding="utf-8"))
    problems = parse_ace(report, str(epub))
    return problems, f"Ace {report.get('earl:assertedBy', {}).get('doap:release', {}).get('doap:revision', '')}".strip() + \
        f": {len(problems)} violations"


def parse_ace(report: dict, where: str) -> list[Problem]:
    problems = []
    for document in report.get("assertions", []):
        subject = document.get("earl:testSubject", {}).get("url", "")
        for assertion in document.get("assertions", []):
            test = assertion.get("earl:test", {})
            result = assertion.get("earl:result", {})
            if result.get("earl:outcome") == "pass":
                continue
            problems.append(Problem("V507", f"Ace: {test.get('dct:title')} ({test.get('earl:impact')}) in "
                                    f"{subject}: {result.get('dct:description', '')[:160]}",
                                    "fix the EPUB layout or metadata", where))
    return problems


def run_axe(files: list[Path]) -> tuple[list[Problem], str]:
    """axe-core on HTML files (light and dark colour schemes): every violation is a problem."""
    missing = _tool(TOOLS / "node_modules" / "axe-core" / "axe.min.js", "axe-core")
    if missing:
        return [missing], "not run"
    result = subprocess.run(["node", str(ROOT / "scripts" / "axe.js"), str(TOOLS), *map(str, files)],
                            env=_env(), capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return [Problem("V508", f"axe-core did not run: {result.stderr.strip()[:300]}",
                        "run scripts/bootstrap")], "failed"
    problems = parse_axe(report)
    checked = sum(p.get("passes", 0) for p in report.get("pages", []))
    return problems, f"axe-core {report.get('axe')}: {len(problems)} violations ({checked} passes)"


def parse_axe(report: dict) -> list[Problem]:
    problems = []
    for page in report.get("pages", []):
        for violation in page.get("violations", []):
            problems.append(Problem("V507", f"axe-core: {violation['id']} ({violation.get('impact')}, "
                                    f"{page.get('scheme')} scheme): {violation.get('help')} at "
                                    f"{', '.join(violation.get('nodes', []))}",
                                    "fix the HTML layout or reading.css", page.get("file")))
    return problems


# --------------------------------------------------------------------------- everything

def check_outputs(brief: Brief, build_dir: Path) -> tuple[list[Problem], list[str]]:
    """Every accessibility check of a brief's built editions: (problems, report lines)."""
    from pressroom.build import output_paths

    paths = output_paths(build_dir, brief.slug)
    html = paths["html"] / "index.html"
    missing = [p for p in (paths["pdf"], paths["epub"], html) if not p.is_file()]
    if missing:
        return [Problem("B403", f"{p} does not exist", f"run: invoke build --brief {brief.slug}", str(p))
                for p in missing], []
    pdf, epub = paths["pdf"].read_bytes(), paths["epub"].read_bytes()
    report = []
    documents, _, _ = epub_documents(epub)
    pages = check_markers(brief, pdf, documents, "EPUB") + check_page_list(brief, pdf, epub)
    pages += check_markers(brief, pdf, [html.read_text(encoding="utf-8")], "HTML edition")
    report.append(f"page numbers: {len(MARKER.findall(''.join(documents)))} PDF pages marked in the "
                  f"EPUB and the HTML edition, {len(pages)} problems")
    structure = tagged.check(brief, pdf)
    report.append(f"PDF tags: {len(tagged.read(pdf).nodes)} structure elements, {len(structure)} problems")
    ace, ace_summary = run_ace(paths["epub"])
    report.append(f"EPUB: {ace_summary}")
    axe, axe_summary = run_axe([html])
    report.append(f"HTML: {axe_summary}")
    return pages + structure + ace + axe, report

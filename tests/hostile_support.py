"""Running a manuscript through the real build and reading every byte of what it made.

Shared by the hostile corpus, the no-network test and the property test.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import yaml
from conftest import ROOT

from pressroom.build import build
from pressroom.checks import verify
from pressroom.errors import PressroomError, exit_code
from pressroom.manuscript import Project
from pressroom.manuscript.safety import link_scheme

#: Written beside every hostile brief, outside it; no output may ever contain it.
SECRET = b"PRESSROOM-SECRET-c0ffee"
ALLOWED_SCHEMES = {None, "http", "https", "mailto"}
MANIFEST = ".manifest.json"  # the build cache's record of what was built from what
_ATTR_URL = re.compile(r"""\s(?:href|src|xlink:href|action|formaction|data|poster)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


@dataclass
class Outcome:
    exit: int
    problems: list = field(default_factory=list)  # errors and warnings, as Problem objects
    build_dir: Path | None = None


def plant_secrets(folder: Path) -> None:
    """Files a manuscript must never reach: text, YAML, Markdown, an image, a stylesheet."""
    from PIL import Image, PngImagePlugin

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SECRET.txt").write_bytes(SECRET + b"\n")
    (folder / "SECRET.md").write_bytes(b"# Secret\n\n" + SECRET + b"\n")
    (folder / "SECRET.yaml").write_bytes(b"title: " + SECRET + b"\nsections:\n  - 01-a.md\n")
    (folder / "SECRET.css").write_bytes(b"/* " + SECRET + b" */")
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())
    Image.new("RGB", (8, 8)).save(folder / "SECRET.png", pnginfo=info)


def run_library(target: Path, build_dir: Path, formats=("pdf", "epub", "html")) -> Outcome:
    project = Project(ROOT, build_root=build_dir)
    try:
        result = build(project, str(target), tuple(formats))
    except PressroomError as error:
        return Outcome(exit_code(error), error.problems, build_dir)
    return Outcome(0, result.warnings, build_dir)


def run_cli(target: Path, build_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRESSROOM_BUILD_DIR=str(build_dir))
    return subprocess.run([sys.executable, "-m", "invoke", "build", "--brief", str(target), *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def qpdf_plain(path: Path) -> bytes:
    """The PDF with every stream decompressed (so a search sees embedded bytes too)."""
    plain = path.with_name(f".{path.name}.plain")
    done = subprocess.run(["qpdf", "--qdf", "--object-streams=disable", "--decode-level=all",
                           str(path), str(plain)], capture_output=True, timeout=120)
    assert done.returncode in (0, 3), done.stderr  # 3: warnings
    data = plain.read_bytes()
    plain.unlink()
    return data


def outputs(build_dir: Path) -> dict[str, bytes]:
    """Every file a build made, with the EPUB unpacked and the PDF decompressed."""
    found: dict[str, bytes] = {}
    for path in sorted(build_dir.rglob("*")):
        if path.name.endswith(".plain") or path.name == MANIFEST:
            continue
        if not path.is_file():
            continue
        name = path.relative_to(build_dir).as_posix()
        data = path.read_bytes()
        if path.suffix == ".epub":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for entry in archive.namelist():
                    found[f"{name}!{entry}"] = archive.read(entry)
        elif path.suffix == ".pdf":
            found[name] = qpdf_plain(path)
        else:
            found[name] = data
    return found


def pdf_uris(data: bytes) -> list[str]:
    from pypdf import PdfReader

    uris = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            if "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


def urls(build_dir: Path) -> list[tuple[str, str]]:
    """Every URL an output points at: markup attributes, CSS url(), PDF link annotations."""
    found = []
    for name, data in outputs(build_dir).items():
        if name.endswith(".pdf"):
            found += [(name, u) for u in pdf_uris((build_dir / name).read_bytes())]
            continue
        text = data.decode("utf-8", "replace")
        for match in _ATTR_URL.finditer(text):
            found.append((name, html.unescape(match.group(1) or match.group(2) or "")))
        found += [(name, u.strip("'\" ")) for u in re.findall(r"url\(([^)]*)\)", text)]
    return found


class _Markup(HTMLParser):
    """Tags and attributes of a page (what a browser would run), without its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag.lower(), {k.lower(): v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


#: What only the project's layouts may put in a page: (tag, attribute test).
_OURS = {"link": lambda a: (a.get("rel") == "stylesheet" and a.get("href", "").startswith("assets/")
                            or a.get("rel") in ("canonical", "alternate")
                            and a.get("href", "").startswith(("https://", "http://"))),
         "style": lambda a: True,  # the print page's @page rule, from layouts/page.html
         "script": lambda a: a.get("type") == "application/ld+json"}  # data (web-meta.html), not code
_NEVER = {"iframe", "object", "embed", "base", "frame", "frameset", "form", "applet"}
_PDF_NEVER = [b"/JavaScript", b"/JS ", b"/JS(", b"/Launch", b"/EmbeddedFile", b"/SubmitForm",
              b"/ImportData", b"/GoToR", b"/RichMedia"]


def active_content(build_dir: Path) -> list[str]:
    """Scripts, handlers, frames, base/refresh, foreign stylesheets; PDF actions and attachments."""
    found = []
    for name, data in outputs(build_dir).items():
        if name.endswith(".pdf"):
            found += [f"{name}: {m.decode()}" for m in _PDF_NEVER if m in data]
            continue
        if not name.endswith((".html", ".xhtml", ".svg")):
            continue
        parser = _Markup()
        parser.feed(data.decode("utf-8", "replace"))
        for tag, attrs in parser.tags:
            if tag in _NEVER:
                found.append(f"{name}: <{tag}>")
            if tag in _OURS and not _OURS[tag](attrs):
                found.append(f"{name}: <{tag} {attrs}>")
            if tag == "meta" and "http-equiv" in attrs and attrs["http-equiv"].lower() != "content-type":
                found.append(f"{name}: <meta http-equiv={attrs['http-equiv']}>")
            found += [f"{name}: <{tag} {k}=...>" for k in attrs if k.startswith("on")]
    return found


def bad_urls(build_dir: Path) -> list[tuple[str, str]]:
    return [(n, u) for n, u in urls(build_dir) if link_scheme(u) not in ALLOWED_SCHEMES]


def well_formed_xhtml(epub: bytes) -> list[str]:
    """Parse every XML entry of an EPUB; return the errors."""
    errors = []
    with zipfile.ZipFile(io.BytesIO(epub)) as archive:
        for entry in archive.namelist():
            if entry.endswith((".xhtml", ".opf", ".xml", ".ncx")):
                try:
                    ET.fromstring(archive.read(entry))
                except ET.ParseError as exc:
                    errors.append(f"{entry}: {exc}")
    return errors


def epub_texts(epub: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(epub)) as archive:
        return "\n".join(html.unescape(archive.read(n).decode("utf-8"))
                         for n in archive.namelist() if n.endswith(".xhtml"))


def load_expect(case: Path) -> dict:
    return yaml.safe_load((case / "expect.yaml").read_text(encoding="utf-8"))


def prepare(case: Path, work: Path) -> Path:
    """Copy a case beside the planted secrets, make its links and large files; return the target."""
    expect = load_expect(case)
    plant_secrets(work)
    brief = work / case.name
    shutil.copytree(case, brief, ignore=shutil.ignore_patterns("expect.yaml"))
    for name, target in (expect.get("symlinks") or {}).items():
        (brief / name).parent.mkdir(parents=True, exist_ok=True)
        (brief / name).symlink_to(target)
    for name, spec in (expect.get("generate") or {}).items():
        text = spec.get("head", "") + spec["repeat"] * spec["times"] + spec.get("tail", "")
        (brief / name).write_text(text, encoding="utf-8")
    if (brief / "brief.yaml").exists() or (brief / "brief.yaml").is_symlink():
        return brief
    return next(brief.glob("*.md"))


def verify_built(target: Path, build_dir: Path, formats, epubcheck: bool) -> list:
    """The verifier's own checks of what was built: every sentence, every heading, EPUBCheck."""
    from pressroom import manuscript

    project = Project(ROOT, build_root=build_dir)
    briefs, _ = manuscript.load(project, str(target))
    return [p for b in briefs for p in verify.verify_outputs(b, build_dir, epubcheck, tuple(formats))]

"""The hostile corpus: one folder per case under tests/hostile/, its expected outcome beside it.

Each case is copied next to planted secret files (outside the brief) and built
through the real pipeline. ``expect.yaml`` says:

* ``exit``: 0 (built), 2 (a problem in the sources) or 4 (a rendering failure);
* ``codes``: problem codes that must be reported (errors or warnings);
* ``formats``: editions to build when the case succeeds (default all three);
* ``forbidden``: strings (case-insensitive) no output may contain;
* ``present``: strings the HTML and EPUB text must contain, verbatim;
* ``title``: the exact title the HTML, the EPUB package and the PDF info must carry;
* ``message``/``line``: words the first error must contain / the line it must name;
* ``symlinks``, ``generate``: links and large files made at test time;
* ``epubcheck``: run EPUBCheck on the EPUB; ``cli``: run ``invoke build`` in a subprocess too.

Whatever the case, no output contains a byte of the secrets, no URL in an
output has a scheme other than http, https or mailto, no page holds a script, an
event handler, a frame, a base, a refresh or a stylesheet the layouts did not
put there, no PDF holds an action or an attachment, every problem is one
line naming its file, and a failed case writes nothing to the build folder.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from conftest import ROOT
from hostile_support import (
    MANIFEST,
    SECRET,
    active_content,
    bad_urls,
    epub_texts,
    load_expect,
    outputs,
    prepare,
    run_cli,
    run_library,
    verify_built,
    well_formed_xhtml,
)

from pressroom.manuscript import Project

CORPUS = Path(__file__).parent / "hostile"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expect.yaml").is_file())


def test_the_corpus_is_there():
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", CASES)
def test_hostile_case(name, tmp_path):
    case = CORPUS / name
    expect = load_expect(case)
    target = prepare(case, tmp_path / "outside")
    build_dir = tmp_path / "build"
    formats = expect.get("formats", ["pdf", "epub", "html"])
    outcome = run_library(target, build_dir, formats)
    shown = [str(p) for p in outcome.problems]

    assert outcome.exit == expect["exit"], shown
    reported = {p.code for p in outcome.problems}
    assert set(expect.get("codes", [])) <= reported, shown
    for problem in outcome.problems:
        assert "\n" not in str(problem) and problem.path, str(problem)
        assert SECRET.decode() not in str(problem)
    errors = [p for p in outcome.problems if p.severity == "error"]
    if "message" in expect:
        assert expect["message"] in str(errors[0]), shown
    if "line" in expect:
        assert errors[0].line == expect["line"], shown

    if expect["exit"] != 0:
        assert not build_dir.exists() or not [p for p in build_dir.iterdir() if p.name != MANIFEST], \
            "a failed build wrote files"
        return
    made = outputs(build_dir)
    assert made
    for entry, data in made.items():
        assert SECRET not in data, f"{entry} holds bytes of a file outside the brief"
        lowered = data.lower()
        for bad in expect.get("forbidden", []):
            assert bad.lower().encode() not in lowered, f"{entry} contains {bad!r}"
    assert bad_urls(build_dir) == []
    assert active_content(build_dir) == []
    slug = next(p for p in build_dir.iterdir() if p.is_dir() and not p.name.startswith(".")).name  # not a cache
    if "epub" in formats:
        epub = (build_dir / f"{slug}.epub").read_bytes()
        assert well_formed_xhtml(epub) == []
    for text in _texts(build_dir, slug, formats):
        for wanted in expect.get("present", []):
            assert wanted in text
    if "title" in expect:
        assert _titles(build_dir, slug, formats) == {expect["title"]}
    problems = verify_built(target, build_dir, formats, expect.get("epubcheck", False))
    assert problems == [], [str(p) for p in problems]


def _texts(build_dir: Path, slug: str, formats) -> list[str]:
    texts = []
    if "html" in formats:
        texts.append(html.unescape((build_dir / slug / "index.html").read_text(encoding="utf-8")))
    if "epub" in formats:
        texts.append(epub_texts((build_dir / f"{slug}.epub").read_bytes()))
    return texts


def _titles(build_dir: Path, slug: str, formats) -> set[str]:
    """The title as each edition's metadata carries it, unescaped by a real parser."""
    import zipfile
    from xml.etree import ElementTree as ET

    from pypdf import PdfReader

    found = set()
    page = (build_dir / slug / "index.html").read_text(encoding="utf-8")
    found.add(html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)))
    with zipfile.ZipFile(build_dir / f"{slug}.epub") as archive:
        opf = ET.fromstring(archive.read("EPUB/package.opf"))
        found.add(opf.find(".//{http://purl.org/dc/elements/1.1/}title").text)
        cover = ET.fromstring(archive.read("EPUB/cover.xhtml"))
        found.add(cover.find(".//{http://www.w3.org/1999/xhtml}title").text)
    found.add(PdfReader(io.BytesIO((build_dir / f"{slug}.pdf").read_bytes())).metadata.title)
    return found


CLI_CASES = [n for n in CASES if load_expect(CORPUS / n).get("cli")]


@pytest.mark.parametrize("name", CLI_CASES)
def test_hostile_case_on_the_command_line(name, tmp_path):
    """`invoke build`: the exit status, one line per problem, never a traceback."""
    expect = load_expect(CORPUS / name)
    target = prepare(CORPUS / name, tmp_path / "outside")
    done = run_cli(target, tmp_path / "build")
    assert done.returncode == expect["exit"], done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for line in done.stderr.splitlines():
        assert re.match(r"^\S+?(:\d+){0,2}: (warning: )?.+ \[[A-Z]\d{3}\]$", line), line
    for code in expect.get("codes", []):
        assert f"[{code}]" in done.stderr


# --------------------------------------------------------------------------- the checks can fail

def _build_case(name, tmp_path, formats=("html", "epub")):
    target = prepare(CORPUS / name, tmp_path / "outside")
    return run_library(target, tmp_path / "build", formats), tmp_path / "build"


def test_a_parser_that_let_raw_html_through_would_be_caught(tmp_path, monkeypatch):
    """Without nh3 (the raw HTML taken as it is) the checks of the corpus see what it would do."""
    from pressroom import manuscript
    from pressroom.editions import html
    from pressroom.execution import writers
    from pressroom.manuscript import rawhtml

    monkeypatch.setattr(rawhtml, "clean", lambda fragment, inline: fragment)
    target = prepare(CORPUS / "raw-html-allowlist", tmp_path / "outside")
    doc = target  # without its data: image, which the loader refuses before any render
    doc.write_text("".join(line for line in doc.read_text().splitlines(True) if "data:" not in line))
    brief = manuscript.load(Project(ROOT, build_root=tmp_path / "build"), str(target))[0][0]
    tree = html.tree(brief, Project(ROOT))
    # the PDF's fetcher refuses what the <base> and <link> would fetch
    outcome = run_library(target, tmp_path / "pdf", ("pdf",))
    writers.write_tree(tmp_path / "build" / brief.slug, tree)
    found = " ".join(active_content(tmp_path / "build"))
    assert "<script" in found and "onclick" in found and "<iframe>" in found and "<base>" in found
    assert outcome.exit == 4 and {p.code for p in outcome.problems} == {"B402"}


def test_a_renderer_that_kept_unsafe_links_would_be_caught(tmp_path, monkeypatch):
    from pressroom.manuscript import markdown, safety

    monkeypatch.setattr(safety, "safe_link", lambda url: True)
    monkeypatch.setattr(markdown, "safe_link", lambda url: True)
    outcome, build_dir = _build_case("unsafe-links", tmp_path)
    schemes = {u.split(":", 1)[0].strip().lower() for _, u in bad_urls(build_dir)}
    assert {"javascript", "data", "vbscript", "file"} <= schemes


def test_a_loader_that_followed_links_out_of_the_brief_would_leak_the_secret(tmp_path, monkeypatch):
    from pressroom import manuscript
    from pressroom.model import Image

    def follow(root, section, src, alt, where, line, problems):  # the link, taken at its word
        return Image((root / src).resolve(), f"media/{src}", "image/png")

    monkeypatch.setattr(manuscript, "_resolve_image", follow)
    outcome, build_dir = _build_case("symlink-image", tmp_path)
    assert outcome.exit == 0
    leaked = [name for name, data in outputs(build_dir).items() if SECRET in data]
    assert "doc/media/images/map.png" in leaked and "doc.epub!EPUB/media/images/map.png" in leaked


def test_debug_shows_the_traceback_that_is_otherwise_hidden(tmp_path):
    target = prepare(CORPUS / "deep-nesting", tmp_path / "outside")
    quiet = run_cli(target, tmp_path / "build")
    loud = run_cli(target, tmp_path / "build", "--debug")
    assert "Traceback" not in quiet.stderr and quiet.returncode == 2
    assert "Traceback" in loud.stderr and "ManuscriptError" in loud.stderr and loud.returncode != 0

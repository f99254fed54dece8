"""Raw HTML in a manuscript (an allowlist, cleaned by nh3) and remote images (placeholders in drafts).

The CMS-style article under tests/fixtures/cms/ is what a government site exports: figures with
remote images and long ``srcset`` lines, a ``data:`` image, scripts, stray ``</body>``. Its remote
addresses point at a server this test runs on 127.0.0.1, which must see no request.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hostile_support import run_library, verify_built, well_formed_xhtml

from pressroom.manuscript import markdown, rawhtml

CMS = Path(__file__).parent / "fixtures" / "cms" / "article.md"


def _render(text: str, mode: str = "html") -> tuple[str, markdown.Parsed]:
    parsed = markdown.parse(text, line_offset=0, note_offset=0, used_ids=set())
    return markdown.render(parsed, mode, prefix="s", note_offset=0, images={}), parsed


# --------------------------------------------------------------------------- the allowlist

@pytest.mark.parametrize("fragment", [
    "H<sub>2</sub>O", "x<sup>2</sup>", "a<br />b", '<abbr title="World Health Organization">WHO</abbr>',
    "<small>small</small>", "<mark>marked</mark>", "<kbd>Ctrl</kbd>", "<q>quoted</q>", "<cite>Cited</cite>",
    '<span lang="fr">bonjour</span>', '<span dir="rtl">abc</span>',
])
def test_allowed_inline_html_is_rendered_in_every_mode(fragment):
    for mode in markdown.MODES:
        html, parsed = _render(f"Text {fragment} text.\n", mode)
        assert fragment in html, (mode, html)
        assert parsed.dropped_html == []


@pytest.mark.parametrize("block, kept", [
    ("<dl><dt>Term</dt><dd>Meaning</dd></dl>", "<dl><dt>Term</dt><dd>Meaning</dd></dl>"),
    ("<table><tr><th colspan=\"2\">H</th></tr><tr><td>a</td><td>b</td></tr></table>",
     '<table><tbody><tr><th colspan="2">H</th></tr><tr><td>a</td><td>b</td></tr></tbody></table>'),
    ("<figure><figcaption>Caption</figcaption></figure>",
     '<figure class="figure"><figcaption>Caption</figcaption></figure>'),
])
def test_allowed_blocks_are_rendered(block, kept):
    html, parsed = _render(block + "\n")
    assert kept in html and parsed.dropped_html == []


def test_details_are_open_in_print_only():
    text = "<details><summary>More</summary><p>Hidden on screen.</p></details>\n"
    assert '<details open="open">' in _render(text, "print")[0]
    assert "<details><summary>" in _render(text, "html")[0]


@pytest.mark.parametrize("fragment, named", [
    ("<script>alert(1)</script>", "<script>"),
    ('<span onclick="alert(1)">x</span>', "onclick= on <span>"),
    ('<iframe src="x"></iframe>', "<iframe>"),
    ("<style>p{}</style>", "<style>"),
    ('<object data="x"></object>', "<object>"),
    ("<form><input></form>", "<form>"),
    ('<img src="javascript:alert(1)" alt="x">', "a javascript: address on <img>"),
    ('<img src="data:text/html,x" alt="x">', "a data: address on <img>"),
    ('<img src="a.png" srcset="b.png 2x" alt="x">', "srcset= on <img>"),
    ('<span style="color:red">x</span>', "style= on <span>"),
])
def test_everything_else_is_dropped_and_named(fragment, named):
    for text in (f"Para {fragment} end.\n", f"{fragment}\n"):
        html, parsed = _render(text)
        assert [line for _, line in parsed.dropped_html] == [1], parsed.dropped_html
        assert named in parsed.dropped_html[0][0]
        for bad in ("alert", "onclick", "<iframe", "<style", "<object", "<form", "javascript:",
                    "data:", "srcset", "color:red"):
            assert bad not in html, (bad, html)


def test_comments_are_dropped_silently():
    html, parsed = _render("A <!-- note to self --> paragraph.\n\n<!-- a block note -->\n")
    assert "note" not in html and parsed.dropped_html == []


def test_unclosed_tags_and_a_stray_body_end_are_read_leniently():
    html, _ = _render("An <mark>unclosed mark.\n\n<dl><dt>T<dd>D</body></html>\n", "xhtml")
    assert "<mark>unclosed mark.</mark>" in html
    assert "<dl><dt>T</dt><dd>D\n</dd></dl>" in html
    ET.fromstring(f"<div>{html}</div>")  # well-formed XML


def test_html_that_crosses_markdown_emphasis_keeps_its_text_and_stays_well_formed():
    html, parsed = _render("**bold <sup>x** y</sup> z\n", "xhtml")
    ET.fromstring(f"<div>{html}</div>")
    assert "bold" in html and "y" in html and parsed.dropped_html


def test_the_sanitiser_is_nh3():
    """The cleaning is nh3's: without it the same input keeps its script (the check can fail)."""
    assert "<script>" not in rawhtml.clean("<script>x</script>", inline=False)
    assert rawhtml.clean.__code__.co_names.count("nh3")


# --------------------------------------------------------------------------- the CMS article

def _cms(tmp_path: Path, url: str, final: bool = False) -> Path:
    text = CMS.read_text(encoding="utf-8").replace("{server}", url)
    if final:
        text = text.replace("date: 2026-01-15\n", "date: 2026-01-15\nstatus: final\n")
    doc = tmp_path / "src" / "article.md"
    doc.parent.mkdir(parents=True)
    doc.write_text(text, encoding="utf-8")
    return doc


def test_a_cms_article_builds_as_a_draft_with_placeholders_and_warnings(counting_server, tmp_path):
    httpd, url = counting_server
    doc = _cms(tmp_path, url)
    build = tmp_path / "build"
    outcome = run_library(doc, build)
    assert outcome.exit == 0, [str(p) for p in outcome.problems]
    remote = [p for p in outcome.problems if p.code == "C702"]
    assert sorted(p.line for p in remote) == [10, 26]
    assert all(p.severity == "warning" and "download it into images/" in str(p) for p in remote)
    dropped = " ".join(str(p) for p in outcome.problems if p.code == "C701")
    assert "srcset=" in dropped and "<script>" in dropped and "a data: address" in dropped
    page = (build / "article" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="remote-image"') == 2
    assert f"{url}/sites/default/files/2026-01/summit-photo.jpg</span>" in page
    assert "Ministers at the summit table" in page and "srcset" not in page and "data:image" not in page
    with zipfile.ZipFile(build / "article.epub") as epub:
        assert any(b"remote-image" in epub.read(n) for n in epub.namelist() if n.endswith(".xhtml"))
    assert well_formed_xhtml((build / "article.epub").read_bytes()) == []
    assert verify_built(doc, build, ("pdf", "epub", "html"), True) == []
    assert _outside_the_page(build / "article.pdf") == []
    assert httpd.requests == []


def test_a_cms_article_marked_final_is_refused(counting_server, tmp_path):
    httpd, url = counting_server
    outcome = run_library(_cms(tmp_path, url, final=True), tmp_path / "build")
    assert outcome.exit == 2 and "C309" in {p.code for p in outcome.problems}
    assert httpd.requests == []


def test_the_page_box_check_catches_text_that_runs_off_the_page(counting_server, tmp_path, monkeypatch):
    """A placeholder whose address may not wrap runs off the page: the check above sees it."""
    httpd, url = counting_server
    monkeypatch.setattr(rawhtml, "placeholder", lambda src, alt: f'<span style="white-space: nowrap">'
                                                              f'{src * 3}</span>')
    outcome = run_library(_cms(tmp_path, url), tmp_path / "build", ("pdf",))
    assert outcome.exit == 0
    assert _outside_the_page(tmp_path / "build" / "article.pdf")


def _outside_the_page(pdf: Path) -> list[str]:
    """Words whose box (pdftotext -bbox) is not inside their page's box."""
    done = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True)
    root = ET.fromstring(done.stdout)
    outside = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        width, height = float(page.get("width")), float(page.get("height"))
        for word in page.iter("{http://www.w3.org/1999/xhtml}word"):
            box = [float(word.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")]
            if box[0] < 0 or box[1] < 0 or box[2] > width + 0.5 or box[3] > height + 0.5:
                outside.append(word.text or "")
    return outside

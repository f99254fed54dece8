"""Random Markdown either builds good editions or fails with clean one-line problems.

Hypothesis writes documents from the pieces Markdown is made of (and the
characters that break parsers: brackets, backticks, ampersands, braces,
control characters, unpaired surrogate escapes, right-to-left text). Each one
goes through the real build. Either every edition is right (well-formed XHTML,
no active content, no unsafe URL, every sentence verified, a readable PDF, and
for a few a clean EPUBCheck) or the build raises a PressroomError whose every
problem is one line naming a file. Anything else (a traceback) fails.

The example counts are small and fixed (derandomised) so CI stays fast and
repeatable; raise them locally with HYPOTHESIS_EXAMPLES=500.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from hostile_support import (
    MANIFEST,
    active_content,
    bad_urls,
    plant_secrets,
    run_library,
    verify_built,
    well_formed_xhtml,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SCALE = int(os.environ.get("HYPOTHESIS_EXAMPLES", "0"))
ALPHABET = st.sampled_from(list("abc xyz 019 *_[]()<>&\"'{}#!`|^~\\:/.-+=%\n\t")
                           + ["é", "ß", "مر", "𝔘", "\u202e", "\u200b", "\x07", "\x00", "\ufffe", "{{",
                              "{%", "&#0;", "&amp;", "javascript:", "<script>", "-->", "]]>"])
WORDS = st.lists(ALPHABET, min_size=1, max_size=12).map("".join)
URLS = st.sampled_from(["https://example.org/a?b=1&c=2", "mailto:a@example.org", "#intro",
                        "javascript:alert(1)", "data:text/html,x", "file:///etc/hostname",
                        "../SECRET.txt", "http://[::1", " java\tscript:x", "//127.0.0.1:9/x"])


@st.composite
def inline(draw):
    pieces = draw(st.lists(st.one_of(
        WORDS,
        WORDS.map(lambda w: f"*{w}*"), WORDS.map(lambda w: f"**{w}**"), WORDS.map(lambda w: f"`{w}`"),
        st.tuples(WORDS, URLS).map(lambda t: f"[{t[0]}]({t[1]})"),
        URLS.map(lambda u: f"<{u}>"),
        st.sampled_from(["[^1]", "[^n]", "![a box](images/box.png)", "![](images/box.png)",
                         "![x](images/none.png)", "![x](../SECRET.png)", "{{ 7*7 }}", "{% if %}"]),
    ), min_size=1, max_size=6))
    return " ".join(pieces)


@st.composite
def block(draw):
    text = draw(inline())
    kind = draw(st.sampled_from(["p", "h", "ul", "ol", "quote", "code", "table", "note", "attr",
                                 "hr", "html", "nested"]))
    if kind == "h":
        return "#" * draw(st.integers(1, 6)) + " " + text
    if kind == "ul":
        return "\n".join(f"- {draw(inline())}" for _ in range(draw(st.integers(1, 3))))
    if kind == "ol":
        return "\n".join(f"{i + 1}. {draw(inline())}" for i in range(draw(st.integers(1, 3))))
    if kind == "quote":
        return "> " * draw(st.integers(1, 10)) + text
    if kind == "code":
        return f"```\n{text}\n```"
    if kind == "table":
        return f"| {text} | b |\n|---|---|\n| {draw(inline())} | c |"
    if kind == "note":
        return f"[^{draw(st.sampled_from(['1', 'n', 'x']))}]: {text}"
    if kind == "attr":
        return draw(st.sampled_from(["{.pullquote}", "{onclick=x}", "{#id .lead}"])) + "\n" + text
    if kind == "hr":
        return "---"
    if kind == "html":
        return f"<div onclick=\"x\">{text}</div>"
    if kind == "nested":
        return "\n".join("  " * i + f"- {draw(WORDS)}" for i in range(draw(st.integers(1, 12))))
    return text


DOCUMENTS = st.lists(block(), min_size=1, max_size=8).map(
    lambda blocks: "---\ntitle: Random\ndate: 2026-01-02\n---\n" + "\n\n".join(blocks) + "\n")


def _check(markdown: str, formats, epubcheck: bool) -> None:
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="pressroom-prop-") as tmp:
        work = Path(tmp) / "outside"
        plant_secrets(work)
        brief = work / "random"
        (brief / "images").mkdir(parents=True)
        Image.new("RGB", (20, 10), (0, 90, 160)).save(brief / "images" / "box.png")
        doc = brief / "random.md"
        doc.write_text(markdown, encoding="utf-8", errors="surrogatepass")
        build_dir = Path(tmp) / "build"
        outcome = run_library(doc, build_dir, formats)
        for problem in outcome.problems:
            assert "\n" not in str(problem) and problem.path and problem.code, str(problem)
        if outcome.exit != 0:
            assert outcome.exit in (2, 4) and any(p.severity == "error" for p in outcome.problems)
            assert not build_dir.exists() or not [p for p in build_dir.iterdir() if p.name != MANIFEST]
            return
        assert bad_urls(build_dir) == [] and active_content(build_dir) == []
        if "epub" in formats:
            assert well_formed_xhtml((build_dir / "random.epub").read_bytes()) == []
        if "pdf" in formats:
            from pypdf import PdfReader

            assert len(PdfReader(io.BytesIO((build_dir / "random.pdf").read_bytes())).pages) >= 1
        problems = verify_built(doc, build_dir, formats, epubcheck)
        assert problems == [], [str(p) for p in problems]


@settings(max_examples=SCALE or 25, deadline=None, derandomize=not SCALE, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(DOCUMENTS)
def test_random_markdown_builds_html_and_epub_or_fails_cleanly(markdown):
    _check(markdown, ("html", "epub"), epubcheck=False)


@settings(max_examples=SCALE // 10 or 6, deadline=None, derandomize=not SCALE, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(DOCUMENTS, st.integers(0, 1))
def test_random_markdown_builds_every_edition_or_fails_cleanly(markdown, run_epubcheck):
    """Fewer examples: the PDF for each, EPUBCheck for about half of them."""
    _check(markdown, ("html", "epub", "pdf"), epubcheck=bool(run_epubcheck))

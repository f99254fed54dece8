"""The first brief is the author's article, every sentence verbatim, in Markdown sections."""

import re

from conftest import FIRST, FIXTURES, ROOT

ARTICLE = FIXTURES / "manuscript" / "article.txt"


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def article_paragraphs() -> list[str]:
    return [line.strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_sentence_of_the_article_is_verbatim_in_source():
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in sorted((ROOT / "source" / FIRST).glob("*.md")))
    flat = re.sub(r"\s+", " ", source)
    missing = [s for p in article_paragraphs() for s in sentences(p) if s not in flat]
    assert missing == []


def test_short_lines_are_the_section_headings_in_order(first_brief):
    headings = [line for line in article_paragraphs() if len(line) < 60 and not line.endswith(".")]
    assert [h.text for h in first_brief.headings] == headings
    assert first_brief.sections[0].title == ""  # the introduction has no heading of its own
    assert len(first_brief.sections) == len(headings) + 1


def test_the_byline_is_the_institution(first_brief):
    meta = first_brief.metadata
    assert meta.authors == (meta.publisher,)

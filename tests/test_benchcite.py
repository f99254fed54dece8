"""The bench's citations row (pressroom/benchcite.py): the cited copy holds exactly the citations
and entries it says, and the author's brief is untouched."""

from conftest import FIRST, ROOT

from devtools import bench, benchcite
from pressroom import manuscript
from pressroom.manuscript import citations
from pressroom.project import Project


def test_the_cited_copy_has_sixty_citations_of_sixty_entries(tmp_path):
    plain = bench.scaled_brief(1, tmp_path / "briefs")
    before = {p.name: p.read_text() for p in (ROOT / "source" / FIRST).glob("*.md")}
    cited = benchcite.cited_brief(plain, tmp_path / "briefs")
    assert {p.name: p.read_text() for p in (ROOT / "source" / FIRST).glob("*.md")} == before
    text = "".join(p.read_text() for p in cited.glob("*.md"))
    assert text.count("[@bench") == benchcite.COUNT
    brief = manuscript.load(Project(ROOT, build_root=tmp_path / "build"), str(cited))[0][0]
    assert brief.sections[-1].id == citations.SECTION_ID
    assert brief.sections[-1].html.count("<li ") == benchcite.COUNT
    data = {"citations": {"count": 60, "ratio": 1.2, "plain": {"median": 1.0, "min": 1, "max": 1},
                          "cited": {"median": 1.2, "min": 1.2, "max": 1.2}}}
    assert len(benchcite.rows(data)) == 2 and benchcite.target(data)["met"] is False

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
    data["citations"]["noted"] = {"median": 1.1, "min": 1.1, "max": 1.1}
    data["citations"]["machinery"] = 1.2 / 1.1
    assert len(benchcite.rows(data)) == 4 and "1.09 |" in benchcite.rows(data)[-1]


def test_the_noted_copy_types_the_same_notes_and_entries_as_plain_text(tmp_path):
    """The citation machinery's baseline: the cited copy's notes and bibliography, as
    citeproc-js wrote them, in authored footnotes and a last section; nothing to process."""
    plain = bench.scaled_brief(1, tmp_path / "briefs")
    cited = benchcite.cited_brief(plain, tmp_path / "briefs")
    noted = benchcite.noted_brief(plain, cited, tmp_path / "briefs")
    project = Project(ROOT, build_root=tmp_path / "build")
    theirs = manuscript.load(project, str(cited))[0][0]
    ours = manuscript.load(project, str(noted))[0][0]
    text = "".join(p.read_text() for p in noted.glob("*.md"))
    assert "[@" not in text and "bibliography" not in (noted / "brief.yaml").read_text()
    assert not (noted / "refs.bib").exists()
    assert text.count("[^cite") == 2 * benchcite.COUNT  # each mark and its note
    def norm(blocks, kind=None):
        return [" ".join(b.text.split()) for b in blocks if kind is None or b.kind == kind]

    assert [norm(s.notes) for s in ours.sections[:-1]] == [norm(s.notes) for s in theirs.sections[:-1]]
    assert sum(len(s.notes) for s in ours.sections) >= benchcite.COUNT
    assert theirs.sections[-1].role == "bibliography" and ours.sections[-1].role == ""
    assert ours.sections[-1].title == theirs.sections[-1].title == citations.DEFAULT_TITLE
    assert norm(ours.sections[-1].blocks, "item") == norm(theirs.sections[-1].blocks, "entry")
    assert len(norm(ours.sections[-1].blocks, "item")) == benchcite.COUNT

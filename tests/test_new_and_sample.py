"""`invoke new` scaffolds a brief that builds at once as a draft; the sample brief builds and verifies."""

import os
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT

from pressroom import manuscript
from pressroom.build import build, render
from pressroom.checks import lint, verify
from pressroom.errors import ManuscriptError
from pressroom.manuscript.scaffold import brief_yaml, new_brief
from pressroom.model import FIELDS

SAMPLE = "sample-brief-corridors"


def test_the_scaffold_documents_every_field_of_the_schema():
    text = brief_yaml("A title")
    flat = " ".join(line.lstrip("# ").strip() for line in text.splitlines())
    for field in FIELDS:
        assert f"# {field.name}" in text and field.doc in flat, field.name
    data = yaml.safe_load(text)
    assert data == {"title": "A title", "status": "draft", "sections": ["01-introduction.md"]}


@pytest.mark.slow
def test_invoke_new_makes_a_brief_that_builds_as_a_clean_draft(tmp_path):
    for name in ("source", "layouts", "styles"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
    (tmp_path / "pressroom").symlink_to(ROOT / "pressroom")
    run = subprocess.run([sys.executable, "-m", "invoke", "new", "Water: the “next” crisis?"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PRESSROOM_BUILD_DIR=str(tmp_path / "build")))
    assert run.returncode == 0, run.stderr
    project = manuscript.Project(tmp_path)
    folder = tmp_path / "source" / "water-the-next-crisis"
    assert sorted(p.name for p in folder.iterdir()) == ["01-introduction.md", "brief.yaml"]
    house_default = "\n# publisher: Pressroom Policy Institute\n"
    assert house_default in (folder / "brief.yaml").read_text()
    assert lint.lint(project, folder.name) == []
    result = build(project, folder.name)
    assert {o.edition for o in result.outputs} == {"html", "pdf", "epub"} and not result.warnings
    (brief,), _ = manuscript.load(project, folder.name)
    assert brief.metadata.is_draft and brief.metadata.title == "Water: the “next” crisis?"
    assert verify.verify_outputs(brief, project.build_dir, False) == []

    before = (folder / "brief.yaml").read_bytes()
    with pytest.raises(ManuscriptError) as refused:
        new_brief(project, "Anything", slug=folder.name)
    assert refused.value.problems[0].code == "P112"
    assert (folder / "brief.yaml").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "source").iterdir()) == sorted(
        p.name for p in (ROOT / "source").iterdir()) + [folder.name]  # nothing left behind


def test_a_slug_must_be_a_slug(scratch):
    with pytest.raises(ManuscriptError):
        new_brief(scratch, "Title", slug="Not A Slug/..")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    project = manuscript.Project(ROOT, build_root=tmp_path_factory.mktemp("sample"))
    (brief,), warnings = manuscript.load(project, SAMPLE)
    return project, brief, warnings


def test_the_sample_is_labelled_as_a_sample(sample):
    _, brief, warnings = sample
    meta = brief.metadata
    assert not warnings
    assert meta.title.startswith("Sample brief") and "sample" in meta.subtitle
    assert meta.summary.startswith("This is a sample brief")


def test_the_sample_exercises_figures_a_table_notes_a_pull_quote_and_lists(sample):
    _, brief, _ = sample
    html = "".join(s.html for s in brief.sections)
    assert {i.media_type for i in brief.images} == {"image/svg+xml", "image/png"}
    assert html.count("<img ") == 2 and html.count("<figcaption>Figure ") == 2
    for marker in ("<table>", '<aside id="overview-fn1"', '<blockquote class="pullquote">', "<ul>", "<ol>"):
        assert marker in html, marker
    assert all(word in html for word in ("Bakı", "Баку", "Երևան"))


def test_internal_links_point_into_each_edition(sample):
    _, brief, _ = sample
    trade = next(s for s in brief.sections if s.id == "trade-in-figures")
    assert 'href="#overview"' in trade.html and 'href="#what-to-watch"' in trade.print_html
    assert 'href="overview.xhtml#overview"' in trade.xhtml
    assert 'href="what-to-watch.xhtml#what-to-watch"' in trade.xhtml


@pytest.mark.slow
def test_the_sample_builds_all_three_editions_and_verifies_with_epubcheck(sample):
    project, brief, _ = sample
    build(project, SAMPLE)
    assert verify.verify_outputs(brief, project.build_dir, epubcheck=True) == []


def test_a_link_left_unrewritten_is_caught_by_epubcheck(sample, tmp_path):
    project, brief, _ = sample
    broken = brief.sections[1].xhtml.replace("what-to-watch.xhtml#what-to-watch", "#what-to-watch")
    sections = (brief.sections[0], brief.sections[1].__class__(
        **{**brief.sections[1].__dict__, "xhtml": broken}), *brief.sections[2:])
    damaged = brief.__class__(**{**brief.__dict__, "sections": sections})
    path = tmp_path / "damaged.epub"
    path.write_bytes(render(damaged, project, ("epub",))["epub"])
    problems = verify.run_epubcheck(path)
    assert [p.message.split(":")[0] for p in problems] == ["ERROR RSC-012"]  # fragment not defined


NOTES_AND_CALLS = [("Place names follow the forms", "then by rail through Tbilisi to Kars"),
                   ("Days in transit are typical waits", "spends on each leg, are in the table"),
                   ("A common transit document is an example", "which a single transit document")]


def notes_away_from_their_calls(pdf: bytes) -> list[str]:
    pages = [" ".join(text.split()) for text in verify.pdf_pages(pdf)]
    page_of = lambda needle: next(i for i, text in enumerate(pages) if needle in text)  # noqa: E731
    return [note for note, call in NOTES_AND_CALLS if page_of(note) != page_of(call)]


@pytest.mark.slow
def test_each_footnote_is_printed_on_the_page_of_its_call(sample):
    project, brief, _ = sample
    assert notes_away_from_their_calls(render(brief, project, ("pdf",))["pdf"]) == []


@pytest.mark.slow
def test_a_margin_on_the_footnote_area_pushes_notes_to_later_pages(scratch):
    css = scratch.styles_dir / "print.css"
    rule = "@footnote { border-top: 0.5pt solid #a9b4bb; padding-top: 4pt; }"
    assert rule in css.read_text()
    # a margin large enough to matter on these pages (WeasyPrint 70 does not count it)
    css.write_text(css.read_text().replace(rule, rule[:-1] + "margin-top: 24pt; }"))
    (brief,), _ = manuscript.load(scratch, SAMPLE)
    assert notes_away_from_their_calls(render(brief, scratch, ("pdf",))["pdf"]) != []

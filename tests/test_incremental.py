"""Incremental builds and series: unchanged editions are skipped, a change rebuilds exactly what it affects."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import FIRST, ROOT

from pressroom import build as pipeline
from pressroom.errors import ManuscriptError
from pressroom.execution import cache
from pressroom.project import Project

SECOND = "second-brief"
FAST = ("html", "epub")  # every test but one leaves WeasyPrint out, for speed


def two_briefs(tmp_path) -> Project:
    """A project of its own: the layouts, styles and house file, the first brief and a copy of it."""
    for name in ("layouts", "styles"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "source").mkdir()
    shutil.copy(ROOT / "source" / "house.yaml", tmp_path / "source" / "house.yaml")
    shutil.copytree(ROOT / "source" / FIRST, tmp_path / "source" / FIRST)
    shutil.copytree(ROOT / "source" / FIRST, tmp_path / "source" / SECOND)
    yaml = tmp_path / "source" / SECOND / "brief.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("number: 1", "number: 2"), encoding="utf-8")
    return Project(tmp_path)


def made(result) -> set[tuple[str, str]]:
    return {(o.brief, o.edition) for o in result.rendered}


def skipped(result) -> set[tuple[str, str]]:
    return {(o.brief, o.edition) for o in result.outputs if o.skipped}


def append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.fixture
def series(tmp_path):
    project = two_briefs(tmp_path)
    first = pipeline.build(project, formats=FAST, jobs=1)
    assert made(first) == {(b, e) for b in (FIRST, SECOND) for e in FAST}
    return project


def test_an_unchanged_build_renders_nothing(series, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an unchanged edition was rendered")

    monkeypatch.setattr(pipeline, "render", refuse)
    result = pipeline.build(series, formats=FAST, jobs=1)
    assert made(result) == set()
    assert skipped(result) == {(b, e) for b in (FIRST, SECOND) for e in FAST}
    assert all(r.skipped for r in result.briefs)
    # the same guard catches a build that does render: a changed source reaches the renderer
    append(series.source_dir / FIRST / "05-conclusion.md", "\nOne more sentence.\n")
    with pytest.raises(AssertionError, match="rendered"):
        pipeline.build(series, formats=FAST, jobs=1)


def test_touching_one_brief_rebuilds_only_it(series):
    append(series.source_dir / SECOND / "03-russia.md", "\nA new closing sentence.\n")
    result = pipeline.build(series, formats=FAST, jobs=1)
    assert made(result) == {(SECOND, "html"), (SECOND, "epub")}
    assert skipped(result) == {(FIRST, "html"), (FIRST, "epub")}
    assert "A new closing sentence." in (series.build_dir / SECOND / "index.html").read_text()


def test_a_layout_rebuilds_exactly_the_editions_that_use_it(series):
    append(series.layouts_dir / "epub" / "section.xhtml", "<!-- changed -->\n")
    assert made(pipeline.build(series, formats=FAST, jobs=1)) == {(FIRST, "epub"), (SECOND, "epub")}
    # a partial included by both the web page and the EPUB title page
    append(series.layouts_dir / "partials" / "back.html", "<!-- changed -->\n")
    assert made(pipeline.build(series, formats=FAST, jobs=1)) == {
        (b, e) for b in (FIRST, SECOND) for e in FAST}
    # a layout nothing renders affects nothing
    (series.layouts_dir / "unused.html").write_text("<p>unused</p>\n", encoding="utf-8")
    assert made(pipeline.build(series, formats=FAST, jobs=1)) == set()


def test_styles_fonts_house_and_images_are_inputs(series):
    append(series.styles_dir / "reading.css", "\n/* changed */\n")
    assert made(pipeline.build(series, formats=FAST, jobs=1)) == {
        (b, e) for b in (FIRST, SECOND) for e in FAST}
    # print.css lays out the PDF, whose page numbers the EPUB carries too
    append(series.styles_dir / "print.css", "\n/* changed */\n")
    assert made(pipeline.build(series, formats=("epub",), jobs=1)) == {(FIRST, "epub"), (SECOND, "epub")}
    font = series.styles_dir / "fonts" / "SourceSerif4-Regular.ttf"
    font.write_bytes(font.read_bytes() + b"\0")
    assert made(pipeline.build(series, formats=FAST, jobs=1)) == {
        (b, e) for b in (FIRST, SECOND) for e in FAST}
    append(series.house_file, "\n# a comment changes the bytes\n")
    assert made(pipeline.build(series, formats=("epub",), jobs=1)) == {(FIRST, "epub"), (SECOND, "epub")}


def test_force_options_and_a_deleted_output_rebuild(series):
    assert made(pipeline.build(series, formats=FAST, jobs=1, force=True)) == {
        (b, e) for b in (FIRST, SECOND) for e in FAST}
    assert made(pipeline.build(series, formats=FAST, jobs=1, options={"paper": "letter"})) == {
        (b, e) for b in (FIRST, SECOND) for e in FAST}
    assert made(pipeline.build(series, formats=FAST, jobs=1, options={"paper": "letter"})) == set()
    (series.build_dir / f"{FIRST}.epub").unlink()
    assert made(pipeline.build(series, formats=FAST, jobs=1)) >= {(FIRST, "epub")}


def test_the_manifest_is_written_after_the_outputs_and_survives_a_broken_brief(series):
    manifest = series.build_dir / cache.MANIFEST
    before = json.loads(manifest.read_text())
    append(series.source_dir / FIRST / "05-conclusion.md", "\nNew words.\n")
    append(series.source_dir / SECOND / "brief.yaml", "title: [unclosed\n")
    with pytest.raises(ManuscriptError) as caught:
        pipeline.build(series, formats=FAST, jobs=1)
    assert [p.code for p in caught.value.problems] == ["P102"]
    assert "New words." in (series.build_dir / FIRST / "index.html").read_text()  # the good one is built
    after = json.loads(manifest.read_text())
    second = str(series.source_dir / SECOND)
    assert after["briefs"][second] == before["briefs"][second]  # the broken one keeps its last good entry
    assert not list(series.build_dir.glob(".*.tmp"))
    # a corrupt manifest only means a full rebuild
    manifest.write_text("{not json")
    (series.source_dir / SECOND / "brief.yaml").write_text(
        (ROOT / "source" / FIRST / "brief.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert made(pipeline.build(series, formats=FAST, jobs=1)) == {
        (b, e) for b in (FIRST, SECOND) for e in FAST}


def test_warnings_are_repeated_when_skipped_and_strict_still_fails(series):
    append(series.source_dir / FIRST / "05-conclusion.md", "\n#### Too deep\n\nText.\n")
    first = pipeline.build(series, formats=FAST, jobs=1)
    assert [w.code for w in first.warnings] == ["C306"]
    again = pipeline.build(series, formats=FAST, jobs=1)
    assert made(again) == set() and [w.code for w in again.warnings] == ["C306"]
    with pytest.raises(ManuscriptError):
        pipeline.build(series, formats=FAST, jobs=1, strict=True)


def test_a_series_builds_in_parallel_processes(tmp_path):
    project = two_briefs(tmp_path)
    lines = []
    result = pipeline.build(project, formats=("html",), jobs=2, progress=lines.append)
    assert made(result) == {(FIRST, "html"), (SECOND, "html")}
    assert sorted(r.slug for r in lines) == [FIRST, SECOND]  # one report per brief
    assert (project.build_dir / SECOND / "index.html").is_file()
    again = pipeline.build(project, formats=("html",), jobs=2)
    assert made(again) == set()  # workers' manifest entries reached the parent


def test_the_no_op_path_imports_no_renderer_and_the_pdf_is_cached(tmp_path):
    """One real PDF build, then a whole no-op process: nothing heavy is imported."""
    project = two_briefs(tmp_path)
    shutil.rmtree(project.source_dir / SECOND)
    pipeline.build(project, jobs=1)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from pressroom.build import build
        from pressroom.project import Project
        result = build(Project(Path({str(tmp_path)!r})))
        assert not result.rendered, result.rendered
        heavy = sorted(m for m in ("weasyprint", "jinja2", "markdown_it", "yaml", "pypdf")
                       if m in sys.modules)
        print("heavy:", heavy)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "heavy: []" in out.stdout
    # the check can fail: with the layout changed, the PDF is rendered, and WeasyPrint imported
    append(project.layouts_dir / "page.html", "<!-- changed -->\n")
    out = subprocess.run([sys.executable, "-c", script.replace("assert not result.rendered", "assert result.rendered")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "'weasyprint'" in out.stdout


def test_the_progress_line_and_the_table_say_what_was_skipped(series):
    from pressroom.report import progress_line, table

    result = pipeline.build(series, formats=FAST, jobs=1)
    assert progress_line(result.briefs[0]) == f"{FIRST}: up to date, skipped (html, epub)"
    text = table(result)
    for word in ("brief", "made", "skipped", "pages", "PDF", "EPUB", "HTML", "time", "warnings", FIRST, SECOND):
        assert word in text
    append(series.source_dir / FIRST / "01-introduction.md", "\nMore.\n")
    result = pipeline.build(series, formats=FAST, jobs=1)
    assert progress_line(result.briefs[0]).startswith(f"{FIRST}: made html (")


def test_invoke_build_says_what_it_skipped(tmp_path):
    import os

    env = dict(os.environ, PRESSROOM_BUILD_DIR=str(tmp_path))

    def run(*args):
        return subprocess.run([sys.executable, "-m", "invoke", "build", "--brief", FIRST, "--format", "html", *args],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    first = run()
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"{FIRST}: made html (")
    second = run()
    assert second.returncode == 0 and second.stdout.startswith(f"{FIRST}: up to date, skipped (html)")
    assert "brief" in second.stdout and "warnings" in second.stdout  # the summary table
    forced = run("--force")
    assert forced.stdout.startswith(f"{FIRST}: made html (")


def _age_manifest(project: Project, seconds: int = 5) -> None:
    """As if the series had been built ``seconds`` later than its sources were last written."""
    path = project.build_dir / cache.MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    for brief in data["briefs"].values():
        for entry in brief["editions"].values():
            entry["hashed"] += seconds * 10**9
    path.write_text(json.dumps(data), encoding="utf-8")


def _hashed_after(project: Project, path, nanoseconds: int) -> None:
    """As if every edition had been hashed ``nanoseconds`` after ``path`` was last written."""
    manifest = project.build_dir / cache.MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for brief in data["briefs"].values():
        for entry in brief["editions"].values():
            entry["hashed"] = path.stat().st_mtime_ns + nanoseconds
    manifest.write_text(json.dumps(data), encoding="utf-8")


def _counting_digests(monkeypatch) -> list[str]:
    read = []
    real = cache.digest
    monkeypatch.setattr(cache, "digest", lambda path: read.append(str(path)) or real(path))
    return read


def test_a_file_with_its_recorded_size_and_time_is_not_read_again(series, monkeypatch):
    _age_manifest(series)
    read = _counting_digests(monkeypatch)
    again = pipeline.build(series, formats=FAST, jobs=1)
    assert made(again) == set() and read == []


def test_a_file_changed_to_the_same_size_is_read_again_and_rebuilt(series, monkeypatch):
    _age_manifest(series)
    section = series.source_dir / FIRST / "05-conclusion.md"
    text = section.read_text(encoding="utf-8")
    section.write_text(text.replace("Conclusion", "Conclusiom", 1), encoding="utf-8")  # same size
    read = _counting_digests(monkeypatch)
    again = pipeline.build(series, formats=FAST, jobs=1)
    assert str(section) in read
    assert made(again) == {(FIRST, e) for e in FAST}


def test_a_file_modified_just_before_it_was_hashed_is_not_trusted_on_its_time(series, monkeypatch):
    section = series.source_dir / FIRST / "05-conclusion.md"
    append(section, "\nA new paragraph.\n")
    assert made(pipeline.build(series, formats=FAST, jobs=1)) == {(FIRST, e) for e in FAST}
    # as if it had been hashed half a second after it was written, however slow this machine is
    _hashed_after(series, section, 500_000_000)
    read = _counting_digests(monkeypatch)
    again = pipeline.build(series, formats=FAST, jobs=1)
    assert made(again) == set()
    assert str(section) in read
    assert str(series.source_dir / SECOND / "05-conclusion.md") not in read  # copied: old times


def test_briefs_built_together_are_byte_for_byte_those_built_one_after_another(tmp_path, monkeypatch):
    """Together: threads here and a pool of PDF workers (or forked processes with
    PRESSROOM_WORKER=0); one after another: all in this process. Same bytes, and each brief's
    recorded inputs are its own."""
    project = two_briefs(tmp_path)
    made_in = {}
    for name, jobs, flag in (("alone", 1, "1"), ("pool", 2, "1"), ("forked", 2, "0")):
        monkeypatch.setenv("PRESSROOM_WORKER", flag)
        there = Project(project.root, project.root / name)
        assert made(pipeline.build(there, jobs=jobs)) == {
            (b, e) for b in (FIRST, SECOND) for e in ("html", "pdf", "epub")}
        made_in[name] = there.build_dir
    for brief in (FIRST, SECOND):
        for suffix in (".pdf", ".epub", "/index.html", "/print.html"):
            outputs = {(d / (brief + suffix)).read_bytes() for d in made_in.values()}
            assert len(outputs) == 1, brief + suffix
    assert (made_in["pool"] / f"{FIRST}.pdf").read_bytes() != (made_in["pool"] / f"{SECOND}.pdf").read_bytes()
    entries = json.loads((made_in["pool"] / ".manifest.json").read_text())["briefs"]
    for location, entry in entries.items():
        other = SECOND if location.endswith(FIRST) else FIRST
        for edition in entry["editions"].values():
            assert not any(f"/{other}/" in path for path in edition["inputs"]), location

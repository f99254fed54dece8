"""veraPDF on the screen PDFs: both briefs and every case of the hostile and lint corpora that
builds, in one veraPDF run, with 0 failed rules of PDF/UA-1 and of PDF/A-2a; a screen PDF
broken on purpose fails it; the PDF/X preflight passes their print PDFs; publishing refuses a
release veraPDF fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIRST, ROOT, copy_project
from hostile_support import load_expect, prepare

from pressroom.build import build, output_paths
from pressroom.checks import preflight, verapdf
from pressroom.errors import PressroomError, PublishError
from pressroom.manuscript import Project
from pressroom.publishing import gate
from pressroom.weasy import pdfa

HOSTILE = ROOT / "tests" / "hostile"
LINT = ROOT / "tests" / "lint"



def test_verapdf_is_installed():  # by scripts/bootstrap; a missing veraPDF is never a skip
    assert verapdf.available(), f"{verapdf.JAR} is missing: run scripts/bootstrap"


def _targets(work: Path):
    """(name, target) of both briefs, every hostile case that builds a PDF and every lint case."""
    yield FIRST, FIRST
    yield "sample-brief-corridors", "sample-brief-corridors"
    for case in sorted(p for p in HOSTILE.iterdir() if (p / "expect.yaml").is_file()):
        expect = load_expect(case)
        if expect["exit"] == 0 and "pdf" in expect.get("formats", ["pdf"]):
            yield f"hostile/{case.name}", prepare(case, work / "hostile" / case.name)
    for case in sorted(p for p in LINT.iterdir() if p.is_dir()):
        target = case / "brief" if (case / "brief").is_dir() else case / "brief.md"
        if target.exists():
            yield f"lint/{case.name}", target


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """name -> (screen PDF, print PDF) of everything that builds."""
    work = tmp_path_factory.mktemp("corpus")
    built = {}
    for index, (name, target) in enumerate(_targets(work)):
        build_dir = work / "build" / str(index)
        project = Project(ROOT, build_root=build_dir)
        try:
            build(project, str(target), ("pdf", "pdf-print"))
        except PressroomError:  # a lint case with an error: nothing to validate
            continue
        paths = list(build_dir.glob("*.pdf"))
        screen = [p for p in paths if not p.name.endswith("-print.pdf")]
        printed = [p for p in paths if p.name.endswith("-print.pdf")]
        assert len(screen) == 1 and len(printed) == 1, (name, paths)
        built[name] = (screen[0], printed[0])
    return built


def test_the_corpus_builds_pdfs_of_both_briefs_and_of_the_corpora(corpus):
    assert FIRST in corpus and "sample-brief-corridors" in corpus
    assert len([n for n in corpus if n.startswith("hostile/")]) >= 6, sorted(corpus)
    assert len([n for n in corpus if n.startswith("lint/")]) >= 10, sorted(corpus)


def test_verapdf_finds_no_failed_rule_of_pdf_ua_1_or_pdf_a_2a_in_any_screen_pdf(corpus):
    found = verapdf.validate([screen for screen, _ in corpus.values()])  # one veraPDF run
    failed = [f"{name}: {problem.message}" for name, (screen, _) in corpus.items()
              for problem in found[screen]]
    assert failed == []
    assert len(found) == len(corpus)


def test_every_print_pdf_of_the_corpus_passes_the_pdfx_checks(corpus):
    failed = {}
    for name, (_, printed) in corpus.items():
        problems = preflight.check(printed.read_bytes(), name)
        errors = [str(p) for p in problems if p.severity == "error"]
        if errors or (name in (FIRST, "sample-brief-corridors") and problems):
            failed[name] = [str(p) for p in problems]
    assert failed == {}


def _screen_pdf(tmp_path, what):
    project = Project(ROOT, build_root=tmp_path / what)
    build(project, FIRST, ("pdf",))
    return output_paths(project.build_dir, FIRST)["pdf"]


def test_screen_pdfs_broken_on_purpose_fail_verapdf(tmp_path, monkeypatch):
    monkeypatch.setenv("PRESSROOM_WORKER", "0")  # rendered here, where the finisher is patched
    with monkeypatch.context() as patch:  # no PDF/UA claim: veraPDF validates PDF/A only
        patch.setattr(pdfa, "UA_XMP", b"")
        unclaimed = _screen_pdf(tmp_path, "unclaimed")
    finish = pdfa.finish

    def untitled(document, pdf):  # a viewer would show the file name, not the title
        finish(document, pdf)
        pdf.catalog.pop("ViewerPreferences", None)

    with monkeypatch.context() as patch:
        patch.setattr(pdfa, "finish", untitled)
        untagged = _screen_pdf(tmp_path, "untitled")
    found = verapdf.validate([unclaimed, untagged])
    assert [p.code for p in found[unclaimed]] == ["V902"]
    assert "PDF/UA-1" in found[unclaimed][0].message
    failed = [p for p in found[untagged] if p.code == "V901"]
    assert failed and all(p.path.endswith(".pdf") for p in failed)
    assert any(p.message.startswith("PDF/UA-1: ISO 14289-1:2014 clause 7.1 test 10 failed 1 time(s)")
               for p in failed), [str(p) for p in failed]


def test_a_report_is_read_into_one_problem_per_failed_rule():
    report = {"report": {"jobs": [{"itemDetails": {"name": "/b/x.pdf"}, "validationResult": [
        {"profileName": "PDF/A-2A validation profile", "details": {"ruleSummaries": [
            {"ruleStatus": "FAILED", "specification": "ISO 19005-2:2011", "clause": "6.2.4.3",
             "testNumber": 2, "failedChecks": 7, "description": "DeviceRGB ...",
             "checks": [{"context": "root/document[0]/pages[2](10 0 obj PDPage)/contentStream[0]"
                                    "(9 0 obj PDContentStream)/operators[17]",
                         "errorMessage": "DeviceRGB colour space is used without RGB output intent"}]},
            {"ruleStatus": "PASSED", "specification": "ISO 19005-2:2011", "clause": "6.1"}]}}]}]}}
    problems = verapdf.problems_of(report)["/b/x.pdf"]
    assert [p.code for p in problems] == ["V901", "V902"]  # the failed rule; PDF/UA not claimed
    assert problems[0].message.startswith("PDF/A-2A: ISO 19005-2:2011 clause 6.2.4.3 test 2 failed "
                                          "7 time(s), first at page 3, object 9 (PDContentStream)")


def test_publish_refuses_a_release_that_fails_verapdf(tmp_path, monkeypatch):
    project = copy_project(tmp_path)
    monkeypatch.setenv("PRESSROOM_WORKER", "0")  # rendered here, where the finisher is patched
    monkeypatch.setattr(pdfa, "UA_XMP", b"")
    with pytest.raises(PublishError) as error:
        gate.check(project, "sample-brief-corridors")
    assert {p.code for p in error.value.problems} == {"V902"}

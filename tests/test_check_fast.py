"""`invoke check` after an edit and at speed (issue 20): a stale build/ is reported as stale, from the
manifest, before any comparison; each PDF is named by its profile; EPUBCheck starts once for every
EPUB of the invocation, beside Pressroom's own checks."""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from pathlib import Path

import pytest
from conftest import TINY_FINAL, write_brief

from pressroom import build as pipeline
from pressroom import editions
from pressroom.checks import checking, validators, verify

TINY = TINY_FINAL + "  - 02-more.md\n"


def tiny(project, name="tiny"):
    write_brief(project.source_dir / name, TINY, {
        "01-findings.md": "# Findings\n\nA first paragraph of findings.\n",
        "02-more.md": "# More\n\nA second section with more findings.\n"})
    return name


@pytest.mark.slow
def test_an_edited_source_is_reported_stale_not_as_lost_text(scratch):
    pipeline.build(scratch, tiny(scratch), editions.chosen(("pdf", "html"), ("screen", "print")))
    section = scratch.source_dir / "tiny" / "02-more.md"
    section.write_text(section.read_text() + "\nA paragraph added after the build.\n")
    built = ("pdf", "pdf-print", "html")  # the EPUB was not built: --format leaves it out
    found = checking.verify_built(scratch, "tiny", built, epubcheck=False).problems
    assert [p.code for p in found] == ["B420", "B420", "B420"]  # pdf, pdf-print, html
    messages = sorted(p.message for p in found)
    assert all("is older than 02-more.md" in m for m in messages)
    assert any("print PDF" in m for m in messages) and any("screen PDF" in m for m in messages)
    assert any("--profile screen,print" in p.hint for p in found)
    # the print PDF that `invoke build` (screen only) did not make again stays reported stale
    pipeline.build(scratch, "tiny", ("pdf", "html"))
    found = checking.verify_built(scratch, "tiny", built, epubcheck=False).problems
    assert [(p.code, "print PDF" in p.message) for p in found] == [("B420", True)]


@pytest.mark.slow
def test_each_pdf_is_named_by_its_profile(scratch):
    with open(scratch.styles_dir / "press.css", "a", encoding="utf-8") as sheet:
        sheet.write("\n#findings p { display: none; }\n")
    pipeline.build(scratch, tiny(scratch), editions.chosen(("pdf",), ("screen", "print")))
    found = checking.verify_built(scratch, "tiny", ("pdf", "pdf-print"), epubcheck=False).problems
    assert found and all(p.code == "V501" and "in the print PDF" in p.message for p in found)


def _fake_outputs(project, names):
    project.build_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        tiny(project, name)
        (project.build_dir / f"{name}.epub").write_bytes(b"PK")


def test_epubcheck_starts_once_for_every_epub(scratch, monkeypatch):
    _fake_outputs(scratch, ["one", "two", "three"])
    monkeypatch.setattr(verify, "verify_outputs", lambda *a, **k: [])
    calls = []
    real_run = validators.subprocess.run

    def fake_run(command, **kwargs):
        if command[0] != "java":  # the citation processor of the sample brief runs as it is
            return real_run(command, **kwargs)
        calls.append(command)
        reports = [Path(a) for a in command if a.endswith(".json")]
        for report in reports:
            report.write_text(json.dumps({"messages": [
                {"severity": "ERROR", "ID": "RSC-005", "message": "bad", "locations": [{}]}]
                if report.name == "1.json" else []}))

        class Done:
            stderr = ""
        return Done()

    monkeypatch.setattr(validators.subprocess, "run", fake_run)
    monkeypatch.setattr(validators, "_classes", lambda: Path("/classes"))
    found = checking.verify_built(scratch, None, formats=("epub",)).problems
    java = [c for c in calls if c[0] == "java"]
    assert len(java) == 1 and sum(a.endswith(".epub") for a in java[0]) == 3
    assert [(p.code, Path(p.path).name) for p in found] == [("V504", "three.epub")]  # sorted: one, three, two


def test_validators_run_beside_the_own_checks(scratch, monkeypatch):
    _fake_outputs(scratch, ["one"])
    started, verifying, seen = threading.Event(), threading.Event(), []

    def slow_validator(files):
        started.set()
        seen.append(verifying.wait(10))  # still running when the own checks begin
        return {f: [] for f in files}

    def own_checks(*args, **kwargs):
        seen.append(started.wait(10))
        verifying.set()
        return []

    monkeypatch.setitem(validators.VALIDATORS, "epubcheck",
                        validators.Validator("epubcheck", ("epub",), slow_validator))
    monkeypatch.setattr(verify, "verify_outputs", own_checks)
    assert checking.verify_built(scratch, "one", formats=("epub",)).problems == []
    assert seen == [True, True]


def test_a_new_validator_is_one_more_entry(scratch, monkeypatch):
    _fake_outputs(scratch, ["one"])
    monkeypatch.setattr(verify, "verify_outputs", lambda *a, **k: [])
    checked = []
    monkeypatch.setitem(validators.VALIDATORS, "other", validators.Validator(
        "other", ("epub",), lambda files: checked.extend(files) or {}))
    running = validators.start({"epub": [scratch.build_dir / "one.epub"]}, ["other"])
    running.results()
    assert checked == [scratch.build_dir / "one.epub"]


@pytest.mark.slow
def test_real_epubcheck_checks_several_files_in_one_run(first_outputs, tmp_path):
    good, bad = tmp_path / "good.epub", tmp_path / "bad.epub"
    good.write_bytes(first_outputs["epub"])
    with zipfile.ZipFile(io.BytesIO(first_outputs["epub"])) as source, zipfile.ZipFile(bad, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith(".opf"):  # the package loses its required modification date
                data = re.sub(rb"<meta property=\"dcterms:modified\">[^<]*</meta>", b"", data)
            out.writestr(item, data)
    found = validators.epubcheck([good, bad])
    assert found[good] == []
    assert found[bad] and all(p.code == "V504" for p in found[bad])


@pytest.mark.slow
def test_a_missing_edition_fails_the_check_naming_it_unless_format_leaves_it_out(scratch):
    pipeline.build(scratch, tiny(scratch), ("pdf", "html"))  # no EPUB
    found = checking.verify_built(scratch, "tiny", epubcheck=False).problems
    assert [(p.code, p.message) for p in found] == [("B403", "the EPUB does not exist")]
    assert checking.verify_built(scratch, "tiny", ("pdf", "html"), epubcheck=False).problems == []

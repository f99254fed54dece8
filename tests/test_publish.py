"""A release: every file, named by slug and version, checked by SHA256SUMS; versions never change.

The first brief is published once for the module, into a temporary copy of the project
(the repository's own dist/ is never touched), with every check real, EPUBCheck included.
"""

import hashlib
import json
import shutil
import subprocess

import pytest
from conftest import FIRST, copy_project
from pypdf import PdfReader

from pressroom import manuscript
from pressroom.checks import verify
from pressroom.errors import PublishError
from pressroom.publishing import publish, release, stability

V = "1.0"
NAME = f"{FIRST}-{V}"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    project = copy_project(root)
    dist = root / "dist"
    done = publish.publish(project, FIRST, dist)
    return project, dist, done


def clone(released, tmp_path):
    """A private copy of the published project and its dist/, for a test that changes them."""
    project, dist, _ = released
    copy = copy_project(tmp_path)
    shutil.copytree(dist, tmp_path / "dist")
    return copy, tmp_path / "dist"


def sums_problems(folder):
    """What a reader's `sha256sum -c SHA256SUMS` would report, plus files the list leaves out."""
    listed = {}
    for line in (folder / release.SUMS).read_text(encoding="ascii").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    problems = [f"{name}: FAILED" for name, digest in listed.items()
                if not (folder / name).is_file()
                or hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest]
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    problems += [f"{name}: not listed" for name in sorted(on_disk - set(listed) - {release.SUMS})]
    return problems


def test_the_release_has_every_file_named_by_slug_and_version(released):
    _, dist, done = released
    folder = dist / FIRST / V
    assert done.state == "published" and done.folder == folder
    for name in (f"{NAME}.pdf", f"{NAME}-print.pdf", f"{NAME}.epub", f"{NAME}-cover.png", f"{NAME}.bib", f"{NAME}.ris",
                 f"{NAME}.csl.json", "html/index.html", "manifest.json", "SHA256SUMS"):
        assert (folder / name).is_file(), name
    assert not (folder / "html" / "print.html").exists()
    assert not (folder / "html" / "print-profile.html").exists()
    assert (folder / f"{NAME}-cover.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in (dist / FIRST).iterdir() if p.name.startswith(".")]  # no temporary left
    assert (dist / "index.html").is_file() and (dist / "feed.xml").is_file()


def test_the_release_verifies_against_its_sha256sums(released, tmp_path):
    _, dist, _ = released
    folder = dist / FIRST / V
    assert sums_problems(folder) == []
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "--check", "--strict", release.SUMS], cwd=folder,
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    tampered = tmp_path / "tampered"
    shutil.copytree(folder, tampered)
    (tampered / f"{NAME}.ris").write_bytes(b"TY  - RPRT\r\nER  - \r\n")
    (tampered / "extra.txt").write_text("slipped in")
    assert sums_problems(tampered) == [f"{NAME}.ris: FAILED", "extra.txt: not listed"]


def test_the_manifest_lists_every_file_with_size_and_checksum(released):
    _, dist, _ = released
    folder = dist / FIRST / V
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                     if p.is_file() and p.name not in ("manifest.json", "SHA256SUMS"))
    assert [f["path"] for f in manifest["files"]] == on_disk
    for entry in manifest["files"]:
        data = (folder / entry["path"]).read_bytes()
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    pdf = (folder / f"{NAME}.pdf").read_bytes()
    assert manifest["page_count"] == len(PdfReader(folder / f"{NAME}.pdf").pages) > 1
    assert manifest["metadata"]["title"] == "Between Moscow and the West"
    assert manifest["metadata"]["status"] == "final" and manifest["version"] == V
    assert manifest["pressroom"] and "source_revision" in manifest
    assert set(manifest["formats"]) == {"pdf", "pdf-print", "epub", "html", "cover", "bibtex", "ris",
                                        "csl"}
    assert manifest["page_changes"] == {"since": None, "moved": []}
    # the published PDF is the verified one: it carries every block of the sources
    assert verify.verify_pdf(manuscript.load(released[0], FIRST)[0][0], pdf) == []


def test_republishing_unchanged_is_a_no_op(released, tmp_path, monkeypatch):
    monkeypatch.setattr(verify, "run_epubcheck", lambda path: [])  # checked once, in the fixture
    project, dist = clone(released, tmp_path)
    folder = dist / FIRST / V
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in dist.rglob("*") if p.is_file()}
    done = publish.publish(project, FIRST, dist)
    assert done.state == "unchanged"
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in dist.rglob("*") if p.is_file()}
    assert after == before and folder.is_dir()


def test_republishing_the_same_version_with_changed_bytes_is_refused(released, tmp_path, monkeypatch):
    monkeypatch.setattr(verify, "run_epubcheck", lambda path: [])
    project, dist = clone(released, tmp_path)
    conclusion = project.source_dir / FIRST / "05-conclusion.md"
    conclusion.write_text(conclusion.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                          encoding="utf-8")
    before = {p: p.read_bytes() for p in (dist / FIRST).rglob("*") if p.is_file()}
    with pytest.raises(PublishError) as info:
        publish.publish(project, FIRST, dist)
    (problem,) = info.value.problems
    assert problem.code == "R604" and f"{NAME}.pdf" in problem.message
    assert 'version: "1.1"' in problem.hint
    assert {p: p.read_bytes() for p in (dist / FIRST).rglob("*") if p.is_file()} == before


def test_next_version_suggestion():
    assert publish._next("1.0") == "1.1" and publish._next("2.9") == "2.10"
    assert publish._next("7") == "7.1" and publish._next("1.0-rc") == "1.0-rc.1"


def test_versions_sort_as_people_read_them():
    ordered = ["0.9", "1.0", "1.2", "1.10", "2.0"]
    assert sorted(reversed(ordered), key=release.version_key) == ordered


INSERTED = ("An inserted paragraph, long enough to push what follows it further down the page: "
            "it restates the argument of the section in other words, so that a reader of the new "
            "version finds the next heading later in the document than before. ") * 3
INSERTED = INSERTED.strip()


def test_a_new_version_reports_the_heading_that_moved_and_keeps_the_old_one(released, tmp_path,
                                                                            monkeypatch):
    monkeypatch.setattr(verify, "run_epubcheck", lambda path: [])
    project, dist = clone(released, tmp_path)
    brief_dir = project.source_dir / FIRST
    dilemma = brief_dir / "02-foreign-policy-dilemma.md"
    dilemma.write_text(dilemma.read_text(encoding="utf-8") + ("\n" + INSERTED + "\n") * 3,
                       encoding="utf-8")
    yaml = brief_dir / "brief.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"'),
                    encoding="utf-8")
    done = publish.publish(project, FIRST, dist)
    assert done.state == "published" and done.previous == V
    heading = next(m for m in done.moved if m["kind"] == "heading")
    assert heading["text"] == "Russia’s role and interests" and heading["to"] > heading["from"]
    assert heading["source"] == f"source/{FIRST}/03-russia.md:1"
    assert "Russia’s role and interests" in stability.describe(heading)
    assert not [m for m in done.moved if "01-introduction.md" in m["source"]]  # before the insertion
    manifest = json.loads((dist / FIRST / "1.1" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["page_changes"]["since"] == V and heading in manifest["page_changes"]["moved"]
    assert sums_problems(dist / FIRST / V) == [] and sums_problems(dist / FIRST / "1.1") == []
    index = (dist / "index.html").read_text(encoding="utf-8")
    for version in (V, "1.1"):
        assert f'href="{FIRST}/{version}/{FIRST}-{version}.pdf"' in index
        assert f'href="{FIRST}/{version}/html/index.html"' in index
    assert index.index("version 1.1") < index.index(f"{FIRST}/{V}/")  # newest first
    feed = (dist / "feed.xml").read_text(encoding="utf-8")
    assert feed.count("<entry>") == 2 and feed.index("(version 1.1)") < feed.index("(version 1.0)")


def test_every_heading_and_paragraph_is_placed_on_its_page(project, first_brief, first_outputs):
    placed = stability.block_pages(first_brief, first_outputs["pdf"], project.root)
    kinds = [b.kind for s in first_brief.sections for b in s.blocks if b.kind in stability.KINDS]
    assert [p["kind"] for p in placed] == kinds
    numbers = [p["page"] for p in placed]
    assert None not in numbers and numbers == sorted(numbers) and numbers[0] >= 1
    total = len(verify.pdf_pages(first_outputs["pdf"]))
    assert numbers[-1] <= total
    russia = next(p for p in placed if p["text"] == "Russia’s role and interests")
    # the heading is on the page whose text has it (found independently, by pypdf)
    page_text = verify.normalise(verify.pdf_pages(first_outputs["pdf"])[russia["page"] - 1])
    assert verify.normalise("Russia’s role and interests") in page_text


def test_a_paragraph_missing_from_the_pdf_has_no_page(project, first_brief, first_outputs, monkeypatch):
    real = verify.pdf_pages
    lost = verify.normalise(first_brief.sections[2].blocks[1].text)[:80]
    monkeypatch.setattr(verify, "pdf_pages", lambda data: [
        verify.normalise(t).replace(lost, "") for t in real(data)])
    placed = stability.block_pages(first_brief, first_outputs["pdf"], project.root)
    assert [p["source"] for p in placed if p["page"] is None] == [
        f"source/{FIRST}/03-russia.md:3"]

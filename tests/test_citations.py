"""Citations and bibliographies (pressroom/citations.py): syntax, rendering against citeproc-js,
every edition, and the writer's mistakes, one line each."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, copy_project, load_brief

from pressroom import manuscript
from pressroom.manuscript import citations

FIXTURE = ROOT / "tests" / "fixtures" / "citations"
STYLES = citations.vendored_styles()
NOTE_STYLES = [s for s in STYLES if 'class="note"' in (citations.CSL_DIR / f"{s}.csl").read_text()]

#: The citations of the fixture as a reader sees them in 01-text.md, in reading order, written
#: out by hand in citeproc-js's terms: (items, the note it sits in when the style is an
#: in-text one (0: the text), the key named in the text for a narrative citation).
CLUSTERS = [
    ([{"id": "aliyev2015"}], 0, None),
    ([{"id": "aliyev2015", "locator": "44", "label": "page"}], 0, None),
    ([{"id": "cornell2011", "prefix": "see ", "locator": "33-35", "label": "page"},
      {"id": "demoyan2019", "prefix": "also ", "locator": "2", "label": "chapter"}], 0, None),
    ([{"id": "mankoff2009", "locator": "12", "label": "page"}], 0, "mankoff2009"),
    ([{"id": "worldbank2022", "suppress-author": True}], 0, None),
    ([{"id": "socar2019"}, {"id": "ismayilov2018", "locator": "7", "label": "page"}], 1, None),
    ([{"id": "mfa2023"}], 0, None),
    ([{"id": "echr2010"}], 0, None),
    ([{"id": "reuters2021"}], 0, None),
    ([{"id": "economist2020"}], 0, None),
    ([{"id": "law2012"}], 0, None),
    ([{"id": "huseynov2017"}], 0, None),
    ([{"id": "iea2021"}], 0, None),
    ([{"id": "osce2020"}], 0, None),
]


class Texts(HTMLParser):
    """The words of each citation, author named in the text, and bibliography entry."""

    KINDS = ("citation", "citation-author", "csl-entry")

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []  # kind, keys, text
        self.open: list[tuple[str, str, int, list]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        kind = next((k for k in self.KINDS if k in (attrs.get("class") or "").split()), None)
        for entry in self.open:
            entry[2] += 1
        if kind:
            keys = attrs.get("data-cites") or (attrs.get("id") or "").removeprefix("ref-")
            self.open.append([kind, keys, 1, []])

    def handle_endtag(self, tag):
        for entry in list(self.open):
            entry[2] -= 1
            if entry[2] == 0:
                self.open.remove(entry)
                self.found.append((entry[0], entry[1], " ".join("".join(entry[3]).split())))

    def handle_data(self, data):
        for entry in self.open:
            entry[3].append(data)


def texts(html: str) -> list[tuple[str, str, str]]:
    parser = Texts()
    parser.feed(html)
    return parser.found


def plain(html: str) -> str:
    return " ".join(citations.text_of(html).split())


def fixture_project(tmp_path: Path, style: str | None = None, **changes) -> tuple:
    """A copy of the project with the fixture brief as source/cites: (project, its folder)."""
    project = copy_project(tmp_path)
    folder = tmp_path / "source" / "cites"
    shutil.copytree(FIXTURE, folder)
    if style or changes:
        text = (folder / "brief.yaml").read_text()
        if style:
            text += f"csl: {style}\n"
        for key, value in changes.items():
            text += f"{key}: {json.dumps(value)}\n"
        (folder / "brief.yaml").write_text(text)
    return project, folder


def reference(style: str) -> dict:
    """citeproc-js's own rendering of the fixture in ``style`` (tests/citeproc_reference.js)."""
    note = style in NOTE_STYLES
    clusters = []
    for number, (items, in_note, author) in enumerate(CLUSTERS, start=1):
        items = [dict(i) for i in items]
        if author and not note:
            items[0]["suppress-author"] = True
        clusters.append({"id": f"r{number}", "items": items, "author": author,
                         "noteIndex": number if note else in_note})
    locales = citations.CSL_DIR / "locales"
    request = {"style": (citations.CSL_DIR / f"{style}.csl").read_text(), "lang": "en-US",
               "locales": {"en-US": (locales / "locales-en-US.xml").read_text()},
               "bibtex": [(FIXTURE / "refs.bib").read_text()],
               "items": json.loads((FIXTURE / "more.json").read_text()),
               "clusters": clusters, "nocite": ["undated"]}
    done = subprocess.run(["node", str(ROOT / "tests" / "citeproc_reference.js"), str(citations.TOOLS)],
                          input=json.dumps(request), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("style", STYLES)
def test_each_vendored_style_renders_the_fixture_as_citeproc_js_does(tmp_path, style):
    project, folder = fixture_project(tmp_path, style)
    brief = load_brief(project, folder)
    found = [t for s in brief.sections for t in texts(s.html)]
    expected = reference(style)
    ours = [(keys, text) for kind, keys, text in found if kind == "citation"]
    theirs = []
    for number, (items, _, author) in enumerate(CLUSTERS, start=1):
        text = plain(expected["citations"][f"r{number}"])
        named = plain(expected["authors"].get(f"r{number}", ""))
        if author and style not in NOTE_STYLES and "NO_PRINTED_FORM" not in named:
            text = f"{named} {text}"
        theirs.append((" ".join(i["id"] for i in items), text))
    if style in NOTE_STYLES:  # the notes are in reading order, one sequence with the authored one
        assert ours == theirs
        authors = [(k, t) for kind, k, t in found if kind == "citation-author"]
        assert authors == [("mankoff2009", plain(expected["authors"]["r4"]))]
    else:
        assert sorted(ours) == sorted(theirs)
    entries = [text for kind, _, text in found if kind == "csl-entry"]
    assert entries == [plain(e) for e in expected["bibliography"]]
    assert len(entries) == 16  # fifteen cited, one by nocite


def test_the_reference_comparison_catches_a_wrong_rendering(tmp_path):
    """The agreement test can fail: a locator parsed wrongly changes the words."""
    project, folder = fixture_project(tmp_path, "chicago-author-date")
    edit = (folder / "01-text.md")
    edit.write_text(edit.read_text().replace("[@aliyev2015, p. 44]", "[@aliyev2015, p. 45]"))
    brief = load_brief(project, folder)
    ours = sorted(t for s in brief.sections for kind, _, t in texts(s.html) if kind == "citation")
    expected = reference("chicago-author-date")
    theirs = [plain(expected["citations"][f"r{n}"]) for n in range(1, len(CLUSTERS) + 1)]
    theirs[3] = f"{plain(expected['authors']['r4'])} {theirs[3]}"
    assert ours != sorted(theirs)


# --------------------------------------------------------------------------- syntax

def _cites(text: str):
    from pressroom.manuscript import markdown

    parsed = markdown.parse(text, line_offset=0, note_offset=0, used_ids=set())
    return [c.meta for t in parsed.tokens for c in (t.children or []) if c.type == "citation"]


def test_pandoc_citation_syntax():
    assert _cites("[@key]")[0]["items"] == [{"id": "key"}]
    assert _cites("[@key, p. 33]")[0]["items"] == [{"id": "key", "locator": "33", "label": "page"}]
    assert _cites("[@a; @b, chap. 2]")[0]["items"] == [
        {"id": "a"}, {"id": "b", "locator": "2", "label": "chapter"}]
    assert _cites("[see @key, pp. 33–35; also @b]")[0]["items"] == [
        {"id": "key", "prefix": "see ", "locator": "33-35", "label": "page"}, {"id": "b", "prefix": "also "}]
    assert _cites("[-@key]")[0]["items"] == [{"id": "key", "suppress-author": True}]
    narrative = _cites("As @key [p. 5] says")[0]
    assert narrative["narrative"] == "key" and narrative["items"][0]["locator"] == "5"
    assert _cites("Write to jane@example.org or \\@key, not [this](https://example.org).") == []
    assert _cites("[^1]\n\n[^1]: A note citing [@inner].")[0]["items"] == [{"id": "inner"}]


# --------------------------------------------------------------------------- the writer's mistakes

def _problems(tmp_path, yaml_extra: str = "", text: str | None = None, files: dict | None = None,
              check: bool = False):
    project, folder = fixture_project(tmp_path)
    (folder / "brief.yaml").write_text((folder / "brief.yaml").read_text() + yaml_extra)
    if text is not None:
        (folder / "01-text.md").write_text(text)
    for name, content in (files or {}).items():
        (folder / name).write_text(content)
    collector = manuscript.Collector()
    manuscript.load_brief(folder, {}, collector, project, check=check)
    return [str(p) for p in collector.problems]


def test_an_unknown_key_is_one_line_with_the_nearest_keys(tmp_path):
    found = _problems(tmp_path, text="# T\n\nText [@aliyev2016].\n")
    assert any("01-text.md:3: citation key '@aliyev2016' is not in the bibliography; did you mean "
               "@aliyev2015" in p and p.endswith("[C801]") for p in found), found


def test_a_duplicate_key_a_malformed_entry_and_a_missing_field(tmp_path):
    bib = (FIXTURE / "refs.bib").read_text() + ("\n@book{aliyev2015, title = {Again}, year = 2001}\n"
                                                "@book{lonely, title = {Alone}, year = 2001}\n")
    found = _problems(tmp_path, files={"refs.bib": bib})
    assert any("refs.bib:85: entry 'aliyev2015' is defined twice" in p for p in found), found
    assert any("warning:" in p and "has no author or editor, publisher" in p and "[C804]" in p for p in found), found
    broken = (FIXTURE / "refs.bib").read_text().replace("title     = {Oil and Influence",
                                                          "title     = {Oil and {Influence")
    found = _problems(tmp_path / "b", files={"refs.bib": broken})
    assert any("refs.bib:" in p and "[C803]" in p for p in found), found


def test_a_missing_or_outside_bibliography_and_an_unknown_style(tmp_path):
    found = _problems(tmp_path, "csl: chicago-note\n")
    assert any("brief.yaml:10: unknown citation style 'chicago-note'; did you mean" in p and "chicago-notes-bibliography" in p
               for p in found), found
    project, folder = fixture_project(tmp_path / "b")
    text = (folder / "brief.yaml").read_text().replace("  - more.json", "  - ../outside.json\n  - gone.bib")
    (folder / "brief.yaml").write_text(text)
    collector = manuscript.Collector()
    manuscript.load_brief(folder, {}, collector, project)
    found = [str(p) for p in collector.problems]
    assert any("brief.yaml:3: bibliography '../outside.json' is outside the brief's folder" in p for p in found), found
    assert any("bibliography 'gone.bib' not found" in p and "[C805]" in p for p in found), found


def test_invoke_check_lists_entries_never_cited(tmp_path):
    text = (FIXTURE / "01-text.md").read_text().replace("[@osce2020]", "")
    found = _problems(tmp_path, text=text, check=True)
    assert any("more.json:" in p and "entry 'osce2020' is never cited" in p for p in found), found
    assert not any("'undated' is never cited" in p for p in found)  # nocite lists it


def test_a_citation_with_no_bibliography_stays_as_written(tmp_path):
    project = copy_project(tmp_path)
    folder = tmp_path / "source" / "plain"
    folder.mkdir()
    (folder / "brief.yaml").write_text("title: Plain\nsections:\n  - 01-a.md\n")
    (folder / "01-a.md").write_text("# A\n\nText [@smith2020].\n")
    assert "[@smith2020]" in load_brief(project, folder).sections[0].html


def test_entries_are_untrusted_markup_is_text(tmp_path):
    bib = ("@book{aliyev2015, author = {Aliyev, Leyla}, title = {<script>alert(1)</script> Oil},"
           " publisher = {P}, year = 2015, url = {javascript:alert(1)}}\n")
    project, folder = fixture_project(tmp_path)
    (folder / "refs.bib").write_text((FIXTURE / "refs.bib").read_text().split("@incollection")[0]
                                     .replace("@book{aliyev2015", "@book{old") + bib)
    text = "# T\n\nText [@aliyev2015].\n"
    (folder / "01-text.md").write_text(text)
    (folder / "brief.yaml").write_text("title: T\nbibliography: refs.bib\nsections:\n  - 01-text.md\n")
    brief = load_brief(project, folder)
    html = "".join(s.html + s.xhtml for s in brief.sections)
    assert "<script" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


# --------------------------------------------------------------------------- every edition

@pytest.mark.slow
@pytest.mark.parametrize("style", ["chicago-notes-bibliography", "chicago-author-date", "apa", "ieee"])
def test_every_edition_of_the_fixture_is_complete_and_valid(tmp_path, style):
    """EPUBCheck 0/0, Ace and axe-core 0 violations, the tagged PDF's check, every citation and
    entry in every edition; the bibliography is a list (L, LI) in the PDF's tags."""
    from pressroom import build
    from pressroom.checks import accessibility, tagged, verify

    project, folder = fixture_project(tmp_path, style)
    build.build(project, "cites", force=True)
    brief = load_brief(project, folder)
    assert verify.verify_outputs(brief, project.build_dir, epubcheck=True) == []
    problems, _ = accessibility.check_outputs(brief, project.build_dir)
    assert [str(p) for p in problems] == []
    tree = tagged.read((project.build_dir / "cites.pdf").read_bytes())
    roles = [n.role for n in tree.nodes]
    assert roles.count("LI") >= 16 and "L" in roles
    epub = (project.build_dir / "cites.epub").read_bytes()
    import io
    import zipfile
    page = zipfile.ZipFile(io.BytesIO(epub)).read("EPUB/references.xhtml").decode()
    assert 'role="doc-bibliography"' in page and page.count('epub:type="biblioentry"') == 16


@pytest.mark.slow
def test_the_verifier_catches_a_lost_entry(tmp_path):
    from pressroom import build
    from pressroom.checks import verify

    project, folder = fixture_project(tmp_path, "apa")
    build.build(project, "cites", force=True, formats=("html", "pdf"))
    brief = load_brief(project, folder)
    page = project.build_dir / "cites" / "index.html"
    html = page.read_text()
    start = html.index('<li id="ref-mankoff2009"')
    page.write_text(html[:start] + html[html.index("</li>", start) + 5:])
    problems = [str(p) for p in verify.verify_outputs(brief, project.build_dir)]
    assert any("entry missing in the HTML" in p and "Mankoff" in p for p in problems), problems


# --------------------------------------------------------------------------- once per build, cached

def _counting(monkeypatch) -> list:
    """Every citeproc-js process started, from now on."""
    started = []
    real = citations.subprocess.Popen

    def counting(*args, **kwargs):
        process = real(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(citations.subprocess, "Popen", counting)
    return started


def test_the_processor_runs_once_per_brief_and_its_answer_is_kept(tmp_path, monkeypatch):
    calls = _counting(monkeypatch)
    project, folder = fixture_project(tmp_path)
    load_brief(project, folder)
    assert len(calls) == 1  # fourteen citations, one process
    load_brief(project, folder)
    assert len(calls) == 1  # unchanged: the answer kept in build/.citations/
    (folder / "01-text.md").write_text((folder / "01-text.md").read_text().replace("p. 44", "p. 45"))
    load_brief(project, folder)
    assert len(calls) == 2


def test_the_processor_starts_before_the_sections_are_parsed(tmp_path, monkeypatch):
    """It builds its engine and reads the BibTeX while the Markdown is parsed; when the last
    answer was made from the same style and entries, it is not started early (the answer most
    likely serves again), and started once the citations show it does not."""
    calls = _counting(monkeypatch)
    seen = []
    real = manuscript.parse_sections
    monkeypatch.setattr(manuscript, "parse_sections", lambda files: seen.append(len(calls)) or real(files))
    project, folder = fixture_project(tmp_path)
    brief = load_brief(project, folder)
    assert seen == [1] and len(calls) == 1  # started before the parse; that process answered
    assert all(p.poll() is not None for p in calls)
    (folder / "01-text.md").write_text((folder / "01-text.md").read_text().replace("p. 44", "p. 45"))
    edited = load_brief(project, folder)
    assert seen == [1, 1] and len(calls) == 2  # same style and entries: started after the parse
    assert edited.sections[0].html != brief.sections[0].html
    bib = folder / "refs.bib"
    bib.write_text(bib.read_text().replace("Aliyev", "Aliyeva"))
    load_brief(project, folder)
    assert seen == [1, 1, 3] and len(calls) == 3  # new entries: started early again


def test_a_processor_started_early_is_stopped_when_the_brief_is_not_read(tmp_path, monkeypatch):
    calls = _counting(monkeypatch)

    def interrupted(files):
        raise KeyboardInterrupt

    monkeypatch.setattr(manuscript, "parse_sections", interrupted)
    project, folder = fixture_project(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        load_brief(project, folder)
    assert len(calls) == 1 and calls[0].returncode is not None  # killed and waited for
    assert not (project.build_dir / ".citations").exists()


def test_the_preview_keeps_a_processor_ready_for_the_next_change_of_citations(tmp_path, monkeypatch):
    """A long-lived process (the preview) has the next citeproc-js process started on the same
    style and entries once a rebuild is done; a change of citations takes it, engine built, and
    gets the answer a process started then would give. Other entries stop it unused."""
    calls = _counting(monkeypatch)
    project, folder = fixture_project(tmp_path)
    ready = citations.Ready()
    with citations.kept_ready(ready):
        load_brief(project, folder)
    assert len(calls) == 1 and ready.processor is None  # started only once the rebuild is done
    ready.start()
    waiting = ready.processor.process
    assert len(calls) == 2 and waiting.poll() is None
    ready.start()  # a rebuild that processed nothing: the same one stays ready
    assert len(calls) == 2 and ready.processor.process is waiting
    text = folder / "01-text.md"
    text.write_text(text.read_text().replace("p. 44", "p. 45"))
    with citations.kept_ready(ready):
        edited = load_brief(project, folder)
    assert len(calls) == 2 and waiting.returncode == 0  # the ready process answered
    cold = fixture_project(tmp_path / "cold")[0]
    shutil.copy(text, cold.source_dir / "cites" / "01-text.md")
    assert [s.html for s in edited.sections] == [s.html for s in load_brief(cold, cold.source_dir / "cites").sections]
    calls.clear()
    ready.start()
    bib = folder / "refs.bib"
    bib.write_text(bib.read_text().replace("Aliyev", "Aliyeva"))
    with citations.kept_ready(ready):
        load_brief(project, folder)
    assert len(calls) == 2 and calls[0].returncode not in (None, 0)  # the old entries' one: stopped
    ready.start()
    ready.close()
    assert calls[-1].returncode is not None  # nothing left running


@pytest.mark.parametrize("style", STYLES)
def test_the_speed_patch_changes_no_answer(tmp_path, monkeypatch, style):
    """scripts/citeproc.js's macro index, applied to the tested citeproc-js release, gives the
    very answer citeproc-js gives without it, for each vendored style."""
    requests = []
    real = citations.request_key
    monkeypatch.setattr(citations, "request_key", lambda r: requests.append(r) or real(r))
    project, folder = fixture_project(tmp_path, style)
    load_brief(project, folder)
    request = next(r for r in reversed(requests) if "clusters" in r)
    assert len(request["clusters"]) == len(CLUSTERS)
    tested = re.search(r"const TESTED = \[([^\]]*)\]", citations.SCRIPT.read_text()).group(1)
    version = subprocess.run(["node", "-p", f"require({str(citations.TOOLS / 'node_modules' / 'citeproc')!r})"
                              ".PROCESSOR_VERSION"], capture_output=True, text=True, check=True).stdout.strip()
    assert f'"{version}"' in tested  # the patch is on here: the comparison is not vacuous
    sent = (json.dumps({k: request[k] for k in citations.HEAD}) + "\n"
            + json.dumps({k: request[k] for k in ("clusters", "nocite")})).encode()
    answers = [subprocess.run(["node", str(citations.SCRIPT), str(citations.TOOLS), *flags], input=sent,
                              capture_output=True, check=True).stdout for flags in ([], ["--no-patches"])]
    assert answers[0] == answers[1] and json.loads(answers[0])["bibliography"]


def test_the_style_locale_and_bibliography_are_inputs_of_every_edition(tmp_path):
    project, folder = fixture_project(tmp_path)
    brief = load_brief(project, folder)
    names = {p.name for p in brief.inputs}
    assert {"chicago-notes-bibliography.csl", "locales-en-US.xml", "refs.bib", "more.json"} <= names


def test_the_brief_language_sets_the_locale(tmp_path):
    project, folder = fixture_project(tmp_path, "chicago-author-date", language="fr")
    brief = load_brief(project, folder)
    entries = [t for s in brief.sections for kind, _, t in texts(s.html) if kind == "csl-entry"]
    cornell = next(e for e in entries if e.startswith("Cornell"))
    assert "édité par" in cornell and "et Tural Gasimov" in cornell
    assert "locales-fr-FR.xml" in {p.name for p in brief.inputs}


def test_a_style_file_of_the_brief_and_nocite_everything(tmp_path):
    project, folder = fixture_project(tmp_path, "house-apa.csl")
    shutil.copyfile(citations.CSL_DIR / "apa.csl", folder / "house-apa.csl")
    yaml_path = folder / "brief.yaml"
    yaml_path.write_text(yaml_path.read_text().replace('"@undated"', '"@*"'))
    (folder / "01-text.md").write_text("# One\n\nOnly one work is cited [@aliyev2015].\n")
    brief = load_brief(project, folder)
    assert folder / "house-apa.csl" in brief.inputs
    assert brief.sections[-1].html.count("<li ") == 16
    outside = _problems(tmp_path / "b", "csl: ../../../pressroom/manuscript/csl/apa.csl\n")
    assert any("unknown citation style '../../../pressroom/manuscript/csl/apa.csl'" in p for p in outside), outside

"""Citations and bibliographies (pressroom/citations.py): syntax, rendering against citeproc-js,
every edition, and the writer's mistakes, one line each."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, copy_project, load_brief
from pressroom import citations, manuscript
from pressroom.errors import ManuscriptError

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
        if author and style not in NOTE_STYLES:
            text = f"{plain(expected['authors'][f'r{number}'])} {text}"
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

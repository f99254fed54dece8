"""What readers and their tools read: the catalogue (HTML5), the feed (Atom 1.0), the citation
files (BibTeX, RIS, CSL-JSON) and the web metadata of the HTML edition."""

import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import html5lib
import jsonschema
import pytest
from conftest import FIRST, FIXTURES
from pybtex.database import parse_string

from pressroom import manuscript
from pressroom.editions import citation, html, webmeta
from pressroom.publishing import catalogue, release

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


# --------------------------------------------------------------------------- a dist/ of manifests

def fake_release(dist: Path, slug: str, version: str, date: str, title: str) -> None:
    """A release folder as publish writes it, reduced to its manifest and a cover."""
    kinds = {"html": release.file_name("html", slug, version),
             **{k: release.file_name(k, slug, version) for k in ("pdf", "epub", "cover", "bibtex")}}
    folder = dist / slug / version
    folder.mkdir(parents=True)
    (folder / kinds["cover"]).write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR\0\0\1\xe0\0\0\2\x9f")
    manifest = {"slug": slug, "version": version, "formats": kinds,
                "files": [{"path": p, "size": 1000} for p in kinds.values()],
                "metadata": {"title": title, "subtitle": "", "series": "Policy Brief", "number": 1,
                             "date": date, "authors": ["Institute <&> Co"], "summary": f"About {title}.",
                             "keywords": ["a & b"], "licence": "CC BY 4.0"}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def dist(scratch, tmp_path):
    dist = tmp_path / "dist"
    fake_release(dist, "older-brief", "1.0", "2026-01-10", "An older brief")
    fake_release(dist, "newer-brief", "1.0", "2026-03-01", "A newer brief")
    fake_release(dist, "newer-brief", "1.10", "2026-05-01", "A newer brief, revised")
    fake_release(dist, "newer-brief", "1.2", "2026-04-01", "A newer brief, corrected")
    return dist


def atom_problems(text: str) -> list[str]:
    """RFC 4287's required elements: feed and entry id, title, updated (RFC 3339); an author
    for every entry (its own or the feed's); an alternate link for entries without content."""
    root = ET.fromstring(text.encode("utf-8"))
    problems = [] if root.tag == f"{ATOM}feed" else ["the root is not atom:feed"]
    for where, node in [("feed", root), *((f"entry {i}", e) for i, e in
                                           enumerate(root.findall(f"{ATOM}entry"), 1))]:
        for name in ("id", "title", "updated"):
            found = node.findall(f"{ATOM}{name}")
            if len(found) != 1 or not (found[0].text or "").strip():
                problems.append(f"{where}: needs exactly one {name}")
        updated = node.findtext(f"{ATOM}updated") or ""
        if not RFC3339.match(updated):
            problems.append(f"{where}: updated {updated!r} is not RFC 3339")
        if where != "feed":
            if not (node.findall(f"{ATOM}author") or root.findall(f"{ATOM}author")):
                problems.append(f"{where}: no author")
            if node.find(f"{ATOM}content") is None and not [
                    link for link in node.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]:
                problems.append(f"{where}: no alternate link")
    ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
    if len(ids) != len(set(ids)):
        problems.append("entry ids are not unique")
    return problems


def html5_errors(text: str) -> list:
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(text)
    return parser.errors


# --------------------------------------------------------------------------- catalogue and feed

def test_the_catalogue_lists_every_release_newest_first_and_is_html5(scratch, dist):
    catalogue.write(scratch, dist)
    page = (dist / "index.html").read_text(encoding="utf-8")
    assert html5_errors(page) == []
    for slug, version in (("older-brief", "1.0"), ("newer-brief", "1.0"), ("newer-brief", "1.2"),
                          ("newer-brief", "1.10")):
        assert f'href="{slug}/{version}/{slug}-{version}.pdf"' in page, (slug, version)
        assert f'href="{slug}/{version}/html/index.html"' in page
    # one entry per brief, its newest version (1.10 > 1.2) first; the older brief after it
    titles = re.findall(r"<h2><a [^>]*>([^<]*)</a></h2>", page)
    assert titles == ["A newer brief, revised", "An older brief"]
    assert 'src="newer-brief/1.10/newer-brief-1.10-cover.png"' in page
    assert 'width="480" height="671"' in page


def test_an_html5_error_is_caught():
    assert html5_errors("<!DOCTYPE html><html><head><title>x</title></head><body></p></body></html>")


def test_the_feed_is_atom_with_every_release_newest_first(scratch, dist):
    catalogue.write(scratch, dist)
    text = (dist / "feed.xml").read_text(encoding="utf-8")
    assert atom_problems(text) == []
    root = ET.fromstring(text.encode("utf-8"))
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}updated")[:10] for e in entries] == [
        "2026-05-01", "2026-04-01", "2026-03-01", "2026-01-10"]
    assert root.findtext(f"{ATOM}updated") == "2026-05-01T12:00:00Z"
    assert entries[0].findtext(f"{ATOM}author/{ATOM}name") == "Institute <&> Co"
    base = "https://briefs.pressroom.example/"
    assert root.get("{http://www.w3.org/XML/1998/namespace}base") == base
    assert entries[0].findtext(f"{ATOM}id") == base + "newer-brief/1.10/"
    links = {link.get("type"): link.get("href") for link in entries[0].findall(f"{ATOM}link")}
    assert links["application/pdf"] == base + "newer-brief/1.10/newer-brief-1.10.pdf"
    assert links["text/html"] == base + "newer-brief/1.10/html/"


def test_a_feed_missing_a_required_element_is_caught(scratch, dist):
    catalogue.write(scratch, dist)
    text = (dist / "feed.xml").read_text(encoding="utf-8")
    broken = re.sub(r"(<entry>.*?)<updated>[^<]*</updated>", r"\1", text, count=1, flags=re.S)
    assert "entry 1: needs exactly one updated" in atom_problems(broken)
    assert "entry 1: no author" in atom_problems(
        re.sub(r"<author>.*?</author>", "", text, flags=re.S))


def test_without_a_base_url_the_catalogue_links_stay_relative(scratch, dist):
    house = scratch.house_file
    house.write_text(re.sub(r"(?m)^base_url:.*\n", "", house.read_text(encoding="utf-8")),
                     encoding="utf-8")
    catalogue.write(scratch, dist)
    text = (dist / "feed.xml").read_text(encoding="utf-8")
    assert atom_problems(text) == [] and "https://" not in text
    assert "<id>urn:pressroom:release:newer-brief:1.10</id>" in text


def test_a_house_yaml_that_cannot_be_read_stops_the_catalogue_with_its_line(scratch, dist):
    house = scratch.house_file
    house.write_text(house.read_text(encoding="utf-8") + "series: [unclosed\n", encoding="utf-8")
    with pytest.raises(manuscript.ManuscriptError) as caught:
        catalogue.write(scratch, dist)
    [problem] = caught.value.problems
    assert problem.code == "P102" and problem.path.endswith("house.yaml") and problem.line
    assert not (dist / "index.html").exists() and not (dist / "feed.xml").exists()


def test_a_house_yaml_warning_reaches_the_catalogue_caller(scratch, dist):
    house = scratch.house_file
    house.write_text(house.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    warnings: list = []
    catalogue.write(scratch, dist, warnings)
    assert [(w.code, w.severity) for w in warnings] == [("M204", "warning")]
    assert "'colour'" in warnings[0].message and (dist / "feed.xml").exists()


# --------------------------------------------------------------------------- citation files

@pytest.fixture(scope="module")
def meta(project):
    return manuscript.load(project, FIRST)[0][0].metadata


HOSTILE = dict(title="Costs & {benefits} at 100% of $5_000 #1 ~ ^ \\ }", subtitle="",
               authors=("Institute {of} Studies",), identifier="doi:10.1234/ab_c%2")


def test_bibtex_parses_and_carries_the_metadata(meta):
    entry = parse_string(citation.bibtex(meta, FIRST), "bibtex").entries[f"{FIRST}-1-0"]
    assert entry.type == "techreport"
    assert entry.fields["title"] == "{Between Moscow and the West: Azerbaijan’s foreign policy " \
                                    "after the Nagorno-Karabakh war}"
    assert entry.fields["year"] == "2026" and entry.fields["institution"] == meta.publisher
    assert [str(p) for p in entry.persons["author"]] == ["{Pressroom Policy Institute}"]
    assert meta.identifier in entry.fields["note"]


def test_bibtex_escapes_what_would_break_it(meta):
    hostile = dataclasses.replace(meta, **HOSTILE)
    entry = parse_string(citation.bibtex(hostile, "x"), "bibtex").entries["x-1-0"]
    assert entry.fields["doi"] == r"10.1234/ab\_c\%2"  # every field survives, in full
    assert entry.fields["title"].endswith(r"\textbackslash{} \textbraceright{}}")
    assert [str(p) for p in entry.persons["author"]] == [r"{Institute \textbraceleft{}of\textbraceright{} Studies}"]
    # the same text unescaped: the stray brace ends the title early and the fields after it are lost
    naive = parse_string("@techreport{x, title = {" + HOSTILE["title"] + "}, doi = {10.1/x}}",
                         "bibtex").entries["x"]
    assert "doi" not in naive.fields


def ris_records(text: str) -> list[dict[str, list[str]]]:
    records, current = [], None
    for line in text.split("\r\n"):
        if not line:
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - ?(.*)", line)
        assert match, f"not an RIS line: {line!r}"
        tag, value = match.groups()
        if tag == "TY":
            assert current is None, "TY inside a record"
            current = {}
        assert current is not None, f"{tag} outside a record"
        current.setdefault(tag, []).append(value)
        if tag == "ER":
            records.append(current)
            current = None
    assert current is None, "a record without ER"
    return records


def test_ris_parses_by_its_tags(meta):
    (record,) = ris_records(citation.ris(meta, FIRST))
    assert record["TY"] == ["RPRT"] and record["AU"] == ["Pressroom Policy Institute"]
    assert record["PY"] == ["2026"] and record["DA"] == ["2026/11/16"]
    assert record["T3"] == ["Policy Brief No. 1"] and record["ET"] == ["1.0"]
    assert record["KW"] == list(meta.keywords)
    assert record["UR"] == [f"https://briefs.pressroom.example/{FIRST}/1.0/html/"]
    with pytest.raises(AssertionError):
        ris_records("TY  - RPRT\r\nTI  - no end\r\n")


def test_csl_json_validates_against_the_csl_data_schema(meta):
    schema = json.loads((FIXTURES / "schemas" / "csl-data.json").read_text(encoding="utf-8"))
    items = json.loads(citation.csl_json(meta, FIRST))
    jsonschema.validate(items, schema)
    assert items[0]["type"] == "report" and items[0]["issued"] == {"date-parts": [[2026, 11, 16]]}
    hostile = json.loads(citation.csl_json(dataclasses.replace(meta, **HOSTILE), "x"))
    jsonschema.validate(hostile, schema)
    assert hostile[0]["DOI"] == "10.1234/ab_c%2" and hostile[0]["title"] == HOSTILE["title"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**items[0], "type": "brief"}], schema)


def test_identifiers_become_the_field_reference_managers_know(meta):
    assert citation._identifiers(dataclasses.replace(meta, identifier="https://doi.org/10.5555/x1")) == {"doi": "10.5555/x1"}
    assert citation._identifiers(dataclasses.replace(meta, identifier="ISBN 978-3-16-148410-0")) == {"isbn": "9783161484100"}
    assert citation._identifiers(meta) == {}


# --------------------------------------------------------------------------- web metadata

class _Head(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta, self.links, self.scripts, self._script = {}, {}, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and "property" in attrs:
            self.meta.setdefault(attrs["property"], attrs["content"])
        if tag == "link":
            self.links[attrs["rel"]] = attrs["href"]
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._script = []

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None


def head_of(brief, project):
    page = html.page(brief, project, "web")
    parser = _Head()
    parser.feed(page)
    return page, parser


def test_the_web_edition_carries_canonical_url_open_graph_and_json_ld(project, first_brief):
    page, head = head_of(first_brief, project)
    canonical = f"https://briefs.pressroom.example/{FIRST}/1.0/html/"
    assert head.links["canonical"] == canonical and head.meta["og:url"] == canonical
    assert head.meta["og:type"] == "article" and head.meta["og:title"].startswith("Between Moscow")
    assert head.meta["og:image"].endswith(f"/{FIRST}/1.0/{FIRST}-1.0-cover.png")
    (data,) = [json.loads(s) for s in head.scripts]
    assert data["@type"] == "Report" and data["@context"] == "https://schema.org"
    assert data["author"] == [{"@type": "Organization", "name": "Pressroom Policy Institute"}]
    assert data["publisher"]["name"] == "Pressroom Policy Institute"
    assert data["datePublished"] == "2026-11-16"
    assert data["identifier"] == "urn:pressroom:policy-brief:2026-1"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert html5_errors(page) == []
    print_page = html.page(first_brief, project, "print")
    assert "og:title" not in print_page and "ld+json" not in print_page  # web edition only


def hostile_brief(brief):
    evil = "</script><script>alert(1)</script> & <!--"
    return dataclasses.replace(brief, metadata=dataclasses.replace(
        brief.metadata, title="Title " + evil, summary=evil, authors=("A </SCRIPT> author",)))


def test_json_ld_cannot_be_closed_by_metadata(project, first_brief):
    brief = hostile_brief(first_brief)
    page, head = head_of(brief, project)
    (script,) = head.scripts
    assert "<" not in script and ">" not in script and "&" not in script
    data = json.loads(script)
    assert data["name"] == brief.metadata.title and data["description"] == brief.metadata.summary
    assert page.count("<script") == 1


def test_json_ld_unescaped_would_be_injected(project, first_brief, monkeypatch):
    monkeypatch.setattr(webmeta, "_SCRIPT_SAFE", {})
    _, head = head_of(hostile_brief(first_brief), project)
    with pytest.raises(json.JSONDecodeError):
        json.loads(head.scripts[0])  # the metadata closed the script: what the escaping prevents


def test_no_base_url_no_canonical(project, first_brief):
    brief = dataclasses.replace(first_brief, metadata=dataclasses.replace(first_brief.metadata, base_url=""))
    _, head = head_of(brief, project)
    assert "canonical" not in head.links and "og:url" not in head.meta and "og:image" not in head.meta
    assert "url" not in json.loads(head.scripts[0])


def test_base_url_must_be_an_http_address(scratch):
    house = scratch.house_file
    house.write_text(house.read_text(encoding="utf-8").replace(
        "base_url: https://briefs.pressroom.example", "base_url: briefs.example/x"), encoding="utf-8")
    with pytest.raises(manuscript.ManuscriptError) as info:
        manuscript.load(scratch, FIRST)
    assert [p.code for p in info.value.problems] == ["M202"]
    assert "base_url" in str(info.value.problems[0])


def test_release_names_carry_slug_and_version():
    assert release.file_name("pdf", "s", "2.1") == "s-2.1.pdf"
    assert release.file_name("pdf-print", "s", "2.1") == "s-2.1-print.pdf"
    assert release.file_name("csl", "s", "2.1") == "s-2.1.csl.json"

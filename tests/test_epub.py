"""The EPUB 3 edition: container, package, navigation, spine, EPUBCheck, determinism."""

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest
from conftest import ROOT
from test_sources import article_paragraphs, sentences

from pressroom.build import render
from pressroom.checks import verify
from pressroom.checks.verify import NS


@pytest.fixture(scope="module")
def book(first_outputs):
    return zipfile.ZipFile(io.BytesIO(first_outputs["epub"]))


@pytest.fixture(scope="module")
def opf(book):
    return ET.fromstring(book.read("EPUB/package.opf"))


def test_mimetype_is_first_and_stored(book):
    first = book.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert book.read("mimetype") == b"application/epub+zip"


def test_container_points_at_the_package(book):
    container = ET.fromstring(book.read("META-INF/container.xml"))
    assert container.find(".//c:rootfile", NS).get("full-path") == "EPUB/package.opf"


def test_package_metadata_in_full(opf, first_brief):
    meta = first_brief.metadata
    md = opf.find("opf:metadata", NS)
    assert md.findtext("dc:identifier", namespaces=NS) == meta.identifier
    assert [t.text for t in md.findall("dc:title", NS)] == [meta.title, meta.subtitle]
    assert md.findtext("dc:language", namespaces=NS) == meta.language
    assert [c.text for c in md.findall("dc:creator", NS)] == list(meta.authors)
    assert md.findtext("dc:publisher", namespaces=NS) == meta.publisher
    assert md.findtext("dc:date", namespaces=NS) == meta.date.isoformat()
    assert md.findtext("dc:description", namespaces=NS) == meta.summary
    assert [s.text for s in md.findall("dc:subject", NS)] == list(meta.keywords)
    props = {m.get("property"): m.text for m in md.findall("opf:meta", NS)}
    assert props["dcterms:modified"] == f"{meta.date.isoformat()}T12:00:00Z"
    for needed in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
                   "schema:accessibilityHazard", "schema:accessibilitySummary", "dcterms:conformsTo"):
        assert props.get(needed), needed


def test_spine_follows_the_sections(opf, first_brief):
    manifest = {i.get("id"): i.get("href") for i in opf.findall(".//opf:item", NS)}
    spine = [manifest[r.get("idref")] for r in opf.findall(".//opf:itemref", NS)]
    assert spine == ["cover.xhtml", "nav.xhtml", *[f"{s.id}.xhtml" for s in first_brief.sections],
                     "back.xhtml"]


def test_nav_has_toc_and_landmarks(book, first_brief):
    nav = ET.fromstring(book.read("EPUB/nav.xhtml"))
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    labels = ["".join(a.itertext()) for a in toc.iter(f"{{{NS['x']}}}a")]
    assert labels == [s.label for s in first_brief.sections]
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    kinds = [a.get(f"{{{NS['epub']}}}type") for a in landmarks.iter(f"{{{NS['x']}}}a")]
    assert {"toc", "bodymatter"} <= set(kinds)


def test_fonts_are_embedded_and_nothing_is_remote(book, opf):
    hrefs = [i.get("href") for i in opf.findall(".//opf:item", NS)]
    fonts = [h for h in hrefs if h.startswith("assets/fonts/")]
    assert fonts and all(h.endswith(".ttf") for h in fonts)  # subset TrueType (fontsubset.py)
    assert all(len(book.read(f"EPUB/{h}")) < (ROOT / "styles" / "fonts" / h.rsplit("/", 1)[1]).stat().st_size / 5
               for h in fonts)
    for name in book.namelist():
        if name.endswith((".xhtml", ".css", ".opf")):
            text = book.read(name).decode()
            assert "http://" not in text.replace("http://www.w3.org", "").replace(
                "http://www.idpf.org", "").replace("http://purl.org", "") or name.endswith("back.xhtml")
            assert not [i for i in opf.findall(".//opf:item", NS) if "remote-resources" in (i.get("properties") or "")]


def test_every_sentence_of_the_article_is_in_the_epub_text(first_outputs):
    book = zipfile.ZipFile(io.BytesIO(first_outputs["epub"]))
    text = " ".join(book.read(n).decode() for n in sorted(book.namelist()) if n.endswith(".xhtml"))
    stream, _ = verify.read_markup([text])
    missing = [s for p in article_paragraphs() for s in sentences(p) if verify.normalise(s) not in stream]
    assert missing == []


def test_the_verifier_finds_the_epub_complete(first_outputs, first_brief):
    assert verify.verify_epub(first_brief, first_outputs["epub"]) == []


def test_epubcheck_reports_nothing(first_outputs, tmp_path):
    path = tmp_path / "brief.epub"
    path.write_bytes(first_outputs["epub"])
    assert verify.run_epubcheck(path) == []


def test_two_renders_are_byte_identical(project, first_brief, first_outputs):
    assert render(first_brief, project, ("epub",))["epub"] == first_outputs["epub"]

"""No build ever makes a request, whatever the manuscript references.

A real HTTP server on 127.0.0.1 (a port the test picks) counts every request;
manuscripts point at it in every way Markdown, attributes, raw HTML, SVG and
metadata allow. The server must see nothing. The last tests show the harness
can fail: an unconfined fetcher does reach the server.
"""

from __future__ import annotations

import http.server

import pytest
from conftest import ROOT, counting
from hostile_support import run_library

from pressroom.errors import BuildError
from pressroom.weasy.fetcher import TreeFetcher


class _Image(http.server.BaseHTTPRequestHandler):
    """Counts each request and answers it with the start of a PNG, as an image host would."""

    def do_GET(self):  # noqa: N802 (the http.server API)
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(b"\x89PNG\r\n\x1a\n")

    do_POST = do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    with counting(_Image) as running:
        yield running


def _everywhere(url: str) -> str:
    host = url.removeprefix("http://")
    return f"""---
title: Calls home
date: 2026-01-02
website: {url}/website
licence_url: {url}/licence
---
# References to a server

A [link]({url}/link "{url}/title"), an autolink <{url}/auto>, a [reference][r] and a bare
{url}/bare address.

{{style="background: url({url}/attr.png)" data-src="{url}/data"}}
A paragraph whose attributes point at the server.

<img src="{url}/raw.png"> <link rel="stylesheet" href="{url}/raw.css">
<style>@import url({url}/import.css);</style> <iframe src="{url}/frame"></iframe>
<object data="{url}/object"></object> <svg><image href="{url}/svg.png"/></svg>

A protocol-relative [link](//{host}/relative) and a [mail](mailto:x@127.0.0.1).

[r]: {url}/reference
"""


def test_no_edition_requests_anything_a_manuscript_references(server, tmp_path):
    httpd, url = server
    doc = tmp_path / "calls-home.md"
    doc.write_text(_everywhere(url), encoding="utf-8")
    outcome = run_library(doc, tmp_path / "build")
    assert outcome.exit == 0, [str(p) for p in outcome.problems]
    # the attributes, the // link, the raw HTML dropped, the raw <img> shown as a placeholder
    assert {p.code for p in outcome.problems} == {"C307", "C326", "C701", "C702"}
    assert (tmp_path / "build" / "calls-home.pdf").stat().st_size > 0
    assert httpd.requests == []


REMOTE_IMAGES = ["![a picture]({url}/image.png)", "![a picture](//{host}/image.png)",
                 "![a picture][img]\n\n[img]: {url}/ref.png", '<img src="{url}/raw.png" alt="a picture">',
                 '<figure><img src="{url}/fig.png" alt="a picture"></figure>']


@pytest.mark.parametrize("markdown", REMOTE_IMAGES)
def test_remote_images_in_a_final_are_refused_before_any_request(server, tmp_path, markdown):
    httpd, url = server
    doc = tmp_path / "doc.md"
    text = markdown.format(url=url, host=url.removeprefix("http://"))
    doc.write_text(f"---\ntitle: T\nstatus: final\n---\n# H\n\n{text}\n", encoding="utf-8")
    outcome = run_library(doc, tmp_path / "build")
    assert outcome.exit == 2 and "C309" in {p.code for p in outcome.problems}
    assert httpd.requests == []


@pytest.mark.parametrize("markdown", REMOTE_IMAGES)
def test_remote_images_in_a_draft_are_placeholders_and_never_fetched(server, tmp_path, markdown):
    httpd, url = server
    doc = tmp_path / "doc.md"
    text = markdown.format(url=url, host=url.removeprefix("http://"))
    doc.write_text(f"---\ntitle: T\n---\n# H\n\n{text}\n", encoding="utf-8")
    outcome = run_library(doc, tmp_path / "build")
    assert outcome.exit == 0, [str(p) for p in outcome.problems]
    remote = [p for p in outcome.problems if p.code == "C702"]
    assert len(remote) == 1 and remote[0].line == 6 and remote[0].severity == "warning"
    page = (tmp_path / "build" / "doc" / "index.html").read_text(encoding="utf-8")
    assert 'class="remote-image"' in page and "a picture" in page
    assert f'src="{url}' not in page and 'src="//' not in page
    assert httpd.requests == []


def test_a_drawing_that_calls_a_server_is_refused_before_any_request(server, tmp_path):
    httpd, url = server
    images = tmp_path / "images"
    images.mkdir()
    (images / "calls.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{url}/svg.png" width="4" height="4"/></svg>')
    doc = tmp_path / "doc.md"
    doc.write_text("---\ntitle: T\n---\n# H\n\n![a drawing](images/calls.svg)\n", encoding="utf-8")
    outcome = run_library(doc, tmp_path / "build")
    assert outcome.exit == 2 and "C325" in {p.code for p in outcome.problems}
    assert httpd.requests == []


def _tree_with(url: str, project) -> dict:
    page = (f'<html><head><link rel="stylesheet" href="{url}/sheet.css"></head><body>'
            f'<p style="background: url({url}/bg.png)">Text</p><img src="{url}/img.png" alt="x">'
            f'<a rel="attachment" href="{url}/attach.bin">attach</a></body></html>')
    return {"print.html": page.encode()}


def test_the_pdf_fetcher_refuses_the_server_and_names_what_it_refused(server, tmp_path, first_brief,
                                                                       project):
    from pressroom.editions import pdf

    httpd, url = server
    with pytest.raises(BuildError) as caught:
        pdf.render(first_brief, _tree_with(url, project), (tmp_path / "b").as_uri() + "/")
    refused = " ".join(str(p) for p in caught.value.problems)
    assert all(p.code == "B402" for p in caught.value.problems)
    assert f"{url}/img.png" in refused and f"{url}/sheet.css" in refused
    assert httpd.requests == []


def test_the_harness_sees_a_request_when_the_fetcher_is_not_confined(server, tmp_path, first_brief,
                                                                     project, monkeypatch):
    """Without the confined fetcher WeasyPrint would fetch: the test above can fail."""
    from weasyprint.urls import URLFetcher

    from pressroom.editions import pdf

    httpd, url = server
    monkeypatch.setattr(TreeFetcher, "__call__", lambda self, u: URLFetcher().fetch(u))
    try:
        pdf.render(first_brief, _tree_with(url, project), (tmp_path / "b").as_uri() + "/")
    except BuildError:
        pass
    assert any(path.endswith("img.png") for path in httpd.requests)


def test_small_data_urls_are_decoded_and_large_ones_refused():
    from pressroom.editions.resources import MAX_DATA_URL, data_url

    assert data_url("data:text/plain;base64,aGk=") == ("text/plain", b"hi")
    assert data_url("data:,a%20b") == ("text/plain", b"a b")
    assert data_url("data:text/plain," + "a" * (MAX_DATA_URL + 1)) is None
    fetcher = TreeFetcher("file:///x/", {})
    with pytest.raises(ValueError):
        fetcher("data:text/plain," + "a" * (MAX_DATA_URL + 1))
    assert fetcher.refused and ROOT

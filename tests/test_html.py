"""The HTML edition: index.html for the web, print.html for the PDF, self-contained."""

import posixpath
import re

from pressroom.checks import verify
from pressroom.editions.resources import css_urls, read


def test_tree_has_both_pages_and_their_assets(first_outputs):
    tree = first_outputs["html"]
    assert {"index.html", "print.html", "assets/fonts.css", "assets/reading.css",
            "assets/print.css"} <= set(tree)


def test_every_local_reference_resolves_inside_the_tree(first_outputs):
    tree = first_outputs["html"]
    for name in ("index.html", "print.html", "assets/fonts.css", "assets/reading.css", "assets/print.css"):
        text = read(tree[name]).decode()
        refs = re.findall(r'(?:href|src)="([^"#:]+)"', text) + css_urls(text)
        for ref in refs:
            if ref.startswith(("http", "mailto")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), ref))
            assert target in tree, f"{name} -> {ref}"


def test_no_remote_resource_is_loaded(first_outputs):
    page = read(first_outputs["html"]["index.html"]).decode()
    # a canonical link names the page's address on the web; it loads nothing
    loads = r'<(?:script|img)[^>]+src="(https?:)?//|<link(?![^>]*rel="canonical")[^>]+href="(https?:)?//'
    assert 'rel="canonical"' in page and not re.search(loads, page)
    assert re.search(loads, page.replace('href="assets/', 'href="https://127.0.0.1/'))


def test_every_heading_and_block_is_in_the_web_page(first_outputs, first_brief):
    page = read(first_outputs["html"]["index.html"]).decode()
    assert verify.verify_html(first_brief, page) == []


def test_print_html_reproduces_the_pdf(first_outputs, project, first_brief, tmp_path):
    """`weasyprint build/<slug>/print.html` gives the same layout: same pages, same text."""
    from weasyprint import HTML

    from pressroom.execution.writers import write_tree

    folder = tmp_path / first_brief.slug
    write_tree(folder, first_outputs["html"])
    again = HTML(filename=str(folder / "print.html")).write_pdf()
    assert verify.pdf_pages(again) == verify.pdf_pages(first_outputs["pdf"])

"""Web metadata of the HTML edition: canonical URL, Open Graph, schema.org JSON-LD.

Everything comes from the metadata and house.yaml's ``base_url``; the JSON-LD is
escaped so that no metadata value can close its ``<script>`` element.
"""

from __future__ import annotations

import json

from markupsafe import Markup

from pressroom.model import Brief
from pressroom.publishing import release

#: Characters that must not appear raw inside <script>: JSON allows their \\u escapes.
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_json(data) -> Markup:
    """JSON that is safe inside an HTML ``<script>`` element."""
    return Markup(json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_SAFE))


def _agent(name: str, meta) -> dict:
    kind = "Organization" if name == meta.publisher else "Person"
    return {"@type": kind, "name": name}


def json_ld(brief: Brief) -> dict:
    meta = brief.metadata
    data = {"@context": "https://schema.org", "@type": "Report",
            "name": meta.title, "headline": meta.title,
            "alternativeHeadline": meta.subtitle, "description": meta.summary,
            "author": [_agent(a, meta) for a in meta.authors],
            "publisher": {"@type": "Organization", "name": meta.publisher,
                          **({"url": meta.website} if meta.website else {})},
            "datePublished": meta.date.isoformat() if meta.date else "",
            "identifier": meta.identifier, "version": meta.version,
            "license": meta.licence_url or meta.licence, "inLanguage": meta.language,
            "keywords": ", ".join(meta.keywords),
            "isPartOf": {"@type": "CreativeWorkSeries", "name": meta.series} if meta.series else "",
            "reportNumber": meta.series_label if meta.number is not None else "",
            "url": release.canonical(meta, brief.slug),
            "image": release.url(meta, brief.slug, release.file_name("cover", brief.slug, meta.version))}
    return {k: v for k, v in data.items() if v not in ("", [], None)}


def context(brief: Brief) -> dict:
    """What layouts/partials/web-meta.html needs."""
    meta = brief.metadata
    return {"canonical": release.canonical(meta, brief.slug),
            "image": release.url(meta, brief.slug, release.file_name("cover", brief.slug, meta.version)),
            "json_ld": script_json(json_ld(brief))}

"""What a release folder is: its place in dist/, its file names, version order, its manifest.

    dist/<slug>/<version>/
        <slug>-<version>.pdf            screen PDF
        <slug>-<version>-print.pdf      print PDF (when the print profile exists)
        <slug>-<version>.epub           EPUB 3
        html/index.html                 the HTML edition, a folder a static host serves as is
        <slug>-<version>-cover.png      cover thumbnail
        <slug>-<version>.bib|.ris|.csl.json   citations
        manifest.json, SHA256SUMS

Shared by the publisher (which writes it), the catalogue (which lists it) and
the HTML edition's web metadata (which links to it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pressroom.editions import REGISTRY
from pressroom.model import Metadata

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
HTML_FOLDER = "html"

#: Each kind of release file: its name after "<slug>-<version>", its label for readers, media type.
#: The editions' own names come from the registry (pdf, pdf-print, epub, html).
FILES: dict[str, tuple[str, str, str]] = {
    **{e.name: e.release for e in REGISTRY.values() if e.release},
    "cover": ("-cover.png", "Cover", "image/png"),
    "bibtex": (".bib", "BibTeX", "application/x-bibtex"),
    "ris": (".ris", "RIS", "application/x-research-info-systems"),
    "csl": (".csl.json", "CSL-JSON", "application/vnd.citationstyles.csl+json"),
}


def file_name(kind: str, slug: str, version: str) -> str:
    """The path of a release file inside its release folder."""
    if kind == "html":
        return f"{HTML_FOLDER}/index.html"
    return f"{slug}-{version}{FILES[kind][0]}"


def folder(dist: Path, slug: str, version: str) -> Path:
    return dist / slug / version


def url(meta: Metadata, slug: str, path: str = "") -> str:
    """The public address of a release file; "" when house.yaml has no ``base_url``."""
    if not meta.base_url:
        return ""
    return f"{meta.base_url.rstrip('/')}/{slug}/{meta.version}/{path}"


def canonical(meta: Metadata, slug: str) -> str:
    """The canonical address of the HTML edition (its folder, served as index.html)."""
    return url(meta, slug, HTML_FOLDER + "/")


def version_key(version: str) -> tuple:
    """Order versions as people read them: 1.2 < 1.10 < 2.0; text parts sort after numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-+_]", version))


def manifests(dist: Path) -> dict[str, list[dict]]:
    """Every published release under ``dist``: {slug: [manifest, ...]} oldest version first."""
    found: dict[str, list[dict]] = {}
    if not dist.is_dir():
        return found
    for path in sorted(dist.glob(f"*/*/{MANIFEST}")):
        if path.parent.name.startswith("."):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        found.setdefault(data["slug"], []).append(data)
    for releases in found.values():
        releases.sort(key=lambda m: version_key(m["version"]))
    return found


def previous(dist: Path, slug: str, version: str) -> dict | None:
    """The manifest of the newest release of ``slug`` older than ``version``."""
    older = [m for m in manifests(dist).get(slug, [])
             if version_key(m["version"]) < version_key(version)]
    return older[-1] if older else None

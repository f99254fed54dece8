"""The series catalogue: dist/index.html (every brief, newest first) and dist/feed.xml (Atom 1.0).

Both are made from the manifests of the releases in dist/ alone, so they can be
regenerated at any time (``publish`` does it after every release).
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from pathlib import Path

from pressroom import __version__, manuscript
from pressroom.editions import templates
from pressroom.execution import writers
from pressroom.manuscript import Project
from pressroom.publishing import release

NOON = "T12:00:00Z"  # a release's time of day: dates come from the metadata, never the clock


def _png_size(path: Path) -> tuple[int, int] | None:
    try:
        head = path.read_bytes()[:24]
    except OSError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def _entry(dist: Path, data: dict, base: str) -> dict:
    slug, version, meta = data["slug"], data["version"], data["metadata"]
    prefix = f"{slug}/{version}/"
    sizes = {f["path"]: f["size"] for f in data["files"]}
    links = [{"kind": kind, "label": release.FILES[kind][1], "type": release.FILES[kind][2],
              "href": prefix + path, "size": sizes.get(path, 0)}
             for kind, path in data["formats"].items() if kind in release.FILES and kind != "cover"]
    cover = data["formats"].get("cover")
    day = dt.date.fromisoformat(meta["date"]) if meta.get("date") else None
    return {"slug": slug, "version": version, "meta": meta, "links": links, "date": day,
            "html": prefix + release.file_name("html", slug, version),
            "web": f"{base}/{prefix}{release.HTML_FOLDER}/" if base else prefix + release.file_name("html", slug, version),
            "cover": prefix + cover if cover else "",
            "cover_size": _png_size(dist / prefix / cover) if cover else None,
            "updated": (meta.get("date") or "2000-01-01") + NOON,
            "id": f"{base}/{prefix}" if base else f"urn:pressroom:release:{slug}:{version}",
            "base": f"{base}/" if base else ""}


def _newest_first(entry: dict) -> tuple:
    return (entry["meta"].get("date") or "", release.version_key(entry["version"]), entry["slug"])


def context(project: Project, dist: Path, warnings: list | None = None) -> dict:
    """What the catalogue templates show. A house.yaml that cannot be read raises
    :class:`ManuscriptError`; its warnings (an unknown field) are added to ``warnings``."""
    problems = manuscript.Collector()
    house = manuscript.load_house(project, problems)
    problems.raise_errors()
    if warnings is not None:
        warnings += problems.warnings
    base = str(house.get("base_url") or "").rstrip("/")
    publisher = str(house.get("publisher") or "Pressroom")
    briefs = []
    for releases in release.manifests(dist).values():
        entries = [_entry(dist, m, base) for m in releases]
        latest = entries[-1]
        briefs.append({**latest, "earlier": list(reversed(entries[:-1]))})
    briefs.sort(key=_newest_first, reverse=True)
    entries = sorted((e for b in briefs for e in [b, *b["earlier"]]), key=_newest_first, reverse=True)
    return {"publisher": publisher, "series": str(house.get("series") or ""),
            "language": str(house.get("language") or "en"), "base": f"{base}/" if base else "",
            "feed_id": f"{base}/feed.xml" if base else "urn:pressroom:catalogue",
            "updated": max((e["updated"] for e in entries), default="2000-01-01" + NOON),
            "briefs": briefs, "entries": entries, "version": __version__}


def house_assets(project: Project) -> dict[str, bytes]:
    """The house's faces for the catalogue page: styles/fonts.css and every font it names, under
    assets/ (the catalogue wears the house style, not the browser's default fonts)."""
    css = (project.styles_dir / "fonts.css").read_text(encoding="utf-8")
    files = {"assets/fonts.css": css.encode("utf-8")}
    for name in sorted(set(re.findall(r'url\("(fonts/[^"]+)"\)', css))):
        path = project.styles_dir / name
        if path.is_file():
            files[f"assets/{name}"] = path.read_bytes()
    return files


def render(project: Project, dist: Path, warnings: list | None = None) -> dict[str, bytes]:
    data = context(project, dist, warnings)
    pages = {name: templates.render(project.layouts_dir, f"catalogue/{name}", **data).encode("utf-8")
             for name in ("index.html", "feed.xml")}
    return {**pages, **house_assets(project)}


def write(project: Project, dist: Path, warnings: list | None = None) -> list[Path]:
    """Write dist/index.html and dist/feed.xml (nothing if house.yaml cannot be read)."""
    written = []
    for name, data in render(project, dist, warnings).items():
        (dist / name).parent.mkdir(parents=True, exist_ok=True)
        writers.write_file(dist / name, data)
        written.append(dist / name)
    return written

"""A release readers can trust, in one call:

    brief = gate.check(project, slug)          # final, strict checks, fresh build verified, no draft mark
    files = release_files(brief, project)      # every file of the release, in memory
    same version on disk?  identical -> no-op; different -> refused (raise `version`)
    manifest + SHA256SUMS, written to a temporary folder, renamed into dist/<slug>/<version>/
    catalogue.write(project, dist)             # dist/index.html and dist/feed.xml

A release folder, once there, is never changed; earlier versions stay beside it.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pressroom import __version__, editions
from pressroom.build import output_paths
from pressroom.editions import citation, leanpng
from pressroom.errors import Problem, PublishError
from pressroom.execution.gitinfo import revision
from pressroom.manuscript import Project, shown
from pressroom.model import Brief
from pressroom.publishing import catalogue, gate, release, stability

PDF_SOURCES = {page for page, _ in editions.pages().values()}  # print.html, print-profile.html
THUMBNAIL_PIXELS = 480  # the longer side of the cover thumbnail


@dataclass
class Release:
    slug: str
    version: str
    folder: Path
    state: str  # "published" or "unchanged"
    previous: str | None = None
    moved: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)


def thumbnail(pdf: bytes, where: str) -> bytes:
    """Page 1 of the PDF as a PNG, the longer side THUMBNAIL_PIXELS (pdftoppm, poppler-utils),
    in 256 colours where that looks the same (leanpng.py)."""
    with tempfile.TemporaryDirectory(prefix="pressroom-cover-") as tmp:
        source, target = Path(tmp, "in.pdf"), Path(tmp, "cover")
        source.write_bytes(pdf)
        try:
            subprocess.run(["pdftoppm", "-png", "-f", "1", "-l", "1", "-singlefile",
                            "-scale-to", str(THUMBNAIL_PIXELS), str(source), str(target)],
                           check=True, capture_output=True, timeout=120)
            return leanpng.smallest(target.with_suffix(".png").read_bytes())
        except (OSError, subprocess.SubprocessError) as exc:
            raise PublishError(Problem("R605", f"the cover thumbnail could not be made: {exc}",
                                       "install poppler-utils (scripts/bootstrap does)", where)) from exc


def release_files(brief: Brief, project: Project) -> dict[str, bytes]:
    """Every file of the release except manifest.json and SHA256SUMS, from the verified build."""
    slug, version = brief.slug, brief.metadata.version
    built = output_paths(project.build_dir, slug)
    files = {release.file_name(kind, slug, version): built[kind].read_bytes()
             for kind in gate.RELEASED if kind != "html"}
    for path in sorted(built["html"].rglob("*")):
        rel = path.relative_to(built["html"]).as_posix()
        if path.is_file() and rel not in PDF_SOURCES:  # the PDFs' sources are not for readers
            files[f"{release.HTML_FOLDER}/{rel}"] = path.read_bytes()
    pdf = files[release.file_name("pdf", slug, version)]
    files[release.file_name("cover", slug, version)] = thumbnail(pdf, shown(brief.sources[0]))
    for kind, formatter in citation.FORMATS.items():
        files[release.file_name(kind, slug, version)] = formatter(brief.metadata, slug).encode("utf-8")
    return dict(sorted(files.items()))


def read_release(folder: Path) -> dict[str, bytes]:
    """The files of a published release, without manifest.json and SHA256SUMS."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in (release.MANIFEST, release.SUMS)}


def sha256sums(files: dict[str, bytes]) -> bytes:
    """``sha256sum -c SHA256SUMS`` checks the release folder."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                   for name, data in sorted(files.items())).encode("ascii")


def manifest(brief: Brief, files: dict[str, bytes], block_pages: list[dict],
             previous: dict | None, moved: list[dict]) -> dict:
    from pypdf import PdfReader

    meta, slug = brief.metadata, brief.slug
    pdf = files[release.file_name("pdf", slug, meta.version)]
    kinds = ["html", *(e for e in gate.RELEASED if e != "html"), "cover", *citation.FORMATS]
    return {
        "pressroom": __version__,
        "slug": slug,
        "version": meta.version,
        "metadata": {
            "title": meta.title, "subtitle": meta.subtitle, "series": meta.series,
            "number": meta.number, "date": meta.date.isoformat() if meta.date else None,
            "status": meta.status, "authors": list(meta.authors), "summary": meta.summary,
            "keywords": list(meta.keywords), "language": meta.language, "licence": meta.licence,
            "licence_url": meta.licence_url, "identifier": meta.identifier,
            "publisher": meta.publisher, "website": meta.website, "base_url": meta.base_url,
        },
        "source_revision": revision(brief.root) or None,
        "page_count": len(PdfReader(io.BytesIO(pdf)).pages),
        "formats": {kind: release.file_name(kind, slug, meta.version) for kind in kinds},
        "files": [{"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                   "media_type": mimetypes.guess_type(name)[0] or "application/octet-stream"}
                  for name, data in files.items()],
        "pages": block_pages,
        "page_changes": {"since": previous["version"] if previous else None, "moved": moved},
    }


def write_release(folder: Path, files: dict[str, bytes]) -> None:
    """Stage every file beside ``folder`` (writers.stage_tree), then rename it into place."""
    from pressroom.execution import writers

    tmp = writers.stage_tree(folder, files)
    try:
        os.rename(tmp, folder)  # fails if the folder appeared meanwhile: nothing is replaced
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if folder.exists():
            raise PublishError(Problem("R604", f"{folder} was published meanwhile",
                                       "publish again to compare", str(folder))) from exc
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def publish(project: Project, target: str, dist: Path) -> Release:
    """Gate, build and release ``target`` into ``dist``; regenerate the catalogue."""
    brief = gate.check(project, target)
    slug, version = brief.slug, brief.metadata.version
    files = release_files(brief, project)
    folder = release.folder(dist, slug, version)
    if folder.exists():
        existing = read_release(folder)
        changed = sorted(n for n in existing.keys() | files.keys() if existing.get(n) != files.get(n))
        if not changed:
            return Release(slug, version, folder, "unchanged")
        listed = ", ".join(changed[:4]) + (f" and {len(changed) - 4} more" if len(changed) > 4 else "")
        raise PublishError(Problem(
            "R604", f"version {version} is already published in {folder} and would change ({listed})",
            "a published version never changes: give the brief a new version (e.g. version: "
            f"\"{_next(version)}\")", shown(brief.sources[0])))
    previous = release.previous(dist, slug, version)
    block_pages = stability.block_pages(brief, files[release.file_name("pdf", slug, version)], project.root)
    moved = stability.moved(previous["pages"], block_pages) if previous else []
    data = manifest(brief, files, block_pages, previous, moved)
    files[release.MANIFEST] = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    files[release.SUMS] = sha256sums(files)
    write_release(folder, files)
    catalogue.write(project, dist)
    return Release(slug, version, folder, "published", data["page_changes"]["since"], moved,
                   data["files"])


def _next(version: str) -> str:
    head, _, last = version.rpartition(".")
    return f"{head}.{int(last) + 1}" if last.isdigit() and head else f"{version}.1"

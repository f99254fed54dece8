"""Citations generated from the metadata (one formatter per style)."""

from __future__ import annotations

from .model import Metadata


def suggested(meta: Metadata) -> str:
    """The suggested citation printed on the back page."""
    year = f" ({meta.date.year})" if meta.date else ""
    title = meta.title + (f": {meta.subtitle}" if meta.subtitle else "")
    parts = [f"{', '.join(meta.authors) or meta.publisher}{year}. {title}."]
    if meta.series_label:
        parts.append(f"{meta.series_label}.")
    if meta.publisher:
        parts.append(f"{meta.publisher}.")
    if meta.identifier:
        parts.append(meta.identifier + ".")
    return " ".join(parts)

"""Page stability: on which PDF page each heading and paragraph starts, and what moved.

Readers cite page numbers, so a new version of a brief reports every heading
and paragraph that now starts on a different page than in the previous one.

The PDF's text (pypdf, normalised as the verifier does: letters and digits,
case-folded) is aligned with the model's blocks in reading order: running heads,
folios and footnotes are cut out first, keeping for every remaining character the
page it came from; each block is then found from where the previous one ended.
A block is identified across versions by its kind and normalised text, so an
edited paragraph is a new paragraph, not a moved one.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pressroom.checks import verify
from pressroom.model import Brief

KINDS = ("heading", "paragraph")
NEEDLE = 80  # a block is found by its first characters: where it starts is what matters


def _stream(brief: Brief, pdf: bytes) -> tuple[str, list[int]]:
    """The body text of the PDF and, for each of its characters, the page (1-based) it is on."""
    pages = verify._strip_furniture(brief, verify.pdf_pages(pdf))
    text = "".join(pages)
    where = [number for number, page in enumerate(pages, start=1) for _ in page]
    cursor = 0
    for note in verify.note_blocks(brief):  # notes float to the page foot: cut them out
        needle = verify.normalise(note.text)
        found = text.find(needle, cursor) if needle else -1
        if found >= 0:
            text = text[:found] + text[found + len(needle):]
            del where[found:found + len(needle)]
            cursor = found
    return text, where


def _source(path: str, line: int, root: Path | None) -> str:
    shown = Path(path)
    if root is not None:
        try:
            shown = Path(os.path.abspath(path)).relative_to(root.resolve())
        except ValueError:
            pass
    return f"{shown.as_posix()}:{line}"


def block_pages(brief: Brief, pdf: bytes, root: Path | None = None) -> list[dict]:
    """Every heading and paragraph of the brief with the page it starts on (None if not found)."""
    text, where = _stream(brief, pdf)
    seen: dict[str, int] = {}
    out, cursor = [], 0
    for section in brief.sections:
        for block in section.blocks:
            if block.kind not in KINDS:
                continue
            full = verify.normalise(block.text)
            if not full:
                continue
            digest = hashlib.sha256(f"{block.kind}|{full}".encode()).hexdigest()[:16]
            seen[digest] = seen.get(digest, 0) + 1
            key = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
            found = text.find(full[:NEEDLE], cursor)
            page = where[found] if found >= 0 else None
            if found >= 0:
                cursor = found + len(full[:NEEDLE])
            out.append({"key": key, "kind": block.kind, "text": verify._excerpt(block.text),
                        "source": _source(section.path, block.line, root), "page": page})
    return out


def moved(previous: list[dict], current: list[dict]) -> list[dict]:
    """Blocks of both versions that start on a different page now, in the current reading order."""
    before = {b["key"]: b["page"] for b in previous}
    return [{"kind": b["kind"], "text": b["text"], "source": b["source"],
             "from": before[b["key"]], "to": b["page"]}
            for b in current
            if b["key"] in before and b["page"] is not None and before[b["key"]] is not None
            and before[b["key"]] != b["page"]]


def describe(change: dict) -> str:
    """One line of the terminal report."""
    return (f"{change['source']}: {change['kind']} “{change['text']}” now starts on page "
            f"{change['to']} (was {change['from']})")

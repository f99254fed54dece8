"""A throwaway edition for tests/test_registry.py: the brief as plain text, with the page of
the screen PDF on which each section begins. It is registered by the test alone."""

import html
import re

from pressroom.editions import Made


def prepare(ctx, edition):
    return ctx.brief


def finish(brief, starts):
    lines = [brief.metadata.title, ""]
    for section in brief.sections:
        text = html.unescape(re.sub(r"<[^>]+>", " ", section.html))
        lines += [f"[{section.label}]", " ".join(text.split()), ""]
    lines.append(f"{len(starts)} pages in the screen PDF")
    return Made("\n".join(lines).encode("utf-8"))


def verify(brief, path, edition, epubcheck=False):
    from pressroom.errors import Problem

    text = path.read_text(encoding="utf-8")
    return [Problem("V501", f"section {s.label} is missing from {edition.label}", "", str(path))
            for s in brief.sections if f"[{s.label}]" not in text]

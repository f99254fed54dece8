"""The words of the problems that both the loader and the lint of `invoke check` report: one
message and one hint per code, so the two can never say different things."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "P106": ("section '{name}' is listed but there is no such file", "create {path} or fix the name"),
    "C303": ("image '{src}' has no alternative text",
             "describe it between the brackets: ![what it shows](...)"),
    "C304": ("footnote [^{label}] is referenced but not defined",
             "add a line '[^{label}]: text' or remove the reference"),
    "C305": ("footnote [^{label}] is defined but never referenced",
             "add [^{label}] where it belongs or remove it"),
    "C306": ("heading level jumps from {before} to {after}", "use {hashes} for this heading"),
    "C310": ("link '{href}' points to no heading or section of this brief; its text is kept",
             "link to #heading-id, a listed section file, or section.md#heading-id"),
}


def words(code: str, **fields) -> tuple[str, str]:
    """The message and hint of ``code``, filled in."""
    message, hint = MESSAGES[code]
    return message.format(**fields), hint.format(**fields)

"""The one Jinja environment: layouts/ only, StrictUndefined, autoescape everywhere.

Manuscript text never passes through Jinja as a template: it arrives as data,
already rendered to HTML by :mod:`pressroom.markdown` (which escapes it), and
metadata values are escaped by autoescape. ``{{ ... }}`` in a manuscript is
therefore printed as written.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2


@lru_cache(maxsize=8)
def environment(layouts_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(layouts_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    env.filters["longdate"] = longdate
    return env


def longdate(day) -> str:
    """16 November 2026 (English month names, whatever the machine's locale)."""
    months = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
    return f"{day.day} {months[day.month - 1]} {day.year}" if day else ""


def render(layouts_dir: Path, name: str, **context) -> str:
    return environment(layouts_dir).get_template(name).render(**context)

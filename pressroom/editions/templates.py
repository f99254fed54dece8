"""The one Jinja environment: layouts/ only, StrictUndefined, autoescape everywhere.

Manuscript text never passes through Jinja as a template: it arrives as data,
already rendered to HTML by :mod:`pressroom.manuscript.markdown` (which escapes it), and
metadata values are escaped by autoescape. ``{{ ... }}`` in a manuscript is
therefore printed as written.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
import jinja2.meta

from pressroom.errors import BuildError, Problem
from pressroom.execution import inputs
from pressroom.project import shown


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
    """Render a layout; a mistake in a layout is one line, ``layouts/x.html:12: ... [B406]``."""
    env = environment(layouts_dir)
    try:
        if inputs.active():
            inputs.note(*layout_files(env, layouts_dir, name))
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        path = exc.filename or str(layouts_dir / (exc.name or name))
        raise BuildError(Problem("B406", f"template syntax error: {exc.message}",
                                 "fix the tag on this line of the layout", shown(Path(path)),
                                 exc.lineno)) from exc
    except jinja2.TemplateError as exc:  # e.g. an undefined variable, at render time
        path, line = _failing_line(exc, layouts_dir, name)
        raise BuildError(Problem("B406", f"template error: {exc.message or exc}",
                                 "check the names this line of the layout uses", path, line)) from exc


def _failing_line(exc: Exception, layouts_dir: Path, name: str) -> tuple[str, int | None]:
    """The innermost layout line in a Jinja traceback (Jinja maps its frames to template lines)."""
    import traceback

    root = str(layouts_dir.resolve())
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and str(Path(frame.filename).resolve()).startswith(root):
            return shown(Path(frame.filename)), frame.lineno
    return shown(layouts_dir / name), None


def layout_files(env: jinja2.Environment, layouts_dir: Path, name: str) -> set[Path]:
    """The layout ``name`` and every layout it extends, includes or imports, transitively.

    A reference Jinja cannot resolve statically (a name computed at render time)
    makes every file of layouts/ count, so the build cache never misses one.
    """
    found: set[Path] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        path = layouts_dir / current
        if path in found:
            continue
        found.add(path)
        source, filename, _ = env.loader.get_source(env, current)
        refs = _references(env, source, current, filename)
        if None in refs:
            return {p for p in layouts_dir.rglob("*") if p.is_file()}
        todo += refs
    return found


@lru_cache(maxsize=256)
def _references(env: jinja2.Environment, source: str, name: str, filename: str) -> tuple:
    """The layouts one layout's source refers to (parsed once per text: every edition of every
    brief renders the same layouts, and parsing them is most of what rendering them costs)."""
    return tuple(jinja2.meta.find_referenced_templates(env.parse(source, name, filename)))

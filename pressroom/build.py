"""The pipeline in one page: load -> validate -> render -> write.

    briefs = manuscript.load(project, target)          # read all, check all, raise once
    for brief in briefs:
        outputs = render(brief, project, formats)      # model -> bytes, in memory
        write(project.build_dir, brief, outputs)       # atomic; nothing half-written

Nothing touches build/ until every edition of a brief has rendered.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import manuscript, pages, writers
from .editions import EDITIONS
from .errors import BuildError, Problem, PressroomError
from .manuscript import Project
from .model import Brief
from .resources import Files


@dataclass
class Output:
    brief: str
    edition: str
    path: Path
    size: int
    seconds: float


@dataclass
class Result:
    outputs: list[Output] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def output_paths(build_dir: Path, slug: str) -> dict[str, Path]:
    return {"pdf": build_dir / f"{slug}.pdf", "epub": build_dir / f"{slug}.epub",
            "html": build_dir / slug}


def render(brief: Brief, project: Project, formats=EDITIONS) -> dict[str, bytes | Files]:
    """Every requested edition of a brief, in memory. The HTML tree comes first: the PDF is laid
    out from it, and the reading editions carry the laid-out PDF's page numbers."""
    from .editions import epub, html, pdf

    tree = _rendering(brief, "HTML", lambda: html.tree(brief, project))
    base = (project.build_dir / brief.slug).resolve().as_uri() + "/"
    document = pdf.layout(brief, tree, base)
    starts = _rendering(brief, "PDF", lambda: pages.starts(document))
    outputs: dict[str, bytes | Files] = {}
    if "html" in formats or "pdf" in formats:  # print.html beside the PDF reproduces it
        outputs["html"] = _rendering(brief, "HTML", lambda: html.paginate(brief, tree, starts))
    if "pdf" in formats:
        outputs["pdf"] = pdf.write(brief, document)
    if "epub" in formats:
        outputs["epub"] = _rendering(brief, "EPUB", lambda: epub.render(brief, project, starts))
    return outputs


def _rendering(brief: Brief, name: str, make):
    """Run one renderer; an unexpected failure becomes one line (--debug shows the traceback)."""
    try:
        return make()
    except PressroomError:
        raise
    except Exception as exc:
        why = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise BuildError(Problem("B401", f"the {name} edition could not be rendered: {why}",
                                 "run with --debug for details", str(brief.sources[0]))) from exc


def write(build_dir: Path, brief: Brief, outputs: dict) -> list[tuple[str, Path, int]]:
    """Write a brief's editions: all staged in full, then renamed into place together, while
    holding the build folder so that concurrent builds take turns."""
    paths = output_paths(build_dir, brief.slug)
    written = []
    batch = writers.Batch()
    with contextlib.ExitStack() as stack:
        writers.guarded(build_dir, lambda: stack.enter_context(writers.locked(build_dir)))
        stack.callback(batch.discard)
        for edition in ("html", "pdf", "epub"):
            if edition not in outputs:
                continue
            data, path = outputs[edition], paths[edition]
            if edition == "html":
                writers.guarded(path, lambda: batch.tree(path, data))
                size = sum(len(v) if isinstance(v, bytes) else v.stat().st_size for v in data.values())
            else:
                writers.guarded(path, lambda: batch.file(path, data))
                size = len(data)
            written.append((edition, path, size))
        writers.guarded(build_dir, batch.commit)
    return written


def build(project: Project, target: str | None = None, formats=EDITIONS, strict: bool = False,
          progress=None) -> Result:
    briefs, warnings = manuscript.load(project, target, strict=strict)
    result = Result(warnings=warnings)
    for brief in briefs:
        start = time.perf_counter()
        outputs = render(brief, project, formats)
        seconds = time.perf_counter() - start
        for edition, path, size in write(project.build_dir, brief, outputs):
            output = Output(brief.slug, edition, path, size, seconds)
            result.outputs.append(output)
            if progress:
                progress(output)
    return result

"""The pipeline in one page: plan -> load -> validate -> render -> write -> record.

    plan = manifest.plan(locations, formats, options)    # hash inputs; parse nothing
    for location, editions in plan.stale (several at once: threads, a PDF worker per core):
        brief = manuscript.load(project, location)       # read all, check all, raise once
        outputs = render(brief, project, editions)       # model -> bytes, in memory
        write(project.build_dir, brief, outputs)         # atomic; nothing half-written
    manifest.save()                                      # after the outputs, atomically

Nothing touches build/ until every edition of a brief has rendered. An
edition whose inputs are unchanged is skipped (see :mod:`pressroom.cache`).
A broken brief does not stop the others; its problems are raised once, at the
end, with those of every other broken brief.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from typing import TYPE_CHECKING

from . import cache, inputs, worker
from .editions import EDITIONS
from .errors import BuildError, ManuscriptError, PressroomError, Problem
from .project import Project, resolve_targets

if TYPE_CHECKING:  # a rebuild with nothing to do imports only what plans it
    from .model import Brief
    from .resources import Files


@dataclass
class Output:
    brief: str
    edition: str
    path: Path
    size: int
    seconds: float
    pages: int | None = None
    skipped: bool = False  # up to date: not made again


@dataclass
class BriefReport:
    """One brief of a build: what was made or skipped, its warnings, or why it failed."""

    location: Path
    slug: str = ""
    outputs: list[Output] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    failure: PressroomError | None = None
    manifest: dict = field(default_factory=dict)  # edition -> cache entry, for the parent to record

    @property
    def skipped(self) -> bool:
        return bool(self.outputs) and all(o.skipped for o in self.outputs)


@dataclass
class Result:
    outputs: list[Output] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    briefs: list[BriefReport] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the whole build (briefs run in parallel)

    @property
    def rendered(self) -> list[Output]:
        return [o for o in self.outputs if not o.skipped]


def output_paths(build_dir: Path, slug: str) -> dict[str, Path]:
    """Where each output goes; ``pdf-print`` is the PDF of the print profile."""
    return {"pdf": build_dir / f"{slug}.pdf", "pdf-print": build_dir / f"{slug}-print.pdf",
            "epub": build_dir / f"{slug}.epub", "html": build_dir / slug}


def editions(formats, profiles=("screen",)) -> tuple[str, ...]:
    """The outputs to make: ``pdf`` is one PDF per profile (``pdf`` on screen, ``pdf-print``)."""
    out: list[str] = []
    for edition in formats:
        if edition == "pdf":
            out += ["pdf" if profile == "screen" else f"pdf-{profile}" for profile in profiles]
        else:
            out.append(edition)
    return tuple(dict.fromkeys(out))


def render(brief: Brief, project: Project, formats=EDITIONS,
           used: dict[str, set[Path]] | None = None,
           stats: dict | None = None) -> dict[str, bytes | Files]:
    """Every requested edition of a brief, in memory. The HTML tree comes first: the PDF is laid
    out from it (in the PDF worker, when the build runs one), and the reading editions carry the
    laid-out PDF's page numbers; they are made while the PDFs are written.

    ``used``, if given, receives for each edition the files it was made from. Every edition
    depends on the HTML tree (through the page numbers); the EPUB also on its own layouts.
    ``stats``, if given, receives each PDF's number of pages (``{"pdf": 5, ...}``).
    """
    from .editions import epub, html, pdf

    used = {} if used is None else used
    with inputs.recording() as files:
        tree = html.tree(brief, project)  # with the page of every PDF profile
    common = files | {*brief.sources, *(i.source for i in brief.images)}
    if project.house_file.is_file():
        common.add(project.house_file)
    base = pdf.tree_url(brief.slug)
    stats = {} if stats is None else stats
    outputs: dict[str, bytes | Files] = {}
    with worker.leased() as job:  # one worker of the pool, when several briefs are built at once
        screen = job(pdf.submit(brief, tree, base, pdf="pdf" in formats))
        if "epub" in formats:  # all but the page numbers, while the PDF is laid out
            with inputs.recording() as files:
                prepared = _rendering(brief, "EPUB", lambda: epub.prepare(brief, project, tree))
            used["epub"] = files
        web, book, fonts = tree, prepared.docs if "epub" in formats else None, set()
        if "html" in formats:  # its fonts subset while the PDF is laid out from the whole ones
            with inputs.recording() as fonts:  # the EPUB's layouts count for its characters
                web = _rendering(brief, "HTML", lambda: html.lean(brief, project, tree, book))
        starts = _rendering(brief, "PDF", screen.starts)
        stats["pdf"] = screen.page_count
        press = job(pdf.submit(brief, tree, base, profile="print")) if "pdf-print" in formats else None
        if {"html", "pdf", "pdf-print"} & set(formats):  # print.html beside the PDF reproduces it
            outputs["html"] = _rendering(brief, "HTML", lambda: html.paginate(brief, web, starts))
            used["pdf"] = used["pdf-print"] = common
            used["html"] = common | fonts
        if "epub" in formats:
            with inputs.recording() as files:
                outputs["epub"] = _rendering(brief, "EPUB", lambda: epub.finish(prepared, starts))
            used["epub"] = common | used["epub"] | files
        if "pdf" in formats:
            outputs["pdf"] = screen.pdf()
        if press is not None:  # the same pages, finished for the press
            press.starts()
            stats["pdf-print"] = press.page_count
            outputs["pdf-print"] = press.pdf()
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
    from . import writers

    paths = output_paths(build_dir, brief.slug)
    written = []
    batch = writers.Batch()
    with contextlib.ExitStack() as stack:
        writers.guarded(build_dir, lambda: stack.enter_context(writers.locked(build_dir)))
        stack.callback(batch.discard)
        for edition in ("html", "pdf", "pdf-print", "epub"):
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
        if {"epub", "html"} & set(outputs):
            from . import fontsubset

            fontsubset.flush(build_dir)  # the subsets made for them, kept for the next build
    return written


def build_brief(project: Project, location: Path, formats, strict: bool = False,
                options: dict | None = None, planned: dict | None = None) -> BriefReport:
    """Load, render and write one brief; problems are returned, not raised (it may run in a worker)."""
    from . import manuscript

    start = time.perf_counter()
    report = BriefReport(location)
    try:
        briefs, report.warnings = manuscript.load(project, str(location), strict=strict)
        brief = briefs[0]
        if (options or {}).get("paper"):  # `--paper` overrides house.yaml and brief.yaml
            brief = replace(brief, metadata=replace(brief.metadata, paper=options["paper"]))
        report.slug = brief.slug
        used: dict[str, set[Path]] = {}
        stats: dict = {}
        outputs = render(brief, project, formats, used, stats)
        written = write(project.build_dir, brief, {e: outputs[e] for e in formats})
    except PressroomError as error:
        report.failure = error
        return report
    report.seconds = time.perf_counter() - start
    for edition, path, size in written:
        pages = stats[edition] if edition.startswith("pdf") else None
        report.outputs.append(Output(brief.slug, edition, path, size, report.seconds, pages))
        report.manifest[edition] = cache.entry(location, edition, options, used[edition], path,
                                               planned or {}, size=size, pages=pages)
    return report


def skipped(location: Path, editions, manifest: cache.Manifest) -> BriefReport:
    """The report of a brief whose editions are all up to date: read from the manifest."""
    brief = manifest.entry(location)
    report = BriefReport(location, slug=brief["slug"], warnings=cache.stored_warnings(brief))
    for edition in editions:
        e = brief["editions"][edition]
        report.outputs.append(Output(brief["slug"], edition, Path(e["output"]), e["size"], 0.0,
                                     e.get("pages"), skipped=True))
    return report


def build(project: Project, target: str | None = None, formats=EDITIONS, strict: bool = False,
          progress=None, force: bool = False, options: dict | None = None,
          jobs: int | None = None) -> Result:
    """Build every brief (or ``target``), skipping editions that are up to date; ``progress``
    is called with each :class:`BriefReport` as it finishes."""
    start = time.perf_counter()
    locations = [location.resolve() for location in resolve_targets(project, target)]
    manifest = cache.Manifest(project.build_dir)
    plan = manifest.plan(locations, formats, options, force=force, strict=strict)
    reports = {loc: skipped(loc, plan.fresh[loc], manifest)
               for loc in locations if loc not in plan.stale}
    for report in reports.values():
        if progress:
            progress(report)
    if plan.stale:
        from . import writers

        writers.sweep(project.build_dir)
    else:
        worker.stop()  # nothing to render: a worker started early by the command line goes
    for report in run(project, plan, strict, options, jobs):
        if plan.fresh.get(report.location) and not report.failure:
            report.outputs += skipped(report.location, plan.fresh[report.location], manifest).outputs
        reports[report.location] = report
        if progress:
            progress(report)
        if not report.failure:
            manifest.record(report.location, report.slug, report.warnings, report.manifest)
    if plan.stale or manifest.revisions_changed():
        manifest.save()
    result = Result(briefs=[reports[loc] for loc in locations], seconds=time.perf_counter() - start)
    for report in result.briefs:
        result.outputs += report.outputs
        result.warnings += report.warnings
    failures = [r.failure for r in result.briefs if r.failure]
    if failures:
        kind = ManuscriptError if any(isinstance(f, ManuscriptError) for f in failures) else BuildError
        error = kind(list(dict.fromkeys(p for f in failures for p in f.problems)))
        error.result = result  # what was built all the same, for the summary table
        raise error
    return result


def run(project: Project, plan: cache.Plan, strict: bool, options: dict | None, jobs: int | None):
    """Build the stale briefs, several at once when there are several cores; yield each report.

    Several at once: this process reads and renders the briefs to HTML and EPUB in threads, and
    a :class:`worker.Pool` of one PDF worker per core lays them out and writes their PDFs. The
    first worker imports WeasyPrint while this process reads the first briefs, then forks the
    others. With ``PRESSROOM_WORKER=0``, a pool of forked processes builds each brief whole.
    """
    work = list(plan.stale.items())
    if not work:
        return
    jobs = min(jobs or os.cpu_count() or 1, len(work))
    if jobs <= 1:
        with worker.started():  # imports WeasyPrint while the first brief is read
            for location, editions in work:
                yield build_brief(project, location, editions, strict, options, plan.digests)
        worker.stop()  # one the command line started early
        return
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

    if worker.pooled():
        with worker.Pool(jobs) as pool:
            # one thread more than workers: a brief is read while the others are laid out
            threads = ThreadPoolExecutor(max_workers=jobs + 1, initializer=pool.join)
            try:
                futures = [threads.submit(build_brief, project, location, editions, strict, options,
                                          plan.digests) for location, editions in work]
                for future in as_completed(futures):
                    yield future.result()
            finally:  # interrupted: no new brief starts; the workers stop with the pool
                threads.shutdown(wait=False, cancel_futures=True)
        threads.shutdown()
        return
    worker.stop()  # a worker started early by the command line: the pool's processes render

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(build_brief, project, location, editions, strict, options,
                               plan.digests) for location, editions in work]
        for future in as_completed(futures):
            yield future.result()

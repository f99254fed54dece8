"""The pipeline in one page: plan -> load -> validate -> render -> write -> record.

    plan = manifest.plan(locations, formats, options)    # hash inputs; parse nothing
    for location, editions in plan.stale (several at once: threads, a PDF worker per core):
        brief = manuscript.load(project, location)       # read all, check all, raise once
        outputs = render(brief, project, editions)       # model -> bytes, in memory
        write(project.build_dir, brief, outputs)         # atomic; nothing half-written
    manifest.save()                                      # after the outputs, atomically

Nothing touches build/ until every edition of a brief has rendered. An
edition whose inputs are unchanged is skipped (see :mod:`pressroom.execution.cache`).
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

from pressroom import editions
from pressroom.errors import BuildError, ManuscriptError, PressroomError, Problem
from pressroom.execution import cache, inputs, scheduler
from pressroom.project import Project, resolve_targets

if TYPE_CHECKING:  # a rebuild with nothing to do imports only what plans it
    from pressroom.editions.resources import Files
    from pressroom.model import Brief


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
    """Where each edition goes (see the registry, :mod:`pressroom.editions`)."""
    return editions.output_paths(build_dir, slug)


class Rendered(dict):
    """The outputs of a brief by edition name (bytes, or a folder's files), with ``used``: the
    files each was made from (for the build cache), and ``pages``: each PDF's number of pages."""

    def __init__(self):
        super().__init__()
        self.used: dict[str, set[Path]] = {}
        self.pages: dict[str, int] = {}
        self.warnings: list[Problem] = []  # WeasyPrint's, about the project's and brief's files


@dataclass
class Context:
    """What an edition's ``prepare`` is given: the brief, the project, the edition tree (the
    HTML edition, with the page of every PDF profile) and the layouts submitted so far."""

    brief: Brief
    project: Project
    tree: Files
    base: str  # the address the tree is laid out at
    jobs: object  # the scheduler's lease: every job submitted is read or discarded
    chosen: tuple[str, ...]
    layouts: dict = field(default_factory=dict)
    prepared: dict = field(default_factory=dict)  # the editions prepared so far, by name

    def layout(self, profile: str, pdf: bool = True):
        """The layout of a PDF profile's page, submitted once (to the scheduler)."""
        if profile not in self.layouts:
            self.layouts[profile] = self.jobs(scheduler.submit(self.brief, self.tree, self.base,
                                                               pdf=pdf, profile=profile))
        return self.layouts[profile]

    def views(self, but: str) -> list:
        """What the fonts of every reading edition but ``but`` must draw (each edition module with
        a ``fonts_view``): one subset per face serves them all, so an edition's bytes do not
        depend on which editions a build makes."""
        return [edition.renderer().fonts_view(self) for edition in editions.REGISTRY.values()
                if edition.name != but and hasattr(edition.renderer(), "fonts_view")]


def render(brief: Brief, project: Project, names=None, shown=None) -> Rendered:
    """Every chosen edition of a brief, in memory, in the registry's two phases:

        tree = html.tree(brief)                   # the HTML edition; every PDF is laid out from it
        screen = layout(tree, "screen")           # submitted first: it numbers every edition's pages
        prepared = edition.prepare(...)           # each edition, while the PDF is laid out
        made = edition.finish(prepared, starts)   # the reading editions, then the PDFs

    ``names`` are edition names (default: every edition, screen profile); an edition's ``needs``
    are made with it (a PDF's ``print.html`` is written beside it). ``shown(name, made)`` is
    called as each edition is finished (the preview shows the HTML before the PDF is written).
    ``warnings`` of the result are WeasyPrint's about the project's and brief's files, as Problems
    (each once: the profiles read the same stylesheets).
    """
    from pressroom.editions import html

    names = editions.chosen() if names is None else tuple(names)
    wanted = {*names, *(need for name in names for need in editions.REGISTRY[name].needs)}
    chosen = [e for e in editions.REGISTRY.values() if e.name in wanted]
    with inputs.recording() as files:
        tree = html.tree(brief, project)  # with the page of every PDF profile
    common = files | {*brief.sources, *(i.source for i in brief.images), *brief.inputs}
    if project.house_file.is_file():
        common.add(project.house_file)
    from pressroom.editions.pdf import tree_url

    rendered = Rendered()
    with scheduler.leased() as jobs:  # one worker of the pool, when several briefs are built at once
        context = Context(brief, project, tree, tree_url(brief.slug), jobs, names)
        numbering = _rendering(brief, "screen PDF", lambda: context.layout(
            "screen", pdf=any(editions.REGISTRY[n].profile == "screen" for n in names)))
        prepared = {}
        for edition in chosen:
            with inputs.recording() as files:
                prepared[edition.name] = context.prepared[edition.name] = _rendering(
                    brief, edition.label, lambda e=edition: e.renderer().prepare(context, e))
            rendered.used[edition.name] = files
        starts = _rendering(brief, "screen PDF", numbering.starts)
        rendered.pages["pdf"] = numbering.page_count
        for edition in sorted(chosen, key=lambda e: bool(e.profile)):  # the PDFs last: being written
            with inputs.recording() as files:
                made = _rendering(brief, edition.label,
                                  lambda e=edition: e.renderer().finish(prepared[e.name], starts))
            rendered[edition.name] = made.data
            rendered.used[edition.name] = common | rendered.used[edition.name] | files
            if made.pages is not None:
                rendered.pages[edition.name] = made.pages
            if shown is not None:
                shown(edition.name, made)
    rendered.warnings = list(dict.fromkeys(w for job in context.layouts.values() for w in job.warnings))
    return rendered


def _rendering(brief: Brief, name: str, make):
    """Run one renderer; an unexpected failure becomes one line (--debug shows the traceback)."""
    try:
        return make()
    except PressroomError:
        raise
    except Exception as exc:
        why = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise BuildError(Problem("B401", f"the {name} could not be rendered: {why}",
                                 "run with --debug for details", str(brief.sources[0]))) from exc


def write(build_dir: Path, brief: Brief, outputs: dict) -> list[tuple[str, Path, int]]:
    """Write a brief's editions: all staged in full, then renamed into place together, while
    holding the build folder so that concurrent builds take turns."""
    from pressroom.execution import writers

    written = []
    batch = writers.Batch()
    with contextlib.ExitStack() as stack:
        writers.guarded(build_dir, lambda: stack.enter_context(writers.locked(build_dir)))
        stack.callback(batch.discard)
        for edition in sorted((editions.REGISTRY[n] for n in outputs), key=lambda e: not e.folder):
            data, path = outputs[edition.name], edition.path(build_dir, brief.slug)
            if edition.folder:
                writers.guarded(path, lambda p=path, d=data: batch.tree(p, d))
                size = sum(len(v) if isinstance(v, bytes) else v.stat().st_size for v in data.values())
            else:
                writers.guarded(path, lambda p=path, d=data: batch.file(p, d))
                size = len(data)
            written.append((edition.name, path, size))
        writers.guarded(build_dir, batch.commit)
        from pressroom.editions import artefacts

        artefacts.flush(build_dir)  # the font subsets and cover images made, kept for the next build
    return written


def options_for(formats=(), profiles=(), paper: str | None = None) -> tuple[tuple[str, ...], dict | None]:
    """The editions and options of ``invoke build --format --profile --paper``, checked: an
    unknown name raises a :class:`UsageError` naming the choices."""
    from pressroom.errors import UsageError
    from pressroom.model import PAPERS

    names = editions.chosen(formats or None, profiles or ("screen",))
    if paper is not None and paper.lower() not in PAPERS:
        raise UsageError(Problem("U103", f"unknown paper {paper}", f"choose from {', '.join(PAPERS)}"))
    return names, ({"paper": paper.lower()} if paper else None)


def build_brief(project: Project, location: Path, formats, strict: bool = False,
                options: dict | None = None, planned: dict | None = None) -> BriefReport:
    """Load, render and write one brief; problems are returned, not raised (it may run in a worker)."""
    from pressroom import manuscript

    start = time.perf_counter()
    report = BriefReport(location)
    try:
        briefs, report.warnings = manuscript.load(project, str(location), strict=strict)
        brief = briefs[0]
        if (options or {}).get("paper"):  # `--paper` overrides house.yaml and brief.yaml
            brief = replace(brief, metadata=replace(brief.metadata, paper=options["paper"]))
        report.slug = brief.slug
        outputs = render(brief, project, formats)
        if strict and outputs.warnings:
            raise ManuscriptError(outputs.warnings)
        report.warnings += outputs.warnings
        written = write(project.build_dir, brief, {e: outputs[e] for e in formats})
    except PressroomError as error:
        report.failure = error
        return report
    report.seconds = time.perf_counter() - start
    for edition, path, size in written:
        pages = outputs.pages.get(edition) if editions.REGISTRY[edition].profile else None
        report.outputs.append(Output(brief.slug, edition, path, size, report.seconds, pages))
        report.manifest[edition] = cache.entry(location, edition, options, outputs.used[edition], path,
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


def build(project: Project, target: str | None = None, formats=None, strict: bool = False,
          progress=None, force: bool = False, options: dict | None = None,
          jobs: int | None = None) -> Result:
    """Build every brief (or ``target``), skipping editions that are up to date; ``progress``
    is called with each :class:`BriefReport` as it finishes."""
    start = time.perf_counter()
    formats = editions.chosen(formats)  # edition names; a --format name is its screen edition
    locations = [location.resolve() for location in resolve_targets(project, target)]
    manifest = cache.Manifest(project.build_dir)
    plan = manifest.plan(locations, formats, options, force=force, strict=strict)
    reports = {loc: skipped(loc, plan.fresh[loc], manifest)
               for loc in locations if loc not in plan.stale}
    for report in reports.values():
        if progress:
            progress(report)
    if plan.stale:
        from pressroom.execution import writers

        writers.sweep(project.build_dir)
    else:
        scheduler.stop()  # nothing to render: a worker started early by the command line goes
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
        # a failure with a cause (the PDF worker's traceback) keeps it for --debug
        raise error from next((f for f in failures if f.__cause__ is not None), None)
    return result


def run(project: Project, plan: cache.Plan, strict: bool, options: dict | None, jobs: int | None):
    """Build the stale briefs, several at once when there are several cores; yield each report.

    Several at once: this process reads and renders the briefs to HTML and EPUB in threads, and
    a pool of one PDF worker per core lays them out and writes their PDFs. The
    first worker imports WeasyPrint while this process reads the first briefs, then forks the
    others. With ``PRESSROOM_WORKER=0``, a pool of forked processes builds each brief whole.
    """
    work = list(plan.stale.items())
    if not work:
        return
    jobs = min(jobs or os.cpu_count() or 1, len(work))
    if jobs <= 1:
        with scheduler.started():  # imports WeasyPrint while the first brief is read
            for location, editions in work:
                yield build_brief(project, location, editions, strict, options, plan.digests)
        scheduler.stop()  # one the command line started early
        return
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

    if scheduler.pooled():
        with scheduler.pool(jobs) as pool:
            # one thread more than workers: a brief is read while the others are laid out
            threads = ThreadPoolExecutor(max_workers=jobs + 1, initializer=scheduler.join, initargs=(pool,))
            try:
                futures = [threads.submit(build_brief, project, location, editions, strict, options,
                                          plan.digests) for location, editions in work]
                for future in as_completed(futures):
                    yield future.result()
            finally:  # interrupted: no new brief starts; the workers stop with the pool
                threads.shutdown(wait=False, cancel_futures=True)
        threads.shutdown()
        return
    scheduler.stop()  # a worker started early by the command line: the pool's processes render

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(build_brief, project, location, editions, strict, options,
                               plan.digests) for location, editions in work]
        for future in as_completed(futures):
            yield future.result()

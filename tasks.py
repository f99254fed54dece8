"""Pressroom's tasks: each translates flags into one call of the library (see pressroom/build.py).

Only this file turns a PressroomError into an exit status; --debug shows the traceback.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

if "build" in sys.argv[1:]:  # Invoke is loading this file for a build: the PDF worker starts now
    from pressroom import worker

    worker.early()


def _project():
    """The project in this folder; PRESSROOM_BUILD_DIR, if set, is where outputs go."""
    import os

    from pressroom.project import Project

    build_dir = os.environ.get("PRESSROOM_BUILD_DIR")
    return Project(ROOT, Path(build_dir).resolve() if build_dir else None)


def _papers():
    from pressroom.model import PAPERS

    return PAPERS


def _formats(value: str | None):
    from pressroom.editions import EDITIONS

    if not value:
        return EDITIONS
    chosen = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    unknown = [f for f in chosen if f not in EDITIONS]
    if unknown:
        raise Exit(f"pressroom: unknown format {', '.join(unknown)}; choose from {', '.join(EDITIONS)}", 2)
    return chosen


def _terminate(signum, frame):
    raise KeyboardInterrupt  # unwinds through the writers, which remove their temporary files


def _run(call, debug: bool):
    """Call the library; every failure ends in one line per problem and an exit status."""
    import signal

    from pressroom.errors import PressroomError, Problem, exit_code

    signal.signal(signal.SIGTERM, _terminate)
    try:
        return call()
    except PressroomError as error:
        if debug:
            raise
        for problem in error.problems:
            print(problem, file=sys.stderr)
        raise Exit(code=exit_code(error)) from None
    except KeyboardInterrupt:
        if debug:
            raise
        print(Problem("B412", "interrupted", "the previous outputs are unchanged; build again"),
              file=sys.stderr)
        raise Exit(code=130) from None
    except (Exit, SystemExit):
        raise
    except BaseException as error:  # a bug or an exhausted machine: still one line
        if debug:
            raise
        why = " ".join(str(error).split())[:160]
        print(Problem("B413", f"internal error: {type(error).__name__}: {why}",
                      "run again with --debug and report the traceback"), file=sys.stderr)
        raise Exit(code=1) from None


def _warn(warnings):
    for warning in warnings:
        print(warning, file=sys.stderr)


@task(help={"brief": "a slug under source/, a brief folder, or a .md file (default: every brief)",
            "format": "editions to make, comma-separated: pdf,epub,html (default: all)",
            "strict": "fail on warnings too", "debug": "show tracebacks",
            "force": "rebuild every edition, even those whose inputs are unchanged",
            "jobs": "briefs built at once (default: one per core)",
            "profile": "PDF profiles, comma-separated: screen (build/<slug>.pdf, the default), "
                       "print (build/<slug>-print.pdf: CMYK, 3 mm bleed, crop marks)",
            "paper": "a4 or letter: overrides the paper of house.yaml and brief.yaml"})
def build(c, brief=None, format=None, strict=False, debug=False, force=False, jobs=0,
          profile="screen", paper=None):
    """Build the PDF, EPUB and HTML editions of every brief (or one) into build/; unchanged ones are skipped."""
    from pressroom import worker
    from pressroom.build import build as run_build
    from pressroom.build import editions
    from pressroom.editions import PAGES as PROFILES
    from pressroom.errors import PressroomError
    from pressroom.report import progress_line, table

    worker.allow()  # a second interpreter imports WeasyPrint while the sources are read
    profiles = tuple(dict.fromkeys(p.strip().lower() for p in profile.split(",") if p.strip()))
    unknown = [p for p in profiles if p not in PROFILES]
    if unknown or not profiles:
        raise Exit(f"pressroom: unknown profile {', '.join(unknown)}; choose from {', '.join(PROFILES)}", 2)
    if paper is not None and paper.lower() not in _papers():
        raise Exit(f"pressroom: unknown paper {paper}; choose from {', '.join(_papers())}", 2)
    options = {"paper": paper.lower()} if paper else None

    def run():
        try:
            return run_build(_project(), brief, editions(_formats(format), profiles), strict,
                             lambda report: print(progress_line(report), flush=True),
                             force=force, options=options, jobs=jobs or None)
        except PressroomError as error:
            if getattr(error, "result", None) and len(error.result.briefs) > 1:
                print(table(error.result))  # the briefs that did build, before the problems
            raise

    result = _run(run, debug)
    print(table(result))
    _warn(result.warnings)


@task(help={"brief": "a slug, folder or .md file (default: every brief)",
            "format": "editions to verify (default: those in build/)", "debug": "show tracebacks",
            "strict": "fail on warnings of the manuscript too",
            "epubcheck": "also run EPUBCheck on the EPUB (default: on)",
            "verapdf": "also run veraPDF (PDF/UA-1, PDF/A-2a) on the screen PDFs (default: on)",
            "accessibility": "also check page numbers, the PDF's tags, Ace by DAISY and axe-core"})
def check(c, brief=None, format=None, strict=False, epubcheck=True, accessibility=False, debug=False,
          verapdf=True):
    """Lint the manuscript (file:line:col: CODE message), then verify the outputs that exist."""
    from pressroom import lint, manuscript, verify
    from pressroom import verapdf as vera
    from pressroom.build import output_paths
    from pressroom.errors import VerificationError

    def run():
        project = _project()
        findings = lint.lint(project, brief)
        for finding in findings:
            print(lint.format_problem(finding), file=sys.stderr)
        errors = [f for f in findings if f.severity == "error" or strict]
        if errors:
            raise Exit(f"{len(errors)} problem(s) in the manuscript; nothing verified", 2)
        briefs, _ = manuscript.load(project, brief)
        problems, screen = [], []
        for item in briefs:
            paths = output_paths(project.build_dir, item.slug)
            chosen = _formats(format) if format else tuple(e for e in paths if paths[e].exists())
            screen += [item] if verapdf and "pdf" in chosen else []
            if not chosen and not accessibility:
                print(f"{item.slug}: manuscript checked; no outputs to verify (invoke build makes them)")
                continue
            found = verify.verify_outputs(item, project.build_dir, epubcheck, chosen) if chosen else []
            if accessibility:
                from pressroom import accessibility as a11y

                more, report = a11y.check_outputs(item, project.build_dir)
                for line in report:
                    print(f"{item.slug}: {line}")
                found += more
            problems += found
            if not found and chosen:
                print(f"{item.slug}: manuscript checked; every section, heading and note is in "
                      f"the {', '.join(sorted(chosen))} edition(s)")
        validated = vera.check_builds(screen, project.build_dir)  # one veraPDF for every PDF
        if screen and not validated:
            print(f"veraPDF {vera.VERSION}: {len(screen)} screen PDF(s), 0 failed rules of "
                  "PDF/UA-1 and PDF/A-2a")
        problems += validated
        for warning in [p for p in problems if p.severity == "warning" and not strict]:
            print(warning, file=sys.stderr)
        problems = [p for p in problems if p.severity == "error" or strict]
        if problems:
            raise VerificationError(problems)

    _run(run, debug)


@task(help={"quick": "the first brief only, 3 runs (a smoke run, not a measurement)",
            "runs": "runs of each measure (default 5, 3 for ×200; medians are reported)",
            "sizes": "comma-separated multiples of the first brief (default 1,40,200)",
            "readme": "also write the table into the README's performance section"})
def bench(c, quick=False, runs=0, sizes=None, readme=False):
    """Measure builds against WeasyPrint's own render of the same print.html; write build/bench/bench.json."""
    from pressroom import bench as benchmark

    chosen = [int(s) for s in sizes.split(",")] if sizes else None
    try:
        benchmark.run(_project().build_dir, quick=quick, runs=runs or None, sizes=chosen,
                      readme=ROOT / "README.md" if readme else None,
                      say=lambda line: print(line, flush=True))
    except benchmark.BenchError as error:
        raise Exit(f"bench: {error}", 1) from None


@task(help={"brief": "the slug of the brief to publish (or its folder or .md file)",
            "dist": "where releases go (default: dist/)", "debug": "show tracebacks"})
def publish(c, brief, dist=None, debug=False):
    """Release a final brief into dist/<slug>/<version>/ and regenerate the catalogue."""
    from pressroom import stability
    from pressroom.publish import publish as run_publish

    target = Path(dist).resolve() if dist else ROOT / "dist"
    done = _run(lambda: run_publish(_project(), brief, target), debug)
    where = done.folder.relative_to(ROOT) if done.folder.is_relative_to(ROOT) else done.folder
    if done.state == "unchanged":
        print(f"{done.slug} {done.version}: already published, unchanged ({where}/)")
        return
    size = sum(f["size"] for f in done.files)
    print(f"{done.slug} {done.version}: published {where}/ ({len(done.files)} files, "
          f"{size / 1048576:,.1f} MiB; checked by SHA256SUMS)")
    if done.previous:
        print(f"page changes since {done.previous}: {len(done.moved) or 'none'}")
        for change in done.moved:
            print("  " + stability.describe(change))
    shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    print(f"catalogue: {shown / 'index.html'}, {shown / 'feed.xml'}")


@task(help={"brief": "a slug under source/ (default: the first brief)",
            "dpi": "resolution of the page images (default 60)"})
def thumbnails(c, brief=None, dpi=60):
    """Render the cover and the first interior page of a brief's PDF to docs/*.png (for the README)."""
    from pressroom.build import build as run_build

    if not shutil.which("pdftoppm"):
        raise Exit("pressroom: pdftoppm is missing; install poppler-utils (scripts/bootstrap does)", 1)
    project = _project()
    if brief is None:
        brief = sorted(p.name for p in project.source_dir.iterdir() if (p / "brief.yaml").is_file())[0]
    result = _run(lambda: run_build(project, brief, ("pdf",)), False)
    pdf = next(o.path for o in result.outputs if o.edition == "pdf")
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    for page, name in ((1, "cover"), (2, "page-2")):
        target = docs / f"{brief}-{name}"
        c.run(f"pdftoppm -png -r {int(dpi)} -f {page} -l {page} -singlefile {pdf} {target}")
        print(f"{target.relative_to(ROOT)}.png")


@task(help={"brief": "a slug under source/, a folder or a .md file (default: the first brief)",
            "port": "port on 127.0.0.1 (default 8000; 0 picks a free one)", "debug": "show tracebacks"})
def preview(c, brief=None, port=8000, debug=False):
    """Serve a live preview of one brief (HTML and PDF) that rebuilds on every save; Ctrl-C stops it."""
    from pressroom.preview import serve

    _run(lambda: serve(_project(), brief, int(port)), debug)


@task(help={"title": "the brief's title", "slug": "its folder under source/ (default: from the title)",
            "debug": "show tracebacks"})
def new(c, title, slug=None, debug=False):
    """Scaffold source/<slug>/: brief.yaml with every field documented and a first section."""
    from pressroom.scaffold import new_brief

    folder = _run(lambda: new_brief(_project(), title, slug), debug)
    shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    print(f"created {shown}/ (brief.yaml, 01-introduction.md); "
          f"build it with: invoke build --brief {folder.name}")


@task
def clean(c):
    """Remove build/ (every generated output)."""
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    print("removed build/")


@task(help={"k": "only tests matching this expression", "x": "stop at the first failure"})
def test(c, k=None, x=False):
    """Run the whole test suite (pytest), with the interpreter Invoke runs in (the venv's)."""
    import shlex

    args = [sys.executable, "-m", "pytest", "-q"]
    if k:
        args += ["-k", k]
    if x:
        args.append("-x")
    c.run(shlex.join(args), pty=False)

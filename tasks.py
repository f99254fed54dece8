"""Pressroom's tasks: each translates flags into one call of the library (see pressroom/build.py).

Only this file turns a PressroomError into an exit status; --debug shows the traceback.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from invoke import Exit, Task
from invoke import task as _invoke_task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

#: One meaning per short flag across every task (-d is --debug everywhere); every other option
#: has its long name only, so that no short flag means one thing here and another there.
SHORT_FLAGS = {"brief": "b", "debug": "d", "format": "f", "strict": "s", "jobs": "j", "profile": "p",
               "accessibility": "a", "check": "c", "title": "t", "quick": "q", "runs": "r"}


class _Task(Task):
    def arg_opts(self, name, default, taken_names):
        opts = super().arg_opts(name, default, taken_names)
        short = SHORT_FLAGS.get(name)
        opts["names"] = opts["names"][:1] + ([short] if short and short not in taken_names else [])
        return opts


def task(*args, **kwargs):
    return _invoke_task(*args, klass=_Task, **kwargs)

if "build" in sys.argv[1:]:  # Invoke is loading this file for a build: the PDF worker starts now
    from pressroom.execution import scheduler

    scheduler.early()


def _project():
    """The project in this folder; PRESSROOM_BUILD_DIR, if set, is where outputs go."""
    import os

    from pressroom.project import Project

    build_dir = os.environ.get("PRESSROOM_BUILD_DIR")
    return Project(ROOT, Path(build_dir).resolve() if build_dir else None)


def _formats(value: str | None) -> tuple[str, ...]:
    """``--format pdf,epub`` as a tuple of names (the library checks them)."""
    return tuple(f.strip().lower() for f in (value or "").split(",") if f.strip())


def _terminate(signum, frame):
    raise KeyboardInterrupt  # unwinds through the writers, which remove their temporary files


def _run(call, debug: bool):
    """Call the library; every failure ends in one line per problem and an exit status."""
    import gc
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
    finally:
        # the command is done and the process ends with it: Python's last collections at exit
        # need not walk everything it made (0.05 s of a 1.2 s build); the OS frees it all. Not
        # where WeasyPrint ran (the preview, a build without its worker): its font configurations
        # remove their temporary folders when collected, which must happen before the modules go
        if "weasyprint" not in sys.modules:
            gc.freeze()


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
    from pressroom.build import build as run_build
    from pressroom.build import options_for
    from pressroom.errors import PressroomError
    from pressroom.execution import scheduler
    from pressroom.report import progress_line, table

    scheduler.allow()  # a second interpreter imports WeasyPrint while the sources are read

    def run():
        names, options = options_for(_formats(format), _formats(profile), paper)
        try:
            return run_build(_project(), brief, names, strict,
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
    from pressroom.checks import checking

    checked = _run(lambda: checking.check(_project(), brief, _formats(format), strict, epubcheck,
                                          accessibility, warn=lambda w: print(w, file=sys.stderr),
                                          verapdf=verapdf), debug)
    for line in checked.lines:
        print(line)


@task(help={"brief": "a slug, folder or .md file (default: every brief)",
            "check": "only list the changes; exit 1 if there are any", "debug": "show tracebacks"})
def fix(c, brief=None, check=False, debug=False):
    """Rewrite the sources' typography in place (quotes, dashes, ellipses, non-breaking spaces)."""
    from pressroom.manuscript.fix import fix as run_fix

    changes = _run(lambda: run_fix(_project(), brief, check=check), debug)
    for change in changes:
        print(change)
    verb = "to make" if check else "made"
    print(f"{len(changes)} typographic change(s) {verb}" if changes else "typography already clean")
    if check and changes:
        raise Exit(code=1)


@task(help={"quick": "the first brief only, 3 runs (a smoke run, not a measurement)",
            "runs": "runs of each measure (default 5, 3 for ×200; medians are reported)",
            "sizes": "comma-separated multiples of the first brief (default 1,40,200)",
            "readme": "also write the table into docs/performance.md"})
def bench(c, quick=False, runs=0, sizes=None, readme=False):
    """Measure builds against WeasyPrint's own render of the same print.html; write build/bench/bench.json."""
    from devtools import bench as benchmark

    chosen = [int(s) for s in sizes.split(",")] if sizes else None
    try:
        benchmark.run(_project().build_dir, quick=quick, runs=runs or None, sizes=chosen,
                      readme=ROOT / "docs" / "performance.md" if readme else None,
                      say=lambda line: print(line, flush=True))
    except benchmark.BenchError as error:
        raise Exit(f"bench: {error}", 1) from None


@task(help={"brief": "the slug of the brief to publish (or its folder or .md file)",
            "dist": "where releases go (default: dist/)", "debug": "show tracebacks"})
def publish(c, brief, dist=None, debug=False):
    """Release a final brief into dist/<slug>/<version>/ and regenerate the catalogue."""
    from pressroom.publishing import stability
    from pressroom.publishing.publish import publish as run_publish

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
    from pressroom.editions import leanpng

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
        before, after = leanpng.shrink(target.with_suffix(".png"))
        print(f"{target.relative_to(ROOT)}.png ({before / 1000:,.1f} kB from pdftoppm, {after / 1000:,.1f} kB)")


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
    from pressroom.manuscript.scaffold import new_brief

    folder = _run(lambda: new_brief(_project(), title, slug), debug)
    shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    print(f"created {shown}/ (brief.yaml, 01-introduction.md); "
          f"build it with: invoke build --brief {folder.name}")


@task(name="import", help={"manuscript": "the Word file (.docx) to import",
                           "slug": "its folder under source/ (default: from the title)",
                           "track_changes": "accept (default, as Pandoc does) or reject",
                           "debug": "show tracebacks"})
def import_(c, manuscript, slug=None, track_changes="accept", debug=False):
    """Import a Word .docx as source/<slug>/, a draft that builds at once; report what it lost."""
    from pressroom.manuscript.wordimport import import_docx

    done = _run(lambda: import_docx(_project(), Path(manuscript), slug, track_changes), debug)
    _warn(done.warnings)  # the report's lines among them (C705), as saved in IMPORT.txt
    shown = done.folder.relative_to(ROOT) if done.folder.is_relative_to(ROOT) else done.folder
    print(f"created {shown}/ ({len(done.report)} line(s) in IMPORT.txt); "
          f"build it with: invoke build --brief {done.folder.name}")


@task
def docs(c):
    """Write docs/editors.md, the editors' guide, from the problem codes (pressroom/errors.py CODES)."""
    from devtools import editorsdoc

    print(editorsdoc.write(ROOT).relative_to(ROOT))


@task(help={"debug": "show tracebacks"})
def clean(c, debug=False):
    """Remove build/ (every generated output; PRESSROOM_BUILD_DIR if set), once no build holds it."""
    from pressroom.execution.writers import remove_build_dir

    project = _project()
    _run(lambda: remove_build_dir(project.build_dir), debug)
    print(f"removed {project.build_dir.relative_to(ROOT) if project.build_dir.is_relative_to(ROOT) else project.build_dir}/")


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

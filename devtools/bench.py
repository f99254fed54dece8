"""`invoke bench`: what a build costs, against WeasyPrint's own render of the same print.html.

For the first brief scaled to 1, 40 and 200 times its sections (generated under
``build/bench/briefs/``), one run measures, round by round so that a busy machine slows
every measure alike:

* whole processes, as a user runs them: the full build (``invoke build``, every edition),
  the PDF, EPUB and HTML editions alone, the print profile's PDF alone, a rebuild with nothing
  changed, and the baseline,
  ``python -m weasyprint print.html out.pdf`` on the very ``print.html`` the build made;
  for the no-op's sake, the floor under any ``invoke`` command (``python -m invoke
  --version``: Python and Invoke start, no task runs); wall time, CPU time and peak memory,
  both as ``/usr/bin/time`` reports it (the largest resident set of any one process) and as
  the machine sees it (the resident sets of the whole process tree at once, sampled);
* inside one long-lived process: a rebuild after an edit (the preview's path), alternating
  with WeasyPrint rendering the same ``print.html`` (``HTML(...).write_pdf()``), both warm;
* the size of each brief's PDF, EPUB and HTML edition (``build/<slug>/``), and of the sample
  brief's, built once: the lean reading editions' targets (subset fonts, a 256-colour cover).

Medians with min-max and ratios to the baseline go to the terminal, to
``build/bench/bench.json`` and, with ``--readme``, to the README's performance section.
Timings are never asserted in tests; the targets below are checked here and reported.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from devtools.benchreport import SERIES, WARM, WHOLE, results, table, update_readme

ROOT = Path(__file__).resolve().parent.parent
FIRST = "azerbaijan-between-moscow-and-the-west"
SIZES = (1, 40, 200)
RUNS = 5  # at least 5: medians of 5 runs or more
RUNS_SMALL = 9  # ×1: a few seconds a round, and the noisiest on a shared machine
QUICK_SIZES, QUICK_RUNS = (1,), 3
TAGGED_UP_TO = 40  # the tagged reference up to this size (a reference, no target; ×200: +8 minutes)
SAMPLE_EVERY = 0.05  # seconds between two readings of a process tree's memory


SAMPLE = "sample-brief-corridors"  # its size targets: one build of it per run


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------- scaled briefs

def scaled_brief(times: int, briefs_dir: Path, source: Path | None = None) -> Path:
    """A copy of the first brief with its sections repeated ``times`` times (files renamed
    ``001-01-introduction.md``, ...); written again only when missing or out of date."""
    source = source or ROOT / "source" / FIRST
    folder = briefs_dir / f"{source.name}-x{times}"
    lines = (source / "brief.yaml").read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("sections:"))
    names = [line.strip()[2:].strip() for line in lines[at + 1:] if line.strip().startswith("- ")]
    files = {f"{i + 1:03d}-{name}": source / name for i in range(times) for name in names}
    header = "\n".join(lines[:at])
    yaml_text = f"{header}\nsections:\n" + "".join(f"  - {name}\n" for name in files)
    stamp = folder / ".made-from"
    signature = json.dumps([yaml_text, [(n, p.stat().st_mtime_ns) for n, p in files.items()]])
    if stamp.is_file() and stamp.read_text() == signature:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, path in files.items():
        shutil.copyfile(path, folder / name)
    for extra in ("images", "media"):
        if (source / extra).is_dir():
            shutil.copytree(source / extra, folder / extra)
    (folder / "brief.yaml").write_text(yaml_text, encoding="utf-8")
    stamp.write_text(signature)
    return folder


# --------------------------------------------------------------------------- running

#: Runs one measured command: a small interpreter (no ``site``) that forks and execs it, then
#: says its process id and, once it has ended, its wall seconds, exit status, peak resident KiB
#: and CPU seconds. Linux starts a forked process's peak at its parent's resident set, so a
#: command started by the bench itself would carry the bench's memory in its peak.
_LAUNCH = """\
import os, sys, time
null = os.open(os.devnull, os.O_WRONLY)
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.dup2(null, 1)
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
os.write(1, b"%d\\n" % pid)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
os.write(1, b"%r %d %d %r\\n" % (seconds, os.waitstatus_to_exitcode(status), usage.ru_maxrss,
                                 usage.ru_utime + usage.ru_stime))
"""


def run_process(args: list[str], env: dict | None = None,
                expect: tuple[int, ...] = (0,)) -> tuple[float, int, float, int]:
    """Run a command to its end; return wall seconds, the peak resident bytes of the largest
    process of its tree (what ``/usr/bin/time`` reports), the CPU seconds of the whole tree, and
    the peak of the whole tree's resident bytes at once (sampled every ``SAMPLE_EVERY`` s)."""
    with _tempfile() as errors:
        launcher = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCH, *args], cwd=ROOT, env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=errors, bufsize=0)
        said = b""
        tree = 0
        while said.count(b"\n") < 2:
            if said.count(b"\n") == 1:  # the command runs: how much of the machine it holds now
                tree = max(tree, tree_resident(int(said.split()[0])))
            ready, _, _ = select.select([launcher.stdout], [], [], SAMPLE_EVERY)
            if ready:
                chunk = os.read(launcher.stdout.fileno(), 4096)
                if not chunk:
                    break
                said += chunk
        launcher.stdout.close()
        launcher.wait()
        lines = said.split(b"\n")
        if launcher.returncode != 0 or len(lines) < 3:
            raise BenchError(f"{' '.join(args)} could not be run")
        seconds, status, peak_kib, cpu = lines[1].split()
        if int(status) not in expect:
            errors.seek(0)
            raise BenchError(f"{' '.join(args)} failed ({int(status)}):\n"
                             + errors.read().decode(errors="replace")[-2000:])
    largest = int(peak_kib) * 1024  # Linux: KiB
    return float(seconds), largest, float(cpu), max(tree, largest)


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def tree_resident(pid: int) -> int:
    """The resident bytes of a process and all its descendants now (0 where /proc cannot tell)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * _PAGE
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", "rb") as children:
                    todo += [int(child) for child in children.read().split()]
        except (OSError, ValueError, IndexError):  # it ended meanwhile
            continue
    return total


def _tempfile():
    import tempfile

    return tempfile.TemporaryFile()


def _env(build_dir: Path) -> dict:
    env = dict(os.environ)
    env["PRESSROOM_BUILD_DIR"] = str(build_dir)
    return env


class Size:
    """Everything measured for one scaled brief."""

    def __init__(self, times: int, brief: Path, work: Path):
        self.times, self.brief, self.work = times, brief, work
        self.slug = brief.name
        self.samples: dict[str, list[float]] = {m: [] for m in WHOLE + WARM}
        self.peaks: dict[str, list[int]] = {m: [] for m in WHOLE}
        self.trees: dict[str, list[int]] = {m: [] for m in WHOLE}
        self.cpu: dict[str, list[float]] = {m: [] for m in WHOLE}
        self.prepared = work / "prepared"  # a finished build: print.html, and the no-op's target
        self.pages = 0
        self.runs = RUNS
        self.files: dict[str, int] = {}  # output -> bytes, of the prepared build

    def prepare(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        run_process(self.invoke("build", "--brief", str(self.brief)), _env(self.prepared))
        self.pages = count_pages(self.prepared / f"{self.slug}.pdf")
        self.files = output_sizes(self.prepared, self.slug)

    def invoke(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "invoke", *args]

    def command(self, measure: str) -> tuple[list[str], Path]:
        """The command line of a whole-process measure, and where it writes."""
        fresh = self.work / "fresh"
        if measure in ("bare", "bare_ua"):
            html = self.prepared / self.slug / "print.html"
            variant = ["--pdf-variant", "pdf/ua-1"] if measure == "bare_ua" else []
            return [sys.executable, "-m", "weasyprint", *variant, str(html), str(fresh / "bare.pdf")], fresh
        if measure == "noop":
            return self.invoke("build", "--brief", str(self.brief)), self.prepared
        if measure == "floor":
            return self.invoke("--version"), self.prepared
        if measure == "print":
            return self.invoke("build", "--brief", str(self.brief), "--format", "pdf",
                               "--profile", "print"), fresh
        formats = [] if measure == "full" else ["--format", measure]
        return self.invoke("build", "--brief", str(self.brief), *formats), fresh

    def round(self) -> None:
        for measure in WHOLE:
            if measure == "bare_ua" and self.times > TAGGED_UP_TO:
                continue
            args, target = self.command(measure)
            if target != self.prepared:
                shutil.rmtree(target, ignore_errors=True)
                target.mkdir(parents=True)
            seconds, peak, cpu, tree = run_process(args, _env(target))
            self.samples[measure].append(seconds)
            self.peaks[measure].append(peak)
            self.cpu[measure].append(cpu)
            self.trees[measure].append(tree)

    def warm(self, runs: int) -> None:
        """One long-lived process: ``runs`` rebuilds after an edit, alternating with bare renders."""
        code = ("import json, sys; from devtools import bench; "
                "print(json.dumps(bench.warm_main(*json.loads(sys.argv[1]))))")
        arguments = json.dumps([str(self.brief), str(self.work / "warm"),
                                str(self.prepared / self.slug / "print.html"), runs])
        result = subprocess.run([sys.executable, "-c", code, arguments], cwd=ROOT,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BenchError(f"the warm process failed:\n{result.stderr[-2000:]}")
        times = json.loads(result.stdout.strip().splitlines()[-1])
        self.samples["warm"] += times["warm"]
        self.samples["warm_bare"] += times["warm_bare"]


def output_sizes(build_dir: Path, slug: str) -> dict[str, int]:
    """Bytes of a brief's PDF and EPUB and of its HTML edition (the whole ``build/<slug>/``)."""
    folder = build_dir / slug
    return {"pdf": (build_dir / f"{slug}.pdf").stat().st_size,
            "epub": (build_dir / f"{slug}.epub").stat().st_size,
            "html": sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())}


def sample_sizes(work: Path) -> dict[str, int]:
    """Build the sample brief once (every edition) and measure its outputs."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run_process([sys.executable, "-m", "invoke", "build", "--brief", SAMPLE], _env(work))
    return output_sizes(work, SAMPLE)


def count_pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def warm_main(brief: str, build_dir: str, print_html: str, runs: int) -> dict[str, list[float]]:
    """Inside the warm process: time rebuilds after an edit and bare renders, alternately."""
    sys.path.insert(0, str(ROOT))
    from pressroom import weasy

    weasyprint = weasy.load()  # the preview imports WeasyPrint when it starts
    rebuild = _rebuild_function(Path(brief), Path(build_dir))
    edited = sorted(Path(brief).glob("*.md"))[-1]
    original = edited.read_text(encoding="utf-8")
    times: dict[str, list[float]] = {"warm": [], "warm_bare": []}
    try:
        for index in range(runs + 1):  # the first of each is the warm-up
            edited.write_text(original + "\n" * (index % 2), encoding="utf-8")
            start = time.perf_counter()
            outcome = rebuild()
            rebuilt = time.perf_counter() - start
            if isinstance(outcome, dict) and "error" in outcome:  # the preview reports, not raises
                raise BenchError(f"the warm rebuild of {brief} failed")
            start = time.perf_counter()
            weasyprint.HTML(filename=print_html).write_pdf()
            bare = time.perf_counter() - start
            if index:
                times["warm"].append(rebuilt)
                times["warm_bare"].append(bare)
    finally:
        edited.write_text(original, encoding="utf-8")
    return times


def _rebuild_function(brief: Path, build_dir: Path):
    """The preview's one-rebuild function."""
    from pressroom.preview import Preview
    from pressroom.project import Project

    return Preview(Project(ROOT, build_dir), str(brief)).rebuild


# --------------------------------------------------------------------------- a series

def series_project(folder: Path, brief: Path, count: int = SERIES) -> Path:
    """A project of ``count`` copies of ``brief`` (with the house file, layouts and styles)."""
    if not (folder / "source" / f"{brief.name}-{count}").is_dir():
        shutil.rmtree(folder, ignore_errors=True)
        for name in ("layouts", "styles"):
            shutil.copytree(ROOT / name, folder / name)
        (folder / "source").mkdir()
        shutil.copyfile(ROOT / "source" / "house.yaml", folder / "source" / "house.yaml")
        for number in range(1, count + 1):
            shutil.copytree(brief, folder / "source" / f"{brief.name}-{number}",
                            ignore=shutil.ignore_patterns(".*"))
    return folder


def series_round(root: Path, work: Path, samples: dict) -> None:
    """Build every brief of the series project in a whole process: one after another, then together."""
    for name, jobs in (("one_after_another", 1), ("together", 0)):
        target = work / name
        shutil.rmtree(target, ignore_errors=True)
        code = ("import sys; from pathlib import Path; from pressroom import build; "
                "from pressroom.project import Project; "
                "build.build(Project(Path(sys.argv[1]), Path(sys.argv[2])), "
                "force=True, jobs=int(sys.argv[3]) or None)")
        seconds = run_process([sys.executable, "-c", code, str(root), str(target), str(jobs)])[0]
        samples[name].append(seconds)


# --------------------------------------------------------------------------- the task

def compiled() -> None:
    """Byte-compile Pressroom's own modules and tasks.py before measuring, as WeasyPrint's were
    when pip installed it: where PYTHONDONTWRITEBYTECODE is set (this machine's images set it),
    Python would otherwise compile them from source in every process measured."""
    import compileall

    compileall.compile_dir(str(ROOT / "pressroom"), quiet=2)
    compileall.compile_file(str(ROOT / "tasks.py"), quiet=2)


def run(build_dir: Path, quick: bool = False, runs: int | None = None, sizes=None,
        readme: Path | None = None, say=print) -> dict:
    started, load = time.perf_counter(), os.getloadavg()
    sizes = tuple(sizes or (QUICK_SIZES if quick else SIZES))
    chosen = runs
    runs = runs or (QUICK_RUNS if quick else RUNS)
    bench_dir = build_dir / "bench"
    compiled()
    measured = []
    for times in sizes:
        brief = scaled_brief(times, bench_dir / "briefs")
        size = Size(times, brief, bench_dir / "runs" / f"x{times}")
        size.runs = chosen or (RUNS_SMALL if times == 1 and not quick else runs)
        say(f"×{times}: preparing {brief.relative_to(build_dir.parent) if brief.is_relative_to(build_dir.parent) else brief}")
        size.prepare()
        for index in range(size.runs):
            say(f"×{times}: round {index + 1} of {size.runs}")
            size.round()
        say(f"×{times}: warm process, {size.runs} rebuilds")
        size.warm(size.runs)
        measured.append(size)
        shutil.rmtree(size.work / "fresh", ignore_errors=True)
    from devtools import benchimport

    floor = measured[0].samples.get("floor", []) if measured else []
    imported = benchimport.measure(bench_dir, runs, run_process, floor, say)
    series = {"one_after_another": [], "together": []}
    if not quick:
        root = series_project(bench_dir / "series", scaled_brief(1, bench_dir / "briefs"))
        for index in range(runs):
            say(f"series of {SERIES}: round {index + 1} of {runs}")
            series_round(root, bench_dir / "runs" / "series", series)
        shutil.rmtree(bench_dir / "runs" / "series", ignore_errors=True)
    citations = None
    if 1 in sizes:  # 60 citations against none (devtools/benchcite.py)
        from devtools import benchcite

        plain = scaled_brief(1, bench_dir / "briefs")
        cited = benchcite.cited_brief(plain, bench_dir / "briefs")
        noted = benchcite.noted_brief(plain, cited, bench_dir / "briefs")  # the same pages, no citations
        citations = benchcite.measure(plain, cited, bench_dir / "runs" / "citations",
                                      chosen or (QUICK_RUNS if quick else RUNS), run_process, _env, say,
                                      noted=noted)
    from devtools import benchgate

    gate = benchgate.measure(bench_dir, runs, say)
    say(f"{SAMPLE}: one build, for its output sizes")
    sample = sample_sizes(bench_dir / "runs" / "sample")
    shutil.rmtree(bench_dir / "runs" / "sample", ignore_errors=True)
    data = results(measured, runs, quick, started, load, series, sample)
    data["gate"], gate_targets = benchgate.report(gate)
    data["targets"] += gate_targets
    data["import"] = imported
    data["targets"].append(benchimport.target(imported))
    if citations is not None:
        data["citations"] = citations
        data["targets"].append(benchcite.target(data))
    (bench_dir / "bench.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    text = table(data)
    if readme is not None:
        update_readme(readme, text)
    say(text)
    return data

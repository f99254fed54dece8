"""`invoke bench`: what a build costs, against WeasyPrint's own render of the same print.html.

For the first brief scaled to 1, 40 and 200 times its sections (generated under
``build/bench/briefs/``), one run measures, round by round so that a busy machine slows
every measure alike:

* whole processes, as a user runs them: the full build (``invoke build``, every edition),
  the PDF, EPUB and HTML editions alone, a rebuild with nothing changed, and the baseline,
  ``python -m weasyprint print.html out.pdf`` on the very ``print.html`` the build made;
  wall time and peak memory (the largest resident set of the process tree);
* inside one long-lived process: a rebuild after an edit (the preview's path), alternating
  with WeasyPrint rendering the same ``print.html`` (``HTML(...).write_pdf()``), both warm.

Medians with min-max and ratios to the baseline go to the terminal, to
``build/bench/bench.json`` and, with ``--readme``, to the README's performance section.
Timings are never asserted in tests; the targets below are checked here and reported.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = "azerbaijan-between-moscow-and-the-west"
SIZES = (1, 40, 200)
RUNS = 5
QUICK_SIZES, QUICK_RUNS = (1,), 3
WARM_UP_TO = 40  # the warm process for briefs up to this size (×200 would add five minutes)
WHOLE = ("bare", "full", "pdf", "epub", "html", "noop")
WARM = ("warm_bare", "warm")
LABELS = {
    "bare": "WeasyPrint alone: python -m weasyprint print.html (baseline)",
    "full": "invoke build: PDF, EPUB and HTML",
    "pdf": "invoke build --format pdf",
    "epub": "invoke build --format epub",
    "html": "invoke build --format html",
    "noop": "invoke build again, nothing changed",
    "warm_bare": "warm: WeasyPrint renders print.html (baseline)",
    "warm": "warm: rebuild after an edit (preview)",
}
#: (name, size or None for every size, measure, baseline or None for seconds, highest allowed)
TARGETS = (
    ("full build ×1", 1, "full", "bare", 1.25),
    ("PDF only ×1", 1, "pdf", "bare", 1.15),
    ("full build ×40", 40, "full", "bare", 1.05),
    ("PDF only ×40", 40, "pdf", "bare", 1.03),
    ("peak memory ×40", 40, "full.peak", "bare.peak", 1.10),
    ("full build ×200", 200, "full", "bare", 1.05),
    ("PDF only ×200", 200, "pdf", "bare", 1.03),
    ("peak memory ×200", 200, "full.peak", "bare.peak", 1.10),
    ("no-op rebuild (s)", None, "noop", None, 0.15),
    ("warm rebuild ×1", 1, "warm", "warm_bare", 1.30),
)
README_BEGIN, README_END = "<!-- bench:begin -->", "<!-- bench:end -->"


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

def run_process(args: list[str], env: dict | None = None) -> tuple[float, int, float]:
    """Run a command to its end; return wall seconds, the peak resident bytes of its process tree
    (the largest process) and the CPU seconds of the whole tree."""
    with open(os.devnull, "wb") as null, _tempfile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=null, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise BenchError(f"{' '.join(args)} failed ({process.returncode}):\n"
                             + errors.read().decode(errors="replace")[-2000:])
    return seconds, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime  # Linux: KiB


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
        self.cpu: dict[str, list[float]] = {m: [] for m in WHOLE}
        self.prepared = work / "prepared"  # a finished build: print.html, and the no-op's target
        self.pages = 0

    def prepare(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        run_process(self.invoke("build", "--brief", str(self.brief)), _env(self.prepared))
        self.pages = count_pages(self.prepared / f"{self.slug}.pdf")

    def invoke(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "invoke", *args]

    def command(self, measure: str) -> tuple[list[str], Path]:
        """The command line of a whole-process measure, and where it writes."""
        fresh = self.work / "fresh"
        if measure == "bare":
            html = self.prepared / self.slug / "print.html"
            return [sys.executable, "-m", "weasyprint", str(html), str(fresh / "bare.pdf")], fresh
        if measure == "noop":
            return self.invoke("build", "--brief", str(self.brief)), self.prepared
        formats = [] if measure == "full" else ["--format", measure]
        return self.invoke("build", "--brief", str(self.brief), *formats), fresh

    def round(self) -> None:
        for measure in WHOLE:
            args, target = self.command(measure)
            if target != self.prepared:
                shutil.rmtree(target, ignore_errors=True)
                target.mkdir(parents=True)
            seconds, peak, cpu = run_process(args, _env(target))
            self.samples[measure].append(seconds)
            self.peaks[measure].append(peak)
            self.cpu[measure].append(cpu)

    def warm(self, runs: int) -> None:
        """One long-lived process: ``runs`` rebuilds after an edit, alternating with bare renders."""
        code = ("import json, sys; from pressroom import bench; "
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


def count_pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def warm_main(brief: str, build_dir: str, print_html: str, runs: int) -> dict[str, list[float]]:
    """Inside the warm process: time rebuilds after an edit and bare renders, alternately."""
    sys.path.insert(0, str(ROOT))
    from . import weasy

    weasyprint = weasy.load()  # the preview imports WeasyPrint when it starts
    rebuild = _rebuild_function(Path(brief), Path(build_dir))
    edited = sorted(Path(brief).glob("*.md"))[-1]
    original = edited.read_text(encoding="utf-8")
    times: dict[str, list[float]] = {"warm": [], "warm_bare": []}
    try:
        for index in range(runs + 1):  # the first of each is the warm-up
            edited.write_text(original + "\n" * (index % 2), encoding="utf-8")
            start = time.perf_counter()
            rebuild()
            rebuilt = time.perf_counter() - start
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
    """The preview's one-rebuild function; the library's build where there is no preview."""
    from .build import build
    from .manuscript import Project

    project = Project(ROOT, build_dir)
    return lambda: build(project, str(brief))


# --------------------------------------------------------------------------- results

def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def results(sizes: list[Size], runs: int, quick: bool, started: float, load: tuple) -> dict:
    data: dict = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  "commit": commit(), "machine": machine(), "runs": runs, "quick": quick,
                  "seconds": round(time.perf_counter() - started, 1),
                  "load": {"before": load, "after": os.getloadavg()}, "sizes": {}}
    for size in sizes:
        measures = {}
        for name in WHOLE + WARM:
            if not size.samples[name]:
                continue
            measures[name] = summary(size.samples[name])
            if name in size.peaks:
                measures[name]["peak_mib"] = statistics.median(size.peaks[name]) / 2**20
                measures[name]["cpu"] = statistics.median(size.cpu[name])
        for name, entry in measures.items():
            entry["ratio"] = entry["median"] / measures["warm_bare" if name in WARM else "bare"]["median"]
            if "peak_mib" in entry:
                entry["peak_ratio"] = entry["peak_mib"] / measures["bare"]["peak_mib"]
                entry["cpu_ratio"] = entry["cpu"] / measures["bare"]["cpu"]
        data["sizes"][f"x{size.times}"] = {"times": size.times, "brief": size.slug,
                                           "sections": len(list(size.brief.glob("*.md"))),
                                           "pages": size.pages, "measures": measures}
    data["targets"] = targets(data["sizes"])
    return data


def targets(sizes: dict) -> list[dict]:
    checked = []
    for name, times, measure, against, limit in TARGETS:
        for key, size in sizes.items():
            if times is not None and size["times"] != times:
                continue
            if measure.split(".")[0] not in size["measures"]:
                continue
            value = _value(size["measures"], measure)
            if against is not None:
                value /= _value(size["measures"], against)
            label = name if times is not None else f"{name} ×{size['times']}"
            checked.append({"target": label, "value": value, "limit": limit, "met": value <= limit})
    return checked


def _value(measures: dict, name: str) -> float:
    measure, _, field = name.partition(".")
    return measures[measure]["peak_mib" if field == "peak" else "median"]


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    return head + ("+" if git("status", "--porcelain", "--untracked-files=no") else "") if head else ""


def machine() -> dict:
    info = {"cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}
    try:
        from importlib.metadata import version

        info["weasyprint"] = version("weasyprint")
    except Exception:  # not installed as a distribution
        info["weasyprint"] = "?"
    for path, key, field in (("/proc/cpuinfo", "cpu", "model name"), ("/proc/meminfo", "memory", "MemTotal")):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(field):
                    info[key] = " ".join(line.split(":", 1)[1].split())
                    break
        except OSError:
            pass
    return info


def table(data: dict) -> str:
    m = data["machine"]
    lines = [f"{m.get('cpu', '?')}, {m['cores']} cores, {m.get('memory', '?')} RAM; {m['system']}; "
             f"Python {m['python']}, WeasyPrint {m['weasyprint']}. {data['date']}, commit "
             f"{data['commit'] or '?'}; medians of {data['runs']} runs; load average "
             f"{data['load']['before'][0]:.1f} before, {data['load']['after'][0]:.1f} after.", ""]
    lines += ["| brief | what | median s | min–max s | × baseline | peak MiB (× baseline) "
              "| CPU s (× baseline) |", "|---|---|---:|---:|---:|---:|---:|"]
    for key, size in data["sizes"].items():
        where = f"×{size['times']} ({size['sections']} sections, {size['pages']} pages)"
        for name in WHOLE + WARM:
            if name not in size["measures"]:
                continue
            e = size["measures"][name]
            peak = f"{e['peak_mib']:.0f} ({e['peak_ratio']:.2f})" if "peak_mib" in e else ""
            cpu = f"{e['cpu']:.2f} ({e['cpu_ratio']:.2f})" if "cpu" in e else ""
            lines.append(f"| {where} | {LABELS[name]} | {e['median']:.3f} | {e['min']:.3f}–{e['max']:.3f} "
                         f"| {e['ratio']:.2f} | {peak} | {cpu} |")
            where = ""
    lines += ["", "| target | measured | limit | met |", "|---|---:|---:|---|"]
    for t in data["targets"]:
        lines.append(f"| {t['target']} | {t['value']:.2f} | {t['limit']:.2f} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines)


def update_readme(readme: Path, text: str) -> None:
    content = readme.read_text(encoding="utf-8")
    block = f"{README_BEGIN}\n{text}\n{README_END}"
    if README_BEGIN in content and README_END in content:
        head, rest = content.split(README_BEGIN, 1)
        content = head + block + rest.split(README_END, 1)[1]
    else:
        content = content.rstrip("\n") + "\n\n## Performance\n\n" + block + "\n"
    readme.write_text(content, encoding="utf-8")


# --------------------------------------------------------------------------- the task

def run(build_dir: Path, quick: bool = False, runs: int | None = None, sizes=None,
        readme: Path | None = None, say=print) -> dict:
    started, load = time.perf_counter(), os.getloadavg()
    sizes = tuple(sizes or (QUICK_SIZES if quick else SIZES))
    runs = runs or (QUICK_RUNS if quick else RUNS)
    bench_dir = build_dir / "bench"
    measured = []
    for times in sizes:
        brief = scaled_brief(times, bench_dir / "briefs")
        size = Size(times, brief, bench_dir / "runs" / f"x{times}")
        say(f"×{times}: preparing {brief.relative_to(build_dir.parent) if brief.is_relative_to(build_dir.parent) else brief}")
        size.prepare()
        for index in range(runs):
            say(f"×{times}: round {index + 1} of {runs}")
            size.round()
        if times <= WARM_UP_TO:
            say(f"×{times}: warm process, {runs} rebuilds")
            size.warm(runs)
        measured.append(size)
        shutil.rmtree(size.work / "fresh", ignore_errors=True)
    data = results(measured, runs, quick, started, load)
    (bench_dir / "bench.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    text = table(data)
    if readme is not None:
        update_readme(readme, text)
    say(text)
    return data

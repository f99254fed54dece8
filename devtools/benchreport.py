"""The report of `invoke bench`: medians, ratios to the baseline, the targets, the table, the README.

See :mod:`devtools.bench` for what is measured and how.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHOLE = ("bare", "bare_ua", "full", "pdf", "print", "epub", "html", "noop", "floor")
WARM = ("warm_bare", "warm")
LABELS = {
    "bare": "WeasyPrint alone: python -m weasyprint print.html (baseline)",
    "bare_ua": "WeasyPrint alone, tagged like ours: --pdf-variant pdf/ua-1",
    "full": "invoke build: PDF, EPUB and HTML",
    "pdf": "invoke build --format pdf",
    "print": "invoke build --format pdf --profile print (PDF/X-4, CMYK conversion)",
    "epub": "invoke build --format epub",
    "html": "invoke build --format html",
    "noop": "invoke build again, nothing changed",
    "floor": "Python and Invoke alone: python -m invoke --version (under any invoke command)",
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
    ("full build ×1, with the reading editions' fonts subset", 1, "full", "bare", 1.05),
)
#: Output sizes (``ls -l build/``): (name, brief, output, divided by this output or None for kB, limit).
#: ``html`` is the whole ``build/<slug>/`` folder: the pages, stylesheets, fonts and images.
FILE_TARGETS = (
    ("EPUB ×1 (kB)", "x1", "epub", None, 150),
    ("HTML edition ×1 (kB)", "x1", "html", None, 300),
    ("EPUB of the sample brief (kB)", "sample", "epub", None, 200),
    ("HTML edition of the sample brief (kB)", "sample", "html", None, 400),
    ("EPUB ×40 ÷ its PDF", "x40", "epub", "pdf", 2.0),
)
SERIES = 8  # briefs built together, against one after another
README_BEGIN, README_END = "<!-- bench:begin -->", "<!-- bench:end -->"


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def results(sizes: list, runs: int, quick: bool, started: float, load: tuple,
            series: dict | None = None, sample: dict | None = None) -> dict:
    data: dict = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
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
                if getattr(size, "trees", {}).get(name):
                    measures[name]["tree_mib"] = statistics.median(size.trees[name]) / 2**20
        for name, entry in measures.items():
            entry["ratio"] = entry["median"] / measures["warm_bare" if name in WARM else "bare"]["median"]
            if "peak_mib" in entry:
                entry["peak_ratio"] = entry["peak_mib"] / measures["bare"]["peak_mib"]
                entry["cpu_ratio"] = entry["cpu"] / measures["bare"]["cpu"]
            if "tree_mib" in entry and "tree_mib" in measures["bare"]:
                entry["tree_ratio"] = entry["tree_mib"] / measures["bare"]["tree_mib"]
        data["sizes"][f"x{size.times}"] = {"times": size.times, "brief": size.slug, "runs": size.runs,
                                           "sections": len(list(size.brief.glob("*.md"))),
                                           "pages": size.pages, "measures": measures}
    data["targets"] = targets(data["sizes"])
    data["files"] = {f"x{size.times}": size.files for size in sizes if getattr(size, "files", None)}
    if sample:
        data["files"]["sample"] = sample
    data["targets"] += file_targets(data["files"])
    if series and series["one_after_another"]:
        entry = {name: summary(values) for name, values in series.items()}
        entry["briefs"] = SERIES
        entry["speedup"] = entry["one_after_another"]["median"] / entry["together"]["median"]
        data["series"] = entry
        data["targets"].append({"target": f"{SERIES} briefs together, × faster (at least)",
                                "value": entry["speedup"], "limit": 1.7,
                                "met": entry["speedup"] >= 1.7})
    return data


def targets(sizes: dict) -> list[dict]:
    checked = []
    for name, times, measure, against, limit in TARGETS:
        for _key, size in sizes.items():
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


def file_targets(files: dict) -> list[dict]:
    """The size targets of the briefs built in this run (``files``: brief -> output -> bytes)."""
    checked = []
    for name, brief, output, against, limit in FILE_TARGETS:
        sizes = files.get(brief)
        if not sizes or output not in sizes:
            continue
        value = sizes[output] / sizes[against] if against else sizes[output] / 1000
        checked.append({"target": name, "value": value, "limit": limit, "met": value <= limit})
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
                    value = " ".join(line.split(":", 1)[1].split())
                    if key == "memory" and value.endswith(" kB"):
                        value = f"{int(value[:-3]) / 2**20:.1f} GiB"
                    info[key] = value
                    break
        except OSError:
            pass
    return info


def table(data: dict) -> str:
    m = data["machine"]
    lines = [f"{m.get('cpu', '?')}, {m['cores']} cores, {m.get('memory', '?')} RAM; {m['system']}; "
             f"Python {m['python']}, WeasyPrint {m['weasyprint']}. {data['date']}, commit "
             f"{data['commit'] or '?'}; medians of the runs given for each brief; load average "
             f"{data['load']['before'][0]:.1f} before, {data['load']['after'][0]:.1f} after.", ""]
    lines += ["| brief | what | median s | min–max s | × baseline | peak MiB, largest process "
              "(× baseline) | peak MiB, all processes (× baseline) | CPU s (× baseline) |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
    for size in data["sizes"].values():
        where = f"×{size['times']} ({size['sections']} sections, {size['pages']} pages; {size['runs']} runs)"
        for name in WHOLE + WARM:
            if name not in size["measures"]:
                continue
            e = size["measures"][name]
            peak = f"{e['peak_mib']:.0f} ({e['peak_ratio']:.2f})" if "peak_mib" in e else ""
            tree = f"{e['tree_mib']:.0f} ({e['tree_ratio']:.2f})" if "tree_ratio" in e else ""
            cpu = f"{e['cpu']:.2f} ({e['cpu_ratio']:.2f})" if "cpu" in e else ""
            lines.append(f"| {where} | {LABELS[name]} | {e['median']:.3f} | {e['min']:.3f}–{e['max']:.3f} "
                         f"| {e['ratio']:.2f} | {peak} | {tree} | {cpu} |")
            where = ""
    if "series" in data:
        s = data["series"]
        for name in ("one_after_another", "together"):
            e = s[name]
            lines.append(f"| {s['briefs']} × ×1 | {name.replace('_', ' ')} "
                         f"(`build(jobs={1 if name == 'one_after_another' else 'cores'})`) "
                         f"| {e['median']:.3f} | {e['min']:.3f}–{e['max']:.3f} | | | | |")
    if data.get("files"):
        lines += ["", "| brief | PDF kB | EPUB kB | HTML edition kB (`build/<slug>/`) |", "|---|---:|---:|---:|"]
        for key, sizes in data["files"].items():
            lines.append(f"| {key.replace('x', '×') if key.startswith('x') else key} | "
                         + " | ".join(f"{sizes[o] / 1000:,.1f}" if o in sizes else ""
                                      for o in ("pdf", "epub", "html")) + " |")
    if data.get("gate"):
        from devtools.benchgate import rows

        lines += rows(data["gate"])
    if "import" in data:
        from devtools.benchimport import rows

        lines += rows(data["import"])
    from devtools.benchcite import rows as citation_rows

    lines += citation_rows(data)
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

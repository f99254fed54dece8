"""The editor's gate in `invoke bench` (issue 20): two whole processes, as an editor runs them.

* ``refusal``: ``invoke publish`` of a draft (the first brief, ``status: draft``): refused
  (exit 5) on its sources alone, nothing built; target at most 1 s.
* ``check_all``: ``invoke check`` of every brief of ``source/``, EPUBCheck included, on a
  finished build of them all; target at most 8 s.

Both are seconds, not ratios: an editor waits for them as they are.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

LABELS = {"refusal": "invoke publish of a draft: refused before building",
          "check_all": "invoke check of every brief of source/ (EPUBCheck included)"}
LIMITS = {"refusal": 1.0, "check_all": 8.0}


def draft_brief(briefs_dir: Path, source: Path) -> Path:
    """A copy of ``source`` marked ``status: draft``."""
    folder = briefs_dir / f"{source.name}-draft"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns(".*"))
    meta = folder / "brief.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("status: final", "status: draft"), encoding="utf-8")
    return folder


def measure(bench_dir: Path, runs: int, say) -> dict[str, list[float]]:
    """Median-ready samples of each measure (``runs`` of each, alternating)."""
    from devtools import bench

    invoke = [sys.executable, "-m", "invoke"]
    draft = draft_brief(bench_dir / "briefs", bench.ROOT / "source" / bench.FIRST)
    built = bench_dir / "runs" / "check"
    shutil.rmtree(built, ignore_errors=True)
    say("gate: building every brief of source/ for invoke check")
    bench.run_process([*invoke, "build"], bench._env(built))
    samples: dict[str, list[float]] = {"refusal": [], "check_all": [], "refusal_cpu": [],
                                       "check_all_cpu": []}
    dist = bench_dir / "runs" / "refused-dist"
    for index in range(runs):
        say(f"gate: round {index + 1} of {runs}")
        seconds, _, cpu, _ = bench.run_process(
            [*invoke, "publish", "--brief", str(draft), "--dist", str(dist)],
            bench._env(bench_dir / "runs" / "refused"), expect=(5,))
        samples["refusal"].append(seconds)
        samples["refusal_cpu"].append(cpu)
        seconds, _, cpu, _ = bench.run_process([*invoke, "check"], bench._env(built))
        samples["check_all"].append(seconds)
        samples["check_all_cpu"].append(cpu)
    if dist.exists():
        raise bench.BenchError("the draft was published: the gate let it through")
    return samples


def report(samples: dict[str, list[float]]) -> tuple[dict, list[dict]]:
    """The measures (summaries) and their targets."""
    from statistics import median

    from devtools.benchreport import summary

    measures = {name: {**summary(values), "cpu": median(samples.get(f"{name}_cpu") or [0.0])}
                for name, values in samples.items() if values and name in LABELS}
    targets = [{"target": f"{LABELS[name]} (s)", "value": entry["median"], "limit": LIMITS[name],
                "met": entry["median"] <= LIMITS[name]} for name, entry in measures.items()]
    return measures, targets


def rows(measures: dict) -> list[str]:
    """Rows of the bench's table (the CPU column: every process of the command together)."""
    return [f"| source/ | {LABELS[name]} | {e['median']:.3f} | {e['min']:.3f}–{e['max']:.3f} | | | "
            f"| {e['cpu']:.2f} |" for name, e in measures.items()]

"""`invoke bench`'s citations row: the first brief at ×1 with 60 citations and a bibliography of
60 entries, against the very same brief with them removed, full builds in whole processes,
alternating so that a busy machine slows both alike. Each build starts from an empty build
folder, so citeproc-js runs in every build measured (nothing cached from the last one).

The cited copy lives under ``build/bench/briefs/``; the author's brief in ``source/`` is never
touched.
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
from pathlib import Path

COUNT = 60
LIMIT = 1.15  # the target: at most 1.15 × the brief without citations
TYPES = ("book", "article", "report")


def bibtex(count: int = COUNT) -> str:
    """``count`` entries of three types, each with the fields its type needs."""
    entries = []
    for n in range(1, count + 1):
        kind = TYPES[n % len(TYPES)]
        where = {"book": f"  publisher = {{Bench Press {n}}},\n  address = {{Baku}},\n",
                 "article": f"  journal = {{Journal of Bench Studies}},\n  volume = {{{n}}},\n"
                            f"  pages = {{{n}--{n + 9}}},\n",
                 "report": f"  institution = {{Bench Institute {n}}},\n  number = {{{n}}},\n"}[kind]
        entries.append(f"@{kind}{{bench{n},\n  author = {{Author{n}, Given and Second, Other}},\n"
                       f"  title = {{A Study of the Caspian, Part {n}}},\n{where}  year = {{{2000 + n % 25}}}\n}}\n")
    return "\n".join(entries)


def cited_brief(plain: Path, briefs_dir: Path, count: int = COUNT) -> Path:
    """A copy of ``plain`` with a citation after each of its first ``count`` sentences."""
    folder = briefs_dir / f"{plain.name}-cited"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(plain, folder, ignore=shutil.ignore_patterns(".*"))
    placed = 0
    for path in sorted(folder.glob("*.md")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if not line.strip() or line.lstrip().startswith(("#", "[^", "|", ">", "{", "!")):
                continue

            def cite(match: re.Match) -> str:
                nonlocal placed
                if placed >= count:
                    return match.group(0)
                placed += 1
                locator = f", p. {placed}" if placed % 2 else ""
                return f" [@bench{placed}{locator}]{match.group(1)}"

            lines[i] = re.sub(r"(?<=[\w)’”])([.;,])(?= |$)", cite, line)
        path.write_text("\n".join(lines), encoding="utf-8")
    if placed < count:
        raise ValueError(f"{plain} has only {placed} sentences to cite")
    (folder / "refs.bib").write_text(bibtex(count), encoding="utf-8")
    yaml_path = folder / "brief.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "sections:\n", "bibliography: refs.bib\nsections:\n", 1), encoding="utf-8")
    return folder


def measure(plain: Path, cited: Path, work: Path, runs: int, run_process, env, say=print) -> dict:
    from devtools.benchreport import summary

    samples: dict[str, list[float]] = {"plain": [], "cited": []}
    cpu: dict[str, list[float]] = {"plain": [], "cited": []}
    for index in range(runs):
        say(f"citations: round {index + 1} of {runs}")
        for name, brief in (("plain", plain), ("cited", cited)):
            target = work / name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            args = [sys.executable, "-m", "invoke", "build", "--brief", str(brief)]
            seconds, _, used, _ = run_process(args, env(target))
            samples[name].append(seconds)
            cpu[name].append(used)
    shutil.rmtree(work, ignore_errors=True)
    entry = {name: summary(values) for name, values in samples.items()}
    for name, values in cpu.items():  # CPU seconds of the whole process tree (Node.js included)
        entry[name]["cpu"] = statistics.median(values)
    entry["count"] = COUNT
    entry["ratio"] = entry["cited"]["median"] / entry["plain"]["median"]
    return entry


def rows(data: dict) -> list[str]:
    """The table's lines for the citations row."""
    if "citations" not in data:
        return []
    c = data["citations"]
    out = []
    for name, label in (("plain", "invoke build, the first brief ×1 (baseline of this row)"),
                        ("cited", f"invoke build, the same with {c['count']} citations and a bibliography")):
        e = c[name]
        ratio = f"{e['median'] / c['plain']['median']:.2f}"
        cpu = f"{e['cpu']:.2f} ({e['cpu'] / c['plain']['cpu']:.2f})" if "cpu" in e else ""
        out.append(f"| citations ×1 | {label} | {e['median']:.3f} | {e['min']:.3f}–{e['max']:.3f} "
                   f"| {ratio} | | | {cpu} |")
    return out


def target(data: dict) -> dict:
    c = data["citations"]
    return {"target": f"{c['count']} citations ×1, × the brief without them", "value": c["ratio"],
            "limit": LIMIT, "met": c["ratio"] <= LIMIT}

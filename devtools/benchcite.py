"""`invoke bench`'s citations row: the first brief at ×1 with 60 citations and a bibliography of
60 entries, against the very same brief with them removed, full builds in whole processes,
alternating so that a busy machine slows both alike. Each build starts from an empty build
folder, so citeproc-js runs in every build measured (nothing cached from the last one).

A third brief measures the citation machinery alone (:func:`noted_brief`): the cited copy's
very notes and bibliography, as citeproc-js renders them, typed into its Markdown as authored
footnotes and a last section, so that it lays out the same pages without a citation or a
bibliography to process. The issue's target stays the cited brief against the brief without
citations (a shorter document); the ratio to this third brief is reported beside it.

The copies live under ``build/bench/briefs/``; the author's brief in ``source/`` is never
touched.
"""

from __future__ import annotations

import html
import json
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


def _copy(plain: Path, folder: Path, count: int, mark) -> None:
    """A copy of ``plain`` whose first ``count`` sentences end with ``mark(n, punctuation)``."""
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
                return mark(placed, match.group(1))

            lines[i] = re.sub(r"(?<=[\w)’”])([.;,])(?= |$)", cite, line)
        path.write_text("\n".join(lines), encoding="utf-8")
    if placed < count:
        raise ValueError(f"{plain} has only {placed} sentences to cite")


def cited_brief(plain: Path, briefs_dir: Path, count: int = COUNT) -> Path:
    """A copy of ``plain`` with a citation after each of its first ``count`` sentences."""
    folder = briefs_dir / f"{plain.name}-cited"
    _copy(plain, folder, count, lambda n, stop: f" [@bench{n}{f', p. {n}' if n % 2 else ''}]{stop}")
    (folder / "refs.bib").write_text(bibtex(count), encoding="utf-8")
    yaml_path = folder / "brief.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").replace(
        "sections:\n", "bibliography: refs.bib\nsections:\n", 1), encoding="utf-8")
    return folder


def _markdown(rendered: str) -> str:
    """citeproc-js's HTML for a note or an entry as Markdown: its italics, its words."""
    text = re.sub(r"</?i>", "*", rendered)
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
    return words.replace("[", "\\[").replace("]", "\\]")


def noted_brief(plain: Path, cited: Path, briefs_dir: Path, count: int = COUNT) -> Path:
    """A copy of ``plain`` with the notes and the bibliography of ``cited`` typed as authored
    text: each citation an authored footnote after the same punctuation, holding the note
    citeproc-js made of it (a note style's citations are notes), and the reference list a last
    section of the same entries, with the same title. ``cited`` is processed once here, in this
    process, for those texts."""
    from pressroom import manuscript
    from pressroom.manuscript import citations, markdown
    from pressroom.project import Project

    root = Path(__file__).resolve().parent.parent
    scratch = briefs_dir / ".noted-build"
    shutil.rmtree(scratch, ignore_errors=True)
    brief = manuscript.load(Project(root, build_root=scratch), str(cited))[0][0]
    answer = json.loads((scratch / ".citations" / f"{markdown.slugify(cited.name)}.json").read_text())["result"]
    shutil.rmtree(scratch, ignore_errors=True)
    if answer["klass"] != "note":
        raise ValueError(f"{cited} is not cited in a note style")
    notes = [_markdown(answer["citations"][f"c{n}"]) for n in range(1, count + 1)]
    folder = briefs_dir / f"{plain.name}-noted"
    _copy(plain, folder, count, lambda n, stop: f"{stop}[^cite{n}]")
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        used = [int(n) for n in re.findall(r"\[\^cite(\d+)\]", text)]
        if used:
            path.write_text(text.rstrip("\n") + "\n\n" + "".join(f"[^cite{n}]: {notes[n - 1]}\n" for n in used),
                            encoding="utf-8")
    title = brief.sections[-1].title if brief.sections[-1].id == citations.SECTION_ID else citations.DEFAULT_TITLE
    entries = "".join(f"- {_markdown(b['html'])}\n" for b in answer["bibliography"])
    (folder / "zz-references.md").write_text(f"# {title}\n\n{entries}", encoding="utf-8")
    yaml_path = folder / "brief.yaml"
    yaml_path.write_text(yaml_path.read_text(encoding="utf-8").rstrip("\n") + "\n  - zz-references.md\n",
                         encoding="utf-8")
    return folder


def measure(plain: Path, cited: Path, work: Path, runs: int, run_process, env, say=print,
            noted: Path | None = None) -> dict:
    from devtools.benchreport import summary

    briefs = (("plain", plain), ("cited", cited)) + ((("noted", noted),) if noted is not None else ())
    samples: dict[str, list[float]] = {name: [] for name, _ in briefs}
    cpu: dict[str, list[float]] = {name: [] for name, _ in briefs}
    for index in range(runs):
        say(f"citations: round {index + 1} of {runs}")
        for name, brief in briefs:
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
    if "noted" in entry:
        entry["machinery"] = entry["cited"]["median"] / entry["noted"]["median"]
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
    if "noted" in c:
        e = c["noted"]
        cpu = f"{e['cpu']:.2f} ({e['cpu'] / c['plain']['cpu']:.2f})" if "cpu" in e else ""
        out.append(f"| citations ×1 | invoke build, the same notes and bibliography typed as plain text (no "
                   f"citation processed) | {e['median']:.3f} | {e['min']:.3f}–{e['max']:.3f} "
                   f"| {e['median'] / c['plain']['median']:.2f} | | | {cpu} |")
        cpu = f"{c['cited']['cpu'] / e['cpu']:.2f}" if "cpu" in e and "cpu" in c["cited"] else ""
        out.append(f"| citations ×1 | the citation machinery: the cited build × the plain-text notes and "
                   f"bibliography | | | {c['machinery']:.2f} | | | {cpu} |")
    return out


def target(data: dict) -> dict:
    c = data["citations"]
    return {"target": f"{c['count']} citations ×1, × the brief without them", "value": c["ratio"],
            "limit": LIMIT, "met": c["ratio"] <= LIMIT}


def main(argv=None) -> None:
    """``python -m devtools.benchcite [RUNS]``: this row alone, without the rest of the bench
    (the briefs and runs under build/bench/, as ``invoke bench`` makes them)."""
    from devtools import bench

    runs = int((argv if argv is not None else sys.argv[1:] or ["5"])[0])
    bench.compiled()
    bench_dir = bench.ROOT / "build" / "bench"
    plain = bench.scaled_brief(1, bench_dir / "briefs")
    cited = cited_brief(plain, bench_dir / "briefs")
    noted = noted_brief(plain, cited, bench_dir / "briefs")
    data = {"citations": measure(plain, cited, bench_dir / "runs" / "citations", runs, bench.run_process,
                                 bench._env, noted=noted)}
    print("\n".join(rows(data)))


if __name__ == "__main__":
    main()

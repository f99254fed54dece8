"""`invoke check` after the lint: verify what is in build/, told honestly and fast.

* An edition older than its sources is reported as such, from the build
  manifest and before any comparison ("build/x.pdf is older than 02-russia.md;
  run invoke build"): comparing it would blame the layouts for an edit (B420).
* Each PDF is named by its profile (screen PDF, print PDF).
* The outside validators (:mod:`pressroom.validators`) start first, once for
  every file of the invocation, and run while Pressroom's own checks read the
  outputs back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import cache, manuscript, validators, verify
from .build import output_paths
from .errors import Problem
from .project import Project, resolve_targets, shown

EDITION_NAMES = {"pdf": "screen PDF", "pdf-print": "print PDF", "epub": "EPUB", "html": "HTML edition"}


def _output(paths: dict[str, Path], edition: str) -> Path:
    return paths[edition] / "index.html" if edition == "html" else paths[edition]


def stale(build_dir: Path, location: Path, editions) -> dict[str, str]:
    """The editions of ``location`` in build/ older than a file they are made from (a source, an
    image, a layout, a stylesheet), each with the reason, from the build manifest's digests."""
    manifest = cache.Manifest(build_dir)
    brief = manifest.entry(location.resolve())
    found = {}
    for edition in editions:
        entry = brief.get("editions", {}).get(edition)
        if not entry:
            continue  # not made by invoke build here: nothing to compare with
        stats, trusted = entry.get("stats", {}), entry.get("hashed", 0) - cache.RACY_NS
        changed = [name for name, recorded in entry["inputs"].items()
                   if cache._unchanged(name, stats.get(name), trusted, recorded) != recorded]
        if changed:
            sources = [n for n in changed if Path(n).is_relative_to(cache.brief_root(location.resolve()))]
            first = Path((sources or changed)[0])
            more = f" and {len(changed) - 1} more file(s)" if len(changed) > 1 else ""
            found[edition] = f"is older than {first.name}{more}"
    return found  # an output damaged or replaced since is verified, and its damage reported


@dataclass
class Checked:
    """What `invoke check` found beyond the lint: one line per brief, and the problems."""

    lines: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def verify_built(project: Project, target: str | None, formats=None, epubcheck: bool = True,
                 accessibility: bool = False) -> Checked:
    """Verify the outputs of every brief named by ``target`` that are in build/ (or ``formats``)."""
    briefs, _ = manuscript.load(project, target)  # raises on an error: nothing to verify then
    result = Checked()
    plans = []
    for location, brief in zip(resolve_targets(project, target), briefs):
        paths = output_paths(project.build_dir, brief.slug)
        chosen = tuple(formats) if formats else tuple(e for e in paths if _output(paths, e).exists())
        old = stale(project.build_dir, location, [e for e in chosen if _output(paths, e).exists()])
        for edition, why in old.items():
            profile = " --profile screen,print" if edition == "pdf-print" else ""
            result.problems.append(Problem(
                "B420", f"{shown(_output(paths, edition))} ({EDITION_NAMES[edition]}) {why}",
                f"run: invoke build --brief {brief.slug}{profile}", shown(_output(paths, edition))))
        plans.append((brief, paths, old, tuple(e for e in chosen if e not in old)))
    outside = {e: [paths[e] for _, paths, _, fresh in plans if e in fresh and paths[e].is_file()]
               for e in ("epub",)}
    running = validators.start(outside, ["epubcheck"] if epubcheck else [])  # beside what follows
    for brief, paths, old, fresh in plans:
        if not fresh and not accessibility:
            why = "its outputs are stale" if old else "no outputs to verify (invoke build makes them)"
            result.lines.append(f"{brief.slug}: manuscript checked; {why}")
            continue
        found = verify.verify_outputs(brief, project.build_dir, False, fresh) if fresh else []
        if accessibility:
            from . import accessibility as a11y

            more, report = a11y.check_outputs(brief, project.build_dir)
            result.lines += [f"{brief.slug}: {line}" for line in report]
            found += more
        result.problems += found
        if not found and fresh:
            result.lines.append(f"{brief.slug}: manuscript checked; every section, heading and note "
                                f"is in the {', '.join(EDITION_NAMES[e] for e in sorted(fresh))}")
    for _, problems in sorted(running.results().items()):
        result.problems += problems
    return result

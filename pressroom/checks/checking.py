"""`invoke check` after the lint: verify what is in build/, told honestly and fast.

* An edition older than its sources is reported as such, from the build
  manifest and before any comparison ("build/x.pdf is older than 02-russia.md;
  run invoke build"): comparing it would blame the layouts for an edit (B420).
* Each PDF is named by its profile (screen PDF, print PDF).
* The outside validators (:mod:`pressroom.checks.validators`) start first, once for
  every file of the invocation, and run while Pressroom's own checks read the
  outputs back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pressroom import editions, manuscript
from pressroom.checks import validators, verify
from pressroom.errors import Problem
from pressroom.execution import cache
from pressroom.project import Project, resolve_targets, shown


def _output(build_dir: Path, slug: str, edition: str) -> Path:
    return editions.REGISTRY[edition].document(build_dir, slug)


def chosen(build_dir: Path, slug: str, formats=None) -> tuple[tuple[str, ...], list[str]]:
    """The editions to verify and those missing: ``formats`` (edition or format names) if given;
    else every edition a plain ``invoke build`` makes, and any other one in build/ (the print
    PDF). Once anything of a brief is built, a missing default edition is a problem, never a
    silent pass; a brief not built at all is checked as a manuscript only."""
    if formats:
        names = editions.chosen(formats)
        return names, []
    default = editions.chosen()
    present = [e for e in editions.REGISTRY if _output(build_dir, slug, e).exists()]
    if not present:
        return (), []
    names = tuple(dict.fromkeys([*default, *present]))
    return tuple(e for e in names if e in present), [e for e in names if e not in present]


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
                 accessibility: bool = False, verapdf: bool = True) -> Checked:
    """Verify the outputs of every brief named by ``target`` that are in build/ (or ``formats``)."""
    briefs, _ = manuscript.load(project, target)  # raises on an error: nothing to verify then
    result = Checked()
    plans = []
    build_dir = project.build_dir
    for location, brief in zip(resolve_targets(project, target), briefs):
        names, missing = chosen(build_dir, brief.slug, formats)
        for edition in missing:
            label = editions.REGISTRY[edition].label
            kind = editions.REGISTRY[edition].profile
            profile = f" --profile {kind}" if kind not in ("", "screen") else ""
            result.problems.append(Problem(
                "B403", f"the {label} does not exist",
                f"run: invoke build --brief {brief.slug}{profile}, or leave it out with --format",
                shown(_output(build_dir, brief.slug, edition))))
        old = stale(build_dir, location, [e for e in names if _output(build_dir, brief.slug, e).exists()])
        for edition, why in old.items():
            path = _output(build_dir, brief.slug, edition)
            profile = " --profile screen,print" if edition == "pdf-print" else ""
            result.problems.append(Problem(
                "B420", f"the {editions.REGISTRY[edition].label} {why}",
                f"run: invoke build --brief {brief.slug}{profile}", shown(path)))
        plans.append((brief, old, tuple(e for e in names if e not in old)))
    chosen_validators = [name for name, on in (("epubcheck", epubcheck), ("verapdf", verapdf)) if on]
    wanted = {e for name in chosen_validators for e in validators.VALIDATORS[name].editions}
    outside = {e: [editions.REGISTRY[e].path(build_dir, b.slug) for b, _, fresh in plans
                   if e in fresh and editions.REGISTRY[e].path(build_dir, b.slug).is_file()]
               for e in wanted}
    running = validators.start(outside, chosen_validators)  # one JVM each, beside what follows
    for brief, old, fresh in plans:
        if not fresh and not accessibility:
            why = "its outputs are stale" if old else "not built yet, so no edition verified (invoke build makes them)"
            result.lines.append(f"{brief.slug}: manuscript checked; {why}")
            continue
        found = verify.verify_outputs(brief, build_dir, False, fresh) if fresh else []
        if accessibility:
            from pressroom.checks import accessibility as a11y

            more, report = a11y.check_outputs(brief, build_dir)
            result.lines += [f"{brief.slug}: {line}" for line in report]
            found += more
        result.problems += found
        if not found and fresh:
            result.lines.append(f"{brief.slug}: manuscript checked; every section, heading and note "
                                f"is in the {', '.join(editions.REGISTRY[e].label for e in fresh)}")
    found = running.results()
    for _, problems in sorted(found.items()):
        result.problems += problems
    for name, files in running.work.items():  # what the outside validators said, in one line each
        count = sum(len(found.get(f, [])) for f in files)
        result.lines.append(f"{name}: {len(files)} file(s), {count} problem(s)")
    return result


def check(project: Project, target: str | None, formats=(), strict: bool = False,
          epubcheck: bool = True, accessibility: bool = False, warn=None,
          verapdf: bool = True) -> Checked:
    """`invoke check`: lint the manuscript, then verify what is built. A lint error (a warning
    too with ``strict``) stops it before any output is verified (ManuscriptError, every finding);
    lint warnings go to ``warn``; a problem of an output raises VerificationError."""
    from pressroom.checks import lint
    from pressroom.errors import ManuscriptError, VerificationError

    findings = lint.lint(project, target)
    if any(f.severity == "error" or strict for f in findings):
        raise ManuscriptError(findings)
    for finding in findings:
        if warn is not None:
            warn(finding)
    checked = verify_built(project, target, formats or None, epubcheck, accessibility, verapdf)
    # a warning of an output (an image under 300 ppi for the press) fails only with --strict
    failing = [p for p in checked.problems if p.severity == "error" or strict]
    for problem in checked.problems:
        if problem not in failing and warn is not None:
            warn(problem)
    if failing:
        for line in checked.lines:  # what did verify, before the problems
            print(line)
        raise VerificationError(failing)
    return checked

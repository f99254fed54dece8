"""veraPDF, the reference PDF/A and PDF/UA validator, on the screen PDFs: once per invocation.

scripts/bootstrap installs a pinned veraPDF (Maven Central, ``org.verapdf.apps:greenfield-apps``,
the CLI with every dependency in one jar) into ``.tools/verapdf/``; it runs on Java 17. One Java
process validates every PDF it is given (starting the JVM and loading the profiles is most of
its time), each against every flavour the file claims in its XMP metadata: the screen PDF
claims PDF/A-2a and PDF/UA-1 (editions/pdfa.py), and a file that does not claim both is a
problem too, so a lost claim cannot pass unvalidated.

Each failed rule is one Problem (V901): its specification and clause, test number, how many
checks failed, and where the first of them is (the page and object veraPDF names).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from pressroom.errors import Problem

ROOT = Path(__file__).resolve().parents[2]
VERSION = "1.28.2"  # scripts/bootstrap installs this one (VERAPDF_VERSION there)
JAR = ROOT / ".tools" / "verapdf" / f"greenfield-apps-{VERSION}.jar"
MAIN = "org.verapdf.apps.GreenfieldCliWrapper"
#: What the screen PDF must pass: veraPDF's profile names.
REQUIRED = ("PDF/A-2A validation profile", "PDF/UA-1 validation profile")
TIMEOUT = 900


def available() -> bool:
    return JAR.is_file()


def _where(context: str) -> str:
    """veraPDF's context (``root/document[0]/pages[2](10 0 obj PDPage)/contentStream[0]...``) in
    words: the page (1-based) and the object it names."""
    page = re.search(r"pages\[(\d+)\]", context)
    objects = re.findall(r"\((\d+) 0 obj ([A-Za-z]+)\)", context)
    parts = []
    if page:
        parts.append(f"page {int(page.group(1)) + 1}")
    if objects:
        number, kind = objects[-1]
        parts.append(f"object {number} ({kind})")
    return ", ".join(parts) or context[:80] or "the document"


def _results(job) -> list:
    result = job.get("validationResult") or []
    return [result] if isinstance(result, dict) else list(result)


def problems_of(report: dict, shown=str) -> dict[str, list[Problem]]:
    """Each file's problems from veraPDF's JSON report, by the file's path as veraPDF names it."""
    found: dict[str, list[Problem]] = {}
    for job in report.get("report", {}).get("jobs", []):
        name = job.get("itemDetails", {}).get("name", "")
        where = shown(name)
        problems = found.setdefault(name, [])
        if job.get("taskException") or not _results(job):
            why = (job.get("taskException") or {}).get("exceptionMessage") or "no validation result"
            problems.append(Problem("V902", f"veraPDF could not validate the PDF: {why[:160]}",
                                    "rebuild it with invoke build", where))
            continue
        names = set()
        for result in _results(job):
            profile = result.get("profileName", "")
            names.add(profile)
            for rule in result.get("details", {}).get("ruleSummaries", []):
                if rule.get("ruleStatus") != "FAILED":
                    continue
                checks = rule.get("checks") or [{}]
                first = checks[0]
                detail = first.get("errorMessage") or rule.get("description", "")
                problems.append(Problem(
                    "V901", f"{profile.replace(' validation profile', '')}: {rule.get('specification')} "
                    f"clause {rule.get('clause')} test {rule.get('testNumber')} failed "
                    f"{rule.get('failedChecks')} time(s), first at {_where(first.get('context', ''))}: "
                    f"{' '.join(detail.split())[:200]}",
                    "see the rule in veraPDF's validation profiles; fix the layout or the finisher",
                    where))
        for missing in REQUIRED:
            if missing not in names:
                problems.append(Problem("V902", f"the PDF does not claim "
                                        f"{missing.replace(' validation profile', '')}, so veraPDF "
                                        "did not validate it", "build it with Pressroom's screen "
                                        "profile", where))
    return found


def validate(paths: list[Path], shown=str) -> dict[Path, list[Problem]]:
    """Run veraPDF once on every PDF in ``paths``; each path's problems (empty when it passes)."""
    paths = list(paths)
    if not paths:
        return {}
    if not available():
        problem = Problem("V902", f"veraPDF {VERSION} is not installed ({JAR.relative_to(ROOT)})",
                          "run scripts/bootstrap", shown(str(paths[0])))
        return {path: [problem] for path in paths}
    # the jar's own main class is the GUI's: the CLI's is named (flavour 0: what each file claims)
    command = ["java", "-cp", str(JAR), MAIN, "--format", "json", "--flavour", "0",
               "--maxfailuresdisplayed", "1", *(str(p.resolve()) for p in paths)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
        report = json.loads(result.stdout)
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as error:
        why = " ".join(str(getattr(error, "stderr", "") or error).split())[:160]
        problem = Problem("V902", f"veraPDF did not run: {why}",
                          "install Java 17 and run scripts/bootstrap", shown(str(paths[0])))
        return {path: [problem] for path in paths}
    by_name = problems_of(report, shown)
    out = {}
    for path in paths:
        out[path] = by_name.get(str(path.resolve()), [Problem(
            "V902", "veraPDF gave no result for the PDF", "run scripts/bootstrap", shown(str(path)))])
    return out


def check_builds(briefs, build_dir: Path, formats=("pdf",)) -> list[Problem]:
    """veraPDF on the screen PDF of every brief that has one in ``build_dir`` (one run for all)."""
    from pressroom.build import output_paths
    from pressroom.manuscript import shown

    if "pdf" not in formats:
        return []
    paths = [output_paths(build_dir, b.slug)["pdf"] for b in briefs]
    paths = [p for p in paths if p.is_file()]
    found = validate(paths, lambda name: shown(Path(name)))
    return [problem for path in paths for problem in found[path]]

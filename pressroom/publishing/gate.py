"""The publishing gate: a brief is released only when every condition holds.

    status is final                          R601
    the manuscript checks pass, strictly     lint.lint: its own codes (a final brief's date,
                                             summary, key points... M206, even while the
                                             status is draft), warnings too; R602
        -- the above are told together, and refuse before anything is built --
    a fresh build verifies complete          V5xx, EPUBCheck V504
    veraPDF passes the screen PDF            V901, V902 (PDF/UA-1 and PDF/A-2a)
    the print PDF passes the PDF/X preflight V903-V910, its warnings too (preflight.py)
    no output carries a draft marking        R603

Every unmet condition is reported, one line each, in one :class:`PublishError`.
"""

from __future__ import annotations

import zipfile
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from pressroom import build as pipeline
from pressroom import editions, manuscript
from pressroom.checks import lint, verapdf, verify
from pressroom.errors import ManuscriptError, PressroomError, Problem, PublishError
from pressroom.manuscript import Project, shown
from pressroom.model import Brief

#: What marks a draft in an output: classes and attributes of the layouts, and the banner's words.
DRAFT_CLASSES = {"draft", "draft-banner", "draft-mark"}
DRAFT_ATTRIBUTES = {"data-draft-stamp", "data-draft-mark"}
DRAFT_PHRASE = "not for circulation"


#: What a release is made from: every edition, and the PDF in both profiles (screen and print).
RELEASED = editions.released()  # pdf, pdf-print, epub, html
PDFS = editions.pdfs()


class _Marks(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split()) & DRAFT_CLASSES
        self.found += [f'<{tag} class="{c}">' for c in sorted(classes)]
        self.found += [f"<{tag} {a}>" for a in sorted(DRAFT_ATTRIBUTES & attrs.keys())]


def markup_marks(text: str) -> list[str]:
    parser = _Marks()
    parser.feed(text)
    parser.close()
    return parser.found


def draft_marks(brief: Brief, build_dir: Path) -> list[Problem]:
    """Draft markings in the built outputs of ``brief``: one problem per output file that has any."""
    paths = pipeline.output_paths(build_dir, brief.slug)
    hint = "the layouts mark a final brief as a draft; check layouts/"
    problems = []
    for name in ("index.html", *(page for page, _ in editions.pages().values())):
        path = paths["html"] / name
        marks = markup_marks(path.read_text(encoding="utf-8")) if path.is_file() else []
        if marks:
            problems.append(Problem("R603", f"draft marking: {', '.join(marks[:3])}", hint, shown(path)))
    if paths["epub"].is_file():
        with zipfile.ZipFile(paths["epub"]) as epub:
            marked = {name.rsplit("/", 1)[-1]: markup_marks(epub.read(name).decode("utf-8"))
                      for name in epub.namelist() if name.endswith((".xhtml", ".html"))}
        marked = {name: marks for name, marks in marked.items() if marks}
        if marked:
            first = next(iter(marked.values()))
            problems.append(Problem("R603", f"draft marking in {len(marked)} EPUB document(s) "
                                    f"({', '.join(list(marked)[:3])}{', …' if len(marked) > 3 else ''}): "
                                    f"{', '.join(first[:3])}", hint, shown(paths["epub"])))
    phrase = verify.normalise(DRAFT_PHRASE)
    authored = any(phrase in verify.normalise(b.text) for b in verify.flow_blocks(brief))
    for edition in PDFS:
        path = paths[edition]
        if path.is_file() and not authored:
            for number, text in enumerate(verify.pdf_pages(path.read_bytes()), start=1):
                if phrase in verify.normalise(text):
                    problems.append(Problem("R603", f"draft marking on page {number}: "
                                            f"“{DRAFT_PHRASE}”", "check layouts/ and styles/",
                                            shown(path)))
                    break
    return problems


def check(project: Project, target: str) -> Brief:
    """Check ``target``; build it fresh into build/ and verify it; raise every unmet condition.

    Whatever the sources alone show (the status, every lint finding of the brief checked as the
    final it is to become) is reported together, before anything is built: an editor learns every
    reason in the first refusal, in well under a second.
    """
    # the checks of `invoke check --strict`, as for a final brief: every finding blocks publishing
    findings = [replace(f, severity="error") for f in lint.lint(project, target, as_final=True)]
    try:
        briefs, _ = manuscript.load(project, target)
    except ManuscriptError as error:  # nothing can be built: the findings are the reasons
        raise PublishError(findings or error.problems) from error
    if len(briefs) != 1:
        raise ManuscriptError(Problem("P107", f"'{target}' is not one brief",
                                      "name one brief with --brief", target))
    brief = briefs[0]
    where = shown(brief.sources[0])
    reasons = []
    if brief.metadata.status != "final":
        reasons.append(Problem("R601", f"the status is '{brief.metadata.status}'; only a final "
                               "brief is published", "write status: final when it is ready", where))
    reasons += findings
    if findings:
        reasons.append(Problem("R602", f"{len(findings)} manuscript finding(s) above; publishing "
                               "runs `invoke check --strict`", "fix each one (invoke fix rewrites "
                               "the typography)", where))
    if reasons:  # refused on the sources alone: nothing is built
        raise PublishError(reasons)
    try:
        pipeline.build(project, target, RELEASED, force=True)  # fresh: never the cache's outputs
    except PressroomError as error:  # nothing to verify: report what we know
        raise PublishError(error.problems) from error
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:  # EPUBCheck (a JVM) beside the own checks
        epubcheck = pool.submit(verify.run_epubcheck, pipeline.output_paths(project.build_dir,
                                                                            brief.slug)["epub"])
        reasons += verify.verify_outputs(brief, project.build_dir, epubcheck=False, formats=RELEASED)
        reasons += epubcheck.result()
    reasons += verapdf.check_builds([brief], project.build_dir)  # PDF/UA-1 and PDF/A-2a
    reasons += draft_marks(brief, project.build_dir)
    if reasons:
        raise PublishError(reasons)
    return brief

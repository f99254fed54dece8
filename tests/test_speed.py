"""What makes builds fast keeps the output the same: the PDF worker, the quick WeasyPrint
import, the shared font configuration, and imports only of what an edition needs."""

import io
import os
import re
import subprocess
import sys

import pytest
from conftest import FIRST, ROOT
from pypdf import PdfReader

from pressroom import weasy
from pressroom.editions import html, pdf
from pressroom.errors import BuildError
from pressroom.execution import scheduler, worker


def python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)


def imported_by(*args: str, build_dir) -> str:
    """The modules a command imports (in every Python process it starts), from -X importtime."""
    result = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PRESSROOM_BUILD_DIR": str(build_dir),
                                 "PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stderr


def test_listing_the_tasks_imports_no_renderer_and_a_build_no_pdf_reader(tmp_path):
    listing = imported_by("--list", build_dir=tmp_path)
    for module in ("weasyprint", "pypdf", "markdown_it", "jinja2"):
        assert f"| {module}" not in listing, module
    # every edition carries the PDF's page numbers, so every build lays out the PDF; none reads one
    assert "| pypdf" not in imported_by("build", "--brief", FIRST, build_dir=tmp_path)


def test_the_importtime_check_sees_weasyprint_when_a_pdf_is_made(tmp_path):
    assert "| weasyprint" in imported_by("build", "--brief", FIRST, "--format", "pdf", build_dir=tmp_path)


def _imports(importtime: str, module: str) -> bool:
    """Whether -X importtime's lines show ``module`` imported, at any depth."""
    return re.search(rf"^import time:.*\|\s+{re.escape(module)}$", importtime, re.M) is not None


def _worker_waiting_imports(before: str = "") -> str:
    """The modules a PDF worker imports before the build's word to import WeasyPrint (its own
    boot, given no word: it stops there), from -X importtime; ``before`` runs first."""
    from pressroom.execution import worker

    paths = [worker._ROOT, *(p for p in sys.path if p and p != worker._ROOT)]
    result = subprocess.run([sys.executable, "-S", "-c", before + worker._BOOT, os.pathsep.join(paths), os.pathsep],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| pressroom.editions.pdf" in result.stderr  # the check sees what the worker imports
    return result.stderr


def test_the_pdf_worker_waits_without_the_manuscript_code():
    # it waits as soon as it can: the sooner it waits, the sooner its WeasyPrint import can start
    imported = _worker_waiting_imports()
    for module in ("pressroom.manuscript", "markdown_it", "yaml", "jinja2", "weasyprint"):
        assert not _imports(imported, module), module


def test_the_check_above_sees_the_manuscript_code_in_the_worker():
    imported = _worker_waiting_imports("import sys; sys.path[:0] = sys.argv[1].split(sys.argv[2]); "
                                       "import pressroom.manuscript.safety; ")
    assert _imports(imported, "pressroom.manuscript") and _imports(imported, "markdown_it")


def test_the_pdf_worker_and_a_single_process_make_the_same_bytes(tmp_path):
    for name, flag in (("worker", "1"), ("alone", "0")):
        result = subprocess.run([sys.executable, "-m", "invoke", "build", "--brief", FIRST,
                                 "--profile", "screen,print"], cwd=ROOT,
                                capture_output=True, text=True, timeout=300,
                                env={**os.environ, "PRESSROOM_WORKER": flag,
                                     "PRESSROOM_BUILD_DIR": str(tmp_path / name)})
        assert result.returncode == 0, result.stderr
    for suffix in (".pdf", "-print.pdf", ".epub"):
        assert (tmp_path / "worker" / (FIRST + suffix)).read_bytes() == \
            (tmp_path / "alone" / (FIRST + suffix)).read_bytes()


def test_only_the_command_line_uses_a_worker():
    assert not scheduler.wanted()  # library callers (tests, the preview) render in-process
    scheduler.allow()
    try:
        assert scheduler.wanted() == ("weasyprint" not in sys.modules)
    finally:
        scheduler.allow(False)


def test_the_worker_renders_and_reports_problems_as_one_line(project, first_brief):
    tree = html.tree(first_brief, project)
    base = (project.build_dir / first_brief.slug).resolve().as_uri() + "/"
    running = worker.Worker()
    try:
        job = running.submit(first_brief, {k: v for k, v in tree.items() if k != "index.html"}, base)
        starts, good = job.starts(), job.pdf()
        layout_only = running.submit(first_brief, tree, base, pdf=False).starts()
        bad = running.submit(first_brief, {"assets/x.css": b""}, base)  # no print.html
        with pytest.raises(BuildError) as caught:
            bad.starts()
    finally:
        running.close()
    assert running.process.returncode is not None
    here = pdf.LaidOut(first_brief, tree, base)
    assert starts == layout_only == here.starts() and len(starts) >= 4
    assert job.page_count == here.page_count == len(PdfReader(io.BytesIO(good)).pages)
    assert good.startswith(b"%PDF-") and good == here.pdf()
    assert caught.value.problems[0].code == "B401"


def test_a_worker_is_stopped_with_its_build_whatever_it_was_doing():
    for prepare in (False, True):  # idle, or importing WeasyPrint for a build that then failed
        running = worker.Worker()
        if prepare:
            running.prepare()
        running.close()
        assert running.process.returncode is not None


def test_a_worker_that_dies_is_reported_not_waited_for(project, first_brief):
    import signal

    running = worker.Worker()
    try:
        os.kill(running.pid, signal.SIGKILL)
        waiting = running.submit(first_brief, {}, "file:///nowhere/")
        with pytest.raises(BuildError) as caught:
            waiting.pdf()
    finally:
        running.close()
    assert "stopped before finishing" in str(caught.value.problems[0])


def test_weasyprint_is_imported_without_spawning_a_library_search():
    code = ("import subprocess; spawned = []; real = subprocess.Popen.__init__\n"
            "def counting(self, *a, **k): spawned.append(a[0] if a else k.get('args')); real(self, *a, **k)\n"
            "subprocess.Popen.__init__ = counting\n"
            "from pressroom import weasy; w = weasy.load(); import ctypes.util\n"
            "assert ctypes.util.find_library.__name__ == 'find_library'\n"
            "assert w.HTML(string='<p>x</p>').write_pdf().startswith(b'%PDF')\n"
            "print(len(spawned))")
    result = python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_the_check_above_can_fail_weasyprints_own_import_searches():
    result = python("import subprocess; spawned = []; real = subprocess.Popen.__init__\n"
                    "def counting(self, *a, **k): spawned.append(1); real(self, *a, **k)\n"
                    "subprocess.Popen.__init__ = counting\n"
                    "import weasyprint; print(len(spawned))")
    assert result.returncode == 0, result.stderr
    if sys.platform.startswith("linux"):
        assert int(result.stdout.strip()) > 0


def test_a_shared_font_configuration_changes_no_byte(project, first_brief):
    tree = html.tree(first_brief, project)
    base = (project.build_dir / first_brief.slug).resolve().as_uri() + "/"
    weasy.forget_fonts()
    first = pdf.render(first_brief, tree, base)  # fonts loaded
    again = pdf.render(first_brief, tree, base)  # fonts reused
    assert len(weasy._font_configs) == 1
    weasy.forget_fonts()
    assert first == again == pdf.render(first_brief, tree, base)


def test_changed_fonts_or_stylesheets_get_a_new_font_configuration(project, first_brief, tmp_path):
    tree = html.tree(first_brief, project)
    key = pdf.fonts_key(tree, "file:///x/")
    assert key == pdf.fonts_key(tree, "file:///x/")
    assert key != pdf.fonts_key(tree, "file:///y/")
    copy = tmp_path / "fonts.css"
    copy.write_bytes(tree["assets/fonts.css"].read_bytes() + b"\n")
    assert key != pdf.fonts_key({**tree, "assets/fonts.css": copy}, "file:///x/")
    weasy.forget_fonts()
    assert weasy.font_config(key) is weasy.font_config(key)
    assert weasy.font_config(key) is not weasy.font_config(key + ("changed",))


def test_the_epub_container_is_what_zipfile_writes_and_reuses_compressed_fonts(tmp_path):
    import io
    import zipfile

    from pressroom.editions import epubzip

    font = tmp_path / "font.ttf"
    font.write_bytes(bytes(range(256)) * 400)
    entries = [("mimetype", b"application/epub+zip", None), ("EPUB/a.xhtml", b"<p>text</p>" * 50, 9),
               ("EPUB/fonts/font.ttf", font, 6)]
    stamp = (2026, 11, 16, 12, 0, 0)
    reference = io.BytesIO()
    with zipfile.ZipFile(reference, "w") as archive:
        for name, content, level in entries:
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_STORED if level is None else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = content.read_bytes() if hasattr(content, "read_bytes") else content
            archive.writestr(info, data, compresslevel=level)
    assert epubzip.write(entries, stamp) == reference.getvalue()
    assert epubzip.compressed(font, 6) is epubzip.compressed(font, 6)  # compressed once
    font.write_bytes(b"changed")
    assert zipfile.ZipFile(io.BytesIO(epubzip.write(entries, stamp))).read("EPUB/fonts/font.ttf") == b"changed"


def test_page_walk_places_are_packed_and_answer_as_the_list_of_tuples_did():
    from pressroom.editions import pagination as pages

    docs = ["<body><p>Caf&eacute; one</p></body>", "<body><p>two <img src='x'> ﬁve</p></body>"]
    stream = pages.Stream(docs)
    assert stream.joined == "caféonetwo#five"
    places = [stream.where[i] for i in range(len(stream.where))]
    assert places == sorted(places) and places[0] == (0, docs[0].index("Caf"))
    assert stream.where.keys.itemsize == 8  # one integer a unit, not a tuple
    for doc, index in [(0, 0), (0, 15), (1, 0), (1, docs[1].index("ﬁ")), (1, 10**6)]:
        import bisect

        assert stream.at(doc, index) == bisect.bisect_left(places, (doc, index))


def test_a_process_forked_from_the_build_does_not_use_its_worker(monkeypatch):
    running = worker.Worker()
    try:
        monkeypatch.setattr(scheduler, "_active", running)
        assert scheduler.active() is running
        monkeypatch.setattr(running, "owner", -1)  # as seen from a forked pool process
        assert scheduler.active() is None
    finally:
        running.close()


SAME_BYTES = """
import sys
import pydyf, weasyprint
from weasyprint.formatting_structure.boxes import FootnoteAreaBox
from weasyprint.layout import block
sys.path.insert(0, sys.argv[2])
from pressroom import weasy
from pressroom.weasy import footnotes

laid_out = [0]  # notes laid out in a footnote area, by WeasyPrint itself
layout = block.block_level_layout
def counting(context, box, bottom_space, skip_stack, containing_block, *rest):
    laid_out[0] += isinstance(containing_block, FootnoteAreaBox)
    return layout(context, box, bottom_space, skip_stack, containing_block, *rest)
block.block_level_layout = counting

options = dict(pdf_variant="pdf/ua-1", pdf_tags=True, pdf_identifier=b"0123456789abcdef")
render = lambda: weasyprint.HTML(filename=sys.argv[1]).write_pdf(**options)
plain = render()  # WeasyPrint and pydyf as they come
plain_notes, laid_out[0] = laid_out[0], 0
references = pydyf.PDF.page_references
weasy._tune()
tuned = render()
assert pydyf.PDF.page_references is not references  # the speed-ups are in
# each note laid out once per place: for the fixture's dozen notes on a page, not once per note after it
assert laid_out[0] < plain_notes / float(sys.argv[4]), (laid_out[0], plain_notes)
weasy._tune()  # twice is once
again = render()
if sys.argv[3] == "pages":  # what the comparison would see if a speed-up changed a byte
    kept = pydyf.PDF.page_references.fget
    pydyf.PDF.page_references = property(lambda self: tuple(reversed(kept(self))))
    again = render()
if sys.argv[3] == "notes":  # a memory of the notes that gives every note the first one's layout
    footnotes.place = lambda *args: ()
    again = render()
print(plain == tuned == again)
"""


@pytest.mark.parametrize("brief, sabotage", [("sample-brief-corridors", "none"), ("sample-brief-corridors", "pages"),
                                             ("citations", "none"), ("citations", "notes")])
def test_weasyprint_and_pydyf_speed_ups_change_no_byte(tmp_path, brief, sabotage):
    # the sample brief has footnotes, figures and a table: pages with every kind of tag; the
    # citation fixture in Chicago's notes style has a page with more than a dozen notes
    where = brief if brief != "citations" else str(ROOT / "tests" / "fixtures" / "citations")
    built = subprocess.run([sys.executable, "-m", "invoke", "build", "--brief", where, "--format", "html"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "PRESSROOM_BUILD_DIR": str(tmp_path)})
    assert built.returncode == 0, built.stderr
    result = subprocess.run(
        [sys.executable, "-c", SAME_BYTES, str(tmp_path / brief / "print.html"), str(ROOT), sabotage,
         "3" if brief == "citations" else "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ("True" if sabotage == "none" else "False")


def _laid_out_garbage(project, first_brief) -> list[str]:
    """The kinds of box a laid-out brief leaves for the cycle collector once it is dropped."""
    import gc

    tree = html.tree(first_brief, project)
    gc.collect()
    gc.disable()
    try:
        document = pdf.layout(first_brief, tree, pdf.tree_url(first_brief.slug))
        assert len(document.pages) >= 4
        del document
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found = sorted({type(o).__name__ for o in gc.garbage if type(o).__name__.endswith("Box")})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return found


def test_laid_out_pages_are_freed_without_the_cycle_collector(project, first_brief):
    # (the layout's context, one per document, is a cycle, and holds a few boxes of its own)
    weasy.load()
    assert "PageBox" not in _laid_out_garbage(project, first_brief)


def test_the_check_above_can_fail_a_footnote_area_holding_its_page(project, first_brief, monkeypatch):
    from weasyprint.formatting_structure import boxes

    weasy.load()
    monkeypatch.delattr(boxes.FootnoteAreaBox, "page")  # WeasyPrint's own: a plain attribute
    assert "PageBox" in _laid_out_garbage(project, first_brief)


def test_a_rebuild_with_nothing_to_do_imports_no_weasyprint_in_any_process(tmp_path):
    imported_by("build", "--brief", FIRST, build_dir=tmp_path)
    again = imported_by("build", "--brief", FIRST, build_dir=tmp_path)
    assert "| pressroom.build" in again  # the check sees the build's imports...
    assert "pressroom.execution.worker" in again  # ...and the worker's module (its process started early, stopped unused)
    assert "| weasyprint" not in again and "| markdown_it" not in again


# --------------------------------------------------------------------------- several briefs at once

def _stopped(pid: int) -> bool:
    """Whether a process has ended (a zombie nobody reaps has ended too)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return True


def _another(brief):
    import dataclasses

    return dataclasses.replace(brief, metadata=dataclasses.replace(
        brief.metadata, title="Another title, so that its PDF is another"))


def test_a_pool_forks_its_second_worker_renders_with_both_and_stops_them(project, first_brief):
    import time

    tree = html.tree(first_brief, project)
    base = pdf.tree_url(first_brief.slug)
    job = {k: v for k, v in tree.items() if k != "index.html"}
    with worker.Pool(2) as pool:
        first, clone = pool.take(), pool.take()
        assert isinstance(clone, worker.Clone) and first.process is not None
        answers = [running.submit(first_brief, job, base) for running in (first, clone)]
        made = [a.pdf() for a in answers]
        assert clone.pid not in (None, first.pid, os.getpid())
        parent = open(f"/proc/{clone.pid}/status").read().split("PPid:")[1].split()[0]
        assert int(parent) == first.pid  # forked by the first worker, not started afresh
    assert made[0] == made[1] == pdf.LaidOut(first_brief, tree, base).pdf()
    deadline = time.monotonic() + 10
    while not (_stopped(clone.pid) and first.process.returncode is not None):
        assert time.monotonic() < deadline, "a worker of the pool outlived it"
        time.sleep(0.05)


def test_a_job_left_unread_by_a_failed_brief_is_drained_before_the_next(project, first_brief,
                                                                         monkeypatch):
    """A brief that fails after its job was sent (its EPUB, say) must not hand its answers to the
    next brief the worker lays out; sabotaged, the check sees the next brief get them."""
    other = _another(first_brief)
    trees = {b.slug + b.metadata.title: html.tree(b, project) for b in (first_brief, other)}
    base = pdf.tree_url(first_brief.slug)
    files = [{k: v for k, v in t.items() if k != "index.html"} for t in trees.values()]
    expected = pdf.LaidOut(other, list(trees.values())[1], base).pdf()

    def next_pdf(drain: bool) -> bytes:
        running = worker.Worker()
        try:
            monkeypatch.setattr(scheduler, "_active", running)
            if not drain:
                monkeypatch.setattr(worker.Job, "discard", lambda self: None)
            with pytest.raises(RuntimeError):
                with scheduler.leased() as job:
                    job(scheduler.submit(first_brief, files[0], base))
                    raise RuntimeError("the EPUB could not be made")
            return scheduler.submit(other, files[1], base).pdf()
        finally:
            monkeypatch.undo()
            running.close()

    assert next_pdf(drain=True) == expected
    assert next_pdf(drain=False) != expected  # the first brief's PDF, read as the second's

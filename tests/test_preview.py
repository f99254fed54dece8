"""`invoke preview`: the warm rebuild cycle, the server, Ctrl-C, and the page in a real headless Chromium.

Every test previews a temporary copy of the project; the repository's source/ is never edited.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIRST, ROOT, copy_project

from pressroom.preview import Preview, PreviewServer

CHROMIUM = Path("/usr/bin/chromium")
TITLE = "Between Moscow and the West"


@pytest.fixture
def copy(tmp_path):
    return copy_project(tmp_path)


def append(path: Path, text: str) -> str:
    new = path.read_text(encoding="utf-8") + text
    path.write_text(new, encoding="utf-8")
    return new


def get(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, bytes]:
    port = server.httpd.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host} if host else {}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def test_a_rebuild_cycle_shows_html_then_pdf_and_keeps_the_last_good_on_error(copy):
    preview = Preview(copy, FIRST)
    timings = preview.rebuild()
    assert set(timings) == {"html", "pdf"} and timings["html"] <= timings["pdf"]
    assert preview.state["title"] == TITLE and preview.state["errors"] == []
    assert preview.state["status"] == "final" and preview.state["pages"] > 1
    good_tree, good_pdf = preview.tree, preview.pdf
    assert good_pdf.startswith(b"%PDF") and TITLE.encode() in good_tree["index.html"]

    yaml = copy.source_dir / FIRST / "brief.yaml"
    fixed = yaml.read_text(encoding="utf-8")
    yaml.write_text(fixed + "title: [unclosed\n", encoding="utf-8")
    assert set(preview.rebuild()) == {"error"}
    [error] = preview.state["errors"]
    assert re.search(r"brief\.yaml:\d+: YAML syntax error.*\[P102\]$", error)
    assert preview.tree is good_tree and preview.pdf is good_pdf  # the last good preview stays

    yaml.write_text(fixed, encoding="utf-8")
    assert set(preview.rebuild()) == {"html", "pdf"}
    assert preview.state["errors"] == []


def test_a_layout_change_reaches_the_warm_process_and_a_broken_layout_points_at_its_line(copy):
    preview = Preview(copy, FIRST)
    preview.rebuild()
    back = copy.layouts_dir / "partials" / "back.html"
    good = back.read_text(encoding="utf-8")
    back.write_text(good + "<p>Layout marker 4a</p>\n", encoding="utf-8")
    assert set(preview.rebuild()) == {"html", "pdf"}
    assert b"Layout marker 4a" in preview.tree["index.html"]  # Jinja's compiled layout was refreshed

    lines = good.splitlines()
    lines.insert(2, "{% if %}")
    back.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert set(preview.rebuild()) == {"error"}
    [error] = preview.state["errors"]
    assert re.search(r"layouts/partials/back\.html:3: template syntax error: .*\[B406\]$", error), error
    assert b"Layout marker 4a" in preview.tree["index.html"]  # the last good preview stays

    lines[2] = "{{ meta.no_such_field }}"
    back.write_text("\n".join(lines) + "\n", encoding="utf-8")
    preview.rebuild()
    [error] = preview.state["errors"]
    assert re.search(r"layouts/partials/back\.html:3: template error: .*no_such_field.*\[B406\]$", error), error

    back.write_text(good, encoding="utf-8")
    assert set(preview.rebuild()) == {"html", "pdf"} and preview.state["errors"] == []


def test_a_preview_that_starts_broken_recovers_and_logs_each_rebuild(copy):
    section = copy.source_dir / FIRST / "02-foreign-policy-dilemma.md"
    good = section.read_text(encoding="utf-8")
    section.write_text(good + "\nA claim.[^missing]\n", encoding="utf-8")
    lines: list[str] = []
    preview = Preview(copy, FIRST, log=lines.append)
    assert set(preview.rebuild()) == {"error"}
    assert preview.tree == {} and preview.pdf is None and preview.state["html"] == 0
    assert re.search(r"02-foreign-policy-dilemma\.md:\d+: footnote \[\^missing\].*\[C304\]$", lines[-1])
    section.write_text(good, encoding="utf-8")
    assert set(preview.rebuild()) == {"html", "pdf"}
    assert preview.state["errors"] == [] and preview.pdf.startswith(b"%PDF")
    assert re.search(rf"rebuilt {FIRST} in \d+\.\d\d s$", lines[-1])


def test_only_changes_the_brief_depends_on_trigger_a_rebuild(copy):
    preview = Preview(copy, FIRST)
    assert preview.relevant(copy.source_dir / FIRST / "03-russia.md")
    assert preview.relevant(copy.house_file)
    assert preview.relevant(copy.layouts_dir / "page.html")
    assert preview.relevant(copy.styles_dir / "print.css")
    assert not preview.relevant(copy.source_dir / "another-brief" / "01-intro.md")


def test_the_server_answers_loopback_names_only_and_serves_only_the_edition(copy):
    server = PreviewServer(copy, FIRST, port=0)
    server.start()
    try:
        status, body = get(server, "/")
        assert status == 200 and b"/preview.js" in body and b"http" not in body.replace(b"http-equiv", b"")
        assert get(server, "/edition/index.html")[0] == 200
        assert get(server, "/edition.pdf")[1].startswith(b"%PDF")
        assert json.loads(get(server, "/state")[1])["title"] == TITLE
        assert get(server, "/edition/../../pyproject.toml")[0] == 404
        assert get(server, "/edition/%2e%2e/source/house.yaml")[0] == 404
        assert get(server, "/", host="attacker.example:80")[0] == 403  # DNS rebinding
    finally:
        server.stop()


def test_the_pdf_pane_gets_each_page_as_an_image(copy):
    server = PreviewServer(copy, FIRST, port=0)
    server.start()
    try:
        server.preview.rebuild()
        status, body = get(server, "/page/2.png?v=1")
        assert status == 200 and body.startswith(b"\x89PNG")
        assert get(server, "/page/99.png")[0] == 404
        page = get(server, "/")[1].decode()
        assert '<iframe id="pdf"' not in page and 'id="pdf" class="pages"' in page
    finally:
        server.stop()


def test_a_busy_port_is_one_line(copy):
    from pressroom.errors import BuildError

    first = PreviewServer(copy, FIRST, port=0)
    try:
        with pytest.raises(BuildError) as caught:
            PreviewServer(copy, FIRST, port=first.httpd.server_address[1])
        assert [p.code for p in caught.value.problems] == ["B405"]
    finally:
        first.httpd.server_close()


def test_a_cited_brief_keeps_one_citation_processor_ready_until_the_preview_stops(copy):
    preview = Preview(copy, "sample-brief-corridors")  # the sample brief cites its sources
    preview.rebuild()
    ready = preview._citations.processor
    assert ready is not None and ready.process.poll() is None  # engine building for the next change
    preview.rebuild()  # nothing changed: the answer kept serves, the same process stays ready
    assert preview._citations.processor is ready and ready.process.poll() is None
    preview.stop()
    assert ready.process.poll() is not None and preview._citations.processor is None


def test_ctrl_c_stops_the_preview_cleanly(copy):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from pressroom.preview import serve
        from pressroom.project import Project
        serve(Project(Path({str(copy.root)!r})), {FIRST!r}, 0, announce=lambda m: print(m, flush=True))
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        found = None
        while found is None:
            line = process.stdout.readline()
            assert line, process.stderr.read()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        port = int(found.group(1))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/state")
        assert connection.getresponse().status == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert "preview stopped" in out and "Traceback" not in err


def _playwright():
    try:
        from playwright import sync_api
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is missing: it is in pyproject's [test] extra")
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    return sync_api


def _chromium(playwright, profile: Path):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("no /usr/bin/chromium here (CI installs it)")
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync"])


def test_the_page_follows_saves_in_a_real_browser(copy, tmp_path):
    sync_api = _playwright()
    expect = sync_api.expect
    server = PreviewServer(copy, FIRST, port=0)
    server.start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = _chromium(playwright, tmp_path / "profile")
            try:
                page = browser.new_page()
                requests: list[str] = []
                page.on("request", lambda request: requests.append(request.url))
                page.goto(server.url)
                frame = page.frame_locator("#html")
                expect(page.locator("#title")).to_have_text(TITLE, timeout=20_000)
                expect(frame.locator("h1").first).to_contain_text(TITLE, timeout=20_000)
                expect(page.locator("#status")).to_contain_text("final")

                # the PDF pane: its pages as images; a rebuild keeps the page and scroll position
                expect(page.locator("#pdf img")).to_have_count(4, timeout=20_000)
                page.wait_for_function("() => [...document.querySelectorAll('#pdf img')]"
                                       ".every(i => i.complete && i.naturalHeight)")
                scrolled = page.eval_on_selector("#pdf", "e => { e.scrollTop = e.scrollHeight / 2; return e.scrollTop; }")
                assert scrolled > 0
                before = page.get_attribute("#pdf img", "src")

                sentence = "This sentence was written while the preview was open."
                section = copy.source_dir / FIRST / "03-russia.md"
                timings = server.preview.edit(section, section.read_text(encoding="utf-8") + f"\n{sentence}\n")
                assert set(timings) == {"html", "pdf"}
                expect(frame.locator("main")).to_contain_text(sentence, timeout=20_000)
                expect(page.locator("#pdf img").first).not_to_have_attribute("src", before, timeout=20_000)
                page.wait_for_function("() => [...document.querySelectorAll('#pdf img')].every(i => i.complete)")
                assert page.eval_on_selector("#pdf", "e => e.scrollTop") == scrolled

                yaml = copy.source_dir / FIRST / "brief.yaml"
                fixed = yaml.read_text(encoding="utf-8")
                yaml.write_text(fixed + "title: [unclosed\n", encoding="utf-8")
                expect(page.locator("#errors")).to_be_visible(timeout=20_000)
                expect(page.locator("#error-list")).to_contain_text(
                    re.compile(r"brief\.yaml:\d+: YAML syntax error"))
                expect(frame.locator("main")).to_contain_text(sentence)  # the last good preview stays

                yaml.write_text(fixed, encoding="utf-8")
                expect(page.locator("#errors")).to_be_hidden(timeout=20_000)
                expect(page.locator("#status")).not_to_contain_text("error")
                expect(frame.locator("h1").first).to_contain_text(TITLE)
            finally:
                browser.close()
    finally:
        server.stop()
    outside = [u for u in requests if not u.startswith((server.url, "about:", "data:", "blob:",
                                                          "chrome-extension:", "chrome:"))]
    assert outside == []  # no CDN, no remote script: everything came from the preview


def test_a_save_made_as_soon_as_the_server_first_answers_is_rebuilt(copy):
    """Watching starts before the first build: the earliest save after the preview answers (or
    one made while it builds) is never lost."""
    import threading
    import time

    server = PreviewServer(copy, FIRST, port=0)
    starting = threading.Thread(target=server.start, daemon=True)
    starting.start()
    try:
        status, body = get(server, "/state")  # answered as soon as the server serves
        assert status == 200
        first = json.loads(body)["html"]
        sentence = "This sentence was saved the moment the preview first answered."
        append(copy.source_dir / FIRST / "03-russia.md", f"\n{sentence}\n")
        deadline = time.monotonic() + 30
        while json.loads(get(server, "/state")[1])["html"] == first:
            assert time.monotonic() < deadline, "the save was never rebuilt"
            time.sleep(0.1)
        assert sentence.encode() in get(server, "/edition/index.html")[1]
    finally:
        starting.join(timeout=30)
        server.stop()

"""`invoke bench`: a smoke run end to end (no timing is asserted), scaled briefs, the README table."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIRST, ROOT

from devtools import bench, benchreport
from pressroom import manuscript
from pressroom.manuscript import Project


@pytest.mark.slow
def test_a_quick_bench_runs_end_to_end_and_its_json_is_complete(tmp_path):
    env = dict(os.environ, PRESSROOM_BUILD_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "invoke", "bench", "--quick"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "bench" / "bench.json").read_text())
    assert data["quick"] and data["runs"] == bench.QUICK_RUNS
    assert data["date"] and data["commit"] and data["machine"]["cores"]
    assert set(data["sizes"]) == {"x1"}
    size = data["sizes"]["x1"]
    assert size["sections"] == 5 and size["pages"] >= 4
    assert set(size["measures"]) == set(bench.WHOLE + bench.WARM)
    for name, entry in size["measures"].items():
        assert len(entry["runs"]) == bench.QUICK_RUNS, name
        assert 0 < entry["min"] <= entry["median"] <= entry["max"], name
        assert entry["ratio"] > 0, name
        if name in bench.WHOLE:
            assert entry["peak_mib"] > 0 and entry["peak_ratio"] > 0, name
            assert entry["tree_mib"] >= entry["peak_mib"] and entry["tree_ratio"] > 0, name
    assert size["measures"]["bare"]["ratio"] == 1.0
    names = {t["target"] for t in data["targets"]}
    assert {"full build ×1", "PDF only ×1", "no-op rebuild (s) ×1", "warm rebuild ×1",
            "invoke import, 30-page manuscript (s)"} <= names
    assert data["import"]["runs"] == bench.QUICK_RUNS and 0 < data["import"]["min"] <= data["import"]["max"]
    assert "| Word import (10 sections, 60 notes, 4 tables, 6 images; 3 runs) |" in result.stdout
    assert all(isinstance(t["met"], bool) for t in data["targets"])
    assert "| target | measured | limit | met |" in result.stdout
    # the editor's gate: a draft's refusal and `invoke check` of every brief, in seconds
    assert set(data["gate"]) == {"refusal", "check_all"}
    assert all(len(e["runs"]) == bench.QUICK_RUNS and e["median"] > 0 and e["cpu"] > 0
               for e in data["gate"].values())
    assert {"invoke publish of a draft: refused before building (s)",
            "invoke check of every brief of source/ (EPUBCheck included) (s)"} <= names
    # the bench never touches the real sources, and leaves no scratch outputs behind
    assert not (tmp_path / "bench" / "runs" / "x1" / "fresh").exists()


def test_a_scaled_brief_repeats_every_section_and_loads_cleanly(tmp_path):
    folder = bench.scaled_brief(3, tmp_path)
    source = ROOT / "source" / FIRST
    assert len(list(folder.glob("*.md"))) == 3 * len(list(source.glob("*.md")))
    assert (folder / "003-05-conclusion.md").read_bytes() == (source / "05-conclusion.md").read_bytes()
    briefs, warnings = manuscript.load(Project(ROOT, tmp_path / "out"), str(folder))
    assert {w.code for w in warnings} <= {"C327"}  # its headings repeat, by design
    brief = briefs[0]
    assert len(brief.sections) == 15
    ids = [h.id for h in brief.headings]
    assert len(ids) == len(set(ids))  # repeated headings still get unique anchors
    assert bench.scaled_brief(3, tmp_path) == folder  # made once, reused while up to date


def test_the_readme_section_is_replaced_not_repeated(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n\n## Quick start\n\nrun it\n", encoding="utf-8")
    bench.update_readme(readme, "first table")
    bench.update_readme(readme, "second table")
    text = readme.read_text()
    assert text.count("## Performance") == 1 and text.count(benchreport.README_BEGIN) == 1
    assert "second table" in text and "first table" not in text
    assert text.startswith("# Project\n\n## Quick start\n\nrun it\n")


def test_targets_compare_against_the_baseline_of_the_same_run():
    measures = {name: {"median": 1.0, "peak_mib": 100.0} for name in bench.WHOLE + bench.WARM}
    measures["full"]["median"] = 1.3  # over 1.25 x bare
    measures["noop"]["median"] = 0.1
    checked = {t["target"]: t for t in benchreport.targets({"x1": {"times": 1, "measures": measures}})}
    assert not checked["full build ×1"]["met"] and abs(checked["full build ×1"]["value"] - 1.3) < 1e-9
    assert checked["PDF only ×1"]["met"] and checked["no-op rebuild (s) ×1"]["met"]


def test_a_series_project_holds_eight_briefs_that_load(tmp_path):
    root = bench.series_project(tmp_path / "series", bench.scaled_brief(1, tmp_path / "briefs"))
    briefs, _ = manuscript.load(Project(root, tmp_path / "out"))
    assert len(briefs) == bench.SERIES == len({b.slug for b in briefs})


def test_results_give_ratios_to_the_same_runs_baseline_and_the_series_speedup(tmp_path):
    size = bench.Size(1, bench.scaled_brief(1, tmp_path), tmp_path / "work")
    for name in bench.WHOLE + bench.WARM:
        size.samples[name] = [2.0, 1.0, 3.0] if name in ("bare", "warm_bare") else [1.2, 1.1, 5.0]
    for name in bench.WHOLE:
        size.peaks[name] = [100 * 2**20] * 3
        size.cpu[name] = [1.0] * 3
    data = bench.results([size], 3, False, 0.0, (0.0, 0.0, 0.0),
                         {"one_after_another": [8.0, 8.2, 7.9], "together": [4.0, 4.1, 4.4]})
    full = data["sizes"]["x1"]["measures"]["full"]
    assert full["median"] == 1.2 and full["ratio"] == 0.6 and full["peak_ratio"] == 1.0
    assert data["series"]["speedup"] == 8.0 / 4.1
    assert data["targets"][-1]["met"] and "briefs together" in data["targets"][-1]["target"]
    assert "one after another" in bench.table(data)


def test_the_bench_measures_byte_compiled_code_as_the_baseline_is():
    """WeasyPrint's modules were compiled by pip; Pressroom's are compiled before measuring, even
    where PYTHONDONTWRITEBYTECODE would have every process compile them from source."""
    import importlib.util

    cached = Path(importlib.util.cache_from_source(str(ROOT / "pressroom" / "build.py")))
    cached.unlink(missing_ok=True)
    bench.compiled()
    assert cached.is_file() and cached.stat().st_mtime >= (ROOT / "pressroom" / "build.py").stat().st_mtime


def test_the_memory_of_a_process_tree_counts_every_process_in_it(tmp_path):
    """The bench's "all processes" peak: a parent and the child it started, each holding 80 MiB."""
    hold = "data = bytes(range(256)) * (80 << 12); print('ready', flush=True); sys.stdin.read()"
    child = f"import subprocess, sys; {hold}"
    parent = (f"import subprocess, sys; c = subprocess.Popen([sys.executable, '-c', {child!r}], "
              f"stdout=subprocess.PIPE, stdin=subprocess.PIPE); c.stdout.readline(); {hold}")
    process = subprocess.Popen([sys.executable, "-c", parent], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE)
    try:
        assert process.stdout.readline() == b"ready\n"
        with open(f"/proc/{process.pid}/statm") as statm:
            alone = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        total = bench.tree_resident(process.pid)
        assert alone >= 80 << 20
        assert total >= alone + (80 << 20)  # the child's 80 MiB too
    finally:
        process.kill()
        process.wait()


def test_a_measured_command_does_not_carry_the_benchs_own_memory():
    """Linux starts a forked process's peak at its parent's resident set: a bench holding 300 MiB
    (a long PDF read back, say) would have reported that much for `python -c pass`."""
    held = bytes(range(256)) * (300 << 12)
    seconds, largest, cpu, tree = bench.run_process([sys.executable, "-c", "pass"])
    assert len(held) == 300 << 20
    assert 0 < largest < 100 << 20 and 0 < tree < 100 << 20
    assert 0 < seconds and 0 < cpu


def test_a_failing_measured_command_is_reported_with_its_errors():
    with pytest.raises(bench.BenchError, match=r"failed \(3\):\n.*boom"):
        bench.run_process([sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"])

"""`invoke bench`'s import row: `invoke import` of a 30-page Word manuscript, 60 notes, 4 tables, 6 images.

The manuscript is written once by the test suite's own maker (tests/docx_fixtures.py, python-docx,
installed with the test tools by scripts/bootstrap) into ``build/bench/import/``. Each round runs
``invoke import`` as a user does, in a small project beside it (its house file, tasks.py and this
package), into a fresh slug; the floor (``python -m invoke --version``) is its baseline.
"""

from __future__ import annotations

import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The manuscript: 10 Heading-1 sections of 22 paragraphs (about 30 A4 pages), 6 notes each.
SHAPE = {"sections": 10, "paragraphs": 22, "notes_per_section": 6, "tables": 4, "images": 6}
TARGET_SECONDS = 2.0


def manuscript(folder: Path) -> Path:
    path = folder / "manuscript-30-pages.docx"
    if not path.is_file():
        sys.path.insert(0, str(ROOT / "tests"))
        try:
            import docx_fixtures
        finally:
            sys.path.remove(str(ROOT / "tests"))
        folder.mkdir(parents=True, exist_ok=True)
        docx_fixtures.make_realistic(path, **SHAPE)
    return path


def project(folder: Path) -> Path:
    """A project to import into: source/house.yaml, tasks.py and this package (linked)."""
    root = folder / "project"
    if not (root / "tasks.py").is_file():
        (root / "source").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "source" / "house.yaml", root / "source" / "house.yaml")
        shutil.copyfile(ROOT / "tasks.py", root / "tasks.py")
        (root / "pressroom").symlink_to(ROOT / "pressroom")
    for old in (root / "source").iterdir():
        if old.is_dir():
            shutil.rmtree(old)
    return root


def measure(bench_dir: Path, runs: int, run_process, floor: list[float], say=print) -> dict:
    """Median and range of ``invoke import`` over ``runs`` rounds, and its ratio to the floor."""
    folder = bench_dir / "import"
    path = manuscript(folder)
    root = project(folder)
    seconds = []
    for index in range(runs):
        say(f"import: round {index + 1} of {runs}")
        seconds.append(run_process([sys.executable, "-m", "invoke", "--search-root", str(root), "import",
                                    str(path), "--slug", f"imported-{index + 1}"])[0])
    project(folder)  # leave no imported brief behind
    entry = {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds),
             "runs": runs, "shape": SHAPE, "bytes": path.stat().st_size}
    if floor:
        entry["ratio"] = entry["median"] / statistics.median(floor)
    return entry


def rows(entry: dict) -> list[str]:
    shape = entry["shape"]
    ratio = f"{entry['ratio']:.2f} (× floor)" if "ratio" in entry else ""
    return [f"| Word import ({shape['sections']} sections, {shape['notes_per_section'] * shape['sections']} "
            f"notes, {shape['tables']} tables, {shape['images']} images; {entry['runs']} runs) | invoke import "
            f"MANUSCRIPT.docx | {entry['median']:.3f} | {entry['min']:.3f}–{entry['max']:.3f} | {ratio} | | | |"]


def target(entry: dict) -> dict:
    return {"target": "invoke import, 30-page manuscript (s)", "value": entry["median"],
            "limit": TARGET_SECONDS, "met": entry["median"] < TARGET_SECONDS}

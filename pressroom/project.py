"""Where a project keeps its files, and which briefs a build is about: no parsing, import-light.

The no-op build (:mod:`pressroom.execution.cache`) needs only this much to decide that
nothing has to be rebuilt, so nothing here imports YAML, Markdown or Jinja.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pressroom.errors import ManuscriptError, Problem


@dataclass(frozen=True)
class Project:
    """Where a Pressroom project keeps its sources, layouts, styles and outputs."""

    root: Path
    build_root: Path | None = None  # where outputs go; build/ under the project by default

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def styles_dir(self) -> Path:
        return self.root / "styles"

    @property
    def build_dir(self) -> Path:
        return self.build_root or self.root / "build"

    @property
    def house_file(self) -> Path:
        return self.source_dir / "house.yaml"


def shown(path: Path) -> str:
    """A path as the user should see it in a message: relative to the working folder if inside."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def resolve_targets(project: Project, target: str | None) -> list[Path]:
    """Brief locations to build: a slug under source/, a folder, or a Markdown file."""
    if not target:
        if not project.source_dir.is_dir():
            raise ManuscriptError(Problem("P107", "there is no source/ folder",
                                          "run from the project folder", shown(project.source_dir)))
        found = sorted(p for p in project.source_dir.iterdir() if (p / "brief.yaml").is_file())
        if not found:
            raise ManuscriptError(Problem("P107", "no brief found (no */brief.yaml)",
                                          "create one, or name a file with --brief",
                                          shown(project.source_dir)))
        return found
    for candidate in (project.source_dir / target, Path(target)):
        if (candidate / "brief.yaml").is_file() or (candidate.is_file() and candidate.suffix == ".md"):
            return [candidate.resolve()]
    raise ManuscriptError(Problem("P107", f"no brief called '{target}'",
                                  "give a slug under source/, a folder with brief.yaml, "
                                  "or a .md file", target))

"""Small things a newcomer hit (issue 20): whole-word slugs, the catalogue's house style, one
meaning per short flag, the package data declared, the README's first-brief path."""

from __future__ import annotations

import re
import sys
import tomllib

from conftest import ROOT

from pressroom.manuscript import markdown, scaffold
from pressroom.publishing import catalogue

LONG = "The Energy Transition in the South Caucasus: Pipelines and Portfolios of Power"


def test_invoke_new_keeps_whole_words_in_the_slug(scratch):
    folder = scaffold.new_brief(scratch, LONG)
    words = set(re.split(r"[^\w]+", LONG.lower()))
    assert len(folder.name) <= 60
    assert all(part in words for part in folder.name.split("-")), folder.name
    assert folder.name == "the-energy-transition-in-the-south-caucasus-pipelines-and"
    assert markdown.slugify(folder.name) == folder.name


def test_one_meaning_per_short_flag_across_tasks():
    from invoke import Collection

    sys.path.insert(0, str(ROOT))
    import tasks

    collection = Collection.from_module(tasks)
    meanings: dict[str, set[str]] = {}
    for name in collection.task_names:
        for argument in collection[name].get_arguments():
            for flag in argument.names:
                if len(flag) == 1:
                    meanings.setdefault(flag, set()).add(argument.name)
    assert {flag: names for flag, names in meanings.items() if len(names) > 1} == {}
    assert meanings["d"] == {"debug"} and meanings["b"] == {"brief"}
    publish = {n for a in collection["publish"].get_arguments() for n in a.names}
    assert "d" in publish and "e" not in publish


def test_the_catalogue_wears_the_house_faces(scratch, tmp_path):
    dist = tmp_path / "dist"
    catalogue.write(scratch, dist)
    page = (dist / "index.html").read_text(encoding="utf-8")
    assert 'href="assets/fonts.css"' in page
    css = (dist / "assets" / "fonts.css").read_text(encoding="utf-8")
    families = set(re.findall(r'font-family: "([^"]+)"', css))
    named = set(re.findall(r'"(Source (?:Serif 4|Sans 3))"', page))
    assert named and named <= families
    for url in re.findall(r'url\("([^"]+)"\)', css):
        assert (dist / "assets" / url).is_file(), url


def test_every_file_of_the_package_is_declared():
    """Every module is in a package setuptools finds, and every other file is package data."""
    import fnmatch

    from setuptools import find_namespace_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = config["tool"]["setuptools"]["packages"]["find"]
    packages = set(find_namespace_packages(str(ROOT), include=found["include"], exclude=found["exclude"]))
    data = config["tool"]["setuptools"]["package-data"]
    for path in (ROOT / "pressroom").rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        folder = path.parent.relative_to(ROOT).as_posix().replace("/", ".")
        if path.suffix == ".py":
            assert folder in packages, path
            continue
        owners = [(name, patterns) for name, patterns in data.items()
                  if folder == name or folder.startswith(name + ".")]
        assert any(fnmatch.fnmatch(path.relative_to(ROOT / name.replace(".", "/")).as_posix(), pattern)
                   for name, patterns in owners for pattern in patterns), path


def test_the_readme_says_what_to_do_after_the_quick_start():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your first brief", 1)[1].split("\n## ", 1)[0]
    for step in ("invoke new", "invoke preview", "invoke check", "invoke fix", "invoke publish",
                 "docs/editors.md"):
        assert step in section, step
    assert readme.index("## Quick start") < readme.index("## Your first brief")

"""Small things a newcomer hit (issue 20): whole-word slugs, the catalogue's house style, one
meaning per short flag, the package data declared, the README's first-brief path."""

from __future__ import annotations

import re
import sys
import tomllib

from conftest import ROOT
from pressroom import catalogue, markdown, scaffold

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


def test_every_folder_of_the_package_is_declared():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = set(config["tool"]["setuptools"]["packages"])
    package = ROOT / "pressroom"
    folders = {"pressroom." + p.relative_to(package).as_posix().replace("/", ".")
               for p in package.rglob("*") if p.is_dir() and p.name != "__pycache__"}
    assert folders <= declared, folders - declared
    data = config["tool"]["setuptools"]["package-data"]
    shipped = {f for f in package.iterdir() if f.is_file() and f.suffix not in (".py", ".pyc")}
    for path in shipped:
        assert any(path.name in patterns or "*" in patterns for key, patterns in data.items()
                   if key == "pressroom"), path.name


def test_the_readme_says_what_to_do_after_the_quick_start():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your first brief", 1)[1].split("\n## ", 1)[0]
    for step in ("invoke new", "invoke preview", "invoke check", "invoke fix", "invoke publish",
                 "docs/editors.md"):
        assert step in section, step
    assert readme.index("## Quick start") < readme.index("## Your first brief")

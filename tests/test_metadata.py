"""Validation: one test per message. Every problem names its file and line."""

import pytest
from conftest import write_brief

from pressroom import manuscript
from pressroom.errors import ManuscriptError
from pressroom.manuscript import Project

GOOD = """title: A title
date: 2026-01-02
sections:
  - 01-a.md
"""
SECTION = {"01-a.md": "# Heading\n\nText.\n"}


def problems_of(tmp_path, yaml_text=GOOD, sections=SECTION, house=None):
    project = Project(tmp_path)
    (tmp_path / "source").mkdir(exist_ok=True)
    if house is not None:
        (tmp_path / "source" / "house.yaml").write_text(house, encoding="utf-8")
    write_brief(tmp_path / "source" / "b", yaml_text, sections)
    try:
        _, warnings = manuscript.load(project, "b")
        return warnings
    except ManuscriptError as error:
        return error.problems


def one(problems, code):
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


def test_a_good_brief_has_no_problem(tmp_path):
    assert problems_of(tmp_path) == []


def test_missing_title(tmp_path):
    p = one(problems_of(tmp_path, GOOD.replace("title: A title\n", "")), "M201")
    assert p.path.endswith("brief.yaml") and "title" in p.message and "title:" in p.hint


@pytest.mark.parametrize("line, field", [
    ("date: 12 March", "date"), ("number: one", "number"), ("title: [a, b]", "title"),
    ("key_points: {a: 1}", "key_points"),
])
def test_wrong_type(tmp_path, line, field):
    text = GOOD.replace("title: A title\n", "title: A title\n" + line + "\n") if field != "title" \
        else GOOD.replace("title: A title", line)
    if field == "date":
        text = text.replace("date: 2026-01-02\n", "")
    p = one(problems_of(tmp_path, text), "M202")
    assert field in p.message and p.line == text.splitlines().index(
        next(x for x in text.splitlines() if x.startswith(field))) + 1


@pytest.mark.parametrize("line", ["status: published", "paper: a5"])
def test_value_outside_the_allowed_ones(tmp_path, line):
    p = one(problems_of(tmp_path, GOOD + line + "\n"), "M203")
    assert p.line == 5 and line.split(":")[0] in p.message


def test_unknown_field_warns_with_a_suggestion(tmp_path):
    p = one(problems_of(tmp_path, GOOD + "subtitel: x\n"), "M204")
    assert p.severity == "warning" and p.line == 5 and "subtitle" in p.hint


def test_unknown_house_field_warns(tmp_path):
    p = one(problems_of(tmp_path, house="publisher: X\ncolour: red\n"), "M204")
    assert p.path.endswith("house.yaml") and p.line == 2


def test_empty_field_warns(tmp_path):
    p = one(problems_of(tmp_path, GOOD + "subtitle:\n"), "M205")
    assert p.severity == "warning" and p.line == 5


def test_yaml_syntax_error_points_at_the_line(tmp_path):
    p = one(problems_of(tmp_path, GOOD + "summary: [unclosed\n"), "P102")
    assert p.line in (5, 6) and p.path.endswith("brief.yaml")


def test_duplicate_key(tmp_path):
    p = one(problems_of(tmp_path, GOOD + "title: Again\n"), "P103")
    assert p.line == 5 and "title" in p.message


def test_not_a_mapping(tmp_path):
    one(problems_of(tmp_path, "- just\n- a list\n"), "P104")


def test_no_sections(tmp_path):
    p = one(problems_of(tmp_path, "title: T\n"), "P105")
    assert "sections" in p.hint


def test_listed_section_without_file(tmp_path):
    p = one(problems_of(tmp_path, GOOD + "  - 02-b.md\n"), "P106")
    assert "02-b.md" in p.message and p.line == 3


def test_section_listed_twice(tmp_path):
    one(problems_of(tmp_path, GOOD + "  - 01-a.md\n"), "P109")


def test_section_outside_the_brief(tmp_path):
    one(problems_of(tmp_path, GOOD + "  - ../secret.md\n"), "C302")


def test_no_such_brief(tmp_path):
    (tmp_path / "source").mkdir()
    with pytest.raises(ManuscriptError) as error:
        manuscript.load(Project(tmp_path), "nothing-here")
    assert error.value.problems[0].code == "P107"


def test_not_utf8_names_the_byte(tmp_path):
    folder = tmp_path / "source" / "b"
    write_brief(folder, GOOD, {})
    (folder / "01-a.md").write_bytes("# H\n\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(ManuscriptError) as error:
        manuscript.load(Project(tmp_path), "b")
    p = one(error.value.problems, "P101")
    assert "0xe9" in p.message and "offset 8" in p.message and p.line == 3


def test_control_characters_are_removed_with_a_warning(tmp_path):
    p = one(problems_of(tmp_path, sections={"01-a.md": "# H\n\nA\x07B\n"}), "P110")
    assert p.line == 3 and p.severity == "warning"


def test_front_matter_not_closed(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("---\ntitle: T\n\n# H\n", encoding="utf-8")
    (tmp_path / "source").mkdir()
    with pytest.raises(ManuscriptError) as error:
        manuscript.load(Project(tmp_path), str(doc))
    assert one(error.value.problems, "P108").line == 1


def test_single_file_needs_only_a_title(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("---\ntitle: T\n---\n\nText.\n", encoding="utf-8")
    (tmp_path / "source").mkdir()
    briefs, warnings = manuscript.load(Project(tmp_path), str(doc))
    assert briefs[0].metadata.title == "T" and briefs[0].metadata.identifier == "urn:pressroom:doc"
    assert warnings == []


@pytest.mark.parametrize("markdown, code, line", [
    ("# H\n\n![a map](images/none.png)\n", "C301", 3),
    ("# H\n\n![a map](../../escape.png)\n", "C302", 3),
    ("# H\n\n![](images/map.png)\n", "C303", 3),
    ("# H\n\nText.[^x]\n", "C304", 3),
    ("# H\n\nText.\n\n[^x]: unused\n", "C305", 5),
    ("# H\n\n### Deep\n", "C306", 3),
    ("# H\n\n{onclick=\"x()\"}\nText.\n", "C307", 3),
    ("# H\n\n![a doc](images/map.pdf)\n", "C308", 3),
    ("# H\n\n![a map](http://127.0.0.1:9/map.png)\n", "C702", 3),  # a draft: a placeholder and a warning (C309 in a final)
])
def test_content_problems_point_at_the_section_line(tmp_path, markdown, code, line):
    images = tmp_path / "source" / "b" / "images"
    images.mkdir(parents=True)
    (images / "map.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (images / "map.pdf").write_bytes(b"%PDF-1.4")
    p = one(problems_of(tmp_path, sections={"01-a.md": markdown}), code)
    assert p.path.endswith("01-a.md") and p.line == line, str(p)


def test_every_problem_is_reported_at_once(tmp_path):
    text = "date: someday\nstatus: maybe\nsections:\n  - 01-a.md\n  - 02-missing.md\n"
    found = problems_of(tmp_path, text, {"01-a.md": "# H\n\nText.[^x]\n"})
    assert {"M201", "M202", "M203", "P106", "C304"} <= {p.code for p in found}


def test_problems_print_as_one_line_each(tmp_path):
    for problem in problems_of(tmp_path, GOOD + "title: Again\n"):
        text = str(problem)
        assert "\n" not in text and text.startswith(problem.path + ":5: ") and "[P103]" in text

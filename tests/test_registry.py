"""An edition is one registry entry plus its module: the build, the cache, the verifier and the
build table find it there."""

import pytest
from conftest import FIRST, copy_project

from pressroom import editions
from pressroom.build import build
from pressroom.checks.verify import verify_outputs
from pressroom.errors import UsageError
from pressroom.report import table

PLAIN = editions.Edition("txt", "txt", "{slug}.txt", "the plain-text edition", "plain_edition",
                         "plain_edition:verify", column="TXT")


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(editions.REGISTRY, PLAIN.name, PLAIN)
    return PLAIN


def test_a_throwaway_edition_is_built_verified_cached_and_tabled_from_its_entry(registered, tmp_path):
    project = copy_project(tmp_path)
    result = build(project, FIRST, ("txt",))
    [made] = result.outputs
    assert made.edition == "txt" and made.path == project.build_dir / f"{FIRST}.txt"
    text = made.path.read_text(encoding="utf-8")
    assert "[Introduction]" in text and "pages in the screen PDF" in text
    assert "TXT" in table(result).splitlines()[0]
    brief = __import__("conftest").load_brief(project)
    assert verify_outputs(brief, project.build_dir, formats=("txt",)) == []
    again = build(project, FIRST, ("txt",))
    assert [o.skipped for o in again.outputs] == [True]  # the cache knows it too
    made.path.write_text("[Introduction]\n", encoding="utf-8")  # a broken output is caught
    assert [p.code for p in verify_outputs(brief, project.build_dir, formats=("txt",))]


def test_a_format_or_profile_the_registry_lacks_is_a_usage_error():
    with pytest.raises(UsageError) as raised:
        editions.chosen(("txt",))
    assert raised.value.problems[0].code == "U101"
    with pytest.raises(UsageError):
        editions.chosen(("pdf",), ("large-print",))


def test_a_profile_is_a_pdf_edition_of_the_registry():
    assert editions.chosen(("pdf", "epub"), ("screen", "print")) == ("pdf", "pdf-print", "epub")
    assert editions.released() == ("pdf", "pdf-print", "epub", "html")
    assert editions.pages()["print"] == ("print-profile.html", ["press.css"])

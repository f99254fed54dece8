"""Lean reading editions: subset fonts (WOFF2) in the EPUB and the HTML edition, their glyph
check, the cache, and the cover image in 256 colours. Each check is shown catching a break."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pressroom.checks import verify
from pressroom.editions import artefacts, fontsubset, leanpng
from pressroom.editions.resources import read, style_assets

ROOT = Path(__file__).resolve().parent.parent
STYLES = ROOT / "styles"
SERIF = "assets/fonts/SourceSerif4-Regular.woff2"


def _tree(css: str, body: str, extra_sheets=()) -> tuple[dict, dict]:
    """An edition of one page with the house faces and one stylesheet of the test's."""
    files = style_assets(STYLES, ["fonts.css", *extra_sheets])
    files["assets/t.css"] = css.encode("utf-8")
    links = "".join(f'<link rel="stylesheet" href="assets/{s}">' for s in ("fonts.css", *extra_sheets, "t.css"))
    page = f"<!DOCTYPE html><html><head>{links}</head><body>{body}</body></html>"
    return files, {"index.html": page}


def _usage(css: str, body: str) -> dict[str, set[str]]:
    files, docs = _tree(css, body)
    _, faces, where = fontsubset._sheet_faces(files, "assets/fonts.css")
    cmaps = {f.url: fontsubset.cmap(files[where[f.url]]) for f in faces}
    found = fontsubset.usage(docs, files, faces, cmaps)
    return {f.url.rsplit("/", 1)[-1]: chars for f, chars in found.chars.items()}


SERIF_STACK = 'body { font-family: "Source Serif 4", "Pressroom Noto Serif Armenian", serif; }'


def _cmap(data: bytes) -> set[str]:
    from fontTools.ttLib import TTFont

    return {chr(c) for c in TTFont(io.BytesIO(data)).getBestCmap()}


# ------------------------------------------------------------------ which face draws what

def test_each_character_goes_to_the_face_css_font_matching_picks():
    used = _usage(SERIF_STACK + " h2 { font: 600 12pt 'Source Sans 3', sans-serif; }",
                  "<p>Plain <em>Kursiv</em> <strong>Bold</strong> Հայ</p><h2>Xyz</h2>")
    assert {"P", "l", "n"} <= used["SourceSerif4-Regular.ttf"]
    assert {"K", "v"} <= used["SourceSerif4-Italic.ttf"] and "P" not in used["SourceSerif4-Italic.ttf"]
    assert {"B", "d"} <= used["SourceSerif4-Bold.ttf"]  # strong: bolder than 400 is 700
    assert {"X", "y", "z"} <= used["SourceSans3-SemiBold.ttf"]
    # the fallback draws only what the first family lacks
    assert used["NotoSerifArmenian-Regular.ttf"] - set(fontsubset.SPACES + fontsubset.HYPHENS) == set("Հայ")
    assert "SourceSerif4-SemiBoldItalic.ttf" not in used and "NotoSansArmenian-Bold.ttf" not in used


def test_what_the_stylesheets_generate_is_kept():
    css = SERIF_STACK + """
      .mark { string-set: mark attr(data-mark); }
      @page { @bottom-right { content: counter(page) " of " counter(pages); font: 400 8pt "Source Sans 3"; }
              @left-middle { content: string(mark); font: 700 110pt "Source Sans 3", sans-serif; } }
      li.arrow::before { content: "→ " attr(data-n); font-family: "Source Sans 3"; font-weight: 600; }
      .up { text-transform: uppercase; font-family: "Source Sans 3"; font-style: italic; }
    """
    body = ('<div class="mark" data-mark="ΩDRAFT"></div><ol><li>q</li></ol>'
            '<ul><li class="arrow" data-n="§">w</li></ul><p class="up">abc</p><p><q>quoted</q></p>')
    used = _usage(css, body)
    sans, bold, semi = (used[f"SourceSans3-{w}.ttf"] for w in ("Regular", "Bold", "SemiBold"))
    assert set("0123456789 of") <= sans  # "N of M"
    assert set("ΩDRAFT") <= bold  # the draft mark, through string-set
    assert {"→", "§"} <= semi  # content: a string and attr()
    assert set("ABC") <= used["SourceSans3-Italic.ttf"]  # text-transform: uppercase
    serif = used["SourceSerif4-Regular.ttf"]
    assert set("1.") <= serif and "\u2022" in serif  # the list markers: decimal and disc
    assert set("\u201c\u201d") <= serif  # q: open-quote and close-quote
    assert set(fontsubset.HYPHENS) <= serif  # where hyphens: auto may break a word


def test_a_character_the_stylesheets_generate_would_be_missed_without_the_rule():
    used = _usage(SERIF_STACK, '<ul><li class="arrow" data-n="§">w</li></ul>')
    assert "→" not in used.get("SourceSans3-SemiBold.ttf", set())


def test_a_face_the_brief_does_not_use_is_left_out_with_its_rule(first_outputs):
    tree = first_outputs["html"]
    css = read(tree["assets/fonts.css"]).decode()
    fonts = sorted(n for n in tree if n.startswith("assets/fonts/"))
    assert fonts and all(n.endswith(".woff2") for n in fonts)
    assert "Armenian" not in " ".join(fonts) and "Noto" not in css.replace("Noto fills in", "")
    assert css.count("@font-face") == len(fonts) and css.count("font-display: swap") == len(fonts)
    book = zipfile.ZipFile(io.BytesIO(first_outputs["epub"]))
    assert not [n for n in book.namelist() if "Noto" in n or n.endswith((".woff", ".woff2"))]
    assert sorted(n.removeprefix("EPUB/").removesuffix(".ttf") for n in book.namelist() if n.endswith(".ttf")) \
        == [n.removesuffix(".woff2") for n in fonts]  # the same faces, as TrueType


def test_the_sample_brief_keeps_its_armenian_fallback(project):
    from pressroom import manuscript
    from pressroom.editions import html

    brief = manuscript.load(project, "sample-brief-corridors")[0][0]
    tree = html.lean(brief, project, html.tree(brief, project))
    assert "assets/fonts/NotoSerifArmenian-Regular.woff2" in tree
    chars = _cmap(tree["assets/fonts/NotoSerifArmenian-Regular.woff2"])
    assert set("Երևան") <= chars and "a" not in chars
    assert verify.check_glyphs(tree, {n: read(v).decode() for n, v in tree.items() if n.endswith(".html")},
                               "HTML edition", "x") == []


def test_the_opentype_features_the_stylesheets_use_are_kept(first_outputs):
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(first_outputs["html"][SERIF]))
    gsub = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
    gpos = {r.FeatureTag for r in font["GPOS"].table.FeatureList.FeatureRecord}
    assert {"onum", "lnum", "pnum", "tnum", "liga"} <= gsub and "kern" in gpos
    assert len(font.getGlyphOrder()) < 400  # of 1,500 or so: a subset
    files, docs = _tree(SERIF_STACK, "<p>1</p>", ["reading.css"])
    sheets = fontsubset.Sheets()
    sheets.add(read(files["assets/reading.css"]).decode(), 1)
    assert {"onum", "lnum", "pnum", "tnum"} <= sheets.features
    plain = fontsubset.Sheets()
    plain.add(read(files["assets/reading.css"]).decode().replace("oldstyle-nums", "normal"), 1)
    assert "onum" not in plain.features  # the features come from the stylesheets


# ------------------------------------------------------------------ deterministic and cached

def test_a_subset_is_the_same_bytes_in_every_process_and_keeps_the_source_timestamp():
    from fontTools.ttLib import TTFont

    source = STYLES / "fonts" / "SourceSerif4-Regular.ttf"
    code = ("import sys, hashlib; from pathlib import Path; from pressroom.editions import fontsubset; "
            "sys.stdout.write(hashlib.sha256(fontsubset._make(Path(sys.argv[1]), set('Azərbaycan 1991'),"
            " {'onum'}, 'woff2')).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code, str(source)], cwd=ROOT, text=True, check=True,
                              capture_output=True, env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
               for seed in ("1", "2")}
    assert len(digests) == 1
    made = TTFont(io.BytesIO(fontsubset._make(source, set("Azərbaycan"), set(), "woff2")))
    assert made["head"].modified == TTFont(source)["head"].modified
    assert made.flavor == "woff2"


def test_the_woff2_encoder_writes_what_fonttools_writes_and_reads_back_to_the_same_tables():
    from fontTools.ttLib import TTFont, woff2

    for name in ("SourceSerif4-Regular.ttf", "SourceSans3-Bold.ttf", "NotoSerifArmenian-Regular.ttf"):
        sfnt = fontsubset._make(STYLES / "fonts" / name, set("Azərbaycan Հայաստան 1991 “”"), {"onum"}, "sfnt")
        reference = io.BytesIO()
        woff2.compress(io.BytesIO(sfnt), reference, transform_tables=set())
        assert fontsubset.woff2(sfnt, quality=11) == reference.getvalue(), name  # byte for byte
        lean, whole = TTFont(io.BytesIO(fontsubset.woff2(sfnt))), TTFont(io.BytesIO(sfnt))
        assert lean.flavor == "woff2" and sorted(lean.keys()) == sorted(whole.keys())
        for tag in whole.keys():
            if tag not in ("GlyphOrder", "head"):
                assert lean.getTableData(tag) == whole.getTableData(tag), (name, tag)
        assert lean["head"].flags == whole["head"].flags | 1 << 11  # WOFF2's "transformed" bit


def test_the_woff2_encoder_can_fail():  # the comparison above would catch a wrong table length
    sfnt = fontsubset._make(STYLES / "fonts" / "SourceSerif4-Regular.ttf", set("abc"), set(), "sfnt")
    good = fontsubset.woff2(sfnt, quality=11)
    broken = bytearray(sfnt)
    broken[12 + 8:12 + 12] = b"\0\0\0\0"  # the first table's offset lost: other bytes come out
    assert fontsubset.woff2(bytes(broken), quality=11) != good


def test_a_subset_is_cached_by_font_file_and_characters(tmp_path, monkeypatch):
    source = STYLES / "fonts" / "SourceSans3-Regular.ttf"
    cache = tmp_path / fontsubset.CACHE
    monkeypatch.setattr(fontsubset.STORE, "memory", {})
    made = fontsubset.STORE.stats["made"]
    first = fontsubset.subset(source, set("cache"), set(), tmp_path)
    assert fontsubset.STORE.stats["made"] == made + 1 and not cache.exists()  # until the brief is written
    artefacts.flush(tmp_path)
    assert len(list(cache.glob("*.woff2"))) == 1
    monkeypatch.setattr(fontsubset.STORE, "memory", {})  # a new process: read back from build/.fonts
    assert fontsubset.subset(source, set("cache"), set(), tmp_path) == first
    assert fontsubset.STORE.stats["made"] == made + 1
    fontsubset.subset(source, set("caches"), set(), tmp_path)  # other text: subset again
    artefacts.flush(tmp_path)
    assert fontsubset.STORE.stats["made"] == made + 2 and len(list(cache.glob("*.woff2"))) == 2


def test_a_rebuild_with_unchanged_text_subsets_nothing(first_brief, tmp_path, monkeypatch):
    from pressroom.build import build
    from pressroom.project import Project

    project = Project(ROOT, build_root=tmp_path)
    build(project, first_brief.slug, ("epub", "html"))
    assert list((project.build_dir / fontsubset.CACHE).glob("*.woff2"))
    monkeypatch.setattr(fontsubset.STORE, "memory", {})  # a new process: only build/.fonts/ remains
    made = fontsubset.STORE.stats["made"]
    build(project, first_brief.slug, ("epub", "html"), force=True)
    assert fontsubset.STORE.stats["made"] == made


def test_a_failed_build_leaves_no_subset_behind(first_brief, tmp_path, monkeypatch):
    from pressroom.build import build
    from pressroom.editions import html
    from pressroom.errors import BuildError, Problem
    from pressroom.project import Project

    project = Project(ROOT, build_root=tmp_path)
    monkeypatch.setattr(fontsubset.STORE, "memory", {})
    made = fontsubset.STORE.stats["made"]

    def broken(*args, **kwargs):  # fails after the fonts are subset
        raise BuildError(Problem("B401", "broken on purpose"))

    monkeypatch.setattr(html, "paginate", broken)
    with pytest.raises(BuildError):
        build(project, first_brief.slug, ("epub", "html"))
    assert fontsubset.STORE.stats["made"] > made
    assert not (project.build_dir / fontsubset.CACHE).exists()


def test_the_fonts_are_subset_while_the_pdf_is_laid_out(project, first_brief, monkeypatch):
    from pressroom import build
    from pressroom.execution import scheduler

    events = []

    class Laying:
        page_count = 1
        warnings = []

        def starts(self):
            events.append("layout done")
            return []

        def pdf(self):
            return b""

    lean = fontsubset.lean
    monkeypatch.setattr(scheduler, "submit", lambda *a, **k: events.append("layout begun") or Laying())
    monkeypatch.setattr(fontsubset, "lean", lambda *a, **k: events.append("subset") or lean(*a, **k))
    build.render(first_brief, project, ("html", "epub"))
    assert events == ["layout begun", "subset", "subset", "layout done"]


# ------------------------------------------------------------------ the glyph check

def _without(font: bytes, char: str) -> bytes:
    flavor = "woff2" if font[:4] == b"wOF2" else "sfnt"  # as the edition has it
    return fontsubset._make(font, _cmap(font) - {char}, {"onum", "lnum", "pnum", "tnum"}, flavor)


def test_the_glyph_check_passes_the_real_editions(first_outputs, first_brief):
    tree = first_outputs["html"]
    pages = {n: read(v).decode() for n, v in tree.items() if n.endswith(".html")}
    assert verify.check_glyphs(tree, pages, "HTML edition", "x") == []
    assert [p for p in verify.verify_epub(first_brief, first_outputs["epub"]) if p.code == "F110"] == []


def test_the_glyph_check_catches_a_character_left_out_of_a_subset(first_outputs, first_brief, tmp_path):
    tree = dict(first_outputs["html"])
    tree[SERIF] = _without(read(tree[SERIF]), "z")
    pages = {n: read(v).decode() for n, v in tree.items() if n.endswith(".html")}
    found = verify.check_glyphs(tree, pages, "HTML edition", "x")
    assert [p.code for p in found] == ["F110"] and "U+007A" in found[0].message
    assert "Source Serif 4" in found[0].message
    # on disk, as `invoke check` reads it
    from pressroom.execution.writers import write_tree

    write_tree(tmp_path / first_brief.slug, tree)
    codes = [p.code for p in verify.verify_outputs(first_brief, tmp_path, formats=("html",))]
    assert codes == ["F110"]
    # the EPUB: its own subset, cut again
    book = zipfile.ZipFile(io.BytesIO(first_outputs["epub"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as broken:
        for info in book.infolist():
            data = book.read(info)
            if info.filename == f"EPUB/{SERIF.replace('.woff2', '.ttf')}":
                data = _without(data, "z")
            broken.writestr(info, data)
    found = [p for p in verify.verify_epub(first_brief, out.getvalue()) if p.code == "F110"]
    assert len(found) == 1 and "U+007A" in found[0].message


def test_the_glyph_check_catches_a_face_missing_from_the_edition(first_outputs):
    tree = {n: v for n, v in first_outputs["html"].items() if n != SERIF}
    pages = {n: read(v).decode() for n, v in tree.items() if n.endswith(".html")}
    found = verify.check_glyphs(tree, pages, "HTML edition", "x")
    assert found and "Source Serif 4" in found[0].message


# ------------------------------------------------------------------ the cover image

def test_the_cover_image_is_a_palette_png_that_looks_the_same(first_brief, project, monkeypatch):
    from PIL import Image

    from pressroom.editions import cover_image

    drawn = []
    monkeypatch.setattr(leanpng, "smallest", lambda image, level: drawn.append((image, level)) or b"")
    cover_image._draw(first_brief, project.styles_dir / "fonts")
    monkeypatch.undo()
    drawing, level = drawn[0]
    data = leanpng.smallest(drawing, level)
    image = Image.open(io.BytesIO(data))
    assert image.mode == "P" and image.size == (1600, 2400) and len(data) < 60_000
    full = io.BytesIO()
    drawing.save(full, "PNG")
    biggest, mean = leanpng.difference(full.getvalue(), data)
    assert biggest <= leanpng.MAX_DIFFERENCE and mean < 0.05


def test_the_cover_image_is_kept_by_what_it_is_drawn_from(first_brief, project, tmp_path, monkeypatch):
    import dataclasses

    from pressroom.editions import cover_image

    monkeypatch.setattr(cover_image.STORE, "memory", {})
    drawn = []
    draw = cover_image._draw
    monkeypatch.setattr(cover_image, "_draw", lambda *a: drawn.append(a) or draw(*a))
    fonts = project.styles_dir / "fonts"
    first = cover_image.render(first_brief, fonts, tmp_path)
    artefacts.flush(tmp_path)
    assert len(list((tmp_path / ".covers").glob("*.png"))) == 1
    monkeypatch.setattr(cover_image.STORE, "memory", {})  # a new process: build/.covers/ remains
    assert cover_image.render(first_brief, fonts, tmp_path) == first and len(drawn) == 1
    retitled = dataclasses.replace(first_brief, metadata=dataclasses.replace(first_brief.metadata, title="Another title"))
    assert cover_image.render(retitled, fonts, tmp_path) != first and len(drawn) == 2


def test_a_photograph_stays_in_full_colour():
    from PIL import Image

    noise = Image.frombytes("RGB", (64, 64), bytes((i * 7919 + (i >> 3) * 104729) % 251 for i in range(64 * 64 * 3)))
    assert Image.open(io.BytesIO(leanpng.smallest(noise))).mode == "RGB"


@pytest.mark.parametrize("mode", ["RGBA", "L"])
def test_other_image_modes_come_back_as_png(mode):
    from PIL import Image

    image = Image.new(mode, (8, 8))
    assert leanpng.smallest(image)[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------ in a browser

_LOAD_ALL = """async () => Promise.all([...document.fonts].map(face => face.load().then(
    () => [face.family, face.weight, face.style, face.status], () => [face.family, face.weight, face.style, face.status])))"""


def _font_status(tree: dict, folder: Path, profile: Path) -> list:
    """Every @font-face of the web page as Chromium loads it (its sanitiser, OTS, reads WOFF2)."""
    from test_preview import _chromium, _playwright

    from pressroom.execution.writers import write_tree

    write_tree(folder, tree)
    sync_api = _playwright()
    with sync_api.sync_playwright() as playwright:
        browser = _chromium(playwright, profile)
        try:
            page = browser.new_page()
            page.goto((folder / "index.html").as_uri())
            return sorted(page.evaluate(_LOAD_ALL))
        finally:
            browser.close()


def test_chromium_loads_every_font_of_the_web_edition_and_would_refuse_a_broken_one(first_outputs, tmp_path):
    tree = first_outputs["html"]
    faces = sorted(n for n in tree if n.startswith("assets/fonts/"))
    status = _font_status(tree, tmp_path / "good", tmp_path / "profile")
    assert len(status) == len(faces) and {s[3] for s in status} == {"loaded"}, status
    broken = dict(tree)
    broken[SERIF] = read(tree[SERIF])[:-200]  # its Brotli stream cut short
    status = _font_status(broken, tmp_path / "broken", tmp_path / "profile")
    assert [s[3] for s in status].count("error") == 1, status

"""The EPUB's cover image (``properties="cover-image"``): the printed cover's design, drawn
with Pillow in the vendored faces: the colour band with the series and number and the
publisher's mark, the title, the subtitle, the byline and date.

1600 x 2400 pixels (2:3, what e-book stores ask for), PNG of 256 colours, deterministic: no clock, no
system font, fixed compression. Characters a face lacks (Armenian) are set in the Noto
fallback, as in the other editions. Kept (:mod:`artefacts`, ``build/.covers/``) by what it is
drawn from: the words on it, the faces, this code and Pillow's version; a rebuild after an
edit of the text does not draw it again.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from pressroom.editions import artefacts, fontsubset, leanpng, templates
from pressroom.execution import inputs
from pressroom.model import Brief

WIDTH, HEIGHT = 1600, 2400
MARGIN = 150
BRAND, BRAND_DEEP, INK, MUTED, WHITE = "#0b4f6c", "#083b51", "#1a1a1a", "#5b6470", "#ffffff"
FALLBACK = {"sans": "NotoSansArmenian-{}.ttf", "serif": "NotoSerifArmenian-{}.ttf"}
FACES = ("SourceSans3-SemiBold.ttf", "SourceSans3-Regular.ttf", "SourceSans3-Bold.ttf", "SourceSerif4-Italic.ttf",
         *(f.format(w) for f in FALLBACK.values() for w in ("Regular", "Bold")))
STORE = artefacts.Store(".covers", limit=8)
COVER_ZLIB = 6


def _font(path: Path, size: int):
    inputs.note(path)  # a face of the cover image is an input of the EPUB (pressroom/cache.py)
    return _load(path, size)


@lru_cache(maxsize=32)
def _load(path: Path, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


class Face:
    """A vendored face and its fallback, at one size."""

    def __init__(self, fonts: Path, main: str, kind: str, weight: str, size: int):
        self.main = fonts / main
        self.fallback = fonts / FALLBACK[kind].format("Bold" if weight == "Bold" else "Regular")
        self.size = size

    def runs(self, text: str):
        """(font, text) runs: the main face where it has the character, else the fallback."""
        chars = fontsubset.cmap(self.main)
        runs: list[tuple[Path, str]] = []
        for ch in text:
            path = self.main if ord(ch) in chars or ch.isspace() else self.fallback
            if runs and runs[-1][0] == path:
                runs[-1] = (path, runs[-1][1] + ch)
            else:
                runs.append((path, ch))
        return [(_font(path, self.size), part) for path, part in runs]

    def length(self, text: str) -> float:
        return sum(font.getlength(part) for font, part in self.runs(text))

    def draw(self, draw, xy, text: str, fill: str) -> None:
        x, y = xy
        for font, part in self.runs(text):
            draw.text((x, y), part, font=font, fill=fill)
            x += font.getlength(part)


def _wrap(face: Face, text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and face.length(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _block(draw, face: Face, text: str, y: int, leading: float, fill: str, width: int,
           max_lines: int) -> int:
    lines = _wrap(face, text, width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(",;:") + "…"
    for line in lines:
        face.draw(draw, (MARGIN, y), line, fill)
        y += int(face.size * leading)
    return y


def render(brief: Brief, fonts: Path, build_dir: Path | None = None) -> bytes:
    """The cover image's PNG: drawn, or kept from a build that drew the same (``build_dir``)."""
    import PIL

    meta = brief.metadata
    for name in FACES:
        inputs.note(fonts / name)  # a face of the cover image is an input of the EPUB (cache.py)
    words = [meta.series, meta.number, meta.publisher, meta.title, meta.subtitle, meta.authors,
             templates.longdate(meta.date) if meta.date else None, meta.is_draft]
    code = [Path(__file__).read_bytes(), Path(leanpng.__file__).read_bytes()]
    key = hashlib.sha256(json.dumps([words, PIL.__version__, [artefacts.file_digest(fonts / n) for n in FACES]],
                                    default=str).encode() + b"".join(code)).hexdigest()
    return STORE.get(f"{key}.png", build_dir, lambda: _draw(brief, fonts))


def _draw(brief: Brief, fonts: Path) -> bytes:
    from PIL import Image, ImageDraw

    meta = brief.metadata
    image = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN
    band = 620
    draw.rectangle((0, 0, WIDTH, band), fill=BRAND)
    label = Face(fonts, "SourceSans3-SemiBold.ttf", "sans", "Bold", 46)
    if meta.series:
        label.draw(draw, (MARGIN, 190), " ".join(meta.series.upper()), WHITE)
    if meta.number is not None:
        Face(fonts, "SourceSans3-Regular.ttf", "sans", "Regular", 150).draw(
            draw, (MARGIN, 260), f"No. {meta.number}", WHITE)
    mark = Face(fonts, "SourceSans3-Bold.ttf", "sans", "Bold", 50)
    words = meta.publisher.split() or [""]
    right = WIDTH - MARGIN - max(mark.length(w) for w in words)
    draw.rectangle((right - 42, 190, right - 30, 190 + 62 * len(words) - 8), fill=WHITE)
    for i, word in enumerate(words):
        mark.draw(draw, (right, 186 + 62 * i), word, WHITE)

    y = band + 190
    y = _block(draw, Face(fonts, "SourceSans3-Bold.ttf", "sans", "Bold", 128), meta.title, y,
               1.12, BRAND_DEEP, width, 5)
    if meta.subtitle:
        y = _block(draw, Face(fonts, "SourceSerif4-Italic.ttf", "serif", "Regular", 66),
                   meta.subtitle, y + 50, 1.3, INK, width, 4)
    y += 90
    draw.rectangle((MARGIN, y, WIDTH - MARGIN, y + 3), fill="#a9b4bb")
    byline = ", ".join(meta.authors)
    if meta.date:
        byline += f" · {templates.longdate(meta.date)}"
    _block(draw, Face(fonts, "SourceSans3-SemiBold.ttf", "sans", "Bold", 46), byline, y + 50,
           1.3, MUTED, width, 3)
    if meta.is_draft:
        Face(fonts, "SourceSans3-Bold.ttf", "sans", "Bold", 60).draw(
            draw, (MARGIN, HEIGHT - 230), "DRAFT — NOT FOR CIRCULATION", "#8a5a00")
    draw.rectangle((0, HEIGHT - 60, WIDTH, HEIGHT), fill=BRAND)
    # 256 colours, every pixel within 3 levels of the drawing (leanpng.py): 54 kB, not 113 kB in
    # full colour; zlib at 6, not 9: 47 kB would take 0.12 s more of a cold build (the cover is kept)
    return leanpng.smallest(image, level=COVER_ZLIB)

"""The smallest PNG that looks the same: the EPUB's cover image and the page thumbnails.

A drawn cover or a page rendered by pdftoppm is flat colour and anti-aliased type: about a
thousand colours, nearly all of them edge pixels. An indexed PNG of 256 colours chosen by
maximum coverage (no dithering: dither is noise that deflate cannot squeeze) keeps every
pixel within a few levels of the original (3 of 255 for the cover), which no eye tells apart,
at 40 % of the size. It is
used only when it is that close (:data:`MAX_DIFFERENCE`, :data:`MEAN_DIFFERENCE`); otherwise
(a photograph) the full-colour PNG stays, compressed as well as zlib can. Deterministic: no
dithering, no clock, fixed settings.
"""

from __future__ import annotations

import io
from pathlib import Path

MAX_DIFFERENCE = 8  # the largest change of any channel of any pixel, of 255
MEAN_DIFFERENCE = 0.25  # the mean change per pixel, of 255


def smallest(image, level: int = 9) -> bytes:
    """The smallest faithful PNG of ``image`` (a Pillow image, or PNG bytes): 256 colours when
    they are that close (always far smaller then), else full colour; zlib at ``level``."""
    from PIL import Image

    if isinstance(image, (bytes, bytearray)):
        image = Image.open(io.BytesIO(image))
        image.load()
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info
                              else "RGB")
    data = None
    if image.mode == "RGB":
        indexed = image.quantize(colors=256, method=Image.Quantize.MAXCOVERAGE,
                                 dither=Image.Dither.NONE)
        biggest, mean = _measure(image, indexed.convert("RGB"))
        if biggest <= MAX_DIFFERENCE and mean <= MEAN_DIFFERENCE:
            data = _png(indexed, level)
    return _png(image, level) if data is None else data


def shrink(path: Path) -> tuple[int, int]:
    """Rewrite a PNG file as :func:`smallest`; its size before and after."""
    data = path.read_bytes()
    lean = smallest(data)
    if len(lean) < len(data):
        path.write_bytes(lean)
    return len(data), min(len(lean), len(data))


def difference(a: bytes, b: bytes) -> tuple[int, float]:
    """The largest and the mean change of a channel between two images of one size (0-255)."""
    from PIL import Image

    return _measure(*(Image.open(io.BytesIO(x)).convert("RGB") for x in (a, b)))


def _measure(first, second) -> tuple[int, float]:
    from PIL import ImageChops

    histograms = [c.histogram() for c in ImageChops.difference(first, second).split()]
    biggest = max(max((i for i, n in enumerate(h) if n), default=0) for h in histograms)
    mean = max(sum(i * n for i, n in enumerate(h)) / sum(h) for h in histograms)
    return biggest, mean


def _png(image, level: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=level >= 9, compress_level=level)
    return out.getvalue()

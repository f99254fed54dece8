"""Every colour of the print PDF in CMYK (or grey): the colour side of PDF/X-4.

The layout's own colours are CMYK already (``styles/press.css``). What else reaches a page is
RGB: a figure's pixels (PNG, JPEG, GIF, WebP), an SVG's fills, strokes and gradients (the
charts, the publisher's logo). While the print PDF is written (:func:`converting`), WeasyPrint
is asked for CMYK instead, converted with the output profile the file declares
(``styles/pressroom-fogra39l.icc``, littleCMS through Pillow's ImageCms, relative
colorimetric with black point compensation):

* ``r g b rg``/``RG`` in any content stream (pages, SVG forms, patterns) becomes ``c m y k k``/``K``;
  pure black becomes black ink alone, white no ink;
* an RGB raster image becomes a DeviceCMYK image (its alpha stays a DeviceGray soft mask);
  greyscale images stay DeviceGray, which PDF/X-4 allows;
* a gradient's stops are converted the same way (the shading's colour space is DeviceCMYK
  under WeasyPrint's ``pdf/x-4``).

WeasyPrint's ``Stream.set_color_rgb``, ``Stream.create_interpolation_function`` and
``RasterImage.get_x_object`` are wrapped once; the wrappers change nothing unless the current
thread is writing a print PDF. The same sources give the same bytes: littleCMS is deterministic
and the pixels are compressed with zlib at a fixed level.
"""

from __future__ import annotations

import io
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path

#: The output profile of every print PDF (provenance and licence: styles/pressroom-fogra39l.md).
PROFILE = Path(__file__).resolve().parents[2] / "styles" / "pressroom-fogra39l.icc"

_state = threading.local()  # .on: this thread is writing a print PDF
_lock = threading.Lock()
_cache: dict = {}  # "transform" -> ImageCms transform; (r, g, b) -> (c, m, y, k)


def profile_bytes() -> bytes:
    return PROFILE.read_bytes()


def profile_compressed() -> bytes:
    """The profile, Flate-compressed once per process (each print PDF embeds it: 354 KB)."""
    found = _cache.get("profile")
    if found is None:
        found = _cache["profile"] = zlib.compress(profile_bytes(), 6)
    return found


def _transform():
    transform = _cache.get("transform")
    if transform is None:
        from PIL import ImageCms

        with _lock:
            transform = _cache.get("transform")
            if transform is None:
                transform = _cache["transform"] = ImageCms.buildTransform(
                    ImageCms.createProfile("sRGB"), ImageCms.getOpenProfile(str(PROFILE)),
                    "RGB", "CMYK", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                    flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
    return transform


def to_cmyk(image):
    """A Pillow RGB image in CMYK through the output profile."""
    from PIL import ImageCms

    return ImageCms.applyTransform(image, _transform())


def cmyk(r: float, g: float, b: float) -> tuple[float, float, float, float]:
    """One sRGB colour (0..1) in CMYK (0..1) through the output profile; black is K alone."""
    key = tuple(max(0, min(255, round(float(v) * 255))) for v in (r, g, b))
    if key == (0, 0, 0):
        return (0.0, 0.0, 0.0, 1.0)
    if key == (255, 255, 255):
        return (0.0, 0.0, 0.0, 0.0)
    found = _cache.get(key)
    if found is None:
        from PIL import Image

        pixel = to_cmyk(Image.new("RGB", (1, 1), key)).getpixel((0, 0))
        found = _cache[key] = tuple(round(v / 255, 4) for v in pixel)
    return found


def active() -> bool:
    return getattr(_state, "on", False)


@contextmanager
def converting(on: bool = True):
    """While the body runs, this thread's PDF is written with CMYK for every RGB colour."""
    if on:
        install()
    before = active()
    _state.on = on
    try:
        yield
    finally:
        _state.on = before


def install() -> None:
    """Wrap WeasyPrint's RGB entry points (once per process)."""
    from weasyprint.images import RasterImage
    from weasyprint.pdf.stream import Stream

    if getattr(Stream, "_pressroom_cmyk", False):
        return
    Stream.set_color_rgb = _set_color(Stream.set_color_rgb)
    Stream.create_interpolation_function = staticmethod(
        _interpolation(Stream.create_interpolation_function))
    RasterImage.get_x_object = _x_object(RasterImage.get_x_object)
    Stream._pressroom_cmyk = True


def _set_color(set_color_rgb):
    def set_color(self, r, g, b, stroke=False):
        if not active():
            return set_color_rgb(self, r, g, b, stroke)
        values = " ".join(f"{v:g}" for v in cmyk(r, g, b))
        self.stream.append(f"{values} {'K' if stroke else 'k'}".encode())

    return set_color


def _interpolation(create):
    def interpolation(domain, c0, c1, n):
        if active() and len(c0) == 3 and len(c1) == 3:
            c0, c1 = cmyk(*c0), cmyk(*c1)
        return create(domain, c0, c1, n)

    return interpolation


def _x_object(get_x_object):
    def x_object(self, interpolate, dpi_ratio):
        made = get_x_object(self, interpolate, dpi_ratio)
        if not active() or made.extra.get("ColorSpace") != "/DeviceRGB":
            return made
        import pydyf
        from PIL import Image

        with Image.open(io.BytesIO(self.image_data.data)) as source:
            pixels = to_cmyk(source.convert("RGB"))
        extra = pydyf.Dictionary({key: value for key, value in made.extra.items()
                                  if key not in ("DecodeParms", "Decode")})
        extra["ColorSpace"] = "/DeviceCMYK"
        extra["Width"], extra["Height"] = pixels.width, pixels.height
        extra["Filter"] = "/FlateDecode"
        return pydyf.Stream([zlib.compress(pixels.tobytes(), 6)], extra)

    return x_object

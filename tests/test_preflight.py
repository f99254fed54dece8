"""The PDF/X-4 print PDF and Pressroom's own PDF/X preflight (pressroom/preflight.py).

The print PDFs of both briefs pass every check with no warning; a brief with every kind of
image (RGB, greyscale and transparent PNG, JPEG, an SVG with fills and a gradient) reaches
the print PDF in CMYK or grey. Each check is then fed a copy of a good print PDF broken in the
one way it looks for, and must fail on it.
"""

from __future__ import annotations

import io

import layout
import pytest
from conftest import FIRST, copy_project, load_brief, write_brief
from PIL import Image, ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject, NumberObject, TextStringObject

from pressroom.build import render
from pressroom.checks import preflight

SAMPLE = "sample-brief-corridors"


def codes(data: bytes) -> list[str]:
    return sorted({p.code for p in preflight.check(data, "print.pdf")})


@pytest.fixture(scope="module")
def prints(project):
    return {slug: layout.pdf_of(load_brief(project, slug), project, "print") for slug in (FIRST, SAMPLE)}


@pytest.mark.parametrize("slug", [FIRST, SAMPLE])
def test_the_print_pdfs_of_both_briefs_pass_with_no_warning(prints, slug):
    assert preflight.check(prints[slug], f"{slug}-print.pdf") == []
    reader = PdfReader(io.BytesIO(prints[slug]))
    assert reader.pdf_header == "%PDF-1.6" and reader.metadata["/GTS_PDFXVersion"] == "PDF/X-4"
    assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in \
        reader.trailer["/Root"]["/Metadata"].get_data()


def test_the_sample_briefs_schematic_chart_and_logo_are_cmyk(prints):
    reader = PdfReader(io.BytesIO(prints[SAMPLE]))
    spaces = [image.image.mode for page in reader.pages for image in page.images]
    assert spaces and set(spaces) == {"CMYK"}  # the schematic; the chart and the logo are drawn
    assert layout.rgb_colour(prints[SAMPLE]) == []


# ------------------------------------------------------------------ every kind of image

def _figures(folder):
    images = folder / "images"
    images.mkdir(parents=True)
    photo = Image.new("RGB", (900, 400), (200, 40, 30))
    photo.paste((20, 120, 200), (300, 0, 600, 400))
    photo.save(images / "photo.jpg", quality=90)
    photo.save(images / "rgb.png")
    Image.new("L", (900, 400), 90).save(images / "grey.png")
    alpha = Image.new("RGBA", (900, 400), (30, 160, 60, 0))
    alpha.paste((30, 160, 60, 255), (100, 100, 800, 300))
    alpha.save(images / "alpha.png")
    (images / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><defs>'
        '<linearGradient id="g"><stop offset="0" stop-color="#d03020"/>'
        '<stop offset="1" stop-color="#2050c0"/></linearGradient></defs>'
        '<rect width="300" height="50" fill="url(#g)"/>'
        '<rect y="50" width="150" height="50" fill="#20a040" stroke="#ff00ff"/></svg>',
        encoding="utf-8")


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    project = copy_project(root)
    folder = write_brief(root / "source" / "figures", "title: Figures\nsections:\n  - 01-f.md\n", {
        "01-f.md": "# Figures\n\n" + "\n\n".join(
            f"![a {name} figure](images/{name} \"The {name} figure\")"
            for name in ("photo.jpg", "rgb.png", "grey.png", "alpha.png", "chart.svg")) + "\n"})
    _figures(folder)
    brief = load_brief(project, "figures")
    return brief, project, render(brief, project, ("pdf-print",))["pdf-print"]


def test_every_kind_of_image_reaches_the_print_pdf_as_cmyk_or_grey(figures):
    _, _, data = figures
    problems = preflight.check(data, "figures-print.pdf")
    assert [p for p in problems if p.severity == "error"] == [], [str(p) for p in problems]
    reader = PdfReader(io.BytesIO(data))
    images = {}
    for page in reader.pages:
        for name, ref in (page["/Resources"].get("/XObject") or {}).items():
            image = ref.get_object()
            if image.get("/Subtype") == "/Image":
                images[name] = (str(image["/ColorSpace"]), "/SMask" in image)
    assert sorted(images.values()) == sorted([("/DeviceCMYK", False), ("/DeviceCMYK", False),
                                              ("/DeviceGray", False), ("/DeviceCMYK", True)])
    assert layout.rgb_colour(data) == []  # the SVG's fills, strokes and gradient too


def test_the_converted_colours_are_the_images_colours(figures):
    _, _, data = figures
    reader = PdfReader(io.BytesIO(data))
    cmyk = [image.image for page in reader.pages for image in page.images if image.image.mode == "CMYK"]
    red = cmyk[0].getpixel((10, 10))  # the photo's red: much magenta and yellow, little cyan
    assert red[1] > 150 and red[2] > 150 and red[0] < 60, red


def test_the_print_pdf_with_images_is_deterministic(figures):
    brief, project, data = figures
    assert render(brief, project, ("pdf-print",))["pdf-print"] == data


# ------------------------------------------------------------------ each check, on a broken PDF

def _writer(data: bytes) -> PdfWriter:
    return PdfWriter(clone_from=PdfReader(io.BytesIO(data)))


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _append(data: bytes, ops: bytes, page: int = 1) -> bytes:
    writer = _writer(data)
    target = writer.pages[page]
    stream = DecodedStreamObject()
    stream.set_data(target.get_contents().get_data() + b"\n" + ops + b"\n")
    target.replace_contents(stream)
    return _bytes(writer)


def test_an_rgb_colour_in_a_content_stream_is_caught(prints):
    assert codes(_append(prints[FIRST], b"0.2 0.4 0.6 rg 0 0 10 10 re f")) == ["V903"]
    assert codes(_append(prints[FIRST], b"/DeviceRGB CS")) == ["V903"]


def test_an_rgb_image_is_caught(prints):
    writer = _writer(prints[SAMPLE])
    for page in writer.pages:
        for ref in (page["/Resources"].get("/XObject") or {}).values():
            if ref.get_object().get("/Subtype") == "/Image":
                ref.get_object()[NameObject("/ColorSpace")] = NameObject("/DeviceRGB")
    assert codes(_bytes(writer)) == ["V903"]


def test_an_rgb_transparency_group_in_a_form_is_caught(prints):
    writer = _writer(prints[SAMPLE])
    changed = 0
    for page in writer.pages:
        for ref in (page["/Resources"].get("/XObject") or {}).values():
            form = ref.get_object()
            if form.get("/Subtype") == "/Form" and "/Group" in form:
                form["/Group"].get_object()[NameObject("/CS")] = NameObject("/DeviceRGB")
                changed += 1
    assert changed and codes(_bytes(writer)) == ["V903"]


def test_an_rgb_shading_is_caught(figures):
    _, _, data = figures
    writer = _writer(data)
    found = 0
    for number in range(1, len(writer._objects) + 1):
        item = writer.get_object(number)
        if hasattr(item, "get") and "/ShadingType" in item and item.get("/ColorSpace") == "/DeviceCMYK":
            item[NameObject("/ColorSpace")] = NameObject("/DeviceRGB")
            found += 1
    assert found and "V903" in codes(_bytes(writer))


def test_a_font_not_embedded_is_caught(prints):
    writer = _writer(prints[FIRST])
    font = next(iter(writer.pages[1]["/Resources"]["/Font"].values())).get_object()
    target = font["/DescendantFonts"][0].get_object() if font["/Subtype"] == "/Type0" else font
    descriptor = target["/FontDescriptor"].get_object()
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        descriptor.pop(key, None)
    assert codes(_bytes(writer)) == ["V904"]


def test_a_missing_or_wrong_bleed_box_is_caught(prints):
    writer = _writer(prints[FIRST])
    del writer.pages[1][NameObject("/BleedBox")]
    assert codes(_bytes(writer)) == ["V905"]
    writer = _writer(prints[FIRST])
    writer.pages[0][NameObject("/BleedBox")] = writer.pages[0]["/TrimBox"]  # no bleed
    assert codes(_bytes(writer)) == ["V905"]
    writer = _writer(prints[FIRST])
    del writer.pages[2][NameObject("/TrimBox")]
    assert codes(_bytes(writer)) == ["V905"]


def test_a_missing_doubled_or_empty_output_intent_is_caught(prints):
    writer = _writer(prints[FIRST])
    del writer._root_object[NameObject("/OutputIntents")]
    assert codes(_bytes(writer)) == ["V906"]
    writer = _writer(prints[FIRST])
    intents = writer._root_object["/OutputIntents"]
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([intents[0], intents[0]])
    assert codes(_bytes(writer)) == ["V906"]
    writer = _writer(prints[FIRST])
    intent = writer._root_object["/OutputIntents"][0].get_object()
    del intent[NameObject("/DestOutputProfile")]
    intent[NameObject("/RegistryName")] = TextStringObject("")
    assert codes(_bytes(writer)) == ["V906"]


def test_an_rgb_output_profile_is_caught(prints):
    writer = _writer(prints[FIRST])
    intent = writer._root_object["/OutputIntents"][0].get_object()
    srgb = DecodedStreamObject()
    srgb.set_data(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    srgb[NameObject("/N")] = NumberObject(3)
    intent[NameObject("/DestOutputProfile")] = writer._add_object(srgb)
    assert codes(_bytes(writer)) == ["V906"]


def test_trapped_not_set_is_caught(prints):
    writer = _writer(prints[FIRST])
    writer._info.get_object().pop(NameObject("/Trapped"))
    assert codes(_bytes(writer)) == ["V907"]
    writer = _writer(prints[FIRST])
    writer._info.get_object()[NameObject("/Trapped")] = NameObject("/True")  # the XMP says False
    assert codes(_bytes(writer)) == ["V907"]


def test_a_pdfx_version_that_differs_from_the_xmp_is_caught(prints):
    writer = _writer(prints[FIRST])
    writer._info.get_object()[NameObject("/GTS_PDFXVersion")] = TextStringObject("PDF/X-1a:2003")
    assert codes(_bytes(writer)) == ["V908"]
    writer = _writer(prints[FIRST])
    writer._info.get_object().pop(NameObject("/GTS_PDFXVersion"))
    assert codes(_bytes(writer)) == ["V908"]
    writer = _writer(prints[FIRST])
    metadata = writer._root_object["/Metadata"].get_object()
    metadata.set_data(metadata.get_data().replace(b"pdfxid:GTS_PDFXVersion", b"pdfxid:Removed"))
    assert codes(_bytes(writer)) == ["V908"]


def test_an_image_under_300_ppi_is_a_warning(tmp_path):
    project = copy_project(tmp_path)
    folder = write_brief(tmp_path / "source" / "small", "title: Small\nsections:\n  - 01-s.md\n",
                         {"01-s.md": "# Small\n\n![a small figure](images/small.png \"Small\")\n"})
    (folder / "images").mkdir()
    Image.new("RGB", (400, 150), (10, 80, 160)).save(folder / "images" / "small.png")
    brief = load_brief(project, "small")
    problems = preflight.check(render(brief, project, ("pdf-print",))["pdf-print"], "small.pdf")
    assert [(p.code, p.severity) for p in problems] == [("V909", "warning")]
    assert " 76 ppi" in problems[0].message  # 400 px across the 134 mm column


def test_ink_over_300_per_cent_is_a_warning_except_in_the_printers_marks(prints):
    heavy = b"0.9 0.9 0.9 0.9 k 0 0 10 10 re f"
    problems = preflight.check(_append(prints[FIRST], heavy), "print.pdf")
    assert [(p.code, p.severity) for p in problems] == [("V910", "warning")]
    assert "360 %" in problems[0].message
    marks = b"/Artifact <</Type /Page>> BDC " + heavy + b" EMC"
    assert preflight.check(_append(prints[FIRST], marks), "print.pdf") == []


def test_an_image_with_too_much_ink_is_a_warning(prints):
    writer = _writer(prints[SAMPLE])
    for page in writer.pages:
        for ref in (page["/Resources"].get("/XObject") or {}).values():
            image = ref.get_object()
            if image.get("/Subtype") == "/Image":
                size = int(image["/Width"]) * int(image["/Height"])
                image.set_data(bytes([230, 230, 230, 230]) * size)
    assert codes(_bytes(writer)) == ["V910"]

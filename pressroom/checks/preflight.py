"""PDF/X preflight of the print PDF: what a print shop's preflight checks, done by Pressroom.

There is no open PDF/X validator, so the print PDF (``build/<slug>-print.pdf``) is read back
with pypdf and held to PDF/X-4 (ISO 15930-7) on the points that decide whether it prints as
laid out:

======  ===============================================================================
V903    no DeviceRGB anywhere: colour operators of every content stream (pages, forms,
        patterns, inline images), images, shadings, transparency groups
V904    every font embedded
V905    a TrimBox and a BleedBox on every page, the BleedBox the profile's bleed (3 mm) outside
        the TrimBox and inside the MediaBox
V906    one GTS_PDFX output intent, naming a registered condition or embedding a CMYK profile
V907    ``/Trapped`` is ``/True`` or ``/False`` (and the XMP says the same)
V908    the XMP's ``pdfxid:GTS_PDFXVersion`` is a PDF/X version and the Info dictionary's matches
V909    warning: an image under 300 ppi at the size it is printed
V910    warning: total ink coverage over 300 % (a colour or an image's pixel); printer's marks,
        marked as ``/Artifact <</Type /Page>>`` content (ISO 32000-1 14.8.2.2), are in
        registration colour on purpose and are left out
======  ===============================================================================
"""

from __future__ import annotations

import io
import math
import re

from pressroom.errors import Problem

BLEED_MM = 3.0
PT_PER_MM = 72 / 25.4
MIN_PPI = 300
MAX_INK = 300  # per cent
TOLERANCE = 0.05  # pt: boxes are written with three decimals

_XMP_VERSION = re.compile(rb"pdfxid:GTS_PDFXVersion(?:>([^<]*)<|=\"([^\"]*)\")")
_XMP_TRAPPED = re.compile(rb"pdf:Trapped(?:>([^<]*)<|=\"([^\"]*)\")")


def _resolve(value):
    return value.get_object() if hasattr(value, "get_object") else value


def _name(value) -> str:
    value = _resolve(value)
    return str(value) if value is not None else ""


def _is_rgb(space) -> bool:
    """A colour space that is DeviceRGB, or an Indexed/Separation/DeviceN/Pattern on top of it."""
    space = _resolve(space)
    if space is None:
        return False
    if not isinstance(space, list):
        return _name(space) in ("/DeviceRGB", "/RGB")
    family = _name(space[0])
    if family in ("/Indexed", "/I") and len(space) > 1:
        return _is_rgb(space[1])
    if family in ("/Separation", "/DeviceN") and len(space) > 2:
        return _is_rgb(space[2])
    if family == "/Pattern" and len(space) > 1:
        return _is_rgb(space[1])
    return False


class _Walker:
    """Walks every content stream reachable from the pages, with its graphics state."""

    def __init__(self, reader, where: str):
        self.reader, self.where = reader, where
        self.problems: list[Problem] = []
        self.rgb: list[str] = []
        self.ink: list[str] = []
        self.low: list[str] = []
        self.seen_forms: set = set()
        self.seen_images: dict = {}

    def _resources_space(self, resources, name):
        spaces = _resolve(resources.get("/ColorSpace")) if resources else None
        if spaces and name in spaces:
            return spaces[name]
        return name

    def walk(self, content, resources, page: int, ctm=(1, 0, 0, 1, 0, 0), artifact=0):
        from pypdf.generic import ContentStream

        stack, ctm = [], list(ctm)
        marked: list[bool] = []
        fill_space = stroke_space = "/DeviceGray"
        try:
            operations = ContentStream(content, self.reader).operations
        except Exception as error:  # a stream pypdf cannot parse is not a print PDF
            self.problems.append(Problem("V903", f"page {page}: a content stream cannot be read "
                                         f"({error})", "rebuild the PDF", self.where))
            return
        for operands, operator in operations:
            op = operator.decode("latin-1") if isinstance(operator, bytes) else str(operator)
            if op == "q":
                stack.append(list(ctm))
            elif op == "Q" and stack:
                ctm = stack.pop()
            elif op == "cm" and len(operands) == 6:
                a, b, c, d, e, f = (float(v) for v in operands)
                A, B, C, D, E, F = ctm
                ctm = [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                       e * A + f * C + E, e * B + f * D + F]
            elif op in ("BDC", "BMC"):
                props = _resolve(operands[1]) if op == "BDC" and len(operands) > 1 else None
                page_artifact = (_name(operands[0]) == "/Artifact" and hasattr(props, "get")
                                 and _name(props.get("/Type")) == "/Page")
                marked.append(page_artifact)
                artifact += page_artifact
            elif op == "EMC" and marked:
                artifact -= marked.pop()
            elif op in ("rg", "RG"):
                self.rgb.append(f"page {page}: '{' '.join(str(v) for v in operands)} {op}' "
                                "sets a DeviceRGB colour")
            elif op in ("cs", "CS") and operands:
                space = self._resources_space(resources, operands[0])
                if _is_rgb(space):
                    self.rgb.append(f"page {page}: '{_name(operands[0])} {op}' selects DeviceRGB")
                if op == "cs":
                    fill_space = space
                else:
                    stroke_space = space
            elif op in ("k", "K") and len(operands) == 4 and not artifact:
                self._ink([float(v) for v in operands], page)
            elif op in ("sc", "scn", "SC", "SCN") and not artifact:
                space = _resolve(fill_space if op.islower() else stroke_space)
                numbers = [float(v) for v in operands if isinstance(v, (int, float))]
                if _name(space) == "/DeviceCMYK" and len(numbers) == 4:
                    self._ink(numbers, page)
            elif op == "sh" and operands:
                shadings = _resolve(resources.get("/Shading")) if resources else None
                shading = _resolve(shadings.get(operands[0])) if shadings else None
                if shading is not None and _is_rgb(shading.get("/ColorSpace")):
                    self.rgb.append(f"page {page}: shading {operands[0]} is DeviceRGB")
            elif op == "INLINE IMAGE":
                settings = operands.get("settings", {}) if isinstance(operands, dict) else {}
                space = settings.get("/CS", settings.get("/ColorSpace"))
                if space is not None and _is_rgb(self._resources_space(resources, space)):
                    self.rgb.append(f"page {page}: an inline image is DeviceRGB")
            elif op == "Do" and operands:
                xobjects = _resolve(resources.get("/XObject")) if resources else None
                ref = xobjects.raw_get(operands[0]) if xobjects and operands[0] in xobjects else None
                if ref is not None:
                    self._xobject(ref, page, ctm, artifact)

    def _ink(self, values, page):
        total = sum(values) * 100
        if total > MAX_INK + 0.5:
            self.ink.append(f"page {page}: a colour of {total:.0f} % ink "
                            f"({' '.join(f'{v:g}' for v in values)})")

    def _xobject(self, ref, page, ctm, artifact):
        key = getattr(ref, "idnum", id(ref))
        xobject = _resolve(ref)
        subtype = _name(xobject.get("/Subtype"))
        if subtype == "/Form":
            group = _resolve(xobject.get("/Group"))
            if group is not None and _is_rgb(group.get("/CS")):
                self.rgb.append(f"page {page}: form object {key} has a DeviceRGB transparency group")
            matrix = [float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])]
            a, b, c, d, e, f = matrix
            A, B, C, D, E, F = ctm
            inner = (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                     e * A + f * C + E, e * B + f * D + F)
            if (key, tuple(round(v, 3) for v in inner)) in self.seen_forms:
                return
            self.seen_forms.add((key, tuple(round(v, 3) for v in inner)))
            self.walk(xobject, _resolve(xobject.get("/Resources")), page, inner, artifact)
        elif subtype == "/Image":
            self._image(key, xobject, page, ctm, artifact)

    def _image(self, key, image, page, ctm, artifact):
        if _is_rgb(image.get("/ColorSpace")):
            self.rgb.append(f"page {page}: image object {key} is DeviceRGB")
        width, height = int(image.get("/Width", 0)), int(image.get("/Height", 0))
        shown_w, shown_h = math.hypot(ctm[0], ctm[1]), math.hypot(ctm[2], ctm[3])
        if width and height and shown_w > 0 and shown_h > 0:
            ppi = min(width * 72 / shown_w, height * 72 / shown_h)
            if ppi < MIN_PPI - 0.5:
                self.low.append(f"page {page}: image object {key} ({width}×{height} px) prints at "
                                f"{ppi:.0f} ppi, {shown_w / PT_PER_MM:.0f}×{shown_h / PT_PER_MM:.0f} mm")
        if artifact or key in self.seen_images:
            return
        self.seen_images[key] = True
        if _name(image.get("/ColorSpace")) == "/DeviceCMYK":
            total = _image_ink(image)
            if total is not None and total > MAX_INK + 0.5:
                self.ink.append(f"page {page}: image object {key} has pixels of {total:.0f} % ink")


def _image_ink(image) -> float | None:
    """The highest total ink of a DeviceCMYK image's pixels, in per cent."""
    from PIL import Image, ImageMath

    try:
        data = image.get_data()
        width, height = int(image["/Width"]), int(image["/Height"])
        if _name(image.get("/Filter")) in ("/DCTDecode", "/DCT"):
            pixels = Image.open(io.BytesIO(data))
            if pixels.mode != "CMYK":
                return None
        else:
            pixels = Image.frombytes("CMYK", (width, height), data)
    except Exception:  # an encoding this check does not read: nothing to say about its ink
        return None
    channels = [channel.convert("I") for channel in pixels.split()]
    total = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"],
                                  c=channels[0], m=channels[1], y=channels[2], k=channels[3])
    return total.getextrema()[1] / 255 * 100


def _fonts(reader, where) -> list[Problem]:
    problems, seen = [], set()
    for number, page in enumerate(reader.pages, start=1):
        todo = [_resolve(page.get("/Resources"))]
        while todo:
            resources = todo.pop()
            if not resources:
                continue
            for font_ref in (_resolve(resources.get("/Font")) or {}).values():
                font = _resolve(font_ref)
                key = getattr(font_ref, "idnum", id(font))
                if key in seen:
                    continue
                seen.add(key)
                subtype = _name(font.get("/Subtype"))
                if subtype == "/Type3":
                    continue
                target = _resolve(font["/DescendantFonts"][0]) if subtype == "/Type0" else font
                descriptor = _resolve(target.get("/FontDescriptor")) or {}
                if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    problems.append(Problem("V904", f"page {number}: font {_name(font.get('/BaseFont'))} "
                                            "is not embedded", "embed every font (check the "
                                            "@font-face rules of styles/)", where))
            for xobject in (_resolve(resources.get("/XObject")) or {}).values():
                xobject = _resolve(xobject)
                if _name(xobject.get("/Subtype")) == "/Form":
                    todo.append(_resolve(xobject.get("/Resources")))
    return problems


def _boxes(reader, where) -> list[Problem]:
    problems = []
    bleed = BLEED_MM * PT_PER_MM
    for number, page in enumerate(reader.pages, start=1):
        if "/TrimBox" not in page or "/BleedBox" not in page:
            missing = [box for box in ("/TrimBox", "/BleedBox") if box not in page]
            problems.append(Problem("V905", f"page {number} has no {' and no '.join(m[1:] for m in missing)}",
                                    "the print profile sets both (editions/pdf.py)", where))
            continue
        trim = [float(v) for v in page["/TrimBox"]]
        box = [float(v) for v in page["/BleedBox"]]
        media = [float(v) for v in page["/MediaBox"]]
        wanted = [trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed]
        if any(abs(a - b) > TOLERANCE for a, b in zip(box, wanted)):
            problems.append(Problem("V905", f"page {number}: the BleedBox is not {BLEED_MM:g} mm "
                                    "outside the TrimBox", "the print profile asks for 3 mm of bleed",
                                    where))
        elif box[0] < media[0] - TOLERANCE or box[1] < media[1] - TOLERANCE or \
                box[2] > media[2] + TOLERANCE or box[3] > media[3] + TOLERANCE:
            problems.append(Problem("V905", f"page {number}: the BleedBox reaches outside the MediaBox",
                                    "make the media larger than the bleed", where))
    return problems


def _intent(reader, where) -> list[Problem]:
    intents = [_resolve(i) for i in _resolve(reader.trailer["/Root"]).get("/OutputIntents", [])]
    pdfx = [i for i in intents if _name(i.get("/S")) == "/GTS_PDFX"]
    if len(pdfx) != 1:
        return [Problem("V906", f"{len(pdfx)} GTS_PDFX output intents; PDF/X asks for exactly one",
                        "the print profile writes one (editions/pdf.py)", where)]
    intent = pdfx[0]
    identifier = str(intent.get("/OutputConditionIdentifier", ""))
    profile = _resolve(intent.get("/DestOutputProfile"))
    if profile is not None:
        data = profile.get_data()
        if int(profile.get("/N", 0)) != 4 or data[16:20] != b"CMYK" or data[12:16] != b"prtr":
            return [Problem("V906", "the output intent's profile is not a CMYK output (printer) profile",
                            "embed styles/pressroom-fogra39l.icc", where)]
        if not identifier:
            return [Problem("V906", "the output intent has no OutputConditionIdentifier",
                            "name the condition the profile characterises", where)]
        return []
    registry = str(intent.get("/RegistryName", ""))
    if not identifier or identifier == "Custom" or "color.org" not in registry:
        return [Problem("V906", "the output intent neither embeds a profile nor names a condition "
                        "of the ICC registry", "embed the output profile", where)]
    return []


def _xmp(reader) -> bytes:
    metadata = _resolve(_resolve(reader.trailer["/Root"]).get("/Metadata"))
    return metadata.get_data() if metadata is not None else b""


def _xmp_value(pattern, xmp: bytes) -> str | None:
    found = pattern.search(xmp)
    if not found:
        return None
    return (found.group(1) or found.group(2) or b"").decode("utf-8", "replace").strip()


def _claims(reader, where) -> list[Problem]:
    problems = []
    info = reader.trailer.get("/Info")
    info = _resolve(info) if info is not None else {}
    xmp = _xmp(reader)
    trapped = _name(info.get("/Trapped")) if info else ""
    xmp_trapped = _xmp_value(_XMP_TRAPPED, xmp)
    if trapped not in ("/True", "/False"):
        problems.append(Problem("V907", f"/Trapped is {trapped or 'not set'}; PDF/X asks for /True "
                                "or /False", "the print profile writes /False", where))
    elif xmp_trapped is not None and xmp_trapped != trapped[1:]:
        problems.append(Problem("V907", f"/Trapped is {trapped} but the XMP says {xmp_trapped}",
                                "write the same in both", where))
    version = _xmp_value(_XMP_VERSION, xmp)
    in_info = str(info.get("/GTS_PDFXVersion", "")) if info else ""
    if not version or not version.startswith("PDF/X-"):
        problems.append(Problem("V908", "the XMP metadata has no pdfxid:GTS_PDFXVersion",
                                "the print profile claims PDF/X-4", where))
    elif in_info != version:
        problems.append(Problem("V908", f"GTS_PDFXVersion is '{version}' in the XMP but "
                                f"'{in_info or 'absent'}' in the Info dictionary",
                                "write the same in both", where))
    return problems


def _objects_in_rgb(reader) -> list[str]:
    """Every image, shading and transparency group of the file in DeviceRGB, used or not, wherever
    it sits (a pattern's shading, a soft mask's group...)."""
    from pypdf.generic import IndirectObject

    found = []
    for number in range(1, int(reader.trailer.get("/Size", 0))):
        try:
            item = reader.get_object(IndirectObject(number, 0, reader))
        except Exception:  # a free or unreadable entry holds no colour
            continue
        if not hasattr(item, "get"):
            continue
        if _name(item.get("/Subtype")) == "/Image" and _is_rgb(item.get("/ColorSpace")):
            found.append(f"image object {number} is DeviceRGB")
        if "/ShadingType" in item and _is_rgb(item.get("/ColorSpace")):
            found.append(f"shading object {number} is DeviceRGB")
        shading = _resolve(item.get("/Shading"))
        if _name(item.get("/Type")) == "/Pattern" and hasattr(shading, "get") and \
                _is_rgb(shading.get("/ColorSpace")):
            found.append(f"the shading of pattern object {number} is DeviceRGB")
        group = _resolve(item.get("/Group"))
        if hasattr(group, "get") and _is_rgb(group.get("/CS")):
            found.append(f"object {number} has a DeviceRGB transparency group")
    return found


def check(data: bytes, where: str) -> list[Problem]:
    """Every PDF/X problem of a print PDF's bytes (``where`` names it in the problems)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    walker = _Walker(reader, where)
    for number, page in enumerate(reader.pages, start=1):
        group = _resolve(page.get("/Group"))
        if group is not None and _is_rgb(group.get("/CS")):
            walker.rgb.append(f"page {number} has a DeviceRGB transparency group")
        contents = page.get_contents()
        if contents is not None:
            walker.walk(contents, _resolve(page.get("/Resources")), number)
    problems = list(walker.problems)
    walker.rgb += [found for found in _objects_in_rgb(reader) if found not in walker.rgb]
    if walker.rgb:
        problems.append(Problem("V903", f"DeviceRGB in {len(walker.rgb)} place(s); first: {walker.rgb[0]}",
                                "every colour of the print PDF is CMYK or grey (editions/pdfx.py)", where))
    problems += _fonts(reader, where) + _boxes(reader, where) + _intent(reader, where)
    problems += _claims(reader, where)
    for message in walker.low[:5]:
        problems.append(Problem("V909", message, "give the figure more pixels "
                                f"({MIN_PPI} ppi at its printed size)", where, severity="warning"))
    for message in walker.ink[:5]:
        problems.append(Problem("V910", f"{message}; the press takes {MAX_INK} % at most",
                                "use a lighter colour or convert with the output profile", where,
                                severity="warning"))
    return problems

"""The print profile's finisher, written on pydyf's objects: the exact 3 mm BleedBox, printer's
marks in registration colour, no annotations, no page transparency group, and the PDF/X-4 output
intent with its embedded CMYK profile (:mod:`pressroom.weasy.pdfx`)."""

from __future__ import annotations

from pressroom.weasy import pdfx
from pressroom.weasy import tags as pdftags

BLEED_MM = 3.0
PT_PER_MM = 72 / 25.4

#: The registered characterisation (ICC registry) the print PDF's output intent names, A4 and
#: Letter alike, and the profile embedded with it (made from its data: styles/pressroom-fogra39l.md).
CONDITION = ("FOGRA39", "Offset printing, according to ISO 12647-2:2004/Amd 1, OFCOM, paper type 1 "
                        "or 2 = coated art, 115 g/m2, screen ruling 60/cm")
PROFILE_NAME = "Pressroom CMYK (FOGRA39L, coated offset, 300 % total ink)"


def _marks(x0: float, y0: float, x1: float, y1: float) -> bytes:
    """Crop marks at the corners and registration crosses at the middle of each side, drawn
    in registration colour (100 % of every ink), 5 mm clear of the trim: outside the bleed."""
    mm = PT_PER_MM
    gap, length, r = 5 * mm, 5 * mm, 1.5 * mm
    ops = ["/Artifact <</Type /Page>> BDC", "q", "0.25 w", "1 1 1 1 K"]
    for x, sx in ((x0, -1), (x1, 1)):
        for y, sy in ((y0, -1), (y1, 1)):
            ops += [f"{x + sx * gap:.3f} {y:.3f} m {x + sx * (gap + length):.3f} {y:.3f} l S",
                    f"{x:.3f} {y + sy * gap:.3f} m {x:.3f} {y + sy * (gap + length):.3f} l S"]
    middle_x, middle_y, off = (x0 + x1) / 2, (y0 + y1) / 2, 7.5 * mm
    for cx, cy in ((middle_x, y1 + off), (middle_x, y0 - off), (x0 - off, middle_y), (x1 + off, middle_y)):
        k = r * 0.5523
        ops += [f"{cx - 2 * r:.3f} {cy:.3f} m {cx + 2 * r:.3f} {cy:.3f} l S",
                f"{cx:.3f} {cy - 2 * r:.3f} m {cx:.3f} {cy + 2 * r:.3f} l S",
                f"{cx + r:.3f} {cy:.3f} m {cx + r:.3f} {cy + k:.3f} {cx + k:.3f} {cy + r:.3f} {cx:.3f} {cy + r:.3f} c "
                f"{cx - k:.3f} {cy + r:.3f} {cx - r:.3f} {cy + k:.3f} {cx - r:.3f} {cy:.3f} c "
                f"{cx - r:.3f} {cy - k:.3f} {cx - k:.3f} {cy - r:.3f} {cx:.3f} {cy - r:.3f} c "
                f"{cx + k:.3f} {cy - r:.3f} {cx + r:.3f} {cy - k:.3f} {cx + r:.3f} {cy:.3f} c S"]
    ops += ["Q", "EMC"]  # a production aid, not the document (ISO 32000-1 14.8.2.2)
    return "\n".join(ops).encode()


def finisher(paper: str, variant: str | None, document_id: str = ""):
    """A WeasyPrint finisher for the print profile: the exact 3 mm BleedBox, printer's marks
    in CMYK, no annotations, no page transparency group, and the PDF/X-4 output intent with
    its embedded CMYK profile (pdfx.py), ``GTS_PDFXVersion`` in the Info dictionary as in the
    XMP, and a stable ``xmpMM:DocumentID`` (WeasyPrint draws a random one)."""
    import pydyf

    def finish(document, pdf):
        bleed = BLEED_MM * PT_PER_MM
        for number in pdf.pages["Kids"][::3]:  # Kids is flat: number, 0, "R", ...
            page = pdf.objects[number]
            page.pop("Annots", None)
            page.pop("Group", None)  # a transparency group; the pages are opaque
            x0, y0, x1, y1 = (float(v) for v in page["TrimBox"])
            page["BleedBox"] = pydyf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
            marks = pydyf.Stream([_marks(x0, y0, x1, y1)], compress=True)
            pdf.add_object(marks)
            page["Contents"] = pydyf.Array([marks.reference, page["Contents"]])
        if variant:
            identifier, condition = CONDITION
            profile = pydyf.Stream([pdfx.profile_compressed()],
                                   pydyf.Dictionary({"N": 4, "Filter": "/FlateDecode"}))
            pdf.add_object(profile)
            pdf.catalog["OutputIntents"] = pydyf.Array([pydyf.Dictionary({
                "Type": "/OutputIntent", "S": "/GTS_PDFX",
                "OutputConditionIdentifier": pydyf.String(identifier),
                "OutputCondition": pydyf.String(condition),
                "RegistryName": pydyf.String("http://www.color.org"),
                "Info": pydyf.String(PROFILE_NAME),
                "DestOutputProfile": profile.reference,
            })])
            pdf.info["GTS_PDFXVersion"] = pydyf.String("PDF/X-4")
            if document_id and "Metadata" in pdf.catalog:
                _stable_document_id(pdf, document_id)
    return finish


def _stable_document_id(pdf, document_id: str) -> None:
    import re

    metadata = pdf.objects[pdftags._ref(pdf.catalog["Metadata"])]
    packet = b"".join(p if isinstance(p, bytes) else str(p).encode() for p in metadata.stream)
    metadata.stream = [re.sub(rb"xmp\.did:[0-9a-f-]{36}", document_id.encode(), packet)]

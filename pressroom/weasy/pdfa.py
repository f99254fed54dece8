"""The screen PDF, finished for archives as well as readers: PDF/A-2a and PDF/UA-1 in one file.

WeasyPrint writes one claim per file. The screen profile asks it for PDF/A-2a (``pdf/a-2a``:
tagged, an sRGB output intent so that its RGB colours are device independent, the print flag
on every annotation, the PDF/A identification in the XMP metadata). This finisher, run after
the tag tree is finished (pdftags.py), adds what PDF/UA-1 asks beyond it and what PDF/A asks of
any XMP property that is not predefined:

* the PDF/UA identification (``pdfuaid:part`` 1, ISO 14289-1 5) in the XMP packet, with the
  extension schema that describes it (ISO 19005-2 6.6.2.3.1);
* ``Interpolate`` off on every image (ISO 19005-2 6.2.8.3): WeasyPrint asks viewers to smooth
  images drawn with ``image-rendering: auto``.

veraPDF checks the result against both profiles (pressroom/verapdf.py).
"""

from __future__ import annotations

import pydyf

from pressroom.weasy import tags as pdftags

#: The XMP the PDF/UA identification needs in a PDF/A file: the property, and its schema.
UA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"><pdfuaid:part>1</pdfuaid:part></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"><pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource"><pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema><pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI><pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource"><pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType><pdfaProperty:category>internal</pdfaProperty:category><pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description></rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>
"""


def _add_to_xmp(pdf, xml: bytes) -> None:
    """Put ``xml`` (rdf:Description elements) into the catalog's XMP packet, before ``</rdf:RDF>``."""
    metadata = pdf.objects[pdftags._ref(pdf.catalog["Metadata"])]
    packet = b"".join(part if isinstance(part, bytes) else str(part).encode() for part in metadata.stream)
    end = packet.rindex(b"</rdf:RDF>")
    metadata.stream = [packet[:end] + xml + packet[end:]]


def finish(document, pdf) -> None:
    """The screen PDF's last finisher (after pdftags.finish)."""
    if "Metadata" in pdf.catalog:
        _add_to_xmp(pdf, UA_XMP)
    for item in pdf.objects:
        if isinstance(item, pydyf.Stream) and item.extra.get("Subtype") == "/Image":
            if "Interpolate" in item.extra:
                item.extra["Interpolate"] = "false"
            mask = item.extra.get("SMask")
            if isinstance(mask, pydyf.Stream) and "Interpolate" in mask.extra:
                mask.extra["Interpolate"] = "false"

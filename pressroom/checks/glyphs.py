"""Which characters a PDF prints without a glyph (.notdef boxes), read back with fontTools."""

from __future__ import annotations

import io
import re

_BLOCK = re.compile(r"begin(bfchar|bfrange|cidchar)(.*?)end\1", re.S)
_TOKEN = re.compile(r"<([0-9a-fA-F]*)>|(\d+)")


def _cmap(text: str) -> dict[int, str | int]:
    """A CMap's mappings: code -> text (ToUnicode bfchar/bfrange) or code -> CID (cidchar)."""
    out: dict[int, str | int] = {}
    for kind, block in _BLOCK.findall(text):
        tokens = [h if h or not n else int(n) for h, n in _TOKEN.findall(block)]
        if kind == "bfchar":
            for code, dst in zip(tokens[0::2], tokens[1::2]):
                out[int(code, 16)] = bytes.fromhex(dst).decode("utf-16-be", "replace")
        elif kind == "cidchar":
            for code, cid in zip(tokens[0::2], tokens[1::2]):
                out[int(code, 16)] = cid
        else:
            for lo, hi, dst in zip(tokens[0::3], tokens[1::3], tokens[2::3]):
                first = ord(bytes.fromhex(dst).decode("utf-16-be", "replace")[:1] or "\0")
                for i in range(int(hi, 16) - int(lo, 16) + 1):
                    out[int(lo, 16) + i] = chr(first + i)
    return out


def missing_glyphs(data: bytes) -> dict[str, set[str]]:
    """Characters the PDF draws as .notdef (an empty box): ``{font name: {characters}}``.

    Every code a font draws is in its ToUnicode map; through the font's encoding (the
    identity, or WeasyPrint's own CMap that sends a missing character to CID 0) it is a
    glyph of the font program WeasyPrint embedded (read with fontTools). A code that lands
    on glyph 0 or past the font's last glyph is a character the face does not have.
    """
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    missing: dict[str, set[str]] = {}
    seen: set[int] = set()
    for page in reader.pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            if ref.idnum in seen:
                continue
            seen.add(ref.idnum)
            font = ref.get_object()
            if "/ToUnicode" not in font or "/DescendantFonts" not in font:
                continue
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            drawn = _cmap(font["/ToUnicode"].get_data().decode("latin-1"))
            encoding = font["/Encoding"]
            cids = None if encoding == "/Identity-H" else _cmap(
                encoding.get_object().get_data().decode("latin-1"))
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = next((descriptor[k] for k in ("/FontFile2", "/FontFile3") if k in descriptor), None)
            try:
                count = TTFont(io.BytesIO(program.get_data()))["maxp"].numGlyphs if program else 0
            except Exception:  # not a program fontTools reads: every glyph counts as missing
                count = 0
            for code, text in drawn.items():
                cid = code if cids is None else cids.get(code, 0)
                if (cid == 0 or cid >= count) and str(text).strip():
                    missing.setdefault(name, set()).update(str(text))
    return missing

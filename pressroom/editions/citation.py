"""Citations generated from the metadata (one formatter per style)."""

from __future__ import annotations

import json
import re

from pressroom.model import Metadata


def suggested(meta: Metadata) -> str:
    """The suggested citation printed on the back page."""
    year = f" ({meta.date.year})" if meta.date else ""
    title = meta.title + (f": {meta.subtitle}" if meta.subtitle else "")
    parts = [f"{', '.join(meta.authors) or meta.publisher}{year}. {title}."]
    if meta.series_label:
        parts.append(f"{meta.series_label}.")
    if meta.publisher:
        parts.append(f"{meta.publisher}.")
    if meta.identifier:
        parts.append(meta.identifier + ".")
    return " ".join(parts)


# --------------------------------------------------------------------------- citation files

def _identifiers(meta: Metadata) -> dict[str, str]:
    """The identifier as the field a reference manager knows: DOI, ISBN or URL."""
    ident = meta.identifier.strip()
    doi = re.match(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", ident, re.I)
    if doi:
        return {"doi": doi.group(1)}
    isbn = re.sub(r"[\s-]", "", re.sub(r"^isbn:?", "", ident, flags=re.I))
    if re.fullmatch(r"(97[89])?\d{9}[\dX]", isbn, re.I):
        return {"isbn": isbn}
    if re.match(r"^https?://", ident):
        return {"url": ident}
    return {}


def _note(meta: Metadata) -> str:
    """The version, and an identifier no dedicated field holds (a URN)."""
    other = "" if _identifiers(meta) else f"; identifier {meta.identifier}"
    return f"Version {meta.version}{other}"


def _url(meta: Metadata, slug: str) -> str:
    from pressroom.publishing import release

    return _identifiers(meta).get("url") or release.canonical(meta, slug)


def _key(slug: str, meta: Metadata) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", f"{slug}-{meta.version}")


# BibTeX counts braces even after a backslash, so literal braces become commands.
_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&", "%": r"\%",
                   "$": r"\$", "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}",
                   "~": r"\textasciitilde{}"}


def _bib(text: str) -> str:
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in " ".join(str(text).split()))


def bibtex(meta: Metadata, slug: str) -> str:
    """A BibTeX ``@techreport``; authors are institutions, so each is braced as one name."""
    title = meta.title + (f": {meta.subtitle}" if meta.subtitle else "")
    fields = [("title", "{" + _bib(title) + "}"),
              ("author", " and ".join("{" + _bib(a) + "}" for a in meta.authors)),
              ("institution", _bib(meta.publisher)), ("type", _bib(meta.series)),
              ("number", str(meta.number) if meta.number is not None else "")]
    if meta.date:
        fields += [("year", str(meta.date.year)), ("month", str(meta.date.month)),
                   ("date", meta.date.isoformat())]
    ids = _identifiers(meta)
    fields += [("doi", _bib(ids.get("doi", ""))), ("isbn", ids.get("isbn", "")),
               ("url", _bib(_url(meta, slug))), ("note", _bib(_note(meta))),
               ("language", _bib(meta.language)), ("keywords", _bib(", ".join(meta.keywords))),
               ("abstract", _bib(meta.summary))]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@techreport{{{_key(slug, meta)},\n{body}\n}}\n"


def ris(meta: Metadata, slug: str) -> str:
    """An RIS record (type RPRT), one ``TAG  - value`` per line, CRLF as the format asks."""
    lines = [("TY", "RPRT"), ("TI", meta.title + (f": {meta.subtitle}" if meta.subtitle else ""))]
    lines += [("AU", a) for a in meta.authors]
    if meta.date:
        lines += [("PY", str(meta.date.year)), ("DA", meta.date.strftime("%Y/%m/%d"))]
    ids = _identifiers(meta)
    lines += [("T3", meta.series_label), ("PB", meta.publisher), ("ET", meta.version),
              ("AB", meta.summary), ("LA", meta.language), ("DO", ids.get("doi", "")),
              ("SN", ids.get("isbn", "")), ("UR", _url(meta, slug)), ("N1", _note(meta)), ("ID", _key(slug, meta))]
    lines += [("KW", k) for k in meta.keywords]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {' '.join(value.split())}".rstrip(" ") + "\r\n"
                   for tag, value in lines if value or tag == "ER")


def csl_json(meta: Metadata, slug: str) -> str:
    """A CSL-JSON list with one ``report`` item (what Zotero, Pandoc and citeproc read)."""
    item: dict = {"id": _key(slug, meta), "type": "report",
                  "title": meta.title + (f": {meta.subtitle}" if meta.subtitle else ""),
                  "author": [{"literal": a} for a in meta.authors]}
    if meta.date:
        item["issued"] = {"date-parts": [[meta.date.year, meta.date.month, meta.date.day]]}
    ids = _identifiers(meta)
    optional = {"publisher": meta.publisher, "collection-title": meta.series,
                "collection-number": meta.number, "number": meta.number, "version": meta.version,
                "abstract": meta.summary, "language": meta.language,
                "keyword": ", ".join(meta.keywords), "DOI": ids.get("doi"),
                "ISBN": ids.get("isbn"), "URL": _url(meta, slug), "note": _note(meta)}
    item.update({k: v for k, v in optional.items() if v not in (None, "")})
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


#: The citation files of a release: kind (see release.FILES) -> formatter.
FORMATS = {"bibtex": bibtex, "ris": ris, "csl": csl_json}

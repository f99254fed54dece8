"""Text as the checks compare it: letters and digits only, case-folded, NFKC-normalised.

Typography may change between the source and an edition (curly quotes, dashes, soft
hyphens, ligatures), wording may not; this is the form in which wording is compared. A module
of its own, outside the manuscript package, so that the PDF worker (editions/pagination.py)
imports neither the verifier nor the manuscript code (Markdown, YAML, citations) to use it.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return _NOT_WORD.sub("", text).casefold()

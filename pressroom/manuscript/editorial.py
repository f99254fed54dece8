"""What the build itself tells an editor about the metadata, beyond its types.

* A brief marked ``status: final`` that lacks what a final needs (M206) or has
  the wrong number of key points (M207) builds with a warning: the same codes
  the lint and the publishing gate report as errors.
* YAML traps, found on the YAML's own nodes so they carry their line:

  - a list item indented too far becomes the continuation of the item above
    ("… since 2000. - Outdoor workers …"): P120;
  - ``version: 1.10`` is read as the number 1.1: P121 (any text field that YAML
    read as a number, where its digits would change).
"""

from __future__ import annotations

import yaml

from pressroom.model import FIELDS

#: Fields written as text that YAML may read as a number and shorten (1.10 -> 1.1).
TEXT_FIELDS = {f.name for f in FIELDS if f.kind == "str"}


def final_needs(values: dict, lines: dict, where: str, problems) -> None:
    """Warn when a final brief lacks a field a final needs, or has too few or many key points."""
    if values.get("status") != "final":
        return
    line = lines.get("status", 1)
    for field in FIELDS:
        if field.final and values.get(field.name) in (None, "", [], ()):
            problems.warn("M206", f"status is final but '{field.name}' is missing",
                          f"add '{field.name}:' (invoke publish refuses it)", where, line)
    points = values.get("key_points")
    if isinstance(points, (list, tuple)) and not 3 <= len(points) <= 5:
        problems.warn("M207", f"{len(points)} key points; a final brief has three to five",
                      "merge or add key points", where, lines.get("key_points", line))


def yaml_traps(node, where: str, problems, line_offset: int = 0) -> None:
    """Report the traps of :mod:`this module <pressroom.manuscript.editorial>` in a composed YAML document."""
    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        name = str(key.value)
        if (name in TEXT_FIELDS and isinstance(value, yaml.ScalarNode) and value.style is None
                and value.tag in ("tag:yaml.org,2002:float", "tag:yaml.org,2002:int")):
            read = yaml.safe_load(value.value)
            if str(read) != value.value:
                problems.error("P121", f"'{name}: {value.value}' is read by YAML as the number "
                               f"{read}", f'quote it: {name}: "{value.value}"', where,
                               value.start_mark.line + 1 + line_offset)
        items = value.value if isinstance(value, yaml.SequenceNode) else []
        for item in items:
            if not (isinstance(item, yaml.ScalarNode) and item.style is None):
                continue
            first, last = item.start_mark.line, item.end_mark.line
            source = item.start_mark.buffer
            if source is None or first == last:
                continue
            text = source[item.start_mark.index:item.end_mark.index].rstrip("\0")
            for offset, continuation in enumerate(text.split("\n")[1:], start=1):
                if continuation.lstrip().startswith("- "):
                    problems.warn("P120", f"a line of '{name}' starts with '- ' but continues the "
                                  "item above: it is indented too far",
                                  "indent every '- ' of the list alike, or quote the item if the "
                                  "dash belongs to it", where, first + offset + 1 + line_offset)


#: Metadata printed as written (the typographer and the Markdown parser never see it).
PROSE_FIELDS = ("title", "subtitle", "short_title", "authors", "summary", "key_points", "keywords",
                "about")


def metadata_literals(data: dict, lines: dict, where: str, problems) -> None:
    """Markup in the metadata printed as written (pressroom.manuscript.literal): a warning at its field's line."""
    from pressroom.manuscript.literal import find_plain

    for name in PROSE_FIELDS:
        value = data.get(name)
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                for code, message, hint in find_plain(text):
                    problems.warn(code, f"'{name}': {message}", hint, where, lines.get(name))

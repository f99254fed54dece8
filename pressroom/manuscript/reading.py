"""Reading untrusted source files: bounded size, strict UTF-8, safe and bounded YAML.

Every function reports what is wrong to a collector (``error``/``warn`` with a
code, message, hint, file and line) and returns ``None`` instead of raising, so
the loader can gather every problem of a brief in one pass.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pressroom.manuscript.safety import MAX_YAML_ALIASES, MAX_YAML_DEPTH

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def read_text(path: Path, where: str, problems, limit: int) -> str | None:
    """Read a UTF-8 file of at most ``limit`` bytes (a BOM is allowed; CRLF becomes LF)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        problems.error("P101", "file not found", "create it or fix the name", where)
        return None
    except OSError as exc:
        problems.error("P101", f"cannot read the file ({exc.strerror or exc})", "check the path", where)
        return None
    if len(data) > limit:
        problems.error("P113", f"the file is larger than the limit of {limit // 1024:,} KB",
                       "split it into several section files", where)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.error("P101", f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                       "save the file as UTF-8", where, line)
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for match in XML_FORBIDDEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        problems.warn("P110", f"control character U+{ord(match.group()):04X} removed",
                      "delete it from the source", where, line)
    return XML_FORBIDDEN.sub("", text)


class _DuplicateKey(Exception):
    def __init__(self, key, line):
        self.key, self.line = key, line


class Loader(yaml.SafeLoader):
    """The safe loader (plain data only: no Python objects), refusing duplicate keys."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int)) and key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep)


Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, Loader.construct_mapping)


def _bounded(text: str) -> tuple[str, int] | None:
    """Walk the YAML events (no recursion, no construction); report the first excess."""
    aliases = depth = 0
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                return f"more than {MAX_YAML_ALIASES} aliases (*name)", event.start_mark.line
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return f"nested more than {MAX_YAML_DEPTH} deep", event.start_mark.line
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def _failing_line(text: str) -> int:
    """The line of the first scalar that PyYAML resolves but cannot construct (a bad date)."""
    loader = Loader("")
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.ScalarEvent) and event.implicit[0]:
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            node = yaml.ScalarNode(tag, event.value)
            try:
                loader.construct_object(node)
            except (ValueError, OverflowError):
                return event.start_mark.line + 1
    return 1


def load_yaml(text: str, where: str, problems, line_offset: int = 0):
    """Parse YAML; return (mapping, {key: line}) or (None, {}) after reporting the problem."""
    try:
        excess = _bounded(text)
        if excess:
            problems.error("P114", f"the YAML is {excess[0]}",
                           "write plain key: value fields", where, excess[1] + 1 + line_offset)
            return None, {}
        node = yaml.compose(text, Loader=Loader)
        data = Loader("").construct_document(node) if node is not None else {}  # parsed once
    except _DuplicateKey as exc:
        problems.error("P103", f"the key '{exc.key}' appears twice", "keep one of them",
                       where, exc.line + line_offset)
        return None, {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark else None
        what = getattr(exc, "problem", None) or "invalid YAML"
        problems.error("P102", f"YAML syntax error: {what}",
                       "check indentation, colons and quotes on this line", where, line)
        return None, {}
    except (ValueError, OverflowError) as exc:  # e.g. date: 2026-13-45 is resolved, then fails
        problems.error("M202", f"a value cannot be read ({exc})", "write dates as YYYY-MM-DD",
                       where, _failing_line(text) + line_offset)
        return None, {}
    if not isinstance(data, dict):
        problems.error("P104", "expected a mapping of fields (key: value)",
                       "write one 'key: value' per line", where, 1 + line_offset)
        return None, {}
    from pressroom.manuscript.editorial import yaml_traps

    yaml_traps(node, where, problems, line_offset)
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = key_node.start_mark.line + 1 + line_offset
    return data, lines

"""The EPUB's ZIP container, written byte for byte as :mod:`zipfile` would, with the fonts
compressed once per process.

``zipfile`` can only compress while it writes, so every EPUB compressed the house fonts again
(3 MB, most of an EPUB's making time). Here each file's compressed form is kept, keyed by its
path, size and modification time, and a warm process (the preview, a series build) reuses it.
The layout is zipfile's: the same local headers, the same deflate stream
(``zlib.compressobj(level, DEFLATED, -15)``), the same central directory; a test holds the two
byte-identical.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_SYSTEM = 0 if sys.platform == "win32" else 3  # what zipfile records as the creating system
_ATTRIBUTES = 0o644 << 16
_cache: dict[tuple, tuple[int, bytes, int]] = {}  # (path, size, mtime, level) -> crc, data, size
CACHE_LIMIT = 64


def compressed(value: bytes | Path, level: int | None) -> tuple[int, bytes, int]:
    """(CRC-32, stored bytes, original size) of a file; ``level`` None stores it as it is."""
    key = None
    if isinstance(value, Path):
        stat = value.stat()
        key = (str(value), stat.st_size, stat.st_mtime_ns, level)
        if key in _cache:
            return _cache[key]
        value = value.read_bytes()
    if level is None:
        result = (zlib.crc32(value), value, len(value))
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        result = (zlib.crc32(value), compressor.compress(value) + compressor.flush(), len(value))
    if key is not None:
        if len(_cache) >= CACHE_LIMIT:
            _cache.pop(next(iter(_cache)))
        _cache[key] = result
    return result


def write(entries: list[tuple[str, bytes | Path, int | None]], stamp: tuple) -> bytes:
    """A ZIP archive of ``(name, content, deflate level or None to store)``, in that order,
    every entry dated ``stamp`` (year, month, day, hour, minute, second)."""
    dos_time = stamp[3] << 11 | stamp[4] << 5 | stamp[5] // 2
    dos_date = (stamp[0] - 1980) << 9 | stamp[1] << 5 | stamp[2]
    parts, central, offset = [], [], 0
    for name, content, level in entries:
        crc, data, size = compressed(content, level)
        encoded = name.encode("utf-8")
        flags = 0x800 if not name.isascii() else 0
        method = 0 if level is None else 8
        header = _LOCAL.pack(b"PK\x03\x04", 20, 0, flags, method, dos_time, dos_date, crc,
                             len(data), size, len(encoded), 0)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, _SYSTEM, 20, 0, flags, method, dos_time,
                                     dos_date, crc, len(data), size, len(encoded), 0, 0, 0, 0,
                                     _ATTRIBUTES, offset) + encoded)
        parts += [header, encoded, data]
        offset += len(header) + len(encoded) + len(data)
    directory = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(parts) + directory + end

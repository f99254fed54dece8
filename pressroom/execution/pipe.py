"""The PDF worker's pipe protocol: each message is its length (8 bytes, network order) and its
bytes (a pickle). The build sends jobs; the worker answers ``starts``, ``pdf``, ``error``,
``crash`` or, once, ``failed`` (it could not start)."""

from __future__ import annotations

import os
import struct

_HEADER = struct.Struct("!Q")

def write(fd: int, data: bytes) -> None:
    try:
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(fd, view):]
    except OSError:  # the other side has gone; the reader reports it
        pass


def read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read(fd: int) -> bytes | None:
    header = read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    return read_exactly(fd, _HEADER.unpack(header)[0])



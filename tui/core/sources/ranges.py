"""Indexing a byte range of a JSON-lines file: the work a worker process does."""

from __future__ import annotations

import os

from ..decode import Batch, decode_jsonl

CHUNK_BYTES = 24 * 1024 * 1024
READ_BYTES = 4 * 1024 * 1024


def index_range(path: str, source: str, start: int, end: int) -> Batch:
    """Decode whole JSON lines of path[start:end] (runs in a worker process)."""
    batch = Batch(source)
    ids: dict[str, int] = {}
    line_no = 1
    with open(path, "rb", buffering=0) as fh:
        fh.seek(start)
        pos = start
        carry = b""
        while pos < end:
            block = fh.read(min(READ_BYTES, end - pos))
            if not block:
                break
            pos += len(block)
            data = carry + block
            cut = data.rfind(b"\n") + 1 if pos < end else len(data)
            if cut:
                before = batch.lines
                decode_jsonl(batch, ids, data[:cut], pos - len(data), line_no)
                line_no += batch.lines - before
            carry = data[cut:]
    return batch


def _line_boundary(fd: int, offset: int) -> int:
    """The offset just after the first newline at or after offset."""
    while True:
        block = os.pread(fd, 65536, offset)
        if not block:
            return offset
        i = block.find(b"\n")
        if i >= 0:
            return offset + i + 1
        offset += len(block)

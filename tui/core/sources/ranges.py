"""Indexing a byte range of a JSON-lines file: the work a worker process does."""

from __future__ import annotations

import os

import orjson

from ..decode import Batch, MultiLineState, abandon_record, decode_jsonl

CHUNK_BYTES = 24 * 1024 * 1024
READ_BYTES = 4 * 1024 * 1024
#: How far past a chunk's nominal end a line that starts a value is looked for.
BOUNDARY_SEARCH_BYTES = 1024 * 1024


def index_range(path: str, source: str, start: int, end: int, in_array: bool = False, final: bool = False) -> Batch:
    """Decode path[start:end] (runs in a worker process); start is a line start.

    A value that goes on past `end` is left out: the batch's `resume_at` then says where its
    line starts, and `resume_in_array` whether that is inside an array, for the caller to read
    on from there (see Reader._load_parallel). With `final`, `end` is where the input ends
    and such a value is a truncated one. in_array: start is inside a top-level array.
    """
    batch = Batch(source)
    ids: dict[str, int] = {}
    state = MultiLineState(in_array=in_array)
    line_no = 1
    with open(path, "rb", buffering=0) as fh:
        fh.seek(start)
        pos = start
        carry = b""
        while True:
            block = fh.read(min(READ_BYTES, end - pos)) if pos < end else b""
            pos += len(block)
            last = pos >= end or not block
            data = carry + block if carry else block
            before = batch.lines
            # Lines too long to be one value are read as they come or skipped by the decoder, so
            # what is carried to the next block stays under MAX_VALUE_BYTES: linear time.
            used = decode_jsonl(batch, ids, data, pos - len(data), line_no, state, final and last)
            line_no += batch.lines - before
            carry = data[used:]
            if last:
                break
    if not final:
        resume = abandon_record(batch, state)
        if resume is None and (carry or state.in_array):
            resume = end - len(carry)
        if resume is not None:
            batch.resume_at = resume
            batch.resume_in_array = state.in_array
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


def _value_boundary(fd: int, offset: int, limit: int) -> int:
    """The start of the first line at or after offset (and before limit) that is a whole JSON
    value starting in its first column: no value of an earlier line runs over it, so a chunk
    can start there. The first line boundary when there is none."""
    first = _line_boundary(fd, offset)
    start = first
    block = os.pread(fd, min(BOUNDARY_SEARCH_BYTES, max(0, limit - start)), start)
    pos = 0
    while True:
        newline = block.find(b"\n", pos)
        if newline < 0:
            return first
        line = block[pos:newline]
        if line[:1] in (b"{", b"["):
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                pass
            else:
                return start + pos
        pos = newline + 1

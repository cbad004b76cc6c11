"""Compressed and re-encoded inputs: what a file or stream holds, and its plain bytes, a step at a time.

gzip, bzip2 and xz (Python's own modules) and UTF-16/UTF-32 text are turned into the UTF-8
bytes the decoder reads, incrementally, so that an archive still being written, or one that
gains a member (`gzip -c more.log >> a.gz`), is read as it grows. Formats atlens cannot read
are recognised by their first bytes and named, with what to do, instead of being read as
invalid JSON.
"""

from __future__ import annotations

import bz2
import codecs
import lzma
import os
import zlib
from typing import Iterator, Protocol

GZIP_MAGIC = b"\x1f\x8b"
#: Output of one decompression step at most: a small block of a bomb cannot fill memory.
STEP_BYTES = 4 * 1024 * 1024
#: Decompressed output allowed whatever the ratio (small archives of repetitive logs).
EXPANSION_FLOOR = 16 * 1024 * 1024
#: Decompressed bytes allowed per compressed byte (audit logs compress about ten to one).
DEFAULT_MAX_EXPANSION = 100.0
EXPANSION_ENV = "ATLENS_MAX_EXPANSION"

#: Formats read through a decompressor or decoder: (kind, magic bytes, what the status line calls it).
_READABLE = (
    ("gzip", GZIP_MAGIC, "gzip"),
    ("bz2", b"BZh", "bzip2"),
    ("xz", b"\xfd7zXZ\x00", "xz"),
    ("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32 text"),
    ("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32 text"),
    ("utf-16-le", b"\xff\xfe", "UTF-16 text"),
    ("utf-16-be", b"\xfe\xff", "UTF-16 text"),
)
#: Formats recognised but not read: (magic bytes, what it is and how to read it).
_UNREADABLE = (
    (b"\x28\xb5\x2f\xfd", "zstd-compressed: decompress it first (zstd -d FILE, or zstdcat FILE | atlens -)"),
    (b"\x04\x22\x4d\x18", "lz4-compressed: decompress it first (lz4 -d FILE, or lz4cat FILE | atlens -)"),
    (b"PK\x03\x04", "a zip archive: unzip it and open the folder"),
    (b"PAR1", "a Parquet file, which atlens reads from a file or folder, not from a stream: give its path"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: extract it and open the folder"),
)
#: Longest magic above: how many bytes must be seen before a stream's kind is decided.
SNIFF_BYTES = 6


class Damaged(Exception):
    """The compressed data is corrupt (a failed checksum, bytes that are not of the format)."""


def sniff_compression(head: bytes) -> str | None:
    """The kind of a stream that is not plain text ("gzip", "bz2", "xz", "utf-16-le"...), or None."""
    for kind, magic, _ in _READABLE:
        if head.startswith(magic):
            return kind
    return None


def unreadable_format(head: bytes) -> str | None:
    """What a stream is, and how to read it, when atlens cannot read its format; None otherwise."""
    for magic, text in _UNREADABLE:
        if head.startswith(magic):
            return text
    # A tar archive says "ustar" at byte 257.
    if head[257:262] == b"ustar":
        return "a tar archive: extract it (tar -xf FILE) and open the folder"
    return None


def describe(kind: str) -> str:
    """How a kind is named to the user."""
    return next((name for k, _, name in _READABLE if k == kind), kind)


def max_expansion() -> float:
    """Decompressed bytes allowed per compressed byte ($ATLENS_MAX_EXPANSION, 0 for no limit)."""
    text = os.environ.get(EXPANSION_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_EXPANSION
    try:
        value = float(text)
    except ValueError:
        return DEFAULT_MAX_EXPANSION
    return value if value > 0 else float("inf")


class Expander:
    """The plain bytes of a compressed or re-encoded stream, fed a block at a time.

    Concatenated members or streams (`cat a.gz b.gz`, a member appended later) are read one
    after the other. `complete` says whether the input so far ends at a member's end.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.consumed = 0  # input bytes taken
        self.produced = 0  # output bytes given
        self._input = b""  # input not yet handed to a decompressor (a header still arriving)
        self._garbage = False
        self._decoder: codecs.IncrementalDecoder | None = None
        self._member: _Member | None = None
        if kind.startswith("utf-"):
            # "utf-16" rather than "utf-16-le": the codec takes the byte order mark away itself.
            self._decoder = codecs.getincrementaldecoder(kind[:6])(errors="surrogatepass")

    @property
    def complete(self) -> bool:
        """Whether everything fed so far ended at the end of a member (nothing half-read)."""
        return self._member is None and not self._input

    @property
    def trailing_garbage(self) -> bool:
        """Whether bytes that are not of the format followed the last member (and were ignored)."""
        return self._garbage

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The output the new input gives, in pieces of at most STEP_BYTES.

        Raises Damaged when the data is corrupt (output given before that stands).
        """
        self.consumed += len(data)
        if self._decoder is not None:
            out = self._decoder.decode(data).encode("utf-8", "surrogatepass")
            self.produced += len(out)
            if out:
                yield out
            return
        data = self._input + data
        self._input = b""
        while data and not self._garbage:
            if self._member is None:
                if not data.strip(b"\x00"):
                    return  # zero padding after the last member (tape blocks, xz stream padding)
                member = _start_member(self.kind, data)
                if member is None:
                    self._input = data  # the next member's header is not all there yet
                    return
                if member is _NOT_A_MEMBER:
                    self._garbage = True
                    return
                self._member, data = member
            member = self._member
            for out in member.feed(data):
                self.produced += len(out)
                yield out
            data = b""
            if member.ended:
                data = member.rest
                self._member = None


class _Engine(Protocol):
    """What zlib's, bz2's and lzma's decompressor objects have in common."""

    eof: bool
    unused_data: bytes

    def decompress(self, data: bytes, max_length: int = ...) -> bytes:
        """Output for data, at most max_length bytes."""


class _Member:
    """One gzip member, bzip2 stream or xz stream being decompressed."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.ended = False
        self.rest = b""  # input after the member's end
        self._crc = 0
        self._size = 0
        self._trailer = b""
        if kind == "gzip":
            self._engine: _Engine = zlib.decompressobj(-zlib.MAX_WBITS)
        elif kind == "bz2":
            self._engine = bz2.BZ2Decompressor()
        else:
            self._engine = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._trailer or (self.kind == "gzip" and self._engine.eof):
            yield from self._gzip_trailer(data)
            return
        engine = self._engine
        while True:
            try:
                if self.kind == "gzip":
                    tail = engine.unconsumed_tail  # type: ignore[attr-defined]
                    out = engine.decompress(tail + data, STEP_BYTES)
                    more = bool(engine.unconsumed_tail) or len(out) == STEP_BYTES  # type: ignore[attr-defined]
                else:
                    out = engine.decompress(data, STEP_BYTES)
                    more = not engine.needs_input and not engine.eof  # type: ignore[attr-defined]
            except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
                raise Damaged(str(exc) or type(exc).__name__) from None
            data = b""
            if out:
                if self.kind == "gzip":
                    self._crc = zlib.crc32(out, self._crc)
                    self._size += len(out)
                yield out
            if engine.eof:
                if self.kind == "gzip":
                    yield from self._gzip_trailer(engine.unused_data)
                else:
                    self.ended = True
                    self.rest = engine.unused_data
                return
            if not more:
                return

    def _gzip_trailer(self, data: bytes) -> Iterator[bytes]:
        """The CRC-32 and size after a gzip member's data: checked as gzip itself checks them."""
        self._trailer += data
        if len(self._trailer) < 8:
            return
        crc = int.from_bytes(self._trailer[:4], "little")
        size = int.from_bytes(self._trailer[4:8], "little")
        if crc != self._crc or size != self._size & 0xFFFFFFFF:
            raise Damaged("its checksum does not match its content (altered or damaged)")
        self.ended = True
        self.rest = self._trailer[8:]
        yield from ()


_NOT_A_MEMBER = object()


def _start_member(kind: str, data: bytes):  # -> tuple[_Member, bytes] | None | _NOT_A_MEMBER
    """A member starting at data, with the input after its header; None when the header is not all
    there yet; _NOT_A_MEMBER when data does not start one (garbage after the last member)."""
    magic = next(m for k, m, _ in _READABLE if k == kind)
    if len(data) < len(magic):
        return None if magic.startswith(data) else _NOT_A_MEMBER
    if not data.startswith(magic):
        return _NOT_A_MEMBER
    if kind != "gzip":
        return _Member(kind), data
    body = _gzip_header_end(data)
    if body is None:
        return None
    if body < 0:
        return _NOT_A_MEMBER
    return _Member(kind), data[body:]


def _gzip_header_end(data: bytes) -> int | None:
    """Where a gzip member's compressed data starts (RFC 1952); None: more bytes needed; -1: not gzip."""
    if len(data) < 10:
        return None
    if data[2] != 8:  # deflate, the only method gzip defines
        return -1
    flags = data[3]
    pos = 10
    if flags & 4:  # FEXTRA
        if len(data) < pos + 2:
            return None
        pos += 2 + int.from_bytes(data[pos:pos + 2], "little")
    for flag in (8, 16):  # FNAME, FCOMMENT: zero-terminated
        if flags & flag:
            end = data.find(b"\x00", pos)
            if end < 0:
                return None
            pos = end + 1
    if flags & 2:  # FHCRC
        pos += 2
    return pos if len(data) >= pos else None

"""One file being read, and followed through appends, truncation and rotation."""

from __future__ import annotations

import copy
import gzip
import os
import time
import zlib
from typing import TYPE_CHECKING

from ..decode import Batch, MultiLineState, decode_jsonl, sniff_multiline
from .inputs import GZIP_MAGIC
from .rawbytes import FileBytes
from .ranges import READ_BYTES

if TYPE_CHECKING:
    from .reader import Reader

#: Bytes compared to recognise a file's content under another name (a rotated copy).
FINGERPRINT_BYTES = 256
#: Seconds a file renamed away is still read after it last grew: its writer may keep writing to
#: it until it reopens its log (logrotate's `create` renames first, the service reopens later).
#: Also how long an archive that ends early is waited for before it is taken as damaged.
ROTATE_WAIT = 5.0


class Tail:
    """One file being read, and followed through appends, truncation and rotation."""

    def __init__(self, reader: Reader, path: str, display: str) -> None:
        self.reader = reader
        self.path = path
        self.display = display
        self.fd: int | None = None
        self.identity: tuple[int, int] | None = None
        self.offset = 0  # bytes of the current file consumed
        self.line_no = 1
        self.pending = b""
        self.multiline = False
        self.ml_state = MultiLineState()
        #: the time of the last event read with one: an appended event without a usable time keeps its place after it
        self.last_time: int | None = None
        self.segment = -1
        self.fingerprint = b""
        self.spool: str | None = None  # decompressed copy of a gzip file
        self.deleted_reported = False
        self.finished = False  # a static input read to its end (gzip, spooled stdin after EOF)
        self.gzip_seen: tuple[int, int] | None = None  # (size, mtime) of the archive last decompressed
        self.gzip_incomplete = False  # the archive ended early (said once)
        self.gzip_grew_at = 0.0  # time.monotonic() when the archive was last seen to change

    # -- opening

    def open(self) -> bool:
        """Open the file (decompressing gzip to a spool); False when it is not there."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        except PermissionError:
            self.reader.report(f"{self.display}: permission denied")
            return False
        head = os.pread(fd, 2, 0)
        if head == GZIP_MAGIC:
            os.close(fd)
            fd = self._spool_gzip()
            if fd is None:
                return False
        st = os.fstat(fd)
        self.fd = fd
        self.identity = (st.st_dev, st.st_ino)
        self._new_segment()
        return True

    def _spool_gzip(self) -> int | None:
        """Decompress to a temporary file, so events can be re-read by offset like any file."""
        spool = self.reader.spool_file(os.path.basename(self.path) + ".spool")
        open(spool, "wb").close()
        self.spool = spool
        self._decompress_more()
        return os.open(spool, os.O_RDONLY)

    def _decompress_more(self) -> None:
        """Decompress the archive into the spool, appending only what is not there yet.

        An archive that ends early may still be being written (copied or downloaded into a
        followed directory), so it is not `finished`: `poll` decompresses it again when it
        grows. Decompressing a longer prefix of a gzip stream yields a longer prefix of the same
        output, so the bytes already spooled (and their offsets in the store) stay valid.
        """
        assert self.spool is not None
        try:
            st = os.stat(self.path)
            self.gzip_seen = (st.st_size, st.st_mtime_ns)
        except OSError:
            pass
        self.gzip_grew_at = time.monotonic()
        have = os.path.getsize(self.spool)
        try:
            with gzip.open(self.path, "rb") as src, open(self.spool, "ab") as dst:
                while True:
                    # read1: one decompression step at a time, so an archive that ends early
                    # keeps everything decompressed before its end (read() drops a partial block).
                    block = src.read1(READ_BYTES)
                    if not block:
                        break
                    if have:
                        cut = min(have, len(block))
                        have -= cut
                        block = block[cut:]
                    dst.write(block)
        except EOFError as exc:
            # Keep what was decompressed: a truncated archive still holds readable events.
            if not self.gzip_incomplete:
                self.gzip_incomplete = True
                self.reader.report(f"{self.display}: gzip data is damaged ({exc}); read what could be decompressed")
            self.finished = False
            return
        except (OSError, zlib.error) as exc:
            self.reader.report(f"{self.display}: gzip data is damaged ({exc}); read what could be decompressed")
        self.finished = True

    def _new_segment(self) -> None:
        assert self.fd is not None
        raw = FileBytes(self.spool or self.path, os.dup(self.fd), pinned=True)
        kind = "gzip" if self.spool else "file"
        self.segment = self.reader.store.add_segment(self.display, raw, kind)
        self.offset = 0
        self.line_no = 1
        self.pending = b""
        self.fingerprint = b""
        self.ml_state = MultiLineState()
        head = os.pread(self.fd, 65536, 0)
        # A spool (stdin) may still be empty: the shape is told by the first line when it comes.
        self.multiline: bool | None = sniff_multiline(head) if head.strip() else None
        self.reader.store.segments[self.segment].multiline = bool(self.multiline)

    # -- reading

    def size(self) -> int:
        """Current size of the open file."""
        assert self.fd is not None
        return os.fstat(self.fd).st_size

    def read_new(self, *, final: bool, size: int | None = None) -> int:
        """Read what was appended since the last call; returns events added.

        With `final` (a one-off read that will not be continued) an unfinished last line or
        value is decoded as it is. size: the file's size, when the caller has just looked.
        """
        if self.fd is None:
            return 0
        if size is None:
            size = self.size()
        added = 0
        while self.offset + len(self.pending) < size:
            start = self.offset + len(self.pending)
            block = os.pread(self.fd, min(READ_BYTES, size - start), start)
            if not block:
                break
            added += self._consume(self.pending + block, final=final and start + len(block) >= size)
        if final and self.pending:
            added += self._consume(self.pending, final=True)
        self._update_fingerprint()
        return added

    def _consume(self, data: bytes, *, final: bool) -> int:
        """Decode data (pending bytes + new block); keep an unfinished tail pending."""
        # A fresh string table per batch keeps the store's re-mapping proportional to the batch.
        batch = Batch(self.display, last_time=self.last_time)
        ids: dict[str, int] = {}
        # The shape is decided value by value (decode_jsonl); the file's first line only tells
        # whether it may be indexed in parallel chunks (Reader.load).
        used = decode_jsonl(batch, ids, data, self.offset, self.line_no, self.ml_state, final)
        self.line_no += batch.lines
        self.offset += used
        self.pending = data[used:]
        self.last_time = batch.last_time
        return self.reader.add(self, batch)

    def _update_fingerprint(self) -> None:
        if len(self.fingerprint) < FINGERPRINT_BYTES and self.fd is not None:
            self.fingerprint = os.pread(self.fd, FINGERPRINT_BYTES, 0)

    # -- following

    def poll(self, *, replaced: bool = True) -> int:
        """Check for appends, truncation, rotation and deletion; returns events added.

        replaced=False when the file is known to be the one open (the change notifications
        told of nothing but changes to its content): its path is not looked up again.
        """
        if self.finished:
            return 0
        if self.spool is not None and self.fd is not None:
            return self._poll_gzip()
        if not replaced and self.fd is not None:
            return self._grown()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            added = self.read_new(final=False)
            if not self.deleted_reported:
                self.deleted_reported = True
                self.reader.report(f"{self.display} was deleted; its events stay on screen")
            return added
        except OSError:
            return 0
        if self.fd is None:
            self.deleted_reported = False
            if not self.open():
                return 0
            self.reader.report(f"{self.display} appeared")
            return self.read_new(final=False)
        if (st.st_dev, st.st_ino) != self.identity:
            # Renamed away (or deleted) and recreated. The writer may still hold the old file
            # open and write to it until it reopens its log, so it is not closed here: the
            # reader goes on reading it for ROTATE_WAIT after it last grows.
            added = self.read_new(final=False)
            if self.identity is not None:
                self.reader.adopted.add(self.identity)
            self.reader.drain(self._detach())
            if self.deleted_reported:
                self.reader.report(f"{self.display} was recreated")
            else:
                self.reader.report(f"{self.display} was rotated")
            self.deleted_reported = False
            if self.open():
                added += self.read_new(final=False)
            return added
        return self._grown()

    def _grown(self) -> int:
        """Read what the open file gained, or start again if it was truncated."""
        assert self.fd is not None
        size = self.size()
        if size < self.offset + len(self.pending) or (self.fingerprint and os.pread(self.fd, len(self.fingerprint), 0) != self.fingerprint):
            return self._truncated()
        return self.read_new(final=False, size=size)

    def _detach(self) -> Tail:
        """Hand the open old file, with its reading state and segment, to a new Tail; this one is left closed."""
        old = copy.copy(self)
        self.fd = None
        return old

    def _poll_gzip(self) -> int:
        """An archive that ended early: decompress it again once it has grown."""
        try:
            st = os.stat(self.path)
        except OSError:
            st = None
        if st is not None and (st.st_size, st.st_mtime_ns) != self.gzip_seen:
            self._decompress_more()
            return self.read_new(final=self.finished)
        if time.monotonic() - self.gzip_grew_at > ROTATE_WAIT:
            # It stopped growing: damaged rather than still being written; its cut value is an error.
            self.finished = True
            return self.read_new(final=True)
        return 0

    def _truncated(self) -> int:
        """Copy-truncate rotation: finish the old content from its copy, then start again at 0."""
        old_segment = self.segment
        raw = self.reader.store.segments[old_segment].reader
        added = 0
        copy = self.reader.find_copy(self)
        if copy is not None:
            path, fd = copy
            assert isinstance(raw, FileBytes)
            raw.retarget(path, fd)
            # Bytes written after our last read but before the truncation are in the copy.
            saved_fd = self.fd
            self.fd = fd
            added += self.read_new(final=True)
            self.fd = saved_fd
            self.reader.adopted.add((os.fstat(fd).st_dev, os.fstat(fd).st_ino))
            self.reader.report(f"{self.display} was truncated; its earlier events are read from {path}")
        else:
            if isinstance(raw, FileBytes):
                raw.mark_gone(f"{self.display} was truncated (copy-truncate rotation) and no copy of the earlier content was found")
            self.reader.report(f"{self.display} was truncated; reading it again from the start")
        self.reader.store.forget_cached(old_segment)
        self._new_segment()
        return added + self.read_new(final=False)

    def close(self) -> None:
        """Release the descriptor used for reading (segments keep their own)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

"""One file being read, and followed through appends, truncation and rotation."""

from __future__ import annotations

import copy
import os
import stat
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..decode import Batch, MultiLineState, decode_jsonl, sniff_multiline
from .inputs import why
from .rawbytes import FileBytes
from .ranges import READ_BYTES
from .spool import Spool, SpoolFull
from .streams import EXPANSION_FLOOR, Damaged, Expander, describe, max_expansion, sniff_compression, unreadable_format

if TYPE_CHECKING:
    from .reader import Content, Reader

#: Bytes compared to recognise a file's content under another name (a rotated copy).
FINGERPRINT_BYTES = 256
#: Seconds a file renamed away is still read after it last grew: its writer may keep writing to
#: it until it reopens its log (logrotate's `create` renames first, the service reopens later).
#: Also how long an archive that ends early is waited for before it is said to be incomplete.
ROTATE_WAIT = 5.0
#: Compressed bytes decompressed at a time, and plain bytes decompressed before they are read:
#: a large archive shows its first events while the rest is still being decompressed.
EXPAND_READ = 256 * 1024
EXPAND_STEP = 16 * 1024 * 1024


@dataclass(slots=True)
class Archive:
    """A compressed (or UTF-16) file read into a spool of its plain bytes, as it grows."""

    expander: Expander
    spool: Spool
    #: (size, mtime) of the compressed file when last read
    seen: tuple[int, int] = (0, 0)
    #: time.monotonic() when it last grew
    grew_at: float = 0.0
    #: why it is not read further (damaged, over the expansion limit, spool full); "" while it is
    stopped: str = ""
    #: it ends inside a member and that was said (it stopped growing, or the read was final)
    incomplete_said: bool = False


def not_a_file(st: os.stat_result) -> str:
    """Why a path that exists is not read as a log file."""
    if stat.S_ISDIR(st.st_mode):
        return "is a directory, not a file"
    if stat.S_ISFIFO(st.st_mode):
        return "is a named pipe (FIFO), not a file; give it as an input of its own to read it as a stream"
    return "is not a regular file"


class Tail:
    """One file being read, and followed through appends, truncation and rotation."""

    def __init__(self, reader: Reader, path: str, display: str) -> None:
        self.reader = reader
        self.path = path
        self.display = display
        #: the current segment's bytes: the file itself, or the spool of an archive or a stream
        self.raw: FileBytes | None = None
        self.identity: tuple[int, int] | None = None  # of the file at path (not of a spool)
        self.offset = 0  # bytes of the current segment consumed
        self.line_no = 1
        self.pending = b""
        self.multiline: bool | None = False
        self.ml_state = MultiLineState()
        #: the time of the last event read with one: an appended event without a usable time keeps its place after it
        self.last_time: int | None = None
        self.segment = -1
        self.fingerprint = b""
        #: the last FINGERPRINT_BYTES bytes consumed (a copy of the file must hold them, where they were)
        self.end_bytes = b""
        #: what the store and the reader know of the current segment's content (reader.Content)
        self.content: Content | None = None
        self.archive: Archive | None = None
        #: its first bytes were seen to change while reading: truncated, and written again since
        self.truncation_seen = False
        #: content this file was found to continue, until it is seen to hold where that reading stopped
        self.unverified: Content | None = None
        #: what happened to the path while it was followed: "", "deleted" or "moved" (renamed away)
        self.gone = ""
        self.finished = False  # read to its end for good (a stream that ended, an archive that stopped)

    # -- opening

    def open(self, continuing: Content | None = None) -> bool:
        """Open the file (an archive is read into a spool); False when it is not there or cannot be read.

        continuing: content already read under another name (this file is its rotated copy,
        perhaps compressed since): reading goes on where that left off, in its segment.
        """
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        except OSError as exc:
            self.reader.cannot_read(self.display, why(exc))
            return False
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            self.reader.cannot_read(self.display, not_a_file(st))
            return False
        head = os.pread(fd, 512, 0)
        refused = unreadable_format(head)
        if refused:
            os.close(fd)
            self.reader.cannot_read(self.display, refused)
            return False
        self.reader.readable_again(self.display)
        self.identity = (st.st_dev, st.st_ino)
        kind = sniff_compression(head)
        if kind is None:
            raw = FileBytes(self.path, fd, pinned=True)
        else:
            os.close(fd)
            spool = Spool(self.reader.spool_path(os.path.basename(self.path)))
            self.archive = Archive(Expander(kind), spool, grew_at=time.monotonic())
            raw = FileBytes(spool.path)
        if continuing is None:
            self._new_segment(raw, kind or "file")
        else:
            self._continue(raw, continuing)
        return True

    def _new_segment(self, raw: FileBytes, kind: str) -> None:
        self.raw = raw
        self.segment = self.reader.store.add_segment(self.display, raw, kind)
        self.offset = 0
        self.line_no = 1
        self.pending = b""
        self.fingerprint = b""
        self.end_bytes = b""
        self.ml_state = MultiLineState()
        self.content = None
        head = raw.pread(65536, 0) or b""
        # A spool (stdin, an archive) may still be empty: the shape is told by the first line when it comes.
        self.multiline = sniff_multiline(head) if head.strip() else None
        self.reader.store.segments[self.segment].multiline = bool(self.multiline)

    def _continue(self, raw: FileBytes, content: Content) -> None:
        """Read on in the segment of content: this file holds it (and perhaps more).

        Until the file is seen to hold the bytes read just before where that content's reading
        stopped (a compressed copy is checked once it is decompressed that far), nothing of it
        is read; if it does not, it is read whole as a file of its own.
        """
        before = content.tail
        self.segment = content.segment
        self.offset, self.line_no = content.offset, content.line_no
        self.multiline, self.ml_state, self.last_time = before.multiline, copy.copy(before.ml_state), before.last_time
        self.pending = b""
        self.fingerprint = content.fingerprint
        self.end_bytes = content.end
        self.raw = raw
        self.unverified = content

    def _verify(self) -> bool:
        """Whether reading may go on: the continued content is confirmed (its events are re-read
        from this file from now on), or refuted (this file is read whole as a new segment)."""
        content = self.unverified
        assert content is not None and self.raw is not None
        size = self.archive.spool.size if self.archive is not None else self.size()
        if size < self.offset:
            archive = self.archive
            if archive is not None and not archive.stopped and not (archive.expander.complete and time.monotonic() - archive.grew_at > ROTATE_WAIT):
                return False  # still being written, perhaps: asked again when it grows
            held = False
        else:
            width = len(content.end)
            held = self.raw.pread(width, self.offset - width) == content.end
        self.unverified = None
        if held:
            old = self.reader.store.segments[self.segment].reader
            if isinstance(old, FileBytes):
                # Its events are re-read from here from now on (the file they were read from is gone or moved).
                old.retarget(self.raw.path, self.raw.take_descriptor())
                old.pinned = self.raw.pinned
                self.raw = old
            content.tail = self
            content.reading = True
            self.content = content
            return True
        self.reader.report(f"{self.display} starts like {content.tail.display} but holds other events: it is read whole")
        self._new_segment(self.raw, self.archive.expander.kind if self.archive is not None else "file")
        self.reader.promote(self)
        return True

    def _expand(self, *, final: bool) -> bool:
        """Decompress what the archive gained into its spool, EXPAND_STEP at a time; True when
        there is more to decompress (the caller reads what is there first)."""
        archive = self.archive
        assert archive is not None
        if archive.stopped:
            return False
        expander = archive.expander
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) != self.identity:
                return False  # replaced: poll sees it
            if st.st_size < expander.consumed:
                self._stop_archive(f"{self.display} shrank since it was read: what it held before stays read")
                return False
            if (st.st_size, st.st_mtime_ns) != archive.seen:
                archive.seen = (st.st_size, st.st_mtime_ns)
                archive.grew_at = time.monotonic()
            limit = max(EXPANSION_FLOOR, max_expansion() * max(st.st_size, 1))
            step_end = archive.spool.size + EXPAND_STEP
            while expander.consumed < st.st_size:
                if archive.spool.size >= step_end:
                    return True
                block = os.pread(fd, min(EXPAND_READ, st.st_size - expander.consumed), expander.consumed)
                if not block:
                    break
                for out in expander.feed(block):
                    archive.spool.write(out)
                    if expander.produced > limit:
                        ratio = max_expansion()
                        self._stop_archive(
                            f"{self.display} expands to more than {ratio:g} times its size: read the first "
                            f"{archive.spool.size / 1e6:,.0f} MB and stopped (a decompression bomb?); "
                            f"ATLENS_MAX_EXPANSION=RATIO, or 0 for no limit, reads further")
                        return False
        except Damaged as exc:
            self._stop_archive(f"{self.display}: {describe(expander.kind)} data is damaged ({exc}); its events up to there are read")
            return False
        except SpoolFull as exc:
            self._stop_archive(f"{self.display} could not be decompressed whole: {exc}; its events up to there are read")
            return False
        finally:
            os.close(fd)
        if expander.trailing_garbage and not archive.incomplete_said:
            archive.incomplete_said = True
            self.reader.report(f"{self.display}: bytes that are not {describe(expander.kind)} data follow its end; they were not read", problem=True)
        if not expander.complete and not archive.incomplete_said and (final or time.monotonic() - archive.grew_at > ROTATE_WAIT):
            archive.incomplete_said = True
            self.reader.report(f"{self.display} ends before the end of its {describe(expander.kind)} data "
                               "(cut short, or still being written): its events up to there are read", problem=True)
        return False

    def _stop_archive(self, reason: str) -> None:
        assert self.archive is not None
        self.archive.stopped = reason
        self.reader.report(reason, problem=True)

    # -- reading

    def size(self) -> int:
        """Bytes there are to read now in the current segment (0 when the file cannot be opened)."""
        if self.archive is not None:
            return self.archive.spool.size
        st = self.raw.stat() if self.raw is not None else None
        return st.st_size if st is not None else 0

    def read_new(self, *, final: bool, size: int | None = None) -> int:
        """Read what was appended since the last call; returns events added.

        With `final` (a one-off read that will not be continued) an unfinished last line or
        value is decoded as it is. size: the file's size, when the caller has just looked.
        """
        raw = self.raw
        if raw is None:
            return 0
        if self.unverified is not None:
            while self.archive is not None and self.archive.spool.size < self.offset and self._expand(final=final):
                pass
            if not self._verify():
                return 0
            raw = self.raw
        if self.archive is None:
            added = self._read_to(raw, self.size() if size is None else size, final=final)
        else:
            added = 0
            more = True
            while more:
                more = self._expand(final=final)
                added += self._read_to(raw, self.archive.spool.size, final=final and not more)
        self._update_fingerprint()
        return added

    def _read_to(self, raw: FileBytes, size: int, *, final: bool) -> int:
        """Read the current segment up to size."""
        added = 0
        check = self.archive is None and self.unverified is None
        while self.offset + len(self.pending) < size:
            start = self.offset + len(self.pending)
            block = raw.pread(min(READ_BYTES, size - start), start)
            if not block:
                break
            if check and self.fingerprint and raw.pread(len(self.fingerprint), 0) != self.fingerprint:
                # Truncated and written again (the first bytes are another content's): the block
                # may be the new content's. It is not read; the old content's rest is read from
                # its copy first (see _grown).
                self.truncation_seen = True
                break
            added += self._consume(self.pending + block, final=final and start + len(block) >= size)
        if final and self.pending:
            added += self._consume(self.pending, final=True)
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
        if used:
            # Both from the bytes read, not looked up again: the file may be another one by now.
            if self.offset < FINGERPRINT_BYTES:
                self.fingerprint = self.fingerprint[:self.offset] + data[:FINGERPRINT_BYTES - self.offset]
            self.end_bytes = (self.end_bytes + data[max(0, used - FINGERPRINT_BYTES):used])[-FINGERPRINT_BYTES:]
        self.reader.keep_recent(self, self.offset, data[:used])
        self.offset += used
        self.pending = data[used:]
        self.last_time = batch.last_time
        return self.reader.add(self, batch)

    def read_marks(self) -> None:
        """The first and the last bytes read, from the file (after it was read by other processes)."""
        if self.raw is not None:
            self.fingerprint = self.raw.pread(FINGERPRINT_BYTES, 0) or b""
            width = min(FINGERPRINT_BYTES, self.offset)
            self.end_bytes = self.raw.pread(width, self.offset - width) or b""
        self._update_fingerprint()

    def _update_fingerprint(self) -> None:
        """What was read becomes findable by its first bytes (see Reader.remember)."""
        self.reader.remember(self)

    # -- following

    def poll(self, *, replaced: bool = True) -> int:
        """Check for appends, truncation, rotation, deletion and replacement; returns events added.

        replaced=False when the file is known to be the one open (the change notifications
        told of nothing but changes to its content): its path is not looked up again.
        """
        if self.finished:
            return 0
        if self.archive is not None and self.raw is not None:
            return self._poll_archive()
        if not replaced and self.raw is not None and self.raw.is_open():
            return self._grown()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self._path_gone()
        except OSError as exc:
            self.reader.cannot_read(self.display, why(exc))
            return 0
        if not stat.S_ISREG(st.st_mode):
            # Replaced by a directory or a pipe: what the old file still holds is read, then
            # the path waits for a file again.
            added = self._path_gone(replaced_by=not_a_file(st))
            return added
        if self.raw is None:
            if not self.open():
                return 0
            if self.gone == "deleted":
                self.reader.report(f"{self.display} was recreated")
            elif self.gone == "moved":
                self.reader.report(f"{self.display} was rotated (renamed away, then created again)")
            else:
                self.reader.report(f"{self.display} appeared")
            self.gone = ""
            return self.read_new(final=False)
        if (st.st_dev, st.st_ino) != self.identity:
            # Renamed away (or deleted) and recreated. The writer may still hold the old file
            # open and write to it until it reopens its log, so it is not closed here: the
            # reader goes on reading it for ROTATE_WAIT after it last grows.
            added = self.read_new(final=False)
            if self.identity is not None:
                self.reader.adopted.add(self.identity)
            gone = self.gone or ("moved" if self._still_linked() else "deleted")
            self.reader.drain(self._detach())
            if gone == "deleted":
                self.reader.report(f"{self.display} was recreated")
            else:
                self.reader.report(f"{self.display} was rotated; the old file is read until it stops growing")
            if self.open():
                added += self.read_new(final=False)
            return added
        return self._grown()

    def _path_gone(self, replaced_by: str = "") -> int:
        """Nothing readable at the path any more: read what the open file still holds; say what happened once."""
        added = self.read_new(final=False) if self.raw is not None and self.raw.is_open() else 0
        if replaced_by:
            if self.raw is not None:
                if self.identity is not None:
                    self.reader.adopted.add(self.identity)
                self.reader.drain(self._detach())
            self.reader.cannot_read(self.display, replaced_by)
            return added
        if not self.gone:
            # A rename (logrotate's first step) leaves the file linked elsewhere: the new file
            # usually follows at once, and "was deleted" would be wrong.
            self.gone = "moved" if self._still_linked() else "deleted"
            if self.gone == "deleted":
                self.reader.report(f"{self.display} was deleted; its events stay on screen")
        return added

    def _still_linked(self) -> bool:
        """Whether the open file still has a name somewhere (renamed rather than deleted)."""
        st = self.raw.stat() if self.raw is not None and self.raw.is_open() else None
        return st is not None and st.st_nlink > 0

    def _grown(self) -> int:
        """Read what the open file gained, or start again if it was truncated."""
        assert self.raw is not None
        st = self.raw.stat()
        if st is None:
            return self.poll(replaced=True) if self.raw.is_open() else self._reopen_failed()
        if st.st_size < self.offset + len(self.pending):
            return self._truncated()
        # A truncation followed by writes past where reading stopped is told by the first bytes,
        # checked with each block read (in _read_to, right after the block: the truncation may
        # come between a check and the read).
        added = self.read_new(final=False, size=st.st_size)
        if self.truncation_seen:
            added += self._truncated()
        return added

    def _reopen_failed(self) -> int:
        """The descriptor was closed (too many files open) and the path names another file now."""
        try:
            os.stat(self.path)
        except OSError:
            return self._path_gone()
        if self.identity is not None:
            self.reader.adopted.add(self.identity)
        old = self._detach()
        self.reader.finish(old)
        if self.open():
            self.reader.report(f"{self.display} was rotated")
            return self.read_new(final=False)
        return 0

    def _detach(self) -> Tail:
        """Hand the old file, with its reading state and segment, to a new Tail; this one is left closed."""
        old = copy.copy(self)
        if self.content is not None:
            self.content.tail = old
        self.raw = None
        self.archive = None
        self.content = None
        self.gone = ""
        return old

    def _poll_archive(self) -> int:
        """An archive: read what it gained (a growing download, an appended member); replaced, a new file."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return self._path_gone()
        except OSError:
            return 0
        if (st.st_dev, st.st_ino) != self.identity:
            if self.identity is not None:
                self.reader.adopted.add(self.identity)
            self.reader.finish(self._detach())
            if stat.S_ISREG(st.st_mode) and self.open():
                self.reader.report(f"{self.display} was replaced by another file")
                return self.read_new(final=False)
            return 0
        archive = self.archive
        assert archive is not None
        if (st.st_size, st.st_mtime_ns) != archive.seen or (not archive.expander.complete and not archive.incomplete_said):
            return self.read_new(final=False)
        return 0

    def _truncated(self) -> int:
        """Copy-truncate rotation: finish the old content from its copy, then start again at 0."""
        self.truncation_seen = False
        old_segment = self.segment
        old_raw = self.raw
        assert old_raw is not None
        added = 0
        content = self.content
        # The current file's descriptor goes on with the new segment; the old segment's bytes are the copy's now.
        current = FileBytes(self.path, old_raw.take_descriptor(), pinned=True)
        found = self.reader.find_copy(self)
        if found is not None and found[1] is not None:
            path, fd = found
            old_raw.retarget(path, fd)
            # Bytes written after our last read but before the truncation are in the copy.
            added += self.read_new(final=True)
            st = os.fstat(fd)
            self.reader.adopted.add((st.st_dev, st.st_ino))
            self.reader.report(f"{self.display} was truncated; its earlier events are read from {path}")
            if content is not None:
                content.reading = False
        elif found is not None:
            # The copy is compressed already: it is read, from where this left off, as a continuation.
            if content is not None:
                content.reading = False
            self.reader.report(f"{self.display} was truncated; its earlier events are read from {found[0]}")
            added += self.reader.continue_in(found[0], content) if content is not None else 0
        else:
            old_raw.mark_gone(f"{self.display} was truncated (copy-truncate rotation) and no copy of the earlier content was found")
            if content is not None:
                content.reading = False  # a copy that turns up later (compressed, say) goes on from here
            self.reader.report(f"{self.display} was truncated and no copy of what it held was found: "
                               "events written just before may be missing", problem=True)
        self.reader.store.forget_cached(old_segment)
        self._new_segment(current, "file")
        return added + self.read_new(final=False)

    def close(self) -> None:
        """Stop reading (the segment keeps its bytes readable for the store)."""
        self.finished = True
        if self.content is not None:
            self.content.reading = False

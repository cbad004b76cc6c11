"""The reader: every input read into a store, then followed; large files indexed in parallel."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

from ..decode import Batch
from ..store import Notice, Store
from ..workers import WorkerFailed, WorkerPool
from . import spool as spools
from .inputs import STDIN_NAME, InputSpec, expand, why
from .layouts import can_hold, span_of
from .parquet import NEEDS_PYARROW, ParquetCopy, ParquetPart, is_complete, is_parquet
from .rawbytes import FileBytes
from .s3 import Fetched, ObjectInfo, S3Input, S3Problem, S3Settings
from .ranges import CHUNK_BYTES, _value_boundary, index_range
from .spool import Spool, SpoolFull
from .streams import SNIFF_BYTES, Damaged, Expander, describe, sniff_compression, unreadable_format
from .tail import FINGERPRINT_BYTES, ROTATE_WAIT, Tail

#: Files larger than this are indexed by worker processes, newest part first.
PARALLEL_THRESHOLD = 24 * 1024 * 1024
#: Parquet files indexed by one worker job at most (and their bytes): they share a string table.
PARQUET_FILES_PER_JOB = 8
PARQUET_JOB_BYTES = 8 * 1024 * 1024
#: How much of the end of a large file is shown before the rest is indexed.
TAIL_FIRST_BYTES = 512 * 1024
#: Fewest leading bytes two files must share to be taken for the same content.
SAME_CONTENT_BYTES = 64
#: Seconds between two attempts of the follow loop after an unexpected error.
RETRY_AFTER = 1.0


@dataclass(frozen=True, slots=True)
class ReadProgress:
    """How far the first read of the inputs has come."""

    done_bytes: int
    total_bytes: int
    finished: bool
    #: objects of s3:// inputs read so far, and listed to be read (0 and 0 without such inputs)
    objects_done: int = 0
    objects_total: int = 0


@dataclass(slots=True, eq=False)
class Content:
    """One stretch of a file as read so far, known by its first bytes wherever it turns up again.

    A rotated copy, the same file compressed by logrotate, a backup in the followed folder:
    each is the same content, read once. `tail` is the Tail that reads (or last read) it.
    """

    fingerprint: bytes
    segment: int
    tail: Tail
    #: bytes consumed and the line the next one starts, as far as `tail` has read
    offset: int = 0
    line_no: int = 1
    #: whether a tail still reads it (its file followed, or drained after a rename)
    reading: bool = True
    #: the bytes just before `offset` (up to FINGERPRINT_BYTES): a copy must hold these too
    end: bytes = b""


class Reader:
    """Reads every input into a store, then follows them; reports through callbacks.

    Callbacks run on the reader's thread: a UI must hand them over to its own thread.
    """

    def __init__(self, store: Store, specs: list[InputSpec], *,
                 on_grow: Callable[[], None] | None = None,
                 on_status: Callable[[Notice], None] | None = None,
                 on_progress: Callable[[ReadProgress], None] | None = None,
                 stdin_fd: int | None = None, parallel: bool = True,
                 s3: S3Settings | None = None, since_us: int | None = None, until_us: int | None = None,
                 s3_started: dict[str, S3Input] | None = None) -> None:
        """s3: how s3:// inputs are reached and cached; since_us and until_us: the time range asked
        for, which prunes directories, globs and the listing of buckets by the hours in names;
        s3_started: s3:// inputs already being listed (S3Input.start_early), by their text."""
        self.store = store
        self.specs = specs
        self.on_grow = on_grow or (lambda: None)
        self.on_status = on_status or (lambda notice: None)
        self.on_progress = on_progress or (lambda progress: None)
        self.stdin_fd = stdin_fd
        self.parallel = parallel
        #: the time range asked for: files of a directory or glob whose names put them outside it are not opened
        self.since_us = since_us
        self.until_us = until_us
        #: files of directories and globs at the last scan, and those passed over by their names
        self.listed = 0
        self.skipped: list[str] = []
        self.tails: dict[str, Tail] = {}
        self.adopted: set[tuple[int, int]] = set()  # files whose content is read under another name
        #: files renamed away that are still read (their writer may not have reopened yet): tail -> when it last grew
        self.draining: dict[Tail, float] = {}
        #: every content read, by its first SAME_CONTENT_BYTES bytes
        self.contents: dict[bytes, list[Content]] = {}
        self.streams: list[_Stream] = []
        #: new files that may be a copy still being written: identity -> (size, since when)
        self._undecided: dict[tuple[int, int], tuple[int, float]] = {}
        self._spool_folder: str | None = None
        self._said: set[str] = set()
        #: Parquet files read (path -> identity): read once, whole (they are written once, whole)
        self.parquet_read: dict[str, tuple[int, int]] = {}
        #: Parquet files that could not be read for want of pyarrow
        self.parquet_waiting: set[str] = set()
        #: whether everything there was has been read once (then following keeps recent bytes)
        self.loaded = False
        self.s3_settings = s3 or S3Settings()
        self._s3_started = dict(s3_started or {})
        #: one per s3:// input, made when the inputs are first read
        self.s3_inputs: list[S3Input] = []

    # -- what the user is told

    def report(self, text: str, *, problem: bool = False) -> None:
        """Tell the user something about the inputs, once: a rotation, a deleted file, or (problem)
        something that could not be read whole, which makes `atlens query` exit with status 2."""
        if text in self._said:
            return
        self._said.add(text)
        notice = Notice(text, problem)
        self.store.notices.append(notice)
        self.on_status(notice)

    def cannot_read(self, name: str, reason: str) -> None:
        """An input (or a folder below one) cannot be read now: named once, tried again while following."""
        if self.store.unreadable.get(name) == reason:
            return
        self.store.unreadable[name] = reason
        self._said.discard(f"{name} can be read again")
        self.report(f"{name}: {reason}", problem=True)
        self._said.discard(f"{name}: {reason}")  # said again if it comes back after being readable

    def readable_again(self, name: str) -> None:
        """An input that could not be read can be now."""
        if self.store.unreadable.pop(name, None) is not None:
            self.report(f"{name} can be read again")

    def spool_path(self, name: str) -> str:
        """A new path in this reader's private temporary folder (removed on close)."""
        if self._spool_folder is None:
            self._spool_folder = spools.new_folder()
        base = os.path.join(self._spool_folder, name.replace(os.sep, "_") or "spool")
        path, n = base, 1
        while os.path.exists(path):
            n += 1
            path = f"{base}.{n}"
        return path

    # -- helpers for tails

    def add(self, tail: Tail, batch: Batch) -> int:
        """Hand a batch to the store (tails call this)."""
        added = self.store.add(tail.segment, batch)
        if batch.skipped:
            # Said once per input, not per batch: the count is in the store's accounting.
            self.report(f"{tail.display}: read as a Cloud Logs query stream; its lines that hold no event "
                        f"(the query id, keep-alives, server-sent event fields, empty pages) are skipped")
        if added or batch.errors:
            self.on_grow()
        return added

    def keep_recent(self, tail: Tail, offset: int, data: bytes) -> None:
        """While following, the store keeps the bytes just read: an event printed or shown a moment
        later is there even if its file was truncated or replaced in between."""
        if self.loaded:
            self.store.keep_recent(tail.segment, offset, data)

    def drain(self, tail: Tail) -> None:
        """Go on reading a file renamed away, through its open descriptor (see ROTATE_WAIT)."""
        self.draining[tail] = time.monotonic()

    def finish(self, tail: Tail) -> None:
        """A file is read for the last time (renamed away and quiet, or replaced): what is left is
        read, and its events are re-read from wherever its content is now."""
        tail.read_new(final=False)
        tail.close()
        raw = tail.raw
        if raw is None or not raw.is_open() or tail.identity is None:
            return
        # Re-read by name from now on if it still has one in its folder (a.log.1): one descriptor
        # fewer per rotation; a deleted file keeps its descriptor, the only way to its bytes.
        folder = os.path.dirname(os.path.abspath(tail.path))
        try:
            names = os.listdir(folder)
        except OSError:
            return
        for name in names:
            candidate = os.path.join(folder, name)
            try:
                st = os.stat(candidate)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == tail.identity:
                raw.retarget(candidate, None, tail.identity)
                raw.pinned = False
                return
        raw.pinned = True

    def remember(self, tail: Tail) -> None:
        """Keep what a tail has read findable by its first bytes (tails call this after reading)."""
        content = tail.content
        if content is None:
            if len(tail.fingerprint) < SAME_CONTENT_BYTES or tail.segment < 0:
                return
            content = tail.content = Content(tail.fingerprint, tail.segment, tail)
            self.contents.setdefault(tail.fingerprint[:SAME_CONTENT_BYTES], []).append(content)
        content.fingerprint = tail.fingerprint
        content.end = tail.end_bytes
        content.offset, content.line_no = tail.offset, tail.line_no

    def _holder_of(self, fd: int, head: bytes) -> Content | None | bool:
        """The content read before that an open file holds: the same first bytes, and the same
        bytes where the reading of that content stopped (or where the file ends, if sooner).

        False when that cannot be told yet: a compressed copy still being written, shorter than
        what was read of a content whose own file is gone.
        """
        if len(head) < SAME_CONTENT_BYTES:
            return None
        for content in self.contents.get(head[:SAME_CONTENT_BYTES], ()):
            if not same_start(head, content.fingerprint):
                continue
            if content.offset <= len(content.fingerprint):
                return content  # nothing read beyond the bytes just compared
            window, stop, complete = plain_window(fd, content.offset)
            if stop == content.offset:
                if window == content.end[len(content.end) - len(window):]:
                    return content
                continue
            if stop < 0:
                continue
            # Shorter than what was read of it: a copy made earlier, if the original still says so.
            earlier = self.store.segments[content.segment].reader.read(stop - len(window), len(window))
            if earlier is not None:
                if earlier == window:
                    return content
                continue
            if not complete:
                # A compressed copy still being written: a content no longer read is continued
                # in it, checked once it is decompressed that far; a content still being read is
                # decided when the copy is complete.
                return False if content.reading else content
        return None

    def find_copy(self, tail: Tail) -> tuple[str, int | None] | None:
        """A file beside a truncated one that holds the content read before (its rotated copy).

        Returns (path, descriptor) of a plain copy, (path, None) of a compressed one, or None.
        """
        if len(tail.fingerprint) < SAME_CONTENT_BYTES:
            return None
        folder = os.path.dirname(os.path.abspath(tail.path))
        base = os.path.basename(tail.path)
        try:
            names = os.listdir(folder)
        except OSError:
            return None
        for name in sorted(names):
            if name == base or not name.startswith(base.split(".")[0]):
                continue
            candidate = os.path.join(folder, name)
            try:
                fd = os.open(candidate, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError:
                continue
            kind, head = plain_head(fd)
            if same_start(head, tail.fingerprint):
                if kind is not None:
                    # Compressed (perhaps still being written): its continuation checks it holds
                    # where reading stopped once it is decompressed that far.
                    os.close(fd)
                    return candidate, None
                # The copy holds what was read: the same bytes before where reading stopped, too.
                if holds_read_part(fd, tail.offset, tail.content.end if tail.content is not None else b""):
                    return candidate, fd
            os.close(fd)
        return None

    def promote(self, tail: Tail) -> None:
        """A file taken for a copy of content read before turned out to be a file of its own: follow it."""
        if tail.identity is not None:
            self.adopted.discard(tail.identity)
        self.draining.pop(tail, None)
        if tail.path not in self.tails:
            self.tails[tail.path] = tail
        else:
            self.draining[tail] = time.monotonic()  # its path is followed already: read it while it grows

    def continue_in(self, path: str, content: Content) -> int:
        """Read on where content left off, in a file found to hold it (a compressed copy)."""
        try:
            st = os.stat(path)
        except OSError:
            return 0
        self.adopted.add((st.st_dev, st.st_ino))
        tail = Tail(self, path, content.tail.display)
        if not tail.open(continuing=content):
            return 0
        self.draining[tail] = time.monotonic()  # read until it stops growing, then let go
        return tail.read_new(final=False)

    # -- the first read

    def current_files(self) -> list[tuple[str, str]]:
        """(path, display name) of every file the inputs stand for now; folders that cannot be read are said."""
        files: list[tuple[str, str]] = []
        bounded = self.since_us is not None or self.until_us is not None
        self.listed, self.skipped = 0, []
        for spec in self.specs:
            if spec.kind in ("stdin", "stream"):
                continue
            found = expand(spec)
            for path in found.files:
                name = str(path)
                # A file found in a directory or by a glob whose name says an hour outside the
                # range holds none of its events (see layouts); a file the user named is read.
                if bounded and spec.kind in ("dir", "glob"):
                    self.listed += 1
                    if not can_hold(name, self.since_us, self.until_us):
                        self.skipped.append(name)
                        continue
                files.append((name, name))
            for path, reason in found.unreadable.items():
                self.cannot_read(path, reason)
            if spec.kind == "dir":
                for name in [n for n in self.store.unreadable if n != spec.text and _below(n, spec.text)]:
                    if name not in found.unreadable and not any(f[0] == name for f in files) and os.access(name, os.R_OK):
                        self.readable_again(name)
        return files

    def load(self, *, follow: bool) -> None:
        """Read everything there is now. Large files: the newest part first, the rest in parallel."""
        for spec in self.specs:
            if spec.kind in ("stdin", "stream"):
                self._start_stream(spec)
        if not follow:
            for stream in self.streams:
                stream.done.wait()
        files = [f for f in self.current_files() if f[0] not in self.tails]
        self._say_skipped()
        parquet = [f for f in files if _is_parquet_file(f[0])]
        if parquet:
            files = [f for f in files if f not in parquet]
            self._load_parquet(parquet)
        opened: list[Tail] = list(self.tails.values())
        for path, display in files:
            tail = self._tail_for(path, display)
            if tail is not None:
                opened.append(tail)
        listed = self._list_buckets(follow=follow)
        total = sum(t.size() for t in opened) + sum(o.size for _, objects in listed for o in objects)
        objects_total = sum(len(objects) for _, objects in listed)
        done = 0
        self.on_progress(ReadProgress(0, total, False, 0, objects_total))
        big = [t for t in opened if not t.multiline and t.archive is None and t.size() > PARALLEL_THRESHOLD and self.parallel]
        # Small files first (they are often the newest: today's log beside yesterday's archives).
        for tail in opened:
            if tail in big:
                continue
            size = tail.size()
            tail.read_new(final=not follow or tail.finished)
            done += size
            self.on_progress(ReadProgress(done, total, False))
        if big:
            done = self._load_parallel(big, done, total)
        objects_done = 0
        for bucket, objects in listed:
            try:
                for fetched in bucket.fetch(objects):
                    self.read_object(fetched)
                    done += fetched.obj.size
                    objects_done += 1
                    self.on_progress(ReadProgress(done, total, False, objects_done, objects_total))
            except S3Problem as exc:
                self.cannot_read(bucket.text, str(exc))
            if bucket.full_reason:
                self.report(bucket.full_reason, problem=True)
        for stream in self.streams:
            stream.check(final=not follow)
        self.loaded = True
        self.on_progress(ReadProgress(total, total, True, objects_total, objects_total))

    # -- buckets

    def _list_buckets(self, *, follow: bool) -> list[tuple[S3Input, list[ObjectInfo]]]:
        """Every s3:// input with the objects to read, newest first; one that cannot be listed, or
        holds nothing to read, is said (read once, an empty prefix is most likely a wrong one)."""
        listed: list[tuple[S3Input, list[ObjectInfo]]] = []
        for spec in self.specs:
            if spec.kind != "s3":
                continue
            bucket = self._s3_started.pop(spec.text, None) or S3Input(spec.text, self.s3_settings, since_us=self.since_us,
                                                                      until_us=self.until_us)
            self.s3_inputs.append(bucket)
            try:
                listed.append((bucket, bucket.list()))
            except S3Problem as exc:
                self.cannot_read(spec.text, str(exc))
                continue
            stats = bucket.stats
            if not listed[-1][1]:
                if self.since_us is not None or self.until_us is not None:
                    self.report(f"{spec.text}: no objects under this prefix can hold events of the time range")
                elif follow:
                    self.report(f"{spec.text}: no objects under this prefix yet; new ones are read as they come")
                else:
                    self.report(f"{spec.text}: no objects under this prefix: check the bucket name and the prefix",
                                problem=True)
            if stats.folders_skipped:
                self.report(f"{spec.text}: skipped {stats.folders_skipped:,} of {stats.folders:,} folders outside the time "
                            "range, by the hours in their names (not listed)")
        return listed

    def read_object(self, fetched: Fetched) -> int:
        """Read an object fetched into the cache, as any local file is read (it does not change):
        a Parquet object as a Parquet file, anything else through a Tail."""
        if _is_parquet_file(fetched.path):
            before = len(self.store)
            self._load_parquet([(fetched.path, fetched.display)])
            return len(self.store) - before
        tail = Tail(self, fetched.path, fetched.display)
        if not tail.open():
            return 0
        added = tail.read_new(final=True)
        tail.close()
        if tail.raw is not None:
            tail.raw.pinned = False  # its path names it for good: its descriptor may be closed and opened again
        return added

    def _poll_buckets(self) -> int:
        """Read what the buckets' pollers fetched; say what they could not do."""
        added = 0
        for bucket in self.s3_inputs:
            for found in bucket.take_found():
                if found.problem:
                    self.cannot_read(bucket.text, found.problem)
                    continue
                self.readable_again(bucket.text)
                for fetched in found.fetched:
                    self.report(f"new object {fetched.display}")
                    added += self.read_object(fetched)
                if found.full:
                    self.report(found.full, problem=True)
        return added

    def _say_skipped(self) -> None:
        """How many files were passed over for the time range, and why (not a problem: nothing is lost)."""
        if not self.skipped:
            return
        layouts = sorted({span.layout for span in map(span_of, self.skipped) if span is not None})
        self.report(f"skipped {len(self.skipped):,} of {self.listed:,} files outside the time range, "
                    f"by the hours in their names ({', '.join(layouts)})")

    def _tail_for(self, path: str, display: str) -> Tail | None:
        """A Tail reading a file newly seen; None when it cannot be read, or holds content already read."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.cannot_read(display, why(exc))
            return None
        try:
            st = os.fstat(fd)
            identity = (st.st_dev, st.st_ino)
            if identity in self.adopted:
                return None
            if any(other.identity == identity for other in [*self.tails.values(), *self.draining]):
                self.adopted.add(identity)  # renamed away; the tail that had it drains it
                return None
            _, head = plain_head(fd)
            # While following, a file that holds content already read (a rotated copy, the same
            # copy compressed later) is that content. The inputs named at the start are each read:
            # none has been read yet to compare with, and two exports may overlap without being
            # the same.
            known = self._holder_of(fd, head) if self.loaded else None
            if known is False:
                # Not all there yet: looked at again at the next rescan, until it stops growing.
                size = st.st_size
                seen = self._undecided.get(identity)
                if seen is None or seen[0] != size:
                    self._undecided[identity] = (size, time.monotonic())
                    return None
                if time.monotonic() - seen[1] < ROTATE_WAIT:
                    return None
                known = None  # it stopped growing short: a file of its own
            self._undecided.pop(identity, None)
        finally:
            os.close(fd)
        if known is not None and known.reading:
            # A copy of what is being read (copy-truncate's copy before the truncation is seen, a
            # renamed file compressed while it is still drained): read through the original.
            self.adopted.add(identity)
            self.report(f"{display} holds events already read from {known.tail.display}: they are not read again")
            return None
        tail = Tail(self, path, display)
        if not tail.open(continuing=known):
            return None
        if known is not None:
            # The same content under another name (a.log.1 compressed into a.log.1.gz): only what
            # it holds beyond what was read is new. It is read till it stops growing.
            self.adopted.add(identity)
            self.draining[tail] = time.monotonic()
            self.report(f"{display} holds events already read from {known.tail.display}: only what follows them is read")
            return None
        self.tails[path] = tail
        return tail

    def _load_parallel(self, tails: list[Tail], done: int, total: int) -> int:
        """Index large JSON-lines files in worker processes; show each file's end first."""
        with WorkerPool() as pool:
            for tail in sorted(tails, key=lambda t: -_mtime(t.raw.path) if t.raw is not None else 0):
                assert tail.raw is not None
                path = tail.raw.path
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # for finding where values start
                try:
                    size = tail.size()
                    tail_start = _value_boundary(fd, max(0, size - TAIL_FIRST_BYTES), size)
                    bounds = [0]
                    while bounds[-1] < tail_start:
                        bounds.append(min(_value_boundary(fd, bounds[-1] + CHUNK_BYTES, tail_start), tail_start))
                finally:
                    os.close(fd)
                # The end of the file first, so the newest events are on screen at once.
                last = index_range(path, tail.display, tail_start, size, final=True)
                # Its line numbers are known only once the lines before it are counted.
                held_errors = last.errors
                last.errors = []
                self.add(tail, last)
                done += size - tail_start
                self.on_progress(ReadProgress(done, total, False))
                ranges = list(zip(bounds, bounds[1:]))
                results = pool.run(("index", (path, tail.display, a, b, False, b == tail_start)) for a, b in ranges)
                lines_before = 0
                carry_time: int | None = None
                resume: tuple[int, bool] | None = None
                for (a, b), batch in zip(ranges, results):
                    assert isinstance(batch, Batch)
                    if resume is not None:
                        # The chunk before ended inside a value (one over several lines): read on
                        # from that value's line through this chunk, instead of this chunk's batch.
                        batch = index_range(path, tail.display, resume[0], b, resume[1], b == tail_start)
                    resume = (batch.resume_at, batch.resume_in_array) if batch.resume_at is not None else None
                    if carry_time is not None and batch.leading_untimed:
                        for i in range(batch.leading_untimed):
                            batch.times[i] = carry_time
                    if batch.last_time is not None:
                        carry_time = batch.last_time
                    if lines_before:
                        batch.errors = [dataclasses.replace(e, line=e.line + lines_before) for e in batch.errors]
                    lines_before += batch.lines
                    self.add(tail, batch)
                    done += b - a
                    self.on_progress(ReadProgress(done, total, False))
                self.store.add_errors(tail.segment, [dataclasses.replace(e, line=e.line + lines_before) for e in held_errors])
                tail.offset = size
                tail.line_no = lines_before + last.lines + 1
                # An event without a time appended later goes after the file's last timed one.
                tail.last_time = last.last_time if last.last_time is not None else carry_time
                tail.read_marks()
        return done

    # -- standard input and other streams

    def _start_stream(self, spec: InputSpec) -> None:
        """Copy a stream (standard input, a named pipe) to a spool that is then read like a followed file."""
        name = STDIN_NAME if spec.kind == "stdin" else spec.text
        if spec.kind == "stdin":
            fd = self.stdin_fd if self.stdin_fd is not None else 0
        else:
            try:
                fd = os.open(spec.text, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as exc:
                self.cannot_read(name, why(exc))
                return
        stream = _Stream(self, name, fd, own_fd=spec.kind != "stdin")
        self.streams.append(stream)
        stream.start()

    @property
    def ended(self) -> bool:
        """Whether nothing more can arrive: every input is a stream (standard input, a pipe), and
        each has ended and been read to its end."""
        return bool(self.specs) and all(spec.kind in ("stdin", "stream") for spec in self.specs) \
            and all(stream.done.is_set() and (stream.tail is None or stream.tail.finished) for stream in self.streams)

    # -- following

    def poll_all(self, *, rescan: bool = True) -> int:
        """Look at every followed file and, with rescan, every input for new files; returns events added.

        Without rescan (the change notifications told of nothing but changes to the content of
        known files), the files open are taken to be the ones at their paths.
        """
        added = self._poll_buckets()
        for stream in self.streams:
            added += stream.check(final=False)
        for tail, grew in list(self.draining.items()):
            before = tail.offset + len(tail.pending)
            added += tail.read_new(final=False)
            now = time.monotonic()
            if tail.offset + len(tail.pending) != before:
                self.draining[tail] = now
            elif now - grew > ROTATE_WAIT:
                added += tail.read_new(final=True)
                self.finish(tail)
                del self.draining[tail]
        # Known files first: a rotation must be seen before its copy looks like a new file.
        for tail in list(self.tails.values()):
            added += tail.poll(replaced=rescan)
        new_parquet: list[tuple[str, str]] = []
        for path, display in (self.current_files() if rescan else ()):
            if path in self.parquet_read or path in self.parquet_waiting:
                continue
            if path not in self.tails and _is_parquet_file(path):
                # Written once, whole: read when its footer is there (a copy may still be arriving).
                if is_complete(path):
                    new_parquet.append((path, display))
                continue
            if path not in self.tails:
                # An empty new file may be an archive whose first bytes are not written yet:
                # what kind of file it is is decided when there is something in it.
                try:
                    if os.path.getsize(path) < SNIFF_BYTES:
                        continue
                except OSError:
                    continue
                tail = self._tail_for(path, display)
                if tail is not None:
                    self.report(f"new file {display}")
                    added += tail.read_new(final=False)
        if new_parquet:
            before = len(self.store)
            for _, display in new_parquet:
                self.report(f"new file {display}")
            self._load_parquet(new_parquet)
            added += len(self.store) - before
        return added

    # -- Parquet archives

    def _load_parquet(self, files: list[tuple[str, str]]) -> None:
        """Read Parquet files (a Cloud Logs archive), each whole into a spool of its rows; several
        at a time in worker processes when there are several (pyarrow is imported there only)."""
        jobs = []
        for path, display in files:
            try:
                st = os.stat(path)
            except OSError as exc:
                self.cannot_read(display, why(exc))
                continue
            spool = self.spool_path(os.path.basename(path) + ".jsonl")
            try:
                Spool(spool)  # made here, empty: the next file of the same name gets another path
            except OSError as exc:
                self.report(f"{display}: could not make a copy to read events back ({exc.strerror})", problem=True)
                continue
            self.parquet_read[path] = (st.st_dev, st.st_ino)
            jobs.append((path, display, spool, st.st_size))
        if not jobs:
            return
        total = sum(job[3] for job in jobs)
        done = 0
        waiting = len(self.parquet_waiting)
        if self.parallel and (len(jobs) > 1 or total > PARALLEL_THRESHOLD):
            # A few files a job (they share a string table), enough jobs to keep every worker busy.
            groups: list[list[tuple[str, str, str, int]]] = [[]]
            for job in jobs:
                if len(groups[-1]) >= PARQUET_FILES_PER_JOB or sum(j[3] for j in groups[-1]) >= PARQUET_JOB_BYTES:
                    groups.append([])
                groups[-1].append(job)
            pool = WorkerPool()
            read = 0
            try:
                results = pool.run(("parquet", ([job[:2] for job in group],)) for group in groups)
                for group, parts in zip(groups, results):
                    assert isinstance(parts, list)
                    for job, part in zip(group, parts):
                        assert isinstance(part, ParquetPart)
                        self._add_parquet(job[0], job[2], part)
                        read += 1
                        done += job[3]
                    self.on_progress(ReadProgress(done, total, False))
            except WorkerFailed as exc:
                # A file that makes pyarrow itself fail: said, with the files it kept from being read.
                left = [job[1] for job in jobs[read:]]
                self.report(f"reading Parquet files stopped at {left[0]} ({exc}): "
                            f"{len(left):,} file{'s' if len(left) != 1 else ''} not read", problem=True)
            finally:
                pool.close()
        else:
            from .parquet import read_file

            for path, display, spool, size in jobs:
                self._add_parquet(path, spool, read_file(path, display))
                done += size
                self.on_progress(ReadProgress(done, total, False))
        if len(self.parquet_waiting) > waiting:
            count = len(self.parquet_waiting)
            self.report(NEEDS_PYARROW + (f" ({count:,} Parquet files not read)" if count > 1 else f" ({next(iter(self.parquet_waiting))} not read)"),
                        problem=True)
        self._say_skipped_rows()

    def _add_parquet(self, path: str, spool: str, part: ParquetPart) -> None:
        """A Parquet file read: its events into the store, its problem said."""
        if part.no_pyarrow:
            self.parquet_read.pop(path, None)
            self.parquet_waiting.add(path)
            return  # said once for all (see _load_parquet)
        if part.rows:
            segment = self.store.add_segment(part.source, ParquetCopy(path, spool, part), "parquet")
            self.store.add(segment, part.batch)
            part.batch = Batch(part.source)  # its columns are the store's now: the copy needs the rest only
            self.on_grow()
        if part.skipped:
            self.store.skipped.update(part.skipped)
        if part.problem:
            self.report(part.problem, problem=True)

    def _say_skipped_rows(self) -> None:
        """The rows of other applications in Cloud Logs archives, counted by application: said,
        never shown as events or errors (a total that grows is said again)."""
        skipped = self.store.skipped
        if skipped:
            self.report(skipped_text(skipped))

    def watch_paths(self) -> list[str]:
        """Folders to watch, each on its own: every readable folder below a followed directory,
        each followed file's folder, each glob's root. An unreadable folder below a followed
        one is left out (and said), so that it does not stop the watching of the others."""
        paths: set[str] = set()
        for spec in self.specs:
            if spec.kind == "dir":
                for root, dirs, _ in os.walk(spec.text, onerror=lambda exc: None):
                    dirs[:] = [d for d in dirs if not d.startswith(".") and os.access(os.path.join(root, d), os.R_OK | os.X_OK)]
                    paths.add(os.path.abspath(root))
            elif spec.kind == "file":
                paths.add(os.path.dirname(os.path.abspath(spec.text)))
            elif spec.kind == "glob":
                root = spec.text.split("*")[0].split("?")[0].split("[")[0]
                folder = root if root.endswith(os.sep) else os.path.dirname(root)
                for sub, dirs, _ in os.walk(folder or ".", onerror=lambda exc: None):
                    dirs[:] = [d for d in dirs if os.access(os.path.join(sub, d), os.R_OK | os.X_OK)]
                    paths.add(os.path.abspath(sub))
                    if "**" not in spec.text:
                        depth = spec.text.count(os.sep) - (folder or ".").count(os.sep)
                        if os.path.relpath(sub, folder or ".").count(os.sep) + 1 >= depth:
                            dirs[:] = []
        for tail in self.tails.values():
            paths.add(os.path.dirname(os.path.abspath(tail.path)))
        if self.streams and self._spool_folder is not None:
            # The pumps' writes to the spools wake the follower at once, as appends to a file do.
            paths.add(self._spool_folder)
        return sorted(p for p in paths if os.path.isdir(p) and os.access(p, os.R_OK | os.X_OK))

    def follow(self, stop: threading.Event) -> None:
        """Follow every input until stop is set; change notifications come from watchfiles.

        Never ends on an error: what went wrong is said, and following goes on.
        """
        for bucket in self.s3_inputs:
            bucket.start_polling(stop, self.on_grow)
        while not stop.is_set():
            try:
                self._follow(stop)
            except Exception as exc:  # said, then tried again: following must not stop for good
                self.report(f"following met an error and goes on: {type(exc).__name__}: {exc}", problem=True)
                stop.wait(RETRY_AFTER)

    def _follow(self, stop: threading.Event) -> None:
        from watchfiles import Change, watch

        watched = self.watch_paths()
        while not stop.is_set():
            self.poll_all()
            if self.ended:
                stop.wait(0.5)
                continue
            if not watched:
                stop.wait(0.5)
                watched = self.watch_paths()
                continue
            # watchfiles hands over a change one to two steps after it happens: 25 ms steps put
            # an event on screen in about 40 ms for 40 wakes a second (10 ms: 18 ms for 100).
            # The timeout polls anyway, in case a notification was missed (network filesystems,
            # a file replaced in place). No filter: the inputs decide which files are read, and
            # watchfiles' default one (editor and VCS files) tested every change for nothing.
            # Each folder is watched on its own (not recursively): one that cannot be read
            # would otherwise stop the watching of all (a new folder is a change in its parent).
            for changes in watch(*watched, watch_filter=None, stop_event=stop, debounce=50, step=25,
                                 rust_timeout=1000, yield_on_timeout=True, recursive=False, raise_interrupt=False):
                # Scanning directories for new files is only worth it when a file appeared or
                # went away (or on the periodic timeout, whose change set is empty); appends,
                # the bulk of the notifications, only need the known files read.
                # A modified file not yet known (announced while still empty) counts as new too.
                known = {os.path.abspath(path) for path in self.tails}
                known.update(stream.tail.path for stream in self.streams if stream.tail is not None)
                rescan = not changes or any(change != Change.modified or path not in known for change, path in changes)
                self.poll_all(rescan=rescan)
                if rescan:
                    now_watched = self.watch_paths()  # walks the followed folders: once per rescan
                    if now_watched != watched:
                        watched = now_watched
                        break

    def close(self) -> None:
        """Release descriptors and temporary spool files."""
        for stream in self.streams:
            stream.close()
        for tail in [*self.tails.values(), *self.draining]:
            tail.close()
        self.draining.clear()
        folder = self._spool_folder
        caches = [b.cache.folder + os.sep for b in self.s3_inputs if not b.cache.keep]
        for segment in self.store.segments:
            raw = segment.reader
            if not isinstance(raw, FileBytes):
                continue
            # A Parquet file's copy not written yet is not written now (its path would write it).
            path = raw.where if isinstance(raw, ParquetCopy) else raw.path
            if (folder is not None and path.startswith(folder + os.sep)) or path.startswith(tuple(caches)):
                # The spools go now, their events stay readable: through a descriptor held open.
                raw.hold()
            else:
                raw.close()
        if folder is not None:
            spools.remove_folder(folder)
            self._spool_folder = None
        for bucket in self.s3_inputs:
            bucket.close()


class _Stream:
    """A stream (standard input, a named pipe) copied by a thread into a spool, decompressed on the
    way when it is gzip, bzip2 or xz, and read from the spool like a followed file."""

    def __init__(self, reader: Reader, name: str, fd: int, *, own_fd: bool) -> None:
        self.reader = reader
        self.name = name
        self.fd = fd
        self.own_fd = own_fd
        self.done = threading.Event()
        self.tail: Tail | None = None
        self.problem = ""
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        spool = Spool(self.reader.spool_path("stdin" if self.name == STDIN_NAME else os.path.basename(self.name)), keep_open=True)
        tail = Tail(self.reader, spool.path, self.name)
        tail._new_segment(FileBytes(spool.path), "stdin")
        self.tail = tail
        self._thread = threading.Thread(target=self._pump, args=(spool,), name="atlens-stream", daemon=True)
        self._thread.start()

    def _pump(self, spool: Spool) -> None:
        expander: Expander | None = None
        head = b""
        try:
            while True:
                try:
                    block = os.read(self.fd, 1 << 16)
                except OSError as exc:
                    self.problem = f"{self.name}: reading stopped ({exc.strerror})"
                    break
                if not block:
                    break
                if expander is None and head is not None:
                    head += block
                    if len(head) < SNIFF_BYTES:
                        continue
                    block, head = head, None  # type: ignore[assignment]
                    refused = unreadable_format(block)
                    if refused:
                        self.problem = f"{self.name}: {refused}"
                        break
                    kind = sniff_compression(block)
                    if kind is not None:
                        expander = Expander(kind)
                if expander is not None:
                    for out in expander.feed(block):
                        spool.write(out)
                else:
                    spool.write(block)
            if head:  # a stream shorter than a format's magic bytes
                spool.write(head)
            if expander is not None and not expander.complete and not self.problem:
                self.problem = f"{self.name} ends before the end of its {describe(expander.kind)} data: its events up to there are read"
        except Damaged as exc:
            self.problem = f"{self.name}: {describe(expander.kind) if expander else ''} data is damaged ({exc}); its events up to there are read"
        except SpoolFull as exc:
            self.problem = (f"{self.name}: could not keep a copy to read events back: {exc}; "
                            f"events after the first {spool.size / 1e6:,.1f} MB were not read")
        finally:
            spool.close()
            self.done.set()
            self.reader.on_grow()  # wake a follower waiting for news

    def check(self, *, final: bool) -> int:
        """Read what the pump copied; said once when the stream ended with a problem."""
        tail = self.tail
        if tail is None or tail.finished:
            return 0
        ended = self.done.is_set()
        added = tail.read_new(final=final or ended)
        if ended:
            tail.finished = True
            if self.problem:
                self.reader.report(self.problem, problem=True)
            elif not final:  # while following it is news; read once, a stream ends, as expected
                self.reader.report("standard input ended" if self.name == STDIN_NAME else f"{self.name} ended")
        return added

    def close(self) -> None:
        if self.own_fd:
            try:
                os.close(self.fd)
            except OSError:
                pass


def plain_head(fd: int) -> tuple[str | None, bytes]:
    """(kind, the first FINGERPRINT_BYTES plain bytes) of an open file, decompressing its start if needed."""
    try:
        kind = sniff_compression(os.pread(fd, 512, 0))
    except OSError:
        return None, b""
    return kind, plain_window(fd, FINGERPRINT_BYTES)[0]


def plain_window(fd: int, end: int) -> tuple[bytes, int, bool]:
    """The plain bytes of an open file (decompressed if need be) just before end, up to
    FINGERPRINT_BYTES of them; where they end (end, or the file's plain length if shorter; -1
    when it cannot be read); and whether what the file holds is complete (a compressed file cut
    short, perhaps still being written, is not)."""
    try:
        head = os.pread(fd, 65536, 0)
        kind = sniff_compression(head)
        if kind is None:
            size = os.fstat(fd).st_size
            stop = min(end, size)
            width = min(FINGERPRINT_BYTES, stop)
            return os.pread(fd, width, stop - width), stop, True
        expander = Expander(kind)
        window = b""
        produced = 0
        offset = 0
        while produced < end:
            block = os.pread(fd, 1 << 20, offset)
            if not block:
                break
            offset += len(block)
            for piece in expander.feed(block):
                keep = piece[:max(0, end - produced)]
                produced += len(keep)
                window = (window + keep)[-FINGERPRINT_BYTES:]
                if produced >= end:
                    break
        return window, produced, produced >= end or expander.complete
    except (OSError, Damaged):
        return b"", -1, True


def holds_read_part(fd: int, offset: int, end_bytes: bytes) -> bool:
    """Whether an open file holds, just before offset (where the reading of a content stopped),
    the bytes read there (end_bytes, their last FINGERPRINT_BYTES)."""
    window, stop, _ = plain_window(fd, offset)
    return stop == offset and window == end_bytes[len(end_bytes) - len(window):]


def same_start(head: bytes, fingerprint: bytes) -> bool:
    """Whether a file starting with head holds the content whose first bytes are fingerprint: as
    many bytes as the fingerprint has must agree (all 256 of a file that had them: two audit
    events can share their first hundred bytes, a time and an action)."""
    n = len(fingerprint)
    return n >= SAME_CONTENT_BYTES and len(head) >= n and head[:n] == fingerprint


def skipped_text(skipped: dict[str, int]) -> str:
    """"skipped 1,204 rows of other applications: k8s-app 1,100, my-api 104" (the most first)."""
    total = sum(skipped.values())
    ranked = sorted(skipped.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{name or '(no name)'} {count:,}" for name, count in ranked[:6])
    more = f" and {len(ranked) - 6:,} more" if len(ranked) > 6 else ""
    return f"skipped {total:,} row{'s' if total != 1 else ''} of other applications: {shown}{more}"


def _is_parquet_file(path: str) -> bool:
    """Whether a file is a Parquet file, by its name or its first bytes."""
    if path.lower().endswith(".parquet"):
        return True
    try:
        with open(path, "rb") as fh:
            return is_parquet(path, fh.read(4))
    except OSError:
        return False


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _below(path: str, folder: str) -> bool:
    return os.path.abspath(path).startswith(os.path.abspath(folder) + os.sep)

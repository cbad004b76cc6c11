"""Inputs: files, globs, directories, gzip and stdin; read once or followed live through rotation."""

from __future__ import annotations

import copy
import dataclasses
import glob
import gzip
import os
import stat
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .decode import MAX_VALUE_BYTES, Batch, ErrorRecord, MultiLineState, decode_jsonl, decode_multiline, excerpt, sniff_multiline
from .store import Store
from .workers import WorkerPool

#: File names a directory scan picks up without looking inside.
LOG_SUFFIXES = (".json", ".jsonl", ".ndjson", ".log", ".gz")
GZIP_MAGIC = b"\x1f\x8b"
STDIN_NAME = "<stdin>"

#: Files larger than this are indexed by worker processes, newest part first.
PARALLEL_THRESHOLD = 24 * 1024 * 1024
#: How much of the end of a large file is shown before the rest is indexed.
TAIL_FIRST_BYTES = 512 * 1024
CHUNK_BYTES = 24 * 1024 * 1024
READ_BYTES = 4 * 1024 * 1024
#: Bytes compared to recognise a file's content under another name (a rotated copy).
FINGERPRINT_BYTES = 256
MAX_OPEN_FILES = 128
#: Seconds a file renamed away is still read after it last grew: its writer may keep writing to
#: it until it reopens its log (logrotate's `create` renames first, the service reopens later).
#: Also how long an archive that ends early is waited for before it is taken as damaged.
ROTATE_WAIT = 5.0


class InputError(Exception):
    """A problem with what the user asked to read, said in one line."""


# ----------------------------------------------------------------------------- resolving inputs


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One input as the user gave it."""

    text: str
    kind: str  # "file", "dir", "glob" or "stdin"

    def describe(self) -> str:
        """How the status line names it."""
        return STDIN_NAME if self.kind == "stdin" else self.text


def resolve_inputs(args: list[str], *, follow: bool = False) -> list[InputSpec]:
    """Check every input before anything is read; raise InputError with a one-line reason."""
    specs: list[InputSpec] = []
    for text in args:
        if text == "-":
            specs.append(InputSpec(text, "stdin"))
            continue
        if any(c in text for c in "*?["):
            if not glob.glob(text, recursive=True) and not follow:
                raise InputError(f"{text}: no file matches this pattern")
            specs.append(InputSpec(text, "glob"))
            continue
        path = Path(text)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise InputError(f"{text}: no such file or directory") from None
        except PermissionError:
            raise InputError(f"{text}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{text}: {exc.strerror or exc}") from None
        if stat.S_ISDIR(st.st_mode):
            if not os.access(text, os.R_OK | os.X_OK):
                raise InputError(f"{text}: permission denied")
            if not follow and not any(True for _ in scan_directory(path)):
                raise InputError(f"{text}: no log files in this directory (looked for {', '.join(LOG_SUFFIXES)} and files that start like JSON)")
            specs.append(InputSpec(text, "dir"))
        else:
            if not os.access(text, os.R_OK):
                raise InputError(f"{text}: permission denied")
            specs.append(InputSpec(text, "file"))
    if not specs:
        raise InputError("no input given")
    return specs


def looks_like_log(path: Path) -> bool:
    """Whether a file found in a directory is worth reading: by name, or by its first bytes."""
    if path.name.startswith("."):
        return False
    if path.suffix.lower() in LOG_SUFFIXES:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    return head[:2] == GZIP_MAGIC or head.lstrip()[:1] in (b"{", b"[") or head.startswith(b"data:")


def scan_directory(path: Path) -> Iterator[Path]:
    """Log files below a directory, recursively, in name order."""
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            candidate = Path(root) / name
            if candidate.is_file() and looks_like_log(candidate):
                yield candidate


def expand(spec: InputSpec) -> list[Path]:
    """The files an input stands for right now."""
    if spec.kind == "file":
        return [Path(spec.text)]
    if spec.kind == "dir":
        return list(scan_directory(Path(spec.text)))
    if spec.kind == "glob":
        return [Path(p) for p in sorted(glob.glob(spec.text, recursive=True)) if os.path.isfile(p)]
    return []


# ----------------------------------------------------------------------------- re-reading raw bytes


class _OpenFiles:
    """A bounded set of open file descriptors for re-reading events by offset."""

    def __init__(self) -> None:
        self._lru: OrderedDict[int, FileBytes] = OrderedDict()
        self._lock = threading.Lock()

    def touch(self, owner: FileBytes) -> None:
        with self._lock:
            self._lru[id(owner)] = owner
            self._lru.move_to_end(id(owner))
            while len(self._lru) > MAX_OPEN_FILES:
                _, oldest = self._lru.popitem(last=False)
                oldest.close_if_idle()


_open_files = _OpenFiles()


class FileBytes:
    """Re-reads a segment's bytes: through a held descriptor, or by path checked against its inode."""

    def __init__(self, path: str, fd: int | None = None, *, pinned: bool = False) -> None:
        self.path = path
        self.fd = fd
        self.pinned = pinned
        self.identity: tuple[int, int] | None = None
        self.gone = ""
        if fd is not None:
            st = os.fstat(fd)
            self.identity = (st.st_dev, st.st_ino)
            _open_files.touch(self)

    def read(self, offset: int, length: int) -> bytes | None:
        """The bytes at offset, or None when the file is gone or was replaced."""
        if self.gone:
            return None
        if self.fd is None:
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except OSError as exc:
                self.gone = f"{self.path} can no longer be read ({exc.strerror})"
                return None
            st = os.fstat(fd)
            if self.identity is not None and (st.st_dev, st.st_ino) != self.identity:
                os.close(fd)
                self.gone = f"{self.path} was replaced by another file since it was read"
                return None
            self.identity = (st.st_dev, st.st_ino)
            self.fd = fd
        _open_files.touch(self)
        try:
            data = os.pread(self.fd, length, offset)
        except OSError as exc:
            return self._fail(f"{self.path}: {exc.strerror}")
        if len(data) < length:
            return self._fail(f"{self.path} was truncated since this event was read")
        return data

    def _fail(self, reason: str) -> None:
        self.gone = reason
        return None

    def unavailable_reason(self) -> str:
        """Why `read` returns None."""
        return self.gone or "the source can no longer be read"

    def retarget(self, path: str, fd: int) -> None:
        """The bytes now live in another file (a rotated copy)."""
        self.close_if_idle(force=True)
        self.path = path
        self.fd = fd
        st = os.fstat(fd)
        self.identity = (st.st_dev, st.st_ino)
        self.gone = ""

    def mark_gone(self, reason: str) -> None:
        """The bytes cannot be read again (a truncation whose copy was not found)."""
        self.gone = reason

    def close_if_idle(self, force: bool = False) -> None:
        """Release the descriptor unless it must be kept (a followed or rotated file)."""
        if self.fd is not None and (force or not self.pinned):
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


# ----------------------------------------------------------------------------- parallel indexing


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


# ----------------------------------------------------------------------------- following one file


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
        self.skipping = False  # inside a line too large to keep: drop bytes until its newline
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
        self.skipping = False
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
        batch = Batch(self.display)
        ids: dict[str, int] = {}
        skipped = 0
        if self.multiline is None:
            if not final and (not data.strip() or b"\n" not in data):
                self.pending = data  # nothing yet to tell JSON lines from multi-line JSON
                return 0
            self.multiline = sniff_multiline(data[:65536])
            self.reader.store.segments[self.segment].multiline = self.multiline
        if self.skipping:
            newline = data.find(b"\n")
            if newline < 0:
                self.offset += len(data)
                self.pending = b""
                return 0
            skipped = newline + 1
            self.skipping = False
            self.line_no += 1
        if self.multiline:
            used = decode_multiline(batch, ids, data[skipped:], self.offset + skipped, self.line_no, self.ml_state, final)
            self.line_no += data[skipped:skipped + used].count(b"\n")
        else:
            used = len(data) - skipped if final else data.rfind(b"\n") + 1 - skipped
            if used > 0:
                decode_jsonl(batch, ids, data[skipped:skipped + used], self.offset + skipped, self.line_no)
                self.line_no += batch.lines
            else:
                used = 0
                if len(data) - skipped > MAX_VALUE_BYTES:
                    # A line still growing past the limit: one error record, then skip to its end.
                    batch.errors.append(ErrorRecord(self.display, self.line_no, self.offset + skipped,
                                                    f"line too large (over {MAX_VALUE_BYTES:,} bytes)", excerpt(data[skipped:])))
                    batch.lines += 1
                    self.skipping = True
                    used = len(data) - skipped
        used += skipped
        self.offset += used
        self.pending = data[used:]
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


# ----------------------------------------------------------------------------- the reader


@dataclass(frozen=True, slots=True)
class ReadProgress:
    """How far the first read of the inputs has come."""

    done_bytes: int
    total_bytes: int
    finished: bool


class Reader:
    """Reads every input into a store, then follows them; reports through callbacks.

    Callbacks run on the reader's thread: a UI must hand them over to its own thread.
    """

    def __init__(self, store: Store, specs: list[InputSpec], *,
                 on_grow: Callable[[], None] | None = None,
                 on_status: Callable[[str], None] | None = None,
                 on_progress: Callable[[ReadProgress], None] | None = None,
                 stdin_fd: int | None = None, parallel: bool = True) -> None:
        self.store = store
        self.specs = specs
        self.on_grow = on_grow or (lambda: None)
        self.on_status = on_status or (lambda text: None)
        self.on_progress = on_progress or (lambda progress: None)
        self.stdin_fd = stdin_fd
        self.parallel = parallel
        self.tails: dict[str, Tail] = {}
        self.adopted: set[tuple[int, int]] = set()  # rotated copies whose content is already read
        #: files renamed away that are still read (their writer may not have reopened yet): tail -> when it last grew
        self.draining: dict[Tail, float] = {}
        self._spool_dir: tempfile.TemporaryDirectory[str] | None = None
        self._stdin_thread: threading.Thread | None = None
        self._stdin_done = threading.Event()
        self.messages: list[str] = []

    # -- helpers for tails

    def report(self, text: str) -> None:
        """A status message for the user (deleted file, rotation...)."""
        self.messages.append(text)
        self.on_status(text)

    def spool_file(self, name: str) -> str:
        """A path in this reader's temporary directory (removed on close)."""
        if self._spool_dir is None:
            self._spool_dir = tempfile.TemporaryDirectory(prefix="atlens-")
        base = os.path.join(self._spool_dir.name, name)
        path, n = base, 1
        while os.path.exists(path):
            n += 1
            path = f"{base}.{n}"
        return path

    def add(self, tail: Tail, batch: Batch) -> int:
        """Hand a batch to the store (tails call this)."""
        added = self.store.add(tail.segment, batch)
        if added or batch.errors:
            self.on_grow()
        return added

    def drain(self, tail: Tail) -> None:
        """Go on reading a file renamed away, through its open descriptor (see ROTATE_WAIT)."""
        self.draining[tail] = time.monotonic()

    def find_copy(self, tail: Tail) -> tuple[str, int] | None:
        """A file beside a truncated one that starts with the content read before (its rotated copy)."""
        if not tail.fingerprint:
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
                fd = os.open(candidate, os.O_RDONLY)
            except OSError:
                continue
            if os.pread(fd, len(tail.fingerprint), 0) == tail.fingerprint and os.fstat(fd).st_size >= tail.offset:
                return candidate, fd
            os.close(fd)
        return None

    # -- the first read

    def current_files(self) -> list[tuple[str, str]]:
        """(path, display name) of every file the inputs stand for now."""
        files: list[tuple[str, str]] = []
        for spec in self.specs:
            if spec.kind == "stdin":
                continue
            for path in expand(spec):
                files.append((str(path), str(path)))
        return files

    def load(self, *, follow: bool) -> None:
        """Read everything there is now. Large files: the newest part first, the rest in parallel."""
        if any(spec.kind == "stdin" for spec in self.specs):
            self._start_stdin(follow=follow)
        files = [f for f in self.current_files() if f[0] not in self.tails]
        opened: list[Tail] = list(self.tails.values())
        for path, display in files:
            tail = self._tail_for(path, display)
            if tail is not None:
                opened.append(tail)
        total = sum(t.size() for t in opened)
        done = 0
        self.on_progress(ReadProgress(0, total, False))
        big = [t for t in opened if not t.multiline and t.size() > PARALLEL_THRESHOLD and self.parallel]
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
        self.on_progress(ReadProgress(total, total, True))

    def _tail_for(self, path: str, display: str) -> Tail | None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            known = self._already_read((st.st_dev, st.st_ino), os.pread(fd, FINGERPRINT_BYTES, 0))
        finally:
            os.close(fd)
        if known:
            return None
        tail = Tail(self, path, display)
        if not tail.open():
            return None
        self.tails[path] = tail
        return tail

    def _already_read(self, identity: tuple[int, int], head: bytes) -> bool:
        """Whether a newly seen file holds content already read under another name (a rotated copy)."""
        if identity in self.adopted:
            return True
        if any(other.identity == identity for other in self.tails.values()):
            self.adopted.add(identity)  # renamed away; the tail that had it drains it
            return True
        for other in self.tails.values():
            fp = other.fingerprint
            if len(fp) >= 64 and head[:len(fp)] == fp:
                self.adopted.add(identity)  # a copy; the rest is read when the original is truncated
                return True
        return False

    def _load_parallel(self, tails: list[Tail], done: int, total: int) -> int:
        """Index large JSON-lines files in worker processes; show each file's end first."""
        with WorkerPool() as pool:
            for tail in sorted(tails, key=lambda t: -os.fstat(t.fd).st_mtime if t.fd is not None else 0):
                assert tail.fd is not None
                size = tail.size()
                tail_start = _line_boundary(tail.fd, max(0, size - TAIL_FIRST_BYTES))
                # The end of the file first, so the newest events are on screen at once.
                last = index_range(tail.spool or tail.path, tail.display, tail_start, size)
                # Its line numbers are known only once the lines before it are counted.
                held_errors = last.errors
                last.errors = []
                self.add(tail, last)
                done += size - tail_start
                self.on_progress(ReadProgress(done, total, False))
                bounds = [0]
                while bounds[-1] < tail_start:
                    bounds.append(min(_line_boundary(tail.fd, bounds[-1] + CHUNK_BYTES), tail_start))
                ranges = list(zip(bounds, bounds[1:]))
                results = pool.run(("index", (tail.spool or tail.path, tail.display, a, b)) for a, b in ranges)
                lines_before = 0
                carry_time: int | None = None
                for (a, b), batch in zip(ranges, results):
                    assert isinstance(batch, Batch)
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
                tail._update_fingerprint()
        return done

    # -- stdin

    def _start_stdin(self, *, follow: bool) -> None:
        """Copy standard input to a spool file that is then read like any followed file."""
        spool = self.spool_file("stdin")
        open(spool, "wb").close()
        tail = Tail(self, spool, STDIN_NAME)
        tail.open()
        self.store.segments[tail.segment].kind = "stdin"
        self.tails[spool] = tail
        fd = self.stdin_fd if self.stdin_fd is not None else 0

        def pump() -> None:
            with open(spool, "ab", buffering=0) as out:
                while True:
                    try:
                        block = os.read(fd, 1 << 16)
                    except OSError:
                        block = b""
                    if not block:
                        break
                    out.write(block)
            self._stdin_done.set()

        self._stdin_thread = threading.Thread(target=pump, name="atlens-stdin", daemon=True)
        self._stdin_thread.start()
        if not follow:
            self._stdin_done.wait()

    @property
    def stdin_done(self) -> bool:
        """Whether standard input (if read) reached its end."""
        return self._stdin_thread is None or self._stdin_done.is_set()

    # -- following

    def poll_all(self, *, rescan: bool = True) -> int:
        """Look at every followed file and, with rescan, every input for new files; returns events added.

        Without rescan (the change notifications told of nothing but changes to the content of
        known files), the files open are taken to be the ones at their paths.
        """
        added = 0
        for tail, grew in list(self.draining.items()):
            before = tail.offset + len(tail.pending)
            added += tail.read_new(final=False)
            now = time.monotonic()
            if tail.offset + len(tail.pending) != before:
                self.draining[tail] = now
            elif now - grew > ROTATE_WAIT:
                added += tail.read_new(final=True)
                tail.close()
                del self.draining[tail]
        # Known files first: a rotation must be seen before its copy looks like a new file.
        for tail in list(self.tails.values()):
            added += tail.poll(replaced=rescan)
        for path, display in (self.current_files() if rescan else ()):
            if path not in self.tails:
                # An empty new file may be an archive whose first bytes are not written yet:
                # what kind of file it is is decided when there is something in it.
                try:
                    if os.path.getsize(path) < len(GZIP_MAGIC):
                        continue
                except OSError:
                    continue
                tail = self._tail_for(path, display)
                if tail is not None:
                    self.report(f"new file {display}")
                    added += tail.read_new(final=False)
        return added

    def watch_paths(self) -> list[str]:
        """Directories to watch: each followed file's folder, each followed directory, each glob's root."""
        paths: set[str] = set()
        for spec in self.specs:
            if spec.kind == "dir":
                paths.add(os.path.abspath(spec.text))
            elif spec.kind == "file":
                paths.add(os.path.dirname(os.path.abspath(spec.text)))
            elif spec.kind == "glob":
                root = spec.text.split("*")[0].split("?")[0].split("[")[0]
                folder = root if root.endswith(os.sep) else os.path.dirname(root)
                paths.add(os.path.abspath(folder or "."))
        for tail in self.tails.values():
            paths.add(os.path.dirname(os.path.abspath(tail.path)))
        return sorted(p for p in paths if os.path.isdir(p))

    def follow(self, stop: threading.Event) -> None:
        """Follow every input until stop is set; change notifications come from watchfiles."""
        from watchfiles import Change, watch

        watched = self.watch_paths()
        while not stop.is_set():
            if self.poll_all():
                pass
            if not watched:
                stop.wait(0.5)
                watched = self.watch_paths()
                continue
            # watchfiles hands over a change one to two steps after it happens: 25 ms steps put
            # an event on screen in about 40 ms for 40 wakes a second (10 ms: 18 ms for 100).
            # The timeout polls anyway, in case a notification was missed (network filesystems,
            # a file replaced in place). No filter: the inputs decide which files are read, and
            # watchfiles' default one (editor and VCS files) tested every change for nothing.
            for changes in watch(*watched, watch_filter=None, stop_event=stop, debounce=50, step=25,
                                 rust_timeout=1000, yield_on_timeout=True, recursive=True, raise_interrupt=False):
                # Scanning directories for new files is only worth it when a file appeared or
                # went away (or on the periodic timeout, whose change set is empty); appends,
                # the bulk of the notifications, only need the known files read.
                # A modified file not yet known (announced while still empty) counts as new too.
                known = {os.path.abspath(path) for path in self.tails}
                rescan = not changes or any(change != Change.modified or path not in known for change, path in changes)
                self.poll_all(rescan=rescan)
                if rescan and self.watch_paths() != watched:
                    watched = self.watch_paths()
                    break

    def close(self) -> None:
        """Release descriptors and temporary spool files."""
        for tail in [*self.tails.values(), *self.draining]:
            tail.close()
        self.draining.clear()
        if self._spool_dir is not None:
            self._spool_dir.cleanup()
            self._spool_dir = None

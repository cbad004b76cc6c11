"""The reader: every input read into a store, then followed; large files indexed in parallel."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Callable

from ..decode import Batch
from ..store import Store
from ..workers import WorkerPool
from .inputs import GZIP_MAGIC, STDIN_NAME, InputSpec, expand
from .ranges import CHUNK_BYTES, _value_boundary, index_range
from .tail import FINGERPRINT_BYTES, ROTATE_WAIT, Tail

#: Files larger than this are indexed by worker processes, newest part first.
PARALLEL_THRESHOLD = 24 * 1024 * 1024
#: How much of the end of a large file is shown before the rest is indexed.
TAIL_FIRST_BYTES = 512 * 1024


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
                tail_start = _value_boundary(tail.fd, max(0, size - TAIL_FIRST_BYTES), size)
                # The end of the file first, so the newest events are on screen at once.
                last = index_range(tail.spool or tail.path, tail.display, tail_start, size, final=True)
                # Its line numbers are known only once the lines before it are counted.
                held_errors = last.errors
                last.errors = []
                self.add(tail, last)
                done += size - tail_start
                self.on_progress(ReadProgress(done, total, False))
                bounds = [0]
                while bounds[-1] < tail_start:
                    bounds.append(min(_value_boundary(tail.fd, bounds[-1] + CHUNK_BYTES, tail_start), tail_start))
                ranges = list(zip(bounds, bounds[1:]))
                path = tail.spool or tail.path
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

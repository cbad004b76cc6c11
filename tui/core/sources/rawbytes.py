"""The bytes of a file, read by offset through a bounded set of descriptors shared by every input.

Each file read (a followed log, the spool of an archive or of a stream) has one FileBytes: the
Tail reading it new bytes and the store re-reading its events both go through it, so a file
costs at most one descriptor. Descriptors are closed least recently used first when there are
more files than the process may hold open (two years of daily files under `ulimit -n 1024`);
a closed one is opened again by its path, and only if the path still names the same file.
"""

from __future__ import annotations

import os
import resource
import stat
import threading
import weakref
from collections import OrderedDict


def _budget() -> int:
    """How many descriptors the files read may hold: half of what the process may open (the rest
    is for the terminal, worker pipes, the change watcher and Python itself). The soft limit is
    raised to the hard one first, as servers do."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 1 << 16
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, 1 << 16), hard))
            soft = min(wanted, 1 << 16)
    except (ValueError, OSError):
        soft = 1024
    limit = soft if soft != resource.RLIM_INFINITY else 1 << 16
    return max(8, min(limit // 2, 8192))


class _OpenFiles:
    """The FileBytes that hold a descriptor, least recently used first."""

    def __init__(self) -> None:
        # Weak references: the files of a store nobody holds any more (a query answered, a test
        # done) are closed when it goes, not kept open until thousands of others push them out.
        self._lru: OrderedDict[int, weakref.ref[FileBytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.limit = _budget()
        self._newest: weakref.ref[FileBytes] | None = None

    def touch(self, owner: FileBytes) -> None:
        """owner holds a descriptor and was just used; close the least recently used beyond the limit."""
        newest = self._newest
        if newest is not None and newest() is owner:
            return  # a followed file read again and again: already the most recent
        victims: list[FileBytes] = []
        with self._lock:
            key = id(owner)
            ref = weakref.ref(owner, lambda _gone, key=key: self._collected(key))
            self._newest = ref
            self._lru[key] = ref
            self._lru.move_to_end(key)
            excess = len(self._lru) - self.limit
            if excess > 0:
                # Those that need not stay open go first; a followed file's then (its tail opens
                # it again by path when it changes: it is idle, or it would not be the oldest).
                held = [f for f in (r() for r in list(self._lru.values())) if f is not None and f is not owner]
                for candidate in held:
                    if len(victims) >= excess:
                        break
                    if not candidate.pinned:
                        victims.append(candidate)
                for candidate in held:
                    if len(victims) >= excess:
                        break
                    if candidate not in victims:
                        victims.append(candidate)
        for victim in victims:
            victim.release()

    def _collected(self, key: int) -> None:
        """A FileBytes was garbage-collected (its descriptor closed by __del__)."""
        with self._lock:
            self._lru.pop(key, None)

    def forget(self, owner: FileBytes) -> None:
        """owner no longer holds a descriptor."""
        with self._lock:
            self._lru.pop(id(owner), None)
            if self._newest is not None and self._newest() is owner:
                self._newest = None

    def __len__(self) -> int:
        return len(self._lru)


open_files = _OpenFiles()


class FileBytes:
    """One file's bytes by offset: through a held descriptor, or by path checked against its identity.

    Thread-safe: the reader thread reads new bytes while the UI re-reads events; a descriptor is
    never closed while a read on it is in progress (a descriptor number reused by another file
    would give another file's bytes).
    """

    def __init__(self, path: str, fd: int | None = None, *, pinned: bool = False) -> None:
        self.path = path
        self.fd = fd
        #: kept open in preference to others (the file a tail follows: it may be renamed away)
        self.pinned = pinned
        self.identity: tuple[int, int] | None = None
        self.gone = ""
        self._lock = threading.Lock()
        if fd is not None:
            st = os.fstat(fd)
            self.identity = (st.st_dev, st.st_ino)
            open_files.touch(self)

    # -- the store re-reading an event

    def read(self, offset: int, length: int) -> bytes | None:
        """Exactly the bytes at offset, or None when the file is gone, was replaced or is shorter now."""
        with self._lock:
            if self.gone or not self._ensure_open():
                return None
            try:
                data = os.pread(self.fd, length, offset)  # type: ignore[arg-type]
            except OSError as exc:
                self.gone = f"{self.path}: {exc.strerror}"
                return None
        open_files.touch(self)
        if len(data) < length:
            self.gone = f"{self.path} was truncated since this event was read"
            return None
        return data

    def unavailable_reason(self) -> str:
        """Why `read` returns None."""
        return self.gone or "the source can no longer be read"

    # -- a tail reading new bytes

    def pread(self, length: int, offset: int) -> bytes | None:
        """Up to length bytes at offset (fewer at the end); None when the file cannot be opened as
        the same file any more (renamed away or replaced while its descriptor was closed)."""
        with self._lock:
            if not self._ensure_open():
                return None
            data = os.pread(self.fd, length, offset)  # type: ignore[arg-type]
        open_files.touch(self)
        return data

    def stat(self) -> os.stat_result | None:
        """The open file's status (reopened by path if its descriptor was closed); None if it cannot be."""
        with self._lock:
            if not self._ensure_open():
                return None
            st = os.fstat(self.fd)  # type: ignore[arg-type]
        open_files.touch(self)
        return st

    def is_open(self) -> bool:
        """Whether a descriptor is held (a file renamed away can be read only through it)."""
        return self.fd is not None

    def _ensure_open(self) -> bool:
        if self.fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            self.gone = self.gone or f"{self.path} can no longer be read ({exc.strerror})"
            return False
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (self.identity is not None and (st.st_dev, st.st_ino) != self.identity):
            os.close(fd)
            return False
        self.identity = (st.st_dev, st.st_ino)
        self.fd = fd
        return True

    # -- changes of place

    def retarget(self, path: str, fd: int | None, identity: tuple[int, int] | None = None) -> None:
        """The bytes now live in another file (a rotated copy, or a spool of its compressed copy).

        identity: the file's, when it is given by path alone (fd None) and must be that file.
        """
        with self._lock:
            self._close()
            self.path = path
            self.identity = identity
            self.gone = ""
            if fd is not None:
                st = os.fstat(fd)
                self.identity = (st.st_dev, st.st_ino)
                self.fd = fd
        if fd is not None:
            open_files.touch(self)

    def mark_gone(self, reason: str) -> None:
        """The bytes cannot be read again (a truncation whose copy was not found)."""
        with self._lock:
            self.gone = reason
            self._close()

    def take_descriptor(self) -> int | None:
        """Hand the descriptor over to another FileBytes (the same file, a new segment of it)."""
        with self._lock:
            fd, self.fd = self.fd, None
        open_files.forget(self)
        return fd

    def release(self) -> None:
        """Close the descriptor unless it is in use (the file is opened again by path when needed)."""
        if not self._lock.acquire(blocking=False):
            return  # being read right now: closed next time round
        try:
            self._close()
        finally:
            self._lock.release()

    def hold(self) -> None:
        """Keep a descriptor open from now on (the file is about to lose its name: a spool removed)."""
        with self._lock:
            self.pinned = True
            opened = self.gone == "" and self._ensure_open()
        if opened:
            open_files.touch(self)

    def close(self) -> None:
        """Close the descriptor (the reader is closing); the file is opened again by path if read later."""
        with self._lock:
            self._close()

    def __del__(self) -> None:
        # Nobody can read through it any more: its descriptor goes with it.
        fd = self.fd
        if fd is not None:
            self.fd = None
            try:
                os.close(fd)
            except OSError:
                pass

    def _close(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None
            open_files.forget(self)

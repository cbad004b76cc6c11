"""Re-reading an event's bytes from its file by offset, through a bounded set of descriptors."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

MAX_OPEN_FILES = 128


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

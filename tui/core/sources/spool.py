"""Private temporary files holding the plain bytes of archives and streams, removed on every exit.

Events are re-read by offset, so an input that cannot be read twice (standard input, a pipe)
or whose offsets are not its events' (a compressed file) is copied here first. The copies are
audit data: readable by their owner only, in a folder only the owner can enter, and removed
when atlens ends, also on SIGTERM and SIGHUP (the CLI calls remove_all from its handlers).
"""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import tempfile
import threading

_folders: set[str] = set()
_lock = threading.Lock()


def new_folder() -> str:
    """A new private folder (mode 0700) for one reader's spools."""
    folder = tempfile.mkdtemp(prefix="atlens-")
    with _lock:
        _folders.add(folder)
    return folder


def remove_folder(folder: str) -> None:
    """Remove a reader's spools."""
    shutil.rmtree(folder, ignore_errors=True)
    with _lock:
        _folders.discard(folder)


def remove_all() -> None:
    """Remove every spool of this process (at exit, and from signal handlers)."""
    with _lock:
        folders = list(_folders)
        _folders.clear()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(remove_all)


class SpoolFull(Exception):
    """The spool could not take more bytes (the temporary folder is full); the text says so."""


class Spool:
    """A file created for one input's plain bytes: written at its end, read by anyone by path."""

    def __init__(self, path: str, *, keep_open: bool = False, created: bool = False) -> None:
        """keep_open: hold the descriptor between writes (a stream written to all the time);
        created: the file was made empty already (by the process that named it for a worker)."""
        self.path = path
        self.size = 0
        flags = os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC | (0 if created else os.O_CREAT | os.O_EXCL)
        fd = os.open(path, flags, 0o600)
        self._fd: int | None = fd if keep_open else None
        if not keep_open:
            os.close(fd)

    def write(self, data: bytes) -> None:
        """Append data; SpoolFull when it cannot all be written (what was written stays)."""
        if not data:
            return
        # Otherwise opened for each write: an archive read in one go writes a few times, and
        # one that is not growing holds no descriptor.
        fd = self._fd if self._fd is not None else os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        try:
            view = memoryview(data)
            while view:
                try:
                    written = os.write(fd, view)
                except OSError as exc:
                    raise SpoolFull(_full_reason(exc, self.path)) from None
                self.size += written
                view = view[written:]
        finally:
            if fd != self._fd:
                os.close(fd)

    def close(self) -> None:
        """Let go of a held descriptor."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _full_reason(exc: OSError, path: str) -> str:
    folder = os.path.dirname(os.path.dirname(path))
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the temporary folder {folder} is full; set TMPDIR to a folder with more room"
    if exc.errno == errno.EFBIG:
        return f"the copy in {folder} reached the largest file allowed"
    return f"could not write to {folder} ({exc.strerror})"

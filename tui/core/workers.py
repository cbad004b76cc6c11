"""Worker processes that decode ranges of large files in parallel, results returned in order.

A worker is `python -m tui.core.workers`: it reads pickled jobs on stdin and writes pickled
batches on stdout, each framed by its length. Plain pipes rather than multiprocessing, so that
nothing depends on how the parent was started (a console script, stdin, a test runner) and
nothing is forked from a process that runs threads.
"""

from __future__ import annotations

import os
import pickle
import queue as queue_mod
import struct
import subprocess
import sys
import threading
from collections import deque
from typing import BinaryIO, Iterable, Iterator

_FRAME = struct.Struct("<Q")

#: A job: its kind and its arguments. "index": (path, source name, start offset, end offset, in_array, final)
#: gives a Batch; "parquet": ([(path, source name), ...],) gives a list of sources.parquet.ParquetPart; "fields" and "text" answer queries (see filtering.py).
Job = tuple[str, tuple]


def _write_frame(out: BinaryIO, payload: bytes) -> None:
    out.write(_FRAME.pack(len(payload)))
    out.write(payload)
    out.flush()


def _read_frame(src: BinaryIO) -> bytes | None:
    head = src.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    data = src.read(size)
    if len(data) < size:
        return None
    return data


class WorkerFailed(RuntimeError):
    """A worker process died or answered with an error."""


class WorkerPool:
    """A few decoding processes; `run` yields results in the order the jobs were given."""

    def __init__(self, workers: int | None = None) -> None:
        count = workers or max(1, min(4, os.cpu_count() or 1))
        env = dict(os.environ)
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self._procs = [
            subprocess.Popen([sys.executable, "-m", "tui.core.workers"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, env=env)
            for _ in range(count)
        ]

    def run(self, jobs: Iterable[Job]) -> Iterator[object]:
        """Do each job; results come back in job order."""
        queue: deque[subprocess.Popen[bytes]] = deque()
        pending = list(jobs)
        # Two jobs in flight per worker keeps them busy while the parent merges results.
        in_flight = 2 * len(self._procs)
        next_job = 0
        # Jobs are written by one thread per worker: a job larger than a pipe's buffer must not
        # block the parent while that worker, its pipe to us full, waits for us to read.
        feeds = {proc.pid: queue_mod.SimpleQueue() for proc in self._procs}
        writers = [threading.Thread(target=self._feed, args=(proc, feeds[proc.pid]), daemon=True,
                                    name="atlens-worker-feed") for proc in self._procs]
        for writer in writers:
            writer.start()

        def submit() -> None:
            nonlocal next_job
            proc = self._procs[next_job % len(self._procs)]
            feeds[proc.pid].put(pickle.dumps(pending[next_job], protocol=pickle.HIGHEST_PROTOCOL))
            queue.append(proc)
            next_job += 1

        try:
            while next_job < len(pending) and len(queue) < in_flight:
                submit()
            while queue:
                proc = queue.popleft()
                assert proc.stdout is not None
                frame = _read_frame(proc.stdout)
                if frame is None:
                    raise WorkerFailed(f"a worker process stopped (exit status {proc.poll()})")
                ok, value = pickle.loads(frame)
                if not ok:
                    raise WorkerFailed(str(value))
                if next_job < len(pending):
                    submit()
                yield value
        finally:
            for feed in feeds.values():
                feed.put(None)

    @staticmethod
    def _feed(proc: subprocess.Popen[bytes], feed: queue_mod.SimpleQueue) -> None:
        """Write the jobs put in `feed` to one worker, until None."""
        while (payload := feed.get()) is not None:
            try:
                assert proc.stdin is not None
                _write_frame(proc.stdin, payload)
            except (OSError, ValueError):
                return  # the worker is gone: the reading side reports it

    def close(self) -> None:
        """Stop the workers."""
        for proc in self._procs:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
            except OSError:
                pass
        for proc in self._procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
            if proc.stdout is not None:
                proc.stdout.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _task(kind: str):  # -> Callable[..., object]
    """The function that does a job of this kind (imported on first use)."""
    if kind == "index":
        from .sources import index_range

        return index_range
    if kind == "parquet":
        from .sources.parquet import read_files

        return read_files
    if kind == "parquet-copy":
        from .sources.parquet import write_copy

        return write_copy
    from . import filtering

    return {"fields": filtering.materialise_job, "text": filtering.text_job}[kind]


def _serve() -> int:
    src = sys.stdin.buffer
    out = sys.stdout.buffer
    while True:
        frame = _read_frame(src)
        if frame is None:
            return 0
        kind, args = pickle.loads(frame)
        try:
            result: tuple[bool, object] = (True, _task(kind)(*args))
        except Exception as exc:  # reported to the parent, which tells the user
            result = (False, f"{args[0]}: {exc}")
        _write_frame(out, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    raise SystemExit(_serve())

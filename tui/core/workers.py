"""Worker processes that decode ranges of large files in parallel, results returned in order.

A worker is `python -m tui.core.workers`: it reads pickled jobs on stdin and writes pickled
batches on stdout, each framed by its length. Plain pipes rather than multiprocessing, so that
nothing depends on how the parent was started (a console script, stdin, a test runner) and
nothing is forked from a process that runs threads.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from collections import deque
from typing import BinaryIO, Iterable, Iterator

_FRAME = struct.Struct("<Q")

Job = tuple[str, str, int, int]  # path, source name, start offset, end offset


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
        """Decode each job's range; results come back in job order."""
        queue: deque[subprocess.Popen[bytes]] = deque()
        pending = list(jobs)
        # Two jobs in flight per worker keeps them busy while the parent merges results.
        in_flight = 2 * len(self._procs)
        next_job = 0

        def submit() -> None:
            nonlocal next_job
            proc = self._procs[next_job % len(self._procs)]
            assert proc.stdin is not None
            _write_frame(proc.stdin, pickle.dumps(pending[next_job], protocol=pickle.HIGHEST_PROTOCOL))
            queue.append(proc)
            next_job += 1

        while next_job < len(pending) and len(queue) < in_flight:
            submit()
        while queue:
            proc = queue.popleft()
            assert proc.stdout is not None
            frame = _read_frame(proc.stdout)
            if frame is None:
                raise WorkerFailed(f"an indexing worker stopped (exit status {proc.poll()})")
            ok, value = pickle.loads(frame)
            if not ok:
                raise WorkerFailed(str(value))
            if next_job < len(pending):
                submit()
            yield value

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


def _serve() -> int:
    from .sources import index_range

    src = sys.stdin.buffer
    out = sys.stdout.buffer
    while True:
        frame = _read_frame(src)
        if frame is None:
            return 0
        path, source, start, end = pickle.loads(frame)
        try:
            result: tuple[bool, object] = (True, index_range(path, source, start, end))
        except Exception as exc:  # reported to the parent, which tells the user
            result = (False, f"{path}: {exc}")
        _write_frame(out, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    raise SystemExit(_serve())

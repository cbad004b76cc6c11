"""Inputs as the user gives them: files, globs, directories and standard input, checked and expanded."""

from __future__ import annotations

import glob
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

#: File names a directory scan picks up without looking inside.
LOG_SUFFIXES = (".json", ".jsonl", ".ndjson", ".log", ".gz")
GZIP_MAGIC = b"\x1f\x8b"
STDIN_NAME = "<stdin>"


class InputError(Exception):
    """A problem with what the user asked to read, said in one line."""


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

"""Inputs as the user gives them: files, globs, directories and standard input, checked and expanded."""

from __future__ import annotations

import glob
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import s3
from .parquet import NOT_DATA_FOLDERS, PARQUET_MAGIC
from .streams import sniff_compression

#: File names a directory scan picks up without looking inside.
LOG_SUFFIXES = (".json", ".jsonl", ".ndjson", ".log", ".gz", ".bz2", ".xz", ".parquet")
STDIN_NAME = "<stdin>"


def why(exc: OSError) -> str:
    """An operating system error in the words of atlens's messages: "permission denied"."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


class InputError(Exception):
    """A problem with what the user asked to read, said in one line."""


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One input as the user gave it."""

    text: str
    kind: str  # "file", "dir", "glob", "stdin", "stream" (a named pipe or device, read like stdin) or "s3" (a bucket's prefix)

    def describe(self) -> str:
        """How the status line names it."""
        return STDIN_NAME if self.kind == "stdin" else self.text


def resolve_inputs(args: list[str], *, follow: bool = False) -> list[InputSpec]:
    """Check every input before anything is read; raise InputError with a one-line reason.

    A path that exists is that file or directory, even when its name holds `*`, `?` or `[`.
    An input that cannot be read (permission denied) is not refused here: the reader names it,
    reads every other input and tries it again while following.
    """
    specs: list[InputSpec] = []
    for text in args:
        if text == "-":
            specs.append(InputSpec(text, "stdin"))
            continue
        if s3.is_s3(text):
            s3.parse_location(text)
            if not s3.available():
                raise InputError(f"{text}: {s3.INSTALL_HINT}")
            specs.append(InputSpec(text, "s3"))
            continue
        if any(c in text for c in "*?[") and not os.path.lexists(text):
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
            # The folder holding it cannot be searched: said by the reader, tried again later.
            specs.append(InputSpec(text, "file"))
            continue
        except OSError as exc:
            raise InputError(f"{text}: {exc.strerror or exc}") from None
        if stat.S_ISDIR(st.st_mode):
            if not follow and os.access(text, os.R_OK | os.X_OK):
                found = expand(InputSpec(text, "dir"))
                if not found.files and not found.unreadable:
                    raise InputError(f"{text}: no log files in this directory (looked for {', '.join(LOG_SUFFIXES)} and files that start like JSON)")
            specs.append(InputSpec(text, "dir"))
        elif stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode) or stat.S_ISSOCK(st.st_mode):
            # A named pipe, `<(zcat a.gz)` or /dev/stdin: read as a stream, like standard input.
            specs.append(InputSpec(text, "stream"))
        else:
            specs.append(InputSpec(text, "file"))
    if not specs:
        raise InputError("no input given")
    return specs


def looks_like_log(path: Path) -> bool:
    """Whether a file found in a directory is worth reading: by name, or by its first bytes.

    A file that cannot be opened is kept (the reader says it cannot be read), not passed over.
    """
    if path.name.startswith("."):
        return False
    if path.suffix.lower() in LOG_SUFFIXES:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except PermissionError:
        return True
    except OSError:
        return False
    return (head.lstrip()[:1] in (b"{", b"[") or head.startswith(b"data:") or head.startswith(PARQUET_MAGIC)
            or sniff_compression(head) is not None)


@dataclass(slots=True)
class Expansion:
    """The files an input stands for right now, and the folders below it that cannot be read."""

    files: list[Path] = field(default_factory=list)
    #: path -> why it cannot be listed (a subdirectory of a followed directory, mode 000...)
    unreadable: dict[str, str] = field(default_factory=dict)


def scan_directory(path: Path, unreadable: dict[str, str] | None = None) -> Iterator[Path]:
    """Log files below a directory, recursively, in name order; folders that cannot be listed go into unreadable."""

    def failed(exc: OSError) -> None:
        if unreadable is not None:
            unreadable[exc.filename or str(path)] = why(exc)

    for root, dirs, files in os.walk(path, onerror=failed):
        # A Cloud Logs archive's _manifest folder holds Cloud Logs' bookkeeping, not records.
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in NOT_DATA_FOLDERS)
        for name in sorted(files):
            candidate = Path(root) / name
            if candidate.is_file() and looks_like_log(candidate):
                yield candidate


def expand(spec: InputSpec) -> Expansion:
    """The files an input stands for right now."""
    found = Expansion()
    if spec.kind == "file":
        found.files.append(Path(spec.text))
    elif spec.kind == "dir":
        found.files.extend(scan_directory(Path(spec.text), found.unreadable))
    elif spec.kind == "glob":
        found.files.extend(Path(p) for p in sorted(glob.glob(spec.text, recursive=True)) if os.path.isfile(p))
    return found

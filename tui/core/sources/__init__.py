"""Inputs: files, globs, directories, gzip and stdin; read once or followed live through rotation.

One module per part: `inputs` (what the user named), `rawbytes` (re-reading an event by offset),
`ranges` (a worker's byte range), `tail` (one file followed), `reader` (all of them, into a store).
"""

from .inputs import GZIP_MAGIC, LOG_SUFFIXES, STDIN_NAME, InputError, InputSpec, expand, looks_like_log, resolve_inputs, scan_directory
from .rawbytes import FileBytes
from .ranges import index_range
from .reader import PARALLEL_THRESHOLD, TAIL_FIRST_BYTES, Reader, ReadProgress
from .tail import ROTATE_WAIT, Tail

__all__ = [
    "GZIP_MAGIC", "LOG_SUFFIXES", "PARALLEL_THRESHOLD", "ROTATE_WAIT", "STDIN_NAME", "TAIL_FIRST_BYTES",
    "FileBytes", "InputError", "InputSpec", "ReadProgress", "Reader", "Tail",
    "expand", "index_range", "looks_like_log", "resolve_inputs", "scan_directory",
]

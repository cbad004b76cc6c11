"""Inputs: files, globs, directories, compressed files, stdin and pipes; read once or followed live through rotation.

One module per part: `inputs` (what the user named), `streams` (compressed and UTF-16 data),
`spool` (private copies of archives and streams), `rawbytes` (a file's bytes by offset, within
a budget of descriptors), `ranges` (a worker's byte range), `tail` (one file followed),
`reader` (all of them, into a store), `layouts` (the hour an archived object's name says its
events lie in, to pass over objects outside a time range).
"""

from .inputs import LOG_SUFFIXES, STDIN_NAME, Expansion, InputError, InputSpec, expand, looks_like_log, resolve_inputs, scan_directory
from .rawbytes import FileBytes
from .ranges import index_range
from .reader import PARALLEL_THRESHOLD, TAIL_FIRST_BYTES, Reader, ReadProgress
from .spool import remove_all as remove_spools
from .streams import GZIP_MAGIC
from .tail import ROTATE_WAIT, Tail

__all__ = [
    "GZIP_MAGIC", "LOG_SUFFIXES", "PARALLEL_THRESHOLD", "ROTATE_WAIT", "STDIN_NAME", "TAIL_FIRST_BYTES",
    "Expansion", "FileBytes", "InputError", "InputSpec", "ReadProgress", "Reader", "Tail",
    "expand", "index_range", "looks_like_log", "remove_spools", "resolve_inputs", "scan_directory",
]

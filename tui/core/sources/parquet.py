"""IBM Cloud Logs archives: Parquet files, each read into a private copy of JSON lines.

An archive bucket holds `cx/parquet/v1/team_id=<TEAM>/dt=YYYY-MM-DD/hr=HH/<uuid>.parquet`,
each file with three columns of JSON text: `src_obj__event_metadata`, `src_obj__event_labels`
and `src_obj__user_data` (the record itself). Audit events are the rows whose label
`applicationname` is `ibm-audit-event`; the rows of other applications are counted by
application and skipped.

Events are re-read by offset, as everywhere in atlens, so each file has a private copy (a
spool, as a gzip file has): one line per row, in the shape of a Cloud Logs query result,
`{"user_data": {event}, "labels": {...}, "metadata": {...}}`, which decode reads back with
the labels and metadata attached to the event. A row that is not an audit event leaves an
empty line, so that line N of the copy is row N of the file (`atlens explain --line N`).

Reading a file indexes it without writing its copy: where each line will be is known from the
lengths of the columns. The copy is written when an event of the file is first needed (shown,
searched for text, or a field not indexed asked for): writing gigabytes of copies took twice
as long as indexing the archive, and most files of an archive are never opened.

pyarrow is optional (`pip install 'atlens[archives]'`): it is imported here, when a Parquet
file is read, and only then.
"""

from __future__ import annotations

import os
import threading
from array import array
from collections import Counter
from dataclasses import dataclass, field

import orjson

from ..decode import PROGRAMMING_ERRORS, Batch, ErrorRecord, _json_reason, _truncate_rows, column_writer, excerpt, unreadable, unwrap
from .rawbytes import FileBytes
from .spool import Spool, SpoolFull, new_folder

PARQUET_MAGIC = b"PAR1"
PARQUET_SUFFIX = ".parquet"
#: Folders of an archive that hold no records (Cloud Logs' own bookkeeping).
NOT_DATA_FOLDERS = frozenset({"_manifest"})
#: Applications whose records are audit events.
AUDIT_APPLICATIONS = frozenset({"ibm-audit-event", "ibm-audit-events"})
METADATA, LABELS, USER_DATA = "src_obj__event_metadata", "src_obj__event_labels", "src_obj__user_data"
COLUMNS = (METADATA, LABELS, USER_DATA)
#: What to do without pyarrow, said once.
NEEDS_PYARROW = "reading Parquet files (IBM Cloud Logs archives) needs pyarrow: pip install 'atlens[archives]'"
#: Rows decoded at a time: a few megabytes of text, whatever the size of the row groups.
BATCH_ROWS = 16384


class NoPyarrow(Exception):
    """pyarrow cannot be imported."""


@dataclass(slots=True)
class ParquetPart:
    """What one Parquet file gave: its events (offsets into its copy to come), its error records,
    the rows of other applications counted by application, and what writing its copy needs."""

    source: str
    batch: Batch
    rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    #: why the file could not be read (whole or from some row on); "" when it was
    problem: str = ""
    #: pyarrow is missing (the problem is then NEEDS_PYARROW)
    no_pyarrow: bool = False
    #: per row read, 1 when its line in the copy holds the row, 0 when it is left empty
    kinds: bytearray = field(default_factory=bytearray)
    #: the size its copy will have
    size: int = 0
    #: (device, inode, size, mtime) of the file read: its copy is written from the same file only
    identity: tuple[int, int, int, int] = (0, 0, 0, 0)


def is_parquet(path: str, head: bytes) -> bool:
    """Whether a file is Parquet: by its name, or by its first bytes."""
    return head.startswith(PARQUET_MAGIC) or path.lower().endswith(PARQUET_SUFFIX)


def is_complete(path: str) -> bool:
    """Whether a Parquet file is all there: it ends with the magic bytes after its footer (one
    being copied or downloaded does not yet)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            if size < 12:
                return False
            fh.seek(size - 4)
            return fh.read(4) == PARQUET_MAGIC
    except OSError:
        return False


class _Column:
    """One string column of a record batch: its values as slices of one buffer (no Python object
    per value until one is asked for)."""

    __slots__ = ("data", "view", "offsets", "nulls", "newlines", "indices", "entries")

    def __init__(self, column) -> None:  # column: a pyarrow Array of strings, or a dictionary of them
        import pyarrow as pa

        #: a dictionary column (labels, read so: they repeat): each row's entry, and the entries
        self.indices: array | None = None
        self.entries: list[memoryview | None] = []
        if pa.types.is_dictionary(column.type):
            indices = column.indices.cast(pa.int64())
            self.indices = array("q")
            self.indices.frombytes(memoryview(indices.buffers()[1])[indices.offset * 8:(indices.offset + len(indices)) * 8])
            nulls = column.null_count
            column = column.dictionary
            self.entries = _Column(column).values()
            self.nulls = frozenset(i for i, null in enumerate(indices.is_null().to_pylist()) if null) if nulls else frozenset()
            self.newlines = any(e is not None and not _Column.one_line_text(e) for e in self.entries)
            return
        kind = column.type
        if pa.types.is_string(kind) or pa.types.is_binary(kind):
            code, width = "i", 4
        elif pa.types.is_large_string(kind) or pa.types.is_large_binary(kind):
            code, width = "q", 8
        else:
            column = column.cast(pa.large_string())
            code, width = "q", 8
        n = len(column)
        buffers = column.buffers()
        self.offsets = array(code)
        self.offsets.frombytes(memoryview(buffers[1])[column.offset * width:(column.offset + n + 1) * width])
        self.data = buffers[2].to_pybytes() if buffers[2] is not None else b""
        self.view = memoryview(self.data)
        self.nulls = frozenset(i for i, null in enumerate(column.is_null().to_pylist()) if null) if column.null_count else frozenset()
        #: whether any value holds a line end (then each is looked at: a line of the copy must not)
        self.newlines = b"\n" in self.data or b"\r" in self.data

    def values(self) -> list[memoryview | None]:
        """Each row's value (the rows of one dictionary entry share one object, hashed once)."""
        if self.indices is not None:
            entries = self.entries
            values = [entries[j] for j in self.indices]
        else:
            view, offsets = self.view, self.offsets
            values = [view[a:b] for a, b in zip(offsets, offsets[1:])]
        for i in self.nulls:
            values[i] = None
        return values

    def one_line(self, raw: memoryview) -> bool:
        """Whether a value holds no line end."""
        return not self.newlines or self.one_line_text(raw)

    @staticmethod
    def one_line_text(raw: memoryview) -> bool:
        text = raw.tobytes()
        return b"\n" not in text and b"\r" not in text


def _embedded(raw: memoryview | None, column: _Column, loads) -> tuple[object, bytes | memoryview]:
    """A JSON column's value read, and the bytes to write it with on one line (the same every
    time: the copy is written after the index, from the same bytes)."""
    if raw is None:
        return None, b"null"
    try:
        value = loads(raw)
    except orjson.JSONDecodeError:
        text = raw.tobytes().decode("utf-8", "replace")
        return text, orjson.dumps(text)  # kept as the text it is
    if not column.one_line(raw):
        return value, orjson.dumps(value)
    return value, raw


#: The parts of a row's line around its three columns.
_OPEN, _LABELS, _METADATA, _CLOSE = b'{"user_data":', b',"labels":', b',"metadata":', b"}\n"
_FRAME = len(_OPEN) + len(_LABELS) + len(_METADATA) + len(_CLOSE)


def _record_batches(parquet):  # -> Iterator[tuple[int, int, record batch]]
    """(row group, first row in it, record batch) of a file, BATCH_ROWS rows at a time."""
    for group in range(parquet.num_row_groups):
        first = 0
        # One thread: files are read by several worker processes at once already.
        for record_batch in parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], columns=list(COLUMNS), use_threads=False):
            yield group, first, record_batch
            first += record_batch.num_rows


def _open(pq, path: str):  # -> pq.ParquetFile
    """A Parquet file opened with its labels read as a dictionary (they repeat from row to row)."""
    try:
        return pq.ParquetFile(path, read_dictionary=[LABELS])
    except KeyError:  # no labels column: said by the caller, which looks at the columns
        return pq.ParquetFile(path)


def _identity(path: str) -> tuple[int, int, int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def read_files(files: list[tuple[str, str]]) -> list[ParquetPart]:
    """Index several files (path, display name) with one string table: an archive's files share
    most of their strings (actions, initiators), which are then interned and sent back once."""
    strings: list[str] = []
    ids: dict[str, int] = {}
    return [read_file(path, display, strings, ids) for path, display in files]


def read_file(path: str, display: str, strings: list[str] | None = None, ids: dict[str, int] | None = None) -> ParquetPart:
    """Index one Parquet file of a Cloud Logs archive (its copy is written later: write_copy).

    Never raises for what the file holds: a file that is not Parquet, is damaged or lacks the
    columns comes back with `problem` said, and the events before it stay read.

    Args:
        strings, ids: a string table shared with other files' batches (see read_files).
    """
    batch = Batch(display)
    if strings is not None:
        batch.strings = strings
    part = ParquetPart(display, batch)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        part.problem, part.no_pyarrow = NEEDS_PYARROW, True
        return part
    import pyarrow as pa

    skipped: Counter[str] = Counter()
    try:
        part.identity = _identity(path)
        parquet = _open(pq, path)
    except (pa.ArrowException, OSError) as exc:
        part.problem = f"{display}: not a readable Parquet file ({_arrow_reason(exc)})"
        return part
    names = parquet.schema_arrow.names
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        part.problem = (f"{display}: not an IBM Cloud Logs archive file: it has no column {', '.join(missing)} "
                        f"(its columns: {', '.join(names[:8]) or 'none'})")
        return part
    add = column_writer(batch, {} if ids is None else ids)
    label_cache: dict[bytes, tuple[object, int]] = {}
    try:
        for group, first, record_batch in _record_batches(parquet):
            part.size = _index_rows(part, add, record_batch, group, first, part.size, skipped, label_cache)
            part.rows += record_batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        part.problem = f"{display}: Parquet data is damaged from row {part.rows + 1:,} on ({_arrow_reason(exc)}); its events up to there are read"
    finally:
        parquet.close()
        part.skipped = dict(skipped)
    return part


def _arrow_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _index_rows(part: ParquetPart, add, record_batch, group: int, first_in_group: int, offset: int,
                skipped: Counter[str], label_cache: dict[bytes, tuple[object, int]]) -> int:
    """Index one record batch's rows; returns the offset in the copy after them.

    The common row (an audit event, its labels seen before) costs what a JSON line costs, plus
    reading its metadata: the length of its line in the copy is told from the columns' lengths.
    """
    batch = part.batch
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    metadata_col, labels_col, user_col = (_Column(record_batch.column(i)) for i in range(3))
    metadata, user_data = metadata_col.values(), user_col.values()
    errors = batch.errors
    kinds = part.kinds
    mark = kinds.append
    display = part.source
    rows_before = part.rows
    audit = AUDIT_APPLICATIONS
    user_lines = user_col.newlines
    metadata_lines = metadata_col.newlines
    n = record_batch.num_rows
    batch.lines += n
    def label_hit(label: memoryview | None) -> tuple[object, int]:
        """(application, length in the copy) of a row's labels, read once per file."""
        hit = label_cache.get(label) if label is not None else None  # type: ignore[call-overload]
        if hit is None:
            label_value, label_raw = _embedded(label, labels_col, loads)
            hit = (label_value.get("applicationname") if type(label_value) is dict else None, len(label_raw))
            if label is not None and len(label_cache) < 4096:
                label_cache[label.tobytes()] = hit
        return hit

    # Labels repeat from row to row (one application, a few subsystems): each distinct one is
    # read once; a dictionary column gives them without looking at every row's text.
    if labels_col.indices is not None:
        entry_hits = [label_hit(entry) for entry in labels_col.entries]
        row_hits = [entry_hits[j] for j in labels_col.indices]
        for i in labels_col.nulls:
            row_hits[i] = label_hit(None)
    else:
        row_hits = [label_hit(label) for label in labels_col.values()]
    for i in range(n):
        hit = row_hits[i]
        application = hit[0]
        if application is not None and application not in audit:
            skipped[application if type(application) is str else orjson.dumps(application).decode()] += 1
            batch.blank += 1
            mark(0)
            offset += 1
            continue
        raw = user_data[i]
        found: list[dict] | str
        value: object = None
        if raw is None:
            found = "no user_data (the record is empty)"
        else:
            try:
                value = loads(raw)
            except decode_error as exc:
                found = f"user_data is not JSON ({_json_reason(exc)})"
            else:
                if type(value) is dict and ("action" in value or "eventTime" in value) and "_line" not in value and "_ts" not in value:
                    found = _ONE  # the common case: the event itself
                else:
                    try:
                        found = unwrap(value)
                    except PROGRAMMING_ERRORS:
                        raise
                    except Exception as exc:  # something decoding did not foresee: this row only
                        found = unreadable(exc)
                    if not found:
                        found = "user_data holds no event"
        if type(found) is not str:
            meta = metadata[i]
            if meta is None:
                meta_length = 4  # null
            elif metadata_lines:
                meta_length = len(_embedded(meta, metadata_col, loads)[1])
            else:
                try:
                    loads(meta)
                    meta_length = len(meta)
                except decode_error:
                    meta_length = len(_embedded(meta, metadata_col, loads)[1])
            user_length = len(raw) if not user_lines or user_col.one_line(raw) else len(orjson.dumps(value))  # type: ignore[arg-type]
            length = _FRAME + user_length + hit[1] + meta_length
            rows_before_add = len(batch.offsets)
            try:
                if found is _ONE:
                    add(value, offset, length - 1, 0)
                else:
                    for sub, event in enumerate(found[:65_536]):
                        add(event, offset, length - 1, sub)
            except PROGRAMMING_ERRORS:
                raise
            except Exception as exc:
                _truncate_rows(batch, rows_before_add)
                found = unreadable(exc)
            else:
                batch.event_values += 1
                mark(1)
                offset += length
                continue
        errors.append(ErrorRecord(display, rows_before + i + 1, offset, found, excerpt(raw.tobytes() if raw is not None else b""),
                                  place=f"row group {group}, row {first_in_group + i}"))
        mark(0)
        offset += 1
    return offset


#: found for a row that is one event, the common case
_ONE: list[dict] = []


def write_copy(path: str, spool_path: str, part: ParquetPart) -> str:
    """Write the copy of a file indexed by read_file into the (empty) spool at spool_path: the
    very bytes the index points into. Returns "" when written, else why it could not be."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return NEEDS_PYARROW
    try:
        if _identity(path) != part.identity:
            return f"{part.source} changed since it was read: its events cannot be shown again"
        parquet = _open(pq, path)
    except (ImportError, OSError) as exc:
        return f"{part.source} can no longer be read ({exc})"
    except pa.ArrowException as exc:
        return f"{part.source} can no longer be read ({_arrow_reason(exc)})"
    loads = orjson.loads
    kinds = part.kinds
    row = 0
    try:
        spool = Spool(spool_path, keep_open=True, created=True)
    except OSError as exc:
        return f"{part.source}: could not make a copy to read events back ({exc.strerror})"
    try:
        for _, _, record_batch in _record_batches(parquet):
            if row >= len(kinds):
                break
            metadata_col, labels_col, user_col = (_Column(record_batch.column(i)) for i in range(3))
            metadata, labels, user_data = metadata_col.values(), labels_col.values(), user_col.values()
            parts: list[bytes | memoryview] = []
            put = parts.extend
            for i in range(min(record_batch.num_rows, len(kinds) - row)):
                if not kinds[row + i]:
                    parts.append(b"\n")
                    continue
                raw = user_data[i]
                user_raw = raw if user_col.one_line(raw) else orjson.dumps(loads(raw))
                put((_OPEN, user_raw, _LABELS, _embedded(labels[i], labels_col, loads)[1],
                     _METADATA, _embedded(metadata[i], metadata_col, loads)[1], _CLOSE))
            row += record_batch.num_rows
            spool.write(b"".join(parts))
    except (pa.ArrowException, OSError) as exc:
        return f"{part.source} can no longer be read ({_arrow_reason(exc)})"
    except SpoolFull as exc:
        return f"{part.source}: could not keep a copy to read events back: {exc}"
    finally:
        spool.close()
        parquet.close()
    if spool.size != part.size:
        return f"{part.source} changed since it was read: its events cannot be shown again"
    return ""


class ParquetCopy(FileBytes):
    """The bytes of a Parquet file's copy, written when they are first asked for (an event shown,
    a text search, a field not indexed): by path (a worker process searching it), by offset (the
    store re-reading an event). The reader can let go of it before it is written (closing)."""

    def __init__(self, parquet_path: str, spool_path: str, part: ParquetPart) -> None:
        self._path = spool_path
        self._written = False
        self._writing = threading.Lock()
        self._parquet_path = parquet_path
        self._part: ParquetPart | None = part
        super().__init__(spool_path)

    @property
    def path(self) -> str:  # type: ignore[override]
        """The copy's path, the copy written first."""
        self.ensure_written()
        return self._path

    @path.setter
    def path(self, value: str) -> None:
        self._path = value

    @property
    def where(self) -> str:
        """The copy's path, written or not."""
        return self._path

    @property
    def written(self) -> bool:
        """Whether the copy has been written (or could not be, and gone says why)."""
        return self._written

    def ensure_written(self) -> None:
        """Write the copy unless it is there (once; other threads asking meanwhile wait for it)."""
        if self._written:
            return
        with self._writing:
            if self._written:
                return
            job = self._job()
            if job is not None:
                self._done(write_copy(*job))
            self._written = True

    def _job(self) -> tuple[str, str, ParquetPart] | None:
        """What writing the copy takes (the caller holds the lock); None when there is nothing to write."""
        part, self._part = self._part, None
        if part is None:
            return None
        if not os.path.exists(self._path):
            # The reader has closed and removed its folder (a test, or a caller that reads
            # events after closing the inputs): written in a folder of its own.
            self._path = os.path.join(new_folder(), os.path.basename(self._path))
            try:
                Spool(self._path)
            except OSError as exc:
                self.gone = f"{self._parquet_path}: could not make a copy to read events back ({exc.strerror})"
                return None
        return self._parquet_path, self._path, part

    def _done(self, problem: str) -> None:
        if problem:
            self.gone = problem

    def read(self, offset: int, length: int) -> bytes | None:
        self.ensure_written()
        return super().read(offset, length)

    def pread(self, length: int, offset: int) -> bytes | None:
        self.ensure_written()
        return super().pread(length, offset)

    def stat(self) -> os.stat_result | None:
        self.ensure_written()
        return super().stat()

    def hold(self) -> None:
        """The reader closes: a copy written is kept readable; one not written yet is written in a
        folder of its own if it is ever asked for."""
        if self._written:
            super().hold()


def write_copies(copies: list[ParquetCopy], *, parallel: bool = True) -> None:
    """Write the copies of several Parquet files at once, in worker processes: a text search or a
    field not indexed needs them all (one after the other, an archive of 1M events took a minute)."""
    taken: list[ParquetCopy] = []
    jobs: list[tuple[str, str, ParquetPart]] = []
    try:
        for copy in copies:
            if copy.written or not copy._writing.acquire(blocking=False):
                continue  # written, or being written by another thread
            if copy.written:
                copy._writing.release()
                continue
            taken.append(copy)
            job = copy._job()
            jobs.append(job)  # type: ignore[arg-type]
        runnable = [(copy, job) for copy, job in zip(taken, jobs) if job is not None]
        if parallel and len(runnable) > 1:
            from ..workers import WorkerFailed, WorkerPool

            with WorkerPool() as pool:
                try:
                    for (copy, _), problem in zip(runnable, pool.run(("parquet-copy", job) for _, job in runnable)):
                        copy._done(problem)  # type: ignore[arg-type]
                        copy._written = True
                except WorkerFailed:
                    pass  # the copies not written are written here, below
        for copy, job in runnable:
            if not copy._written:
                copy._done(write_copy(*job))
    finally:
        for copy in taken:
            copy._written = True
            copy._writing.release()

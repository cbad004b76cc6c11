"""IBM Cloud Logs archives: Parquet files, each read into a private copy of JSON lines.

An archive bucket holds `cx/parquet/v1/team_id=<TEAM>/dt=YYYY-MM-DD/hr=HH/<uuid>.parquet`,
each file with three columns of JSON text: `src_obj__event_metadata`, `src_obj__event_labels`
and `src_obj__user_data` (the record itself). Audit events are the rows whose label
`applicationname` is `ibm-audit-event`; the rows of other applications are counted by
application and skipped.

Events are re-read by offset, as everywhere in atlens, so each file is copied once into a spool
(as a gzip file is): one line per row, in the shape of a Cloud Logs query result,
`{"user_data": {event}, "labels": {...}, "metadata": {...}}`, which decode reads back with
the labels and metadata attached to the event. A row that is not an audit event leaves an
empty line, so that line N of the copy is row N of the file (`atlens explain --line N`).

pyarrow is optional (`pip install 'atlens[archives]'`): it is imported here, when a Parquet
file is read, and only then.
"""

from __future__ import annotations

import os
from array import array
from collections import Counter
from dataclasses import dataclass, field

import orjson

from ..decode import PROGRAMMING_ERRORS, Batch, ErrorRecord, column_writer, excerpt, unreadable, unwrap, _json_reason
from .spool import Spool, SpoolFull

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
BATCH_ROWS = 8192


class NoPyarrow(Exception):
    """pyarrow cannot be imported."""


@dataclass(slots=True)
class ParquetPart:
    """What one Parquet file gave: its events (offsets into its spool), its error records, and
    the rows of other applications counted by application."""

    source: str
    batch: Batch
    rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    #: why the file could not be read (whole or from some row on); "" when it was
    problem: str = ""
    #: pyarrow is missing (the problem is then NEEDS_PYARROW)
    no_pyarrow: bool = False


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


def _texts(column) -> list[bytes | None]:  # column: a pyarrow Array of strings
    """Each value of a string column as bytes (None for a null), without a Python str per value."""
    import pyarrow as pa

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
    offsets = array(code)
    offsets.frombytes(memoryview(buffers[1])[column.offset * width:(column.offset + n + 1) * width])
    data = buffers[2].to_pybytes() if buffers[2] is not None else b""
    values: list[bytes | None] = [data[a:b] for a, b in zip(offsets, offsets[1:])]
    if column.null_count:
        for i, null in enumerate(column.is_null().to_pylist()):
            if null:
                values[i] = None
    return values


def _embedded(raw: bytes | None, loads) -> tuple[object, bytes]:
    """A JSON column's value read, and the bytes to write it with on one line."""
    if raw is None:
        return None, b"null"
    try:
        value = loads(raw)
    except orjson.JSONDecodeError:
        text = raw.decode("utf-8", "replace")
        return text, orjson.dumps(text)  # kept as the text it is
    if b"\n" in raw or b"\r" in raw:
        return value, orjson.dumps(value)
    return value, raw


def read_file(path: str, display: str, spool_path: str) -> ParquetPart:
    """Read one Parquet file of a Cloud Logs archive into the spool at spool_path (made empty,
    private, by the reader: two files of one name in two folders must not share one).

    Never raises for what the file holds: a file that is not Parquet, is damaged or lacks the
    columns comes back with `problem` said, and the events before it stay read.
    """
    batch = Batch(display)
    part = ParquetPart(display, batch)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        part.problem, part.no_pyarrow = NEEDS_PYARROW, True
        return part
    import pyarrow as pa

    try:
        spool = Spool(spool_path, keep_open=True, created=True)
    except OSError as exc:
        part.problem = f"{display}: could not make a copy to read events back ({exc.strerror})"
        return part
    skipped: Counter[str] = Counter()
    try:
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            part.problem = f"{display}: not a readable Parquet file ({_arrow_reason(exc)})"
            return part
        names = parquet.schema_arrow.names
        missing = [c for c in COLUMNS if c not in names]
        if missing:
            part.problem = (f"{display}: not an IBM Cloud Logs archive file: it has no column {', '.join(missing)} "
                            f"(its columns: {', '.join(names[:8]) or 'none'})")
            return part
        ids: dict[str, int] = {}
        add = column_writer(batch, ids)
        offset = 0
        try:
            for group in range(parquet.num_row_groups):
                row_in_group = 0
                for record_batch in parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=[group], columns=list(COLUMNS), use_threads=False):
                    out = _rows(batch, add, record_batch, display, group, row_in_group, part.rows, offset, skipped)
                    spool.write(out)
                    offset += len(out)
                    row_in_group += record_batch.num_rows
                    part.rows += record_batch.num_rows
        except (pa.ArrowException, OSError) as exc:
            part.problem = f"{display}: Parquet data is damaged from row {part.rows + 1:,} on ({_arrow_reason(exc)}); its events up to there are read"
        except SpoolFull as exc:
            part.problem = f"{display}: could not keep a copy to read events back: {exc}; rows after the first {part.rows:,} were not read"
    finally:
        spool.close()
        part.skipped = dict(skipped)
    return part


def _arrow_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _rows(batch: Batch, add, record_batch, display: str, group: int, first_in_group: int, rows_before: int,
          offset: int, skipped: Counter[str]) -> bytes:
    """Index one record batch's rows and give the lines of its spool (one per row)."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    metadata = _texts(record_batch.column(0))
    labels = _texts(record_batch.column(1))
    user_data = _texts(record_batch.column(2))
    errors = batch.errors
    lines: list[bytes] = []
    put = lines.append
    n = record_batch.num_rows
    batch.lines += n
    for i in range(n):
        label_value, label_raw = _embedded(labels[i], loads)
        application = label_value.get("applicationname") if type(label_value) is dict else None
        if application is not None and application not in AUDIT_APPLICATIONS:
            skipped[application if type(application) is str else orjson.dumps(application).decode()] += 1
            batch.blank += 1
            put(b"\n")
            offset += 1
            continue
        raw = user_data[i]
        problem = ""
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
                    found = [value]  # the common case: the event itself
                else:
                    try:
                        found = unwrap(value)
                    except PROGRAMMING_ERRORS:
                        raise
                    except Exception as exc:  # something decoding did not foresee: this row only
                        found = unreadable(exc)
                    if not found:
                        found = "user_data holds no event"
        if type(found) is str:
            problem = found
        else:
            _, metadata_raw = _embedded(metadata[i], loads)
            user_raw = raw if raw is not None and b"\n" not in raw and b"\r" not in raw else orjson.dumps(value)
            line = b'{"user_data":' + user_raw + b',"labels":' + label_raw + b',"metadata":' + metadata_raw + b"}"
            rows_before_add = len(batch.offsets)
            try:
                for sub, event in enumerate(found[:65_536]):
                    add(event, offset, len(line), sub)
            except PROGRAMMING_ERRORS:
                raise
            except Exception as exc:
                _truncate(batch, rows_before_add)
                problem = unreadable(exc)
            else:
                batch.event_values += 1
                put(line + b"\n")
                offset += len(line) + 1
                continue
        row = first_in_group + i
        errors.append(ErrorRecord(display, rows_before + i + 1, offset, problem, excerpt(raw or b""),
                                  place=f"row group {group}, row {row}"))
        put(b"\n")
        offset += 1
    return b"".join(lines)


def _truncate(batch: Batch, rows: int) -> None:
    from ..decode import _truncate_rows

    _truncate_rows(batch, rows)

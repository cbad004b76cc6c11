"""The `atlens` command: the TUI by default, and the headless sub-commands."""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import signal
import sys
import textwrap
import threading
from contextlib import closing
from itertools import chain
from typing import Callable, Iterable, Iterator, Sequence, TextIO

from .core import catalog_fields, jsontext
from .core.catalog_fields import CatalogUnavailable
from .core.decode import ErrorRecord, format_time_us
from .core.fields import documented_paths, missing_fields, query_fields
from .core.filtering import Filter, field_texts, json_value
from .core.present import COLUMNS, Column, fit, fit_cell, layout, no_room, printable, row_values, time_text
from .core.query import FieldRef, Node, Path, QuerySyntaxError, field_ref, parse
from .core.regex import RegexTooComplex
from .core.sources import InputError, InputSpec, Reader, remove_spools, resolve_inputs
from .core.sources.inputs import why
from .core.sources.s3 import DEFAULT_CACHE_LIMIT, DEFAULT_POLL_SECONDS, S3Input, S3Settings, parse_size
from .core.store import Notice, Store
from .core.timeline import MAX_BUCKETS, Bucket, TooManyBuckets, frequencies, histogram, interval_text, parse_interval
from .core.timespec import TimeSpecError, parse_bound

EXIT_OK, EXIT_NO_MATCH, EXIT_USAGE = 0, 1, 2
#: Seconds the TUI waits for a bucket's newest object to draw it before Textual is loaded.
S3_PREVIEW_WAIT = 1.5
SUBCOMMANDS = ("query", "explain", "catalog", "demo", "detect", "rules")


class UsageError(Exception):
    """Wrong arguments or inputs: a one-line message and exit status 2."""


def _fail(message: str) -> int:
    text = "\n".join(printable(line) for line in message.split("\n"))
    print(f"atlens: {text}", file=sys.stderr)
    return EXIT_USAGE


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every usage error ends the same way."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _time_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="WHEN", help="only events at or after WHEN: 15m, 2h, 7d, or 2026-11-20[T10:00:00Z]")
    parser.add_argument("--until", metavar="WHEN", help="only events before WHEN (same forms as --since)")


def _s3_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "object storage (s3://BUCKET/PREFIX: IBM Cloud Object Storage or any S3-compatible store)",
        "HMAC keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or from a profile; objects are "
        "fetched newest first into a local cache and only the hours that --since/--until can match are listed")
    group.add_argument("--endpoint", metavar="URL",
                       help="the store's endpoint, as https://s3.us-south.cloud-object-storage.appdomain.cloud "
                            "(default: $AWS_ENDPOINT_URL, else AWS)")
    group.add_argument("--profile", metavar="NAME", help="a profile of ~/.aws/credentials to take the keys from (default: $AWS_PROFILE)")
    group.add_argument("--cache", metavar="DIR",
                       help="keep fetched objects in DIR after atlens ends, and reuse them next time "
                            "(default: a private temporary folder, removed on exit)")
    group.add_argument("--cache-size", metavar="SIZE", default=None,
                       help=f"the most the cache may hold, as 500M or 10G (default {DEFAULT_CACHE_LIMIT // 1024**3}G); "
                            "older objects beyond it are not read, and that is said")
    group.add_argument("--poll", metavar="SECONDS", type=float, default=None,
                       help=f"while following, list a bucket for new objects this often (default {DEFAULT_POLL_SECONDS:g})")


def _s3_settings(args: argparse.Namespace) -> S3Settings:
    """How s3:// inputs are reached, from the options (checked before anything is read)."""
    limit = DEFAULT_CACHE_LIMIT
    if args.cache_size is not None:
        try:
            limit = parse_size(args.cache_size)
        except ValueError:
            raise UsageError(f"--cache-size {args.cache_size!r} is not a size: give one as 500M, 10G or 1T") from None
        if limit <= 0:
            raise UsageError("--cache-size must be more than 0")
    poll = DEFAULT_POLL_SECONDS if args.poll is None else args.poll
    if not poll > 0:
        raise UsageError("--poll must be a number of seconds above 0, as 30 or 0.5")
    if args.cache is not None and os.path.exists(args.cache) and not os.path.isdir(args.cache):
        raise UsageError(f"--cache {args.cache}: not a directory")
    return S3Settings(endpoint=args.endpoint or None, profile=args.profile or None, cache_dir=args.cache,
                      cache_limit=limit, poll_seconds=poll)


def _bounds(args: argparse.Namespace) -> tuple[int | None, int | None]:
    try:
        since = parse_bound(args.since) if args.since else None
        until = parse_bound(args.until) if args.until else None
    except TimeSpecError as exc:
        raise UsageError(str(exc)) from None
    if since is not None and until is not None and since >= until:
        # The window [since, until) holds nothing: an empty answer would look like "no events".
        raise UsageError(f"--since {args.since} ({format_time_us(since, millis=False)} UTC) is not before "
                         f"--until {args.until} ({format_time_us(until, millis=False)} UTC): no event can fall between them")
    return since, until


def build_tui_parser() -> argparse.ArgumentParser:
    """`atlens [PATH ...]`."""
    parser = _Parser(
        prog="atlens",
        description="Follow, read and explain IBM Cloud Activity Tracker events in a terminal.",
        epilog="Sub-commands: 'atlens query PATH ...' prints events headless; 'atlens explain PATH' explains events "
               "in plain words; 'atlens catalog [TEXT]' searches the documented actions; 'atlens demo' opens a live "
               "generated stream. Inputs: files, globs, directories (recursive), gzip, '-' for standard input, "
               "s3://BUCKET/PREFIX.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="log files, globs or directories; '-' reads standard input; s3://BUCKET/PREFIX a bucket")
    parser.add_argument("-q", "--query", metavar="QUERY", default="",
                        help="start with the table filtered (the query language of 'atlens query --help'; / edits it)")
    _time_args(parser)
    _catalog_arg(parser)
    _s3_args(parser)
    return parser


_QUERY_EPILOG = """\
query syntax (as in IBM Cloud Logs, Kibana, LogDNA):
  action:iam-identity.*               field:value; * and ? are wildcards; values match whole
  outcome:failure severity:critical   clauses side by side must all hold (AND)
  -outcome:success  NOT x  a OR b     negation, alternatives, (parentheses)
  initiator.host.agent:"IBM Cloud CLI"  quoted values; any field path, nested ones included
  requestData["token.account.bss"]:x  keys that hold dots or spaces
  code:[400 TO 499]  code:>=400       ranges: [] inclusive, {} exclusive, > >= < <=
  _exists_:requestData.prev_instance_name   the field is present
  action.keyword:iam-*  code.numeric:>=400   Cloud Logs' suffixes: the field itself
  user:/.*@example\\.org/              a Lucene regular expression over the whole value (any case)
  time:[2026-11-20 TO 2026-11-20T12:00]  times compared as times;  *:*  every event
  time:>now-7d  time:[now-1d/d TO now]  date math from the clock: steps (-7d, +1h), rounding (/d)
  apikey  "service id"                words and phrases anywhere in the event (any case)
  strings compare case-insensitively; 404 matches 404 and "404"; true matches true and "true"

short field names:
  initiator  initiator.name or initiator.id     target  target.name or target.id
  agent      initiator.host.agent               ip      initiator.host.address
  code       reason.reasonCode                  user    initiator.name
  time       eventTime                          action, outcome, severity: as they are

identity   the person, service ID or trusted profile behind the initiator, under any of its
           names and ids (learnt from events that carry both): identity:alice@example.com also
           finds her events that carry only her IAM ID; --stats identity counts per person

what the catalog knows about the event's action (catalog.NAME, or NAME alone):
  section     the section of the IBM page that documents it   service     the service's name or title
  documented  true or false                                   deprecated  true or false
  kind        data or management (empty when not documented)
  as in:  section:*account\\ settings* -action:*.read   documented:false   kind:data

a field of -q, --fields or --stats that no event has (and the catalog does not document)
is said on stderr, with the nearest known field; the exit status is as for any answer

exit status: 0 events matched, 1 nothing matched, 2 bad query, option or input
"""


def build_query_parser() -> argparse.ArgumentParser:
    """`atlens query PATH ...`."""
    parser = _Parser(prog="atlens query", description="Print events headless, in time order.",
                     epilog=_QUERY_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="log files, globs or directories; '-' reads standard input; s3://BUCKET/PREFIX a bucket")
    parser.add_argument("-q", "--query", metavar="QUERY", default="",
                        help="only the events that match QUERY (syntax below)")
    parser.add_argument("--format", choices=("table", "jsonl", "csv"), default="table",
                        help="table (aligned text), jsonl (the unwrapped, normalised events), csv")
    parser.add_argument("--fields", metavar="A,B,C",
                        help="print these fields (paths or short names) instead of the usual columns")
    parser.add_argument("--stats", action="append", default=[], metavar="FIELD",
                        help="count the matching events per value of FIELD, most frequent first; "
                             "given twice, per pair of values")
    parser.add_argument("--histogram", metavar="INTERVAL",
                        help="count the matching events per INTERVAL of time (30s, 5m, 1h, 1d, 1w): a line per "
                             "interval, empty ones included, with the failures and critical events among them")
    parser.add_argument("--count", action="store_true", help="print only the number of events")
    parser.add_argument("--follow", "-f", action="store_true", help="keep printing events as they arrive")
    parser.add_argument("--errors", action="store_true", help="print the lines that are not events (file, line, byte, reason) instead of events")
    _time_args(parser)
    _s3_args(parser)
    return parser


def build_demo_parser() -> argparse.ArgumentParser:
    """`atlens demo`."""
    parser = _Parser(prog="atlens demo", description="Open atlens on a live stream of generated events.")
    parser.add_argument("--rate", type=float, default=20.0, help="events per second (default 20)")
    parser.add_argument("--burst", type=int, default=200, help="events written at once every few seconds (default 200, 0 for none)")
    parser.add_argument("--prefill", type=int, default=5000, help="events already in the log when it opens (default 5000)")
    return parser


# ----------------------------------------------------------------------------- query

#: A cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A plain decimal number, as JSON writes one: a spreadsheet reads it as a number, never a formula.
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
#: A ";" before such a character (spaces or quotes between): spreadsheets that split CSV files on
#: ";" (where the decimal mark is a comma) would start a cell there.
_FORMULA_AFTER_SEMICOLON = re.compile(r';(?=[ "]*[=+\-@])')


def _csv_cell(value: object) -> str:
    """A value as a CSV cell that a spreadsheet shows as text, never runs: control characters
    escaped, and a single quote before a leading =, +, -, @ (spaces before it too; plain numbers such
    as -5 kept) and after a ";" that comes before one."""
    text = printable(str(value))
    if ";" in text:
        text = _FORMULA_AFTER_SEMICOLON.sub(";'", text)
    head = text.lstrip(" ")  # a spreadsheet may trim leading spaces before it reads the cell
    if head.startswith(_FORMULA_START) and not _NUMBER.fullmatch(head):
        return "'" + text
    return text


def _csv_writer(out: TextIO) -> Callable[[Sequence[object]], None]:
    """Writes one CSV row of cells made safe by _csv_cell (the csv module quotes separators and quotes)."""
    writer = csv.writer(out)
    return lambda values: writer.writerow([_csv_cell(v) for v in values])


#: Beside the name of a time that atlens writes in table and CSV: it is always UTC.
_UTC = " (UTC)"
#: The header of the usual columns, by key; the time's says its zone.
_TITLES = {c.key: c.key + _UTC if c.key == "time" else c.key for c in COLUMNS}
#: The header of error records in CSV.
_ERROR_TITLES = ["source", "line", "byte offset", "reason", "text"]


def _is_time(ref: FieldRef) -> bool:
    """Whether a field is the event time, which table and CSV write as atlens reads it: in UTC."""
    return ref.paths == (("eventTime",),)


def _title(ref: FieldRef) -> str:
    """A chosen field's header: its name as typed, the zone after the time's."""
    return ref.text + _UTC if _is_time(ref) else ref.text


def _field_columns(store: Store, refs: Sequence[FieldRef], rows: Sequence[int]) -> list[list[str]]:
    """The text of each field for each row; the event time as the usual time column shows it (UTC)."""
    return [[time_text(store, row) for row in rows] if _is_time(ref) else field_texts(store, ref, rows) for ref in refs]


def _write_rows(store: Store, rows: Sequence[int], fmt: str, out: TextIO, widths: list[tuple[Column, int]] | None,
                fields: list[FieldRef] | None = None, *, header: bool = False) -> None:
    """Rows in the chosen format; header: begin with the header line (in CSV always, in a table above rows only)."""
    if header and fmt == "csv":
        _csv_writer(out)([_title(f) for f in fields] if fields else list(_TITLES.values()))
    if fields:
        _write_fields(store, rows, fmt, out, fields, terminal=widths is not None, header=header)
        return
    if fmt == "jsonl":
        for row in rows:
            record = store.event(row, keep=False)
            if record.event is not None:
                out.write(_json_line(record.event))
                out.write("\n")
        return
    if fmt == "csv":
        write = _csv_writer(out)
        for row in rows:
            values = row_values(store, row)
            write([values[c.key] for c in COLUMNS])
        return
    # On a terminal the time is shortened to its column (the milliseconds, then the year go first), not cut off.
    time_width = next((w for column, w in widths if column.key == "time"), 23) if widths is not None else 23
    lines: Iterable[dict[str, str]] = (row_values(store, row, time_width=time_width) for row in rows)
    if header and rows:
        lines = chain([_TITLES], lines)
    for values in lines:
        if widths is None:
            # Not a terminal: aligned, but nothing cut off.
            out.write(" ".join(printable(values[c.key]).ljust(c.width) for c in COLUMNS).rstrip() + "\n")
        else:
            # Cut as the table on screen cuts (an action in its middle, keeping its service and verb).
            out.write(" ".join(fit_cell(column.key, values[column.key], w) for column, w in widths).rstrip() + "\n")


def _write_fields(store: Store, rows: Sequence[int], fmt: str, out: TextIO, fields: list[FieldRef], *, terminal: bool,
                  header: bool) -> None:
    """The chosen fields of each row: JSON values in jsonl, their text in csv and table."""
    if fmt == "jsonl":
        for row in rows:
            record = store.event(row, keep=False)
            if record.event is None:
                continue
            found = {ref.text: json_value(record.event, ref) for ref in fields}
            out.write(_json_line(found) + "\n")
        return
    columns = _field_columns(store, fields, rows)
    if fmt == "csv":
        write = _csv_writer(out)
        for values in zip(*columns):
            write(values)
        return
    for line in _aligned([_title(ref) for ref in fields], list(zip(*columns)), terminal=terminal, with_header=header):
        out.write(line + "\n")


def _aligned(header: list[str], lines: Sequence[Sequence[str]], *, terminal: bool, with_header: bool = True) -> Iterator[str]:
    """A table as text lines: each column as wide as its widest value, cut at 60 cells on a
    terminal; log text escaped. The header line comes first when there are lines under it."""
    widths = [max([len(title), *(len(printable(line[i])) for line in lines)]) for i, title in enumerate(header)]
    if terminal:
        widths = [min(w, 60) for w in widths]
    if with_header and lines:
        yield "  ".join(title.ljust(w) for title, w in zip(header, widths)).rstrip()
    for line in lines:
        yield "  ".join(fit(v, w) if terminal else printable(v).ljust(w) for v, w in zip(line, widths)).rstrip()


def _write_errors(errors: Sequence[ErrorRecord], unreadable: dict[str, str], fmt: str, out: TextIO, *, header: bool) -> None:
    """Lines that are not events, and inputs that cannot be read: a line each in a table, a record
    each in jsonl and CSV (header: begin with the header line)."""
    records = [(e.source, e.line, e.offset, e.reason, e.excerpt) for e in errors]
    records += [(name, None, None, f"cannot be read: {reason}", "") for name, reason in unreadable.items()]
    if fmt == "jsonl":
        for record, error in zip(records, [*errors, *[None] * len(unreadable)]):
            fields = dict(zip(("source", "line", "offset", "reason", "text"), record))
            if error is not None and error.place:
                fields["place"] = error.place  # a Parquet file's row group and row
            out.write(_json_line(fields) + "\n")
    elif fmt == "csv":
        write = _csv_writer(out)
        if header:
            write(_ERROR_TITLES)
        for record in records:
            write(["" if value is None else value for value in record])
    else:
        for error in errors:
            out.write(printable(error.describe()) + "\n")
        for name, reason in unreadable.items():
            out.write(printable(f"{name}: cannot be read: {reason}") + "\n")


def _table_widths(out: TextIO) -> list[tuple[Column, int]] | None:
    """The columns that fit a terminal, with their widths; None (no truncation) when writing to a pipe or file."""
    if not out.isatty():
        return None
    return layout(shutil.get_terminal_size((160, 24)).columns)


def _say_left_out(widths: list[tuple[Column, int]], err: TextIO) -> None:
    """The columns a terminal had no room for, on stderr, with how to get them: a table would
    otherwise end at its last column and say nothing of the others."""
    missing = no_room(widths)
    if not missing:
        return
    names = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    err.write(f"atlens: no room on this terminal for the {names} column{'s' if len(missing) > 1 else ''}; "
              f"a wider terminal shows {'them' if len(missing) > 1 else 'it'}, as do --format csv (every column) "
              f"and --fields {','.join(missing)}\n")


def _glue_query(argv: list[str]) -> list[str]:
    """`-q -severity:normal` is a query that starts with a minus, not an option: keep it the value."""
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in ("-q", "--query"):
            value = next(args, None)
            out.append(arg if value is None else f"--query={value}")
        else:
            out.append(arg)
        if arg == "--":
            out.extend(args)
    return out


def _parse_query(text: str) -> Node:
    """The parsed query, or a usage error that shows where it went wrong."""
    try:
        return parse(text)
    except QuerySyntaxError as exc:
        lines = [printable(line) for line in exc.caret().split("\n")]
        raise UsageError("bad query:\n  " + "\n  ".join(lines)) from None


def _field_refs(texts: list[str], option: str) -> list[FieldRef]:
    refs = []
    for text in texts:
        try:
            refs.append(field_ref(text.strip()))
        except QuerySyntaxError as exc:
            raise UsageError(f"{option} {text!r}: {exc.message}") from None
    return refs


def run_query(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`atlens query`: matching events in time order, or their count, or counts per value, or the error records."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_query_parser().parse_args(_glue_query(argv))
    since, until = _bounds(args)
    node = _parse_query(args.query)
    fields = _field_refs([f for f in args.fields.split(",") if f.strip()], "--fields") if args.fields is not None else None
    if fields == []:
        raise UsageError("--fields needs at least one field name, as in --fields action,initiator,code")
    stats = _field_refs(args.stats, "--stats")
    if stats and (args.follow or args.count or fields or args.errors):
        raise UsageError("--stats counts what has been read: it cannot be combined with --follow, --count, --fields or --errors")
    interval = None
    if args.histogram is not None:
        try:
            interval = parse_interval(args.histogram)
        except TimeSpecError as exc:
            raise UsageError(f"--histogram: {exc}") from None
        if args.follow or args.count or fields or args.errors or stats:
            raise UsageError("--histogram counts what has been read: it cannot be combined with --follow, --count, --fields, --stats or --errors")
    s3 = _s3_settings(args)
    specs = resolve_inputs(args.paths, follow=args.follow)
    store = Store()
    reader = Reader(store, specs, on_status=_teller(err), s3=s3, since_us=since, until_us=until)
    try:
        reader.load(follow=args.follow)
        query = Filter(store, node, since_us=since, until_us=until)
        rows = query.rows()
        widths = _table_widths(out) if args.format == "table" else None
        if args.errors:
            _write_errors(store.errors, store.unreadable, args.format, out, header=True)
        elif stats:
            _write_stats(store, rows, stats, args.format, out, terminal=out.isatty())
        elif interval is not None:
            _write_histogram(store, rows, interval, since, until, args.format, out, err,
                             width=shutil.get_terminal_size((100, 24)).columns if out.isatty() else None)
        elif args.count:
            out.write(f"{len(rows)}\n")
        else:
            _write_rows(store, rows, args.format, out, widths, fields, header=True)
        out.flush()
        if widths is not None and not (args.errors or stats or args.count or fields or interval) and (rows or args.follow):
            _say_left_out(widths, err)
        matched = len(rows)
        _say_missing_fields(store, [*query_fields(node), *(fields or []), *stats], err)
        _summarise_errors(store, err, listed=args.errors)
        if args.follow:
            matched += _follow_query(store, reader, args, query, out, widths, fields, matched)
    finally:
        reader.close()
    if _could_not_read(store):
        return EXIT_USAGE  # as grep: an input (or part of one) could not be read, whatever matched
    if args.errors:
        return EXIT_OK if store.errors else EXIT_NO_MATCH
    return EXIT_OK if matched else EXIT_NO_MATCH


def _teller(err: TextIO) -> Callable[[Notice], None]:
    """What the reader says about the inputs, on stderr as it happens (each once: the reader says nothing twice)."""

    def tell(notice: Notice) -> None:
        try:
            err.write(f"atlens: {printable(notice.text)}\n")
            err.flush()
        except (OSError, ValueError):
            pass  # stderr gone: the exit status still says it

    return tell


def _could_not_read(store: Store) -> bool:
    """Whether an input, or part of one, could not be read (exit status 2, as grep's)."""
    return bool(store.unreadable) or any(notice.problem for notice in store.notices)


def _write_stats(store: Store, rows: Sequence[int], refs: list[FieldRef], fmt: str, out: TextIO, *, terminal: bool) -> None:
    """Counts per value (or per combination of values), most frequent first, with the failures
    among them and when the first and the last of them happened."""
    texts = _field_columns(store, refs, rows) if any(map(_is_time, refs)) else None
    ranked = frequencies(store, refs, rows, texts=texts)
    names = [_title(ref) for ref in refs]
    if fmt == "jsonl":
        for f in ranked:
            out.write(_json_line({"count": f.count, "failures": f.failures, "first_seen": _iso(f.first_us),
                                  "last_seen": _iso(f.last_us), **dict(zip(names, f.values))}) + "\n")
        return
    if fmt == "csv":
        write = _csv_writer(out)
        write(["count", "failures", "first seen" + _UTC, "last seen" + _UTC, *names])
        for f in ranked:
            write([f.count, f.failures, _seen(f.first_us), _seen(f.last_us), *f.values])
        return
    if not ranked:
        return  # nothing matched: no table, not even its header (as for events)
    total = len(rows)
    count_width = max(len("count"), len(str(ranked[0].count)))
    fail_width = max(len("failures"), len(str(max(f.failures for f in ranked))))
    lines = [[str(f.count).rjust(count_width), f"{100 * f.count / total:5.1f}%", str(f.failures).rjust(fail_width),
              _seen(f.first_us, millis=False), _seen(f.last_us, millis=False), *(v or "(none)" for v in f.values)]
             for f in ranked]
    seen_width = max(len(line[3]) for line in lines)
    header = ["count".rjust(count_width), " share", "failures".rjust(fail_width),
              "first seen".ljust(seen_width), "last seen".ljust(seen_width), *names]
    for line in _aligned(header, lines, terminal=terminal):
        out.write(line + "\n")


def _seen(us: int | None, *, millis: bool = True) -> str:
    """A first or last seen time in UTC, as the time column writes one; "(no time)" when none had one."""
    return format_time_us(us, millis=millis) if us is not None else "(no time)"


def _iso(us: int | None) -> str | None:
    """A time for JSON: ISO 8601 in UTC with milliseconds, or null."""
    return format_time_us(us).replace(" ", "T") + "Z" if us is not None else None


def _write_histogram(store: Store, rows: Sequence[int], interval: int, since: int | None, until: int | None,
                     fmt: str, out: TextIO, err: TextIO, *, width: int | None) -> None:
    """Events per bucket of the interval, empty buckets included (width: the terminal's, None for a pipe)."""
    try:
        found = histogram(store, rows, interval, since_us=since, until_us=until)
    except TooManyBuckets as exc:
        raise UsageError(f"--histogram {interval_text(interval)} cuts the time range into {exc.count:,} buckets "
                         f"(at most {MAX_BUCKETS:,}): choose {interval_text(exc.suggestion)} or longer, or narrow --since/--until") from None
    counted = sum(b.events for b in found.buckets)
    if found.untimed:
        some = "1 event has" if found.untimed == 1 else f"{found.untimed:,} events have"
        err.write(f"atlens: {some} no readable eventTime: in no bucket of the histogram\n")
    if fmt == "jsonl":
        for b in found.buckets:
            out.write(_json_line({"start": _iso(b.start_us), "events": b.events, "failures": b.failures, "critical": b.critical}) + "\n")
        return
    if fmt == "csv":
        write = _csv_writer(out)
        write(["start" + _UTC, "events", "failures", "critical"])
        for b in found.buckets:
            write([format_time_us(b.start_us, millis=False), b.events, b.failures, b.critical])
        return
    if not counted:
        return  # nothing matched: no table, as for events
    most = max(b.events for b in found.buckets)
    cells = [[format_time_us(b.start_us, millis=False), str(b.events), str(b.failures), str(b.critical)] for b in found.buckets]
    sizes = [max(len(c[i]) for c in cells) for i in range(4)]
    sizes = [max(size, len(name)) for size, name in zip(sizes, ("start (UTC)", "events", "failures", "critical"))]
    room = max(10, (width or 100) - sum(sizes) - 2 * 4)
    out.write("  ".join([("start" + _UTC).ljust(sizes[0]), *(n.rjust(s) for n, s in zip(("events", "failures", "critical"), sizes[1:]))]).rstrip() + "\n")
    for b, c in zip(found.buckets, cells):
        out.write("  ".join([c[0].ljust(sizes[0]), *(v.rjust(s) for v, s in zip(c[1:], sizes[1:])), _bar(b, most, room)]).rstrip() + "\n")
    out.write(f"each {_BAR_FULL} is up to {most / room:,.4g} events; {_BAR_FAILED} are failures\n" if most > room
              else f"each {_BAR_FULL} is an event; {_BAR_FAILED} are failures\n")


_BAR_FULL, _BAR_FAILED = "█", "▒"


def _bar(bucket: Bucket, most: int, room: int) -> str:
    """A bucket's events as a bar as long as room for the fullest bucket: failures drawn apart
    (at least one cell for any), so a burst of failures stands out."""
    if not bucket.events:
        return ""
    scale = room / max(most, room)
    cells = max(1, round(bucket.events * scale))
    failed = min(cells, max(1, round(bucket.failures * scale))) if bucket.failures else 0
    return _BAR_FAILED * failed + _BAR_FULL * (cells - failed)


def _say_missing_fields(store: Store, refs: list[FieldRef], err: TextIO) -> None:
    """The fields given that no event has, on stderr: an empty answer or column may be a typo."""

    def documented() -> frozenset[Path]:
        from catalog import CatalogError, default  # only when a field is missing: loading it takes a moment

        try:
            return documented_paths(default())
        except CatalogError:  # a broken user catalog: every field no event has is said
            return frozenset()

    for missing in missing_fields(store, refs, documented):
        err.write(f"atlens: {printable(missing.message())}\n")


def _summarise_errors(store: Store, err: TextIO, *, listed: bool) -> None:
    if store.errors and not listed:
        err.write(_not_events(store, "'--errors'"))


def _not_events(store: Store, lister: str) -> str:
    """The line on stderr that counts the lines read that were not events, and names the first."""
    count = len(store.errors)
    first = store.errors[0]
    said = "1 line read was not an event" if count == 1 else f"{count} lines read were not events"
    return (f"atlens: {said} (first: {printable(first.where())}: {printable(first.reason)}); "
            f"{lister} lists {'it' if count == 1 else 'them'}\n")


def _arrivals(store: Store, reader: Reader) -> Iterator[list[int]]:
    """Follow the inputs and give the rows stored since the last look, in time order (an empty list
    when none came for half a second), until the caller stops (close the generator: the follower stops)."""
    stop = threading.Event()
    lock = threading.Condition()
    seen = len(store)

    def grew() -> None:
        with lock:
            lock.notify()

    reader.on_grow = grew
    follower = threading.Thread(target=reader.follow, args=(stop,), name="atlens-follow", daemon=True)
    follower.start()
    try:
        while True:
            with lock:
                lock.wait(timeout=0.5)
            total = len(store)
            new = sorted(range(seen, total), key=store.times.__getitem__) if total > seen else []
            seen = max(seen, total)
            yield new
    finally:
        stop.set()
        follower.join(timeout=2)


def _follow_query(store: Store, reader: Reader, args: argparse.Namespace, query: Filter,
                  out: TextIO, widths: list[tuple[Column, int]] | None, fields: list[FieldRef] | None, shown: int) -> int:
    """Print events as they arrive until interrupted (shown: events printed before); returns how many were printed."""
    printed = 0
    seen_errors = len(store.errors)
    with closing(_arrivals(store, reader)) as arrivals:
        for new in arrivals:
            if new:
                rows = [r for r in new if query.test(r)]
                if args.errors:
                    rows = []
                elif args.count:
                    printed += len(rows)
                    out.write(f"{printed}\n")
                else:
                    # The table's header goes above its first row (CSV's was written before following).
                    _write_rows(store, rows, args.format, out, widths, fields,
                                header=args.format == "table" and not shown + printed)
                    printed += len(rows)
                out.flush()
            if args.errors and len(store.errors) > seen_errors:
                _write_errors(store.errors[seen_errors:], {}, args.format, out, header=False)
                seen_errors = len(store.errors)
                out.flush()
    return printed


# ----------------------------------------------------------------------------- explain and catalog

#: Control, C1 and bidi characters that JSON may carry raw: written as \uXXXX (same set as printable()).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SCAN_BYTES = 1 << 20


def build_explain_parser() -> argparse.ArgumentParser:
    """`atlens explain [PATH|-]`."""
    parser = _Parser(prog="atlens explain",
                     description="Explain events in plain words: what happened, what to notice, what each field means.")
    parser.add_argument("path", nargs="?", metavar="PATH",
                        help="a log file (or gzip, glob, directory, s3://BUCKET/PREFIX); '-' or nothing reads standard input")
    parser.add_argument("--line", type=int, metavar="N", help="only the event that starts on line N of the file")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                        help="text (for a terminal), markdown (for a report), json (one document per line)")
    parser.add_argument("--all-fields", action="store_true", help="also list the fields the catalog does not document")
    _catalog_arg(parser)
    _s3_args(parser)
    return parser


def build_catalog_parser() -> argparse.ArgumentParser:
    """`atlens catalog [TEXT]`."""
    parser = _Parser(prog="atlens catalog",
                     description="Search the documented actions by name, service or words of their description.")
    parser.add_argument("text", nargs="*", metavar="TEXT", help="words every listed action must contain; none lists every action")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text, or json (a list of actions)")
    _catalog_arg(parser)
    return parser


def _catalog_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", action="append", default=[], metavar="DIR",
                        help="a directory of catalog files (*.toml) read on top of the built-in one; "
                             "repeatable; $ATLENS_CATALOG adds more (separated by ':')")


def _load_catalog(dirs: list[str]):  # -> catalog.Catalog
    from catalog import CatalogError, default

    try:
        return default(dirs)
    except CatalogError as exc:
        raise UsageError(str(exc)) from None


def _json_line(data: object) -> str:
    """One JSON document on one line, with nothing in it that a terminal would act on."""
    text = jsontext.dumps(data)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _segment_path(store: Store, segment: int) -> str:
    """The file holding a segment's bytes (the spooled copy for gzip and standard input)."""
    path = getattr(store.segments[segment].reader, "path", None)
    if not isinstance(path, str):
        raise InputError(f"{store.segments[segment].name}: cannot be read again to count its lines")
    return path


def line_numbers(path: str, offsets: list[int]) -> dict[int, int]:
    """The 1-based line on which each byte offset of a file lies (1 + the newlines before it)."""
    found: dict[int, int] = {}
    line, pos = 1, 0
    with open(path, "rb") as fh:
        for offset in sorted(set(offsets)):
            while pos < offset:
                block = fh.read(min(_SCAN_BYTES, offset - pos))
                if not block:
                    break
                line += block.count(b"\n")
                pos += len(block)
            found[offset] = line
    return found


def line_span(path: str, number: int) -> tuple[int, int, int]:
    """(start, end, lines): the bytes [start, end) of line `number` without its newline.

    When the file has fewer lines, start is -1 and `lines` says how many it has.
    """
    line, pos = 1, 0
    start = 0 if number == 1 else -1
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_SCAN_BYTES)
            if not block:
                break
            i = 0
            while True:
                j = block.find(b"\n", i)
                if j < 0:
                    break
                if line == number:
                    return start, pos + j, number
                line += 1
                if line == number:
                    start = pos + j + 1
                i = j + 1
            pos += len(block)
    # The last line has no newline after it; a newline at the very end starts no line.
    lines = line if pos and (start < 0 or start < pos) and not _ends_with_newline(path, pos) else line - 1
    if start >= 0 and start < pos:
        return start, pos, max(lines, number)
    return -1, -1, lines


def _ends_with_newline(path: str, size: int) -> bool:
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1) == b"\n"


def _rows_on_line(store: Store, args: argparse.Namespace, err: TextIO) -> list[tuple[int, int]] | None:
    """(row, line) of the events that start on line --line, or None after saying what the line holds."""
    segments = sorted({store.segments[s].name: s for s in range(len(store.segments))}.items())
    if len(segments) > 1:
        raise UsageError(f"--line needs a single file, and {args.path} stands for {len(segments)}")
    if not segments:
        err.write(f"atlens: {printable(args.path)}: nothing could be read\n")
        return None
    name, segment = segments[0]
    path = _segment_path(store, segment)
    number = args.line
    start, end, lines = line_span(path, number)
    if start < 0:
        err.write(f"atlens: line {number} is beyond the end of {printable(name)} "
                  f"(it has {lines} line{'s' if lines != 1 else ''})\n")
        return None
    seg_col, offsets, lengths, subs = store.segment, store.offsets, store.lengths, store.subs
    mine = [row for row in range(len(store)) if seg_col[row] == segment]
    rows = sorted((row for row in mine if start <= offsets[row] <= end), key=lambda r: (offsets[r], subs[r]))
    if rows:
        return [(row, number) for row in rows]
    where = f"line {number} of {printable(name)}"
    error = next((e for e in store.errors if e.source == name and e.line == number), None)
    if error is not None:
        err.write(f"atlens: {where} is not an event: {printable(error.reason)}: {printable(error.excerpt)}\n")
        return None
    around = [row for row in mine if offsets[row] < start < offsets[row] + lengths[row]]
    if around:
        first = line_numbers(path, [offsets[around[0]]])[offsets[around[0]]]
        err.write(f"atlens: {where} is inside the event that starts on line {first} (--line {first} explains it)\n")
        return None
    with open(path, "rb") as fh:
        fh.seek(start)
        text = fh.read(min(end - start, 200)).decode("utf-8", "replace")
    if not text.strip() and store.segments[segment].kind == "parquet":
        err.write(f"atlens: row {number} of {printable(name)} is a record of another application, not an audit event: skipped\n")
    elif not text.strip():
        err.write(f"atlens: {where} is blank: no event starts on it\n")
    else:
        err.write(f"atlens: no event starts on {where}: {printable(text[:120])}\n")
    return None


def _all_rows(store: Store) -> list[tuple[int, int]]:
    """(row, line) of every event, in file order."""
    seg_col, offsets, subs = store.segment, store.offsets, store.subs
    rows = sorted(range(len(store)), key=lambda r: (seg_col[r], offsets[r], subs[r]))
    lines: dict[tuple[int, int], int] = {}
    for segment in sorted({seg_col[r] for r in rows}):
        found = line_numbers(_segment_path(store, segment), [offsets[r] for r in rows if seg_col[r] == segment])
        lines.update(((segment, offset), line) for offset, line in found.items())
    return [(row, lines[(seg_col[row], offsets[row])]) for row in rows]


def _explain_header(source: str, line: int, when: str, width: int) -> str:
    """`── file:line · time ────` across the width; wrapped when the width is too small for it."""
    text = f"── {printable(source)}:{line} · {when} "
    if len(text) + 3 <= width:
        return text + "─" * (width - len(text))
    return "\n".join(textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False, subsequent_indent="   "))


def run_explain(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`atlens explain`: each event (or the one on --line N) in plain words."""
    from catalog import explain

    from .core.render_explain import MIN_WIDTH, render_markdown, render_text

    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_explain_parser().parse_args(argv)
    if args.line is not None and args.line < 1:
        raise UsageError(f"--line must be 1 or more, not {args.line}")
    if args.path is None or args.path == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("give a log file, or pipe events in (… | atlens explain); see 'atlens explain --help'")
        args.path = "-"
    catalog = _load_catalog(args.catalog)
    s3 = _s3_settings(args)
    specs = resolve_inputs([args.path])
    store = Store()
    reader = Reader(store, specs, on_status=_teller(err), s3=s3)
    width = max(MIN_WIDTH, shutil.get_terminal_size().columns)
    explained = 0
    try:
        reader.load(follow=False)
        picked = _rows_on_line(store, args, err) if args.line is not None else _all_rows(store)
        for row, line in picked or []:
            source = store.segments[store.segment[row]].name
            record = store.event(row, keep=False)
            if record.event is None:
                err.write(f"atlens: {printable(source)}:{line}: event unavailable: {printable(record.problem)}\n")
                continue
            explanation = explain(record.event, catalog, record.duplicates)
            when = time_text(store, row) + (" UTC" if store.has_time(row) else "")
            if args.format == "json":
                out.write(_json_line(explanation.to_dict() | {"source": source, "line": line}) + "\n")
            elif args.format == "markdown":
                out.write(("\n" if explained else "")
                          + render_markdown(explanation, when, f"{source}:{line}", all_fields=args.all_fields))
            else:
                out.write(("\n" if explained else "") + _explain_header(source, line, when, width) + "\n"
                          + render_text(explanation, width, all_fields=args.all_fields))
            explained += 1
        out.flush()
        if args.line is None:
            if not explained and not store.errors and not store.unreadable:
                err.write(f"atlens: {printable(args.path if args.path != '-' else 'standard input')}: no event to explain\n")
            elif store.errors:
                err.write(_not_events(store, "'atlens query --errors'"))
    finally:
        reader.close()
    if _could_not_read(store):
        return EXIT_USAGE
    return EXIT_OK if explained else EXIT_NO_MATCH


def run_catalog(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`atlens catalog`: the documented actions, all of them or those matching words."""
    from .core.render_explain import render_catalog_text

    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_catalog_parser().parse_args(argv)
    catalog = _load_catalog(args.catalog)
    text = " ".join(args.text).strip()
    found = catalog.search(text)
    if not found:
        err.write(f"atlens: no action in the catalog matches '{printable(text)}' "
                  "(searched action names, services, sections and descriptions)\n")
        return EXIT_NO_MATCH
    if args.format == "json":
        out.write(_json_line([action.to_dict() for action in found]) + "\n")
    else:
        width = shutil.get_terminal_size().columns
        services = None if text else {name: service.title for name, service in catalog.services.items()}
        out.write(render_catalog_text(found, width, services=services))
    out.flush()
    return EXIT_OK


# ----------------------------------------------------------------------------- TUI and demo


def _stdin_for_tui(specs: list[InputSpec]) -> int | None:
    """When events come on stdin, keep that pipe for them and give the TUI the terminal."""
    if not any(spec.kind == "stdin" for spec in specs):
        return None
    if sys.stdin is not None and sys.stdin.isatty():
        raise UsageError("'-' reads events from standard input, but standard input is a terminal: pipe events in (… | atlens -)")
    data_fd = os.dup(0)
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        raise UsageError("reading events from standard input needs a terminal for the keyboard (/dev/tty), and there is none; use 'atlens query -'") from None
    os.dup2(tty, 0)
    os.close(tty)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the terminal, for Textual's keyboard input
    return data_fd


def run_tui(argv: list[str]) -> int:
    """`atlens PATH ...`: the live table."""
    args = build_tui_parser().parse_args(_glue_query(argv))
    since, until = _bounds(args)
    s3 = _s3_settings(args)
    _parse_query(args.query)  # a bad query is told before the screen is taken
    if not args.paths:
        raise UsageError("give a log file, directory, glob or '-' for standard input (or run 'atlens demo')")
    specs = resolve_inputs(args.paths, follow=True)
    # A bucket is listed and its newest object fetched (boto3 imported, the connection made) while
    # the catalog and Textual load.
    s3_started = {spec.text: S3Input(spec.text, s3, since_us=since, until_us=until).start_early(in_child=True)
                  for spec in specs if spec.kind == "s3"}
    # A malformed user catalog is told before the screen is taken, as the other commands tell it:
    # a screen without the user's actions would explain their events as undocumented. The preview
    # and the app reuse this load (loader.default keeps it).
    _load_catalog(args.catalog)
    catalog_fields.use_dirs(args.catalog)
    stdin_fd = _stdin_for_tui(specs)
    # Importing Textual takes 0.3 s: meanwhile the newest rows of plain files are on screen,
    # drawn as the app will draw them (best effort: never raises, draws nothing when unsure).
    previewed = False
    # Filtered, the newest rows of the file would be the wrong rows: no preview then.
    if stdin_fd is None and not args.query.strip():
        try:
            from . import preview

            if not s3_started:
                previewed = preview.show(specs, since_us=since, until_us=until, catalog_dirs=tuple(args.catalog))
            elif len(specs) == 1:
                # A bucket alone: its newest object, once fetched, is previewed as a file is.
                newest = s3_started[specs[0].text].newest_path(timeout=S3_PREVIEW_WAIT)
                if newest is not None:
                    previewed = preview.show([InputSpec(newest, "file")], since_us=since, until_us=until,
                                             catalog_dirs=tuple(args.catalog), inputs=specs[0].text)
        except Exception:
            previewed = False
    app = None
    try:
        from .app import AtlensApp  # Textual is imported only when a screen is needed

        app = AtlensApp(specs, stdin_fd=stdin_fd, since_us=since, until_us=until, catalog_dirs=args.catalog,
                        initial_query=args.query, s3=s3, s3_started=s3_started)
        app.run()
    finally:
        # Textual enters the preview's alternate screen and leaves it on exit; if it never
        # started (an error, Ctrl+C while importing), the preview's screen must go here.
        if previewed and getattr(app, "_driver", None) is None:
            preview.restore()
    return app.return_code or EXIT_OK


def run_demo(argv: list[str]) -> int:
    """`atlens demo`: the TUI on a log another process keeps writing."""
    import subprocess
    import tempfile
    from datetime import datetime, timedelta, timezone

    from .core import generator

    args = build_demo_parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="atlens-demo-") as folder:
        path = os.path.join(folder, "activity.log")
        # The prefill must end just before now, or the live events would sort into its middle
        # instead of arriving at the bottom: measure its span, then generate it ending now.
        probe = datetime(2026, 1, 1, tzinfo=timezone.utc)
        last = probe
        for event in generator.generate_events(args.prefill, seed=7, start=probe):
            last = max(last, datetime.fromisoformat(str(event["eventTime"])))
        start = datetime.now(timezone.utc) - (last - probe) - timedelta(seconds=1)
        with open(path, "wb") as fh:
            for line in generator.generate_lines(args.prefill, seed=7, start=start):
                fh.write(line)
        writer = subprocess.Popen(
            [sys.executable, "-m", "tui.core.generator", path, "--rate", str(args.rate), "--burst", str(args.burst), "--seed", "8"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            from .app import AtlensApp

            app = AtlensApp([InputSpec(path, "file")], title="atlens demo")
            app.run()
        finally:
            writer.terminate()
            try:
                writer.wait(timeout=3)
            except subprocess.TimeoutExpired:
                writer.kill()
    return EXIT_OK


# ----------------------------------------------------------------------------- entry point


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived (a closed terminal, a service manager): end as after Ctrl+C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop_on_signal(signum: int, frame: object) -> None:
    # Decompressed copies of audit data must not outlive atlens: removed first, whatever follows.
    remove_spools()
    raise Stopped(signum)


def _catch_signals() -> None:
    """SIGTERM and SIGHUP end atlens through its usual way out (spools removed, terminal restored)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(signum, _stop_on_signal)
        except (OSError, ValueError):
            pass


def _output_failed(exc: OSError) -> int:
    """The output cannot be written (a full disk, a closed standard output): one line, exit status 2."""
    try:
        # Nothing more may reach the broken output, not even Python's flush at exit.
        sys.stdout = io.TextIOWrapper(io.BytesIO())
    except Exception:
        pass
    return _fail(f"cannot write the output: {why(exc)}")


def main(argv: list[str] | None = None) -> int:
    """Run atlens; never lets a traceback reach the user for errors they can cause."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command: Callable[[list[str]], int] = run_tui
    if argv and argv[0] in SUBCOMMANDS:
        if argv[0] in ("detect", "rules"):
            from .detect_cli import run_detect, run_rules  # reads Sigma rules: imported only when asked for

            command = run_detect if argv[0] == "detect" else run_rules
        else:
            command = {"query": run_query, "explain": run_explain, "catalog": run_catalog, "demo": run_demo}[argv[0]]
        argv = argv[1:]
    _catch_signals()
    try:
        if sys.stdout is None and command is not run_tui and command is not run_demo:
            return _fail("standard output is closed: nothing could be written (redirect it to a file or a pipe)")
        return command(argv)
    except UsageError as exc:
        return _fail(str(exc))
    except InputError as exc:
        return _fail(str(exc))
    except RegexTooComplex as exc:  # found only while matching: the query parsed
        return _fail(str(exc))
    except CatalogUnavailable as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except Stopped as exc:
        return 128 + exc.signum
    except BrokenPipeError:
        # The reader of our output went away (| head): not an error for the user.
        try:
            sys.stdout = io.TextIOWrapper(io.BytesIO())
        except Exception:
            pass
        os._exit(EXIT_OK)
    except OSError as exc:
        if exc.filename is None:  # a write to the output, not an input (those are said by the reader)
            return _output_failed(exc)
        return _fail(f"{exc.filename}: {why(exc)}")
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_OK


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # `python -m tui.cli` runs this file as __main__: run the module's own main, so that the
    # sub-command modules that import tui.cli raise the UsageError it catches.
    from tui.cli import main as module_main

    raise SystemExit(module_main())

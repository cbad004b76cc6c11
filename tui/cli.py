"""The `atlens` command: the TUI by default, and the headless sub-commands."""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import signal
import sys
import threading
from typing import Callable, TextIO

import orjson

from .core.present import COLUMNS, fit, layout, printable, row_values
from .core.sources import InputError, InputSpec, Reader, resolve_inputs
from .core.store import Store
from .core.timespec import TimeSpecError, parse_bound

EXIT_OK, EXIT_NO_MATCH, EXIT_USAGE = 0, 1, 2
SUBCOMMANDS = ("query", "demo")


class UsageError(Exception):
    """Wrong arguments or inputs: a one-line message and exit status 2."""


def _fail(message: str) -> int:
    print(f"atlens: {printable(message)}", file=sys.stderr)
    return EXIT_USAGE


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every usage error ends the same way."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _time_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="WHEN", help="only events at or after WHEN: 15m, 2h, 7d, or 2026-11-20[T10:00:00Z]")
    parser.add_argument("--until", metavar="WHEN", help="only events before WHEN (same forms as --since)")


def _bounds(args: argparse.Namespace) -> tuple[int | None, int | None]:
    try:
        since = parse_bound(args.since) if args.since else None
        until = parse_bound(args.until) if args.until else None
    except TimeSpecError as exc:
        raise UsageError(str(exc)) from None
    return since, until


def build_tui_parser() -> argparse.ArgumentParser:
    """`atlens [PATH ...]`."""
    parser = _Parser(
        prog="atlens",
        description="Follow, read and explain IBM Cloud Activity Tracker events in a terminal.",
        epilog="Sub-commands: 'atlens query PATH ...' prints events headless; 'atlens demo' opens a live generated stream. "
               "Inputs: files, globs, directories (recursive), gzip, '-' for standard input.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="log files, globs or directories; '-' reads standard input")
    _time_args(parser)
    return parser


def build_query_parser() -> argparse.ArgumentParser:
    """`atlens query PATH ...`."""
    parser = _Parser(prog="atlens query", description="Print events headless, in time order.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="log files, globs or directories; '-' reads standard input")
    parser.add_argument("--format", choices=("table", "jsonl", "csv"), default="table",
                        help="table (aligned text), jsonl (the unwrapped, normalised events), csv")
    parser.add_argument("--count", action="store_true", help="print only the number of events")
    parser.add_argument("--follow", "-f", action="store_true", help="keep printing events as they arrive")
    parser.add_argument("--errors", action="store_true", help="print the lines that are not events (file, line, byte, reason) instead of events")
    _time_args(parser)
    return parser


def build_demo_parser() -> argparse.ArgumentParser:
    """`atlens demo`."""
    parser = _Parser(prog="atlens demo", description="Open atlens on a live stream of generated events.")
    parser.add_argument("--rate", type=float, default=20.0, help="events per second (default 20)")
    parser.add_argument("--burst", type=int, default=200, help="events written at once every few seconds (default 200, 0 for none)")
    parser.add_argument("--prefill", type=int, default=5000, help="events already in the log when it opens (default 5000)")
    return parser


# ----------------------------------------------------------------------------- query


def _write_rows(store: Store, rows: list[int], fmt: str, out: TextIO, widths: list[tuple[str, int]] | None) -> None:
    if fmt == "jsonl":
        for row in rows:
            record = store.event(row)
            if record.event is not None:
                out.write(orjson.dumps(record.event).decode())
                out.write("\n")
        return
    if fmt == "csv":
        writer = csv.writer(out)
        for row in rows:
            values = row_values(store, row)
            writer.writerow([printable(values[c.key]) for c in COLUMNS])
        return
    for row in rows:
        values = row_values(store, row)
        if widths is None:
            # Not a terminal: aligned, but nothing cut off.
            out.write(" ".join(printable(values[c.key]).ljust(c.width) for c in COLUMNS).rstrip() + "\n")
        else:
            out.write(" ".join(fit(values[key], width) for key, width in widths).rstrip() + "\n")


def _table_widths(out: TextIO) -> list[tuple[str, int]] | None:
    """Column widths for a terminal; None (no truncation) when writing to a pipe or file."""
    if not out.isatty():
        return None
    width = shutil.get_terminal_size((160, 24)).columns
    return [(column.key, w) for column, w in layout(width)]


def run_query(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`atlens query`: events in time order, or their count, or the error records."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_query_parser().parse_args(argv)
    since, until = _bounds(args)
    specs = resolve_inputs(args.paths, follow=args.follow)
    store = Store()
    reader = Reader(store, specs)
    try:
        reader.load(follow=args.follow)
        lo, hi = store.span(since, until)
        rows = list(store.order[lo:hi])
        widths = _table_widths(out) if args.format == "table" else None
        if args.errors:
            for error in store.errors:
                out.write(printable(error.describe()) + "\n")
        elif args.count:
            out.write(f"{len(rows)}\n")
        else:
            if args.format == "csv":
                csv.writer(out).writerow([c.key for c in COLUMNS])
            _write_rows(store, rows, args.format, out, widths)
        out.flush()
        matched = len(rows)
        _summarise_errors(store, err, listed=args.errors)
        if args.follow:
            matched += _follow_query(store, reader, args, since, until, out, widths)
    finally:
        reader.close()
    if args.errors:
        return EXIT_OK if store.errors else EXIT_NO_MATCH
    return EXIT_OK if matched else EXIT_NO_MATCH


def _summarise_errors(store: Store, err: TextIO, *, listed: bool) -> None:
    count = len(store.errors)
    if count and not listed:
        first = store.errors[0]
        err.write(f"atlens: {count} line{'s' if count != 1 else ''} read {'were' if count != 1 else 'was'} not events "
                  f"(first: {printable(first.source)}:{first.line}: {printable(first.reason)}); '--errors' lists them\n")


def _follow_query(store: Store, reader: Reader, args: argparse.Namespace, since: int | None, until: int | None,
                  out: TextIO, widths: list[tuple[str, int]] | None) -> int:
    """Print events as they arrive until interrupted; returns how many were printed."""
    stop = threading.Event()
    printed = 0
    seen_rows = len(store)
    seen_errors = len(store.errors)
    lock = threading.Condition()

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
            if total > seen_rows:
                new = sorted(range(seen_rows, total), key=store.times.__getitem__)
                seen_rows = total
                rows = [r for r in new if store.within(r, since, until)]
                if args.errors:
                    rows = []
                elif args.count:
                    printed += len(rows)
                    out.write(f"{printed}\n")
                else:
                    _write_rows(store, rows, args.format, out, widths)
                    printed += len(rows)
                out.flush()
            if args.errors and len(store.errors) > seen_errors:
                for error in store.errors[seen_errors:]:
                    out.write(printable(error.describe()) + "\n")
                seen_errors = len(store.errors)
                out.flush()
    finally:
        stop.set()
        follower.join(timeout=2)


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
    args = build_tui_parser().parse_args(argv)
    since, until = _bounds(args)
    if not args.paths:
        raise UsageError("give a log file, directory, glob or '-' for standard input (or run 'atlens demo')")
    specs = resolve_inputs(args.paths, follow=True)
    stdin_fd = _stdin_for_tui(specs)
    from .app import AtlensApp  # Textual is imported only when a screen is needed

    app = AtlensApp(specs, stdin_fd=stdin_fd, since_us=since, until_us=until)
    app.run()
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


def main(argv: list[str] | None = None) -> int:
    """Run atlens; never lets a traceback reach the user for errors they can cause."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command: Callable[[list[str]], int] = run_tui
    if argv and argv[0] in SUBCOMMANDS:
        command = {"query": run_query, "demo": run_demo}[argv[0]]
        argv = argv[1:]
    try:
        return command(argv)
    except UsageError as exc:
        return _fail(str(exc))
    except InputError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (| head): not an error for the user.
        try:
            sys.stdout = io.TextIOWrapper(io.BytesIO())
        except Exception:
            pass
        os._exit(EXIT_OK)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_OK


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    raise SystemExit(main())

"""`atlens detect` (alerts from Sigma rules over events) and `atlens rules` (the rules in force, and their export)."""

from __future__ import annotations

import argparse
import sys
from contextlib import closing
from typing import TextIO

from .cli import (EXIT_OK, EXIT_USAGE, UsageError, _arrivals, _bounds, _could_not_read, _json_line, _Parser,
                  _summarise_errors, _teller, _time_args)
from .core.decode import format_time_us
from .core.detect import (DISABLED_ENV, HOURS_ENV, LEVELS, RULES_ENV, Alert, Detector, RuleSet, RulesUnavailable,
                          WorkingHours, env_dirs, env_disabled, level_rank, load_rules, locate, parse_working_hours,
                          rule_files, BUILTIN_DIR)
from .core.present import printable
from .core.sources import Reader, resolve_inputs
from .core.store import Store

#: The exit status when an alert at or above --level fired (grep's "found" is 0; an alert is news).
EXIT_ALERT = 1
#: The exit status of an export that left out rules the target cannot express (each said on stderr).
EXIT_PARTIAL = 1
#: Export targets: name -> (module, backend class, what to install).
TARGETS = {
    "splunk": ("sigma.backends.splunk", "SplunkBackend", "pysigma-backend-splunk"),
    "elasticsearch": ("sigma.backends.elasticsearch", "LuceneBackend", "pysigma-backend-elasticsearch"),
    "lucene": ("sigma.backends.elasticsearch", "LuceneBackend", "pysigma-backend-elasticsearch"),
}

_DETECT_EPILOG = f"""\
Rules: the built-in pack for IBM Cloud Activity Tracker, then every *.yml in each --rules DIR
and in the folders of ${RULES_ENV} (separated by ':'). --disable-rule ID (or ${DISABLED_ENV},
ids separated by commas) turns a rule off. Rules that only count events outside working hours
read ${HOURS_ENV} or --working-hours, as in '08:00-18:00 Mon-Fri Europe/Zurich' (the default
is 08:00-18:00 Mon-Fri UTC).

Exit status: 0 nothing fired, 1 an alert at or above --level fired, 2 bad input or a bad rule
(each bad rule is said on stderr, one line each; the others still run).
"""


def _rule_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", action="append", default=[], metavar="DIR",
                        help="also the Sigma rules in DIR (a folder of *.yml, or one file); repeatable")
    parser.add_argument("--no-builtin", action="store_true", help="leave out the built-in rule pack")
    parser.add_argument("--disable-rule", action="append", default=[], metavar="ID",
                        help="turn off the rule with this id (or name); repeatable")
    parser.add_argument("--working-hours", metavar="HOURS",
                        help="working hours for the rules about events outside them: 08:00-18:00 [Mon-Fri] [Europe/Zurich]")


def build_detect_parser() -> argparse.ArgumentParser:
    """`atlens detect PATH ...`."""
    parser = _Parser(prog="atlens detect", description="Raise alerts from Sigma rules over audit events.",
                     epilog=_DETECT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="log files, globs or directories; '-' reads standard input")
    _rule_args(parser)
    parser.add_argument("--level", choices=LEVELS, default="informational",
                        help="exit 1 only for alerts at or above LEVEL, and print only those (default: all)")
    parser.add_argument("--format", choices=("text", "jsonl"), default="text", help="text (a line per alert) or jsonl")
    parser.add_argument("--follow", "-f", action="store_true", help="keep reading and print alerts as they happen")
    _time_args(parser)
    return parser


def build_rules_parser() -> argparse.ArgumentParser:
    """`atlens rules [export --target NAME]`."""
    parser = _Parser(prog="atlens rules", description="List the Sigma rules in force, or export the built-in pack.",
                     epilog=_DETECT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", nargs="?", choices=("list", "export"), default="list",
                        help="list (default) or export the built-in pack for another tool")
    parser.add_argument("--target", metavar="NAME", help=f"export: {', '.join(TARGETS)}")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="list: text or json (one rule a line)")
    _rule_args(parser)
    return parser


def _load(args: argparse.Namespace) -> RuleSet:
    hours = WorkingHours()
    text = args.working_hours or _env(HOURS_ENV)
    if text:
        try:
            hours = parse_working_hours(text)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    try:
        return load_rules([*args.rules, *env_dirs()], builtin=not args.no_builtin,
                          disabled={*args.disable_rule, *env_disabled()}, hours=hours)
    except RulesUnavailable as exc:
        raise UsageError(str(exc)) from None


def _env(name: str) -> str:
    import os

    return os.environ.get(name, "")


def _say_problems(rules: RuleSet, err: TextIO) -> None:
    for problem in rules.problems:
        title = f" ({printable(problem.title)})" if problem.title else ""
        err.write(f"atlens: rule {printable(problem.file)}{title}: {printable(problem.reason)}\n")
    err.flush()


def _alert_text(store: Store, alert: Alert) -> str:
    places = locate(store, alert.rows)
    events = ", ".join(f"{printable(p.source)}:{p.line or '?'}" for p in places[:5])
    if len(places) > 5:
        events += f" and {len(places) - 5} more"
    group = f" [{', '.join(printable(g) for g in alert.group)}]" if alert.group else ""
    tags = f" ({', '.join(alert.tags)})" if alert.tags else ""
    return (f"{format_time_us(alert.time_us)}  {alert.level:<13} {printable(alert.title)}{group}{tags}  "
            f"{alert.rule_id}  {len(alert.rows)} event{'s' if len(alert.rows) != 1 else ''}: {events}\n")


def _alert_json(store: Store, alert: Alert) -> str:
    return _json_line({
        "rule": alert.rule_id, "title": alert.title, "level": alert.level, "tags": list(alert.tags),
        "time": format_time_us(alert.time_us), "correlation": alert.correlation,
        **({"group": list(alert.group)} if alert.correlation else {}),
        "events": [{"time": format_time_us(p.time_us), "source": p.source, "line": p.line or None, "offset": p.offset}
                   for p in locate(store, alert.rows)],
    }) + "\n"


def run_detect(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`atlens detect`: an alert a line; 0 nothing fired, 1 something at or above --level did, 2 bad input or rule."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_detect_parser().parse_args(argv)
    since, until = _bounds(args)
    rules = _load(args)
    _say_problems(rules, err)
    specs = resolve_inputs(args.paths, follow=args.follow)
    store = Store()
    reader = Reader(store, specs, on_status=_teller(err), since_us=since, until_us=until)
    floor = level_rank(args.level)
    write = _alert_json if args.format == "jsonl" else _alert_text
    fired = False
    try:
        reader.load(follow=args.follow)
        detector = Detector(store, rules, since_us=since, until_us=until)
        for alert in detector.sweep():
            if level_rank(alert.level) >= floor:
                out.write(write(store, alert))
                fired = True
        out.flush()
        _summarise_errors(store, err, listed=False)
        if args.follow:
            fired = _follow(store, reader, detector, floor, write, out) or fired
    finally:
        reader.close()
    if rules.problems or _could_not_read(store):
        return EXIT_USAGE
    return EXIT_ALERT if fired else EXIT_OK


def _follow(store: Store, reader: Reader, detector: Detector, floor: int, write, out: TextIO) -> bool:
    """Print the alerts of arriving events until interrupted; whether any fired."""
    fired = False
    with closing(_arrivals(store, reader)) as arrivals:
        for new in arrivals:
            for row in new:
                for alert in detector.test(row):
                    if level_rank(alert.level) >= floor:
                        out.write(write(store, alert))
                        fired = True
            if new:
                out.flush()
    return fired


def run_rules(argv: list[str], *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`atlens rules`: the rules in force and where each came from; `export --target NAME` converts the built-in pack."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = build_rules_parser().parse_args(argv)
    if args.action == "export":
        return _export(args, out)
    if args.target:
        raise UsageError("--target goes with export: atlens rules export --target splunk")
    rules = _load(args)
    _say_problems(rules, err)
    counted = {ref for c in rules.correlations if not c.generate for ref in c.rules}
    items = [("counted" if r.id in counted or (r.name and r.name in counted) else "rule",
              r.id, r.title, r.level, r.tags, r.origin, r.references) for r in rules.rules]
    items += [("correlation", c.id, c.title, c.level, c.tags, c.origin, c.references) for c in rules.correlations]
    for kind, rid, title, level, tags, origin, references in items:
        if args.format == "json":
            out.write(_json_line({"id": rid, "title": title, "kind": kind, "level": level, "tags": list(tags),
                                  "origin": origin, "builtin": origin.startswith(str(BUILTIN_DIR)),
                                  "references": list(references)}) + "\n")
        else:
            mark = {"correlation": "  [correlation]", "counted": "  [counted by a correlation]"}.get(kind, "")
            out.write(f"{rid}  {level:<13} {printable(title)}{mark}  {printable(origin)}\n")
    out.flush()
    return EXIT_USAGE if rules.problems else EXIT_OK


def _export(args: argparse.Namespace, out: TextIO) -> int:
    """The built-in pack (and any --rules) converted by an installed pySigma backend, a query a line."""
    if not args.target:
        raise UsageError(f"export needs --target NAME: {', '.join(TARGETS)}")
    target = TARGETS.get(args.target.lower())
    if target is None:
        raise UsageError(f"unknown export target {args.target!r}: {', '.join(TARGETS)}")
    module, name, package = target
    import importlib

    try:
        backend_class = getattr(importlib.import_module(module), name)
        from sigma.collection import SigmaCollection
    except ImportError:
        raise UsageError(f"exporting to {args.target} needs {package}: pip install {package}"
                         " (or pip install 'atlens[rules]')") from None
    files = [] if args.no_builtin else rule_files([BUILTIN_DIR])
    files += rule_files([*args.rules, *env_dirs()])
    collection = SigmaCollection.load_ruleset([str(f) for f in files], collect_errors=True)
    collection.resolve_rule_references()
    backend = backend_class()
    status = EXIT_OK
    off = set(args.disable_rule) | env_disabled()
    for rule in collection.rules:
        if str(rule.id) in off or (rule.name and rule.name in off):
            continue
        try:
            if hasattr(rule, "detection"):
                queries = backend.convert_rule(rule)
            else:
                queries = backend.convert_correlation_rule(rule)
        except Exception as exc:  # a rule the backend cannot express (correlations, modifiers it lacks)
            sys.stderr.write(f"atlens: {args.target} cannot express {printable(str(rule.title))}: "
                             f"{printable(' '.join(str(exc).split()))}\n")
            status = EXIT_PARTIAL
            continue
        custom = getattr(rule, "custom_attributes", {}).get("atlens")
        for query in queries:
            out.write(f"# {printable(str(rule.title))} ({rule.id})\n")
            if isinstance(custom, dict) and custom.get("outside_working_hours"):
                out.write("# atlens counts only the events outside working hours: add that time condition in the target\n")
            out.write(f"{query}\n")
    out.flush()
    return status

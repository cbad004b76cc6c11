"""An explanation (catalog.explain) as plain text for a terminal, or as Markdown for a report.

Pure functions, no textual or rich: the command line uses them now, the TUI can reuse the text
form. Every string that comes from a log or a catalog file goes through `printable()` first, so
neither can drive the terminal; Markdown output also escapes what Markdown would read as markup.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

from catalog.model import Action, Explanation, Note

from .present import printable

#: How deep the lines below a field or a finding are indented.
_INDENT = "    "
#: Narrowest width the text is wrapped to, whatever the terminal says.
MIN_WIDTH = 40


# ----------------------------------------------------------------------------- text


def _wrap(text: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    """Escaped text wrapped to width, with a first-line prefix and an indent for the others."""
    rest = " " * len(first) if rest is None else rest
    return textwrap.wrap(printable(text), width=width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=True, break_on_hyphens=False) or [first.rstrip()]


def action_flags(action: Action) -> list[str]:
    """What the catalog says about an action besides its description, in a few words."""
    flags: list[str] = []
    if action.deprecated:
        flags.append("deprecated")
    if action.data_event is True:
        flags.append("data event")
    elif action.data_event is False:
        flags.append("management event")
    if action.asynchronous:
        flags.append("asynchronous")
    if action.pattern:
        flags.append("pattern")
    return flags


def shown_notes(explanation: Explanation, all_fields: bool = False) -> list[Note]:
    """The fields to show: the documented ones, or every one with all_fields."""
    return [n for n in explanation.notes if all_fields or n.documented]


def render_text(explanation: Explanation, width: int, *, all_fields: bool = False) -> str:
    """The explanation for a terminal: summary, details, findings, fields, catalog entry.

    Wrapped to width (at least MIN_WIDTH); every string escaped; no colours or styles.
    """
    width = max(MIN_WIDTH, width)
    out: list[str] = []
    out += _wrap(explanation.summary, width)

    if explanation.details:
        out += ["", "Details"]
        for detail in explanation.details:
            out += _wrap(detail, width, "  • ", "    ")

    out += ["", "Findings"]
    if explanation.findings:
        for finding in explanation.findings:
            out += _wrap(f"[{finding.level}] {finding.title}", width, "  ", "  ")
            out += _wrap(finding.why, width, _INDENT + "  ")
            if finding.paths:
                out += _wrap("fields: " + ", ".join(finding.paths), width, _INDENT + "  ")
    else:
        out += ["  none"]

    notes = shown_notes(explanation, all_fields)
    hidden = len(explanation.notes) - len(notes)
    out += ["", "Fields" + ("" if all_fields or not hidden else f" (documented ones; --all-fields adds {hidden} more)")]
    for note in notes:
        out += _wrap(f"{note.path} = {note.value}", width, "  ", _INDENT + "  ")
        if note.meaning:
            out += _wrap(note.meaning, width, _INDENT + "  ")
        if note.value_meaning:
            out += _wrap(f"this value: {note.value_meaning}", width, _INDENT + "  ", _INDENT + "  ")
        if not note.documented:
            out += [_INDENT + "  (not documented)"]
    if not notes:
        out += ["  none documented"]

    out += ["", "Catalog"]
    entry = explanation.entry
    if entry is None:
        if explanation.action:
            out += _wrap(f"{explanation.action} is not documented: a catalog file (--catalog DIR or "
                         "$ATLENS_CATALOG) can describe it.", width, "  ")
        else:
            out += ["  the event has no action"]
    else:
        out += _catalog_entry_text(entry, width)
    return "\n".join(out) + "\n"


def _catalog_entry_text(entry: Action, width: int) -> list[str]:
    flags = action_flags(entry)
    out = _wrap(f"{entry.name} — documented in “{entry.section}”" + (f" [{', '.join(flags)}]" if flags else ""),
                width, "  ", _INDENT + "  ")
    out += _wrap(entry.description, width, _INDENT + "  ")
    if entry.note:
        out += _wrap(f"Note: {entry.note}", width, _INDENT + "  ")
    if entry.also:
        out += _wrap("Also reported as: " + ", ".join(entry.also), width, _INDENT + "  ")
    for other in entry.elsewhere:
        out += _wrap(f"Also documented in “{other.section}”: {other.description}"
                     + (f" (source: {source_text(other)})" if other.source else ""), width, _INDENT + "  ")
    if entry.source:
        out += _wrap(f"Source: {source_text(entry)}", width, _INDENT + "  ")
    return out


def source_text(entry: Action) -> str:
    """Where an entry is documented, as plain text: the page's title, then its address."""
    return f"{entry.source}, {entry.source_url}" if entry.source_url else entry.source


# ----------------------------------------------------------------------------- catalog listing


def render_action_line(action: Action, width: int, indent: str = "") -> list[str]:
    """`name  — section — description [flags]`, wrapped to width."""
    flags = action_flags(action)
    text = f"{action.name}  — {action.section} — {action.description}" + (f" [{', '.join(flags)}]" if flags else "")
    return _wrap(text, max(MIN_WIDTH, width), indent, indent + _INDENT)


def render_catalog_text(actions: Iterable[Action], width: int, *, services: dict[str, str] | None = None) -> str:
    """A list of actions; with services (name -> title), grouped by service under its title."""
    out: list[str] = []
    if services is None:
        for action in actions:
            out += render_action_line(action, width)
        return "\n".join(out) + "\n"
    groups: dict[str, list[Action]] = {}
    for action in actions:
        groups.setdefault(action.service, []).append(action)
    for name in sorted(groups, key=lambda n: (n.startswith("<"), n)):
        if out:
            out.append("")
        title = services.get(name, "")
        if name.startswith("<"):
            title = title or "Actions of any service"
        out += _wrap(f"{title} ({name})" if title else name, max(MIN_WIDTH, width))
        for action in groups[name]:
            out += render_action_line(action, width, "  ")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- Markdown

#: Characters Markdown (CommonMark and GitHub's) could read as markup inside a line.
_MD_SPECIAL = re.compile(r"([\\`*_<>\[\]|~&$])")
#: What would start a block (heading, list, quote, rule, numbered list) at the start of a line.
_MD_BLOCK_START = re.compile(r"^(\s*)([#+=>-]|\d+(?=[.)]))")


def md(text: str) -> str:
    """Log or catalog text made safe inside a Markdown line or table cell.

    Control and bidi characters are escaped by printable() first (so the backslashes it adds
    are themselves escaped and show as written); then every character Markdown could read as
    emphasis, code, a link, HTML, an entity or a table border gets a backslash.
    """
    return _MD_SPECIAL.sub(r"\\\1", printable(text))


def md_block(text: str) -> str:
    """md(), and a leading character that would start a heading, list or quote is escaped too."""
    escaped = md(text)
    m = _MD_BLOCK_START.match(escaped)
    if m:
        marker = m.group(2)
        if marker.isdigit():
            # "1." / "1)" starts a numbered list: escape the punctuation after the number.
            end = m.end()
            return escaped[:end] + "\\" + escaped[end:]
        return escaped[:m.start(2)] + "\\" + escaped[m.start(2):]
    return escaped


def render_markdown(explanation: Explanation, event_time: str, source: str, *, all_fields: bool = False) -> str:
    """The explanation for an audit report: heading, summary, details, findings, a table of fields."""
    out: list[str] = []
    action = explanation.action or "(no action)"
    out.append(f"### {md(action)} — {md(event_time)}".replace("#", "\\#").replace("\\#\\#\\# ", "### ", 1))
    out.append("")
    if source:
        out.append(f"Source: {md(source)}")
        out.append("")
    out.append(md_block(explanation.summary))
    if explanation.details:
        out.append("")
        out += [f"- {md_block(detail)}" for detail in explanation.details]
    out += ["", "**Findings**", ""]
    if explanation.findings:
        for finding in explanation.findings:
            paths = f" (fields: {md(', '.join(finding.paths))})" if finding.paths else ""
            out.append(f"- **{md(finding.level)}** — {md(finding.title)}: {md(finding.why)}{paths}")
    else:
        out.append("- none")
    notes = shown_notes(explanation, all_fields)
    out += ["", "| path | value | meaning |", "|---|---|---|"]
    for note in notes:
        meaning = note.meaning
        if note.value_meaning:
            meaning = f"{meaning} This value: {note.value_meaning}" if meaning else f"This value: {note.value_meaning}"
        if not note.documented:
            meaning = meaning or "(not documented)"
        out.append(f"| {md(note.path)} | {md(note.value)} | {md(meaning)} |")
    entry = explanation.entry
    out.append("")
    if entry is None:
        out.append(f"Catalog: {md(explanation.action) + ' is not documented.' if explanation.action else 'the event has no action.'}")
    else:
        flags = action_flags(entry)
        line = f"Catalog: {md(entry.name)}, “{md(entry.section)}”: {md(entry.description)}"
        if flags:
            line += f" ({md(', '.join(flags))})"
        if entry.note:
            line += f" Note: {md(entry.note)}"
        if entry.source:
            # Text, not a link: a user catalog's address is untrusted (javascript:...).
            line += f" Source: {md(source_text(entry))}."
        out.append(line)
    return "\n".join(out) + "\n"

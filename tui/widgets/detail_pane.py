"""The selected event explained (summary, findings, every field as a tree), its raw JSON, and two events compared.

Everything drawn here that comes from a log goes through `printable` into `rich.text.Text`: a value can
neither restyle the screen (no markup is parsed) nor reach the terminal as a control sequence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Static, Tree
from textual.widgets.tree import TreeNode

from catalog.model import Explanation, Note

from ..core import jsontext
from ..core.compare import (
    MAX_DEPTH,
    FieldDiff,
    child_path,
    children,
    diff_events,
    field_query,
    is_branch,
    value_text,
)
from ..core.present import fit, printable
from ..core.store import EventRecord
from .key_line import KeyLine

#: How each level of finding is coloured.
LEVEL_STYLE = {"security": "bold red", "notable": "bold yellow", "info": "cyan"}
#: Characters of a value shown in a tree label; the field line below the tree shows up to FIELD_VALUE_LIMIT.
LABEL_VALUE_LIMIT = 80
FIELD_VALUE_LIMIT = 2_000
#: Children shown under one branch of the tree (the raw view shows them all).
MAX_CHILDREN = 500
#: What the pane says above the raw JSON, which stays on for the next event until `r` again.
RAW_TITLE = "raw JSON (r: explained)"


@dataclass(frozen=True, slots=True)
class FieldNode:
    """What a node of the field tree stands for: a field (leaf) or an object or list (branch)."""

    path: str
    #: the keys without list positions: the field as the query language reads it
    parts: tuple[str, ...]
    value: object
    branch: bool
    note: Note | None = None
    #: the finding's level and title when a finding names this field
    finding: tuple[str, str] | None = None
    #: false under a list held directly in a list: the query language does not look in there
    queryable: bool = True


def header_text(title: str, explanation: Explanation | None) -> Text:
    """The top of the pane: the title, the summary sentence, findings, details and the catalog entry."""
    out = Text()
    out.append(printable(title) + "\n", style="dim")
    if explanation is None:
        out.append("No explanation for this event.\n", style="italic")
        return out
    out.append(printable(explanation.summary) + "\n", style="bold")
    if not explanation.documented:
        out.append("Not in the catalog: explained from the action's parts.\n", style="italic")
    for finding in explanation.findings:
        out.append(f"{finding.level.upper()} ", style=LEVEL_STYLE.get(finding.level, ""))
        out.append(printable(finding.title), style="bold")
        out.append(" — " + printable(finding.why) + "\n")
    for detail in explanation.details:
        out.append("• " + printable(detail) + "\n")
    entry = explanation.entry
    if entry is not None:
        out.append(f"Catalog: {printable(entry.description)}\n", style="dim")
    out.rstrip()
    return out


def problem_text(title: str, problem: str) -> Text:
    """What the pane says when an event cannot be re-read: the title and the reason."""
    out = Text()
    out.append(printable(title) + "\n", style="dim")
    out.append("This event cannot be shown: ", style="bold red")
    out.append(printable(problem or "it could not be read again."))
    return out


_TOKEN = re.compile(r'("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b')


def json_text(event: object) -> Text:
    """The event as indented JSON, keys, strings, numbers and literals coloured; control characters escaped."""
    pretty = jsontext.dumps(event, indent=True)
    # JSON escapes line breaks inside strings, so every "\n" left is the layout's own.
    safe = "\n".join(printable(line) for line in pretty.split("\n"))
    out = Text(no_wrap=False)
    pos = 0
    for match in _TOKEN.finditer(safe):
        out.append(safe[pos:match.start()])
        if match.group(1) is not None:
            out.append(match.group(1), style="bold blue" if match.group(2) else "green")
            if match.group(2):
                out.append(match.group(2))
        elif match.group(3) is not None:
            out.append(match.group(3), style="cyan")
        else:
            out.append(match.group(4), style="magenta")
        pos = match.end()
    out.append(safe[pos:])
    return out


def _value_style(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "magenta"
    if isinstance(value, (int, float)):
        return "cyan"
    return ""


def _shorten(text: str, limit: int, *, count: bool = True) -> str:
    text = printable(text)
    if len(text) <= limit:
        return text
    return text[:limit] + (f"… ({len(text):,} characters)" if count else "…")


def _tail(path: str, width: int) -> str:
    """A path cut from the left when it is too long: its last keys say the most."""
    path = printable(path)
    return path if len(path) <= width else "…" + path[len(path) - width + 1:]


def node_label(key: str | int, field: FieldNode) -> Text:
    """A tree line: the key, and for a field ` = value` (shortened); a marker when a finding names it."""
    label = Text()
    if field.finding is not None:
        label.append("! ", style=LEVEL_STYLE.get(field.finding[0], "bold"))
    documented = field.note is not None and field.note.documented
    label.append(f"[{key}]" if isinstance(key, int) else printable(key), style="bold" if documented else "")
    value = field.value
    if field.branch:
        count = len(value) if isinstance(value, (dict, list)) else 0
        label.append(f" {{{count}}}" if isinstance(value, dict) else f" [{count}]", style="dim")
        return label
    label.append(" = ", style="dim")
    text = value_text(value)
    if text == "":
        label.append('""', style="dim")
    else:
        label.append(_shorten(text, LABEL_VALUE_LIMIT, count=False), style=_value_style(value))
    return label


def field_text(field: FieldNode) -> Text:
    """The line under the tree for the highlighted node: its path, value, and what both mean."""
    out = Text()
    out.append(printable(field.path or "(the whole value)"), style="bold")
    if field.branch:
        kind = "object" if isinstance(field.value, dict) else "list"
        size = len(field.value) if isinstance(field.value, (dict, list)) else 0
        out.append(f"  ({kind} of {size}: y copies it as JSON)", style="dim")
    else:
        out.append(" = ", style="dim")
        out.append(_shorten(value_text(field.value), FIELD_VALUE_LIMIT), style=_value_style(field.value))
    if field.finding is not None:
        level, title = field.finding
        out.append(f"\n{level.upper()} ", style=LEVEL_STYLE.get(level, ""))
        out.append(printable(title))
    note = field.note
    if note is not None and note.value_meaning:
        out.append("\n→ " + printable(note.value_meaning), style="italic")
    if note is not None and note.meaning:
        out.append("\n" + printable(note.meaning), style="dim")
    elif not field.branch:
        out.append("\nNot described in the catalog.", style="dim italic")
    return out


class FieldTree(Tree[FieldNode | None]):
    """The event's fields as a tree whose lines end in "…" where they do not fit, instead of scrolling sideways."""

    def render_label(self, node: TreeNode[FieldNode | None], base_style: Style, style: Style) -> Text:
        label = super().render_label(node, base_style, style)
        depth = 0
        parent = node.parent
        while parent is not None and parent is not self.root:
            depth += 1
            parent = parent.parent
        room = self.scrollable_content_region.width - depth * self.guide_depth
        if room > 0 and label.cell_len > room:
            label.truncate(max(2, room), overflow="ellipsis")
        return label


class DetailPane(Widget):
    """One event: what it means and every field as a tree (default), or its raw JSON (`r`)."""

    DEFAULT_CSS = """
    DetailPane { height: 1fr; layout: vertical; }
    DetailPane > #detail-header { height: auto; max-height: 35%; padding: 0 1; scrollbar-size-vertical: 1; }
    DetailPane > #detail-tree { height: 1fr; min-height: 3; padding: 0 1; overflow-x: hidden; scrollbar-size-vertical: 1; }
    DetailPane > #detail-field-box { height: 30%; min-height: 4; padding: 0 1; border-top: solid $accent 50%; scrollbar-size-vertical: 1; }
    DetailPane > #detail-raw { display: none; height: 1fr; padding: 0 1; }
    DetailPane.-raw > #detail-raw { display: block; }
    /* Raw JSON stays on from one event to the next: the pane says so above it, and how to go back. */
    DetailPane > #detail-raw-title { display: none; height: auto; padding: 0 1; background: $accent 25%; }
    DetailPane.-raw > #detail-raw-title { display: block; }
    /* Tab gives the keys to the summary or the field line (to scroll a long one): they look it. */
    DetailPane > #detail-header:focus, DetailPane > #detail-field-box:focus { background-tint: $foreground 12%; }
    DetailPane > #detail-field-box:focus { border-top: heavy $accent; }
    DetailPane.-raw > #detail-header, DetailPane.-raw > #detail-tree, DetailPane.-raw > #detail-field-box { display: none; }
    DetailPane.-problem > #detail-tree, DetailPane.-problem > #detail-field-box { display: none; }
    DetailPane.-problem > #detail-header { max-height: 100%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "toggle_raw", "Raw JSON"),
        Binding("j", "line(1)", "Down a line (as ↓)", show=False),
        Binding("k", "line(-1)", "Up a line (as ↑)", show=False),
        Binding("c", "copy_event", "Copy event"),
        Binding("y", "copy_field", "Copy field"),
        Binding("equals_sign", "keep_field", "Filter on field"),
        Binding("minus,exclamation_mark", "drop_field", "Exclude field"),
        # The app's views of the story across events, reached from the full-screen event too: a
        # modal screen keeps the app's own bindings from its keys.
        Binding("F", "app.frequencies", "Frequencies of the field", show=False),
        Binding("p", "app.person", "The person of this event", show=False),
        Binding("R", "app.related", "Events related to this one", show=False),
    ]

    #: True while the raw JSON is shown instead of the explanation.
    raw: reactive[bool] = reactive(False, init=False)

    class Shown(Message):
        """The pane came into view (the terminal grew wide enough for it): it has an event to show."""

    def on_show(self) -> None:
        self.post_message(self.Shown())

    class FilterRequested(Message):
        """The user asked to keep (`=`) or drop (`-`, `!`) the events whose field holds this value."""

        def __init__(self, pane: DetailPane, query: str) -> None:
            super().__init__()
            self.pane = pane
            #: a query `tui.core.query.parse` accepts, such as `requestData.lock:true`
            self.query = query

        @property
        def control(self) -> DetailPane:
            """The pane the request came from."""
            return self.pane

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        #: the event shown (None before the first `show`)
        self.record: EventRecord | None = None
        #: what catalog.explain says about it
        self.explanation: Explanation | None = None
        #: what the event is called, such as `action · file @ byte N`
        self.title_text = ""
        self._raw_stale = True

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-header"):
            yield Static(Text("No event selected.", style="dim"), id="detail-summary")
        tree = FieldTree(Text("event"), id="detail-tree")
        tree.show_root = False
        tree.guide_depth = 3
        tree.auto_expand = False
        yield tree
        with VerticalScroll(id="detail-field-box"):
            yield Static("", id="detail-field")
        yield Static("", id="detail-raw-title")
        with VerticalScroll(id="detail-raw"):
            yield Static("", id="detail-json")

    def on_mount(self) -> None:
        if self.record is not None:
            self._render_event()

    # ---------------------------------------------------------------- showing an event

    def show(self, record: EventRecord, explanation: Explanation | None, title: str) -> None:
        """Show an event (or, when record.event is None, why it cannot be shown).

        Args:
            record: the event as re-read from its source.
            explanation: what `catalog.explain` says about it (None: no explanation).
            title: what to call it, such as `action · file @ byte N`.
        """
        self.record = record
        self.explanation = explanation
        self.title_text = title
        self._raw_stale = True
        if self.is_mounted:
            self._render_event()

    @property
    def event(self) -> dict | None:
        """The event shown, or None."""
        return self.record.event if self.record is not None else None

    @property
    def field(self) -> FieldNode | None:
        """The field under the tree's cursor (the one `y`, `=` and `-` act on)."""
        try:
            node = self.query_one("#detail-tree", Tree).cursor_node
        except NoMatches:
            return None
        return node.data if node is not None else None

    def _render_event(self) -> None:
        record = self.record
        assert record is not None
        header = self.query_one("#detail-summary", Static)
        tree: Tree[FieldNode | None] = self.query_one("#detail-tree", Tree)
        tree.clear()
        if record.event is None:
            self.add_class("-problem")
            header.update(problem_text(self.title_text, record.problem))
            self.query_one("#detail-field", Static).update("")
        else:
            self.remove_class("-problem")
            header.update(header_text(self.title_text, self.explanation))
            self._build_tree(tree, record.event)
            # A new event starts at its first field, scrolled to the top, whatever the last one showed.
            tree.scroll_home(animate=False)
            tree.cursor_line = 0
            first = tree.root.children[0] if tree.root.children else None
            self._show_field(first.data if first is not None else None)
        self.query_one("#detail-header", VerticalScroll).scroll_home(animate=False)
        if self.raw:
            self._render_raw()

    def _build_tree(self, tree: Tree[FieldNode | None], event: object) -> None:
        explanation = self.explanation
        notes = {note.path: note for note in explanation.notes} if explanation else {}
        flagged: dict[str, tuple[str, str]] = {}
        for finding in explanation.findings if explanation else ():
            for path in finding.paths:
                flagged.setdefault(path, (finding.level, finding.title))  # the findings come highest level first
        if not is_branch(event):
            field = FieldNode("", (), event, False, notes.get(""))
            tree.root.add_leaf(node_label("(value)", field), data=field)
            return
        self._add_children(tree.root, event, "", (), 0, True, notes, flagged)

    def _add_children(self, parent: TreeNode[FieldNode | None], value: object, shown: str, parts: tuple[str, ...],
                      depth: int, queryable: bool, notes: dict[str, Note], flagged: dict[str, tuple[str, str]]) -> None:
        items = children(value)
        in_list = isinstance(value, list)
        for key, item in items[:MAX_CHILDREN]:
            path = child_path(shown, key)
            keys = parts if isinstance(key, int) else parts + (key,)
            ok = queryable and not (in_list and isinstance(item, list))
            branch = is_branch(item) and depth + 1 < MAX_DEPTH
            field = FieldNode(path, keys, item, branch, notes.get(path), flagged.get(path), ok)
            if branch:
                node = parent.add(node_label(key, field), data=field, expand=True)
                self._add_children(node, item, path, keys, depth + 1, ok, notes, flagged)
            else:
                parent.add_leaf(node_label(key, field), data=field)
        if len(items) > MAX_CHILDREN:
            more = Text(f"… {len(items) - MAX_CHILDREN:,} more: r shows the raw JSON", style="dim italic")
            parent.add_leaf(more, data=None)

    def _show_field(self, field: FieldNode | None) -> None:
        self.query_one("#detail-field", Static).update(field_text(field) if field is not None else "")

    def _render_raw(self) -> None:
        record = self.record
        if record is None:
            content = Text("No event selected.", style="dim")
        elif record.event is None:
            content = problem_text(self.title_text, record.problem)
        else:
            content = json_text(record.event)
        self.query_one("#detail-json", Static).update(content)
        title = Text(RAW_TITLE, style="bold")
        if self.title_text:
            title.append(" · " + printable(self.title_text), style="dim")
        self.query_one("#detail-raw-title", Static).update(title)
        self.query_one("#detail-raw", VerticalScroll).scroll_home(animate=False)
        self._raw_stale = False

    @on(Tree.NodeHighlighted, "#detail-tree")
    def _on_field_highlighted(self, event: Tree.NodeHighlighted[FieldNode | None]) -> None:
        event.stop()
        self._show_field(event.node.data)

    @on(Tree.NodeSelected, "#detail-tree")
    def _on_field_selected(self, event: Tree.NodeSelected[FieldNode | None]) -> None:
        # Enter on a branch folds or unfolds it; the event must not reach the app as a selection.
        event.stop()
        if event.node.allow_expand:
            event.node.toggle()

    def watch_raw(self, raw: bool) -> None:
        self.set_class(raw, "-raw")
        if raw and self._raw_stale:
            self._render_raw()
        self.focus_content()

    def focus_content(self) -> None:
        """Give the keys to what the pane shows: the field tree, or the raw JSON (never a hidden one)."""
        self.query_one("#detail-raw" if self.raw else "#detail-tree").focus()

    # ---------------------------------------------------------------- actions

    def action_toggle_raw(self) -> None:
        """Switch between the explanation and the raw JSON."""
        self.raw = not self.raw

    def action_line(self, step: int) -> None:
        """Down (1) or up (-1) a line as the arrows go: the tree's cursor, or the text that has the keys."""
        focused = self.screen.focused
        if isinstance(focused, Tree):
            if step > 0:
                focused.action_cursor_down()
            else:
                focused.action_cursor_up()
        elif isinstance(focused, VerticalScroll) and self in focused.ancestors:
            if step > 0:
                focused.scroll_down()
            else:
                focused.scroll_up()

    def action_copy_event(self) -> None:
        """Copy the whole event, as compact JSON, to the terminal's clipboard."""
        event = self.event
        if event is None:
            self.notify("There is no event to copy.", severity="warning", markup=False)
            return
        data = jsontext.dumps(event)
        self.app.copy_to_clipboard(data)
        self.notify(f"Copied the event ({len(data.encode()):,} bytes of JSON) to the clipboard with OSC 52.",
                    title="Copied", markup=False)

    def action_copy_field(self) -> None:
        """Copy the value of the field under the cursor (strings as they are, the rest as JSON)."""
        field = self.field if self.event is not None else None
        if field is None:
            self.notify("There is no field to copy.", severity="warning", markup=False)
            return
        data = value_text(field.value)
        self.app.copy_to_clipboard(data)
        size = f"{len(data):,} characters" if data else "empty"
        self.notify(f"Copied the value of {printable(field.path or 'the event')} ({size}) to the clipboard with OSC 52.",
                    title="Copied", markup=False)

    def action_keep_field(self) -> None:
        """Ask for the events whose field under the cursor holds the same value."""
        self._request_filter(exclude=False)

    def action_drop_field(self) -> None:
        """Ask for the events whose field under the cursor does not hold this value."""
        self._request_filter(exclude=True)

    def _request_filter(self, *, exclude: bool) -> None:
        field = self.field if self.event is not None else None
        if field is None:
            self.notify("There is no field to filter on.", severity="warning", markup=False)
            return
        query = field_query(field.parts, field.value, exclude=exclude) if field.queryable else None
        if query is None:
            why = ("it holds several values: choose one of its fields" if field.branch
                   else "the query language cannot name it or match its value")
            self.notify(f"Cannot filter on {printable(field.path)}: {why}.", severity="warning", markup=False)
            return
        self.post_message(self.FilterRequested(self, query))


# ----------------------------------------------------------------------------- comparing two events


class CompareScreen(ModalScreen[None]):
    """The fields that differ between the marked event and this one, side by side."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Back")]
    DEFAULT_CSS = """
    CompareScreen { background: $background 60%; }
    CompareScreen > #compare-box { border: round $accent; background: $surface; margin: 1 2; height: 1fr; }
    CompareScreen #compare-heading { height: auto; padding: 0 1; }
    CompareScreen #compare-table { height: 1fr; }
    CompareScreen #compare-field-box { height: auto; max-height: 35%; padding: 0 1; border-top: solid $accent 50%; }
    """

    def __init__(self, marked: tuple[str, object], current: tuple[str, object]) -> None:
        """Compare two events.

        Args:
            marked: the title and event the user marked first (the "before").
            current: the title and event shown now (the "after").
        """
        super().__init__()
        self.marked_title, self.marked_event = marked
        self.current_title, self.current_event = current
        #: the differing fields, in document order
        self.diffs: list[FieldDiff] = diff_events(self.marked_event, self.current_event)
        self._widths: tuple[int, int, int] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-box") as box:
            box.border_title = self.summary()
            yield Static(self._heading(), id="compare-heading")
            table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True, id="compare-table")
            table.display = bool(self.diffs)
            yield table
            with VerticalScroll(id="compare-field-box"):
                yield Static(Text("The two events are identical: no field differs.", style="bold")
                             if not self.diffs else "", id="compare-field")
        yield KeyLine()

    def summary(self) -> str:
        """How many fields differ, and how."""
        if not self.diffs:
            return "No field differs"
        counts = {kind: sum(1 for d in self.diffs if d.kind == kind) for kind in ("changed", "added", "removed")}
        parts = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
        noun = "field differs" if len(self.diffs) == 1 else "fields differ"
        return f"{len(self.diffs)} {noun} ({parts})"

    def _heading(self) -> Text:
        out = Text()
        out.append("marked ", style="bold yellow")
        out.append(printable(self.marked_title) + "\n", style="dim")
        out.append("this   ", style="bold green")
        out.append(printable(self.current_title), style="dim")
        return out

    def on_mount(self) -> None:
        self._fill()
        self.query_one("#compare-table", DataTable).focus()
        if self.diffs:
            self._show_diff(self.diffs[0])

    def on_resize(self) -> None:
        self._fill()

    def _column_widths(self) -> tuple[int, int, int]:
        # The box's margins and border, and one cell of padding either side of each column.
        room = max(30, self.app.size.width - 4 - 2 - 6 - 1)
        longest = max((len(printable(d.path)) for d in self.diffs), default=10)
        path = min(longest + 2, max(12, room * 45 // 100))
        side = max(8, (room - path) // 2)
        return path, side, side

    def _fill(self) -> None:
        if not self.diffs:
            return
        widths = self._column_widths()
        if widths == self._widths:
            return
        self._widths = widths
        table: DataTable[Text] = self.query_one("#compare-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        path_w, side_w, _ = widths
        table.add_column(Text("Field"), width=path_w, key="path")
        table.add_column(Text("Marked event"), width=side_w, key="before")
        table.add_column(Text("This event"), width=side_w, key="after")
        marks = {"changed": "~ ", "added": "+ ", "removed": "- "}
        for diff in self.diffs:
            table.add_row(
                Text(marks[diff.kind] + _tail(diff.path, path_w - 2), style="bold"),
                self._cell(diff.before, side_w, "red"),
                self._cell(diff.after, side_w, "green"),
            )
        table.move_cursor(row=min(row, len(self.diffs) - 1))

    @staticmethod
    def _cell(value: str | None, width: int, style: str) -> Text:
        if value is None:
            return Text("(absent)", style="dim italic")
        if value == "":
            return Text('""', style="dim")
        return Text(fit(value, width).rstrip(), style=style)

    def _show_diff(self, diff: FieldDiff) -> None:
        out = Text()
        out.append(printable(diff.path or "(the whole value)"), style="bold")
        out.append(f"  {diff.kind}\n", style="dim")
        for name, value, style in (("marked", diff.before, "red"), ("this  ", diff.after, "green")):
            out.append(f"{name} ", style="dim")
            if value is None:
                out.append("(absent)", style="dim italic")
            else:
                out.append(_shorten(value, FIELD_VALUE_LIMIT) if value else '""', style=style)
            out.append("\n")
        out.rstrip()
        self.query_one("#compare-field", Static).update(out)

    @on(DataTable.RowHighlighted, "#compare-table")
    def _on_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.diffs):
            self._show_diff(self.diffs[event.cursor_row])

    def action_close(self) -> None:
        """Back to the events."""
        self.dismiss(None)

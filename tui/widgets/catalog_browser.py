"""The catalog beside the table: services, sections and actions, with the events seen of each."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static, Tree
from textual.widgets.tree import TreeNode

from catalog import Catalog
from catalog.model import Action, FieldDoc

from ..core.present import printable
from ..core.query import quote_value
from . import direct

#: What a node of the tree stands for.
Kind = Literal["service", "section", "action", "unknowns", "unknown"]
#: A node's identity across rebuilds of the tree: (kind, service, name).
Key = tuple[str, str, str]

#: The top-level branch of the actions seen in the inputs that the catalog does not know.
UNKNOWN_TITLE = "Not in the catalog"
#: How a pattern service such as `<service-name>` is described (as `atlens catalog` does).
ANY_SERVICE_TITLE = "Actions of any service"
_UNKNOWNS_KEY: Key = ("unknowns", "", "")
#: Concrete action names remembered with what the catalog says of them (names come from logs).
_RESOLVED_MAX = 50_000

_DIM = Style(dim=True)
_COUNT = Style(bold=True)


# ----------------------------------------------------------------------------- queries

#: Characters a value may hold unquoted and unescaped in the query language.
_PLAIN = re.compile(r"[A-Za-z0-9_.\-]+")
#: A placeholder (`<service-name>`) or star in a catalog pattern action.
_WILDCARD = re.compile(r"(<[^>]*>|\*)")


def pattern_value(name: str) -> str:
    """A catalog pattern as a wildcard value: `<placeholder>` and `*` become `*`, the rest is literal."""
    out: list[str] = []
    for piece in _WILDCARD.split(name):
        if not piece:
            continue
        if piece == "*" or piece.startswith("<"):
            out.append("*")
        else:
            out.append("".join(ch if _PLAIN.fullmatch(ch) else "\\" + ch for ch in piece))
    value = "".join(out)
    # A leading "-" would read as a negation inside a group.
    return "\\" + value if value.startswith("-") else value


def action_value(action: Action) -> str:
    """The value that selects an action's events: a wildcard for a pattern action, else its name."""
    return pattern_value(action.name) if action.pattern else quote_value(action.name)


def _any_of(values: list[str]) -> str:
    """`action:v` for one value, `action:(a OR b)` for several."""
    if len(values) == 1:
        return f"action:{values[0]}"
    return "action:(" + " OR ".join(values) + ")"


# ----------------------------------------------------------------------------- nodes


@dataclass(slots=True, eq=False)
class Entry:
    """What one node of the tree stands for, and the events counted for it."""

    kind: Kind
    #: the action name, the service name or the section title
    name: str
    service: str
    action: Action | None = None
    #: events counted in the current inputs
    count: int = 0

    @property
    def key(self) -> Key:
        """The node's identity across rebuilds."""
        return (self.kind, self.service, self.name)


def _shown_name(entry: Entry) -> str:
    """The name as the tree shows it: actions without their service, which is the node above."""
    if entry.kind == "unknowns":
        return UNKNOWN_TITLE
    if entry.kind == "unknown" and not entry.name:
        return "(no action)"
    if entry.kind == "action" and entry.name.startswith(entry.service + "."):
        return entry.name[len(entry.service) + 1:]
    return entry.name


def _count_suffix(count: int) -> str:
    """What follows the name in a label: two spaces and the count, nothing when there is none."""
    return f"  {count:,}" if count else ""


def _label(entry: Entry) -> Text:
    """A node's label: its name (escaped, dim when no event was seen), then the count."""
    text = Text(printable(_shown_name(entry)), style=_DIM if not entry.count else "", no_wrap=True)
    if entry.kind == "unknown" and not entry.name:
        text.stylize("italic")
    if entry.count:
        text.append(_count_suffix(entry.count), style=_COUNT)
    return text


class CatalogTree(Tree[Entry]):
    """The tree of the catalog browser: labels cut to fit so that counts stay in view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "expand_or_down", "Expand", show=False),
        Binding("left", "collapse_or_up", "Collapse", show=False),
    ]

    def render_label(self, node: TreeNode[Entry], base_style: Style, style: Style) -> Text:
        """The label, with the name cut (…) when the line is too narrow for name and count."""
        text = super().render_label(node, base_style, style)
        entry = node.data
        width = self.scrollable_content_region.width
        if entry is None or width <= 0:
            return text
        depth = 0
        parent = node.parent
        while parent is not None and parent is not self.root:
            depth += 1
            parent = parent.parent
        available = width - depth * self.guide_depth
        if text.cell_len <= available:
            return text
        tail = len(_count_suffix(entry.count))
        head, count = text[: len(text) - tail], text[len(text) - tail:]
        head.truncate(max(1, available - tail), overflow="ellipsis")
        return Text.assemble(head, count, no_wrap=True)

    def relabel(self, labels: list[tuple[TreeNode[Entry], Text]]) -> None:
        """New labels for nodes (counts, as events arrive), drawn at once where they are on screen.

        TreeNode.set_label sends the tree a message per node and has Textual repaint their lines
        through its compositor: following beside the panes, the counts changing as events
        arrive cost a quarter of atlens' CPU that way. Here the labels are set in place and their
        lines written straight to the terminal (direct.paint), or refreshed where it cannot.
        (Textual is pinned: a node's label and its count of updates are private.)
        """
        if not labels:
            return
        for node, label in labels:
            node._label = self.process_label(label)
            node._updates += 1  # part of the key of the tree's cache of drawn lines
        changed = {node for node, _ in labels}
        top = self.scroll_offset.y
        lines = [y for y in range(self.size.height) if self.get_node_at_line(top + y) in changed]
        if lines and not direct.paint(self, lines):
            width = self.size.width
            for y in lines:
                self.refresh(Region(0, y, width, 1))

    def action_expand_or_down(self) -> None:
        """Expand the highlighted node, or go to its first child when it is open."""
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if node.is_expanded:
            self.action_cursor_down()
        else:
            node.expand()

    def action_collapse_or_up(self) -> None:
        """Collapse the highlighted node, or go to its parent when it is closed."""
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        else:
            self.action_cursor_parent()


# ----------------------------------------------------------------------------- the widget


class CatalogBrowser(Vertical):
    """Every documented action by service and section, searchable, with the events seen of each."""

    DEFAULT_CSS = """
    CatalogBrowser { height: 1fr; }
    CatalogBrowser > #catalog-search { height: 1; border: none; padding: 0 1; background: $boost; }
    CatalogBrowser > #catalog-search:focus { background: $primary 25%; }
    CatalogBrowser > #catalog-tree { height: 1fr; overflow-x: hidden; padding: 0; scrollbar-size-vertical: 1; }
    CatalogBrowser > #catalog-info-scroll {
        height: auto; max-height: 40%; border-top: hkey $primary 50%; padding: 0 0 0 1;
        scrollbar-size-vertical: 1;
    }
    CatalogBrowser > #catalog-info-scroll:focus { border-top: hkey $accent; }
    CatalogBrowser #catalog-info { width: 1fr; }
    """

    class FilterRequested(Message):
        """The user asked to filter the table to a service, section or action (`query` parses)."""

        def __init__(self, browser: CatalogBrowser, query: str) -> None:
            super().__init__()
            self.browser = browser
            #: the query to filter the table with, e.g. `action:iam-identity.*`
            self.query = query

        @property
        def control(self) -> CatalogBrowser:
            """The browser the request comes from."""
            return self.browser

    def __init__(self, catalog: Catalog, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        #: the catalog shown
        self.catalog = catalog
        self._services = sorted({a.service for a in catalog.actions.values()},
                                key=lambda s: (s.startswith("<"), s))
        #: service -> section -> actions: sections in the catalog's order (that of IBM's pages), actions by name
        self._by_service: dict[str, dict[str, list[Action]]] = {}
        for action in catalog.actions.values():
            self._by_service.setdefault(action.service, {}).setdefault(action.section, []).append(action)
        for sections in self._by_service.values():
            for actions in sections.values():
                actions.sort(key=lambda a: a.name)
        self._node_of: dict[Key, TreeNode[Entry]] = {}
        self._totals: dict[Key, int] = {}
        self._seen: dict[str, int] = {}
        self._unknown: dict[str, int] = {}
        self._resolved: dict[str, Action | None] = {}
        self._fields: dict[str, list[FieldDoc]] = {}
        self._search = ""
        #: expanded nodes of the full tree, kept while a search shows a narrower one
        self._expanded: set[Key] = {_UNKNOWNS_KEY}
        self._info_shown: Text | None = None
        #: lines the info text took when last shown (None: not laid out yet)
        self._info_lines: int | None = None
        self._built = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search actions", select_on_focus=False, id="catalog-search")
        tree = CatalogTree(Text("catalog"), id="catalog-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree
        with VerticalScroll(id="catalog-info-scroll"):
            yield Static(id="catalog-info")

    def on_mount(self) -> None:
        self._build()

    @property
    def _tree(self) -> CatalogTree:
        return self.query_one("#catalog-tree", CatalogTree)

    # ------------------------------------------------------------------ counts

    def update_counts(self, counts: Mapping[str, int]) -> None:
        """Show the events seen per action name in the current inputs (unchanged counts: no work)."""
        if counts == self._seen:
            return
        self._seen = dict(counts)
        if len(self._resolved) > _RESOLVED_MAX:
            self._resolved.clear()
        totals: dict[Key, int] = {}
        unknown: dict[str, int] = {}
        for name, count in self._seen.items():
            if count <= 0:
                continue
            action = self._resolve(name)
            if action is None:
                unknown[name] = count
                continue
            for key in (("action", action.service, action.name), ("section", action.service, action.section),
                        ("service", action.service, action.service)):
                totals[key] = totals.get(key, 0) + count
        for name, count in unknown.items():
            totals[("unknown", "", name)] = count
        if unknown:
            totals[_UNKNOWNS_KEY] = sum(unknown.values())
        previous, self._totals = self._totals, totals
        self._unknown = unknown
        if not self._built:
            return  # the tree is built with these counts when the browser is mounted
        relabelled: list[TreeNode[Entry]] = []
        for key in previous.keys() | totals.keys():
            node = self._node_of.get(key)
            if node is not None:
                self._set_count(node, totals.get(key, 0), relabelled)
        self._sync_unknowns(relabelled)
        tree = self._tree
        tree.relabel([(node, _label(node.data)) for node in relabelled if node.data is not None])
        self._show_info(tree.cursor_node)

    def _resolve(self, name: str) -> Action | None:
        """The catalog's action for a concrete name (a pattern action for a matching name), cached."""
        try:
            return self._resolved[name]
        except KeyError:
            action = self._resolved[name] = self.catalog.action(name)
            return action

    @staticmethod
    def _set_count(node: TreeNode[Entry], count: int, relabelled: list[TreeNode[Entry]]) -> None:
        """A node's new count; relabelled gets the node when its label must change."""
        entry = node.data
        if entry is not None and entry.count != count:
            entry.count = count
            relabelled.append(node)

    # ------------------------------------------------------------------ building

    def _add(self, parent: TreeNode[Entry], entry: Entry, *, leaf: bool = False, expand: bool = False) -> TreeNode[Entry]:
        entry.count = self._totals.get(entry.key, 0)
        if leaf:
            node = parent.add_leaf(_label(entry), data=entry)
        else:
            node = parent.add(_label(entry), data=entry, expand=expand)
        self._node_of[entry.key] = node
        return node

    def _build(self) -> None:
        """(Re)build the tree for the current search, keeping the highlighted node if it is still there."""
        tree = self._tree
        cursor = tree.cursor_node.data.key if tree.cursor_node is not None and tree.cursor_node.data else None
        words = self._search.casefold().split()
        matches = {a.name for a in self.catalog.search(self._search)} if words else None
        expanded = self._expanded
        if cursor is not None and not words:
            # Coming back from a search: open the way to what was found.
            expanded = expanded | self._ancestors(cursor)
        tree.clear()
        self._node_of = {}
        self._built = True
        first_action: TreeNode[Entry] | None = None
        for service in self._services:
            sections = {title: [a for a in actions if matches is None or a.name in matches]
                        for title, actions in self._by_service[service].items()}
            sections = {title: actions for title, actions in sections.items() if actions}
            if not sections:
                continue
            key: Key = ("service", service, service)
            service_node = self._add(tree.root, Entry("service", service, service),
                                     expand=bool(words) or key in expanded)
            for title, actions in sections.items():
                entry = Entry("section", title, service)
                section_node = self._add(service_node, entry, expand=bool(words) or entry.key in expanded)
                for action in actions:
                    node = self._add(section_node, Entry("action", action.name, service, action), leaf=True)
                    first_action = first_action or node
        self._add_unknowns(expand=bool(words) or _UNKNOWNS_KEY in expanded)
        tree.last_line  # noqa: B018 - lays the lines out, so that nodes know their line
        target = self._node_of.get(cursor) if cursor is not None else None
        if words and (target is None or target.data is None or target.data.kind not in ("action", "unknown")):
            target = first_action or self._first_unknown() or target
        if target is None and tree.last_line >= 0:
            tree.cursor_line = 0
        else:
            tree.move_cursor(target)
        self._show_info(tree.cursor_node)

    def _ancestors(self, key: Key) -> set[Key]:
        """The keys of the nodes above a node of the full tree."""
        kind, service, name = key
        if kind == "unknown":
            return {_UNKNOWNS_KEY}
        if kind == "action":
            action = self.catalog.actions.get(name)
            section = {("section", service, action.section)} if action else set()
            return {("service", service, service)} | section
        if kind == "section":
            return {("service", service, service)}
        return set()

    def _shown_unknowns(self) -> list[str]:
        """Unknown action names that pass the search, most events first."""
        words = self._search.casefold().split()
        names = [n for n in self._unknown if all(w in n.casefold() for w in words)]
        return sorted(names, key=lambda n: (-self._unknown[n], n))

    def _add_unknowns(self, *, expand: bool) -> None:
        names = self._shown_unknowns()
        if not names:
            return
        branch = self._add(self._tree.root, Entry("unknowns", "", ""), expand=expand)
        for name in names:
            self._add(branch, Entry("unknown", name, ""), leaf=True)

    def _first_unknown(self) -> TreeNode[Entry] | None:
        branch = self._node_of.get(_UNKNOWNS_KEY)
        return branch.children[0] if branch is not None and branch.children else None

    def _sync_unknowns(self, relabelled: list[TreeNode[Entry]]) -> None:
        """Bring the "Not in the catalog" branch in line with the counts, keeping the cursor on its action
        (relabelled gets the nodes whose label must change).

        Reordered names are relabelled in place rather than rebuilt: logs may hold thousands of them.
        """
        tree = self._tree
        names = self._shown_unknowns()
        branch = self._node_of.get(_UNKNOWNS_KEY)
        if branch is None:
            if names:
                self._add_unknowns(expand=bool(self._search.split()) or _UNKNOWNS_KEY in self._expanded)
            return
        cursor = tree.cursor_node
        cursor_key = cursor.data.key if cursor is not None and cursor.data is not None else None
        if not names:
            line = branch.line
            for child in branch.children:
                if child.data is not None:
                    self._node_of.pop(child.data.key, None)
            del self._node_of[_UNKNOWNS_KEY]
            branch.remove()
            if cursor_key is not None and cursor_key[0] in ("unknowns", "unknown") and tree.last_line >= 0:
                tree.move_cursor_to_line(max(0, min(line - 1, tree.last_line)))
            return
        children = list(branch.children)
        for child, name in zip(children, names):
            entry = child.data
            if entry is None:
                continue
            if entry.name != name:
                if self._node_of.get(entry.key) is child:
                    del self._node_of[entry.key]
                entry.name = name
                entry.count = -1  # relabel below
            self._node_of[entry.key] = child
            self._set_count(child, self._totals.get(entry.key, 0), relabelled)
        for child in children[len(names):]:
            if child.data is not None and self._node_of.get(child.data.key) is child:
                del self._node_of[child.data.key]
            child.remove()
        for name in names[len(children):]:
            self._add(branch, Entry("unknown", name, ""), leaf=True)
        if cursor_key is not None and cursor_key[0] == "unknown":
            target = self._node_of.get(cursor_key, branch)
            if target is not tree.cursor_node:
                tree.last_line  # noqa: B018 - lays the lines out, so that nodes know their line
                tree.move_cursor(target)

    # ------------------------------------------------------------------ search

    @on(Input.Changed, "#catalog-search")
    def _on_search_changed(self, event: Input.Changed) -> None:
        event.stop()
        before = self._search.casefold().split()
        after = event.value.casefold().split()
        if after and not before:
            self._expanded = {key for key, node in self._node_of.items() if node.is_expanded}
        self._search = event.value
        if after != before:
            self._build()

    @on(Input.Submitted, "#catalog-search")
    def _on_search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._focus_now(self._tree)

    @on(events.Key)
    def _on_key_pressed(self, event: events.Key) -> None:
        search = self.query_one("#catalog-search", Input)
        tree = self._tree
        # The screen's focus, not has_focus: that follows only once the widget has handled its
        # Focus message, after keys typed fast are already queued.
        focused = self.screen.focused
        if focused is search:
            if event.key == "escape":
                event.stop()
                event.prevent_default()
                search.value = ""
                self._focus_now(tree)
            elif event.key == "down":
                event.stop()
                event.prevent_default()
                self._focus_now(tree)
            elif event.character and event.is_printable:
                # Typed fast, letters already handed to the tree before the search box took the
                # focus arrive here (the box handles its own): they belong at the end of the search.
                event.stop()
                event.prevent_default()
                search.insert_text_at_cursor(event.character)
        elif focused is tree:
            char = event.character
            if (char and event.is_printable and not char.isspace()
                    and event.key not in self.screen.active_bindings):
                # Type to search; keys the app binds (quit, filter...) keep their meaning.
                event.stop()
                event.prevent_default()
                search.value = char
                search.cursor_position = len(char)
                self._focus_now(search)

    def _focus_now(self, widget: Widget) -> None:
        """Focus widget before the next key is handled: keys typed fast (a pasted word, Enter
        twice) would otherwise still go to the widget that had the focus, one after another."""
        self.screen.set_focus(widget)

    # ------------------------------------------------------------------ the tree

    @on(Tree.NodeHighlighted, "#catalog-tree")
    def _on_node_highlighted(self, event: Tree.NodeHighlighted[Entry]) -> None:
        event.stop()
        self._show_info(event.node)

    @on(Tree.NodeSelected, "#catalog-tree")
    def _on_node_selected(self, event: Tree.NodeSelected[Entry]) -> None:
        event.stop()
        entry = event.node.data
        query = self.query_for(entry) if entry is not None else None
        if query:
            self.post_message(self.FilterRequested(self, query))

    def query_for(self, entry: Entry) -> str | None:
        """The query that shows the events of a node (None for the "Not in the catalog" branch)."""
        if entry.kind == "action" and entry.action is not None:
            return f"action:{action_value(entry.action)}"
        if entry.kind == "unknown":
            return f"action:{quote_value(entry.name)}"
        if entry.kind == "section":
            return _any_of([action_value(a) for a in self._by_service[entry.service].get(entry.name, [])])
        if entry.kind == "service":
            if "<" in entry.service or "*" in entry.service:
                return _any_of([action_value(a) for actions in self._by_service[entry.service].values()
                                for a in actions])
            return f"action:{pattern_value(entry.service)}.*"
        return None

    # ------------------------------------------------------------------ the info area

    def _show_info(self, node: TreeNode[Entry] | None) -> None:
        text = self._info_text(node.data if node is not None else None)
        if text != self._info_shown:
            infos = self.query("#catalog-info").results(Static)
            info = next(infos, None)
            if info is None:
                # The info area sits in a scroll box that mounts it after the browser's own Mount
                # has been handled: it is filled once it is there.
                self.call_after_refresh(self._show_cursor_info)
                return
            self._info_shown = text
            # Following, the counts in it change every 2 s: laying the whole screen out again
            # for each (a fifth of the CPU of following beside the panes) is only needed when the
            # text takes another number of lines.
            width = info.size.width
            lines = len(text.wrap(self.app.console, width)) if width else None
            same_height = lines is not None and lines == self._info_lines
            info.update(text, layout=not same_height)
            self._info_lines = lines
            if same_height:
                direct.paint(info)  # at once, not through Textual's compositor (see CatalogTree.relabel)

    def _show_cursor_info(self) -> None:
        """The info area about the tree's cursor, if the browser still has its tree."""
        tree = next(self.query("#catalog-tree").results(CatalogTree), None)
        if tree is not None and self.is_attached:
            self._show_info(tree.cursor_node)

    def _info_text(self, entry: Entry | None) -> Text:
        """What the info area says about a node (every string escaped, never markup)."""
        out = Text()
        if entry is None:
            out.append("No action matches the search.\n" if self._search.split() else "The catalog is empty.\n",
                       style="italic")
            return out
        if entry.kind == "action" and entry.action is not None:
            self._action_info(out, entry.action, entry.count)
        elif entry.kind == "service":
            title = self.catalog.service_title(entry.service) or (
                ANY_SERVICE_TITLE if entry.service.startswith("<") else "")
            out.append(printable(title or entry.service), style="bold")
            if title:
                out.append(f" ({printable(entry.service)})")
            out.append("\n")
            total = sum(len(a) for a in self._by_service[entry.service].values())
            sections = len(self._by_service[entry.service])
            out.append(f"{_plural(total, 'action')} in {_plural(sections, 'section')} · ", style="dim")
            out.append(_events(entry.count) + "\n")
            service = self.catalog.services.get(entry.service)
            if service is not None and service.source:
                out.append(printable(service.source) + "\n", style="dim")
                if service.source_url:
                    out.append(printable(service.source_url) + "\n", style="dim")
        elif entry.kind == "section":
            out.append(printable(entry.name), style="bold")
            out.append(" · " + printable(self.catalog.service_title(entry.service) or entry.service) + "\n")
            actions = self._by_service[entry.service].get(entry.name, [])
            out.append(f"{_plural(len(actions), 'action')} · ", style="dim")
            out.append(_events(entry.count) + "\n")
        elif entry.kind == "unknowns":
            out.append(UNKNOWN_TITLE, style="bold")
            out.append(f"\n{_plural(len(self._unknown), 'action')} seen in the inputs that the catalog does not document · ")
            out.append(_events(entry.count) + "\n")
        else:
            out.append(printable(entry.name) if entry.name else "(no action)", style="bold")
            out.append("\nNot in the catalog · ", style="italic")
            out.append(_events(entry.count) + "\n")
        if entry.kind != "unknowns":
            out.append("Enter: filter the table to it", style="dim")
        out.rstrip()
        return out

    def _action_info(self, out: Text, action: Action, count: int) -> None:
        out.append(printable(action.name) + "\n", style="bold")
        out.append(_events(count) + "\n", style="" if count else "dim")
        if action.pattern:
            seen = sorted((n for n in self._seen if self._resolve(n) is action), key=lambda n: -self._seen[n])
            if seen:
                out.append("Seen as " + ", ".join(printable(n) for n in seen[:5])
                           + (", …" if len(seen) > 5 else "") + "\n", style="dim")
        if action.deprecated:
            out.append("Deprecated.\n", style="bold yellow")
        out.append(printable(action.description) + "\n")
        out.append(f"{printable(action.section)} · {printable(action.source)}\n", style="dim")
        if action.source_url:
            # Plain text to copy, not a link: a user catalog's address is untrusted.
            out.append(printable(action.source_url) + "\n", style="dim")
        docs = self._documented_fields(action)
        if docs:
            out.append("Fields\n", style="bold underline")
            for doc in docs:
                out.append("  " + printable(doc.path) + "\n", style="bold")
                out.append("    " + printable(doc.meaning) + "\n", style="dim")
        if action.also:
            out.append("See also " + ", ".join(printable(a) for a in action.also) + "\n", style="dim")
        if action.note:
            out.append(printable(action.note) + "\n", style="dim")

    def _documented_fields(self, action: Action) -> list[FieldDoc]:
        """The fields the catalog documents for this action in particular (not those of every event)."""
        cached = self._fields.get(action.name)
        if cached is None:
            chosen: dict[str, FieldDoc] = {}
            # Later files (user catalogs) win, as in Catalog.field_doc.
            for doc in reversed(self.catalog.fields):
                if doc.actions and doc.path not in chosen and any(fnmatchcase(action.name, p) for p in doc.actions):
                    chosen[doc.path] = doc
            cached = self._fields[action.name] = list(reversed(chosen.values()))
        return cached


def _plural(count: int, noun: str) -> str:
    """`1 action`, `12 actions`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _events(count: int) -> str:
    """`1 event in the inputs`, `12 events ...`, `no events ...`."""
    return (_plural(count, "event") if count else "no events") + " in the inputs"


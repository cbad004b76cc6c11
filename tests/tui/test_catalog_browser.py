"""Pilot tests of the catalog browser: the tree, live counts, search, filter requests, the info area."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static, Tree
from textual.widgets.tree import TreeNode

from catalog import loader
from tui.core import query
from tui.core.present import printable
from tui.widgets.catalog_browser import CatalogBrowser

CATALOG = loader.load()
HOSTILE = "[bold]x[/]\x1b[31m"


class Host(App[None]):
    """Only the browser (over CATALOG, or the catalog given), and the filter requests it sent; "e"
    is bound as in atlens."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("e", "errors", "Bad lines")]

    def __init__(self, catalog: loader.Catalog | None = None) -> None:
        super().__init__()
        self.catalog = catalog or CATALOG
        self.requests: list[str] = []
        self.errors_opened = 0

    def action_errors(self) -> None:
        self.errors_opened += 1

    def compose(self) -> ComposeResult:
        yield CatalogBrowser(self.catalog, id="browser")

    @on(CatalogBrowser.FilterRequested)
    def _on_filter_requested(self, event: CatalogBrowser.FilterRequested) -> None:
        assert event.control is self.query_one(CatalogBrowser)
        self.requests.append(event.query)


def browser(app: App[None]) -> CatalogBrowser:
    return app.query_one(CatalogBrowser)


def tree_of(app: App[None]) -> Tree:
    return app.query_one("#catalog-tree", Tree)


def tree_lines(app: App[None]) -> list[str]:
    """The visible lines of the tree, as the user sees them."""
    tree = tree_of(app)
    return [line for y in range(tree.size.height) if (line := tree.render_line(y).text.rstrip())]


def info_text(app: App[None]) -> str:
    """What the info area under the tree says."""
    content = app.query_one("#catalog-info", Static).content
    assert isinstance(content, Text), "catalog and log text is shown as Text, never parsed as markup"
    return content.plain


def cursor_line(app: App[None]) -> str:
    tree = tree_of(app)
    return tree.render_line(tree.cursor_line - tree.scroll_offset.y).text.rstrip()


async def search(pilot, app: App[None], text: str) -> None:
    """Type into the search box, then Enter: the tree takes the focus on the first match."""
    box = app.query_one("#catalog-search", Input)
    box.focus()
    box.value = ""
    await pilot.press(*text)
    await pilot.press("enter")
    await pilot.pause()
    assert app.focused is tree_of(app)


def nodes(node: TreeNode) -> list[TreeNode]:
    """Every node under node, collapsed ones included."""
    found = []
    for child in node.children:
        found.append(child)
        found += nodes(child)
    return found


async def test_the_tree_lists_every_service_of_the_catalog() -> None:
    app = Host()
    async with app.run_test(size=(60, 40)) as pilot:
        await pilot.pause()
        lines = tree_lines(app)
        services = sorted({a.service for a in CATALOG.actions.values()}, key=lambda s: (s.startswith("<"), s))
        assert lines == [f"▶ {name}" for name in services]
        assert "iam-identity" in services and "cloudantnosqldb" in services
        # The highlighted service is described below the tree.
        assert "Billing" in info_text(app) or "billing" in info_text(app)
        # With the page it is documented in, and that page's address.
        assert "Auditing events for account management\n" in info_text(app)
        assert "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-at_events_acc_mgt\n" in info_text(app)
        assert "Enter: filter the table to it" in info_text(app)


async def test_counts_follow_the_data_and_add_up_on_sections_and_services() -> None:
    app = Host()
    async with app.run_test(size=(60, 40)) as pilot:
        b = browser(app)
        b.update_counts({"iam-identity.account-serviceid.update": 12, "iam-identity.account-serviceid.delete": 1,
                         "iam-identity.serviceid-apikey.login": 1000,
                         # the pattern <service-name>.tag.attach collects every service's tag.attach
                         "is.instance.tag.attach": 2, "cloud-object-storage.tag.attach": 5})
        await pilot.pause()
        assert "▶ iam-identity  1,013" in tree_lines(app)
        assert "▶ <service-name>  7" in tree_lines(app)
        assert "▶ billing" in tree_lines(app), "services without events stay listed, without a count"

        await search(pilot, app, "serviceid")
        lines = tree_lines(app)
        assert lines[:6] == [
            "▼ iam-identity  1,013",
            "├ ▼ Service ID events  13",
            "│ ├ account-serviceid.create",
            "│ ├ account-serviceid.delete  1",
            "│ └ account-serviceid.update  12",
            "├ ▼ API key events",
        ]
        # An action without events is dimmed; one with events is not.
        tree = tree_of(app)
        for y, dim in ((2, True), (4, False)):
            name_segments = [s for s in tree.render_line(y) if "account-serviceid" in s.text]
            assert name_segments and all(bool(s.style and s.style.dim) == dim for s in name_segments)

        # Live: new counts relabel in place; the cursor and what is open stay where they were.
        assert cursor_line(app).endswith("account-serviceid.create"), "Enter in the search: the first match"
        await pilot.press("down", "down")
        assert cursor_line(app).endswith("account-serviceid.update  12")
        b.update_counts({"iam-identity.account-serviceid.update": 40, "iam-identity.serviceid-apikey.login": 1000})
        await pilot.pause()
        assert cursor_line(app).endswith("account-serviceid.update  40")
        assert tree_lines(app)[:2] == ["▼ iam-identity  1,040", "├ ▼ Service ID events  40"]
        assert "40 events in the inputs" in info_text(app)
        assert tree_lines(app)[3] == "│ ├ account-serviceid.delete", "a count that falls to zero disappears"


async def test_actions_the_catalog_does_not_know_are_listed_apart_most_events_first() -> None:
    app = Host()
    async with app.run_test(size=(60, 40)) as pilot:
        browser(app).update_counts({"iam-identity.account-serviceid.update": 3, "acme.widget.frobnicate": 2,
                                    "acme.widget.create": 9})
        await pilot.pause()
        assert tree_lines(app)[-3:] == [
            "▼ Not in the catalog  11",
            "├ acme.widget.create  9",
            "└ acme.widget.frobnicate  2",
        ]
        tree_of(app).focus()
        await pilot.press("end")
        assert cursor_line(app) == "└ acme.widget.frobnicate  2"
        assert "Not in the catalog" in info_text(app)
        # The order follows the counts; the cursor stays on the action it was on.
        browser(app).update_counts({"acme.widget.frobnicate": 20, "acme.widget.create": 9})
        await pilot.pause()
        assert tree_lines(app)[-3:] == [
            "▼ Not in the catalog  29",
            "├ acme.widget.frobnicate  20",
            "└ acme.widget.create  9",
        ]
        assert cursor_line(app) == "├ acme.widget.frobnicate  20"
        await pilot.press("enter")
        assert app.requests == ["action:acme.widget.frobnicate"]
        # With every action known again, the branch goes away.
        browser(app).update_counts({"iam-identity.account-serviceid.update": 3})
        await pilot.pause()
        assert not any("Not in the catalog" in line for line in tree_lines(app))
        assert tree_of(app).cursor_node is not None


async def test_hostile_action_names_from_the_logs_are_shown_literally() -> None:
    app = Host()
    async with app.run_test(size=(60, 40)) as pilot:
        browser(app).update_counts({HOSTILE: 4})
        await pilot.pause()
        tree_of(app).focus()
        await pilot.press("end")
        shown = "└ [bold]x[/]\\x1b[31m  4"
        assert cursor_line(app) == shown
        assert "\x1b" not in "".join(tree_lines(app))
        assert info_text(app).startswith("[bold]x[/]\\x1b[31m\nNot in the catalog")
        # Enter asks for that name with nothing in it read as syntax; its control character,
        # which a query line cannot show, is the one-character wildcard.
        await pilot.press("enter")
        (requested,) = app.requests
        node = query.parse(requested)
        assert isinstance(node, query.Match)
        assert printable(requested) == requested
        assert query.value_matches(node.value, HOSTILE)
        assert not query.value_matches(node.value, HOSTILE.replace("[bold]", "[b]"))


async def test_typing_narrows_the_tree_and_escape_brings_everything_back() -> None:
    app = Host()
    async with app.run_test(size=(60, 40)) as pilot:
        tree = tree_of(app)
        tree.focus()
        # A key the app binds keeps its meaning.
        await pilot.press("e")
        assert app.errors_opened == 1 and app.focused is tree
        # Type to search: any other letter typed in the tree goes to the search box.
        await pilot.press("s")
        box = app.query_one("#catalog-search", Input)
        assert app.focused is box and box.value == "s"
        await pilot.press(*"erviceid")
        await pilot.pause()
        lines = tree_lines(app)
        actions = [line for line in lines if line.lstrip("│├└ ").count(".")]
        assert sorted(line.split()[-1] for line in actions) == sorted(
            a.name.removeprefix("iam-identity.") for a in CATALOG.search("serviceid"))
        assert all("serviceid" in line for line in actions) and len(actions) == 7
        assert lines[0] == "▼ iam-identity" and not any("billing" in line for line in lines)
        # Down goes into the tree; the first match is highlighted and described.
        await pilot.press("down")
        assert app.focused is tree
        assert cursor_line(app).endswith("account-serviceid.create")
        assert info_text(app).startswith("iam-identity.account-serviceid.create")
        # Escape in the search box clears it: the whole catalog again, still on that action.
        box.focus()
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is tree and box.value == ""
        assert "▶ billing" in tree_lines(app)
        assert cursor_line(app).endswith("account-serviceid.create")
        # Nothing matches: said so, not a blank.
        await search(pilot, app, "nosuchthingatall")
        assert tree_lines(app) == []
        assert "No action matches" in info_text(app)


async def test_enter_on_an_action_asks_for_its_events() -> None:
    app = Host()
    async with app.run_test(size=(80, 40)) as pilot:
        await search(pilot, app, "account-serviceid.update")
        assert cursor_line(app).endswith("account-serviceid.update")
        await pilot.press("enter")
        assert app.requests == ["action:iam-identity.account-serviceid.update"]
        node = query.parse(app.requests[0])
        assert isinstance(node, query.Match) and node.field.paths == (("action",),)
        assert query.value_matches(node.value, "iam-identity.account-serviceid.update")


async def test_enter_on_a_service_asks_for_all_its_actions() -> None:
    app = Host()
    async with app.run_test(size=(80, 40)) as pilot:
        tree_of(app).focus()
        await pilot.press("home", "enter")
        assert app.requests == ["action:billing.*"]
        first_section = next(a.section for a in CATALOG.actions.values() if a.service == "billing")
        assert tree_lines(app)[1] == f"├ ▶ {first_section}", "Enter also opens the service"
        # The pattern service: any service's tag actions.
        await pilot.press("end")
        assert cursor_line(app) == "▶ <service-name>"
        await pilot.press("enter")
        assert app.requests[-1] == "action:(*.tag.attach OR *.tag.detach)"
        node = query.parse(app.requests[-1])
        assert isinstance(node, query.Or)
        assert any(query.value_matches(child.value, "is.instance.tag.attach") for child in node.children)


async def test_every_node_of_the_real_catalog_asks_for_a_query_that_parses_and_matches() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        b = browser(app)
        everything = nodes(tree_of(app).root)
        assert len([n for n in everything if n.data.kind == "action"]) == len(CATALOG.actions)
        for node in everything:
            entry = node.data
            text = b.query_for(entry)
            assert text is not None, entry
            parsed = query.parse(text)
            under = [n.data.action for n in [node, *nodes(node)] if n.data.kind == "action"]
            for action in under:
                concrete = action.name.replace("<service-name>", "is.instance")
                values = parsed.children if isinstance(parsed, query.Or) else (parsed,)
                assert any(query.value_matches(v.value, concrete) for v in values), (text, concrete)


async def test_the_info_area_describes_the_highlighted_action_and_its_documented_fields() -> None:
    app = Host()
    async with app.run_test(size=(100, 50)) as pilot:
        browser(app).update_counts({"iam-identity.account-serviceid.update": 5})
        await search(pilot, app, "account-serviceid.update")
        action = CATALOG.action("iam-identity.account-serviceid.update")
        assert action is not None
        text = info_text(app)
        assert text.startswith("iam-identity.account-serviceid.update\n5 events in the inputs\n")
        assert action.description in text
        # Where it is documented: the page's title and its address, as plain text to copy.
        assert "Service ID events · Auditing events for IAM\n" in text
        assert "https://cloud.ibm.com/docs/activity-tracker?topic=activity-tracker-at_events_iam\n" in text
        assert "000_" not in text
        lock = CATALOG.field_doc("requestData.lock", action.name)
        assert lock is not None and lock.actions, "a field documented for this action in particular"
        assert "\nFields\n" in text
        assert "  requestData.lock\n    " + lock.meaning in text
        # Fields documented for every event are not repeated for each action.
        assert "eventTime" not in text
        # Moving the cursor describes the next action.
        await pilot.press("down", "down")
        assert cursor_line(app).endswith("serviceid-apikey.update")
        assert info_text(app).startswith("iam-identity.serviceid-apikey.update\nno events in the inputs")


async def test_keyboard_only_at_36_columns() -> None:
    app = Host()
    async with app.run_test(size=(36, 24)) as pilot:
        browser(app).update_counts({"globalcatalog-instance.offering-instance.retrieve_history": 7,
                                    "iam-identity.account-serviceid.update": 12})
        tree = tree_of(app)
        tree.focus()
        await pilot.press("home")
        for _ in range(6):
            await pilot.press("down")
        assert cursor_line(app) == "▶ globalcatalog-instance  7"
        # Right opens, Right again steps in; Left goes back up and closes.
        await pilot.press("right", "right", "right", "down")
        for _ in range(10):
            if "retrieve" in cursor_line(app):
                break
            await pilot.press("down")
        line = cursor_line(app)
        assert len(line) <= 36 and line.endswith("…  7"), "a long name is cut so that its count stays in view"
        assert "globalcatalog-instance.offering-instance.retrieve_history" in info_text(app)
        section = CATALOG.actions["globalcatalog-instance.offering-instance.retrieve_history"].section
        await pilot.press("left")
        assert cursor_line(app).endswith(f"▼ {section}  7")
        await pilot.press("left")
        assert cursor_line(app).endswith(f"▶ {section}  7")
        await pilot.press("left")
        assert cursor_line(app) == "▼ globalcatalog-instance  7"
        await pilot.press("left")
        assert cursor_line(app) == "▶ globalcatalog-instance  7"
        await pilot.press("enter")
        assert app.requests == ["action:globalcatalog-instance.*"]
        assert all(len(line) <= 36 for line in tree_lines(app))


async def test_the_info_area_keeps_fitting_its_text_as_the_counts_change() -> None:
    # Counts change every second while following; the info area is laid out again only when
    # its text takes another number of lines, and then it must show every line.
    app = Host()
    async with app.run_test(size=(60, 40)) as pilot:
        b = browser(app)
        await search(pilot, app, "serviceid")
        await pilot.press("down", "down")
        info = app.query_one("#catalog-info", Static)
        heights = []
        for count in (12, 1_000_000, 10**30, 3):
            b.update_counts({"iam-identity.account-serviceid.update": count})
            await pilot.pause()
            assert f"{count:,} events in the inputs" in info_text(app)
            lines = len(info.content.wrap(app.console, info.size.width))
            assert info.size.height == lines, count
            heights.append(lines)
        assert heights[2] > heights[1] and heights[3] == heights[0], "a count long enough to wrap, then short again"


async def test_a_user_catalog_source_and_page_address_are_shown_literally(tmp_path) -> None:
    """A user catalog is untrusted text: its source and its page's address are shown as they
    are written, never read as markup or made into a link."""
    (tmp_path / "acme.toml").write_text(
        '[[action]]\nname = "acme-billing.invoice-run.start"\nsection = "Invoice runs"\n'
        'description = "An initiator starts the invoice run."\nsource = "acme"\n\n'
        '[[page]]\nid = "acme"\ntitle = "[bold]Acme[/] runbook\\u001b[31m"\n'
        'url = "[link=https://evil.example]https://wiki.example.com/x[/link]"\n', encoding="utf-8")
    app = Host(loader.load([tmp_path]))
    async with app.run_test(size=(100, 50)) as pilot:
        await search(pilot, app, "invoice-run.start")
        text = info_text(app)
        assert "Invoice runs · [bold]Acme[/] runbook\\x1b[31m\n" in text
        assert "[link=https://evil.example]https://wiki.example.com/x[/link]\n" in text
        content = app.query_one("#catalog-info", Static).content
        assert not any(span.style and "link" in str(span.style) for span in content.spans)

"""Pilot tests of how the table reads where colour is scarce or weak: the cursor row in the default
theme (contrast measured on the cells drawn), a 16-colour terminal (TERM=xterm: Rich sends the
nearest of the 16 standard colours), and NO_COLOR (Textual draws everything in greys).

Colours are read from what the screen is made of after Textual's filters (the compositor's
strips), with reverse video applied, so each assertion is about what the terminal shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.color import Color, ColorSystem
from textual.app import App

from tui.app import AtlensApp
from tui.core.sources import InputSpec
from tui.widgets.event_grid import EventGrid
from tui.widgets.legible import BAR, TEXT, contrast, cursor_bar, readable

from tests.tui.helpers import append_events, make_event, screen_text, wait_for

SAMPLES = Path(__file__).resolve().parents[2] / "sample_logs"
RGB = tuple[int, int, int]

#: The standard colours (SGR 30-37 and 90-97) a kind of row may take in a 16-colour terminal.
RED, YELLOW, GREEN, CYAN, WHITE = {1, 9}, {3, 11}, {2, 10}, {6, 14}, {7, 15}


@dataclass(frozen=True)
class Run:
    """Characters the terminal draws alike: text, colours (after reverse video) and attributes."""

    x: int
    text: str
    fg: RGB
    bg: RGB
    bold: bool
    underline: bool


def drawn(app: App, grid: EventGrid, index: int) -> list[Run]:
    """The runs of the table line that shows table position index, as on the screen."""
    y = grid.region.y + index - grid.scroll_offset.y
    assert grid.region.y <= y < grid.region.bottom, "the row is not on screen"
    return strip_runs(app.screen._compositor.render_strips()[y].crop(grid.region.x, grid.region.right))


def strip_runs(strip) -> list[Run]:
    """A drawn line as runs of text with the colours they show (reverse video undone)."""
    runs: list[Run] = []
    x = 0
    for segment in strip:
        style = segment.style
        assert style is not None and style.color is not None and style.bgcolor is not None, segment
        fg, bg = tuple(style.color.get_truecolor()), tuple(style.bgcolor.get_truecolor())
        if style.reverse:
            fg, bg = bg, fg
        runs.append(Run(x, segment.text, fg, bg, bool(style.bold), bool(style.underline)))
        x += segment.cell_length
    return runs


def line_text(runs: list[Run]) -> str:
    return "".join(run.text for run in runs)


def run_at(runs: list[Run], x: int) -> Run:
    """The run that draws column x."""
    return next(run for run in runs if run.x <= x < run.x + len(run.text))


def column_of(runs: list[Run], text: str) -> int:
    """Where text starts on the line."""
    found = line_text(runs).find(text)
    assert found >= 0, (text, line_text(runs))
    return found


def standard(rgb: RGB) -> int:
    """The standard colour (0-15) Rich sends for rgb in a 16-colour terminal."""
    number = Color.from_rgb(*rgb).downgrade(ColorSystem.STANDARD).number
    assert number is not None
    return number


def position(grid: EventGrid, **values: str) -> int:
    """The table position of the newest event whose stored columns hold these values."""
    store = grid.store
    for index in reversed(range(grid.count)):
        row = grid.row_at(index)
        if all(store.text(column, row) == value for column, value in values.items()):
            return index
    raise AssertionError(f"no event with {values}")


def marked_with(grid: EventGrid, mark: str) -> int:
    """The table position of the newest row drawn with this findings mark."""
    for index in reversed(range(grid.count)):
        if grid.render_line(index - grid.scroll_offset.y).text.startswith(mark):
            return index
    raise AssertionError(f"no row marked {mark}")


async def move_cursor(pilot, grid: EventGrid, index: int) -> None:
    steps = grid.cursor - index
    await pilot.press(*(["up"] * steps if steps > 0 else ["down"] * -steps))
    assert grid.cursor == index
    await pilot.pause()


@pytest.fixture
def mixed_log(tmp_path: Path) -> Path:
    """The service ID scenarios (warnings, some marked •; critical failures marked !), then a
    normal event, a failure, a pending one and another normal one (newest)."""
    path = tmp_path / "mixed.log"
    path.write_bytes((SAMPLES / "serviceids_apikeys.jsonl").read_bytes())
    append_events(path, [make_event(1), make_event(2, outcome="failure"), make_event(3, outcome="pending"),
                         make_event(4)])
    return path


async def started(pilot, app: AtlensApp, count: int) -> EventGrid:
    grid = app.query_one(EventGrid)
    await wait_for(pilot, lambda: grid.count == count, f"{count} events")
    await wait_for(pilot, lambda: "!" in {line[:1] for line in screen_text(app).splitlines()}, "the findings marks")
    return grid


# ----------------------------------------------------------------------------- the default theme


def theme_rows(grid: EventGrid) -> dict[str, tuple[int, float]]:
    """kind: (table position, the least contrast its text must have, on the cursor bar or off it)."""
    return {
        "normal": (position(grid, action="iam-identity.serviceid-apikey.n1"), 4.5),
        "warning": (marked_with(grid, "•"), 4.5),
        "pending": (position(grid, outcome="pending"), 3.0),
        "failure": (position(grid, outcome="failure", severity="normal"), 3.0),
        "critical": (marked_with(grid, "!"), 3.0),
    }


async def assert_rows_read_on_and_off_the_cursor(pilot, app: AtlensApp, grid: EventGrid, theme: str, *,
                                                 same_colours: bool = True) -> None:
    rows = theme_rows(grid)
    plain = drawn(app, grid, rows["normal"][0])
    row_background = plain[0].bg
    for kind, (index, least) in rows.items():
        await move_cursor(pilot, grid, rows["normal"][0] if kind != "normal" else rows["pending"][0])
        before = drawn(app, grid, index)
        await move_cursor(pilot, grid, index)
        after = drawn(app, grid, index)
        assert line_text(after) == line_text(before)
        # One bar across the row, plainly not the background of the other rows...
        assert {run.bg for run in after} == {after[0].bg}, (theme, kind)
        assert contrast(after[0].bg, row_background) >= 1.5, (theme, kind)
        # ...on which every character reads, as it does off the bar: 4.5:1 (WCAG AA) for plain and
        # warning text; coloured rows at least 3:1, the least WCAG asks of bold text. (The mark in
        # the first cell is a symbol: checked on its own.)
        for runs in (before, after):
            for run in runs:
                if run.text.strip() and run.x >= 2:
                    assert contrast(run.fg, run.bg) >= least, (theme, kind, run, round(contrast(run.fg, run.bg), 2))
        # The row keeps its colours: a failure is as red under the cursor as elsewhere (in themes
        # where a colour would not read on the bar, it gives way toward black or white there).
        assert not same_colours or [run_at(after, x).fg for x in range(len(line_text(after)))] == \
               [run_at(before, x).fg for x in range(len(line_text(before)))], (theme, kind)


async def test_the_cursor_row_is_readable_and_keeps_the_colours_of_its_event(mixed_log: Path) -> None:
    app = AtlensApp([InputSpec(str(mixed_log), "file")])
    async with app.run_test(size=(100, 30)) as pilot:
        grid = await started(pilot, app, 19)
        await assert_rows_read_on_and_off_the_cursor(pilot, app, grid, app.theme)
        rows = theme_rows(grid)
        # The marks on the cursor row: drawn in their own colour, which stands out from the bar.
        for kind, mark in (("warning", "•"), ("critical", "!")):
            await move_cursor(pilot, grid, rows[kind][0])
            first = drawn(app, grid, rows[kind][0])[0]
            assert first.text == mark
            assert first.fg != first.bg and contrast(first.fg, first.bg) >= 3.0, (mark, first)
        await move_cursor(pilot, grid, rows["normal"][0])
        await pilot.press("m")  # marked to compare: ◆
        await pilot.pause()
        first = drawn(app, grid, rows["normal"][0])[0]
        assert first.text == "◆"
        assert first.fg != first.bg and contrast(first.fg, first.bg) >= 3.0, first


def test_contrast_is_wcag_s_and_colours_give_way_only_as_far_as_they_must() -> None:
    # The measure every colour test below relies on, against WCAG's own figures.
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)  # #767676, the AA grey
    assert contrast((40, 40, 40), (40, 40, 40)) == 1.0
    white, black, mauve = (255, 255, 255), (0, 0, 0), (203, 166, 247)
    assert readable((255, 0, 0), black, white, 3.0) == (255, 0, 0)  # red on black already reads
    moved = readable((255, 255, 0), white, black, TEXT)  # yellow on white does not
    assert contrast(moved, white) >= TEXT and moved != black  # it darkens, keeping some hue
    bar = cursor_bar(mauve, (30, 30, 46), (205, 214, 244))  # catppuccin-mocha's pastel primary
    assert contrast(bar, (30, 30, 46)) >= BAR


#: Themes that once made rows or marks unreadable, and the two defaults: checked in every run; the
#: others (about twenty, ten seconds for every four) with `-m slow`.
KNOWN_THEMES = {"textual-dark", "textual-light", "catppuccin-mocha", "nord", "gruvbox"}


async def test_the_themes_that_went_wrong_keep_rows_and_marks_readable(mixed_log: Path) -> None:
    await check_themes(mixed_log, lambda name: name in KNOWN_THEMES)


@pytest.mark.slow
async def test_every_other_theme_keeps_rows_and_marks_readable(mixed_log: Path) -> None:
    await check_themes(mixed_log, lambda name: name not in KNOWN_THEMES)


async def check_themes(mixed_log: Path, chosen) -> None:
    # Themes whose primary colour is a pastel made a cursor bar plain text read on at 2:1
    # (catppuccin-mocha); light ones put yellow warnings at 1.8:1 under the cursor (textual-light).
    # ANSI themes leave the colours to the terminal: nothing to measure.
    app = AtlensApp([InputSpec(str(mixed_log), "file")])
    async with app.run_test(size=(100, 30)) as pilot:
        grid = await started(pilot, app, 19)
        rows = theme_rows(grid)
        every = sorted(name for name in app.available_themes if not name.startswith("ansi"))
        assert KNOWN_THEMES <= set(every)
        themes = [name for name in every if chosen(name)]
        assert themes
        for theme in themes:
            app.theme = theme
            await pilot.pause()
            await assert_rows_read_on_and_off_the_cursor(pilot, app, grid, theme, same_colours=False)
            for kind, mark in (("warning", "•"), ("critical", "!")):
                for on_cursor in (False, True):
                    await move_cursor(pilot, grid, rows[kind][0] if on_cursor else rows["normal"][0])
                    first = drawn(app, grid, rows[kind][0])[0]
                    assert first.text == mark
                    assert contrast(first.fg, first.bg) >= 3.0, (theme, mark, on_cursor, first)


# ----------------------------------------------------------------------------- 16 colours


async def test_a_16_colour_terminal_gets_one_colour_per_kind_of_row_and_a_readable_cursor(
        mixed_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")  # no "256color": Rich downgrades to the 16 standard colours
    monkeypatch.delenv("COLORTERM", raising=False)
    app = AtlensApp([InputSpec(str(mixed_log), "file")])
    assert app.console.color_system == "standard"
    async with app.run_test(size=(100, 30)) as pilot:
        grid = await started(pilot, app, 19)
        kinds = {
            "normal": (position(grid, action="iam-identity.serviceid-apikey.n1"), WHITE),
            "warning": (marked_with(grid, "•"), YELLOW),
            "pending": (position(grid, outcome="pending"), CYAN),
            "failure": (position(grid, outcome="failure", severity="normal"), RED),
            "critical": (marked_with(grid, "!"), RED),
        }
        for kind, (index, family) in kinds.items():
            runs = drawn(app, grid, index)
            action = grid.store.text("action", grid.row_at(index))
            assert standard(run_at(runs, column_of(runs, action[:12])).fg) in family, kind
            assert standard(runs[0].bg) == 0  # on black
        marks = {"!": RED, "•": YELLOW}
        for mark, family in marks.items():
            assert standard(drawn(app, grid, marked_with(grid, mark))[0].fg) in family, mark
        for kind, (index, _) in kinds.items():
            await move_cursor(pilot, grid, index)
            runs = drawn(app, grid, index)
            bar = {standard(run.bg) for run in runs}
            assert len(bar) == 1 and bar != {0}, (kind, bar)  # one colour, not the rows' black
            # Nothing on the bar in the bar's own colour: every character stays readable.
            assert not bar & {standard(run.fg) for run in runs if run.text.strip()}, kind
        await pilot.press("m")  # the critical row, marked to compare
        await pilot.pause()
        first = drawn(app, grid, grid.cursor)[0]
        assert first.text == "◆" and standard(first.fg) in GREEN and standard(first.fg) != standard(first.bg)
        # The filter bar's hint is not drawn in the colour of the bar.
        hint = next(seg for seg in app.screen._compositor.render_strips()[0] if seg.text.startswith("/ to filter"))
        assert hint.style is not None and hint.style.color is not None and hint.style.bgcolor is not None
        assert standard(tuple(hint.style.color.get_truecolor())) != standard(tuple(hint.style.bgcolor.get_truecolor()))


async def test_a_16_colour_terminal_draws_the_status_filter_and_key_lines_readably(
        mixed_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The panels' grey became standard grey (8): the status line's file name and the keys (bright
    # red) read at about 2:1 on it. Measured with the standard colours Rich assumes.
    from rich._palettes import STANDARD_PALETTE

    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("COLORTERM", raising=False)
    app = AtlensApp([InputSpec(str(mixed_log), "file")])
    async with app.run_test(size=(100, 30)) as pilot:
        grid = await started(pilot, app, 19)
        for state in ("following", "paused"):
            if state == "paused":
                await pilot.press("up")
                await wait_for(pilot, lambda: "paused" in screen_text(app).split("\n")[-2], "paused")
            strips = app.screen._compositor.render_strips()
            for y in (0, 1, len(strips) - 2, len(strips) - 1):  # filter bar, titles, status, keys
                for segment in strips[y]:
                    style = segment.style
                    if not segment.text.strip() or style is None or style.color is None:
                        continue
                    fg = STANDARD_PALETTE[standard(tuple(style.color.get_truecolor()))]
                    bg = STANDARD_PALETTE[standard(tuple(style.bgcolor.get_truecolor()))]
                    least = 3.0 if style.bold else 4.5
                    assert contrast(tuple(fg), tuple(bg)) >= least, (state, y, segment.text, fg, bg)
        assert grid.count == 19


# ----------------------------------------------------------------------------- NO_COLOR


async def test_with_no_color_the_cursor_failures_and_marks_still_show(mixed_log: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = AtlensApp([InputSpec(str(mixed_log), "file")])
    assert app.no_color
    async with app.run_test(size=(100, 30)) as pilot:
        grid = await started(pilot, app, 19)
        every = [run for index in range(grid.count) for run in drawn(app, grid, index)]
        assert all(len(set(run.fg)) == 1 and len(set(run.bg)) == 1 for run in every)  # greys only
        normal = position(grid, action="iam-identity.serviceid-apikey.n1")
        failure = position(grid, outcome="failure", severity="normal")
        critical = marked_with(grid, "!")
        background = drawn(app, grid, normal)[0].bg

        def action_run(index: int) -> Run:
            runs = drawn(app, grid, index)
            return run_at(runs, column_of(runs, grid.store.text("action", grid.row_at(index))[:12]))

        # Failed and critical events stand out from the others: bold.
        assert action_run(failure).bold and action_run(critical).bold
        assert not action_run(normal).bold and not action_run(position(grid, outcome="pending")).bold
        # The marks are drawn in a grey that stands out, on their row and on the cursor row.
        for mark in ("!", "•"):
            index = marked_with(grid, mark)
            first = drawn(app, grid, index)[0]
            assert contrast(first.fg, first.bg) >= 3.0, mark
            await move_cursor(pilot, grid, index)
            first = drawn(app, grid, index)[0]
            assert first.text == mark and contrast(first.fg, first.bg) >= 3.0, mark
        # The cursor row is a bar as plain as in colour: far from the background, its text readable.
        for index, least in ((normal, 4.5), (critical, 3.0)):
            await move_cursor(pilot, grid, index)
            runs = drawn(app, grid, index)
            assert contrast(runs[1].bg, background) >= 3.0
            assert all(contrast(run.fg, run.bg) >= least for run in runs if run.text.strip())
        await move_cursor(pilot, grid, normal)
        await pilot.press("m")
        await pilot.pause()
        first = drawn(app, grid, normal)[0]
        assert first.text == "◆" and contrast(first.fg, first.bg) >= 3.0
        # A highlighted cell looks different from the way it looked on the cursor row before.
        before = run_at(drawn(app, grid, normal), 1)  # the time cell
        await pilot.press("right")  # the first cell: the time
        assert grid.cursor_column == "time"
        cell = run_at(drawn(app, grid, normal), 1)
        assert (cell.fg, cell.bg, cell.underline) != (before.fg, before.bg, before.underline)


async def test_the_app_runs_with_no_color(mixed_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Textual's NO_COLOR filter fails on a segment without a style: the column titles had none.
    monkeypatch.setenv("NO_COLOR", "1")
    app = AtlensApp([InputSpec(str(mixed_log), "file")])
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await started(pilot, app, 19)
        assert "key-4 " in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "iam-identity.serviceid-apikey.n4" in screen_text(app), "the event opened")
        assert grid.count == 19


def status_runs(app: App) -> list[Run]:
    """The runs of the status line (the line above the keys), as on the screen."""
    return strip_runs(app.screen._compositor.render_strips()[-2])


async def test_with_no_color_the_status_line_says_bad_lines_readably(mixed_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The count of bad lines, red on the panel's grey, became grey on grey: there, unseen.
    monkeypatch.setenv("NO_COLOR", "1")
    with open(mixed_log, "ab") as fh:
        fh.write(b"not an event\n")
    app = AtlensApp([InputSpec(str(mixed_log), "file")])
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, app, 19)
        await wait_for(pilot, lambda: "1 bad line (e)" in line_text(status_runs(app)), "the bad line counted")
        for state in ("following", "paused"):
            if state == "paused":
                await pilot.press("up")
                await wait_for(pilot, lambda: "paused" in line_text(status_runs(app)), "paused")
            for run in status_runs(app):
                if run.text.strip():
                    assert contrast(run.fg, run.bg) >= 3.0, (state, run, round(contrast(run.fg, run.bg), 2))
            bad = next(run for run in status_runs(app) if "bad line" in run.text)
            assert bad.bold, bad


async def test_with_no_color_the_columns_dialog_shows_which_columns_are_ticked(mixed_log: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The box of an unticked column differed from a ticked one by its colour alone: every box looked ticked.
    from tui.widgets.columns_screen import ColumnsScreen

    monkeypatch.setenv("NO_COLOR", "1")
    app = AtlensApp([InputSpec(str(mixed_log), "file")])
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot, app, 19)
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ColumnsScreen), "the columns dialog")
        await pilot.pause()
        lines = screen_text(app).split("\n")

        def box(title: str) -> str:
            line = next(line for line in lines if f" {title}" in line and "▌" in line)
            return line[line.index("▐") + 1:line.index("▌")]

        assert box("Severity") == "X" and box("Action") == "X"  # shown
        assert box("Code").strip() == "" and box("Target ID").strip() == ""  # not shown
        await pilot.press("down", "space")  # untick Severity
        await pilot.pause()
        lines = screen_text(app).split("\n")
        assert box("Severity").strip() == ""

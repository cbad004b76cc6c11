"""The first screen drawn before Textual is imported: the same rows the app then shows, escaped.

The preview (tui/preview.py) is on screen for the 0.2-0.3 s that importing Textual takes; when
the app paints over it the user must see the same rows, not a jump. The pure function is
compared with the app's own first screen (Pilot), and the real program is watched in tmux with
the import of Textual held back, so the preview can be read before the app replaces it.
"""

from __future__ import annotations

import bz2
import gzip
import re
import sys
from pathlib import Path

import orjson
import pytest

from tui import preview
from tui.app import AtlensApp
from tui.core.sources import reader as sources  # where the thresholds of the first read live
from tui.core.sources import InputSpec
from tui.core.present import cells, table_span
from tui.core.timespec import parse_bound
from tui.widgets.event_grid import ColumnHeader, EventGrid

from tests.e2e.tmux import Terminal, ensure_tmux

HOSTILE_ACTION = "evil.\x1b[2Jclear.screen"
HOSTILE_TARGET = "[red]boom[/red]\x07\x1b]52;c;aGk=\x07"
HOSTILE_INITIATOR = "[link=http://x]me[/link]"


def event(seq: int, **fields: object) -> dict:
    """A realistic event; every fifth fails, every seventh is critical, one in eleven is a warning."""
    data: dict = {
        "action": f"iam-identity.serviceid-apikey.n{seq}",
        "eventTime": f"2026-11-20T10:{seq // 60 % 60:02d}:{seq % 60:02d}.{seq % 100:02d}+0000",
        "outcome": "failure" if seq % 5 == 0 else "pending" if seq % 13 == 0 else "success",
        "severity": "critical" if seq % 7 == 0 else "warning" if seq % 11 == 0 else "normal",
        "message": f"IAM Identity Service: login serviceid-apikey n{seq}",
        "initiator": {"id": f"iam-ServiceId-{seq}", "name": f"ServiceId-{seq}" if seq % 6 else f"名前-{seq}"},
        "target": {"id": f"crn:v1:bluemix:public:iam-identity::a/123::apikey:{seq}", "name": f"key-{seq}"},
        "reason": {"reasonCode": 200},
    }
    data.update(fields)
    return data


def write(path: Path, events: list[dict], *, extra: bytes = b"") -> Path:
    with open(path, "ab") as fh:
        fh.write(b"".join(orjson.dumps(e) + b"\n" for e in events) + extra)
    return path


def hostile_log(path: Path, count: int = 80) -> Path:
    """Ordinary events, then hostile ones among the newest (what the first screen shows)."""
    events = [event(i) for i in range(count)]
    events[-3] = event(count - 3, action=HOSTILE_ACTION, message="[bold red]boom[/] \x1b]52;c;aGk=\x07")
    events[-2] = event(count - 2, target={"name": HOSTILE_TARGET}, initiator={"name": HOSTILE_INITIATOR})
    events[-5] = {k: v for k, v in event(count - 5).items() if k != "eventTime"}  # no time: "(no time)"
    return write(path, events, extra=b"not json at all\n")


async def app_screen(specs: list[InputSpec], size: tuple[int, int], events: int, **bounds: int | None) -> list[str]:
    """The app's filter bar, then its column titles and grid lines once it has read every event,
    where they are on the screen (wide, between panes: those are blank in the preview)."""
    app = AtlensApp(specs, **bounds)
    async with app.run_test(size=size) as pilot:
        grid = app.query_one(EventGrid)
        for _ in range(200):
            if grid.count == events:
                break
            await pilot.pause(0.05)
        assert grid.count == events
        await pilot.pause(0.1)
        table = app.query_one("#table").region
        assert (table.x, table.width) == table_span(size[0])  # the preview puts the table there too
        left, right = " " * table.x, " " * (size[0] - table.right)
        filter_bar = app.screen._compositor.render_strips()[0].text
        header = app.query_one(ColumnHeader).render_line(0).text
        return [filter_bar, *(left + line + right for line in [header, *(grid.render_line(y).text for y in range(grid.size.height))])]


@pytest.mark.parametrize("size", [(80, 24), (160, 50), (250, 12)], ids=["80x24", "160x50", "250x12"])
async def test_preview_rows_are_the_rows_of_the_apps_first_screen(tmp_path: Path, size: tuple[int, int]) -> None:
    log = hostile_log(tmp_path / "activity.log")
    width, height = size
    lines = preview.preview_lines([str(log)], width, height)
    assert len(lines) == height
    shown = await app_screen([InputSpec(str(log), "file")], size, 80)
    assert lines[:height - 2] == shown  # titles and every grid line, character for character
    assert lines[-2].startswith(" ● following │ reading… │ ")
    assert all(cells(line) == width for line in lines)


@pytest.mark.parametrize("width", [139, 140, 141, 187, 199, 300])
async def test_the_table_is_where_the_preview_draws_it_at_every_width(tmp_path: Path, width: int) -> None:
    # present.table_span restates the stylesheet's pane widths for the preview: checked here.
    log = write(tmp_path / "few.log", [event(i) for i in range(3)])
    app = AtlensApp([InputSpec(str(log), "file")])
    async with app.run_test(size=(width, 20)) as pilot:
        await pilot.pause(0.1)
        table = app.query_one("#table").region
        assert (table.x, table.width) == table_span(width)


async def test_fewer_events_than_fit_are_drawn_from_the_top_as_the_app_does(tmp_path: Path) -> None:
    log = write(tmp_path / "few.log", [event(i) for i in range(3)], extra=b'{"action": "half a line')
    lines = preview.preview_lines([str(log)], 100, 20)
    assert lines[2:5] and all(line.strip() for line in lines[2:5])
    assert not any(line.strip() for line in lines[5:18])
    assert lines[:18] == await app_screen([InputSpec(str(log), "file")], (100, 20), 3)


async def test_several_files_and_a_time_window_match_the_app(tmp_path: Path) -> None:
    older = write(tmp_path / "a.log", [event(i) for i in range(0, 120, 2)])
    newer = write(tmp_path / "b.log", [event(i) for i in range(1, 120, 2)])
    since, until = parse_bound("2026-11-20T10:00:30Z"), parse_bound("2026-11-20T10:01:30Z")
    lines = preview.preview_lines([str(older), str(newer)], 120, 30, since_us=since, until_us=until)
    shown = await app_screen([InputSpec(str(older), "file"), InputSpec(str(newer), "file")], (120, 30), 60,
                             since_us=since, until_us=until)
    assert lines[:28] == shown
    assert "key-89 " in lines[27] and "key-30 " not in "".join(lines)
    assert "2026-11-20 10:00:30 to 10:01:30 UTC" in lines[0]  # the time range, in the filter bar


async def test_a_large_file_shows_the_part_the_app_reads_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Shrunk thresholds: a "large" file is read by the app newest part first (TAIL_FIRST_BYTES).
    for module in (sources, preview):
        monkeypatch.setattr(module, "PARALLEL_THRESHOLD", 64 * 1024)
        monkeypatch.setattr(module, "TAIL_FIRST_BYTES", 16 * 1024)
    log = write(tmp_path / "big.log", [event(i) for i in range(600)])
    assert log.stat().st_size > 64 * 1024
    lines = preview.preview_lines([str(log)], 160, 40)
    assert "10:09:59" in lines[37]  # event 599, the newest
    assert lines[:38] == await app_screen([InputSpec(str(log), "file")], (160, 40), 600)


#: The escapes the preview writes: alternate screen and cursor modes, cursor moves, styles; then text.
ESCAPE = re.compile(r"\x1b\[\?\d+[hl]|\x1b\[(\d+);(\d+)H|\x1b\[([0-9;]*)m|([^\x1b]+)")


def read_escapes(ansi: str, height: int) -> list[list[tuple[str, object, object, bool]]]:
    """What a terminal shows after the preview's escapes: per line, (character, foreground,
    background, bold) for each character; colours as RGB triplets, None for the terminal's own."""
    assert "".join(m.group(0) for m in ESCAPE.finditer(ansi)) == ansi
    lines: list[list[tuple[str, object, object, bool]]] = [[] for _ in range(height)]
    row, fg, bg, bold = None, None, None, False
    for match in ESCAPE.finditer(ansi):
        if match.group(1):
            row = int(match.group(1)) - 1
        elif match.group(3) is not None:
            codes = [int(c) for c in match.group(3).split(";") if c]
            i = 0
            while i < len(codes):
                if codes[i] == 0:
                    fg, bg, bold = None, None, False
                elif codes[i] == 1:
                    bold = True
                elif codes[i] in (38, 48):
                    assert codes[i + 1] == 2, "truecolor expected"
                    rgb = tuple(codes[i + 2:i + 5])
                    fg, bg = (rgb, bg) if codes[i] == 38 else (fg, rgb)
                    i += 4
                i += 1
        elif match.group(4) and row is not None and row < height:
            lines[row].extend((char, fg, bg, bold) for char in match.group(4))
    return lines


async def test_the_preview_draws_in_the_colours_of_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The preview keeps its own copy of the theme's colours (it cannot import Textual): every
    # character of the first screen, status line apart, has the app's colours and weight.
    monkeypatch.setenv("TERM", "xterm-256color")  # a terminal of many colours, as the preview's truecolor
    monkeypatch.setenv("COLORTERM", "truecolor")
    log = hostile_log(tmp_path / "activity.log")  # failed, critical, warning, pending and plain rows
    width, height = 100, 24
    drawn = read_escapes(preview.to_ansi(preview.build([str(log)], width, height), "truecolor"), height)
    app = AtlensApp([InputSpec(str(log), "file")])
    async with app.run_test(size=(width, height)) as pilot:
        grid = app.query_one(EventGrid)
        for _ in range(200):
            if grid.count == 80 and app.catalog_pane.children:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        strips = app.screen._compositor.render_strips()
        for y in (*range(height - 2), height - 1):
            shown = [(char, tuple(seg.style.color.get_truecolor()) if seg.style and seg.style.color else None,
                      tuple(seg.style.bgcolor.get_truecolor()) if seg.style and seg.style.bgcolor else None,
                      bool(seg.style and seg.style.bold)) for seg in strips[y] for char in seg.text]
            assert len(shown) == len(drawn[y]), y
            for x, (app_cell, preview_cell) in enumerate(zip(shown, drawn[y])):
                if app_cell[0] == " ":  # a blank shows only its background
                    assert (app_cell[0], app_cell[2]) == (preview_cell[0], preview_cell[2]), (y, x)
                else:
                    assert app_cell == preview_cell, (y, x)


@pytest.mark.parametrize("environ, expected", [
    ({"TERM": "xterm-256color"}, "256"),
    ({"TERM": "screen-256color"}, "256"),
    ({"TERM": "xterm-kitty"}, "256"),
    ({"TERM": "xterm"}, "16"),
    ({"TERM": "screen"}, "16"),
    ({"TERM": "linux"}, "16"),
    ({"TERM": "vt220"}, "16"),
    ({"TERM": "xterm-16color"}, "16"),
    ({"TERM": "xterm", "COLORTERM": "truecolor"}, "truecolor"),
    ({"TERM": "screen", "COLORTERM": "24bit"}, "truecolor"),
    ({"TERM": "dumb"}, "none"),
], ids=lambda value: value if isinstance(value, str) else " ".join(f"{k}={v}" for k, v in value.items()))
def test_the_preview_picks_the_colours_rich_will_draw_with(environ: dict[str, str], expected: str) -> None:
    from rich.console import Console

    rich = Console(force_terminal=True, color_system="auto", _environ=environ).color_system
    assert {"truecolor": "truecolor", "256": "256", "standard": "16", None: "none"}[rich] == expected
    assert preview.colour_system(environ) == expected


def test_the_preview_has_no_colour_when_textual_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App

    for value in ("1", ""):  # Textual takes NO_COLOR set to anything, even empty
        monkeypatch.setenv("NO_COLOR", value)
        assert App().no_color
        assert preview.colour_system({"NO_COLOR": value, "TERM": "xterm-256color", "COLORTERM": "truecolor"}) == "none"
    monkeypatch.delenv("NO_COLOR")
    assert not App().no_color
    assert preview.colour_system({"TERM": "xterm-256color"}) == "256"
    # TEXTUAL_COLOR_SYSTEM chooses for Textual, whatever the terminal says.
    assert preview.colour_system({"TEXTUAL_COLOR_SYSTEM": "standard", "COLORTERM": "truecolor"}) == "16"
    assert preview.colour_system({"TEXTUAL_COLOR_SYSTEM": "truecolor", "TERM": "xterm"}) == "truecolor"


def test_fewer_colours_are_the_ones_rich_sends_for_the_app() -> None:
    from rich.color import Color, ColorSystem

    kinds = ("normal", "critical", "warning", "failure", "pending", "time", "missing", "mark-security", "mark-notable")
    for style in [*preview._STYLES, *(f"{kind}+cursor" for kind in kinds)]:
        fg, bg, _, _ = preview._STYLES[style.split("+")[0]]
        if style.endswith("+cursor"):
            bg = preview._CURSOR_BACKGROUND
        for colours, system in (("16", ColorSystem.STANDARD), ("256", ColorSystem.EIGHT_BIT)):
            drawn_fg, drawn_bg = fg, bg
            if colours == "16" and bg == preview._PANEL:  # the app's bars in 16 colours: black, keys yellow
                drawn_bg, drawn_fg = (0, 0, 0), {"footer-key": (255, 255, 0), "footer-bar": (170, 170, 170)}.get(style, fg)
            expected = [code for rgb, foreground in ((drawn_fg, True), (drawn_bg, False)) if rgb is not None
                        for code in ";".join(Color.from_rgb(*rgb).downgrade(system).get_ansi_codes(foreground)).split(";")]
            sent = [code for code in preview._sgr(style, colours)[2:-1].split(";") if code not in ("0", "1", "3")]
            assert sent == expected, (style, colours)
    # In 16 colours, as in the app: a colour per kind of row (SGR 90-97 bright), and a blue cursor.
    def foreground(style: str) -> str:
        return next(code for code in preview._sgr(style, "16")[2:-1].split(";") if code.startswith("9"))

    assert {kind: foreground(kind) for kind in ("normal", "critical", "failure", "warning", "pending")} == {
        "normal": "97", "critical": "91", "failure": "91", "warning": "93", "pending": "96"}
    assert preview._sgr("critical+cursor", "16").endswith(";44m")


def test_without_colour_the_cursor_row_is_reversed_and_failures_are_bold(tmp_path: Path) -> None:
    log = write(tmp_path / "kinds.log", [event(i) for i in range(80)])
    lines = preview.build([str(log)], 100, 24, marks=False)
    assert lines is not None
    ansi = preview.to_ansi(lines, "none")
    assert not re.search(r"\x1b\[[0-9;]*(38|48|3[0-7]|9[0-7]|4[0-7]|10[0-7])[;m]", ansi)  # no colour at all
    rows = lines[2:-2]
    cursor = [style for line in rows for _, style in line if style.endswith("+cursor")]
    assert cursor and all(";7" in preview._sgr(style, "none") for style in cursor)
    for kind in ("failure", "critical"):
        assert ";1" in preview._sgr(kind, "none") and ";7" not in preview._sgr(kind, "none")
    assert preview._sgr("normal", "none") == "\x1b[0m"
    assert preview._sgr("warning", "none") == "\x1b[0m"


def test_hostile_content_is_escaped_in_the_text_and_in_the_escapes_written(tmp_path: Path) -> None:
    log = hostile_log(tmp_path / "hostile.log")
    screen = preview.build([str(log)], 300, 30)  # wide: the table between the panes' places
    assert screen is not None
    text = "\n".join("".join(t for t, _ in line) for line in screen)
    assert "evil.\\x1b[2Jclear.screen" in text
    assert "[red]boom[/red]\\x07\\x1b]5…" in text  # the target column, escaped then cut
    assert HOSTILE_INITIATOR in text
    assert "[bold red]boom[/] \\x1b]52;c;a…" in text  # the message column
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)
    # Every escape the preview writes is one of its own: cursor moves, colours, modes.
    for colours in ("truecolor", "256", "16", "none"):
        ansi = preview.to_ansi(screen, colours)
        rest = re.sub(r"\x1b\[(\?(1049h|25l)|\d+;\d+H|[0-9;]*m)", "", ansi)
        assert not re.search("[\x00-\x1f\x7f-\x9f]", rest), colours


def test_inputs_it_cannot_show_exactly_give_no_preview(tmp_path: Path) -> None:
    plain = write(tmp_path / "plain.log", [event(i) for i in range(5)])
    archive = tmp_path / "old.log.gz"
    archive.write_bytes(gzip.compress(plain.read_bytes()))
    pretty = tmp_path / "pretty.json"
    pretty.write_text('[\n  {"action": "a.b.c", "eventTime": "2026-11-20T10:00:00Z"}\n]\n')
    assert preview.preview_lines([str(plain)], 80, 24)
    assert preview.preview_lines([str(plain), str(archive)], 80, 24) == []
    for name, data in (("old.log.bz2", bz2.compress(plain.read_bytes())), ("windows.log", plain.read_text().encode("utf-16"))):
        (tmp_path / name).write_bytes(data)  # read by the app through a spool, so not shown exactly here
        assert preview.preview_lines([str(plain), str(tmp_path / name)], 80, 24) == []
    assert preview.preview_lines([str(pretty)], 80, 24) == []
    assert preview.preview_lines([str(plain)], 80, 3) == []  # no room for a row
    assert preview.preview_lines([str(tmp_path)], 80, 24) == []  # a directory: the app scans it
    # show() never raises, whatever it is given (here: no terminal at all under pytest).
    assert preview.show([InputSpec("-", "stdin")]) is False
    assert preview.show([InputSpec(str(tmp_path / "gone.log"), "file")]) is False


# ----------------------------------------------------------------------------- the real program

TMUX = ensure_tmux()

#: Runs atlens with the import of Textual held until a file exists: the preview stays readable.
HOLD = """
import os, sys, time
go = sys.argv[1]
class Hold:
    def find_spec(self, name, path=None, target=None):
        if name == "textual":
            sys.meta_path.remove(self)
            while not os.path.exists(go):
                time.sleep(0.02)
        return None
sys.meta_path.insert(0, Hold())
from tui.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed and could not be installed")
def test_real_program_shows_the_preview_then_the_app_with_the_same_rows(tmp_path: Path) -> None:
    assert TMUX is not None
    log = hostile_log(tmp_path / "activity.log")
    hold, go = tmp_path / "hold.py", tmp_path / "go"
    hold.write_text(HOLD)
    term = Terminal(TMUX, [sys.executable, str(hold), str(go), str(log)], width=80, height=24)
    try:
        before = term.wait_for("reading…", timeout=20).splitlines()
        assert len(before) >= 23
        assert before[0].startswith(" / to filter:")
        assert before[1].startswith(" Time (UTC)")  # after the cell of the findings mark
        assert "key-79" in before[21]  # the newest event on the last grid line
        assert "evil.…2Jclear.screen" in "\n".join(before) and "[link=http" in "\n".join(before)  # cut in its middle
        go.touch()
        after = term.wait_until(lambda s: "80 events" in s and s.rstrip().endswith("palette"),
                                "the app's own screen, key line included", timeout=20).splitlines()
        assert "reading…" not in after[22]
        # Titles, every row and the key line are the same; only the status line changed.
        assert before[:22] == after[:22]
        assert before[23] == after[23]
        term.keys("q")
        term.wait_until(lambda s: term.dead(), "atlens to exit on q")
        assert term._tmux("display-message", "-p", "-t", term.session, "#{alternate_on}").strip() == "0"
        assert "Traceback" not in term.screen()
    finally:
        term.close()


def test_the_preview_imports_neither_textual_nor_rich() -> None:
    import subprocess

    code = "import sys, tui.cli, tui.preview; print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

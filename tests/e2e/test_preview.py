"""The first screen drawn before Textual is imported: the same rows the app then shows, escaped.

The preview (tui/preview.py) is on screen for the 0.2-0.3 s that importing Textual takes; when
the app paints over it the user must see the same rows, not a jump. The pure function is
compared with the app's own first screen (Pilot), and the real program is watched in tmux with
the import of Textual held back, so the preview can be read before the app replaces it.
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

import orjson
import pytest

from tui import preview
from tui.app import AtlensApp
from tui.core import sources
from tui.core.sources import InputSpec
from tui.core.present import table_span
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
    assert all(preview._cells(line) == width for line in lines)


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
    assert "2026-11-20 10:00:30 to 2026-11-20 10:01:30 UTC" in lines[0]  # the time range, in the filter bar


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
    for colours in ("truecolor", "256", "none"):
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
        assert "evil.\\x1b[2Jclear.s" in "\n".join(before) and "[link=http" in "\n".join(before)
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

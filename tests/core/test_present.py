"""What a row shows: safe for any terminal, and columns that fit the width they are given."""

from __future__ import annotations

import pytest

from tui.core.present import COLUMNS, layout, printable, row_values, time_text


@pytest.mark.parametrize("raw, shown", [
    ("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"),  # clear screen, set window title
    ("bell\x07", "bell\\x07"),
    ("over\rwrite", "over\\rwrite"),
    ("nul\x00byte", "nul\\x00byte"),
    ("csi\x9b31m", "csi\\x9b31m"),  # the 8-bit CSI some terminals obey
    ("del\x7f", "del\\x7f"),
    ("user\u202egnp.exe", "user\\u202egnp.exe"),  # right-to-left override hides the real name
    ("two\nlines\ttab", "two\\nlines\\ttab"),
])
def test_printable_escapes_control_characters(raw, shown):
    assert printable(raw) == shown
    assert all(ch.isprintable() for ch in printable(raw))


@pytest.mark.parametrize("text", [
    "iam-am.policy.create",
    "alice@example.com: Zürich café — 東京 ✓",
    "deploy done 🚀👩‍💻",
    "[bold red]x[/] and [link=https://evil.example]click[/link]",
])
def test_printable_leaves_normal_text_and_markup_alone(text):
    assert printable(text) == text


def test_layout_fills_any_width_from_20_to_300_exactly():
    for width in range(20, 301):
        columns = layout(width)
        assert columns, f"width {width}: the time column always fits"
        total = sum(w for _, w in columns) + (len(columns) - 1)
        assert total == width, f"width {width}: columns use {total}"
        keys = [c.key for c, _ in columns]
        assert keys == [c.key for c in COLUMNS][:len(keys)], f"width {width}: later columns are the ones dropped"
        assert all(w >= c.min_width for c, w in columns), f"width {width}: a column is under its minimum"


@pytest.mark.parametrize("width", [80, 100, 120, 160, 200])
def test_time_and_action_are_shown_from_80_columns(width):
    widths = {c.key: w for c, w in layout(width)}
    assert "time" in widths and "action" in widths
    assert widths["action"] >= 20


def test_a_wide_terminal_shows_every_column_at_full_width():
    widths = {c.key: w for c, w in layout(300)}
    assert set(widths) == {c.key for c in COLUMNS}
    assert widths["time"] >= len("2026-11-20 10:00:00.000")


def test_row_values_keep_markup_and_escapes_literal(tmp_path, event, write_lines, read_path):
    message = "svc: [bold red]x[/] \x1b[31mred\x1b[0m  "
    path = write_lines(tmp_path / "at.log", [event(message=message, eventTime="2017-10-19T19:07:50.32+0000",
                                                   initiator={"name": "", "id": "iam-ServiceId-9"})])
    store = read_path(path)
    values = row_values(store, 0)
    assert values["message"] == message.strip()  # not markup-parsed, only the trailing spaces go
    assert printable(values["message"]) == "svc: [bold red]x[/] \\x1b[31mred\\x1b[0m"
    assert values["time"] == "2017-10-19 19:07:50.320"
    assert values["initiator"] == "iam-ServiceId-9"  # the id when the name is empty


def test_narrow_time_column_drops_the_year_not_the_time(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "at.log", [event(eventTime="2017-10-19T19:07:50.32+0000")]))
    assert time_text(store, 0, 23) == "2017-10-19 19:07:50.320"
    assert time_text(store, 0, 19) == "2017-10-19 19:07:50"
    assert time_text(store, 0, 14) == "10-19 19:07:50"


def test_event_without_time_says_so(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "at.log", [event(eventTime=None)]))
    assert time_text(store, 0) == "(no time)"


def test_an_unreadable_event_shows_why_in_the_message(tmp_path, event, write_lines, read_path):
    path = write_lines(tmp_path / "at.log", [event()])
    store = read_path(path)
    path.write_bytes(b"")
    values = row_values(store, 0)
    assert values["message"].startswith("[event unavailable:")
    assert "truncated" in values["message"]

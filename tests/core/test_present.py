"""What a row shows: safe for any terminal, and columns that fit the width they are given."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from tui.core.decode import format_time_us
from tui.core.present import (AVAILABLE_COLUMNS, COLUMNS, DEFAULT_KEYS, cell_filter, cells, columns_for, findings_level,
                              fit, fit_action, header_text, layout, no_room, printable, row_layout, row_line,
                              row_values, time_text)


@pytest.mark.parametrize("raw, shown", [
    ("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"),  # clear screen, set window title
    ("bell\x07", "bell\\x07"),
    ("over\rwrite", "over\\rwrite"),
    ("nul\x00byte", "nul\\x00byte"),
    ("csi\x9b31m", "csi\\x9b31m"),  # the 8-bit CSI some terminals obey
    ("del\x7f", "del\\x7f"),
    ("user\u202egnp.exe", "user\\u202egnp.exe"),  # right-to-left override hides the real name
    ("two\nlines\ttab", "two\\nlines\\ttab"),
    ("zero\u200bwidth\u200cjoin\u200d", "zero\\u200bwidth\\u200cjoin\\u200d"),  # take a cell in no terminal
    ("word\u2060joiner\ufeffbom", "word\\u2060joiner\\ufeffbom"),
    ("line\u2028para\u2029", "line\\u2028para\\u2029"),  # separators some terminals break lines at
    ("tag\U000e0041", "tag\\U000e0041"),  # a language tag, invisible
    ("👩\u200d💻", "👩\\u200d💻"),  # a terminal that joins the two draws 2 cells where 4 were counted
])
def test_printable_escapes_control_characters(raw, shown):
    assert printable(raw) == shown
    assert all(ch.isprintable() for ch in printable(raw))


def test_every_format_character_is_escaped_so_cells_count_what_the_terminal_draws():
    from rich.cells import cell_len

    formats = [chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) in ("Cf", "Zl", "Zp")]
    assert len(formats) > 150
    for char in formats:
        shown = printable(f"a{char}b")
        assert shown.isascii() and shown != f"a{char}b", hex(ord(char))
        assert cells(shown) == cell_len(shown) == len(shown)


@pytest.mark.parametrize("text", [
    "iam-am.policy.create",
    "alice@example.com: Zürich café — 東京 ✓",
    "deploy done 🚀👩💻",
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


@pytest.mark.parametrize("width", [12, 18, 20, 21, 25, 30])
def test_a_cut_action_keeps_its_service_and_its_verb(width):
    # Cut at the end, update, create and delete of one resource looked alike at 80 columns.
    shown = {verb: fit_action(f"iam-identity.account-settings.{verb}", width) for verb in ("update", "create", "delete")}
    assert len(set(shown.values())) == 3, shown
    for verb, text in shown.items():
        assert cells(text) == width and "…" in text
        assert text.rstrip().endswith(f".{verb}") and text.startswith("iam-"), text
        assert width < 20 or f"ings.{verb}" in text, text  # from 20 cells, the resource's end too
    # Two resources of one service that differ at the end of their name stay apart.
    if width >= 20:
        assert "-mfa.update" in fit_action("billing.account-mfa.update", width)
        assert "aits.update" in fit_action("billing.account-traits.update", width)


def test_an_action_that_fits_or_has_no_verb_is_cut_as_any_text():
    assert fit_action("iam-am.policy.create", 24) == "iam-am.policy.create    "
    assert fit_action("no-dots-at-all-in-this-one", 10) == fit("no-dots-at-all-in-this-one", 10)
    assert fit_action("a.very-long-verb-that-fills-the-cell", 12) == fit("a.very-long-verb-that-fills-the-cell", 12)
    assert fit_action("evil.\x1b[2J.update", 12) == fit_action(printable("evil.\x1b[2J.update"), 12)  # escaped first


def test_row_line_keeps_the_verb_of_a_cut_action(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "at.log", [event(action=f"iam-identity.account-settings.{verb}")
                                                        for verb in ("update", "create", "delete")]))
    columns = row_layout(79)  # the table at 80 columns, beside its scrollbar
    assert {c.key: w for c, w in columns}["action"] < len("iam-identity.account-settings.update")
    lines = ["".join(text for text, _ in row_line(store, row, columns, 79, False)) for row in range(3)]
    for line, verb in zip(lines, ("update", "create", "delete")):
        assert f".{verb} " in line, line


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


# ----------------------------------------------------------------------------- local time

@pytest.mark.parametrize("tz, full, short", [
    ("CET-1CEST,M3.5.0,M10.5.0/3", "2026-11-20 11:02:03.123+01:00", "2026-11-20 11:02:03.123"),
    ("EST5EDT,M3.2.0,M11.1.0", "2026-11-20 05:02:03.123-05:00", "2026-11-20 05:02:03.123"),
    ("IST-5:30", "2026-11-20 15:32:03.123+05:30", "2026-11-20 15:32:03.123"),
    ("UTC0", "2026-11-20 10:02:03.123+00:00", "2026-11-20 10:02:03.123"),
])
def test_local_time_shows_the_offset_when_29_cells_allow(tmp_path, event, write_lines, read_path, time_zone,
                                                        tz, full, short):
    time_zone(tz)
    store = read_path(write_lines(tmp_path / "at.log", [event(eventTime="2026-11-20T10:02:03.123+0000")]))
    assert time_text(store, 0, 29, local=True) == full
    assert time_text(store, 0, 40, True) == full
    assert time_text(store, 0, 28, local=True) == short
    assert time_text(store, 0, 19, local=True) == short[:19]
    assert time_text(store, 0, 14, local=True) == short[5:19]
    assert time_text(store, 0, 29) == "2026-11-20 10:02:03.123"  # UTC is never followed by an offset


def test_local_time_follows_daylight_saving_time(tmp_path, event, write_lines, read_path, time_zone):
    time_zone("CET-1CEST,M3.5.0,M10.5.0/3")
    store = read_path(write_lines(tmp_path / "at.log", [event(eventTime="2026-07-01T10:00:00Z")]))
    assert time_text(store, 0, 29, local=True) == "2026-07-01 12:00:00.000+02:00"


def test_local_time_column_is_titled_and_grows_to_hold_the_offset():
    utc = {c.key: (c.title, w) for c, w in layout(300)}
    local = {c.key: (c.title, w) for c, w in layout(300, local=True)}
    assert utc["time"] == ("Time (UTC)", 23)
    assert local["time"] == ("Time (local)", 29)
    assert {c.key: w for c, w in layout(80, local=True)}["time"] < 29  # narrow: the offset goes first


def test_event_without_time_says_so_in_local_time_too(tmp_path, event, write_lines, read_path, time_zone):
    time_zone("CET-1CEST,M3.5.0,M10.5.0/3")
    store = read_path(write_lines(tmp_path / "at.log", [event(eventTime=None)]))
    assert time_text(store, 0, 29, local=True) == "(no time)"


# ----------------------------------------------------------------------------- chosen columns


def test_every_available_column_has_a_unique_key_and_a_title_that_fits():
    keys = [c.key for c in AVAILABLE_COLUMNS]
    assert len(set(keys)) == len(keys)
    assert {"code", "initiator_id", "target_id"} <= set(keys)
    assert [c.key for c in COLUMNS] == list(DEFAULT_KEYS)
    assert all(len(c.title) <= c.min_width for c in AVAILABLE_COLUMNS)


def test_chosen_columns_are_laid_out_in_the_order_given():
    keys = ("code", "action", "target_id", "initiator_id")
    columns = layout(200, keys)
    assert [c.key for c, _ in columns] == list(keys)
    assert [c.title for c, _ in columns] == ["Code", "Action", "Target ID", "Initiator ID"]
    assert sum(w for _, w in columns) + len(columns) - 1 == 200


def test_chosen_columns_fill_any_width_exactly_and_drop_from_the_end():
    keys = ("message", "code", "time", "target_id")
    for width in range(1, 200):
        columns = layout(width, keys)
        shown = [c.key for c, _ in columns]
        assert shown == list(keys)[:len(shown)], width
        assert shown, f"width {width}: the first column is cut rather than dropped"
        assert sum(w for _, w in columns) + len(columns) - 1 == width, width


def test_unknown_or_repeated_columns_are_refused():
    with pytest.raises(ValueError, match="agent"):
        layout(100, ("time", "agent"))
    with pytest.raises(ValueError, match="twice"):
        columns_for(("time", "time"))


def test_row_line_draws_the_chosen_columns_at_their_place_under_the_titles(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "at.log", [event(reason={"reasonCode": 403})]))
    columns = row_layout(120, ("code", "initiator_id", "target_id", "action"))
    header = header_text(columns, 120)
    line = "".join(text for text, _ in row_line(store, 0, columns, 120, False))
    assert len(header) == len(line) == 120
    for title, value in (("Code", "403"), ("Initiator ID", "IBMid-270000ABCD"), ("Target ID", "crn:v1:"),
                         ("Action", "iam-identity.user-apikey.login")):
        assert line.index(value) == header.index(title), title


def test_the_titles_say_how_many_chosen_columns_have_no_room():
    keys = ("time", "severity", "outcome", "action", "initiator", "target", "message")
    for width, note in ((300, ""), (109, "+1 hidden"), (80, "+1"), (68, "+2"), (40, "+4")):
        columns = row_layout(width - 1, keys)
        hidden = no_room(columns, keys)
        assert len(hidden) == int(note[1:2] or 0), width
        header = header_text(columns, width, hidden)
        assert len(header) == width and header.rstrip().endswith(note), (width, header)
        assert header.startswith(header_text(columns, width)[:width - len(note) - 2]), width  # the last title may give way
        for column, _ in columns[:-1]:
            assert column.title in header, (width, column.title)


def test_a_missing_reason_code_shows_nothing(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "at.log", [event(reason=None)]))
    assert row_values(store, 0)["code"] == ""


# ----------------------------------------------------------------------------- marks and the cell


def test_row_line_marks_findings_before_the_columns(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "at.log", [event(), event()]))
    columns = row_layout(100)
    plain = row_line(store, 0, columns, 100, False)
    security = row_line(store, 0, columns, 100, False, mark="security")
    notable = row_line(store, 1, columns, 100, True, mark="notable")
    assert plain[0] == (" ", "normal")
    assert security[0] == ("!", "mark-security")
    assert notable[0] == ("•", "mark-notable+cursor")
    texts = ["".join(t for t, _ in line) for line in (plain, security, notable)]
    assert texts[0][1:] == texts[1][1:] == texts[2][1:]
    assert all(len(text) == 100 for text in texts)


def test_the_cursor_row_is_the_same_pieces_each_with_the_cursor_style(tmp_path, event, write_lines, read_path):
    # The grid draws a row under the cursor from its line off the cursor (kept from when it was
    # drawn) by adding "+cursor" to each piece's style: that must be exactly what row_line draws.
    store = read_path(write_lines(tmp_path / "at.log", [
        event(), event(outcome="failure"), event(severity="critical"), event(severity="warning"),
        event(outcome="pending"), {k: v for k, v in event().items() if k != "eventTime"},
        event(initiator={"name": "", "id": "iam-ServiceId-1"}, message="[bold]x[/] \x1b[2J")]))
    for width in (40, 80, 100, 160, 240):
        columns = row_layout(width)
        for row in range(len(store)):
            for mark in ("", "security", "notable", "marked"):
                off = row_line(store, row, columns, width, False, mark=mark)
                on = row_line(store, row, columns, width, True, mark=mark)
                assert on == [(text, style + "+cursor") for text, style in off], (width, row, mark)


def test_times_are_shown_to_the_millisecond_either_side_of_a_second_and_of_1970():
    second = 1_700_000_000 * 1_000_000
    assert format_time_us(second - 1) == "2023-11-14 22:13:19.999"
    assert format_time_us(second) == "2023-11-14 22:13:20.000"
    assert format_time_us(second + 999_999) == "2023-11-14 22:13:20.999"
    assert format_time_us(second + 999_999, millis=False) == "2023-11-14 22:13:20"
    assert format_time_us(-1) == "1969-12-31 23:59:59.999"
    assert format_time_us(0) == "1970-01-01 00:00:00.000"


def test_the_cell_piece_is_exactly_the_cell_and_only_on_the_selected_row(tmp_path, event, write_lines, read_path):
    store = read_path(write_lines(tmp_path / "at.log", [event()]))
    columns = row_layout(120)
    action = [c.key for c, _ in columns].index("action")
    width = {c.key: w for c, w in columns}["action"]
    line = row_line(store, 0, columns, 120, True, cell=action)
    cells = [(text, style) for text, style in line if style.endswith("+cell")]
    assert cells == [("iam-identity.user-apikey.login".ljust(width), "normal+cursor+cell")]
    assert "".join(t for t, _ in line) == "".join(t for t, _ in row_line(store, 0, columns, 120, True))
    assert not any("+cell" in style for _, style in row_line(store, 0, columns, 120, False, cell=action))


def test_findings_level_of_real_events(read_path):
    from catalog import loader

    store = read_path(Path(__file__).resolve().parents[2] / "sample_logs" / "serviceids_apikeys.jsonl")
    catalog = loader.default()
    levels = [findings_level(store.event(row), catalog) for row in range(len(store))]
    assert set(levels) <= {"", "notable", "security"}
    assert levels[3] == "security"  # the update of a locked service ID, refused


# ----------------------------------------------------------------------------- the value behind a cell


def test_cell_filter_gives_the_logged_value_not_the_text_shown(tmp_path, event, write_lines, read_path):
    long_action = "iam-identity.serviceid-apikey." + "x" * 60
    store = read_path(write_lines(tmp_path / "at.log", [
        event(action=long_action, message="  a\x1b[31m message \n", reason={"reasonCode": 404}),
        event(initiator={"id": "iam-ServiceId-9", "name": ""}, target={"id": "crn:v1:x"}),
        event(reason=None, outcome=None),
        event(initiator={"name": 42, "id": "x"}, reason={"reasonCode": "503"}),
    ]))
    assert cell_filter(store, 0, "action") == ("action", long_action)
    assert cell_filter(store, 0, "message") == ("message", "  a\x1b[31m message \n")
    assert cell_filter(store, 0, "code") == ("reason.reasonCode", "404")
    assert cell_filter(store, 0, "initiator") == ("initiator.name", "alice@example.com")
    assert cell_filter(store, 0, "time") is None
    assert cell_filter(store, 1, "initiator") == ("initiator.id", "iam-ServiceId-9")  # the id is what is shown
    assert cell_filter(store, 1, "target") == ("target.id", "crn:v1:x")
    assert cell_filter(store, 1, "target_id") == ("target.id", "crn:v1:x")
    assert cell_filter(store, 2, "code") is None
    assert cell_filter(store, 2, "outcome") is None
    assert cell_filter(store, 2, "severity") == ("severity", "normal")
    assert cell_filter(store, 3, "initiator") == ("initiator.name", "42")
    assert cell_filter(store, 3, "code") == ("reason.reasonCode", "503")

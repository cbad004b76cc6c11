"""The first screen, drawn before Textual is imported (which alone takes about 0.3 s).

`atlens FILE` shows the newest events at once: this module reads only the end of each input
file, decodes it with the same code as the app, and writes the screen the app is about to
draw (column titles, the newest rows with the last one selected, the status line, the key
line) with plain ANSI escapes in the alternate screen. Textual then enters the same alternate
screen and paints over it. Best effort: anything unusual (standard input, gzip, directories,
multi-line JSON, a small or odd terminal, any error) draws nothing and the app starts as before.

Imports neither textual nor rich: it must cost next to nothing before the app's own start.
"""

from __future__ import annotations

import colorsys
import os
import shutil
import stat
import sys
from collections.abc import Mapping

from .core.decode import Batch, decode_jsonl, sniff_multiline
from .core.present import (PALETTE_CELLS, Line, cells, findings_level, fit, header_text, inputs_text, no_room, printable,
                           roomy_key_cells, row_layout, row_line, table_span, time_range_text)
from .core.sources import PARALLEL_THRESHOLD, TAIL_FIRST_BYTES, InputSpec
from .core.sources.streams import sniff_compression, unreadable_format
from .core.store import Store

#: The grid leaves a column for its scrollbar (event_grid.SCROLLBAR_WIDTH), shown or not.
SCROLLBAR_WIDTH = 1
#: Lines around the grid: the filter bar and column titles above; status line and key line below.
CHROME_LINES = 4
#: More inputs than this: no preview (each costs an open and two reads).
MAX_FILES = 32
#: What the status line says until the app has read the inputs.
LOADING = "reading…"

#: Textual's footer for the app's bindings, as it draws it: (key, description) left, palette right.
FOOTER_KEYS = (("end", "Follow"), ("⏎", "Open"), ("q", "Quit"), ("/", "Filter"), ("a", "Catalog"), ("e", "Bad lines"),
               ("?", "Help"))
#: The filter bar's line before a query is typed, and the space its time range takes.
FILTER_PLACEHOLDER = "/ to filter: action:iam-identity.* outcome:failure -severity:normal"

# Colours of Textual's default theme (textual-dark) as the app shows them (EventGrid.DEFAULT_CSS
# for the rows: tests/e2e/test_preview.py checks that the two agree, cell by cell).
_BACKGROUND = (18, 18, 18)
_PANEL = (36, 47, 56)
_TEXT = (224, 224, 224)
_TIME = (255, 255, 255)
_ERROR = (254, 121, 147)  # $error-lighten-3
_WARNING = (255, 186, 65)  # $warning-lighten-1
_PENDING = (109, 178, 255)  # $primary-lighten-3

#: style name -> (foreground, background, bold, italic); None: terminal default
_STYLES: dict[str, tuple[tuple[int, int, int] | None, tuple[int, int, int] | None, bool, bool]] = {
    "title": ((226, 227, 229), _PANEL, True, False),
    "blank": (_TEXT, _BACKGROUND, False, False),
    "time": (_TIME, _BACKGROUND, False, False),
    "missing": (_TIME, _BACKGROUND, False, True),
    "normal": (_TEXT, _BACKGROUND, False, False),
    "critical": (_ERROR, _BACKGROUND, True, False),
    "warning": (_WARNING, _BACKGROUND, False, False),
    "failure": (_ERROR, _BACKGROUND, False, False),
    "pending": (_PENDING, _BACKGROUND, False, False),
    "mark-security": (_ERROR, _BACKGROUND, True, False),
    "mark-notable": (_WARNING, _BACKGROUND, True, False),
    "status": ((226, 227, 229), _PANEL, False, False),
    "status-following": ((152, 224, 36), _PANEL, True, False),
    "status-loading": ((88, 209, 235), _PANEL, True, False),
    "status-inputs": ((161, 165, 170), _PANEL, False, False),
    "footer": (_TEXT, _PANEL, False, False),
    "footer-key": ((255, 166, 43), _PANEL, True, False),
    "footer-bar": ((73, 82, 89), _PANEL, False, False),
    "filter": (_TEXT, _PANEL, False, False),
    "filter-placeholder": ((167, 171, 175), _PANEL, False, False),
    "filter-range": ((167, 171, 175), _PANEL, False, False),
}
_CURSOR_BACKGROUND = (0, 66, 149)  # $primary-darken-3
#: Without colours (NO_COLOR) the app marks the cursor row in reverse video and failures in bold.
_NO_COLOUR_BOLD = {"critical", "failure", "mark-security", "mark-notable"}
#: The 16 standard colours as Rich reckons them when it picks the nearest (rich._palettes.STANDARD_PALETTE).
_STANDARD = ((0, 0, 0), (170, 0, 0), (0, 170, 0), (170, 85, 0), (0, 0, 170), (170, 0, 170), (0, 170, 170),
             (170, 170, 170), (85, 85, 85), (255, 85, 85), (85, 255, 85), (255, 255, 85), (85, 85, 255),
             (255, 85, 255), (85, 255, 255), (255, 255, 255))


# ----------------------------------------------------------------------------- reading the tails


class _TailBytes:
    """The end of a file held in memory, read by absolute offset (a store segment's reader)."""

    def __init__(self, start: int, data: bytes) -> None:
        self.start = start
        self.data = data

    def read(self, offset: int, length: int) -> bytes | None:
        begin = offset - self.start
        if begin < 0 or begin + length > len(self.data):
            return None
        return self.data[begin:begin + length]

    def unavailable_reason(self) -> str:
        return "outside the part read for the first screen"


def load_tails(paths: list[str], tail_bytes: int | None = None) -> Store | None:
    """A store of the last events of each file, added in the order the app's reader adds them.

    The app reads small files whole and, for each large one, first the events after the first
    line break in its last TAIL_FIRST_BYTES (newest file first): the preview takes exactly that
    part of a large file, and the same amount of the end of a small one. None when an input is
    not a plain file of JSON lines (the app then starts without a preview).
    """
    if len(paths) > MAX_FILES:
        return None
    if tail_bytes is None:
        tail_bytes = TAIL_FIRST_BYTES
    parts: list[tuple[bool, float, str, int, bytes]] = []  # (large, mtime, name, start, data)
    seen: set[tuple[int, int]] = set()
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None
            if (st.st_dev, st.st_ino) in seen:
                continue  # the same file given twice: the app reads it once
            seen.add((st.st_dev, st.st_ino))
            size = st.st_size
            head = os.pread(fd, 65536, 0)
            if sniff_compression(head) or unreadable_format(head) or sniff_multiline(head):
                return None
            large = size > PARALLEL_THRESHOLD
            start = max(0, size - tail_bytes)
            data = os.pread(fd, size - start, start)
        finally:
            os.close(fd)
        if start:
            # Whole lines only, from the first line break on (as the app's reader cuts).
            cut = data.find(b"\n") + 1
            if not cut:
                continue
            start += cut
            data = data[cut:]
        if not large:
            # A small file is read up to its last line break: a last line without one may still be
            # being written, and the app waits for its end.
            data = data[:data.rfind(b"\n") + 1]
        parts.append((large, st.st_mtime, str(path), start, data))
    store = Store()
    small = [p for p in parts if not p[0]]
    large_parts = sorted((p for p in parts if p[0]), key=lambda p: -p[1])
    for _, _, name, start, data in small + large_parts:
        segment = store.add_segment(name, _TailBytes(start, data))
        batch = Batch(name)
        if data:
            decode_jsonl(batch, {}, data, start, 1)
        store.add(segment, batch, with_errors=False)
    return store


# ----------------------------------------------------------------------------- the screen as text


def _crop(parts: Line, width: int, fill_style: str, *, ellipsis: bool = True) -> Line:
    """Pieces cut (with … unless told not to, as Textual's footer cuts) or padded with fill_style
    to exactly width cells."""
    out: Line = []
    used = 0
    for text, style in parts:
        size = cells(text)
        if used + size > width:
            if ellipsis:
                out.append((fit(text, width - used), style))
            else:
                kept = []
                for char in text:
                    size = cells(char)
                    if used + size > width:
                        break
                    kept.append(char)
                    used += size
                out.append(("".join(kept) + " " * (width - used), style))
            return out
        out.append((text, style))
        used += size
    if used < width:
        out.append((" " * (width - used), fill_style))
    return out


def _status_line(inputs: str, width: int) -> Line:
    parts: Line = [(" ● following ", "status-following"), (f"│ {LOADING} ", "status-loading")]
    if inputs:
        parts.append(("│ " + printable(inputs), "status-inputs"))
    return _crop(parts, width, "status")


def _filter_line(time_range: str, width: int) -> Line:
    """The filter bar with no query yet: its placeholder (cut after the last whole word that fits,
    as Textual wraps it), then the time range at the right."""
    label = printable(time_range)
    room = width - cells(label) - 4  # the query line's padding and the time range's
    shown = ""
    for word in FILTER_PLACEHOLDER.split(" "):
        candidate = f"{shown} {word}" if shown else word
        if cells(candidate) > room:
            if shown and cells(shown) < room:
                shown += " "
            break
        shown = candidate
    if not shown:
        shown = fit(FILTER_PLACEHOLDER, max(0, room))
    parts: Line = [(" ", "filter"), (shown, "filter-placeholder"), (" " * max(0, room - cells(shown)), "filter"),
                   ("  ", "filter"), (label, "filter-range"), (" ", "filter")]
    return _crop(parts, width, "filter")


def _footer_line(width: int) -> Line:
    """The key line as the app's KeyLine draws it: roomy when it fits, else compact (80 columns)."""
    roomy = roomy_key_cells(FOOTER_KEYS)
    left: Line = []
    for key, description in FOOTER_KEYS:
        if width >= roomy:
            left += [(f" {key} ", "footer-key"), (f"{description} ", "footer")]
        else:
            left += [(key, "footer-key"), (f" {description}", "footer"), (" ", "footer")]
    right: Line = [("▏", "footer-bar"), ("^p", "footer-key"), (" palette ", "footer")]
    if width <= PALETTE_CELLS:
        return _crop(left, width, "footer", ellipsis=False)
    return _crop(left, width - PALETTE_CELLS, "footer", ellipsis=False) + right


def build(paths: list[str], width: int, height: int, *, since_us: int | None = None,
          until_us: int | None = None, inputs: str | None = None, marks: bool = True,
          catalog_dirs: tuple[str, ...] = ()) -> list[Line] | None:
    """Every line of the first screen as styled pieces; None when there is nothing sensible to draw.

    marks: rows of events with findings carry their mark, as in the app (this loads the catalog,
    built-in plus catalog_dirs and $ATLENS_CATALOG, which costs more than the rest of the preview).
    """
    screen = _Screen.read(paths, width, height, since_us=since_us, until_us=until_us)
    if screen is None:
        return None
    return screen.lines(inputs if inputs is not None else ", ".join(paths),
                        screen.marks(catalog_dirs) if marks else None, time_range_text(since_us, until_us))


class _Screen:
    """The rows of the first screen, read from the inputs, ready to be drawn with or without marks."""

    def __init__(self, store: Store, rows: list[int], width: int, height: int) -> None:
        self.store = store
        self.rows = rows
        self.width = width
        self.height = height
        #: the table's place on the screen (beside the catalog and detail panes on wide terminals)
        self.table_x, self.table_width = table_span(width)
        self.columns = row_layout(self.table_width - SCROLLBAR_WIDTH)

    @classmethod
    def read(cls, paths: list[str], width: int, height: int, *, since_us: int | None = None,
             until_us: int | None = None) -> _Screen | None:
        """The newest rows that fit, or None when there is nothing sensible to draw."""
        if width < 20 or height < CHROME_LINES + 1:
            return None
        store = load_tails(paths)
        if store is None:
            return None
        lo, hi = store.span(since_us, until_us)
        screen = cls(store, list(store.order[max(lo, hi - (height - CHROME_LINES)):hi]), width, height)
        return screen if screen.columns else None

    def marks(self, catalog_dirs: tuple[str, ...] = ()) -> list[str] | None:
        """The findings level of each row (as the grid marks them); None when the catalog cannot be loaded."""
        try:
            from catalog import loader

            catalog = loader.default(catalog_dirs)
        except Exception:
            return None
        return [findings_level(self.store.event(row, keep=False), catalog) for row in self.rows]

    def lines(self, inputs: str, marks: list[str] | None, time_range: str = "all times") -> list[Line]:
        """The filter bar, titles, rows (the last one selected), blank lines, status line and key
        line. Wide, the panes beside the table are left blank for the app to fill."""
        width, rows, table = self.width, self.rows, self.table_width
        left = [(" " * self.table_x, "blank")] if self.table_x else []
        right_width = width - self.table_x - table
        right = [(" " * right_width, "blank")] if right_width else []
        titles = header_text(self.columns, table, no_room(self.columns))
        lines: list[Line] = [_filter_line(time_range, width), [*left, (titles, "title"), *right]]
        for i, row in enumerate(rows):
            lines.append([*left, *row_line(self.store, row, self.columns, table, selected=i == len(rows) - 1,
                                           mark=marks[i] if marks else ""), *right])
        lines.extend([[(" " * width, "blank")]] * (self.height - CHROME_LINES - len(rows)))
        lines.append(_status_line(inputs, width))
        lines.append(_footer_line(width))
        return lines


def preview_lines(paths: list[str], width: int, height: int, *, since_us: int | None = None,
                  until_us: int | None = None, inputs: str | None = None) -> list[str]:
    """The first screen as plain text, one string per terminal line (empty when none is drawn)."""
    lines = build(paths, width, height, since_us=since_us, until_us=until_us, inputs=inputs)
    return ["".join(text for text, _ in line) for line in lines or []]


# ----------------------------------------------------------------------------- the screen as escapes


def _colour_256(rgb: tuple[int, int, int]) -> int:
    """The colour of the xterm 256-colour palette Rich sends for rgb (rich.color.Color.downgrade)."""
    _, lightness, saturation = colorsys.rgb_to_hls(*(v / 255 for v in rgb))
    if saturation < 0.15:  # greyish: the grey ramp, black and white at its ends
        grey = round(lightness * 25.0)
        return 16 if grey == 0 else 231 if grey == 25 else 231 + grey
    red, green, blue = (v / 95 if v < 95 else 1 + (v - 95) / 40 for v in rgb)
    return 16 + 36 * round(red) + 6 * round(green) + round(blue)


def _colour_16(rgb: tuple[int, int, int]) -> int:
    """The standard colour (0-15) Rich sends for rgb in a 16-colour terminal (rich.palette.Palette.match)."""
    red, green, blue = rgb

    def distance(index: int) -> float:
        r2, g2, b2 = _STANDARD[index]
        red_mean = (red + r2) // 2
        dr, dg, db = red - r2, green - g2, blue - b2
        return ((((512 + red_mean) * dr * dr) >> 8) + 4 * dg * dg + (((767 - red_mean) * db * db) >> 8)) ** 0.5

    return min(range(16), key=distance)


def _sgr(style: str, colours: str) -> str:
    """The escape that sets a style; colours: "truecolor", "256", "16" or "none"."""
    base, *modifiers = style.split("+")
    cursor = "cursor" in modifiers
    fg, bg, bold, italic = _STYLES[base]
    if cursor:
        bg, bold = _CURSOR_BACKGROUND, True
    if colours == "16" and bg == _PANEL:  # as the app in 16 colours (atlens.tcss): black bars, yellow keys
        bg = (0, 0, 0)
        fg = {"footer-key": (255, 255, 0), "footer-bar": (170, 170, 170)}.get(base, fg)
    codes = ["0"]
    if colours == "none":
        bold = bold or base in _NO_COLOUR_BOLD
    if bold:
        codes.append("1")
    if italic:
        codes.append("3")
    if colours == "none":
        if cursor:
            codes.append("7")
        return "\x1b[" + ";".join(codes) + "m"
    for kind, rgb in (("38", fg), ("48", bg)):
        if rgb is None:
            continue
        if colours == "truecolor":
            codes.append(f"{kind};2;{rgb[0]};{rgb[1]};{rgb[2]}")
        elif colours == "256":
            codes.append(f"{kind};5;{_colour_256(rgb)}")
        else:
            index = _colour_16(rgb)
            codes.append(str((30 if kind == "38" else 40) + index if index < 8 else (90 if kind == "38" else 100) + index - 8))
    return "\x1b[" + ";".join(codes) + "m"


def colour_system(environ: Mapping[str, str] = os.environ) -> str:
    """"truecolor", "256", "16" or "none": what the app will draw with, decided as Textual and Rich do.

    Textual draws without colours when NO_COLOR is set at all (even empty), takes
    TEXTUAL_COLOR_SYSTEM when given, and otherwise lets Rich read COLORTERM and the end of TERM
    (rich.console.Console._detect_color_system): "-256color" or "-kitty" is 256 colours, and any
    other terminal (xterm, screen, linux, vt220...) only the 16 standard ones.
    """
    if "NO_COLOR" in environ:
        return "none"
    forced = environ.get("TEXTUAL_COLOR_SYSTEM", "auto")
    if forced in ("truecolor", "256"):
        return forced
    if forced in ("standard", "windows"):
        return "16"
    if environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return "truecolor"
    term = environ.get("TERM", "").strip().lower()
    if term in ("dumb", "unknown"):
        return "none"
    return "256" if term.rpartition("-")[2] in ("256color", "kitty") else "16"


def _park(lines: list[Line]) -> tuple[int, int]:
    """Where the (hidden) cursor waits: in the blank middle of the key line when there is one.

    Keys typed before the app starts are echoed by the terminal until Textual turns echo off
    (they still reach the app): there they land on blank cells and never scroll the screen.
    """
    footer = "".join(text for text, _ in lines[-1])
    width = cells(footer)
    used = cells(footer[:max(0, len(footer) - PALETTE_CELLS)].rstrip())
    if width - PALETTE_CELLS - used >= 8:
        return len(lines), used + 2
    return 1, 1


def to_ansi(lines: list[Line], colours: str = "truecolor", *, only: set[int] | None = None, enter: bool = True) -> str:
    """The escapes that draw lines from the top left of the alternate screen, cursor hidden.

    only: the indexes of the lines to draw (None: all); enter: enter the alternate screen first.
    """
    out = ["\x1b[?1049h\x1b[?25l"] if enter else []
    for y, line in enumerate(lines):
        if only is not None and y not in only:
            continue
        out.append(f"\x1b[{y + 1};1H")
        for text, style in line:
            out.append(_sgr(style, colours))
            out.append(text)
    row, column = _park(lines)
    out.append(f"\x1b[0m\x1b[{row};{column}H")
    return "".join(out)


# ----------------------------------------------------------------------------- the terminal


def _write_all(fd: int, data: bytes) -> None:
    while data:
        written = os.write(fd, data)
        data = data[written:]


def terminal_fd() -> int | None:
    """The descriptor Textual draws on (its Linux driver writes to stderr), if a terminal.

    Both stdout and stderr must be the terminal: with either redirected, no preview.
    """
    try:
        out, err = sys.__stdout__, sys.__stderr__
        if out is None or err is None or not out.isatty() or not err.isatty():
            return None
        if os.environ.get("TERM", "") in ("", "dumb"):
            return None
        return err.fileno()
    except Exception:
        return None


def show(specs: list[InputSpec], *, since_us: int | None = None, until_us: int | None = None,
         catalog_dirs: tuple[str, ...] = (), inputs: str | None = None) -> bool:
    """Draw the first screen on the terminal; True when something was drawn.

    Never raises: the preview is only a head start, and the app starts the same without it.
    Reads nothing from standard input (keys typed now wait for the app). inputs: what the status
    line names, when the files are not what the user gave (a bucket's newest object, fetched).

    The rows are drawn first; the catalog, which the marks of events with findings need, takes
    about as long again to load, so the marks follow, with the status line: "reading…" there
    means the first screen is complete. (The app then finds the catalog loaded.)
    """
    try:
        fd = terminal_fd()
        if fd is None or not specs or any(spec.kind != "file" for spec in specs):
            return False
        # Textual takes its size the same way (COLUMNS and LINES first, then the terminal).
        width, height = shutil.get_terminal_size((0, 0))
        screen = _Screen.read([spec.text for spec in specs], width, height, since_us=since_us, until_us=until_us)
        if screen is None:
            return False
        colours = colour_system()
        inputs = inputs or inputs_text(specs)
        time_range = time_range_text(since_us, until_us)
        lines = screen.lines(inputs, None, time_range)
        status = len(lines) - 2
        _write_all(fd, to_ansi(lines, colours, only=set(range(len(lines))) - {status}).encode("utf-8", "replace"))
    except Exception:
        return False
    try:
        marks = screen.marks(catalog_dirs)
        marked = {2 + i for i, mark in enumerate(marks or ()) if mark}
        lines = screen.lines(inputs, marks, time_range)
        _write_all(fd, to_ansi(lines, colours, only=marked | {status}, enter=False).encode("utf-8", "replace"))
    except Exception:
        pass  # the rows are on screen (the alternate one): the caller must know it was drawn
    return True


def restore() -> None:
    """Leave the alternate screen and show the cursor again (when the app did not start after all)."""
    try:
        fd = terminal_fd()
        if fd is not None:
            _write_all(fd, b"\x1b[0m\x1b[?25h\x1b[?1049l")
    except Exception:
        pass

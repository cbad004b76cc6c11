"""Row colours that read in every theme: WCAG contrast, and colours moved just far enough to meet it.

The table's colours come from the theme (`$error-lighten-3` for failures, `$primary-darken-3` for
the cursor bar...). In the default theme they read well; in others a pastel primary made a
cursor bar that plain text read on at 2:1 (catppuccin-mocha), and yellow warnings on a light
background 1.8:1 under the cursor (textual-light). Rather than a stylesheet per theme, the grid
asks these functions for colours that keep their hue when they can and give way when they must.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

#: The least contrast of plain text (WCAG AA), and of coloured, bold or symbol text (AA large text).
TEXT = 4.5
COLOURED = 3.0
#: Steps from a colour to the one it gives way to.
_STEPS = 40


def luminance(rgb: RGB) -> float:
    """WCAG relative luminance."""
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio, from 1 (none) to 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def blend(a: RGB, b: RGB, t: float) -> RGB:
    """a moved the fraction t of the way to b."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


#: How far the cursor bar stands apart from the rows' background, at least (when the theme's does).
BAR = 1.5


def cursor_bar(bar: RGB, background: RGB, text: RGB) -> RGB:
    """The cursor bar: the theme's colour, first set apart from the rows' background if it is
    too close to it, then moved back toward it while text does not read on it, but never so far
    that the bar no longer stands out (then the text gives way instead, see `readable`)."""
    away = extreme(background)
    for step in range(_STEPS + 1):
        apart = blend(bar, away, step / _STEPS)
        if contrast(apart, background) >= BAR:
            break
    chosen = apart
    for step in range(1, _STEPS + 1):
        colour = blend(apart, background, step / _STEPS)
        if contrast(text, chosen) >= TEXT or contrast(colour, background) < BAR:
            break
        chosen = colour
    return chosen


def extreme(background: RGB) -> RGB:
    """Black or white, whichever reads better on background."""
    return (0, 0, 0) if contrast((0, 0, 0), background) >= contrast((255, 255, 255), background) else (255, 255, 255)


def readable(colour: RGB, background: RGB, toward: RGB, least: float) -> RGB:
    """colour, moved toward `toward` (the theme's text, or black or white) until it reads at
    least:1 on background; unchanged when it already does."""
    for step in range(_STEPS + 1):
        moved = blend(colour, toward, step / _STEPS)
        if contrast(moved, background) >= least:
            return moved
    return toward

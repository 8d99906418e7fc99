"""Bar charts drawn on the server as SVG, for the reporting pages.

A chart is geometry and words; `templates/reports/_chart.html` draws it, and Jinja escapes every
word, so no text in a chart is ever markup. Each bar carries its label and its value as text, and
each marker (a target, what is expected by now) its own label and a line style of its own, so
nothing is told by colour alone. The colours are GOV.UK's, each at least 3:1 against white. The
chart is an image with a title and a description that gives every figure; the page puts a table
with the same figures beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

WIDTH = 960
LABEL_RIGHT = 250
BAR_LEFT = 262
BAR_MAX = 430
ROW = 34
BAR = 22
TOP = 12
HEADING_ROW = 30
MARKER_ROW = 24
TEXT_GAP = 8

# GOV.UK colours: blue, green, purple and dark grey, each 5:1 or more against white.
COLOURS = {"blue": "#1d70b8", "green": "#00703c", "purple": "#4c2c92", "grey": "#505a5f"}
TEXT_COLOUR = "#0b0c0c"
# Markers are told apart by their dashes and their labels.
MARKER_DASHES = ("8 4", "2 3", "12 3 2 3")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | Fraction
    text: str
    colour: str = "blue"


@dataclass(frozen=True)
class Heading:
    """A heading over the bars that follow it, to group them."""

    text: str


@dataclass(frozen=True)
class Marker:
    """A vertical line across the bars at a value, like a target, with its label below them."""

    label: str
    value: int | Fraction


@dataclass(frozen=True)
class DrawnHeading:
    text: str
    y: int


@dataclass(frozen=True)
class DrawnBar:
    label: str
    text: str
    fill: str
    y: int
    width: int
    text_x: int
    text_y: int


@dataclass(frozen=True)
class DrawnMarker:
    label: str
    x: int
    top: int
    bottom: int
    label_y: int
    anchor: str
    label_x: int
    dashes: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    height: int
    headings: list[DrawnHeading]
    bars: list[DrawnBar]
    markers: list[DrawnMarker]
    width: int = WIDTH
    label_right: int = LABEL_RIGHT
    bar_left: int = BAR_LEFT
    bar_height: int = BAR


def _scaled(value: int | Fraction, largest: int | Fraction) -> int:
    if value <= 0 or largest <= 0:
        return 0
    return max(2, round(BAR_MAX * Fraction(value) / Fraction(largest)))


def bar_chart(
    chart_id: str, title: str, summary: str, rows: Sequence[Bar | Heading], markers: Sequence[Marker] = ()
) -> Chart:
    """A horizontal bar chart: one bar per row, grouped under headings where given, scaled to the
    largest value or marker, with markers drawn across the bars. `summary` starts the description,
    which then gives each bar's and marker's figure in words."""
    largest = max([*(row.value for row in rows if isinstance(row, Bar)), *(m.value for m in markers), 0])
    y = TOP
    headings: list[DrawnHeading] = []
    bars: list[DrawnBar] = []
    words: list[str] = []
    group = ""
    for row in rows:
        if isinstance(row, Heading):
            headings.append(DrawnHeading(row.text, y + 20))
            y += HEADING_ROW
            group = row.text
            continue
        width = _scaled(row.value, largest)
        bars.append(
            DrawnBar(
                label=row.label,
                text=row.text,
                fill=COLOURS.get(row.colour, COLOURS["blue"]),
                y=y,
                width=width,
                text_x=BAR_LEFT + width + TEXT_GAP,
                text_y=y + 16,
            )
        )
        words.append(f"{group + ', ' if group else ''}{row.label}: {row.text}.")
        y += ROW
    bars_bottom = y
    drawn_markers = []
    for index, marker in enumerate(markers):
        x = BAR_LEFT + _scaled(marker.value, largest)
        label_y = bars_bottom + 18 + index * MARKER_ROW
        right_half = x > BAR_LEFT + BAR_MAX // 2
        drawn_markers.append(
            DrawnMarker(
                label=marker.label,
                x=x,
                top=TOP - 4,
                bottom=label_y - 14,
                label_y=label_y,
                anchor="end" if right_half else "start",
                label_x=x - 4 if right_half else x + 4,
                dashes=MARKER_DASHES[index % len(MARKER_DASHES)],
            )
        )
        words.append(f"{marker.label}.")
    height = bars_bottom + len(markers) * MARKER_ROW + (10 if markers else 4)
    description = " ".join([summary.rstrip(".") + ".", *words])
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        height=height,
        headings=headings,
        bars=bars,
        markers=drawn_markers,
    )

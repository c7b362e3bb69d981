"""Charts of the tracking pages, drawn on the server as inline SVG.

Pure functions: no ORM, no request. The caller passes what to draw (labels already
translated and localized, numbers already counted) and gets a :class:`Chart`: its SVG
markup and the data table that follows it on the page, so every chart reads without
JavaScript and by screen readers (the SVG is ``role="img"`` with a ``<title>`` and a
``<desc>``; the table carries the numbers).

Rules, because the pages run under a strict CSP (``style-src 'self'``):

* no ``style`` attribute and no ``<style>`` element: colours and fonts come from the
  classes styled in ``static/css/charts.css``;
* every label is user data (unit and programme names): it is escaped here, once;
* nothing to draw (no bars, or only zeros) gives a chart without SVG, which the template
  shows as "No data yet" (the data table, when it has rows, still follows).

Coordinates are written with Python's own number formatting (never the active locale's),
so a decimal comma cannot break the markup.

Two drawings of every chart (issue 14, phones):

* ``svg``, the wide one: a 640-unit ``viewBox`` scaled to its container, labels beside the
  bars. Scaled down to a phone's 350 px its 12-unit labels would shrink to 6 px;
* ``narrow``, the phone's: no ``viewBox``, so one unit is one CSS pixel whatever the width;
  across, everything is placed in percentages of the container (``x="42.5%"``), down, in
  pixels. Labels keep their CSS size (12 px and up) at any width: above the bars for
  horizontal bars, every second month under vertical ones, two panels a row for small
  multiples. ``static/css/charts.css`` shows one of the two by the screen's width; the
  other is ``display: none`` (out of the accessibility tree, so each chart is announced
  once).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

__all__ = [
    "Bar",
    "Chart",
    "Series",
    "Table",
    "axis",
    "comparison_chart",
    "horizontal_bar_chart",
    "lowest",
    "median",
    "small_multiples",
    "vertical_bar_chart",
]

#: Width of every chart's coordinate system; the SVG scales to its container.
WIDTH = 640
#: Labels longer than this are cut (with an ellipsis) in the SVG; the table has them whole.
LABEL_CHARS = 26
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, and how the value is written (localized)."""

    label: str
    value: float
    text: str = ""

    @property
    def shown(self) -> str:
        return self.text or _plain(self.value)


@dataclass(frozen=True)
class Series:
    """A named sequence of bars (an administration's completions per month)."""

    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Table:
    """The numbers behind a chart, as the page shows them under it."""

    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    summary: str = ""


NOTHING = SafeString("")


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    description: str
    svg: SafeString
    table: Table
    #: The phone's drawing (see the module's docstring); empty when ``svg`` is.
    narrow: SafeString = NOTHING

    @property
    def empty(self) -> bool:
        """Nothing to draw: the template says "No data yet" instead of the SVG."""
        return not self.svg


# --- helpers ---------------------------------------------------------------------------


def _plain(value: float) -> str:
    """A number as text, without a useless ``.0``."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:g}"


def _n(value: float) -> str:
    """A coordinate: at most one decimal, never locale-formatted."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _clip(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _text(
    x: float, y: float, label: str, css: str, *, anchor: str = "start", full: str = ""
) -> str:
    """An SVG ``<text>``, escaped; ``full`` (the uncut label) becomes its tooltip."""
    tooltip = f"<title>{escape(full)}</title>" if full and full != label else ""
    return (
        f'<text class="{css}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}">'
        f"{tooltip}{escape(label)}</text>"
    )


def _svg(
    chart_id: str, title: str, description: str, height: float, body: list[str], css: str
) -> SafeString:
    return mark_safe(  # noqa: S308 - every text inside went through escape()
        f'<svg xmlns="{SVG_NS}" class="chart chart-wide {css}" role="img" focusable="false" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _pct(value: float) -> str:
    """An across coordinate of the narrow drawing: a percentage of the container."""
    return f"{_n(value)}%"


def _narrow_text(
    x: float, y: float, label: str, css: str, *, anchor: str = "start", full: str = "", dx: int = 0
) -> str:
    """A ``<text>`` of the narrow drawing at ``x`` per cent across (and ``dx`` pixels)."""
    tooltip = f"<title>{escape(full)}</title>" if full and full != label else ""
    shift = f' dx="{dx}"' if dx else ""
    return (
        f'<text class="{css}" x="{_pct(x)}" y="{_n(y)}"{shift} text-anchor="{anchor}">'
        f"{tooltip}{escape(label)}</text>"
    )


def _narrow_svg(
    chart_id: str, title: str, description: str, height: float, body: list[str], css: str
) -> SafeString:
    """The phone's drawing: as wide as its container, ``height`` pixels high, no
    ``viewBox`` (nothing is scaled: a 13 px label reads 13 px)."""
    return mark_safe(  # noqa: S308 - every text inside went through escape()
        f'<svg xmlns="{SVG_NS}" class="chart chart-narrow {css}" role="img" focusable="false" '
        f'width="100%" height="{_n(height)}" '
        f'aria-labelledby="{chart_id}-narrow-title {chart_id}-narrow-desc">'
        f'<title id="{chart_id}-narrow-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-narrow-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _nothing(values: Sequence[float]) -> bool:
    return not values or all(value <= 0 for value in values)


def axis(maximum: float, *, intervals: int = 4, integer: bool = True) -> tuple[float, list[float]]:
    """A round top for the scale and its ticks (0 first): the step is 1, 2, (2.5,) or 5
    times a power of ten, at least 1 for counts, and the top the first step at or above
    ``maximum``."""
    if maximum <= 0:
        return 1.0, [0.0, 1.0]
    rough = maximum / intervals
    power = 10 ** math.floor(math.log10(rough))
    multiples = (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10)
    step = next(power * m for m in multiples if power * m >= rough)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    top = math.ceil(maximum / step - 1e-9) * step
    count = round(top / step)
    return float(top), [step * index for index in range(count + 1)]


def lowest(bars: Sequence[Bar], count: int) -> list[Bar]:
    """The ``count`` bars with the lowest values (ties by label), lowest first."""
    return sorted(bars, key=lambda bar: (bar.value, bar.label))[:count]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _bar_table(bars: Sequence[Bar], caption: str, label_heading: str, value_heading: str) -> Table:
    return Table(
        caption, (label_heading, value_heading), tuple((bar.label, bar.shown) for bar in bars)
    )


# --- vertical bars (completions per month) ------------------------------------------------


def _category_label(x: float, y: float, label: str) -> str:
    """A label under a narrow bar, on two lines when it has a space (``Jan`` / ``2026``)."""
    first, _space, second = label.rpartition(" ")
    if not first:
        return _text(x, y, _clip(label, 10), "chart-label", anchor="middle", full=label)
    return (
        f'<text class="chart-label" x="{_n(x)}" y="{_n(y)}" text-anchor="middle">'
        f'<tspan x="{_n(x)}">{escape(_clip(first, 10))}</tspan>'
        f'<tspan x="{_n(x)}" dy="14">{escape(_clip(second, 10))}</tspan></text>'
    )


def vertical_bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    label_heading: str,
    value_heading: str,
    height: int = 240,
) -> Chart:
    """One bar per category, left to right (twelve months, oldest first); the scale starts
    at zero and ends at a round number; every bar above zero carries its value."""
    table = _bar_table(bars, title, label_heading, value_heading)
    values = [max(0.0, float(bar.value)) for bar in bars]
    if _nothing(values):
        return Chart(chart_id, title, description, SafeString(""), table)
    left, right, top_margin, bottom = 40, 8, 18, 38
    plot_w = WIDTH - left - right
    plot_h = height - top_margin - bottom
    top, ticks = axis(max(values))
    body = ['<g class="chart-grid">']
    for tick in ticks:
        y = top_margin + plot_h - plot_h * tick / top
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{_n(y)}" y2="{_n(y)}"/>')
    body.append("</g>")
    for tick in ticks:
        y = top_margin + plot_h - plot_h * tick / top
        body.append(_text(left - 6, y + 4, _plain(tick), "chart-tick", anchor="end"))
    slot = plot_w / len(bars)
    bar_w = slot * 0.7
    for index, (bar, value) in enumerate(zip(bars, values, strict=True)):
        x = left + slot * index + (slot - bar_w) / 2
        h = plot_h * value / top
        y = top_margin + plot_h - h
        centre = x + bar_w / 2
        body.append('<g class="chart-item">')
        if value > 0:
            body.append(
                f'<rect class="chart-bar" x="{_n(x)}" y="{_n(y)}" '
                f'width="{_n(bar_w)}" height="{_n(h)}"><title>{escape(bar.label)}: '
                f"{escape(bar.shown)}</title></rect>"
            )
            body.append(_text(centre, y - 4, bar.shown, "chart-value", anchor="middle"))
        body.append(_category_label(centre, height - 22, bar.label))
        body.append("</g>")
    base = top_margin + plot_h
    body.append(
        f'<line class="chart-axis" x1="{left}" x2="{WIDTH - right}" '
        f'y1="{_n(base)}" y2="{_n(base)}"/>'
    )
    svg = _svg(chart_id, title, description, height, body, "chart-vbar")
    narrow = _narrow_vertical(bars, values, top, ticks, chart_id, title, description)
    return Chart(chart_id, title, description, svg, table, narrow)


#: Narrow drawings assume a container at least this wide (px) where they reserve room
#: for a label beside the plot; wider containers only give it more.
NARROW_MIN = 300
#: Average width of a 12-13 px character of the site's font, in px (a generous guess).
CHAR_PX = 7.5


def _narrow_vertical(
    bars: Sequence[Bar],
    values: Sequence[float],
    top: float,
    ticks: Sequence[float],
    chart_id: str,
    title: str,
    description: str,
) -> SafeString:
    """Vertical bars on a phone: the scale's numbers left of the plot (room reserved for
    the longest), values over the bars, and the category under every second bar (the
    newest always), on two lines (``Jan`` / ``2026``)."""
    height, top_margin, bottom = 220, 20, 40
    plot_h = height - top_margin - bottom
    widest = max(len(_plain(tick)) for tick in ticks)
    left = min(20.0, (widest * CHAR_PX + 8) / NARROW_MIN * 100)
    right = 4.0  # the newest month's label, centred under the last bar, needs the room
    plot_w = 100 - left - right
    body = ['<g class="chart-grid">']
    for tick in ticks:
        y = top_margin + plot_h - plot_h * tick / top
        body.append(f'<line x1="{_pct(left)}" x2="{_pct(100 - right)}" y1="{_n(y)}" y2="{_n(y)}"/>')
    body.append("</g>")
    for tick in ticks:
        y = top_margin + plot_h - plot_h * tick / top
        body.append(_narrow_text(left, y + 4, _plain(tick), "chart-tick", anchor="end", dx=-4))
    slot = plot_w / len(bars)
    last = len(bars) - 1
    for index, (bar, value) in enumerate(zip(bars, values, strict=True)):
        centre = left + slot * (index + 0.5)
        h = plot_h * value / top
        y = top_margin + plot_h - h
        body.append('<g class="chart-item">')
        if value > 0:
            body.append(
                f'<rect class="chart-bar" x="{_pct(left + slot * (index + 0.15))}" '
                f'y="{_n(y)}" width="{_pct(slot * 0.7)}" height="{_n(h)}">'
                f"<title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>"
            )
            body.append(_narrow_text(centre, y - 4, bar.shown, "chart-value", anchor="middle"))
        if (last - index) % 2 == 0 or len(bars) <= 6:
            first, _space, second = bar.label.rpartition(" ")
            if not first:
                first, second = bar.label, ""
            body.append(
                f'<text class="chart-label" x="{_pct(centre)}" y="{_n(height - 24)}" '
                f'text-anchor="middle"><title>{escape(bar.label)}</title>'
                f'<tspan x="{_pct(centre)}">{escape(_clip(first, 8))}</tspan>'
                + (
                    f'<tspan x="{_pct(centre)}" dy="15">{escape(_clip(second, 8))}</tspan>'
                    if second
                    else ""
                )
                + "</text>"
            )
        body.append("</g>")
    base = top_margin + plot_h
    body.append(
        f'<line class="chart-axis" x1="{_pct(left)}" x2="{_pct(100 - right)}" '
        f'y1="{_n(base)}" y2="{_n(base)}"/>'
    )
    return _narrow_svg(chart_id, title, description, height, body, "chart-vbar")


# --- horizontal bars (coverage per programme, per unit) -----------------------------------

ROW = 26
BAR = 16
LABEL_W = 210
VALUE_W = 64


def _tick_row(
    ticks: Sequence[float],
    top: float,
    x0: float,
    plot_w: float,
    y: float,
    tick_text: Callable[[float], str],
) -> list[str]:
    return [
        _text(x0 + plot_w * tick / top, y, tick_text(tick), "chart-tick", anchor="middle")
        for tick in ticks
    ]


def _grid(
    ticks: Sequence[float], top: float, x0: float, plot_w: float, y1: float, y2: float
) -> list[str]:
    lines = ['<g class="chart-grid">']
    for tick in ticks:
        x = x0 + plot_w * tick / top
        lines.append(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{_n(y1)}" y2="{_n(y2)}"/>')
    lines.append("</g>")
    return lines


def _hbar(bar: Bar, y: float, top: float, x0: float, plot_w: float) -> list[str]:
    value = min(max(0.0, float(bar.value)), top)
    width = plot_w * value / top
    parts = [
        '<g class="chart-item">',
        _text(x0 - 8, y + BAR - 3, _clip(bar.label), "chart-label", anchor="end", full=bar.label),
    ]
    if width > 0:
        parts.append(
            f'<rect class="chart-bar" x="{_n(x0)}" y="{_n(y)}" width="{_n(width)}" '
            f'height="{BAR}"><title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>'
        )
    parts.append(_text(x0 + width + 6, y + BAR - 3, bar.shown, "chart-value"))
    parts.append("</g>")
    return parts


def _percent_tick(value: float) -> str:
    return f"{_plain(value)} %"


def horizontal_bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    label_heading: str,
    value_heading: str,
    maximum: float | None = 100.0,
    table: Table | None = None,
    tick_text: Callable[[float], str] = _percent_tick,
) -> Chart:
    """One bar per row, in the given order, on a scale from 0 to ``maximum`` (100 for
    percentages; ``None``: a round number above the largest value). ``table`` replaces
    the default table (label and value of each bar) when the page has more to say, or
    more rows than the chart shows (the 15 lowest units, and a table of all)."""
    if table is None:
        table = _bar_table(bars, title, label_heading, value_heading)
    values = [float(bar.value) for bar in bars]
    if _nothing(values):
        return Chart(chart_id, title, description, SafeString(""), table)
    if maximum is None:
        top, ticks = axis(max(values))
    else:
        top, ticks = float(maximum), [maximum * index / 4 for index in range(5)]
    x0 = LABEL_W
    plot_w = WIDTH - LABEL_W - VALUE_W
    height = ROW * len(bars) + 28
    body = _grid(ticks, top, x0, plot_w, 4, ROW * len(bars) + 4)
    for index, bar in enumerate(bars):
        body += _hbar(bar, 4 + ROW * index + (ROW - BAR) / 2, top, x0, plot_w)
    body += _tick_row(ticks, top, x0, plot_w, height - 6, tick_text)
    svg = _svg(chart_id, title, description, height, body, "chart-hbar")
    narrow_body, narrow_height = _narrow_rows(bars, top, 0.0)
    narrow_body += _narrow_ticks(ticks, top, narrow_height + 14, tick_text)
    narrow = _narrow_svg(
        chart_id, title, description, narrow_height + 20, narrow_body, "chart-hbar"
    )
    return Chart(chart_id, title, description, svg, table, narrow)


#: A row of the narrow horizontal bars: the label (and value) on a line, the bar under it.
NARROW_ROW = 38
NARROW_BAR = 12
#: Labels of the narrow drawing are cut at this many characters (the table has them whole).
NARROW_LABEL_CHARS = 30


def _narrow_rows(bars: Sequence[Bar], top: float, y: float) -> tuple[list[str], float]:
    """Horizontal bars on a phone, from ``y`` down: each bar's label on its own line,
    the value at the line's right end, the bar under them across the whole width. Gives
    the markup and the ``y`` under the last row."""
    body: list[str] = []
    for bar in bars:
        value = min(max(0.0, float(bar.value)), top)
        width = 100 * value / top
        body.append('<g class="chart-item">')
        body.append(
            _narrow_text(
                0, y + 14, _clip(bar.label, NARROW_LABEL_CHARS), "chart-label", full=bar.label
            )
        )
        body.append(_narrow_text(100, y + 14, bar.shown, "chart-value", anchor="end"))
        body.append(
            f'<rect class="chart-track" x="0" y="{_n(y + 20)}" width="100%" height="{NARROW_BAR}"/>'
        )
        if width > 0:
            body.append(
                f'<rect class="chart-bar" x="0" y="{_n(y + 20)}" width="{_pct(width)}" '
                f'height="{NARROW_BAR}"><title>{escape(bar.label)}: {escape(bar.shown)}'
                "</title></rect>"
            )
        body.append("</g>")
        y += NARROW_ROW
    return body, y


def _narrow_ticks(
    ticks: Sequence[float], top: float, y: float, tick_text: Callable[[float], str]
) -> list[str]:
    """The scale under narrow horizontal bars: its ends and middle only (three labels fit
    any phone)."""
    chosen = [ticks[0], ticks[len(ticks) // 2], ticks[-1]] if len(ticks) > 2 else list(ticks)
    parts = []
    for tick in dict.fromkeys(chosen):
        x = 100 * tick / top
        anchor = "start" if x <= 0 else "end" if x >= 100 else "middle"
        parts.append(_narrow_text(x, y, tick_text(tick), "chart-tick", anchor=anchor))
    return parts


# --- the regional comparison ----------------------------------------------------------------


def comparison_chart(
    groups: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    description: str,
    label_heading: str,
    median_text: Callable[[float], str] = _percent_tick,
    median_label: str = "",
) -> Chart:
    """Per group (a programme), one bar per member (an administration), highest first, on
    a 0-100 % scale with the group's median marked. The table has a row per member and a
    column per group."""
    members: list[str] = []
    for group in groups:
        for bar in group.bars:
            if bar.label not in members:
                members.append(bar.label)
    members.sort()
    cells = {(group.label, bar.label): bar.shown for group in groups for bar in group.bars}
    table = Table(
        title,
        (label_heading, *(group.label for group in groups)),
        tuple(
            (member, *(cells.get((group.label, member), "") for group in groups))
            for member in members
        ),
    )
    if _nothing([bar.value for group in groups for bar in group.bars]):
        return Chart(chart_id, title, description, SafeString(""), table)
    top, ticks = 100.0, [0.0, 25.0, 50.0, 75.0, 100.0]
    x0 = LABEL_W
    plot_w = WIDTH - LABEL_W - VALUE_W
    body: list[str] = []
    y = 4.0
    for group in groups:
        ordered = sorted(group.bars, key=lambda bar: (-bar.value, bar.label))
        body.append(_text(4, y + 16, _clip(group.label, 80), "chart-group", full=group.label))
        y += ROW
        first = y
        body += _grid(ticks, top, x0, plot_w, first, first + ROW * len(ordered))
        for index, bar in enumerate(ordered):
            body += _hbar(bar, first + ROW * index + (ROW - BAR) / 2, top, x0, plot_w)
        y = first + ROW * len(ordered)
        middle = median([float(bar.value) for bar in group.bars])
        if middle is not None:
            x = x0 + plot_w * min(max(middle, 0.0), top) / top
            body.append(
                f'<line class="chart-median" x1="{_n(x)}" x2="{_n(x)}" '
                f'y1="{_n(first - 4)}" y2="{_n(y)}"><title>{escape(median_label)} '
                f"{escape(median_text(middle))}</title></line>"
            )
        y += 8
    body += _tick_row(ticks, top, x0, plot_w, y + 14, _percent_tick)
    height = y + 22
    svg = _svg(chart_id, title, description, height, body, "chart-hbar chart-compare")
    narrow = _narrow_comparison(groups, chart_id, title, description, median_text, median_label)
    return Chart(chart_id, title, description, svg, table, narrow)


def _narrow_comparison(
    groups: Sequence[Series],
    chart_id: str,
    title: str,
    description: str,
    median_text: Callable[[float], str],
    median_label: str,
) -> SafeString:
    """The regional comparison on a phone: per group its name, then its members' bars
    with the labels above them (as :func:`_narrow_rows`), the median across the rows."""
    top = 100.0
    body: list[str] = []
    y = 0.0
    for group in groups:
        ordered = sorted(group.bars, key=lambda bar: (-bar.value, bar.label))
        body.append(
            _narrow_text(
                0, y + 16, _clip(group.label, NARROW_LABEL_CHARS), "chart-group", full=group.label
            )
        )
        y += 24
        rows, bottom = _narrow_rows(ordered, top, y)
        body += rows
        middle = median([float(bar.value) for bar in group.bars])
        if middle is not None:
            x = 100 * min(max(middle, 0.0), top) / top
            body.append(
                f'<line class="chart-median" x1="{_pct(x)}" x2="{_pct(x)}" '
                f'y1="{_n(y + 18)}" y2="{_n(bottom - 4)}"><title>{escape(median_label)} '
                f"{escape(median_text(middle))}</title></line>"
            )
        y = bottom + 8
    body += _narrow_ticks([0.0, 50.0, 100.0], top, y + 6, _percent_tick)
    return _narrow_svg(chart_id, title, description, y + 12, body, "chart-hbar chart-compare")


PANEL_W = 200
PANEL_H = 96
PANELS_PER_ROW = 3


def small_multiples(
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    description: str,
    label_heading: str,
    total_heading: str,
) -> Chart:
    """One small bar chart per series (an administration's completions per month), three
    to a row, all on the same scale so that heights compare across panels. The table has
    a row per series, a column per bar and the total."""
    heads = tuple(bar.label for bar in series[0].bars) if series else ()
    table = Table(
        title,
        (label_heading, *heads, total_heading),
        tuple(
            (
                item.label,
                *(bar.shown for bar in item.bars),
                _plain(sum(bar.value for bar in item.bars)),
            )
            for item in series
        ),
    )
    values = [max(0.0, float(bar.value)) for item in series for bar in item.bars]
    if _nothing(values):
        return Chart(chart_id, title, description, SafeString(""), table)
    top, _ticks = axis(max(values))
    gap = (WIDTH - PANELS_PER_ROW * PANEL_W) / (PANELS_PER_ROW - 1)
    rows = math.ceil(len(series) / PANELS_PER_ROW)
    height = rows * (PANEL_H + 12)
    body: list[str] = []
    for index, item in enumerate(series):
        px = (index % PANELS_PER_ROW) * (PANEL_W + gap)
        py = (index // PANELS_PER_ROW) * (PANEL_H + 12)
        total = sum(bar.value for bar in item.bars)
        body.append('<g class="chart-panel">')
        body.append(
            _text(
                px,
                py + 14,
                f"{_clip(item.label, 18)} · {_plain(total)}",
                "chart-group",
                full=item.label,
            )
        )
        plot_top, plot_h = py + 22, PANEL_H - 30
        base = plot_top + plot_h
        body.append(
            f'<line class="chart-axis" x1="{_n(px)}" x2="{_n(px + PANEL_W)}" '
            f'y1="{_n(base)}" y2="{_n(base)}"/>'
        )
        if item.bars:
            slot = PANEL_W / len(item.bars)
            for position, bar in enumerate(item.bars):
                value = max(0.0, float(bar.value))
                if value <= 0:
                    continue
                h = plot_h * value / top
                body.append(
                    f'<rect class="chart-bar" x="{_n(px + slot * position + slot * 0.15)}" '
                    f'y="{_n(base - h)}" width="{_n(slot * 0.7)}" height="{_n(h)}">'
                    f"<title>{escape(item.label)}, {escape(bar.label)}: "
                    f"{escape(bar.shown)}</title></rect>"
                )
            body.append(_text(px, base + 12, _clip(item.bars[0].label, 12), "chart-tick"))
            body.append(
                _text(
                    px + PANEL_W,
                    base + 12,
                    _clip(item.bars[-1].label, 12),
                    "chart-tick",
                    anchor="end",
                )
            )
        body.append("</g>")
    svg = _svg(chart_id, title, description, height + 8, body, "chart-multiples")
    narrow = _narrow_multiples(series, top, chart_id, title, description)
    return Chart(chart_id, title, description, svg, table, narrow)


NARROW_PANELS_PER_ROW = 2
NARROW_PANEL_H = 104


def _narrow_multiples(
    series: Sequence[Series], top: float, chart_id: str, title: str, description: str
) -> SafeString:
    """Small multiples on a phone: two panels a row, each half the width (less a gap),
    the same scale for all; the first and last category under each panel."""
    per_row = NARROW_PANELS_PER_ROW
    gap = 6.0  # per cent of the width between two panels
    panel_w = (100 - gap * (per_row - 1)) / per_row
    body: list[str] = []
    for index, item in enumerate(series):
        px = (index % per_row) * (panel_w + gap)
        py = (index // per_row) * (NARROW_PANEL_H + 12)
        total = sum(bar.value for bar in item.bars)
        body.append('<g class="chart-panel">')
        body.append(
            _narrow_text(
                px,
                py + 15,
                f"{_clip(item.label, 14)} · {_plain(total)}",
                "chart-group",
                full=item.label,
            )
        )
        plot_top, plot_h = py + 24, NARROW_PANEL_H - 44
        base = plot_top + plot_h
        body.append(
            f'<line class="chart-axis" x1="{_pct(px)}" x2="{_pct(px + panel_w)}" '
            f'y1="{_n(base)}" y2="{_n(base)}"/>'
        )
        if item.bars:
            slot = panel_w / len(item.bars)
            for position, bar in enumerate(item.bars):
                value = max(0.0, float(bar.value))
                if value <= 0:
                    continue
                h = plot_h * value / top
                body.append(
                    f'<rect class="chart-bar" x="{_pct(px + slot * position + slot * 0.15)}" '
                    f'y="{_n(base - h)}" width="{_pct(slot * 0.7)}" height="{_n(h)}">'
                    f"<title>{escape(item.label)}, {escape(bar.label)}: "
                    f"{escape(bar.shown)}</title></rect>"
                )
            body.append(_narrow_text(px, base + 15, _clip(item.bars[0].label, 9), "chart-tick"))
            if len(item.bars) > 1:
                body.append(
                    _narrow_text(
                        px + panel_w,
                        base + 15,
                        _clip(item.bars[-1].label, 9),
                        "chart-tick",
                        anchor="end",
                    )
                )
        body.append("</g>")
    rows = math.ceil(len(series) / per_row)
    height = rows * (NARROW_PANEL_H + 12)
    return _narrow_svg(chart_id, title, description, height, body, "chart-multiples")

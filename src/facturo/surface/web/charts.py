"""Charts drawn on the server as SVG: they show without a network or any script, print well, and
carry their figures as text for screen readers (a <title> per bar and a table beside each chart)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from markupsafe import Markup

from facturo.surface.web.formatting import money, number

Shown = Callable[[Decimal], str]  # how a bar's value is written: money by default, or a count


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal


def count(value: Decimal) -> str:
    """A number of things (documents per day): grouped digits, no currency sign."""
    return number(value)


def _share(value: Decimal, top: Decimal, span: int) -> int:
    """Pixel length of a bar: an integer, computed exactly (no float on a money figure)."""
    if top <= 0 or value <= 0:
        return 0
    return int((value * span / top).to_integral_value())


def horizontal_bars(bars: Sequence[Bar], title: str, width: int = 640, row: int = 28, *, show: Shown = money) -> Markup:
    """Labels on the left, bars in proportion to the largest value, amounts at the end of each bar."""
    label_width, amount_width = 190, 120
    span = width - label_width - amount_width
    height = max(row * len(bars), row) + 8
    top = max((b.value for b in bars), default=Decimal(0))
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, bar in enumerate(bars):
        y = 4 + index * row
        length = _share(bar.value, top, span)
        # Long names are shortened to what fits beside the bars; the full name is in the <title>.
        label = bar.label if len(bar.label) <= 24 else bar.label[:23] + "…"
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(show(bar.value))}</title>"
            f'<text x="{label_width - 8}" y="{y + row // 2 + 4}" text-anchor="end" class="chart-label">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row - 10}" rx="3" class="chart-bar"/>'
            f'<text x="{label_width + length + 6}" y="{y + row // 2 + 4}" class="chart-value">'
            f"{escape(show(bar.value))}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped


def column_chart(
    bars: Sequence[Bar],
    title: str,
    width: int = 640,
    height: int = 220,
    *,
    show: Shown = money,
    label_every: int = 1,
) -> Markup:
    """Vertical columns (revenue by month), labels under each column, or under every
    ``label_every``-th one when the columns are too narrow for their labels (three years of
    months); each column keeps its label in its <title>."""
    base, top_pad, gap = height - 34, 16, 6
    count = max(len(bars), 1)
    column = max((width - gap * (count + 1)) // count, 4)
    top = max((b.value for b in bars), default=Decimal(0))
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" class="chart-axis"/>'
    ]
    for index, bar in enumerate(bars):
        x = gap + index * (column + gap)
        length = _share(bar.value, top, base - top_pad)
        # A label centred under a narrow first column would start left of the chart: it is kept
        # inside (about 4 units per half character at the chart's font size).
        centre = max(x + column // 2, len(bar.label) * 4)
        label = (
            f'<text x="{centre}" y="{base + 16}" text-anchor="middle" class="chart-label">{escape(bar.label)}</text>'
            if index % label_every == 0
            else ""
        )
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(show(bar.value))}</title>"
            f'<rect x="{x}" y="{base - length}" width="{column}" height="{length}" rx="2" class="chart-bar"/>'
            f"{label}</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text above is escaped

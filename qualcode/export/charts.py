"""Bar charts of theme prevalence: inline SVG for HTML (no external resources), PNG for Word."""

from __future__ import annotations

import io
import math
import textwrap
from html import escape
from typing import Any

from qualcode.core.reportdoc import BarChart
from qualcode.export.cells import clean

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_LABEL_WIDTH = 230
_PLOT_WIDTH = 420
_BAR = 11
_GAP = 10


def _wrap(text: str, width: int = 34, lines: int = 2) -> list[str]:
    out = textwrap.wrap(clean(text), width) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "\u2026"
    return out


def _legend_layout(chart: BarChart, width: float) -> tuple[float, int, int]:
    """Legend entry width, entries per row, and where the plot starts below the title and legend."""
    legend_w = 24 + 6.5 * max((len(name) for name, _ in chart.series), default=10)
    per_row = max(1, int(width // legend_w))
    return legend_w, per_row, 30 + 20 * ((len(chart.series) + per_row - 1) // per_row)


def _svg_head(chart: BarChart, width: float, height: float, legend_w: float, per_row: int) -> list[str]:
    """The SVG element, its title and the legend (a series drawn only as counts has a dashed swatch)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(clean(chart.title))}</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(clean(chart.title))}</text>',
    ]
    for i, (name, _) in enumerate(chart.series):
        lx, ly = (i % per_row) * legend_w, 26 + (i // per_row) * 20
        colour = PALETTE[i % len(PALETTE)]
        swatch = (
            f'fill="{colour}"' if chart.drawn(i) else f'fill="none" stroke="{colour}" stroke-dasharray="2 2"'
        )
        parts.append(
            f'<rect x="{lx:.0f}" y="{ly}" width="12" height="12" {swatch}/>'
            f'<text x="{lx + 17:.0f}" y="{ly + 10}">{escape(clean(name))}</text>'
        )
    return parts


def _axis(top: float, height: float, labels: list[str]) -> list[str]:
    """Grid lines at 0, 25, 50, 75 and 100% of the plot, each with its label below."""
    parts = []
    for i, label in enumerate(labels):
        x = _LABEL_WIDTH + _PLOT_WIDTH * i / (len(labels) - 1)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#555">{escape(label)}</text>'
        )
    return parts


def _category_label(category: str, middle: float) -> list[str]:
    """A category's name right-aligned left of the plot, in up to two lines centred on `middle`."""
    lines = _wrap(category)
    return [
        f'<text x="{_LABEL_WIDTH - 8}" y="{middle + 4 + (k - (len(lines) - 1) / 2) * 13:.1f}" text-anchor="end">'
        f"{escape(line)}</text>"
        for k, line in enumerate(lines)
    ]


def svg_bar_chart(chart: BarChart) -> str:
    """Horizontal grouped bars with a legend, value labels and a 0-100% axis; all text escaped."""
    if chart.stacked:
        return svg_stacked_chart(chart)
    if chart.unit != "%":
        return svg_value_chart(chart)
    n = len(chart.series)
    group_h = max(n * _BAR, 2 * 14) + _GAP
    width = _LABEL_WIDTH + _PLOT_WIDTH + 50
    legend_w, per_row, top = _legend_layout(chart, width)
    height = top + group_h * len(chart.categories) + 24
    x0 = _LABEL_WIDTH
    parts = _svg_head(chart, width, height, legend_w, per_row)
    parts += _axis(top, height, [f"{tick}%" for tick in range(0, 101, 25)])
    for c, category in enumerate(chart.categories):
        gy = top + c * group_h
        parts += _category_label(category, gy + (n * _BAR) / 2)
        for s, (_, values) in enumerate(chart.series):
            y = gy + s * _BAR
            label = escape(chart.label(s, c))
            if not chart.drawn(s):  # too few cases for a percentage: the count, as in the table, and no bar
                parts.append(
                    f'<text x="{x0 + 3}" y="{y + _BAR - 3}" font-size="9" font-style="italic"'
                    f' fill="{PALETTE[s % len(PALETTE)]}">{label}</text>'
                )
                continue
            value = max(0.0, min(100.0, float(values[c])))
            w = _PLOT_WIDTH * value / 100
            parts.append(
                f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{_BAR - 2}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"/>'
                f'<text x="{x0 + w + 3:.1f}" y="{y + _BAR - 3}" font-size="9" fill="#333">{label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _png_axes(height: float) -> tuple[Any, Any]:
    """A bare matplotlib Figure (Agg backend, no display needed; pyplot's global state kept out) and its axes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, height))
    return fig, fig.add_subplot()


def _png_finish(
    fig: Any, ax: Any, chart: BarChart, ticks: list[float], legend: tuple[int, float], dpi: int
) -> bytes:
    """Category labels down the side, the title, a light grid and the legend below the axes (so long series
    names are never cut; bbox_inches="tight" keeps it in the picture): the figure as PNG bytes.
    `legend` is the legend's number of columns and how far below the axes it sits."""
    ax.set_yticks(ticks)
    ax.set_yticklabels(["\n".join(_wrap(c, 30)) for c in chart.categories], fontsize=8)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(clean(chart.title), fontsize=9, loc="left")
    ncol, below = legend
    ax.legend(fontsize=7, ncol=ncol, loc="upper center", bbox_to_anchor=(0.5, below), frameon=False)
    ax.grid(axis="x", color="#ddd")
    ax.set_axisbelow(True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def png_bar_chart(chart: BarChart, dpi: int = 110) -> bytes:
    """The same chart drawn by matplotlib, as PNG bytes."""
    if chart.stacked:
        return png_stacked_chart(chart, dpi)
    if chart.unit != "%":
        return png_value_chart(chart, dpi)
    n, m = len(chart.series), len(chart.categories)
    fig, ax = _png_axes(0.6 + m * max(0.17 * n, 0.4))
    bar = 0.8 / max(n, 1)
    for s, (name, values) in enumerate(chart.series):
        ys = [c + s * bar for c in range(m)]
        colour = PALETTE[s % len(PALETTE)]
        if chart.drawn(s):
            ax.barh(ys, values, height=bar * 0.92, color=colour, label=clean(name))
            continue
        # Too few cases for a percentage: no bar, the count as in the table ('k of N').
        ax.barh(
            ys, [0] * m, height=bar * 0.92, color="none", edgecolor=colour, linestyle="--", label=clean(name)
        )
        for c, y in enumerate(ys):
            ax.text(1, y, chart.label(s, c), va="center", fontsize=7, style="italic", color=colour)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of cases", fontsize=8)
    ticks = [c + bar * (n - 1) / 2 for c in range(m)]
    return _png_finish(fig, ax, chart, ticks, (min(n, 2), -0.14 - 0.4 / (m + 2)), dpi)


def svg_stacked_chart(chart: BarChart) -> str:
    """One horizontal bar per category, its series stacked left to right in order (a Likert scale from its
    first point), each segment labelled with its percentage when there is room; all text escaped."""
    width = _LABEL_WIDTH + _PLOT_WIDTH + 50
    legend_w, per_row, top = _legend_layout(chart, width)
    row_h = 2 * _BAR + _GAP
    height = top + row_h * len(chart.categories) + 24
    x0 = _LABEL_WIDTH
    parts = _svg_head(chart, width, height, legend_w, per_row)
    parts += _axis(top, height, [f"{tick}%" for tick in range(0, 101, 25)])
    for c, category in enumerate(chart.categories):
        y = top + c * row_h
        parts += _category_label(category, y + _BAR)
        x = float(x0)
        for s, (_, values) in enumerate(chart.series):
            value = max(0.0, min(100.0, float(values[c])))
            w = _PLOT_WIDTH * value / 100
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{2 * _BAR}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            )
            if w >= 22:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + _BAR + 4}" text-anchor="middle" font-size="9" '
                    f'fill="#fff">{value:.0f}%</text>'
                )
            x += w
    parts.append("</svg>")
    return "".join(parts)


def png_stacked_chart(chart: BarChart, dpi: int = 110) -> bytes:
    """The stacked chart drawn by matplotlib, as PNG bytes."""
    m = len(chart.categories)
    fig, ax = _png_axes(0.9 + m * 0.45)
    left = [0.0] * m
    for s, (name, values) in enumerate(chart.series):
        widths = [max(0.0, min(100.0, float(v))) for v in values]
        ax.barh(range(m), widths, left=left, height=0.6, color=PALETTE[s % len(PALETTE)], label=clean(name))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of base", fontsize=8)
    return _png_finish(
        fig, ax, chart, list(range(m)), (min(len(chart.series), 4), -0.15 - 0.3 / (m + 2)), dpi
    )


def nice_top(values: list[float]) -> float:
    """A round axis end at or above the largest value (1, 2 or 5 times a power of ten)."""
    largest = max([v for v in values if v > 0], default=1.0)
    power = 10 ** math.floor(math.log10(largest))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= largest)


def svg_value_chart(chart: BarChart) -> str:
    """Grouped horizontal bars of counts (not percentages), the axis from 0 to a round number; text escaped."""
    top_value = nice_top([float(v) for _, values in chart.series for v in values])
    n = len(chart.series)
    group_h = max(n * _BAR, 2 * 14) + _GAP
    width = _LABEL_WIDTH + _PLOT_WIDTH + 60
    legend_w, per_row, top = _legend_layout(chart, width)
    height = top + group_h * len(chart.categories) + 24
    x0 = _LABEL_WIDTH
    parts = _svg_head(chart, width, height, legend_w, per_row)
    parts += _axis(top, height, [_fmt(top_value * tick / 100) for tick in range(0, 101, 25)])
    for c, category in enumerate(chart.categories):
        gy = top + c * group_h
        parts += _category_label(category, gy + (n * _BAR) / 2)
        for s, (_, values) in enumerate(chart.series):
            value = max(0.0, float(values[c]))
            w = _PLOT_WIDTH * min(value, top_value) / top_value
            y = gy + s * _BAR
            parts.append(
                f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{_BAR - 2}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"/>'
                f'<text x="{x0 + w + 3:.1f}" y="{y + _BAR - 3}" font-size="9" fill="#333">'
                f"{escape(_fmt(value))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def png_value_chart(chart: BarChart, dpi: int = 110) -> bytes:
    """Grouped horizontal bars of counts drawn by matplotlib, as PNG bytes."""
    n, m = len(chart.series), len(chart.categories)
    fig, ax = _png_axes(0.8 + m * max(0.17 * n, 0.4))
    bar = 0.8 / max(n, 1)
    for s, (name, values) in enumerate(chart.series):
        bars = ax.barh(
            [c + s * bar for c in range(m)],
            [float(v) for v in values],
            height=bar * 0.92,
            color=PALETTE[s % len(PALETTE)],
            label=clean(name),
        )
        ax.bar_label(bars, labels=[_fmt(float(v)) for v in values], fontsize=7, padding=2)
    ax.set_xlim(0, nice_top([float(v) for _, values in chart.series for v in values]) * 1.08)
    ax.set_xlabel(clean(chart.unit), fontsize=8)
    ticks = [c + bar * (n - 1) / 2 for c in range(m)]
    return _png_finish(fig, ax, chart, ticks, (min(n, 3), -0.15 - 0.3 / (m + 2)), dpi)

"""Charts drawn on the server as inline SVG: no JavaScript library, readable by screen readers
(each chart has a title and a description, and the page shows the same figures as a table)."""

from collections.abc import Callable, Sequence
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 30


def _nice_max(value: float) -> float:
    """A round upper bound for the axis (1, 2, 2.5, 5 x 10^n) so gridlines fall on readable numbers."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def chart(chart_id: str, title: str, description: str, days: Sequence[date], values: Sequence[float | None], *,
          kind: str = "bar", fmt: Callable[[float], str] = lambda v: f"{v:g}", ceiling: float | None = None,
          minimum_top: float = 1.0) -> Markup:
    # Every text that reaches the SVG is escaped here or is a number, so the result is safe markup.
    """One series over days as an SVG bar or line chart. ``None`` values are gaps, not zeros."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    known = [v for v in values if v is not None]
    top = ceiling if ceiling is not None else max(_nice_max(max(known, default=0)), minimum_top)
    n = max(len(days), 1)
    step = plot_w / n

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(v, top) / top)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg" focusable="false">',
             f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>']
    for frac in (0, 0.5, 1):
        gy = TOP + plot_h * (1 - frac)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end">'
                     f'{escape(fmt(top * frac))}</text>')
    for i in sorted({0, n // 2, n - 1}) if days else ():
        parts.append(f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                     f'{days[i].strftime("%d %b")}</text>')
    if kind == "bar":
        width = max(step * 0.7, 1)
        for i, v in enumerate(values):
            if v:
                parts.append(f'<rect class="bar" x="{x(i) - width / 2:.1f}" y="{y(v):.1f}" width="{width:.1f}" '
                             f'height="{TOP + plot_h - y(v):.1f}"><title>{days[i].isoformat()}: {escape(fmt(v))}'
                             f'</title></rect>')
    else:
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(values):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(f'<circle class="dot" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3"><title>{days[i].isoformat()}: '
                         f'{escape(fmt(v))}</title></circle>')
        if segment:
            segments.append(segment)
        parts += [f'<polyline class="line" points="{" ".join(s)}"/>' for s in segments if len(s) > 1]
    if not known:
        parts.append(f'<text class="axis" x="{WIDTH / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">'
                     'No data in this period</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - parts are built above from escaped text and numbers


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def hours(value: float) -> str:
    if value < 1:
        return f"{value * 60:.0f} min"
    return f"{value:.1f} h" if value < 10 else f"{value:.0f} h"

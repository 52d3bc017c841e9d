"""Inline SVG charts drawn in Python: no chart library, nothing fetched by the browser.

Each function returns one <svg> element as text (HTML5 needs no xmlns for inline SVG).
Labels are escaped; sizes are in CSS pixels and the charts scale with the page width.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BLUE = "#2f6fb3"
ORANGE = "#e07b39"
GREY = "#9aa5b1"
GRID = "#e3e8ee"
TEXT = "#2d3748"


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" style="max-width:{width}px">' + "".join(body) + "</svg>"
    )


def _text(
    x: float, y: float, text: str, anchor: str = "middle", size: int = 12, **style: str
) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in style.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{TEXT}"{extra}>{escape(text)}</text>'
    )


def _pct(v: float) -> str:
    return f"{v * 100:.0f}%"


def pareto_chart(
    curve: Sequence[Sequence[float]],
    top20: float | None,
    customers_for_80: float | None,
    title: str,
) -> str:
    """Cumulative revenue share over cumulative customer share, biggest customers first."""
    w, h, left, bottom, top, right = 640, 360, 56, 44, 20, 20
    pw, ph = w - left - right, h - top - bottom

    def xy(x: float, y: float) -> tuple[float, float]:
        return left + x * pw, top + (1 - y) * ph

    body = []
    for i in range(6):
        f = i / 5
        x0, _ = xy(f, 0)
        _, y1 = xy(0, f)
        body.append(
            f'<line x1="{x0:.1f}" y1="{top}" x2="{x0:.1f}" y2="{top + ph}" stroke="{GRID}"/>'
        )
        body.append(
            f'<line x1="{left}" y1="{y1:.1f}" x2="{left + pw}" y2="{y1:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(x0, top + ph + 18, _pct(f)))
        body.append(_text(left - 8, y1 + 4, _pct(f), anchor="end"))
    ax, ay = xy(0, 0)
    bx, by = xy(1, 1)
    body.append(
        f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="{GREY}" '
        'stroke-dasharray="4 4"/>'
    )
    if curve:
        points = " ".join(f"{xy(x, y)[0]:.1f},{xy(x, y)[1]:.1f}" for x, y in curve)
        body.append(f'<polyline points="{points}" fill="none" stroke="{BLUE}" stroke-width="2.5"/>')
    if top20 is not None:
        px, py = xy(0.2, top20)
        body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" fill="{ORANGE}"/>')
        body.append(_text(px + 8, py + 16, f"前20%客户：{top20 * 100:.1f}%收入", anchor="start"))
    if customers_for_80 is not None:
        px, py = xy(customers_for_80, 0.8)
        body.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" fill="{ORANGE}"/>')
        body.append(
            _text(px + 8, py - 8, f"{customers_for_80 * 100:.1f}%客户贡献80%收入", anchor="start")
        )
    body.append(_text(left + pw / 2, h - 6, "客户累计占比（按收入从高到低）"))
    body.append(_text(14, top + ph / 2, "收入累计占比", transform=f"rotate(-90 14 {top + ph / 2})"))
    return _svg(w, h, body, title)


def trend_chart(
    months: Sequence[str], counts: Sequence[int], rates: Sequence[float | None], title: str
) -> str:
    """Churned customers per month (bars) and the churn rate (line, right axis)."""
    w, h, left, bottom, top, right = 720, 320, 56, 48, 24, 64
    pw, ph = w - left - right, h - top - bottom
    n = max(len(months), 1)
    slot = pw / n
    # Count axis: four equal integer steps from zero.
    most = -(-max([*counts, 1]) // 4) * 4
    highest_rate = max([r for r in rates if r is not None] + [0.0]) or 0.01
    body = []
    for i in range(5):
        y = top + ph * (1 - i / 4)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 8, y + 4, f"{most * i / 4:.0f}", anchor="end"))
        body.append(
            _text(left + pw + 8, y + 4, f"{highest_rate * i / 4 * 100:.2f}%", anchor="start")
        )
    line = []
    for i, (month, count, rate) in enumerate(zip(months, counts, rates, strict=True)):
        x = left + slot * i + slot / 2
        bar = ph * count / most
        body.append(
            f'<rect x="{x - slot * 0.3:.1f}" y="{top + ph - bar:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{bar:.1f}" fill="{BLUE}" opacity="0.75"><title>{escape(month)}：流失 '
            f"{count} 户</title></rect>"
        )
        body.append(_text(x, top + ph + 18, month[2:], size=11))
        if rate is not None:
            line.append((x, top + ph * (1 - rate / highest_rate), month, rate))
    if line:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in line)
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{ORANGE}" stroke-width="2.5"/>'
        )
        for x, y, month, rate in line:
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{ORANGE}">'
                f"<title>{escape(month)}：流失率 {rate * 100:.2f}%</title></circle>"
            )
    body.append(_text(left, 14, "流失客户数（柱）", anchor="start"))
    body.append(_text(left + pw, 14, "流失率（线）", anchor="end"))
    return _svg(w, h, body, title)


def bar_chart(
    items: Sequence[tuple[str, float, str]], title: str, percent_scale: bool = False
) -> str:
    """Horizontal bars: (label, value, text shown after the bar), largest scale first."""
    row, left, right, top = 30, 180, 120, 10
    w = 720
    h = top * 2 + row * max(len(items), 1)
    scale = 1.0 if percent_scale else max([v for _, v, _ in items] + [0]) or 1.0
    pw = w - left - right
    body = []
    if not items:
        body.append(_text(w / 2, h / 2 + 4, "本期无数据"))
    for i, (label, value, shown) in enumerate(items):
        y = top + row * i
        length = pw * max(value, 0) / scale
        body.append(_text(left - 10, y + row / 2 + 4, label, anchor="end"))
        body.append(
            f'<rect x="{left}" y="{y + 5}" width="{length:.1f}" height="{row - 10}" '
            f'fill="{BLUE if i % 2 == 0 else ORANGE}" opacity="0.85"/>'
        )
        body.append(_text(left + length + 8, y + row / 2 + 4, shown, anchor="start"))
    return _svg(w, h, body, title)

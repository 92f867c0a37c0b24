"""Server-side SVG charts: no JavaScript, no fonts or files fetched, every text escaped.

Each function returns one ``<svg>`` element (a string) with a ``<title>``/``<desc>`` for screen readers, axes with
tick labels, axis titles and a legend where there is more than one series; every bar and point carries a
``<title>`` so hovering shows its exact value. Colours are the Okabe–Ito palette (distinguishable with the common
colour-vision deficiencies) and values are also written as text, so no information is carried by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

BLUE, ORANGE, GREEN, PURPLE = "#0072B2", "#E69F00", "#009E73", "#CC79A7"
VERMILLION, SKY, GREY, INK = "#D55E00", "#56B4E9", "#8a94a6", "#1f2933"
PALETTE = [BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION]

WIDTH = 720
FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""

_ids = {"n": 0}


def _esc(value: object) -> str:
    return escape(str(value), quote=True)


def _new_id(prefix: str) -> str:
    _ids["n"] += 1
    return f"{prefix}{_ids['n']}"


def reset_ids() -> None:
    """Deterministic element ids per report (tests compare two renders)."""
    _ids["n"] = 0


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if not float(v).is_integer() else str(int(v))


def _text(x: float, y: float, label: object, *, anchor: str = "middle", size: int = 12, fill: str = INK,
          weight: str = "normal", extra: str = "") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}"{extra}>{_esc(label)}</text>')


def _truncate(label: str, max_chars: int) -> str:
    return label if len(label) <= max_chars else label[: max_chars - 1] + "…"


def nice_ticks(lo: float, hi: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 2.5 or 5 times a power of ten; whole steps for counts)."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if integer:
        step = max(1.0, math.ceil(step))
    start = math.floor(lo / step) * step
    ticks, v = [], start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _open(title: str, desc: str, height: int, css_class: str, width: int = WIDTH) -> tuple[str, str]:
    tid, did = _new_id("t"), _new_id("d")
    head = (f'<svg class="chart-svg {css_class}" role="img" aria-labelledby="{tid} {did}" '
            f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
            f'xmlns="http://www.w3.org/2000/svg" {FONT}>'
            f'<title id="{tid}">{_esc(title)}</title><desc id="{did}">{_esc(desc)}</desc>'
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')
    return head, "</svg>"


def _legend(items: Sequence[tuple[str, str, str]], x: float, y: float) -> str:
    """items: (label, colour, kind 'rect'|'line'|'dash'); laid out left to right."""
    parts, cx = [], x
    for label, colour, kind in items:
        if kind == "rect":
            parts.append(f'<rect x="{_num(cx)}" y="{_num(y - 9)}" width="12" height="12" rx="2" fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="6 4"' if kind == "dash" else ""
            parts.append(f'<line x1="{_num(cx)}" y1="{_num(y - 3)}" x2="{_num(cx + 16)}" y2="{_num(y - 3)}" '
                         f'stroke="{colour}" stroke-width="3"{dash}/>')
        parts.append(_text(cx + 20, y + 1, label, anchor="start", size=12))
        cx += 20 + 7.2 * len(label) + 22
    return f'<g class="legend">{"".join(parts)}</g>'


@dataclass(frozen=True)
class LineSeries:
    name: str
    values: Sequence[float | None]
    colour: str = BLUE


def line_chart(*, title: str, desc: str, x_labels: Sequence[str], series: Sequence[LineSeries], y_min: float,
               y_max: float, y_label: str, x_label: str = "", value_fmt: Callable[[float], str] = _num,
               reference: tuple[float, str] | None = None, height: int = 300, width: int = WIDTH) -> str:
    """Lines over categorical x (days); a None value breaks the line (no calls that day)."""
    head, tail = _open(title, desc, height, "chart-line", width)
    left, right, top, bottom = 56, 16, 34, 58
    pw, ph = width - left - right, height - top - bottom
    n = max(len(x_labels), 1)
    ticks = nice_ticks(y_min, y_max)
    lo, hi = ticks[0], ticks[-1]

    def x_at(i: int) -> float:
        return left + (pw * (i + 0.5) / n)

    def y_at(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    parts = [head]
    for t in ticks:  # grid + y tick labels
        parts.append(f'<line x1="{left}" y1="{_num(y_at(t))}" x2="{width - right}" y2="{_num(y_at(t))}" '
                     f'stroke="#e3e8ef" stroke-width="1"/>')
        parts.append(_text(left - 8, y_at(t) + 4, value_fmt(t), anchor="end", size=11, fill="#52606d"))
    parts.append(f'<line class="axis" x1="{left}" y1="{top + ph}" x2="{width - right}" y2="{top + ph}" '
                 f'stroke="{INK}" stroke-width="1"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="{INK}" '
                 f'stroke-width="1"/>')
    step = max(1, math.ceil(n / 10))
    for i, label in enumerate(x_labels):
        if i % step == 0:
            parts.append(_text(x_at(i), top + ph + 18, label, size=11, fill="#52606d"))
    parts.append(_text(left - 44, top + ph / 2, y_label, size=12,
                       extra=f' transform="rotate(-90 {_num(left - 44)} {_num(top + ph / 2)})"'))
    if x_label:
        parts.append(_text(left + pw / 2, height - 12, x_label, size=12))
    legend = []
    if reference is not None:
        value, label = reference
        if lo <= value <= hi:
            parts.append(f'<line class="reference" x1="{left}" y1="{_num(y_at(value))}" x2="{width - right}" '
                         f'y2="{_num(y_at(value))}" stroke="{VERMILLION}" stroke-width="2" stroke-dasharray="6 4"/>')
            legend.append((label, VERMILLION, "dash"))
    for s in series:
        d, pen = [], False
        for i, v in enumerate(s.values):
            if v is None:
                pen = False
                continue
            d.append(f'{"L" if pen else "M"}{_num(x_at(i))},{_num(y_at(v))}')
            pen = True
        if d:
            parts.append(f'<path class="series" d="{" ".join(d)}" fill="none" stroke="{s.colour}" '
                         f'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>')
        for i, v in enumerate(s.values):
            if v is not None:
                parts.append(f'<circle cx="{_num(x_at(i))}" cy="{_num(y_at(v))}" r="3.5" fill="{s.colour}" '
                             f'stroke="#fff" stroke-width="1"><title>{_esc(x_labels[i])}: {_esc(s.name)} '
                             f'{_esc(value_fmt(v))}</title></circle>')
        legend.insert(0, (s.name, s.colour, "line"))
    parts.append(_legend(legend, left, 18))
    parts.append(tail)
    return "".join(parts)


def bar_chart(*, title: str, desc: str, labels: Sequence[str], values: Sequence[float], y_label: str,
              x_label: str, colour: str = BLUE, value_fmt: Callable[[float], str] = _num, height: int = 300) -> str:
    """Vertical bars (a histogram when labels are bins), each value written above its bar."""
    head, tail = _open(title, desc, height, "chart-bar")
    left, right, top, bottom = 56, 16, 24, 58
    pw, ph = WIDTH - left - right, height - top - bottom
    n = max(len(labels), 1)
    ticks = nice_ticks(0, max([*values, 1]), integer=True)
    hi = ticks[-1]
    slot = pw / n
    bw = slot * 0.72
    parts = [head]
    for t in ticks:
        y = top + ph - t / hi * ph
        parts.append(f'<line x1="{left}" y1="{_num(y)}" x2="{WIDTH - right}" y2="{_num(y)}" stroke="#e3e8ef"/>')
        parts.append(_text(left - 8, y + 4, value_fmt(t), anchor="end", size=11, fill="#52606d"))
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        h = v / hi * ph
        x = left + i * slot + (slot - bw) / 2
        parts.append(f'<rect class="bar" x="{_num(x)}" y="{_num(top + ph - h)}" width="{_num(bw)}" '
                     f'height="{_num(max(h, 0))}" fill="{colour}" rx="2"><title>{_esc(label)}: '
                     f'{_esc(value_fmt(v))}</title></rect>')
        parts.append(_text(x + bw / 2, top + ph - h - 5, value_fmt(v), size=11))
        parts.append(_text(x + bw / 2, top + ph + 18, label, size=11, fill="#52606d"))
    parts.append(f'<line class="axis" x1="{left}" y1="{top + ph}" x2="{WIDTH - right}" y2="{top + ph}" '
                 f'stroke="{INK}"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="{INK}"/>')
    parts.append(_text(left + pw / 2, height - 12, x_label, size=12))
    parts.append(_text(left - 44, top + ph / 2, y_label, size=12,
                       extra=f' transform="rotate(-90 {_num(left - 44)} {_num(top + ph / 2)})"'))
    parts.append(tail)
    return "".join(parts)


def hbar_chart(*, title: str, desc: str, labels: Sequence[str], values: Sequence[float], x_label: str,
               colour: str = VERMILLION, value_fmt: Callable[[float], str] = _num) -> str:
    """Horizontal bars, largest first as given (forbidden words by frequency)."""
    row = 26
    longest = max((len(label) for label in labels), default=4)
    left = min(230, max(70, int(7 * min(longest, 30)) + 16))
    right, top, bottom = 48, 12, 44
    height = top + bottom + row * max(len(labels), 1)
    head, tail = _open(title, desc, height, "chart-hbar")
    pw = WIDTH - left - right
    ticks = nice_ticks(0, max([*values, 1]), integer=True)
    hi = ticks[-1]
    parts = [head]
    for t in ticks:
        x = left + t / hi * pw
        parts.append(f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{height - bottom}" stroke="#e3e8ef"/>')
        parts.append(_text(x, height - bottom + 16, value_fmt(t), size=11, fill="#52606d"))
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row + 4
        w = v / hi * pw
        parts.append(f'<rect class="bar" x="{left}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{row - 8}" '
                     f'fill="{colour}" rx="2"><title>{_esc(label)}: {_esc(value_fmt(v))}</title></rect>')
        parts.append(_text(left - 8, y + row / 2, _truncate(label, 30), anchor="end", size=12))
        parts.append(_text(left + w + 6, y + row / 2, value_fmt(v), anchor="start", size=11))
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="{INK}"/>')
    parts.append(_text(left + pw / 2, height - 8, x_label, size=12))
    parts.append(tail)
    return "".join(parts)


@dataclass(frozen=True)
class BarSeries:
    name: str
    values: Sequence[float]
    colour: str


def grouped_hbar_chart(*, title: str, desc: str, labels: Sequence[str], series: Sequence[BarSeries],
                       x_max: float, x_label: str, value_fmt: Callable[[float], str] = _num,
                       notes: Sequence[str] | None = None) -> str:
    """One group of horizontal bars per label (e.g. the four protocol steps per agent), legend on top."""
    k = max(len(series), 1)
    bar, gap = 11, 14
    group = k * bar + gap
    longest = max([len(label) for label in labels] + [int(len(n) * 0.85) + 1 for n in (notes or [])] or [4])
    left = min(230, max(80, int(7 * min(longest, 30)) + 16))
    right, top, bottom = 60, 34, 44
    height = top + bottom + group * max(len(labels), 1)
    head, tail = _open(title, desc, height, "chart-grouped")
    pw = WIDTH - left - right
    ticks = nice_ticks(0, x_max)
    hi = ticks[-1]
    parts = [head]
    for t in ticks:
        x = left + t / hi * pw
        parts.append(f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{height - bottom}" stroke="#e3e8ef"/>')
        parts.append(_text(x, height - bottom + 16, value_fmt(t), size=11, fill="#52606d"))
    for i, label in enumerate(labels):
        y0 = top + i * group + gap / 2
        parts.append(_text(left - 8, y0 + k * bar / 2 + 4, _truncate(label, 30), anchor="end", size=12))
        if notes:
            parts.append(_text(left - 8, y0 + k * bar / 2 + 16, notes[i], anchor="end", size=10, fill="#52606d"))
        for j, s in enumerate(series):
            v = s.values[i]
            w = v / hi * pw
            y = y0 + j * bar
            parts.append(f'<rect class="bar" x="{left}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{bar - 2}" '
                         f'fill="{s.colour}"><title>{_esc(label)} — {_esc(s.name)}: {_esc(value_fmt(v))}</title>'
                         f'</rect>')
            parts.append(_text(left + w + 4, y + bar - 3, value_fmt(v), anchor="start", size=9, fill="#52606d"))
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="{INK}"/>')
    parts.append(_text(left + pw / 2, height - 8, x_label, size=12))
    parts.append(_legend([(s.name, s.colour, "rect") for s in series], left, 18))
    parts.append(tail)
    return "".join(parts)


def diverging_bar_chart(*, title: str, desc: str, labels: Sequence[str], values: Sequence[float | None],
                        counts: Sequence[int], y_label: str, lo: float = -1.0, hi: float = 1.0,
                        pos_colour: str = BLUE, neg_colour: str = VERMILLION,
                        value_fmt: Callable[[float], str] = _num, height: int = 280) -> str:
    """Bars up from zero for positive values and down for negative ones (customer sentiment in [-1, 1])."""
    head, tail = _open(title, desc, height, "chart-diverging")
    left, right, top, bottom = 56, 16, 34, 52
    pw, ph = WIDTH - left - right, height - top - bottom
    n = max(len(labels), 1)
    slot = pw / n
    bw = min(slot * 0.7, 60)

    def y_at(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    parts = [head]
    for t in nice_ticks(lo, hi, 4):
        if lo <= t <= hi:
            parts.append(f'<line x1="{left}" y1="{_num(y_at(t))}" x2="{WIDTH - right}" y2="{_num(y_at(t))}" '
                         f'stroke="#e3e8ef"/>')
            parts.append(_text(left - 8, y_at(t) + 4, value_fmt(t), anchor="end", size=11, fill="#52606d"))
    step = max(1, math.ceil(n / 10))
    for i, (label, v, c) in enumerate(zip(labels, values, counts, strict=True)):
        x = left + i * slot + (slot - bw) / 2
        if i % step == 0:
            parts.append(_text(x + bw / 2, top + ph + 18, label, size=11, fill="#52606d"))
        if v is None:
            continue
        y0, y1 = y_at(max(v, 0.0)), y_at(min(v, 0.0))
        colour = pos_colour if v >= 0 else neg_colour
        parts.append(f'<rect class="bar" x="{_num(x)}" y="{_num(y0)}" width="{_num(bw)}" '
                     f'height="{_num(max(y1 - y0, 1.0))}" fill="{colour}" rx="2"><title>{_esc(label)}: '
                     f'{_esc(value_fmt(v))} ({c} llamadas)</title></rect>')
        if n <= 12:
            ty = y0 - 5 if v >= 0 else y1 + 13
            parts.append(_text(x + bw / 2, ty, value_fmt(v), size=11))
    parts.append(f'<line class="axis" x1="{left}" y1="{_num(y_at(0))}" x2="{WIDTH - right}" y2="{_num(y_at(0))}" '
                 f'stroke="{INK}"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="{INK}"/>')
    parts.append(_text(left - 44, top + ph / 2, y_label, size=12,
                       extra=f' transform="rotate(-90 {_num(left - 44)} {_num(top + ph / 2)})"'))
    parts.append(_legend([("Promedio positivo", pos_colour, "rect"), ("Promedio negativo", neg_colour, "rect")],
                         left, 18))
    parts.append(tail)
    return "".join(parts)

"""A self-contained HTML summary: facts, charts (SVG drawn here, embedded as data-URI images,
each with a text alternative) and tables. No scripts, so it opens anywhere, offline.

Charts are plain SVG written directly (a few hundred rectangles): no plotting library to
import and render, which cost seconds per job at every size.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from painpath.analytics.workdir import _atomic_bytes

if TYPE_CHECKING:
    from numpy.typing import NDArray

WIDTH, HEIGHT = 800, 360
LEFT, RIGHT, TOP = 64, 16, 16
COLOUR, MARK = "#2f5d8a", "#b3261e"


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2g}"


def _chart(bars: list[str], ymax: float, ylabel: str, bottom: int, extra: Sequence[str]) -> str:
    """The SVG document (base64) around `bars`: axes, three y ticks and the y label."""
    e = html.escape
    base = HEIGHT - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
        *bars,
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#333"/>',
    ]
    for share in (0.0, 0.5, 1.0):
        y = base - share * (base - TOP)
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{_number(ymax * share)}</text>'
        )
    parts.append(
        f'<text transform="translate(14 {(TOP + base) / 2:.0f}) rotate(-90)"'
        f' text-anchor="middle">{e(ylabel)}</text>'
    )
    parts.extend(extra)
    parts.append("</svg>")
    return base64.b64encode("".join(parts).encode("utf-8")).decode("ascii")


def histogram(
    values: Sequence[float] | NDArray[Any], xlabel: str, ylabel: str, marks: Sequence[float] = ()
) -> tuple[str, str]:
    """(SVG base64, text alternative) of an 80-bin histogram with dashed vertical marks."""
    import numpy as np

    raw = np.asarray(values, dtype=np.float64)
    data = np.minimum(raw if raw.size else np.zeros(1), 400.0)
    counts, edges = np.histogram(data, bins=80)
    low, high = float(edges[0]), float(edges[-1])
    bottom = 48
    base, span = HEIGHT - bottom, max(high - low, 1e-9)
    ymax = max(int(counts.max()), 1)
    inner = WIDTH - LEFT - RIGHT

    def x(value: float) -> float:
        return LEFT + (value - low) / span * inner

    bars = [
        f'<rect x="{x(float(edges[i])):.1f}" y="{base - c / ymax * (base - TOP):.1f}"'
        f' width="{max(x(float(edges[i + 1])) - x(float(edges[i])) - 0.5, 0.5):.1f}"'
        f' height="{c / ymax * (base - TOP):.1f}" fill="{COLOUR}"/>'
        for i, c in enumerate(counts.tolist())
        if c
    ]
    extra = [
        f'<text x="{x(low + span * share):.1f}" y="{base + 14}" text-anchor="middle">'
        f"{_number(low + span * share)}</text>"
        for share in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    extra.append(
        f'<text x="{LEFT + inner / 2:.0f}" y="{HEIGHT - 8}" text-anchor="middle">'
        f"{html.escape(xlabel)} (values above 400 shown at 400)</text>"
    )
    extra += [
        f'<line x1="{x(m):.1f}" y1="{TOP}" x2="{x(m):.1f}" y2="{base}" stroke="{MARK}"'
        ' stroke-dasharray="5 3"/>'
        for m in marks
        if low <= m <= high
    ]
    above = {m: int((raw >= m).sum()) for m in marks}
    text = f"Histogram of {len(values)} values; " + ", ".join(
        f"{n} at or above {m:g}" for m, n in above.items()
    )
    return _chart(bars, ymax, ylabel, bottom, extra), text


def bar_chart(labels: Sequence[str], values: Sequence[float], ylabel: str) -> tuple[str, str]:
    """(SVG base64, text alternative) of one bar per label (labels slanted under the bars)."""
    bottom = 110
    base = HEIGHT - bottom
    ymax = max([*values, 0.0]) or 1.0
    step = (WIDTH - LEFT - RIGHT) / max(len(values), 1)
    bars, extra = [], []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = max(value, 0.0) / ymax * (base - TOP)
        left = LEFT + i * step
        bars.append(
            f'<rect x="{left + step * 0.1:.1f}" y="{base - height:.1f}" width="{step * 0.8:.1f}"'
            f' height="{height:.1f}" fill="{COLOUR}"/>'
        )
        centre = left + step / 2
        extra.append(
            f'<text transform="translate({centre:.1f} {base + 8}) rotate(-60)"'
            f' text-anchor="end" font-size="9">{html.escape(label)}</text>'
        )
    text = "; ".join(f"{label}: {value:.1f}" for label, value in zip(labels, values, strict=True))
    return _chart(bars, ymax, ylabel, bottom, extra), text


def write_summary(
    path: Path,
    title: str,
    facts: Sequence[tuple[str, str]],
    figures: Sequence[tuple[str, tuple[str, str]]],
    tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]],
) -> None:
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)} – painpath</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;max-width:70rem}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #999;padding:.25rem"
        " .5rem;text-align:left;vertical-align:top}img{max-width:100%}</style>",
        "</head><body><main>",
        f"<h1>{e(title)}</h1>",
        "<p>Synthetic or real, these figures are population summaries: read them with the "
        "measure definitions in docs/analytics.md.</p>",
        "<dl>",
    ]
    for name, value in facts:
        parts.append(f"<dt>{e(name)}</dt><dd>{e(value)}</dd>")
    parts.append("</dl>")
    for caption, (svg, text) in figures:
        parts.append(
            f'<figure><img src="data:image/svg+xml;base64,{svg}" alt="{e(text[:2000])}">'
            f"<figcaption>{e(caption)}</figcaption></figure>"
        )
    for caption, header, rows in tables:
        parts.append(f"<h2>{e(caption)}</h2><table><thead><tr>")
        parts.extend(f'<th scope="col">{e(str(h))}</th>' for h in header)
        parts.append("</tr></thead><tbody>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</main></body></html>\n")
    _atomic_bytes(path, "\n".join(parts).encode("utf-8"))

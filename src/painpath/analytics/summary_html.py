"""A self-contained HTML summary: facts, charts (matplotlib, embedded as PNG data URIs, each
with a text alternative) and tables. No scripts, so it opens anywhere, offline."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from painpath.analytics.workdir import _atomic_bytes


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(8, 3.6), dpi=100)


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram(
    values: Sequence[float], xlabel: str, ylabel: str, marks: Sequence[float] = ()
) -> tuple[str, str]:
    """(PNG base64, text alternative) of a histogram with vertical marks."""
    fig, axis = _figure()
    data = [min(v, 400.0) for v in values]
    axis.hist(data or [0], bins=80, color="#2f5d8a")
    for mark in marks:
        axis.axvline(mark, color="#b3261e", linestyle="--", linewidth=1)
    axis.set_xlabel(xlabel + " (values above 400 shown at 400)")
    axis.set_ylabel(ylabel)
    above = {m: sum(v >= m for v in values) for m in marks}
    text = f"Histogram of {len(values)} values; " + ", ".join(
        f"{n} at or above {m:g}" for m, n in above.items()
    )
    return _png(fig), text


def bar_chart(labels: Sequence[str], values: Sequence[float], ylabel: str) -> tuple[str, str]:
    fig, axis = _figure()
    axis.bar(range(len(values)), values, color="#2f5d8a")
    axis.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
    axis.set_ylabel(ylabel)
    text = "; ".join(f"{label}: {value:.1f}" for label, value in zip(labels, values, strict=True))
    return _png(fig), text


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
    for caption, (png, text) in figures:
        parts.append(
            f'<figure><img src="data:image/png;base64,{png}" alt="{e(text[:2000])}">'
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

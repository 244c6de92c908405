"""The report's charts as PNG data URIs. Labels are ASCII: the machine may have no Chinese font,
so the Chinese words are in the HTML around each chart."""

from __future__ import annotations

import base64
import io
from datetime import date

from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator  # no pyplot: no global state, the Agg canvas, safe in any process

ANSWERED, UNANSWERED, USEFUL, NOT_USEFUL = "#2e7d32", "#e65100", "#1565c0", "#c62828"
WIDTH = 8.0
ABOVE = {"loc": "lower left", "bbox_to_anchor": (0, 1.0), "ncol": 2, "frameon": False}  # legends off the data


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", facecolor="white")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _dated(ax, days: list[date]) -> None:
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=10))
    ax.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.margins(x=0.01)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def questions_per_day(days: list[date], answered: list[int], unanswered: list[int]) -> str:
    """Stacked bars: answered and unanswered questions of each day."""
    fig = Figure(figsize=(WIDTH, 3.2))
    ax = fig.subplots()
    ax.bar(days, answered, color=ANSWERED, label="answered", width=0.8)
    ax.bar(days, unanswered, bottom=answered, color=UNANSWERED, label="unanswered", width=0.8)
    ax.set_ylabel("questions per day")
    ax.legend(**ABOVE)
    _dated(ax, days)
    return _png(fig)


def unanswered_trend(days: list[date], unanswered: list[int], share: list[float | None]) -> str:
    """Unanswered questions per day (bars) and the unanswered share (line, right axis)."""
    fig = Figure(figsize=(WIDTH, 3.0))
    ax = fig.subplots()
    ax.bar(days, unanswered, color=UNANSWERED, alpha=0.55, width=0.8, label="unanswered")
    ax.set_ylabel("unanswered per day")
    right = ax.twinx()
    points = [(d, s * 100) for d, s in zip(days, share, strict=True) if s is not None]
    if points:
        right.plot([d for d, _ in points], [s for _, s in points], color="#4e342e", marker="o", markersize=3,
                   linewidth=1.5, label="unanswered %")
    right.set_ylim(0, 100)
    right.set_ylabel("% of the day's questions")
    right.spines["top"].set_visible(False)
    _dated(ax, days)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], **ABOVE)
    return _png(fig)


def topics(labels: list[str], counts: list[int]) -> str:
    """Horizontal bars, the most asked topic on top."""
    fig = Figure(figsize=(WIDTH, 0.45 * len(labels) + 0.9))
    ax = fig.subplots()
    ax.barh(labels[::-1], counts[::-1], color=ANSWERED)
    for y, value in enumerate(counts[::-1]):
        ax.text(value, y, f" {value}", va="center", fontsize=9)
    ax.set_xlabel("times answered")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.12)
    return _png(fig)


def feedback(labels: list[str], useful: list[int], not_useful: list[int]) -> str:
    """Useful and not-useful votes of each answer, side by side in one bar."""
    fig = Figure(figsize=(WIDTH, 0.45 * len(labels) + 1.1))
    ax = fig.subplots()
    ax.barh(labels[::-1], useful[::-1], color=USEFUL, label="useful")
    ax.barh(labels[::-1], not_useful[::-1], left=useful[::-1], color=NOT_USEFUL, label="not useful")
    ax.set_xlabel("votes")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(**ABOVE)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)

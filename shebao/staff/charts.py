"""The report's charts as PNG data URIs, labelled in Chinese with an installed CJK font
(Debian's fonts-noto-cjk; `tools/test.sh` installs it). On a machine without one the labels fall
back to English, so no glyph is ever drawn as a box. The words are in shebao/staff/texts.yaml."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache, wraps

from matplotlib import font_manager, rc_context
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator  # no pyplot: no global state, the Agg canvas, safe in any process

from shebao.staff.common import text

ANSWERED, UNANSWERED, USEFUL, NOT_USEFUL = "#2e7d32", "#e65100", "#1565c0", "#c62828"
WIDTH = 8.0
ABOVE = {"loc": "lower left", "bbox_to_anchor": (0, 1.0), "ncol": 2, "frameon": False}  # legends off the data


# CJK families in the order preferred: sans-serif first (easier to read small), then any other
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback", "Noto Serif CJK SC", "Noto Serif CJK JP",
                "AR PL UMing CN")


@cache
def cjk_font() -> str | None:
    """The name of an installed font family that has Chinese glyphs, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return next((name for name in sorted(installed) if "CJK" in name), None)


def label(key: str) -> str:
    """A chart's word: Chinese when a CJK font is installed, else English (texts.yaml `charts`)."""
    return text(f"charts.{key}.{'zh' if cjk_font() else 'en'}")


@contextmanager
def _font() -> Iterator[None]:
    """Draw with the CJK font (the default sans-serif after it, for Latin letters and digits)."""
    family = cjk_font()
    with rc_context({"font.family": [family, "DejaVu Sans"]} if family else {}):
        yield


def _in_font(draw: Callable[..., str]) -> Callable[..., str]:
    """Build and save the figure inside the font context: tick labels are only made when drawn."""
    @wraps(draw)
    def wrapper(*args, **kwargs) -> str:
        with _font():
            return draw(*args, **kwargs)
    return wrapper


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


@_in_font
def questions_per_day(days: list[date], answered: list[int], unanswered: list[int]) -> str:
    """Stacked bars: answered and unanswered questions of each day."""
    fig = Figure(figsize=(WIDTH, 3.2))
    ax = fig.subplots()
    ax.bar(days, answered, color=ANSWERED, label=label("answered"), width=0.8)
    ax.bar(days, unanswered, bottom=answered, color=UNANSWERED, label=label("unanswered"), width=0.8)
    ax.set_ylabel(label("questions_per_day"))
    ax.legend(**ABOVE)
    _dated(ax, days)
    return _png(fig)


@_in_font
def unanswered_trend(days: list[date], unanswered: list[int], share: list[float | None]) -> str:
    """Unanswered questions per day (bars) and the unanswered share (line, right axis)."""
    fig = Figure(figsize=(WIDTH, 3.0))
    ax = fig.subplots()
    ax.bar(days, unanswered, color=UNANSWERED, alpha=0.55, width=0.8, label=label("unanswered"))
    ax.set_ylabel(label("unanswered_per_day"))
    right = ax.twinx()
    points = [(d, s * 100) for d, s in zip(days, share, strict=True) if s is not None]
    if points:
        right.plot([d for d, _ in points], [s for _, s in points], color="#4e342e", marker="o", markersize=3,
                   linewidth=1.5, label=label("unanswered_share"))
    right.set_ylim(0, 100)
    right.set_ylabel(label("share_of_day"))
    right.spines["top"].set_visible(False)
    _dated(ax, days)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], **ABOVE)
    return _png(fig)


@_in_font
def topics(labels: list[str], counts: list[int]) -> str:
    """Horizontal bars, the most asked topic on top."""
    fig = Figure(figsize=(WIDTH, 0.45 * len(labels) + 0.9))
    ax = fig.subplots()
    ax.barh(labels[::-1], counts[::-1], color=ANSWERED)
    for y, value in enumerate(counts[::-1]):
        ax.text(value, y, f" {value}", va="center", fontsize=9)
    ax.set_xlabel(label("times_answered"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.12)
    return _png(fig)


@_in_font
def feedback(labels: list[str], useful: list[int], not_useful: list[int]) -> str:
    """Useful and not-useful votes of each answer, side by side in one bar."""
    fig = Figure(figsize=(WIDTH, 0.45 * len(labels) + 1.1))
    ax = fig.subplots()
    ax.barh(labels[::-1], useful[::-1], color=USEFUL, label=label("useful"))
    ax.barh(labels[::-1], not_useful[::-1], left=useful[::-1], color=NOT_USEFUL, label=label("not_useful"))
    ax.set_xlabel(label("votes"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(**ABOVE)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)

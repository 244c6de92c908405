"""The report's charts are labelled in Chinese, drawn with an installed CJK font; without one they fall
back to English words, never to boxes."""

from __future__ import annotations

import warnings
from datetime import date

from shebao.staff import charts


def _drawn(monkeypatch) -> list[tuple[str, str]]:
    """(text, font family) of every axis label and tick label of the charts drawn from now on."""
    drawn: list[tuple[str, str]] = []
    original = charts._png

    def spy(fig):
        for ax in fig.axes:
            for item in (ax.yaxis.label, ax.xaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()):
                if item.get_text():
                    drawn.append((item.get_text(), item.get_fontname()))
        return original(fig)

    monkeypatch.setattr(charts, "_png", spy)
    return drawn


def _glyph_warnings(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "Glyph" in str(w.message)]


def test_the_charts_are_labelled_in_chinese_with_an_installed_cjk_font(monkeypatch):
    family = charts.cjk_font()
    assert family is not None and "CJK" in family  # Debian's fonts-noto-cjk, installed by tools/test.sh
    drawn = _drawn(monkeypatch)
    days = [date(2024, 6, 1), date(2024, 6, 2)]
    assert _glyph_warnings(lambda: charts.questions_per_day(days, [3, 4], [1, 2])) == []
    assert _glyph_warnings(lambda: charts.unanswered_trend(days, [1, 2], [0.25, None])) == []
    assert _glyph_warnings(lambda: charts.feedback(["work_injury_claim"], [3], [1])) == []
    assert ("每天的提问", family) in drawn and ("评价次数", family) in drawn
    assert all(font == family for _, font in drawn), drawn


def test_a_chart_is_a_png_data_uri():
    assert charts.topics(["work_injury_claim", "pension_formula"], [5, 2]).startswith("data:image/png;base64,")


def test_without_a_cjk_font_the_charts_fall_back_to_english_labels(monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    drawn = _drawn(monkeypatch)
    assert charts.label("questions_per_day") == "questions per day"
    assert _glyph_warnings(lambda: charts.topics(["work_injury_claim"], [3])) == []
    assert ("times answered", "DejaVu Sans") in drawn

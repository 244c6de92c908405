"""`shebao report --out report.html`: one self-contained page for the union, charts embedded as PNG."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from knowledge.loader import load_faq
from shebao.staff import charts
from shebao.staff.common import CHINA, StaffError, china_day, open_storage, text
from shebao.store import StorageError
from shebao.store.records import DayCount, Stats, TopicCount, UnansweredGroup

if TYPE_CHECKING:
    from shebao.config import Config

TOP = 10


@dataclass
class ReportData:
    """Everything the page shows, read from the database in one go."""

    since: datetime
    today: date
    stats: Stats
    days: list[DayCount]
    topics: list[TopicCount]
    feedback: list[TopicCount]
    unanswered: list[UnansweredGroup]


async def read_data(source: Config | Path, since: datetime) -> ReportData:
    try:
        async with open_storage(source) as st:
            return ReportData(since=since, today=datetime.now(CHINA).date(), stats=await st.stats(since),
                              days=await st.questions_per_day(since), topics=await st.top_topics(since, TOP),
                              feedback=(await st.feedback(since))[:TOP], unanswered=await st.unanswered(since, TOP))
    except StorageError as exc:
        raise StaffError(text("errors.storage", error=exc)) from None


def topic_titles(faq_folder: Path) -> dict[str, str]:
    """answer id -> what staff call it: the entry's question, or the calculator's title."""
    from calculators.core import calculator_names, calculator_spec

    titles = {f"calc:{n}": text("report.calculator", title=calculator_spec(n)["title"]) for n in calculator_names()}
    entries, _ = load_faq(faq_folder)  # a report is still wanted while the FAQ has an error
    titles.update({e.id: e.question for e in entries})
    return titles


def _title(titles: dict[str, str], answer_id: str | None) -> str:
    if not answer_id:
        return ""
    return titles.get(answer_id) or text("report.gone", id=answer_id)


def _table(head: list[str], rows: list[list[object]], numeric: set[int]) -> str:
    if not rows:
        return f'<p class="empty">{html.escape(text("report.empty"))}</p>'
    out = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = (f'<td class="n">{html.escape(str(v))}</td>' if i in numeric else f"<td>{html.escape(str(v))}</td>"
                 for i, v in enumerate(row))
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _image(uri: str | None, alt: str) -> str:
    if uri is None:
        return f'<p class="empty">{html.escape(text("report.empty"))}</p>'
    return f'<img src="{uri}" alt="{html.escape(alt)}">'


def _all_days(data: ReportData) -> list[DayCount]:
    """Every day from the first with questions (or SINCE) to today, days without questions as zeros."""
    if not data.days:
        return []
    counted = {d.day: d for d in data.days}
    day = max(data.since.astimezone(CHINA).date(), data.days[0].day)
    out = []
    while day <= max(data.today, data.days[-1].day):
        out.append(counted.get(day, DayCount(day, 0, 0)))
        day += timedelta(days=1)
    return out


def render(data: ReportData, titles: dict[str, str], generated: str) -> str:
    """The page as one HTML string."""
    days = _all_days(data)
    s = data.stats
    period_start = days[0].day.isoformat() if days and data.since.year <= 2000 else china_day(data.since)
    chart_days = chart_trend = chart_topics = chart_feedback = None
    if days:
        dates = [d.day for d in days]
        chart_days = charts.questions_per_day(dates, [d.answered for d in days], [d.unanswered for d in days])
        chart_trend = charts.unanswered_trend(dates, [d.unanswered for d in days],
                                              [d.unanswered / d.questions if d.questions else None for d in days])
    if data.topics:
        chart_topics = charts.topics([t.answer_id for t in data.topics], [t.count for t in data.topics])
    if data.feedback:
        chart_feedback = charts.feedback([t.answer_id for t in data.feedback], [t.useful for t in data.feedback],
                                         [t.not_useful for t in data.feedback])
    topics_rows = [[n, t.answer_id, _title(titles, t.answer_id), t.count, t.useful, t.not_useful]
                   for n, t in enumerate(data.topics, 1)]
    feedback_rows = [[_title(titles, t.answer_id), t.useful, t.not_useful,
                      f"{t.useful / (t.useful + t.not_useful):.0%}" if t.useful + t.not_useful else "-"]
                     for t in data.feedback]
    unanswered_rows = [[g.text, g.count, g.users, china_day(g.last_asked),
                        _title(titles, g.best_id) if g.best_id else "-"] for g in data.unanswered]
    page = Template(resources.files("shebao.staff").joinpath("report.html").read_text(encoding="utf-8"))
    return page.substitute(
        period=html.escape(text("report.period", start=period_start, end=data.today.isoformat())),
        generated=html.escape(generated),
        questions=s.questions, users=s.users, answered=s.answered, answer_rate=f"{s.answer_rate:.0%}",
        unanswered=s.questions - s.answered, useful=s.useful, not_useful=s.not_useful,
        chart_days=_image(chart_days, "questions per day"),
        chart_trend=_image(chart_trend, "unanswered per day"),
        chart_topics=_image(chart_topics, "top topics"),
        chart_feedback=_image(chart_feedback, "feedback per topic"),
        topics_table=_table(text("report.topics_head"), topics_rows, {0, 3, 4, 5}),
        feedback_table=_table(text("report.feedback_head"), feedback_rows, {1, 2, 3}),
        unanswered_table=_table(text("report.unanswered_head"), unanswered_rows, {1, 2}),
        handoffs=html.escape(_handoffs(s)),
    )


def _handoffs(s: Stats) -> str:
    """The hand-offs line: how many, answered, the median time to the first reply, open now."""
    h = s.handoffs
    if h is None:
        return text("report.empty")
    minutes = h.median_first_reply_minutes
    wait = text("report.handoffs_wait_none") if minutes is None else text("report.handoffs_wait", minutes=minutes)
    return text("report.handoffs", opened=h.opened, answered=h.answered, wait=wait, open_now=h.open_now)


def write_report(config, since: datetime, out: Path) -> None:
    """Read the database (read-only) and write the page to OUT."""
    data = asyncio.run(read_data(config, since))
    generated = datetime.now(CHINA).strftime("%Y-%m-%d %H:%M")
    page = render(data, topic_titles(config.faq_path), generated)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")

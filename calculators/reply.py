"""The reply a worker reads on a phone: the figure, a short breakdown, one 依据 line, the defaults
taken and what to watch out for, who decides. The full lists stay in CalcResult (`--json`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from textnorm.limits import TELEGRAM_LIMIT as LIMIT

from .core import CalcResult, money, num, pct, text, texts
from .parameters import Param

COUNTS = {"years_needed", "max_months", "years_short", "min_years", "months", "grade"}  # result keys that are years or months, not yuan
MAX_NOTES = 2  # "注意：" names at most this many points
SHARED = 2  # labels starting with the same this many characters share them in the 依据 line


def _headline_key(result: CalcResult) -> str:
    r = result.result
    if result.calculator == "flexible" and r["after_subsidy"] != r["pension"]:
        return "flexible_subsidy"
    if result.calculator == "pension" and r.get("eligible") is False:
        return "pension_not_eligible"
    if result.calculator == "injury_compensation":
        if r["death_grant"] is not None:
            return "injury_compensation_death"
        return "injury_compensation_allowance" if r["monthly_allowance"] is not None else "injury_compensation"
    if result.calculator == "severance" and r["double_wage"]:
        return "severance_double"
    if result.calculator == "medical_years" and not r["years_needed"]:
        return "medical_years_done"
    if result.calculator == "unemployment" and not r["max_months"]:
        return "unemployment_none"
    return result.calculator


def _field(key: str, value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if key in COUNTS or isinstance(value, int):
        return num(value)
    if isinstance(value, Decimal):
        return money(value)
    return str(value)


def headline(result: CalcResult) -> str:
    fields: dict[str, str] = {}
    for key, value in result.inputs.items():
        if key in ("gender", "insurance") and value:
            fields[key] = text(f"{key}.{value}")
        elif isinstance(value, Decimal):
            fields[key] = num(value)
        else:
            fields[key] = _field(key, value)
    fields.update({k: _field(k, v) for k, v in result.result.items() if not isinstance(v, dict)})
    return text(f"headline.{_headline_key(result)}", **fields)


def param_value(value: Decimal | int, unit: str) -> str:
    if unit == "rate":
        return pct(value)
    suffix = {"year": "reply.unit_year", "month": "reply.unit_month", "currency": "reply.unit_currency"}.get(unit)
    return num(value) + (" " + text(suffix) if suffix else "")


def _label_template(p: Param) -> str | None:
    """texts.yaml basis.labels for a parameter (a scale by its name, the row as {n})."""
    labels: dict[str, str] = texts("basis.labels")
    return labels.get(p.name)


def param_label(p: Param) -> str:
    """The short name of a parameter in the 依据 line; the description up to its note without one."""
    label = _label_template(p)
    if label is None:
        return (p.description or p.name).split("（")[0]
    n = "" if p.key is None else (num(p.key) if not isinstance(p.key, str) else text(f"scale_keys.{p.key}"))
    return label.format(n=n, year=p.start.year)


def _dated(p: Param) -> bool:
    """Whether the 依据 line says from when the figure holds (not for a figure of a statistical year)."""
    return "{year}" not in (_label_template(p) or "")


def basis(parameters: list[Param]) -> str:
    """Each source once, after the figures taken from it, grouped by the date they hold from."""
    by_source: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for p in parameters:
        start = p.start.isoformat() if _dated(p) else ""
        by_source.setdefault(p.cite, {}).setdefault(start, []).append((param_label(p), param_value(p.value, p.unit)))
    parts = []
    for source, by_start in by_source.items():
        groups = []
        for start, items in by_start.items():
            joined = text("basis.join_items").join(_items(items))
            groups.append(text("basis.since", items=joined, start=start) if start else joined)
        flat = source.replace("（", "，").replace("）", "")  # no brackets inside the brackets around it
        parts.append(text("basis.source", items=text("basis.join_dates").join(groups), source=flat))
    return text("basis.join_sources").join(parts)


def _items(items: list[tuple[str, str]]) -> list[str]:
    """label value, a label dropping the two characters it shares with the one before (医保单位 6%、个人 2%)."""
    out, previous = [], ""
    for label, value in items:
        shown = label[SHARED:] if len(label) > SHARED and label[:SHARED] == previous[:SHARED] else label
        out.append(text("basis.item", label=shown, value=value))
        previous = label
    return out


def short_breakdown(result: CalcResult) -> list[str]:
    """The breakdown in the short words of texts.yaml `short.breakdown` where there are some."""
    short: dict[str, str] = texts("short.breakdown")
    keyed = [(key, fields) for kind, key, fields in result.keyed if kind == "breakdown"]
    if len(keyed) != len(result.breakdown):  # a result built by hand: show its lines as they are
        return list(result.breakdown)
    return [short[key].format(**fields) if key in short else line
            for (key, fields), line in zip(keyed, result.breakdown, strict=True)]


def assumption_lines(result: CalcResult, extra: list[str]) -> list[str]:
    """At most two lines: the defaults taken for what the worker did not say, and the points to watch."""
    defaults: dict[str, str] = texts("short.defaults")
    notes: dict[str, str] = texts("short.notes")
    assumed = [(key, fields) for kind, key, fields in result.keyed if kind == "assume"]
    given = {key: fields for key, fields in assumed}
    taken = [*(defaults[key].format(**given[key]) for key in defaults if key in given), *extra]
    watch = [notes[key].format(**given[key]) for key in notes if key in given][:MAX_NOTES]
    lines = []
    if taken:
        lines.append(text("reply.defaults", items="；".join(taken)))
    if watch:
        lines.append(text("reply.notes", items="；".join(watch)))
    return lines


def outdated_lines(result: CalcResult) -> list[str]:
    """The first line when an older year's figure stands in for the year asked: said before any figure."""
    old = result.outdated
    if not old:
        return []
    on = result.inputs.get("date")
    year = on.year if isinstance(on, dt.date) else None
    when = text("reply.this_year") if year in (None, dt.date.today().year) else text("reply.that_year", year=year)
    used = sorted({y["year"] for y in old})
    return [text("reply.outdated", used="、".join(map(str, used)), when=when)]


def render(result: CalcResult, extra_assumptions: list[str] | None = None) -> str:
    """The reply: the figure first, then how, on what figures from when, on what assumptions, who decides."""
    lines = [*outdated_lines(result), headline(result), "", text("reply.breakdown_title")]
    lines += [text("reply.bullet", line=b) for b in short_breakdown(result)]
    lines.append("")
    if result.parameters:
        lines.append(text("reply.basis", sources=basis(result.parameters)))
    lines += assumption_lines(result, list(extra_assumptions or []))
    footer = texts("reply.footers").get(result.calculator) or text("reply.footer")
    body = "\n".join(lines).rstrip()
    if len(body) + len(footer) + 1 > LIMIT:
        body = body[: LIMIT - len(footer) - 2] + "…"
    return body + "\n" + footer

"""The reply a worker sees for a calculated result: figure, breakdown, parameters, assumptions, who decides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .core import CalcResult, money, num, pct, text

LIMIT = 4096  # Telegram's message limit
COUNTS = {"years_needed", "max_months"}  # result keys that are years or months, not yuan


def _headline_key(result: CalcResult) -> str:
    r = result.result
    if result.calculator == "flexible" and r["after_subsidy"] != r["pension"]:
        return "flexible_subsidy"
    if result.calculator == "medical_years" and not r["years_needed"]:
        return "medical_years_done"
    if result.calculator == "unemployment" and not r["max_months"]:
        return "unemployment_none"
    return result.calculator


def _field(key: str, value: Any) -> str:
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


def render(result: CalcResult, extra_assumptions: list[str] | None = None) -> str:
    """The full reply: the figure first, then how, with what figures, on what assumptions."""
    lines = [headline(result), "", text("reply.breakdown_title")]
    lines += [text("reply.bullet", line=b) for b in result.breakdown]
    lines += ["", text("reply.parameters_title")]
    lines += [
        text("reply.parameter_line", description=p.description or p.name, value=param_value(p.value, p.unit),
             start=p.start.isoformat(), source=p.source)
        for p in result.parameters
    ]
    assumptions = [*(extra_assumptions or []), *result.assumptions]
    if assumptions:
        lines += ["", text("reply.assumptions_title")]
        lines += [text("reply.bullet", line=a) for a in assumptions]
    footer = text("reply.footer")
    body = "\n".join(lines)
    if len(body) + len(footer) + 2 > LIMIT:
        body = body[: LIMIT - len(footer) - 3] + "…"
    return body + "\n\n" + footer

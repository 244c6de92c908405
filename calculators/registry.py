"""The calculators by name, and turning raw inputs (CLI strings, stored dialog values) into typed ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from . import benefits, compensation, monthly
from .core import CalcInputError, CalcResult, calculator_spec, check_range, input_spec, text
from .numbers import normalise, read_number
from .parameters import ParameterError, load, value_at

FUNCTIONS: dict[str, Callable[..., CalcResult]] = {
    "contribution": monthly.contribution,
    "work_injury_premium": monthly.work_injury_premium,
    "pension": benefits.pension,
    "catch_up": benefits.catch_up,
    "late_fee": benefits.late_fee,
    "flexible": monthly.flexible,
    "medical_years": benefits.medical_years,
    "unemployment": benefits.unemployment,
    "injury_compensation": compensation.injury_compensation,
    "severance": compensation.severance,
}
# inputs.yaml names the same calculators (tests/test_calc_parameters.py checks; not read at import)

NAMES = list(FUNCTIONS)
SHARE_LEVELS = {"floor": "base.floor_share", "cap": "base.cap_share"}


def choice_value(name: str, raw: object) -> str | None:
    """The canonical value of a choice input (male, pension, veteran) from a word a worker or script uses."""
    word = normalise(str(raw)).strip()
    table: dict[str, list[str]] = input_spec(name).get("values", {})
    for value, words in table.items():
        if word == value or word in (w.lower() for w in words):
            return value
    for value, words in table.items():  # 我是男的 / 医保吧: a known word inside a short answer
        if len(word) <= 12 and any(len(w) > 1 and w.lower() in word for w in words):
            return value
    return None


def coerce(name: str, raw: Any, on: dt.date) -> Any:
    """A typed value for an input, from a string, number or stored JSON value; CalcInputError if unreadable."""
    spec = input_spec(name)
    label = spec["label"]
    if raw is None:
        return None
    kind = spec["type"]
    if kind == "choice":
        value = choice_value(name, raw)
        if value is None:
            raise CalcInputError(name, text(f"errors.{name}") if name in ("gender", "insurance", "group")
                                 else text("errors.unreadable", label=label, value=raw))
        return value
    if kind == "grade":
        return _grade(spec, raw, label)
    if kind == "date":
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise CalcInputError(name, text("errors.date")) from None
    if name == "share" and str(raw) in SHARE_LEVELS:
        return Decimal(value_at(SHARE_LEVELS[str(raw)], on).value)
    value = raw if isinstance(raw, Decimal) else _number(raw)
    if value is None:
        message = text("errors.unreadable", label=label, value=str(raw)[:40])
        raise CalcInputError(name, message + ("。" + spec["range"] if "range" in spec else ""))
    if kind == "int":
        if value != value.to_integral_value():
            raise CalcInputError(name, text("errors.whole", label=label))
        return int(value)
    return value


def _grade(spec: dict, raw: Any, label: str) -> int | str:
    """A disability grade 1-10, or "death" for a work-related death (工亡)."""
    word = normalise(str(raw)).strip()
    if word in (w.lower() for w in spec["death_words"]):
        return compensation.DEATH
    value = raw if isinstance(raw, Decimal | int) and not isinstance(raw, bool) else read_number(word)
    if value is None:
        raise CalcInputError("grade", text("errors.unreadable", label=label, value=str(raw)[:40]) + "。" + spec["range"])
    if Decimal(value) != Decimal(value).to_integral_value():
        raise CalcInputError("grade", spec["range"])
    return int(value)


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        raw = str(raw)
    try:
        value = Decimal(str(raw).strip())
        return value if value.is_finite() else None
    except ArithmeticError:
        return read_number(str(raw))


def check_input(name: str, raw: Any, on: dt.date) -> None:
    """CalcInputError when a given value cannot be read or lies outside its input's sanity range
    (inputs.yaml min/max), so a dialog refuses it at once instead of after the other questions."""
    value = coerce(name, raw, on)
    spec = input_spec(name)
    if isinstance(value, Decimal | int) and not isinstance(value, bool) and ("min" in spec or "max" in spec):
        check_range(name, value)


def compute(name: str, inputs: dict[str, Any], today: dt.date | None = None) -> CalcResult:
    """Run a calculator on raw inputs (missing ones take their defaults); CalcInputError on bad input."""
    if name not in FUNCTIONS:
        raise CalcInputError("name", text("errors.unknown_calculator", name=name, names="、".join(NAMES)))
    spec = calculator_spec(name)
    on = coerce("date", inputs.get("date"), today or dt.date.today()) or today or dt.date.today()
    kwargs: dict[str, Any] = {"on": on}
    for input_name in spec["inputs"]:
        if input_name == "date" or inputs.get(input_name) is None:
            continue
        kwargs[input_name] = coerce(input_name, inputs[input_name], on)
    for input_name in spec["required"]:
        if input_name not in kwargs:
            raise CalcInputError(input_name, text("dialog.missing", title=spec["title"],
                                                  missing=spec.get("labels", {}).get(input_name)
                                                  or input_spec(input_name)["label"],
                                                  example=spec["example"]))
    try:
        result = FUNCTIONS[name](**kwargs)
    except ParameterError as err:  # a parameter ended or missing on that date
        raise CalcInputError("date", text("errors.no_data", detail=str(err))) from err
    if inputs.get("date") is None and _depends_on_the_date(result):
        result.assume("date_default", date=on.isoformat())
    return result


def _depends_on_the_date(result: CalcResult) -> bool:
    """Whether a figure used has more than one dated value, so the date the worker did not give matters."""
    series = load()
    return any(len(series[p.name].values) > 1 for p in result.parameters if p.name in series)

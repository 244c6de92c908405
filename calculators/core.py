"""What every calculator shares: the result, the input error, texts, number formats, the parameter book."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from textnorm.texts import Texts

from .parameters import Param, ParameterEnded, ParameterError, read_yaml, scale_at, value_at

HERE = Path(__file__).parent
CENT = Decimal("0.01")


class CalcInputError(ValueError):
    """An input is missing, unreadable or outside the range a calculator accepts."""

    def __init__(self, input_name: str, message: str):
        self.input_name = input_name
        self.message = message
        super().__init__(f"{input_name}: {message}")


@dataclass
class CalcResult:
    """A calculated figure with the breakdown, the parameters used and the assumptions made."""

    calculator: str
    result: dict[str, Any]
    breakdown: list[str] = field(default_factory=list)
    parameters: list[Param] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)  # the inputs used, defaults included
    # (kind, key, fields) of each breakdown line and assumption, kind "breakdown" or "assume": the short
    # reply words them again from texts.yaml `short`, the full lines above stay for staff (--json)
    keyed: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # figures of a statistical year: {"parameter", "year" (used), "wanted"}; year < wanted means an older
    # year's figure stands in, and the reply says so in its first line
    years_used: list[dict[str, Any]] = field(default_factory=list)

    @property
    def outdated(self) -> list[dict[str, Any]]:
        return [y for y in self.years_used if y["year"] < y["wanted"] and y.get("affects", True)]

    def assume(self, key: str, **fields: Any) -> None:
        """Add an assumption (texts.yaml `assume.KEY`) once."""
        line = text(f"assume.{key}", **fields)
        if line not in self.assumptions:
            self.assumptions.append(line)
            self.keyed.append(("assume", key, fields))

    def to_json(self) -> dict:
        return {
            "calculator": self.calculator,
            "result": _jsonable(self.result),
            "breakdown": list(self.breakdown),
            "parameters": [p.to_json() for p in self.parameters],
            "assumptions": list(self.assumptions),
            "years_used": [dict(y) for y in self.years_used],
        }


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return float(round2(value))
    return value


def round2(value: Decimal) -> Decimal:
    """Money as shown: 2 places, half up (only for display and JSON)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal | int) -> str:
    """735 -> '735.00' (no thousands separator, so the figure reads as workers type it)."""
    return f"{round2(Decimal(value)):f}"


def num(value: Decimal | int | float) -> str:
    """A plain number without trailing zeros: 7000, 0.5, 2.25."""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d.normalize():f}"


def pct(rate: Decimal | int) -> str:
    """0.16 -> '16%', 0.005 -> '0.5%', 0.0005 -> '0.05%'."""
    return num(Decimal(rate) * 100) + "%"


def whole(value: Decimal) -> Decimal | int:
    """An int when the value is whole (years, months), else the value."""
    return int(value) if value == value.to_integral_value() else value


# ---- data files -------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _yaml(name: str) -> dict:
    return read_yaml(HERE / name)


TEXTS = Texts(lambda: HERE / "texts.yaml")
text = TEXTS.text  # a user-facing text from texts.yaml (dotted key), formatted with fields
texts = TEXTS.node  # a raw node of texts.yaml (a list or mapping)


def input_spec(name: str) -> dict:
    """How an input is checked and asked for (inputs.yaml)."""
    return _yaml("inputs.yaml")["inputs"][name]


def calculator_spec(name: str) -> dict:
    """Inputs, required inputs and defaults of a calculator (inputs.yaml)."""
    return _yaml("inputs.yaml")["calculators"][name]


def calculator_names() -> list[str]:
    return list(_yaml("inputs.yaml")["calculators"])


def check_range(name: str, value: Decimal | int, low: Decimal | None = None, high: Decimal | None = None,
                message: str | None = None) -> None:
    """Raise CalcInputError unless low <= value <= high (bounds from inputs.yaml unless given)."""
    spec = input_spec(name)
    low = Decimal(str(spec["min"])) if low is None and "min" in spec else low
    high = Decimal(str(spec["max"])) if high is None and "max" in spec else high
    too_low = low is not None and (value < low or (value == low and spec.get("min_open")))
    if too_low or (high is not None and value > high):
        raise CalcInputError(name, message or spec["range"])


# ---- the parameter book -----------------------------------------------------------------


class Book:
    """Collects the parameters, breakdown lines and assumptions of one calculation."""

    def __init__(self, calculator: str, on: dt.date):
        self.calculator, self.on = calculator, on
        self.params: dict[tuple[str, dt.date], Param] = {}
        self.breakdown: list[str] = []
        self.assumptions: list[str] = []
        self.used: dict[str, Any] = {"date": on}
        self.keyed: list[tuple[str, str, dict[str, Any]]] = []
        self.years_used: list[dict[str, Any]] = []  # statistical-year figures: the year used, the year wanted

    def param(self, name: str, on: dt.date | None = None, key: Any = None) -> Param:
        try:
            p = value_at(name, on or self.on, key=key)
        except ParameterEnded:
            raise
        except ParameterError as err:
            raise CalcInputError("date", text("errors.no_data", detail=str(err))) from err
        self.params.setdefault((p.full_name, p.start), p)
        return p

    def value(self, name: str, on: dt.date | None = None, key: Any = None) -> Decimal:
        return Decimal(self.param(name, on, key).value)

    def scale(self, name: str, on: dt.date | None = None) -> dict:
        """The whole table of a scale parameter (nothing recorded: record the row used with `param`)."""
        try:
            return scale_at(name, on or self.on)
        except ParameterError as err:
            raise CalcInputError("date", text("errors.no_data", detail=str(err))) from err

    def ended(self, name: str, on: dt.date | None = None) -> ParameterEnded | None:
        """The end of a parameter when it no longer applies on the date, else None (and records it)."""
        try:
            self.param(name, on)
        except ParameterEnded as end:
            return end
        return None

    def not_affecting(self, name: str) -> None:
        """A statistical-year figure was looked up but did not change the result: no up-front warning."""
        for y in self.years_used:
            if y["parameter"] == name:
                y["affects"] = False
        self.assumptions[:] = [a for a, k in zip(self.assumptions, self._assumed_keys(), strict=True)
                               if k != "avg_wage_older"]
        self.keyed[:] = [k for k in self.keyed if not (k[0] == "assume" and k[1] == "avg_wage_older")]

    def _assumed_keys(self) -> list[str]:
        return [key for kind, key, _ in self.keyed if kind == "assume"]

    def line(self, key: str, **fields: Any) -> None:
        self.breakdown.append(text(f"breakdown.{key}", **fields))
        self.keyed.append(("breakdown", key, fields))

    def assume(self, key: str, **fields: Any) -> None:
        line = text(f"assume.{key}", **fields)
        if line not in self.assumptions:
            self.assumptions.append(line)
            self.keyed.append(("assume", key, fields))

    def default(self, input_name: str) -> Any:
        return calculator_spec(self.calculator)["defaults"][input_name]

    def done(self, **result: Any) -> CalcResult:
        return CalcResult(self.calculator, result, self.breakdown, list(self.params.values()), self.assumptions,
                          self.used, self.keyed, _unique(self.years_used))


def statistical(book: Book, name: str, year: int) -> Decimal:
    """A figure of a statistical year used in `year`: that of year-1, or the latest one before it,
    recorded so the reply says up front when an older year's figure stands in for today's."""
    wanted = year - 1
    p = book.param(name, dt.date(wanted, 12, 31))
    book.years_used.append({"parameter": name, "year": p.start.year, "wanted": wanted})
    if p.start.year < wanted:
        book.assume("avg_wage_older" if name == "average_wage.qinghai" else "figure_older",
                    wanted=wanted, used=p.start.year, value=num(p.value))
    return Decimal(p.value)


def average_wage(book: Book, year: int) -> Decimal:
    """The provincial average wage used in `year`: the figure of year-1, or the latest one before it."""
    return statistical(book, "average_wage.qinghai", year)


def base_limits(book: Book, on: dt.date) -> tuple[Decimal, Decimal, Decimal]:
    """(average wage, floor, cap) of the contribution base on a date."""
    avg = average_wage(book, on.year)
    return avg, avg * book.value("base.floor_share", on), avg * book.value("base.cap_share", on)


def clamp_base(book: Book, wage: Decimal) -> Decimal:
    """The contribution base: the wage, raised to the floor or cut to the cap."""
    avg, floor, cap = base_limits(book, book.on)
    base = min(max(wage, floor), cap)
    key = "base_floor" if wage < floor else "base_cap" if wage > cap else "base_inside"
    book.line(key, wage=num(wage), floor=money(floor), cap=money(cap), base=money(base), avg=num(avg),
              floor_share=pct(floor / avg), cap_share=pct(cap / avg))
    return base

"""Which calculator a question is for, and the inputs it already holds (rules in router.yaml)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

import yaml

from .core import HERE, num, text
from .numbers import Reading, first, normalise, read

NOT_INPUTS = {"gender", "insurance", "group", "date"}  # words, not the worker's own numbers


@lru_cache(maxsize=1)
def rules() -> dict:
    data = yaml.safe_load((HERE / "router.yaml").read_text(encoding="utf-8"))
    compiled = {}
    for name, rule in data["calculators"].items():
        compiled[name] = {
            "subject": re.compile(rule["subject"]),
            "also": re.compile(rule["also"]) if rule.get("also") else None,
            "not": re.compile(rule["not"]) if rule.get("not") else None,
            "evidence": set(rule["evidence"]),
        }
    return {**data, "compiled": compiled, "figure": re.compile(data["asks_figure"]),
            "question": re.compile(data["question_words"])}


def jsonable(value: Any) -> Any:
    """A reading's value as stored in a dialog state (JSON): Decimal -> str, date -> ISO string."""
    if isinstance(value, Decimal):
        return num(value.quantize(Decimal("0.0001")) if value.as_tuple().exponent < -4 else value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def inputs_from(name: str, readings: list[Reading]) -> dict[str, Any]:
    """The inputs of a calculator that the readings give, JSON-serialisable, plus notes on conversions."""
    out: dict[str, Any] = {}
    notes: list[str] = []
    for input_name, kinds in rules()["reads"][name].items():
        candidates = [r for r in readings if r.kind in kinds]
        if input_name == "insurance":
            candidates = [r for r in candidates if r.value in ("pension", "medical")]
        reading = first(candidates, *kinds)
        if reading is None:
            continue
        out[input_name] = jsonable(reading.value)
        if reading.note:
            notes.append(text(f"assume.{reading.note}", months=num(reading.value / 30),
                              years=num(reading.value / 365), days=num(reading.value)))
    if name == "catch_up" and "years" not in out:
        paid, target = first(readings, "years_paid"), first(readings, "years_target")
        if paid and target and target.value > paid.value:
            out["years"] = jsonable(target.value - paid.value)
    if notes:
        out["_notes"] = notes
    return out


def route(question: object) -> tuple[str, dict[str, Any]] | None:
    """(calculator, inputs) for a question that asks for a figure with the worker's own numbers, else None."""
    try:
        norm = normalise(question)
        r = rules()
        if not r["figure"].search(norm):
            return None
        readings = read(norm)
        kinds = {x.kind for x in readings} - NOT_INPUTS
        for name, rule in r["compiled"].items():
            if not rule["subject"].search(norm):
                continue
            if rule["also"] is not None and not rule["also"].search(norm):
                continue
            if rule["not"] is not None and rule["not"].search(norm):
                continue
            if not kinds & rule["evidence"]:
                continue
            return name, inputs_from(name, readings)
        return None
    except Exception:  # noqa: BLE001 - the router must never break the answering path
        return None


def looks_like_question(answer: object) -> bool:
    """Whether a reply to a follow-up reads as a new question rather than an answer."""
    norm = normalise(answer)
    long = len(norm.strip()) > int(rules()["question_length"])
    return route(norm) is not None or bool(rules()["question"].search(norm)) or long

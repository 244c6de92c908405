"""Which calculator a question is for, and the inputs it already holds (rules in router.yaml)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from textnorm.slips import apply_slips, read_slips, synonym_rewriter, synonym_table

from .core import HERE, num, text
from .numbers import Reading, first, normalise, read
from .parameters import read_yaml

NOT_INPUTS = {"gender", "insurance", "group", "date"}  # words, not the worker's own numbers
STARTED = "_start"  # in a state's inputs: the worker asked to calculate without giving the numbers
MONEY_KINDS = {"wage", "base", "money", "amount"}


def _optional(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern) if pattern else None


@lru_cache(maxsize=1)
def rules() -> dict:
    """router.yaml, compiled; read on first use (and again after `calculators.reload()`)."""
    data = read_yaml(HERE / "router.yaml")
    compiled = {}
    for name, rule in data["calculators"].items():
        compiled[name] = {
            "subject": re.compile(rule["subject"]),
            "asks": re.compile(rule["asks"]),
            "not": _optional(rule.get("not")),
            "ask_not": _optional(rule.get("ask_not")),
            "evidence": set(rule["evidence"]),
            "intent": _optional(rule.get("intent")),
            "unnumbered": _optional(rule.get("unnumbered")),
        }
    patterns = {key: re.compile(data[key]) for key in (
        "clause_break", "question_marks", "question_words", "rule_asks", "yes_no", "figure",
        "reply_question_words", "calculate", "for_me", "how_asks", "counts_as")}
    rewrite = read_slips(data.get("rewrite"))
    return {**data, **patterns, "compiled": compiled, "rewrite_rules": rewrite}


def rewrite(norm: str) -> str:
    """Pinyin and contextual dialect (router.yaml `rewrite`), then typos and colloquial words with the
    lexicon's one slip list (knowledge/lexicon/synonyms.yaml), rewritten to the standard words."""
    return lexicon_slips()(apply_slips(rules()["rewrite_rules"], norm))


LEXICON = HERE.parent / "knowledge" / "lexicon"  # the packaged lexicon; `use_lexicon` points elsewhere
_lexicon_folder: list[Path] = [LEXICON]


def use_lexicon(folder: Path | str | None) -> None:
    """Read the slips from this lexicon folder (the configured `knowledge.lexicon`); None: the packaged one."""
    _lexicon_folder[0] = Path(folder) if folder else LEXICON
    lexicon_slips.cache_clear()


@lru_cache(maxsize=1)
def lexicon_slips() -> Callable[[str], str]:
    """The synonyms.yaml rewrite as the matcher applies it: every variant to its canonical word, longest
    first, a canonical word left alone (so 骑手 inside 外卖骑手 is not rewritten again). Read as data."""
    path = _lexicon_folder[0] / "synonyms.yaml"
    return synonym_rewriter(synonym_table(read_yaml(path) if path.is_file() else None))


def asking_part(norm: str) -> tuple[str, str]:
    """(asking part, scope): the last clause that asks something, and where the subject must be named.

    A short message is its own scope; in a story (longer than `short_message`) only the final question
    and the clause before it count, so 社保 mentioned on the way does not make a question about it.
    """
    r = rules()
    clauses: list[tuple[str, bool]] = []  # (clause, followed by a question mark)
    at = 0
    for brk in r["clause_break"].finditer(norm):
        if brk.start() > at:
            clauses.append((norm[at:brk.start()], bool(r["question_marks"].search(brk.group(0)))))
        at = brk.end()
    if at < len(norm):
        clauses.append((norm[at:], False))
    asking = [i for i, (clause, marked) in enumerate(clauses) if marked or r["question_words"].search(clause)]
    if not asking:
        return norm, norm
    i = asking[-1]
    ask = clauses[i][0]
    if len(norm) <= int(r["short_message"]):
        return ask, norm
    return ask, "，".join(c for c, _ in clauses[max(0, i - 1):i + 1])


def asks_a_rule(ask: str) -> bool:
    """The asking part asks how, where, whether: a question for the FAQ whatever numbers it has."""
    r = rules()
    if r["rule_asks"].search(ask):
        return True
    return bool(r["yes_no"].search(ask)) and not r["figure"].search(ask)


def _own_numbers(readings: list[Reading]) -> list[Reading]:
    """The readings that can be the worker's inputs: money below `min_money` (每天扣三块钱) is not a wage;
    a negative sum stays, so it gets the allowed range."""
    floor = Decimal(str(rules()["min_money"]))
    return [x for x in readings
            if not (x.kind in MONEY_KINDS and isinstance(x.value, Decimal) and 0 <= x.value < floor)]


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
    """(calculator, inputs) for a question that asks for a figure with the worker's own numbers, or
    that asks to calculate one without them (inputs then hold STARTED), else None."""
    norm = rewrite(normalise(question))
    return _route(norm) or _route_request(norm)


def _route_request(norm: str) -> tuple[str, dict[str, Any]] | None:
    """A clear request to calculate (帮我算算养老金), not a question how a figure is made (养老金怎么算)."""
    r = rules()
    ask, scope = asking_part(norm)
    if not r["calculate"].search(scope) or r["counts_as"].search(scope) or asks_a_rule(ask):
        return None
    if r["how_asks"].search(scope) and not r["for_me"].search(scope):
        return None
    for name, rule in r["compiled"].items():
        if rule["intent"] is None or not rule["intent"].search(scope):
            continue
        if (rule["not"] is not None and rule["not"].search(scope)) or (
                rule["ask_not"] is not None and rule["ask_not"].search(ask)):
            continue
        return name, {**inputs_from(name, _own_numbers(read(norm))), STARTED: True}
    return None


def _route(norm: str) -> tuple[str, dict[str, Any]] | None:
    ask, scope = asking_part(norm)
    if asks_a_rule(ask):
        return None
    readings: list[Reading] | None = None
    for name, rule in rules()["compiled"].items():
        if not rule["asks"].search(ask) or (rule["ask_not"] is not None and rule["ask_not"].search(ask)):
            continue
        if not rule["subject"].search(scope) or (rule["not"] is not None and rule["not"].search(scope)):
            continue
        if readings is None:  # numbers are read only for a question that asks for a figure
            readings = _own_numbers(read(norm))
        if not ({x.kind for x in readings} - NOT_INPUTS) & rule["evidence"]:
            if (rule["unnumbered"] is not None and rule["unnumbered"].search(ask)
                    and not {x.kind for x in readings} - NOT_INPUTS - {"number", "period"}
                    and len(norm) <= int(rules()["short_message"])):
                # the worker's own figure, asked without the numbers: the dialog asks for them
                return name, {**inputs_from(name, readings), STARTED: True}
            continue
        return name, inputs_from(name, readings)
    return None


def asks_something(norm: str) -> bool:
    """Whether a reply that no calculator takes reads as a new question: a question word, or long."""
    long = len(norm.strip()) > int(rules()["question_length"])
    return bool(rules()["reply_question_words"].search(norm)) or long


def looks_like_question(answer: object) -> bool:
    """Whether a reply to a follow-up reads as a new question rather than an answer."""
    norm = normalise(answer)
    return route(norm) is not None or asks_something(norm)

"""From a question in words to a calculated reply, asking one short follow-up at a time when needed.

The answering service calls `detect(question)`; when it returns a state, `advance(state, None,
one_shot=...)` gives the reply. In a chat, a turn that is not done carries a state to keep; the
next message goes to `advance(state, text, one_shot=False)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .core import CalcInputError, CalcResult, calculator_spec, input_spec, text, texts
from .numbers import IDENTITY, Reading, normalise, read
from .registry import check_input, choice_value, compute
from .reply import LIMIT, render
from .router import STARTED, asks_something, inputs_from, jsonable, route, rules

_UNREAD = object()  # the reply could not be read as the input asked for


@dataclass(frozen=True)
class _Other:
    """A reply that gives another input than the one asked for (a base of 4500 for the share asked)."""

    name: str
    value: Any


@dataclass
class CalcState:
    """A calculation in progress: which calculator, the inputs known so far, the input last asked for."""

    name: str
    inputs: dict[str, Any]
    asking: str | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "inputs": dict(self.inputs), "asking": self.asking}

    @classmethod
    def from_json(cls, data: dict) -> CalcState:
        return cls(str(data["name"]), dict(data.get("inputs") or {}), data.get("asking"))


@dataclass
class CalcTurn:
    """One reply of the calculator dialog."""

    text: str
    done: bool
    state: CalcState | None
    choices: list[tuple[str, str]] = field(default_factory=list)
    result: CalcResult | None = None


def detect(text: str) -> CalcState | None:
    """A calculator state for a question asking for a figure with the worker's own numbers, or asking
    to calculate one without them (帮我算算养老金), else None."""
    routed = route(text)
    return None if routed is None else CalcState(routed[0], routed[1])


def advance(state: CalcState, text: str | None = None, *, one_shot: bool,
            today: dt.date | None = None) -> CalcTurn | None:
    """The next reply: a figure, one follow-up question, a range message, or None for a new question."""
    try:
        spec = calculator_spec(state.name)
    except KeyError:
        return None
    inputs = dict(state.inputs)
    if text is not None:
        merged = _take_answer(state, inputs, text)
        if merged is None:
            return None
        if isinstance(merged, CalcTurn):
            return merged
    refused = _refuse_out_of_range(state.name, inputs, one_shot, today)
    if refused is not None:
        return refused
    missing = [i for i in spec["required"] if inputs.get(i) is None]
    if inputs.get(STARTED):
        if one_shot:
            needed = [i for i in spec.get("needs", spec["required"]) if not _known(spec, inputs, i)]
            if needed:
                return _needs(state.name, inputs, needed)
        else:
            missing = [i for i in spec["start_asks"] if not _known(spec, inputs, i, asked=True)] + missing
    if not one_shot:
        missing += [i for i in spec["chat_asks"] if not _known(spec, inputs, i, asked=True)]
    if missing and one_shot:
        reply = _txt("dialog.missing", title=spec["title"], missing=_labels(spec, missing), example=spec["example"])
        return CalcTurn(reply, False, CalcState(state.name, inputs, missing[0]))
    if missing:
        return _ask(state.name, inputs, missing[0])
    return _compute(state.name, inputs, one_shot, today)


def _refuse_out_of_range(name: str, inputs: dict[str, Any], one_shot: bool,
                         today: dt.date | None) -> CalcTurn | None:
    """The allowed range for the first given value outside it (200岁, -5年), before asking anything else."""
    spec = calculator_spec(name)
    for input_name in spec["inputs"]:
        value = inputs.get(input_name)
        if value is None or input_name == "date":
            continue
        try:
            check_input(input_name, value, today or dt.date.today())
        except CalcInputError as err:
            kept = {k: v for k, v in inputs.items() if k != input_name}
            if one_shot:
                reply = _txt("dialog.invalid_one_shot", message=err.message, example=spec["example"])
                return CalcTurn(reply, False, CalcState(name, kept, input_name))
            return _ask(name, kept, input_name, _txt("dialog.invalid", message=err.message) + "\n")
    return None


def _known(spec: dict, inputs: dict[str, Any], name: str, asked: bool = False) -> bool:
    """Whether an input (or one that stands for it) is given; `asked`: a 不知道 answer counts as given."""
    names = [name, *spec.get("alternatives", {}).get(name, [])]
    return any(inputs.get(n) is not None or (asked and n in inputs) for n in names)


def _labels(spec: dict, names: list[str]) -> str:
    return "、".join(spec.get("labels", {}).get(i) or input_spec(i)["label"] for i in names)


def _needs(name: str, inputs: dict[str, Any], needed: list[str]) -> CalcTurn:
    """One line for a one-shot request without numbers: what to tell, what helps, an example question."""
    spec = calculator_spec(name)
    optional = [i for i in spec["start_asks"] if i not in needed and not _known(spec, inputs, i)]
    more = _txt("dialog.needs_optional", optional=_labels(spec, optional)) if optional else ""
    reply = _txt("dialog.needs", title=spec["title"], missing=_labels(spec, needed), optional=more,
                 example=spec["example"])
    return CalcTurn(reply, False, CalcState(name, inputs, needed[0]))


def _txt(key: str, **fields: Any) -> str:
    return text(key, **fields)


def _take_answer(state: CalcState, inputs: dict[str, Any], answer: str) -> bool | CalcTurn | None:
    """Read a reply into inputs; a CalcTurn when the reply ends or repeats the dialog, None for a new question."""
    norm = normalise(answer).strip()
    if norm in {normalise(w) for w in texts("dialog.cancel_words")}:
        return CalcTurn(_txt("dialog.cancelled"), True, None)
    routed = route(norm)
    if routed is not None and routed[0] != state.name:
        return None
    if routed is not None:
        inputs.update(routed[1])
        return True
    readings = read(norm)  # read once: the answer, the question test and the other inputs use it
    if state.asking:
        value = _read_answer(state.name, state.asking, norm, readings)
        if value is _UNREAD and IDENTITY.search(norm):  # an ID-card or phone number is not an age or a wage
            return _ask(state.name, inputs, state.asking,
                        _txt("dialog.identity", label=input_spec(state.asking)["label"]))
        if value is _UNREAD:
            if asks_something(norm):
                return None
            return _ask(state.name, inputs, state.asking, _txt("dialog.not_understood"))
        if isinstance(value, _Other):
            inputs[value.name] = value.value
        else:
            inputs[state.asking] = value
    elif asks_something(norm):
        return None
    for key, value in inputs_from(state.name, readings).items():
        inputs.setdefault(key, value)
    return True


def _read_answer(name: str, asking: str, norm: str, readings: list[Reading]) -> Any:
    """The value of the input asked for in a short reply; None means "use the default"; _UNREAD if unreadable."""
    spec = calculator_spec(name)
    if asking not in spec["required"] and norm in {normalise(w) for w in texts("dialog.unknown_words")}:
        return None
    if input_spec(asking)["type"] == "choice":
        value = choice_value(asking, norm)
        if value is None:
            found = [r for r in readings if r.kind == asking]
            value = found[0].value if found else None
        return _UNREAD if value is None else value
    other = rules().get("answer_as", {}).get(asking)
    if other:  # 按社平工资的哪一档交？ - "4500" is the base itself
        floor = Decimal(str(other["at_least"]))
        for reading in readings:
            if reading.kind in other["kinds"] and isinstance(reading.value, Decimal) and reading.value >= floor:
                return _Other(str(other["input"]), jsonable(reading.value))
    for kind in rules()["answers"].get(asking, []):
        for reading in readings:
            if reading.kind == kind:
                return jsonable(_scale(asking, reading.kind, reading.value))
    return _UNREAD


def _scale(asking: str, kind: str, value: Any) -> Any:
    """A bare number answering a percentage question: 1 -> 1%, 60 -> 60%."""
    bare = kind == "number" and isinstance(value, Decimal)
    if bare and ((asking == "rate" and value >= 1) or (asking == "share" and value > 10)):
        return value / 100
    return value


def _ask(name: str, inputs: dict[str, Any], asking: str, prefix: str = "") -> CalcTurn:
    spec = input_spec(asking)
    calc = calculator_spec(name)
    question = calc.get("asks", {}).get(asking) or spec["ask"]
    reply = "".join([prefix, question, "\n", _txt("dialog.cancel_hint")])
    choices = [(str(label), str(fed)) for label, fed in calc.get("choices", {}).get(asking, spec.get("choices", []))]
    return CalcTurn(reply, False, CalcState(name, inputs, asking), choices)


def _compute(name: str, inputs: dict[str, Any], one_shot: bool, today: dt.date | None) -> CalcTurn:
    values = {k: v for k, v in inputs.items() if not k.startswith("_")}
    try:
        result = compute(name, values, today)
    except CalcInputError as err:
        bad = err.input_name
        if bad in values and bad in calculator_spec(name)["inputs"]:
            kept = {k: v for k, v in inputs.items() if k != bad}
            if one_shot:
                reply = _txt("dialog.invalid_one_shot", message=err.message,
                             example=calculator_spec(name)["example"])
                return CalcTurn(reply, False, CalcState(name, kept, bad))
            return _ask(name, kept, bad, _txt("dialog.invalid", message=err.message) + "\n")
        if bad in calculator_spec(name)["inputs"] and bad not in values:  # needed in this case only
            if one_shot:
                spec = calculator_spec(name)
                reply = _txt("dialog.missing", title=spec["title"], missing=_labels(spec, [bad]),
                             example=spec["example"])
                return CalcTurn(reply, False, CalcState(name, inputs, bad))
            return _ask(name, inputs, bad)
        return CalcTurn(err.message[:LIMIT], True, None)
    reply = render(result, extra_assumptions=list(inputs.get("_notes") or []))
    return CalcTurn(reply, True, None, [], result)

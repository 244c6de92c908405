"""The calculator cases of tests/cases/calculators/*.yaml: each names the behaviour in a whole sentence."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from calculators.core import CalcInputError, round2
from calculators.parameters import ParameterEnded, ParameterError, value_at
from calculators.registry import compute

CASES = Path(__file__).parent / "cases" / "calculators"


def _load() -> list:
    cases = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=case["name"]))
    return cases


ALL = _load()
CALCULATOR_CASES = [c for c in ALL if "calculator" in c.values[0]]
PARAMETER_CASES = [c for c in ALL if "parameter" in c.values[0]]


def _dig(result: dict, dotted: str):
    node = result
    for part in dotted.split("."):
        node = node[part]
    return node


def _same(actual, expected) -> bool:
    if isinstance(actual, Decimal):
        return round2(actual) == round2(Decimal(str(expected)))
    return actual == expected


def test_every_case_file_has_cases():
    assert len(CALCULATOR_CASES) >= 40
    assert len(PARAMETER_CASES) >= 20


@pytest.mark.parametrize("case", CALCULATOR_CASES)
def test_calculator_case(case):
    if "error" in case:
        with pytest.raises(CalcInputError) as caught:
            compute(case["calculator"], case["inputs"])
        assert caught.value.input_name == case["error"]
        for words in case.get("message_mentions", []):
            assert words in caught.value.message
        return
    result = compute(case["calculator"], case["inputs"])
    for key, expected in case.get("result", {}).items():
        actual = _dig(result.result, key)
        assert _same(actual, expected), f"{key}: {actual} != {expected}"
    for key in case.get("no_result", []):
        with pytest.raises(KeyError):
            _dig(result.result, key)
    used = {p.full_name: p.value for p in result.parameters}
    for name, expected in case.get("parameters", {}).items():
        assert name in used, f"parameter {name} was not used"
        assert Decimal(str(used[name])) == Decimal(str(expected))
    everything = "\n".join(result.assumptions)
    for words in case.get("assumptions_mention", []):
        assert words in everything, f"{words!r} not in assumptions: {everything}"
    assert result.breakdown, "every result explains itself"


@pytest.mark.parametrize("case", PARAMETER_CASES)
def test_parameter_case(case):
    if case.get("ended"):
        with pytest.raises(ParameterEnded):
            value_at(case["parameter"], case["date"], key=case.get("key"))
    elif case.get("error"):
        with pytest.raises(ParameterError):
            value_at(case["parameter"], case["date"], key=case.get("key"))
    else:
        found = value_at(case["parameter"], case["date"], key=case.get("key")).value
        assert Decimal(str(found)) == Decimal(str(case["value"]))

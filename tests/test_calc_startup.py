"""Cold start and /reload: importing the calculators reads no file and loads neither cn2an nor opencc;
`calculators.reload()` makes edited parameter, text and router files count."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest

import calculators
from calculators import core, numbers, parameters, router
from calculators.core import calculator_names, text
from calculators.parameters import value_at
from calculators.registry import FUNCTIONS


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_calculators_reads_no_file_and_loads_no_heavy_library():
    out = _run("""
        import sys
        import calculators
        from calculators import core, numbers, parameters, router
        print(sorted(m for m in ("cn2an", "opencc") if m in sys.modules),
              core._yaml.cache_info().currsize, router.rules.cache_info().currsize,
              numbers.words.cache_info().currsize, parameters.load.cache_info().currsize)
    """)
    assert out == "[] 0 0 0 0"


def test_a_traditional_question_loads_opencc_and_is_read():
    out = _run("""
        import sys
        from calculators.dialog import detect
        state = detect("工資四千五，每個月社保扣多少")
        print("opencc" in sys.modules, state.name, state.inputs["wage"])
    """)
    assert out == "True contribution 4500"


def test_every_calculator_of_inputs_yaml_has_a_function():
    assert set(FUNCTIONS) == set(calculator_names())


@pytest.fixture
def fresh():
    """Undo whatever a test pointed the calculators at, and forget it."""
    yield
    calculators.reload()


def test_reload_reads_an_edited_parameter_again(tmp_path, fresh):
    path = tmp_path / "late_fee.daily_rate.yaml"
    path.write_text("description: 滞纳金日费率\nunit: rate\nvalues:\n"
                    "  2011-07-01: {value: 0.0005, source: 社会保险法第八十六条}\n", encoding="utf-8")
    on = dt.date(2020, 1, 1)
    assert value_at("late_fee.daily_rate", on, tmp_path).value == Decimal("0.0005")
    path.write_text(path.read_text(encoding="utf-8") + "  2020-01-01: {value: 0.0004, source: 测试}\n",
                    encoding="utf-8")
    assert value_at("late_fee.daily_rate", on, tmp_path).value == Decimal("0.0005")  # cached
    calculators.reload()
    assert value_at("late_fee.daily_rate", on, tmp_path).value == Decimal("0.0004")


def test_reload_reads_edited_texts_and_router_rules_again(tmp_path, monkeypatch, fresh):
    for name in ("texts.yaml", "inputs.yaml", "router.yaml"):
        shutil.copy(core.HERE / name, tmp_path / name)
    assert text("headline.late_fee", fee="1") == "滞纳金约 1 元。"
    assert calculators.detect("欠了3万社保，拖了100天，滞纳金多少").name == "late_fee"
    monkeypatch.setattr(core, "HERE", tmp_path)
    monkeypatch.setattr(router, "HERE", tmp_path)
    texts = (tmp_path / "texts.yaml").read_text(encoding="utf-8")
    (tmp_path / "texts.yaml").write_text(texts.replace('late_fee: "滞纳金约 {fee} 元。"', 'late_fee: "滞纳金是 {fee} 元。"'),
                                         encoding="utf-8")
    rules = (tmp_path / "router.yaml").read_text(encoding="utf-8")
    (tmp_path / "router.yaml").write_text(rules.replace('subject: "滞纳金|滞纳"', 'subject: "迟交费"'),
                                          encoding="utf-8")
    assert text("headline.late_fee", fee="1") == "滞纳金约 1 元。"  # cached until reloaded
    calculators.reload()
    assert text("headline.late_fee", fee="1") == "滞纳金是 1 元。"
    assert calculators.detect("欠了3万社保，拖了100天，滞纳金多少") is None
    assert calculators.detect("欠了3万社保，拖了100天，迟交费多少").name == "late_fee"


def test_reload_forgets_every_cache():
    calculators.detect("工资4500社保交多少")
    text("reply.footer")
    value_at("pension.employer_rate", dt.date(2020, 1, 1))
    calculators.reload()
    assert core._yaml.cache_info().currsize == 0
    assert router.rules.cache_info().currsize == 0
    assert numbers.words.cache_info().currsize == 0
    assert parameters.load.cache_info().currsize == 0

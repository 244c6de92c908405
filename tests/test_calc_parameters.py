"""Dated parameters: lookup by date, clear errors, and the checker the FAQ check calls."""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from calculators import parameters
from calculators.parameters import FOLDER, ParameterEnded, ParameterError, check_parameters, load, value_at

CALCULATORS = Path(parameters.__file__).parent


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_shipped_parameters_have_no_problems():
    assert check_parameters(FOLDER) == []


def test_every_shipped_value_has_a_source_and_a_description():
    for name, series in load().items():
        assert series.description, name
        for line in series.values:
            assert line.reference.strip(), f"{name} {line.start}"


def test_a_value_holds_from_its_date_until_the_next_one():
    assert value_at("pension.employer_rate", dt.date(2019, 4, 30)).value == Decimal("0.20")
    p = value_at("pension.employer_rate", dt.date(2019, 5, 1))
    assert p.value == Decimal("0.16")
    assert p.start == dt.date(2019, 5, 1)
    assert "国办发〔2019〕13号" in p.source


def test_rates_are_decimals_and_counts_are_ints():
    assert isinstance(value_at("late_fee.daily_rate", dt.date(2020, 1, 1)).value, Decimal)
    assert str(value_at("late_fee.daily_rate", dt.date(2020, 1, 1)).value) == "0.0005"
    assert value_at("pension.payout_months", dt.date(2020, 1, 1), key=60).value == 139
    assert isinstance(value_at("pension.payout_months", dt.date(2020, 1, 1), key=60).value, int)


def test_a_date_before_the_first_value_names_the_parameter_and_its_first_date():
    with pytest.raises(ParameterError) as caught:
        value_at("pension.employer_rate", dt.date(2000, 1, 1))
    assert "pension.employer_rate" in str(caught.value)
    assert "2006-01-01" in str(caught.value)


def test_null_ends_a_value():
    with pytest.raises(ParameterEnded) as caught:
        value_at("maternity.employer_rate", dt.date(2020, 1, 1))
    assert caught.value.since == dt.date(2019, 11, 1)


def test_an_unknown_parameter_is_a_clear_error():
    with pytest.raises(ParameterError, match="no.such"):
        value_at("no.such", dt.date(2020, 1, 1))


def test_staff_add_next_years_figure_with_one_dated_line(tmp_path):
    original = (FOLDER / "average_wage.qinghai.yaml").read_text(encoding="utf-8")
    write(tmp_path, "average_wage.qinghai", original + '  2019-01-01: {value: 6000, source: "test"}\n')
    assert check_parameters(tmp_path) == []
    assert value_at("average_wage.qinghai", dt.date(2019, 12, 31), folder=tmp_path).value == 6000
    assert value_at("average_wage.qinghai", dt.date(2018, 12, 31), folder=tmp_path).value == 5683


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("description: x\nvalues:\n  2019-01-01: {value: 1, source: a\n", 3, "YAML"),
        ("description: x\nvalues:\n  2019-01-01: {value: 1, source: a}\n  2018-01-01: {value: 2, source: b}\n",
         4, "早到晚"),
        ("description: x\nvalues:\n  2019-01-01: {value: 1}\n", 3, "source"),
        ("description: x\nvalues:\n  2019-01-01: {value: abc, source: a}\n", 3, "不是数字"),
        ("description: x\nvalues:\n  2019-01-01: {value: .inf, source: a}\n", 3, "不是数字"),
        ("description: x\nvalues:\n  soon: {value: 1, source: a}\n", 3, "不是日期"),
        ("values:\n  2019-01-01: {value: 1, source: a}\n", 1, "description"),
        ("description: x\nunit: apples\nvalues:\n  2019-01-01: {value: 1, source: a}\n", 2, "unit"),
        ("description: x\n", 1, "values"),
        ("- just a list\n", 1, "映射"),
    ],
    ids=["bad YAML", "dates going backwards", "missing source", "non-numeric value", "infinite value",
         "a key that is not a date", "missing description", "unknown unit", "missing values", "not a mapping"],
)
def test_the_checker_reports_path_line_and_what_is_wrong(tmp_path, body, line, words):
    path = write(tmp_path, "broken.rate", body)
    problems = check_parameters(tmp_path)
    assert problems, body
    assert problems[0].startswith(f"{path}:{line}: ")
    assert words in problems[0]


def test_a_null_value_with_a_source_is_valid(tmp_path):
    write(tmp_path, "ok", "description: x\nvalues:\n  2019-01-01: {value: 1, source: a}\n"
                          "  2020-01-01: {value: null, source: ended}\n")
    assert check_parameters(tmp_path) == []


def test_loading_a_broken_folder_raises_with_the_problems(tmp_path):
    write(tmp_path, "broken", "description: x\nvalues:\n  2019-01-01: {value: 1}\n")
    with pytest.raises(ParameterError, match="source"):
        load(tmp_path)


def _code_numbers() -> set[Decimal]:
    found: set[Decimal] = set()
    for path in CALCULATORS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float):
                found.add(Decimal(str(node.value)))
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                with contextlib.suppress(ArithmeticError):
                    found.add(Decimal(node.value))
    return found


def test_no_policy_figure_is_written_in_python():
    # Small whole numbers are also counts and conventions (12 months, 30 days), 0.01 is a cent and 0.5
    # is half (半年 = 0.5 years);
    # every other figure of a parameter file (rates, wages, payout months) must not appear in code.
    figures: set[Decimal] = set()
    for s in load().values():
        for line in s.values:
            rows = line.value.values() if isinstance(line.value, dict) else [line.value]
            figures |= {Decimal(str(v)) for v in rows if v is not None}
    distinctive = {f for f in figures if f != f.to_integral_value() or f > 100} - {Decimal("0.01"), Decimal("0.5")}
    assert distinctive & _code_numbers() == set()


# -- scales: a family of values is one parameter -----------------------------------------------

SCALE = "description: x\nunit: month\nscale: {key: years, kind: threshold}\nvalues:\n  2011-07-01:\n"


def test_a_family_of_values_is_one_file_not_a_file_per_key():
    names = {p.stem for p in FOLDER.glob("*.yaml")}
    assert {"pension.payout_months", "unemployment.max_months", "work_injury.class_rate",
            "medical.required_years"} <= names
    assert not [n for n in names if n.rsplit(".", 1)[-1].isdigit() or n.endswith((".male", ".female"))]


def test_the_payout_table_covers_every_retirement_age_from_40_to_70():
    table = parameters.scale_at("pension.payout_months", dt.date(2026, 1, 1))
    assert list(table) == list(range(40, 71))
    assert list(table.values()) == sorted(table.values(), reverse=True)  # later retirement, fewer months


def test_a_threshold_scale_takes_the_row_reached():
    p = value_at("unemployment.max_months", dt.date(2020, 1, 1), key=Decimal("9.9"))
    assert (p.key, p.value) == (5, 18)
    assert p.full_name == "unemployment.max_months.5"
    with pytest.raises(ParameterError, match="1"):
        value_at("unemployment.max_months", dt.date(2020, 1, 1), key=Decimal("0.5"))


def test_an_exact_scale_refuses_a_key_it_does_not_hold():
    with pytest.raises(ParameterError, match="71"):
        value_at("pension.payout_months", dt.date(2020, 1, 1), key=71)


def test_a_scale_must_be_asked_for_one_row():
    with pytest.raises(ParameterError, match="age"):
        value_at("pension.payout_months", dt.date(2020, 1, 1))


def test_reference_and_note_are_separate_fields_and_the_json_keeps_both():
    p = value_at("average_wage.qinghai", dt.date(2018, 12, 31))
    assert p.source == "调研报告（西宁市总工会，2019）"
    assert "5683" in p.note
    assert p.to_json()["note"] == p.note


def test_an_older_source_field_is_read_as_the_reference(tmp_path):
    write(tmp_path, "old", "description: x\nvalues:\n  2019-01-01: {value: 1, source: 文件甲：说明}\n")
    assert check_parameters(tmp_path) == []
    assert value_at("old", dt.date(2020, 1, 1), folder=tmp_path).cite == "文件甲"


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (SCALE + "    reference: a\n    scale: {1: 12, 5: x}\n", 7, "不是数字"),
        (SCALE + "    reference: a\n    scale: {5: 12, 1: 18}\n", 7, "从小到大"),
        (SCALE + "    reference: a\n    value: 12\n", 5, "scale"),
        (SCALE + "    scale: {1: 12}\n", 5, "reference"),
        ("description: x\nscale: yes\nvalues:\n  2011-07-01: {value: 1, reference: a}\n", 2, "kind"),
        ("description: x\nvalues:\n  2011-07-01: {reference: a, scale: {1: 2}}\n", 3, "没有声明 scale"),
    ],
    ids=["a row that is not a number", "thresholds out of order", "a plain value in a scale",
         "a scale line without a reference", "a scale without its kind", "a table in a plain parameter"],
)
def test_the_checker_reports_broken_scales_with_path_and_line(tmp_path, body, line, words):
    path = write(tmp_path, "broken.scale", body)
    problems = check_parameters(tmp_path)
    assert problems, body
    assert problems[0].startswith(f"{path}:{line}: "), problems
    assert words in problems[0]

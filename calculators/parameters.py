"""Dated parameters: one YAML file per quantity under calculators/parameters/, OpenFisca style.

A file holds `description`, `unit` and `values`, a mapping from start date to
`{value, source}`. A value holds from its date until the next one; `value: null`
ends it. Staff add next year's figure by adding one dated line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).with_name("parameters")
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C loader when installed: as safe, faster
UNITS = {"rate", "currency", "month", "year"}
# A source cited in a reply: its first part (up to ：；。), without a note in brackets; a bracket that
# ends in a year or date names the document (调研报告（西宁市总工会，2019）) and stays.
_CITE_END = re.compile(r"[：:；;。]")
_NOTE = re.compile(r"（([^（）]*)）")
_NAMES_DOCUMENT = re.compile(r"\d{4}(-\d{2}-\d{2})?$")


def read_yaml(path: Path) -> Any:
    """A data file of the package (safe loading)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_LOADER)  # noqa: S506 - a safe loader


class ParameterError(Exception):
    """A parameter is unknown, or has no value on the date asked."""


class ParameterEnded(ParameterError):
    """The parameter was ended (`value: null`) before the date asked."""

    def __init__(self, name: str, since: dt.date, source: str):
        self.name, self.since, self.source = name, since, source
        super().__init__(f"参数 {name} 自 {since.isoformat()} 起不再使用（{source}）")


@dataclass(frozen=True)
class Param:
    """One value of a parameter, with the date it holds from and its source."""

    name: str
    value: Decimal | int
    start: dt.date
    source: str
    description: str = ""
    unit: str = ""

    @property
    def cite(self) -> str:
        return cite(self.source)

    def to_json(self) -> dict:
        value = self.value if isinstance(self.value, int) else float(self.value)
        return {"name": self.name, "value": value, "from": self.start.isoformat(), "source": self.source}


def cite(source: str) -> str:
    """The short name of a source for the reply's 依据 line: 国办发〔2019〕13号, 调研报告（西宁市总工会，2019）."""
    first = _CITE_END.split(source.strip(), maxsplit=1)[0].strip()
    short = _NOTE.sub(lambda m: m.group(0) if _NAMES_DOCUMENT.search(m.group(1).strip()) else "", first).strip()
    return short or first or source.strip()


@dataclass(frozen=True)
class Series:
    """All the dated values of one parameter, oldest first (value None = ended)."""

    name: str
    description: str
    unit: str
    values: tuple[tuple[dt.date, Decimal | int | None, str], ...]


class _Loader(yaml.SafeLoader):
    """Reads floats as Decimal so 0.005 stays 0.005."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node)
    try:
        return Decimal(str(text).replace("_", ""))
    except InvalidOperation:
        return str(text)  # .inf / .nan: reported by check_parameters


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _number(value: object) -> Decimal | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        return value
    return None


def _load_file(path: Path) -> Series:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    values = []
    for start, entry in data["values"].items():
        raw = entry.get("value")
        values.append((start, None if raw is None else _number(raw), str(entry.get("source") or "")))
    values.sort(key=lambda v: v[0])
    return Series(path.stem, str(data.get("description") or ""), str(data.get("unit") or ""), tuple(values))


@lru_cache(maxsize=8)
def load(folder: Path | str = FOLDER) -> dict[str, Series]:
    """Every parameter of the folder by name (the file name without .yaml); read once."""
    folder = Path(folder)
    problems = check_parameters(folder)
    if problems:
        raise ParameterError("参数文件有错误：\n" + "\n".join(problems))
    return {p.stem: _load_file(p) for p in sorted(folder.glob("*.yaml"))}


def names(prefix: str = "", folder: Path | str = FOLDER) -> list[str]:
    """Names of the parameters that start with prefix."""
    return sorted(n for n in load(folder) if n.startswith(prefix))


def value_at(name: str, on: dt.date, folder: Path | str = FOLDER) -> Param:
    """The value of a parameter on a date; a clear error before its first date or after it ended."""
    series = load(folder).get(name)
    if series is None:
        raise ParameterError(f"没有名为 {name} 的参数")
    first = series.values[0][0]
    if on < first:
        raise ParameterError(
            f"参数 {name}（{series.description}）最早从 {first.isoformat()} 起有数值，"
            f"{on.isoformat()} 没有资料"
        )
    start, value, source = [v for v in series.values if v[0] <= on][-1]
    if value is None:
        raise ParameterEnded(name, start, source)
    return Param(name, value, start, source, series.description, series.unit)


def check_parameters(folder: Path | str = FOLDER) -> list[str]:
    """Problems in the parameter files as `PATH:LINE: message` lines; empty when all is well."""
    problems: list[str] = []
    for path in sorted(Path(folder).glob("*.yaml")):
        problems.extend(f"{path}:{line}: {message}" for line, message in _check_file(path))
    return problems


def _check_file(path: Path) -> list[tuple[int, str]]:
    try:
        source = path.read_text(encoding="utf-8")
        node = yaml.compose(source, Loader=_Loader)  # noqa: S506
    except UnicodeDecodeError as err:
        return [(1, f"不是 UTF-8 文本：{err}")]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = min(mark.line + 1, max(len(source.splitlines()), 1)) if mark else 1
        return [(line, f"YAML 无法读取：{getattr(err, 'problem', err)}")]
    if not isinstance(node, yaml.MappingNode):
        return [(1, "文件应是一个映射，含 description、unit、values")]
    top = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    out: list[tuple[int, str]] = []
    if not _scalar_text(top.get("description")):
        out.append((1, "缺少 description"))
    unit = top.get("unit")
    if unit is not None and _scalar_text(unit) not in UNITS:
        out.append((unit.start_mark.line + 1, f"unit 应是 {'、'.join(sorted(UNITS))} 之一"))
    values = top.get("values")
    if not isinstance(values, yaml.MappingNode) or not values.value:
        return [*out, (1, "缺少 values（日期: {value, source}）")]
    previous: dt.date | None = None
    for key, entry in values.value:
        line = key.start_mark.line + 1
        start = _date(key)
        if start is None:
            out.append((line, f"{key.value!r} 不是日期（应写成 YYYY-MM-DD）"))
            continue
        if previous is not None and start <= previous:
            out.append((line, f"日期 {start} 不晚于上一行的 {previous}：日期应从早到晚排列"))
        previous = start
        out.extend(_check_entry(entry, line))
    return out


def _check_entry(entry: yaml.Node, line: int) -> list[tuple[int, str]]:
    if not isinstance(entry, yaml.MappingNode):
        return [(line, "每个日期下应写 {value: 数值, source: 来源}")]
    fields = {k.value: v for k, v in entry.value if isinstance(k, yaml.ScalarNode)}
    out = []
    if not _scalar_text(fields.get("source")):
        out.append((line, "缺少 source（这个数字的出处）"))
    value = fields.get("value")
    if value is None:
        out.append((line, "缺少 value（数值，或 null 表示停止使用）"))
    elif not (isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")):
        constructed = _construct(value)
        if _number(constructed) is None:
            out.append((line, f"value {getattr(value, 'value', '')!r} 不是数字"))
    return out


def _construct(node: yaml.Node) -> object:
    try:
        return _Loader("").construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError):
        return None


def _date(node: yaml.Node) -> dt.date | None:
    value = _construct(node)
    if isinstance(value, dt.datetime):
        return None
    return value if isinstance(value, dt.date) else None


def _scalar_text(node: yaml.Node | None) -> str:
    if isinstance(node, yaml.ScalarNode) and not node.tag.endswith(":null"):
        return str(node.value).strip()
    return ""

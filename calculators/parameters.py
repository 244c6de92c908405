"""Dated parameters: one YAML file per quantity under calculators/parameters/, OpenFisca style.

A file holds `description`, `unit` and `values`, a mapping from start date to
`{value, reference, note}`. A value holds from its date until the next one; `value: null`
ends it. Staff add next year's figure by adding one dated line. `reference` names the
document the figure comes from (cited in replies), `note` says anything more; `source` is
read as the older name of `reference`.

A family of values (payout months by retirement age, benefit months by years paid, rates by
industry class) is one parameter with a scale: the file says `scale: {key: age, kind: exact}`
(or `kind: threshold`: a row holds from its key up to the next one) and each dated line holds
`scale: {40: 233, 41: 230, …}` instead of `value`.
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
SCALE_KINDS = {"exact", "threshold"}
# A source cited in a reply: its first part (up to ：；。), without a note in brackets; a bracket that
# ends in a year or date names the document (调研报告（西宁市总工会，2019）) and stays.
_CITE_END = re.compile(r"[：:；;。]")
_NOTE = re.compile(r"（([^（）]*)）")
_NAMES_DOCUMENT = re.compile(r"\d{4}(-\d{2}-\d{2})?$")

Number = Decimal | int
Key = Decimal | int | str


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
    """One value of a parameter (one row of a scale), with the date it holds from and its reference."""

    name: str
    value: Number
    start: dt.date
    source: str  # the reference
    description: str = ""
    unit: str = ""
    note: str = ""
    key: Key | None = None  # the scale row used (age 60, class 5, from 5 years), None for a plain value

    @property
    def cite(self) -> str:
        return cite(self.source)

    @property
    def full_name(self) -> str:
        """pension.payout_months.60 for a scale row, the name itself for a plain value."""
        return self.name if self.key is None else f"{self.name}.{_key_text(self.key)}"

    def to_json(self) -> dict:
        value = self.value if isinstance(self.value, int) else float(self.value)
        out: dict[str, Any] = {"name": self.full_name, "value": value, "from": self.start.isoformat(),
                               "source": self.source}
        if self.key is not None:
            out["scale"], out["key"] = self.name, _jsonable_key(self.key)
        if self.note:
            out["note"] = self.note
        return out


def _key_text(key: Key) -> str:
    return f"{key.normalize():f}" if isinstance(key, Decimal) else str(key)


def _jsonable_key(key: Key) -> int | float | str:
    return float(key) if isinstance(key, Decimal) else key


def cite(source: str) -> str:
    """The short name of a source for the reply's 依据 line: 国办发〔2019〕13号, 调研报告（西宁市总工会，2019）."""
    first = _CITE_END.split(source.strip(), maxsplit=1)[0].strip()
    short = _NOTE.sub(lambda m: m.group(0) if _NAMES_DOCUMENT.search(m.group(1).strip()) else "", first).strip()
    return short or first or source.strip()


@dataclass(frozen=True)
class Value:
    """One dated line: a number (or a scale of numbers by key), None when ended, with its reference."""

    start: dt.date
    value: Number | dict[Key, Number] | None
    reference: str
    note: str = ""


@dataclass(frozen=True)
class Series:
    """All the dated values of one parameter, oldest first."""

    name: str
    description: str
    unit: str
    values: tuple[Value, ...]
    scale_key: str = ""  # what a scale is keyed by (age, years, class); "" for a plain value
    scale_kind: str = ""  # exact | threshold

    @property
    def is_scale(self) -> bool:
        return bool(self.scale_kind)


class _Loader(yaml.SafeLoader):
    """Reads floats as Decimal so 0.005 stays 0.005."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node)
    try:
        return Decimal(str(text).replace("_", ""))
    except InvalidOperation:
        return str(text)  # .inf / .nan: reported by check_parameters


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _number(value: object) -> Number | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        return value
    return None


def _scale_key(value: object) -> Key | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return _number(value)


def _load_file(path: Path) -> Series:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    scale = data.get("scale") or {}
    values = []
    for start, entry in data["values"].items():
        reference = str(entry.get("reference") or entry.get("source") or "").strip()
        note = str(entry.get("note") or "").strip()
        if "scale" in entry:
            rows = {_scale_key(k): _number(v) for k, v in (entry["scale"] or {}).items()}
            value: Number | dict | None = dict(sorted(rows.items(), key=lambda kv: _sort_key(kv[0])))
        else:
            raw = entry.get("value")
            value = None if raw is None else _number(raw)
        values.append(Value(start, value, reference, note))
    values.sort(key=lambda v: v.start)
    return Series(path.stem, str(data.get("description") or ""), str(data.get("unit") or ""), tuple(values),
                  str(scale.get("key") or ""), str(scale.get("kind") or ""))


def _sort_key(key: Key) -> tuple[int, Decimal | str]:
    return (1, key) if isinstance(key, str) else (0, Decimal(key))


@lru_cache(maxsize=8)
def load(folder: Path | str = FOLDER) -> dict[str, Series]:
    """Every parameter of the folder by name (the file name without .yaml); read once."""
    folder = Path(folder)
    problems = check_parameters(folder)
    if problems:
        raise ParameterError("参数文件有错误：\n" + "\n".join(problems))
    return {p.stem: _load_file(p) for p in sorted(folder.glob("*.yaml"))}


def series(name: str, folder: Path | str = FOLDER) -> Series:
    """The whole history of one parameter; a clear error for an unknown name."""
    found = load(folder).get(name)
    if found is None:
        raise ParameterError(f"没有名为 {name} 的参数")
    return found


def _line_at(s: Series, on: dt.date) -> Value:
    first = s.values[0].start
    if on < first:
        raise ParameterError(f"参数 {s.name}（{s.description}）最早从 {first.isoformat()} 起有数值，"
                             f"{on.isoformat()} 没有资料")
    line = [v for v in s.values if v.start <= on][-1]
    if line.value is None:
        raise ParameterEnded(s.name, line.start, line.reference)
    return line


def value_at(name: str, on: dt.date, folder: Path | str = FOLDER, key: Key | None = None) -> Param:
    """The value of a parameter on a date (for a scale, the row of `key`); a clear error before its
    first date, after it ended, or for a key the scale does not hold."""
    s = series(name, folder)
    if s.is_scale and key is None:
        raise ParameterError(f"参数 {name} 是按{s.scale_key or '键'}分档的表，要说明取哪一档")
    if not s.is_scale and key is not None:
        raise ParameterError(f"参数 {name} 不分档")
    line = _line_at(s, on)
    if not s.is_scale:
        return Param(name, line.value, line.start, line.reference, s.description, s.unit, line.note)  # type: ignore[arg-type]
    row = _row(s, line.value, key)  # type: ignore[arg-type]
    return Param(name, line.value[row], line.start, line.reference, s.description, s.unit, line.note, row)  # type: ignore[index]


def scale_at(name: str, on: dt.date, folder: Path | str = FOLDER) -> dict[Key, Number]:
    """The whole table of a scale parameter on a date, keys in order."""
    s = series(name, folder)
    if not s.is_scale:
        raise ParameterError(f"参数 {name} 不分档")
    return dict(_line_at(s, on).value)  # type: ignore[arg-type]


def _row(s: Series, table: dict[Key, Number], key: Key) -> Key:
    if s.scale_kind == "exact":
        for k in table:
            if k == key or (not isinstance(k, str) and not isinstance(key, str) and Decimal(k) == Decimal(key)):
                return k
        raise ParameterError(f"参数 {s.name}（{s.description}）没有 {key} 这一档")
    if isinstance(key, str):
        raise ParameterError(f"参数 {s.name} 按数值分档，{key!r} 不是数值")
    reached = [k for k in table if not isinstance(k, str) and Decimal(k) <= Decimal(key)]
    if not reached:
        raise ParameterError(f"参数 {s.name}（{s.description}）从 {_key_text(next(iter(table)))} 起才有数值")
    return reached[-1]


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
    scale_kind = ""
    scale = top.get("scale")
    if scale is not None:
        fields = {k.value: v for k, v in scale.value if isinstance(k, yaml.ScalarNode)} \
            if isinstance(scale, yaml.MappingNode) else {}
        scale_kind = _scalar_text(fields.get("kind"))
        if scale_kind not in SCALE_KINDS:
            out.append((scale.start_mark.line + 1, "scale 应写成 {key: 按什么分档, kind: exact 或 threshold}"))
            scale_kind = "exact"
    values = top.get("values")
    if not isinstance(values, yaml.MappingNode) or not values.value:
        return [*out, (1, "缺少 values（日期: {value, reference}）")]
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
        out.extend(_check_entry(entry, line, scale_kind))
    return out


def _check_entry(entry: yaml.Node, line: int, scale_kind: str) -> list[tuple[int, str]]:
    if not isinstance(entry, yaml.MappingNode):
        return [(line, "每个日期下应写 {value: 数值, reference: 出处}")]
    fields = {k.value: v for k, v in entry.value if isinstance(k, yaml.ScalarNode)}
    out = []
    if not (_scalar_text(fields.get("reference")) or _scalar_text(fields.get("source"))):
        out.append((line, "缺少 reference（这个数字的出处；旧写法 source 也可以）"))
    value, scale = fields.get("value"), fields.get("scale")
    if scale_kind and value is not None and not _is_null(value):
        out.append((line, "这是分档的参数：数值写在 scale: {档: 数值} 里，不写 value"))
    elif scale_kind and scale is None and value is None:
        out.append((line, "缺少 scale（档: 数值），或 value: null 表示停止使用"))
    elif scale_kind and scale is not None:
        out.extend(_check_scale(scale, scale_kind))
    elif not scale_kind and scale is not None:
        out.append((line, "这个参数没有声明 scale，不能写 scale 表"))
    elif value is None:
        out.append((line, "缺少 value（数值，或 null 表示停止使用）"))
    elif not _is_null(value) and _number(_construct(value)) is None:
        out.append((line, f"value {getattr(value, 'value', '')!r} 不是数字"))
    return out


def _check_scale(scale: yaml.Node, kind: str) -> list[tuple[int, str]]:
    if not isinstance(scale, yaml.MappingNode) or not scale.value:
        return [(scale.start_mark.line + 1, "scale 应是 {档: 数值} 的映射")]
    out = []
    previous: Decimal | None = None
    for k, v in scale.value:
        line = k.start_mark.line + 1
        key = _scale_key(_construct(k))
        if key is None or (kind == "threshold" and isinstance(key, str)):
            out.append((line, f"档 {k.value!r} 应是数值"))
        elif kind == "threshold":
            if previous is not None and Decimal(key) <= previous:
                out.append((line, f"档 {k.value} 不大于上一档 {previous}：分档应从小到大排列"))
            previous = Decimal(key)
        if _number(_construct(v)) is None:
            out.append((line, f"档 {k.value} 的数值 {getattr(v, 'value', '')!r} 不是数字"))
    return out


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


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

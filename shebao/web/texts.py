"""The web chat's sentences (shebao/web/texts.yaml)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def texts() -> dict[str, Any]:
    return yaml.safe_load(resources.files("shebao.web").joinpath("texts.yaml").read_text(encoding="utf-8"))


def text(key: str, **values: Any) -> str:
    """The text KEY ("errors.missing" for nested ones) with VALUES filled in."""
    node: Any = texts()
    for part in key.split("."):
        node = node[part]
    return str(node).format(**values) if values else str(node)

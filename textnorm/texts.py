"""The loader of every package's user-facing sentences (`texts.yaml`): read once, looked up by dotted key.

Sentences live in data files so staff can reword them without touching code; each package keeps its
own file (`shebao/texts.yaml`, `bot/texts.yaml`, `calculators/texts.yaml`, `shebao/staff/texts.yaml`),
all read here.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class Texts:
    """The sentences of one YAML file: NAME shipped inside the package PACKAGE, or the file a callable
    names when it is read (a folder that may be changed, as tests do)."""

    def __init__(self, package: str | Callable[[], Path], name: str = "texts.yaml", *, strip: bool = True):
        self.package = package
        self.name = name
        self.strip = strip
        self._data: Any = None

    def all(self) -> Any:
        """The whole file (read on first use)."""
        if self._data is None:
            if callable(self.package):
                source = Path(self.package()).read_text(encoding="utf-8")
            else:
                source = resources.files(self.package).joinpath(self.name).read_text(encoding="utf-8")
            self._data = yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return self._data

    def node(self, key: str) -> Any:
        """The raw node KEY ("buttons.useful" for a nested one): a sentence, a list or a mapping."""
        node = self.all()
        for part in key.split("."):
            node = node[part]
        return node

    def text(self, key: str, **values: Any) -> Any:
        """The sentence KEY with VALUES filled in ({placeholders}); a list or mapping comes as it is."""
        node = self.node(key)
        if isinstance(node, list | dict):
            return node
        sentence = str(node)
        if self.strip:
            sentence = sentence.strip()
        return sentence.format(**values) if values else sentence

    def reload(self) -> None:
        """Read the file again on next use (staff edited it)."""
        self._data = None

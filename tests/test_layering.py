"""The packages keep the layers the design promises: text below both, knowledge and calculators apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> the project packages it must never import
FORBIDDEN = {
    "textnorm": {"knowledge", "calculators", "bot", "shebao"},
    "knowledge": {"calculators", "bot", "shebao"},
    "calculators": {"knowledge", "bot", "shebao"},
}


def imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in PATH, wherever it sits (inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def violations(package: str) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{line}: imports {name}"
            for path in sorted((ROOT / package).rglob("*.py"))
            for line, name in imported_packages(path) if name in FORBIDDEN[package]]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_none_of_the_packages_above_or_beside_it(package):
    assert (ROOT / package).is_dir()
    assert violations(package) == []


def test_the_walk_sees_an_import_hidden_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from knowledge.matcher import Index\n    import bot.app\n", encoding="utf-8")
    assert imported_packages(module) == [(2, "knowledge"), (3, "bot")]

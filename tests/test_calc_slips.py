"""The router rewrites slips with the project's one slip list, the lexicon's synonyms.yaml, read as
data: no copy of its own, no slip applied where the context contradicts it, no import of `knowledge`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from calculators import router
from calculators.dialog import detect

CALCULATORS = Path(router.__file__).parent


@pytest.fixture
def lexicon(tmp_path):
    yield tmp_path
    router.use_lexicon(None)


def test_a_slip_added_to_the_lexicon_reaches_the_router(lexicon):
    assert detect("工资5000，涉宝宝每月交多少") is None
    (lexicon / "synonyms.yaml").write_text("社保: [涉宝宝]\n", encoding="utf-8")
    router.use_lexicon(lexicon)
    state = detect("工资5000，涉宝宝每月交多少")
    assert state is not None and state.name == "contribution"


def test_without_the_lexicon_the_slip_is_not_known(lexicon):
    (lexicon / "synonyms.yaml").write_text("医保: [医宝]\n", encoding="utf-8")
    router.use_lexicon(lexicon)
    assert detect("工资6000，工上保险一年交多少钱").name != "work_injury_premium"  # only the shipped lexicon has 工上保险
    router.use_lexicon(None)
    assert detect("工资6000，工上保险一年交多少钱").name == "work_injury_premium"


def test_the_router_keeps_no_slip_list_of_its_own():
    rewrite = yaml.safe_load((CALCULATORS / "router.yaml").read_text(encoding="utf-8"))["rewrite"]
    shipped = yaml.safe_load((router.LEXICON / "synonyms.yaml").read_text(encoding="utf-8"))
    variants = {str(v) for vs in shipped.values() for v in (vs if isinstance(vs, list) else [vs])}
    for pattern in rewrite:
        for variant in variants:
            assert variant not in pattern.split("|"), f"router.yaml repeats the lexicon's slip {variant}"
    assert not any("工上" in pattern for pattern in rewrite)


@pytest.mark.parametrize(("question", "name"), [
    ("员工上班工资5000，每月社保交多少", "contribution"),
    ("我们员工上班工资4500，单位社保每月交多少", "contribution"),
    ("工资6000，工上保险一年交多少钱", "work_injury_premium"),
])
def test_a_slip_applies_only_where_its_context_says_so(question, name):
    state = detect(question)
    assert state is not None and state.name == name


def test_calculators_do_not_import_knowledge():
    for path in CALCULATORS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            assert not any(n == "knowledge" or n.startswith("knowledge.") for n in names), path

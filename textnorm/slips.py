"""Slip lists: typos, pinyin and dialect words rewritten to the standard word, read from YAML data.

Two shapes, one reader each: the word list of `knowledge/lexicon/synonyms.yaml` (canonical word ->
its variants; the matcher and the calculators' router both rewrite with it, `synonym_rewriter`) and
the router's ordered regular expressions (`router.yaml` `rewrite:`, `read_slips`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping


class SlipListError(ValueError):
    """A slip list entry that is not a valid regular expression."""


def read_slips(mapping: Mapping[str, object] | None) -> list[tuple[re.Pattern, str]]:
    """The (pattern, replacement) pairs of a YAML mapping, in order; raises SlipListError on a bad pattern."""
    out = []
    for pattern, to in (mapping or {}).items():
        try:
            out.append((re.compile(str(pattern)), str(to)))
        except re.error as exc:
            raise SlipListError(f"{pattern!r}: not a regular expression ({exc})") from exc
    return out


def apply_slips(slips: list[tuple[re.Pattern, str]], text: str) -> str:
    """TEXT with every slip rewritten, in list order."""
    for pattern, to in slips:
        text = pattern.sub(to, text)
    return text


def synonym_table(data: object) -> dict[str, str]:
    """variant -> canonical word of a synonyms.yaml mapping (canonical: [variants]); the first listing of
    a variant wins. The lexicon's loader also reports each problem with its line; this only reads."""
    table: dict[str, str] = {}
    for canonical, variants in data.items() if isinstance(data, dict) else ():
        for variant in [variants] if isinstance(variants, str) else variants if isinstance(variants, list) else []:
            variant = str(variant).strip().lower()
            if variant and variant != str(canonical):
                table.setdefault(variant, str(canonical))
    return table


def synonym_rewriter(table: Mapping[str, str]) -> Callable[[str], str]:
    """Rewrite every variant of TABLE to its canonical word, longest variant first; a canonical word is
    left alone, so a variant inside one (骑手 in 外卖骑手) is not rewritten again."""
    if not table:
        return lambda text: text
    full = dict(table)
    for canonical in set(table.values()):
        full.setdefault(canonical, canonical)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(full, key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: full[m.group()], text)

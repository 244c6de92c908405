"""Slip lists: typos, pinyin and dialect words rewritten to the standard word, read from YAML data.

A slip list maps a regular expression (or a plain variant) to its replacement, applied in the order
written. The calculators' router reads its `rewrite:` list with this; the FAQ's synonyms
(`knowledge/lexicon/synonyms.yaml`) are plain words and stay with the lexicon that owns them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping


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

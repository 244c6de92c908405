"""The index's arrays, built with numpy from every phrasing's feature counts at once.

The phrasings' feature counts are numbered where they are read (`numbered`; in parts read side by
side, `joined` after) into a flat list of (phrasing, feature, count) in phrasing order; every array the
matcher reads (BM25 and plain-weight postings per feature, which entries hold a feature, each
phrasing's feature mass, each entry's defining words) is computed from it without a Python loop per
feature. Arithmetic is done in the same order and precision as the loop it replaces, so the index
is the same to the last bit (bench/same_results.py checks the results).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from knowledge.features import WEIGHTS


@dataclass
class Counts:
    """Phrasings' feature counts with the features numbered in the order they are first seen."""

    keys: list[str]  # the features, by number
    rows: np.ndarray  # every phrasing's feature numbers, phrasing after phrasing
    tf: np.ndarray  # ... and how often each is in its phrasing
    sizes: np.ndarray  # how many features each phrasing has


@dataclass
class Postings:
    """What `build` computes; names as the matcher's attributes."""

    vocab: dict[str, int]
    feat_weight: dict[int, float]  # a feature's plain weight, by its number in the vocabulary
    weight_of: np.ndarray  # the same as an array
    is_word: np.ndarray  # per feature number: a word (w:), not a character, pair or pinyin
    post_docs: np.ndarray
    post_bm25: np.ndarray
    post_start: np.ndarray
    ent_rows: np.ndarray
    ent_ids: np.ndarray
    ent_start: np.ndarray
    doc_mass: np.ndarray
    doc_word_mass: np.ndarray
    flat_rows: np.ndarray  # every phrasing's feature numbers, phrasing after phrasing
    doc_start: np.ndarray  # where each phrasing's run starts in flat_rows


def idf_of(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def numbered(doc_feats: list[Counter]) -> Counts:
    """DOC_FEATS (one Counter per phrasing) as numbered counts."""
    flat = [f for feats in doc_feats for f in feats]
    ids = {f: i for i, f in enumerate(dict.fromkeys(flat))}
    return Counts(
        keys=list(ids),
        rows=np.fromiter(map(ids.__getitem__, flat), dtype=np.int64, count=len(flat)),
        tf=np.fromiter(chain.from_iterable(map(Counter.values, doc_feats)), dtype=np.float64, count=len(flat)),
        sizes=np.fromiter(map(len, doc_feats), dtype=np.int64, count=len(doc_feats)),
    )


def joined(parts: Sequence[Counts]) -> tuple[dict[str, int], Counts]:
    """One vocabulary for PARTS, their phrasings one part after the other, numbered as one pass over them
    all would number them (each feature by where it is first seen)."""
    vocab: dict[str, int] = {}
    rows = []
    for part in parts:
        # len(vocab) is read before setdefault adds the feature: a new feature gets the next number
        ids = np.fromiter((vocab.setdefault(k, len(vocab)) for k in part.keys), dtype=np.int64, count=len(part.keys))
        rows.append(ids[part.rows])
    empty = np.zeros(0, dtype=np.int64)
    return vocab, Counts(
        keys=list(vocab),
        rows=np.concatenate([empty, *rows]),
        tf=np.concatenate([np.zeros(0), *(p.tf for p in parts)]),
        sizes=np.concatenate([empty, *(p.sizes for p in parts)]),
    )


def build(vocab: dict[str, int], counts: Counts, doc_entry: list[int], n_entries: int, k1: float,
          b: float) -> Postings:
    """The arrays of an index over the phrasings of COUNTS (numbered by VOCAB), DOC_ENTRY their entry
    numbers."""
    n_docs = len(counts.sizes)
    rows, tf = counts.rows, counts.tf
    df = np.bincount(rows, minlength=len(vocab))  # phrasings holding each feature
    weights = [WEIGHTS[f[0]] * idf_of(n_docs, n) for f, n in zip(vocab, df.tolist(), strict=True)]
    feat_weight = dict(enumerate(weights))
    fw = np.array(weights, dtype=np.float64)

    doc_start = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(counts.sizes, out=doc_start[1:])
    docs = np.repeat(np.arange(n_docs, dtype=np.int64), counts.sizes)

    lengths = np.bincount(docs, weights=tf, minlength=n_docs)  # whole numbers: sums without rounding
    avg = (float(lengths.sum()) / n_docs) if n_docs else 1.0
    norm = k1 * (1 - b + b * lengths / avg)
    w = fw[rows]
    bm25 = w * tf * (k1 + 1) / (tf + norm[docs])
    # float32 sums in phrasing order, as `mass[d] += w` did
    mass = np.zeros(n_docs, dtype=np.float32)
    np.add.at(mass, docs, w.astype(np.float32))
    is_word = np.fromiter((f.startswith("w:") for f in vocab), dtype=bool, count=len(vocab))
    word_mass = np.zeros(n_docs, dtype=np.float32)
    words_at = is_word[rows]
    np.add.at(word_mass, docs[words_at], w[words_at].astype(np.float32))

    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    # which entries hold a feature in any of their phrasings, by (feature, entry)
    entry_of = np.asarray(doc_entry, dtype=np.int64)
    pair = _sorted_unique(rows * max(1, n_entries) + entry_of[docs])
    ent_rows = pair // max(1, n_entries)
    return Postings(
        vocab=vocab, feat_weight=feat_weight, weight_of=fw, is_word=is_word,
        post_docs=docs[order].astype(np.int32), post_bm25=bm25[order],
        post_start=np.searchsorted(sorted_rows, np.arange(len(vocab) + 1)),
        ent_rows=ent_rows, ent_ids=(pair % max(1, n_entries)).astype(np.int32),
        ent_start=np.searchsorted(ent_rows, np.arange(len(vocab) + 1)),
        doc_mass=np.maximum(mass, 1e-6), doc_word_mass=np.maximum(word_mass, 1e-6),
        flat_rows=rows, doc_start=doc_start,
    )


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique(VALUES) by sorting: numpy 2's np.unique hashes first, a hundred times slower on these."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def defining_words(p: Postings, doc_entry: list[int], n_entries: int, cjk_word: np.ndarray,
                   min_docs: int, must_share: float) -> tuple[list[dict[int, float]], list[set[int]]]:
    """Per entry, its defining words (in a third of its phrasings or more, it having MIN_DOCS or more,
    and mostly in none other's) with their weights, in the order they first appear; and its must-have
    words (in MUST_SHARE of its phrasings and nearly none other's). CJK_WORD: per feature number,
    whether it is a word with a CJK character."""
    out: list[dict[int, float]] = [{} for _ in range(n_entries)]
    must: list[set[int]] = [set() for _ in range(n_entries)]
    n_docs = len(doc_entry)
    if not n_docs:
        return out, must
    entry_of = np.asarray(doc_entry, dtype=np.int64)
    size = np.bincount(entry_of, minlength=n_entries)
    counts = np.diff(p.doc_start)
    docs = np.repeat(np.arange(n_docs, dtype=np.int64), counts)
    keep = cjk_word[p.flat_rows]
    rows, ents = p.flat_rows[keep], entry_of[docs[keep]]
    n_vocab = len(p.vocab)
    docs_with = np.bincount(rows, minlength=n_vocab)  # phrasings holding the word (once each)
    keys, first, n = np.unique(ents * n_vocab + rows, return_index=True, return_counts=True)
    by_first = np.argsort(first, kind="stable")
    keys, n = keys[by_first], n[by_first]
    e, f = keys // n_vocab, keys % n_vocab
    s, held = size[e], docs_with[f]
    chosen = (s >= min_docs) & (n >= s / 3) & (n >= 0.6 * held)
    musts = chosen & (n >= must_share * s) & (n >= 0.8 * held)
    for ei, fi, mi in zip(e[chosen].tolist(), f[chosen].tolist(), musts[chosen].tolist(), strict=True):
        out[ei][fi] = p.feat_weight[fi]
        if mi:
            must[ei].add(fi)
    return out, must

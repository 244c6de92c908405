"""Labelled matcher features for fitting and checking the confidence model (bench/train_confidence.py).

Every row is one question matched by the real matcher: the features of its best candidate, whether that
entry is right, where the question came from and its cross-validation fold. Sources, all read at run
time and never copied into the package:

- faq_loo:   every phrasing of the shipped FAQ, matched with itself left out of the index;
- workers:   tests/data/worker_questions*.yaml (calculator lines left out: they never reach the FAQ);
- real:      ../shared/eval/real_dev.yaml, used by cross-validation only;
- dreal:     real legal-consultation questions of DIAC2019 (social insurance, work injury, labour) labelled
             with the entry that answers them, or none (bench/data/diac2019_labels.yaml holds the group
             numbers and labels; the texts are read from ../shared/data); a group's paraphrases share a fold;
- absent:    the shipped FAQ with one entry left out whole, asked some of that entry's phrasings (a topic
             the FAQ lacks, in the FAQ's own words: never right);
- offtopic:  general-domain questions from LCQMC, AFQMC and OPPO-xiaobu (never right: nothing to answer);
- diac:      DIAC2019 groups the DIAC benchmark does not sample, as an FAQ; one paraphrase per group held
             out (right when it finds its group) and questions of groups left out of that FAQ (never right).
"""

from __future__ import annotations

import random
import sys
import tempfile
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))

REAL = SHARED / "eval" / "real_dev.yaml"
DIAC_DATA = SHARED / "data" / "diac2019" / "train_set.xml"
DIAC_LABELS = ROOT / "bench" / "data" / "diac2019_labels.yaml"
WORKERS = sorted((ROOT / "tests" / "data").glob("worker_questions*.yaml"))
GENERAL = [SHARED / "data" / "lcqmc" / "test.txt", SHARED / "data" / "afqmc" / "dev.txt",
           SHARED / "data" / "oppo-xiaobu" / "dev.txt"]
# general-domain questions that touch the project's own subject are not clean negatives
_OURS = ("社保", "保险", "养老", "医保", "工伤", "失业", "生育", "公积金", "退休", "工资", "劳动", "社会保障")
FOLDS = 5


@dataclass
class Row:
    source: str
    text: str
    fold: int
    right: bool
    features: dict[str, float]
    gate: bool  # the matcher's own gates (subject words present, a question asked) let it answer


def fold_of(text: str, folds: int = FOLDS) -> int:
    return zlib.crc32(text.encode("utf-8")) % folds


def expected(case: dict) -> list[str]:
    want = case["expect"]
    return [str(w) for w in (want if isinstance(want, list) else [want])]


def faq_ids(case: dict) -> set[str]:
    return {w for w in expected(case) if not w.startswith("calc:") and w != "none"}


def labelled(path: Path) -> list[dict]:
    return [c for c in yaml.safe_load(path.read_text(encoding="utf-8")) if c.get("q") is not None]


@cache
def diac_labelled(labels: Path = DIAC_LABELS, data: Path = DIAC_DATA) -> list[dict]:
    """DIAC2019's labelled questions as cases ({"q", "expect", "fold"}): a group's equivalent questions
    share its label and fold; each of its "not equivalent" questions has a label of its own. A label
    whose text no longer has the checksum it was labelled with is an error (the data file changed).
    Read once a process (training collects its rows several times); callers do not change the list."""
    import xml.etree.ElementTree as ET

    if not labels.is_file() or not data.is_file():
        return []
    groups = {}
    for g in ET.parse(data).getroot().iter("Questions"):
        eq = [e.text.strip() for e in g.find("EquivalenceQuestions").iter("question") if e.text and e.text.strip()]
        ne = [e.text.strip() for e in g.find("NotEquivalenceQuestions").iter("question") if e.text and e.text.strip()]
        groups[int(g.get("number"))] = (eq, ne)
    cases = []
    for item in yaml.safe_load(labels.read_text(encoding="utf-8")):
        group, _, other = str(item["id"]).lstrip("g").partition(".n")
        eq, ne = groups[int(group)]
        texts = [ne[int(other)]] if other else eq
        if zlib.crc32("\n".join(texts).encode("utf-8")) != int(item["crc"], 16):
            raise ValueError(f"{labels}: {item['id']}: the question text in {data} changed since it was labelled")
        for text in dict.fromkeys(texts):
            cases.append({"q": text, "expect": item["expect"], "fold": fold_of(f"diac:{group}")})
    return cases


def _row(source: str, text: str, result, right_ids: set[str] | None = None, own: str | None = None,
         fold: int | None = None) -> Row | None:
    best = result.best
    if best is None:
        return None
    right = best.entry.id == own if own is not None else best.entry.id in (right_ids or set())
    return Row(source, text, fold_of(text) if fold is None else fold, right, dict(best.features),
               result.in_domain and result.asks)


def faq_rows(index) -> list[Row]:
    rows = []
    for d, text in enumerate(index.doc_phrasing):
        row = _row("faq_loo", text, index.match(text, exclude=d), own=index.entries[index.doc_entry[d]].id)
        if row:
            rows.append(row)
    return rows


def absent_rows(index, per_entry: int = 12) -> list[Row]:
    """Questions on a topic the FAQ lacks: each entry left out whole in turn and some of its phrasings
    asked (never right: their entry is not there; a neighbour that happens to answer them well counts
    against the model too, so their target is loose)."""
    rows = []
    for e in range(len(index.entries)):
        docs = index.entry_docs[e].tolist()
        for d in docs[:: max(1, len(docs) // per_entry)][:per_entry]:
            text = index.doc_phrasing[d]
            if row := _row("absent", text, index.match(text, absent=e), set()):
                rows.append(row)
    return rows


def case_rows(index, source: str, paths: list[Path]) -> list[Row]:
    return labelled_rows(index, source, [c for p in paths if p.is_file() for c in labelled(p)])


def labelled_rows(index, source: str, cases: list[dict]) -> list[Row]:
    rows = []
    for case in cases:
        want = expected(case)
        if all(w.startswith("calc:") for w in want):
            continue  # a calculator question: the FAQ's confidence does not decide it
        row = _row(source, str(case["q"]), index.match(str(case["q"])), faq_ids(case), fold=case.get("fold"))
        if row:
            rows.append(row)
    return rows


def general_questions(per_file: int = 700, seed: int = 13) -> list[str]:
    out = []
    rng = random.Random(seed)
    for path in GENERAL:
        if not path.is_file():
            continue
        lines = [ln.split("\t")[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        lines = [q for q in dict.fromkeys(lines) if q and not any(w in q for w in _OURS)]
        out += rng.sample(lines, min(per_file, len(lines)))
    return out


def offtopic_rows(index) -> list[Row]:
    return [r for q in general_questions() if (r := _row("offtopic", q, index.match(q), set()))]


def diac_index(n_faq: int = 1500, n_out: int = 500, seed: int = 5):
    """An FAQ of DIAC2019 groups that bench/diac.py's sample (seed 2019, 2,000 + 2,000) does not use."""
    from diac import DEFAULT_DATA, read_groups, sample, write_faq

    from knowledge.lexicon import load_lexicon
    from knowledge.loader import load_faq_strict
    from knowledge.matcher import Index
    from shebao.config import packaged_path

    groups = read_groups(DEFAULT_DATA)
    bench_faq, bench_queries = sample(groups, 2000, 2000, 2019)
    used = {q for q, _ in bench_queries} | {t for _, g in bench_faq for t in g}
    free = [g for g in groups if not used & set(g)]
    faq, queries = sample(free, min(n_faq, len(free) - n_out), n_out, seed)
    with tempfile.TemporaryDirectory() as tmp:
        write_faq(Path(tmp), faq)
        index = Index(load_faq_strict(Path(tmp)), load_lexicon(packaged_path("knowledge", "lexicon")))
    return index, queries


def diac_rows(index, queries) -> list[Row]:
    rows = []
    for q, want in queries:
        row = _row("diac", q, index.match(q), {want} if want else set())
        if row:
            rows.append(row)
    return rows


def matrix(rows: list[Row]) -> tuple[np.ndarray, np.ndarray]:
    from knowledge.confidence import design

    return design([r.features for r in rows]), np.array([r.right for r in rows], dtype=int)

"""DIAC2019 as an FAQ: the project's matcher side by side with BM25 and rapidfuzz baselines.

Each sampled group becomes one FAQ entry (its first equivalent question is the
canonical question, the others but one are also_asked); the held-out one is
the query. Groups left out of the FAQ give queries that must not be answered
confidently. The FAQ folder is written as YAML and loaded like `--knowledge`.

    python bench/diac.py [--groups 2000] [--left-out 500] [--data ../shared/data/diac2019/train_set.xml]

The data is read from shared/ at run time and never copied into the project.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "diac2019" / "train_set.xml"


def read_groups(path: Path) -> list[list[str]]:
    groups = []
    for q in ET.parse(path).getroot().iter("Questions"):
        eq = [e.text.strip() for e in q.find("EquivalenceQuestions").iter("question") if e.text and e.text.strip()]
        uniq = list(dict.fromkeys(eq))
        if len(uniq) >= 2:
            groups.append(uniq)
    return groups


def sample(groups, n_faq, n_out, seed=2019):
    rng = random.Random(seed)
    picked = rng.sample(range(len(groups)), n_faq + n_out)
    faq, queries = [], []
    for k, gi in enumerate(picked):
        group = list(groups[gi])
        held = group.pop(rng.randrange(len(group)))
        if k < n_faq:
            faq.append((f"g{gi}", group))
            queries.append((held, f"g{gi}"))
        else:
            queries.append((held, None))
    return faq, queries


def write_faq(folder: Path, faq) -> None:
    entries = [
        {"id": gid, "question": group[0], "also_asked": group[1:], "answer": f"第{gid}组的答案",
         "source": "DIAC2019", "as_of": "2019-01-01"}
        for gid, group in faq
    ]
    (folder / "diac.yaml").write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


def run_project(folder: Path, queries, answer_threshold: float):
    from knowledge.lexicon import load_lexicon
    from knowledge.loader import load_faq_strict
    from knowledge.matcher import Index
    from shebao.config import packaged_path

    t0 = time.perf_counter()
    index = Index(load_faq_strict(folder), load_lexicon(packaged_path("knowledge", "lexicon")))
    build = time.perf_counter() - t0
    out = []
    t0 = time.perf_counter()
    for q, _ in queries:
        res = index.match(q)
        best = res.best
        out.append((best.entry.id if best else None, best.score if best else 0.0))
    per_q = (time.perf_counter() - t0) / len(queries) * 1000
    return out, per_q, build


def run_bm25(faq, queries):
    import bm25s
    import jieba

    docs, owner = [], []
    for gid, group in faq:
        for text in group:
            docs.append(jieba.lcut(text))
            owner.append(gid)
    retriever = bm25s.BM25()
    retriever.index(docs, show_progress=False)
    t0 = time.perf_counter()
    out = []
    for q, _ in queries:
        toks = [t for t in jieba.lcut(q) if t in retriever.vocab_dict] or ["。"]
        try:
            idx, scores = retriever.retrieve([toks], k=1, show_progress=False)
            out.append((owner[int(idx[0][0])], float(scores[0][0])))
        except Exception:  # bm25s refuses queries with no known token
            out.append((None, 0.0))
    return out, (time.perf_counter() - t0) / len(queries) * 1000


def run_fuzz(faq, queries):
    from rapidfuzz import fuzz, process

    docs, owner = [], []
    for gid, group in faq:
        for text in group:
            docs.append(text)
            owner.append(gid)
    t0 = time.perf_counter()
    out = []
    for q, _ in queries:
        _, score, i = process.extractOne(q, docs, scorer=fuzz.ratio)
        out.append((owner[i], score))
    return out, (time.perf_counter() - t0) / len(queries) * 1000


def scores(results, queries, threshold):
    inside = [(r, want) for r, (_, want) in zip(results, queries, strict=True) if want]
    top1 = sum(r[0] == want for r, want in inside) / len(inside)
    confident_wrong = sum(
        1 for r, (_, want) in zip(results, queries, strict=True) if r[1] >= threshold and r[0] != want
    ) / len(queries)
    answered = sum(1 for r, want in inside if r[1] >= threshold and r[0] == want) / len(inside)
    return top1, confident_wrong, answered


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--groups", type=int, default=2000)
    ap.add_argument("--left-out", type=int, default=500)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--no-baselines", action="store_true")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        print(f"{args.data}: DIAC2019 not found (shared/data/diac2019/train_set.xml)", file=sys.stderr)
        return 2
    from shebao.config import load_config

    threshold = load_config(ROOT / "config.yaml").answer_threshold
    faq, queries = sample(read_groups(args.data), args.groups, args.left_out, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        write_faq(Path(tmp), faq)
        ours, ms, build = run_project(Path(tmp), queries, threshold)
    rows = [("shebao matcher", ours, ms)]
    if not args.no_baselines:
        rows.append(("BM25 (bm25s, jieba words)", *run_bm25(faq, queries)))
        rows.append(("rapidfuzz ratio (characters)", *run_fuzz(faq, queries)))
    print(f"DIAC2019: {args.groups} FAQ entries, {args.groups} held-out paraphrases + {args.left_out} "
          f"questions from groups left out; answer threshold {threshold:g} (ours; baselines on their own score)")
    print(f"index built in {build:.2f} s")
    print("| matcher | top-1 | answered correctly | confidently wrong | ms/question |")
    print("|---|---|---|---|---|")
    for name, res, t in rows:
        if name.startswith("shebao"):
            top1, cw, ans = scores(res, queries, threshold)
            print(f"| {name} | {top1:.3f} | {ans:.3f} | {cw:.3f} | {t:.2f} |")
        else:
            top1, _, _ = scores(res, queries, float("inf"))
            print(f"| {name} | {top1:.3f} | – | – | {t:.2f} |")
    inside = [s for (r, s), (_, w) in zip(ours, queries, strict=True) if w and r == w]
    outside = [s for (r, s), (_, w) in zip(ours, queries, strict=True) if not w]
    if inside and outside:
        print(f"confidence median: right answers {statistics.median(inside):.1f}, "
              f"left-out questions {statistics.median(outside):.1f}")
    print(f"peak memory (max RSS of this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

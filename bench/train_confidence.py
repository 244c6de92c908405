"""Fit the matcher's confidence model and write it into the package (knowledge/confidence.json).

    python bench/train_confidence.py [--out knowledge/confidence.json] [--check-only]

Rows come from bench/confidence_data.py (the shipped FAQ's phrasings left out one at a time, the worker
question sets, real_dev.yaml, DIAC2019's labelled real questions, general-domain negatives, DIAC2019 groups
not used by bench/diac.py as an FAQ of their own). A model maps a candidate's features to P(right). The
answer threshold is the
lowest probability at which, on held-out folds, every source answers wrongly at most TARGET_WRONG of
its questions; the suggest threshold the lowest at which suggestions are still right often enough.
The model is boosted decision trees (scikit-learn's HistGradientBoostingClassifier, monotonic in the
evidence), exported node by node into knowledge/confidence.json (knowledge.confidence.TreeModel).
Then real_dev.yaml and the worker sets are scored through the whole answering path (calculators
included) by cross-validation: each line by a model and thresholds fitted without its fold.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
from confidence_data import (
    DIAC_LABELS,
    FOLDS,
    REAL,
    ROOT,
    WORKERS,
    Row,
    absent_rows,
    case_rows,
    diac_index,
    diac_labelled,
    diac_rows,
    expected,
    faq_ids,
    faq_rows,
    labelled,
    labelled_rows,
    matrix,
    offtopic_rows,
)

OUT = ROOT / "knowledge" / "confidence.json"
# each source's share of the fitting weight (real questions are few but what the bot is judged on)
SHARE = {"faq_loo": 0.15, "workers": 0.2, "real": 0.2, "dreal": 0.15, "dnone": 0.05, "offtopic": 0.1, "diac": 0.1,
         "absent": 0.05}
# Most answered wrongly, per group of sources, on held-out folds (the goal is 0.05: a margin; real_dev's
# 0.035 held its cross-validated wrong answers to 3 of 98 where 0.045 let 5 through). The FAQ's
# own phrasings left out one at a time are no real questions (many fit a neighbour entry as well), so
# they count only loosely.
# A topic the FAQ lacks, asked in the words of the entry left out, often has a neighbour that answers it
# fairly (commute_injury's phrasings without it go to work_injury_claim): a loose target as well.
# DIAC2019's labelled questions (dreal: ones an entry answers; dnone: ones none does) tell how often a
# question the FAQ answers, and one it does not, is answered wrongly. Two in three of them are labour law
# the FAQ leaves out, where what workers send holds few such questions (real_dev: 6 of 98), so the two
# shares are weighed by a mix of what workers ask, with four times real_dev's share of questions outside
# the FAQ (MIX) as a margin: a model that answered a tenth of that mix wrongly would be guessing.
TARGET_WRONG = {("real",): 0.035, ("dreal", "dnone"): 0.10, ("workers",): 0.03, ("diac",): 0.035, ("offtopic",): 0.02,
                ("faq_loo",): 0.06, ("absent",): 0.15}
MIX = {("dreal", "dnone"): {"dreal": 0.75, "dnone": 0.25}}
SUGGEST_RIGHT = 0.3  # suggestions start where the best entry is right this often (worker and real questions)


def weights(rows: list[Row]) -> np.ndarray:
    n = Counter(r.source for r in rows)
    total = len(rows)
    return np.array([SHARE[r.source] * total / n[r.source] for r in rows])


# the evidence for the entry can only raise P(right); an off-topic word and a close runner-up only lower it
INCREASING = {"coverage", "lead", "phrasing_held", "phrasing_words_held", "defining_held", "question_held",
              "bm25_share", "nb_lead", "nb_top", "in_domain", "asks"}
DECREASING = {"off_topic", "runner_up", "outside"}
TREES = {"max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 8, "min_samples_leaf": 20,
         "l2_regularization": 1.0}


def monotonic() -> list[int]:
    from knowledge.confidence import COLUMNS

    base = [c.split("|")[0] for c in COLUMNS]
    return [1 if b in INCREASING else -1 if b in DECREASING else 0 for b in base]


def fit(rows: list[Row]):
    """Boosted trees (scikit-learn), exported to knowledge.confidence.TreeModel."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = matrix(rows)
    gb = HistGradientBoostingClassifier(**TREES, monotonic_cst=monotonic(), random_state=0)
    gb.fit(x, y, sample_weight=weights(rows))
    model = export(gb)
    every = max(1, len(rows) // 500)  # the export is checked on about 500 rows
    assert np.allclose(predict(model, rows[::every]), gb.predict_proba(x[::every])[:, 1], atol=1e-9), "export differs"
    return model


def export(gb):
    """scikit-learn's fitted HistGradientBoostingClassifier as a TreeModel (the features are never missing,
    so the trees' missing-value branches are left out)."""
    from knowledge.confidence import TreeModel

    feature, threshold, left, right, value, roots, depth = [], [], [], [], [], [], 0
    for (tree,) in gb._predictors:
        nodes, start = tree.nodes, len(feature)
        roots.append(start)
        for i, node in enumerate(nodes):
            leaf = bool(node["is_leaf"])
            feature.append(0 if leaf else int(node["feature_idx"]))
            threshold.append(0.0 if leaf else float(node["num_threshold"]))
            left.append(start + (i if leaf else int(node["left"])))
            right.append(start + (i if leaf else int(node["right"])))
            value.append(float(node["value"]) if leaf else 0.0)
        depth = max(depth, int(nodes["depth"].max()))
    ints = [np.array(a, dtype=np.int64) for a in (feature, left, right, roots)]
    return TreeModel(float(np.ravel(gb._baseline_prediction)[0]), ints[0], np.array(threshold), ints[1], ints[2],
                     np.array(value), ints[3], depth)


def predict(model, rows: list[Row]) -> np.ndarray:
    return np.asarray(model.probabilities([r.features for r in rows]))


def out_of_fold(rows: list[Row], folds: int = FOLDS) -> np.ndarray:
    p = np.zeros(len(rows))
    for k in range(folds):
        train = [r for r in rows if r.fold != k]
        test = [i for i, r in enumerate(rows) if r.fold == k]
        if test:
            p[test] = predict(fit(train), [rows[i] for i in test])
    return p


def wrong_shares(rows: list[Row], p: np.ndarray, t: float) -> dict[tuple[str, ...], float]:
    """Share of each group of sources answered wrongly at threshold T (a group in MIX: its sources' shares
    weighed by the mix)."""
    def share(sources) -> float | None:
        idx = [i for i, r in enumerate(rows) if r.source in sources]
        return sum(1 for i in idx if rows[i].gate and p[i] >= t and not rows[i].right) / len(idx) if idx else None

    out = {}
    for group in TARGET_WRONG:
        if group in MIX:
            parts = {s: share((s,)) for s in MIX[group]}
            if None not in parts.values():
                out[group] = sum(MIX[group][s] * v for s, v in parts.items())
        elif (v := share(group)) is not None:
            out[group] = v
    return out


def thresholds(rows: list[Row], p: np.ndarray) -> tuple[float, float]:
    """(answer, suggest) probabilities from held-out predictions P of ROWS."""
    grid = np.round(np.arange(0.30, 0.99, 0.01), 2)
    answer = next((t for t in grid if all(v <= TARGET_WRONG[g] for g, v in wrong_shares(rows, p, t).items())),
                  0.98)
    right = np.array([r.right for r in rows])
    asked = np.array([r.source in ("real", "dreal", "workers") for r in rows])
    # down from the answer threshold, as long as a band of 0.1 below holds a worker's or real question's
    # right entry often enough
    suggest = answer - 0.05
    for t in np.round(np.arange(answer - 0.06, 0.04, -0.01), 2):
        band = (p >= t) & (p < t + 0.1) & asked
        if band.sum() >= 5 and right[band].mean() < SUGGEST_RIGHT:
            break
        suggest = t
    return float(answer), float(suggest)


def fit_with_thresholds(rows: list[Row]):
    model = fit(rows)
    answer, suggest = thresholds(rows, out_of_fold(rows))
    return replace(model, answer_threshold=answer, suggest_threshold=suggest)


def collect(answerer, diac) -> list[Row]:
    index = answerer.index
    rows = faq_rows(index) + case_rows(index, "workers", WORKERS) + case_rows(index, "real", [REAL])
    diac_cases = diac_labelled()
    rows += labelled_rows(index, "dreal", [c for c in diac_cases if faq_ids(c)])
    rows += labelled_rows(index, "dnone", [c for c in diac_cases if expected(c) == ["none"]])
    rows += offtopic_rows(index) + absent_rows(index)
    if diac is not None:
        rows += diac_rows(*diac)
    return rows


def path_cv(answerer, rows: list[Row], paths: list[Path], show: bool = False) -> dict[str, tuple[int, int, int]]:
    """Each line of PATHS (and of DIAC2019's labelled questions) answered through the whole path by a model
    fitted without its fold: {file: (right, answered wrongly, lines)}."""
    from confidence_data import fold_of
    from eval_questions import is_right

    from shebao.config import Config

    index, config = answerer.index, answerer.config
    shipped = index.model
    out = {}
    cases = {p: labelled(p) for p in paths if p.is_file()}
    if diac := diac_labelled():
        cases[DIAC_LABELS] = diac
    tallies = {p: [0, 0, 0] for p in cases}
    try:
        for k in range(FOLDS):
            model = fit_with_thresholds([r for r in rows if r.fold != k])
            if show:
                print(f"  fold {k}: thresholds {model.answer_threshold:.2f} / {model.suggest_threshold:.2f}")
            raw = {**config.raw, "matcher": {"answer_threshold": 100 * model.answer_threshold,
                                             "suggest_threshold": 100 * model.suggest_threshold}}
            answerer.config = Config(raw=raw, faq_path=config.faq_path, lexicon_path=config.lexicon_path)
            index.model = model
            for p, lines in cases.items():
                for case in lines:
                    if case.get("fold", fold_of(str(case["q"]))) != k:
                        continue
                    reply = answerer.answer(str(case["q"]), one_shot=True)
                    t = tallies[p]
                    t[2] += 1
                    if is_right(case, reply):
                        t[0] += 1
                    elif reply.kind != "none":
                        t[1] += 1
                        if show:
                            print(f"  fold {k}: wrong {reply.id} ({reply.score:.0f}, want {case['expect']}) <- {case['q'][:60]}")
    finally:
        index.model, answerer.config = shipped, config
    for p, (right, wrong, n) in tallies.items():
        out[p.name] = (right, wrong, n)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--knowledge", type=Path, help="an FAQ folder to fit on instead of the shipped one")
    ap.add_argument("--no-diac", action="store_true", help="leave the DIAC2019 rows out (faster)")
    ap.add_argument("--check-only", action="store_true", help="report, do not write the model")
    ap.add_argument("--show", action="store_true", help="print the lines answered wrongly in cross-validation")
    args = ap.parse_args(argv)
    from shebao.config import load_config
    from shebao.service import build_answerer

    t0 = time.perf_counter()
    answerer = build_answerer(load_config(ROOT / "config.yaml", knowledge=args.knowledge))
    diac = None if args.no_diac else diac_index()
    # The letter reading keeps the surer of two readings, so the features depend on the model: fit
    # once on the features the current model gives, then again on those the new model gives.
    rows = collect(answerer, diac)
    for _ in range(2):
        model = fit_with_thresholds(rows)
        answerer.index.model = model
        if diac is not None:
            diac[0].model = model
        rows = collect(answerer, diac)
    model = fit_with_thresholds(rows)
    p = out_of_fold(rows)
    print(f"{len(rows)} rows: " + ", ".join(f"{s} {n}" for s, n in Counter(r.source for r in rows).items()))
    print(f"answer threshold {model.answer_threshold:.2f}, suggest threshold {model.suggest_threshold:.2f}")
    for t in (0.5, 0.6, 0.7, 0.8, 0.9, model.answer_threshold):
        print(f"held-out answered wrongly at {t:.2f}: " +
              ", ".join(f"{'+'.join(g)} {v:.3f}" for g, v in wrong_shares(rows, p, t).items()))
    answerer.index.model = model
    for name, (right, wrong, n) in path_cv(answerer, rows, [REAL, *WORKERS], args.show).items():
        print(f"cross-validated, whole answering path: {name}: right {right}/{n} = {right / n:.3f}, "
              f"answered wrongly {wrong}/{n} = {wrong / n:.3f}")
    if not args.check_only:
        info = {"rows": dict(Counter(r.source for r in rows)), "fitted_by": "bench/train_confidence.py",
                "trees": TREES, "increasing": sorted(INCREASING), "decreasing": sorted(DECREASING)}
        model = replace(model, info=info)
        args.out.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    print(f"{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

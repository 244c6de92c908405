"""How sure the matcher is: a learned estimate of P(the best entry is right) from what matching measured.

The model is fitted by `bench/train_confidence.py` on held-out data and shipped as
`knowledge/confidence.json`, with the answer / suggest thresholds chosen from its calibration: boosted
decision trees (scikit-learn's HistGradientBoostingClassifier, monotonic in the evidence, exported node by
node: TreeModel), or a logistic regression (ConfidenceModel: scaling and coefficients). Evaluating either
needs only numpy: no scikit-learn, no pickle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import itemgetter
from pathlib import Path

import numpy as np

# What the matcher measures for one candidate entry of one question, in this order.
FEATURES = (
    "coverage",       # share of the question found anywhere in the entry's phrasings
    "lead",           # raw score over the next entry's (the best), or below the best's (the others)
    "phrasing_held",  # share of the best phrasing the question holds
    "phrasing_words_held",  # the same for its words only: a distinctive word missing (互助 in 互助医保) counts
    "defining_held",  # share of the entry's defining words (in most of its phrasings, few elsewhere) present
    "question_held",  # share of the question the best phrasing holds
    "bm25_share",     # the phrasing's BM25 over the best BM25 of any phrasing
    "runner_up",      # the next entry's similarity
    "nb_lead",        # the FAQ's complement naive Bayes (Index._naive_bayes): the entry's log-probability over
                      # its next entry's when it ranks it first, below its first's otherwise
    "nb_top",         # 1 when naive Bayes ranks the entry first: two different readings agree
    "log_length",     # log(1 + characters of the text matched)
    "log_per_entry",  # log of phrasings per entry in the FAQ (DIAC-like FAQs have two or three)
    "unknown",        # share of the question's weight in features no phrasing has
    "in_domain",      # 1 when the FAQ's subject words are present (or the FAQ has no domain gate)
    "off_topic",      # 1 when an off-topic word the FAQ does not use is present
    "asks",           # 1 when the text holds a question word or a question mark
    "repeated",       # 1 - distinct characters / characters of the whole message
    "focused",        # 1 when the question sentence(s) of a letter were matched, not the whole
    "run_on",         # 1 when the whole message is long
    "outside",        # 1 when it names a topic outside the FAQ (out_of_scope.yaml: 公积金, 解除劳动合同) and none of ours
)
# Measured too but not features: the best phrasing's similarity ("similarity", which ranks the entries; given
# the shares held both ways it added nothing and its fitted weight came out below zero), and whether a place
# name was set aside ("place": a place must not stop an answer that holds everywhere, the answer says where
# local rules differ, and the few real questions naming a city that the matcher got wrong taught a fitted
# weight to distrust every city).

# An FAQ with many phrasings per entry (this project's: about 55) and a DIAC-like one (two or three) reward
# different things (unknown words, a lead), so each feature also enters scaled by how far the FAQ is of the
# first kind: GATE_LOG is log(phrasings per entry) where that share starts (0) and is whole (1).
GATE_LOG = (1.0, 3.0)
COLUMNS = FEATURES + tuple(f"{f}|many" for f in FEATURES if f != "log_per_entry")

MODEL_FILE = "confidence.json"
_GET = itemgetter(*FEATURES)
_MANY = np.array([i for i, name in enumerate(FEATURES) if name != "log_per_entry"])  # the columns entered twice
_PER_ENTRY = FEATURES.index("log_per_entry")


def design(rows: list[dict[str, float]]) -> np.ndarray:
    """The model's input for candidates' FEATURES: the features, then each times the many-phrasings share."""
    try:
        x = np.array([_GET(f) for f in rows], dtype=float).reshape(-1, len(FEATURES))
    except KeyError:  # a partial row (a test's, a hand-made one): what it lacks is 0
        x = np.array([[float(f.get(name, 0.0)) for name in FEATURES] for f in rows], dtype=float).reshape(-1, len(FEATURES))
    low, high = GATE_LOG
    many = np.minimum(np.maximum((x[:, _PER_ENTRY] - low) / (high - low), 0.0), 1.0)[:, None]
    return np.concatenate([x, np.take(x, _MANY, axis=1) * many], axis=1)


class ModelError(Exception):
    """The confidence model file cannot be used."""


class _Scores:
    """What both kinds of model offer on top of their own probabilities()."""

    def probability(self, features: dict[str, float]) -> float:
        """P(right) for one candidate's features."""
        return self.probabilities([features])[0]


@dataclass(frozen=True)
class ConfidenceModel(_Scores):
    """A fitted logistic regression over COLUMNS (see design), with its thresholds (probabilities, 0-1)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    answer_threshold: float = 0.6
    suggest_threshold: float = 0.3
    info: dict | None = None

    def probabilities(self, rows: list[dict[str, float]]) -> list[float]:
        """P(right) for several candidates' features at once."""
        x = design(rows)
        z = np.clip(x @ (self.coef / self.scale) + (self.intercept - float(self.mean / self.scale @ self.coef)),
                    -40.0, 40.0)
        return (1.0 / (1.0 + np.exp(-z))).tolist()

    def to_json(self) -> dict:
        return {
            "model": "logistic", "features": list(FEATURES), "columns": list(COLUMNS), "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(), "intercept": self.intercept,
            "answer_threshold": self.answer_threshold, "suggest_threshold": self.suggest_threshold,
            **({"info": self.info} if self.info else {}),
        }

    @classmethod
    def from_json(cls, data: dict, where: str = MODEL_FILE) -> ConfidenceModel:
        _check_names(data, where)
        arrays = [np.asarray(data[k], dtype=float) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(COLUMNS),) for a in arrays):
            raise ModelError(f"{where}: mean, scale and coef need {len(COLUMNS)} values each")
        mean, scale, coef = arrays
        return cls(mean, np.where(scale > 0, scale, 1.0), coef, float(data["intercept"]),
                   float(data["answer_threshold"]), float(data["suggest_threshold"]), data.get("info"))


@dataclass(frozen=True)
class TreeModel(_Scores):
    """Boosted binary decision trees over COLUMNS (see design), all trees' nodes in flat arrays: node i
    sends a row to LEFT[i] when its FEATURE[i] column is at most THRESHOLD[i], else to RIGHT[i]; a leaf
    points to itself and holds VALUE[i]. P(right) = sigmoid(BASELINE + the sum of the leaves reached)."""

    baseline: float
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    depth: int
    answer_threshold: float = 0.6
    suggest_threshold: float = 0.3
    info: dict | None = None

    def probabilities(self, rows: list[dict[str, float]]) -> list[float]:
        """P(right) for several candidates' features at once (every tree walked in step, level by level)."""
        x = design(rows)
        # every node's next node for every row at once, numbered row by row (row r's nodes from r * n), so
        # that walking all trees one level down is a single lookup
        n = len(self.feature)
        offset = (np.arange(len(x)) * n)[:, None]
        step = (np.where(np.take(x, self.feature, axis=1) <= self.threshold, self.left, self.right) + offset).ravel()
        node = self.roots + offset
        for _ in range(self.depth):
            node = step[node]
        z = np.clip(self.baseline + self.value[node - offset].sum(axis=1), -40.0, 40.0)
        return (1.0 / (1.0 + np.exp(-z))).tolist()

    def to_json(self) -> dict:
        return {
            "model": "boosted_trees", "features": list(FEATURES), "columns": list(COLUMNS),
            "baseline": self.baseline, "depth": self.depth, "roots": self.roots.tolist(),
            "nodes": {"feature": self.feature.tolist(), "threshold": self.threshold.tolist(),
                      "left": self.left.tolist(), "right": self.right.tolist(), "value": self.value.tolist()},
            "answer_threshold": self.answer_threshold, "suggest_threshold": self.suggest_threshold,
            **({"info": self.info} if self.info else {}),
        }

    @classmethod
    def from_json(cls, data: dict, where: str = MODEL_FILE) -> TreeModel:
        _check_names(data, where)
        nodes = data["nodes"]
        feature, left, right, roots = (np.asarray(a, dtype=np.int64) for a in
                                       (nodes["feature"], nodes["left"], nodes["right"], data["roots"]))
        threshold, value = (np.asarray(nodes[k], dtype=float) for k in ("threshold", "value"))
        n = len(feature)
        if any(len(a) != n for a in (threshold, left, right, value)) or not n:
            raise ModelError(f"{where}: the tree nodes' arrays differ in length")
        if ((feature < 0) | (feature >= len(COLUMNS))).any():
            raise ModelError(f"{where}: a tree node splits on a column the matcher does not measure")
        if any(((a < 0) | (a >= n)).any() for a in (left, right, roots)):
            raise ModelError(f"{where}: a tree node points outside the nodes")
        return cls(float(data["baseline"]), feature, threshold, left, right, value, roots, int(data["depth"]),
                   float(data["answer_threshold"]), float(data["suggest_threshold"]), data.get("info"))


def _check_names(data: dict, where: str) -> None:
    names = data.get("features")
    if names != list(FEATURES) or data.get("columns") != list(COLUMNS):
        raise ModelError(f"{where}: fitted on features {names}, the matcher measures {list(FEATURES)}: "
                         "run bench/train_confidence.py")


def model_from_json(data: dict, where: str = MODEL_FILE) -> ConfidenceModel | TreeModel:
    """The model a confidence.json describes (boosted trees, or a logistic regression)."""
    kind = data.get("model", "logistic")
    if kind == "boosted_trees":
        return TreeModel.from_json(data, where)
    if kind == "logistic":
        return ConfidenceModel.from_json(data, where)
    raise ModelError(f"{where}: unknown model {kind!r} (boosted_trees or logistic)")


def load_model(path: Path | None = None) -> ConfidenceModel | TreeModel:
    """The model in PATH, or the one shipped with the package."""
    if path is None:
        return shipped_model()
    try:
        return model_from_json(json.loads(Path(path).read_text(encoding="utf-8")), str(path))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: not a confidence model ({exc})") from None


@cache
def shipped_model() -> ConfidenceModel | TreeModel:
    text = resources.files("knowledge").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return model_from_json(json.loads(text))

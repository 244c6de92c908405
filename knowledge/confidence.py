"""How sure the matcher is: a learned estimate of P(the best entry is right) from what matching measured.

The model is a logistic regression fitted by `bench/train_confidence.py` on held-out data and shipped
as `knowledge/confidence.json` (feature names, scaling, coefficients, and the answer / suggest
thresholds chosen from its calibration). Evaluating it needs only numpy: no scikit-learn, no pickle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
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


def design(rows: list[dict[str, float]]) -> np.ndarray:
    """The model's input for candidates' FEATURES: the features, then each times the many-phrasings share."""
    x = np.array([[float(f.get(name, 0.0)) for name in FEATURES] for f in rows], dtype=float).reshape(-1, len(FEATURES))
    low, high = GATE_LOG
    many = np.clip((x[:, FEATURES.index("log_per_entry")] - low) / (high - low), 0.0, 1.0)[:, None]
    keep = [i for i, name in enumerate(FEATURES) if name != "log_per_entry"]
    return np.hstack([x, x[:, keep] * many])


class ModelError(Exception):
    """The confidence model file cannot be used."""


@dataclass(frozen=True)
class ConfidenceModel:
    """A fitted logistic regression over COLUMNS (see design), with its thresholds (probabilities, 0-1)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    answer_threshold: float = 0.6
    suggest_threshold: float = 0.3
    info: dict | None = None

    def probability(self, features: dict[str, float]) -> float:
        """P(right) for one candidate's features."""
        return self.probabilities([features])[0]

    def probabilities(self, rows: list[dict[str, float]]) -> list[float]:
        """P(right) for several candidates' features at once."""
        x = design(rows)
        z = np.clip(x @ (self.coef / self.scale) + (self.intercept - float(self.mean / self.scale @ self.coef)),
                    -40.0, 40.0)
        return (1.0 / (1.0 + np.exp(-z))).tolist()

    def to_json(self) -> dict:
        return {
            "features": list(FEATURES), "columns": list(COLUMNS), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
            "coef": self.coef.tolist(), "intercept": self.intercept,
            "answer_threshold": self.answer_threshold, "suggest_threshold": self.suggest_threshold,
            **({"info": self.info} if self.info else {}),
        }

    @classmethod
    def from_json(cls, data: dict, where: str = MODEL_FILE) -> ConfidenceModel:
        names = data.get("features")
        if names != list(FEATURES) or data.get("columns") != list(COLUMNS):
            raise ModelError(f"{where}: fitted on features {names}, the matcher measures {list(FEATURES)}: "
                             "run bench/train_confidence.py")
        arrays = [np.asarray(data[k], dtype=float) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(COLUMNS),) for a in arrays):
            raise ModelError(f"{where}: mean, scale and coef need {len(COLUMNS)} values each")
        mean, scale, coef = arrays
        return cls(mean, np.where(scale > 0, scale, 1.0), coef, float(data["intercept"]),
                   float(data["answer_threshold"]), float(data["suggest_threshold"]), data.get("info"))


def load_model(path: Path | None = None) -> ConfidenceModel:
    """The model in PATH, or the one shipped with the package."""
    if path is None:
        return shipped_model()
    try:
        return ConfidenceModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")), str(path))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: not a confidence model ({exc})") from None


@cache
def shipped_model() -> ConfidenceModel:
    text = resources.files("knowledge").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return ConfidenceModel.from_json(json.loads(text))

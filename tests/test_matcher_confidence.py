"""The shipped confidence model: loads without scikit-learn, gives probabilities, and sets the thresholds;
boosted trees exported from scikit-learn give scikit-learn's own probabilities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from knowledge.confidence import (
    COLUMNS,
    FEATURES,
    ConfidenceModel,
    ModelError,
    TreeModel,
    load_model,
    shipped_model,
)


def typical() -> dict[str, float]:
    """A middling candidate of this project's FAQ: some evidence for it, some against."""
    return {"coverage": 0.5, "lead": 0.1, "phrasing_held": 0.5, "phrasing_words_held": 0.5, "defining_held": 0.5,
            "question_held": 0.4, "bm25_share": 0.8, "runner_up": 0.4, "nb_lead": 0.2, "nb_top": 1.0,
            "log_length": 2.7, "log_per_entry": 4.2, "unknown": 0.1, "in_domain": 1.0, "off_topic": 0.0,
            "asks": 1.0, "repeated": 0.1, "focused": 0.0, "run_on": 0.0, "outside": 0.0}


def test_the_shipped_model_loads_and_gives_probabilities():
    model = shipped_model()
    rng = np.random.default_rng(7)
    for _ in range(200):
        features = {f: float(v) for f, v in zip(FEATURES, rng.uniform(-1, 2, len(FEATURES)), strict=True)}
        assert 0.0 <= model.probability(features) <= 1.0
    assert 0.0 < model.suggest_threshold < model.answer_threshold < 1.0


def test_the_typical_candidate_names_every_feature():
    assert set(typical()) == set(FEATURES)


@pytest.mark.parametrize("feature", ["coverage", "lead", "phrasing_held"])
def test_the_probability_grows_with_the_evidence_for_the_entry(feature):
    model = shipped_model()
    base = typical()
    values = [model.probability({**base, feature: v}) for v in np.linspace(0.0, 1.0, 11)]
    # trees are steps: never lower for more evidence, and higher over the whole range
    assert all(b >= a for a, b in zip(values, values[1:], strict=False)), values
    assert values[-1] > values[0], values


def test_an_off_topic_word_and_missing_subject_words_lower_the_probability():
    model = shipped_model()
    base = {**typical(), "off_topic": 0.0, "in_domain": 1.0}
    assert model.probability({**base, "off_topic": 1.0}) < model.probability(base)
    assert model.probability({**base, "outside": 1.0}) <= model.probability(base)  # fitted as never raising it
    assert model.probability({**base, "in_domain": 0.0}) < model.probability(base)


def test_the_thresholds_default_to_the_models_and_config_overrides_them(tmp_path, monkeypatch):
    from shebao.config import load_config

    model = shipped_model()
    monkeypatch.chdir(tmp_path)  # no config.yaml here: the built-in defaults
    defaults = load_config(None)
    assert defaults.answer_threshold == pytest.approx(100 * model.answer_threshold)
    assert defaults.suggest_threshold == pytest.approx(100 * model.suggest_threshold)
    path = tmp_path / "config.yaml"
    path.write_text("matcher:\n  answer_threshold: 72\n", encoding="utf-8")
    cfg = load_config(path)
    assert cfg.answer_threshold == 72
    assert cfg.suggest_threshold == pytest.approx(100 * model.suggest_threshold)


def test_a_model_fitted_on_other_features_is_refused_with_where_and_what(tmp_path):
    data = shipped_model().to_json()
    data["features"] = data["features"][:-1]
    path = tmp_path / "confidence.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError, match=r"confidence.json: fitted on features"):
        load_model(path)


def test_the_score_is_100_times_the_models_probability(faq_index):
    flat = ConfidenceModel(np.zeros(len(COLUMNS)), np.ones(len(COLUMNS)), np.zeros(len(COLUMNS)), 0.0)
    result = faq_index.match("工伤保险可以单独买吗")
    best = result.best
    assert best.score == pytest.approx(round(100 * faq_index.model.probability(best.features), 1))
    assert flat.probability(best.features) == 0.5


def test_boosted_trees_exported_from_scikit_learn_give_its_probabilities():
    sklearn = pytest.importorskip("sklearn.ensemble")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from train_confidence import export

    from knowledge.confidence import design

    rng = np.random.default_rng(3)
    rows = [{f: float(v) for f, v in zip(FEATURES, rng.uniform(0, 5, len(FEATURES)), strict=True)} for _ in range(400)]
    x = design(rows)
    y = (x[:, 0] + x[:, 1] - x[:, 7] + rng.normal(0, 1, len(x)) > 2.5).astype(int)
    gb = sklearn.HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=6, random_state=0).fit(x, y)
    model = export(gb)
    assert np.allclose(model.probabilities(rows), gb.predict_proba(x)[:, 1], atol=1e-9)
    again = TreeModel.from_json(json.loads(json.dumps(model.to_json())))
    assert np.allclose(again.probabilities(rows), gb.predict_proba(x)[:, 1], atol=1e-9)


def test_a_tree_model_pointing_outside_its_nodes_is_refused(tmp_path):
    data = {"model": "boosted_trees", "features": list(FEATURES), "columns": list(COLUMNS), "baseline": 0.0,
            "depth": 1, "roots": [0], "nodes": {"feature": [0, 0, 0], "threshold": [0.5, 0.0, 0.0],
                                                  "left": [1, 1, 2], "right": [7, 1, 2], "value": [0.0, -1.0, 1.0]},
            "answer_threshold": 0.6, "suggest_threshold": 0.3}
    path = tmp_path / "confidence.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError, match=r"confidence.json: a tree node points outside the nodes"):
        load_model(path)
    data["nodes"]["right"] = [2, 1, 2]
    path.write_text(json.dumps(data), encoding="utf-8")
    model = load_model(path)
    assert model.probability({**typical(), "coverage": 0.4}) == pytest.approx(1 / (1 + np.exp(1.0)))
    assert model.probability({**typical(), "coverage": 0.6}) == pytest.approx(1 / (1 + np.exp(-1.0)))

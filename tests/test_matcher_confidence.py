"""The shipped confidence model: loads without scikit-learn, gives probabilities, and sets the thresholds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from knowledge.confidence import COLUMNS, FEATURES, ConfidenceModel, ModelError, load_model, shipped_model


def typical() -> dict[str, float]:
    model = shipped_model()
    return dict(zip(FEATURES, model.mean[:len(FEATURES)].tolist(), strict=True))


def test_the_shipped_model_loads_and_gives_probabilities():
    model = shipped_model()
    rng = np.random.default_rng(7)
    for _ in range(200):
        features = {f: float(v) for f, v in zip(FEATURES, rng.uniform(-1, 2, len(FEATURES)), strict=True)}
        assert 0.0 <= model.probability(features) <= 1.0
    assert 0.0 < model.suggest_threshold < model.answer_threshold < 1.0


@pytest.mark.parametrize("feature", ["coverage", "lead", "phrasing_held"])
def test_the_probability_grows_with_the_evidence_for_the_entry(feature):
    model = shipped_model()
    base = typical()
    values = [model.probability({**base, feature: v}) for v in np.linspace(0.0, 1.0, 11)]
    assert all(b > a for a, b in zip(values, values[1:], strict=False)), values


def test_an_off_topic_word_and_missing_subject_words_lower_the_probability():
    model = shipped_model()
    base = {**typical(), "off_topic": 0.0, "in_domain": 1.0}
    assert model.probability({**base, "off_topic": 1.0}) < model.probability(base)
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

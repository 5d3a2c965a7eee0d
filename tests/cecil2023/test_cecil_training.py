"""Tests of Cecil & Sugden's training protocol and metrics (genomic_dl.cecil2023.training)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from genomic_dl.cecil2023.models import build_cecil_model, mini_cnn_kwargs
from genomic_dl.cecil2023.training import (
    accuracy_interval,
    agreement_matrix,
    auroc,
    predict_logits,
    spearman_matrix,
    strategy_config,
    stratified_split,
    train_with_restarts,
)


def toy_images(n_per_class, seed, shape=(8, 8)):
    """Separable binary images: neutral pixels are 1 with probability 0.2, sweep pixels 0.8."""
    rng = np.random.default_rng(seed)
    neutral = rng.random((n_per_class, *shape)) < 0.2
    sweep = rng.random((n_per_class, *shape)) < 0.8
    return np.concatenate([neutral, sweep]).astype(np.uint8), np.repeat([0, 1], n_per_class)


class RecordingBuilder:
    """build_fn of a mini-CNN that keeps a copy of every model's initial weights.

    The toy classes differ in pixel density only, which a network without biases cannot
    threshold (its logit scales with the density), so the mini-CNN gets biases here.
    """

    def __init__(self, shape=(8, 8)):
        self.kwargs = {**mini_cnn_kwargs(shape), "use_bias": True}
        self.initial = []

    def __call__(self, generator):
        model = build_cecil_model("mini_cnn", self.kwargs, generator)
        self.initial.append(torch.cat([p.detach().flatten().clone() for p in model.parameters()]))
        return model


def test_stratified_split_is_balanced_and_partitions_the_samples():
    labels = np.repeat([0, 1], [500, 300])
    split = stratified_split(labels, (0.8, 0.1, 0.1), np.random.default_rng(0))
    together = np.concatenate([split.train, split.valid, split.test])
    np.testing.assert_array_equal(np.sort(together), np.arange(800))
    for part, size in ((split.train, 640), (split.valid, 80), (split.test, 80)):
        assert part.size == size
        assert labels[part].mean() == pytest.approx(300 / 800)
    with pytest.raises(ValueError, match="fractions"):
        stratified_split(labels, (0.8, 0.1, 0.2), np.random.default_rng(0))
    with pytest.raises(ValueError, match="Generator"):
        stratified_split(labels)


def test_best_of_restarts_beats_chance_and_restarts_differ():
    x, y = toy_images(500, seed=1)
    config = strategy_config("fixed_epochs", batch_size=32, learning_rate=0.05)
    builder = RecordingBuilder()
    result = train_with_restarts(builder, x, y, seed=3, n_restarts=3, config=config, log=None)
    assert len(builder.initial) == 3 and len(result.restarts) == 3
    for i in range(3):
        for j in range(i):
            assert not torch.equal(builder.initial[i], builder.initial[j])
    accuracies = [row["valid_accuracy"] for row in result.restarts]
    assert result.best_restart == int(np.argmax(accuracies))
    assert all(row["epochs"] == 2 for row in result.restarts)
    test = result.split.test
    calls = predict_logits(result.model, x[test]) >= 0
    assert np.mean(calls == y[test]) >= 0.9  # chance is 0.5

    again = train_with_restarts(RecordingBuilder(), x, y, seed=3, n_restarts=1, config=config, log=None)
    assert again.restarts[0] == result.restarts[0]  # the seed fixes split, weights and shuffling
    np.testing.assert_array_equal(again.split.test, result.split.test)


def test_early_stopping_and_simulation_on_the_fly():
    x, y = toy_images(100, seed=4)
    early = train_with_restarts(
        RecordingBuilder(),
        x,
        y,
        seed=5,
        n_restarts=1,
        strategy="early_stopping",
        config=strategy_config("early_stopping", max_epochs=6, patience=1, batch_size=32),
        log=None,
    )
    assert 2 <= early.restarts[0]["epochs"] <= 6
    history = early.histories[0]
    assert early.restarts[0]["valid_accuracy"] == history.rows[history.best_epoch - 1]["valid_accuracy"]

    requested = []

    def fresh_data(epoch_index):
        requested.append(epoch_index)
        return toy_images(50, seed=100 + epoch_index)

    fly = train_with_restarts(
        RecordingBuilder(),
        x,
        y,
        seed=5,
        n_restarts=1,
        strategy="on_the_fly",
        config=strategy_config("on_the_fly", epochs=3, batch_size=32),
        epoch_data=fresh_data,
        log=None,
    )
    assert requested == [0, 1, 2]
    assert [row["n_train"] for row in fly.histories[0].rows] == [100, 100, 100]
    with pytest.raises(ValueError, match="epoch_data"):
        train_with_restarts(RecordingBuilder(), x, y, seed=5, strategy="on_the_fly", log=None)


def test_accuracy_intervals_on_known_counts():
    low, high = stats.binomtest(8, 10).proportion_ci(0.95, method="wilson")
    accuracy, wilson_low, wilson_high = accuracy_interval(8, 10, method="wilson")
    assert accuracy == 0.8
    assert (wilson_low, wilson_high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))
    assert (wilson_low, wilson_high) == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
    # the paper's normal approximation: 0.9 +- 1.96 * sqrt(0.9 * 0.1 / 10000)
    _, normal_low, normal_high = accuracy_interval(9000, 10_000)
    assert (normal_low, normal_high) == (pytest.approx(0.9 - 0.00588, abs=1e-5), pytest.approx(0.9 + 0.00588, abs=1e-5))
    assert accuracy_interval(10, 10, method="normal")[1:] == (1.0, 1.0)
    with pytest.raises(ValueError, match="n_correct"):
        accuracy_interval(11, 10)


def test_auroc_on_hand_made_scores():
    assert auroc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == pytest.approx(0.75)
    assert auroc(np.array([1.0, 1.0]), np.array([0, 1])) == pytest.approx(0.5)  # a tie counts one half
    assert auroc(np.array([3.0, 2.0, 1.0]), np.array([1, 0, 0])) == 1.0
    with pytest.raises(ValueError, match="both classes"):
        auroc(np.array([1.0, 2.0]), np.array([1, 1]))


def test_spearman_and_agreement_on_hand_made_arrays():
    names, rho = spearman_matrix(
        {
            "cnn": np.array([1.0, 2, 3, 4, 5]),
            "h1": np.array([2.0, 4, 6, 8, 10]),
            "s": np.array([5.0, 4, 3, 2, 1]),
            "ihs": np.array([1.0, 3, 2, 5, 4]),
        }
    )
    assert names == ["cnn", "h1", "s", "ihs"]
    assert rho[0, 1] == pytest.approx(1.0) and rho[0, 2] == pytest.approx(-1.0)
    assert rho[0, 3] == pytest.approx(1 - 6 * 4 / (5 * 24))  # squared rank differences sum to 4
    np.testing.assert_allclose(rho, rho.T)

    names, agree = agreement_matrix(
        {"a": np.array([1, 0, 1, 1]), "b": np.array([1, 1, 1, 0]), "c": np.array([0, 1, 0, 0])}
    )
    np.testing.assert_allclose(agree, [[1, 0.5, 0], [0.5, 1, 0.5], [0, 0.5, 1]])
    with pytest.raises(ValueError, match="same regions"):
        agreement_matrix({"a": np.zeros(3), "b": np.zeros(4)})

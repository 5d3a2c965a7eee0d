"""Tests of the torch-free protocol pieces (genomic_dl.cecil2023.evaluation)."""

from __future__ import annotations

import numpy as np
import pytest

from genomic_dl.cecil2023.evaluation import (
    balanced_subset,
    method_metrics,
    oriented_scores,
    spearman_matrix,
)


def test_balanced_subset_draws_half_of_each_class_from_the_given_indices():
    labels = np.array([0, 1] * 10)
    train = np.arange(16)
    subset = balanced_subset(train, labels, 7, np.random.default_rng(0))
    assert subset.size == 7 and np.all(np.isin(subset, train)) and np.unique(subset).size == 7
    assert np.bincount(labels[subset]).tolist() == [4, 3]
    np.testing.assert_array_equal(subset, balanced_subset(train, labels, 7, np.random.default_rng(0)))
    with pytest.raises(ValueError, match="fewer than"):
        balanced_subset(np.array([0, 1, 3, 5, 7]), labels, 5, np.random.default_rng(0))  # one class-0 index
    with pytest.raises(ValueError, match="n must be"):
        balanced_subset(train, labels, 17, np.random.default_rng(0))


def test_oriented_scores_put_undefined_values_last():
    np.testing.assert_allclose(oriented_scores([3.0, np.nan, 1.0]), [3.0, 0.0, 1.0])
    np.testing.assert_allclose(oriented_scores([3.0, np.nan, 1.0], -1), [-3.0, -4.0, -1.0])
    np.testing.assert_allclose(oriented_scores([np.nan, np.nan]), [0.0, 0.0])
    with pytest.raises(ValueError, match="direction"):
        oriented_scores([1.0], 2)


def test_method_metrics_on_hand_counted_calls():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    calls = np.array([0, 0, 0, 1, 1, 1, 0, 1])  # 6 of 8 correct
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.9, 0.8, 0.25, 0.7])
    metrics = method_metrics(labels, calls, scores)
    half = 1.959964 * np.sqrt(0.75 * 0.25 / 8)
    assert metrics["accuracy"] == 0.75 and metrics["n_test"] == 8
    assert metrics["ci_low"] == pytest.approx(0.75 - half, abs=1e-6) and metrics["ci_high"] == pytest.approx(
        min(1, 0.75 + half), abs=1e-6
    )
    assert metrics["recall_neutral"] == 0.75 and metrics["recall_sweep"] == 0.75
    # AUROC: pairs (sweep > neutral): 0.9, 0.8, 0.7 beat all 4; 0.25 beats 0.1 and 0.2 -> (12 + 2) / 16
    assert metrics["auroc"] == pytest.approx(14 / 16)


def test_spearman_matrix_of_two_methods_is_a_matrix():
    names, matrix = spearman_matrix({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3]})
    assert names == ["a", "b"] and matrix.shape == (2, 2)
    np.testing.assert_allclose(matrix, [[1, 0.6], [0.6, 1]])

"""Gradient correction, GradientShap on a linear model, logos, ground-truth AUROC/AUPR."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from genomic_dl.evoaug2023.attribution import (
    attribution_ground_truth_scores,
    attribution_to_logo_matrix,
    gradient_correction,
    gradient_shap,
    plot_logo,
    position_importance,
    random_dna,
)


def test_gradient_correction_zero_mean_and_shift_invariant():
    rng = np.random.default_rng(0)
    attributions = rng.normal(size=(5, 4, 30))
    corrected = gradient_correction(attributions)
    np.testing.assert_allclose(corrected.sum(axis=1), 0.0, atol=1e-12)
    shifted = attributions + rng.normal(size=(5, 1, 30))  # a constant per sequence and position
    np.testing.assert_allclose(gradient_correction(shifted), corrected, atol=1e-12)
    np.testing.assert_allclose(gradient_correction(corrected), corrected, atol=1e-12)
    # the component along the nucleotides is kept: a single non-zero entry a -> 3a/4 and -a/4
    single = np.zeros((4, 1))
    single[2, 0] = 4.0
    np.testing.assert_allclose(gradient_correction(single)[:, 0], [-1.0, -1.0, 3.0, -1.0])


def test_random_dna_is_one_hot_with_uniform_bases():
    x = random_dna(500, 40, np.random.default_rng(1))
    assert x.shape == (500, 4, 40) and x.dtype == np.float32
    np.testing.assert_array_equal(x.sum(axis=1), 1.0)
    # each base frequency over 20,000 draws: 0.25 +- 0.003 (sd)
    np.testing.assert_allclose(x.mean(axis=(0, 2)), 0.25, atol=0.015)


class LinearTwoTask(nn.Module):
    """f(x)_t = sum(W_t * x) + b_t, outputs (N, 2)."""

    def __init__(self, length: int, generator: torch.Generator):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(2, 4, length, generator=generator))
        self.bias = nn.Parameter(torch.tensor([0.3, -1.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ncl,tcl->nt", x, self.weight) + self.bias


def test_gradient_shap_on_linear_model_matches_expectation_and_completeness():
    length = 10
    model = LinearTwoTask(length, torch.Generator().manual_seed(0))
    x = random_dna(3, length, np.random.default_rng(2))
    attributions = gradient_shap(
        model, x, target=1, rng=np.random.default_rng(3), n_references=1000, n_samples=3000, stdevs=0.0
    )
    assert attributions.shape == x.shape and attributions.dtype == np.float32
    weight = model.weight[1].detach().numpy()
    # gradient = W everywhere; E[reference] = 0.25 per entry; sampling sd <= |W| * 0.008
    expected = weight[None] * (x - 0.25)
    np.testing.assert_allclose(attributions, expected, atol=0.05 * np.abs(weight).max())
    # completeness: sum of attributions = f(x) - E[f(reference)], sd about 0.06 here
    with torch.no_grad():
        outputs = model(torch.from_numpy(x))[:, 1].numpy()
    reference_mean = weight.sum() * 0.25 + model.bias[1].item()
    np.testing.assert_allclose(attributions.sum(axis=(1, 2)), outputs - reference_mean, atol=0.3)


def test_gradient_shap_is_reproducible_and_leaves_global_rng_alone():
    length = 12
    model = LinearTwoTask(length, torch.Generator().manual_seed(4))
    model.train()
    x = random_dna(4, length, np.random.default_rng(5))
    numpy_state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state().clone()
    settings = {"target": 0, "n_references": 50, "n_samples": 5, "batch_size": 3}
    first = gradient_shap(model, x, rng=np.random.default_rng(6), **settings)
    second = gradient_shap(model, x, rng=np.random.default_rng(6), **settings)
    other = gradient_shap(model, x, rng=np.random.default_rng(7), **settings)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert model.training


def test_logo_matrix_is_corrected_attribution_at_observed_base():
    # column means 3 and 1 -> corrected [-2, -1, 0, 3] and [-1, -1, 3, -1]; sequence "CG"
    attributions = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 4.0], [6.0, 0.0]])
    x = np.array([[0, 0], [1, 0], [0, 1], [0, 0]], dtype=np.float32)
    matrix = attribution_to_logo_matrix(attributions, x)
    np.testing.assert_allclose(matrix, [[0, 0], [-1.0, 0], [0, 3.0], [0, 0]])

    figure, ax = plt.subplots(figsize=(4, 1.5))
    logo = plot_logo(ax, matrix)
    assert logo.df.shape == (2, 4) and list(logo.df.columns) == ["A", "C", "G", "T"]
    np.testing.assert_allclose(logo.df.to_numpy(), matrix.T)
    plt.close(figure)


def test_ground_truth_perfect_random_and_excluded():
    rng = np.random.default_rng(8)
    n, length = 400, 100
    planted = np.zeros((n, length), dtype=bool)
    starts = rng.integers(0, length - 10, size=n)
    planted[np.arange(n)[:, None], starts[:, None] + np.arange(10)] = True
    planted[0] = False  # no motif: excluded

    concentrated = rng.normal(size=(n, 4, length)) * planted[:, None, :]
    perfect = attribution_ground_truth_scores(concentrated, planted)
    assert np.isnan(perfect.auroc[0]) and np.isnan(perfect.aupr[0])
    assert perfect.n_scored == n - 1
    np.testing.assert_allclose(perfect.auroc[1:], 1.0)
    np.testing.assert_allclose(perfect.aupr[1:], 1.0)

    random = attribution_ground_truth_scores(rng.normal(size=(n, 4, length)), planted)
    # per-sequence AUROC sd ~ 0.1, mean over 399 sequences: sd ~ 0.005
    assert random.mean_auroc == pytest.approx(0.5, abs=0.03)
    assert random.mean_aupr < 0.25  # prevalence 0.1; a perfect ranking gives 1


def brute_force_auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    positive, negative = scores[labels], scores[~labels]
    greater = (positive[:, None] > negative[None, :]).mean()
    ties = (positive[:, None] == negative[None, :]).mean()
    return greater + 0.5 * ties


def test_auroc_with_ties_and_aupr_hand_computed():
    rng = np.random.default_rng(9)
    planted = rng.uniform(size=(30, 25)) < 0.3
    planted[:, 0], planted[:, 1] = True, False
    # integer-valued maps on one nucleotide: many tied importances
    attributions = np.zeros((30, 4, 25))
    attributions[:, 0] = rng.integers(0, 4, size=(30, 25))
    scores = attribution_ground_truth_scores(attributions, planted)
    importance = position_importance(attributions)
    expected = [brute_force_auroc(importance[i], planted[i]) for i in range(30)]
    np.testing.assert_allclose(scores.auroc, expected)

    # importance 4, 3, 2, 1 (l1 of corrected = 1.5 * value) with labels 1, 0, 1, 0:
    # AP = (1/2)(1/1) + (1/2)(2/3) = 5/6; ties 2, 2, 1 with labels 0, 1, 1: AP = (1/2)(1/2) + (1/2)(2/3)
    maps = np.zeros((2, 4, 4))
    maps[0, 1] = [4, 3, 2, 1]
    maps[1, 1, :3] = [2, 2, 1]
    labels = np.array([[1, 0, 1, 0], [0, 1, 1, 0]], dtype=bool)
    aupr = attribution_ground_truth_scores(maps, labels).aupr
    np.testing.assert_allclose(aupr, [5 / 6, 0.25 + 1 / 3])


def test_observed_importance_needs_input_and_uses_observed_base():
    attributions = np.zeros((1, 4, 3))
    attributions[0, 0] = [4.0, 0.0, 0.0]  # corrected column 0: A 3, C/G/T -1
    x = np.zeros((1, 4, 3), dtype=np.float32)
    x[0, [0, 1, 3], [0, 1, 2]] = 1  # A C T
    np.testing.assert_allclose(position_importance(attributions, x, method="observed"), [[3.0, 0.0, 0.0]])
    np.testing.assert_allclose(position_importance(attributions), [[6.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="x is required"):
        position_importance(attributions, method="observed")

"""Class values, nearest-class labels, label distributions and the soft-label loss."""

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn.functional as F

from genomic_dl.imagene2019.labels import (
    LabelDistribution,
    categorical_labels,
    class_values,
    gaussian_labels,
    labels_to_classes,
    perturb_classes,
    perturbed_labels,
    soft_cross_entropy,
    uniform_class_prior,
)


def test_class_values_paper_default():
    np.testing.assert_array_equal(class_values(), np.arange(0, 401, 40, dtype=float))
    np.testing.assert_array_equal(class_values(0, 400, 3), [0.0, 200.0, 400.0])
    with pytest.raises(ValueError, match="n"):
        class_values(0, 400, 1)
    with pytest.raises(ValueError, match="lo < hi"):
        class_values(400, 0, 3)


def test_labels_to_classes_hand_cases():
    classes = np.array([0.0, 200.0, 400.0])
    values = np.array([0, 99, 100, 101, 300, 301, 450, -5, 400])
    # exactly half-way (100, 300) goes to the lower class; outside the range to the end classes
    np.testing.assert_array_equal(labels_to_classes(values, classes), [0, 0, 0, 1, 1, 2, 2, 0, 2])


def test_labels_to_classes_matches_brute_force_nearest():
    rng = np.random.default_rng(1)
    classes = class_values()
    values = rng.uniform(-20, 420, size=20_000)
    brute = np.argmin(np.abs(values[:, None] - classes[None, :]), axis=1)
    np.testing.assert_array_equal(labels_to_classes(values, classes), brute)


def test_labels_to_classes_rejects_bad_input():
    with pytest.raises(ValueError, match="increasing"):
        labels_to_classes(np.array([1.0]), np.array([0.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="finite"):
        labels_to_classes(np.array([np.nan]), np.array([0.0, 1.0]))


def test_uniform_class_prior_matches_nearest_class_frequencies():
    classes = class_values()
    prior = uniform_class_prior(classes, 0, 400)
    np.testing.assert_allclose(prior, [0.05] + [0.1] * 9 + [0.05])
    draws = np.random.default_rng(2).uniform(0, 400, size=200_000)
    frequency = np.bincount(labels_to_classes(draws, classes), minlength=11) / draws.size
    # binomial sd <= sqrt(0.1 * 0.9 / 2e5) = 6.7e-4
    np.testing.assert_allclose(frequency, prior, atol=4e-3)


def test_categorical_labels_one_hot():
    labels = categorical_labels(np.array([2, 0, 1]), 3)
    np.testing.assert_array_equal(labels, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert labels.dtype == np.float32
    with pytest.raises(ValueError, match="class_index"):
        categorical_labels(np.array([3]), 3)


def test_gaussian_labels_known_values_and_edges():
    labels = gaussian_labels(np.array([5, 0]), 11, sd=0.5)
    interior = 1.0 / (1 + 2 * np.exp(-2) + 2 * np.exp(-8) + 2 * np.exp(-18) + 2 * np.exp(-32) + 2 * np.exp(-50))
    assert labels[0, 5] == pytest.approx(interior, rel=1e-6)
    assert labels[0, 4] == pytest.approx(interior * np.exp(-2), rel=1e-6)
    np.testing.assert_allclose(labels[0, :5], labels[0, 6:][::-1], rtol=1e-6)  # symmetric
    # ImaGene's formulation: normal pdf at every class index, renormalised
    for row, centre in zip(labels, (5, 0)):
        pdf = scipy.stats.norm.pdf(np.arange(11), loc=centre, scale=0.5)
        np.testing.assert_allclose(row, pdf / pdf.sum(), rtol=1e-5, atol=1e-30)
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
    assert np.argmax(labels[1]) == 0 and labels[1, 0] > labels[0, 5]  # mass folded onto the edge class


def test_perturbation_probabilities():
    rng = np.random.default_rng(3)
    n = 30_000
    interior = perturb_classes(np.full(n, 5), 11, rng) - 5
    end = perturb_classes(np.zeros(n, dtype=np.int64), 11, rng)
    top = perturb_classes(np.full(n, 10), 11, rng)
    assert set(np.unique(interior)) == {-1, 0, 1}
    # shift uniform on {-1, 0, 1}; binomial sd = sqrt(2/9 / 3e4) = 0.0027
    np.testing.assert_allclose(np.bincount(interior + 1) / n, [1 / 3] * 3, atol=0.015)
    np.testing.assert_allclose(np.bincount(end, minlength=2)[:2] / n, [2 / 3, 1 / 3], atol=0.015)
    assert set(np.unique(top)) == {9, 10} and abs(np.mean(top == 10) - 2 / 3) < 0.015


def test_perturbation_range_and_reproducibility():
    index = np.random.default_rng(4).integers(0, 11, size=5000)
    shifted = perturb_classes(index, 11, np.random.default_rng(7), max_shift=2)
    assert np.abs(shifted - index).max() == 2 and shifted.min() == 0 and shifted.max() == 10
    np.testing.assert_array_equal(shifted, perturb_classes(index, 11, np.random.default_rng(7), max_shift=2))
    np.testing.assert_array_equal(perturb_classes(index, 11, np.random.default_rng(7), max_shift=0), index)
    labels = perturbed_labels(index, 11, np.random.default_rng(7), max_shift=2)
    np.testing.assert_array_equal(np.argmax(labels, axis=1), shifted)
    with pytest.raises(ValueError, match="rng"):
        perturb_classes(index, 11, 7)


def test_label_distribution_dispatch_and_validation():
    index = np.array([0, 3, 4])
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(LabelDistribution().targets(index, 5, rng), categorical_labels(index, 5))
    np.testing.assert_array_equal(
        LabelDistribution("gaussian", sd=0.8).targets(index, 5, rng), gaussian_labels(index, 5, 0.8)
    )
    perturbed = LabelDistribution.from_dict({"kind": "perturbed", "max_shift": 1}).targets(
        index, 5, np.random.default_rng(9)
    )
    np.testing.assert_array_equal(perturbed, perturbed_labels(index, 5, np.random.default_rng(9)))
    assert LabelDistribution.from_dict(LabelDistribution("gaussian").to_dict()) == LabelDistribution("gaussian")
    with pytest.raises(ValueError, match="unknown label distribution keys"):
        LabelDistribution.from_dict({"kind": "gaussian", "sigma": 1})
    with pytest.raises(ValueError, match="kind"):
        LabelDistribution("dirac")


def test_soft_cross_entropy():
    torch.manual_seed(0)
    logits = torch.randn(6, 4, requires_grad=True)
    index = torch.tensor([0, 1, 2, 3, 1, 0])
    one_hot = F.one_hot(index, 4).float()
    assert torch.allclose(soft_cross_entropy(logits, one_hot), F.cross_entropy(logits, index))
    # uniform prediction: loss log K whatever the targets
    soft = torch.softmax(torch.randn(6, 4), dim=1)
    assert soft_cross_entropy(torch.zeros(6, 4), soft).item() == pytest.approx(np.log(4), rel=1e-6)
    # gradient of mean CE w.r.t. logits = (softmax - targets) / B
    soft_cross_entropy(logits, soft).backward()
    expected = (torch.softmax(logits.detach(), dim=1) - soft) / 6
    assert torch.allclose(logits.grad, expected, atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        soft_cross_entropy(torch.zeros(2, 3), torch.zeros(2, 4))

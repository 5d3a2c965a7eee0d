"""Posterior summaries of class probabilities: point estimates, HPD intervals, Bayes factors, errors."""

import numpy as np
import pytest

from genomic_dl.imagene2019.labels import class_values, uniform_class_prior
from genomic_dl.imagene2019.posterior import (
    bayes_factor,
    bias,
    confusion_matrix,
    hpdi_exact,
    hpdi_sampled,
    map_estimate,
    posterior_mean,
    posterior_sample_counts,
    rmse,
    standardized_bias,
    summarise_posterior,
)

VALUES = np.array([0.0, 10.0, 20.0, 30.0, 40.0])


def test_map_and_mean_hand_computed():
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0]])
    values = np.array([0.0, 200.0, 400.0])
    np.testing.assert_array_equal(map_estimate(probs, values), [200.0, 0.0, 400.0])  # first maximum on ties
    np.testing.assert_allclose(posterior_mean(probs, values), [240.0, 200.0, 400.0])


@pytest.mark.parametrize(
    "probs, values, mass, expected",
    [
        # one class holds 0.9 < 0.95; [20, 30] holds 0.96, [10, 20] only 0.92
        ([0.01, 0.02, 0.90, 0.06, 0.01], VALUES, 0.95, [20, 30]),
        ([0.01, 0.02, 0.90, 0.06, 0.01], VALUES, 0.80, [20, 20]),
        # bimodal: the interval spans the low-probability classes between the modes
        ([0.48, 0.02, 0.0, 0.02, 0.48], VALUES, 0.95, [0, 40]),
        # two equally narrow candidates: the lower one
        ([0.5, 0.0, 0.0, 0.0, 0.5], VALUES, 0.4, [0, 0]),
        # a range holding exactly the mass qualifies (0.5 + 0.45 in floating point)
        ([0.5, 0.45, 0.05, 0.0, 0.0], VALUES, 0.95, [0, 10]),
        # widths are measured in values, not in classes: [0, 1] beats [1, 10]
        ([0.3, 0.3, 0.4], np.array([0.0, 1.0, 10.0]), 0.6, [0, 1]),
        ([0.3, 0.3, 0.4], np.array([0.0, 9.0, 10.0]), 0.6, [9, 10]),
    ],
)
def test_hpdi_exact_hand_computed(probs, values, mass, expected):
    np.testing.assert_array_equal(hpdi_exact(np.array([probs]), values, mass), [expected])


def _pymc3_style_hpd(sample: np.ndarray, mass: float) -> tuple[float, float]:
    """Narrowest window of floor(mass * n) + 1 consecutive sorted draws, first on ties."""
    x = np.sort(sample)
    step = int(np.floor(mass * x.size))
    widths = x[step:] - x[: x.size - step]
    k = int(np.argmin(widths))
    return x[k], x[k + step]


def test_hpdi_sampled_is_the_window_estimator_on_the_drawn_sample():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.full(5, 0.4), size=300)
    counts = posterior_sample_counts(probs, 37, np.random.default_rng(11))
    got = hpdi_sampled(probs, VALUES, np.random.default_rng(11), n_samples=37, mass=0.9)
    expected = [_pymc3_style_hpd(np.repeat(VALUES, row), 0.9) for row in counts]
    np.testing.assert_array_equal(got, expected)


def test_hpdi_sampled_agrees_with_exact_with_100k_draws():
    rng = np.random.default_rng(1)
    values = class_values()
    probs = rng.dirichlet(np.full(11, 0.3), size=400)
    exact = hpdi_exact(probs, values)
    sampled = hpdi_sampled(probs, values, np.random.default_rng(2))
    # Rows where some class range holds a mass within 0.004 of 0.95 (5.8 sampling sd) may
    # legitimately differ; every other row must agree.
    cumulative = np.concatenate([np.zeros((400, 1)), np.cumsum(probs, axis=1)], axis=1)
    range_mass = cumulative[:, None, 1:] - cumulative[:, :-1, None]
    upper_triangle = np.triu(np.ones((11, 11), dtype=bool))
    borderline = (np.abs(range_mass - 0.95) < 0.004)[:, upper_triangle].any(axis=1)
    assert (~borderline).sum() > 300
    np.testing.assert_array_equal(sampled[~borderline], exact[~borderline])
    # every exact interval holds at least the credible mass
    inside = (values[None, :] >= exact[:, :1]) & (values[None, :] <= exact[:, 1:])
    assert np.all((probs * inside).sum(axis=1) >= 0.95 - 1e-9)


def test_sample_counts_statistics():
    probs = np.array([[0.2, 0.5, 0.3]] * 4)
    counts = posterior_sample_counts(probs, 100_000, np.random.default_rng(3))
    assert counts.shape == (4, 3) and np.all(counts.sum(axis=1) == 100_000)
    np.testing.assert_allclose(counts / 100_000, probs, atol=0.0075)  # sd <= 0.0016


def test_bayes_factor():
    probs = np.array([[0.2, 0.5, 0.3], [0.5, 0.25, 0.25], [0.0, 0.5, 0.5], [1 / 21, 10 / 21, 10 / 21]])
    np.testing.assert_allclose(bayes_factor(probs), [4.0, 1.0, np.inf, 20.0])
    np.testing.assert_allclose(
        bayes_factor(probs, null_classes=[0, 1]), [0.3 / 0.7, 0.25 / 0.75, 1.0, (10 / 21) / (11 / 21)]
    )
    # with the Fig 5 training prior (P(S class 0) = 0.05) the posterior odds are divided by 19
    values = class_values()
    row = np.full((1, 11), 0.09)
    row[0, 0] = 0.1
    prior = uniform_class_prior(values, 0, 400)
    np.testing.assert_allclose(bayes_factor(row, prior=prior), [9.0 / 19.0])
    with pytest.raises(ValueError, match="null_classes"):
        bayes_factor(probs, null_classes=[3])


def test_summarise_posterior_keys_and_values():
    probs = np.array([[0.01, 0.02, 0.90, 0.06, 0.01], [0.2, 0.2, 0.2, 0.2, 0.2]])
    summary = summarise_posterior(probs, VALUES, np.random.default_rng(0))
    assert set(summary) == {"map", "mean", "hpdi_lower", "hpdi_upper", "bayes_factor"}
    np.testing.assert_array_equal(summary["map"], [20.0, 0.0])
    np.testing.assert_allclose(summary["mean"], [0.2 + 18.0 + 1.8 + 0.4, 20.0])
    np.testing.assert_array_equal(np.stack([summary["hpdi_lower"], summary["hpdi_upper"]], 1), [[20, 30], [0, 40]])
    np.testing.assert_allclose(summary["bayes_factor"], [99.0, 4.0])


def test_posterior_input_validation():
    with pytest.raises(ValueError, match="sum to 1"):
        map_estimate(np.array([[0.5, 0.6]]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="increasing"):
        hpdi_exact(np.array([[0.5, 0.5]]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="shape"):
        posterior_mean(np.array([0.5, 0.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="mass"):
        hpdi_exact(np.array([[0.5, 0.5]]), np.array([0.0, 1.0]), mass=1.0)


def test_error_metrics_hand_computed():
    estimate, truth = np.array([1.0, 2.0, 5.0]), np.array([1.0, 2.0, 3.0])
    assert rmse(estimate, truth) == pytest.approx(np.sqrt(4 / 3))
    assert bias(estimate, truth) == pytest.approx(2 / 3)
    assert standardized_bias(np.array([0.0, 110.0]), np.array([0.0, 100.0])) == pytest.approx(0.5 * 10 / 101)
    assert standardized_bias(np.array([0.0, 110.0]), np.array([1.0, 100.0]), offset=0.0) == pytest.approx(
        0.5 * (-1 + 0.1)
    )
    with pytest.raises(ValueError, match="offset"):
        standardized_bias(np.array([1.0]), np.array([0.0]), offset=0.0)
    with pytest.raises(ValueError, match="equal length"):
        rmse(np.zeros(2), np.zeros(3))


def test_confusion_matrix():
    true_index = np.array([0, 0, 1, 2, 2, 2])
    predicted = np.array([0, 1, 1, 2, 0, 2])
    np.testing.assert_array_equal(confusion_matrix(true_index, predicted, 3), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 11, 1000), rng.integers(0, 11, 1000)
    matrix = confusion_matrix(t, p, 11)
    assert matrix.sum() == 1000 and np.trace(matrix) == np.sum(t == p)
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(t, minlength=11))
    with pytest.raises(ValueError, match="predicted_index"):
        confusion_matrix(np.array([0]), np.array([3]), 3)

"""Posterior summaries of a softmax over parameter classes (Torada et al. 2019, Fig 6).

The network's class probabilities ``probs`` (N, K) are read as a discrete posterior of the
parameter over the class values ``values`` (K,), strictly increasing. Everything here is
vectorised over the N rows.

Highest posterior density interval
----------------------------------
ImaGene draws 100,000 samples of the class values from the posterior
(``np.random.choice(classes, p=probs)``) and passes them to ``pymc3.stats.hpd``, which sorts the
``n`` samples ``x`` and returns the narrowest window ``[x[k], x[k + m]]`` with
``m = floor(mass * n)``; among windows of equal width the first (lowest) one. No jitter within a
class is added, so the interval ends are class values.

* :func:`hpdi_sampled` reproduces that estimator. The sorted sample of ``n`` draws is fully
  described by the number of draws of each class, a multinomial ``(n, probs)`` vector, so the
  samples are drawn as those counts (same distribution, memory ``(N, K)`` instead of
  ``(N, n)``); the narrowest window then is the narrowest class range ``[values[i], values[j]]``
  holding at least ``m + 1`` draws.
* :func:`hpdi_exact` is its limit for ``n -> infinity``: the narrowest class range
  ``[values[i], values[j]]`` (``i <= j``, every class in between included) whose posterior mass
  is at least ``mass``; among equally narrow ranges the one with the lowest lower end. For a
  multimodal posterior the range includes the low-probability classes between the modes (an
  interval, not a highest-density *set*), exactly like the sampled estimator.

Both agree except when the mass of a candidate range lies within sampling error of ``mass``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "bayes_factor",
    "bias",
    "confusion_matrix",
    "hpdi_exact",
    "hpdi_sampled",
    "map_estimate",
    "posterior_mean",
    "posterior_sample_counts",
    "rmse",
    "standardized_bias",
    "summarise_posterior",
]

# Rows of ``probs`` may deviate from a sum of 1 by this much (float32 softmax outputs).
_SUM_TOLERANCE = 1e-3
# A class range whose mass falls short of ``mass`` by less than this still qualifies in
# :func:`hpdi_exact` (rounding of sums such as 0.5 + 0.45).
_MASS_TOLERANCE = 1e-9


def _check_probs(probs: np.ndarray) -> np.ndarray:
    """Validate; return float64 ``probs`` (N, K) with every row renormalised to sum to 1."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] < 1:
        raise ValueError(f"probs must have shape (N, K), got shape {probs.shape}")
    if not np.all(np.isfinite(probs)) or np.any(probs < 0):
        raise ValueError("probs must be finite and non-negative")
    sums = probs.sum(axis=1)
    if np.any(np.abs(sums - 1.0) > _SUM_TOLERANCE):
        worst = int(np.argmax(np.abs(sums - 1.0)))
        raise ValueError(f"each row of probs must sum to 1; row {worst} sums to {sums[worst]:.6g}")
    return probs / sums[:, None]


def _check_posterior(probs: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate; return :func:`_check_probs` of ``probs`` and float64 ``values`` (K,)."""
    probs = _check_probs(probs)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size != probs.shape[1]:
        raise ValueError(
            f"values must have shape ({probs.shape[1]},) to match probs {probs.shape}, got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)) or np.any(np.diff(values) <= 0):
        raise ValueError(f"values must be finite and strictly increasing, got {values.tolist()}")
    return probs, values


def _check_mass(mass: float) -> float:
    if not 0.0 < float(mass) < 1.0:
        raise ValueError(f"mass must lie in (0, 1), got {mass!r}")
    return float(mass)


def map_estimate(probs: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Maximum a posteriori class value of each row: float64 (N,) (first maximum on ties)."""
    probs, values = _check_posterior(probs, values)
    return values[np.argmax(probs, axis=1)]


def posterior_mean(probs: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Posterior mean ``sum_k probs[:, k] * values[k]`` of each row: float64 (N,)."""
    probs, values = _check_posterior(probs, values)
    return probs @ values


def _narrowest_range(weights: np.ndarray, values: np.ndarray, needed: np.ndarray) -> np.ndarray:
    """Narrowest class range ``[values[i], values[j]]`` whose summed ``weights`` reach ``needed``.

    ``weights`` (N, K), ``needed`` (N,) or scalar. Ties in width go to the lowest ``i``
    (``argmax``/``argmin`` return the first of equal entries in row-major ``(i, j)`` order).
    Returns float64 (N, 2): lower and upper end.
    """
    n_rows, n_classes = weights.shape
    cumulative = np.concatenate([np.zeros((n_rows, 1), dtype=weights.dtype), np.cumsum(weights, axis=1)], axis=1)
    # mass[r, i, j] = weights[r, i:j + 1].sum()
    mass = cumulative[:, None, 1:] - cumulative[:, :-1, None]
    lower, upper = np.meshgrid(np.arange(n_classes), np.arange(n_classes), indexing="ij")
    width = np.where(upper >= lower, values[upper] - values[lower], np.inf)
    needed = np.broadcast_to(np.asarray(needed), (n_rows,))
    candidate = np.where(mass >= needed[:, None, None], width[None], np.inf)
    best = np.argmin(candidate.reshape(n_rows, n_classes * n_classes), axis=1)
    return np.stack([values[best // n_classes], values[best % n_classes]], axis=1)


def hpdi_exact(probs: np.ndarray, values: np.ndarray, mass: float = 0.95) -> np.ndarray:
    """Highest posterior density interval of the discrete posterior (see the module docstring).

    Parameters
    ----------
    probs : float array, shape (N, K), rows summing to 1.
    values : float array, shape (K,), strictly increasing class values.
    mass : credible mass in (0, 1) (paper: 0.95, "alpha = 0.05").

    Returns
    -------
    float64 array, shape (N, 2): ``[lower, upper]`` class values; the classes
    ``lower .. upper`` hold at least ``mass`` of the posterior and no narrower range does.
    """
    probs, values = _check_posterior(probs, values)
    return _narrowest_range(probs, values, _check_mass(mass) - _MASS_TOLERANCE)


def posterior_sample_counts(probs: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Monte Carlo sample of each row's posterior, as class counts.

    Returns int64 (N, K): how many of ``n_samples`` independent draws from row ``i`` fell in each
    class (one multinomial vector per row) -- the histogram of the paper's Fig 6.
    """
    probs = _check_probs(probs)
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng.multinomial(int(n_samples), probs).astype(np.int64)


def hpdi_sampled(
    probs: np.ndarray,
    values: np.ndarray,
    rng: np.random.Generator,
    n_samples: int = 100_000,
    mass: float = 0.95,
) -> np.ndarray:
    """HPD interval from ``n_samples`` posterior draws, as ImaGene (``pymc3.stats.hpd``).

    Parameters
    ----------
    probs : float array, shape (N, K), rows summing to 1.
    values : float array, shape (K,), strictly increasing class values.
    rng : numpy Generator for the draws.
    n_samples : draws per row (paper: 100,000).
    mass : credible mass in (0, 1) (paper: 0.95).

    Returns
    -------
    float64 array, shape (N, 2): the narrowest window of ``floor(mass * n_samples) + 1``
    consecutive sorted draws, as class values ``[lower, upper]``.
    """
    probs, values = _check_posterior(probs, values)
    mass = _check_mass(mass)
    counts = posterior_sample_counts(probs, n_samples, rng)
    window = int(np.floor(mass * int(n_samples))) + 1
    return _narrowest_range(counts, values, window)


def bayes_factor(probs: np.ndarray, null_classes: Sequence[int] = (0,), prior: np.ndarray | None = None) -> np.ndarray:
    """Bayes factor of "parameter not in ``null_classes``" against "in ``null_classes``".

    Parameters
    ----------
    probs : float array, shape (N, K), rows summing to 1.
    null_classes : class indices of the null model (default: class 0, i.e. S = 0, no selection).
    prior : optional float array, shape (K,): the prior class probabilities of the training set.

    Returns
    -------
    float64 array, shape (N,): the posterior odds ``(1 - p0) / p0`` with ``p0`` the posterior
    mass of the null classes -- ImaGene's "Bayes factor" (Fig 6), which equals the Bayes factor
    when the prior odds are 1. With ``prior`` the posterior odds are divided by the prior odds
    ``(1 - pi0) / pi0``, giving the Bayes factor proper. ``inf`` where ``p0 = 0``.
    """
    probs = _check_probs(probs)
    n_classes = probs.shape[1]
    null = np.asarray(null_classes, dtype=np.int64).ravel()
    if null.size == 0 or null.min() < 0 or null.max() >= n_classes or np.unique(null).size != null.size:
        raise ValueError(f"null_classes must be distinct class indices in [0, {n_classes}), got {list(null_classes)}")
    is_null = np.zeros(n_classes, dtype=bool)
    is_null[null] = True
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = probs[:, ~is_null].sum(axis=1) / probs[:, is_null].sum(axis=1)
    if prior is None:
        return odds
    prior = np.asarray(prior, dtype=np.float64)
    if prior.shape != (n_classes,) or np.any(prior < 0) or abs(prior.sum() - 1.0) > _SUM_TOLERANCE:
        raise ValueError(
            f"prior must be {n_classes} non-negative class probabilities summing to 1, got {prior.tolist()}"
        )
    prior_null = prior[is_null].sum()
    if not 0.0 < prior_null < prior.sum():
        raise ValueError(f"prior must give the null classes {null.tolist()} a mass strictly between 0 and 1")
    return odds / ((prior.sum() - prior_null) / prior_null)


def summarise_posterior(
    probs: np.ndarray,
    values: np.ndarray,
    rng: np.random.Generator,
    *,
    n_samples: int = 100_000,
    mass: float = 0.95,
    null_classes: Sequence[int] = (0,),
) -> dict[str, np.ndarray]:
    """The paper's Fig 6 summaries of each row, float64 arrays of shape (N,).

    Keys: ``map``, ``mean``, ``hpdi_lower``, ``hpdi_upper`` (sampled, :func:`hpdi_sampled`),
    ``bayes_factor`` (:func:`bayes_factor` without prior).
    """
    interval = hpdi_sampled(probs, values, rng, n_samples=n_samples, mass=mass)
    return {
        "map": map_estimate(probs, values),
        "mean": posterior_mean(probs, values),
        "hpdi_lower": interval[:, 0],
        "hpdi_upper": interval[:, 1],
        "bayes_factor": bayes_factor(probs, null_classes),
    }


def _check_pair(estimate: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    estimate = np.asarray(estimate, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    if estimate.ndim != 1 or estimate.shape != truth.shape or estimate.size == 0:
        raise ValueError(
            f"estimate and truth must be non-empty 1-D arrays of equal length, got shapes {estimate.shape} and {truth.shape}"
        )
    return estimate, truth


def rmse(estimate: np.ndarray, truth: np.ndarray) -> float:
    """Root mean squared error ``sqrt(mean((estimate - truth)**2))`` of two (N,) arrays."""
    estimate, truth = _check_pair(estimate, truth)
    return float(np.sqrt(np.mean((estimate - truth) ** 2)))


def bias(estimate: np.ndarray, truth: np.ndarray) -> float:
    """Mean error ``mean(estimate - truth)`` of two (N,) arrays."""
    estimate, truth = _check_pair(estimate, truth)
    return float(np.mean(estimate - truth))


def standardized_bias(estimate: np.ndarray, truth: np.ndarray, offset: float = 1.0) -> float:
    """Mean relative error ``mean((estimate - truth) / (truth + offset))`` of two (N,) arrays.

    The paper reports a "standardized bias" without defining it; this is the quantity the
    authors' analysis script (``Reproduce/plot_continuous.py``) prints next to the RMSE, with
    ``offset = 1`` keeping S = 0 finite. ``truth + offset`` must not be 0.
    """
    estimate, truth = _check_pair(estimate, truth)
    scale = truth + float(offset)
    if np.any(scale == 0):
        raise ValueError(f"truth + offset is 0 for some entries (offset={offset!r}); choose another offset")
    return float(np.mean((estimate - truth) / scale))


def confusion_matrix(true_index: np.ndarray, predicted_index: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``C[t, p]`` of items of true class ``t`` predicted as ``p``: int64 (K, K)."""
    if isinstance(n_classes, bool) or int(n_classes) != n_classes or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    true_index = np.asarray(true_index)
    predicted_index = np.asarray(predicted_index)
    if true_index.ndim != 1 or true_index.shape != predicted_index.shape:
        raise ValueError(
            f"true_index and predicted_index must be 1-D of equal length, got shapes {true_index.shape} and {predicted_index.shape}"
        )
    for name, index in (("true_index", true_index), ("predicted_index", predicted_index)):
        if not np.issubdtype(index.dtype, np.integer) and index.size:
            raise ValueError(f"{name} must hold integer class indices, got dtype {index.dtype}")
        if index.size and (index.min() < 0 or index.max() >= n_classes):
            raise ValueError(f"{name} must lie in [0, {n_classes}), got range [{index.min()}, {index.max()}]")
    k = int(n_classes)
    flat = true_index.astype(np.int64) * k + predicted_index.astype(np.int64)
    return np.bincount(flat, minlength=k * k).reshape(k, k)

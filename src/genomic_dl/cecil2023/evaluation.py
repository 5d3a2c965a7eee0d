"""Torch-free parts of Cecil & Sugden's (2023) protocol: the data split and the evaluation metrics.

Kept apart from :mod:`genomic_dl.cecil2023.training` (which re-exports them) so that the
statistics, table and figure rules need numpy and scipy only.

* :func:`stratified_split`: 80/10/10 train / validation / test, balanced between classes.
* :func:`accuracy_interval`: accuracy with the paper's 95% interval ``p +- 1.96 sqrt(p (1 - p) / N)``.
* :func:`auroc`: area under the ROC curve (ties count one half).
* :func:`spearman_matrix`, :func:`agreement_matrix`: Fig 3's correlation of continuous outputs and
  agreement of binary calls between methods.
* :func:`oriented_scores`, :func:`method_metrics`: one method's test-set summary row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "DataSplit",
    "accuracy_interval",
    "agreement_matrix",
    "auroc",
    "balanced_subset",
    "method_metrics",
    "oriented_scores",
    "spearman_matrix",
    "stratified_split",
]


# --------------------------------------------------------------------------- data split


@dataclass(frozen=True)
class DataSplit:
    """Indices (int64, sorted) of the training, validation and test samples."""

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray

    def to_dict(self) -> dict[str, list[int]]:
        return {"train": self.train.tolist(), "valid": self.valid.tolist(), "test": self.test.tolist()}


def stratified_split(
    labels: np.ndarray, fractions: Sequence[float] = (0.8, 0.1, 0.1), rng: np.random.Generator | None = None
) -> DataSplit:
    """Split samples into train / validation / test sets with the same class balance.

    Every class is shuffled with ``rng`` and cut at ``floor`` of the cumulative fractions, so
    each part holds the same share of every class (up to one sample).

    Parameters
    ----------
    labels : int array, shape (n,), class of each sample.
    fractions : three non-negative numbers summing to 1 (paper: 0.8, 0.1, 0.1).
    rng : numpy Generator; required.

    Returns
    -------
    :class:`DataSplit`.
    """
    if rng is None:
        raise ValueError("stratified_split needs an explicit numpy Generator (rng)")
    labels = np.asarray(labels)
    fractions = np.asarray(fractions, dtype=np.float64)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {labels.shape}")
    if fractions.shape != (3,) or fractions.min() < 0 or not np.isclose(fractions.sum(), 1.0):
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, got {fractions.tolist()}")
    parts: list[list[np.ndarray]] = [[], [], []]
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cuts = np.floor(np.cumsum(fractions)[:2] * members.size).astype(np.int64)
        for part, chunk in zip(parts, np.split(members, cuts)):
            part.append(chunk)
    train, valid, test = (np.sort(np.concatenate(part)).astype(np.int64) for part in parts)
    return DataSplit(train, valid, test)


def balanced_subset(indices: np.ndarray, labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` of ``indices`` (``n / 2`` per class, the remainder to class 0), drawn without replacement.

    Used for the sample-complexity analysis (S1 Text Fig P): smaller training sets drawn from
    the training split, validation and test sets unchanged.

    Parameters
    ----------
    indices : int array, shape (m,), e.g. the training split.
    labels : int array, labels of *all* samples (indexed by ``indices``), 0 or 1.
    n : int, size of the subset (``2 <= n <= m``, and each class must hold its share).
    rng : numpy Generator.

    Returns
    -------
    int64 array, shape (n,), sorted.
    """
    indices = np.asarray(indices, dtype=np.int64)
    labels = np.asarray(labels)
    if isinstance(n, bool) or int(n) != n or not 2 <= n <= indices.size:
        raise ValueError(f"n must be an integer in [2, {indices.size}], got {n!r}")
    shares = {0: n - n // 2, 1: n // 2}
    chosen = []
    for label, share in shares.items():
        members = indices[labels[indices] == label]
        if members.size < share:
            raise ValueError(f"class {label} has {members.size} samples, fewer than the {share} asked for")
        chosen.append(rng.choice(members, share, replace=False))
    return np.sort(np.concatenate(chosen)).astype(np.int64)


# --------------------------------------------------------------------------- evaluation


def accuracy_interval(
    n_correct: int, n_total: int, confidence: float = 0.95, method: str = "normal"
) -> tuple[float, float, float]:
    """Accuracy and its confidence interval.

    ``method="normal"`` (the paper's): ``p +- z sqrt(p (1 - p) / n)``, clipped to [0, 1];
    ``"wilson"``: Wilson's score interval
    ``(p + z^2 / 2n +- z sqrt(p (1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n)``;
    ``z`` is the standard normal quantile of ``(1 + confidence) / 2`` (1.96 for 95%).

    Returns
    -------
    (accuracy, lower, upper) as floats.
    """
    if isinstance(n_total, bool) or int(n_total) != n_total or n_total < 1:
        raise ValueError(f"n_total must be a positive integer, got {n_total!r}")
    if int(n_correct) != n_correct or not 0 <= n_correct <= n_total:
        raise ValueError(f"n_correct must be an integer in [0, {n_total}], got {n_correct!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    p, n = n_correct / n_total, float(n_total)
    z = float(stats.norm.ppf((1.0 + confidence) / 2.0))
    if method == "normal":
        half = z * np.sqrt(p * (1.0 - p) / n)
        return p, max(0.0, p - half), min(1.0, p + half)
    if method == "wilson":
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return p, float(centre - half), float(centre + half)
    raise ValueError(f"method must be 'normal' or 'wilson', got {method!r}")


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the probability that a random sweep scores above a random
    neutral region, ties counting one half (Mann-Whitney U / (n1 n0), average ranks)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    if scores.ndim != 1 or labels.shape != scores.shape or not np.isin(labels, (0, 1)).all():
        raise ValueError("scores and labels must be 1-D of equal length, labels 0/1")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite")
    positive = labels == 1
    n1, n0 = int(positive.sum()), int((~positive).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("auroc needs both classes among the labels")
    ranks = stats.rankdata(scores)
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _stack(values: Mapping[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    names = list(values)
    if len(names) < 2:
        raise ValueError(f"need at least two methods, got {names}")
    arrays = [np.asarray(values[name], dtype=np.float64).reshape(-1) for name in names]
    if len({a.size for a in arrays}) != 1:
        raise ValueError(f"all methods need outputs for the same regions, got sizes {[a.size for a in arrays]}")
    return names, np.stack(arrays)


def spearman_matrix(outputs: Mapping[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Spearman rank correlation between the continuous outputs of several methods (Fig 3A).

    Parameters
    ----------
    outputs : ``{method: float array (n,)}``, each method's score on the same n regions.

    Returns
    -------
    (names, float64 (k, k) matrix).
    """
    names, stacked = _stack(outputs)
    if not np.isfinite(stacked).all():
        raise ValueError("outputs must be finite")
    statistic = stats.spearmanr(stacked, axis=1).statistic
    if np.ndim(statistic) == 0:  # scipy returns the coefficient alone for two methods
        statistic = np.array([[1.0, statistic], [statistic, 1.0]])
    return names, np.asarray(statistic, dtype=np.float64)


def agreement_matrix(calls: Mapping[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """Fraction of regions on which the binary calls of two methods agree (Fig 3B).

    Parameters
    ----------
    calls : ``{method: 0/1 array (n,)}``.

    Returns
    -------
    (names, float64 (k, k) matrix), ones on the diagonal.
    """
    names, stacked = _stack(calls)
    return names, (stacked[:, None, :] == stacked[None, :, :]).mean(axis=2)


def oriented_scores(scores: np.ndarray, direction: int = 1) -> np.ndarray:
    """Scores that grow towards "sweep", finite everywhere (for :func:`auroc` and Spearman).

    ``direction * scores``; a NaN score (a statistic undefined on a region, e.g. Tajima's D
    with fewer than 3 sites or no iHS score) is treated as the least sweep-like value: it gets
    the smallest finite oriented score minus 1, which keeps it last in every ranking (the
    threshold classifiers call it neutral too).

    Parameters
    ----------
    scores : float array, shape (n,)
    direction : +1 (larger = sweep) or -1 (smaller = sweep).

    Returns
    -------
    float64 array, shape (n,).
    """
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1, got {direction!r}")
    oriented = direction * np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(oriented)
    floor = oriented[finite].min() - 1.0 if finite.any() else 0.0
    return np.where(finite, oriented, floor)


def method_metrics(
    labels: np.ndarray, calls: np.ndarray, scores: np.ndarray, confidence: float = 0.95
) -> dict[str, Any]:
    """Test-set summary of one method: accuracy with its interval, AUROC and class recalls.

    Parameters
    ----------
    labels : int array, shape (n,), 1 = sweep (the second class), 0 = neutral.
    calls : int array, shape (n,), the method's binary calls.
    scores : float array, shape (n,), finite, larger = more sweep-like (a probability, or
        :func:`oriented_scores` of a statistic).
    confidence : level of the accuracy interval (paper: 0.95, normal approximation).

    Returns
    -------
    dict with ``accuracy, ci_low, ci_high, auroc, recall_neutral, recall_sweep, n_test``.
    """
    labels = np.asarray(labels)
    calls = np.asarray(calls)
    if labels.shape != calls.shape or labels.ndim != 1:
        raise ValueError(f"labels and calls must be 1-D of equal length, got {labels.shape} and {calls.shape}")
    correct = int(np.sum(labels == calls))
    accuracy, low, high = accuracy_interval(correct, labels.size, confidence)
    return {
        "accuracy": accuracy,
        "ci_low": low,
        "ci_high": high,
        "auroc": auroc(scores, labels),
        "recall_neutral": float(np.mean(calls[labels == 0] == 0)),
        "recall_sweep": float(np.mean(calls[labels == 1] == 1)),
        "n_test": int(labels.size),
    }

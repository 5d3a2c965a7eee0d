"""EvoAug's losses and metrics: binary cross-entropy on logits (Basset, ChIP-seq) and mean squared
error (DeepSTARR); AUROC and AUPR (average precision) per task for binary tasks, Pearson r,
Spearman rho and MSE per task for regression, each with its mean over tasks."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import rankdata

from genomic_dl.nn.trainer import (
    binary_cross_entropy_with_logits,
)

LOG = logging.getLogger(__name__)

__all__ = [
    "TASKS",
    "auroc_per_task",
    "average_precision_per_task",
    "check_task",
    "epoch_metrics",
    "loss_function",
    "mse_per_task",
    "pearson_per_task",
    "spearman_per_task",
    "task_metrics",
]

ArrayLike = np.ndarray | torch.Tensor
TASKS = ("binary", "regression")


def check_task(task: str) -> str:
    """``task`` if it is one of :data:`TASKS`; ``ValueError`` otherwise."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    return task


# --------------------------------------------------------------------------- losses and metrics


def _mse(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean squared error over all elements (targets reshaped like outputs)."""
    return F.mse_loss(outputs, targets.reshape(outputs.shape).to(outputs.dtype))


def loss_function(task: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Mean loss over batch and tasks: BCE on logits (``"binary"``) or MSE (``"regression"``)."""
    return binary_cross_entropy_with_logits if check_task(task) == "binary" else _mse


def _as_2d_float64(name: str, values: ArrayLike) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        values = values.detach().to("cpu", torch.float64).numpy()
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"{name} must have shape (N,) or (N, T), got {values.shape}")
    return values


def _paired(y_true: ArrayLike, y_score: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    truth = _as_2d_float64("y_true", y_true)
    score = _as_2d_float64("y_score", y_score)
    if truth.shape != score.shape:
        raise ValueError(f"y_true {truth.shape} and y_score {score.shape} must have the same shape")
    return truth, score


def _class_counts(positive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n_positive = positive.sum(axis=0)
    return n_positive, positive.shape[0] - n_positive


def auroc_per_task(y_true: ArrayLike, y_score: ArrayLike) -> np.ndarray:
    """Area under the ROC curve of each task (column).

    Parameters
    ----------
    y_true
        ``(N, T)`` labels; ``> 0.5`` is the positive class.
    y_score
        ``(N, T)`` scores (logits or probabilities: any increasing transform
        gives the same value).

    Returns
    -------
    numpy.ndarray
        ``(T,)`` ``float64``; ``NaN`` for a task with a single class. Tied
        scores count one half (Mann-Whitney U with average ranks).
    """
    truth, score = _paired(y_true, y_score)
    positive = truth > 0.5
    n_positive, n_negative = _class_counts(positive)
    ranks = rankdata(score, axis=0, method="average")
    rank_sum = np.where(positive, ranks, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_sum - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)
    return np.where((n_positive > 0) & (n_negative > 0), auc, np.nan)


def average_precision_per_task(y_true: ArrayLike, y_score: ArrayLike) -> np.ndarray:
    """Area under the precision-recall curve (average precision) of each task.

    ``AP = sum_k (R_k - R_{k-1}) P_k`` over the distinct score thresholds in
    decreasing order (scikit-learn's ``average_precision_score``), i.e. the
    mean over positives of the precision at the threshold equal to their
    score.

    Parameters
    ----------
    y_true, y_score
        ``(N, T)``, as in :func:`auroc_per_task`.

    Returns
    -------
    numpy.ndarray
        ``(T,)`` ``float64``; ``NaN`` for a task with a single class.
    """
    truth, score = _paired(y_true, y_score)
    n = truth.shape[0]
    order = np.argsort(-score, axis=0, kind="stable")
    sorted_score = np.take_along_axis(score, order, axis=0)
    sorted_positive = np.take_along_axis(truth > 0.5, order, axis=0)
    precision = np.cumsum(sorted_positive, axis=0) / np.arange(1, n + 1)[:, None]
    # index of the last element of each element's tie group (its threshold)
    group_last = np.ones_like(sorted_positive)
    group_last[:-1] = sorted_score[:-1] != sorted_score[1:]
    last_index = np.where(group_last, np.arange(n)[:, None], n)
    threshold_index = np.minimum.accumulate(last_index[::-1], axis=0)[::-1]
    precision_at_threshold = np.take_along_axis(precision, threshold_index, axis=0)
    n_positive, n_negative = _class_counts(sorted_positive)
    with np.errstate(divide="ignore", invalid="ignore"):
        ap = np.where(sorted_positive, precision_at_threshold, 0.0).sum(axis=0) / n_positive
    return np.where((n_positive > 0) & (n_negative > 0), ap, np.nan)


def pearson_per_task(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Pearson correlation of each task (column); ``NaN`` where a column is constant.

    Returns a ``(T,)`` ``float64`` array.
    """
    truth, pred = _paired(y_true, y_pred)
    truth = truth - truth.mean(axis=0)
    pred = pred - pred.mean(axis=0)
    denominator = np.sqrt((truth**2).sum(axis=0) * (pred**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (truth * pred).sum(axis=0) / denominator
    return np.where(denominator > 0, np.clip(r, -1.0, 1.0), np.nan)


def spearman_per_task(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Spearman rank correlation (average ranks for ties) of each task, ``(T,)``."""
    truth, pred = _paired(y_true, y_pred)
    return pearson_per_task(rankdata(truth, axis=0), rankdata(pred, axis=0))


def mse_per_task(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Mean squared error of each task, ``(T,)``."""
    truth, pred = _paired(y_true, y_pred)
    return ((truth - pred) ** 2).mean(axis=0)


_METRICS: dict[str, dict[str, Callable[[ArrayLike, ArrayLike], np.ndarray]]] = {
    "binary": {"auroc": auroc_per_task, "aupr": average_precision_per_task},
    "regression": {"pearson_r": pearson_per_task, "spearman_r": spearman_per_task, "mse": mse_per_task},
}


def _nanmean(values: np.ndarray) -> float:
    """Mean of the finite entries; NaN when there are none."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


def task_metrics(task: str, y_true: ArrayLike, outputs: ArrayLike) -> dict[str, Any]:
    """Per-task metrics and their means.

    Parameters
    ----------
    task
        ``"binary"`` (``outputs`` are logits) or ``"regression"``.
    y_true, outputs
        ``(N, T)``.

    Returns
    -------
    dict
        ``{metric: [T floats], "mean_" + metric: float}`` for ``auroc`` and
        ``aupr`` (binary) or ``pearson_r``, ``spearman_r`` and ``mse``
        (regression). Undefined per-task values (a single class, a constant
        column) are NaN and left out of the means.
    """
    result: dict[str, Any] = {}
    for name, per_task in _METRICS[check_task(task)].items():
        values = per_task(y_true, outputs)
        result[name] = values.tolist()
        result[f"mean_{name}"] = _nanmean(values)
    return result


def _mean_metric(
    per_task: Callable[[ArrayLike, ArrayLike], np.ndarray],
) -> Callable[[torch.Tensor, torch.Tensor], float]:
    def metric(outputs: torch.Tensor, targets: torch.Tensor) -> float:
        return _nanmean(per_task(targets, outputs))

    return metric


def epoch_metrics(task: str) -> dict[str, Callable[[torch.Tensor, torch.Tensor], float]]:
    """The per-epoch validation metrics for :func:`fit`: the means over tasks
    of the metrics of :func:`task_metrics` (MSE excepted: it is the loss)."""
    names = ("auroc", "aupr") if check_task(task) == "binary" else ("pearson_r", "spearman_r")
    return {name: _mean_metric(_METRICS[task][name]) for name in names}

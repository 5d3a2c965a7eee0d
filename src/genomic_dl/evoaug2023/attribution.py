"""GradientShap attribution maps, gradient correction, logos and ground-truth scores (EvoAug Fig S6).

Attribution maps are computed with captum's ``GradientShap`` against random DNA references
(paper: 1,000 random sequences per map), then gradient-corrected (Majdandzic et al. 2023):
the mean over the four nucleotides is subtracted at each position, which removes the
off-simplex component of the gradient that one-hot inputs cannot probe. Logos show the
corrected attribution at the observed nucleotide (corrected map times the one-hot input).

For synthetic data with planted motifs, a map is scored by how well its per-position
importance ranks the planted positions above the rest (AUROC and AUPR per sequence).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import logomaker
import numpy as np
import pandas as pd
import torch
from captum.attr import GradientShap
from scipy.stats import rankdata
from torch import nn

from genomic_dl.evoaug2023.filters import ALPHABET, check_one_hot, model_device

__all__ = [
    "GroundTruthScores",
    "attribution_ground_truth_scores",
    "attribution_to_logo_matrix",
    "gradient_correction",
    "gradient_shap",
    "plot_logo",
    "position_importance",
    "random_dna",
]


def random_dna(n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """Random one-hot DNA with independent, uniformly distributed bases.

    Returns
    -------
    numpy.ndarray
        float32 array ``(n, 4, length)``.
    """
    if n < 1 or length < 1:
        raise ValueError(f"n and length must be >= 1, got n={n}, length={length}")
    codes = rng.integers(0, len(ALPHABET), size=(n, length))
    return np.eye(len(ALPHABET), dtype=np.float32)[codes].transpose(0, 2, 1).copy()


@contextlib.contextmanager
def _seeded_global_rngs(seed: int, device: torch.device) -> Iterator[None]:
    """Seed numpy's and torch's global RNGs inside the block and restore them afterwards.

    captum draws the GradientShap baselines and interpolation points from ``np.random`` and
    the input noise from torch's global generator; this makes them depend on ``seed`` only
    without leaking into the caller's random state.
    """
    numpy_state = np.random.get_state()
    cuda_devices = []
    if device.type == "cuda":
        cuda_devices = [device.index if device.index is not None else torch.cuda.current_device()]
    try:
        with torch.random.fork_rng(devices=cuda_devices):
            np.random.seed(seed)
            torch.manual_seed(seed)
            yield
    finally:
        np.random.set_state(numpy_state)


def gradient_shap(
    model: nn.Module,
    x: np.ndarray,
    *,
    target: int | None,
    rng: np.random.Generator,
    n_references: int = 1000,
    n_samples: int = 100,
    stdevs: float = 0.1,
    batch_size: int = 8,
    device: torch.device | str | None = None,
) -> np.ndarray:
    """GradientShap attribution maps (captum) against random DNA references.

    For each sequence, captum draws ``n_samples`` references from the ``n_references``
    random sequences, a random point on the line from reference to (noisy) input, and
    averages ``gradient * (input - reference)``.

    Parameters
    ----------
    model
        Network mapping ``(B, 4, L)`` to ``(B, T)`` (or ``(B,)``); put in eval mode for the
        call, its mode is restored afterwards.
    x
        One-hot sequences, shape ``(N, 4, L)``.
    target
        Output (task) index to explain; ``None`` for a model with a single output per row.
    rng
        Draws the references and seeds captum's sampling (the caller's global random state
        is left as it was).
    n_references
        Random references (paper value 1,000), shared by all sequences of the call.
    n_samples
        Samples per sequence (the authors' code: 100).
    stdevs
        Standard deviation of the Gaussian noise added to the input (the authors' code: 0.1).
    batch_size
        Sequences per captum call (each evaluates ``batch_size * n_samples`` gradients). The
        draws depend on ``rng`` and on ``batch_size``: the same pair reproduces the maps.
    device
        Where to compute; default: the device of the model's parameters.

    Returns
    -------
    numpy.ndarray
        float32 array ``(N, 4, L)`` of uncorrected attributions.
    """
    x = check_one_hot(x, "x")
    if n_references < 1 or n_samples < 1 or batch_size < 1 or stdevs < 0:
        raise ValueError(
            "n_references, n_samples and batch_size must be >= 1 and stdevs >= 0, got "
            f"{n_references}, {n_samples}, {batch_size}, {stdevs}"
        )
    device = model_device(model) if device is None else torch.device(device)
    references = torch.from_numpy(random_dna(n_references, x.shape[-1], rng)).to(device)
    seed = int(rng.integers(0, 2**32))
    explainer = GradientShap(model)
    was_training = model.training
    model.eval()
    maps = []
    try:
        with _seeded_global_rngs(seed, device):
            for start in range(0, len(x), batch_size):
                batch = torch.from_numpy(x[start : start + batch_size]).to(device)
                attributions = explainer.attribute(
                    batch, baselines=references, target=target, n_samples=n_samples, stdevs=stdevs
                )
                maps.append(attributions.detach().float().cpu().numpy())
    finally:
        model.train(was_training)
    return np.concatenate(maps)


def gradient_correction(attributions: np.ndarray) -> np.ndarray:
    """Subtract the mean over the nucleotides at each position (Majdandzic et al. 2023).

    Parameters
    ----------
    attributions
        Array ``(..., 4, L)``.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype; sums to zero over the nucleotide axis at every position.
        Idempotent.
    """
    attributions = np.asarray(attributions)
    if attributions.ndim < 2 or attributions.shape[-2] != len(ALPHABET):
        raise ValueError(f"attributions must have shape (..., 4, L), got {attributions.shape}")
    return attributions - attributions.mean(axis=-2, keepdims=True)


def attribution_to_logo_matrix(attributions: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient-corrected attribution at the observed nucleotides (zero elsewhere).

    Parameters
    ----------
    attributions
        ``(4, L)`` or ``(N, 4, L)``; corrected or not (the correction is applied here and is
        idempotent).
    x
        One-hot sequence(s) of the same shape.

    Returns
    -------
    numpy.ndarray
        ``corrected * x``, the height of the one letter drawn at each position of the logo.
    """
    x = check_one_hot(x, "x", ndim=np.ndim(x))
    if np.shape(attributions) != x.shape:
        raise ValueError(f"attributions {np.shape(attributions)} and x {x.shape} must have the same shape")
    return gradient_correction(attributions) * x


def plot_logo(ax, matrix: np.ndarray, **logo_kwargs) -> logomaker.Logo:
    """Draw a ``(4, L)`` matrix as a sequence logo on ``ax`` with logomaker.

    Letters above the axis for positive values, below for negative ones; ``logo_kwargs`` go
    to :class:`logomaker.Logo` (e.g. ``color_scheme``). Returns the Logo object.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != len(ALPHABET):
        raise ValueError(f"matrix must have shape (4, L), got {matrix.shape}")
    frame = pd.DataFrame(matrix.T, columns=list(ALPHABET))
    frame.index.name = "position"
    logo = logomaker.Logo(frame, ax=ax, **logo_kwargs)
    logo.style_spines(visible=False)
    logo.style_spines(spines=("left", "bottom"), visible=True)
    ax.set_xlabel("position (nt)")
    ax.set_ylabel("attribution")
    return logo


def position_importance(attributions: np.ndarray, x: np.ndarray | None = None, *, method: str = "l1") -> np.ndarray:
    """Per-position importance of gradient-corrected attribution maps.

    Parameters
    ----------
    attributions
        ``(N, 4, L)`` maps (the correction is applied here; it is idempotent).
    x
        One-hot sequences ``(N, 4, L)``; needed for ``method="observed"``.
    method
        ``"l1"``: sum over nucleotides of ``|corrected|`` (default; uses every nucleotide's
        attribution, no input needed). ``"observed"``: ``|corrected|`` at the observed
        nucleotide (the magnitude of the logo letter).

    Returns
    -------
    numpy.ndarray
        float64 ``(N, L)``, non-negative.
    """
    corrected = gradient_correction(np.asarray(attributions, dtype=np.float64))
    if method == "l1":
        return np.abs(corrected).sum(axis=-2)
    if method == "observed":
        if x is None:
            raise ValueError("x is required for method='observed'")
        return np.abs(attribution_to_logo_matrix(corrected, x)).sum(axis=-2)
    raise ValueError(f"method must be 'l1' or 'observed', got {method!r}")


@dataclass(frozen=True)
class GroundTruthScores:
    """How well attribution maps single out the planted motif positions.

    Attributes
    ----------
    auroc, aupr
        ``(N,)`` float64 per sequence; NaN for sequences left out (no planted position, or
        every position planted).
    """

    auroc: np.ndarray
    aupr: np.ndarray

    @property
    def n_scored(self) -> int:
        """Number of sequences with a defined score."""
        return int((~np.isnan(self.auroc)).sum())

    @property
    def mean_auroc(self) -> float:
        """Mean AUROC over the scored sequences (NaN if none)."""
        return float(np.nanmean(self.auroc)) if self.n_scored else float("nan")

    @property
    def mean_aupr(self) -> float:
        """Mean AUPR over the scored sequences (NaN if none)."""
        return float(np.nanmean(self.aupr)) if self.n_scored else float("nan")


def _auroc_rows(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Row-wise AUROC by the rank-sum (Mann-Whitney) formula; ties count one half."""
    ranks = rankdata(scores, axis=1)
    n_positive = labels.sum(axis=1)
    n_negative = labels.shape[1] - n_positive
    rank_sum = (ranks * labels).sum(axis=1)
    return (rank_sum - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)


def _average_precision_rows(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Row-wise average precision ``sum_k (R_k - R_{k-1}) P_k`` over distinct score thresholds.

    Tied scores enter together (as scikit-learn's ``average_precision_score``).
    """
    order = np.argsort(-scores, axis=1, kind="stable")
    sorted_scores = np.take_along_axis(scores, order, axis=1)
    true_positives = np.cumsum(np.take_along_axis(labels, order, axis=1), axis=1)
    threshold_end = np.ones_like(sorted_scores, dtype=bool)
    threshold_end[:, :-1] = sorted_scores[:, :-1] != sorted_scores[:, 1:]
    tp_at_ends = np.where(threshold_end, true_positives, 0)
    previous_tp = np.zeros_like(tp_at_ends)
    previous_tp[:, 1:] = np.maximum.accumulate(tp_at_ends, axis=1)[:, :-1]
    precision = true_positives / np.arange(1, scores.shape[1] + 1)
    recall_step = np.where(threshold_end, true_positives - previous_tp, 0)
    return (recall_step * precision).sum(axis=1) / labels.sum(axis=1)


def attribution_ground_truth_scores(
    attributions: np.ndarray,
    planted: np.ndarray,
    x: np.ndarray | None = None,
    *,
    method: str = "l1",
) -> GroundTruthScores:
    """Per-sequence AUROC and AUPR of position importance against planted motif positions.

    Parameters
    ----------
    attributions
        ``(N, 4, L)`` attribution maps (gradient correction is applied, idempotently).
    planted
        ``(N, L)`` bool: True at nucleotides inside a planted motif.
    x
        One-hot sequences ``(N, 4, L)``, for ``method="observed"``.
    method
        Per-position importance, see :func:`position_importance` (default ``"l1"``).

    Returns
    -------
    GroundTruthScores
        Scores per sequence and their means over sequences with at least one planted and one
        background position.
    """
    planted = np.asarray(planted)
    attributions = np.asarray(attributions)
    if planted.dtype != bool or planted.ndim != 2:
        raise ValueError(f"planted must be a bool array of shape (N, L), got {planted.dtype} {planted.shape}")
    if attributions.shape != (planted.shape[0], len(ALPHABET), planted.shape[1]):
        raise ValueError(
            f"attributions must have shape {(planted.shape[0], 4, planted.shape[1])}, got {attributions.shape}"
        )
    importance = position_importance(attributions, x, method=method)
    n_planted = planted.sum(axis=1)
    scored = (n_planted > 0) & (n_planted < planted.shape[1])
    labels = planted[scored].astype(np.float64)
    auroc = np.full(len(planted), np.nan)
    aupr = np.full(len(planted), np.nan)
    if scored.any():
        auroc[scored] = _auroc_rows(importance[scored], labels)
        aupr[scored] = _average_precision_rows(importance[scored], labels)
    return GroundTruthScores(auroc=auroc, aupr=aupr)

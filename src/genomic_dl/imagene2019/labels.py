"""Class labels for estimating a continuous parameter by multiclass classification.

ImaGene (Torada et al. 2019) estimates the selection coefficient ``S`` by cutting its range into
``K`` classes (Fig 5: ``K = 11`` values ``linspace(0, 400, 11)``), assigning each simulation to the
class value nearest its ``S`` and training a softmax network against a *label distribution* over
the classes:

``categorical``
    all mass on the true class (one-hot).
``gaussian``
    a normal density over the class *index*, centred on the true class with standard deviation
    ``sd`` (paper: 0.5), evaluated at every index and renormalised to sum to 1.
``perturbed``
    one-hot on a randomly shifted class: the true index plus a shift drawn uniformly from
    ``{-max_shift, ..., +max_shift}`` (paper: a maximum step of 1), clipped to ``[0, K - 1]``.
    As in ImaGene's ``to_categorical(targets, wiggle=1)`` (``randint(-wiggle, wiggle + 1)``) a
    shift of 0 is one of the outcomes, so with ``max_shift = 1`` an interior label keeps its class
    with probability 1/3 and moves to each neighbour with probability 1/3; an end class keeps its
    class with probability 2/3 (the shift off the end is clipped back).

The loss is the cross-entropy between the predicted distribution and the label distribution
(:func:`soft_cross_entropy`, Keras' ``categorical_crossentropy`` on softmax outputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "LABEL_KINDS",
    "LabelDistribution",
    "categorical_labels",
    "class_values",
    "gaussian_labels",
    "labels_to_classes",
    "perturb_classes",
    "perturbed_labels",
    "soft_cross_entropy",
    "uniform_class_prior",
]

LABEL_KINDS = ("categorical", "gaussian", "perturbed")


def class_values(lo: float = 0.0, hi: float = 400.0, n: int = 11) -> np.ndarray:
    """The ``n`` class values ``linspace(lo, hi, n)`` (float64, shape ``(n,)``).

    The defaults are the paper's Fig 5 classes: S = 0, 40, ..., 400 (in units of 2 Ne s_het).
    """
    if isinstance(n, bool) or int(n) != n or n < 2:
        raise ValueError(f"n (number of classes) must be an integer >= 2, got {n!r}")
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"class range must be finite with lo < hi, got lo={lo!r}, hi={hi!r}")
    return np.linspace(float(lo), float(hi), int(n))


def _check_classes(classes: np.ndarray) -> np.ndarray:
    classes = np.asarray(classes, dtype=np.float64)
    if classes.ndim != 1 or classes.size < 2:
        raise ValueError(f"classes must be a 1-D array of at least 2 class values, got shape {classes.shape}")
    if not np.all(np.isfinite(classes)) or np.any(np.diff(classes) <= 0):
        raise ValueError(f"classes must be finite and strictly increasing, got {classes.tolist()}")
    return classes


def labels_to_classes(values: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Index of the class value nearest to each parameter value.

    Parameters
    ----------
    values : float array, shape (N,)
        Parameter values (e.g. the selection coefficient S of each simulation).
    classes : float array, shape (K,)
        Strictly increasing class values.

    Returns
    -------
    int64 array, shape (N,)
        Index in ``[0, K)`` of the nearest class; a value exactly half-way between two classes
        goes to the lower one; values outside the range go to the end classes.
    """
    classes = _check_classes(classes)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be a 1-D array, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("values must be finite (found NaN or infinity)")
    midpoints = 0.5 * (classes[:-1] + classes[1:])
    return np.searchsorted(midpoints, values, side="left").astype(np.int64)


def uniform_class_prior(classes: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Prior class probabilities when the parameter is uniform on ``[lo, hi]``.

    Each class owns the part of ``[lo, hi]`` that is nearest to it (see
    :func:`labels_to_classes`), so with ``classes = linspace(lo, hi, K)`` the two end classes
    have half the prior mass of the interior ones (Fig 5: 0.05 for S = 0 and S = 400, 0.1 for
    the others). Returns float64, shape (K,), summing to 1.
    """
    classes = _check_classes(classes)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"prior range must be finite with lo < hi, got lo={lo!r}, hi={hi!r}")
    edges = np.concatenate([[lo], 0.5 * (classes[:-1] + classes[1:]), [hi]])
    widths = np.clip(np.diff(np.clip(edges, lo, hi)), 0.0, None)
    return widths / (hi - lo)


def _check_index(class_index: np.ndarray, n_classes: int) -> np.ndarray:
    if isinstance(n_classes, bool) or int(n_classes) != n_classes or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    index = np.asarray(class_index)
    if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer):
        raise ValueError(f"class_index must be a 1-D integer array, got dtype {index.dtype} and shape {index.shape}")
    if index.size and (index.min() < 0 or index.max() >= n_classes):
        raise ValueError(f"class_index must lie in [0, {n_classes}), got range [{index.min()}, {index.max()}]")
    return index.astype(np.int64)


def categorical_labels(class_index: np.ndarray, n_classes: int) -> np.ndarray:
    """One-hot label distributions: float32 (N, K) with a 1 at ``class_index[i]`` in row ``i``."""
    index = _check_index(class_index, n_classes)
    labels = np.zeros((index.size, int(n_classes)), dtype=np.float32)
    labels[np.arange(index.size), index] = 1.0
    return labels


def gaussian_labels(class_index: np.ndarray, n_classes: int, sd: float = 0.5) -> np.ndarray:
    """Gaussian label distributions over the class index.

    Row ``i`` is ``exp(-(k - class_index[i])**2 / (2 sd**2))`` for ``k = 0 .. K-1``, divided by
    its sum (float32, shape (N, K)). ``sd`` is in class-index units (paper: 0.5, which puts
    about 0.787 of the mass on an interior true class and 0.106 on each neighbour).
    """
    index = _check_index(class_index, n_classes)
    if not (np.isfinite(sd) and sd > 0):
        raise ValueError(f"sd must be a positive finite number, got {sd!r}")
    offsets = np.arange(int(n_classes))[None, :] - index[:, None]
    density = np.exp(-0.5 * (offsets / float(sd)) ** 2)
    return (density / density.sum(axis=1, keepdims=True)).astype(np.float32)


def perturb_classes(
    class_index: np.ndarray, n_classes: int, rng: np.random.Generator, max_shift: int = 1
) -> np.ndarray:
    """Shift each class index by an integer drawn uniformly from ``{-max_shift, ..., max_shift}``.

    The result is clipped to ``[0, n_classes - 1]`` (int64, shape (N,)); see the module
    docstring for the resulting probabilities.
    """
    index = _check_index(class_index, n_classes)
    if isinstance(max_shift, bool) or int(max_shift) != max_shift or max_shift < 0:
        raise ValueError(f"max_shift must be a non-negative integer, got {max_shift!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    shift = rng.integers(-int(max_shift), int(max_shift), size=index.size, endpoint=True)
    return np.clip(index + shift, 0, int(n_classes) - 1)


def perturbed_labels(
    class_index: np.ndarray, n_classes: int, rng: np.random.Generator, max_shift: int = 1
) -> np.ndarray:
    """One-hot label distributions on randomly shifted classes (float32, shape (N, K)).

    ``categorical_labels(perturb_classes(class_index, n_classes, rng, max_shift), n_classes)``.
    """
    return categorical_labels(perturb_classes(class_index, n_classes, rng, max_shift), n_classes)


@dataclass(frozen=True)
class LabelDistribution:
    """How true classes become training targets.

    kind: one of :data:`LABEL_KINDS`.
    sd: standard deviation in class-index units (``gaussian`` only; paper 0.5).
    max_shift: largest random class shift (``perturbed`` only; paper 1).
    """

    kind: str = "categorical"
    sd: float = 0.5
    max_shift: int = 1

    def __post_init__(self) -> None:
        if self.kind not in LABEL_KINDS:
            raise ValueError(f"label distribution kind must be one of {LABEL_KINDS}, got {self.kind!r}")
        if not (np.isfinite(self.sd) and self.sd > 0):
            raise ValueError(f"label distribution sd must be a positive finite number, got {self.sd!r}")
        if isinstance(self.max_shift, bool) or int(self.max_shift) != self.max_shift or self.max_shift < 0:
            raise ValueError(f"label distribution max_shift must be a non-negative integer, got {self.max_shift!r}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> LabelDistribution:
        """Build from a config mapping; unknown keys raise ``ValueError``."""
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(
                f"unknown label distribution keys {unknown}; expected a subset of {sorted(cls.__dataclass_fields__)}"
            )
        return cls(**dict(values))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (for checkpoint metadata)."""
        return asdict(self)

    def targets(self, class_index: np.ndarray, n_classes: int, rng: np.random.Generator) -> np.ndarray:
        """Label distributions of ``class_index``: float32 (N, K), rows summing to 1.

        ``rng`` is used by ``perturbed`` only (one shift per label, drawn at this call).
        """
        if self.kind == "gaussian":
            return gaussian_labels(class_index, n_classes, self.sd)
        if self.kind == "perturbed":
            return perturbed_labels(class_index, n_classes, rng, self.max_shift)
        return categorical_labels(class_index, n_classes)


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ``-sum_k targets[i, k] * log_softmax(logits)[i, k]``.

    Parameters
    ----------
    logits : float tensor, shape (B, K)
        Network outputs before the softmax.
    targets : float tensor, shape (B, K)
        Label distributions (rows summing to 1).

    Returns
    -------
    Scalar tensor. Equals Keras' ``categorical_crossentropy`` on ``softmax(logits)`` and, for
    one-hot targets, the usual cross-entropy of the class indices.
    """
    if logits.ndim != 2 or targets.shape != logits.shape:
        raise ValueError(
            f"logits and targets must both have shape (B, K); got {tuple(logits.shape)} and {tuple(targets.shape)}"
        )
    log_probabilities = F.log_softmax(logits, dim=1)
    return -(targets.to(log_probabilities.dtype) * log_probabilities).sum(dim=1).mean()

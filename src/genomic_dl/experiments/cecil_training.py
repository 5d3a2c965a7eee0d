"""Training and evaluation protocol of Cecil & Sugden (2023).

Training ("Implementation of deep learning models"): the data are split 80/10/10 into training,
validation and test sets, balanced between classes; each model is trained ``n_restarts = 10``
times from fresh initial weights (binary cross-entropy, Adam with learning rate 1e-3,
beta = (0.9, 0.999), mini-batches of 64, 2 epochs), and the restart with the best validation
accuracy is the one tested. Three strategies (S1 Text Figs Q and R):

``"fixed_epochs"``
    the paper's: ``epochs`` passes over the training set, final weights kept.
``"early_stopping"``
    up to ``max_epochs`` epochs, stopping after ``patience`` epochs without a lower
    validation loss, weights of the best epoch restored.
``"on_the_fly"``
    ImaGene's simulation on the fly: every epoch trains on a new simulated data set from an
    ``epoch_data(epoch_index) -> (x, y)`` callable; the fixed split supplies validation and
    test data only.

Evaluation helpers: accuracy with a 95% confidence interval (normal approximation, the
paper's ``p +- 1.96 sqrt(p (1 - p) / N)``; Wilson's score interval on request), AUROC,
Spearman correlation between the continuous outputs of several methods, and the fraction of
regions on which their binary calls agree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from scipy import stats
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from genomic_dl.nn.trainer import History, TrainerConfig, binary_cross_entropy_with_logits, fit, predict
from genomic_dl.seeds import derive_seed

__all__ = [
    "STRATEGIES",
    "DataSplit",
    "RestartResult",
    "stratified_split",
    "strategy_config",
    "train_with_restarts",
    "predict_logits",
    "accuracy_interval",
    "auroc",
    "spearman_matrix",
    "agreement_matrix",
]

logger = logging.getLogger(__name__)

STRATEGIES = ("fixed_epochs", "early_stopping", "on_the_fly")

#: Keras' Adam epsilon, used by the authors' Keras models (PyTorch's default is 1e-8).
KERAS_ADAM_EPSILON = 1e-7

BuildFn = Callable[[torch.Generator], nn.Module]
EpochArrays = Callable[[int], tuple[np.ndarray, np.ndarray]]


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


# --------------------------------------------------------------------------- training


def strategy_config(
    strategy: str,
    *,
    learning_rate: float = 1e-3,
    batch_size: int = 64,
    epochs: int = 2,
    max_epochs: int = 100,
    patience: int = 5,
) -> TrainerConfig:
    """The :class:`TrainerConfig` of a strategy (see the module docstring).

    ``epochs``: epochs of ``"fixed_epochs"`` and ``"on_the_fly"`` (one new data set each);
    ``max_epochs`` and ``patience``: ``"early_stopping"`` only. Adam uses Keras' epsilon 1e-7,
    and the monitored validation loss includes the penalty, as Keras' ``val_loss`` does.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    early = strategy == "early_stopping"
    return TrainerConfig(
        optimizer="adam",
        learning_rate=learning_rate,
        optimizer_eps=KERAS_ADAM_EPSILON,
        batch_size=batch_size,
        max_epochs=max_epochs if early else epochs,
        early_stopping_patience=patience if early else None,
        restore_best=early,
        valid_loss_includes_penalty=True,
    )


@dataclass
class RestartResult:
    """Outcome of :func:`train_with_restarts`.

    Attributes
    ----------
    model : the restart with the highest validation accuracy (first one on ties), in eval mode.
    best_restart : its 0-based index.
    restarts : one dict per restart: ``restart``, ``seed``, ``valid_accuracy``, ``valid_loss``
        (data loss), ``epochs`` (trained), ``stopped_early``.
    histories : the per-epoch :class:`History` of every restart.
    split : the train / validation / test indices into ``x``.
    """

    model: nn.Module
    best_restart: int
    restarts: list[dict[str, Any]]
    histories: list[History] = field(repr=False)
    split: DataSplit = field(repr=False)


def _tensors(x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Images stay in their dtype (uint8 is converted on the device); labels -> float (n, 1)."""
    return torch.as_tensor(np.ascontiguousarray(x)), torch.as_tensor(np.asarray(y), dtype=torch.float32).reshape(-1, 1)


def _loader(x: np.ndarray, y: np.ndarray, batch_size: int, generator: torch.Generator | None = None) -> DataLoader:
    """Shuffled loader when ``generator`` is given, sequential otherwise."""
    return DataLoader(
        TensorDataset(*_tensors(x, y)), batch_size=batch_size, shuffle=generator is not None, generator=generator
    )


def _penalty(model: nn.Module) -> torch.Tensor:
    return model.regularization_penalty()


def _check_data(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim not in (3, 4) or y.shape != (x.shape[0],):
        raise ValueError(f"x must be (n, H, W) or (n, 1, H, W) images and y (n,) labels, got {x.shape} and {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must hold 0 (neutral) and 1 (sweep) labels")
    return x, y


def train_with_restarts(
    build_fn: BuildFn,
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int,
    device: torch.device | str = "cpu",
    n_restarts: int = 10,
    strategy: str = "fixed_epochs",
    config: TrainerConfig | None = None,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    epoch_data: EpochArrays | None = None,
    log: Callable[[str], None] | None = logger.info,
) -> RestartResult:
    """Train ``n_restarts`` models and keep the best on validation accuracy (Cecil & Sugden).

    Parameters
    ----------
    build_fn : ``build_fn(generator) -> nn.Module``; a fresh model whose initial weights come
        from ``generator`` (e.g. ``lambda g: build_cecil_model("mini_cnn", kwargs, g)``). The
        model must have a ``regularization_penalty()`` method (added to the training loss) and
        return ``(B, 1)`` logits.
    x : array, shape (n, H, W) or (n, 1, H, W); uint8 or float images.
    y : int array, shape (n,); 1 = sweep, 0 = neutral.
    seed : int
        Master seed: the split uses ``derive_seed(seed, "split")``, restart ``r`` initialises
        and shuffles from ``derive_seed(seed, "restart", r)``.
    device : where to train.
    n_restarts : paper value 10.
    strategy : one of :data:`STRATEGIES`.
    config : optional :class:`TrainerConfig`; default :func:`strategy_config` ``(strategy)``.
    fractions : train / validation / test fractions (paper: 0.8, 0.1, 0.1).
    epoch_data : ``"on_the_fly"`` only: ``epoch_data(epoch_index) -> (x, y)`` new training
        arrays (same layout as ``x`` and ``y``) for each epoch.
    log : progress lines (None = silent).

    Returns
    -------
    :class:`RestartResult`; evaluate ``result.model`` on ``x[result.split.test]``.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if (strategy == "on_the_fly") != (epoch_data is not None):
        raise ValueError("epoch_data is required by strategy 'on_the_fly' and used by no other strategy")
    if isinstance(n_restarts, bool) or not isinstance(n_restarts, int) or n_restarts < 1:
        raise ValueError(f"n_restarts must be a positive integer, got {n_restarts!r}")
    x, y = _check_data(x, y)
    config = strategy_config(strategy) if config is None else config
    split = stratified_split(y, fractions, np.random.default_rng(derive_seed(seed, "split")))
    if split.train.size == 0 or split.valid.size == 0:
        raise ValueError(f"the split {list(fractions)} of {y.size} samples leaves an empty training or validation set")
    valid_loader = _loader(x[split.valid], y[split.valid], max(config.batch_size, 256))
    train_arrays = None if strategy == "on_the_fly" else (x[split.train], y[split.train])
    models: list[nn.Module] = []
    restarts: list[dict[str, Any]] = []
    histories: list[History] = []
    for restart in range(n_restarts):
        restart_seed = derive_seed(seed, "restart", restart)
        generator = torch.Generator().manual_seed(restart_seed)
        model = build_fn(generator)
        history = fit(
            model,
            binary_cross_entropy_with_logits,
            _epoch_loaders(train_arrays, epoch_data, valid_loader, config.batch_size, generator),
            config,
            device,
            penalty=_penalty,
            log=log,
        )
        accuracy, data_loss = _validation_scores(history)
        restarts.append(
            {
                "restart": restart,
                "seed": restart_seed,
                "valid_accuracy": accuracy,
                "valid_loss": data_loss,
                "epochs": len(history),
                "stopped_early": history.stopped_early,
            }
        )
        models.append(model)
        histories.append(history)
        if log is not None:
            log(f"restart {restart + 1}/{n_restarts}: valid accuracy {accuracy:.4f}")
    best = int(np.argmax([row["valid_accuracy"] for row in restarts]))  # first best on ties
    models[best].eval()
    return RestartResult(model=models[best], best_restart=best, restarts=restarts, histories=histories, split=split)


def _epoch_loaders(
    train_arrays: tuple[np.ndarray, np.ndarray] | None,
    epoch_data: EpochArrays | None,
    valid_loader: DataLoader,
    batch_size: int,
    generator: torch.Generator,
) -> Callable[[int], tuple[DataLoader, DataLoader]]:
    """``epoch_data`` callable of :func:`genomic_dl.nn.trainer.fit`: the fixed training
    arrays every epoch, or (simulation on the fly) new arrays from ``epoch_data``."""
    if train_arrays is not None:
        train_loader = _loader(*train_arrays, batch_size, generator)
        return lambda epoch_index: (train_loader, valid_loader)

    def fresh(epoch_index: int) -> tuple[DataLoader, DataLoader]:
        x_epoch, y_epoch = _check_data(*epoch_data(epoch_index))
        return _loader(x_epoch, y_epoch, batch_size, generator), valid_loader

    return fresh


def _validation_scores(history: History) -> tuple[float, float]:
    """Validation accuracy and data loss of the weights ``fit`` returned (best or last epoch)."""
    row = history.rows[history.best_epoch - 1] if history.restored_best else history.rows[-1]
    return float(row["valid_accuracy"]), float(row.get("valid_data_loss", row["valid_loss"]))


def predict_logits(
    model: nn.Module, x: np.ndarray, device: torch.device | str = "cpu", batch_size: int = 512
) -> np.ndarray:
    """Logits of ``model`` on images ``x`` (n, H, W) or (n, 1, H, W): float64 (n,).

    The sweep probability is ``1 / (1 + exp(-logit))``; the paper's binary call
    (probability >= 0.5) is ``logit >= 0``.
    """
    loader = DataLoader(TensorDataset(torch.as_tensor(np.ascontiguousarray(x))), batch_size=batch_size)
    return predict(model, loader, device).reshape(-1).double().numpy()


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
    return names, np.atleast_2d(stats.spearmanr(stacked, axis=1).statistic)


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

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
regions on which their binary calls agree (defined in the torch-free
:mod:`genomic_dl.cecil2023.evaluation` and re-exported here).

:func:`model_kwargs` and :func:`build_model` map the workflow's model names (``imagene``,
``mini_cnn``, ``deepset`` and the complexity-ladder steps ``ladder01`` ... ``ladder15``) to
registry models of :mod:`genomic_dl.cecil2023.models`; :func:`train_and_test` runs the whole
protocol on one prepared data set and returns the per-restart table, the test predictions and
a timing summary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from genomic_dl.cecil2023.evaluation import (
    DataSplit,
    accuracy_interval,
    agreement_matrix,
    auroc,
    spearman_matrix,
    stratified_split,
)
from genomic_dl.cecil2023.models import (
    build_cecil_model,
    cecil_imagene_kwargs,
    complexity_ladder,
    deepset_kwargs,
    mini_cnn_kwargs,
)
from genomic_dl.io import write_csv, write_json
from genomic_dl.nn.trainer import (
    History,
    TrainerConfig,
    binary_cross_entropy_with_logits,
    fit,
    load_checkpoint,
    predict,
    read_checkpoint,
    save_checkpoint,
)
from genomic_dl.seeds import derive_seed

__all__ = [
    "MODEL_LABELS",
    "MODEL_NAMES",
    "STRATEGIES",
    "DataSplit",
    "RestartResult",
    "accuracy_interval",
    "agreement_matrix",
    "auroc",
    "build_model",
    "ladder_step",
    "load_model",
    "model_kwargs",
    "n_parameters",
    "predict_logits",
    "restarts_for",
    "save_training",
    "spearman_matrix",
    "strategy_config",
    "stratified_split",
    "train_and_test",
    "train_with_restarts",
]

logger = logging.getLogger(__name__)

STRATEGIES = ("fixed_epochs", "early_stopping", "on_the_fly")

#: Keras' Adam epsilon, used by the authors' Keras models (PyTorch's default is 1e-8).
KERAS_ADAM_EPSILON = 1e-7

BuildFn = Callable[[torch.Generator], nn.Module]
EpochArrays = Callable[[int], tuple[np.ndarray, np.ndarray]]


# --------------------------------------------------------------------------- training


def strategy_config(
    strategy: str,
    *,
    learning_rate: float = 1e-3,
    batch_size: int = 64,
    epochs: int = 2,
    max_epochs: int = 100,
    patience: int = 5,
    precision: str = "fp32",
) -> TrainerConfig:
    """The :class:`TrainerConfig` of a strategy (see the module docstring).

    ``epochs``: epochs of ``"fixed_epochs"`` and ``"on_the_fly"`` (one new data set each);
    ``max_epochs`` and ``patience``: ``"early_stopping"`` only; ``precision``: of the training
    forward passes (:attr:`TrainerConfig.precision`). Adam uses Keras' epsilon 1e-7,
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
        precision=precision,
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
    split: DataSplit | None = None,
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
    split : optional fixed split (indices into ``x``), e.g. the one stored with a prepared data
        set so that every method is tested on the same regions; ``fractions`` and the split
        seed are then unused. Its training part may be a subset of the samples (Fig P).
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
    if split is None:
        split = stratified_split(y, fractions, np.random.default_rng(derive_seed(seed, "split")))
    else:
        _check_split(split, y.size)
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


def _check_split(split: DataSplit, n: int) -> None:
    parts = [np.asarray(part) for part in (split.train, split.valid, split.test)]
    every = np.concatenate(parts)
    if every.size and (every.min() < 0 or every.max() >= n):
        raise ValueError(f"split indices must lie in [0, {n}), got [{every.min()}, {every.max()}]")
    if np.unique(every).size != every.size:
        raise ValueError("split: the training, validation and test indices overlap or repeat")


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


# --------------------------------------------------------------------------- workflow models


#: Workflow model names besides the complexity-ladder steps ``ladder01`` ... ``ladder15``.
MODEL_NAMES = ("imagene", "mini_cnn", "deepset")

#: Labels of the workflow models in tables and figures.
MODEL_LABELS = {"imagene": "Imagene", "mini_cnn": "mini-CNN", "deepset": "DeepSet"}


def ladder_step(name: str) -> int:
    """1-based step of a ladder model name (``"ladder07"`` -> 7); ``ValueError`` otherwise."""
    n_steps = len(complexity_ladder())
    if not (name.startswith("ladder") and name[6:].isdigit() and 1 <= int(name[6:]) <= n_steps):
        raise ValueError(
            f"unknown model {name!r}; expected one of {list(MODEL_NAMES)} or ladder01 ... ladder{n_steps:02d}"
        )
    return int(name[6:])


def model_kwargs(
    name: str, input_shape: Sequence[int], settings: Mapping[str, Mapping[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """Registry name and constructor kwargs of a workflow model for images of ``input_shape``.

    Parameters
    ----------
    name : ``"imagene"``, ``"mini_cnn"``, ``"deepset"`` or ``"ladderNN"`` (step NN of
        :func:`~genomic_dl.cecil2023.models.complexity_ladder`, always with the paper's sizes).
    input_shape : (H, W) of the images.
    settings : the config's ``models`` section: ``imagene`` (``conv_filters``,
        ``kernel_size``, ``dense_units``, ``l1``, ``l2``), ``mini_cnn`` (``l1``, ``l2``),
        ``deepset`` (``n_filters``, ``kernel_width``, ``depth``, ``dense_layers``,
        ``dense_units``).

    Returns
    -------
    (registry name for :func:`~genomic_dl.cecil2023.models.build_cecil_model`, kwargs).
    """
    shape = [int(v) for v in input_shape]
    if name == "imagene":
        return "imagene", cecil_imagene_kwargs(shape, **settings["imagene"])
    if name == "mini_cnn":
        return "mini_cnn", mini_cnn_kwargs(shape, **settings["mini_cnn"])
    if name == "deepset":
        return "deepset", {**deepset_kwargs(shape), **settings["deepset"]}
    step = complexity_ladder(shape)[ladder_step(name) - 1]
    return step.model, step.kwargs


def build_model(
    name: str,
    input_shape: Sequence[int],
    settings: Mapping[str, Mapping[str, Any]],
    generator: torch.Generator | None = None,
) -> nn.Module:
    """The workflow model ``name`` (see :func:`model_kwargs`), weights drawn from ``generator``."""
    registry, kwargs = model_kwargs(name, input_shape, settings)
    return build_cecil_model(registry, kwargs, generator)


def n_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def restarts_for(name: str, training: Mapping[str, Any], settings: Mapping[str, Mapping[str, Any]]) -> int:
    """Restarts of a workflow model: ``training.restarts_by_model[<registry name>]``, else
    ``training.restarts`` (paper: 10 for every model)."""
    registry, _ = model_kwargs(name, (64, 64), settings)
    return int(training.get("restarts_by_model", {}).get(registry, training["restarts"]))


def train_and_test(
    name: str,
    images: np.ndarray,
    labels: np.ndarray,
    split: DataSplit,
    *,
    settings: Mapping[str, Mapping[str, Any]],
    training: Mapping[str, Any],
    strategy: str,
    seed: int,
    device: torch.device | str = "cpu",
    epoch_data: EpochArrays | None = None,
    log: Callable[[str], None] | None = logger.info,
) -> tuple[nn.Module, dict[str, Any]]:
    """Cecil & Sugden's protocol on one prepared data set: restarts, best on validation, test.

    Parameters
    ----------
    name : workflow model (see :func:`model_kwargs`).
    images : uint8 array, shape (n, H, W).
    labels : int array, shape (n,), 0 / 1.
    split : the data set's split (``split.train`` may be a subset, Fig P).
    settings : the config's ``models`` section.
    training : the config's ``training`` section: ``learning_rate``, ``batch_size``, ``epochs``,
        ``restarts``, ``restarts_by_model``, ``early_stopping`` (``max_epochs``, ``patience``).
    strategy : one of :data:`STRATEGIES`.
    seed : the job's seed (restart ``r`` initialises from ``derive_seed(seed, "restart", r)``).
    device : where to train.
    epoch_data : ``"on_the_fly"`` only, see :func:`train_with_restarts`.
    log : progress lines.

    Returns
    -------
    model : the best restart, in eval mode, on the CPU.
    result : ``restarts`` (list of dicts, one per restart, with ``best`` and ``images_per_s``
        added), ``predictions`` (dict of test arrays: ``index, label, logit, probability, call``),
        ``summary`` (model, registry name and kwargs, ``n_parameters``, sizes, timings).
    """
    registry, kwargs = model_kwargs(name, images.shape[1:], settings)
    config = strategy_config(
        strategy,
        learning_rate=float(training["learning_rate"]),
        batch_size=int(training["batch_size"]),
        epochs=int(training["epochs"]),
        max_epochs=int(training["early_stopping"]["max_epochs"]),
        patience=int(training["early_stopping"]["patience"]),
        precision=training["precision"],
    )
    n_restarts = restarts_for(name, training, settings)
    started = time.perf_counter()
    result = train_with_restarts(
        lambda generator: build_cecil_model(registry, kwargs, generator),
        images,
        labels,
        seed=seed,
        device=device,
        n_restarts=n_restarts,
        strategy=strategy,
        config=config,
        epoch_data=epoch_data,
        split=split,
        log=log,
    )
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    logits = predict_logits(result.model, images[split.test], device)
    predict_seconds = time.perf_counter() - started
    restarts = []
    for row, history in zip(result.restarts, result.histories):
        seconds = sum(r["n_train"] / r["train_images_per_s"] for r in history.rows)
        images_seen = sum(r["n_train"] for r in history.rows)
        restarts.append(
            {**row, "best": row["restart"] == result.best_restart, "images_per_s": images_seen / max(seconds, 1e-9)}
        )
    model = result.model.to("cpu").eval()
    summary = {
        "model": name,
        "registry": registry,
        "model_kwargs": kwargs,
        "strategy": strategy,
        "n_parameters": n_parameters(model),
        "n_restarts": n_restarts,
        "best_restart": result.best_restart,
        "n_train": int(result.histories[result.best_restart].rows[0]["n_train"]),  # per epoch
        "n_valid": int(split.valid.size),
        "n_test": int(split.test.size),
        "input_shape": list(images.shape[1:]),
        "train_seconds": train_seconds,
        "predict_seconds": predict_seconds,
        "train_images_per_s": float(np.mean([row["images_per_s"] for row in restarts])),
        "mean_epochs": float(np.mean([row["epochs"] for row in restarts])),
    }
    predictions = {
        "index": split.test.astype(np.int64),
        "label": np.asarray(labels)[split.test].astype(np.int64),
        "logit": logits,
        "probability": 1.0 / (1.0 + np.exp(-logits)),
        "call": (logits >= 0).astype(np.int64),
    }
    return model, {"restarts": restarts, "predictions": predictions, "summary": summary}


def load_model(path: str, device: torch.device | str = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """A model saved by the training rule (checkpoint metadata ``registry`` and ``model_kwargs``),
    in eval mode on ``device``; returns ``(model, metadata)``."""
    payload = read_checkpoint(path, device)
    registry = payload["metadata"].get("registry")
    if registry is None:
        raise ValueError(f"{path}: checkpoint metadata has no 'registry' model name")
    return load_checkpoint(path, lambda kwargs: build_cecil_model(registry, kwargs), device, payload)


def save_training(
    model: nn.Module,
    result: Mapping[str, Any],
    extra: Mapping[str, Any],
    *,
    model_path: str,
    restarts_path: str,
    predictions_path: str,
    summary_path: str,
) -> dict[str, Any]:
    """Write the outputs of :func:`train_and_test` atomically: the checkpoint (metadata
    ``registry``, ``model_kwargs``, ``summary``), the per-restart table, the test predictions and
    the JSON summary (``result["summary"]`` updated with ``extra``). Returns that summary."""
    summary = {**result["summary"], **extra}
    save_checkpoint(
        model_path,
        model,
        {"registry": summary["registry"], "model_kwargs": summary["model_kwargs"], "summary": summary},
    )
    write_csv(pd.DataFrame(result["restarts"]), restarts_path)
    write_csv(pd.DataFrame(result["predictions"]), predictions_path)
    write_json(summary_path, summary)
    return summary

"""EvoAug's training procedures (Lee et al. 2023, Methods), built on :func:`genomic_dl.nn.trainer.fit`.

* Standard training: the original data, Adam (paper: lr 1e-3, weight decay
  1e-6), at most 100 epochs, early stopping with patience 10, learning rate
  x 0.1 after 5 epochs without improvement of the validation loss, the weights
  of the epoch with the lowest validation loss kept (:func:`train_standard`).
* Two-stage curriculum: (1) the same settings with EvoAug augmentations drawn
  afresh for every training batch (:func:`pretrain_augmented`), then (2)
  fine-tuning on the original data, Adam lr 1e-4, weight decay 1e-6, 5 epochs,
  lowest validation loss kept (:func:`finetune`).
* Losses: binary cross-entropy on logits (Basset, ChIP-seq), mean squared
  error (DeepSTARR). Metrics (:func:`evaluate`): AUROC and AUPR (average
  precision) per task for binary tasks; Pearson r, Spearman rho and MSE per
  task for regression; each with its mean over tasks.

The settings are not hard-coded: every procedure takes a
:class:`~genomic_dl.nn.trainer.TrainerConfig` (see :func:`trainer_config_from`).

Insertion padding. With an insertion augmentation the model sees
``L + insert_max`` nucleotides; every input that is not augmented (validation,
fine-tuning, test, prediction) gets ``insert_max`` random bases at its 3' end
from the augmenter's ``pad_for_evaluation(x, generator)``. Here the validation
(and test) sets are padded *once*, on the CPU, before training, so that the
monitored validation loss compares the same inputs across epochs; training
batches of the fine-tuning stage are padded afresh on the device for every
batch, as the augmentations are.

Random numbers. ``generator`` (a CPU ``torch.Generator``) shuffles the
training set and draws the fixed padding; a second generator on the training
device (``device_generator``, by default seeded from ``generator``) draws the
augmentations / padding of training batches. Dropout uses torch's global
state, so call :func:`genomic_dl.nn.device.seed_everything` first for
bit-identical runs on the CPU.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import torch
from torch import nn
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
)

from genomic_dl.evoaug2023.metrics import (
    ArrayLike,
    check_task,
    epoch_metrics,
    loss_function,
    task_metrics,
)
from genomic_dl.nn.trainer import (
    History,
    TrainerConfig,
    fit,
    fixed_epoch_data,
    predict,
)

LOG = logging.getLogger(__name__)

__all__ = [
    "Augmenter",
    "as_tensors",
    "evaluate",
    "finetune",
    "pad_sequences",
    "pretrain_augmented",
    "sequence_loader",
    "train_standard",
    "trainer_config_from",
]

N_NUCLEOTIDES = 4
PAD_CHUNK_SIZE = 8192

Split = tuple[ArrayLike, ArrayLike]
Pad = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


class Augmenter(Protocol):
    """What the procedures need of :class:`genomic_dl.evoaug2023.augmentations.StochasticAugmenter`."""

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor: ...

    def pad_for_evaluation(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor: ...

    def output_length(self, length: int) -> int: ...


# --------------------------------------------------------------------------- data


def as_tensors(x: ArrayLike, y: ArrayLike) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate a split and return it as tensors, sharing memory where possible.

    Parameters
    ----------
    x
        ``(N, 4, L)`` one-hot sequences, ``uint8``, ``bool`` or floating point
        (numpy array or tensor). ``bool`` becomes ``uint8``; other dtypes are
        kept (the trainer converts inputs to ``float32`` on the device).
    y
        ``(N, T)`` or ``(N,)`` targets (labels 0/1 or values).

    Returns
    -------
    x : torch.Tensor
        ``(N, 4, L)``.
    y : torch.Tensor
        ``(N, T)`` ``float32`` (``T = 1`` for 1-D input).
    """
    x = torch.as_tensor(x)
    y = torch.as_tensor(y)
    if x.ndim != 3 or x.shape[1] != N_NUCLEOTIDES:
        raise ValueError(f"x must have shape (N, {N_NUCLEOTIDES}, L), got {tuple(x.shape)}")
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    elif not (x.dtype == torch.uint8 or x.is_floating_point()):
        raise ValueError(f"x must be uint8, bool or floating point, got {x.dtype}")
    if y.ndim == 1:
        y = y.unsqueeze(1)
    if y.ndim != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"y must have shape (N,) or (N, T) with N = {x.shape[0]} (from x), got {tuple(y.shape)}")
    return x, y.to(torch.float32)


class _ArrayBatches(Dataset):
    """Dataset whose items are whole batches: indexed by a list of indices."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x = x
        self.y = y

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def __getitem__(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.as_tensor(indices, dtype=torch.long)
        return self.x[index], self.y[index]


def sequence_loader(
    x: ArrayLike,
    y: ArrayLike,
    batch_size: int,
    *,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    pin_memory: bool = False,
) -> DataLoader:
    """Mini-batches of ``(x, y)`` from in-memory arrays, one indexing op per batch.

    Parameters
    ----------
    x, y
        See :func:`as_tensors`.
    batch_size
        Sequences per batch.
    shuffle
        A new random order every epoch, drawn from ``generator`` (required).
        A shuffled loader drops a last batch of a single sequence (batch
        normalisation cannot normalise one sample in training mode).
    pin_memory
        Page-locked batches (faster host-to-GPU copies).

    Returns
    -------
    torch.utils.data.DataLoader
        Yields ``(x[batch], y[batch])`` with the dtypes of :func:`as_tensors`.
    """
    x, y = as_tensors(x, y)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    dataset = _ArrayBatches(x, y)
    if shuffle:
        if generator is None:
            raise ValueError("a shuffled loader needs a torch.Generator (generator=None given)")
        order = RandomSampler(dataset, generator=generator)
    else:
        order = SequentialSampler(dataset)
    drop_last = shuffle and len(dataset) % batch_size == 1
    batches = BatchSampler(order, batch_size=batch_size, drop_last=drop_last)
    return DataLoader(dataset, sampler=batches, batch_size=None, pin_memory=pin_memory)


def pad_sequences(
    x: torch.Tensor,
    pad: Pad,
    generator: torch.Generator,
    *,
    chunk_size: int = PAD_CHUNK_SIZE,
) -> torch.Tensor:
    """Apply ``pad(x_chunk, generator)`` to a whole set, chunk by chunk, on the CPU.

    Parameters
    ----------
    x
        ``(N, 4, L)`` one-hot; integer inputs are padded as ``float32`` and
        cast back (``pad`` must then add one-hot bases, as the insertion
        padding does).
    pad
        E.g. ``augmenter.pad_for_evaluation``; returns ``(n, 4, L')``.
    generator
        CPU ``torch.Generator`` for the random bases.

    Returns
    -------
    torch.Tensor
        ``(N, 4, L')``, the dtype of ``x``.
    """
    if generator is None:
        raise ValueError("padding draws random bases: a torch.Generator is required (generator=None given)")
    chunks = []
    for chunk in torch.split(x, chunk_size):
        padded = pad(chunk.to(torch.float32) if not chunk.is_floating_point() else chunk, generator)
        if padded.ndim != 3 or padded.shape[:2] != chunk.shape[:2]:
            raise ValueError(f"pad returned shape {tuple(padded.shape)} for input {tuple(chunk.shape)}")
        chunks.append(padded.to(x.dtype))
    return torch.cat(chunks)


def _device_generator(generator: torch.Generator, device: torch.device) -> torch.Generator:
    """A generator on ``device`` seeded from (and advancing) ``generator``."""
    seed = int(torch.randint(0, 2**62, (1,), generator=generator).item())
    return torch.Generator(device=device).manual_seed(seed)


# --------------------------------------------------------------------------- configuration

_FLOAT_KEYS = (
    "learning_rate",
    "weight_decay",
    "early_stopping_min_delta",
    "lr_plateau_factor",
    "lr_plateau_min_delta",
    "optimizer_eps",
)


def trainer_config_from(values: Mapping[str, Any]) -> TrainerConfig:
    """A :class:`TrainerConfig` from a workflow config section.

    Keys are :class:`TrainerConfig` field names (``optimizer``,
    ``learning_rate``, ``weight_decay``, ``batch_size``, ``max_epochs``,
    ``early_stopping_patience``, ``lr_plateau_patience``,
    ``lr_plateau_factor``, ``restore_best``, ...); missing keys take the
    dataclass defaults, unknown keys raise ``ValueError``. Numbers written
    as ``1e-3`` in YAML arrive as strings (YAML 1.1 floats need a dot) and
    are converted here.
    """
    if not isinstance(values, Mapping):
        raise ValueError(f"a trainer config must be a mapping, got {type(values).__name__}")
    values = dict(values)
    for key in _FLOAT_KEYS:
        if isinstance(values.get(key), str):
            try:
                values[key] = float(values[key])
            except ValueError:
                raise ValueError(f"trainer config key {key!r} must be a number, got {values[key]!r}") from None
    return TrainerConfig.from_dict(values)


# --------------------------------------------------------------------------- procedures


def _check_model_length(model: nn.Module, length: int, what: str) -> None:
    expected = getattr(model, "sequence_length", None)
    if expected is not None and expected != length:
        raise ValueError(f"the model takes sequences of length {expected}, but {what} has length {length}")


def _train(
    model: nn.Module,
    train: Split,
    valid: Split,
    config: TrainerConfig,
    device: torch.device,
    generator: torch.Generator,
    task: str,
    batch_transform: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None,
    log: Callable[[str], None] | None,
) -> History:
    train_loader = sequence_loader(
        *train, config.batch_size, shuffle=True, generator=generator, pin_memory=device.type == "cuda"
    )
    valid_loader = sequence_loader(*valid, config.batch_size)
    return fit(
        model,
        loss_function(task),
        fixed_epoch_data(train_loader, valid_loader),
        config,
        device,
        batch_transform=batch_transform,
        metrics=epoch_metrics(task),
        log=log,
    )


def train_standard(
    model: nn.Module,
    train: Split,
    valid: Split,
    config: TrainerConfig,
    device: torch.device | str,
    generator: torch.Generator,
    *,
    task: str = "binary",
    log: Callable[[str], None] | None = LOG.info,
) -> History:
    """Train ``model`` in place on the original data (the paper's baseline).

    Parameters
    ----------
    model
        Maps ``(B, 4, L)`` to ``(B, T)`` logits / values.
    train, valid
        ``(x, y)`` with ``x`` ``(N, 4, L)`` one-hot and ``y`` ``(N, T)``
        (see :func:`as_tensors`).
    config
        Optimiser, batch size, epochs, early stopping, plateau schedule,
        best-weight restoring (paper: :func:`trainer_config_from` of the
        ``training`` section).
    device
        Where to train.
    generator
        CPU generator for the shuffling order.
    task
        ``"binary"`` (BCE on logits) or ``"regression"`` (MSE).

    Returns
    -------
    History
        Per-epoch losses, mean validation AUROC/AUPR or Pearson/Spearman.
    """
    check_task(task)
    train, valid = as_tensors(*train), as_tensors(*valid)
    _check_model_length(model, train[0].shape[2], "the training set")
    _check_model_length(model, valid[0].shape[2], "the validation set")
    return _train(model, train, valid, config, torch.device(device), generator, task, None, log)


def pretrain_augmented(
    model: nn.Module,
    train: Split,
    valid: Split,
    augmenter: Augmenter,
    config: TrainerConfig,
    device: torch.device | str,
    generator: torch.Generator,
    *,
    task: str = "binary",
    device_generator: torch.Generator | None = None,
    log: Callable[[str], None] | None = LOG.info,
) -> History:
    """Stage 1: train on EvoAug-augmented batches (in place).

    Every training batch is replaced on the device by
    ``augmenter(x, device_generator)`` (fresh augmentations each time);
    the validation set is padded once with
    ``augmenter.pad_for_evaluation`` (see the module docstring) and is
    otherwise not augmented.

    Parameters
    ----------
    model
        Takes sequences of length ``augmenter.output_length(L)``.
    train, valid, config, device, generator, task
        As in :func:`train_standard`.
    augmenter
        A :class:`genomic_dl.evoaug2023.augmentations.StochasticAugmenter`.
    device_generator
        Generator on ``device`` for the augmentations; ``None`` = a new
        one seeded from ``generator``.
    """
    check_task(task)
    train = as_tensors(*train)
    _check_model_length(model, augmenter.output_length(int(train[0].shape[2])), "the augmented training set")
    return _train_transformed(
        model,
        train,
        valid,
        augmenter,
        augmenter.pad_for_evaluation,
        config,
        device,
        generator,
        task,
        device_generator,
        log,
    )


def _train_transformed(
    model: nn.Module,
    train: Split,
    valid: Split,
    transform: Pad,
    pad: Pad,
    config: TrainerConfig,
    device: torch.device | str,
    generator: torch.Generator,
    task: str,
    device_generator: torch.Generator | None,
    log: Callable[[str], None] | None,
) -> History:
    """:func:`_train` with ``transform(x, g)`` applied to every training batch on the device and
    the validation set padded once with ``pad`` (``g``: ``device_generator``, or a new generator
    on ``device`` seeded from ``generator``)."""
    device = torch.device(device)
    train, valid = as_tensors(*train), as_tensors(*valid)
    valid = pad_sequences(valid[0], pad, generator), valid[1]
    _check_model_length(model, valid[0].shape[2], "the padded validation set")
    batch_generator = device_generator if device_generator is not None else _device_generator(generator, device)

    def transform_batch(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return transform(x, batch_generator), y

    return _train(model, train, valid, config, device, generator, task, transform_batch, log)


def finetune(
    model: nn.Module,
    train: Split,
    valid: Split,
    config: TrainerConfig,
    device: torch.device | str,
    generator: torch.Generator,
    pad: Pad | None = None,
    *,
    task: str = "binary",
    device_generator: torch.Generator | None = None,
    log: Callable[[str], None] | None = LOG.info,
) -> History:
    """Stage 2: fine-tune a pretrained model on the original data (in place).

    ``config`` carries the fine-tuning settings (paper: Adam lr 1e-4, weight
    decay 1e-6, 5 epochs, no early stopping, ``restore_best`` so that the
    epoch with the lowest validation loss is kept).

    Parameters
    ----------
    pad
        ``augmenter.pad_for_evaluation`` when the model was pretrained with
        an insertion (inputs must be lengthened to ``L + insert_max``);
        ``None`` = inputs used as they are. Training batches are padded on
        the device (``device_generator``, as in :func:`pretrain_augmented`),
        the validation set once with ``generator``.
    model, train, valid, config, device, generator, task
        As in :func:`train_standard`.
    """
    check_task(task)
    if pad is None:
        return train_standard(model, train, valid, config, device, generator, task=task, log=log)
    return _train_transformed(model, train, valid, pad, pad, config, device, generator, task, device_generator, log)


def evaluate(
    model: nn.Module,
    x: ArrayLike,
    y: ArrayLike,
    task: str,
    device: torch.device | str,
    pad: Pad | None = None,
    *,
    generator: torch.Generator | None = None,
    batch_size: int = 512,
) -> dict[str, Any]:
    """Test-set loss and metrics of ``model`` (put in eval mode).

    Parameters
    ----------
    x, y
        ``(N, 4, L)`` one-hot and ``(N, T)`` targets.
    task
        ``"binary"`` or ``"regression"``.
    pad
        ``augmenter.pad_for_evaluation`` for models trained with an
        insertion; needs ``generator`` (CPU) for the random bases.
    batch_size
        Sequences per forward pass.

    Returns
    -------
    dict
        ``loss`` (mean BCE on logits / MSE over sequences and tasks),
        ``n_sequences``, and the per-task lists and means of
        :func:`task_metrics`.
    """
    check_task(task)
    x, y = as_tensors(x, y)
    if pad is not None:
        x = pad_sequences(x, pad, generator)
    _check_model_length(model, x.shape[2], "x")
    outputs = predict(model, sequence_loader(x, y, batch_size), device)
    if outputs.shape != y.shape:
        raise ValueError(f"model outputs {tuple(outputs.shape)} do not match targets {tuple(y.shape)}")
    loss = float(loss_function(task)(outputs.double(), y.double()))
    return {"loss": loss, "n_sequences": int(y.shape[0]), **task_metrics(task, y, outputs)}

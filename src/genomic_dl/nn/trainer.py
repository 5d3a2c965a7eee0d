"""One small, generic training loop shared by every model of the workflow.

It is used by the ImaGene CNN (Torada et al. 2019), the Cecil & Sugden (2023)
networks and the EvoAug (Lee et al. 2023) models. The moving parts differ per
paper and are passed in as callables:

* ``epoch_data(epoch_index) -> (train_loader, valid_loader)`` supplies the
  data of each epoch (``epoch_index`` is 0-based). The standard strategy
  returns the same two loaders every epoch (see :func:`fixed_epoch_data`);
  ImaGene's "simulation on the fly" returns a new simulated batch every epoch,
  so ``max_epochs`` is then the number of training batches. A loader is any
  iterable of ``(x, y)`` batches (typically a ``torch.utils.data.DataLoader``).
* ``loss_fn(outputs, targets)`` must return the *mean* loss over the batch
  (e.g. :func:`binary_cross_entropy_with_logits`, :func:`cross_entropy`,
  ``torch.nn.functional.mse_loss``).
* ``penalty(model) -> scalar tensor`` is added to every training batch loss
  (ImaGene's Keras L1+L2 kernel regulariser).
* ``batch_transform(x, y) -> (x, y)`` is applied to training batches only,
  after they were moved to the device (EvoAug augmentations).
* ``metrics``: ``{name: fn(outputs, targets) -> float}`` evaluated once per
  epoch on the concatenated validation outputs (default: accuracy).

Conventions: inputs that are not floating point (e.g. ``uint8`` haplotype
images) are converted to ``float32`` on the device; with ``precision="bf16"``
the training batches' forward pass runs under bfloat16 autocast (weights,
gradients, optimizer state, loss and every evaluation stay float32); the ``epoch`` column of the
history and :attr:`History.best_epoch` are 1-based, like Keras' progress
output; validation loss is the mean over samples.
"""

from __future__ import annotations

import copy
import csv
import json
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from genomic_dl.io import atomic_path

LOG = logging.getLogger(__name__)

__all__ = [
    "CHECKPOINT_FORMAT",
    "PRECISIONS",
    "History",
    "TrainerConfig",
    "accuracy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "fit",
    "fixed_epoch_data",
    "load_checkpoint",
    "make_optimizer",
    "predict",
    "read_checkpoint",
    "save_checkpoint",
    "training_autocast",
]

Batch = tuple[torch.Tensor, torch.Tensor]
Loader = Iterable[Any]
EpochData = Callable[[int], tuple[Loader, Loader | None]]
Metric = Callable[[torch.Tensor, torch.Tensor], float]

CHECKPOINT_FORMAT = "genomic_dl.checkpoint/1"
#: Numeric precision of training forward passes (:attr:`TrainerConfig.precision`).
PRECISIONS = ("fp32", "bf16")

# Keras' default epsilon (tf.keras RMSprop and Adam: 1e-7); PyTorch's Adam uses 1e-8.
KERAS_EPSILON = 1e-7
TORCH_ADAM_EPSILON = 1e-8
KERAS_RMSPROP_RHO = 0.9


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class TrainerConfig:
    """Hyper-parameters of :func:`fit`.

    optimizer: ``"adam"`` (``torch.optim.Adam``) or ``"rmsprop"``
        (``torch.optim.RMSprop`` with Keras' defaults: ``alpha`` = Keras ``rho``
        = 0.9, ``eps`` = 1e-7, no momentum, not centred).
    optimizer_eps: epsilon of the optimizer; ``None`` = 1e-7 for rmsprop
        (Keras) and 1e-8 for adam (PyTorch; use 1e-7 for a Keras-faithful Adam).
    weight_decay: coupled L2 weight decay of the torch optimizer.
    batch_size: informational for :func:`fit` (the loaders are built by the
        caller); kept here so the whole training setup lives in one record.
    early_stopping_patience: stop after this many consecutive epochs without
        an improvement of the validation loss by more than
        ``early_stopping_min_delta`` (Keras ``EarlyStopping`` semantics: with
        a constant loss, training stops after ``patience + 1`` epochs);
        ``None`` = off.
    lr_plateau_patience / lr_plateau_factor / lr_plateau_min_delta:
        ``ReduceLROnPlateau`` on the validation loss, absolute threshold
        (Keras' semantics, default ``min_delta`` 1e-4); patience ``None`` = off.
    restore_best: ``True`` = at the end load the weights of the epoch with the
        lowest validation loss; ``False`` = keep the final weights (Keras' plain
        ``fit``).
    valid_loss_includes_penalty: ``True`` = the monitored validation loss
        includes ``penalty(model)``, as Keras' ``val_loss`` does with kernel
        regularisers; ``False`` = data loss only.
    log_every_batches: a progress line every this many training batches
        (0 = only the per-epoch line).
    precision: ``"fp32"`` or ``"bf16"``: the forward pass of training batches
        under ``torch.autocast(dtype=torch.bfloat16)`` (CPU and CUDA; about
        2x faster for the ImaGene CNN on a CPU with AVX-512 BF16), with the
        float32 master weights, loss and optimizer of mixed precision;
        validation, evaluation and prediction stay float32.
    """

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    batch_size: int = 64
    max_epochs: int = 10
    early_stopping_patience: int | None = None
    early_stopping_min_delta: float = 0.0
    lr_plateau_patience: int | None = None
    lr_plateau_factor: float = 0.1
    lr_plateau_min_delta: float = 1e-4
    restore_best: bool = True
    valid_loss_includes_penalty: bool = False
    optimizer_eps: float | None = None
    log_every_batches: int = 0
    precision: str = "fp32"

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "rmsprop"):
            raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {self.optimizer!r}")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise ValueError(f"learning_rate must be a positive finite number, got {self.learning_rate}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if int(self.batch_size) != self.batch_size or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size}")
        if int(self.max_epochs) != self.max_epochs or self.max_epochs < 1:
            raise ValueError(f"max_epochs must be a positive integer, got {self.max_epochs}")
        for name in ("early_stopping_patience", "lr_plateau_patience"):
            value = getattr(self, name)
            if value is not None and (int(value) != value or value < 0):
                raise ValueError(f"{name} must be None or a non-negative integer, got {value}")
        if not 0.0 < self.lr_plateau_factor < 1.0:
            raise ValueError(f"lr_plateau_factor must be in (0, 1), got {self.lr_plateau_factor}")
        if self.early_stopping_min_delta < 0 or self.lr_plateau_min_delta < 0:
            raise ValueError("min_delta values must be >= 0")
        if self.optimizer_eps is not None and not self.optimizer_eps > 0:
            raise ValueError(f"optimizer_eps must be None or > 0, got {self.optimizer_eps}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if int(self.log_every_batches) != self.log_every_batches or self.log_every_batches < 0:
            raise ValueError(f"log_every_batches must be a non-negative integer, got {self.log_every_batches}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (for checkpoint metadata)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainerConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown TrainerConfig keys: {unknown}")
        return cls(**dict(values))


def make_optimizer(params: Iterable[torch.nn.Parameter], config: TrainerConfig) -> torch.optim.Optimizer:
    """Build the optimizer described by ``config``."""
    if config.optimizer == "rmsprop":
        eps = KERAS_EPSILON if config.optimizer_eps is None else config.optimizer_eps
        return torch.optim.RMSprop(
            params,
            lr=config.learning_rate,
            alpha=KERAS_RMSPROP_RHO,
            eps=eps,
            weight_decay=config.weight_decay,
            momentum=0.0,
            centered=False,
        )
    eps = TORCH_ADAM_EPSILON if config.optimizer_eps is None else config.optimizer_eps
    return torch.optim.Adam(params, lr=config.learning_rate, eps=eps, weight_decay=config.weight_decay)


# --------------------------------------------------------------------------- losses / metrics


def binary_cross_entropy_with_logits(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy on logits; targets of shape ``(B,)`` or
    ``(B, 1)`` (any dtype) are matched to outputs of shape ``(B, 1)``."""
    if targets.shape != outputs.shape:
        if targets.numel() != outputs.numel():
            raise ValueError(f"targets {tuple(targets.shape)} do not match outputs {tuple(outputs.shape)}")
        targets = targets.reshape(outputs.shape)
    return F.binary_cross_entropy_with_logits(outputs, targets.to(outputs.dtype))


def cross_entropy(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean categorical cross-entropy on logits ``(B, C)``; targets are class
    indices ``(B,)`` or one-hot / probability rows ``(B, C)`` (Keras style)."""
    if targets.shape == outputs.shape:
        return F.cross_entropy(outputs, targets.to(outputs.dtype))
    return F.cross_entropy(outputs, targets.reshape(-1).long())


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Classification accuracy on logits.

    One output column (or 1-D outputs): binary, predicted class ``logit > 0``,
    target class ``target > 0.5``. Several columns: ``argmax``; targets may be
    class indices or one-hot rows.
    """
    if outputs.numel() == 0:
        return float("nan")
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        predicted = outputs.reshape(-1) > 0
        truth = targets.reshape(-1)
        truth = truth > 0.5 if truth.is_floating_point() else truth != 0
    else:
        predicted = outputs.argmax(dim=-1)
        truth = targets.argmax(dim=-1) if targets.shape == outputs.shape else targets.reshape(-1).long()
    return (predicted == truth).float().mean().item()


# --------------------------------------------------------------------------- history


@dataclass
class History:
    """Per-epoch records of :func:`fit` (one dict per epoch, 1-based ``epoch``)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    stopped_early: bool = False
    restored_best: bool = False

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def best_epoch(self) -> int | None:
        """1-based epoch with the lowest (first, on ties) finite validation loss;
        ``None`` if no epoch has one."""
        best, best_loss = None, math.inf
        for row in self.rows:
            loss = row.get("valid_loss", math.nan)
            if loss is not None and loss < best_loss:  # NaN compares False
                best, best_loss = row["epoch"], loss
        return best

    @property
    def best_valid_loss(self) -> float | None:
        epoch = self.best_epoch
        return None if epoch is None else self.rows[epoch - 1]["valid_loss"]

    def column(self, name: str) -> list[Any]:
        return [row.get(name) for row in self.rows]

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the rows as CSV (columns in first-seen order), atomically."""
        columns: list[str] = []
        for row in self.rows:
            columns.extend(k for k in row if k not in columns)
        with atomic_path(path, suffix=".tmp") as tmp, open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(self.rows)


# --------------------------------------------------------------------------- loop helpers


def fixed_epoch_data(train_loader: Loader, valid_loader: Loader | None) -> EpochData:
    """The standard strategy: the same loaders every epoch."""

    def epoch_data(epoch_index: int) -> tuple[Loader, Loader | None]:
        return train_loader, valid_loader

    return epoch_data


def _split_batch(batch: Any) -> tuple[torch.Tensor, Any]:
    if isinstance(batch, (tuple, list)):
        if len(batch) == 0:
            raise ValueError("empty batch")
        return batch[0], (batch[1] if len(batch) > 1 else None)
    return batch, None


def _to_device(tensor: Any, device: torch.device, *, as_input: bool = False) -> Any:
    """Move to ``device``; model inputs become float, images (4-D) channels-last."""
    if not isinstance(tensor, torch.Tensor):
        return tensor
    tensor = tensor.to(device, non_blocking=True)
    if as_input and not tensor.is_floating_point():
        tensor = tensor.float()
    if as_input and tensor.ndim == 4:
        tensor = tensor.contiguous(memory_format=torch.channels_last)
    return tensor


def _to_device_channels_last(model: nn.Module, device: torch.device) -> None:
    """Move ``model`` to ``device`` with 2-D conv weights channels-last.

    Channels-last convolutions train about 1.5-2x faster than NCHW on CPU (oneDNN) and use
    tensor cores on GPU; 1-D conv and dense weights are unaffected.
    """
    model.to(device=device, memory_format=torch.channels_last)


def _batch_size(x: torch.Tensor) -> int:
    return int(x.shape[0]) if x.ndim > 0 else 1


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _current_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def training_autocast(device: torch.device, precision: str) -> torch.autocast:
    """The autocast context of a training forward pass: bfloat16 for ``"bf16"``, off for ``"fp32"``."""
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


def _evaluate(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    loader: Loader,
    device: torch.device,
    metrics: Mapping[str, Metric],
) -> tuple[float, int, dict[str, float]]:
    """Mean validation loss over samples, sample count, metric values."""
    model.eval()
    total = torch.zeros((), dtype=torch.float64, device=device)
    n = 0
    outputs_all: list[torch.Tensor] = []
    targets_all: list[torch.Tensor] = []
    with torch.no_grad():
        for batch in loader:
            x, y = _split_batch(batch)
            x = _to_device(x, device, as_input=True)
            y = _to_device(y, device)
            out = model(x)
            b = _batch_size(x)
            total += loss_fn(out, y).detach().double() * b
            n += b
            if metrics:
                outputs_all.append(out.detach())
                targets_all.append(y.detach())
    if n == 0:
        return math.nan, 0, {name: math.nan for name in metrics}
    values: dict[str, float] = {}
    if metrics:
        outputs = torch.cat(outputs_all)
        targets = torch.cat(targets_all)
        values = {name: float(fn(outputs, targets)) for name, fn in metrics.items()}
    return float(total.item()) / n, n, values


# --------------------------------------------------------------------------- fit


def fit(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    epoch_data: EpochData,
    config: TrainerConfig,
    device: torch.device | str,
    *,
    penalty: Callable[[nn.Module], torch.Tensor] | None = None,
    batch_transform: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = None,
    metrics: Mapping[str, Metric] | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    on_epoch_end: Callable[[int, nn.Module, dict[str, Any]], None] | None = None,
    log: Callable[[str], None] | None = LOG.info,
) -> History:
    """Train ``model`` in place and return its :class:`History`.

    Each epoch: train on ``epoch_data(i)[0]`` (``model.train()``), validate on
    ``epoch_data(i)[1]`` (``model.eval()``, no grad; mean loss over samples
    plus ``metrics``), step the plateau scheduler, keep an in-memory copy of
    the best weights, check early stopping, log one line. A ``None``
    validation loader skips validation; early stopping, the plateau scheduler
    and ``restore_best`` then have nothing to monitor and are inactive for
    that epoch.

    ``metrics`` defaults to ``{"accuracy": accuracy}``; pass ``{}`` for none.
    ``optimizer`` defaults to :func:`make_optimizer` on ``model.parameters()``.
    ``on_epoch_end(epoch, model, row)`` (1-based epoch) runs after each epoch,
    before early stopping may end training.

    History columns: ``epoch, lr, train_loss`` (data loss + penalty, mean over
    samples, as Keras' ``loss``), ``train_penalty`` (when a penalty is given),
    ``valid_loss`` (the monitored loss), ``valid_data_loss`` and
    ``valid_penalty`` (when a penalty is given), ``valid_<metric>``,
    ``n_train, n_valid, seconds, train_images_per_s``.
    """
    device = torch.device(device)
    metrics = {"accuracy": accuracy} if metrics is None else dict(metrics)
    emit = log if log is not None else (lambda message: None)
    _to_device_channels_last(model, device)
    if optimizer is None:
        optimizer = make_optimizer(model.parameters(), config)
    scheduler = None
    if config.lr_plateau_patience is not None:
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer,
            mode="min",
            factor=config.lr_plateau_factor,
            patience=config.lr_plateau_patience,
            threshold=config.lr_plateau_min_delta,
            threshold_mode="abs",
        )

    history = History()
    best_loss = math.inf
    best_state: dict[str, torch.Tensor] | None = None
    es_best = math.inf
    es_wait = 0

    for epoch_index in range(int(config.max_epochs)):
        epoch = epoch_index + 1
        train_loader, valid_loader = epoch_data(epoch_index)
        lr = _current_lr(optimizer)
        n_batches = len(train_loader) if hasattr(train_loader, "__len__") else None

        # ---- train
        model.train()
        start = time.perf_counter()
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        penalty_sum = torch.zeros((), dtype=torch.float64, device=device)
        n_train = 0
        for batch_index, batch in enumerate(train_loader, start=1):
            x, y = _split_batch(batch)
            x = _to_device(x, device, as_input=True)
            y = _to_device(y, device)
            if batch_transform is not None:
                x, y = batch_transform(x, y)
            optimizer.zero_grad(set_to_none=True)
            with training_autocast(device, config.precision):
                outputs = model(x)
            loss = loss_fn(outputs.float(), y)
            if penalty is not None:
                pen = penalty(model)
                loss = loss + pen
                b = _batch_size(x)
                penalty_sum += pen.detach().double() * b
            else:
                b = _batch_size(x)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach().double() * b
            n_train += b
            if config.log_every_batches and batch_index % config.log_every_batches == 0:
                total = f"/{n_batches}" if n_batches is not None else ""
                emit(
                    f"epoch {epoch}/{config.max_epochs} batch {batch_index}{total} "
                    f"train_loss {loss_sum.item() / n_train:.5f} "
                    f"({n_train / max(time.perf_counter() - start, 1e-9):.1f} images/s)"
                )
        if n_train == 0:
            raise ValueError(f"epoch {epoch}: the training loader yielded no samples")
        train_loss = float(loss_sum.item()) / n_train  # synchronises the device
        train_seconds = time.perf_counter() - start

        row: dict[str, Any] = {"epoch": epoch, "lr": lr, "train_loss": train_loss}
        if penalty is not None:
            row["train_penalty"] = float(penalty_sum.item()) / n_train

        # ---- validate
        if valid_loader is not None:
            valid_data_loss, n_valid, metric_values = _evaluate(model, loss_fn, valid_loader, device, metrics)
            valid_loss = valid_data_loss
            if penalty is not None:
                with torch.no_grad():
                    valid_penalty = float(penalty(model).item())
                if config.valid_loss_includes_penalty:
                    valid_loss = valid_data_loss + valid_penalty
            row["valid_loss"] = valid_loss
            if penalty is not None:
                row["valid_data_loss"] = valid_data_loss
                row["valid_penalty"] = valid_penalty
            for name, value in metric_values.items():
                row[f"valid_{name}"] = value
        else:
            valid_loss, n_valid, metric_values = math.nan, 0, {}
            row["valid_loss"] = math.nan
        seconds = time.perf_counter() - start
        row.update(
            n_train=n_train,
            n_valid=n_valid,
            seconds=seconds,
            train_images_per_s=n_train / max(train_seconds, 1e-9),
        )
        history.rows.append(row)

        # ---- best weights, scheduler, early stopping
        monitored = valid_loader is not None and math.isfinite(valid_loss)
        if monitored and valid_loss < best_loss:
            best_loss = valid_loss
            if config.restore_best:
                best_state = _snapshot(model)
        if scheduler is not None and monitored:
            scheduler.step(valid_loss)

        metric_text = " ".join(f"valid_{k} {v:.4f}" for k, v in metric_values.items())
        emit(
            f"epoch {epoch}/{config.max_epochs} train_loss {train_loss:.5f} "
            f"valid_loss {valid_loss:.5f} {metric_text}{' ' if metric_text else ''}"
            f"lr {lr:.3g} {seconds:.1f}s {row['train_images_per_s']:.1f} images/s"
        )
        if on_epoch_end is not None:
            on_epoch_end(epoch, model, row)

        if config.early_stopping_patience is not None and monitored:
            if valid_loss < es_best - config.early_stopping_min_delta:
                es_best = valid_loss
                es_wait = 0
            else:
                es_wait += 1
                if es_wait >= config.early_stopping_patience:
                    history.stopped_early = True
                    emit(
                        f"early stopping after epoch {epoch}: no validation loss improvement "
                        f"for {es_wait} epoch(s) (best {es_best:.5f})"
                    )
                    break

    if config.restore_best and best_state is not None:
        model.load_state_dict(best_state)
        history.restored_best = True
        emit(f"restored the weights of epoch {history.best_epoch} (valid_loss {best_loss:.5f})")
    return history


# --------------------------------------------------------------------------- predict


def predict(model: nn.Module, loader: Loader, device: torch.device | str) -> torch.Tensor:
    """Concatenated raw model outputs (logits) over ``loader``, on the CPU.

    Batches may be ``(x, y)`` tuples or bare ``x`` tensors. The model is put in
    eval mode and left there.
    """
    device = torch.device(device)
    _to_device_channels_last(model, device)
    model.eval()
    outputs: list[torch.Tensor] = []
    with torch.no_grad():
        for batch in loader:
            x, _ = _split_batch(batch)
            outputs.append(model(_to_device(x, device, as_input=True)).detach().to("cpu"))
    if not outputs:
        raise ValueError("predict: the loader yielded no batches")
    return torch.cat(outputs)


# --------------------------------------------------------------------------- checkpoints


def save_checkpoint(path: str | os.PathLike[str], model: nn.Module, metadata: Mapping[str, Any]) -> None:
    """Atomically write ``{"format", "state_dict", "metadata"}`` to ``path``.

    ``metadata`` must be JSON-serialisable; it is normalised through JSON (so
    tuples come back as lists). It should hold the architecture kwargs under
    ``"model_kwargs"``; when that key is missing and the model has a
    ``model_kwargs`` attribute (e.g. :class:`ImageneCNN`), it is filled in.
    The state dict is stored on the CPU.
    """
    metadata = dict(metadata)
    if "model_kwargs" not in metadata and hasattr(model, "model_kwargs"):
        metadata["model_kwargs"] = model.model_kwargs
    try:
        metadata = json.loads(json.dumps(metadata, allow_nan=True))
    except (TypeError, ValueError) as error:
        raise ValueError(f"checkpoint metadata is not JSON-serialisable: {error}") from error
    state_dict = {k: v.detach().to("cpu") for k, v in model.state_dict().items()}
    payload = {"format": CHECKPOINT_FORMAT, "state_dict": state_dict, "metadata": metadata}
    with atomic_path(path, suffix=".tmp") as tmp, open(tmp, "wb") as handle:
        torch.save(payload, handle)
        handle.flush()
        os.fsync(handle.fileno())


def read_checkpoint(path: str | os.PathLike[str], device: torch.device | str = "cpu") -> dict[str, Any]:
    """The payload ``{format, state_dict, metadata}`` of a checkpoint written by :func:`save_checkpoint`.

    Raises ``FileNotFoundError`` when ``path`` does not exist and ``ValueError`` naming it when it
    is not a readable checkpoint of this format (torch raises many types for corrupt files).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: model checkpoint not found")
    try:
        payload = torch.load(path, map_location=torch.device(device), weights_only=True)
    except Exception as error:
        raise ValueError(f"{path}: not a readable model checkpoint ({type(error).__name__}: {error})") from error
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path}: not a {CHECKPOINT_FORMAT} checkpoint")
    if not isinstance(payload.get("metadata"), dict):
        raise ValueError(f"{path}: checkpoint has no metadata mapping")
    return payload


def load_checkpoint(
    path: str | os.PathLike[str],
    build_model: Callable[[dict[str, Any]], nn.Module],
    device: torch.device | str = "cpu",
    payload: dict[str, Any] | None = None,
) -> tuple[nn.Module, dict[str, Any]]:
    """Load a checkpoint written by :func:`save_checkpoint` (the one loader of every paper).

    ``build_model(metadata["model_kwargs"])`` builds the architecture (e.g.
    :func:`genomic_dl.nn.imagene.build_imagene`); the weights are loaded
    strictly, the model is moved to ``device`` and put in eval mode. Returns
    ``(model, metadata)``. ``payload``: the :func:`read_checkpoint` of ``path`` when the caller
    already read it (to choose ``build_model`` from the metadata); read here otherwise.
    """
    device = torch.device(device)
    if payload is None:
        payload = read_checkpoint(path, device)
    metadata = payload["metadata"]
    if "model_kwargs" not in metadata:
        raise ValueError(f"{path}: checkpoint metadata has no 'model_kwargs' to rebuild the model from")
    model = build_model(copy.deepcopy(metadata["model_kwargs"]))
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except RuntimeError as error:
        raise ValueError(f"{path}: the weights do not fit the model ({error})") from error
    model.to(device)
    model.eval()
    return model, metadata

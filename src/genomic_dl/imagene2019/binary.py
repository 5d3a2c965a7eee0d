"""ImaGene binary detection (Torada et al. 2019, Fig 3): neutral vs selection images.

Training follows the authors' Reproduce/train_binary.py: for each simulation batch (one image
shard per class), the images of both classes are shuffled, the last ``validation_fraction`` is
held out for validation, and the network sees the rest once ("simulation on the fly"). The
``epochs`` strategy pools all training shards instead and runs several epochs with early stopping.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from genomic_dl.nn.imagene import ImageneCNN
from genomic_dl.nn.trainer import History, TrainerConfig, fit, predict
from genomic_dl.popgen.image_store import load_images

logger = logging.getLogger(__name__)


def binary_tensors(
    neutral_paths: Sequence[str], selected_paths: Sequence[str], invert: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images of both classes as network input.

    Returns ``x`` float32 (B, 1, H, W) (``1 - image`` when ``invert``, ImaGene's default) and
    ``y`` float32 (B, 1): 0 for the neutral shards, 1 for the selected ones.
    """
    neutral, _ = load_images(neutral_paths)
    selected, _ = load_images(selected_paths)
    images = np.concatenate([neutral, selected])
    if invert:
        images = 1 - images
    x = torch.from_numpy(images.astype(np.float32)).unsqueeze(1)
    y = torch.cat([torch.zeros(len(neutral), 1), torch.ones(len(selected), 1)])
    return x, y


def _split_loaders(
    x: torch.Tensor, y: torch.Tensor, validation_fraction: float, batch_size: int, generator: torch.Generator
) -> tuple[DataLoader, DataLoader]:
    """Shuffle, hold out the last ``validation_fraction`` (Keras ``validation_split``), make loaders."""
    order = torch.randperm(len(x), generator=generator)
    n_valid = max(1, int(round(validation_fraction * len(x))))
    train, valid = order[:-n_valid], order[-n_valid:]
    train_loader = DataLoader(
        TensorDataset(x[train], y[train]), batch_size=batch_size, shuffle=True, generator=generator
    )
    valid_loader = DataLoader(TensorDataset(x[valid], y[valid]), batch_size=max(batch_size, 256))
    return train_loader, valid_loader


def trainer_config(training: dict, n_train_shards: int) -> TrainerConfig:
    """Translate the config's ``imagene.training`` section into a :class:`TrainerConfig`."""
    on_the_fly = training["strategy"] == "on_the_fly"
    return TrainerConfig(
        optimizer=training["optimizer"],
        learning_rate=training["learning_rate"],
        batch_size=training["batch_size"],
        max_epochs=n_train_shards if on_the_fly else training["max_epochs"],
        early_stopping_patience=None if on_the_fly else training["early_stopping_patience"],
        restore_best=training["restore_best"],
        valid_loss_includes_penalty=True,  # as Keras' val_loss, which includes the regulariser
        log_every_batches=training["log_every_batches"],
        precision=training["precision"],
    )


def epoch_data_factory(
    neutral_shards: Sequence[str],
    selected_shards: Sequence[str],
    training: dict,
    invert: bool,
    generator: torch.Generator,
) -> Callable[[int], tuple[DataLoader, DataLoader]]:
    """Return ``epoch_data(epoch) -> (train_loader, valid_loader)`` for the configured strategy."""
    if len(neutral_shards) != len(selected_shards):
        raise ValueError(f"{len(neutral_shards)} neutral but {len(selected_shards)} selected training shards")
    split = functools.partial(
        _split_loaders,
        validation_fraction=training["validation_fraction"],
        batch_size=training["batch_size"],
        generator=generator,
    )
    if training["strategy"] == "on_the_fly":

        def on_the_fly(epoch: int) -> tuple[DataLoader, DataLoader]:
            x, y = binary_tensors([neutral_shards[epoch]], [selected_shards[epoch]], invert)
            return split(x, y)

        return on_the_fly
    pooled = split(*binary_tensors(neutral_shards, selected_shards, invert))
    return lambda epoch: pooled


def train_binary_detector(
    neutral_shards: Sequence[str],
    selected_shards: Sequence[str],
    model_kwargs: dict,
    training: dict,
    invert: bool,
    device: torch.device,
    generator: torch.Generator,
    log: Callable[[str], None] = logger.info,
) -> tuple[ImageneCNN, History]:
    """Train an :class:`ImageneCNN` with one sigmoid output to tell selection (1) from neutral (0)."""
    model = ImageneCNN(**model_kwargs, n_outputs=1).to(device)
    config = trainer_config(training, len(neutral_shards))
    history = fit(
        model,
        torch.nn.functional.binary_cross_entropy_with_logits,
        epoch_data_factory(neutral_shards, selected_shards, training, invert, generator),
        config,
        device,
        penalty=lambda m: m.regularization_penalty(),
        log=log,
    )
    return model, history


def evaluate_binary_detector(
    model: torch.nn.Module,
    neutral_shards: Sequence[str],
    selected_shards: Sequence[str],
    invert: bool,
    device: torch.device,
) -> dict:
    """Test-set confusion matrix of a trained detector (threshold 0.5 on the sigmoid output).

    Returns a JSON-ready dict: ``confusion`` [[neutral->N, neutral->S], [sel->N, sel->S]] as
    counts, ``confusion_normalised`` (rows sum to 1), ``accuracy`` and ``n_test``.
    """
    x, y = binary_tensors(neutral_shards, selected_shards, invert)
    loader = DataLoader(TensorDataset(x, y), batch_size=256)
    probability = torch.sigmoid(predict(model, loader, device)).squeeze(1).cpu().numpy()
    truth = y.squeeze(1).numpy().astype(int)
    called = (probability >= 0.5).astype(int)
    confusion = np.zeros((2, 2), dtype=np.int64)
    np.add.at(confusion, (truth, called), 1)
    return {
        "confusion": confusion.tolist(),
        "confusion_normalised": (confusion / confusion.sum(axis=1, keepdims=True)).tolist(),
        "accuracy": float((called == truth).mean()),
        "n_test": len(truth),
    }

"""Saving and loading the EvoAug models of the workflow, with the metadata needed to use them.

Every trained model is written to
``<results_dir>/evoaug2023/models/{dataset}/{setting}/seed{seed}/{stage}.pt`` by
:func:`save_evoaug_model` (a :func:`genomic_dl.nn.trainer.save_checkpoint`
file) with the metadata keys of :data:`METADATA_KEYS`:

``model``
    Name for :func:`genomic_dl.evoaug2023.models.build_model` (``"basset"``,
    ``"deepstarr"``, ``"chip_cnn"``).
``model_kwargs``
    Its constructor kwargs (``sequence_length`` = the model's input length,
    i.e. ``L + padding``; ``n_tasks``).
``task``
    ``"binary"`` (logit outputs) or ``"regression"``.
``dataset``, ``setting``, ``stage``, ``seed``
    Where the model sits in the experiment grid (stage ``standard``,
    ``pretrained`` or ``finetuned``).
``augmentations``
    The augmentation spec of :func:`genomic_dl.evoaug2023.augmentations.build_augmentations`
    (``None`` for standard training).
``augmenter``
    ``{"max_augs_per_seq", "hard_aug", "length_preserving_insertion"}`` of the
    :class:`~genomic_dl.evoaug2023.augmentations.StochasticAugmenter` (``None``
    for standard training).
``padding``
    Number of random nucleotides appended at the 3' end of every
    un-augmented input (evaluation, prediction, attribution):
    ``output_length(L) - L``, i.e. ``insert_max`` when the augmentations
    include an insertion, else 0.

Extra keys (e.g. the training history summary) are kept.

:func:`evaluation_padder` turns the metadata into the padding function to be
applied to every input ``(N, 4, L)`` before it is given to the model.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from genomic_dl.evoaug2023.augmentations import random_bases
from genomic_dl.evoaug2023.models import MODELS, build_model
from genomic_dl.nn.trainer import load_checkpoint, read_checkpoint, save_checkpoint

__all__ = [
    "METADATA_KEYS",
    "STAGES",
    "append_random_bases",
    "evaluation_padder",
    "load_evoaug_model",
    "save_evoaug_model",
    "validate_metadata",
]

#: Keys every EvoAug checkpoint's metadata must hold.
METADATA_KEYS = (
    "model",
    "model_kwargs",
    "task",
    "dataset",
    "setting",
    "stage",
    "seed",
    "augmentations",
    "augmenter",
    "padding",
)

#: Training stages: standard training, augmented pretraining, fine-tuning.
STAGES = ("standard", "pretrained", "finetuned")

_AUGMENTER_KEYS = ("max_augs_per_seq", "hard_aug", "length_preserving_insertion")


def validate_metadata(metadata: Mapping[str, Any], where: str = "metadata") -> None:
    """Raise ``ValueError`` (naming ``where``) unless ``metadata`` follows the contract above."""
    if not isinstance(metadata, Mapping):
        raise ValueError(f"{where}: metadata must be a mapping, got {type(metadata).__name__}")
    missing = [key for key in METADATA_KEYS if key not in metadata]
    if missing:
        raise ValueError(f"{where}: metadata lacks the key(s) {missing}")
    if metadata["model"] not in MODELS:
        raise ValueError(f"{where}: unknown model {metadata['model']!r}; expected one of {sorted(MODELS)}")
    if not isinstance(metadata["model_kwargs"], Mapping):
        raise ValueError(f"{where}: model_kwargs must be a mapping")
    if metadata["task"] not in ("binary", "regression"):
        raise ValueError(f"{where}: task must be 'binary' or 'regression', got {metadata['task']!r}")
    if metadata["stage"] not in STAGES:
        raise ValueError(f"{where}: stage must be one of {STAGES}, got {metadata['stage']!r}")
    padding = metadata["padding"]
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"{where}: padding must be a non-negative integer, got {padding!r}")
    augmentations, augmenter = metadata["augmentations"], metadata["augmenter"]
    if (augmentations is None) != (augmenter is None):
        raise ValueError(f"{where}: augmentations and augmenter must both be null or both be set")
    if augmenter is not None:
        if not isinstance(augmentations, Mapping) or not augmentations:
            raise ValueError(f"{where}: augmentations must be a non-empty mapping or null")
        if not isinstance(augmenter, Mapping) or sorted(augmenter) != sorted(_AUGMENTER_KEYS):
            raise ValueError(f"{where}: augmenter must be a mapping with exactly the keys {list(_AUGMENTER_KEYS)}")
    elif padding != 0:
        raise ValueError(f"{where}: a model trained without augmentations must have padding 0, got {padding}")


def save_evoaug_model(path: str | os.PathLike[str], model: nn.Module, metadata: Mapping[str, Any]) -> None:
    """Atomically write ``model`` (state dict on the CPU) and ``metadata`` to ``path``.

    Parameters
    ----------
    path
        Destination ``.pt`` file (parent folders are created).
    model
        A :mod:`genomic_dl.evoaug2023.models` model.
    metadata
        The keys of :data:`METADATA_KEYS` (JSON-serialisable) and any extras.

    Raises
    ------
    ValueError
        Metadata incomplete or inconsistent, or ``model_kwargs`` do not describe ``model``.
    """
    validate_metadata(metadata, str(path))
    kwargs = getattr(model, "model_kwargs", None)
    if kwargs is not None and dict(kwargs) != dict(metadata["model_kwargs"]):
        raise ValueError(
            f"{path}: metadata model_kwargs {dict(metadata['model_kwargs'])} do not match the model's {kwargs}"
        )
    save_checkpoint(path, model, metadata)


def load_evoaug_model(
    path: str | os.PathLike[str], device: torch.device | str = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """Load a model saved by :func:`save_evoaug_model`.

    Returns
    -------
    model : torch.nn.Module
        Rebuilt with ``build_model(metadata["model"], metadata["model_kwargs"])``,
        weights loaded strictly, on ``device``, in eval mode. Its input is
        ``(N, 4, L + metadata["padding"])`` one-hot.
    metadata : dict
        As saved.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        Not a checkpoint, or its metadata is not an EvoAug model's.
    """
    payload = read_checkpoint(path, device)
    metadata = payload["metadata"]
    validate_metadata(metadata, str(path))
    return load_checkpoint(path, functools.partial(build_model, metadata["model"]), device, payload)


def append_random_bases(x: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
    """``x`` ``(N, 4, L)`` followed by ``count`` uniformly random one-hot bases at the 3' end.

    The random bases are drawn from ``generator`` (on the device of ``x``)
    and have the dtype of ``x`` (floating or integer one-hot); the result is
    ``(N, 4, L + count)``.
    """
    if x.ndim != 3 or x.shape[1] != 4:
        raise ValueError(f"x must have shape (N, 4, L), got {tuple(x.shape)}")
    if count == 0:
        return x
    bases = random_bases(x.shape[0], count, generator, dtype=torch.float32).to(device=x.device, dtype=x.dtype)
    return torch.cat([x, bases], dim=2)


def evaluation_padder(
    metadata: Mapping[str, Any], generator: torch.Generator
) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """The input transformation of a model trained with an insertion augmentation.

    Parameters
    ----------
    metadata
        A checkpoint's metadata (see the module docstring).
    generator
        ``torch.Generator`` for the random bases, on the device of the inputs;
        bound into the returned function (successive calls draw new bases).

    Returns
    -------
    callable or None
        ``pad(x)`` mapping ``(N, 4, L)`` to ``(N, 4, L + padding)`` (random
        bases at the 3' end), or ``None`` when ``metadata["padding"]`` is 0
        (inputs are used as they are).
    """
    padding = metadata["padding"]
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"metadata padding must be a non-negative integer, got {padding!r}")
    if padding == 0:
        return None
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")

    def pad(x: torch.Tensor) -> torch.Tensor:
        return append_random_bases(x, padding, generator)

    return pad

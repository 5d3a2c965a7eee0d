"""The EvoAug experiment grid (Lee et al. 2023): datasets, training settings and one training run.

Datasets
    ``basset`` (multi-task binary, Basset model), ``deepstarr`` (two-task regression, DeepSTARR
    model) and ``chip_<TF>`` for the nine ChIP-seq TFs (single-task binary, the paper's ChIP CNN).
    The *kind* of a dataset (``basset``, ``deepstarr``, ``chip``) selects its model, task type,
    augmentation hyperparameters and settings in the workflow config.

Settings
    ``standard`` (no augmentation), one setting per augmentation alone (its name:
    ``mutation``, ``translocation``, ``insertion``, ``deletion``, ``inversion``,
    ``reverse_complement``, ``noise``; applied to every sequence: ``max_augs_per_seq`` 1, hard)
    and named combinations (``evoaug`` = the paper's combination of a dataset kind). A resolved
    setting is a dict ``{"augmentations": spec | None, "augmenter": {...} | None}`` with the spec
    of :func:`genomic_dl.evoaug2023.augmentations.build_augmentations` and the
    :class:`~genomic_dl.evoaug2023.augmentations.StochasticAugmenter` options; both are ``None`` for
    standard training. This is what :mod:`genomic_dl.evoaug2023.checkpoints` stores.

A run
    :func:`run_setting` trains one model of the grid: standard training (stage ``standard``) or
    augmented pretraining followed by fine-tuning on the original data (stages ``pretrained``
    and ``finetuned``), each evaluated on the test and validation splits (the sweeps score on
    the validation split, as the authors' sweeps did) and returned with its history and the
    checkpoint metadata of the contract in :mod:`genomic_dl.evoaug2023.checkpoints`.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from genomic_dl.evoaug2023.augmentations import StochasticAugmenter, build_augmentations
from genomic_dl.evoaug2023.checkpoints import validate_metadata
from genomic_dl.evoaug2023.grid import (
    DEFAULT_TASK_NAMES,
    HEADLINE_METRIC,
    KINDS,
    MODEL_OF_KIND,
    TASK_OF_KIND,
    chip_tf,
    dataset_kind,
)
from genomic_dl.evoaug2023.h5data import SPLITS, EvoAugH5
from genomic_dl.evoaug2023.models import build_model
from genomic_dl.evoaug2023.training import (
    evaluate,
    finetune,
    pretrain_augmented,
    train_standard,
    trainer_config_from,
)
from genomic_dl.nn.trainer import History

LOG = logging.getLogger(__name__)

__all__ = [
    "HEADLINE_METRIC",
    "KINDS",
    "MODEL_OF_KIND",
    "TASK_OF_KIND",
    "Splits",
    "StageResult",
    "build_augmenter",
    "chip_tf",
    "dataset_kind",
    "expose_data_file",
    "load_splits",
    "resolve_setting",
    "run_setting",
    "synthetic_spec",
    "write_synthetic_dataset",
]


def synthetic_spec(dataset: str, options: Mapping[str, Any]) -> dict:
    """The :mod:`genomic_dl.evoaug2023.synthetic` spec of a dataset from its config options.

    ``options`` are the keyword arguments of the kind's preset (``n_tasks``, ``length``,
    ``label_noise`` for ``basset``; ``length``, ``noise`` for ``deepstarr``; ``length``,
    ``positive_fraction``, ``label_noise`` for ``chip``); other keys (``n_sequences``) are ignored.
    """
    from genomic_dl.evoaug2023 import grammar

    kind = dataset_kind(dataset)
    keys = {
        "basset": ("n_tasks", "length", "label_noise"),
        "deepstarr": ("length", "noise"),
        "chip": ("length", "positive_fraction", "label_noise"),
    }[kind]
    kwargs = {key: options[key] for key in keys if key in options}
    if kind == "basset":
        return grammar.basset_like_spec(**kwargs)
    if kind == "deepstarr":
        return grammar.deepstarr_like_spec(**kwargs)
    return grammar.chip_like_spec(chip_tf(dataset), **kwargs)


def write_synthetic_dataset(
    dataset: str,
    options: Mapping[str, Any],
    split: Sequence[float],
    seed: int,
    path: str,
) -> dict[str, Any]:
    """Generate the synthetic stand-in of ``dataset`` and write it in the EvoAug layout.

    ``options["n_sequences"]`` sequences are drawn from :func:`synthetic_spec` with a
    ``numpy`` generator seeded by ``seed`` and split at random by ``split`` (train, valid,
    test fractions); the file (with planted-site ground truth and the spec) is written
    atomically by :func:`genomic_dl.evoaug2023.synthetic.save_synthetic_h5`.

    Returns
    -------
    dict
        Sizes of the splits and the fraction of positive labels (binary) or the mean target
        (regression) per task in the training split, for the log.
    """
    from genomic_dl.evoaug2023 import synthetic

    spec = synthetic_spec(dataset, options)
    rng = np.random.default_rng(int(seed))
    data = synthetic.generate_dataset(spec, int(options["n_sequences"]), rng)
    splits = synthetic.split_dataset(data, tuple(split), rng)
    synthetic.save_synthetic_h5(path, splits, spec)
    return {
        "sizes": {name: len(part["x"]) for name, part in splits.items()},
        "train_target_mean": splits["train"]["y"].mean(axis=0).round(3).tolist(),
        "task_names": list(data["task_names"]),
    }


def expose_data_file(source: str, destination: str) -> str:
    """Make a downloaded EvoAug file available at the workflow's data path.

    ``source`` is checked to be an EvoAug data file (:class:`EvoAugH5`: layout, splits,
    shapes); ``destination`` becomes a hard link to it (no second copy of a multi-GB file) or,
    across file systems, a copy; either appears atomically. Returns ``"link"`` or ``"copy"``.
    """
    import os
    import shutil

    from genomic_dl.io import atomic_path

    with EvoAugH5(source):
        pass
    with atomic_path(destination, suffix=".h5") as tmp:
        tmp.unlink()
        try:
            os.link(source, tmp)
            how = "link"
        except OSError:
            shutil.copyfile(source, tmp)
            how = "copy"
    return how


# --------------------------------------------------------------------------- settings


def _merged(base: Mapping[str, Any] | None, override: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**dict(base or {}), **dict(override or {})}


def resolve_setting(
    setting: str,
    settings: Mapping[str, Any],
    parameters: Mapping[str, Mapping[str, Any]],
    *,
    override: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The augmentations and augmenter options of a named setting.

    Parameters
    ----------
    setting
        ``"standard"``, an augmentation name listed in ``settings["singles"]`` or a key of
        ``settings["combinations"]``.
    settings
        The dataset kind's settings: ``singles`` (list of augmentation names),
        ``single_overrides`` (optional ``{augmentation: {parameter: value}}`` used only when the
        augmentation is applied alone) and ``combinations``
        (``{name: {augmentations: [...], max_augs_per_seq, hard_aug}}``).
    parameters
        The kind's hyperparameters of every augmentation, ``{name: {parameter: value}}``.
    override
        For hyperparameter sweeps: ``{"parameters": {parameter: value}}`` applied to the single
        augmentation of the setting, and/or ``{"max_augs_per_seq": k}``.

    Returns
    -------
    dict
        ``{"augmentations": {name: params} | None, "augmenter": {"max_augs_per_seq",
        "hard_aug", "length_preserving_insertion"} | None}``.
    """
    override = dict(override or {})
    unknown = sorted(set(override) - {"parameters", "max_augs_per_seq"})
    if unknown:
        raise ValueError(f"setting override: unknown key(s) {unknown}")
    combinations = settings.get("combinations") or {}
    singles = list(settings.get("singles") or [])
    if setting == "standard":
        if override:
            raise ValueError("the standard setting takes no override")
        return {"augmentations": None, "augmenter": None}
    if setting in singles:
        if setting not in parameters:
            raise ValueError(f"no hyperparameters for augmentation {setting!r}")
        params = _merged(parameters[setting], (settings.get("single_overrides") or {}).get(setting))
        params = _merged(params, override.get("parameters"))
        spec = {setting: params}
        augmenter = {"max_augs_per_seq": int(override.get("max_augs_per_seq", 1)), "hard_aug": True}
    elif setting in combinations:
        combination = combinations[setting]
        names = list(combination["augmentations"])
        missing = [name for name in names if name not in parameters]
        if missing:
            raise ValueError(f"combination {setting!r}: no hyperparameters for {missing}")
        if override.get("parameters"):
            raise ValueError(f"combination {setting!r}: parameter overrides apply to single augmentations only")
        spec = {name: dict(parameters[name]) for name in names}
        augmenter = {
            "max_augs_per_seq": int(override.get("max_augs_per_seq", combination["max_augs_per_seq"])),
            "hard_aug": bool(combination["hard_aug"]),
        }
    else:
        raise ValueError(
            f"unknown setting {setting!r}; expected standard, one of {singles} or one of {sorted(combinations)}"
        )
    augmenter["length_preserving_insertion"] = False
    resolved = {"augmentations": spec, "augmenter": augmenter}
    build_augmenter(resolved)  # validates names and values now
    return resolved


def build_augmenter(resolved: Mapping[str, Any]) -> StochasticAugmenter | None:
    """The :class:`StochasticAugmenter` of a resolved setting (``None`` for standard training)."""
    if resolved["augmentations"] is None:
        return None
    return StochasticAugmenter(build_augmentations(resolved["augmentations"]), **resolved["augmenter"])


# --------------------------------------------------------------------------- data


@dataclass
class Splits:
    """In-memory data of one dataset: ``x`` ``(N, 4, L)`` uint8 one-hot, ``y`` ``(N, T)`` float32."""

    train: tuple[np.ndarray, np.ndarray]
    valid: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    task_names: list[str]

    @property
    def sequence_length(self) -> int:
        return int(self.train[0].shape[2])

    @property
    def n_tasks(self) -> int:
        return int(self.train[1].shape[1])


def _task_names(handle: EvoAugH5, kind: str, n_tasks: int) -> list[str]:
    import json

    stored = handle._file.attrs.get("task_names")
    if stored is not None:
        names = json.loads(stored)
        if len(names) == n_tasks:
            return [str(name) for name in names]
    default = DEFAULT_TASK_NAMES.get(kind)
    if default is not None and len(default) == n_tasks:
        return list(default)
    return [f"task{k:03d}" for k in range(n_tasks)]


def load_splits(
    path: str,
    dataset: str,
    *,
    n_train: int | None = None,
    rng: np.random.Generator | None = None,
) -> Splits:
    """Read a dataset file (synthetic or real, either key layout) into memory.

    Parameters
    ----------
    path
        ``<results_dir>/evoaug2023/data/{dataset}.h5``.
    dataset
        Its name (for the task names of the real files and error messages).
    n_train
        Keep a random subset of this many training sequences (EvoAug Fig 2c), drawn with
        ``rng``; ``None`` keeps all. Validation and test splits are never subsampled.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file, unreadable or wrong layout (naming the file); ``n_train`` larger than the
        training split.
    """
    kind = dataset_kind(dataset)
    with EvoAugH5(path) as handle:
        size = handle.split_size("train")
        indices = None
        if n_train is not None:
            if not 1 <= n_train <= size:
                raise ValueError(f"{path}: cannot draw {n_train} training sequences from a split of {size}")
            if rng is None:
                raise ValueError("a down-sampled training set needs a numpy Generator (rng)")
            indices = np.sort(rng.choice(size, size=n_train, replace=False))
        arrays = {}
        for split in SPLITS:
            x, y = handle.read(split, indices if split == "train" else None)
            arrays[split] = (_as_one_hot_uint8(x, path, split), np.asarray(y, dtype=np.float32))
        names = _task_names(handle, kind, handle.n_tasks)
    return Splits(arrays["train"], arrays["valid"], arrays["test"], names)


def _as_one_hot_uint8(x: np.ndarray, path: str, split: str) -> np.ndarray:
    """One-hot inputs as uint8 (4x less memory than float32; exact for 0/1 values)."""
    if x.dtype == np.uint8:
        return x
    converted = x.astype(np.uint8)
    if not np.array_equal(converted, x):
        raise ValueError(f"{path}: inputs of split {split!r} are not 0/1 one-hot values")
    return converted


# --------------------------------------------------------------------------- a run


@dataclass
class StageResult:
    """One trained model of a run: its stage name, weights, history, metadata and evaluation."""

    stage: str
    model: nn.Module
    history: History
    metadata: dict[str, Any]
    evaluation: dict[str, Any]


def _summary(history: History) -> dict[str, Any]:
    seconds = [row.get("seconds", math.nan) for row in history.rows]
    return {
        "epochs": len(history),
        "best_epoch": history.best_epoch,
        "best_valid_loss": history.best_valid_loss,
        "stopped_early": history.stopped_early,
        "train_seconds": float(np.nansum(seconds)),
    }


def run_setting(
    data: Splits,
    *,
    dataset: str,
    setting: str,
    resolved: Mapping[str, Any],
    model_options: Mapping[str, Any],
    training: Mapping[str, Any],
    finetuning: Mapping[str, Any],
    seed: int,
    device: torch.device,
    generator: torch.Generator,
    log: Callable[[str], None] | None = LOG.info,
) -> list[StageResult]:
    """Train one model of the grid and evaluate every stage.

    Parameters
    ----------
    data
        From :func:`load_splits`.
    dataset, setting
        Names recorded in the metadata.
    resolved
        From :func:`resolve_setting`.
    model_options
        Extra model kwargs of the dataset kind (``width``).
    training, finetuning
        :class:`~genomic_dl.nn.trainer.TrainerConfig` fields of standard training / pretraining
        and of fine-tuning.
    seed
        Recorded in the metadata (the caller seeds torch and ``generator``).
    generator
        CPU generator (shuffling, validation padding).

    Returns
    -------
    list of StageResult
        ``[standard]`` or ``[pretrained, finetuned]``; each model on ``device`` in eval mode.
        The evaluation holds the test-set metrics (``loss``, ``mean_<metric>``, per-task lists)
        and the same on the validation set under ``"valid"`` (the hyperparameter sweeps' score);
        inputs of models trained with an insertion are padded with random 3' bases drawn from
        a generator seeded with ``seed``.
    """
    kind = dataset_kind(dataset)
    task = TASK_OF_KIND[kind]
    augmenter = build_augmenter(resolved)
    length = data.sequence_length
    padding = 0 if augmenter is None else augmenter.output_length(length) - length
    model_kwargs = {"sequence_length": length + padding, "n_tasks": data.n_tasks, **dict(model_options)}
    model = build_model(MODEL_OF_KIND[kind], model_kwargs, generator=generator)
    base = {
        "model": MODEL_OF_KIND[kind],
        "model_kwargs": model.model_kwargs,
        "task": task,
        "dataset": dataset,
        "setting": setting,
        "seed": int(seed),
        "augmentations": copy.deepcopy(resolved["augmentations"]),
        "augmenter": copy.deepcopy(resolved["augmenter"]),
        "padding": int(padding),
        "task_names": list(data.task_names),
        "n_train": int(data.train[0].shape[0]),
    }
    pad = None if padding == 0 else augmenter.pad_for_evaluation
    emit = log if log is not None else (lambda message: None)

    def finish(stage: str, history: History, config: Mapping[str, Any]) -> StageResult:
        start = time.perf_counter()
        evaluation_generator = torch.Generator().manual_seed(int(seed))
        metrics = evaluate(model, *data.test, task, device, pad, generator=evaluation_generator)
        valid_metrics = evaluate(model, *data.valid, task, device, pad, generator=evaluation_generator)
        metadata = {**base, "stage": stage, "training": dict(config), "history": _summary(history)}
        validate_metadata(metadata, f"{dataset}/{setting}/{stage}")
        evaluation = {
            **{key: metadata[key] for key in ("dataset", "setting", "stage", "seed", "task", "padding", "n_train")},
            "task_names": list(data.task_names),
            **metrics,
            "valid": valid_metrics,
            **metadata["history"],
            "evaluation_seconds": time.perf_counter() - start,
        }
        emit(
            f"{dataset}/{setting}/{stage}: "
            + ", ".join(f"{key} {evaluation[key]:.4f}" for key in evaluation if key.startswith("mean_"))
        )
        return StageResult(stage, copy.deepcopy(model), history, metadata, evaluation)

    train_config = trainer_config_from(training)
    if augmenter is None:
        history = train_standard(model, data.train, data.valid, train_config, device, generator, task=task, log=log)
        return [finish("standard", history, training)]
    history = pretrain_augmented(
        model, data.train, data.valid, augmenter, train_config, device, generator, task=task, log=log
    )
    pretrained = finish("pretrained", history, training)
    history = finetune(
        model, data.train, data.valid, trainer_config_from(finetuning), device, generator, pad, task=task, log=log
    )
    return [pretrained, finish("finetuned", history, finetuning)]

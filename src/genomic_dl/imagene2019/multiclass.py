"""ImaGene quantification of selection (Torada et al. 2019, Figs 4-6): K-class softmax CNNs.

Fig 4 classifies S in {0, 200, 400} (conv 32-64-64, no dense layer); Fig 5 estimates S drawn
uniformly on [0, 400] by classifying it into the 11 classes ``linspace(0, 400, 11)`` (conv
32-64-128, no dense layer) under three label distributions (:mod:`genomic_dl.imagene2019.labels`);
Fig 6 summarises single posteriors (:mod:`genomic_dl.imagene2019.posterior`).

Data are image shards (:mod:`genomic_dl.popgen.image_store`) whose per-image
``selection_coefficient`` is mapped to the nearest class value, so a simulation batch may be one
shard per class value (Fig 4) or shards with S drawn from a continuous prior (Fig 5).
Training follows the authors' ``Reproduce/train_multi.py`` / ``train_continuous.py`` as
:mod:`.imagene_binary` does for Fig 3: with strategy ``on_the_fly`` each training *batch* (a list
of shards) is loaded, labelled, shuffled, split (last ``validation_fraction`` for validation) and
seen once; strategy ``epochs`` pools all batches and runs several epochs. Label distributions
are drawn when the data are loaded, so a ``perturbed`` label keeps its random shift for as long
as the image is used (as ImaGene's ``to_categorical(targets, wiggle)``). Evaluation compares with
the unperturbed nearest class and, as the authors' ``ImaGene.py`` does (it perturbs the test
targets too), with the test labels drawn from the network's label distribution (suffix
``_vs_labels``: for a ``perturbed`` network each test class shifted once at random).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from genomic_dl.imagene2019.binary import _split_loaders, trainer_config
from genomic_dl.imagene2019.labels import LabelDistribution, labels_to_classes, perturb_classes, soft_cross_entropy
from genomic_dl.imagene2019.posterior import (
    bias,
    confusion_matrix,
    map_estimate,
    posterior_mean,
    rmse,
    standardized_bias,
)
from genomic_dl.nn.imagene import ImageneCNN
from genomic_dl.nn.trainer import History, fit, predict
from genomic_dl.popgen.image_store import load_images
from genomic_dl.popgen.images import SORTINGS

logger = logging.getLogger(__name__)

#: Keys of the ``preprocessing`` entry of a checkpoint's metadata (read by :mod:`genomic_dl.imagene2019.predict`).
PREPROCESSING_KEYS = ("sorting", "min_maf", "image_size", "threshold", "invert")

EpochData = Callable[[int], tuple[DataLoader, DataLoader]]


def multiclass_data(
    shards: Sequence[str], class_values: np.ndarray, invert: bool
) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Images of ``shards`` with their classes.

    Returns
    -------
    x : uint8 tensor, shape (B, 1, H, W)
        0/1 images (``1 - image`` when ``invert``, ImaGene's default); the trainer converts them
        to float32 on the device.
    class_index : int64 array, shape (B,)
        Index of the class value nearest to each image's S.
    selection_coefficient : float64 array, shape (B,)
        Each image's S (2 Ne s_het).
    """
    images, selection_coefficient = load_images(shards)
    if invert:
        images = 1 - images
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.uint8)).unsqueeze(1)
    return x, labels_to_classes(selection_coefficient, class_values), selection_coefficient


def _labelled_loaders(
    shards: Sequence[str],
    class_values: np.ndarray,
    labels: LabelDistribution,
    invert: bool,
    rng: np.random.Generator,
    split: Callable[[torch.Tensor, torch.Tensor], tuple[DataLoader, DataLoader]],
) -> tuple[DataLoader, DataLoader]:
    """Load ``shards``, draw their label distributions, split into train / validation loaders."""
    x, class_index, _ = multiclass_data(shards, class_values, invert)
    targets = torch.from_numpy(labels.targets(class_index, len(class_values), rng))
    return split(x, targets)


def multiclass_epoch_data(
    train_batches: Sequence[Sequence[str]],
    class_values: np.ndarray,
    labels: LabelDistribution,
    training: Mapping[str, Any],
    invert: bool,
    generator: torch.Generator,
    rng: np.random.Generator,
) -> EpochData:
    """Return ``epoch_data(epoch) -> (train_loader, valid_loader)`` for the configured strategy.

    ``train_batches[i]`` lists the image shards of simulation batch ``i``. Targets are float32
    (B, K) label distributions; ``generator`` shuffles and splits, ``rng`` draws perturbations.
    """
    if len(train_batches) == 0 or any(len(batch) == 0 for batch in train_batches):
        raise ValueError("train_batches must be a non-empty list of non-empty lists of image shards")
    split = functools.partial(
        _split_loaders,
        validation_fraction=training["validation_fraction"],
        batch_size=training["batch_size"],
        generator=generator,
    )
    load = functools.partial(
        _labelled_loaders, class_values=class_values, labels=labels, invert=invert, rng=rng, split=split
    )
    if training["strategy"] == "on_the_fly":
        return lambda epoch: load(train_batches[epoch])
    pooled = load([shard for batch in train_batches for shard in batch])
    return lambda epoch: pooled


def train_multiclass(
    train_batches: Sequence[Sequence[str]],
    class_values: np.ndarray,
    label_distribution: Mapping[str, Any] | LabelDistribution,
    model_kwargs: Mapping[str, Any],
    training: Mapping[str, Any],
    invert: bool,
    device: torch.device,
    generator: torch.Generator,
    rng: np.random.Generator,
    log: Callable[[str], None] = logger.info,
) -> tuple[ImageneCNN, History]:
    """Train an :class:`ImageneCNN` with ``K = len(class_values)`` softmax outputs.

    Parameters
    ----------
    train_batches : shards of each simulation batch (see :func:`multiclass_epoch_data`).
    class_values : float array, shape (K,), strictly increasing (e.g. ``[0, 200, 400]``).
    label_distribution : ``{"kind", "sd", "max_shift"}`` (:class:`LabelDistribution`).
    model_kwargs : :class:`ImageneCNN` arguments except ``n_outputs``.
    training : the config's ``imagene.training`` section (see :func:`.imagene_binary.trainer_config`).
    invert : feed ``1 - image``.
    device, generator, rng : where to train; torch generator for shuffling; numpy generator for
        perturbed labels.

    The loss is :func:`soft_cross_entropy` on the logits plus the L1+L2 kernel penalty.
    """
    class_values = np.asarray(class_values, dtype=np.float64)
    labels = (
        label_distribution
        if isinstance(label_distribution, LabelDistribution)
        else LabelDistribution.from_dict(label_distribution)
    )
    model = ImageneCNN(**{**dict(model_kwargs), "n_outputs": len(class_values)}).to(device)
    history = fit(
        model,
        soft_cross_entropy,
        multiclass_epoch_data(train_batches, class_values, labels, training, invert, generator, rng),
        trainer_config(dict(training), len(train_batches)),
        device,
        penalty=lambda m: m.regularization_penalty(),
        log=log,
    )
    return model, history


def checkpoint_metadata(
    model: ImageneCNN,
    class_values: np.ndarray,
    preprocessing: Mapping[str, Any],
    label_distribution: Mapping[str, Any] | LabelDistribution,
    **extra: Any,
) -> dict[str, Any]:
    """Metadata of a multiclass checkpoint, as :mod:`genomic_dl.imagene2019.predict` reads it.

    ``preprocessing`` must hold :data:`PREPROCESSING_KEYS` (the config's
    ``imagene.preprocessing`` plus the image ``sorting``); ``extra`` (seed, training, wildcards,
    ...) is stored alongside.
    """
    missing = [key for key in PREPROCESSING_KEYS if key not in preprocessing]
    if missing:
        raise ValueError(f"preprocessing lacks {missing}; expected keys {list(PREPROCESSING_KEYS)}")
    if preprocessing["sorting"] not in SORTINGS:
        raise ValueError(f"preprocessing sorting must be one of {SORTINGS}, got {preprocessing['sorting']!r}")
    labels = (
        label_distribution
        if isinstance(label_distribution, LabelDistribution)
        else LabelDistribution.from_dict(label_distribution)
    )
    return {
        **extra,
        "model_kwargs": model.model_kwargs,
        "class_values": [float(v) for v in class_values],
        "preprocessing": {key: preprocessing[key] for key in PREPROCESSING_KEYS},
        "label_distribution": labels.to_dict(),
    }


def class_probabilities(
    model: torch.nn.Module, x: torch.Tensor, device: torch.device, batch_size: int = 256
) -> np.ndarray:
    """Softmax outputs of ``model`` on images ``x`` (B, 1, H, W): float32 (B, K) on the CPU."""
    logits = predict(model, DataLoader(TensorDataset(x), batch_size=batch_size), device)
    return torch.softmax(logits.float(), dim=1).numpy()


def _error_metrics(estimates: Mapping[str, np.ndarray], truths: Mapping[str, np.ndarray]) -> dict[str, float]:
    """RMSE, bias and standardized bias of every estimate against every truth."""
    metrics: dict[str, float] = {}
    for estimate_name, estimate in estimates.items():
        for truth_suffix, truth in truths.items():
            metrics[f"rmse_{estimate_name}{truth_suffix}"] = rmse(estimate, truth)
            metrics[f"bias_{estimate_name}{truth_suffix}"] = bias(estimate, truth)
            metrics[f"standardized_bias_{estimate_name}{truth_suffix}"] = standardized_bias(estimate, truth)
    return metrics


def evaluate_multiclass(
    model: torch.nn.Module,
    test_shards: Sequence[str],
    class_values: np.ndarray,
    invert: bool,
    device: torch.device,
    label_distribution: Mapping[str, Any] | LabelDistribution | None = None,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Test-set predictions and summary metrics of a trained K-class network.

    ``label_distribution`` (the network's; default categorical) and ``seed`` give the test
    labels of the ``_vs_labels`` metrics: for ``perturbed`` each true class shifted once by
    ``perturb_classes`` with ``numpy.random.default_rng(seed)``, otherwise the class itself.

    Returns
    -------
    arrays : dict of arrays for an ``.npz`` (``genomic_dl.io.save_arrays``)
        ``selection_coefficient`` float64 (B,), ``true_class`` int64 (B,) (nearest class),
        ``probabilities`` float32 (B, K), ``map_estimate`` and ``posterior_mean`` float64 (B,),
        ``class_values`` float64 (K,).
    summary : JSON-ready dict
        ``n_test``, ``class_values``, ``accuracy`` (MAP class = true class), ``confusion``
        (K x K counts, rows = true class), ``confusion_normalised`` (rows sum to 1; NaN for a
        class absent from the test set), and for the MAP and posterior-mean estimates ``rmse_*``,
        ``bias_*``, ``standardized_bias_*`` against the true class value (as the authors) and,
        suffixed ``_vs_s``, against the simulated S itself and, suffixed ``_vs_labels``, against
        the test labels of the network's label distribution (the authors' standardized bias).
    """
    class_values = np.asarray(class_values, dtype=np.float64)
    x, true_class, selection_coefficient = multiclass_data(test_shards, class_values, invert)
    probabilities = class_probabilities(model, x, device)
    if probabilities.shape[1] != len(class_values):
        raise ValueError(
            f"the model has {probabilities.shape[1]} outputs but {len(class_values)} class values were given"
        )
    predicted_class = np.argmax(probabilities, axis=1)
    labels = (
        label_distribution
        if isinstance(label_distribution, LabelDistribution)
        else LabelDistribution.from_dict(label_distribution or {"kind": "categorical"})
    )
    label_class = (
        perturb_classes(true_class, len(class_values), np.random.default_rng(seed), labels.max_shift)
        if labels.kind == "perturbed"
        else true_class
    )
    estimates = {"map": map_estimate(probabilities, class_values), "mean": posterior_mean(probabilities, class_values)}
    confusion = confusion_matrix(true_class, predicted_class, len(class_values))
    with np.errstate(divide="ignore", invalid="ignore"):
        normalised = confusion / confusion.sum(axis=1, keepdims=True)
    summary = {
        "n_test": len(true_class),
        "class_values": class_values.tolist(),
        "accuracy": float(np.mean(predicted_class == true_class)),
        "confusion": confusion.tolist(),
        "confusion_normalised": normalised.tolist(),
        **_error_metrics(
            estimates,
            {"": class_values[true_class], "_vs_s": selection_coefficient, "_vs_labels": class_values[label_class]},
        ),
    }
    arrays = {
        "selection_coefficient": selection_coefficient.astype(np.float64),
        "true_class": true_class,
        "probabilities": probabilities.astype(np.float32),
        "map_estimate": estimates["map"],
        "posterior_mean": estimates["mean"],
        "class_values": class_values,
    }
    return arrays, summary

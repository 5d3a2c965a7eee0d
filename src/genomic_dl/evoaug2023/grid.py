"""Names of the EvoAug experiment grid (no torch: shared by the training code and the figures).

Datasets are ``basset``, ``deepstarr`` and ``chip_<TF>``; the *kind* of a dataset (``basset``,
``deepstarr``, ``chip``) selects its model, task type and the metric of the paper's figure.
Training stages: ``standard`` (no augmentation), ``pretrained`` (trained on augmented data) and
``finetuned`` (then fine-tuned on the original data).
"""

from __future__ import annotations

import re

__all__ = [
    "DEFAULT_TASK_NAMES",
    "HEADLINE_METRIC",
    "KINDS",
    "METRIC_LABELS",
    "MODEL_OF_KIND",
    "STAGES",
    "TASK_OF_KIND",
    "chip_tf",
    "dataset_kind",
    "stages_of",
]

KINDS = ("basset", "deepstarr", "chip")
MODEL_OF_KIND = {"basset": "basset", "deepstarr": "deepstarr", "chip": "chip_cnn"}
TASK_OF_KIND = {"basset": "binary", "deepstarr": "regression", "chip": "binary"}
#: The metric each figure of the paper shows: AUPR (Fig 1b), Pearson r (Fig 2a), AUROC (Fig 2b, c).
HEADLINE_METRIC = {"basset": "aupr", "deepstarr": "pearson_r", "chip": "auroc"}
METRIC_LABELS = {
    "aupr": "AUPR",
    "auroc": "AUROC",
    "pearson_r": "Pearson r",
    "spearman_r": "Spearman rho",
    "mse": "MSE",
}
#: Task names of the real files (they carry none); synthetic files store their own.
DEFAULT_TASK_NAMES = {"deepstarr": ["developmental", "housekeeping"]}
STAGES = ("standard", "pretrained", "finetuned")

_CHIP = re.compile(r"^chip_([A-Za-z0-9]+)$")


def dataset_kind(dataset: str) -> str:
    """``"basset"``, ``"deepstarr"`` or ``"chip"`` (for ``chip_<TF>``); ``ValueError`` otherwise."""
    if dataset in ("basset", "deepstarr"):
        return dataset
    if isinstance(dataset, str) and _CHIP.match(dataset):
        return "chip"
    raise ValueError(f"unknown EvoAug dataset {dataset!r}; expected basset, deepstarr or chip_<TF>")


def chip_tf(dataset: str) -> str:
    """The TF of a ``chip_<TF>`` dataset name."""
    match = _CHIP.match(dataset)
    if match is None:
        raise ValueError(f"{dataset!r} is not a chip_<TF> dataset name")
    return match.group(1)


def stages_of(setting: str) -> tuple[str, ...]:
    """The stages trained for a setting: ``standard`` alone, or pretrained and fine-tuned."""
    return ("standard",) if setting == "standard" else ("pretrained", "finetuned")

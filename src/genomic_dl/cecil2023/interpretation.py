"""Visual explanations of one trained Cecil & Sugden model (Figs 2 and 4, S1 Text Figs N and O).

* mini-CNN (any model with one single-filter convolution and no hidden dense layer): its 2x1
  kernel, the dense weights map and the convolution + ReLU output of two example images;
* every other model: SHAP values (``shap.DeepExplainer``) with a background of
  ``background_per_class`` training images of each class (paper: 20 + 20), averaged over up to
  ``images_per_class`` test images of each class (paper: 1,000), and the SHAP maps of the two
  example images.

The examples are the first test image of each class, so all models of a data set show the
same two regions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from genomic_dl.cecil2023.evaluation import DataSplit
from genomic_dl.cecil2023.models import ReducedCNN
from genomic_dl.cecil2023.shap_maps import background_images, mean_shap_maps, minicnn_weights, shap_values

__all__ = ["example_indices", "has_weight_maps", "interpret_model"]


def has_weight_maps(model: nn.Module) -> bool:
    """True for mini-CNN-like models: one conv layer with one filter, no hidden dense layer."""
    if not isinstance(model, ReducedCNN):
        return False
    convs = model.conv_layers()
    linears = [m for m in model.head if isinstance(m, nn.Linear)]
    return len(convs) == 1 and convs[0].out_channels == 1 and len(linears) == 1


def example_indices(labels: np.ndarray, split: DataSplit) -> np.ndarray:
    """Index of the first test region of class 0 and of class 1: int64 (2,)."""
    labels = np.asarray(labels)
    chosen = []
    for label in (0, 1):
        members = split.test[labels[split.test] == label]
        if members.size == 0:
            raise ValueError(f"the test split has no region of class {label}")
        chosen.append(members[0])
    return np.asarray(chosen, dtype=np.int64)


def _per_class(images: np.ndarray, labels: np.ndarray, indices: np.ndarray, n: int | None) -> dict[int, np.ndarray]:
    chosen = {}
    for label in (0, 1):
        members = indices[labels[indices] == label]
        chosen[label] = images[members if n is None else members[:n]]
    return chosen


def interpret_model(
    model: nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    split: DataSplit,
    settings: Mapping[str, Any],
    rng: np.random.Generator,
    device: torch.device | str = "cpu",
) -> dict[str, np.ndarray]:
    """Weights maps or SHAP maps of a trained model on its data set.

    Parameters
    ----------
    model : trained model returning ``(B, 1)`` logits, in eval mode.
    images : uint8 array, shape (n, H, W), the data set's images.
    labels : int array, shape (n,).
    split : the data set's split.
    settings : ``background_per_class`` (paper 20) and ``images_per_class`` (paper 1,000).
    rng : numpy Generator (the SHAP background draw).
    device : where to run SHAP.

    Returns
    -------
    dict of arrays: always ``example_index`` (2,), ``example_images`` (2, H, W) and ``kind``
    (0-d string: ``"weights"`` or ``"shap"``); for ``"weights"``: ``kernel`` (kh, kw),
    ``dense_map`` (H', W'), ``example_features`` (2, H', W') (convolution + ReLU output); for
    ``"shap"``: ``mean_shap`` (2, H, W) (class 0, class 1), ``n_images`` (2,) images averaged,
    ``example_shap`` (2, H, W), ``expected_value`` (0-d, mean sweep probability over the
    background).
    """
    labels = np.asarray(labels)
    examples = example_indices(labels, split)
    out: dict[str, np.ndarray] = {"example_index": examples, "example_images": images[examples]}
    model = model.eval()
    if has_weight_maps(model):
        kernel, dense_map = minicnn_weights(model)
        with torch.no_grad():
            x = torch.as_tensor(images[examples].astype(np.float32))[:, None]
            features = model.to("cpu").features(x)[:, 0].double().numpy()
        out.update(kind=np.array("weights"), kernel=kernel, dense_map=dense_map, example_features=features)
        return out
    background = background_images(
        _per_class(images, labels, split.train, None), int(settings["background_per_class"]), rng
    )
    by_class = _per_class(images, labels, split.test, int(settings["images_per_class"]))
    means = mean_shap_maps(model, background, by_class, device)
    example_values, expected = shap_values(model, background, images[examples], device)
    out.update(
        kind=np.array("shap"),
        mean_shap=np.stack([means[0], means[1]]),
        n_images=np.array([len(by_class[0]), len(by_class[1])], dtype=np.int64),
        example_shap=example_values,
        expected_value=np.array(expected),
    )
    return out

"""Visual explanations of Cecil & Sugden's sweep detectors (Fig 2, S1 Text Figs B, G-J, L).

* :func:`mean_shap_maps`: SHAP values (``shap.DeepExplainer``, DeepLIFT-style rescale rules)
  of every pixel of the input images, averaged over the images of each class. The paper uses
  a background of 20 neutral + 20 sweep images (:func:`background_images`) and averages over
  1,000 images per class. The explained output is the sweep probability, as the authors'
  Keras models end in a sigmoid (``output="logit"`` explains the logit instead).
* :func:`minicnn_weights`: mini-CNN's 2x1 kernel and its dense weights reshaped to the grid of
  the convolution output, the "dense weights map" of Fig 2A.

``DeepExplainer`` attaches its rules to module objects, so a module object must not serve
several call sites; :class:`~genomic_dl.nn.imagene.ImageneCNN` and the models of
:mod:`genomic_dl.cecil2023.models` create one ReLU / pooling module per call site.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import numpy as np
import shap
import torch
from torch import nn

from genomic_dl.cecil2023.models import ReducedCNN

__all__ = ["OUTPUTS", "background_images", "mean_shap_maps", "minicnn_weights", "shap_values"]

logger = logging.getLogger(__name__)

OUTPUTS = ("probability", "logit")


def _image_tensor(images: np.ndarray, name: str, device: torch.device) -> torch.Tensor:
    """(n, H, W) or (n, 1, H, W) array -> float32 (n, 1, H, W) tensor on ``device``."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or images.shape[1] != 1 or images.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty (n, H, W) or (n, 1, H, W) image array, got shape {images.shape}")
    return torch.as_tensor(images.astype(np.float32), device=device)


def _explained(model: nn.Module, output: str) -> nn.Module:
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    return nn.Sequential(model, nn.Sigmoid()) if output == "probability" else model


def background_images(
    images_by_class: Mapping[int, np.ndarray], n_per_class: int = 20, rng: np.random.Generator | None = None
) -> np.ndarray:
    """SHAP background: ``n_per_class`` images drawn without replacement from each class.

    Parameters
    ----------
    images_by_class : ``{label: array (n_label, H, W)}``.
    n_per_class : paper value 20.
    rng : numpy Generator; required.

    Returns
    -------
    array, shape (n_classes * n_per_class, H, W), classes in ascending label order.
    """
    if rng is None:
        raise ValueError("background_images needs an explicit numpy Generator (rng)")
    chosen = []
    for label in sorted(images_by_class):
        images = np.asarray(images_by_class[label])
        if images.shape[0] < n_per_class:
            raise ValueError(f"class {label!r} has {images.shape[0]} images, fewer than n_per_class = {n_per_class}")
        chosen.append(images[rng.choice(images.shape[0], n_per_class, replace=False)])
    return np.concatenate(chosen)


def shap_values(
    model: nn.Module,
    background: np.ndarray,
    images: np.ndarray,
    device: torch.device | str = "cpu",
    *,
    output: str = "probability",
    batch_size: int = 20,
) -> tuple[np.ndarray, float]:
    """Per-pixel SHAP values of a one-output model on ``images``.

    Parameters
    ----------
    model : returns ``(B, 1)`` logits for ``(B, 1, H, W)`` images.
    background : array, shape (n_background, H, W) or (n_background, 1, H, W).
    images : array, shape (n, H, W) or (n, 1, H, W).
    device : where to run.
    output : ``"probability"`` (sigmoid of the logit, the paper's) or ``"logit"``.
    batch_size : images explained per call; a progress line is logged after each call (a call
        takes about 2.6 s per 128 x 128 image on one CPU core with a background of 40).

    Returns
    -------
    values : float64 array, shape (n, H, W); ``values[i].sum()`` equals the explained output on
        image ``i`` minus ``expected``.
    expected : float, the mean explained output over the background.
    """
    device = torch.device(device)
    model = _explained(model, output).to(device).eval()
    explainer = shap.DeepExplainer(model, _image_tensor(background, "background", device))
    x = _image_tensor(images, "images", device)
    started = time.perf_counter()
    chunks = []
    for start in range(0, x.shape[0], batch_size):
        values = explainer.shap_values(x[start : start + batch_size], check_additivity=False)
        chunks.append(np.asarray(values).reshape(-1, *x.shape[2:]))
        logger.info(
            "SHAP values: %d/%d images of %s, %.0f s",
            min(start + batch_size, x.shape[0]),
            x.shape[0],
            "x".join(map(str, x.shape[2:])),
            time.perf_counter() - started,
        )
    return np.concatenate(chunks).astype(np.float64), float(np.asarray(explainer.expected_value).reshape(-1)[0])


def mean_shap_maps(
    model: nn.Module,
    background: np.ndarray,
    images_by_class: Mapping[int, np.ndarray],
    device: torch.device | str = "cpu",
    *,
    output: str = "probability",
    batch_size: int = 20,
) -> dict[int, np.ndarray]:
    """Mean SHAP map of every class (Fig 2C, right).

    Parameters
    ----------
    model, background, device, output, batch_size : see :func:`shap_values`.
    images_by_class : ``{label: array (n_label, H, W)}`` (paper: 1,000 images per class).

    Returns
    -------
    ``{label: float64 (H, W)}``, the SHAP values averaged over the class's images.
    """
    return {
        label: shap_values(model, background, images, device, output=output, batch_size=batch_size)[0].mean(axis=0)
        for label, images in images_by_class.items()
    }


def minicnn_weights(model: ReducedCNN) -> tuple[np.ndarray, np.ndarray]:
    """mini-CNN's kernel and dense weights map (Fig 2A).

    Parameters
    ----------
    model : a :class:`~genomic_dl.cecil2023.models.ReducedCNN` (e.g.
        :class:`~genomic_dl.cecil2023.models.MiniCNN`) with one conv layer of one filter and no
        hidden dense layer.

    Returns
    -------
    kernel : float64 array, shape (kh, kw) (2 x 1 for mini-CNN).
    dense_map : float64 array, shape of the map the dense layer reads ((H - 1) x W for
        mini-CNN): the weight of every position of the convolution (+ ReLU, pooling) output.
    """
    if not isinstance(model, ReducedCNN):
        raise ValueError(f"model must be a ReducedCNN (e.g. MiniCNN), got {type(model).__name__}")
    convs = model.conv_layers()
    linears = [m for m in model.head if isinstance(m, nn.Linear)]
    if len(convs) != 1 or convs[0].out_channels != 1 or len(linears) != 1:
        raise ValueError(
            "minicnn_weights needs one conv layer with one filter and no hidden dense layer, got "
            f"{len(convs)} conv layer(s) with {[c.out_channels for c in convs]} filters and "
            f"{len(linears)} dense layer(s)"
        )
    kernel = convs[0].weight.detach().cpu().double().numpy()[0, 0]
    dense_map = linears[0].weight.detach().cpu().double().numpy().reshape(model.feature_shape[1:])
    return kernel, dense_map

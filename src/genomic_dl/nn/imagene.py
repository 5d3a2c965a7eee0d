"""ImaGene convolutional network (Torada et al. 2019, BMC Bioinformatics), in PyTorch.

The Keras original (``Reproduce/train_binary.py`` of the ImaGene repository)::

    for each filter count f:
        Conv2D(f, kernel_size, strides=1, padding="valid", activation="relu",
               kernel_regularizer=l1_l2(l1=0.005, l2=0.005))
        MaxPooling2D(pool_size)
    Flatten()
    [Dense(64, activation="relu")]          # absent in the "no dense" nets
    Dense(1, activation="sigmoid")          # or Dense(K, "softmax")

Differences from the original, none of which changes the function computed:

* :meth:`ImageneCNN.forward` returns logits. Train with
  ``BCEWithLogits`` / cross-entropy on logits, which equal sigmoid/softmax
  followed by cross-entropy; apply ``torch.sigmoid`` / ``softmax`` to get the
  probabilities.
* Data layout is channels-first ``(B, C, H, W)`` and ``Flatten`` flattens in
  PyTorch's ``(C, H, W)`` order (Keras flattens ``(H, W, C)``); this only
  matters when porting Dense weights between the frameworks.
* The L1+L2 kernel regulariser is not inside the layers but returned by
  :meth:`ImageneCNN.regularization_penalty`, which the trainer adds to the
  training loss (``fit(..., penalty=lambda m: m.regularization_penalty())``).

Every activation / pooling call site has its own module object (SHAP's
``DeepExplainer`` hooks modules and breaks when one is reused).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

__all__ = ["INITS", "ImageneCNN", "build_imagene"]

INITS = ("glorot_uniform", "normal")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _non_negative_float(name: str, value: Any) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a non-negative number, got {value!r}") from None
    if not result >= 0.0 or result == float("inf"):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return result


class ImageneCNN(nn.Module):
    """ImaGene CNN; see the module docstring.

    Args:
        input_shape: ``(H, W)`` of the haplotype image (rows = haplotypes,
            columns = SNPs); 1 input channel.
        conv_filters: number of filters of each conv block (one block =
            Conv2d 'valid', stride 1 -> ReLU -> MaxPool2d, floor mode).
        kernel_size: square conv kernel size.
        pool_size: square max-pooling size and stride.
        dense_units: units of the hidden Dense+ReLU layer; ``None`` = none.
        n_outputs: output units (1 = binary, K = K-class), returned as logits.
        use_bias: biases in the conv and dense layers.
        init: ``"glorot_uniform"`` (Keras default: Xavier-uniform weights) or
            ``"normal"`` (N(0, 1) weights, Cecil & Sugden's variant); biases
            are zero in both cases, as in Keras.
        l1, l2: coefficients of the L1+L2 penalty on the conv kernels.

    All arguments are JSON-serialisable; :attr:`model_kwargs` returns them
    normalised (lists instead of tuples) for checkpoints.
    """

    def __init__(
        self,
        input_shape: Sequence[int] = (128, 128),
        conv_filters: Sequence[int] = (32, 32, 32),
        kernel_size: int = 3,
        pool_size: int = 2,
        dense_units: int | None = 64,
        n_outputs: int = 1,
        use_bias: bool = True,
        init: str = "glorot_uniform",
        l1: float = 0.005,
        l2: float = 0.005,
    ) -> None:
        super().__init__()
        if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence) or len(input_shape) != 2:
            raise ValueError(f"input_shape must be a pair (height, width), got {input_shape!r}")
        height = _positive_int("input_shape[0] (height)", input_shape[0])
        width = _positive_int("input_shape[1] (width)", input_shape[1])
        if isinstance(conv_filters, (str, bytes)) or not isinstance(conv_filters, Sequence) or len(conv_filters) == 0:
            raise ValueError(f"conv_filters must be a non-empty sequence of positive integers, got {conv_filters!r}")
        filters = [_positive_int(f"conv_filters[{i}]", f) for i, f in enumerate(conv_filters)]
        kernel_size = _positive_int("kernel_size", kernel_size)
        pool_size = _positive_int("pool_size", pool_size)
        if dense_units is not None:
            dense_units = _positive_int("dense_units", dense_units)
        n_outputs = _positive_int("n_outputs", n_outputs)
        if not isinstance(use_bias, bool):
            raise ValueError(f"use_bias must be a bool, got {use_bias!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {init!r}")
        l1 = _non_negative_float("l1", l1)
        l2 = _non_negative_float("l2", l2)

        # spatial size after each block: valid conv then floor pooling
        h, w = height, width
        for i, _ in enumerate(filters, start=1):
            ch, cw = h - kernel_size + 1, w - kernel_size + 1
            if ch < 1 or cw < 1:
                raise ValueError(
                    f"input_shape {(height, width)} is too small for the conv stack: conv block {i} "
                    f"(kernel {kernel_size}, 'valid') gets a {h}x{w} input"
                )
            h, w = ch // pool_size, cw // pool_size
            if h < 1 or w < 1:
                raise ValueError(
                    f"input_shape {(height, width)} is too small for the conv stack: max-pooling "
                    f"{pool_size} in block {i} gets a {ch}x{cw} input"
                )

        self._kwargs: dict[str, Any] = {
            "input_shape": [height, width],
            "conv_filters": list(filters),
            "kernel_size": kernel_size,
            "pool_size": pool_size,
            "dense_units": dense_units,
            "n_outputs": n_outputs,
            "use_bias": use_bias,
            "init": init,
            "l1": l1,
            "l2": l2,
        }
        self.input_shape = (height, width)
        self.l1 = l1
        self.l2 = l2
        self.feature_shape = (filters[-1], h, w)
        self.n_flat_features = filters[-1] * h * w

        layers: list[nn.Module] = []
        in_channels = 1
        for f in filters:
            layers.append(nn.Conv2d(in_channels, f, kernel_size, stride=1, padding=0, bias=use_bias))
            layers.append(nn.ReLU())
            layers.append(nn.MaxPool2d(pool_size, stride=pool_size, ceil_mode=False))
            in_channels = f
        self.features = nn.Sequential(*layers)
        self.flatten = nn.Flatten()
        head: list[nn.Module] = []
        n_in = self.n_flat_features
        if dense_units is not None:
            head.append(nn.Linear(n_in, dense_units, bias=use_bias))
            head.append(nn.ReLU())
            n_in = dense_units
        head.append(nn.Linear(n_in, n_outputs, bias=use_bias))
        self.head = nn.Sequential(*head)
        self.reset_parameters()

    @property
    def model_kwargs(self) -> dict[str, Any]:
        """The constructor kwargs, JSON-serialisable (a fresh copy)."""
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self._kwargs.items()}

    def conv_layers(self) -> list[nn.Conv2d]:
        return [m for m in self.features if isinstance(m, nn.Conv2d)]

    def reset_parameters(self) -> None:
        """(Re-)initialise weights per ``init`` (uses torch's global RNG); biases = 0."""
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                if self._kwargs["init"] == "glorot_uniform":
                    nn.init.xavier_uniform_(module.weight)
                else:
                    nn.init.normal_(module.weight, mean=0.0, std=1.0)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def regularization_penalty(self) -> torch.Tensor:
        """``l1 * sum|W| + l2 * sum W^2`` over the conv kernels (not biases,
        not dense layers), as Keras' ``kernel_regularizer=l1_l2`` on Conv2D."""
        weights = [conv.weight for conv in self.conv_layers()]
        penalty = weights[0].new_zeros(())
        for weight in weights:
            if self.l1:
                penalty = penalty + self.l1 * weight.abs().sum()
            if self.l2:
                penalty = penalty + self.l2 * weight.square().sum()
        return penalty

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, 1, H, W)`` or ``(B, H, W)`` float images -> ``(B, n_outputs)`` logits."""
        if x.ndim == 3:
            x = x.unsqueeze(1)
        elif x.ndim != 4:
            raise ValueError(f"expected input of shape (B, 1, H, W) or (B, H, W), got {tuple(x.shape)}")
        return self.head(self.flatten(self.features(x)))


def build_imagene(kwargs: dict[str, Any]) -> ImageneCNN:
    """Build an :class:`ImageneCNN` from checkpoint ``model_kwargs``."""
    return ImageneCNN(**dict(kwargs))

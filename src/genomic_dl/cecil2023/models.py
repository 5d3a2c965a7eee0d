"""The networks of Cecil & Sugden (2023): their Imagene, the reduced CNNs, mini-CNN, DeepSet.

All models map a batch of haplotype images, ``(B, 1, H, W)`` or ``(B, H, W)`` floats (rows =
haplotypes, columns = sites), to ``(B, 1)`` logits; ``torch.sigmoid`` gives the probability of
a sweep, the output of the authors' final ``Dense(1, sigmoid)``.

Settings common to the authors' CNNs (their Keras ``ImaGene`` class):

* no biases in any layer;
* conv kernels drawn from N(0, 1), dense weights from Glorot-uniform (Keras' default);
* an L1 + L2 penalty of 0.005 each on the conv kernels only (:meth:`regularization_penalty`,
  added to the loss by the trainer);
* every conv block is Conv2d ('valid', stride 1) -> [ReLU] -> [MaxPool 2x2], each part
  switchable, then Flatten -> [Dense 64 + ReLU] -> Dense 1.

Their DeepSet keeps Keras' defaults: biases, Glorot-uniform kernels, no penalty.

Building blocks:

* :class:`~genomic_dl.nn.imagene.ImageneCNN` for the square-kernel conv -> ReLU -> max-pool
  stacks, with :func:`cecil_imagene_kwargs`;
* :class:`ReducedCNN` for every other step of the complexity ladder (non-square kernels,
  no ReLU, no pooling, no convolution), and its special case :class:`MiniCNN`;
* :class:`DeepSet`.

:func:`complexity_ladder` lists the architectures of Tables A and B of S1 Text (the same list,
trained on row-sorted and unsorted images) and :func:`build_cecil_model` builds any of them by
registry name, initialising the weights from an explicit ``torch.Generator``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import torch
from torch import nn

from genomic_dl.nn.imagene import ImageneCNN

__all__ = [
    "MODEL_BUILDERS",
    "DeepSet",
    "LadderStep",
    "MiniCNN",
    "ReducedCNN",
    "build_cecil_model",
    "cecil_imagene_kwargs",
    "complexity_ladder",
    "deepset_kwargs",
    "initialise_weights",
    "mini_cnn_kwargs",
]

#: Paper values: L1 and L2 coefficients on the conv kernels.
PENALTY = 0.005

CONV_INITS = ("normal", "glorot_uniform")


# --------------------------------------------------------------------------- helpers


def _image_batch(x: torch.Tensor) -> torch.Tensor:
    """``(B, H, W)`` or ``(B, 1, H, W)`` -> ``(B, 1, H, W)``."""
    if x.ndim == 3:
        return x.unsqueeze(1)
    if x.ndim != 4 or x.shape[1] != 1:
        raise ValueError(f"expected input of shape (B, 1, H, W) or (B, H, W), got {tuple(x.shape)}")
    return x


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _pair(name: str, value: Any) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(f"{name} must be a positive integer or a pair of them, got {value!r}")
    return _positive_int(f"{name}[0]", value[0]), _positive_int(f"{name}[1]", value[1])


def _non_negative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return float(value)


def _dense_head(n_in: int, hidden_units: Sequence[int], use_bias: bool) -> nn.Sequential:
    """[Linear -> ReLU] per hidden layer, then Linear to one logit (one module per call site)."""
    layers: list[nn.Module] = []
    for units in hidden_units:
        layers += [nn.Linear(n_in, units, bias=use_bias), nn.ReLU()]
        n_in = units
    layers.append(nn.Linear(n_in, 1, bias=use_bias))
    return nn.Sequential(*layers)


def _kernel_penalty(convs: Sequence[nn.Conv2d], l1: float, l2: float, like: torch.Tensor) -> torch.Tensor:
    """``l1 * sum|W| + l2 * sum W^2`` over the conv kernels (Keras ``l1_l2`` regulariser)."""
    penalty = like.new_zeros(())
    for conv in convs:
        penalty = penalty + l1 * conv.weight.abs().sum() + l2 * conv.weight.square().sum()
    return penalty


def initialise_weights(model: nn.Module, conv_init: str, generator: torch.Generator | None = None) -> nn.Module:
    """Keras-style initialisation, reproducible from ``generator``.

    Conv2d kernels: N(0, 1) (``"normal"``, Cecil & Sugden's CNNs) or Glorot-uniform
    (``"glorot_uniform"``, Keras' default, their DeepSet); Linear weights: Glorot-uniform;
    biases: 0. Modules are visited in registration order. ``generator=None`` draws from torch's
    global RNG; pass one except where the weights are overwritten anyway (checkpoint loading).
    Returns ``model``.
    """
    if conv_init not in CONV_INITS:
        raise ValueError(f"conv_init must be one of {CONV_INITS}, got {conv_init!r}")
    with torch.no_grad():
        for module in model.modules():
            if not isinstance(module, (nn.Conv2d, nn.Linear)):
                continue
            if isinstance(module, nn.Conv2d) and conv_init == "normal":
                nn.init.normal_(module.weight, 0.0, 1.0, generator=generator)
            else:
                nn.init.xavier_uniform_(module.weight, generator=generator)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model


# --------------------------------------------------------------------------- reduced CNN


class ReducedCNN(nn.Module):
    """Cecil & Sugden's configurable reduction of ImaGene (their Keras ``ImaGene`` class).

    ``depth`` x [Conv2d(``n_filters``, ``kernel_size``, 'valid') -> ReLU if ``relu`` ->
    MaxPool2d(2) if ``max_pool``] -> Flatten -> ``dense_layers`` x [Dense ``dense_units`` +
    ReLU] -> Dense 1 (logit). With ``convolution=False`` the conv layers are left out (ReLU and
    pooling, if on, still act on the image).

    Parameters
    ----------
    input_shape : (H, W) of the images.
    n_filters : int, filters of each conv layer.
    depth : int, number of conv blocks.
    kernel_size : int or (kh, kw); ``(2, 1)`` spans two haplotypes at one site.
    relu, max_pool, convolution : bool, which parts of a block exist.
    dense_layers : int, hidden dense layers (``dense_units`` each).
    dense_units : int.
    use_bias : bool, biases in conv and dense layers (paper: False).
    conv_init : ``"normal"`` (paper) or ``"glorot_uniform"``, see :func:`initialise_weights`.
    l1, l2 : float, penalty coefficients on the conv kernels (paper: 0.005 each).
    generator : torch.Generator, optional; seeds the initial weights (not stored).
    """

    def __init__(
        self,
        input_shape: Sequence[int] = (128, 128),
        n_filters: int = 1,
        depth: int = 1,
        kernel_size: int | Sequence[int] = (2, 1),
        relu: bool = True,
        max_pool: bool = True,
        convolution: bool = True,
        dense_layers: int = 0,
        dense_units: int = 64,
        use_bias: bool = False,
        conv_init: str = "normal",
        l1: float = PENALTY,
        l2: float = PENALTY,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        height, width = _pair("input_shape", input_shape)
        kernel = _pair("kernel_size", kernel_size)
        for name, flag in (
            ("relu", relu),
            ("max_pool", max_pool),
            ("convolution", convolution),
            ("use_bias", use_bias),
        ):
            if not isinstance(flag, bool):
                raise ValueError(f"{name} must be a bool, got {flag!r}")
        if isinstance(dense_layers, bool) or not isinstance(dense_layers, int) or dense_layers < 0:
            raise ValueError(f"dense_layers must be a non-negative integer, got {dense_layers!r}")
        if conv_init not in CONV_INITS:
            raise ValueError(f"conv_init must be one of {CONV_INITS}, got {conv_init!r}")
        self._kwargs: dict[str, Any] = {
            "input_shape": [height, width],
            "n_filters": _positive_int("n_filters", n_filters),
            "depth": _positive_int("depth", depth),
            "kernel_size": list(kernel),
            "relu": relu,
            "max_pool": max_pool,
            "convolution": convolution,
            "dense_layers": dense_layers,
            "dense_units": _positive_int("dense_units", dense_units),
            "use_bias": use_bias,
            "conv_init": conv_init,
            "l1": _non_negative("l1", l1),
            "l2": _non_negative("l2", l2),
        }
        self.input_shape = (height, width)
        self.l1, self.l2 = self._kwargs["l1"], self._kwargs["l2"]

        layers: list[nn.Module] = []
        channels, h, w = 1, height, width
        for block in range(1, depth + 1):
            if convolution:
                layers.append(nn.Conv2d(channels, n_filters, kernel, bias=use_bias))
                channels, h, w = n_filters, h - kernel[0] + 1, w - kernel[1] + 1
            if relu:
                layers.append(nn.ReLU())
            if max_pool:
                layers.append(nn.MaxPool2d(2))
                h, w = h // 2, w // 2
            if h < 1 or w < 1:
                raise ValueError(f"input_shape {(height, width)} is too small: conv block {block} leaves a {h}x{w} map")
        self.features = nn.Sequential(*layers)
        self.feature_shape = (channels, h, w)
        self.flatten = nn.Flatten()
        self.head = _dense_head(channels * h * w, [dense_units] * dense_layers, use_bias)
        initialise_weights(self, conv_init, generator)

    @property
    def model_kwargs(self) -> dict[str, Any]:
        """The constructor arguments, JSON-serialisable (a fresh copy)."""
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self._kwargs.items()}

    def conv_layers(self) -> list[nn.Conv2d]:
        return [m for m in self.features if isinstance(m, nn.Conv2d)]

    def regularization_penalty(self) -> torch.Tensor:
        """L1 + L2 penalty on the conv kernels (0 without convolution)."""
        return _kernel_penalty(self.conv_layers(), self.l1, self.l2, next(self.parameters()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, 1, H, W)`` or ``(B, H, W)`` float images -> ``(B, 1)`` logits."""
        return self.head(self.flatten(self.features(_image_batch(x))))


class MiniCNN(ReducedCNN):
    """mini-CNN: one 2x1 conv kernel (two haplotypes, one site) -> ReLU -> Dense 1; no pooling.

    The dense layer sees the ``(H - 1) x W`` map of row-to-row differences; its weights,
    reshaped to that grid, are the paper's "dense weights map" (Fig 2A). Parameters:
    ``2 + (H - 1) * W`` without biases (paper), ``2 + 1 + (H - 1) * W + 1`` with.
    """

    def __init__(
        self,
        input_shape: Sequence[int] = (128, 128),
        use_bias: bool = False,
        l1: float = PENALTY,
        l2: float = PENALTY,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(
            input_shape,
            n_filters=1,
            depth=1,
            kernel_size=(2, 1),
            relu=True,
            max_pool=False,
            use_bias=use_bias,
            l1=l1,
            l2=l2,
            generator=generator,
        )
        self._kwargs = {"input_shape": list(self.input_shape), "use_bias": use_bias, "l1": self.l1, "l2": self.l2}


# --------------------------------------------------------------------------- DeepSet


class DeepSet(nn.Module):
    """Permutation-invariant network over haplotypes (Cecil & Sugden's DeepSet).

    ``depth`` x [Conv2d(``n_filters``, (1, ``kernel_width``)) -> ReLU] acts on every haplotype
    (row) separately; the mean over haplotypes makes the output invariant to row order; then
    Flatten -> ``dense_layers`` x [Dense ``dense_units`` + ReLU] -> Dense 1 (logit).

    Parameters
    ----------
    input_shape : (H, W).
    n_filters, kernel_width, depth : paper values 64, 5, 2.
    dense_layers, dense_units : paper values 2, 64.
    use_bias : bool, paper True (Keras default).
    l1, l2 : float, optional penalty on the conv kernels (paper: none, 0).
    generator : torch.Generator, optional; seeds the Glorot-uniform initial weights.
    """

    def __init__(
        self,
        input_shape: Sequence[int] = (128, 128),
        n_filters: int = 64,
        kernel_width: int = 5,
        depth: int = 2,
        dense_layers: int = 2,
        dense_units: int = 64,
        use_bias: bool = True,
        l1: float = 0.0,
        l2: float = 0.0,
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        height, width = _pair("input_shape", input_shape)
        if isinstance(dense_layers, bool) or not isinstance(dense_layers, int) or dense_layers < 0:
            raise ValueError(f"dense_layers must be a non-negative integer, got {dense_layers!r}")
        if not isinstance(use_bias, bool):
            raise ValueError(f"use_bias must be a bool, got {use_bias!r}")
        self._kwargs: dict[str, Any] = {
            "input_shape": [height, width],
            "n_filters": _positive_int("n_filters", n_filters),
            "kernel_width": _positive_int("kernel_width", kernel_width),
            "depth": _positive_int("depth", depth),
            "dense_layers": dense_layers,
            "dense_units": _positive_int("dense_units", dense_units),
            "use_bias": use_bias,
            "l1": _non_negative("l1", l1),
            "l2": _non_negative("l2", l2),
        }
        self.input_shape = (height, width)
        self.l1, self.l2 = self._kwargs["l1"], self._kwargs["l2"]
        out_width = width - depth * (kernel_width - 1)
        if out_width < 1:
            raise ValueError(f"input width {width} is too small for {depth} convolutions of width {kernel_width}")
        layers: list[nn.Module] = []
        channels = 1
        for _ in range(depth):
            layers += [nn.Conv2d(channels, n_filters, (1, kernel_width), bias=use_bias), nn.ReLU()]
            channels = n_filters
        self.per_haplotype = nn.Sequential(*layers)
        self.flatten = nn.Flatten()
        self.head = _dense_head(n_filters * out_width, [dense_units] * dense_layers, use_bias)
        initialise_weights(self, "glorot_uniform", generator)

    @property
    def model_kwargs(self) -> dict[str, Any]:
        """The constructor arguments, JSON-serialisable (a fresh copy)."""
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self._kwargs.items()}

    def conv_layers(self) -> list[nn.Conv2d]:
        return [m for m in self.per_haplotype if isinstance(m, nn.Conv2d)]

    def regularization_penalty(self) -> torch.Tensor:
        """L1 + L2 penalty on the conv kernels (0 with the paper's l1 = l2 = 0)."""
        return _kernel_penalty(self.conv_layers(), self.l1, self.l2, next(self.parameters()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, 1, H, W)`` or ``(B, H, W)`` float images -> ``(B, 1)`` logits."""
        features = self.per_haplotype(_image_batch(x))  # (B, C, H, W')
        return self.head(self.flatten(features.mean(dim=2)))


# --------------------------------------------------------------------------- kwargs and ladder


def cecil_imagene_kwargs(
    input_shape: Sequence[int] = (128, 128),
    conv_filters: Sequence[int] = (32, 32, 32),
    kernel_size: int = 3,
    dense_units: int | None = 64,
    l1: float = PENALTY,
    l2: float = PENALTY,
) -> dict[str, Any]:
    """:class:`ImageneCNN` kwargs of Cecil & Sugden's Imagene: no biases, N(0, 1) conv init,
    L1 + L2 on the conv kernels, one sigmoid output. Defaults are the paper's values."""
    return {
        "input_shape": list(input_shape),
        "conv_filters": list(conv_filters),
        "kernel_size": kernel_size,
        "pool_size": 2,
        "dense_units": dense_units,
        "n_outputs": 1,
        "use_bias": False,
        "init": "normal",
        "l1": l1,
        "l2": l2,
    }


def mini_cnn_kwargs(
    input_shape: Sequence[int] = (128, 128), l1: float = PENALTY, l2: float = PENALTY
) -> dict[str, Any]:
    """:class:`MiniCNN` kwargs with the paper's settings (no biases)."""
    return {"input_shape": list(input_shape), "use_bias": False, "l1": l1, "l2": l2}


def deepset_kwargs(input_shape: Sequence[int] = (128, 128)) -> dict[str, Any]:
    """:class:`DeepSet` kwargs with the paper's settings."""
    return {
        "input_shape": list(input_shape),
        "n_filters": 64,
        "kernel_width": 5,
        "depth": 2,
        "dense_layers": 2,
        "dense_units": 64,
        "use_bias": True,
    }


class LadderStep(NamedTuple):
    """One architecture of Tables A/B: a label, a registry name, constructor kwargs."""

    label: str
    model: str
    kwargs: dict[str, Any]


def complexity_ladder(
    input_shape: Sequence[int] = (128, 128), l1: float = PENALTY, l2: float = PENALTY
) -> list[LadderStep]:
    """The 15 architectures of S1 Text Tables A (row-sorted images) and B (unsorted), from
    Imagene down to a single dense unit, in the paper's order.

    The square-kernel conv -> ReLU -> max-pool stacks are :class:`ImageneCNN`; the rest are
    :class:`ReducedCNN` (and :class:`MiniCNN`). Every network has one sigmoid output, no
    biases, N(0, 1) conv kernels and the L1 + L2 penalty on its conv kernels.
    """
    shape = list(input_shape)

    def imagene(filters: Sequence[int], kernel: int, dense: int | None = None) -> tuple[str, dict[str, Any]]:
        return "imagene", cecil_imagene_kwargs(shape, filters, kernel, dense, l1, l2)

    def reduced(n_filters: int, kernel: Sequence[int], **switches: bool) -> tuple[str, dict[str, Any]]:
        kwargs = {"input_shape": shape, "n_filters": n_filters, "depth": 1, "kernel_size": list(kernel)}
        return "reduced_cnn", {**kwargs, **switches, "l1": l1, "l2": l2}

    no_relu = {"relu": False}
    linear = {"relu": False, "max_pool": False}
    table = [
        ("Imagene: 3 conv (32 3x3 kernels) + max pool + ReLU -> dense 64 -> dense 1", imagene((32, 32, 32), 3, 64)),
        ("3 conv (32 3x3 kernels) + max pool + ReLU -> dense 1", imagene((32, 32, 32), 3)),
        ("2 conv (32 3x3 kernels) + max pool + ReLU -> dense 1", imagene((32, 32), 3)),
        ("1 conv (32 3x3 kernels) + max pool + ReLU -> dense 1", imagene((32,), 3)),
        ("1 conv (16 3x3 kernels) + max pool + ReLU -> dense 1", imagene((16,), 3)),
        ("1 conv (4 3x3 kernels) + max pool + ReLU -> dense 1", imagene((4,), 3)),
        ("1 conv (4 3x1 kernels) + max pool + ReLU -> dense 1", reduced(4, (3, 1))),
        ("1 conv (1 3x3 kernel) + max pool + ReLU -> dense 1", imagene((1,), 3)),
        ("1 conv (1 2x2 kernel) + max pool + ReLU -> dense 1", imagene((1,), 2)),
        ("1 conv (1 1x2 kernel) + max pool + ReLU -> dense 1", reduced(1, (1, 2))),
        ("1 conv (1 2x1 kernel) + max pool + ReLU -> dense 1", reduced(1, (2, 1))),
        ("mini-CNN: 1 conv (1 2x1 kernel) + ReLU -> dense 1", ("mini_cnn", mini_cnn_kwargs(shape, l1, l2))),
        ("1 conv (1 2x1 kernel) + max pool -> dense 1", reduced(1, (2, 1), **no_relu)),
        ("1 conv (1 2x1 kernel) -> dense 1", reduced(1, (2, 1), **linear)),
        ("dense 1", reduced(1, (2, 1), **linear, convolution=False)),
    ]
    return [LadderStep(label, model, kwargs) for label, (model, kwargs) in table]


# --------------------------------------------------------------------------- registry


def _build_imagene(kwargs: dict[str, Any], generator: torch.Generator | None) -> nn.Module:
    # ImageneCNN draws its own initial weights from torch's global RNG, and its "normal" init
    # draws the dense weights from N(0, 1) too; the paper's scheme (N(0, 1) conv kernels,
    # Glorot-uniform dense weights) is applied here from the explicit generator instead.
    model = ImageneCNN(**kwargs)
    conv_init = "normal" if kwargs.get("init") == "normal" else "glorot_uniform"
    return initialise_weights(model, conv_init, generator)


MODEL_BUILDERS: dict[str, Callable[[dict[str, Any], torch.Generator | None], nn.Module]] = {
    "imagene": _build_imagene,
    "reduced_cnn": lambda kwargs, generator: ReducedCNN(**kwargs, generator=generator),
    "mini_cnn": lambda kwargs, generator: MiniCNN(**kwargs, generator=generator),
    "deepset": lambda kwargs, generator: DeepSet(**kwargs, generator=generator),
}


def build_cecil_model(name: str, kwargs: dict[str, Any], generator: torch.Generator | None = None) -> nn.Module:
    """Build registry model ``name`` (``"imagene"``, ``"reduced_cnn"``, ``"mini_cnn"``,
    ``"deepset"``) from its kwargs, weights initialised from ``generator``.

    With :func:`genomic_dl.nn.trainer.load_checkpoint` use
    ``lambda kwargs: build_cecil_model(name, kwargs)``.
    """
    if name not in MODEL_BUILDERS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(MODEL_BUILDERS)}")
    return MODEL_BUILDERS[name](dict(kwargs), generator)

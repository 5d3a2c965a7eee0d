"""The three sequence-to-function CNNs of EvoAug (Lee et al. 2023, Genome Biology), in PyTorch.

Layer lists as given in the paper's Methods ("Models and datasets"); every
convolution is 1-D with stride 1 and max-pooling uses size = stride::

    Basset-inspired (L = 600, binary, paper: 161 tasks; the data has 164)
        conv 300 x 19 -> BN -> ReLU -> maxpool 3
        conv 200 x 11 -> BN -> ReLU -> maxpool 4
        conv 200 x 7  -> BN -> ReLU -> maxpool 2
        dense 1000 -> BN -> ReLU -> dropout 0.3
        dense 1000 -> BN -> ReLU -> dropout 0.3
        dense n_tasks (sigmoid)

    DeepSTARR (L = 249, regression, 2 tasks)
        conv 256 x 7 -> BN -> ReLU -> maxpool 2
        conv 60 x 3  -> BN -> ReLU -> maxpool 2
        conv 60 x 5  -> BN -> ReLU -> maxpool 2
        conv 120 x 3 -> BN -> ReLU -> maxpool 2
        dense 256 -> BN -> ReLU -> dropout 0.4
        dense 256 -> BN -> ReLU -> dropout 0.4
        dense n_tasks (linear)

    ChIP-seq CNN (L = 200, binary, 1 task)
        conv 64 x 7  -> BN -> ReLU -> dropout 0.2 -> maxpool 4
        conv 96 x 5  -> BN -> ReLU -> dropout 0.2 -> maxpool 4
        conv 128 x 5 -> BN -> ReLU -> dropout 0.2 -> maxpool 2
        dense 256 -> BN -> ReLU -> dropout 0.5
        dense n_tasks (sigmoid)

Choices where the paper text is silent:

* Convolutions use ``"same"`` zero padding (as the authors' code and the
  original Basset and DeepSTARR models), so the flattened size is
  ``channels * L'`` with ``L'`` obtained from ``L`` by the floor divisions of
  the pooling layers; any ``L`` (e.g. ``L + insert_max`` for the insertion
  augmentation) is accepted.
* Layers followed by batch normalisation have no bias (BN's shift makes it
  redundant, as in the authors' convolutions); the output layer has one.
* The output activation (sigmoid / linear) is not part of the module:
  :meth:`SequenceCNN.forward` returns logits for the binary models, to be
  trained with ``BCEWithLogits``; apply ``torch.sigmoid`` for probabilities.
* Initialisation: convolution kernels He-normal (fan-in, ReLU gain, as the
  authors' code), dense layers PyTorch's default; all drawn from an explicit
  ``torch.Generator``. Layers are created on the ``meta`` device first, so
  building a model never touches torch's global random state.

Differences between the paper text and the authors' code (``model_zoo.py``),
where the paper is followed: the Basset model's third pooling is 4 in the
code (2 in the paper); the ChIP CNN pools before its dropout in the code.

Every activation, dropout and pooling call site is its own module object
(SHAP's ``DeepExplainer`` hooks modules and breaks when one is reused).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

__all__ = [
    "MODELS",
    "Basset",
    "ChIPCNN",
    "ConvBlock",
    "DeepSTARR",
    "DenseBlock",
    "SequenceCNN",
    "build_model",
    "pooled_lengths",
    "scale_blocks",
]

N_NUCLEOTIDES = 4


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _dropout_rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


@dataclass(frozen=True)
class ConvBlock:
    """One convolutional block: conv ('same', stride 1, no bias) -> BN -> ReLU
    -> [dropout] -> max-pooling (size = stride).

    ``dropout`` 0 means no dropout layer.
    """

    filters: int
    kernel_size: int
    pool_size: int
    dropout: float = 0.0

    def __post_init__(self) -> None:
        _positive_int("ConvBlock.filters", self.filters)
        _positive_int("ConvBlock.kernel_size", self.kernel_size)
        _positive_int("ConvBlock.pool_size", self.pool_size)
        _dropout_rate("ConvBlock.dropout", self.dropout)


@dataclass(frozen=True)
class DenseBlock:
    """One hidden dense block: linear (no bias) -> BN -> ReLU -> [dropout]."""

    units: int
    dropout: float = 0.0

    def __post_init__(self) -> None:
        _positive_int("DenseBlock.units", self.units)
        _dropout_rate("DenseBlock.dropout", self.dropout)


def pooled_lengths(sequence_length: int, conv_blocks: Sequence[ConvBlock]) -> list[int]:
    """Sequence length after each block ('same' conv, floor max-pooling).

    Parameters
    ----------
    sequence_length
        Input length ``L`` in nucleotides.
    conv_blocks
        The convolutional blocks, in order.

    Returns
    -------
    list of int
        ``len(conv_blocks)`` lengths; the last one times the last block's
        filters is the flattened feature size.

    Raises
    ------
    ValueError
        If a pooling layer would get fewer positions than its size.
    """
    lengths = []
    length = sequence_length
    for index, block in enumerate(conv_blocks, start=1):
        if length < block.pool_size:
            raise ValueError(
                f"sequence_length {sequence_length} is too short: max-pooling {block.pool_size} "
                f"of conv block {index} gets {length} position(s)"
            )
        length //= block.pool_size
        lengths.append(length)
    return lengths


def _conv_block_layers(in_channels: int, block: ConvBlock) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Conv1d(in_channels, block.filters, block.kernel_size, padding="same", bias=False, device="meta"),
        nn.BatchNorm1d(block.filters, device="meta"),
        nn.ReLU(),
    ]
    if block.dropout > 0:
        layers.append(nn.Dropout(block.dropout))
    layers.append(nn.MaxPool1d(block.pool_size, stride=block.pool_size))
    return nn.Sequential(*layers)


def _dense_block_layers(in_features: int, block: DenseBlock) -> nn.Sequential:
    layers: list[nn.Module] = [
        nn.Linear(in_features, block.units, bias=False, device="meta"),
        nn.BatchNorm1d(block.units, device="meta"),
        nn.ReLU(),
    ]
    if block.dropout > 0:
        layers.append(nn.Dropout(block.dropout))
    return nn.Sequential(*layers)


def _init_linear(layer: nn.Linear, generator: torch.Generator | None) -> None:
    """PyTorch's default ``nn.Linear`` initialisation, drawn from ``generator``."""
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    if layer.bias is not None:
        bound = 1.0 / math.sqrt(layer.in_features)
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


class SequenceCNN(nn.Module):
    """Conv blocks -> flatten -> dense blocks -> linear output, on one-hot DNA.

    Parameters
    ----------
    sequence_length
        Input length ``L`` (nucleotides); fixes the flattened feature size.
    n_tasks
        Number of outputs ``T``.
    conv_blocks, dense_blocks
        The architecture (see :class:`ConvBlock`, :class:`DenseBlock`);
        at least one conv block.
    generator
        ``torch.Generator`` (CPU) for the initial weights; ``None`` = torch's
        default generator.

    Input ``(N, 4, L)`` float one-hot (A, C, G, T channels); output
    ``(N, T)`` float: logits of binary tasks or values of regression tasks.
    """

    def __init__(
        self,
        sequence_length: int,
        n_tasks: int,
        conv_blocks: Sequence[ConvBlock],
        dense_blocks: Sequence[DenseBlock],
        *,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        sequence_length = _positive_int("sequence_length", sequence_length)
        n_tasks = _positive_int("n_tasks", n_tasks)
        if len(conv_blocks) == 0:
            raise ValueError("conv_blocks must hold at least one ConvBlock")
        for name, blocks, kind in (("conv_blocks", conv_blocks, ConvBlock), ("dense_blocks", dense_blocks, DenseBlock)):
            for index, block in enumerate(blocks):
                if not isinstance(block, kind):
                    raise ValueError(f"{name}[{index}] must be a {kind.__name__}, got {block!r}")
        self.sequence_length = sequence_length
        self.n_tasks = n_tasks
        self.feature_length = pooled_lengths(sequence_length, conv_blocks)[-1]
        self.n_flat_features = conv_blocks[-1].filters * self.feature_length

        in_channels = N_NUCLEOTIDES
        convs = []
        for block in conv_blocks:
            convs.append(_conv_block_layers(in_channels, block))
            in_channels = block.filters
        self.conv_blocks = nn.ModuleList(convs)
        self.flatten = nn.Flatten()
        in_features = self.n_flat_features
        denses = []
        for block in dense_blocks:
            denses.append(_dense_block_layers(in_features, block))
            in_features = block.units
        self.dense_blocks = nn.ModuleList(denses)
        self.output = nn.Linear(in_features, n_tasks, device="meta")
        self.to_empty(device="cpu")
        self.reset_parameters(generator)

    @property
    def first_conv(self) -> nn.Conv1d:
        """The first-layer convolution (its kernels are the filters interpreted as motifs)."""
        return self.conv_blocks[0][0]

    @property
    def first_activation(self) -> nn.ReLU:
        """The first ReLU module; a forward hook on it yields ``(N, F, L)`` activations."""
        return self.conv_blocks[0][2]

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Re-initialise every layer (see the module docstring) from ``generator``."""
        for module in self.modules():
            if isinstance(module, nn.Conv1d):
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu", generator=generator)
            elif isinstance(module, nn.Linear):
                _init_linear(module, generator)
            elif isinstance(module, nn.BatchNorm1d):
                module.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 4, L)`` float one-hot -> ``(N, n_tasks)`` logits / values."""
        if x.ndim != 3 or x.shape[1] != N_NUCLEOTIDES or x.shape[2] != self.sequence_length:
            raise ValueError(
                f"expected input of shape (N, {N_NUCLEOTIDES}, {self.sequence_length}), got {tuple(x.shape)}"
            )
        for block in self.conv_blocks:
            x = block(x)
        x = self.flatten(x)
        for block in self.dense_blocks:
            x = block(x)
        return self.output(x)


def _width_factor(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 4.0:
        raise ValueError(f"width must be a number in (0, 4], got {value!r}")
    return float(value)


def scale_blocks(blocks: Sequence[ConvBlock | DenseBlock], width: float) -> tuple[ConvBlock | DenseBlock, ...]:
    """The blocks with their filters / units multiplied by ``width`` (rounded, at least 1).

    ``width`` 1 returns the blocks unchanged. A reduced width keeps every layer, kernel size,
    pooling and dropout rate of the paper's architecture and cuts the cost of a forward pass
    roughly by ``width**2`` (used to make CPU runs of the workflow feasible; see the config).
    """
    width = _width_factor(width)
    if width == 1.0:
        return tuple(blocks)
    scaled = []
    for block in blocks:
        if isinstance(block, ConvBlock):
            scaled.append(dataclasses.replace(block, filters=max(1, round(block.filters * width))))
        else:
            scaled.append(dataclasses.replace(block, units=max(1, round(block.units * width))))
    return tuple(scaled)


class _PaperModel(SequenceCNN):
    """A :class:`SequenceCNN` with the fixed architecture of one paper model.

    Subclasses set :attr:`CONV_BLOCKS`, :attr:`DENSE_BLOCKS`, :attr:`TASK`
    and the paper's default sizes.
    """

    CONV_BLOCKS: ClassVar[tuple[ConvBlock, ...]]
    DENSE_BLOCKS: ClassVar[tuple[DenseBlock, ...]]
    TASK: ClassVar[str]
    SEQUENCE_LENGTH: ClassVar[int]
    N_TASKS: ClassVar[int]

    def __init__(
        self,
        sequence_length: int | None = None,
        n_tasks: int | None = None,
        *,
        width: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        self.width = _width_factor(width)
        super().__init__(
            self.SEQUENCE_LENGTH if sequence_length is None else sequence_length,
            self.N_TASKS if n_tasks is None else n_tasks,
            scale_blocks(self.CONV_BLOCKS, self.width),
            scale_blocks(self.DENSE_BLOCKS, self.width),
            generator=generator,
        )

    @property
    def task(self) -> str:
        """``"binary"`` (logit outputs, BCE loss) or ``"regression"`` (MSE loss)."""
        return self.TASK

    @property
    def model_kwargs(self) -> dict[str, int | float]:
        """Constructor kwargs, JSON-serialisable (for checkpoints); ``width`` only when it is not 1."""
        kwargs: dict[str, int | float] = {"sequence_length": self.sequence_length, "n_tasks": self.n_tasks}
        if self.width != 1.0:
            kwargs["width"] = self.width
        return kwargs


class Basset(_PaperModel):
    """Basset-inspired model; paper sizes L = 600 and 164 tasks (the data;
    the paper text says 161). Binary tasks, logit outputs."""

    CONV_BLOCKS = (ConvBlock(300, 19, 3), ConvBlock(200, 11, 4), ConvBlock(200, 7, 2))
    DENSE_BLOCKS = (DenseBlock(1000, 0.3), DenseBlock(1000, 0.3))
    TASK = "binary"
    SEQUENCE_LENGTH = 600
    N_TASKS = 164


class DeepSTARR(_PaperModel):
    """DeepSTARR model (de Almeida et al. 2022); paper sizes L = 249, 2
    regression tasks (developmental, housekeeping enhancer activity)."""

    CONV_BLOCKS = (ConvBlock(256, 7, 2), ConvBlock(60, 3, 2), ConvBlock(60, 5, 2), ConvBlock(120, 3, 2))
    DENSE_BLOCKS = (DenseBlock(256, 0.4), DenseBlock(256, 0.4))
    TASK = "regression"
    SEQUENCE_LENGTH = 249
    N_TASKS = 2


class ChIPCNN(_PaperModel):
    """The paper's custom ChIP-seq CNN; paper sizes L = 200, 1 binary task
    (logit output)."""

    CONV_BLOCKS = (ConvBlock(64, 7, 4, 0.2), ConvBlock(96, 5, 4, 0.2), ConvBlock(128, 5, 2, 0.2))
    DENSE_BLOCKS = (DenseBlock(256, 0.5),)
    TASK = "binary"
    SEQUENCE_LENGTH = 200
    N_TASKS = 1


#: Registry of the paper models by workflow name.
MODELS: dict[str, Callable[..., _PaperModel]] = {
    "basset": Basset,
    "deepstarr": DeepSTARR,
    "chip_cnn": ChIPCNN,
}


def build_model(
    name: str,
    kwargs: Mapping[str, Any] | None = None,
    *,
    generator: torch.Generator | None = None,
) -> _PaperModel:
    """Build the paper model ``name`` (a key of :data:`MODELS`).

    Parameters
    ----------
    name
        ``"basset"``, ``"deepstarr"`` or ``"chip_cnn"``.
    kwargs
        Constructor kwargs: ``sequence_length``, ``n_tasks`` and ``width``
        (a factor on every layer's filters / units, see :func:`scale_blocks`;
        missing = the paper's size); e.g. a checkpoint's ``model_kwargs``, so
        ``functools.partial(build_model, name)`` can be handed to
        :func:`genomic_dl.nn.trainer.load_checkpoint`.
    generator
        ``torch.Generator`` for the initial weights.

    Raises
    ------
    ValueError
        Unknown ``name`` or unknown / invalid kwargs.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model name {name!r}; expected one of {sorted(MODELS)}")
    kwargs = dict(kwargs or {})
    unknown = sorted(set(kwargs) - {"sequence_length", "n_tasks", "width"})
    if unknown:
        raise ValueError(f"unknown kwargs for model {name!r}: {unknown}; expected sequence_length, n_tasks, width")
    return MODELS[name](**kwargs, generator=generator)

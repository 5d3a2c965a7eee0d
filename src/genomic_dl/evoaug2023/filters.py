"""First-layer convolutional filters as position weight matrices (EvoAug Fig 1c).

The filters of a trained model are visualised by *activation-based alignment* (Koo & Eddy
2019): for every filter, each window of the input whose activation exceeds a fraction of the
filter's largest activation over the whole data set contributes its one-hot window; the
per-position base counts of those windows, normalised to probabilities, form the filter's
position weight matrix (PWM). The PWMs are trimmed of uninformative flanks and written in the
MEME minimal motif format for Tomtom.

One-hot sequences are ``(N, 4, L)`` arrays in the PyTorch layout, bases in the order
:data:`ALPHABET`; PWMs are ``(4, w)`` arrays whose columns sum to one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from genomic_dl.evoaug2023 import h5data
from genomic_dl.io import atomic_path

__all__ = [
    "ALPHABET",
    "check_one_hot",
    "clip_low_information_flanks",
    "filter_pwms",
    "first_layer_activations",
    "information_content",
    "model_device",
    "read_meme",
    "write_meme",
]

#: Order of the nucleotides along the channel axis of every one-hot array.
ALPHABET = "ACGT"

#: Tolerance on the column sums of a PWM written to a MEME file.
_PWM_SUM_TOLERANCE = 1e-3


def check_one_hot(x: np.ndarray, name: str, *, ndim: int = 3) -> np.ndarray:
    """Return ``x`` as a float32 array after checking it is one-hot DNA.

    Parameters
    ----------
    x
        Array of shape ``(..., 4, L)`` with ``ndim`` dimensions; every position (column along
        the nucleotide axis) holds exactly one 1 and three 0s.
    name
        Argument name used in error messages.
    ndim
        Required number of dimensions (3 for a batch ``(N, 4, L)``, 2 for one sequence).

    Raises
    ------
    ValueError
        If the shape is wrong or a position is not a one-hot column (e.g. an ``N`` base).
    """
    array = np.asarray(x)
    if array.ndim != ndim or array.shape[-2] != len(ALPHABET):
        expected = "(N, 4, L)" if ndim == 3 else "(4, L)"
        raise ValueError(f"{name} must be a one-hot array of shape {expected}, got shape {array.shape}")
    if array.shape[-1] == 0:
        raise ValueError(f"{name} has length 0")
    h5data.check_one_hot(array.reshape(-1, *array.shape[-2:]), name, allow_padding=False, hint="")
    return array.astype(np.float32, copy=False)


class _ActivationsCaptured(Exception):
    """Raised by the forward hook to stop the forward pass once the activations are stored."""


def model_device(model: nn.Module) -> torch.device:
    """The device of ``model``'s first parameter (the CPU for a model without parameters)."""
    parameter = next(model.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def _hooked_activations(model: nn.Module, layer: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """A callable returning ``layer``'s output for input ``x``; the rest of the model is skipped."""

    def activations(x: torch.Tensor) -> torch.Tensor:
        captured: list[torch.Tensor] = []

        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            captured.append(output)
            raise _ActivationsCaptured

        handle = layer.register_forward_hook(hook)
        try:
            model(x)
        except _ActivationsCaptured:
            pass
        finally:
            handle.remove()
        if not captured:
            raise ValueError("layer: the given module was not called during the model's forward pass")
        return captured[0]

    return activations


def first_layer_activations(
    model: nn.Module,
    layer: nn.Module | Callable[[torch.Tensor], torch.Tensor],
    x: np.ndarray,
    *,
    batch_size: int = 256,
    device: torch.device | str | None = None,
) -> np.ndarray:
    """Activations of the first convolutional layer for a batch of sequences.

    Parameters
    ----------
    model
        The trained network; it is put in eval mode for the call and its mode is restored.
    layer
        Either a submodule of ``model`` whose output is the first-layer activation map (the
        convolution, or the activation module right after it) -- its output is captured by a
        forward hook at its first call and the rest of the forward pass is skipped -- or a
        callable mapping a float tensor ``(B, 4, L)`` on ``device`` to ``(B, F, L')``.
    x
        One-hot sequences, shape ``(N, 4, L)``.
    batch_size
        Sequences per forward pass.
    device
        Where to run; default: the device of the model's parameters.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(N, F, L')``.
    """
    x = check_one_hot(x, "x")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    device = model_device(model) if device is None else torch.device(device)
    activations_of = _hooked_activations(model, layer) if isinstance(layer, nn.Module) else layer
    was_training = model.training
    model.eval()
    batches = []
    try:
        with torch.no_grad():
            for start in range(0, len(x), batch_size):
                batch = torch.from_numpy(x[start : start + batch_size]).to(device)
                batches.append(activations_of(batch).float().cpu().numpy())
    finally:
        model.train(was_training)
    activations = np.concatenate(batches)
    if activations.ndim != 3 or len(activations) != len(x):
        raise ValueError(f"layer must return activations of shape (N, F, L'), got {activations.shape}")
    return activations


def _window_starts(length: int, activation_length: int, filter_width: int) -> np.ndarray:
    """Input start of the window behind each activation position, shape ``(L',)`` int64.

    Assumes stride 1 and symmetric zero padding (or PyTorch ``padding="same"``): the left
    padding is ``(L' - L + w - 1) // 2``, which is 0 for a ``valid`` convolution.
    """
    total_padding = activation_length - length + filter_width - 1
    if total_padding < 0 or total_padding > 2 * (filter_width - 1):
        raise ValueError(
            f"activations of length {activation_length} cannot come from a stride-1 convolution of "
            f"width {filter_width} over sequences of length {length}"
        )
    return np.arange(activation_length) - total_padding // 2


def filter_pwms(
    x: np.ndarray,
    activations: np.ndarray,
    filter_width: int,
    threshold_fraction: float = 0.5,
    *,
    chunk_size: int = 128,
    maxima: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Position weight matrices of the filters by activation-based alignment.

    For filter ``f`` with largest activation ``a_max[f]`` over all sequences and positions,
    every activation position where ``activation > threshold_fraction * a_max[f]`` aligns the
    input window it sees; windows running past the sequence ends (into the zero padding) are
    left out. The aligned one-hot windows are summed and normalised per column.

    Parameters
    ----------
    x
        One-hot sequences, shape ``(N, 4, L)``.
    activations
        First-layer activations, shape ``(N, F, L')`` (see :func:`first_layer_activations`);
        ``L' = L - w + 1`` for an unpadded convolution, ``L' = L`` for ``padding="same"``.
    filter_width
        Width ``w`` of the filters, in nucleotides.
    threshold_fraction
        Fraction of each filter's maximum activation a window must exceed (paper value 0.5).
    chunk_size
        Sequences processed at once; bounds the memory of the ``(chunk, F, L')`` mask.
    maxima
        ``(F,)`` maximum activation of each filter to take instead of the maximum over
        ``activations``: for aligning a data set in parts (each part's counts are
        ``pwms * n_windows``) against the maxima over the whole set.

    Returns
    -------
    pwms : numpy.ndarray
        float64 array ``(F, 4, w)``; columns sum to one. A filter with no aligned window
        (its activations never exceed 0) gets the uniform matrix 0.25.
    n_windows : numpy.ndarray
        int64 array ``(F,)``: number of aligned windows per filter.
    """
    x = check_one_hot(x, "x")
    activations = np.asarray(activations)
    if activations.ndim != 3 or len(activations) != len(x):
        raise ValueError(f"activations must have shape (N={len(x)}, F, L'), got {activations.shape}")
    if not 1 <= filter_width <= x.shape[-1]:
        raise ValueError(f"filter_width must be in [1, L={x.shape[-1]}], got {filter_width}")
    if not 0.0 <= threshold_fraction < 1.0:
        raise ValueError(f"threshold_fraction must be in [0, 1), got {threshold_fraction}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")

    length = x.shape[-1]
    starts = _window_starts(length, activations.shape[-1], filter_width)
    inside = (starts >= 0) & (starts <= length - filter_width)
    if maxima is None:
        maxima = activations.max(axis=(0, 2))
    elif np.shape(maxima) != (activations.shape[1],):
        raise ValueError(f"maxima must have shape (F={activations.shape[1]},), got {np.shape(maxima)}")
    thresholds = np.where(maxima > 0, threshold_fraction * maxima, np.inf)[None, :, None]
    windows = np.lib.stride_tricks.sliding_window_view(x, filter_width, axis=2)[:, :, starts[inside]]

    n_filters = activations.shape[1]
    counts = np.zeros((n_filters, len(ALPHABET) * filter_width))
    n_windows = np.zeros(n_filters, dtype=np.int64)
    for begin in range(0, len(x), chunk_size):
        mask = activations[begin : begin + chunk_size][:, :, inside] > thresholds  # (n, F, V)
        n_windows += mask.sum(axis=(0, 2))
        chunk_windows = windows[begin : begin + chunk_size]  # (n, 4, V, w)
        flat_windows = chunk_windows.transpose(0, 2, 1, 3).reshape(-1, len(ALPHABET) * filter_width)
        flat_mask = mask.transpose(1, 0, 2).reshape(n_filters, -1).astype(np.float32)
        counts += flat_mask @ flat_windows
    counts = counts.reshape(n_filters, len(ALPHABET), filter_width)
    pwms = np.full_like(counts, 1.0 / len(ALPHABET))
    aligned = n_windows > 0
    pwms[aligned] = counts[aligned] / n_windows[aligned, None, None]
    return pwms, n_windows


def _check_pwm(pwm: np.ndarray, name: str) -> np.ndarray:
    pwm = np.asarray(pwm, dtype=np.float64)
    if pwm.ndim != 2 or pwm.shape[0] != len(ALPHABET):
        raise ValueError(f"{name} must be a PWM of shape (4, w), got shape {pwm.shape}")
    if (pwm < 0).any() or not np.allclose(pwm.sum(axis=0), 1.0, atol=_PWM_SUM_TOLERANCE):
        raise ValueError(f"{name} must hold non-negative probabilities whose columns sum to 1")
    return pwm


def information_content(pwm: np.ndarray) -> np.ndarray:
    """Information content of each column in bits against a uniform background.

    Parameters
    ----------
    pwm
        Probabilities, shape ``(4, w)``.

    Returns
    -------
    numpy.ndarray
        float64 array ``(w,)`` with values in ``[0, 2]``: ``2 + sum_b p_b log2 p_b``
        (``0 log 0 = 0``).
    """
    pwm = _check_pwm(pwm, "pwm")
    plogp = np.where(pwm > 0, pwm * np.log2(np.where(pwm > 0, pwm, 1.0)), 0.0)
    return np.log2(len(ALPHABET)) + plogp.sum(axis=0)


def clip_low_information_flanks(pwm: np.ndarray, min_information_bits: float) -> np.ndarray:
    """Trim the flanking columns whose information content is below ``min_information_bits``.

    Parameters
    ----------
    pwm
        Probabilities, shape ``(4, w)``.
    min_information_bits
        Columns at either end with less information than this (bits) are removed; inner
        columns are kept whatever their information.

    Returns
    -------
    numpy.ndarray
        ``(4, w')`` view of ``pwm`` from its first to its last informative column; ``(4, 0)``
        when no column reaches the threshold.
    """
    pwm = _check_pwm(pwm, "pwm")
    informative = np.flatnonzero(information_content(pwm) >= min_information_bits)
    if len(informative) == 0:
        return pwm[:, :0]
    return pwm[:, informative[0] : informative[-1] + 1]


def write_meme(path: str | os.PathLike, motifs: Sequence[tuple[str, np.ndarray]]) -> None:
    """Write motifs to a MEME minimal-format (version 4) file, atomically.

    Parameters
    ----------
    path
        Output file.
    motifs
        ``(name, pwm)`` pairs; ``name`` is written after ``MOTIF`` (one or two
        whitespace-separated fields: identifier and optional alternate name), ``pwm`` is a
        ``(4, w)`` probability matrix with ``w >= 1``. Uniform background, both strands.
    """
    blocks = [
        (
            "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
            "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n"
        )
    ]
    for index, (name, pwm) in enumerate(motifs):
        pwm = _check_pwm(pwm, f"motifs[{index}] pwm")
        fields = str(name).split()
        if not 1 <= len(fields) <= 2 or "\n" in str(name):
            raise ValueError(f"motifs[{index}] name must be one or two fields on one line, got {name!r}")
        if pwm.shape[1] == 0:
            raise ValueError(f"motifs[{index}] ({name}) has width 0; drop empty motifs before writing")
        rows = "\n".join(" ".join(f"{p:.6f}" for p in column) for column in pwm.T)
        blocks.append(
            f"\nMOTIF {' '.join(fields)}\n"
            f"letter-probability matrix: alength= {len(ALPHABET)} w= {pwm.shape[1]}\n"
            f"{rows}\n"
        )
    with atomic_path(path) as tmp:
        tmp.write_text("".join(blocks))


_MATRIX_HEADER = re.compile(r"^letter-probability matrix:.*?\bw=\s*(\d+)")


def read_meme(path: str | os.PathLike) -> list[tuple[str, np.ndarray]]:
    """Read the motifs of a MEME minimal-format file.

    Returns
    -------
    list of (str, numpy.ndarray)
        ``(name, pwm)`` in file order; ``name`` is the rest of the ``MOTIF`` line (fields
        joined by one space), ``pwm`` a float64 ``(4, w)`` array.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the alphabet is not DNA or a matrix is malformed (the message names the file and
        line).
    """
    path = Path(path)
    lines = path.read_text().splitlines()
    motifs: list[tuple[str, np.ndarray]] = []
    name: str | None = None
    line_index = 0
    while line_index < len(lines):
        line = lines[line_index].strip()
        line_index += 1
        if line.startswith("ALPHABET") and line.split("=", 1)[-1].strip() not in ("ACGT", "ACGT DNA"):
            raise ValueError(f"{path}:{line_index}: only the DNA alphabet ACGT is supported, got {line!r}")
        if line.startswith("MOTIF"):
            name = " ".join(line.split()[1:])
            if not name:
                raise ValueError(f"{path}:{line_index}: MOTIF line without a name")
            continue
        header = _MATRIX_HEADER.match(line)
        if header is None:
            continue
        if name is None:
            raise ValueError(f"{path}:{line_index}: letter-probability matrix before any MOTIF line")
        width = int(header.group(1))
        rows = lines[line_index : line_index + width]
        try:
            matrix = np.array([[float(value) for value in row.split()] for row in rows])
        except ValueError as error:
            raise ValueError(f"{path}:{line_index + 1}: malformed matrix row of motif {name!r} ({error})") from error
        if matrix.shape != (width, len(ALPHABET)):
            raise ValueError(
                f"{path}:{line_index + 1}: motif {name!r} declares w= {width} but has rows of shape {matrix.shape}"
            )
        motifs.append((name, _check_pwm(matrix.T, f"{path}: motif {name!r}")))
        line_index += width
        name = None
    return motifs

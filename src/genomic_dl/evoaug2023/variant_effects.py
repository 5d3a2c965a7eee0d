"""Zero-shot variant-effect prediction on CAGI5 saturation mutagenesis (EvoAug Fig 1d).

A 600-nt window of the reference genome centred on each regulatory element is one-hot encoded;
each single-nucleotide variant substitutes its alternative allele into that window. The model's
predictions are averaged over tasks (cell types) into one scalar per sequence, and the effect
is ``log(alt / ref)`` of those scalars (natural log; the CAGI5 values are log2, which only
rescales and leaves Pearson's r unchanged). Performance is Pearson's r between measured and
predicted effects within each element, averaged over the elements.

One-hot sequences are ``(4, L)`` (one) or ``(N, 4, L)`` (batch) arrays in the order
:data:`~genomic_dl.evoaug2023.filters.ALPHABET`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from genomic_dl.evoaug2023.filters import ALPHABET, check_one_hot

__all__ = [
    "CAGI5_COLUMNS",
    "DEFAULT_EPSILON",
    "WINDOW_WIDTH",
    "centred_windows",
    "check_reference_alleles",
    "element_window",
    "model_predict_fn",
    "parse_cagi5",
    "pearson_per_element",
    "saturation_mutagenesis",
    "score_variants",
    "substitute_alleles",
]

#: Columns of a CAGI5 regulation-saturation file, in file order.
CAGI5_COLUMNS = ("chrom", "pos", "ref", "alt", "value", "confidence")

#: Paper value: the length of the sequences scored (and the models' input length).
WINDOW_WIDTH = 600

#: Added to both mean predictions before the log-ratio, so that a zero prediction (e.g. a
#: ReLU output or an underflowed sigmoid) gives a finite effect.
DEFAULT_EPSILON = 1e-7

_BASE_INDEX = {base: index for index, base in enumerate(ALPHABET)}


def _base_indices(bases: Sequence[str] | np.ndarray, name: str) -> np.ndarray:
    """Letters of ``ALPHABET`` (any case) or integer codes 0-3 -> int64 codes."""
    array = np.asarray(bases)
    if array.dtype.kind in "iu":
        codes = array.astype(np.int64)
    else:
        letters = np.char.upper(array.astype(str))
        unknown = sorted({str(letter) for letter in letters.ravel()} - set(ALPHABET))
        if unknown:
            raise ValueError(f"{name} must be bases among {ALPHABET!r}, found {unknown}")
        codes = np.searchsorted(np.array(list(ALPHABET)), letters)  # ALPHABET is sorted
    if ((codes < 0) | (codes >= len(ALPHABET))).any():
        raise ValueError(f"{name} codes must be in [0, {len(ALPHABET) - 1}]")
    return codes


def substitute_alleles(
    x_ref: np.ndarray, positions: Sequence[int] | np.ndarray, alt_bases: Sequence[str] | np.ndarray
) -> np.ndarray:
    """One copy of ``x_ref`` per variant, with the alternative base substituted.

    Parameters
    ----------
    x_ref
        One-hot reference, shape ``(4, L)``.
    positions
        ``(M,)`` 0-based positions in ``x_ref``.
    alt_bases
        ``(M,)`` alternative bases, letters of ``ACGT`` or codes 0-3.

    Returns
    -------
    numpy.ndarray
        float32 array ``(M, 4, L)``.
    """
    x_ref = check_one_hot(x_ref, "x_ref", ndim=2)
    positions = np.asarray(positions, dtype=np.int64)
    alt_codes = _base_indices(alt_bases, "alt_bases")
    if positions.ndim != 1 or positions.shape != alt_codes.shape:
        raise ValueError(
            f"positions and alt_bases must be 1-D of equal length, got {positions.shape}, {alt_codes.shape}"
        )
    if ((positions < 0) | (positions >= x_ref.shape[1])).any():
        raise ValueError(
            f"positions must lie in [0, {x_ref.shape[1]}), got range [{positions.min()}, {positions.max()}]"
        )
    variants = np.repeat(x_ref[None], len(positions), axis=0)
    rows = np.arange(len(positions))
    variants[rows, :, positions] = 0.0
    variants[rows, alt_codes, positions] = 1.0
    return variants


def saturation_mutagenesis(x_ref: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """All ``3 L`` single-nucleotide variants of a sequence.

    Parameters
    ----------
    x_ref
        One-hot reference, shape ``(4, L)``.

    Returns
    -------
    variants : numpy.ndarray
        float32 array ``(3 L, 4, L)``, ordered by position, then alternative base in
        ``ACGT`` order.
    table : pandas.DataFrame
        ``3 L`` rows with ``position`` (0-based int), ``ref`` and ``alt`` (letters).
    """
    x_ref = check_one_hot(x_ref, "x_ref", ndim=2)
    length = x_ref.shape[1]
    ref_codes = x_ref.argmax(axis=0)
    candidates = np.broadcast_to(np.arange(len(ALPHABET)), (length, len(ALPHABET)))
    alt_codes = candidates[candidates != ref_codes[:, None]]  # row-major: (L, 3) flattened
    positions = np.repeat(np.arange(length), len(ALPHABET) - 1)
    letters = np.array(list(ALPHABET))
    table = pd.DataFrame({"position": positions, "ref": letters[ref_codes[positions]], "alt": letters[alt_codes]})
    return substitute_alleles(x_ref, positions, alt_codes), table


def check_reference_alleles(
    x_ref: np.ndarray, positions: Sequence[int] | np.ndarray, ref_bases: Sequence[str] | np.ndarray
) -> None:
    """Raise ``ValueError`` when the reference one-hot disagrees with the variants' ref alleles.

    Parameters
    ----------
    x_ref
        One-hot reference window, shape ``(4, L)``.
    positions
        ``(M,)`` 0-based positions in the window.
    ref_bases
        ``(M,)`` reference bases from the variant table.
    """
    x_ref = check_one_hot(x_ref, "x_ref", ndim=2)
    positions = np.asarray(positions, dtype=np.int64)
    expected = _base_indices(ref_bases, "ref_bases")
    if ((positions < 0) | (positions >= x_ref.shape[1])).any():
        raise ValueError(f"positions must lie in [0, {x_ref.shape[1]})")
    observed = x_ref[:, positions].argmax(axis=0)
    wrong = np.flatnonzero(observed != expected)
    if len(wrong):
        first = [(int(positions[i]), ALPHABET[expected[i]], ALPHABET[observed[i]]) for i in wrong[:5]]
        raise ValueError(
            f"{len(wrong)} of {len(positions)} reference alleles disagree with the sequence "
            f"(position, expected, found): {first}; check the coordinates (1-based vs 0-based, hg19)"
        )


def model_predict_fn(
    model: nn.Module,
    device: torch.device | str,
    *,
    batch_size: int = 256,
    output_activation: str = "sigmoid",
) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap a PyTorch model as ``predict_fn`` for :func:`score_variants`.

    Parameters
    ----------
    model
        Model mapping ``(B, 4, L)`` to ``(B, T)`` outputs; put in eval mode.
    device
        Device to run on (the model is moved there).
    batch_size
        Sequences per forward pass.
    output_activation
        ``"sigmoid"`` for binary-task models trained on logits (Basset: probabilities of
        accessibility), ``"identity"`` for regression models (DeepSTARR).

    Returns
    -------
    callable
        ``predict_fn(x)`` mapping a float32 ``(N, 4, L)`` array to a float64 ``(N, T)`` array.
    """
    activations = {"sigmoid": torch.sigmoid, "identity": lambda outputs: outputs}
    if output_activation not in activations:
        raise ValueError(f"output_activation must be one of {sorted(activations)}, got {output_activation!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    device = torch.device(device)
    transform = activations[output_activation]

    def predict_fn(x: np.ndarray) -> np.ndarray:
        model.to(device).eval()
        outputs = []
        with torch.no_grad():
            for start in range(0, len(x), batch_size):
                batch = torch.as_tensor(x[start : start + batch_size], dtype=torch.float32, device=device)
                outputs.append(transform(model(batch)).reshape(len(batch), -1).double().cpu().numpy())
        return np.concatenate(outputs)

    return predict_fn


def _task_mean(predictions: np.ndarray, task_indices: Sequence[int] | None, n_rows: int) -> np.ndarray:
    predictions = np.asarray(predictions, dtype=np.float64)
    if predictions.ndim == 1:
        predictions = predictions[:, None]
    if predictions.ndim != 2 or len(predictions) != n_rows:
        raise ValueError(f"predict_fn must return shape ({n_rows}, T), got {predictions.shape}")
    if task_indices is not None:
        predictions = predictions[:, np.asarray(task_indices, dtype=np.int64)]
    return predictions.mean(axis=1)


def score_variants(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    x_ref: np.ndarray,
    x_alt: np.ndarray,
    task_indices: Sequence[int] | None = None,
    *,
    epsilon: float = DEFAULT_EPSILON,
) -> np.ndarray:
    """Predicted effect ``log(alt / ref)`` of each variant (cell-type-agnostic, paper Methods).

    Parameters
    ----------
    predict_fn
        Maps a float32 ``(N, 4, L)`` array to non-negative predictions ``(N, T)`` (or
        ``(N,)``); for binary-task models these must be probabilities (sigmoid outputs, see
        :func:`model_predict_fn`), since the log-ratio of logits is meaningless.
    x_ref
        One-hot reference sequence, shape ``(4, L)``.
    x_alt
        One-hot variant sequences, shape ``(M, 4, L)``.
    task_indices
        Tasks to average over; default all.
    epsilon
        Added to both task means before the ratio: ``log((alt + eps) / (ref + eps))``.

    Returns
    -------
    numpy.ndarray
        float64 array ``(M,)`` of natural-log ratios.
    """
    x_ref = check_one_hot(x_ref, "x_ref", ndim=2)
    x_alt = check_one_hot(x_alt, "x_alt")
    if x_alt.shape[1:] != x_ref.shape:
        raise ValueError(f"x_alt must have shape (M, {x_ref.shape[0]}, {x_ref.shape[1]}), got {x_alt.shape}")
    if epsilon < 0:
        raise ValueError(f"epsilon must be >= 0, got {epsilon}")
    ref_value = _task_mean(predict_fn(x_ref[None]), task_indices, 1)[0]
    alt_values = _task_mean(predict_fn(x_alt), task_indices, len(x_alt))
    if ref_value < 0 or (alt_values < 0).any():
        raise ValueError("predict_fn returned negative values; the log-ratio needs probabilities or activities >= 0")
    return np.log((alt_values + epsilon) / (ref_value + epsilon))


def centred_windows(sequence: np.ndarray, centres: Sequence[int] | np.ndarray, width: int = WINDOW_WIDTH) -> np.ndarray:
    """Windows of ``width`` nucleotides centred on each of ``centres``.

    The window for centre ``c`` covers ``[c - width // 2, c - width // 2 + width)``, so the
    centre sits at index ``width // 2`` of the window.

    Parameters
    ----------
    sequence
        One-hot sequence (e.g. a chromosome region), shape ``(4, G)``; ``N`` bases may be
        all-zero columns.
    centres
        ``(K,)`` 0-based positions in ``sequence``.
    width
        Window length in nucleotides (paper value 600).

    Returns
    -------
    numpy.ndarray
        Array ``(K, 4, width)`` of ``sequence``'s dtype.
    """
    sequence = np.asarray(sequence)
    if sequence.ndim != 2 or sequence.shape[0] != len(ALPHABET):
        raise ValueError(f"sequence must have shape (4, G), got {sequence.shape}")
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    starts = np.asarray(centres, dtype=np.int64) - width // 2
    if starts.ndim != 1:
        raise ValueError("centres must be one-dimensional")
    if ((starts < 0) | (starts + width > sequence.shape[1])).any():
        raise ValueError(
            f"centres: every window of width {width} must fit in the sequence of length {sequence.shape[1]}"
        )
    windows = np.lib.stride_tricks.sliding_window_view(sequence, width, axis=1)  # (4, G - width + 1, width)
    return windows[:, starts].transpose(1, 0, 2).copy()


def element_window(positions: Sequence[int] | np.ndarray, width: int = WINDOW_WIDTH) -> tuple[int, np.ndarray]:
    """The window of ``width`` nt centred on an element spanned by its variants.

    Parameters
    ----------
    positions
        ``(M,)`` 1-based genomic positions of the element's variants (as in CAGI5 files).
    width
        Window length (paper value 600).

    Returns
    -------
    start : int
        0-based genomic start of the window; the element centre ``(min + max) // 2`` (0-based)
        is at index ``width // 2``.
    offsets : numpy.ndarray
        int64 ``(M,)``: 0-based position of each variant in the window.
    """
    zero_based = np.asarray(positions, dtype=np.int64) - 1
    if zero_based.ndim != 1 or len(zero_based) == 0 or (zero_based < 0).any():
        raise ValueError("positions must be a non-empty 1-D array of 1-based positions")
    centre = (int(zero_based.min()) + int(zero_based.max())) // 2
    start = centre - width // 2
    offsets = zero_based - start
    if (offsets < 0).any() or (offsets >= width).any():
        raise ValueError(f"positions span {np.ptp(zero_based) + 1} nt, more than the window width {width}")
    return start, offsets


def _cagi5_record(fields: list[str], where: str) -> tuple[str, int, str, str, float, float]:
    """One validated CAGI5 data line; ``where`` (file:line) prefixes error messages."""
    if len(fields) != len(CAGI5_COLUMNS):
        raise ValueError(
            f"{where}: expected {len(CAGI5_COLUMNS)} tab-separated fields {CAGI5_COLUMNS}, got {len(fields)}"
        )
    chrom, pos, ref, alt, value, confidence = fields
    ref, alt = ref.upper(), alt.upper()
    if ref not in _BASE_INDEX or alt not in _BASE_INDEX:
        raise ValueError(f"{where}: ref and alt must be single bases among {ALPHABET!r}, got {ref!r}, {alt!r}")
    try:
        return chrom.removeprefix("chr"), int(pos), ref, alt, float(value), float(confidence)
    except ValueError as error:
        raise ValueError(f"{where}: malformed pos, value or confidence ({error})") from error


def parse_cagi5(path: str | os.PathLike, element: str | None = None) -> pd.DataFrame:
    """Read a CAGI5 regulation-saturation file (tab-separated).

    Each data line holds ``chrom, pos (1-based, hg19), ref, alt, value (log2 effect),
    confidence``. Blank lines and lines starting with ``#`` (the header ``#Chrom Pos ...`` and
    comments) are skipped, as is a header line without ``#`` whose first field is ``chrom``.

    Parameters
    ----------
    path
        The file.
    element
        Element name for the ``element`` column; default: the file name's stem.

    Returns
    -------
    pandas.DataFrame
        Columns ``chrom`` (str, without a ``chr`` prefix), ``pos`` (int64), ``ref``, ``alt``
        (upper-case bases), ``value``, ``confidence`` (float64), ``element`` (str).
    """
    path = Path(path)
    records = []
    for line_number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = [field.strip() for field in line.split("\t")]
        if not line.strip() or line.startswith("#") or (not records and fields[0].lower() == "chrom"):
            continue
        records.append(_cagi5_record(fields, f"{path}:{line_number}"))
    if not records:
        raise ValueError(f"{path}: no variant lines")
    table = pd.DataFrame.from_records(records, columns=list(CAGI5_COLUMNS))
    table["element"] = element if element is not None else path.stem
    return table


def pearson_per_element(
    elements: Sequence[str] | np.ndarray, measured: np.ndarray, predicted: np.ndarray
) -> tuple[pd.Series, float]:
    """Pearson's r between measured and predicted effects within each element.

    Parameters
    ----------
    elements
        ``(M,)`` element name of each variant.
    measured, predicted
        ``(M,)`` effect sizes.

    Returns
    -------
    per_element : pandas.Series
        r indexed by element (sorted); NaN for an element with fewer than two variants or a
        constant series.
    mean : float
        Mean of ``per_element`` over all elements (NaN if any element's r is NaN, so that an
        undefined correlation is not silently dropped).
    """
    frame = pd.DataFrame({"element": np.asarray(elements), "measured": measured, "predicted": predicted})
    if frame[["measured", "predicted"]].isna().any().any():
        raise ValueError("measured and predicted must not contain NaN")
    grouped = frame.groupby("element")[["measured", "predicted"]]
    centred = frame[["measured", "predicted"]] - grouped.transform("mean")
    products = pd.DataFrame(
        {
            "cross": centred["measured"] * centred["predicted"],
            "measured": centred["measured"] ** 2,
            "predicted": centred["predicted"] ** 2,
        }
    )
    sums = products.groupby(frame["element"]).sum()
    constant = (grouped.nunique() < 2).any(axis=1)
    per_element = (sums["cross"] / np.sqrt(sums["measured"] * sums["predicted"])).where(~constant)
    return per_element.rename("pearson_r"), float(per_element.mean(skipna=False))

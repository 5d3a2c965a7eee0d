"""Image-width standardisation of Cecil & Sugden (2023): resizing, zero-padding, trimming.

A simulated region gives a haplotype matrix (rows = haplotypes, columns = segregating sites)
whose width varies from region to region; a CNN needs one width. Cecil & Sugden compare three
ways to get it (Methods, "Preprocessing of haplotype data"):

``"resize"``
    ImaGene's ``skimage.transform.resize`` to a fixed size (128 x 128 for 128 haplotypes),
    then thresholding at 0.5, computed by :func:`genomic_dl.popgen.images.haplotype_images`,
    which reproduces skimage exactly, including pixels of exactly 0.5 (``resize_images`` +
    ``binarise`` alone computes in float32 and can flip such pixels, which are common when
    the rows are resized too).
``"zero_pad"``
    columns of zeros added on both sides, centred, up to the *padding width*: the largest
    training width rounded up to a multiple of 10 (:func:`padding_width`).
``"trim"``
    the central columns kept, down to the *trimming width*: the smallest training width
    rounded down to a multiple of 10 (:func:`trimming_width`).

The widths that fix the target are those of the **training** images only; the same target is
then applied to validation and test images. A test image wider than the padding width is
trimmed centrally to it, and a test image narrower than the trimming width is zero-padded
centrally to it, so that every image of a data set has the target width (Cecil & Sugden took
both widths over all their simulations, so the case did not arise for them).

Input batches follow :mod:`genomic_dl.popgen.images`: a zero-padded uint8 array
``(B, N, W_max)`` whose image ``i`` is ``batch[i, :, :widths[i]]``.

Row sorting composes with every method, in the order of the authors' pipelines: for
``"resize"`` rows are sorted on the full image before resizing (as ImaGene); for
``"zero_pad"`` and ``"trim"`` rows are sorted on the columns that remain in the image. With
zero-padding this equals sorting before padding (constant columns change neither which rows
are identical nor their order); with trimming, rows are grouped by the trimmed window only.
"""

from __future__ import annotations

import math

import numpy as np

from genomic_dl.popgen.images import (
    filter_min_maf,
    haplotype_images,
    pad_replicates,
    polarise_major_minor,
    sort_rows_by_frequency,
)

__all__ = [
    "WIDTH_METHODS",
    "centred_window",
    "filtered_widths",
    "padding_width",
    "standardise_widths",
    "standardised_images",
    "target_width",
    "trimming_width",
]

WIDTH_METHODS = ("resize", "zero_pad", "trim")

#: Paper value: the padding and trimming widths are multiples of 10.
WIDTH_MULTIPLE = 10

#: Paper value: ImaGene's resized images are 128 x 128.
RESIZE_WIDTH = 128


def _check_method(method: str) -> str:
    if method not in WIDTH_METHODS:
        raise ValueError(f"method must be one of {WIDTH_METHODS}, got {method!r}")
    return method


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_train_widths(train_widths) -> np.ndarray:
    widths = np.asarray(train_widths)
    if widths.ndim != 1 or widths.size == 0 or not np.issubdtype(widths.dtype, np.integer):
        raise ValueError(
            f"train_widths must be a non-empty 1-D integer array, got dtype {widths.dtype} and shape {widths.shape}"
        )
    if widths.min() < 0:
        raise ValueError(f"train_widths must be non-negative, got minimum {widths.min()}")
    return widths.astype(np.int64)


def _selected_rows(genotypes: np.ndarray, rows) -> np.ndarray:
    return np.asarray(genotypes) if rows is None else np.asarray(genotypes)[rows]


def filtered_widths(genotypes: np.ndarray, offsets: np.ndarray, *, min_maf: float = 0.01, rows=None) -> np.ndarray:
    """Width of every replicate's image after the minor-allele-frequency filter.

    These are the raw widths that :func:`padding_width` and :func:`trimming_width` summarise;
    computed from per-site counts, without building the images.

    Parameters
    ----------
    genotypes : uint8 array, shape (n_haplotypes, total_sites)
        0/1 alleles of a shard, replicates concatenated along the sites.
    offsets : int64 array, shape (n_replicates + 1,)
        Replicate ``i`` owns sites ``offsets[i]:offsets[i + 1]``.
    min_maf : float
        Sites whose minor-allele frequency (among ``rows``) is below this are dropped.
    rows : index or boolean mask, optional
        Haplotype rows to use (one population's); all rows when None.

    Returns
    -------
    int64 array, shape (n_replicates,).
    """
    chosen = _selected_rows(genotypes, rows)
    offsets = np.asarray(offsets, dtype=np.int64)
    if chosen.ndim != 2 or offsets.ndim != 1 or offsets.size < 1 or offsets[-1] != chosen.shape[1]:
        raise ValueError(
            f"genotypes (shape {chosen.shape}) and offsets (shape {offsets.shape}, last value "
            f"{offsets[-1] if offsets.size else None}) do not describe the same shard"
        )
    if not 0.0 <= min_maf <= 0.5:
        raise ValueError(f"min_maf must lie in [0, 0.5], got {min_maf!r}")
    n_haplotypes = chosen.shape[0]
    counts = chosen.sum(axis=0, dtype=np.int64)
    minor_frequency = np.minimum(counts, n_haplotypes - counts) / max(n_haplotypes, 1)
    kept = np.concatenate([[0], np.cumsum(minor_frequency >= min_maf)])
    return kept[offsets[1:]] - kept[offsets[:-1]]


def padding_width(train_widths, multiple: int = WIDTH_MULTIPLE) -> int:
    """Zero-padding target: the largest training width rounded up to a multiple of ``multiple``.

    Parameters
    ----------
    train_widths : int array, shape (n_train,)
        Raw widths (sites after filtering) of the training images.
    multiple : int
        Paper value 10.

    Returns
    -------
    int, at least ``multiple``.
    """
    widths = _check_train_widths(train_widths)
    multiple = _positive_int("multiple", multiple)
    return max(multiple, multiple * math.ceil(int(widths.max()) / multiple))


def trimming_width(train_widths, multiple: int = WIDTH_MULTIPLE) -> int:
    """Trimming target: the smallest training width rounded down to a multiple of ``multiple``.

    Raises ``ValueError`` when that is 0 (an image narrower than ``multiple`` columns among
    the training images), since no image would be left.
    """
    widths = _check_train_widths(train_widths)
    multiple = _positive_int("multiple", multiple)
    width = multiple * (int(widths.min()) // multiple)
    if width == 0:
        raise ValueError(
            f"train_widths has an image of width {int(widths.min())} < {multiple}: trimming "
            "would leave no column; simulate longer regions"
        )
    return width


def target_width(
    method: str, train_widths=None, *, multiple: int = WIDTH_MULTIPLE, resize_width: int = RESIZE_WIDTH
) -> int:
    """The width all images get under ``method``, fixed from the training widths.

    ``"resize"``: ``resize_width`` (``train_widths`` unused); ``"zero_pad"``:
    :func:`padding_width`; ``"trim"``: :func:`trimming_width`.
    """
    if _check_method(method) == "resize":
        return _positive_int("resize_width", resize_width)
    if train_widths is None:
        raise ValueError(f"method {method!r} needs the training widths (train_widths)")
    if method == "zero_pad":
        return padding_width(train_widths, multiple)
    return trimming_width(train_widths, multiple)


def _check_batch(batch: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    batch = np.asarray(batch)
    widths = np.asarray(widths)
    if batch.ndim != 3:
        raise ValueError(f"batch must have shape (B, N, W_max), got shape {batch.shape}")
    if widths.shape != (batch.shape[0],) or (widths.size and not np.issubdtype(widths.dtype, np.integer)):
        raise ValueError(
            f"widths must be an integer array of shape ({batch.shape[0]},), got {widths.dtype} {widths.shape}"
        )
    widths = widths.astype(np.int64)
    if widths.size and (widths.min() < 0 or widths.max() > batch.shape[2]):
        raise ValueError(f"widths must lie in [0, {batch.shape[2]}], got [{widths.min()}, {widths.max()}]")
    return batch, widths


def centred_window(batch: np.ndarray, widths: np.ndarray, width: int) -> np.ndarray:
    """Centre every image in a window of ``width`` columns: zero-pad or trim, both centred.

    An image of width ``w <= width`` gets ``(width - w) // 2`` zero columns on the left and the
    rest on the right; an image of width ``w > width`` keeps columns
    ``(w - width) // 2 : (w - width) // 2 + width`` (Cecil & Sugden's conventions). All images
    are gathered with one ``take_along_axis``.

    Parameters
    ----------
    batch : array, shape (B, N, W_max)
        Zero-padded batch; image ``i`` is ``batch[i, :, :widths[i]]``.
    widths : int array, shape (B,)
    width : int
        Target width.

    Returns
    -------
    array of ``batch``'s dtype, shape (B, N, width).
    """
    batch, widths = _check_batch(batch, widths)
    width = _positive_int("width", width)
    n_images, n_rows, _ = batch.shape
    if batch.shape[2] == 0:
        return np.zeros((n_images, n_rows, width), dtype=batch.dtype)
    shift = np.where(widths <= width, (width - widths) // 2, -((widths - width) // 2))
    source = np.arange(width)[None, :] - shift[:, None]  # (B, width) source column of each column
    inside = (source >= 0) & (source < widths[:, None])
    gathered = np.take_along_axis(batch, np.clip(source, 0, batch.shape[2] - 1)[:, None, :], axis=2)
    gathered *= inside[:, None, :].astype(batch.dtype)
    return gathered


def _resized(
    batch: np.ndarray, widths: np.ndarray, size: tuple[int, int], sort_rows: bool, threshold: float
) -> np.ndarray:
    """Row sorting, resize and binarisation of a polarised batch, by ImaGene's pipeline.

    The batch goes back to the concatenated-sites form (one boolean gather) and through
    :func:`haplotype_images` with no frequency filter; its major/minor polarisation is a no-op
    on a polarised batch, which is checked so that no recoding happens silently.
    """
    inside = np.arange(batch.shape[2])[None, :] < widths[:, None]  # (B, W_max)
    counts = batch.sum(axis=1, dtype=np.int64)
    if np.any(2 * counts[inside] > batch.shape[1]):
        raise ValueError("method 'resize' expects a major/minor-polarised batch (1 = minor allele in every column)")
    genotypes = np.ascontiguousarray(batch.transpose(1, 0, 2)[:, inside], dtype=np.uint8)  # (N, sum(widths))
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
    sorting = "rows" if sort_rows else "none"
    return haplotype_images(genotypes, offsets, sorting=sorting, min_maf=0.0, size=size, threshold=threshold)


def standardise_widths(
    batch: np.ndarray,
    widths: np.ndarray,
    method: str,
    width: int,
    *,
    sort_rows: bool = True,
    height: int | None = None,
    threshold: float = 0.5,
) -> np.ndarray:
    """Give every image of a batch the same width (and sort its rows).

    Parameters
    ----------
    batch : uint8 array, shape (B, N, W_max), values 0/1
        Polarised, filtered haplotype images, zero-padded as
        :func:`genomic_dl.popgen.images.pad_replicates` returns them.
    widths : int array, shape (B,)
        Raw width of each image.
    method : ``"resize"``, ``"zero_pad"`` or ``"trim"``
    width : int
        Target width, from :func:`target_width` on the training widths.
    sort_rows : bool
        Group identical haplotypes, most frequent first
        (:func:`~genomic_dl.popgen.images.sort_rows_by_frequency`); see the module docstring
        for where it happens.
    height : int, optional
        ``"resize"`` only: output rows (default: ``N``, unchanged).
    threshold : float
        ``"resize"`` only: binarisation threshold (paper value 0.5).

    Returns
    -------
    uint8 array, shape (B, N, width), or (B, height, width) for ``"resize"``; values 0/1.
    """
    batch, widths = _check_batch(batch, widths)
    method = _check_method(method)
    width = _positive_int("width", width)
    if method == "resize":
        n_rows = batch.shape[1] if height is None else _positive_int("height", height)
        return _resized(batch, widths, (n_rows, width), sort_rows, threshold)
    if height is not None:
        raise ValueError(f"height is only used by method 'resize', got height={height!r} with {method!r}")
    images = centred_window(batch, widths, width).astype(np.uint8, copy=False)
    if sort_rows:
        images = sort_rows_by_frequency(images, np.full(len(images), width, dtype=np.int64))
    return images


def standardised_images(
    genotypes: np.ndarray,
    offsets: np.ndarray,
    method: str,
    width: int,
    *,
    sort_rows: bool = True,
    min_maf: float = 0.01,
    rows=None,
    height: int | None = None,
    threshold: float = 0.5,
) -> np.ndarray:
    """A shard's images under Cecil & Sugden's preprocessing.

    :func:`~genomic_dl.popgen.images.pad_replicates` -> major/minor polarisation -> drop sites
    with minor-allele frequency below ``min_maf`` -> :func:`standardise_widths`.

    Parameters
    ----------
    genotypes : uint8 array, shape (n_haplotypes, total_sites), 0/1 alleles.
    offsets : int64 array, shape (n_replicates + 1,), replicate boundaries.
    method, width, sort_rows, height, threshold : see :func:`standardise_widths`.
    min_maf : float
        Paper value 0.01.
    rows : index or boolean mask, optional
        Haplotype rows to use (one population of a multi-population shard); all when None.

    Returns
    -------
    uint8 array, shape (n_replicates, N, width) (``(n_replicates, height, width)`` for
    ``"resize"``).
    """
    batch, widths = pad_replicates(_selected_rows(genotypes, rows), offsets)
    batch = polarise_major_minor(batch, widths)
    batch, widths = filter_min_maf(batch, widths, min_maf)
    return standardise_widths(batch, widths, method, width, sort_rows=sort_rows, height=height, threshold=threshold)

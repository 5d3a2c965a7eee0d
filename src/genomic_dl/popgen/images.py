"""Vectorised ImaGene haplotype-image preprocessing.

This module turns a simulation *shard* into the fixed-size binary images used
by ImaGene (Torada et al. 2019).  A shard is

* ``genotypes`` -- ``uint8`` array of shape ``(n_haplotypes, total_sites)``
  holding 0/1 alleles, the replicates' sites concatenated along axis 1;
* ``offsets`` -- ``int64`` array of shape ``(n_replicates + 1,)``; replicate
  ``i`` owns columns ``offsets[i]:offsets[i + 1]``.

The pipeline reproduces ImaGene's per-image steps

    majorminor -> filter_freq(min_maf) -> sort('rows_freq' / 'cols_freq')
    -> skimage.transform.resize(order=1, mode='reflect', anti_aliasing=True)
    -> binarise at ``threshold``

but every step works on a whole batch of images at once:

* images of different widths are zero-padded into one ``(B, N, W_max)``
  array and each step only looks at the first ``widths[i]`` columns;
* identical rows/columns are grouped with one ``np.lexsort`` over bit-packed
  64-bit words of all images together;
* ``skimage.transform.resize`` is separable and linear, so it is computed as
  ``R @ X @ C.T`` with per-length matrices ``R`` (H x N) and ``C`` (W x w)
  obtained by resizing identity matrices with skimage itself (cached).

Tie rule for sorting: groups are ordered by descending size, ties by
descending lexicographic order of the bit pattern (first element most
significant).  This is what ImaGene's ``np.unique`` + ``counts.argsort()[::-1]``
gives with a stable argsort, and is deterministic on every platform.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

__all__ = [
    "SORTINGS",
    "binarise",
    "column_frequency_order",
    "filter_min_maf",
    "haplotype_images",
    "pad_replicates",
    "polarise_major_minor",
    "resize_images",
    "resize_matrix",
    "row_frequency_order",
    "sort_columns_by_frequency",
    "sort_rows_by_frequency",
    "sorted_haplotypes",
]

SORTINGS = ("none", "rows", "cols", "rows_cols")

# Images with a pixel whose float32 value lies this close to the binarisation
# threshold are recomputed with skimage itself, so that binarisation agrees
# with skimage's float64 result (the float32 error is ~1e-7).
_REFINE_BAND = 1e-5

# Number of images converted to float at once in resize (bounds peak memory).
_RESIZE_CHUNK = 256


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------
def _check_batch(batch: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    batch = np.asarray(batch)
    widths = np.asarray(widths, dtype=np.int64)
    if batch.ndim != 3:
        raise ValueError(f"batch must have shape (B, N, W_max), got shape {batch.shape}")
    if widths.shape != (batch.shape[0],):
        raise ValueError(f"widths must have shape ({batch.shape[0]},), got shape {widths.shape}")
    if widths.size and (widths.min() < 0 or widths.max() > batch.shape[2]):
        raise ValueError(f"widths must lie in [0, {batch.shape[2]}], got range [{widths.min()}, {widths.max()}]")
    return batch, widths


def _column_mask(widths: np.ndarray, w_max: int) -> np.ndarray:
    """Boolean (B, W_max): True for the columns inside each image's width."""
    return np.arange(w_max)[None, :] < widths[:, None]


# --------------------------------------------------------------------------
# 1. padding
# --------------------------------------------------------------------------
def _check_shard(genotypes: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    genotypes = np.asarray(genotypes)
    offsets = np.asarray(offsets)
    if genotypes.ndim != 2:
        raise ValueError(f"genotypes must have shape (n_haplotypes, total_sites), got shape {genotypes.shape}")
    if offsets.ndim != 1 or offsets.size < 1 or not np.issubdtype(offsets.dtype, np.integer):
        raise ValueError(
            f"offsets must be a 1-D integer array of length n_replicates + 1, "
            f"got dtype {offsets.dtype} and shape {offsets.shape}"
        )
    offsets = offsets.astype(np.int64)
    total = genotypes.shape[1]
    if offsets[0] != 0 or offsets[-1] != total or np.any(np.diff(offsets) < 0):
        raise ValueError(
            f"offsets inconsistent with genotypes: need offsets[0] == 0, non-decreasing "
            f"offsets and offsets[-1] == total_sites == {total}; got offsets[0] == "
            f"{offsets[0]}, offsets[-1] == {offsets[-1]}"
        )
    return np.ascontiguousarray(genotypes, dtype=np.uint8), offsets


def pad_replicates(genotypes: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut a shard into a zero-padded batch of images.

    Parameters
    ----------
    genotypes : uint8 array, shape (N, total_sites)
        0/1 alleles of ``N`` haplotypes, replicates concatenated along axis 1.
    offsets : int64 array, shape (B + 1,)
        Replicate ``i`` owns columns ``offsets[i]:offsets[i + 1]``; must start
        at 0, be non-decreasing and end at ``total_sites``.

    Returns
    -------
    batch : uint8 array, shape (B, N, W_max)
        ``batch[i, :, :widths[i]]`` is replicate ``i``; columns beyond an
        image's width are 0.  ``W_max = max(widths)`` (0 for an empty shard).
    widths : int64 array, shape (B,)
        Number of sites of each replicate.

    Raises
    ------
    ValueError
        If ``genotypes`` is not 2-D or ``offsets`` does not partition its
        columns.
    """
    geno, offsets = _check_shard(genotypes, offsets)
    widths = np.diff(offsets)
    n_img = widths.size
    n_hap, total = geno.shape
    w_max = int(widths.max()) if n_img else 0
    if n_img == 0 or w_max == 0 or n_hap == 0:
        return np.zeros((n_img, n_hap, w_max), dtype=np.uint8), widths
    starts = offsets[:-1]
    # A read-only strided view: window[s] is geno[:, s:s + w_max].  Fancy
    # indexing it with the start columns copies every image in one call.
    # Windows that would run past the end read from a small zero-padded copy
    # of the tail instead.
    fits = starts <= total - w_max
    batch = np.empty((n_img, n_hap, w_max), dtype=np.uint8)
    if fits.any():
        window = np.lib.stride_tricks.as_strided(
            geno,
            shape=(total - w_max + 1, n_hap, w_max),
            strides=(geno.strides[1], geno.strides[0], geno.strides[1]),
            writeable=False,
        )
        batch[fits] = window[starts[fits]]
    if not fits.all():
        first = int(starts[~fits].min())
        tail = np.zeros((n_hap, total - first + w_max), dtype=np.uint8)
        tail[:, : total - first] = geno[:, first:]
        window = np.lib.stride_tricks.as_strided(
            tail,
            shape=(total - first + 1, n_hap, w_max),
            strides=(tail.strides[1], tail.strides[0], tail.strides[1]),
            writeable=False,
        )
        batch[~fits] = window[starts[~fits] - first]
    # The windows overlap the next replicates: zero everything past the width.
    if widths.min() < w_max:
        batch *= _column_mask(widths, w_max)[:, None, :]
    return batch, widths


# --------------------------------------------------------------------------
# 2. polarisation
# --------------------------------------------------------------------------
def polarise_major_minor(batch: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Recode every column so that 1 is the minor allele (ImaGene ``majorminor``).

    A column is flipped (0 <-> 1) where the frequency of 1 is strictly above
    0.5; a column at exactly 0.5 is left unchanged.  Padding columns are 0
    and stay 0.

    Parameters
    ----------
    batch : uint8 array, shape (B, N, W_max), values 0/1, zero padding.
    widths : int64 array, shape (B,).

    Returns
    -------
    uint8 array, shape (B, N, W_max) -- a new array.
    """
    batch, widths = _check_batch(batch, widths)
    n_hap = batch.shape[1]
    counts = batch.sum(axis=1, dtype=np.int64)  # (B, W_max)
    flip = (2 * counts > n_hap) & _column_mask(widths, batch.shape[2])
    return batch ^ flip[:, None, :].astype(np.uint8)


# --------------------------------------------------------------------------
# 3. minor-allele-frequency filter
# --------------------------------------------------------------------------
def _compact_columns(batch: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move the kept columns of each image to the left (stable), zero the rest."""
    new_widths = keep.sum(axis=1).astype(np.int64)
    w_new = int(new_widths.max()) if new_widths.size else 0
    if keep.all():
        return batch.copy(), new_widths
    order = np.argsort(~keep, axis=1, kind="stable")[:, :w_new]  # (B, w_new)
    out = np.take_along_axis(batch, order[:, None, :], axis=2)
    out *= _column_mask(new_widths, w_new)[:, None, :]
    return out, new_widths


def filter_min_maf(batch: np.ndarray, widths: np.ndarray, min_maf: float) -> tuple[np.ndarray, np.ndarray]:
    """Keep the columns whose frequency of 1 is ``>= min_maf`` (ImaGene ``filter_freq``).

    Apply after :func:`polarise_major_minor`, so that the frequency of 1 is the
    minor-allele frequency.  The frequency is ``count / N`` in float64.
    Kept columns move left in their original order; the rest of each row is
    zero-filled.

    Parameters
    ----------
    batch : uint8 array, shape (B, N, W_max), values 0/1, zero padding.
    widths : int64 array, shape (B,).
    min_maf : float in [0, 0.5].

    Returns
    -------
    batch : uint8 array, shape (B, N, W_new) with ``W_new = max(new_widths)``.
    widths : int64 array, shape (B,) -- number of kept columns per image.
    """
    batch, widths = _check_batch(batch, widths)
    min_maf = _check_min_maf(min_maf)
    n_hap = batch.shape[1]
    valid = _column_mask(widths, batch.shape[2])
    if n_hap == 0:
        keep = valid & (min_maf <= 0.0)
    else:
        freq = batch.sum(axis=1, dtype=np.int64) / n_hap
        keep = valid & (freq >= min_maf)
    return _compact_columns(batch, keep)


# --------------------------------------------------------------------------
# 4. sorting by frequency
# --------------------------------------------------------------------------
def _pattern_order(words: np.ndarray, img_key: np.ndarray) -> np.ndarray:
    """Indices sorting items by (img_key, words[:, 0], words[:, 1], ...) ascending.

    Equivalent to ``np.lexsort([words[:, -1], ..., words[:, 0], img_key])`` up
    to the order of identical items, but cheaper: one sort on the first word
    and a (radix) sort on the image key, then an exact lexsort of only the
    items whose first word ties within their image.
    """
    order = np.argsort(words[:, 0])
    key_dtype = np.uint16 if img_key.size and img_key.max() < 2**16 else np.int64
    order = order[np.argsort(img_key[order].astype(key_dtype), kind="stable")]
    if words.shape[1] == 1 or order.size < 2:
        return order
    s_first = words[order, 0]
    s_key = img_key[order]
    same = (s_first[1:] == s_first[:-1]) & (s_key[1:] == s_key[:-1])
    if not same.any():
        return order
    in_run = np.zeros(order.size, dtype=bool)
    in_run[1:] |= same
    in_run[:-1] |= same
    pos = np.flatnonzero(in_run)
    run = np.concatenate([[0], np.cumsum(~same)])[pos]
    sub = order[pos]
    keys = [words[sub, k] for k in range(words.shape[1] - 1, 0, -1)] + [run]
    order[pos] = sub[np.lexsort(keys)]
    return order


def _group_order(words: np.ndarray, image: np.ndarray, is_pad: np.ndarray | None, per_image: int) -> np.ndarray:
    """Frequency order of the items (rows or columns) of all images at once.

    Parameters
    ----------
    words : uint64 (B * per_image, n_words) bit patterns, item-major by image.
    image : int64 (B * per_image,) image index of each item (non-decreasing).
    is_pad : bool (B * per_image,) or None -- padding items go last, untouched
        by grouping.
    per_image : number of items per image.

    Returns
    -------
    int64 (B, per_image): ``perm[i, j]`` is the index (within image ``i``) of
    the item placed at position ``j``.
    """
    total = image.size
    n_img = total // per_image if per_image else 0
    if total == 0:
        return np.zeros((n_img, per_image), np.int64)
    img_key = image * 2 + is_pad if is_pad is not None else image
    order = _pattern_order(words, img_key)  # ascending by (image, [pad], pattern)
    s_words = words[order]
    s_img_key = img_key[order]
    new_group = np.empty(total, dtype=bool)
    new_group[0] = True
    new_group[1:] = np.any(s_words[1:] != s_words[:-1], axis=1) | (s_img_key[1:] != s_img_key[:-1])
    gid = np.cumsum(new_group) - 1
    count = np.bincount(gid)[gid]  # group size of every sorted item
    s_img = image[order]
    pos = np.arange(total, dtype=np.int64) - s_img * per_image  # rank within image
    m = per_image
    rank_count = m - count  # 0 .. m-1, smaller = larger group
    if is_pad is not None:
        rank_count = np.where(is_pad[order], m, rank_count)
    # image asc, group size desc, pattern desc (= ascending rank reversed).
    # All keys are distinct, so an unstable sort is exact.
    key = (s_img * (m + 1) + rank_count) * m + (m - 1 - pos)
    final = order[np.argsort(key)]
    return (final - image[final] * per_image).reshape(n_img, per_image)


def sort_rows_by_frequency(batch: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """ImaGene ``sort('rows_freq')`` for a whole batch.

    Identical rows (over the first ``widths[i]`` columns) are grouped; groups
    are placed top to bottom by descending size, ties by descending
    lexicographic order of the row (first column most significant); copies
    of a row are contiguous.  Padding columns are zero, take no part and stay
    zero.

    Parameters
    ----------
    batch : uint8 array, shape (B, N, W_max), values 0/1, zero padding.
    widths : int64 array, shape (B,).

    Returns
    -------
    uint8 array, shape (B, N, W_max) -- a new array.
    """
    batch, widths = _check_batch(batch, widths)
    perm = row_frequency_order(batch, widths)
    n_img, n_hap, w_max = batch.shape
    flat = (perm + (np.arange(n_img, dtype=np.int64) * n_hap)[:, None]).ravel()
    return batch.reshape(n_img * n_hap, w_max)[flat].reshape(n_img, n_hap, w_max)


def row_frequency_order(batch: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Row permutation of :func:`sort_rows_by_frequency`.

    Returns int64 (B, N): ``perm[i, j]`` is the original row placed at row ``j``.
    """
    batch, widths = _check_batch(batch, widths)
    n_img, n_hap, _w_max = batch.shape
    if n_img * n_hap == 0:
        return np.zeros((n_img, n_hap), np.int64)
    # Pack each row; bits beyond an image's width are masked off in the packed
    # bytes, so padding never affects equality or lexicographic order.
    packed = np.packbits(batch, axis=2)  # (B, N, ceil(W_max / 8))
    n_bytes = packed.shape[2]
    n_words = max(1, -(-n_bytes // 8))
    bit_valid = _column_mask(widths, 8 * n_bytes)  # (B, 8 * n_bytes)
    byte_mask = np.packbits(bit_valid, axis=1)  # (B, n_bytes)
    buf = np.zeros((n_img, n_hap, 8 * n_words), np.uint8)
    np.bitwise_and(packed, byte_mask[:, None, :], out=buf[:, :, :n_bytes])
    words = buf.reshape(n_img * n_hap, 8 * n_words).view(">u8").astype(np.uint64)
    image = np.repeat(np.arange(n_img, dtype=np.int64), n_hap)
    return _group_order(words, image, None, n_hap)


def _column_order_transposed(columns: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Column permutation from the transposed batch ``columns`` (B, W_max, N)."""
    n_img, w_max, _ = columns.shape
    # Pack every column (contiguous here): (B * W_max, ceil(N / 8)) bytes.
    packed = np.packbits(columns.reshape(n_img * w_max, -1), axis=1)
    n_bytes = packed.shape[1]
    n_words = max(1, -(-n_bytes // 8))
    buf = np.zeros((n_img * w_max, 8 * n_words), np.uint8)
    buf[:, :n_bytes] = packed
    words = buf.view(">u8").astype(np.uint64)
    image = np.repeat(np.arange(n_img, dtype=np.int64), w_max)
    is_pad = ~_column_mask(widths, w_max).ravel()
    return _group_order(words, image, is_pad, w_max)


def column_frequency_order(batch: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Column permutation of :func:`sort_columns_by_frequency`.

    Returns int64 (B, W_max): ``perm[i, j]`` is the original column placed at
    column ``j``; padding columns come last (in some order -- they are zero).
    """
    batch, widths = _check_batch(batch, widths)
    n_img, _, w_max = batch.shape
    if n_img * w_max == 0:
        return np.zeros((n_img, w_max), np.int64)
    return _column_order_transposed(np.ascontiguousarray(batch.transpose(0, 2, 1)), widths)


def sort_columns_by_frequency(batch: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """ImaGene ``sort('cols_freq')`` for a whole batch.

    Identical columns (among the first ``widths[i]``) are grouped; groups are
    placed left to right by descending size, ties by descending lexicographic
    order of the column (first row most significant); copies contiguous.
    Padding columns stay at the right and stay zero.

    Parameters
    ----------
    batch : uint8 array, shape (B, N, W_max), values 0/1, zero padding.
    widths : int64 array, shape (B,).

    Returns
    -------
    uint8 array, shape (B, N, W_max) -- a new array.
    """
    batch, widths = _check_batch(batch, widths)
    n_img, n_hap, w_max = batch.shape
    if n_img * w_max == 0:
        return batch.copy()
    # Work on the transposed batch, where a column is a contiguous record.
    columns = np.ascontiguousarray(batch.transpose(0, 2, 1))  # (B, W_max, N)
    perm = _column_order_transposed(columns, widths)
    flat = (perm + (np.arange(n_img, dtype=np.int64) * w_max)[:, None]).ravel()
    columns = columns.reshape(n_img * w_max, n_hap)[flat]
    # Padding columns were placed last; zero them in case the input's were not.
    columns = columns.reshape(n_img, w_max, n_hap)
    if widths.min() < w_max:
        columns *= _column_mask(widths, w_max)[:, :, None]
    return np.ascontiguousarray(columns.transpose(0, 2, 1))


# --------------------------------------------------------------------------
# 5. resize as linear maps
# --------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def _resize_matrix64(n_in: int, n_out: int) -> np.ndarray:
    from skimage.transform import resize

    eye = np.eye(n_in, dtype=np.float64)
    mat = resize(eye, (n_out, n_in), order=1, mode="reflect", anti_aliasing=True)
    mat = np.ascontiguousarray(mat, dtype=np.float64)
    mat.setflags(write=False)
    return mat


@functools.lru_cache(maxsize=1024)
def _resize_matrix32(n_in: int, n_out: int) -> np.ndarray:
    mat = _resize_matrix64(n_in, n_out).astype(np.float32)
    mat.setflags(write=False)
    return mat


def resize_matrix(n_in: int, n_out: int, dtype=np.float64) -> np.ndarray:
    """The (n_out, n_in) matrix of 1-D skimage resizing along one axis.

    ``skimage.transform.resize(x, (H, W), order=1, mode='reflect',
    anti_aliasing=True)`` of an (N, w) image equals
    ``resize_matrix(N, H) @ x @ resize_matrix(w, W).T``: the anti-aliasing
    Gaussian and the order-1 zoom are both separable and linear.  The matrix
    is obtained by resizing an identity matrix with skimage itself and is
    cached (read-only).
    """
    n_in, n_out = int(n_in), int(n_out)
    if n_in < 1 or n_out < 1:
        raise ValueError(f"resize_matrix needs n_in >= 1 and n_out >= 1, got {n_in}, {n_out}")
    if np.dtype(dtype) == np.float32:
        return _resize_matrix32(n_in, n_out)
    return _resize_matrix64(n_in, n_out)


def _check_size(size: Sequence[int]) -> tuple[int, int]:
    try:
        h, w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be a pair of positive integers, got {size!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"size must be a pair of positive integers, got {size!r}")
    return h, w


def _resize_core(
    batch: np.ndarray,
    widths: np.ndarray,
    size: tuple[int, int],
    dtype,
    row_perm: np.ndarray | None = None,
) -> np.ndarray:
    """Resize all images, grouped by width; width-0 images give zeros.

    ``row_perm`` (int (B, N), optional) reorders the rows of every image on
    the fly (as :func:`sort_rows_by_frequency` would) while gathering them.
    """
    n_img, n_hap, w_max = batch.shape
    h, w_out = size
    out = np.zeros((n_img, h, w_out), dtype=dtype)
    if n_img == 0 or n_hap == 0:
        return out
    rows = resize_matrix(n_hap, h, dtype)
    rows_identity = n_hap == h and np.array_equal(rows, np.eye(h, dtype=dtype))
    flat = batch.reshape(n_img * n_hap, w_max)
    hap = np.arange(n_hap, dtype=np.int64)
    for w in np.unique(widths):
        w = int(w)
        if w == 0:
            continue
        cols_t = np.ascontiguousarray(resize_matrix(w, w_out, dtype).T)  # (w, W)
        idx_all = np.flatnonzero(widths == w)
        for start in range(0, idx_all.size, _RESIZE_CHUNK):
            idx = idx_all[start : start + _RESIZE_CHUNK]
            k = idx.size
            src_rows = idx[:, None] * n_hap + (hap[None, :] if row_perm is None else row_perm[idx])
            x = flat[src_rows.ravel(), :w].astype(dtype)  # (k * N, w)
            y = (x @ cols_t).reshape(k, n_hap, w_out)
            if rows_identity:
                out[idx] = y
            else:
                # (H, N) @ (N, k*W) in one product.
                z = rows @ y.transpose(1, 0, 2).reshape(n_hap, k * w_out)
                out[idx] = z.reshape(h, k, w_out).transpose(1, 0, 2)
    return out


def resize_images(batch: np.ndarray, widths: np.ndarray, size: Sequence[int] = (128, 128)) -> np.ndarray:
    """ImaGene's ``skimage.transform.resize`` for a whole batch.

    For each image returns what
    ``skimage.transform.resize(batch[i, :, :widths[i]].astype(float), size,
    order=1, mode='reflect', anti_aliasing=True)`` returns, computed as
    ``R @ X @ C.T`` with cached per-length matrices (see :func:`resize_matrix`)
    in float32 (agreement with skimage ~1e-6).  Images of width 0 become
    all zeros.

    Parameters
    ----------
    batch : uint8 (or numeric) array, shape (B, N, W_max).
    widths : int64 array, shape (B,).
    size : (H, W) output size.

    Returns
    -------
    float32 array, shape (B, H, W).
    """
    batch, widths = _check_batch(batch, widths)
    return _resize_core(batch, widths, _check_size(size), np.float32)


def binarise(images: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """``uint8`` image with 1 where ``images >= threshold``, else 0."""
    return (np.asarray(images) >= threshold).astype(np.uint8)


# --------------------------------------------------------------------------
# 6. full pipeline
# --------------------------------------------------------------------------
def _check_min_maf(min_maf) -> float:
    try:
        value = float(min_maf)
    except (TypeError, ValueError):
        raise ValueError(f"min_maf must be a number in [0, 0.5], got {min_maf!r}") from None
    if not 0.0 <= value <= 0.5:  # also rejects NaN
        raise ValueError(f"min_maf must lie in [0, 0.5], got {min_maf!r}")
    return value


def _check_threshold(threshold) -> float:
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise ValueError(f"threshold must be a number in (0, 1), got {threshold!r}") from None
    if not 0.0 < value < 1.0:
        raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}")
    return value


def sorted_haplotypes(
    genotypes: np.ndarray, offsets: np.ndarray, *, sorting: str = "rows", min_maf: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    """ImaGene preprocessing up to, not including, the resize: the images at their raw widths.

    :func:`pad_replicates` -> :func:`polarise_major_minor` -> :func:`filter_min_maf` -> sorting
    (rows, then columns for ``"rows_cols"``). Returns ``(batch, widths)`` as
    :func:`pad_replicates` does: uint8 (B, N, W_max), zero beyond ``widths[i]`` columns.
    :func:`haplotype_images` gives the same images resized, faster.
    """
    if sorting not in SORTINGS:
        raise ValueError(f"sorting must be one of {SORTINGS}, got {sorting!r}")
    batch, widths = pad_replicates(genotypes, offsets)
    batch = polarise_major_minor(batch, widths)
    batch, widths = filter_min_maf(batch, widths, _check_min_maf(min_maf))
    if sorting in ("rows", "rows_cols"):
        batch = sort_rows_by_frequency(batch, widths)
    if sorting in ("cols", "rows_cols"):
        batch = sort_columns_by_frequency(batch, widths)
    return batch, widths


def haplotype_images(
    genotypes: np.ndarray,
    offsets: np.ndarray,
    *,
    sorting: str = "rows",
    min_maf: float = 0.01,
    size: Sequence[int] = (128, 128),
    threshold: float = 0.5,
) -> np.ndarray:
    """Full ImaGene preprocessing of a shard into binary images.

    Steps, in ImaGene's order: :func:`pad_replicates` ->
    :func:`polarise_major_minor` -> :func:`filter_min_maf` -> sorting ->
    :func:`resize_images` -> binarise (``value >= threshold`` -> 1).

    Parameters
    ----------
    genotypes : uint8 array, shape (N, total_sites), 0/1 alleles.
    offsets : int64 array, shape (B + 1,), replicate boundaries.
    sorting : one of :data:`SORTINGS`: ``"none"``, ``"rows"`` (rows_freq),
        ``"cols"`` (cols_freq) or ``"rows_cols"`` (rows then columns).
    min_maf : minimum minor-allele frequency in [0, 0.5].
    size : (H, W) output size.
    threshold : binarisation threshold in (0, 1).

    Returns
    -------
    uint8 array, shape (B, H, W), values 0/1.  An image left with no column
    after filtering is all zeros.

    Notes
    -----
    The resize runs in float32 (error ~1e-7).  Images with any pixel within
    1e-5 of ``threshold`` are recomputed with ``skimage.transform.resize``
    itself (a short loop over those few images), so the binary images equal
    the per-image skimage pipeline exactly, including exact ties such as
    values of exactly 0.5.
    """
    if sorting not in SORTINGS:
        raise ValueError(f"sorting must be one of {SORTINGS}, got {sorting!r}")
    min_maf = _check_min_maf(min_maf)
    threshold = _check_threshold(threshold)
    size = _check_size(size)

    geno, offsets = _check_shard(genotypes, offsets)
    if geno.size and geno.max() > 1:
        raise ValueError(f"genotypes must hold 0/1 alleles, found value {int(geno.max())}")
    n_hap, _ = geno.shape
    widths = np.diff(offsets)
    n_img = widths.size
    if n_img == 0 or n_hap == 0:
        return np.zeros((n_img, *size), dtype=np.uint8)

    # Polarisation and the MAF filter act column by column, so they are done
    # on the concatenated shard before padding (same result as
    # polarise_major_minor + filter_min_maf on the padded batch).
    count = geno.sum(axis=0, dtype=np.uint16 if n_hap < 2**16 else np.int64).astype(np.int64)
    flip = 2 * count > n_hap
    minor_freq = np.where(flip, n_hap - count, count) / n_hap
    keep = minor_freq >= min_maf
    if not keep.all():
        site_image = np.repeat(np.arange(n_img), widths)
        widths = np.bincount(site_image[keep], minlength=n_img).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        geno = np.compress(keep, geno, axis=1)
        flip = flip[keep]
        if flip.any():
            np.bitwise_xor(geno, flip.view(np.uint8), out=geno)
    elif flip.any():
        geno = geno ^ flip.view(np.uint8)
    batch, widths = pad_replicates(geno, offsets)

    row_perm = None
    if sorting in ("rows", "rows_cols"):
        row_perm = row_frequency_order(batch, widths)
    if sorting in ("cols", "rows_cols"):
        if row_perm is not None:
            n_img, _, w_max = batch.shape
            flat = (row_perm + (np.arange(n_img, dtype=np.int64) * n_hap)[:, None]).ravel()
            batch = batch.reshape(n_img * n_hap, w_max)[flat].reshape(n_img, n_hap, w_max)
            row_perm = None
        batch = sort_columns_by_frequency(batch, widths)

    values = _resize_core(batch, widths, size, np.float32, row_perm)
    out = (values >= threshold).view(np.uint8)
    # float32 agrees with skimage to ~1e-7; images with a pixel this close to
    # the threshold are recomputed with skimage itself so that binarisation
    # is identical to ImaGene's (exact ties such as 0.5 do occur).
    values -= np.float32(threshold)
    np.abs(values, out=values)
    near = values < _REFINE_BAND
    if near.any():
        from skimage.transform import resize

        for i in np.flatnonzero(near.any(axis=(1, 2))):
            image = batch[i, :, : widths[i]]
            if row_perm is not None:
                image = image[row_perm[i]]
            exact = resize(image.astype(float), size, order=1, mode="reflect", anti_aliasing=True)
            out[i] = exact >= threshold
    return out

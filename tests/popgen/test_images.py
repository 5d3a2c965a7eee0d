"""Tests of the vectorised ImaGene image preprocessing (genomic_dl.popgen.images)."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.transform import resize as sk_resize

from genomic_dl.popgen import images as im
from genomic_dl.popgen.images import (
    SORTINGS,
    filter_min_maf,
    haplotype_images,
    pad_replicates,
    polarise_major_minor,
    resize_images,
    resize_matrix,
    sort_columns_by_frequency,
    sort_rows_by_frequency,
    sorted_haplotypes,
)


# --------------------------------------------------------------------------
# helpers: a naive per-image reference, written like the original ImaGene code
# --------------------------------------------------------------------------
def shard_from_images(images):
    """Concatenate a list of (N, w_i) 0/1 images into (genotypes, offsets)."""
    n_hap = images[0].shape[0]
    widths = [img.shape[1] for img in images]
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
    genotypes = (np.concatenate(images, axis=1) if sum(widths) else np.zeros((n_hap, 0))).astype(np.uint8)
    return genotypes, offsets


def batch_from_images(images):
    genotypes, offsets = shard_from_images(images)
    return pad_replicates(genotypes, offsets)


def naive_polarise(img):
    img = img.copy()
    idx = np.where(np.mean(img, axis=0) > 0.5)[0]
    img[:, idx] = 1 - img[:, idx]
    return img


def naive_filter(img, min_maf):
    return img[:, np.mean(img, axis=0) >= min_maf]


def naive_sort(img, axis):
    """np.unique + stable argsort of the counts, reversed (documented tie rule)."""
    if img.shape[1] == 0:
        return img
    uniques, counts = np.unique(img, return_counts=True, axis=axis)
    order = np.argsort(counts, kind="stable")[::-1]
    if axis == 0:
        return np.repeat(uniques[order], counts[order], axis=0)
    return np.repeat(uniques[:, order], counts[order], axis=1)


def naive_pipeline(img, sorting, min_maf, size, threshold):
    img = naive_filter(naive_polarise(img), min_maf)
    if img.shape[1] == 0:
        return np.zeros(size, np.uint8)
    if sorting in ("rows", "rows_cols"):
        img = naive_sort(img, 0)
    if sorting in ("cols", "rows_cols"):
        img = naive_sort(img, 1)
    out = sk_resize(img.astype(float), size, order=1, mode="reflect", anti_aliasing=True)
    return (out >= threshold).astype(np.uint8)


def random_images(rng, n, n_hap, w_lo, w_hi, p_hi=0.6):
    """Random 0/1 images with duplicated rows/columns (so grouping matters)."""
    out = []
    for _ in range(n):
        w = int(rng.integers(w_lo, w_hi + 1))
        p = rng.uniform(0.02, p_hi, size=w)
        base = (rng.random((max(2, n_hap // 3), w)) < p).astype(np.uint8)
        img = base[rng.integers(0, base.shape[0], size=n_hap)]  # many identical rows
        if w > 2:
            dup = rng.integers(0, w, size=w // 3)
            img[:, rng.integers(0, w, size=w // 3)] = img[:, dup]  # identical columns
        out.append(img)
    return out


# --------------------------------------------------------------------------
# padding
# --------------------------------------------------------------------------
def test_pad_replicates_hand_made():
    a = np.array([[1, 0, 1], [0, 1, 1]])
    b = np.array([[1], [0]])
    c = np.array([[0, 1], [1, 1]])
    genotypes, offsets = shard_from_images([a, b, c])
    batch, widths = pad_replicates(genotypes, offsets)
    assert batch.dtype == np.uint8 and widths.dtype == np.int64
    assert batch.shape == (3, 2, 3)
    np.testing.assert_array_equal(widths, [3, 1, 2])
    np.testing.assert_array_equal(batch[0], a)
    np.testing.assert_array_equal(batch[1], [[1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(batch[2], [[0, 1, 0], [1, 1, 0]])


def test_pad_replicates_empty_replicate():
    genotypes, offsets = shard_from_images([np.ones((2, 2)), np.ones((2, 0)), np.ones((2, 1))])
    batch, widths = pad_replicates(genotypes, offsets)
    np.testing.assert_array_equal(widths, [2, 0, 1])
    np.testing.assert_array_equal(batch[1], 0)
    np.testing.assert_array_equal(batch[2], [[1, 0], [1, 0]])


# --------------------------------------------------------------------------
# polarisation and MAF filter
# --------------------------------------------------------------------------
def test_polarise_flips_only_strict_majority_of_ones():
    # column frequencies of 1: 0.75 (flip), 0.5 (stays), 0.25 (stays), 1.0 (flip)
    img = np.array(
        [
            [1, 1, 0, 1],
            [1, 1, 0, 1],
            [1, 0, 1, 1],
            [0, 0, 0, 1],
        ]
    )
    wide = np.ones((4, 6), dtype=np.uint8)  # forces padding on the first image
    batch, widths = batch_from_images([img, wide])
    out = polarise_major_minor(batch, widths)
    expected = np.array(
        [
            [0, 1, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
            [1, 0, 0, 0],
        ]
    )
    np.testing.assert_array_equal(out[0, :, :4], expected)
    np.testing.assert_array_equal(out[0, :, 4:], 0)  # padding stays 0
    np.testing.assert_array_equal(out[1], 0)  # all-ones columns become all zeros
    np.testing.assert_array_equal(batch[0, :, :4], img)  # input untouched


def test_filter_min_maf_keeps_threshold_column_and_order():
    # N = 8; frequencies 1/8, 0, 2/8, 3/8, 1/8
    img = np.zeros((8, 5), dtype=np.uint8)
    img[0, 0] = 1
    img[:2, 2] = 1
    img[2:5, 3] = 1
    img[7, 4] = 1
    batch, widths = batch_from_images([img, np.zeros((8, 7))])
    out, new_widths = filter_min_maf(batch, widths, 0.25)  # 2/8 == 0.25 exactly
    np.testing.assert_array_equal(new_widths, [2, 0])
    np.testing.assert_array_equal(out[0, :, :2], img[:, [2, 3]])
    np.testing.assert_array_equal(out[0, :, 2:], 0)
    np.testing.assert_array_equal(out[1], 0)

    out, new_widths = filter_min_maf(batch, widths, 0.125)
    np.testing.assert_array_equal(new_widths, [4, 0])
    np.testing.assert_array_equal(out[0, :, :4], img[:, [0, 2, 3, 4]])

    out, new_widths = filter_min_maf(batch, widths, 0.0)  # keeps monomorphic columns
    np.testing.assert_array_equal(new_widths, [5, 7])
    np.testing.assert_array_equal(out[0, :, :5], img)


# --------------------------------------------------------------------------
# sorting
# --------------------------------------------------------------------------
def test_row_sort_hand_made_with_ties():
    img = np.array(
        [
            [0, 1, 0],  # A (count 2)
            [1, 0, 0],  # B (count 2)
            [0, 0, 1],  # C (count 1)
            [1, 0, 0],  # B
            [0, 1, 0],  # A
            [1, 1, 1],  # D (count 3)
            [1, 1, 1],  # D
            [1, 1, 1],  # D
            [0, 0, 0],  # E (count 1)
        ]
    )
    # D first (3 copies); A and B tie at 2 -> descending bit pattern: B=100 > A=010;
    # C and E tie at 1 -> C=001 > E=000.
    expected = np.array(
        [
            [1, 1, 1],
            [1, 1, 1],
            [1, 1, 1],
            [1, 0, 0],
            [1, 0, 0],
            [0, 1, 0],
            [0, 1, 0],
            [0, 0, 1],
            [0, 0, 0],
        ]
    )
    batch, widths = batch_from_images([img])
    np.testing.assert_array_equal(sort_rows_by_frequency(batch, widths)[0], expected)
    np.testing.assert_array_equal(naive_sort(img, 0), expected)  # reference agrees


def test_column_sort_hand_made_with_ties():
    img = np.array(
        [
            [1, 0, 1, 0, 0, 1],
            [0, 1, 0, 1, 0, 1],
            [0, 0, 0, 1, 1, 1],
        ]
    )
    # columns: a=100 (x2), b=010 (x1), c=011 (x1), d=001 (x1), e=111 (x1)
    # a first; singletons by descending pattern: 111, 011, 010, 001
    expected = np.array(
        [
            [1, 1, 1, 0, 0, 0],
            [0, 0, 1, 1, 1, 0],
            [0, 0, 1, 1, 0, 1],
        ]
    )
    batch, widths = batch_from_images([img, np.zeros((3, 9))])
    out = sort_columns_by_frequency(batch, widths)
    np.testing.assert_array_equal(out[0, :, :6], expected)
    np.testing.assert_array_equal(out[0, :, 6:], 0)
    np.testing.assert_array_equal(naive_sort(img, 1), expected)


def test_column_sort_does_not_mix_zero_columns_with_padding():
    # two genuine all-zero columns (as after min_maf=0) must group together
    # and stay inside the width; padding stays at the right.
    img = np.array(
        [
            [0, 1, 0, 1],
            [0, 0, 0, 1],
        ]
    )
    batch, widths = batch_from_images([img, np.ones((2, 8))])
    out = sort_columns_by_frequency(batch, widths)
    np.testing.assert_array_equal(out[0], [[0, 0, 1, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0]])


@pytest.mark.parametrize("sorter", [sort_rows_by_frequency, sort_columns_by_frequency])
def test_padding_does_not_change_sorting(sorter):
    rng = np.random.default_rng(0)
    img = random_images(rng, 1, 16, 70, 70)[0]  # 70 columns: packed words are ragged
    wide = random_images(rng, 1, 16, 200, 200)[0]
    alone = sorter(*batch_from_images([img]))[0]
    batch, widths = batch_from_images([wide, img])
    together = sorter(batch, widths)
    np.testing.assert_array_equal(together[1, :, :70], alone)
    np.testing.assert_array_equal(together[1, :, 70:], 0)


def test_row_sort_ignores_non_zero_padding():
    img = np.array([[0, 1], [1, 0], [1, 0]], dtype=np.uint8)
    batch = np.zeros((1, 3, 4), dtype=np.uint8)
    batch[0, :, :2] = img
    batch[0, 1, 2:] = 1  # garbage in padding would make row 1 unique
    out = sort_rows_by_frequency(batch, np.array([2]))
    np.testing.assert_array_equal(out[0, :, :2], [[1, 0], [1, 0], [0, 1]])


def test_row_permuted_image_sorts_identically():
    rng = np.random.default_rng(1)
    imgs = random_images(rng, 5, 40, 60, 140)
    permuted = [img[rng.permutation(img.shape[0])] for img in imgs]
    a = sort_rows_by_frequency(*batch_from_images(imgs))
    b = sort_rows_by_frequency(*batch_from_images(permuted))
    np.testing.assert_array_equal(a, b)


def test_sorting_matches_naive_reference_on_random_batches():
    rng = np.random.default_rng(2)
    imgs = random_images(rng, 40, 24, 1, 150)
    batch, widths = batch_from_images(imgs)
    rows = sort_rows_by_frequency(batch, widths)
    cols = sort_columns_by_frequency(batch, widths)
    for i, img in enumerate(imgs):
        w = img.shape[1]
        np.testing.assert_array_equal(rows[i, :, :w], naive_sort(img, 0))
        np.testing.assert_array_equal(cols[i, :, :w], naive_sort(img, 1))
        assert not rows[i, :, w:].any() and not cols[i, :, w:].any()


def test_row_sort_with_first_word_ties():
    # rows equal on the first 64 columns but differing later exercise the
    # tie-breaking on later packed words.
    rng = np.random.default_rng(3)
    head = (rng.random((3, 64)) < 0.3).astype(np.uint8)
    tails = (rng.random((5, 90)) < 0.3).astype(np.uint8)
    img = np.concatenate([head[rng.integers(0, 3, 30)], tails[rng.integers(0, 5, 30)]], axis=1)
    out = sort_rows_by_frequency(*batch_from_images([img]))[0]
    np.testing.assert_array_equal(out, naive_sort(img, 0))


# --------------------------------------------------------------------------
# resize
# --------------------------------------------------------------------------
@pytest.mark.parametrize("width", [1, 37, 128, 256, 300])
def test_resize_matches_skimage(width):
    rng = np.random.default_rng(width)
    imgs = [(rng.random((100, width)) < 0.3).astype(np.uint8) for _ in range(3)]
    imgs.append((rng.random((100, 90)) < 0.3).astype(np.uint8))  # mixed widths in a batch
    batch, widths = batch_from_images(imgs)
    out = resize_images(batch, widths, size=(128, 128))
    assert out.dtype == np.float32 and out.shape == (4, 128, 128)
    for i, img in enumerate(imgs):
        ref = sk_resize(img.astype(float), (128, 128), order=1, mode="reflect", anti_aliasing=True)
        np.testing.assert_allclose(out[i], ref, rtol=0, atol=1e-5)


def test_resize_non_square_output_and_zero_width():
    rng = np.random.default_rng(4)
    img = (rng.random((50, 80)) < 0.4).astype(np.uint8)
    batch, widths = batch_from_images([img, np.zeros((50, 0))])
    out = resize_images(batch, widths, size=(32, 64))
    ref = sk_resize(img.astype(float), (32, 64), order=1, mode="reflect", anti_aliasing=True)
    np.testing.assert_allclose(out[0], ref, atol=1e-5)
    np.testing.assert_array_equal(out[1], 0)


def test_resize_matrix_is_cached_read_only_and_identity_for_equal_sizes():
    m = resize_matrix(128, 128)
    np.testing.assert_array_equal(m, np.eye(128))
    assert resize_matrix(300, 128) is resize_matrix(300, 128)
    assert not resize_matrix(300, 128).flags.writeable
    assert resize_matrix(300, 128).shape == (128, 300)


# --------------------------------------------------------------------------
# full pipeline and binarisation
# --------------------------------------------------------------------------
def test_pipeline_known_answer_without_resampling():
    # 128 x 128 in, 128 x 128 out: resize is the identity, so the result is
    # exactly the polarised, row-sorted image.
    rng = np.random.default_rng(5)
    img = random_images(rng, 1, 128, 128, 128, p_hi=0.9)[0]
    genotypes, offsets = shard_from_images([img])
    out = haplotype_images(genotypes, offsets, sorting="rows", min_maf=0.0, size=(128, 128), threshold=0.5)
    assert out.dtype == np.uint8 and out.shape == (1, 128, 128)
    np.testing.assert_array_equal(out[0], naive_sort(naive_polarise(img), 0))


def test_binarisation_threshold():
    # 4 x 2 image resized to 4 x 4: rows are unchanged, the row [1, 0] becomes
    # [0.75, 0.75, 0.25, 0.25] (linear interpolation with mirror edges, no
    # anti-aliasing when enlarging).  Column 0 has frequency exactly 0.5, so
    # polarisation leaves it alone; min_maf = 0 keeps the all-zero column.
    img = np.array([[1, 0], [1, 0], [0, 0], [0, 0]], dtype=np.uint8)
    genotypes, offsets = shard_from_images([img])
    values = resize_images(*batch_from_images([img]), size=(4, 4))[0]
    ref = sk_resize(img.astype(float), (4, 4), order=1, mode="reflect", anti_aliasing=True)
    np.testing.assert_allclose(ref[0], [0.75, 0.75, 0.25, 0.25], atol=1e-12)
    np.testing.assert_allclose(values, ref, atol=1e-6)
    cases = [(0.25, [1, 1, 1, 1]), (0.5, [1, 1, 0, 0]), (0.75, [1, 1, 0, 0]), (0.8, [0, 0, 0, 0])]
    for threshold, expected in cases:  # value == threshold gives 1
        out = haplotype_images(genotypes, offsets, sorting="none", min_maf=0.0, size=(4, 4), threshold=threshold)
        np.testing.assert_array_equal(out[0], [expected, expected, [0] * 4, [0] * 4])


@pytest.mark.parametrize("sorting", SORTINGS)
def test_pipeline_matches_naive_reference(sorting):
    rng = np.random.default_rng(6)
    imgs = random_images(rng, 12, 64, 20, 300)
    imgs.append(np.zeros((64, 40), dtype=np.uint8))  # everything filtered -> zeros
    genotypes, offsets = shard_from_images(imgs)
    out = haplotype_images(genotypes, offsets, sorting=sorting, min_maf=0.05, size=(128, 128), threshold=0.5)
    assert out.shape == (13, 128, 128) and out.dtype == np.uint8
    for i, img in enumerate(imgs):
        np.testing.assert_array_equal(out[i], naive_pipeline(img, sorting, 0.05, (128, 128), 0.5))
    np.testing.assert_array_equal(out[-1], 0)


def test_pipeline_exact_half_values_match_skimage():
    # width 256 -> 128 halves: skimage gives values of exactly 0.5, which must
    # binarise exactly as skimage's float64 result does.
    rng = np.random.default_rng(7)
    imgs = [(rng.random((128, 256)) < 0.3).astype(np.uint8) for _ in range(4)]
    refs = [naive_pipeline(img, "rows", 0.0, (128, 128), 0.5) for img in imgs]
    genotypes, offsets = shard_from_images(imgs)
    out = haplotype_images(genotypes, offsets, sorting="rows", min_maf=0.0, size=(128, 128), threshold=0.5)
    for i in range(4):
        np.testing.assert_array_equal(out[i], refs[i])


def test_pipeline_equals_composition_of_public_steps():
    rng = np.random.default_rng(8)
    imgs = random_images(rng, 10, 32, 10, 200)
    genotypes, offsets = shard_from_images(imgs)
    batch, widths = pad_replicates(genotypes, offsets)
    batch = polarise_major_minor(batch, widths)
    batch, widths = filter_min_maf(batch, widths, 0.1)
    batch = sort_columns_by_frequency(sort_rows_by_frequency(batch, widths), widths)
    expected = (resize_images(batch, widths, (64, 64)) >= 0.4).astype(np.uint8)
    out = haplotype_images(genotypes, offsets, sorting="rows_cols", min_maf=0.1, size=(64, 64), threshold=0.4)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("sorting", SORTINGS)
def test_sorted_haplotypes_are_the_pipeline_before_resizing(sorting):
    rng = np.random.default_rng(9)
    genotypes, offsets = shard_from_images(random_images(rng, 6, 32, 10, 120))
    batch, widths = sorted_haplotypes(genotypes, offsets, sorting=sorting, min_maf=0.05)
    expected = haplotype_images(genotypes, offsets, sorting=sorting, min_maf=0.05, size=(48, 48), threshold=0.4)
    np.testing.assert_array_equal((resize_images(batch, widths, (48, 48)) >= 0.4).astype(np.uint8), expected)
    # Polarised: no kept column has 1 as its majority allele.
    for image, width in zip(batch, widths):
        assert np.all(2 * image[:, :width].sum(axis=0) <= image.shape[0])


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------
@pytest.fixture
def shard():
    return shard_from_images([np.eye(4, dtype=np.uint8), np.ones((4, 2), dtype=np.uint8)])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sorting": "rows_freq"}, "rows_freq"),
        ({"min_maf": 0.6}, "0.6"),
        ({"min_maf": -0.1}, "-0.1"),
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": 1.0}, "threshold"),
        ({"size": (0, 128)}, "size"),
    ],
)
def test_bad_arguments_raise(shard, kwargs, message):
    genotypes, offsets = shard
    args = {"sorting": "rows", "min_maf": 0.01, "size": (16, 16), "threshold": 0.5} | kwargs
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        haplotype_images(genotypes, offsets, **args)


@pytest.mark.parametrize(
    "offsets",
    [np.array([0, 4, 7]), np.array([1, 4, 6]), np.array([0, 5, 4, 6]), np.array([[0, 6]])],
)
def test_inconsistent_offsets_raise(shard, offsets):
    genotypes, _ = shard
    with pytest.raises(ValueError, match="offsets"):
        haplotype_images(genotypes, offsets, sorting="none", min_maf=0.0, size=(8, 8), threshold=0.5)
    with pytest.raises(ValueError, match="offsets"):
        pad_replicates(genotypes, offsets)


def test_sortings_constant():
    assert SORTINGS == ("none", "rows", "cols", "rows_cols")
    assert im.SORTINGS is SORTINGS


@pytest.mark.parametrize("sorting", ["rows", "cols"])
def test_skimage_fallback_for_near_threshold_pixels(monkeypatch, sorting):
    # Force every image through the exact skimage fallback used for pixels
    # near the threshold; it must give the same images as the fast path.
    rng = np.random.default_rng(9)
    imgs = random_images(rng, 6, 48, 30, 200)
    genotypes, offsets = shard_from_images(imgs)
    kwargs = {"sorting": sorting, "min_maf": 0.05, "size": (64, 64), "threshold": 0.5}
    fast = haplotype_images(genotypes, offsets, **kwargs)
    monkeypatch.setattr(im, "_REFINE_BAND", 2.0)
    slow = haplotype_images(genotypes, offsets, **kwargs)
    np.testing.assert_array_equal(fast, slow)
    for i, img in enumerate(imgs):
        np.testing.assert_array_equal(slow[i], naive_pipeline(img, sorting, 0.05, (64, 64), 0.5))


def test_non_binary_genotypes_raise(shard):
    genotypes, offsets = shard
    genotypes = genotypes.copy()
    genotypes[0, 0] = 2
    with pytest.raises(ValueError, match="0/1"):
        haplotype_images(genotypes, offsets, sorting="none", min_maf=0.0, size=(8, 8), threshold=0.5)


def test_all_columns_filtered_gives_zero_images():
    genotypes, offsets = shard_from_images([np.zeros((8, 4)), np.ones((8, 6))])
    for sorting in SORTINGS:
        out = haplotype_images(genotypes, offsets, sorting=sorting, min_maf=0.01, size=(4, 4), threshold=0.5)
        assert out.shape == (2, 4, 4) and not out.any()


def test_binarise_is_greater_or_equal():
    from genomic_dl.popgen.images import binarise

    out = binarise(np.array([0.0, 0.4999999, 0.5, 0.7]), 0.5)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [0, 0, 1, 1])

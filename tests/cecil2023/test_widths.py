"""Tests of Cecil & Sugden's width standardisation (genomic_dl.cecil2023.widths)."""

from __future__ import annotations

import numpy as np
import pytest

from genomic_dl.cecil2023.widths import (
    centred_window,
    filtered_widths,
    padding_width,
    standardise_widths,
    standardised_images,
    target_width,
    trimming_width,
)
from genomic_dl.popgen import images as im


def random_shard(rng, n_haplotypes, widths):
    """A random 0/1 shard (genotypes, offsets) with the given replicate widths."""
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
    genotypes = (rng.random((n_haplotypes, offsets[-1])) < rng.random(offsets[-1])).astype(np.uint8)
    return genotypes, offsets


def naive_window(image, width):
    """Per-image reference: centred zero-padding or trimming of one (N, w) image."""
    w = image.shape[1]
    if w <= width:
        left = (width - w) // 2
        return np.pad(image, ((0, 0), (left, width - w - left)))
    start = (w - width) // 2
    return image[:, start : start + width]


def test_padding_and_trimming_widths_round_to_multiples_of_ten():
    widths = np.array([153, 97, 210, 118])
    assert padding_width(widths) == 210  # already a multiple of 10
    assert padding_width(np.array([211, 5])) == 220
    assert trimming_width(widths) == 90
    assert trimming_width(np.array([100, 250])) == 100
    assert padding_width(widths, multiple=25) == 225
    assert target_width("zero_pad", widths) == 210
    assert target_width("trim", widths) == 90
    assert target_width("resize", None) == 128


def test_trimming_width_refuses_to_trim_everything():
    with pytest.raises(ValueError, match="no column"):
        trimming_width(np.array([9, 300]))
    with pytest.raises(ValueError, match="train_widths"):
        padding_width(np.array([], dtype=np.int64))
    with pytest.raises(ValueError, match="method"):
        target_width("crop", np.array([10]))
    with pytest.raises(ValueError, match="train_widths"):
        target_width("zero_pad")


def test_centred_window_on_a_hand_made_batch():
    # column j of image i holds j + 1, so the gathered columns identify their sources
    widths = np.array([3, 6, 7, 5])
    batch = np.zeros((4, 2, 7), dtype=np.int64)
    for i, w in enumerate(widths):
        batch[i, :, :w] = np.arange(1, w + 1)
    out = centred_window(batch, widths, 5)
    assert out.shape == (4, 2, 5)
    np.testing.assert_array_equal(out[0, 0], [0, 1, 2, 3, 0])  # pad 1 left, 1 right
    np.testing.assert_array_equal(out[1, 0], [1, 2, 3, 4, 5])  # trim (6 - 5) // 2 = 0 left
    np.testing.assert_array_equal(out[2, 0], [2, 3, 4, 5, 6])  # trim 1 left, 1 right
    np.testing.assert_array_equal(out[3, 0], [1, 2, 3, 4, 5])  # unchanged
    np.testing.assert_array_equal(centred_window(batch[:1], widths[:1], 6)[0, 0], [0, 1, 2, 3, 0, 0])


@pytest.mark.parametrize("method", ["zero_pad", "trim"])
def test_pad_and_trim_match_a_per_image_reference(method):
    rng = np.random.default_rng(1)
    genotypes, offsets = random_shard(rng, 12, rng.integers(15, 60, size=30))
    batch, widths = im.pad_replicates(genotypes, offsets)
    width = target_width(method, widths)
    out = standardise_widths(batch, widths, method, width, sort_rows=False)
    assert out.shape == (30, 12, width) and out.dtype == np.uint8
    for i, w in enumerate(widths):
        np.testing.assert_array_equal(out[i], naive_window(batch[i, :, :w], width))
    if method == "zero_pad":  # nothing is lost when padding
        np.testing.assert_array_equal(out.sum(axis=(1, 2)), batch.sum(axis=(1, 2)))


def test_rows_are_sorted_on_the_trimmed_window():
    # rows 0 and 1 differ only in the first column, which trimming removes: in the window
    # they are identical, so together they form the most frequent haplotype (2 of 4)
    image = np.array(
        [
            [1, 0, 0, 1, 0],
            [0, 0, 0, 1, 0],
            [0, 1, 1, 0, 0],
            [0, 0, 1, 0, 0],
        ],
        dtype=np.uint8,
    )
    batch, widths = image[None], np.array([5])
    out = standardise_widths(batch, widths, "trim", 3, sort_rows=True)[0]
    window = image[:, 1:4]
    np.testing.assert_array_equal(out[:2], window[[0, 0]])  # the pair comes first
    np.testing.assert_array_equal(out, im.sort_rows_by_frequency(window[None], np.array([3]))[0])
    # with padding, sorting before or after adding zero columns is the same
    padded = standardise_widths(batch, widths, "zero_pad", 9, sort_rows=True)[0]
    sorted_first = im.sort_rows_by_frequency(batch, widths)[0]
    np.testing.assert_array_equal(padded, naive_window(sorted_first, 9))


def test_test_images_outside_the_training_range_get_the_target_width():
    image = np.ones((3, 14), dtype=np.uint8)
    wide = standardise_widths(image[None], np.array([14]), "zero_pad", 10, sort_rows=False)
    narrow = standardise_widths(image[None, :, :6], np.array([6]), "trim", 10, sort_rows=False)
    assert wide.shape == narrow.shape == (1, 3, 10)
    assert wide.all()  # trimmed centrally to the padding width
    np.testing.assert_array_equal(narrow[0, 0], [0, 0, 1, 1, 1, 1, 1, 1, 0, 0])  # padded centrally


def test_resize_equals_the_imagene_pipeline():
    rng = np.random.default_rng(2)
    genotypes, offsets = random_shard(rng, 32, rng.integers(8, 90, size=25))
    ours = standardised_images(genotypes, offsets, "resize", 40, sort_rows=True, min_maf=0.05)
    reference = im.haplotype_images(genotypes, offsets, sorting="rows", min_maf=0.05, size=(32, 40))
    assert ours.shape == (25, 32, 40)
    np.testing.assert_array_equal(ours, reference)
    unsorted = standardised_images(genotypes, offsets, "resize", 40, sort_rows=False, min_maf=0.05, height=16)
    np.testing.assert_array_equal(
        unsorted, im.haplotype_images(genotypes, offsets, sorting="none", min_maf=0.05, size=(16, 40))
    )


def test_filtered_widths_and_population_rows():
    rng = np.random.default_rng(3)
    genotypes, offsets = random_shard(rng, 20, rng.integers(5, 40, size=12))
    batch, widths = im.pad_replicates(genotypes, offsets)
    _, expected = im.filter_min_maf(im.polarise_major_minor(batch, widths), widths, 0.1)
    np.testing.assert_array_equal(filtered_widths(genotypes, offsets, min_maf=0.1), expected)
    rows = np.arange(20) % 2 == 0
    np.testing.assert_array_equal(
        standardised_images(genotypes, offsets, "zero_pad", 50, rows=rows),
        standardised_images(genotypes[rows], offsets, "zero_pad", 50),
    )
    np.testing.assert_array_equal(
        filtered_widths(genotypes, offsets, rows=rows), filtered_widths(genotypes[rows], offsets)
    )


def test_bad_arguments_are_named():
    batch, widths = np.zeros((2, 3, 4), np.uint8), np.array([4, 2])
    with pytest.raises(ValueError, match="method"):
        standardise_widths(batch, widths, "crop", 4)
    with pytest.raises(ValueError, match="height"):
        standardise_widths(batch, widths, "trim", 4, height=3)
    with pytest.raises(ValueError, match="widths"):
        standardise_widths(batch, np.array([5, 1]), "trim", 4)
    with pytest.raises(ValueError, match="width"):
        centred_window(batch, widths, 0)
    with pytest.raises(ValueError, match="polarised"):
        standardise_widths(np.ones((1, 3, 4), np.uint8), np.array([4]), "resize", 8)

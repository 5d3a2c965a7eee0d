"""Tests of Cecil & Sugden's data sets (genomic_dl.cecil2023.data)."""

from __future__ import annotations

import numpy as np
import pytest

from genomic_dl.cecil2023.data import (
    dataset_split,
    images_for_width,
    load_dataset,
    load_shard,
    prepare_images,
)
from genomic_dl.io import save_arrays

PREPROCESSING = {"min_maf": 0.01, "resize": [8, 16], "threshold": 0.5, "width_multiple": 10}


def write_shard(path, rng, widths, n_rows=6, populations=("YRI", "CEU"), length=1000.0):
    """A random shard: rows alternate between the populations; sites evenly spread per region."""
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
    genotypes = (rng.random((n_rows, offsets[-1])) < 0.4).astype(np.uint8)
    positions = np.concatenate([np.linspace(0, length, w + 2)[1:-1] for w in widths])
    save_arrays(
        path,
        {"populations": list(populations), "scenario": {"sequence_length": length}},
        genotypes=genotypes,
        offsets=offsets,
        positions=positions,
        haplotype_population=(np.arange(n_rows) % len(populations)).astype(np.int8),
    )
    return genotypes, offsets, positions


def test_load_shard_selects_population_rows_first_haplotypes_and_central_window(tmp_path):
    genotypes, offsets, positions = write_shard(tmp_path / "a.npz", np.random.default_rng(1), [4, 6])
    g, o, p = load_shard(tmp_path / "a.npz", population="CEU")
    np.testing.assert_array_equal(g, genotypes[1::2])
    np.testing.assert_array_equal(o, offsets)
    g, _, _ = load_shard(tmp_path / "a.npz", population="CEU", max_haplotypes=2)
    np.testing.assert_array_equal(g, genotypes[[1, 3]])
    # region 0: sites at 200, 400, 600, 800; region 1: 1000/7 * (1..6); window 500 keeps |x - 500| <= 250
    g, o, p = load_shard(tmp_path / "a.npz", window_bp=500)
    keep = np.abs(positions - 500) <= 250
    np.testing.assert_array_equal(o, [0, 2, 2 + int(keep[4:].sum())])
    np.testing.assert_array_equal(g, genotypes[:, keep])
    np.testing.assert_allclose(p, positions[keep])
    with pytest.raises(ValueError, match="no population 'CHB'"):
        load_shard(tmp_path / "a.npz", population="CHB")
    with pytest.raises(ValueError, match="fewer than max_haplotypes"):
        load_shard(tmp_path / "a.npz", population="YRI", max_haplotypes=4)


def test_load_dataset_concatenates_classes_in_order(tmp_path):
    rng = np.random.default_rng(2)
    _g0, _, _ = write_shard(tmp_path / "n0.npz", rng, [3, 5])
    g1, _, _ = write_shard(tmp_path / "s0.npz", rng, [4])
    g2, _, _ = write_shard(tmp_path / "s1.npz", rng, [2, 2, 6])
    data = load_dataset([[tmp_path / "n0.npz"], [tmp_path / "s0.npz", tmp_path / "s1.npz"]])
    assert data.n_regions == 6
    np.testing.assert_array_equal(data.labels, [0, 0, 1, 1, 1, 1])
    np.testing.assert_array_equal(data.offsets, [0, 3, 8, 12, 14, 16, 22])
    np.testing.assert_array_equal(data.source, [[0, 0], [0, 1], [1, 0], [2, 0], [2, 1], [2, 2]])
    np.testing.assert_array_equal(data.region(2)[0], g1)
    np.testing.assert_array_equal(data.region(5)[0], g2[:, 4:])
    write_shard(tmp_path / "other.npz", rng, [3], n_rows=8)
    with pytest.raises(ValueError, match="other.npz: 8 haplotype rows"):
        load_dataset([[tmp_path / "n0.npz"], [tmp_path / "other.npz"]])


def test_dataset_split_depends_on_the_seed_only():
    labels = np.repeat([0, 1], 50)
    first, again, other = dataset_split(labels, 7), dataset_split(labels, 7), dataset_split(labels, 8)
    np.testing.assert_array_equal(first.test, again.test)
    assert not np.array_equal(first.test, other.test)
    assert (first.train.size, first.valid.size, first.test.size) == (80, 10, 10)
    assert np.bincount(labels[first.test]).tolist() == [5, 5]


def test_prepare_images_fixes_the_width_on_the_training_regions(tmp_path):
    rng = np.random.default_rng(3)
    widths = np.array([31, 12, 47, 25, 58, 18, 40, 22])
    write_shard(tmp_path / "n.npz", rng, widths[:4])
    write_shard(tmp_path / "s.npz", rng, widths[4:])
    data = load_dataset([[tmp_path / "n.npz"], [tmp_path / "s.npz"]])
    split = dataset_split(data.labels, 1, (0.5, 0.25, 0.25))
    settings = {**PREPROCESSING, "min_maf": 0.0}  # every random column is kept (polymorphic or not)
    images, raw, width = prepare_images(data, split, "zero_pad", "rows", settings)
    np.testing.assert_array_equal(raw, widths)
    assert width == 10 * int(np.ceil(widths[split.train].max() / 10)) and images.shape == (8, 6, width)
    images, _, width = prepare_images(data, split, "trim", "none", settings)
    assert width == 10 * (widths[split.train].min() // 10) and images.shape == (8, 6, width)
    # unsorted, trimmed: the central window of each region, major/minor polarised (1 = minor)
    region = data.region(0)[0]
    polarised = np.where(2 * region.sum(axis=0) > region.shape[0], 1 - region, region)
    start = (widths[0] - width) // 2
    np.testing.assert_array_equal(images[0], polarised[:, start : start + width])
    resized, _, width = prepare_images(data, split, "resize", "rows", settings)
    assert width == 16 and resized.shape == (8, 8, 16) and set(np.unique(resized)) <= {0, 1}
    again = images_for_width(data, "trim", 10, "none", settings)
    assert again.shape == (8, 6, 10)
    with pytest.raises(ValueError, match="sorting"):
        images_for_width(data, "trim", 10, "cols", settings)


def test_images_for_width_is_the_same_with_worker_processes(tmp_path, monkeypatch):
    from genomic_dl.cecil2023 import data as cecil_data

    rng = np.random.default_rng(4)
    write_shard(tmp_path / "n.npz", rng, np.array([31, 12, 47, 25, 9]))
    data = load_dataset([[tmp_path / "n.npz"], [tmp_path / "n.npz"]])
    settings = {**PREPROCESSING, "min_maf": 0.0}
    serial = images_for_width(data, "resize", 16, "rows", settings)
    monkeypatch.setattr(cecil_data, "CHUNK", 3)  # 10 regions -> chunks of 3, 3, 3, 1
    np.testing.assert_array_equal(images_for_width(data, "resize", 16, "rows", settings, workers=3), serial)

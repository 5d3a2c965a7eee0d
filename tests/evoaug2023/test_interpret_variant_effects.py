"""Saturation mutagenesis, log-ratio variant scoring, windows, CAGI5 parsing, Pearson per element."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import pearsonr
from torch import nn

from genomic_dl.evoaug2023.filters import ALPHABET
from genomic_dl.evoaug2023.variant_effects import (
    centred_windows,
    check_reference_alleles,
    element_window,
    model_predict_fn,
    parse_cagi5,
    pearson_per_element,
    saturation_mutagenesis,
    score_variants,
    substitute_alleles,
)


def one_hot(sequence: str) -> np.ndarray:
    codes = np.array([ALPHABET.index(base) for base in sequence])
    return np.eye(4, dtype=np.float32)[codes].T


def test_saturation_mutagenesis_enumerates_every_single_nucleotide_variant():
    rng = np.random.default_rng(0)
    length = 25
    x_ref = np.eye(4, dtype=np.float32)[rng.integers(0, 4, length)].T
    variants, table = saturation_mutagenesis(x_ref)
    assert variants.shape == (3 * length, 4, length)
    assert list(table.columns) == ["position", "ref", "alt"] and len(table) == 3 * length
    np.testing.assert_array_equal(variants.sum(axis=1), 1.0)

    differs = (variants != x_ref[None]).any(axis=1)  # (3L, L)
    np.testing.assert_array_equal(differs.sum(axis=1), 1)
    np.testing.assert_array_equal(differs.argmax(axis=1), table["position"])
    letters = np.array(list(ALPHABET))
    rows = np.arange(len(table))
    np.testing.assert_array_equal(letters[variants[rows, :, table["position"]].argmax(axis=1)], table["alt"])
    np.testing.assert_array_equal(letters[x_ref[:, table["position"]].argmax(axis=0)], table["ref"])
    assert (table["ref"] != table["alt"]).all()
    assert len({variant.tobytes() for variant in variants}) == 3 * length
    assert (table.groupby("position")["alt"].nunique() == 3).all()


def test_substitute_and_check_reference_alleles():
    x_ref = one_hot("ACGTAC")
    variants = substitute_alleles(x_ref, [0, 5, 2], ["g", "T", "A"])
    np.testing.assert_array_equal(variants[0], one_hot("GCGTAC"))
    np.testing.assert_array_equal(variants[1], one_hot("ACGTAT"))
    np.testing.assert_array_equal(variants[2], one_hot("ACATAC"))
    np.testing.assert_array_equal(substitute_alleles(x_ref, [0, 5, 2], [2, 3, 0]), variants)
    check_reference_alleles(x_ref, [0, 3], ["A", "T"])
    with pytest.raises(ValueError, match=r"1 of 2 reference alleles .*\(3, 'G', 'T'\)"):
        check_reference_alleles(x_ref, [0, 3], ["A", "G"])
    with pytest.raises(ValueError, match=r"alt_bases must be bases among 'ACGT', found \['N'\]"):
        substitute_alleles(x_ref, [0], ["N"])


def counts_of_a_and_g(x: np.ndarray) -> np.ndarray:
    """Two 'tasks': number of A and number of G in each sequence, shape (N, 2)."""
    return np.stack([x[:, 0].sum(axis=-1), x[:, 2].sum(axis=-1)], axis=1)


def test_score_variants_log_ratio_of_task_mean():
    x_ref = one_hot("ACGT")  # A = 1, G = 1 -> mean 1
    x_alt = np.stack([one_hot("AAGT"), one_hot("TCGT"), one_hot("ACCT"), one_hot("AGGT")])
    # task means: (2+1)/2, (0+1)/2, (1+0)/2, (1+2)/2
    scores = score_variants(counts_of_a_and_g, x_ref, x_alt, epsilon=0.0)
    np.testing.assert_allclose(scores, np.log([1.5, 0.5, 0.5, 1.5]))
    only_a = score_variants(counts_of_a_and_g, x_ref, x_alt, task_indices=[0], epsilon=1e-7)
    np.testing.assert_allclose(only_a[[0, 2, 3]], np.log([2.0, 1.0, 1.0]), rtol=1e-6)
    # A count 0: finite thanks to epsilon, log(1e-7 / (1 + 1e-7))
    assert only_a[1] == pytest.approx(np.log(1e-7 / (1 + 1e-7)))
    with pytest.raises(ValueError, match="negative"):
        score_variants(lambda x: counts_of_a_and_g(x) - 5, x_ref, x_alt)


def test_model_predict_fn_applies_sigmoid_per_task():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4 * 6, 3))
    x = np.stack([one_hot("ACGTAC"), one_hot("TTTTTT"), one_hot("GGCCAA")])
    logits = model(torch.from_numpy(x)).detach().double().numpy()
    probabilities = model_predict_fn(model, "cpu", batch_size=2)(x)
    np.testing.assert_allclose(probabilities, 1 / (1 + np.exp(-logits)), rtol=1e-6)
    np.testing.assert_allclose(model_predict_fn(model, "cpu", output_activation="identity")(x), logits, rtol=1e-6)


def test_centred_windows_and_element_window():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 4, 50)
    sequence = np.eye(4, dtype=np.float32)[codes].T
    windows = centred_windows(sequence, [10, 30], width=8)
    assert windows.shape == (2, 4, 8)
    np.testing.assert_array_equal(windows[0], sequence[:, 6:14])
    np.testing.assert_array_equal(windows[1, :, 4], sequence[:, 30])  # centre at width // 2
    with pytest.raises(ValueError, match="must fit"):
        centred_windows(sequence, [3], width=8)

    start, offsets = element_window([1001, 1100, 1200], width=600)
    assert start == 1099 - 300  # 0-based centre (1000 + 1199) // 2 = 1099
    np.testing.assert_array_equal(offsets, [201, 300, 400])
    with pytest.raises(ValueError, match="more than the window width"):
        element_window([1, 700], width=600)


def test_parse_cagi5_hand_written_file(tmp_path):
    path = tmp_path / "F9.tsv"
    path.write_text(
        "## CAGI5 regulation saturation, release file\n"
        "#Chrom\tPos\tRef\tAlt\tValue\tConfidence\n"
        "X\t138612624\tA\tG\t-0.35\t0.81\n"
        "\n"
        "chrX\t138612625\tc\tT\t1.02\t0.12\n"
    )
    table = parse_cagi5(path)
    assert list(table.columns) == ["chrom", "pos", "ref", "alt", "value", "confidence", "element"]
    assert table["chrom"].tolist() == ["X", "X"]
    assert table["pos"].tolist() == [138612624, 138612625] and table["pos"].dtype == np.int64
    assert table["ref"].tolist() == ["A", "C"] and table["alt"].tolist() == ["G", "T"]
    np.testing.assert_allclose(table["value"], [-0.35, 1.02])
    np.testing.assert_allclose(table["confidence"], [0.81, 0.12])
    assert (table["element"] == "F9").all()
    assert (parse_cagi5(path, element="F9_promoter")["element"] == "F9_promoter").all()

    bad = tmp_path / "bad.tsv"
    bad.write_text("#Chrom\tPos\tRef\tAlt\tValue\tConfidence\nX\t1\tA\tG\t0.1\n")
    with pytest.raises(ValueError, match=r"bad\.tsv:2: expected 6 tab-separated fields"):
        parse_cagi5(bad)
    bad.write_text("X\t1\tA\tN\t0.1\t0.5\n")
    with pytest.raises(ValueError, match=r"bad\.tsv:1: ref and alt"):
        parse_cagi5(bad)


def test_pearson_per_element_known_and_against_scipy():
    elements = ["a", "a", "a", "b", "b", "b"]
    measured = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    predicted = np.array([2.0, 4.0, 6.0, 3.0, 2.0, 1.0])
    per_element, mean = pearson_per_element(elements, measured, predicted)
    assert per_element.to_dict() == pytest.approx({"a": 1.0, "b": -1.0})
    assert mean == pytest.approx(0.0)

    rng = np.random.default_rng(2)
    labels = rng.choice(["F9", "LDLR", "SORT1"], size=300)
    measured = rng.normal(size=300)
    predicted = 0.5 * measured + rng.normal(size=300)
    per_element, mean = pearson_per_element(labels, measured, predicted)
    for element in ["F9", "LDLR", "SORT1"]:
        chosen = labels == element
        assert per_element[element] == pytest.approx(pearsonr(measured[chosen], predicted[chosen])[0])
    assert mean == pytest.approx(per_element.mean())

    constant = pearson_per_element(["a"] * 3 + ["b"] * 3, [1, 2, 3, 1, 2, 3], [0.1] * 3 + [1, 2, 4])[0]
    assert np.isnan(constant["a"]) and np.isfinite(constant["b"])
    assert isinstance(constant, pd.Series)

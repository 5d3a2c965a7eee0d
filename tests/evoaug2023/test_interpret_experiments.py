"""The per-model interpretation analyses (genomic_dl.evoaug2023.interpretation), on hand-made
models and sequences whose results can be worked out by hand."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[2] / ".numba_cache"))

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from genomic_dl.evoaug2023 import grammar
from genomic_dl.evoaug2023 import interpretation as E
from genomic_dl.evoaug2023 import synthetic as S
from genomic_dl.evoaug2023 import variant_sets as V
from genomic_dl.evoaug2023.filters import filter_pwms, first_layer_activations
from genomic_dl.evoaug2023.tomtom import jaspar_motifs


def one_hot(sequence: str) -> np.ndarray:
    return V.one_hot_dna(sequence).astype(np.float32)


class MotifModel(nn.Module):
    """One 'same'-padded conv filter of width 3 that scores ACG (+1 per matching base), a ReLU
    after subtracting 2 (so only a full ACG activates, with 1), and the sum as output."""

    def __init__(self, length: int) -> None:
        super().__init__()
        self.first_conv = nn.Conv1d(4, 1, 3, padding="same", bias=False)
        with torch.no_grad():
            self.first_conv.weight.copy_(torch.from_numpy(one_hot("ACG"))[None])
        self.first_activation = nn.ReLU()
        self.length = length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.shape[-1] == self.length
        return self.first_activation(self.first_conv(x) - 2.0).sum(dim=(1, 2))[:, None]


def test_model_label():
    assert E.model_label("standard", "standard") == "standard"
    assert E.model_label("evoaug", "finetuned") == "evoaug_finetuned"


def test_random_tail_and_append_tail():
    tail = E.random_tail(5, np.random.default_rng(0))
    assert tail.shape == (4, 5) and (tail.sum(axis=0) == 1).all()
    assert E.random_tail(0, np.random.default_rng(0)).shape == (4, 0)
    x = np.stack([one_hot("AAAA"), one_hot("CCCC")])
    padded = E.append_tail(x, tail)
    assert padded.shape == (2, 4, 9) and padded.dtype == np.float32
    np.testing.assert_array_equal(padded[:, :, :4], x)
    np.testing.assert_array_equal(padded[1, :, 4:], tail)
    assert E.append_tail(one_hot("ACG"), tail).shape == (4, 8)
    with pytest.raises(ValueError, match="n_bases"):
        E.random_tail(-1, np.random.default_rng(0))


def test_mask_tail_windows_same_padding():
    # input of 6 = 4 sequence + 2 tail, filter width 3, 'same': activation i sees [i - 1, i + 2)
    activations = np.ones((1, 2, 6), dtype=np.float32)
    masked = E._mask_tail_windows(activations, input_length=6, length=4, filter_width=3)
    # windows ending after position 4 start at >= 2, i.e. activation index >= 3
    np.testing.assert_array_equal(masked[0, 0], [1, 1, 1, 0, 0, 0])
    assert activations.all()  # not modified in place
    # valid convolution: activation i sees [i, i + 3); 4 activations, window 2 ends at 5 > 4
    valid = E._mask_tail_windows(np.ones((1, 1, 4)), input_length=6, length=4, filter_width=3)
    np.testing.assert_array_equal(valid[0, 0], [1, 1, 0, 0])


def test_filter_motifs_aligns_acg_and_ignores_the_tail():
    # ACG occurs once in each sequence; the tail is ACG too but must not be aligned
    x = np.stack([one_hot("TTACGTTT"), one_hot("ACGTTTTT"), one_hot("TTTTTACG")])
    tail = one_hot("ACG")
    model = MotifModel(length=11)
    motifs = E.filter_motifs(model, x, threshold_fraction=0.5, min_information_bits=1.0, tail=tail)
    assert motifs.pwms.shape == (1, 4, 3)
    assert motifs.n_windows.tolist() == [3]
    np.testing.assert_allclose(motifs.pwms[0], one_hot("ACG"))
    np.testing.assert_allclose(motifs.clipped[0], one_hot("ACG"))
    assert motifs.names == ["filter000"]
    np.testing.assert_allclose(motifs.information, [6.0])


def test_filter_motifs_in_chunks_equals_one_pass():
    torch.manual_seed(1)
    model = MotifModel(length=20)
    with torch.no_grad():
        model.first_conv.weight.normal_()
    rng = np.random.default_rng(3)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (9, 20))].transpose(0, 2, 1)
    whole = E.filter_motifs(model, x, threshold_fraction=0.5, min_information_bits=0.2, chunk_size=100)
    parts = E.filter_motifs(model, x, threshold_fraction=0.5, min_information_bits=0.2, chunk_size=2, batch_size=1)
    np.testing.assert_allclose(parts.pwms, whole.pwms)
    np.testing.assert_array_equal(parts.n_windows, whole.n_windows)
    # the same as filter_pwms over all activations at once (no tail)
    activations = first_layer_activations(model, model.first_activation, x)
    pwms, n_windows = filter_pwms(x, activations, 3, 0.5)
    np.testing.assert_allclose(whole.pwms, pwms)
    np.testing.assert_array_equal(whole.n_windows, n_windows)


def test_filter_pwms_with_given_maxima():
    x = np.stack([one_hot("ACGT"), one_hot("TTTT")])
    activations = np.array([[[1.0, 0.0]], [[0.0, 0.4]]])  # valid conv of width 3: windows at 0 and 1
    pwms, n = filter_pwms(x, activations, 3, 0.5)
    assert n.tolist() == [1]  # only 1.0 > 0.5 * 1.0
    pwms, n = filter_pwms(x[1:], activations[1:], 3, 0.5, maxima=np.array([0.6]))
    assert n.tolist() == [1]  # 0.4 > 0.5 * 0.6
    np.testing.assert_allclose(pwms[0], one_hot("TTT"))
    pwms, n = filter_pwms(x[1:], activations[1:], 3, 0.5, maxima=np.array([1.0]))
    assert n.tolist() == [0]
    with pytest.raises(ValueError, match="maxima"):
        filter_pwms(x, activations, 3, 0.5, maxima=np.array([1.0, 2.0]))


def test_filter_motifs_without_any_activation_gives_an_empty_motif():
    x = np.stack([one_hot("TTTTTTTT")])
    motifs = E.filter_motifs(MotifModel(length=8), x, threshold_fraction=0.5, min_information_bits=0.5)
    assert motifs.n_windows.tolist() == [0]
    np.testing.assert_allclose(motifs.pwms[0], 0.25)
    assert motifs.clipped[0].shape == (4, 0)


def test_match_filters_to_jaspar_finds_a_jaspar_profile_and_planted_recovery():
    targets = {matrix_id: pfm for matrix_id, _, pfm in jaspar_motifs()}
    ctcf = targets["MA0139.1"]
    # a weak ACACAC repeat matches nothing at q < 0.05 (a uniform PWM would: low-information
    # queries hit low-information profiles, the reason the paper excludes two of them)
    repeat = V.one_hot_dna("ACACAC") * 0.7 + 0.075
    table, summary = E.match_filters_to_jaspar(
        [ctcf, repeat, np.zeros((4, 0))],
        q_threshold=0.05,
        exclude=["MA1929.1", "MA0615.1"],
        planted_ids=["MA0139.1", "MA0080.5", "MA0615.1"],
    )
    assert list(table["filter"]) == ["filter000", "filter001", "filter002"]
    assert table["hit"].tolist() == [True, False, False]
    assert table.loc[0, "best_match_name"] == "CTCF" and table.loc[0, "best_q"] < 1e-3
    assert table.loc[2, "width"] == 0 and np.isnan(table.loc[2, "best_q"])
    assert summary["n_filters"] == 3 and summary["n_compared"] == 2 and summary["n_hits"] == 1
    assert summary["hit_rate"] == pytest.approx(1 / 3)
    assert summary["mean_hit_q"] == pytest.approx(table.loc[0, "best_q"])
    # MA0615.1 is excluded from the targets, so only CTCF and SPI1 count: CTCF recovered
    assert summary["n_planted"] == 2 and summary["planted_recovery"] == pytest.approx(0.5)
    _, real = E.match_filters_to_jaspar([repeat], q_threshold=0.05, exclude=["MA1929.1", "MA0615.1"], planted_ids=None)
    assert np.isnan(real["planted_recovery"]) and real["hit_rate"] == 0 and np.isnan(real["mean_hit_q"])


@pytest.fixture(scope="module")
def basset_test_data() -> E.TestData:
    spec = grammar.basset_like_spec(n_tasks=4)
    data = S.generate_dataset(spec, 150, np.random.default_rng(7))
    return E.TestData(
        x=data["x"],
        y=data["y"],
        task_names=data["task_names"],
        spec=spec,
        activity=data["activity"],
        planted=data["planted"],
        matrix_ids=data["matrix_ids"],
    )


def test_load_test_split_reads_synthetic_files_and_truncates(tmp_path, basset_test_data):
    spec = grammar.deepstarr_like_spec()
    data = S.generate_dataset(spec, 100, np.random.default_rng(1))
    splits = S.split_dataset(data, rng=np.random.default_rng(2))
    S.save_synthetic_h5(tmp_path / "d.h5", splits, spec)
    full = E.load_test_split(tmp_path / "d.h5")
    assert full.synthetic and full.x.shape == (20, 4, 249) and full.y.shape == (20, 2)
    part = E.load_test_split(tmp_path / "d.h5", max_sequences=5)
    assert part.x.shape == (5, 4, 249) and (part.planted["sequence"] < 5).all()
    assert set(part.planted_matrix_ids()) <= set(full.matrix_ids)
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        E.load_test_split(tmp_path / "missing.h5")


def test_synthetic_variant_set(basset_test_data):
    rng = np.random.default_rng(0)
    variant_set = V.synthetic_variant_set(
        basset_test_data, n_elements=3, element_width=25, relative_noise_sd=0.5, rng=rng
    )
    variants = variant_set.variants
    assert variant_set.x_ref.shape == (3, 4, 600) and variant_set.x_ref.dtype == np.uint8
    assert len(variants) == 3 * 25 * 3 and variant_set.element_names == ["element00", "element01", "element02"]
    for index, part in variants.groupby("element_index"):
        positions = part["position"].to_numpy()
        assert positions.max() - positions.min() == 24 and len(np.unique(positions)) == 25
        x = variant_set.x_ref[index]
        refs = np.array(list("ACGT"))[x[:, positions].argmax(axis=0)]
        assert (part["ref"].to_numpy() == refs).all() and (part["alt"] != part["ref"]).all()
    # the true effect is log of the task-mean sigmoid of the grammar's activity, alt over ref
    row = variants.iloc[10]
    x_ref = variant_set.x_ref[row["element_index"]].astype(np.float32)
    x_alt = x_ref.copy()
    x_alt[:, row["position"]] = 0
    x_alt["ACGT".index(row["alt"]), row["position"]] = 1
    activity = S.true_activity(basset_test_data.spec, np.stack([x_ref, x_alt]))
    p = (1 / (1 + np.exp(-activity.astype(np.float64)))).mean(axis=1)
    assert row["true_effect"] == pytest.approx(np.log(p[1] / p[0]), rel=1e-4, abs=1e-6)
    noise = variants["measured"] - variants["true_effect"]
    assert noise.std() == pytest.approx(0.5 * variants["true_effect"].std(), rel=0.2)
    assert variants["true_effect"].abs().max() > 0.05  # the windows hold planted sites
    with pytest.raises(ValueError, match="element_width"):
        V.synthetic_variant_set(basset_test_data, n_elements=3, element_width=601, relative_noise_sd=0.5, rng=rng)


def test_variant_set_save_and_load(tmp_path, basset_test_data):
    variant_set = V.synthetic_variant_set(
        basset_test_data, n_elements=2, element_width=5, relative_noise_sd=0.0, rng=np.random.default_rng(0)
    )
    variant_set.save(tmp_path / "v.npz")
    loaded = V.VariantSet.load(tmp_path / "v.npz")
    np.testing.assert_array_equal(loaded.x_ref, variant_set.x_ref)
    pd.testing.assert_frame_equal(loaded.variants, variant_set.variants, check_dtype=False)
    np.testing.assert_allclose(loaded.variants["measured"], loaded.variants["true_effect"])


def test_score_variant_set_hand_computed():
    # prediction = 1 + number of A in the sequence (one task); effect = log(alt / ref)
    def count_a(x):
        return 1.0 + x[:, 0, :].sum(axis=1, keepdims=True)

    x_ref = np.stack([one_hot("ACGT"), one_hot("AAAA")]).astype(np.uint8)
    variants = pd.DataFrame(
        {
            "element": ["e0", "e0", "e1"],
            "element_index": [0, 0, 1],
            "position": [1, 0, 3],
            "ref": ["C", "A", "A"],
            "alt": ["A", "G", "T"],
            "measured": [0.0, 0.0, 0.0],
        }
    )
    predicted = V.score_variant_set(count_a, V.VariantSet(x_ref, variants), tail=one_hot("AA"))
    # with the tail: e0 ref has 1 + 1 + 2 = 4; C->A gives 5, A->G gives 3; e1: 1 + 4 + 2 = 7 -> 6
    np.testing.assert_allclose(predicted, np.log(np.array([5, 3, 6]) / np.array([4, 4, 7])), rtol=1e-6)


def test_read_fasta_and_cagi5_variant_set(tmp_path):
    chromosome = "ACGTTGCA" * 10  # 80 nt
    with gzip.open(tmp_path / "chr7.fa.gz", "wt") as handle:
        handle.write(">chr7 test\n" + "\n".join(chromosome[i : i + 30] for i in range(0, 80, 30)) + "\n>chrM\nNNNN\n")
    records = V.read_fasta(tmp_path / "chr7.fa.gz")
    assert records["7"] == chromosome and records["M"] == "NNNN"
    # variants at 1-based 21 and 31 (0-based 20, 30): centre 25, a window of 12 starts at 19
    table = pd.DataFrame(
        {
            "chrom": "7",
            "pos": [21, 31],
            "ref": [chromosome[20], chromosome[30]],
            "alt": ["A", "C"],
            "value": [0.5, -1.0],
            "confidence": [1.0, 1.0],
            "element": "E1",
        }
    )
    variant_set = V.cagi5_variant_set([table], records, width=12)
    np.testing.assert_array_equal(variant_set.x_ref[0], V.one_hot_dna(chromosome[19:31]))
    assert variant_set.variants["position"].tolist() == [1, 11]
    assert variant_set.variants["measured"].tolist() == [0.5, -1.0]
    bad = table.assign(ref=["A", chromosome[30]])  # chromosome[20] is T
    with pytest.raises(ValueError, match="E1: .*reference alleles disagree"):
        V.cagi5_variant_set([bad], records, width=12)
    with pytest.raises(ValueError, match="chromosome"):
        V.cagi5_variant_set([table.assign(chrom="8")], records, width=12)


def test_one_hot_dna_marks_n_as_zero():
    np.testing.assert_array_equal(V.one_hot_dna("acgN"), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]])


def test_high_activity_indices():
    y = np.array([[0.1, 5.0], [3.0, 0.0], [2.0, 1.0], [3.0, 2.0]])
    assert E.high_activity_indices(y, 0, 3).tolist() == [1, 3, 2]
    assert E.high_activity_indices(y, 1, 1).tolist() == [0]
    with pytest.raises(ValueError, match="n must be"):
        E.high_activity_indices(y, 0, 5)


def test_planted_position_mask():
    planted = {
        "sequence": np.array([0, 2, 2, 5]),
        "motif": np.array([0, 1, 0, 1]),
        "start": np.array([1, 0, 6, 3]),
        "tasks": np.array([[True, False], [False, True], [True, True], [True, True]]),
    }
    widths = np.array([2, 3])
    mask = E.planted_position_mask(planted, widths, np.array([2, 0]), 8)
    np.testing.assert_array_equal(mask.astype(int), [[1, 1, 1, 0, 0, 0, 1, 1], [0, 1, 1, 0, 0, 0, 0, 0]])
    task0 = E.planted_position_mask(planted, widths, np.array([2, 0]), 8, task=0)
    np.testing.assert_array_equal(task0.astype(int), [[0, 0, 0, 0, 0, 0, 1, 1], [0, 1, 1, 0, 0, 0, 0, 0]])


def test_attribution_maps_are_corrected_and_cut_to_the_sequence():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4 * 12, 2))
    x = np.stack([one_hot("ACGTACGTAC"), one_hot("TTTTGGGGCC")])
    maps = E.attribution_maps(
        model,
        x,
        task=1,
        rng=np.random.default_rng(0),
        n_references=1000,
        n_samples=2000,
        stdevs=0.0,
        batch_size=2,
        tail=one_hot("AC"),
    )
    assert maps.shape == (2, 4, 10) and maps.dtype == np.float32
    np.testing.assert_allclose(maps.sum(axis=1), 0, atol=1e-6)
    # a linear model's gradient is its weight w: GradientShap gives w (x - mean reference),
    # about w (x - 1/4) for random DNA; the correction removes the mean over the 4 bases
    weights = model[1].weight.detach().numpy()[1].reshape(4, 12)[:, :10]
    expected = weights * (x - 0.25)
    expected -= expected.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(maps, expected, atol=0.1 * np.abs(weights).max())


def test_md5_from_listing(tmp_path):
    (tmp_path / "md5sum.txt").write_text("0123456789abcdef0123456789ABCDEF  chr1.fa.gz\nffff  chr2.fa.gz\n")
    assert E.md5_from_listing(tmp_path / "md5sum.txt", "chr1.fa.gz") == "0123456789abcdef0123456789abcdef"
    with pytest.raises(ValueError, match="chrX.fa.gz"):
        E.md5_from_listing(tmp_path / "md5sum.txt", "chrX.fa.gz")

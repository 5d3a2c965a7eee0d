"""Synthetic regulatory-grammar datasets: motifs, planting, activity, labels, splits, files."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from genomic_dl.evoaug2023 import grammar
from genomic_dl.evoaug2023 import synthetic as syn
from genomic_dl.evoaug2023.h5data import load_evoaug_h5

N_BASSET, N_CHIP, N_STARR = 3000, 2000, 2000


@pytest.fixture(scope="module")
def basset():
    spec = grammar.basset_like_spec()
    return spec, syn.generate_dataset(spec, N_BASSET, np.random.default_rng(11))


@pytest.fixture(scope="module")
def chip():
    spec = grammar.chip_like_spec("CTCF")
    return spec, syn.generate_dataset(spec, N_CHIP, np.random.default_rng(12))


@pytest.fixture(scope="module")
def starr():
    spec = grammar.deepstarr_like_spec()
    return spec, syn.generate_dataset(spec, N_STARR, np.random.default_rng(13))


def one_hot(sequence: str) -> np.ndarray:
    """(4, L) uint8 one-hot of an ACGT string."""
    codes = np.array(["ACGT".index(base) for base in sequence])
    return (codes[None, :] == np.arange(4)[:, None]).astype(np.uint8)


def reverse_complement(sequence: str) -> str:
    return sequence.translate(str.maketrans("ACGT", "TGCA"))[::-1]


def consensus(key: str) -> str:
    pfm = grammar.load_jaspar_motifs([key])[key].pfm
    return "".join("ACGT"[i] for i in pfm.argmax(axis=0))


def planted_windows(data: dict, motif: int) -> np.ndarray:
    """(K, 4, w) one-hot windows of the planted copies of ``motif``, read on their own strand."""
    planted = data["planted"]
    chosen = planted["motif"] == motif
    width = grammar.load_jaspar_motifs([data["motif_keys"][motif]])[data["motif_keys"][motif]].pfm.shape[1]
    positions = planted["start"][chosen, None] + np.arange(width)
    windows = data["x"][planted["sequence"][chosen, None], :, positions].transpose(0, 2, 1)
    reverse = planted["strand"][chosen] == -1
    windows[reverse] = windows[reverse][:, ::-1, ::-1]  # reverse complement
    return windows


# --------------------------------------------------------------------------- motifs


def test_jaspar_core_vertebrates_is_the_non_redundant_2022_set():
    motifs = grammar.jaspar_core_vertebrates()
    assert len(motifs) == 841
    assert len({m.matrix_id for m in motifs}) == 841
    assert len({m.matrix_id.split(".")[0] for m in motifs}) == 841  # one version per matrix
    for motif in motifs:
        assert motif.pfm.shape[0] == 4
        np.testing.assert_allclose(motif.pfm.sum(axis=0), 1.0)
    assert {"MA1929.1", "MA0615.1"} <= {m.matrix_id for m in motifs}  # excluded by the paper's Tomtom


def test_motif_lookup_by_name_and_id():
    found = grammar.load_jaspar_motifs(["CTCF", "MA0139", "ma0139.1", "MA1930.1"])
    assert [m.matrix_id for m in found.values()] == ["MA0139.1"] * 3 + ["MA1930.1"]
    assert all(m.name == "CTCF" for m in found.values())
    with pytest.raises(ValueError, match="NOT_A_TF"):
        grammar.load_jaspar_motifs(["NOT_A_TF"])


@pytest.mark.parametrize("tf", grammar.CHIP_TFS)
def test_every_chip_tf_has_its_own_profile(tf):
    assert grammar.load_jaspar_motifs([tf])[tf].name.upper() == tf


def test_counts_to_pfm_known_values():
    counts = np.array([[2, 0], [0, 0], [0, 4], [2, 0]])
    np.testing.assert_allclose(grammar.counts_to_pfm(counts), [[0.5, 0], [0, 0], [0, 1], [0.5, 0]])
    smoothed = grammar.counts_to_pfm(counts, pseudofrequency=0.1)
    np.testing.assert_allclose(smoothed[:, 0], [0.6 / 1.4, 0.1 / 1.4, 0.1 / 1.4, 0.6 / 1.4])
    with pytest.raises(ValueError, match="positive total"):
        grammar.counts_to_pfm(np.zeros((4, 2)))


# --------------------------------------------------------------------------- specs


def test_presets_are_valid_and_serialisable():
    import yaml

    for spec in (
        grammar.basset_like_spec(),
        grammar.basset_like_spec(164),
        grammar.deepstarr_like_spec(),
        grammar.chip_like_spec("REST"),
    ):
        grammar.validate_spec(spec)
        assert yaml.safe_load(yaml.safe_dump(spec)) == spec
    assert len(grammar.basset_like_spec(164)["tasks"]) == 164


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda s: s["tasks"][0]["terms"][0].update(weight="x"), r"spec\.tasks\[0\]\.terms\[0\]\.weight"),
        (lambda s: s.update(colour="red"), r"unknown key\(s\) \['colour'\]"),
        (lambda s: s["planting"][1].update(rate=-1), r"spec\.planting\[1\]\.rate"),
        (lambda s: s.update(background=[0.5, 0.5, 0.0, 0.0]), r"spec\.background\[2\]"),
        (lambda s: s["tasks"][0].update(noise=0.7), r"spec\.tasks\[0\]\.noise"),
        (lambda s: s["tasks"][0].pop("bias"), r"spec\.tasks\[0\]: missing key\(s\) \['bias'\]"),
        (lambda s: s.update(task_type="ordinal"), r"spec\.task_type"),
    ],
)
def test_validate_spec_names_the_bad_key(edit, message):
    spec = grammar.chip_like_spec("CTCF")
    edit(spec)
    with pytest.raises(ValueError, match=message):
        grammar.validate_spec(spec)


def test_compile_reports_unknown_motifs_and_short_sequences():
    spec = grammar.chip_like_spec("CTCF")
    spec["tasks"][0]["terms"][0]["motif"] = "CTCFF"
    with pytest.raises(ValueError, match="CTCFF"):
        grammar.compile_grammar(spec)
    spec = grammar.chip_like_spec("CTCF", length=20)
    with pytest.raises(ValueError, match=r"spec\.length"):
        grammar.compile_grammar(spec)


# --------------------------------------------------------------------------- activity on hand-made sequences


def small_spec(terms=(), pairs=(), length=80) -> dict:
    return {
        "name": "hand_made",
        "task_type": "regression",
        "length": length,
        "background": [0.25] * 4,
        "pseudofrequency": 0.01,
        "threshold_fraction": 0.6,
        "softness": 1.0,
        "min_gap": 0,
        "h5_layout": "upper",
        "planting": [{"motifs": ["CTCF"], "rate": 1.0}],
        "tasks": [{"name": "t", "bias": 0.0, "noise": 0.0, "terms": list(terms), "pairs": list(pairs)}],
    }


def with_insert(background: str, insert: str, start: int) -> np.ndarray:
    return one_hot(background[:start] + insert + background[start + len(insert) :])


def test_a_consensus_site_counts_once_with_its_strand_weight():
    background = "A" * 80  # scores far below every threshold
    site = consensus("CTCF")
    spec = small_spec(terms=[{"motif": "CTCF", "weight": 2.0, "reverse_scale": 0.25}])
    x = np.stack(
        [
            one_hot(background),
            with_insert(background, site, 30),
            with_insert(background, reverse_complement(site), 30),
        ]
    )
    activity = syn.true_activity(spec, x)[:, 0]
    np.testing.assert_allclose(activity, [0.0, 2.0, 0.5], atol=1e-3)


def test_pair_term_needs_the_preferred_spacing_on_either_strand():
    a, b = consensus("SRF"), consensus("IRF4")
    pairs = [{"motifs": ["SRF", "IRF4"], "spacing": [3, 5], "weight": 1.0}]
    spec = small_spec(pairs=pairs, length=100)
    background = "A" * 100

    def arranged(gap: int, reverse: bool = False) -> np.ndarray:
        unit = a + "A" * gap + b
        return with_insert(background, reverse_complement(unit) if reverse else unit, 10)

    x = np.stack([arranged(3), arranged(5), arranged(5, reverse=True), arranged(2), arranged(15), one_hot(background)])
    activity = syn.true_activity(spec, x)[:, 0]
    np.testing.assert_allclose(activity, [1, 1, 1, 0, 0, 0], atol=1e-3)


def test_activity_does_not_depend_on_batching():
    spec = grammar.deepstarr_like_spec()
    x = syn.generate_dataset(spec, 50, np.random.default_rng(0))["x"]
    np.testing.assert_allclose(
        syn.true_activity(spec, x, batch_size=7), syn.true_activity(spec, x), rtol=1e-6, atol=1e-6
    )


# --------------------------------------------------------------------------- generated datasets


@pytest.mark.parametrize("name, length, n_tasks", [("basset", 600, 16), ("chip", 200, 1), ("starr", 249, 2)])
def test_shapes_and_one_hot(request, name, length, n_tasks):
    spec, data = request.getfixturevalue(name)
    n = len(data["x"])
    assert data["x"].shape == (n, 4, length) and data["x"].dtype == np.uint8
    assert np.all(data["x"].sum(axis=1) == 1)
    assert data["y"].shape == data["activity"].shape == (n, n_tasks)
    assert data["y"].dtype == np.float32
    assert data["task_names"] == [t["name"] for t in spec["tasks"]]
    planted = data["planted"]
    assert planted["tasks"].shape == (len(planted["sequence"]), n_tasks)


@pytest.mark.parametrize("name", ["basset", "chip", "starr"])
def test_labels_are_the_activity_of_the_sequences_plus_noise(request, name):
    spec, data = request.getfixturevalue(name)
    np.testing.assert_allclose(syn.true_activity(spec, data["x"]), data["activity"], rtol=1e-5, atol=1e-5)
    noise = np.array([t["noise"] for t in spec["tasks"]])
    n = len(data["y"])
    if spec["task_type"] == "binary":
        assert set(np.unique(data["y"])) <= {0.0, 1.0}
        flipped = (data["y"] == 1) != (data["activity"] > 0)
        tolerance = 4 * np.sqrt(noise * (1 - noise) / n)
        assert np.all(np.abs(flipped.mean(axis=0) - noise) < tolerance)
    else:
        residual = data["y"] - data["activity"]
        assert np.all(np.abs(residual.std(axis=0) - noise) < 4 * noise / np.sqrt(2 * n))
        assert np.all(np.abs(residual.mean(axis=0)) < 4 * noise / np.sqrt(n))


@pytest.mark.parametrize("name", ["chip", "starr"])
def test_planted_copies_follow_their_probability_matrix(request, name):
    _, data = request.getfixturevalue(name)
    for m, key in enumerate(data["motif_keys"]):
        windows = planted_windows(data, m)
        n = len(windows)
        assert n > 200
        pfm = grammar.load_jaspar_motifs([key], pseudofrequency=0.01)[key].pfm
        tolerance = 4.5 * np.sqrt(pfm * (1 - pfm) / n) + 3 / n
        assert np.all(np.abs(windows.mean(axis=0) - pfm) < tolerance), key


def test_units_do_not_overlap_and_pairs_keep_their_spacing(starr):
    spec, data = starr
    planted = data["planted"]
    widths = np.array([grammar.load_jaspar_motifs([k])[k].pfm.shape[1] for k in data["motif_keys"]])
    ends = planted["start"] + widths[planted["motif"]]
    assert planted["start"].min() >= 0 and ends.max() <= spec["length"]
    same_sequence = planted["sequence"][1:] == planted["sequence"][:-1]
    assert np.all(planted["start"][1:][same_sequence] >= ends[:-1][same_sequence])
    for e, element in enumerate(spec["planting"]):
        if "pair" not in element:
            continue
        a, b = (data["motif_keys"].index(k) for k in element["pair"])
        in_rule = planted["element"] == e
        first = in_rule & (planted["motif"] == a)
        second = in_rule & (planted["motif"] == b)
        order_a, order_b = np.argsort(planted["unit"][first]), np.argsort(planted["unit"][second])
        start_a, start_b = planted["start"][first][order_a], planted["start"][second][order_b]
        strand = planted["strand"][first][order_a]
        assert np.array_equal(strand, planted["strand"][second][order_b])
        gap = np.where(strand == 1, start_b - (start_a + widths[a]), start_a - (start_b + widths[b]))
        assert gap.min() >= element["spacing"][0] and gap.max() <= element["spacing"][1]
        assert {1, -1} == set(strand)


def test_chip_labels_follow_the_target_motif_and_negatives_carry_other_motifs(chip):
    _, data = chip
    planted, y = data["planted"], data["y"][:, 0]
    target = data["motif_keys"].index("CTCF")
    has_target = np.zeros(len(y), dtype=bool)
    has_target[planted["sequence"][planted["motif"] == target]] = True
    has_other = np.zeros(len(y), dtype=bool)
    has_other[planted["sequence"][planted["motif"] != target]] = True
    assert 0.4 < has_target.mean() < 0.6
    assert y[has_target].mean() > 0.5 and y[~has_target].mean() < 0.1
    assert has_other[y == 0].all()
    assert np.array_equal(planted["tasks"][:, 0], planted["motif"] == target)
    # Occupancy depends on match strength: the best planted copy scores higher in positives.
    log_odds = np.log2(grammar.load_jaspar_motifs(["CTCF"], pseudofrequency=0.01)["CTCF"].pfm / 0.25)
    scores = np.einsum("kbw,bw->k", planted_windows(data, target).astype(float), log_odds)
    best = np.full(len(y), -np.inf)
    np.maximum.at(best, planted["sequence"][planted["motif"] == target], scores)
    assert best[has_target & (y == 1)].mean() > best[has_target & (y == 0)].mean() + 3


def test_regression_tasks_have_their_own_grammar(starr):
    _, data = starr
    planted = data["planted"]
    counts = np.zeros((len(data["x"]), len(data["motif_keys"])))
    np.add.at(counts, (planted["sequence"], planted["motif"]), 1)
    developmental = counts[:, [data["motif_keys"].index(k) for k in ("GATA1", "FOS::JUN", "TWIST1")]].sum(axis=1)
    housekeeping = counts[:, [data["motif_keys"].index(k) for k in ("ZBED1", "NRF1", "SP1")]].sum(axis=1)
    correlation = np.corrcoef(np.column_stack([developmental, housekeeping, data["y"]]).T)
    assert correlation[0, 2] > 0.4 and correlation[1, 3] > 0.4
    assert abs(correlation[0, 3]) < 0.15 and abs(correlation[1, 2]) < 0.15


def test_destroying_a_planted_site_lowers_the_activity(chip):
    spec, data = chip
    planted = data["planted"]
    target = data["motif_keys"].index("CTCF")
    pfm = grammar.load_jaspar_motifs(["CTCF"], pseudofrequency=0.01)["CTCF"].pfm
    # Sequences with exactly one planted CTCF copy and a clearly active site.
    copies = np.bincount(planted["sequence"][planted["motif"] == target], minlength=len(data["x"]))
    chosen = (planted["motif"] == target) & (copies[planted["sequence"]] == 1)
    chosen &= data["activity"][planted["sequence"], 0] > 1.0
    sequences, starts, strands = (
        planted["sequence"][chosen],
        planted["start"][chosen],
        planted["strand"][chosen],
    )
    assert len(sequences) > 100
    x = data["x"][sequences].copy()
    # Single variant: the most conserved position gets its least likely base.
    column = int(pfm.max(axis=0).argmax())
    worst = int(pfm[:, column].argmin())
    position = np.where(strands == 1, starts + column, starts + pfm.shape[1] - 1 - column)
    base = np.where(strands == 1, worst, 3 - worst)
    variant = x.copy()
    variant[np.arange(len(x)), :, position] = 0
    variant[np.arange(len(x)), base, position] = 1
    before = data["activity"][sequences, 0]
    after = syn.true_activity(spec, variant)[:, 0]
    assert np.all(after < before)
    # The whole site replaced by poly-A: the sequences become negative (chance sites aside).
    window = starts[:, None] + np.arange(pfm.shape[1])
    x[np.arange(len(x))[:, None], :, window] = np.array([1, 0, 0, 0], dtype=np.uint8)
    destroyed = syn.true_activity(spec, x)[:, 0]
    assert np.mean(destroyed < 0) > 0.95


def test_basset_positive_fractions_lie_in_the_spec_range(basset):
    spec, data = basset
    low, high = spec["positive_fraction_range"]
    fractions = data["y"].mean(axis=0)
    n = len(data["y"])
    assert np.all(fractions > low - 3 * np.sqrt(low * (1 - low) / n))
    assert np.all(fractions < high + 3 * np.sqrt(high * (1 - high) / n))
    assert fractions.max() - fractions.min() > 0.1  # imbalance differs between tasks


@pytest.mark.parametrize("tf", grammar.CHIP_TFS)
def test_chip_positive_fractions_lie_in_the_spec_range(tf):
    spec = grammar.chip_like_spec(tf)
    y = syn.generate_dataset(spec, 1000, np.random.default_rng(5))["y"]
    low, high = spec["positive_fraction_range"]
    margin = 3 * np.sqrt(0.25 / len(y))
    assert low - margin < y.mean() < high + margin


def test_generation_is_determined_by_the_generator():
    spec = grammar.chip_like_spec("MAX")
    first = syn.generate_dataset(spec, 200, np.random.default_rng(99))
    second = syn.generate_dataset(spec, 200, np.random.default_rng(99))
    other = syn.generate_dataset(spec, 200, np.random.default_rng(100))
    for key in ("x", "y", "activity"):
        np.testing.assert_array_equal(first[key], second[key])
    for field, values in first["planted"].items():
        np.testing.assert_array_equal(values, second["planted"][field])
    assert not np.array_equal(first["x"], other["x"])
    with pytest.raises(ValueError, match="rng"):
        syn.generate_dataset(spec, 10, 99)


# --------------------------------------------------------------------------- splits, subsets, files


def test_split_keeps_every_sequence_and_renumbers_planted_sites(chip):
    _, data = chip
    splits = syn.split_dataset(data, (0.7, 0.1, 0.2), np.random.default_rng(1))
    assert [len(splits[s]["x"]) for s in ("train", "valid", "test")] == [1400, 200, 400]
    assert sum(len(part["planted"]["sequence"]) for part in splits.values()) == len(data["planted"]["sequence"])
    original = {
        (u, m): (s, st) for u, m, s, st in zip(*(data["planted"][f] for f in ("unit", "motif", "sequence", "start")))
    }
    for part in splits.values():
        planted = part["planted"]
        for u, m, s, st in zip(*(planted[f] for f in ("unit", "motif", "sequence", "start"))):
            old_sequence, old_start = original[(u, m)]
            assert st == old_start
            np.testing.assert_array_equal(part["x"][s], data["x"][old_sequence])
            assert part["activity"][s, 0] == data["activity"][old_sequence, 0]
    with pytest.raises(ValueError, match="fractions"):
        syn.split_dataset(data, (0.7, 0.2, 0.2), np.random.default_rng(1))


def test_downsample(basset):
    _, data = basset
    x, y = syn.downsample(data["x"], data["y"], 0.1, np.random.default_rng(2))
    assert len(x) == len(y) == N_BASSET // 10
    indices = syn.downsample_indices(N_BASSET, 0.1, np.random.default_rng(2))
    assert len(np.unique(indices)) == len(indices) and np.all(np.diff(indices) > 0)
    np.testing.assert_array_equal(x, data["x"][indices])
    assert len(syn.downsample_indices(5, 1.0, np.random.default_rng(0))) == 5
    with pytest.raises(ValueError, match="fraction"):
        syn.downsample(data["x"], data["y"], 0.0, np.random.default_rng(2))


@pytest.mark.parametrize("name, x_key", [("chip", "x_train"), ("starr", "X_train")])
def test_synthetic_files_use_the_real_layout(request, tmp_path, name, x_key):
    import h5py

    spec, data = request.getfixturevalue(name)
    splits = syn.split_dataset(data, (0.7, 0.1, 0.2), np.random.default_rng(4))
    path = tmp_path / f"{name}.h5"
    syn.save_synthetic_h5(path, splits, spec)
    with h5py.File(path) as handle:
        assert x_key in handle
    real_style = load_evoaug_h5(path)
    np.testing.assert_array_equal(real_style["x_test"], splits["test"]["x"])
    loaded, loaded_spec = syn.load_synthetic_h5(path)
    assert loaded_spec == spec
    for split, part in splits.items():
        for key in ("x", "y", "activity"):
            np.testing.assert_array_equal(loaded[split][key], part[key])
        for field, values in part["planted"].items():
            np.testing.assert_array_equal(loaded[split]["planted"][field], values)
        assert loaded[split]["motif_keys"] == data["motif_keys"]


def test_spec_is_not_modified_by_generation():
    spec = grammar.deepstarr_like_spec()
    before = copy.deepcopy(spec)
    syn.generate_dataset(spec, 20, np.random.default_rng(0))
    assert spec == before


def test_deepstarr_like_developmental_motifs_are_the_low_information_ones():
    """Pins the grammar property behind README's "Why noise fails on the developmental task"
    (issue #15): every developmental motif carries less information than every housekeeping
    one (9.2-10.6 vs 12.7-17.0 bits), so Gaussian input noise buries its sites first."""
    compiled = grammar.compile_grammar(grammar.deepstarr_like_spec())

    def bits(key: str) -> float:
        pfm = compiled.motifs[compiled.index(key)].pfm
        return float((2 + (pfm * np.log2(pfm)).sum(axis=0)).sum())

    developmental, housekeeping = (
        [bits(key) for key in grammar.task_motif_keys(task)] for task in compiled.spec["tasks"]
    )
    assert compiled.task_names == ("developmental", "housekeeping")
    assert max(developmental) < 11.0
    assert min(housekeeping) > 12.5

"""Tests of the batched EvoAug augmentations (genomic_dl.evoaug2023.augmentations).

Many tests feed a *tagged* batch instead of one-hot DNA: site ``j`` holds
``-(j + 1)`` in channel 0 (A) and 0 elsewhere. The augmentations only move,
complement or overwrite columns, so every output column tells where it came
from: a negative value in channel 0 is original site ``j``, a negative value in
channel 3 (T, the complement of A) is site ``j`` reverse-complemented, and a
column without a negative value is a random base.
"""

from __future__ import annotations

import math

import pytest
import torch

from genomic_dl.evoaug2023.augmentations import (
    AUGMENTATIONS,
    PRIORITY_ORDER,
    RandomDeletion,
    RandomInsertion,
    RandomInversion,
    RandomMutation,
    RandomNoise,
    RandomRC,
    RandomTranslocation,
    StochasticAugmenter,
    build_augmentations,
    random_bases,
)


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def tagged(n: int, length: int) -> torch.Tensor:
    """Tagged batch (see module docstring), float64 ``(n, 4, length)``."""
    x = torch.zeros((n, 4, length), dtype=torch.float64)
    x[:, 0, :] = -(torch.arange(length, dtype=torch.float64) + 1)
    return x


def sources(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Original site of every output column (-1: random base) and whether it
    was complemented; both ``(N, L_out)``."""
    forward, complemented = out[:, 0, :] < 0, out[:, 3, :] < 0
    site = torch.where(forward, -out[:, 0, :] - 1, torch.where(complemented, -out[:, 3, :] - 1, -1.0))
    return site.long(), complemented


def assert_one_hot(x: torch.Tensor) -> None:
    assert torch.all((x == 0) | (x == 1))
    assert torch.all(x.sum(dim=1) == 1)


def frequencies(values: torch.Tensor, low: int, high: int) -> torch.Tensor:
    """Relative frequency of each integer in ``low..high`` (all values must lie there)."""
    assert values.min() >= low and values.max() <= high
    return torch.bincount(values - low, minlength=high - low + 1).double() / values.numel()


def binomial_tolerance(p: float, n: int, sds: float = 5.0) -> float:
    return sds * math.sqrt(p * (1 - p) / n)


# --------------------------------------------------------------------------
# random_bases
# --------------------------------------------------------------------------


def test_random_bases_are_uniform_one_hot():
    bases = random_bases(500, 200, generator(), dtype=torch.float64)
    assert bases.shape == (500, 4, 200) and bases.dtype == torch.float64
    assert_one_hot(bases)
    share = bases.mean(dim=(0, 2))
    assert torch.allclose(share, torch.full((4,), 0.25, dtype=torch.float64), atol=binomial_tolerance(0.25, 100_000))


# --------------------------------------------------------------------------
# Single augmentations
# --------------------------------------------------------------------------


def test_mutation_redraws_exactly_the_documented_number_of_distinct_sites():
    # All-zero columns stay zero unless redrawn, so the one-hot columns are the redrawn sites.
    augmentation = RandomMutation(mutate_frac=0.15)
    out = augmentation(torch.zeros((300, 4, 101)), generator())
    redrawn = out.sum(dim=1)
    assert torch.all((redrawn == 0) | (redrawn == 1))
    assert augmentation.n_mutations(101) == round(0.15 / 0.75 * 101) == 20
    assert torch.all(redrawn.sum(dim=1) == 20)
    # Sites differ between sequences and cover the whole sequence.
    assert len({tuple(row.nonzero().flatten().tolist()) for row in redrawn}) == 300
    assert torch.all(redrawn.sum(dim=0) > 0)


@pytest.mark.parametrize("mutate_frac", [0.05, 0.15, 0.75])
def test_mutation_changes_the_requested_fraction_of_sites(mutate_frac):
    n, length = 2000, 200
    x = random_bases(n, length, generator(1))
    out = RandomMutation(mutate_frac)(x, generator(2))
    assert_one_hot(out)
    changed = (out != x).any(dim=1).double()
    count = round(mutate_frac / 0.75 * length)
    assert torch.all(changed.sum(dim=1) <= count)
    # Each redrawn site changes with probability 3/4: Binomial(count, 3/4) per sequence.
    expected = count * 0.75 / length
    tolerance = 5 * math.sqrt(count * 0.75 * 0.25 / n) / length
    assert abs(changed.mean().item() - expected) < tolerance


def test_translocation_is_a_roll_with_shifts_in_range_and_fair_signs():
    n, length = 4000, 64
    out = RandomTranslocation(shift_min=0, shift_max=3)(tagged(n, length), generator())
    site, complemented = sources(out)
    assert not complemented.any()
    shifts = (-site[:, 0]) % length
    shifts = torch.where(shifts > length // 2, shifts - length, shifts)
    # out[j] = x[(j - s) mod L], exactly torch.roll by s.
    expected = (torch.arange(length) - shifts.unsqueeze(1)) % length
    assert torch.equal(site, expected)
    # Magnitude uniform on 0..3 with a fair-coin sign: P(0) = 1/4, P(+-k) = 1/8.
    observed = frequencies(shifts, -3, 3)
    expected_freq = torch.tensor([1, 1, 1, 2, 1, 1, 1], dtype=torch.float64) / 8
    assert torch.allclose(observed, expected_freq, atol=binomial_tolerance(0.25, n))


def test_translocation_respects_shift_min():
    out = RandomTranslocation(shift_min=2, shift_max=4)(tagged(2000, 50), generator())
    shifts = (-sources(out)[0][:, 0]) % 50
    magnitudes = torch.minimum(shifts, 50 - shifts)
    assert magnitudes.min() == 2 and magnitudes.max() == 4


def test_translocation_output_equals_torch_roll_for_one_hot_input():
    x = random_bases(1, 30, generator(3))
    out = RandomTranslocation(shift_min=5, shift_max=5)(x, generator(4))
    assert torch.equal(out, torch.roll(x, 5, -1)) or torch.equal(out, torch.roll(x, -5, -1))


def insertion_geometry(out: torch.Tensor, length: int) -> dict[str, torch.Tensor]:
    """Leading random bases, inner gap and site of an insertion from a tagged output."""
    site, complemented = sources(out)
    kept = site >= 0
    assert not complemented.any()
    assert torch.all(kept.sum(dim=1) == length)
    assert torch.equal(site[kept].view(-1, length), torch.arange(length).expand(out.shape[0], -1))
    columns = kept.nonzero()[:, 1].view(-1, length)
    gaps = columns.diff(dim=1) - 1
    assert torch.all((gaps > 0).sum(dim=1) <= 1)
    return {"lead": columns[:, 0], "gap": gaps.sum(dim=1), "site": gaps.argmax(dim=1) + 1}


def test_insertion_keeps_the_sequence_around_a_random_insert_and_pads_to_insert_max():
    n, length, insert_max = 3000, 50, 7
    out = RandomInsertion(insert_min=0, insert_max=insert_max)(tagged(n, length), generator())
    assert out.shape == (n, 4, length + insert_max)
    geometry = insertion_geometry(out, length)
    inner = geometry["gap"] > 0
    # Inner insertion of m bases: (insert_max - m) // 2 random bases before the sequence.
    assert torch.equal(geometry["lead"][inner], (insert_max - geometry["gap"][inner]) // 2)
    sites = geometry["site"][inner]
    assert sites.min() == 1 and sites.max() == length - 1
    assert abs(sites.double().mean().item() - length / 2) < 1.5


def test_insertion_lengths_are_uniform_between_min_and_max():
    # Insert sites 1..L-1 show the insert as the inner gap; site 0 merges it into the 5' flank.
    n, length = 6000, 40
    out = RandomInsertion(insert_min=2, insert_max=7)(tagged(n, length), generator(5))
    geometry = insertion_geometry(out, length)
    inner = geometry["gap"] > 0
    assert abs(inner.double().mean().item() - (length - 1) / length) < binomial_tolerance(1 / length, n)
    observed = frequencies(geometry["gap"][inner], 2, 7)
    assert torch.allclose(observed, torch.full((6,), 1 / 6, dtype=torch.float64), atol=binomial_tolerance(1 / 6, n))


def test_insertion_of_one_hot_stays_one_hot():
    out = RandomInsertion(0, 20)(random_bases(64, 100, generator(1)), generator(2))
    assert out.shape == (64, 4, 120)
    assert_one_hot(out)


def test_length_preserving_insertion_crops_the_centre():
    n, length = 3000, 60
    out = RandomInsertion(0, 8).insert_preserving_length(tagged(n, length), generator(6))
    assert out.shape == (n, 4, length)
    site, _ = sources(out)
    random = site < 0
    inserted = random.sum(dim=1)
    assert inserted.max() == 8
    kept_runs = site.masked_fill(random, -1).max(dim=1).values - site.masked_fill(random, length).min(dim=1).values + 1
    assert torch.equal(kept_runs, length - inserted)  # the kept sites are one contiguous range
    columns = torch.arange(length).expand(n, -1)
    interior = (inserted > 0) & ~random[:, 0] & ~random[:, -1]
    first_kept = site[:, 0][interior]
    # An insert of m bases fully inside the window drops m // 2 sites at the 5' end.
    assert torch.equal(first_kept, inserted[interior] // 2)
    random_columns = columns.masked_fill(~random, 0).sum(dim=1)
    first_random = columns.masked_fill(~random, length).min(dim=1).values
    contiguous = random_columns == inserted * first_random + inserted * (inserted - 1) // 2
    assert contiguous.all()


def test_deletion_removes_one_segment_and_pads_both_flanks():
    n, length, delete_max = 3000, 40, 6
    out = RandomDeletion(delete_min=0, delete_max=delete_max)(tagged(n, length), generator(7))
    assert out.shape == (n, 4, length)
    site, complemented = sources(out)
    assert not complemented.any()
    kept = site >= 0
    sizes = length - kept.sum(dim=1)
    columns = kept.nonzero()[:, 1]
    counts = kept.sum(dim=1).tolist()
    leads = torch.stack([chunk[0] for chunk in columns.split(counts)])
    assert torch.equal(leads, sizes // 2)  # m // 2 random bases at 5', the rest at 3'
    present = torch.zeros((n, length + 1), dtype=torch.bool)  # last column collects random bases
    present.scatter_(1, torch.where(kept, site, length), True)
    missing = ~present[:, :length]
    starts = missing.long().argmax(dim=1)
    positions = torch.arange(length)
    expected_missing = (positions >= starts.unsqueeze(1)) & (positions < (starts + sizes).unsqueeze(1))
    assert torch.equal(missing, expected_missing)  # one contiguous deleted segment
    assert torch.equal(site[kept], positions.expand(n, -1)[~missing])  # in order
    nonempty = sizes > 0
    assert set(starts[nonempty].tolist()) == set(range(length - delete_max + 1))
    observed = frequencies(sizes, 0, delete_max)
    assert torch.allclose(observed, torch.full((7,), 1 / 7, dtype=torch.float64), atol=binomial_tolerance(1 / 7, n))


def test_inversion_reverse_complements_one_segment():
    n, length, invert_max = 3000, 40, 6
    augmentation = RandomInversion(invert_min=1, invert_max=invert_max)
    out = augmentation(tagged(n, length), generator(8))
    site, complemented = sources(out)
    positions = torch.arange(length)
    sizes = complemented.sum(dim=1)
    starts = complemented.long().argmax(dim=1)
    inside = (positions >= starts.unsqueeze(1)) & (positions < (starts + sizes).unsqueeze(1))
    assert torch.equal(complemented, inside)
    mirrored = (2 * starts + sizes - 1).unsqueeze(1) - positions
    assert torch.equal(site, torch.where(inside, mirrored, positions))
    assert starts.max() == length - invert_max and starts.min() == 0
    observed = frequencies(sizes, 1, invert_max)
    assert torch.allclose(observed, torch.full((6,), 1 / 6, dtype=torch.float64), atol=binomial_tolerance(1 / 6, n))
    # The same draws on one-hot DNA: the segment becomes its reverse complement.
    x = random_bases(n, length, generator(9), dtype=torch.float64)
    one_hot_out = augmentation(x, generator(8))
    expected = x.clone()
    for row in range(0, n, 97):
        start, size = starts[row].item(), sizes[row].item()
        expected[row, :, start : start + size] = x[row, :, start : start + size].flip((0, 1))
        assert torch.equal(one_hot_out[row], expected[row])
    assert_one_hot(one_hot_out)


@pytest.mark.parametrize("rc_prob", [0.0, 0.3, 1.0])
def test_reverse_complement_rate(rc_prob):
    n = 4000
    x = random_bases(n, 20, generator(10))
    out = RandomRC(rc_prob)(x, generator(11))
    same = (out == x).all(dim=(1, 2))
    flipped = (out == x.flip((1, 2))).all(dim=(1, 2))
    assert torch.all(same | flipped)
    rate = (flipped & ~same).double().mean().item()
    assert abs(rate - rc_prob) < binomial_tolerance(0.5, n)


def test_noise_mean_and_std():
    x = torch.zeros((2000, 4, 100), dtype=torch.float64)
    out = RandomNoise(noise_mean=0.5, noise_std=0.2)(x, generator(12))
    assert out.dtype == torch.float64
    assert abs(out.mean().item() - 0.5) < 5 * 0.2 / math.sqrt(out.numel())
    assert abs(out.std().item() - 0.2) < 0.002
    assert torch.equal(RandomNoise(noise_std=0.0)(x, generator()), x)


def test_each_sequence_gets_its_own_parameters():
    x = random_bases(1, 80, generator(13)).expand(64, -1, -1).contiguous()
    for augmentation in (
        RandomTranslocation(0, 20),
        RandomInsertion(0, 20),
        RandomDeletion(0, 20),
        RandomInversion(0, 20),
        RandomMutation(0.1),
        RandomNoise(),
    ):
        out = augmentation(x, generator(14))
        assert len({tuple(row.flatten().tolist()) for row in out}) > 16, augmentation.name


@pytest.mark.parametrize("name", list(AUGMENTATIONS))
def test_augmentations_are_deterministic_given_the_seed_and_handle_empty_batches(name):
    augmentation = AUGMENTATIONS[name]()
    x = random_bases(16, 50, generator(15), dtype=torch.float64)
    first = augmentation(x, generator(16))
    assert first.dtype == torch.float64
    assert torch.equal(first, augmentation(x, generator(16)))
    if name != "reverse_complement":
        assert not torch.equal(first, augmentation(x, generator(17)))
    assert augmentation(x[:0], generator()).shape[0] == 0


# --------------------------------------------------------------------------
# Configuration and validation
# --------------------------------------------------------------------------


def test_build_augmentations_sorts_by_priority_and_passes_parameters():
    augmentations = build_augmentations(
        {"noise": {"noise_std": 0.3}, "mutation": None, "inversion": {}, "insertion": {"insert_max": 30}}
    )
    assert [a.name for a in augmentations] == ["inversion", "insertion", "mutation", "noise"]
    assert augmentations[1] == RandomInsertion(insert_min=0, insert_max=30)
    assert augmentations[3].noise_std == 0.3
    assert PRIORITY_ORDER == (
        "inversion",
        "deletion",
        "translocation",
        "insertion",
        "reverse_complement",
        "mutation",
        "noise",
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"duplication": {}}, r"unknown augmentation 'duplication'.*mutation"),
        ({"mutation": {"frac": 0.1}}, r"unknown parameter.*frac.*'mutation'.*mutate_frac"),
        ({"noise": 0.3}, r"parameters of augmentation 'noise' must be a mapping"),
        (["noise"], r"spec must be a mapping"),
    ],
)
def test_build_augmentations_rejects_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        build_augmentations(spec)


@pytest.mark.parametrize(
    ("factory", "name"),
    [
        (lambda: RandomMutation(mutate_frac=0.8), "mutate_frac"),
        (lambda: RandomMutation(mutate_frac=-0.1), "mutate_frac"),
        (lambda: RandomTranslocation(shift_min=5, shift_max=2), "shift_min"),
        (lambda: RandomInsertion(insert_max=-1), "insert_max"),
        (lambda: RandomInsertion(insert_max=2.5), "insert_max"),
        (lambda: RandomDeletion(delete_max=True), "delete_max"),
        (lambda: RandomInversion(invert_min="1"), "invert_min"),
        (lambda: RandomRC(rc_prob=1.5), "rc_prob"),
        (lambda: RandomNoise(noise_std=-1.0), "noise_std"),
        (lambda: RandomNoise(noise_mean=float("nan")), "noise_mean"),
    ],
)
def test_bad_parameters_raise_naming_the_parameter(factory, name):
    with pytest.raises(ValueError, match=name):
        factory()


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="delete_max"):
        RandomDeletion(0, 30)(random_bases(2, 20, generator()), generator())
    with pytest.raises(ValueError, match="invert_max"):
        RandomInversion(0, 30)(random_bases(2, 20, generator()), generator())
    with pytest.raises(ValueError, match=r"shape \(N, 4, L\)"):
        RandomRC()(torch.zeros((2, 5, 10)), generator())
    with pytest.raises(ValueError, match="floating-point"):
        RandomRC()(torch.zeros((2, 4, 10), dtype=torch.long), generator())
    with pytest.raises(TypeError, match="torch.Generator"):
        RandomRC()(torch.zeros((2, 4, 10)), 0)
    with pytest.raises(ValueError, match="length"):
        random_bases(2, -1, generator())
    with pytest.raises(ValueError, match="dtype"):
        random_bases(2, 3, generator(), dtype=torch.int64)


def test_augmenter_validates_its_arguments():
    with pytest.raises(ValueError, match="at least one"):
        StochasticAugmenter([], 1, True)
    with pytest.raises(ValueError, match="max_augs_per_seq"):
        StochasticAugmenter([RandomRC()], 0, True)
    with pytest.raises(ValueError, match="repeated: noise"):
        StochasticAugmenter([RandomNoise(), RandomNoise(noise_std=0.1)], 1, True)
    with pytest.raises(ValueError, match="hard_aug"):
        StochasticAugmenter([RandomRC()], 1, "yes")
    with pytest.raises(TypeError, match="Augmentation"):
        StochasticAugmenter([lambda x, g: x], 1, True)
    augmenter = StochasticAugmenter([RandomRC(), RandomNoise()], 1, True)
    with pytest.raises(ValueError, match="choices"):
        augmenter.apply_choices(torch.zeros((3, 4, 10)), torch.ones((3, 3), dtype=torch.bool), generator())
    assert StochasticAugmenter([RandomRC(), RandomNoise()], 10, True).max_augs_per_seq == 2


# --------------------------------------------------------------------------
# StochasticAugmenter
# --------------------------------------------------------------------------


def all_seven(**overrides) -> StochasticAugmenter:
    spec = {name: {} for name in PRIORITY_ORDER}
    return StochasticAugmenter(build_augmentations(spec), **overrides)


def test_hard_choices_have_exactly_k_uniformly_placed_augmentations():
    n = 6000
    choices = all_seven(max_augs_per_seq=3, hard_aug=True).sample_choices(n, generator(20))
    assert choices.shape == (n, 7) and choices.dtype == torch.bool
    assert torch.all(choices.sum(dim=1) == 3)
    marginal = choices.double().mean(dim=0)
    assert torch.allclose(marginal, torch.full((7,), 3 / 7, dtype=torch.float64), atol=binomial_tolerance(3 / 7, n))
    pairs = (choices[:, 0] & choices[:, 6]).double().mean().item()  # P(both) = C(5,1)/C(7,3)
    assert abs(pairs - 5 / 35) < binomial_tolerance(5 / 35, n)


def test_soft_choices_have_uniform_counts():
    n = 6000
    choices = all_seven(max_augs_per_seq=3, hard_aug=False).sample_choices(n, generator(21))
    observed = frequencies(choices.sum(dim=1), 1, 3)
    assert torch.allclose(observed, torch.full((3,), 1 / 3, dtype=torch.float64), atol=binomial_tolerance(1 / 3, n))


def test_augmenter_applies_all_chosen_augmentations_in_priority_order():
    augmentations = [AUGMENTATIONS[name]() for name in reversed(PRIORITY_ORDER)]
    augmenter = StochasticAugmenter(augmentations, 7, True)
    assert augmenter.names == PRIORITY_ORDER
    x = random_bases(32, 100, generator(22))
    choices = torch.ones((32, 7), dtype=torch.bool)
    out = augmenter.apply_choices(x, choices, generator(23))
    expected, stream = x, generator(23)
    for name in PRIORITY_ORDER:
        expected = AUGMENTATIONS[name]()(expected, stream)
    assert torch.equal(out, expected)


def test_augmenter_pads_sequences_without_insertion_at_the_3_prime_end():
    length, insert_max = 30, 5
    augmenter = StochasticAugmenter(
        [RandomRC(rc_prob=1.0), RandomInsertion(0, insert_max), RandomTranslocation(3, 3)], 2, False
    )
    assert augmenter.names == ("translocation", "insertion", "reverse_complement")
    x = tagged(4, length)
    choices = torch.tensor([[False, False, False], [False, False, True], [False, True, False], [False, True, True]])
    out = augmenter.apply_choices(x, choices, generator(25))
    assert out.shape == (4, 4, length + insert_max)
    site, complemented = sources(out)
    positions = torch.arange(length)
    assert torch.equal(out[0, :, :length], x[0])  # untouched, then random 3' padding
    assert torch.equal(site[1, :length], positions.flip(0)) and complemented[1, :length].all()
    assert_one_hot(out[:2, :, length:])
    assert torch.equal(site[2][site[2] >= 0], positions)  # an insertion, no extra padding
    assert (site[2] < 0).sum() == insert_max
    assert torch.equal(site[3][site[3] >= 0], positions.flip(0)) and complemented[3][site[3] >= 0].all()


def test_padding_is_not_touched_by_later_augmentations():
    augmenter = StochasticAugmenter([RandomInsertion(0, 6), RandomNoise(noise_std=0.5)], 1, True)
    x = random_bases(8, 25, generator(26))
    out = augmenter.apply_choices(x, torch.tensor([[False, True]] * 8), generator(27))
    assert out.shape == (8, 4, 31)
    assert_one_hot(out[:, :, 25:])
    assert not torch.equal(out[:, :, :25], x)


def test_length_preserving_augmenter_keeps_length():
    augmenter = all_seven(max_augs_per_seq=3, hard_aug=True, length_preserving_insertion=True)
    x = random_bases(64, 120, generator(28), dtype=torch.float64)
    assert augmenter.output_length(120) == 120 and augmenter.padding == 0
    out = augmenter(x, generator(29))
    assert out.shape == x.shape and out.dtype == torch.float64
    assert augmenter.pad_for_evaluation(x, generator()) is x


def test_augmenter_output_is_one_hot_without_noise_and_varies_between_sequences():
    spec = {name: {} for name in PRIORITY_ORDER if name != "noise"}
    augmenter = StochasticAugmenter(build_augmentations(spec), 3, hard_aug=False)
    x = random_bases(1, 200, generator(30), dtype=torch.float64).expand(256, -1, -1).contiguous()
    out = augmenter(x, generator(31))
    assert out.shape == (256, 4, 220) and augmenter.output_length(200) == 220
    assert_one_hot(out)
    assert len({tuple(row.flatten().tolist()) for row in out}) > 200
    assert torch.equal(out, augmenter(x, generator(31)))
    assert not torch.equal(out, augmenter(x, generator(32)))
    assert augmenter(x[:0], generator()).shape == (0, 4, 220)


def test_pad_for_evaluation_appends_random_bases():
    augmenter = all_seven(max_augs_per_seq=2, hard_aug=True)
    x = random_bases(10, 50, generator(33))
    padded = augmenter.pad_for_evaluation(x, generator(34))
    assert padded.shape == (10, 4, 70)
    assert torch.equal(padded[:, :, :50], x)
    assert_one_hot(padded)
    no_insertion = StochasticAugmenter([RandomRC(), RandomMutation()], 1, True)
    assert no_insertion.output_length(50) == 50
    assert no_insertion.pad_for_evaluation(x, generator()) is x


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_batches_use_a_cuda_generator():
    device = torch.device("cuda")
    cuda_generator = torch.Generator(device=device).manual_seed(0)
    augmenter = all_seven(max_augs_per_seq=3, hard_aug=True)
    x = random_bases(32, 100, cuda_generator)
    out = augmenter(x, cuda_generator)
    assert out.device.type == "cuda" and out.shape == (32, 4, 120)
    with pytest.raises(ValueError, match="generator is on device cpu"):
        augmenter(x, generator())

import numpy as np
import pytest

from genomic_dl.seeds import MAX_SEED, derive_seed


def test_same_keys_same_seed_and_wildcard_strings_equal_ints():
    assert derive_seed(7, "simulate", "three_epoch", 200, 3) == derive_seed(7, "simulate", "three_epoch", "200", "3")


def test_seed_depends_on_master_seed_every_key_and_key_order():
    base = derive_seed(7, "train", "rows", 200, 1)
    assert derive_seed(8, "train", "rows", 200, 1) != base
    assert derive_seed(7, "train", "cols", 200, 1) != base
    assert derive_seed(7, "train", "rows", 300, 1) != base
    assert derive_seed(7, "train", "rows", 200, 2) != base
    assert derive_seed(7, "train", 200, "rows", 1) != base


def test_seeds_lie_in_msprime_range_and_do_not_collide():
    seeds = np.array(
        [derive_seed(1, "simulate", "three_epoch", S, shard) for S in range(0, 500, 100) for shard in range(200)]
    )
    assert seeds.min() >= 1 and seeds.max() <= MAX_SEED < 2**31
    assert len(np.unique(seeds)) == len(seeds)


def test_negative_master_seed_is_rejected():
    with pytest.raises(ValueError, match="master seed"):
        derive_seed(-1, "x")

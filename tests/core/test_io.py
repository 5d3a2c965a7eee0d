"""Atomic writes, archive round trips and clear errors on corrupted inputs."""

import os
import stat

import numpy as np
import pytest

from genomic_dl.io import atomic_path, load_arrays, save_arrays
from genomic_dl.popgen.image_store import load_images, save_images


def test_arrays_round_trip_with_metadata(tmp_path):
    path = tmp_path / "a.npz"
    save_arrays(path, {"seed": 3, "engine": "msprime"}, x=np.arange(6).reshape(2, 3))
    arrays, metadata = load_arrays(path, required=("x",))
    np.testing.assert_array_equal(arrays["x"], np.arange(6).reshape(2, 3))
    assert metadata == {"seed": 3, "engine": "msprime"}


def test_failed_write_leaves_no_file(tmp_path):
    path = tmp_path / "out.npz"
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_bytes(b"partial")
        raise RuntimeError("job killed")
    assert list(tmp_path.iterdir()) == []


def test_truncated_archive_is_rejected_by_name(tmp_path):
    path = tmp_path / "shard0.npz"
    save_arrays(path, {}, x=np.random.default_rng(0).integers(0, 2, size=(128, 5000), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ValueError, match="shard0.npz"):
        load_arrays(path)


def test_missing_array_is_named(tmp_path):
    path = tmp_path / "b.npz"
    save_arrays(path, {}, x=np.zeros(3))
    with pytest.raises(ValueError, match=r"missing array\(s\) \['offsets'\]"):
        load_arrays(path, required=("x", "offsets"))


def test_images_round_trip_bit_packed(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 2, size=(7, 12, 20), dtype=np.uint8)  # width not a multiple of 8
    save_images(tmp_path / "i.npz", images, np.arange(7.0), {"sorting": "rows"})
    save_images(tmp_path / "j.npz", images[:2], np.zeros(2), {"sorting": "rows"})
    loaded, labels = load_images([tmp_path / "i.npz", tmp_path / "j.npz"])
    np.testing.assert_array_equal(loaded, np.concatenate([images, images[:2]]))
    np.testing.assert_array_equal(labels, np.concatenate([np.arange(7.0), np.zeros(2)]))


def test_image_shards_of_different_shapes_are_rejected(tmp_path):
    save_images(tmp_path / "a.npz", np.zeros((1, 4, 8), np.uint8), [0.0], {})
    save_images(tmp_path / "b.npz", np.zeros((1, 4, 16), np.uint8), [0.0], {})
    with pytest.raises(ValueError, match="differ in image shape"):
        load_images([tmp_path / "a.npz", tmp_path / "b.npz"])


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_atomic_writes_get_the_users_umask_not_mkstemps_0600(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = tmp_path / "table.npz"
        save_arrays(path, {"seed": 1}, x=np.zeros(3))
        with atomic_path(tmp_path / "raw.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(old)
    for written in (path, tmp_path / "raw.txt"):
        assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask, written

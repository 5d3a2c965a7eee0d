"""Reading and writing EvoAug data files in both key layouts."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from genomic_dl.evoaug2023.h5data import SPLITS, EvoAugH5, load_evoaug_h5, write_evoaug_h5


def random_splits(rng: np.random.Generator, sizes=(30, 7, 11), length=25, n_tasks=3) -> dict[str, np.ndarray]:
    """One-hot x (N, 4, L) float32 and y (N, T) for each split."""
    arrays = {}
    for split, n in zip(SPLITS, sizes):
        codes = rng.integers(0, 4, size=(n, length))
        arrays[f"x_{split}"] = (codes[:, None, :] == np.arange(4)[None, :, None]).astype(np.float32)
        arrays[f"y_{split}"] = rng.random((n, n_tasks)).astype(np.float32)
    return arrays


@pytest.fixture()
def arrays() -> dict[str, np.ndarray]:
    return random_splits(np.random.default_rng(7))


@pytest.mark.parametrize("layout, x_key, y_key", [("upper", "X_train", "Y_test"), ("lower", "x_train", "y_test")])
def test_round_trip_in_both_layouts(tmp_path, arrays, layout, x_key, y_key):
    path = tmp_path / f"{layout}.h5"
    write_evoaug_h5(path, arrays, layout=layout)
    with h5py.File(path) as handle:
        assert set(handle) == {f"{p}_{s}" for p in (x_key[0], y_key[0]) for s in SPLITS}
    loaded = load_evoaug_h5(path)
    assert set(loaded) == set(arrays)
    for key, values in arrays.items():
        np.testing.assert_array_equal(loaded[key], values)
        assert loaded[key].dtype == values.dtype


def test_channels_last_files_are_transposed(tmp_path, arrays):
    path = tmp_path / "channels_last.h5"
    with h5py.File(path, "w") as handle:
        for split in SPLITS:
            handle[f"x_{split}"] = arrays[f"x_{split}"].transpose(0, 2, 1)  # (N, L, 4)
            handle[f"y_{split}"] = arrays[f"y_{split}"]
    with EvoAugH5(path) as data:
        assert data.channels_last and data.layout == "lower"
        assert data.sequence_length == 25
    loaded = load_evoaug_h5(path)
    np.testing.assert_array_equal(loaded["x_valid"], arrays["x_valid"])
    assert loaded["x_valid"].flags.c_contiguous


def test_subsets_are_read_in_the_requested_order(tmp_path, arrays):
    path = tmp_path / "data.h5"
    write_evoaug_h5(path, arrays)
    wanted = np.array([5, 0, 5, 29, -1])
    loaded = load_evoaug_h5(path, splits=("train",), indices={"train": wanted})
    assert set(loaded) == {"x_train", "y_train"}
    np.testing.assert_array_equal(loaded["x_train"], arrays["x_train"][wanted])
    np.testing.assert_array_equal(loaded["y_train"], arrays["y_train"][wanted])
    with EvoAugH5(path) as data:
        assert [data.split_size(s) for s in SPLITS] == [30, 7, 11]
        assert data.n_tasks == 3
        x, y = data.read("test", indices=slice(2, 6), dtype=np.uint8)
    assert x.dtype == np.uint8
    np.testing.assert_array_equal(x, arrays["x_test"][2:6])
    np.testing.assert_array_equal(y, arrays["y_test"][2:6])


def test_out_of_range_indices_name_the_dataset(tmp_path, arrays):
    path = tmp_path / "data.h5"
    write_evoaug_h5(path, arrays, layout="upper")
    with pytest.raises(ValueError, match="X_valid.*out of range"):
        load_evoaug_h5(path, indices={"valid": [0, 7]})
    with pytest.raises(ValueError, match="not being read"):
        load_evoaug_h5(path, splits=("train",), indices={"test": [0]})


def test_one_dimensional_targets_become_a_column(tmp_path, arrays):
    path = tmp_path / "chip.h5"
    with h5py.File(path, "w") as handle:
        for split in SPLITS:
            handle[f"x_{split}"] = arrays[f"x_{split}"]
            handle[f"y_{split}"] = arrays[f"y_{split}"][:, 0]
    loaded = load_evoaug_h5(path)
    assert loaded["y_train"].shape == (30, 1)
    np.testing.assert_array_equal(loaded["y_train"][:, 0], arrays["y_train"][:, 0])


def _write_raw(path, datasets: dict[str, np.ndarray]) -> None:
    with h5py.File(path, "w") as handle:
        for key, values in datasets.items():
            handle[key] = values


def _upper(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {key[0].upper() + key[1:]: values for key, values in arrays.items()}


def test_missing_split_is_reported_with_file_and_key(tmp_path, arrays):
    path = tmp_path / "broken.h5"
    datasets = _upper(arrays)
    del datasets["Y_valid"]
    _write_raw(path, datasets)
    with pytest.raises(ValueError, match=r"broken\.h5.*'Y_valid'"):
        load_evoaug_h5(path)


def test_unknown_layout_lists_the_keys(tmp_path, arrays):
    path = tmp_path / "other.h5"
    _write_raw(path, {"inputs": arrays["x_train"]})
    with pytest.raises(ValueError, match=r"other\.h5.*X_train.*'inputs'"):
        load_evoaug_h5(path)


def test_wrong_shapes_are_rejected(tmp_path, arrays):
    path = tmp_path / "five_channels.h5"
    datasets = _upper(arrays)
    datasets["X_test"] = np.zeros((11, 5, 25), dtype=np.float32)
    _write_raw(path, datasets)
    with pytest.raises(ValueError, match=r"'X_test' has shape \(11, 5, 25\)"):
        load_evoaug_h5(path)
    datasets = _upper(arrays)
    datasets["Y_train"] = datasets["Y_train"][:-1]
    _write_raw(path, datasets)
    with pytest.raises(ValueError, match="'Y_train' has shape"):
        load_evoaug_h5(path)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.h5"):
        load_evoaug_h5(tmp_path / "nowhere.h5")
    text = tmp_path / "text.h5"
    text.write_text("not hdf5")
    with pytest.raises(ValueError, match="text.h5"):
        load_evoaug_h5(text)


def test_writer_checks_inputs_and_leaves_nothing_on_failure(tmp_path, arrays):
    path = tmp_path / "out.h5"
    incomplete = dict(arrays)
    del incomplete["y_test"]
    with pytest.raises(ValueError, match="y_test"):
        write_evoaug_h5(path, incomplete)
    with pytest.raises(ValueError, match="layout"):
        write_evoaug_h5(path, arrays, layout="mixed")
    with pytest.raises(ValueError, match="clash"):
        write_evoaug_h5(path, arrays, layout="lower", extra={"x_train": np.zeros(1)})
    assert list(tmp_path.iterdir()) == []


def test_extra_datasets_and_attributes_are_stored_beside_the_splits(tmp_path, arrays):
    path = tmp_path / "extra.h5"
    extra = {"activity_train": np.arange(30.0), "planted_train/start": np.arange(4)}
    write_evoaug_h5(path, arrays, extra=extra, attrs={"note": "synthetic"}, compression="gzip")
    with h5py.File(path) as handle:
        np.testing.assert_array_equal(handle["planted_train/start"][()], np.arange(4))
        assert handle.attrs["note"] == "synthetic"
        assert handle["X_train"].compression == "gzip"
    np.testing.assert_array_equal(load_evoaug_h5(path)["x_train"], arrays["x_train"])


def corrupt(path, key, index, value):
    """Set ``key[index] = value`` in the file (``index`` None: replace the whole dataset)."""
    with h5py.File(path, "r+") as handle:
        data = handle[key][()]
        if index is None:
            data = value
        else:
            data[index] = value
        del handle[key]
        handle.create_dataset(key, data=data)


@pytest.mark.parametrize("value", [254, 255])
def test_bit_flipped_one_hot_stops_naming_file_key_and_position(tmp_path, arrays, value):
    path = tmp_path / "Basset_data.h5"
    arrays["x_train"] = arrays["x_train"].astype(np.uint8)
    write_evoaug_h5(path, arrays, layout="upper")
    corrupt(path, "X_train", (5, 2, 17), value)
    with pytest.raises(ValueError) as error:
        load_evoaug_h5(path)
    message = str(error.value)
    for fragment in (str(path), "'X_train'", "not one-hot", f"value {value}", "sequence 5", "position 17"):
        assert fragment in message, message


def test_subset_reads_report_the_file_row(tmp_path, arrays):
    path = tmp_path / "d.h5"
    write_evoaug_h5(path, arrays, layout="lower")
    corrupt(path, "x_valid", (4, 0, 3), 0.5)
    with EvoAugH5(path) as data:
        data.read("valid", indices=[0, 1])  # the corrupted row is not read: fine
        with pytest.raises(ValueError, match=r"'x_valid'.*sequence 4, channel 0, position 3"):
            data.read("valid", indices=[1, 4])


def test_two_ones_at_a_position_are_rejected_but_n_padding_is_allowed(tmp_path, arrays):
    path = tmp_path / "d.h5"
    arrays["x_test"][3, :, 9] = 0  # N: all-zero column, allowed
    write_evoaug_h5(path, arrays, layout="upper")
    load_evoaug_h5(path)
    x = arrays["x_test"].copy()
    x[2, :, 4] = [1, 1, 0, 0]
    corrupt(path, "X_test", None, x)
    with pytest.raises(ValueError, match=r"'X_test'.*sequence 2, position 4 has 2 ones"):
        load_evoaug_h5(path)


def test_channels_last_corruption_is_located_in_stored_axes(tmp_path, arrays):
    path = tmp_path / "d.h5"
    stored = {k: (v.transpose(0, 2, 1) if k.startswith("x_") else v) for k, v in arrays.items()}
    with h5py.File(path, "w") as handle:
        for key, values in stored.items():
            handle[key] = values
    corrupt(path, "x_train", (1, 6, 3), 7)  # sequence 1, position 6, channel 3
    with pytest.raises(ValueError, match=r"value 7\.0 at sequence 1, channel 3, position 6"):
        load_evoaug_h5(path)


def test_non_numeric_or_non_finite_data_is_rejected(tmp_path, arrays):
    path = tmp_path / "d.h5"
    arrays["y_train"][0, 1] = np.nan
    write_evoaug_h5(path, arrays)
    with pytest.raises(ValueError, match=r"'Y_train': non-finite target"):
        load_evoaug_h5(path)
    arrays["y_train"][0, 1] = 0
    write_evoaug_h5(path, arrays)
    corrupt(path, "X_valid", None, np.full(arrays["x_valid"].shape, b"a", dtype="S1"))
    with pytest.raises(ValueError, match=r"'X_valid' has dtype \|S1"):
        load_evoaug_h5(path)

"""Reading and writing the EvoAug data files (Zenodo record 7265991) in their own HDF5 layout.

The published files hold one pair of datasets per split, under one of two key layouts:

* ``"upper"`` (``Basset_data.h5``, ``DeepSTARR_data.h5``): ``X_train, Y_train, X_valid, Y_valid,
  X_test, Y_test``;
* ``"lower"`` (the ChIP-seq files ``{TF}_200.h5``): ``x_train, y_train, ..., y_test``.

Sequences are one-hot arrays of shape ``(N, 4, L)`` (channels A, C, G, T). A file that stores them
as ``(N, L, 4)`` is accepted too: it is recognised by the position of the axis of size 4 and
transposed to ``(N, 4, L)`` on reading (when ``L == 4`` the stored order is taken to be
``(N, 4, L)``). Targets are ``(N, T)``; a one-dimensional ``(N,)`` target is returned as
``(N, 1)``.

Every read is checked (:func:`check_one_hot`): inputs must hold only 0 and 1 with one 1 per
position (an all-zero position, N-padding, is allowed), targets must be finite, and both must be
numeric; a corrupted file (e.g. bit-flipped bytes 254, 255) stops with a ``ValueError`` naming the
file, the dataset key, the first offending sequence and position, and the value found.

Whatever the layout, this module's functions speak one vocabulary: split names ``train``,
``valid``, ``test`` and array names ``x_<split>``, ``y_<split>``. The real Basset file is large
(about 437,000 x 4 x 600 training sequences), so :class:`EvoAugH5` reads single splits or index
subsets through h5py slicing without loading the rest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import h5py
import numpy as np

from genomic_dl.io import atomic_path

__all__ = ["LAYOUTS", "SPLITS", "EvoAugH5", "check_one_hot", "check_targets", "load_evoaug_h5", "write_evoaug_h5"]

#: The three splits of every EvoAug data file, in file order.
SPLITS = ("train", "valid", "test")

#: Key prefixes (inputs, targets) of each layout.
LAYOUTS = {"upper": ("X", "Y"), "lower": ("x", "y")}

N_NUCLEOTIDES = 4

Indices = np.ndarray | Sequence[int] | slice | None


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def _check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {tuple(LAYOUTS)}, got {layout!r}")


def _detect_layout(path: Path, keys: Sequence[str]) -> str:
    """Return the layout whose training inputs are among ``keys``."""
    for layout, (x_prefix, _) in LAYOUTS.items():
        if f"{x_prefix}_train" in keys:
            return layout
    raise ValueError(
        f"{path}: neither 'X_train' (Basset/DeepSTARR layout) nor 'x_train' (ChIP-seq layout) "
        f"found; the file holds {sorted(keys)}"
    )


def _is_channels_last(path: Path, key: str, shape: tuple[int, ...]) -> bool:
    """Whether inputs of ``shape`` are stored ``(N, L, 4)`` rather than ``(N, 4, L)``."""
    if len(shape) == 3 and shape[1] == N_NUCLEOTIDES:
        return False
    if len(shape) == 3 and shape[2] == N_NUCLEOTIDES:
        return True
    raise ValueError(f"{path}: dataset '{key}' has shape {shape}; expected one-hot (N, 4, L) or (N, L, 4)")


#: Rows checked at a time (bounds the temporary memory of the one-hot check).
CHECK_ROWS = 4096


def check_one_hot(
    x: np.ndarray,
    where: str,
    rows: np.ndarray | None = None,
    channel_axis: int = 1,
    allow_padding: bool = True,
    hint: str = "; the file is corrupted: download or generate it again",
) -> None:
    """Raise ``ValueError`` unless ``x`` (N, 4, L) is one-hot: values 0/1, each position summing to 1
    (or 0: an N, padding, where ``allow_padding``). ``where`` names file and key (or argument);
    ``rows`` maps x's rows to file rows; ``hint`` ends the message."""
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{where}: dtype {x.dtype}; expected a numeric one-hot array")
    for start in range(0, len(x), CHECK_ROWS):
        block = x[start : start + CHECK_ROWS]
        bad = (block != 0) & (block != 1)
        if bad.any():
            n, c, pos = np.argwhere(bad)[0] if channel_axis == 1 else np.argwhere(bad)[0][[0, 2, 1]]
            value = block[(n, c, pos) if channel_axis == 1 else (n, pos, c)].item()
            row = int(rows[start + n]) if rows is not None else start + int(n)
            raise ValueError(
                f"{where}: not one-hot: value {value!r} at sequence {row}, channel {int(c)}, position "
                f"{int(pos)} (expected 0 or 1; {int(bad.sum())} such values in rows {start}-{start + len(block) - 1}"
                f" read){hint}"
            )
        sums = block.sum(axis=channel_axis)
        bad = (sums != 1) & ((sums != 0) | (not allow_padding))
        if bad.any():
            n, pos = np.argwhere(bad)[0]
            row = int(rows[start + n]) if rows is not None else start + int(n)
            raise ValueError(
                f"{where}: not one-hot: sequence {row}, position {int(pos)} has {int(sums[n, pos])} ones "
                f"(expected exactly 1{', or 0 for N-padding' if allow_padding else ''}){hint}"
            )


def check_targets(y: np.ndarray, where: str) -> None:
    """Raise ``ValueError`` unless the targets are numeric and finite."""
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{where}: dtype {y.dtype}; expected numeric targets")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        bad = np.argwhere(~np.isfinite(y))[0]
        raise ValueError(f"{where}: non-finite target {y[tuple(bad)].item()!r} at index {tuple(int(i) for i in bad)}")


def _sorted_unique(indices: np.ndarray, n: int, path: Path, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Increasing unique indices (what h5py's fancy indexing needs) and the map back to ``indices``."""
    if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(
            f"{path}: indices into '{key}' must be a 1-D integer array, got {indices.dtype} {indices.shape}"
        )
    if indices.size and (indices.min() < -n or indices.max() >= n):
        raise ValueError(f"{path}: indices into '{key}' out of range for {n} sequences")
    unique, inverse = np.unique(np.where(indices < 0, indices + n, indices), return_inverse=True)
    return unique, inverse


class EvoAugH5:
    """An open EvoAug data file; reads splits, or index subsets of splits, on demand.

    Use as a context manager::

        with EvoAugH5("Basset_data.h5") as data:
            n = data.split_size("train")
            x, y = data.read("train", indices=np.arange(1000))

    Parameters
    ----------
    path
        The HDF5 file. Raises ``FileNotFoundError`` when it does not exist and ``ValueError`` naming
        the file when it is not an EvoAug data file (no layout recognised, a split missing, wrong
        shapes, inputs and targets of different lengths).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"EvoAug data file not found: {self.path}")
        try:
            self._file = h5py.File(self.path, "r")
        except OSError as error:
            raise ValueError(f"{self.path}: not a readable HDF5 file ({error})") from error
        try:
            self.layout = _detect_layout(self.path, list(self._file.keys()))
            self._check_datasets()
        except Exception:
            self._file.close()
            raise

    def _key(self, kind: str, split: str) -> str:
        """The file's key of ``kind`` ("x" or "y") for ``split``."""
        x_prefix, y_prefix = LAYOUTS[self.layout]
        return f"{x_prefix if kind == 'x' else y_prefix}_{split}"

    def _dataset(self, kind: str, split: str) -> h5py.Dataset:
        key = self._key(kind, split)
        if key not in self._file or not isinstance(self._file[key], h5py.Dataset):
            raise ValueError(
                f"{self.path}: missing dataset '{key}' ({self.layout}-case layout); found {sorted(self._file.keys())}"
            )
        return self._file[key]

    def _check_datasets(self) -> None:
        """Check that every split has inputs and targets of consistent shapes."""
        lengths = set()
        for split in SPLITS:
            x, y = self._dataset("x", split), self._dataset("y", split)
            channels_last = _is_channels_last(self.path, x.name.lstrip("/"), x.shape)
            lengths.add(x.shape[1] if channels_last else x.shape[2])
            for dataset, what in ((x, "one-hot inputs"), (y, "targets")):
                if dataset.dtype.kind not in "biuf":
                    raise ValueError(
                        f"{self.path}: '{dataset.name.lstrip('/')}' has dtype {dataset.dtype}; expected numeric {what}"
                    )
            if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
                raise ValueError(
                    f"{self.path}: '{y.name.lstrip('/')}' has shape {y.shape}; expected ({x.shape[0]},) or "
                    f"({x.shape[0]}, T) to match '{x.name.lstrip('/')}' {x.shape}"
                )
        if len(lengths) != 1:
            raise ValueError(f"{self.path}: the splits have different sequence lengths {sorted(lengths)}")

    @property
    def channels_last(self) -> bool:
        """True when the file stores sequences ``(N, L, 4)`` (they are transposed on reading)."""
        x = self._dataset("x", "train")
        return _is_channels_last(self.path, x.name.lstrip("/"), x.shape)

    @property
    def sequence_length(self) -> int:
        """``L``, the number of nucleotides per sequence."""
        shape = self._dataset("x", "train").shape
        return shape[1] if self.channels_last else shape[2]

    @property
    def n_tasks(self) -> int:
        """``T``, the number of targets per sequence."""
        shape = self._dataset("y", "train").shape
        return 1 if len(shape) == 1 else shape[1]

    def split_size(self, split: str) -> int:
        """Number of sequences in ``split``."""
        _check_split(split)
        return self._dataset("x", split).shape[0]

    def read(self, split: str, indices: Indices = None, dtype: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Read inputs and targets of ``split``.

        Parameters
        ----------
        split
            ``"train"``, ``"valid"`` or ``"test"``.
        indices
            ``None`` (the whole split), a ``slice``, or a 1-D integer array of sequence indices in
            any order, repeats allowed (negative indices count from the end). Only those rows are
            read from disk.
        dtype
            dtype of the returned inputs; ``None`` keeps the stored dtype.

        Returns
        -------
        x : ndarray, shape (n, 4, L)
            One-hot sequences, channels A, C, G, T.
        y : ndarray, shape (n, T)
            Targets, stored dtype.
        """
        _check_split(split)
        x_set, y_set = self._dataset("x", split), self._dataset("y", split)
        x = self._read_rows(x_set, indices)
        y = self._read_rows(y_set, indices)
        rows = np.arange(x_set.shape[0])[indices] if indices is not None else None
        check_one_hot(x, f"{self.path}: '{x_set.name.lstrip('/')}'", rows, channel_axis=2 if self.channels_last else 1)
        check_targets(y, f"{self.path}: '{y_set.name.lstrip('/')}'")
        if self.channels_last:
            x = np.ascontiguousarray(x.transpose(0, 2, 1))
        if dtype is not None:
            x = x.astype(dtype, copy=False)
        return x, y.reshape(len(y), -1)

    def _read_rows(self, dataset: h5py.Dataset, indices: Indices) -> np.ndarray:
        if indices is None:
            return dataset[()]
        if isinstance(indices, slice):
            return dataset[indices]
        unique, inverse = _sorted_unique(np.asarray(indices), dataset.shape[0], self.path, dataset.name.lstrip("/"))
        return dataset[unique][inverse]

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def load_evoaug_h5(
    path: str | os.PathLike,
    splits: Sequence[str] = SPLITS,
    indices: Mapping[str, Indices] | None = None,
    dtype: Any = None,
) -> dict[str, np.ndarray]:
    """Load an EvoAug data file (either key layout) into memory.

    Parameters
    ----------
    path
        The HDF5 file.
    splits
        Which splits to read.
    indices
        Optional ``{split: indices}`` to read only a subset of a split (see :meth:`EvoAugH5.read`).
    dtype
        dtype of the returned inputs; ``None`` keeps the stored dtype.

    Returns
    -------
    dict
        ``x_<split>``: ndarray (N, 4, L) and ``y_<split>``: ndarray (N, T) for each requested split.
    """
    indices = dict(indices or {})
    unknown = sorted(set(indices) - set(splits))
    if unknown:
        raise ValueError(f"indices given for split(s) {unknown} that are not being read (splits={tuple(splits)})")
    arrays = {}
    with EvoAugH5(path) as data:
        for split in splits:
            arrays[f"x_{split}"], arrays[f"y_{split}"] = data.read(split, indices.get(split), dtype)
    return arrays


def _check_arrays(arrays: Mapping[str, np.ndarray]) -> int:
    """Check ``x_<split>`` (N, 4, L) and ``y_<split>`` (N, T) for every split; return ``L``."""
    lengths = set()
    for split in SPLITS:
        for kind in ("x", "y"):
            if f"{kind}_{split}" not in arrays:
                raise ValueError(f"arrays: missing '{kind}_{split}'; need x_ and y_ for each of {SPLITS}")
        x, y = np.asarray(arrays[f"x_{split}"]), np.asarray(arrays[f"y_{split}"])
        if x.ndim != 3 or x.shape[1] != N_NUCLEOTIDES:
            raise ValueError(f"arrays['x_{split}']: expected shape (N, 4, L), got {x.shape}")
        if y.ndim != 2 or y.shape[0] != x.shape[0]:
            raise ValueError(f"arrays['y_{split}']: expected shape ({x.shape[0]}, T), got {y.shape}")
        lengths.add(x.shape[2])
    if len(lengths) != 1:
        raise ValueError(f"arrays: the splits have different sequence lengths {sorted(lengths)}")
    return lengths.pop()


def write_evoaug_h5(
    path: str | os.PathLike,
    arrays: Mapping[str, np.ndarray],
    layout: str = "upper",
    *,
    extra: Mapping[str, np.ndarray] | None = None,
    attrs: Mapping[str, Any] | None = None,
    compression: str | None = None,
) -> None:
    """Write splits in the EvoAug key layout, atomically (nothing appears at ``path`` on failure).

    Parameters
    ----------
    path
        Destination ``.h5`` file.
    arrays
        ``x_<split>``: (N, 4, L) one-hot inputs and ``y_<split>``: (N, T) targets for each of
        ``train``, ``valid``, ``test`` (any dtypes; stored as given).
    layout
        ``"upper"`` (``X_train`` ..., Basset/DeepSTARR) or ``"lower"`` (``x_train`` ..., ChIP-seq).
    extra
        Further datasets ``{name: array}`` stored beside the splits (``"group/name"`` creates
        groups); the loaders of this module ignore them.
    attrs
        File attributes (strings, numbers or arrays).
    compression
        h5py compression filter for every dataset (``None``, ``"gzip"``, ``"lzf"``).
    """
    _check_layout(layout)
    _check_arrays(arrays)
    x_prefix, y_prefix = LAYOUTS[layout]
    datasets = {}
    for split in SPLITS:
        datasets[f"{x_prefix}_{split}"] = arrays[f"x_{split}"]
        datasets[f"{y_prefix}_{split}"] = arrays[f"y_{split}"]
    clashes = sorted(set(datasets) & set(extra or {}))
    if clashes:
        raise ValueError(f"extra: dataset name(s) {clashes} clash with the split datasets")
    datasets.update(extra or {})
    with atomic_path(path, suffix=".h5") as tmp, h5py.File(tmp, "w") as handle:
        for name, values in datasets.items():
            values = np.asarray(values)
            # Filters need chunked storage, which scalar and empty datasets cannot have.
            handle.create_dataset(name, data=values, compression=compression if values.ndim and values.size else None)
        handle.attrs.update(dict(attrs or {}))

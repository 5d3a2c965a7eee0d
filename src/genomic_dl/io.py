"""Atomic file writing (JSON, CSV, arrays) and the compressed array-archive format shared by every rule.

A job that dies half-way must never leave a file that looks complete: every writer here writes to
a temporary file in the destination directory and renames it into place (``os.replace`` is atomic
on POSIX file systems). The renamed file gets the mode an ordinary ``open`` would give it,
``0o666 & ~umask``, not ``mkstemp``'s private ``0o600``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np


def current_umask() -> int:
    """The process's umask (read by setting and restoring it; there is no read-only call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds.

    On an exception the temporary file is removed and nothing appears at ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0o600; results are meant to be shared like any file the user writes.
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    """A JSON file's content; ``ValueError`` naming the file when it is not valid JSON."""
    try:
        return json.loads(Path(path).read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error})") from error


def write_csv(frame: Any, path: str | os.PathLike) -> None:
    """Write the pandas DataFrame ``frame`` as CSV atomically (floats to 6 significant digits): every
    figure's table. (pandas is not imported here: rules whose env lacks it import this module too.)"""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def save_arrays(path: str | os.PathLike, metadata: dict, **arrays: np.ndarray) -> None:
    """Write ``arrays`` and a JSON ``metadata`` dict to a compressed ``.npz`` archive, atomically."""
    if "metadata" in arrays:
        raise ValueError("'metadata' is reserved for the metadata dict")
    meta = np.array(json.dumps(metadata, sort_keys=True, default=_json_default))
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, metadata=meta, **arrays)


def load_arrays(path: str | os.PathLike, required: tuple[str, ...] = ()) -> tuple[dict[str, np.ndarray], dict]:
    """Read an archive written by :func:`save_arrays`; return ``(arrays, metadata)``.

    Raises ``ValueError`` naming the file when it is not such an archive or lacks a key in
    ``required``.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except FileNotFoundError:
        raise
    except Exception as error:  # truncated or corrupted: BadZipFile, zlib.error, EOFError, ValueError
        raise ValueError(f"{path}: not a readable .npz archive ({type(error).__name__}: {error})") from error
    if "metadata" not in arrays:
        raise ValueError(f"{path}: missing the 'metadata' entry written by genomic_dl.io.save_arrays")
    missing = [key for key in required if key not in arrays]
    if missing:
        raise ValueError(f"{path}: missing array(s) {missing}; found {sorted(arrays)}")
    metadata = json.loads(str(arrays.pop("metadata")))
    return arrays, metadata

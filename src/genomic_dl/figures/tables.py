"""Writing the tables that accompany every figure."""

from __future__ import annotations

import os

import pandas as pd

from genomic_dl.io import atomic_path


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``frame`` as CSV atomically (floats to 6 significant digits)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")

"""Figures: the non-interactive backend and the one PDF saver of every paper's figures."""

from __future__ import annotations

import os
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from genomic_dl.io import atomic_path


def save_pdf(fig: Any, path: str | os.PathLike, *, tight: bool = True) -> None:
    """Write ``fig`` as a PDF atomically (``tight``: cropped to its content), then close it."""
    with atomic_path(path) as tmp:
        if tight:
            fig.savefig(tmp, format="pdf", bbox_inches="tight")
        else:
            fig.savefig(tmp, format="pdf")
    plt.close(fig)

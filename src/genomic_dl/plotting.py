"""Figures: the non-interactive backend and the one PDF saver of every paper's figures."""

from __future__ import annotations

import math
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


def plural(count: float, singular: str, plural_form: str | None = None) -> str:
    """``count`` and the noun in the right number: ``1 seed``, ``3 seeds``, ``0 seeds``.

    ``plural_form`` for irregular nouns (default: ``singular + "s"``). Every figure title that
    counts something goes through here, so none reads "1 seeds" or "seed(s)".
    """
    n = int(count)
    return f"{n} {singular if n == 1 else (plural_form or singular + 's')}"


def set_bar_ylim(ax: Any, heights: Any = (), upper: Any = (), *, top: float = 1.0) -> tuple[float, float]:
    """Y-axis of a bar chart: from 0 (a bar's length is its value; a floor above 0 hides low bars,
    such as a classifier at chance) to ``top`` or the highest bar or error-bar end, if higher.

    Returns the limits set.
    """
    values = [float(v) for v in [*list(heights), *list(upper)] if not math.isnan(float(v))]
    high = max([top, *values]) if values else top
    limits = (0.0, high if high == top else high * 1.02)
    ax.set_ylim(*limits)
    return limits

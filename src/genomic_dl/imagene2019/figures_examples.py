"""ImaGene (Torada et al. 2019) Figs 1 and 2: example images of one region."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from genomic_dl.imagene2019.figures import SORTING_LABELS
from genomic_dl.plotting import save_pdf
from genomic_dl.popgen.encodings import NUCLEOTIDE_COLOURS, NUCLEOTIDES


def encodings_table(panels: dict[str, np.ndarray], population_names: Sequence[str]) -> pd.DataFrame:
    """Long table of the numeric Fig 1 panels: panel, row label, site (column), value."""
    frames = []
    frequency = panels["derived_frequency"]
    for name, matrix, labels in (
        ("b_population_derived_frequency", frequency, list(population_names)),
        (
            "d_haplotype_derived_allele",
            panels["derived"],
            [f"haplotype {i}" for i in range(panels["derived"].shape[0])],
        ),
        ("e_haplotype_minor_allele", panels["minor"], [f"haplotype {i}" for i in range(panels["minor"].shape[0])]),
    ):
        rows, cols = np.indices(matrix.shape)
        frames.append(
            pd.DataFrame(
                {
                    "panel": name,
                    "row": np.asarray(labels)[rows.ravel()],
                    "site": panels["site_index"][cols.ravel()],
                    "value": matrix.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def plot_encodings(
    panels: dict[str, np.ndarray],
    population_names: Sequence[str],
    focal_name: str,
    source: str,
    pdf_path: str | os.PathLike,
) -> None:
    """Fig 1: (a, b) population rows, nucleotide mix and derived frequency; (c-e) focal haplotypes."""
    n_sites = panels["derived_frequency"].shape[1]
    fig = plt.figure(figsize=(11, 9))
    grid = fig.add_gridspec(5, 1, height_ratios=[0.5, 0.5, 2, 2, 2], hspace=0.45)
    axes = [fig.add_subplot(grid[i]) for i in range(5)]
    common = {"aspect": "auto", "interpolation": "nearest"}
    axes[0].imshow(panels["population_nucleotides"], **common)
    axes[1].imshow(panels["derived_frequency"], cmap="Greys", vmin=0, vmax=1, **common)
    axes[2].imshow(panels["haplotype_nucleotides"], **common)
    axes[3].imshow(panels["derived"], cmap="Greys", vmin=0, vmax=1, **common)
    axes[4].imshow(panels["minor"], cmap="Greys", vmin=0, vmax=1, **common)
    titles = [
        "a  populations: frequencies of the four nucleotides",
        "b  populations: derived-allele frequency (black = 1)",
        f"c  {focal_name} haplotypes: nucleotide",
        f"d  {focal_name} haplotypes: derived allele (black)",
        f"e  {focal_name} haplotypes: minor allele over all populations (black)",
    ]
    for ax, title in zip(axes, titles):
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_xticks([])
    for ax in axes[:2]:
        ax.set_yticks(range(len(population_names)), population_names, fontsize=8)
    for ax in axes[2:]:
        ax.set_ylabel("haplotype", fontsize=8)
    axes[4].set_xlabel(f"{n_sites} sites polymorphic in at least one population (left to right = position)")
    handles = [Patch(color=colour, label=base) for base, colour in zip(NUCLEOTIDES, NUCLEOTIDE_COLOURS)]
    axes[0].legend(handles=handles, ncol=4, fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.02), frameon=False)
    fig.suptitle(f"ImaGene Fig 1: image representations of one region ({source})", fontsize=11)
    save_pdf(fig, pdf_path)


def sorting_table(images: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per sorting: image shape, density of 1s, and the number of distinct rows and columns."""
    rows = []
    for sorting, image in images.items():
        rows.append(
            {
                "sorting": sorting,
                "height": image.shape[0],
                "width": image.shape[1],
                "fraction_ones": float(image.mean()),
                "distinct_rows": len(np.unique(image, axis=0)),
                "distinct_columns": len(np.unique(image, axis=1)),
            }
        )
    return pd.DataFrame(rows)


def plot_sorting_examples(
    raw: dict[str, np.ndarray], resized: dict[str, np.ndarray], caption: str, pdf_path: str | os.PathLike
) -> None:
    """Fig 2: one region unsorted and sorted by rows, columns and both.

    Top row: the polarised, filtered haplotypes at their raw width; bottom row: the network input
    after resizing and thresholding.
    """
    sortings = list(raw)
    fig, axes = plt.subplots(2, len(sortings), figsize=(3.2 * len(sortings), 6.4), squeeze=False)
    for col, sorting in enumerate(sortings):
        for row, (images, what) in enumerate(((raw, "raw width"), (resized, "network input"))):
            ax = axes[row, col]
            ax.imshow(images[sorting], cmap="Greys", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
            ax.set_title(
                f"{'abcd'[col]}  {SORTING_LABELS[sorting]}\n{what} {images[sorting].shape[0]} x {images[sorting].shape[1]}",
                fontsize=8,
            )
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("haplotypes")
    axes[1, 0].set_ylabel("haplotypes")
    fig.suptitle(
        f"ImaGene Fig 2: the same region before and after sorting (black = minor allele)\n{caption}", fontsize=10
    )
    save_pdf(fig, pdf_path)

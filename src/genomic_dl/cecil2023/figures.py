"""Cecil & Sugden (2023) figures."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from genomic_dl.plotting import plural, save_pdf


def sfs_table(spectra: dict[str, np.ndarray]) -> pd.DataFrame:
    """Long table of polymorphic SFS classes: sample, derived count i, mean sites, proportion.

    ``spectra`` maps a sample label to its mean SFS (n + 1,) from
    :func:`genomic_dl.popgen.statistics.site_frequency_spectrum`; monomorphic classes are dropped.
    """
    rows = []
    for label, spectrum in spectra.items():
        n = len(spectrum) - 1
        polymorphic = spectrum[1:n]
        for count, sites in enumerate(polymorphic, start=1):
            rows.append(
                {
                    "sample": label,
                    "n_haplotypes": n,
                    "derived_count": count,
                    "derived_frequency": count / n,
                    "mean_sites": sites,
                    "proportion": sites / polymorphic.sum(),
                }
            )
    return pd.DataFrame(rows)


def plot_sfs(
    table: pd.DataFrame, pdf_path: str | os.PathLike, n_replicates: dict[str, int], labels: Sequence[str]
) -> None:
    """Fig F: proportion of segregating sites by derived-allele frequency, one line per sample.

    The dashed line is the standard neutral expectation (proportion of 1/i), for reference.
    """
    fig, (ax_all, ax_low) = plt.subplots(1, 2, figsize=(10, 4))
    for label in labels:
        part = table[table["sample"] == label]
        text = f"{label} ({plural(n_replicates[label], 'replicate')})"
        ax_all.plot(part["derived_frequency"], part["proportion"], label=text, lw=1.4)
        low = part[part["derived_count"] <= 10]
        ax_low.plot(low["derived_count"], low["proportion"], marker="o", ms=3, label=text, lw=1.2)
    n = int(table["n_haplotypes"].iloc[0])
    harmonic = 1 / np.arange(1, n)
    ax_all.plot(np.arange(1, n) / n, harmonic / harmonic.sum(), "k--", lw=1, label="constant size, proportion ∝ 1/i")
    ax_low.plot(np.arange(1, 11), (harmonic / harmonic.sum())[:10], "k--", lw=1)
    ax_all.set_yscale("log")
    ax_all.set_xlabel("derived allele frequency in the sample")
    ax_all.set_ylabel("proportion of segregating sites")
    ax_low.set_xlabel("derived allele count (rare end)")
    ax_low.set_ylabel("proportion of segregating sites")
    ax_all.legend(fontsize=7)
    real = " and 1000 Genomes" if any("1000 Genomes" in label for label in labels) else ""
    fig.suptitle(
        "Cecil & Sugden Fig F: neutral site frequency spectra, three-population (Gravel 2011) vs "
        f"single-population model{real}",
        fontsize=9,
    )
    fig.tight_layout()
    save_pdf(fig, pdf_path, tight=False)

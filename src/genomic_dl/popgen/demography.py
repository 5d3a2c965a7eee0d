"""Single-population demographic models built from the config.

A model is a list of epochs, each ``{"start": generations_ago, "size": diploid_size}``; the size
holds from ``start`` until the next epoch's start (the last epoch extends to the past). The
ImaGene/Cecil & Sugden three-epoch CEU model (Marth et al. 2004) is
``[{start: 0, size: 20000}, {start: 3000, size: 2000}, {start: 3500, size: 10000}]``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import msprime
import numpy as np

POPULATION = "pop"


def validate_epochs(epochs: Sequence[dict]) -> None:
    """Raise ``ValueError`` unless epochs start at 0, increase strictly, and have positive sizes."""
    if not epochs:
        raise ValueError("demography 'epochs' is empty; expected at least one {start, size}")
    starts = [float(epoch["start"]) for epoch in epochs]
    if starts[0] != 0:
        raise ValueError(f"demography 'epochs': the first epoch must start at 0, got {starts[0]}")
    if any(b <= a for a, b in itertools.pairwise(starts)):
        raise ValueError(f"demography 'epochs': start times must increase strictly, got {starts}")
    sizes = [float(epoch["size"]) for epoch in epochs]
    if any(size <= 0 for size in sizes):
        raise ValueError(f"demography 'epochs': sizes must be positive, got {sizes}")


def build_demography(epochs: Sequence[dict]) -> msprime.Demography:
    """Return the msprime demography of one population named ``"pop"`` with these epochs."""
    validate_epochs(epochs)
    demography = msprime.Demography()
    demography.add_population(name=POPULATION, initial_size=float(epochs[0]["size"]))
    for epoch in epochs[1:]:
        demography.add_population_parameters_change(
            time=float(epoch["start"]), initial_size=float(epoch["size"]), population=POPULATION
        )
    return demography


def size_at(epochs: Sequence[dict], generations_ago: np.ndarray | float) -> np.ndarray:
    """Diploid population size at the given time(s) before present (vectorised)."""
    starts = np.array([float(epoch["start"]) for epoch in epochs])
    sizes = np.array([float(epoch["size"]) for epoch in epochs])
    index = np.searchsorted(starts, np.asarray(generations_ago, dtype=float), side="right") - 1
    return sizes[index]


#: Population names of the Gravel et al. (2011) model, in sampling order.
GRAVEL_POPULATIONS = ("YRI", "CEU", "CHB")


def gravel2011(parameters: dict) -> msprime.Demography:
    """Gravel et al. (2011) three-population model (YRI, CEU, CHB) as an msprime demography.

    ``parameters`` (config ``gravel2011``; sizes in diploids, rates per generation, times in
    generations before present): ``N_ancestral``, ``N_africa``, ``N_out_of_africa``,
    ``N_europe_start``, ``N_asia_start``, ``growth_europe``, ``growth_asia``,
    ``m_africa_ooa``, ``m_africa_europe``, ``m_africa_asia``, ``m_europe_asia``,
    ``T_africa_growth``, ``T_out_of_africa``, ``T_europe_asia``.

    Backwards in time: CEU and CHB grow exponentially since their split (present sizes
    ``N_start * exp(rate * T_europe_asia)``) with symmetric migration among all three; at
    ``T_europe_asia`` they merge into the out-of-Africa population ``OOA`` (migrating with YRI);
    at ``T_out_of_africa`` OOA merges into YRI; at ``T_africa_growth`` the African size drops to
    the ancestral size.
    """
    p = parameters
    if not p["T_europe_asia"] < p["T_out_of_africa"] < p["T_africa_growth"]:
        raise ValueError(
            "gravel2011: times must satisfy T_europe_asia < T_out_of_africa < T_africa_growth, got "
            f"{p['T_europe_asia']}, {p['T_out_of_africa']}, {p['T_africa_growth']}"
        )
    demography = msprime.Demography()
    demography.add_population(name="YRI", initial_size=p["N_africa"])
    for name, start, rate in (
        ("CEU", p["N_europe_start"], p["growth_europe"]),
        ("CHB", p["N_asia_start"], p["growth_asia"]),
    ):
        demography.add_population(name=name, initial_size=start * np.exp(rate * p["T_europe_asia"]), growth_rate=rate)
    demography.add_population(name="OOA", initial_size=p["N_out_of_africa"], initially_active=False)
    demography.set_symmetric_migration_rate(["YRI", "CEU"], p["m_africa_europe"])
    demography.set_symmetric_migration_rate(["YRI", "CHB"], p["m_africa_asia"])
    demography.set_symmetric_migration_rate(["CEU", "CHB"], p["m_europe_asia"])
    demography.add_population_split(time=p["T_europe_asia"], derived=["CEU", "CHB"], ancestral="OOA")
    # A split does not stop migration into the derived (now inactive) populations: reset all.
    demography.add_migration_rate_change(time=p["T_europe_asia"], rate=0)
    demography.add_symmetric_migration_rate_change(
        time=p["T_europe_asia"], populations=["YRI", "OOA"], rate=p["m_africa_ooa"]
    )
    # A mass migration, not a split: an ancestral population of a split starts inactive, and YRI
    # is sampled at present.
    demography.add_mass_migration(time=p["T_out_of_africa"], source="OOA", dest="YRI", proportion=1.0)
    demography.add_migration_rate_change(time=p["T_out_of_africa"], rate=0)
    demography.add_population_parameters_change(
        time=p["T_africa_growth"], initial_size=p["N_ancestral"], population="YRI"
    )
    demography.sort_events()
    return demography

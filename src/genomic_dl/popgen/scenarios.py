"""Semantic checks of ``simulation.scenarios`` entries beyond what the JSON schema can express.

The schema checks types and ranges; these checks need several keys at once (engine and model,
epoch order, Gravel event order). The workflow runs them before any job, so a bad scenario stops
the run with the offending key named.
"""

from __future__ import annotations

from genomic_dl.popgen.demography import GRAVEL_POPULATIONS, size_at, validate_epochs


def selection_start_frequency(scenario: dict) -> float:
    """Frequency of the selected allele when selection starts, for a single-population scenario.

    ``selection.start_frequency`` as given, or ``selection.initial_copies / 2N`` with ``N`` the
    diploid size ``start_generations_ago`` (a new mutation present in that many copies: one copy
    is a hard sweep from a single origin, several copies a soft sweep on standing variation).
    """
    selection = scenario["selection"]
    has_frequency, has_copies = "start_frequency" in selection, "initial_copies" in selection
    if has_frequency == has_copies:
        raise ValueError("selection: give exactly one of start_frequency and initial_copies")
    if has_frequency:
        return float(selection["start_frequency"])
    size = float(size_at(scenario["epochs"], selection["start_generations_ago"]))
    return selection["initial_copies"] / (2.0 * size)


def check_scenario(name: str, scenario: dict) -> None:
    """Raise ``ValueError("simulation.scenarios.<name>.<key>: ...")`` for an inconsistent scenario."""
    prefix = f"simulation.scenarios.{name}"
    engine, model = scenario["engine"], scenario["model"]
    if model == "single_population":
        try:
            validate_epochs(scenario["epochs"])
        except ValueError as error:
            raise ValueError(f"{prefix}.epochs: {error}") from None
        if engine != "msprime":
            raise ValueError(f"{prefix}.engine: model single_population runs on the msprime engine, got '{engine}'")
        selection = scenario["selection"]
        try:
            start = selection_start_frequency(scenario)
        except ValueError as error:
            raise ValueError(f"{prefix}.{error}") from None
        lowest = 1.0 / (2.0 * float(size_at(scenario["epochs"], selection["start_generations_ago"])))
        if start < lowest * (1 - 1e-9) or start >= 1.0:
            key = "start_frequency" if "start_frequency" in selection else "initial_copies"
            raise ValueError(
                f"{prefix}.selection.{key}: start frequency {start:.3g} is outside [1/2N = {lowest:.3g}, 1) "
                f"at the start of selection"
            )
    elif model == "gravel2011":
        times = scenario["gravel2011"]
        if not times["T_europe_asia"] < times["T_out_of_africa"] < times["T_africa_growth"]:
            raise ValueError(f"{prefix}.gravel2011: expected T_europe_asia < T_out_of_africa < T_africa_growth")
        if engine == "slim":
            for key in ("focal_population", "selection"):
                if key not in scenario:
                    raise ValueError(f"{prefix}.{key}: required for sweeps with the slim engine")
            if scenario["focal_population"] not in GRAVEL_POPULATIONS:
                raise ValueError(
                    f"{prefix}.focal_population: unknown population '{scenario['focal_population']}'; expected one of {GRAVEL_POPULATIONS}"
                )
            if (
                scenario["selection"]["start_generations_ago"] >= times["T_europe_asia"]
                and scenario["focal_population"] != "YRI"
            ):
                raise ValueError(
                    f"{prefix}.selection.start_generations_ago: must be after the CEU/CHB split (T_europe_asia)"
                )
        elif "selection" in scenario:
            raise ValueError(
                f"{prefix}.selection: msprime simulates gravel2011 neutrally only; use engine slim for sweeps"
            )
    else:
        raise ValueError(f"{prefix}.model: unknown model '{model}'")

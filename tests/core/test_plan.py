"""genomic_dl.plan: the shared part of what the rule files compute before any job runs."""

import pytest
from plan_support import core_plan, preset_config

from genomic_dl.cecil2023.plan import CecilPlan
from genomic_dl.evoaug2023.plan import EvoAugPlan, InterpretationPlan
from genomic_dl.imagene2019.plan import ImagenePlan
from genomic_dl.plan import CorePlan, config_error, slim_available
from genomic_dl.seeds import derive_seed


def test_config_error_names_the_key():
    with pytest.raises(ValueError, match=r"invalid config: 'a\.b': broken"):
        config_error("a.b", "broken")


@pytest.mark.parametrize(
    "setting, conda, on_path, expected",
    [
        ("require", False, False, True),
        ("skip", True, True, False),
        ("auto", False, False, False),
        ("auto", True, False, True),
        ("auto", False, True, True),
    ],
)
def test_slim_available(setting, conda, on_path, expected):
    assert slim_available(setting, conda, on_path) is expected


def test_scenarios_by_engine_and_slim_note():
    config = preset_config("smoke")
    core = core_plan(config)
    assert set(core.scenarios_by_engine["msprime"]) | set(core.scenarios_by_engine["slim"]) == set(core.scenarios)
    assert core.slim_note == f"not run (SLiM unavailable: config slim = {config['slim']})"
    slim = core.scenarios_by_engine["slim"]
    if slim:
        assert core.needs_slim(slim[:1])
    assert not core.needs_slim(core.scenarios_by_engine["msprime"])


def test_job_seed_is_the_master_seed_and_the_job_identity():
    config = preset_config("smoke")
    assert core_plan(config).job_seed("x", 1) == derive_seed(config["seed"], "x", 1)


def test_bad_scenario_stops_naming_it():
    config = preset_config("smoke")
    name = next(iter(config["simulation"]["scenarios"]))
    config["simulation"]["scenarios"][name]["engine"] = "teleport"
    with pytest.raises(ValueError, match="invalid config"):
        CorePlan(config, slim_available=False)


def test_check_scenario_name():
    core = core_plan(preset_config("smoke"))
    with pytest.raises(ValueError, match=r"'x\.y': 'atlantis' is not one of simulation.scenarios"):
        core.check_scenario_name("x.y", "atlantis")


def test_simulation_shard_path():
    core = core_plan(preset_config("smoke"))
    assert core.simulation_shard("three_epoch", 0, 3) == "results/smoke/simulations/three_epoch/S0/shard3.npz"


@pytest.mark.parametrize("preset", ["smoke", "default", "paper"])
def test_every_target_and_input_lies_in_the_presets_results_tree(preset):
    """Presets never share a file: each plan's targets, shards and logs follow results_dir."""
    config = preset_config(preset)
    config["results_dir"] = "elsewhere/mine/"  # a trailing slash is dropped
    core = core_plan(config, slim=True)
    imagene, cecil = ImagenePlan(core), CecilPlan(core)
    evoaug, interp = EvoAugPlan(core), InterpretationPlan(core)
    paths = [*imagene.figures, *cecil.figures, *evoaug.figures, *interp.figures, core.logs]
    paths += [core.simulation_shard("x", 0, 0), core.thousand_genomes_region, imagene.image_shard("x", "rows", 0, 0)]
    paths += [evoaug.paths.data("basset"), evoaug.paths.benchmark(evoaug.paths.run_dir("basset", "standard", 1))]
    paths += [*interp.cagi5_inputs()["tables"], interp.variant_set_path(), *interp.attribution_logo_inputs()]
    assert len(paths) > 40 and all(path.startswith("elsewhere/mine/") for path in paths), paths
    assert not any("//" in path for path in paths)

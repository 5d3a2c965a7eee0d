"""genomic_dl.evoaug2023.plan: the experiment grid, training params, targets and config cross-checks."""

from types import SimpleNamespace

import pytest
from plan_support import core_plan, preset_config

from genomic_dl.evoaug2023.plan import EvoAugPlan, InterpretationPlan


def plan(**overrides):
    return EvoAugPlan(core_plan(preset_config("smoke", **overrides)))


def test_targets_keep_their_paths():
    evoaug = plan()
    assert "results/smoke/evoaug2023/fig2c_downsampling.pdf" in evoaug.figures
    assert evoaug.figures[-1] == "results/smoke/evoaug2023/tableS2_compute_cost.csv"
    paths = evoaug.paths
    assert paths.benchmark(paths.run_dir("basset", "standard", 1)) == (
        "results/smoke/evoaug2023/benchmarks/models/basset/standard/seed1.tsv"
    )


def test_grid_has_one_record_per_trained_stage():
    evoaug = plan()
    settings = evoaug.dataset_settings("basset")
    n_stages = sum(1 if setting == "standard" else 2 for setting in settings)
    assert len(evoaug.records["basset"]) == n_stages * len(evoaug.seeds)


def test_training_params_of_the_five_rules():
    evoaug = plan()
    seed = evoaug.core.job_seed
    w = SimpleNamespace(dataset="basset", setting="evoaug", seed="1", size="100")
    standard = evoaug.train_params("train", "standard")
    assert standard["setting"] == "standard" and standard["n_train"] is None
    assert standard["seed"](w) == seed("evoaug_train", "basset", "standard", "1")
    augmented = evoaug.train_params("train")
    assert augmented["setting"](w) == "evoaug" and augmented["seed"](w) == seed("evoaug_train", "basset", "evoaug", "1")
    downsample = evoaug.train_params("downsample")
    assert downsample["n_train"](w) == 100 and downsample["training"]["max_epochs"] == evoaug.fig2c["max_epochs"]
    assert downsample["subset_seed"](w) == seed("evoaug_subset", "basset", "100", "1")
    dataset, points = next(iter(evoaug.sweep_points.items()))
    point = next(iter(points))
    sweep = evoaug.train_params("sweep")
    w = SimpleNamespace(dataset=dataset, point=point, seed="1")
    assert sweep["setting"](w) == points[point]["setting"]
    assert sweep["resolved"](w) == evoaug.sweep_resolved(dataset, point)


@pytest.mark.parametrize(
    "override, key",
    [
        ({"fig2c": {"train_sizes": [100, 5000]}}, "evoaug.fig2c.train_sizes"),
        (
            {"augmentations": {"chip": {"deletion": {"delete_min": 0, "delete_max": 500}}}},
            "evoaug.augmentations.chip.deletion.delete_max",
        ),
        ({"fig2c": {"datasets": ["atlantis"]}}, "evoaug.fig2c.datasets"),
        ({"figS7": {"setting": "standard"}}, "evoaug.figS7.setting"),
        ({"data": {"synthetic": {"split": [0.5, 0.1, 0.1]}}}, "evoaug.data.synthetic.split"),
    ],
)
def test_config_cross_checks_name_the_key(override, key):
    with pytest.raises(ValueError, match=f"invalid config: '{key.replace('.', '[.]')}'"):
        plan(evoaug=override)


def test_interpretation_models_and_inputs():
    interp = InterpretationPlan(core_plan(preset_config("smoke")))
    assert len(interp.models) == len(interp.labels) * len(interp.seeds) or len(interp.models) >= len(interp.labels)
    assert all(f"fig1c_filter_logos_{label}" in " ".join(interp.figures) for label in interp.labels)
    assert len(interp.attribution_logo_inputs()) == len(interp.labels)


@pytest.mark.parametrize(
    "override, key",
    [
        ({"filters": {"logo_seed": 999}}, "evoaug_interpretation.filters.logo_seed"),
        ({"variant_effects": {"dataset": "deepstarr"}}, "evoaug_interpretation.variant_effects.dataset"),
        ({"attribution": {"n_logos": 10**6}}, "evoaug_interpretation.attribution.n_logos"),
    ],
)
def test_interpretation_cross_checks_name_the_key(override, key):
    with pytest.raises(ValueError, match=f"invalid config: '{key.replace('.', '[.]')}'"):
        InterpretationPlan(core_plan(preset_config("smoke", evoaug_interpretation=override)))

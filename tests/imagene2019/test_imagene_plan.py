"""genomic_dl.imagene2019.plan: settings, network lists, targets and config cross-checks."""

from types import SimpleNamespace

import pytest
from plan_support import core_plan, preset_config

from genomic_dl.imagene2019.plan import ImagenePlan


def plan(**overrides):
    return ImagenePlan(core_plan(preset_config("smoke", **overrides)))


def test_figures_are_every_pdf_and_csv():
    figures = plan().figures
    assert len(figures) == 14 and "results/smoke/imagene2019/fig3_sorting_accuracy.csv" in figures


def test_fig3_networks_cover_every_sorting_strength_and_seed():
    imagene = plan()
    fig3 = imagene.fig3
    assert len(imagene.fig3_networks) == len(fig3["sortings"]) * len(fig3["selection_strengths"]) * len(fig3["seeds"])
    assert imagene.fig3_test_shards[0] == fig3["train_shards"]


def test_ablation_overrides_the_binary_cnn():
    imagene = plan()
    for name, override in imagene.ablations["architectures"].items():
        assert imagene.binary_cnn(name) == {**imagene.settings["binary_cnn"], **override}
    assert imagene.binary_cnn("standard") == imagene.settings["binary_cnn"]


def test_multiclass_inputs():
    imagene = plan()
    w = SimpleNamespace(experiment="fig4", variant=imagene.fig4["train_scenarios"][0])
    spec = imagene.multiclass_spec(w.experiment, w.variant)
    batches = imagene.multiclass_train_batches(w)
    assert len(batches) == spec["train_shards"] and all(len(b) == len(spec["strengths"]) for b in batches)
    assert imagene.multiclass_train_shards(w) == [shard for batch in batches for shard in batch]
    assert imagene.image_shard(spec["test_scenario"], spec["sorting"], spec["strengths"][0], spec["train_shards"]) in (
        imagene.multiclass_test_shards(w)
    )


@pytest.mark.parametrize(
    "override, key",
    [
        ({"fig3": {"scenario": "atlantis"}}, "imagene.fig3.scenario"),
        ({"fig1": {"focal_population": "XYZ"}}, "imagene.fig1.focal_population"),
        ({"fig4": {"train_scenarios": ["atlantis"]}}, "imagene.fig4.train_scenarios"),
        ({"fig6": {"label_distribution": "nope"}}, "imagene.fig6.label_distribution"),
        ({"fig6": {"seed": 999}}, "imagene.fig6.seed"),
    ],
)
def test_config_cross_checks_name_the_key(override, key):
    with pytest.raises(ValueError, match=f"invalid config: '{key}'"):
        plan(imagene=override)


def test_fig5_batches_of_several_shards():
    """The paper preset's Fig 5 batches hold 8 shards per batch (the authors' ~40,000 simulations)."""
    imagene = ImagenePlan(
        core_plan(
            preset_config("smoke", imagene={"fig5": {"shards_per_batch": 3, "train_shards": 2, "test_shards": 1}})
        )
    )
    w = SimpleNamespace(experiment="fig5", variant="categorical")
    batches = imagene.multiclass_train_batches(w)
    prior = imagene.fig5["prior"]
    sorting = imagene.fig5["sorting"]
    scenario = imagene.fig5["scenario"]
    assert batches == [
        [imagene.image_shard(scenario, sorting, prior, i) for i in range(b * 3, b * 3 + 3)] for b in range(2)
    ]
    assert imagene.multiclass_test_shards(w) == [imagene.image_shard(scenario, sorting, prior, i) for i in range(6, 9)]

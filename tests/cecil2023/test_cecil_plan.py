"""genomic_dl.cecil2023.plan: row specs, training jobs, targets and config cross-checks."""

from types import SimpleNamespace

import pytest
from plan_support import core_plan, preset_config

from genomic_dl.cecil2023.plan import CNNS, CecilPlan, n_train, strategy


def plan(slim=False, **overrides):
    return CecilPlan(core_plan(preset_config("smoke", **overrides), slim=slim))


def test_targets_keep_their_paths():
    cecil = plan()
    assert "results/smoke/cecil2023/fig2_minicnn_weights_and_shap.pdf" in cecil.figures
    assert "results/smoke/cecil2023/table1_accuracy.md" in cecil.figures
    assert set(cecil.tables) == {
        "table1_accuracy",
        "tableC_all_methods",
        "tableA_complexity",
        "tableB_complexity_unsorted",
        "tableD_1000_haplotypes",
    }
    assert cecil.tables["tableD_1000_haplotypes"] == []  # not a target of the smoke preset


def test_datasets_needing_slim_are_notes_without_slim():
    without, with_slim = plan(slim=False), plan(slim=True)
    gravel = [name for name in without.datasets if not without.runs(name)]
    assert gravel and all(with_slim.runs(name) for name in gravel)
    spec = without.model_spec(gravel[0], "imagene")
    assert spec["note"] == without.core.slim_note and "predictions" not in spec
    assert "predictions" in with_slim.model_spec(gravel[0], "imagene")


def test_ladder_steps_that_are_table1_models_are_trained_once():
    cecil = plan()
    assert set(cecil.ladder_trained).isdisjoint(cecil.ladder_reuse)
    assert len(cecil.ladder_trained) + len(cecil.ladder_reuse) == len(cecil.ladder)
    for step, model in cecil.ladder_reuse.items():
        assert f"/{model}/" in cecil.model_spec(cecil.settings["complexity"]["dataset"], step)["summary"]


def test_training_wildcards_and_outputs():
    assert strategy("n80") == "fixed_epochs" and n_train("n80") == 80 and n_train("fixed_epochs") is None
    cecil = plan()
    outputs = cecil.training_outputs(CNNS, "fixed_epochs")
    assert set(outputs) == {"models", "restarts", "predictions", "summaries"} and len(outputs["models"]) == 2
    w = SimpleNamespace(dataset="single_s01", width="resize", sorting="rows", training="on_the_fly")
    inputs = cecil.train_inputs(w)
    assert len(inputs["epochs"]) == cecil.settings["training"]["epochs"]
    assert len(cecil.train_seeds(CNNS)(w)) == 2


@pytest.mark.parametrize(
    "override, key",
    [
        ({"fig2": {"dataset": "ceu_s01"}}, "cecil2023.fig2.dataset"),
        ({"figP": {"train_sizes": [100000]}}, "cecil2023.figP.train_sizes"),
        ({"statistics": ["h1", "segregating_sites"]}, "cecil2023.fig3.methods"),
        ({"statistics": ["h1", "ihs"]}, "cecil2023.statistics"),
        ({"split": [0.5, 0.1, 0.1]}, "cecil2023.split"),
        ({"table1": {"datasets": ["atlantis"]}}, "cecil2023.table1.datasets"),
        ({"table1": {"datasets": ["hard_vs_soft"]}}, "cecil2023.table1.datasets"),
        ({"figF_sfs": {"single_population_scenario": "atlantis"}}, "cecil2023.figF_sfs.single_population_scenario"),
    ],
)
def test_config_cross_checks_name_the_key(override, key):
    with pytest.raises(ValueError, match=f"invalid config: '{key.replace('.', '[.]')}'"):
        plan(cecil2023=override)


def test_table_d_is_built_when_it_has_data_sets_with_their_own_image_size():
    assert "results/smoke/cecil2023/tableD_1000_haplotypes.csv" not in plan().figures  # smoke: no Table D
    cecil = plan(cecil2023={"tableD": {"datasets": ["single_s01_n1000"]}})
    assert "results/smoke/cecil2023/tableD_1000_haplotypes.csv" in cecil.figures
    methods = [row["method"] for row in cecil.tables["tableD_1000_haplotypes"]]
    assert methods == [*cecil.settings["tableD"]["models"], *cecil.settings["tableD"]["statistics"]]
    assert cecil.preprocessing("single_s01_n1000")["resize"] == [200, 200]
    assert cecil.preprocessing("single_s01")["resize"] == cecil.settings["preprocessing"]["resize"]
    assert {c["scenario"] for c in cecil.datasets["single_s01_n1000"]["classes"]} == {"three_epoch_1000"}
    assert cecil.core.scenarios["three_epoch_1000"]["n_haplotypes"] == 1000


def test_fig_f_reads_the_1000_genomes_region_of_imagene_fig1_when_asked():
    assert "thousand_genomes" not in plan().figF_inputs()
    vcf = {"imagene": {"fig1": {"source": "vcf"}}, "cecil2023": {"figF_sfs": {"thousand_genomes": True}}}
    cecil = CecilPlan(core_plan(preset_config("smoke", **vcf)))
    assert cecil.figF_inputs()["thousand_genomes"] == "results/smoke/imagene2019/fig1_region.npz"
    assert cecil.figF_region_label().startswith("chr2:")
    with pytest.raises(ValueError, match=r"cecil2023\.figF_sfs\.thousand_genomes.*imagene\.fig1\.source"):
        plan(cecil2023={"figF_sfs": {"thousand_genomes": True}})

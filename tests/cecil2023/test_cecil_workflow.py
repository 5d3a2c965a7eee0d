"""End to end: the Cecil & Sugden (2023) tables and figures of the smoke preset's `rule all`
(session fixture ``smoke_run`` of conftest.py): shapes, invariants and one robust "beats chance"
check per kind of result."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import load_preset

OUT = "results/smoke/cecil2023"
CONFIG = load_preset("smoke")
CECIL = CONFIG["cecil2023"]
PER_CLASS = CONFIG["simulation"]["replicates_per_shard"]  # one shard per class in the smoke preset
N_TEST = int(2 * round(CECIL["split"][2] * PER_CLASS))
# msprime only (no SLiM in smoke)
RUNS = ("single_s01", "single_s005", "hard_vs_neutral", "hard_vs_soft", "hard_vs_soft_copies")
SLIM_NOTE = "not run (SLiM unavailable: config slim = skip)"


def read(run, name):
    return pd.read_csv(run / OUT / name, keep_default_na=False, na_values=[""])


def runs(dataset):
    return dataset in RUNS


def test_every_target_is_a_pdf_or_table(smoke_run):
    for name in (
        "fig1c_minicnn_vs_imagene",
        "fig2_minicnn_weights_and_shap",
        "fig3_correlation_with_statistics",
        "fig4_zero_padding",
        "figP_sample_complexity",
        "figQR_training_strategies",
        "figNO_hard_vs_soft",
    ):
        assert (smoke_run / OUT / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
        assert len(read(smoke_run, f"{name}.csv")) > 0
    for name in ("table1_accuracy", "tableC_all_methods", "tableA_complexity", "tableB_complexity_unsorted"):
        assert (smoke_run / OUT / f"{name}.md").read_text().startswith("# Cecil & Sugden Table")


def check_accuracy_rows(table):
    """Run rows: accuracy inside its interval, balanced test split; not-run rows: NaN and the note."""
    ran = table[table["note"].isna()]
    assert ran["accuracy"].between(0, 1).all() and (ran["n_test"] == N_TEST).all()
    assert (ran["ci_low"] <= ran["accuracy"]).all() and (ran["accuracy"] <= ran["ci_high"]).all()
    if "recall_sweep" in table:
        np.testing.assert_allclose(ran["accuracy"], (ran["recall_neutral"] + ran["recall_sweep"]) / 2, atol=1e-6)
    skipped = table[table["note"].notna()]
    assert skipped["accuracy"].isna().all() and (skipped["note"] == SLIM_NOTE).all()
    assert set(ran["dataset"]) <= set(RUNS) and not set(skipped["dataset"]) & set(RUNS)


def test_table1_has_every_method_and_data_set(smoke_run):
    table = read(smoke_run, "table1_accuracy.csv")
    settings = CECIL["table1"]
    assert len(table) == len(settings["datasets"]) * (len(settings["models"]) + len(settings["statistics"]))
    assert list(dict.fromkeys(table["dataset"])) == settings["datasets"]
    assert set(table["method"]) == {*settings["models"], *settings["statistics"]}
    check_accuracy_rows(table)
    assert (table.loc[table["kind"] == "model", "width"] == "resize").all()
    # a sweep of s = 0.01 in one population: Garud's H1 is far above chance even on 32 haplotypes
    h1 = table[(table["dataset"] == "single_s01") & (table["method"] == "h1")]["accuracy"].iloc[0]
    assert h1 > 0.75
    markdown = (smoke_run / OUT / "table1_accuracy.md").read_text()
    assert markdown.count(SLIM_NOTE) == 4 * 4  # four three-population rows x four methods


def test_tableC_covers_every_model_width_and_statistic(smoke_run):
    table = read(smoke_run, "tableC_all_methods.csv")
    settings = CECIL["tableC"]
    per_dataset = len(settings["models"]) * len(settings["widths"]) + len(CECIL["statistics"])
    assert len(table) == len(settings["datasets"]) * per_dataset
    models = table[table["kind"] == "model"]
    assert set(models["width"]) == set(settings["widths"])
    assert set(table.loc[table["kind"] == "statistic", "method"]) == set(CECIL["statistics"])
    check_accuracy_rows(table)
    # Table 1 is the resized part of Table C
    table1 = read(smoke_run, "table1_accuracy.csv").set_index(["dataset", "method"])
    resized = models[models["width"] == "resize"].set_index(["dataset", "method"])
    ran = resized.index[resized["note"].isna()]
    np.testing.assert_allclose(resized.loc[ran, "accuracy"], table1.loc[ran, "accuracy"])


def test_complexity_tables_list_the_ladder(smoke_run):
    table1 = read(smoke_run, "table1_accuracy.csv").set_index(["dataset", "method"])
    for name, sorting in (("tableA_complexity.csv", "rows"), ("tableB_complexity_unsorted.csv", "none")):
        table = read(smoke_run, name)
        assert table["step"].tolist() == list(range(1, 16)) and (table["sorting"] == sorting).all()
        assert (table["n_parameters"] > 0).all() and table["note"].isna().all()
        check_accuracy_rows(table)
        # mini-CNN: 2 kernel weights + (H - 1) x W dense weights
        height, width = CECIL["preprocessing"]["resize"]
        assert table.loc[table["step"] == 12, "n_parameters"].iloc[0] == 2 + (height - 1) * width
    table_a = read(smoke_run, "tableA_complexity.csv")
    table_b = read(smoke_run, "tableB_complexity_unsorted.csv")
    np.testing.assert_allclose(table_b["reference_accuracy"], table_a["accuracy"])  # Table B's sorted reference
    dataset = CECIL["complexity"]["dataset"]
    assert table_a["accuracy"].iloc[0] == table1.loc[(dataset, "imagene"), "accuracy"]  # the same network
    assert table_a["accuracy"].iloc[11] == table1.loc[(dataset, "mini_cnn"), "accuracy"]


def test_prepared_images_store_widths_from_the_training_split(smoke_run):
    data = smoke_run / OUT / "data" / "single_s01"
    widths = {}
    for method in ("resize", "zero_pad", "trim"):
        archive = np.load(data / method / "rows" / "images.npz")
        images, raw, train = archive["images"], archive["raw_widths"], archive["train"]
        assert images.shape[0] == 2 * PER_CLASS and images.dtype == np.uint8 and set(np.unique(images)) <= {0, 1}
        assert (
            archive["test"].size == N_TEST
            and np.bincount(archive["labels"][archive["test"]]).tolist() == [N_TEST // 2] * 2
        )
        widths[method] = images.shape[1:]
        if method == "zero_pad":
            assert images.shape[2] % 10 == 0 and raw[train].max() <= images.shape[2] < raw[train].max() + 10
        if method == "trim":
            assert images.shape[2] % 10 == 0 and raw[train].min() - 10 < images.shape[2] <= raw[train].min()
    assert widths["resize"] == tuple(CECIL["preprocessing"]["resize"])
    assert widths["zero_pad"][0] == widths["trim"][0] == CECIL["preprocessing"]["max_haplotypes"]
    # every method of a data set is tested on the same regions
    scores = read(smoke_run, "statistics/single_s01/scores.csv")
    predictions = read(smoke_run, "models/single_s01/zero_pad/rows/deepset/fixed_epochs/predictions.csv")
    np.testing.assert_array_equal(np.sort(predictions["index"]), scores.loc[scores["split"] == "test", "index"])


def test_fig1c_pairs_imagene_and_minicnn(smoke_run):
    table = read(smoke_run, "fig1c_minicnn_vs_imagene.csv")
    assert len(table) == 2 * len(CECIL["table1"]["datasets"]) and set(table["method"]) == {"imagene", "mini_cnn"}
    wide = table.pivot(index="dataset", columns="method", values="accuracy")
    difference = table.groupby("dataset")["minicnn_minus_imagene"].first()
    np.testing.assert_allclose(difference, (wide["mini_cnn"] - wide["imagene"]).loc[difference.index])


def test_fig2_maps(smoke_run):
    table = read(smoke_run, "fig2_minicnn_weights_and_shap.csv")
    height, _width = CECIL["preprocessing"]["resize"]
    assert len(table[table["quantity"] == "kernel_weight"]) == 2
    assert len(table[(table["map"] == "dense_weights") & (table["quantity"] == "row_mean")]) == height - 1
    shap = table[(table["map"] == "mean_shap") & (table["quantity"] == "row_mean")]
    assert shap.groupby("class").size().tolist() == [height, height]
    assert (shap["n_images"] == min(CECIL["interpretation"]["images_per_class"], N_TEST // 2)).all()
    assert np.isfinite(table["value"]).all()


def test_fig3_correlations_and_agreement(smoke_run):
    table = read(smoke_run, "fig3_correlation_with_statistics.csv")
    methods = CECIL["fig3"]["methods"]
    for dataset in CECIL["fig3"]["datasets"]:
        part = table[table["dataset"] == dataset]
        assert len(part) == 2 * len(methods) ** 2
        if not runs(dataset):
            assert (part["note"] == SLIM_NOTE).all() and part["value"].isna().all()
            continue
        for measure in ("spearman", "agreement"):
            matrix = part[part["measure"] == measure].pivot(index="method_a", columns="method_b", values="value")
            np.testing.assert_allclose(matrix.to_numpy(), matrix.to_numpy().T, atol=1e-9)
            np.testing.assert_allclose(np.diag(matrix.to_numpy()), 1.0)
        agreement = part[part["measure"] == "agreement"]["value"]
        assert agreement.between(0, 1).all()


def test_fig4_zero_padding_tracks_segregating_sites(smoke_run):
    table = read(smoke_run, "fig4_zero_padding.csv")
    settings = CECIL["fig4"]
    assert len(table) == len(settings["datasets"]) * (2 * len(settings["models"]) + 1)
    ran = table[table["note"].isna()]
    assert ran["spearman_S"].between(-1, 1).all() and np.allclose(ran["abs_spearman_S"], ran["spearman_S"].abs())
    # zero-padding: the CNNs' outputs follow the number of segregating sites more closely than with resizing
    part = ran[(ran["dataset"] == "single_s01") & (ran["method"] != "h1")]
    by_width = part.groupby("width")["abs_spearman_S"].mean()
    assert by_width["zero_pad"] > by_width["resize"]


def test_figP_and_figQR_rows(smoke_run):
    table = read(smoke_run, "figP_sample_complexity.csv")
    sizes = sorted(CECIL["figP"]["train_sizes"]) + [int(2 * round(CECIL["split"][0] * PER_CLASS))]
    for _, part in table.groupby("method"):
        assert part["n_train"].astype(int).tolist() == sizes
    table = read(smoke_run, "figQR_training_strategies.csv")
    settings = CECIL["figQR"]
    assert len(table) == len(settings["datasets"]) * len(settings["models"]) * len(settings["strategies"])
    check_accuracy_rows(table)
    ran = table[table["note"].isna()].set_index("strategy")
    assert (ran.loc["fixed_epochs", "mean_epochs"] == CECIL["training"]["epochs"]).all()
    assert (ran.loc["on_the_fly", "mean_epochs"] == CECIL["training"]["epochs"]).all()
    assert ran.loc["early_stopping", "mean_epochs"].between(1, CECIL["training"]["early_stopping"]["max_epochs"]).all()


def test_figNO_pairwise_tasks(smoke_run):
    table = read(smoke_run, "figNO_hard_vs_soft.csv")
    accuracy = table[table["quantity"] == "accuracy"]
    assert len(accuracy) == len(CECIL["figNO"]["datasets"]) * len(CECIL["figNO"]["models"])
    assert accuracy["value"].between(0, 1).all()
    maps = table[table["quantity"] == "row_mean"]
    assert set(maps["map"]) == {"dense_weights", "mean_shap"} and set(maps["dataset"]) == set(
        CECIL["figNO"]["datasets"]
    )


# The config cross-checks are unit-tested in tests/cecil2023/test_cecil_plan.py.

"""End to end: the EvoAug interpretation figures (Figs 1c, 1d, S6) of the smoke preset's `rule all`
(session fixture ``smoke_run`` of conftest.py)."""

import numpy as np
import pandas as pd
import pytest
from conftest import load_preset

from genomic_dl.evoaug2023.filters import read_meme
from genomic_dl.io import load_arrays

OUT = "results/smoke/evoaug2023"
INTERP = f"{OUT}/interpretation"


@pytest.fixture(scope="module")
def config():
    return load_preset("smoke")


def models(config):
    """(label, setting, stage) of every compared model, in config order."""
    return [
        (setting if setting == stage else f"{setting}_{stage}", setting, stage)
        for setting, stages in config["evoaug_interpretation"]["models"].items()
        for stage in stages
    ]


def test_every_figure_has_a_pdf_and_a_csv(smoke_run, config):
    names = [
        "fig1c_filter_jaspar",
        "fig1d_variant_effects",
        "figS6_attribution_logos",
        *[f"fig1c_filter_logos_{label}" for label, _, _ in models(config)],
    ]
    for name in names:
        assert (smoke_run / f"{OUT}/{name}.pdf").read_bytes()[:5] == b"%PDF-", name
        assert len(pd.read_csv(smoke_run / f"{OUT}/{name}.csv")) > 0, name


def test_fig1c_table(smoke_run, config):
    settings = config["evoaug_interpretation"]["filters"]
    table = pd.read_csv(smoke_run / f"{OUT}/fig1c_filter_jaspar.csv")
    assert table["model"].tolist() == [label for label, _, _ in models(config)]
    assert (table["n_seeds"] == len(config["evoaug"]["seeds"])).all()
    assert table["hit_rate_mean"].between(0, 1).all() and (table["hit_rate_sd"] >= 0).all()
    assert table["planted_recovery_mean"].between(0, 1).all()
    assert (table["n_planted"] > 0).all() and (table["q_threshold"] == settings["q_threshold"]).all()
    np.testing.assert_allclose(table["n_hits_mean"], table["hit_rate_mean"] * table["n_filters"], atol=1e-6)
    hits = table["mean_hit_q_mean"].dropna()
    assert (hits < settings["q_threshold"]).all()


def test_filter_pwms_meme_files_and_logo_sheets(smoke_run, config):
    settings = config["evoaug_interpretation"]["filters"]
    n_filters = pd.read_csv(smoke_run / f"{OUT}/fig1c_filter_jaspar.csv")["n_filters"]
    seed = config["evoaug"]["seeds"][0]
    for (label, setting, stage), expected in zip(models(config), n_filters):
        stem = smoke_run / f"{INTERP}/filters/{settings['dataset']}/{setting}/seed{seed}/{stage}"
        arrays, metadata = load_arrays(f"{stem}.npz")
        assert arrays["pwms"].shape == (expected, 4, arrays["pwms"].shape[2])
        np.testing.assert_allclose(arrays["pwms"].sum(axis=1), 1, atol=1e-6)
        assert metadata["synthetic"] and metadata["n_sequences"] <= settings["max_sequences"]
        motifs = read_meme(f"{stem}.meme")
        assert {name for name, _ in motifs} <= set(metadata["names"])
        assert all(pwm.shape[1] >= 1 for _, pwm in motifs)
        sheet = pd.read_csv(smoke_run / f"{OUT}/fig1c_filter_logos_{label}.csv")
        assert len(sheet) == expected and sheet["filter"].is_unique
        assert sheet["shown"].sum() == min(settings["logo_sheet_filters"], expected)
        assert (sheet.loc[sheet["hit"], "best_q"] < settings["q_threshold"]).all()
        assert (sheet["n_windows"] >= 0).all() and sheet["information_bits"].between(
            0, 2 * arrays["pwms"].shape[2]
        ).all()


def test_fig1d_table(smoke_run, config):
    synthetic = config["evoaug_interpretation"]["variant_effects"]["synthetic"]
    table = pd.read_csv(smoke_run / f"{OUT}/fig1d_variant_effects.csv")
    labels = [label for label, _, _ in models(config)]
    assert set(table["model"]) == {*labels, "ground_truth"}
    per_element = 3 * synthetic["element_width"]
    for model, part in table.groupby("model"):
        assert len(part) == synthetic["n_elements"] + 1
        elements = part[part["element"] != "all"]
        overall = part[part["element"] == "all"].iloc[0]
        assert (elements["n_variants"] == per_element).all()
        assert overall["n_variants"] == per_element * synthetic["n_elements"]
        assert overall["pearson_r_mean"] == pytest.approx(elements["pearson_r_mean"].mean(), abs=1e-5)
    assert table["pearson_r_mean"].between(-1, 1).all()
    assert (table.loc[table["model"].isin(labels), "n_seeds"] == len(config["evoaug"]["seeds"])).all()


def test_fig1d_noise_ceiling_beats_chance(smoke_run):
    """The generator's true effects predict the noisy measurements far above chance (r = 0).

    The noise sd is half the sd of all true effects; within one 20-nt smoke element the effects
    vary less than that, so the per-element ceiling is lower than the pooled 0.89 (about 0.5 here).
    """
    table = pd.read_csv(smoke_run / f"{OUT}/fig1d_variant_effects.csv").set_index(["model", "element"])
    assert table.loc[("ground_truth", "all"), "pearson_r_mean"] > 0.3


def test_variant_scores_per_model(smoke_run, config):
    settings = config["evoaug_interpretation"]["variant_effects"]
    seed = config["evoaug"]["seeds"][0]
    for _, setting, stage in models(config):
        scores = pd.read_csv(
            smoke_run / f"{INTERP}/variant_effects/synthetic/{settings['dataset']}/{setting}/seed{seed}/{stage}.csv"
        )
        assert len(scores) == 3 * settings["synthetic"]["element_width"] * settings["synthetic"]["n_elements"]
        assert np.isfinite(scores["predicted"]).all() and (scores["ref"] != scores["alt"]).all()


def test_figS6_table_and_maps(smoke_run, config):
    settings = config["evoaug_interpretation"]["attribution"]
    table = pd.read_csv(smoke_run / f"{OUT}/figS6_attribution_logos.csv")
    assert table["model"].tolist() == [label for label, _, _ in models(config)]
    assert (table["n_sequences"] == settings["n_sequences"]).all() and (table["task"] == settings["task"]).all()
    assert (table["n_scored"] <= table["n_sequences"]).all() and (table["n_scored"] > 0).all()
    assert table["auroc_mean"].between(0, 1).all() and table["aupr_mean"].between(0, 1).all()
    assert table["planted_fraction"].between(0, 1, inclusive="neither").all()
    seed = config["evoaug"]["seeds"][0]
    indices = None
    for _, setting, stage in models(config):
        arrays, metadata = load_arrays(
            smoke_run / f"{INTERP}/attribution/{settings['dataset']}/{setting}/seed{seed}/{stage}.npz"
        )
        assert arrays["maps"].shape == (settings["n_sequences"], 4, 249) and metadata["task"] == settings["task"]
        np.testing.assert_allclose(arrays["maps"].sum(axis=1), 0, atol=1e-5)  # gradient-corrected
        indices = arrays["indices"] if indices is None else indices
        np.testing.assert_array_equal(arrays["indices"], indices)  # the same sequences for every model

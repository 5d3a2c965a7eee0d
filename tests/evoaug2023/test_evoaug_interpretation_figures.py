"""Summaries and plots of the EvoAug interpretation figures (genomic_dl.evoaug2023.figures_interpretation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genomic_dl.evoaug2023 import figures_interpretation as F


def test_mean_sd_over_seeds_hand_computed_and_nan_aware():
    per_seed = pd.DataFrame(
        {
            "model": ["a", "a", "a", "b"],
            "seed": [1, 2, 3, 1],
            "x": [1.0, 2.0, 6.0, 4.0],
            "q": [np.nan, 0.01, 0.03, np.nan],
        }
    )
    summary = F.mean_sd_over_seeds(per_seed, ["model"], ["x", "q"]).set_index("model")
    assert summary.loc["a", "n_seeds"] == 3 and summary.loc["b", "n_seeds"] == 1
    assert summary.loc["a", "x_mean"] == pytest.approx(3.0)
    assert summary.loc["a", "x_sd"] == pytest.approx(np.sqrt(7.0))  # (4 + 1 + 9) / 2
    assert summary.loc["b", "x_sd"] == 0.0
    assert summary.loc["a", "q_mean"] == pytest.approx(0.02)
    assert np.isnan(summary.loc["b", "q_mean"]) and np.isnan(summary.loc["b", "q_sd"])


def filter_records():
    rows = []
    for model, setting, stage, rates in [
        ("standard", "standard", "standard", [0.1, 0.3]),
        ("evoaug_finetuned", "evoaug", "finetuned", [0.5, 0.7]),
    ]:
        for seed, rate in zip((1, 2), rates):
            rows.append(
                {
                    "model": model,
                    "setting": setting,
                    "stage": stage,
                    "seed": seed,
                    "n_filters": 10,
                    "n_hits": int(rate * 10),
                    "hit_rate": rate,
                    "mean_hit_q": 0.01 * seed,
                    "planted_recovery": rate,
                    "n_planted": 4,
                    "q_threshold": 0.05,
                }
            )
    return pd.DataFrame(rows)


def test_summarise_and_plot_filters(tmp_path):
    per_seed = filter_records()
    summary = F.summarise_filters(per_seed)
    assert summary["model"].tolist() == ["standard", "evoaug_finetuned"]
    np.testing.assert_allclose(summary["hit_rate_mean"], [0.2, 0.6])
    np.testing.assert_allclose(summary["hit_rate_sd"], [np.sqrt(0.02)] * 2)
    np.testing.assert_allclose(summary["n_hits_mean"], [2, 6])
    assert (summary["n_filters"] == 10).all() and (summary["n_seeds"] == 2).all()
    F.plot_filter_summary(per_seed, summary, "basset", tmp_path / "fig.pdf")
    assert (tmp_path / "fig.pdf").read_bytes()[:5] == b"%PDF-"


def test_filter_logo_table_orders_hits_by_q_then_information(tmp_path):
    pwms = np.full((3, 4, 5), 0.25)
    pwms[2] = np.eye(4)[[0, 1, 2, 3, 0]].T  # 10 bits
    pwms[0, :, 0] = [1, 0, 0, 0]  # 2 bits
    matches = pd.DataFrame(
        {
            "filter": ["filter000", "filter001", "filter002"],
            "width": [1, 0, 5],
            "best_match": ["MA1", "", "MA2"],
            "best_match_name": ["X", "", "Y"],
            "best_q": [0.01, np.nan, 0.2],
            "hit": [True, False, False],
        }
    )
    table = F.filter_logo_table(matches, np.array([5, 0, 9]), pwms, max_filters=2)
    assert table["filter"].tolist() == ["filter000", "filter002", "filter001"]
    assert table["shown"].tolist() == [True, True, False]
    np.testing.assert_allclose(table["information_bits"], [2.0, 10.0, 0.0])
    assert table["n_windows"].tolist() == [5, 9, 0]
    F.plot_filter_logos(table, pwms, "test sheet", tmp_path / "logos.pdf", columns=2)
    assert (tmp_path / "logos.pdf").stat().st_size > 1000


def test_variant_effect_table_and_summary(tmp_path):
    scores = pd.DataFrame(
        {
            "element": ["e1"] * 3 + ["e2"] * 3,
            "measured": [1.0, 2.0, 3.0, 1.0, 2.0, 3.0],
            "predicted": [1.0, 2.0, 3.0, 3.0, 2.0, 1.0],
            "true_effect": [1.0, 2.0, 3.0, 1.0, 2.5, 3.0],
        }
    )
    records = [{"model": "standard", "setting": "standard", "stage": "standard", "seed": seed} for seed in (1, 2)]
    per_seed = F.variant_effect_table(records, [scores, scores.assign(predicted=scores["measured"])])
    assert len(per_seed) == 2 * 3
    first = per_seed[per_seed["seed"] == 1].set_index("element")["pearson_r"]
    np.testing.assert_allclose(first[["e1", "e2", "all"]], [1.0, -1.0, 0.0])
    summary = F.summarise_variant_effects(per_seed, scores[["element", "measured", "true_effect"]])
    row = summary[(summary["model"] == "standard") & (summary["element"] == "all")].iloc[0]
    assert row["pearson_r_mean"] == pytest.approx(0.5) and row["n_variants"] == 6
    assert row["pearson_r_sd"] == pytest.approx(np.std([0.0, 1.0], ddof=1))
    truth = summary[summary["model"] == F.GROUND_TRUTH].set_index("element")
    assert truth.loc["e1", "pearson_r_mean"] == pytest.approx(1.0) and truth.loc["e1", "n_seeds"] == 1
    F.plot_variant_effects(per_seed, summary, "synthetic", tmp_path / "fig1d.pdf")
    assert (tmp_path / "fig1d.pdf").read_bytes()[:5] == b"%PDF-"


def test_summarise_and_plot_attribution(tmp_path):
    per_seed = pd.DataFrame(
        {
            "model": ["standard", "evoaug_finetuned"],
            "setting": ["standard", "evoaug"],
            "stage": ["standard", "finetuned"],
            "seed": [1, 1],
            "task": [0, 0],
            "n_sequences": [2, 2],
            "n_scored": [2, 2],
            "planted_fraction": [0.2, 0.2],
            "auroc": [0.6, 0.8],
            "aupr": [0.3, 0.5],
        }
    )
    summary = F.summarise_attribution(per_seed)
    np.testing.assert_allclose(summary["auroc_mean"], [0.6, 0.8])
    assert (summary["auroc_sd"] == 0).all() and (summary["planted_fraction"] == 0.2).all()
    rng = np.random.default_rng(0)
    x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (2, 30))].transpose(0, 2, 1)
    logos = {model: rng.normal(size=(2, 4, 30)).astype(np.float32) for model in summary["model"]}
    planted = np.zeros((2, 30), dtype=bool)
    planted[:, 5:12] = True
    F.plot_attribution(per_seed, summary, logos, x, planted, ["seq a", "seq b"], "developmental", tmp_path / "s6.pdf")
    assert (tmp_path / "s6.pdf").read_bytes()[:5] == b"%PDF-"


def test_runs():
    assert F._runs(np.array([0, 1, 1, 0, 1], dtype=bool)) == [(1, 3), (4, 5)]
    assert F._runs(np.zeros(3, dtype=bool)) == []

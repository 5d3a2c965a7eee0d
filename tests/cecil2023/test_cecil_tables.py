"""Tests of the result tables and figure tables of Cecil & Sugden (genomic_dl.cecil2023.tables,
genomic_dl.cecil2023.figures_performance, genomic_dl.cecil2023.figures_interpretation)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from genomic_dl.cecil2023.figures_interpretation import fig3_table, map_profiles
from genomic_dl.cecil2023.figures_performance import fig1c_table
from genomic_dl.cecil2023.tables import method_outputs, pivot_markdown, spec_paths, table_rows


@pytest.fixture
def specs(tmp_path):
    """A model spec (test regions 4..7), a statistic spec on the same regions, a not-run spec."""
    pd.DataFrame(
        {
            "index": [4, 5, 6, 7],
            "label": [0, 0, 1, 1],
            "logit": [-2.0, 1.0, 3.0, 0.5],
            "probability": [0.12, 0.73, 0.95, 0.62],
            "call": [0, 1, 1, 1],
        }
    ).to_csv(tmp_path / "p.csv", index=False)
    (tmp_path / "s.json").write_text(
        json.dumps(
            {
                "n_parameters": 10,
                "n_train": 4,
                "n_restarts": 2,
                "best_restart": 1,
                "mean_epochs": 2.0,
                "train_images_per_s": 100.0,
            }
        )
    )
    pd.DataFrame(
        {
            "index": range(8),
            "label": [0, 0, 1, 1, 0, 0, 1, 1],
            "split": ["train"] * 4 + ["test"] * 4,
            "segregating_sites": [300, 290, 150, 140, 310, np.nan, 100, 200],
            "segregating_sites_call": [0, 0, 1, 1, 0, 0, 1, 1],
        }
    ).to_csv(tmp_path / "scores.csv", index=False)
    (tmp_path / "c.json").write_text(json.dumps({"segregating_sites": {"threshold": 215.0, "direction": -1}}))
    base = {"dataset": "toy", "dataset_label": "toy data", "population": "single population", "s": 0.01}
    return [
        {
            **base,
            "method": "imagene",
            "method_label": "Imagene",
            "kind": "model",
            "predictions": str(tmp_path / "p.csv"),
            "summary": str(tmp_path / "s.json"),
        },
        {
            **base,
            "method": "segregating_sites",
            "method_label": "S",
            "kind": "statistic",
            "scores": str(tmp_path / "scores.csv"),
            "classifiers": str(tmp_path / "c.json"),
        },
        {
            **base,
            "dataset": "ceu",
            "dataset_label": "CEU data",
            "method": "imagene",
            "method_label": "Imagene",
            "kind": "model",
            "note": "not run (SLiM unavailable)",
        },
    ]


def test_method_outputs_orient_statistics_towards_sweeps(specs):
    model = method_outputs(specs[0])
    assert model.index.tolist() == [4, 5, 6, 7] and model["score"].tolist() == [0.12, 0.73, 0.95, 0.62]
    statistic = method_outputs(specs[1])
    assert statistic.index.tolist() == [4, 5, 6, 7]
    # smaller S = sweep: scores -S, the undefined value last (below -310)
    np.testing.assert_allclose(statistic["score"], [-310, -311, -100, -200])
    assert spec_paths(specs) == [
        specs[0]["predictions"],
        specs[0]["summary"],
        specs[1]["scores"],
        specs[1]["classifiers"],
    ]


def test_table_rows_and_markdown(specs):
    table = table_rows(specs)
    assert table["accuracy"].iloc[0] == 0.75 and table["auroc"].iloc[0] == 0.75 and table["n_parameters"].iloc[0] == 10
    assert table["accuracy"].iloc[1] == 1.0 and np.isnan(table["n_parameters"].iloc[1])
    assert np.isnan(table["accuracy"].iloc[2]) and table["note"].iloc[2].startswith("not run")
    text = pivot_markdown(table, "Table", "dataset_label", "method_label")
    assert "| toy data | 0.750 [" in text and "| CEU data | not run (SLiM unavailable) |" in text


def test_fig3_table_is_symmetric_with_unit_diagonal(specs):
    table = fig3_table(specs)
    toy = table[table["dataset"] == "toy"]
    assert len(toy) == 8 and set(toy["measure"]) == {"spearman", "agreement"}
    agreement = toy[toy["measure"] == "agreement"].set_index(["method_a", "method_b"])["value"]
    assert (
        agreement[("Imagene", "Imagene")] == 1.0 and agreement[("Imagene", "S")] == agreement[("S", "Imagene")] == 0.75
    )
    ceu = table[table["dataset"] == "ceu"]
    assert len(ceu) == 2 and ceu["value"].isna().all() and ceu["note"].str.startswith("not run").all()


def test_fig1c_table_difference():
    table1 = pd.DataFrame(
        {
            "dataset": ["a", "a", "a", "b", "b"],
            "dataset_label": ["A"] * 3 + ["B"] * 2,
            "population": "single population",
            "s": 0.01,
            "method": ["imagene", "mini_cnn", "h1", "imagene", "mini_cnn"],
            "method_label": ["Imagene", "mini-CNN", "H1", "Imagene", "mini-CNN"],
            "accuracy": [0.9, 0.88, 0.95, np.nan, np.nan],
            "ci_low": 0.8,
            "ci_high": 1.0,
            "auroc": 0.9,
            "n_test": 10,
            "note": ["", "", "", "not run", "not run"],
        }
    )
    table = fig1c_table(table1, ["b", "a"])
    assert table["dataset"].tolist() == ["b", "b", "a", "a"]
    assert table["minicnn_minus_imagene"].iloc[2] == pytest.approx(-0.02) and np.isnan(
        table["minicnn_minus_imagene"].iloc[0]
    )


def test_map_profiles_row_means_and_bands():
    values = np.zeros((10, 10))
    values[0] = -1.0  # top row (top 10%)
    values[:, :2] += 0.5  # left edge band (20% of columns)
    rows = pd.DataFrame(map_profiles(values, columns=True, model="m"))
    row_means = rows[rows["quantity"] == "row_mean"]["value"].to_numpy()
    np.testing.assert_allclose(row_means, [-0.9] + [0.1] * 9)
    assert len(rows[rows["quantity"] == "column_mean"]) == 10
    summary = rows[rows["row"].isna()].set_index("quantity")["value"]
    assert summary["top_band_mean"] == pytest.approx(-0.9) and summary["rest_mean"] == pytest.approx(0.1)
    # edge columns 0, 1 (0.5, row 0: -0.5) and 8, 9 (0, row 0: -1): (8 - 2) / 40
    assert summary["edge_band_mean"] == pytest.approx(0.15)
    assert summary["centre_mean"] == pytest.approx(-0.1)

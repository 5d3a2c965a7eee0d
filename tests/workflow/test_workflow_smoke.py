"""End to end: the smoke preset's `rule all` (every figure target) built by Snakemake in a fresh
directory (the session fixture ``smoke_run`` of conftest.py); ImaGene Fig 3, Fig F, reproducibility."""

import subprocess
import sys

import numpy as np
import pandas as pd
from conftest import REPO, load_preset

FIG3 = "results/smoke/imagene2019/fig3_sorting_accuracy"

SFS = "results/smoke/cecil2023/figF_sfs"


def test_fig3_pdf_and_csv_are_built(smoke_run):
    pdf = smoke_run / f"{FIG3}.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    assert (smoke_run / f"{FIG3}.csv").exists()


def test_fig3_csv_holds_one_sane_row_per_cell(smoke_run):
    config = load_preset("smoke")["imagene"]["fig3"]
    table = pd.read_csv(smoke_run / f"{FIG3}.csv")
    assert len(table) == len(config["sortings"]) * len(config["selection_strengths"])
    assert set(table["sorting"]) == set(config["sortings"])
    assert set(table["S"]) == set(config["selection_strengths"])
    assert (table["n_seeds"] == len(config["seeds"])).all()
    assert (
        table["n_test"] == 2 * config["test_shards"] * load_preset("smoke")["simulation"]["replicates_per_shard"]
    ).all()
    assert table["accuracy_mean"].between(0, 1).all() and (table["accuracy_sd"] >= 0).all()
    np.testing.assert_allclose(table["neutral_as_neutral"] + table["neutral_as_selected"], 1, atol=1e-6)
    np.testing.assert_allclose(table["selected_as_neutral"] + table["selected_as_selected"], 1, atol=1e-6)
    # accuracy = mean of the two class recalls (classes are balanced)
    np.testing.assert_allclose(
        table["accuracy_mean"], (table["neutral_as_neutral"] + table["selected_as_selected"]) / 2, atol=1e-6
    )


def test_row_sorted_detector_beats_chance_on_strong_selection(smoke_run):
    table = pd.read_csv(smoke_run / f"{FIG3}.csv").set_index(["sorting", "S"])
    assert table.loc[("rows", 400), "accuracy_mean"] > 0.7


def test_every_job_logged_and_history_written(smoke_run):
    config = load_preset("smoke")["imagene"]["fig3"]
    histories = sorted((smoke_run / "results/smoke/imagene2019/fig3").glob("standard/*/S*/seed*/history.csv"))
    assert len(histories) == len(config["sortings"]) * len(config["selection_strengths"]) * len(config["seeds"])
    history = pd.read_csv(histories[0])
    assert {"epoch", "train_loss", "valid_loss", "valid_accuracy"} <= set(history.columns)
    assert "epoch" in (smoke_run / "results/smoke/logs/imagene2019/fig3/standard/rows/S400/seed1/train.log").read_text()


def test_figF_sfs_table(smoke_run):
    assert (smoke_run / f"{SFS}.pdf").read_bytes()[:5] == b"%PDF-"
    table = pd.read_csv(smoke_run / f"{SFS}.csv")
    assert set(table["sample"]) == {
        "YRI, three-population model",
        "CEU, three-population model",
        "single-population three-epoch model",
    }
    np.testing.assert_allclose(table.groupby("sample")["proportion"].sum(), 1.0, rtol=1e-6)
    sites = table.groupby("sample")["mean_sites"].sum()
    assert sites["YRI, three-population model"] > sites["CEU, three-population model"]  # bottleneck in CEU


def test_single_target_is_reproducible(smoke_run, tmp_path):
    """Rebuilding one evaluation from scratch in another directory gives identical numbers."""
    target = "results/smoke/imagene2019/fig3/standard/rows/S300/seed1/evaluation.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "2",
            "--configfile",
            str(REPO / "config/presets/smoke.yaml"),
            "--directory",
            str(tmp_path),
            target,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert (tmp_path / target).read_text() == (smoke_run / target).read_text()


def test_html_report_gathers_every_figure_with_its_caption(smoke_run):
    report = smoke_run / "results/smoke/report.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--configfile",
            str(REPO / "config/presets/smoke.yaml"),
            "--directory",
            str(smoke_run),
            "--report",
            str(report),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    html = report.read_text(errors="replace")
    for figure in (
        "fig3_sorting_accuracy.pdf",
        "fig6_posterior.pdf",
        "fig1c_minicnn_vs_imagene.pdf",
        "fig4_zero_padding.pdf",
        "fig2c_downsampling.pdf",
        "figS6_attribution_logos.pdf",
        "scorecard.md",
    ):
        assert figure in html
    assert "Fig 3: detection accuracy by sorting" in html  # a caption, rendered with the config's seeds


def test_scorecard_lists_every_claim(smoke_run):
    import yaml

    claims = yaml.safe_load((REPO / "config/claims.yaml").read_text())["claims"]
    card = pd.read_csv(smoke_run / "results/smoke/scorecard.csv")
    assert card["id"].tolist() == [claim["id"] for claim in claims]
    assert set(card["status"]) <= {"PASS", "FAIL", "INCONCLUSIVE", "NOT RUN"}
    text = (smoke_run / "results/smoke/scorecard.md").read_text()
    assert "**PASS**" in text and "**INCONCLUSIVE**" in text
    # verdicts are a pure function of the tables' numbers: re-evaluating them gives the same card
    from genomic_dl.scorecard import scorecard

    tree = smoke_run / "results/smoke"  # claims name their tables relative to the results tree
    available = sorted({c["table"] for c in claims if (tree / c["table"]).exists()})
    again = scorecard(claims, available, results_dir=tree)
    assert again["status"].tolist() == card["status"].tolist()
    # timing rows (wall-clock) are listed but left out of the counts
    assert not card.loc[card["id"] == "evoaug_table_s2_augmentation_costs_time", "counted"].iloc[0]
    # smoke has slim: skip, so the three-population claims are NOT RUN and say why
    three_population = card[card["id"].str.contains("_ceu|_yri")]
    assert len(three_population) > 0 and (three_population["status"] == "NOT RUN").all()
    assert three_population["note"].str.contains("SLiM unavailable").all()


def test_the_smoke_run_writes_only_its_own_results_tree(smoke_run):
    """Every output the run recorded (Snakemake's metadata: one file per output, named by its
    path) and every log lies under results/smoke (config results_dir), so the smoke preset cannot
    touch a default or paper run's files; the tree records the config that made it."""
    import base64

    import yaml

    outputs = [base64.urlsafe_b64decode(p.name).decode() for p in (smoke_run / ".snakemake/metadata").iterdir()]
    assert len(outputs) > 200
    assert [path for path in outputs if not path.startswith("results/smoke/")] == []
    assert not (smoke_run / "logs").exists() and (smoke_run / "results/smoke/logs/scorecard.log").exists()
    recorded = yaml.safe_load((smoke_run / "results/smoke/config.yaml").read_text())
    assert recorded == load_preset("smoke")

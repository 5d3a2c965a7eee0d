"""EvoAug part end to end: the smoke preset's figures, tables and models (session fixture ``smoke_run``),
and the Zenodo download rules against a loopback HTTP server (a good file, a corrupted one)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO, load_preset

from genomic_dl.evoaug2023.checkpoints import METADATA_KEYS, evaluation_padder, load_evoaug_model
from genomic_dl.evoaug2023.h5data import load_evoaug_h5, write_evoaug_h5

DIR = "results/smoke/evoaug2023"
FIGURES = [
    "fig1b_basset_aupr",
    "fig2a_deepstarr_pearson",
    "fig2b_chip_auroc",
    "fig2c_downsampling",
    "figS7_training_curves",
    "figS1_S5_sweeps",
]


@pytest.fixture(scope="module")
def smoke():
    return load_preset("smoke")["evoaug"]


def n_settings(config, kind):
    settings = config["settings"][kind]
    return len(settings["singles"]), len(settings["combinations"])


def datasets_of(config):
    return ["basset", "deepstarr", *(f"chip_{tf}" for tf in config["chip_tfs"])]


def settings_of(config, dataset):
    settings = config["settings"]["chip" if dataset.startswith("chip_") else dataset]
    return ["standard", *settings["singles"], *settings["combinations"]]


def table(run, name):
    return pd.read_csv(run / DIR / f"{name}.csv")


# --------------------------------------------------------------------------- figures and tables


def test_every_figure_is_a_pdf_with_its_table(smoke_run):
    for name in FIGURES:
        assert (smoke_run / DIR / f"{name}.pdf").read_bytes()[:5] == b"%PDF-", name
        assert len(table(smoke_run, name)) > 0, name
    assert len(table(smoke_run, "tableS2_compute_cost")) > 0


def test_fig1b_table(smoke_run, smoke):
    frame = table(smoke_run, "fig1b_basset_aupr")
    singles, combinations = n_settings(smoke, "basset")
    assert len(frame) == 1 + 2 * (singles + combinations) + 2  # + best single augmentation per stage
    assert set(frame["stage"]) == {"standard", "pretrained", "finetuned"}
    assert (frame["n_seeds"] == len(smoke["seeds"])).all()
    assert frame["aupr_mean"].between(0, 1).all() and frame["auroc_mean"].between(0, 1).all()
    standard = frame[frame["setting"] == "standard"]
    assert len(standard) == 1 and standard["aupr_gain_vs_standard"].item() == 0
    np.testing.assert_allclose(
        frame["aupr_gain_vs_standard"], frame["aupr_mean"] - standard["aupr_mean"].item(), atol=1e-5
    )
    best = frame[frame["setting"] == "best_single_augmentation"]
    singles_only = frame[frame["setting"].isin(smoke["settings"]["basset"]["singles"])]
    for _, row in best.iterrows():
        assert row["aupr_mean"] == pytest.approx(
            singles_only[singles_only["stage"] == row["stage"]]["aupr_mean"].max(), abs=1e-5
        )


def test_fig2a_table(smoke_run, smoke):
    frame = table(smoke_run, "fig2a_deepstarr_pearson")
    singles, combinations = n_settings(smoke, "deepstarr")
    assert set(frame["task"]) == {"developmental", "housekeeping"}
    assert len(frame) == 2 * (1 + 2 * (singles + combinations) + 2)
    assert frame["pearson_r_mean"].between(-1, 1).all() and (frame["mse_mean"] > 0).all()


def test_fig2b_table(smoke_run, smoke):
    frame = table(smoke_run, "fig2b_chip_auroc")
    tfs = smoke["chip_tfs"]
    assert set(frame["tf"]) == {*tfs, "all"}
    assert len(frame) == (len(tfs) + 1) * 3
    assert frame["auroc_mean"].between(0, 1).all()
    overall = frame[frame["tf"] == "all"].set_index(["setting", "stage"])
    per_tf = frame[frame["tf"] != "all"]
    expected = per_tf[per_tf["setting"] == "standard"]["auroc_mean"].mean()
    assert overall.loc[("standard", "standard"), "auroc_mean"] == pytest.approx(expected, abs=1e-5)


def test_fig2c_table(smoke_run, smoke):
    frame = table(smoke_run, "fig2c_downsampling")
    fig2c = smoke["fig2c"]
    assert len(frame) == len(fig2c["datasets"]) * len(fig2c["train_sizes"]) * 3
    assert sorted(frame["n_train"].unique()) == sorted(fig2c["train_sizes"])
    assert set(frame["method"]) == {"standard", "pretrained", "finetuned"}
    assert (frame[frame["n_train"] == min(fig2c["train_sizes"])]["size_position"] == "smallest").all()
    assert (frame[frame["method"] == "standard"]["auroc_gain_vs_standard"] == 0).all()
    # each model's evaluation records the down-sampled training set
    evaluation = json.loads(
        (
            smoke_run
            / DIR
            / "downsampling"
            / fig2c["datasets"][0]
            / f"n{min(fig2c['train_sizes'])}"
            / "standard"
            / f"seed{smoke['seeds'][0]}"
            / "standard_evaluation.json"
        ).read_text()
    )
    assert evaluation["n_train"] == min(fig2c["train_sizes"])


def test_figS7_curves(smoke_run, smoke):
    frame = table(smoke_run, "figS7_training_curves")
    assert set(frame["dataset"]) == set(smoke["figS7"]["datasets"])
    max_epochs = load_preset("smoke")["evoaug"]["training"]["max_epochs"]
    for _, part in frame.groupby("dataset"):
        assert set(part["curve"]) == {"standard", "pretraining", "fine-tuning"}
        assert part[part["curve"] != "fine-tuning"]["epoch"].max() <= max_epochs
        assert part[part["curve"] == "fine-tuning"]["epoch"].min() > part[part["curve"] == "pretraining"]["epoch"].max()
    assert (frame["valid_loss_mean"] > 0).all()


def test_tableS2_compute_cost(smoke_run, smoke):
    frame = table(smoke_run, "tableS2_compute_cost")
    datasets = datasets_of(smoke)
    assert len(frame) == sum(len(settings_of(smoke, dataset)) for dataset in datasets)
    assert set(frame["dataset"]) == set(datasets)
    assert (frame["job_seconds_mean"] > frame["seconds_per_epoch_mean"]).all()
    assert (frame["epochs_mean"] <= smoke["training"]["max_epochs"]).all()
    augmented = frame[frame["setting"] != "standard"]
    assert (augmented["finetune_epochs_mean"] == smoke["finetuning"]["max_epochs"]).all()
    assert (frame[frame["setting"] == "standard"]["epoch_cost_vs_standard"] == 1).all()


def test_sweep_table(smoke_run, smoke):
    frame = table(smoke_run, "figS1_S5_sweeps")
    n_points = sum(
        len(values)
        for sweep in smoke["sweeps"]["datasets"].values()
        for parameters in (sweep.get("points") or {}).values()
        for values in parameters.values()
    )
    n_points += sum(len(sweep.get("max_augs_per_seq") or []) for sweep in smoke["sweeps"]["datasets"].values())
    assert len(frame) == 2 * n_points
    assert set(frame["stage"]) == {"pretrained", "finetuned"}
    assert frame["valid_metric_mean"].between(-1, 1).all()


# --------------------------------------------------------------------------- the contract with the interpretation part


def test_every_model_of_the_grid_is_saved_with_its_metadata(smoke_run, smoke):
    for dataset in datasets_of(smoke):
        assert (smoke_run / DIR / "data" / f"{dataset}.h5").exists()
        for setting in settings_of(smoke, dataset):
            for seed in smoke["seeds"]:
                stages = ["standard"] if setting == "standard" else ["pretrained", "finetuned"]
                for stage in stages:
                    run = smoke_run / DIR / "models" / dataset / setting / f"seed{seed}"
                    assert (run / f"{stage}.pt").exists() and (run / f"{stage}_evaluation.json").exists(), run / stage


def test_insertion_model_loads_and_pads(smoke_run, smoke):
    seed = smoke["seeds"][0]
    model, metadata = load_evoaug_model(
        smoke_run / DIR / "models" / "basset" / "insertion" / f"seed{seed}" / "finetuned.pt"
    )
    assert set(METADATA_KEYS) <= set(metadata)
    insert_max = smoke["augmentations"]["basset"]["insertion"]["insert_max"]
    assert metadata["padding"] == insert_max and metadata["setting"] == "insertion" and metadata["stage"] == "finetuned"
    assert metadata["augmenter"] == {"max_augs_per_seq": 1, "hard_aug": True, "length_preserving_insertion": False}
    length = smoke["data"]["synthetic"]["basset"]["length"]
    x = torch.zeros(3, 4, length)
    x[:, 0] = 1
    out = model(evaluation_padder(metadata, torch.Generator().manual_seed(0))(x))
    assert out.shape == (3, smoke["data"]["synthetic"]["basset"]["n_tasks"])
    _standard, meta = load_evoaug_model(
        smoke_run / DIR / "models" / "basset" / "standard" / f"seed{seed}" / "standard.pt"
    )
    assert meta["padding"] == 0 and meta["augmentations"] is None and evaluation_padder(meta, torch.Generator()) is None


def test_chip_models_beat_chance(smoke_run):
    """The ChIP-like task (one motif decides the label) is learned even in 2 epochs: the standard
    models' AUROC, averaged over the TFs, is above chance (0.5; 0.59 to 0.71 in trial runs)."""
    frame = table(smoke_run, "fig2b_chip_auroc").set_index(["tf", "setting", "stage"])
    assert frame.loc[("all", "standard", "standard"), "auroc_mean"] > 0.55


# --------------------------------------------------------------------------- Zenodo downloads, offline


def chip_arrays(seed=0):
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", 12), ("valid", 4), ("test", 4)):
        arrays[f"x_{split}"] = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (n, 200))].transpose(0, 2, 1)
        arrays[f"y_{split}"] = rng.integers(0, 2, (n, 1)).astype(np.float32)
    return arrays


@pytest.fixture
def server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    write_evoaug_h5(served / "CTCF_200.h5", chip_arrays(), "lower")
    good = (served / "CTCF_200.h5").read_bytes()
    (served / "corrupt").mkdir()
    (served / "corrupt" / "CTCF_200.h5").write_bytes(good[: len(good) // 2])  # truncated transfer
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}", hashlib.md5(good).hexdigest()
    httpd.shutdown()


def run_download(tmp_path, url, md5, record=None):
    """Build chip_CTCF from a download; ``record``: the Zenodo record API address (None: none)."""
    files = {"basset": {"name": "Basset_data.h5", "md5": None}, "deepstarr": {"name": "DeepSTARR_data.h5", "md5": None}}
    files.update(
        {
            f"chip_{tf}": {"name": f"{tf}_200.h5", "md5": md5 if tf == "CTCF" else None}
            for tf in load_preset("smoke")["evoaug"]["chip_tfs"]
        }
    )
    override = tmp_path / "zenodo.yaml"
    override.write_text(
        yaml.safe_dump(
            {"evoaug": {"data": {"source": "zenodo", "zenodo": {"url": url, "record": record, "files": files}}}}
        )
    )
    workdir = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "1",
            "--configfile",
            str(REPO / "config/presets/smoke.yaml"),
            str(override),
            "--directory",
            str(workdir),
            f"{DIR}/data/chip_CTCF.h5",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return workdir, result


def test_download_verifies_and_exposes_the_file(server, tmp_path):
    served, url, md5 = server
    workdir, result = run_download(tmp_path, url + "/{name}", md5)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    data = load_evoaug_h5(workdir / DIR / "data" / "chip_CTCF.h5")
    expected = chip_arrays()
    for key, value in expected.items():
        np.testing.assert_array_equal(data[key], value)
    assert (workdir / "resources/evoaug2023/CTCF_200.h5").read_bytes() == (served / "CTCF_200.h5").read_bytes()


def test_corrupted_download_is_rejected_and_leaves_nothing(server, tmp_path):
    _served, url, md5 = server
    workdir, result = run_download(tmp_path, url + "/corrupt/{name}", md5)
    assert result.returncode != 0
    log = (workdir / "results/smoke/logs/evoaug2023/download/CTCF_200.h5.log").read_text().lower()
    assert "md5" in log and md5 in log
    assert not list((workdir / "resources/evoaug2023").glob("CTCF_200.h5*"))
    assert not (workdir / DIR / "data" / "chip_CTCF.h5").exists()


def test_published_md5_rejects_a_corrupted_download_when_the_config_has_none(server, tmp_path):
    served, url, md5 = server
    record = served / "api" / "records" / "7265991"
    record.parent.mkdir(parents=True)
    size = (served / "CTCF_200.h5").stat().st_size
    record.write_text(json.dumps({"files": [{"key": "CTCF_200.h5", "size": size, "checksum": f"md5:{md5}"}]}))
    workdir, result = run_download(tmp_path, url + "/corrupt/{name}", None, record=f"{url}/api/records/7265991")
    assert result.returncode != 0
    log = (workdir / "results/smoke/logs/evoaug2023/download/CTCF_200.h5.log").read_text()
    assert f"MD5 {md5} published by {url}/api/records/7265991" in log
    assert "rejected and deleted" in log
    assert not list((workdir / "resources/evoaug2023").glob("CTCF_200.h5*"))


def test_unverified_corrupted_file_is_rejected_by_the_data_rule(server, tmp_path):
    _served, url, _ = server
    workdir, result = run_download(tmp_path, url + "/corrupt/{name}", None)
    assert result.returncode != 0
    assert "not verified" in (workdir / "results/smoke/logs/evoaug2023/download/CTCF_200.h5.log").read_text()
    assert "CTCF_200.h5" in (workdir / "results/smoke/logs/evoaug2023/data/chip_CTCF.log").read_text()
    assert not (workdir / DIR / "data" / "chip_CTCF.h5").exists()


# The config cross-checks are unit-tested in tests/evoaug2023/test_evoaug_plan.py.

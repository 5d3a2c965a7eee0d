"""Unit tests of the EvoAug experiment grid: checkpoints (the contract with the interpretation part),
setting resolution, data loading, one training run, model width, and the figure tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from genomic_dl.evoaug2023.checkpoints import (
    METADATA_KEYS,
    append_random_bases,
    evaluation_padder,
    load_evoaug_model,
    save_evoaug_model,
    validate_metadata,
)
from genomic_dl.evoaug2023.experiment import load_splits, resolve_setting, run_setting
from genomic_dl.evoaug2023.figures import (
    BEST_SINGLE,
    compute_cost_table,
    fig2b_table,
    fig2c_table,
    performance_table,
    summarise,
    sweep_table,
    training_curves,
)
from genomic_dl.evoaug2023.grid import chip_tf, dataset_kind, stages_of
from genomic_dl.evoaug2023.h5data import write_evoaug_h5
from genomic_dl.evoaug2023.models import Basset, build_model, scale_blocks
from genomic_dl.nn.device import seed_everything

PARAMETERS = {
    "mutation": {"mutate_frac": 0.05},
    "insertion": {"insert_min": 0, "insert_max": 8},
    "reverse_complement": {"rc_prob": 0.0},
    "noise": {"noise_mean": 0.0, "noise_std": 0.3},
}
SETTINGS = {
    "singles": ["mutation", "insertion", "reverse_complement"],
    "single_overrides": {"reverse_complement": {"rc_prob": 0.5}},
    "combinations": {
        "evoaug": {"augmentations": ["noise", "insertion", "mutation"], "max_augs_per_seq": 2, "hard_aug": False}
    },
}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def metadata(**changes):
    base = {
        "model": "chip_cnn",
        "model_kwargs": {"sequence_length": 72, "n_tasks": 1, "width": 0.25},
        "task": "binary",
        "dataset": "chip_CTCF",
        "setting": "insertion",
        "stage": "pretrained",
        "seed": 3,
        "augmentations": {"insertion": {"insert_min": 0, "insert_max": 8}},
        "augmenter": {"max_augs_per_seq": 1, "hard_aug": True, "length_preserving_insertion": False},
        "padding": 8,
    }
    return {**base, **changes}


# --------------------------------------------------------------------------- models and checkpoints


def test_width_scales_every_layer_and_is_recorded():
    blocks = scale_blocks(Basset.CONV_BLOCKS, 0.25)
    assert [b.filters for b in blocks] == [75, 50, 50]
    assert [b.kernel_size for b in blocks] == [19, 11, 7] and [b.pool_size for b in blocks] == [3, 4, 2]
    model = build_model("basset", {"sequence_length": 120, "n_tasks": 3, "width": 0.25})
    assert model.first_conv.out_channels == 75
    assert model.dense_blocks[0][0].out_features == 250
    assert model.model_kwargs == {"sequence_length": 120, "n_tasks": 3, "width": 0.25}
    assert build_model("basset", {"sequence_length": 120}).model_kwargs == {"sequence_length": 120, "n_tasks": 164}
    with pytest.raises(ValueError, match="width"):
        build_model("chip_cnn", {"width": 0})


def test_checkpoint_round_trip_and_padder(tmp_path):
    model = build_model(
        "chip_cnn", {"sequence_length": 72, "n_tasks": 1, "width": 0.25}, generator=torch.Generator().manual_seed(0)
    ).eval()
    path = tmp_path / "m" / "pretrained.pt"
    save_evoaug_model(path, model, {**metadata(), "extra": [1, 2]})
    loaded, meta = load_evoaug_model(path, "cpu")
    assert set(METADATA_KEYS) <= set(meta) and meta["extra"] == [1, 2]
    assert not loaded.training
    pad = evaluation_padder(meta, torch.Generator().manual_seed(1))
    x = torch.nn.functional.one_hot(torch.randint(4, (5, 64)), 4).permute(0, 2, 1).float()
    padded = pad(x)
    assert padded.shape == (5, 4, 72)
    assert torch.equal(padded[:, :, :64], x) and torch.equal(padded.sum(1), torch.ones(5, 72))
    assert torch.equal(loaded(padded), model(padded))
    assert evaluation_padder(metadata(padding=0, augmentations=None, augmenter=None), torch.Generator()) is None
    assert append_random_bases(x.to(torch.uint8), 3, torch.Generator()).dtype == torch.uint8


def test_metadata_is_checked(tmp_path):
    model = build_model("chip_cnn", {"sequence_length": 72, "n_tasks": 1, "width": 0.25})
    with pytest.raises(ValueError, match="lacks the key"):
        validate_metadata({k: v for k, v in metadata().items() if k != "padding"})
    with pytest.raises(ValueError, match="padding 0"):
        validate_metadata(metadata(augmentations=None, augmenter=None))
    with pytest.raises(ValueError, match="stage"):
        validate_metadata(metadata(stage="final"))
    with pytest.raises(ValueError, match="do not match"):
        save_evoaug_model(tmp_path / "x.pt", model, metadata(model_kwargs={"sequence_length": 80, "n_tasks": 1}))
    with pytest.raises(FileNotFoundError):
        load_evoaug_model(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="junk.pt"):
        load_evoaug_model(tmp_path / "junk.pt")


# --------------------------------------------------------------------------- grid and settings


def test_dataset_names():
    assert [dataset_kind(d) for d in ("basset", "deepstarr", "chip_CTCF")] == ["basset", "deepstarr", "chip"]
    assert chip_tf("chip_ZNF24") == "ZNF24"
    assert stages_of("standard") == ("standard",) and stages_of("noise") == ("pretrained", "finetuned")
    with pytest.raises(ValueError, match="unknown EvoAug dataset"):
        dataset_kind("chip-CTCF")


def test_resolve_setting():
    assert resolve_setting("standard", SETTINGS, PARAMETERS) == {"augmentations": None, "augmenter": None}
    single = resolve_setting("mutation", SETTINGS, PARAMETERS)
    assert single == {
        "augmentations": {"mutation": {"mutate_frac": 0.05}},
        "augmenter": {"max_augs_per_seq": 1, "hard_aug": True, "length_preserving_insertion": False},
    }
    # the override for an augmentation used alone
    assert resolve_setting("reverse_complement", SETTINGS, PARAMETERS)["augmentations"] == {
        "reverse_complement": {"rc_prob": 0.5}
    }
    combo = resolve_setting("evoaug", SETTINGS, PARAMETERS)
    assert list(combo["augmentations"]) == ["noise", "insertion", "mutation"]
    assert combo["augmentations"]["insertion"] == {"insert_min": 0, "insert_max": 8}
    assert combo["augmenter"]["max_augs_per_seq"] == 2 and combo["augmenter"]["hard_aug"] is False
    # sweeps
    swept = resolve_setting("insertion", SETTINGS, PARAMETERS, override={"parameters": {"insert_max": 20}})
    assert swept["augmentations"] == {"insertion": {"insert_min": 0, "insert_max": 20}}
    assert (
        resolve_setting("evoaug", SETTINGS, PARAMETERS, override={"max_augs_per_seq": 3})["augmenter"][
            "max_augs_per_seq"
        ]
        == 3
    )
    with pytest.raises(ValueError, match="unknown setting 'deletion'"):
        resolve_setting("deletion", SETTINGS, PARAMETERS)
    with pytest.raises(ValueError, match="mutate_frac"):
        resolve_setting("mutation", SETTINGS, PARAMETERS, override={"parameters": {"mutate_frac": 0.9}})
    with pytest.raises(ValueError, match="single augmentations only"):
        resolve_setting("evoaug", SETTINGS, PARAMETERS, override={"parameters": {"insert_max": 3}})


# --------------------------------------------------------------------------- data and one run


def write_dataset(path, n=(80, 24, 40), length=64, layout="lower", seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, size in zip(("train", "valid", "test"), n):
        codes = rng.integers(0, 4, size=(size, length))
        y = rng.integers(0, 2, size=(size, 1))
        codes[y[:, 0] == 1, 10:16] = [0, 1, 2, 3, 3, 2]  # a planted motif makes the label learnable
        arrays[f"x_{split}"] = np.eye(4, dtype=dtype)[codes].transpose(0, 2, 1)
        arrays[f"y_{split}"] = y.astype(np.float32)
    write_evoaug_h5(path, arrays, layout)


def test_load_splits_converts_and_downsamples(tmp_path):
    path = tmp_path / "chip_CTCF.h5"
    write_dataset(path)
    data = load_splits(str(path), "chip_CTCF")
    assert data.train[0].dtype == np.uint8 and data.train[0].shape == (80, 4, 64)
    assert data.task_names == ["task000"] and data.n_tasks == 1 and data.sequence_length == 64
    small = load_splits(str(path), "chip_CTCF", n_train=10, rng=np.random.default_rng(1))
    again = load_splits(str(path), "chip_CTCF", n_train=10, rng=np.random.default_rng(1))
    assert small.train[0].shape[0] == 10 and np.array_equal(small.train[0], again.train[0])
    assert small.test[0].shape[0] == 40
    with pytest.raises(ValueError, match="cannot draw 81"):
        load_splits(str(path), "chip_CTCF", n_train=81, rng=np.random.default_rng(1))
    bad = tmp_path / "bad.h5"
    write_dataset(bad, dtype=np.float32)
    import h5py

    with h5py.File(bad, "r+") as handle:
        handle["x_valid"][0, 0, 0] = 0.5
    with pytest.raises(ValueError, match="not one-hot"):
        load_splits(str(bad), "chip_CTCF")


@pytest.mark.parametrize("setting", ["standard", "evoaug"])
def test_run_setting_writes_the_contract(tmp_path, setting):
    path = tmp_path / "chip_CTCF.h5"
    write_dataset(path)
    data = load_splits(str(path), "chip_CTCF")
    resolved = resolve_setting(setting, SETTINGS, PARAMETERS)
    training = {"optimizer": "adam", "learning_rate": 0.001, "batch_size": 16, "max_epochs": 2, "restore_best": True}
    finetuning = {**training, "learning_rate": 0.0001, "max_epochs": 1}
    results = run_setting(
        data,
        dataset="chip_CTCF",
        setting=setting,
        resolved=resolved,
        model_options={"width": 0.25},
        training=training,
        finetuning=finetuning,
        seed=7,
        device=torch.device("cpu"),
        generator=seed_everything(7),
        log=None,
    )
    assert [r.stage for r in results] == list(stages_of(setting))
    padding = 0 if setting == "standard" else 8
    for result in results:
        meta = result.metadata
        validate_metadata(meta)
        assert meta["padding"] == padding and meta["model_kwargs"]["sequence_length"] == 64 + padding
        assert meta["n_train"] == 80 and meta["seed"] == 7 and meta["stage"] == result.stage
        evaluation = result.evaluation
        assert evaluation["n_sequences"] == 40 and evaluation["valid"]["n_sequences"] == 24
        assert 0 <= evaluation["mean_auroc"] <= 1 and len(evaluation["auroc"]) == 1
        assert evaluation["epochs"] == len(result.history) == result.metadata["training"]["max_epochs"]
        json.dumps(evaluation)  # serialisable
        path = tmp_path / f"{result.stage}.pt"
        save_evoaug_model(path, result.model, meta)
        model, _ = load_evoaug_model(path)
        x = torch.zeros(2, 4, 64 + padding)
        assert torch.allclose(model(x), result.model.cpu().eval()(x))
    if setting == "evoaug":  # fine-tuning starts from the pretrained weights and changes them
        pretrained, finetuned = (r.model.state_dict() for r in results)
        assert any(not torch.equal(pretrained[k], finetuned[k]) for k in pretrained if k.endswith("weight"))


# --------------------------------------------------------------------------- figure tables


def per_seed_frame():
    rows = []
    values = {
        ("standard", "standard"): [0.5, 0.7],
        ("mutation", "pretrained"): [0.6, 0.6],
        ("mutation", "finetuned"): [0.7, 0.9],
        ("noise", "pretrained"): [0.4, 0.4],
        ("noise", "finetuned"): [0.9, 0.9],
        ("evoaug", "pretrained"): [0.8, 0.8],
        ("evoaug", "finetuned"): [1.0, 0.8],
    }
    for (setting, stage), metric in values.items():
        for seed, value in zip((1, 2), metric):
            rows.append({"dataset": "basset", "setting": setting, "stage": stage, "seed": seed, "aupr": value})
    return pd.DataFrame(rows)


def test_summarise_and_performance_table():
    frame = per_seed_frame()
    summary = summarise(frame, ["setting", "stage"], ["aupr"])
    standard = summary.iloc[0]
    assert standard["aupr_mean"] == pytest.approx(0.6) and standard["aupr_sd"] == pytest.approx(
        np.std([0.5, 0.7], ddof=1)
    )
    table = performance_table(frame, ["aupr"], ["mutation", "noise"]).set_index(["setting", "stage"])
    assert table.loc[("evoaug", "finetuned"), "aupr_gain_vs_standard"] == pytest.approx(0.3)
    assert table.loc[("standard", "standard"), "aupr_gain_vs_standard"] == 0
    # the best single augmentation per stage: noise when fine-tuned (0.9 > 0.8), mutation pretrained
    assert table.loc[(BEST_SINGLE, "finetuned"), "best_of"] == "noise"
    assert table.loc[(BEST_SINGLE, "pretrained"), "best_of"] == "mutation"
    assert len(table) == 7 + 2


def test_fig2b_and_fig2c_tables():
    rows = []
    for tf, base in (("CTCF", 0.6), ("ATF2", 0.8)):
        for seed in (1, 2):
            rows += [
                {
                    "dataset": f"chip_{tf}",
                    "setting": "standard",
                    "stage": "standard",
                    "seed": seed,
                    "auroc": base,
                    "aupr": base,
                },
                {
                    "dataset": f"chip_{tf}",
                    "setting": "evoaug",
                    "stage": "pretrained",
                    "seed": seed,
                    "auroc": base + 0.1,
                    "aupr": base,
                },
                {
                    "dataset": f"chip_{tf}",
                    "setting": "evoaug",
                    "stage": "finetuned",
                    "seed": seed,
                    "auroc": base + 0.05,
                    "aupr": base,
                },
            ]
    table = fig2b_table(pd.DataFrame(rows)).set_index(["tf", "setting", "stage"])
    assert table.loc[("all", "standard", "standard"), "auroc_mean"] == pytest.approx(0.7)
    assert table.loc[("all", "evoaug", "pretrained"), "auroc_gain_vs_standard"] == pytest.approx(0.1)
    assert table.loc[("all", "standard", "standard"), "auroc_sd"] == pytest.approx(np.std([0.6, 0.8], ddof=1))
    assert len(table) == 3 * 3

    rows = []
    for n, gain in ((50, 0.2), (100, 0.1), (400, 0.0)):
        for seed in (1, 2):
            rows += [
                {
                    "dataset": "chip_CTCF",
                    "n_train": n,
                    "setting": "standard",
                    "stage": "standard",
                    "seed": seed,
                    "auroc": 0.6,
                    "aupr": 0.5,
                },
                {
                    "dataset": "chip_CTCF",
                    "n_train": n,
                    "setting": "evoaug",
                    "stage": "finetuned",
                    "seed": seed,
                    "auroc": 0.6 + gain,
                    "aupr": 0.5,
                },
            ]
    table = fig2c_table(pd.DataFrame(rows))
    assert list(table["method"]) == ["standard"] * 3 + ["finetuned"] * 3
    finetuned = table[table["method"] == "finetuned"].set_index("size_position")
    assert finetuned.loc["smallest", "auroc_gain_vs_standard"] == pytest.approx(0.2)
    assert finetuned.loc["largest", "auroc_gain_vs_standard"] == pytest.approx(0.0)
    assert finetuned.loc["middle", "n_train"] == 100


def test_training_curves_continue_after_pretraining(tmp_path):
    records, paths = [], []
    for stage, epochs in (("finetuned", 2), ("pretrained", 3), ("standard", 2)):
        path = tmp_path / f"{stage}.csv"
        pd.DataFrame(
            {
                "epoch": range(1, epochs + 1),
                "valid_loss": [1.0] * epochs,
                "valid_auroc": np.linspace(0.5, 0.7, epochs),
                "seconds": 1.0,
            }
        ).to_csv(path, index=False)
        setting = "standard" if stage == "standard" else "evoaug"
        records.append({"dataset": "chip_CTCF", "setting": setting, "stage": stage, "seed": 1})
        paths.append(str(path))
    table = training_curves(records, paths)
    assert table[table["curve"] == "fine-tuning"]["epoch"].tolist() == [4, 5]
    assert table[table["curve"] == "pretraining"]["epoch"].tolist() == [1, 2, 3]
    assert (table["metric"] == "auroc").all() and (table["n_seeds"] == 1).all()


def test_compute_cost_table(tmp_path):
    jobs, benchmarks, histories = [], [], []
    for setting, seconds, per_epoch in (("standard", 10.0, 1.0), ("evoaug", 30.0, 2.0)):
        for seed in (1, 2):
            bench = tmp_path / f"{setting}{seed}.tsv"
            bench.write_text(f"s\th:m:s\tmax_rss\tmax_vms\n{seconds + seed}\t0:00:10\t100.5\t200\n")
            jobs.append({"dataset": "basset", "setting": setting, "seed": seed})
            benchmarks.append(str(bench))
            for stage in stages_of(setting):
                history = tmp_path / f"{setting}{seed}{stage}.csv"
                epochs = 4 if stage != "finetuned" else 2
                pd.DataFrame({"epoch": range(1, epochs + 1), "seconds": per_epoch}).to_csv(history, index=False)
                histories.append(str(history))
    table = compute_cost_table(jobs, benchmarks, histories).set_index("setting")
    assert table.loc["evoaug", "epoch_cost_vs_standard"] == pytest.approx(2.0)
    assert table.loc["evoaug", "job_seconds_mean"] == pytest.approx(31.5)
    assert table.loc["evoaug", "finetune_epochs_mean"] == 2 and np.isnan(table.loc["standard", "finetune_epochs_mean"])
    assert table.loc["standard", "max_rss_mb_mean"] == pytest.approx(100.5)
    with pytest.raises(ValueError, match="history files"):
        compute_cost_table(jobs, benchmarks, histories + histories[:1])


def test_sweep_table(tmp_path):
    def evaluation(path, value):
        path.write_text(
            json.dumps({"loss": 1.0, "mean_pearson_r": 0.0, "valid": {"loss": 1.0, "mean_pearson_r": value}})
        )
        return str(path)

    records = [
        {
            "dataset": "deepstarr",
            "augmentation": "mutation",
            "parameter": "mutate_frac",
            "value": v,
            "stage": stage,
            "seed": 1,
        }
        for v in (0.05, 0.1)
        for stage in ("pretrained", "finetuned")
    ]
    paths = [evaluation(tmp_path / f"{i}.json", 0.1 * i) for i in range(len(records))]
    reference = [{"dataset": "deepstarr", "setting": "standard", "stage": "standard", "seed": s} for s in (1, 2)]
    reference_paths = [evaluation(tmp_path / f"r{s}.json", 0.2 * s) for s in (1, 2)]
    table = sweep_table(records, paths, reference, reference_paths)
    assert table["valid_metric_mean"].tolist() == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert np.allclose(table["standard_mean"], 0.3) and (table["metric"] == "pearson_r").all()

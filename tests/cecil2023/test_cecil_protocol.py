"""Tests of the workflow-level training and interpretation of Cecil & Sugden's models
(genomic_dl.cecil2023.training: model_kwargs ... load_model; cecil_interpretation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from genomic_dl.cecil2023.evaluation import DataSplit
from genomic_dl.cecil2023.interpretation import example_indices, has_weight_maps, interpret_model
from genomic_dl.cecil2023.training import (
    build_model,
    ladder_step,
    load_model,
    model_kwargs,
    n_parameters,
    restarts_for,
    save_training,
    train_and_test,
)

SETTINGS = {
    "imagene": {"conv_filters": [4], "kernel_size": 3, "dense_units": 8, "l1": 0.005, "l2": 0.005},
    "mini_cnn": {"l1": 0.005, "l2": 0.005},
    "deepset": {"n_filters": 4, "kernel_width": 3, "depth": 1, "dense_layers": 1, "dense_units": 8},
}
TRAINING = {
    "learning_rate": 0.01,
    "batch_size": 16,
    "epochs": 3,
    "restarts": 3,
    "restarts_by_model": {"imagene": 2},
    "early_stopping": {"max_epochs": 4, "patience": 1},
    "precision": "fp32",
}


def sorted_images(n_per_class, seed, shape=(8, 10)):
    """Toy "row-sorted" images: sweeps have identical top rows (zeros), neutral ones random rows."""
    rng = np.random.default_rng(seed)
    images = (rng.random((2 * n_per_class, *shape)) < 0.5).astype(np.uint8)
    images[n_per_class:, : shape[0] // 2] = 0
    return images, np.repeat([0, 1], n_per_class)


def test_model_names_map_to_registry_models():
    assert model_kwargs("imagene", (8, 10), SETTINGS)[0] == "imagene"
    registry, kwargs = model_kwargs("mini_cnn", (8, 10), SETTINGS)
    assert registry == "mini_cnn" and kwargs["input_shape"] == [8, 10]
    assert model_kwargs("deepset", (8, 10), SETTINGS)[1]["n_filters"] == 4
    assert model_kwargs("ladder12", (32, 32), SETTINGS)[0] == "mini_cnn"
    assert model_kwargs("ladder07", (32, 32), SETTINGS)[1]["kernel_size"] == [3, 1]
    assert ladder_step("ladder15") == 15
    for bad in ("ladder16", "ladder00", "resnet"):
        with pytest.raises(ValueError, match="unknown model"):
            ladder_step(bad)
    # mini-CNN: 2 kernel weights + (H - 1) x W dense weights, no biases
    assert n_parameters(build_model("mini_cnn", (8, 10), SETTINGS)) == 2 + 7 * 10
    assert restarts_for("imagene", TRAINING, SETTINGS) == 2 and restarts_for("mini_cnn", TRAINING, SETTINGS) == 3
    assert restarts_for("ladder02", TRAINING, SETTINGS) == 2  # an ImageneCNN step
    assert restarts_for("ladder07", TRAINING, SETTINGS) == 3  # a ReducedCNN step


def test_train_and_test_on_a_fixed_split_and_round_trip(tmp_path):
    images, labels = sorted_images(60, 1)
    split = DataSplit(train=np.r_[0:40, 60:100], valid=np.r_[40:50, 100:110], test=np.r_[50:60, 110:120])
    model, result = train_and_test(
        "mini_cnn",
        images,
        labels,
        split,
        settings=SETTINGS,
        training=TRAINING,
        strategy="fixed_epochs",
        seed=3,
        log=None,
    )
    predictions = result["predictions"]
    np.testing.assert_array_equal(predictions["index"], split.test)
    np.testing.assert_array_equal(predictions["label"], labels[split.test])
    np.testing.assert_array_equal(predictions["call"], (predictions["probability"] >= 0.5).astype(int))
    assert np.mean(predictions["call"] == predictions["label"]) >= 0.8
    assert len(result["restarts"]) == 3 and sum(row["best"] for row in result["restarts"]) == 1
    summary = result["summary"]
    assert summary["n_train"] == 80 and summary["n_test"] == 20 and summary["mean_epochs"] == 3
    paths = {
        key: str(tmp_path / name)
        for key, name in (
            ("model_path", "m.pt"),
            ("restarts_path", "r.csv"),
            ("predictions_path", "p.csv"),
            ("summary_path", "s.json"),
        )
    }
    saved = save_training(model, result, {"dataset": "toy"}, **paths)
    assert saved["dataset"] == "toy" and len(pd.read_csv(paths["restarts_path"])) == 3
    loaded, metadata = load_model(paths["model_path"])
    assert metadata["registry"] == "mini_cnn"
    with torch.no_grad():
        again = loaded(torch.as_tensor(images[split.test], dtype=torch.float32)).reshape(-1).double().numpy()
    np.testing.assert_allclose(again, predictions["logit"], rtol=1e-5, atol=1e-5)
    # the same seed gives the same model
    _, repeat = train_and_test(
        "mini_cnn",
        images,
        labels,
        split,
        settings=SETTINGS,
        training=TRAINING,
        strategy="fixed_epochs",
        seed=3,
        log=None,
    )
    np.testing.assert_allclose(repeat["predictions"]["logit"], predictions["logit"])


def test_on_the_fly_and_subset_training():
    images, labels = sorted_images(30, 2)
    fresh, fresh_labels = sorted_images(25, 9)
    split = DataSplit(train=np.r_[0:10, 30:40], valid=np.r_[20:25, 50:55], test=np.r_[25:30, 55:60])
    _, result = train_and_test(
        "imagene",
        images,
        labels,
        split,
        settings=SETTINGS,
        training=TRAINING,
        strategy="on_the_fly",
        seed=1,
        epoch_data=lambda epoch: (fresh, fresh_labels),
        log=None,
    )
    assert result["summary"]["n_train"] == 50 and result["summary"]["n_restarts"] == 2
    _, result = train_and_test(
        "deepset",
        images,
        labels,
        split,
        settings=SETTINGS,
        training=TRAINING,
        strategy="early_stopping",
        seed=1,
        log=None,
    )
    assert 1 <= result["summary"]["mean_epochs"] <= 4


def test_interpretation_of_mini_cnn_and_imagene():
    images, labels = sorted_images(30, 4)
    split = DataSplit(train=np.r_[0:20, 30:50], valid=np.r_[20:25, 50:55], test=np.r_[25:30, 55:60])
    np.testing.assert_array_equal(example_indices(labels, split), [25, 55])
    mini = build_model("mini_cnn", (8, 10), SETTINGS, torch.Generator().manual_seed(0)).eval()
    assert has_weight_maps(mini) and not has_weight_maps(build_model("imagene", (8, 10), SETTINGS))
    maps = interpret_model(
        mini, images, labels, split, {"background_per_class": 5, "images_per_class": 3}, np.random.default_rng(0)
    )
    assert str(maps["kind"]) == "weights" and maps["kernel"].shape == (2, 1) and maps["dense_map"].shape == (7, 10)
    kernel = maps["kernel"][:, 0]
    x = images[25].astype(float)
    expected = np.maximum(kernel[0] * x[:-1] + kernel[1] * x[1:], 0)  # 2x1 convolution + ReLU
    np.testing.assert_allclose(maps["example_features"][0], expected, atol=1e-6)
    imagene = build_model("imagene", (8, 10), SETTINGS, torch.Generator().manual_seed(0)).eval()
    maps = interpret_model(
        imagene, images, labels, split, {"background_per_class": 5, "images_per_class": 3}, np.random.default_rng(0)
    )
    assert str(maps["kind"]) == "shap" and maps["mean_shap"].shape == (2, 8, 10)
    np.testing.assert_array_equal(maps["n_images"], [3, 3])
    assert maps["example_shap"].shape == (2, 8, 10)

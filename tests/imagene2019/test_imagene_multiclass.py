"""ImaGene multiclass quantification: data flow, label distributions, training, evaluation."""

import numpy as np
import pytest
import torch

from genomic_dl.imagene2019.labels import LabelDistribution
from genomic_dl.imagene2019.multiclass import (
    checkpoint_metadata,
    evaluate_multiclass,
    multiclass_data,
    multiclass_epoch_data,
    train_multiclass,
)
from genomic_dl.nn.imagene import ImageneCNN
from genomic_dl.popgen.image_store import save_images

CLASSES = np.array([0.0, 200.0, 400.0])
DENSITY = {0.0: 0.1, 200.0: 0.4, 400.0: 0.7}  # fraction of ones in the images of each class
SIZE = 16
TRAINING = {
    "strategy": "epochs",
    "optimizer": "adam",
    "learning_rate": 0.01,
    "batch_size": 16,
    "validation_fraction": 0.2,
    "max_epochs": 6,
    "early_stopping_patience": None,
    "restore_best": True,
    "log_every_batches": 0,
    "precision": "fp32",
}
MODEL = {
    "input_shape": [SIZE, SIZE],
    "conv_filters": [4],
    "kernel_size": 3,
    "pool_size": 2,
    "dense_units": None,
    "l1": 0.0,
    "l2": 0.0,
}


def density_images(rng: np.random.Generator, n: int, density: float) -> np.ndarray:
    """``n`` random 0/1 images with exactly ``round(density * SIZE**2)`` ones each."""
    ones = int(round(density * SIZE * SIZE))
    flat = np.zeros((n, SIZE * SIZE), dtype=np.uint8)
    flat[:, :ones] = 1
    return rng.permuted(flat, axis=1).reshape(n, SIZE, SIZE)


def write_shard(path, rng, S: float, n: int) -> str:
    save_images(path, density_images(rng, n, DENSITY[S]), np.full(n, S), {"sorting": "rows"})
    return str(path)


@pytest.fixture
def shards(tmp_path):
    rng = np.random.default_rng(0)
    train = [[write_shard(tmp_path / f"b{b}_S{int(S)}.npz", rng, S, 60) for S in CLASSES] for b in range(2)]
    test = [write_shard(tmp_path / f"test_S{int(S)}.npz", rng, S, 30) for S in CLASSES]
    return train, test


def test_continuous_shard_maps_to_nearest_class(tmp_path):
    S = np.array([10.0, 190.0, 230.0, 390.0, 300.0])
    images = np.zeros((5, 4, 4), dtype=np.uint8)
    images[:, 0, 0] = 1
    save_images(tmp_path / "u.npz", images, S, {})
    x, class_index, selection = multiclass_data([str(tmp_path / "u.npz")], CLASSES, invert=True)
    assert x.shape == (5, 1, 4, 4) and x.dtype == torch.uint8
    np.testing.assert_array_equal(class_index, [0, 1, 1, 2, 1])
    np.testing.assert_array_equal(selection, S)
    assert x[:, 0, 0, 0].tolist() == [0] * 5 and int(x[:, 0, 1:, 1:].min()) == 1  # inverted


def test_on_the_fly_loads_one_batch_per_epoch_with_gaussian_targets(shards):
    train, _ = shards
    epoch_data = multiclass_epoch_data(
        train,
        CLASSES,
        LabelDistribution("gaussian", sd=0.5),
        {**TRAINING, "strategy": "on_the_fly"},
        False,
        torch.Generator().manual_seed(0),
        np.random.default_rng(0),
    )
    for epoch in (0, 1):
        loaders = epoch_data(epoch)
        batches = [batch for loader in loaders for batch in loader]  # one pass: shuffled loaders
        x = torch.cat([batch[0] for batch in batches])
        y = torch.cat([batch[1] for batch in batches])
        assert x.shape == (180, 1, SIZE, SIZE) and y.shape == (180, 3)
        assert len(loaders[1].dataset) == 36
        batch_images, _, _ = multiclass_data(train[epoch], CLASSES, invert=False)
        assert sorted(map(bytes, x.flatten(1).numpy())) == sorted(map(bytes, batch_images.flatten(1).numpy()))
        torch.testing.assert_close(y.sum(dim=1), torch.ones(180))
        # the target's mode is the class of the image's density
        density = x.float().mean(dim=(1, 2, 3))
        expected = torch.bucketize(density, torch.tensor([0.25, 0.55]))
        assert torch.equal(y.argmax(dim=1), expected)


def test_epochs_strategy_pools_batches_and_keeps_perturbations(shards):
    train, _ = shards
    epoch_data = multiclass_epoch_data(
        train,
        CLASSES,
        LabelDistribution("perturbed"),
        TRAINING,
        False,
        torch.Generator().manual_seed(0),
        np.random.default_rng(0),
    )
    train_loader, valid_loader = epoch_data(0)
    assert len(train_loader.dataset) + len(valid_loader.dataset) == 360
    assert epoch_data(4) == (train_loader, valid_loader)  # drawn once, as ImaGene's targets
    x, y = train_loader.dataset.tensors
    true = torch.bucketize(x.float().mean(dim=(1, 2, 3)), torch.tensor([0.25, 0.55]))
    shift = y.argmax(dim=1) - true
    assert set(shift.tolist()) <= {-1, 0, 1} and (shift != 0).float().mean() > 0.3  # about 5/9 move


def test_train_above_chance_and_evaluate(shards):
    train, test = shards
    torch.manual_seed(0)
    model, history = train_multiclass(
        train,
        CLASSES,
        {"kind": "categorical"},
        MODEL,
        TRAINING,
        invert=False,
        device=torch.device("cpu"),
        generator=torch.Generator().manual_seed(0),
        rng=np.random.default_rng(0),
        log=None,
    )
    assert model.model_kwargs["n_outputs"] == 3 and len(history) == TRAINING["max_epochs"]
    arrays, summary = evaluate_multiclass(model, test, CLASSES, invert=False, device=torch.device("cpu"))
    assert summary["accuracy"] > 0.6  # chance: 1/3
    assert summary["n_test"] == 90 and np.sum(summary["confusion"]) == 90
    assert arrays["probabilities"].shape == (90, 3) and arrays["probabilities"].dtype == np.float32
    np.testing.assert_allclose(arrays["probabilities"].sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(arrays["true_class"], np.repeat([0, 1, 2], 30))
    np.testing.assert_allclose(arrays["posterior_mean"], arrays["probabilities"] @ CLASSES, rtol=1e-5)


class DensityOracle(torch.nn.Module):
    """Logits peaked at the class whose density the image has: a perfect 3-class model."""

    def forward(self, x):
        density = x.float().mean(dim=(1, 2, 3))
        centres = torch.tensor([DENSITY[S] for S in CLASSES])
        return -1000.0 * (density[:, None] - centres[None, :]) ** 2


def test_evaluation_metrics_of_a_perfect_model_on_continuous_s(tmp_path):
    rng = np.random.default_rng(5)
    S = np.array([0.0, 30.0, 180.0, 260.0, 400.0, 350.0])
    classes = np.array([0, 0, 1, 1, 2, 2])
    images = np.concatenate([density_images(rng, 1, DENSITY[CLASSES[c]]) for c in classes])
    save_images(tmp_path / "t.npz", images, S, {})
    arrays, summary = evaluate_multiclass(
        DensityOracle(), [str(tmp_path / "t.npz")], CLASSES, invert=False, device=torch.device("cpu")
    )
    assert summary["accuracy"] == 1.0 and summary["confusion"] == [[2, 0, 0], [0, 2, 0], [0, 0, 2]]
    assert summary["rmse_map"] == pytest.approx(0.0, abs=1e-6) and summary["bias_map"] == pytest.approx(0.0, abs=1e-6)
    errors = CLASSES[classes] - S  # the MAP is the class value, S is not
    assert summary["rmse_map_vs_s"] == pytest.approx(np.sqrt(np.mean(errors**2)))
    assert summary["standardized_bias_map_vs_s"] == pytest.approx(np.mean(errors / (S + 1)))
    np.testing.assert_array_equal(arrays["map_estimate"], CLASSES[classes])


def test_checkpoint_metadata_keys():
    model = ImageneCNN(**MODEL, n_outputs=3)
    preprocessing = {
        "sorting": "rows",
        "min_maf": 0.01,
        "image_size": [SIZE, SIZE],
        "threshold": 0.5,
        "invert": True,
        "extra": 1,
    }
    metadata = checkpoint_metadata(model, CLASSES, preprocessing, {"kind": "gaussian", "sd": 0.5}, seed=3)
    assert metadata["class_values"] == [0.0, 200.0, 400.0] and metadata["seed"] == 3
    assert set(metadata["preprocessing"]) == {"sorting", "min_maf", "image_size", "threshold", "invert"}
    assert metadata["label_distribution"] == {"kind": "gaussian", "sd": 0.5, "max_shift": 1}
    assert metadata["model_kwargs"]["n_outputs"] == 3
    with pytest.raises(ValueError, match="invert"):
        checkpoint_metadata(
            model, CLASSES, {k: v for k, v in preprocessing.items() if k != "invert"}, {"kind": "categorical"}
        )


def test_standardized_bias_against_the_perturbed_test_labels(tmp_path):
    # The authors' ImaGene.py perturbs the test targets too: the "_vs_labels" metrics use test
    # classes shifted once at random for a perturbed network, the class itself otherwise.
    rng = np.random.default_rng(6)
    classes = np.repeat([0, 1, 2], 20)
    images = np.concatenate([density_images(rng, 1, DENSITY[CLASSES[c]]) for c in classes])
    save_images(tmp_path / "t.npz", images, CLASSES[classes].astype(float), {})

    def evaluate(labels, seed=3):
        return evaluate_multiclass(
            DensityOracle(),
            [str(tmp_path / "t.npz")],
            CLASSES,
            invert=False,
            device=torch.device("cpu"),
            label_distribution=labels,
            seed=seed,
        )[1]

    clean = evaluate({"kind": "categorical"})
    assert clean["standardized_bias_map_vs_labels"] == clean["standardized_bias_map"] == pytest.approx(0.0, abs=1e-9)
    perturbed = evaluate({"kind": "perturbed", "max_shift": 1})
    assert perturbed["standardized_bias_map"] == pytest.approx(0.0, abs=1e-9)
    assert perturbed["standardized_bias_map_vs_labels"] != pytest.approx(0.0, abs=1e-6)
    assert (
        perturbed["standardized_bias_map_vs_labels"]
        == evaluate({"kind": "perturbed", "max_shift": 1})["standardized_bias_map_vs_labels"]
    )

"""Data flow of ImaGene binary detection: labels, strategies, evaluation."""

import numpy as np
import pytest
import torch

from genomic_dl.imagene2019.binary import binary_tensors, epoch_data_factory, evaluate_binary_detector
from genomic_dl.popgen.image_store import save_images

TRAINING = {"strategy": "on_the_fly", "validation_fraction": 0.1, "batch_size": 4}


@pytest.fixture
def shards(tmp_path):
    """Two shards per class; every image of shard k of class c is filled with the value marker."""
    paths = {}
    for label, S in ((0, 0), (1, 300)):
        for shard in range(2):
            images = np.full((10, 8, 8), shard, dtype=np.uint8)
            images[:, 0, 0] = label
            path = tmp_path / f"S{S}_{shard}.npz"
            save_images(path, images, np.full(10, float(S)), {})
            paths[(S, shard)] = str(path)
    return paths


def test_labels_and_inversion(shards):
    x, y = binary_tensors([shards[(0, 0)]], [shards[(300, 0)]], invert=True)
    assert x.shape == (20, 1, 8, 8) and y.shape == (20, 1)
    np.testing.assert_array_equal(y.squeeze(1).numpy(), [0] * 10 + [1] * 10)
    # invert: pixel (0, 0) is 1 - label; the rest is 1 - shard value (0) = 1
    np.testing.assert_array_equal(x[:, 0, 0, 0].numpy(), 1 - y.squeeze(1).numpy())
    assert float(x[:, 0, 1:, 1:].min()) == 1.0


def test_on_the_fly_uses_one_new_shard_per_epoch(shards):
    generator = torch.Generator().manual_seed(0)
    epoch_data = epoch_data_factory(
        [shards[(0, 0)], shards[(0, 1)]], [shards[(300, 0)], shards[(300, 1)]], TRAINING, False, generator
    )
    for epoch in (0, 1):
        train, valid = epoch_data(epoch)
        xs = torch.cat([x for x, _ in train] + [x for x, _ in valid])
        assert len(xs) == 20 and len(valid.dataset) == 2
        assert set(torch.unique(xs[:, 0, 1:, 1:]).tolist()) == {float(epoch)}


def test_epochs_strategy_pools_all_shards(shards):
    generator = torch.Generator().manual_seed(0)
    epoch_data = epoch_data_factory(
        [shards[(0, 0)], shards[(0, 1)]],
        [shards[(300, 0)], shards[(300, 1)]],
        {**TRAINING, "strategy": "epochs"},
        False,
        generator,
    )
    train, valid = epoch_data(0)
    assert len(train.dataset) + len(valid.dataset) == 40 and epoch_data(5) == (train, valid)


class PixelModel(torch.nn.Module):
    """Logit = 10 * (pixel (0, 0) - 0.5): a perfect detector on the fixture's images."""

    def forward(self, x):
        return 10 * (x[:, :, 0, 0] - 0.5)


def test_evaluation_confusion_matrix(shards):
    evaluation = evaluate_binary_detector(
        PixelModel(), [shards[(0, 0)]], [shards[(300, 0)]], invert=False, device=torch.device("cpu")
    )
    assert evaluation["confusion"] == [[10, 0], [0, 10]] and evaluation["accuracy"] == 1.0
    flipped = evaluate_binary_detector(
        PixelModel(), [shards[(0, 0)]], [shards[(300, 0)]], invert=True, device=torch.device("cpu")
    )
    assert flipped["confusion"] == [[0, 10], [10, 0]] and flipped["n_test"] == 20

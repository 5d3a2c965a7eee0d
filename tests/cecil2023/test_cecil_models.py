"""Tests of Cecil & Sugden's networks (genomic_dl.cecil2023.models)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from genomic_dl.cecil2023.models import (
    DeepSet,
    MiniCNN,
    ReducedCNN,
    build_cecil_model,
    cecil_imagene_kwargs,
    complexity_ladder,
    deepset_kwargs,
    mini_cnn_kwargs,
)
from genomic_dl.nn.imagene import ImageneCNN
from genomic_dl.nn.trainer import load_checkpoint, save_checkpoint


def generator(seed):
    return torch.Generator().manual_seed(seed)


def binary_images(n, h, w, seed):
    return (torch.rand(n, 1, h, w, generator=generator(seed)) < 0.4).float()


def n_parameters(model):
    return sum(p.numel() for p in model.parameters())


def test_minicnn_parameter_count_by_hand():
    h, w = 16, 12
    assert n_parameters(MiniCNN((h, w), use_bias=True)) == 2 + 1 + (h - 1) * w + 1  # kernel, bias, dense, bias
    assert n_parameters(MiniCNN((h, w))) == 2 + (h - 1) * w  # the paper's: no biases


def test_minicnn_computes_row_differences_through_one_dense_unit():
    model = MiniCNN((6, 5), use_bias=True, generator=generator(0))
    with torch.no_grad():
        model.head[0].bias.fill_(0.3)
        model.features[0].bias.fill_(-0.1)
    x = binary_images(3, 6, 5, seed=1)
    kernel = model.features[0].weight[0, 0].detach().numpy()  # (2, 1)
    dense = model.head[0].weight.detach().numpy().reshape(5, 5)
    images = x[:, 0].numpy()
    conv = kernel[0, 0] * images[:, :-1] + kernel[1, 0] * images[:, 1:] - 0.1  # (3, 5, 5)
    expected = (np.maximum(conv, 0) * dense).sum(axis=(1, 2)) + 0.3
    np.testing.assert_allclose(model(x).detach().numpy()[:, 0], expected, rtol=1e-5, atol=1e-5)
    assert model.feature_shape == (1, 5, 5)


def test_output_shapes_and_input_layouts():
    x = binary_images(4, 20, 24, seed=2)
    for model in (
        MiniCNN((20, 24)),
        DeepSet((20, 24)),
        ReducedCNN((20, 24), n_filters=3, depth=2, kernel_size=(3, 1), dense_layers=1, dense_units=8),
    ):
        out = model(x)
        assert out.shape == (4, 1)
        torch.testing.assert_close(model(x[:, 0]), out)  # (B, H, W) works too
    with pytest.raises(ValueError, match="shape"):
        MiniCNN((20, 24))(x[:, :, :, :, None])


def test_deepset_is_invariant_to_the_order_of_haplotypes():
    model = DeepSet((32, 30), generator=generator(3)).eval()
    x = binary_images(5, 32, 30, seed=4)
    permuted = x[:, :, torch.randperm(32, generator=generator(5))]
    torch.testing.assert_close(model(permuted), model(x), rtol=1e-5, atol=1e-6)
    # a CNN whose kernel spans two rows is not: the invariance is not a property of the data
    cnn = MiniCNN((32, 30), generator=generator(3))
    assert not torch.allclose(cnn(permuted), cnn(x), atol=1e-3)
    # each haplotype passes alone through the convolutions, so rows do not mix
    assert [conv.kernel_size for conv in model.conv_layers()] == [(1, 5), (1, 5)]


def test_deepset_parameter_count_by_hand():
    h, w = 128, 128
    conv = (1 * 5 + 1) * 64 + (64 * 5 + 1) * 64
    dense = (64 * (w - 8) + 1) * 64 + (64 + 1) * 64 + (64 + 1)
    assert n_parameters(DeepSet((h, w))) == conv + dense


def test_the_complexity_ladder_builds_and_runs():
    ladder = complexity_ladder((128, 128))
    assert len(ladder) == 15 and len({step.label for step in ladder}) == 15
    x = binary_images(2, 128, 128, seed=6)
    counts = {}
    for step in ladder:
        model = build_cecil_model(step.model, step.kwargs, generator(7))
        assert model(x).shape == (2, 1)
        assert torch.isfinite(model.regularization_penalty())
        assert all(m.bias is None for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
        counts[step.label] = n_parameters(model)
    assert isinstance(build_cecil_model(ladder[0].model, ladder[0].kwargs), ImageneCNN)
    # Imagene: 3 x (conv 3x3, pool 2): 128 -> 126 -> 63 -> 61 -> 30 -> 28 -> 14
    assert counts[ladder[0].label] == 9 * 32 + 2 * 9 * 32 * 32 + 32 * 14 * 14 * 64 + 64
    assert ladder[11].model == "mini_cnn" and counts[ladder[11].label] == 2 + 127 * 128
    assert counts[ladder[-1].label] == 128 * 128  # dense (1 unit) on the image


def test_initialisation_follows_the_paper_and_the_generator():
    kwargs = cecil_imagene_kwargs((64, 64), conv_filters=(32, 32), dense_units=64)
    model = build_cecil_model("imagene", kwargs, generator(8))
    conv = torch.cat([c.weight.flatten() for c in model.conv_layers()])
    assert abs(conv.mean().item()) < 0.05 and abs(conv.std().item() - 1.0) < 0.05  # N(0, 1)
    for linear in (m for m in model.modules() if isinstance(m, nn.Linear)):
        bound = np.sqrt(6.0 / (linear.in_features + linear.out_features))  # Glorot-uniform
        assert linear.weight.abs().max().item() <= bound
        assert linear.weight.abs().max().item() > 0.9 * bound
    same = build_cecil_model("imagene", kwargs, generator(8))
    other = build_cecil_model("imagene", kwargs, generator(9))
    for a, b, c in zip(model.parameters(), same.parameters(), other.parameters()):
        assert torch.equal(a, b) and not torch.equal(a, c)


def test_penalty_is_l1_plus_l2_on_the_conv_kernels_only():
    model = MiniCNN((8, 8), l1=0.5, l2=0.25, use_bias=True, generator=generator(10))
    kernel = model.conv_layers()[0].weight
    expected = 0.5 * kernel.abs().sum() + 0.25 * kernel.square().sum()
    torch.testing.assert_close(model.regularization_penalty(), expected)
    assert DeepSet((8, 16)).regularization_penalty().item() == 0.0  # the paper's DeepSet: none


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("mini_cnn", mini_cnn_kwargs((12, 10))),
        ("deepset", deepset_kwargs((12, 10))),
        ("reduced_cnn", {"input_shape": [12, 10], "kernel_size": [3, 1], "n_filters": 4}),
    ],
)
def test_checkpoint_round_trip(tmp_path, name, kwargs):
    model = build_cecil_model(name, kwargs, generator(11)).eval()
    save_checkpoint(tmp_path / "model.pt", model, {"model": name})
    loaded, metadata = load_checkpoint(tmp_path / "model.pt", lambda stored: build_cecil_model(name, stored))
    x = binary_images(3, 12, 10, seed=12)
    torch.testing.assert_close(loaded(x), model(x))
    assert metadata["model_kwargs"] == model.model_kwargs


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown model"):
        build_cecil_model("resnet", {})
    with pytest.raises(ValueError, match="too small"):
        ReducedCNN((4, 4), depth=3)
    with pytest.raises(ValueError, match="kernel_size"):
        ReducedCNN((8, 8), kernel_size=(0, 1))
    with pytest.raises(ValueError, match="width"):
        DeepSet((8, 6))

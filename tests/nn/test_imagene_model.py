"""Shape, parameter, penalty and validation tests of the ImaGene CNN."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from genomic_dl.nn.imagene import ImageneCNN, build_imagene


def test_binary_fig3_net_output_shape_and_flat_features():
    torch.manual_seed(0)
    model = ImageneCNN()  # 3 x (conv 3x3 valid, 32 filters, maxpool 2), dense 64, 1 output
    # 128 -conv-> 126 -pool-> 63 -conv-> 61 -pool-> 30 -conv-> 28 -pool-> 14
    assert model.n_flat_features == 32 * 14 * 14
    assert model.feature_shape == (32, 14, 14)
    x = torch.rand(4, 1, 128, 128)
    out = model(x)
    assert out.shape == (4, 1)
    # (B, H, W) input gets a channel added
    assert torch.equal(model(x[:, 0]), out)
    dense = [m for m in model.head if isinstance(m, nn.Linear)]
    assert [(d.in_features, d.out_features) for d in dense] == [(32 * 14 * 14, 64), (64, 1)]


def test_no_dense_and_5x5_kernel_variants():
    no_dense = ImageneCNN(dense_units=None)
    linears = [m for m in no_dense.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 1 and linears[0].in_features == 32 * 14 * 14
    assert no_dense(torch.rand(2, 1, 128, 128)).shape == (2, 1)

    k5 = ImageneCNN(kernel_size=5)
    # 128 -> 124 -> 62 -> 58 -> 29 -> 25 -> 12
    assert k5.n_flat_features == 32 * 12 * 12
    assert k5(torch.rand(2, 1, 128, 128)).shape == (2, 1)


def test_multiclass_net():
    model = ImageneCNN(conv_filters=(32, 64, 64), dense_units=None, n_outputs=3)
    assert model.n_flat_features == 64 * 14 * 14
    assert model(torch.rand(5, 1, 128, 128)).shape == (5, 3)


def test_non_square_input():
    model = ImageneCNN(input_shape=(198, 64))
    # rows 198 -> 196 -> 98 -> 96 -> 48 -> 46 -> 23; cols 64 -> 62 -> 31 -> 29 -> 14 -> 12 -> 6
    assert model.feature_shape == (32, 23, 6)
    assert model(torch.rand(2, 1, 198, 64)).shape == (2, 1)


def test_penalty_matches_hand_computation():
    torch.manual_seed(1)
    model = ImageneCNN(input_shape=(32, 32), conv_filters=(4, 6), dense_units=8, l1=0.005, l2=0.003)
    expected = 0.0
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            w = module.weight.detach().double()
            expected += 0.005 * w.abs().sum().item() + 0.003 * (w * w).sum().item()
    penalty = model.regularization_penalty()
    assert penalty.ndim == 0 and penalty.requires_grad
    assert penalty.item() == pytest.approx(expected, rel=1e-5)
    # dense layers and biases are not regularised
    with torch.no_grad():
        for module in model.head:
            if isinstance(module, nn.Linear):
                module.weight.mul_(10.0)
        for conv in model.conv_layers():
            conv.bias.add_(5.0)
    assert model.regularization_penalty().item() == pytest.approx(expected, rel=1e-5)
    assert ImageneCNN(input_shape=(32, 32), l1=0.0, l2=0.0).regularization_penalty().item() == 0.0


def test_use_bias_false_has_no_bias_parameters():
    model = ImageneCNN(use_bias=False)
    names = [name for name, _ in model.named_parameters()]
    assert names and not any(name.endswith("bias") for name in names)
    assert model(torch.rand(1, 1, 128, 128)).shape == (1, 1)


def test_glorot_init_zero_bias_and_weight_std():
    torch.manual_seed(2)
    model = ImageneCNN()
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            assert torch.count_nonzero(module.bias) == 0
            fan_out, fan_in = module.weight.shape[0], module.weight.shape[1]
            receptive = module.weight[0, 0].numel()
            fan_in, fan_out = fan_in * receptive, fan_out * receptive
            expected = math.sqrt(2.0 / (fan_in + fan_out))
            std = module.weight.std().item()
            n = module.weight.numel()
            tolerance = 0.35 if n < 100 else 0.1  # the 1-input-channel conv has 288 weights
            assert std == pytest.approx(expected, rel=tolerance), (module, std, expected)
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            assert module.weight.abs().max().item() <= bound + 1e-7


def test_normal_init():
    torch.manual_seed(3)
    model = ImageneCNN(init="normal")
    dense = model.head[0]
    assert dense.weight.std().item() == pytest.approx(1.0, rel=0.02)
    assert dense.weight.mean().item() == pytest.approx(0.0, abs=0.01)
    assert torch.count_nonzero(dense.bias) == 0


def test_one_module_per_call_site():
    model = ImageneCNN(conv_filters=(8, 8, 8))
    activations = [m for m in model.modules() if isinstance(m, (nn.ReLU, nn.MaxPool2d))]
    assert len(activations) == len({id(m) for m in activations}) == 3 + 3 + 1


def test_kwargs_json_round_trip():
    model = ImageneCNN(
        input_shape=(64, 48),
        conv_filters=(8, 16),
        dense_units=None,
        n_outputs=3,
        kernel_size=5,
        use_bias=False,
        init="normal",
        l1=0.0,
        l2=0.01,
    )
    kwargs = json.loads(json.dumps(model.model_kwargs))
    rebuilt = build_imagene(kwargs)
    assert rebuilt.model_kwargs == model.model_kwargs
    assert [p.shape for p in rebuilt.parameters()] == [p.shape for p in model.parameters()]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_shape": (8, 8)}, "too small"),
        ({"input_shape": (128, 4)}, "too small"),
        ({"input_shape": (128,)}, "input_shape"),
        ({"conv_filters": ()}, "conv_filters"),
        ({"conv_filters": (32, 0)}, "conv_filters"),
        ({"kernel_size": 0}, "kernel_size"),
        ({"pool_size": 0}, "pool_size"),
        ({"dense_units": 0}, "dense_units"),
        ({"n_outputs": 0}, "n_outputs"),
        ({"init": "he_normal"}, "init"),
        ({"l1": -1.0}, "l1"),
        ({"l2": float("nan")}, "l2"),
        ({"use_bias": "yes"}, "use_bias"),
    ],
)
def test_invalid_kwargs_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ImageneCNN(**kwargs)


def test_forward_rejects_wrong_rank():
    with pytest.raises(ValueError, match="expected input"):
        ImageneCNN(input_shape=(32, 32))(torch.rand(32, 32))

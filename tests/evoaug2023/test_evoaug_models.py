"""Architecture tests of the EvoAug models (Basset, DeepSTARR, ChIP CNN) against the paper's layer lists."""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn

from genomic_dl.evoaug2023.models import (
    MODELS,
    Basset,
    ChIPCNN,
    ConvBlock,
    DeepSTARR,
    DenseBlock,
    SequenceCNN,
    build_model,
)
from genomic_dl.nn.trainer import load_checkpoint, save_checkpoint

# The paper's Methods, transcribed independently of the implementation:
# conv layers (filters, kernel, pool, dropout), hidden dense layers (units, dropout), L, tasks.
PAPER = {
    "basset": {
        "conv": [(300, 19, 3, 0.0), (200, 11, 4, 0.0), (200, 7, 2, 0.0)],
        "dense": [(1000, 0.3), (1000, 0.3)],
        "length": 600,
        "tasks": 164,
    },
    "deepstarr": {
        "conv": [(256, 7, 2, 0.0), (60, 3, 2, 0.0), (60, 5, 2, 0.0), (120, 3, 2, 0.0)],
        "dense": [(256, 0.4), (256, 0.4)],
        "length": 249,
        "tasks": 2,
    },
    "chip_cnn": {
        "conv": [(64, 7, 4, 0.2), (96, 5, 4, 0.2), (128, 5, 2, 0.2)],
        "dense": [(256, 0.5)],
        "length": 200,
        "tasks": 1,
    },
}


def expected_parameter_count(spec: dict, length: int, tasks: int) -> int:
    """Conv kernels (no bias) + BN scale/shift per channel; 'same' convs, floor pooling;
    dense weights (no bias) + BN; output weights + bias."""
    count, channels = 0, 4
    for filters, kernel, pool, _ in spec["conv"]:
        count += channels * filters * kernel + 2 * filters
        channels = filters
        length //= pool
    features = channels * length
    for units, _ in spec["dense"]:
        count += features * units + 2 * units
        features = units
    return count + features * tasks + tasks


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", sorted(PAPER))
@pytest.mark.parametrize("extra", [0, 20])
def test_output_shape_and_parameter_count(name, extra):
    spec = PAPER[name]
    length = spec["length"] + extra
    model = build_model(name, {"sequence_length": length}, generator=torch.Generator().manual_seed(0))
    assert model.n_tasks == spec["tasks"]
    assert n_parameters(model) == expected_parameter_count(spec, length, spec["tasks"])
    model.eval()
    out = model(torch.rand(3, 4, length))
    assert out.shape == (3, spec["tasks"])
    assert out.dtype == torch.float32


def test_paper_sizes_are_the_defaults():
    assert (Basset().sequence_length, Basset().n_tasks) == (600, 164)
    assert (DeepSTARR().sequence_length, DeepSTARR().n_tasks) == (249, 2)
    assert (ChIPCNN().sequence_length, ChIPCNN().n_tasks) == (200, 1)
    assert Basset().task == "binary" and ChIPCNN().task == "binary" and DeepSTARR().task == "regression"


def test_flattened_size_worked_by_hand():
    # Basset: 600 -pool3-> 200 -pool4-> 50 -pool2-> 25 positions x 200 channels
    assert Basset().n_flat_features == 200 * 25
    # 630 -> 210 -> 52 -> 26
    assert Basset(630).n_flat_features == 200 * 26
    # DeepSTARR: 249 -> 124 -> 62 -> 31 -> 15 positions x 120 channels
    assert DeepSTARR().n_flat_features == 120 * 15
    # ChIP: 200 -> 50 -> 12 -> 6 positions x 128 channels
    assert ChIPCNN().n_flat_features == 128 * 6


@pytest.mark.parametrize("name", sorted(PAPER))
def test_layer_order_matches_the_paper(name):
    """Conv -> BN -> ReLU -> [Dropout p] -> MaxPool per block, Linear -> BN -> ReLU -> [Dropout p]
    per hidden dense layer, then the output Linear; every call site its own module object."""
    spec = PAPER[name]
    model = build_model(name)
    for block, (filters, kernel, pool, dropout) in zip(model.conv_blocks, spec["conv"], strict=True):
        kinds = [type(m) for m in block]
        expected = [nn.Conv1d, nn.BatchNorm1d, nn.ReLU] + ([nn.Dropout] if dropout else []) + [nn.MaxPool1d]
        assert kinds == expected
        conv = block[0]
        assert (conv.out_channels, conv.kernel_size, conv.stride, conv.bias) == (filters, (kernel,), (1,), None)
        assert (block[-1].kernel_size, block[-1].stride) == (pool, pool)
        if dropout:
            assert block[3].p == dropout
    for block, (units, dropout) in zip(model.dense_blocks, spec["dense"], strict=True):
        assert [type(m) for m in block] == [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Dropout]
        assert block[0].out_features == units and block[0].bias is None and block[3].p == dropout
    assert model.output.out_features == spec["tasks"] and model.output.bias is not None
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    assert len(relus) == len(spec["conv"]) + len(spec["dense"])
    all_modules = [m for _, m in model.named_modules(remove_duplicate=False)]
    assert len({id(m) for m in all_modules}) == len(all_modules)


def test_same_padding_keeps_the_length_of_the_first_layer():
    model = DeepSTARR()
    seen = []
    model.first_activation.register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
    model.eval()
    model(torch.rand(2, 4, 249))
    assert seen == [torch.Size([2, 256, 249])]
    assert model.first_conv.weight.shape == (256, 4, 7)


def test_initialisation_is_reproducible_and_leaves_the_global_rng_alone():
    state = torch.get_rng_state()
    a = ChIPCNN(generator=torch.Generator().manual_seed(7))
    b = ChIPCNN(generator=torch.Generator().manual_seed(7))
    c = ChIPCNN(generator=torch.Generator().manual_seed(8))
    assert torch.equal(torch.get_rng_state(), state)
    for (name, pa), pb, pc in zip(a.state_dict().items(), b.state_dict().values(), c.state_dict().values()):
        assert torch.equal(pa, pb), name
        if name.endswith("0.weight") and pa.is_floating_point():
            assert not torch.equal(pa, pc), name


def test_he_normal_first_layer_statistics():
    # He-normal: std = sqrt(2 / fan_in), fan_in = 4 * 19; 300*4*19 = 22,800 draws
    weight = Basset(generator=torch.Generator().manual_seed(0)).first_conv.weight
    expected = (2.0 / (4 * 19)) ** 0.5
    assert abs(weight.std().item() - expected) < 0.02 * expected
    assert abs(weight.mean().item()) < 4 * expected / 22800**0.5


def test_batch_norm_starts_at_identity_and_zero_statistics():
    model = ChIPCNN()
    for bn in (m for m in model.modules() if isinstance(m, nn.BatchNorm1d)):
        assert torch.equal(bn.weight, torch.ones_like(bn.weight))
        assert torch.equal(bn.bias, torch.zeros_like(bn.bias))
        assert torch.equal(bn.running_mean, torch.zeros_like(bn.running_mean))
        assert torch.equal(bn.running_var, torch.ones_like(bn.running_var))


def test_gradients_reach_every_parameter():
    model = ChIPCNN(generator=torch.Generator().manual_seed(0))
    model.train()
    model(torch.rand(8, 4, 200)).sum().backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_checkpoint_round_trip(tmp_path):
    model = DeepSTARR(269, generator=torch.Generator().manual_seed(3))
    model.eval()
    x = torch.rand(4, 4, 269)
    path = tmp_path / "model.pt"
    save_checkpoint(path, model, {"architecture": "deepstarr"})
    loaded, metadata = load_checkpoint(path, functools.partial(build_model, "deepstarr"))
    assert metadata["model_kwargs"] == {"sequence_length": 269, "n_tasks": 2}
    assert torch.equal(loaded(x), model(x))


def test_registry_and_argument_errors():
    assert sorted(MODELS) == ["basset", "chip_cnn", "deepstarr"]
    with pytest.raises(ValueError, match="unknown model name 'resnet'"):
        build_model("resnet")
    with pytest.raises(ValueError, match="unknown kwargs.*dropout"):
        build_model("basset", {"dropout": 0.1})
    with pytest.raises(ValueError, match="n_tasks must be a positive integer"):
        build_model("chip_cnn", {"n_tasks": 0})
    with pytest.raises(ValueError, match="sequence_length must be a positive integer"):
        build_model("chip_cnn", {"sequence_length": 200.0})
    # ChIP pools 4, 4, 2: 31 -> 7 -> 1 -> too short for the last pooling
    with pytest.raises(ValueError, match="sequence_length 31 is too short: max-pooling 2 of conv block 3"):
        ChIPCNN(31)
    assert ChIPCNN(32).n_flat_features == 128 * 1
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 4, 200\)"):
        ChIPCNN()(torch.rand(2, 4, 220))
    with pytest.raises(ValueError, match="ConvBlock.dropout"):
        ConvBlock(8, 3, 2, dropout=1.0)
    with pytest.raises(ValueError, match="DenseBlock.units"):
        DenseBlock(0)
    with pytest.raises(ValueError, match="at least one ConvBlock"):
        SequenceCNN(100, 1, (), ())
    with pytest.raises(ValueError, match=r"dense_blocks\[0\] must be a DenseBlock"):
        SequenceCNN(100, 1, (ConvBlock(8, 3, 2),), (ConvBlock(8, 3, 2),))

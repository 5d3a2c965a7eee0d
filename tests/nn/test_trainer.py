"""Tests of the shared trainer (genomic_dl.nn.trainer) and of the device helpers."""

from __future__ import annotations

import csv
import math
import random

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from genomic_dl.nn.device import configure_threads, seed_everything, select_device
from genomic_dl.nn.imagene import ImageneCNN, build_imagene
from genomic_dl.nn.trainer import (
    History,
    TrainerConfig,
    accuracy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    fit,
    fixed_epoch_data,
    load_checkpoint,
    make_optimizer,
    predict,
    save_checkpoint,
)

CPU = torch.device("cpu")
TIMING_COLUMNS = {"seconds", "train_images_per_s"}


@pytest.fixture(autouse=True)
def _two_threads():
    previous = torch.get_num_threads()
    configure_threads(2)
    yield
    torch.set_num_threads(previous)


def quadrant_data(n: int, seed: int, size: int = 32) -> TensorDataset:
    """Binary images; class 1 has a brighter top-left quadrant (uint8 0/1 pixels)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    p = torch.full((n, 1, size, size), 0.3)
    half = size // 2
    p[:, :, :half, :half] += 0.4 * y.view(-1, 1, 1, 1)
    x = torch.bernoulli(p, generator=g).to(torch.uint8)
    return TensorDataset(x, y.float())


def small_cnn(**kwargs) -> ImageneCNN:
    params = {"input_shape": (32, 32), "conv_filters": (8, 8), "dense_units": 16, "l1": 0.0, "l2": 0.0}
    params.update(kwargs)
    return ImageneCNN(**params)


def loaders(seed: int, n_train: int = 384, n_valid: int = 128, batch_size: int = 32, generator=None):
    train = DataLoader(quadrant_data(n_train, seed), batch_size=batch_size, shuffle=True, generator=generator)
    valid = DataLoader(quadrant_data(n_valid, seed + 1000), batch_size=64)
    return train, valid


class ScalarModel(nn.Module):
    """One parameter ``w``; output = w * x.sum(dim=1, keepdim=True)."""

    def __init__(self, w: float = 1.0) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(float(w)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w * x.sum(dim=1, keepdim=True)


def tiny_loaders(n: int = 8):
    ds = TensorDataset(torch.ones(n, 2), torch.zeros(n))
    return DataLoader(ds, batch_size=4), DataLoader(ds, batch_size=4)


# ----------------------------------------------------------------------------- device


def test_select_device():
    assert select_device("cpu") == CPU
    assert select_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            select_device("cuda")
    with pytest.raises(ValueError, match="unknown device"):
        select_device("tpu")


def test_configure_threads():
    configure_threads(1)
    assert torch.get_num_threads() == 1
    with pytest.raises(ValueError):
        configure_threads(0)


def test_seed_everything_seeds_all_generators():
    g1 = seed_everything(123)
    a = (torch.rand(3), np.random.rand(3), random.random(), torch.rand(3, generator=g1))
    g2 = seed_everything(123)
    b = (torch.rand(3), np.random.rand(3), random.random(), torch.rand(3, generator=g2))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]
    assert torch.equal(a[3], b[3])


# ----------------------------------------------------------------------------- config / optimizer


def test_rmsprop_matches_keras_defaults():
    config = TrainerConfig(optimizer="rmsprop", learning_rate=0.001)
    opt = make_optimizer(nn.Linear(2, 1).parameters(), config)
    assert isinstance(opt, torch.optim.RMSprop)
    group = opt.param_groups[0]
    assert group["alpha"] == 0.9
    assert group["eps"] == 1e-7
    assert group["momentum"] == 0.0 and group["centered"] is False
    assert group["lr"] == 0.001 and group["weight_decay"] == 0.0


def test_adam_and_config_validation():
    opt = make_optimizer(nn.Linear(2, 1).parameters(), TrainerConfig(learning_rate=0.01, weight_decay=1e-6))
    assert isinstance(opt, torch.optim.Adam)
    assert opt.param_groups[0]["eps"] == 1e-8 and opt.param_groups[0]["weight_decay"] == 1e-6
    keras_adam = make_optimizer(nn.Linear(2, 1).parameters(), TrainerConfig(optimizer_eps=1e-7))
    assert keras_adam.param_groups[0]["eps"] == 1e-7
    with pytest.raises(ValueError, match="optimizer"):
        TrainerConfig(optimizer="sgd")
    with pytest.raises(ValueError, match="learning_rate"):
        TrainerConfig(learning_rate=0.0)
    with pytest.raises(ValueError, match="max_epochs"):
        TrainerConfig(max_epochs=0)
    config = TrainerConfig(optimizer="rmsprop", early_stopping_patience=3)
    assert TrainerConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown"):
        TrainerConfig.from_dict({"optimiser": "adam"})


# ----------------------------------------------------------------------------- losses / metrics


def test_losses_and_accuracy():
    logits = torch.tensor([[2.0], [-1.0], [0.5], [-3.0]])
    y = torch.tensor([1.0, 0.0, 0.0, 0.0])
    expected = nn.BCEWithLogitsLoss()(logits, y.view(-1, 1))
    assert torch.allclose(binary_cross_entropy_with_logits(logits, y), expected)
    assert accuracy(logits, y) == 0.75
    assert accuracy(logits, y.long()) == 0.75

    logits3 = torch.tensor([[3.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
    labels = torch.tensor([0, 2, 0])
    one_hot = nn.functional.one_hot(labels, 3).float()
    assert torch.allclose(cross_entropy(logits3, labels), cross_entropy(logits3, one_hot))
    assert accuracy(logits3, labels) == pytest.approx(2 / 3)
    assert accuracy(logits3, one_hot) == pytest.approx(2 / 3)


# ----------------------------------------------------------------------------- fit


def test_learns_separable_problem():
    generator = seed_everything(0)
    train, valid = loaders(seed=0, generator=generator)
    model = small_cnn()
    config = TrainerConfig(optimizer="adam", learning_rate=3e-3, batch_size=32, max_epochs=6)
    lines: list[str] = []
    history = fit(
        model, binary_cross_entropy_with_logits, fixed_epoch_data(train, valid), config, CPU, log=lines.append
    )
    assert len(history) == 6
    assert history.rows[-1]["valid_accuracy"] > 0.9
    assert history.rows[-1]["train_loss"] < history.rows[0]["train_loss"]
    assert len(lines) >= 6 and "valid_accuracy" in lines[0] and "images/s" in lines[0]
    row = history.rows[0]
    assert row["epoch"] == 1 and row["n_train"] == 384 and row["n_valid"] == 128
    assert row["lr"] == 3e-3


def test_early_stopping_constant_loss_stops_after_patience_plus_one():
    train, valid = tiny_loaders()

    def constant_loss(out, y):
        return (out * 0.0).sum() + 1.0

    config = TrainerConfig(max_epochs=20, early_stopping_patience=3, restore_best=False)
    history = fit(ScalarModel(), constant_loss, fixed_epoch_data(train, valid), config, CPU, metrics={}, log=None)
    assert len(history) == 3 + 1
    assert history.stopped_early
    assert history.best_epoch == 1


def test_early_stopping_on_hand_made_sequence():
    valid_losses = iter([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.72, 0.71, 0.5, 0.4])
    train, valid = tiny_loaders(n=4)  # one batch each

    def scripted_loss(out, y):
        if torch.is_grad_enabled():  # training
            return (out * 0.0).sum()
        return (out * 0.0).sum() + next(valid_losses)

    config = TrainerConfig(max_epochs=10, early_stopping_patience=3, restore_best=False)
    history = fit(ScalarModel(), scripted_loss, fixed_epoch_data(train, valid), config, CPU, metrics={}, log=None)
    # best 0.7 at epoch 5; epochs 6, 7, 8 do not improve -> stop after epoch 8
    assert [r["valid_loss"] for r in history.rows] == pytest.approx([1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.72, 0.71])
    assert history.best_epoch == 5 and history.stopped_early


def test_early_stopping_min_delta():
    valid_losses = iter([1.0, 0.99, 0.98, 0.97, 0.5])
    train, valid = tiny_loaders(n=4)

    def scripted_loss(out, y):
        return (out * 0.0).sum() + (0.0 if torch.is_grad_enabled() else next(valid_losses))

    config = TrainerConfig(max_epochs=5, early_stopping_patience=2, early_stopping_min_delta=0.05)
    history = fit(ScalarModel(), scripted_loss, fixed_epoch_data(train, valid), config, CPU, metrics={}, log=None)
    assert len(history) == 3 and history.stopped_early


def _diverging_setup(seed: int):
    """Validation labels are the flipped training labels: the validation loss
    is lowest early and rises as the model learns."""
    generator = seed_everything(seed)
    train_ds = quadrant_data(256, seed)
    valid_ds = quadrant_data(128, seed + 1)
    valid_ds = TensorDataset(valid_ds.tensors[0], 1.0 - valid_ds.tensors[1])
    train = DataLoader(train_ds, batch_size=32, shuffle=True, generator=generator)
    valid = DataLoader(valid_ds, batch_size=64)
    return train, valid


def _recomputed_valid_loss(model, valid):
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for x, y in valid:
            total += binary_cross_entropy_with_logits(model(x.float()), y).item() * len(x)
            n += len(x)
    return total / n


@pytest.mark.parametrize("restore_best", [True, False])
def test_restore_best_weights(restore_best):
    train, valid = _diverging_setup(seed=5)
    model = small_cnn()
    config = TrainerConfig(learning_rate=3e-3, max_epochs=5, restore_best=restore_best)
    history = fit(model, binary_cross_entropy_with_logits, fixed_epoch_data(train, valid), config, CPU, log=None)
    losses = [r["valid_loss"] for r in history.rows]
    assert history.best_epoch == int(np.argmin(losses)) + 1
    assert history.best_epoch != len(history), losses  # the setup must make best != last
    recomputed = _recomputed_valid_loss(model, valid)
    if restore_best:
        assert history.restored_best
        assert recomputed == pytest.approx(history.best_valid_loss, rel=1e-6)
    else:
        assert not history.restored_best
        assert recomputed == pytest.approx(losses[-1], rel=1e-6)


def test_identical_seeds_give_bit_identical_histories():
    def run():
        train, valid = _diverging_setup(seed=7)
        model = small_cnn(l1=0.001, l2=0.001)
        config = TrainerConfig(optimizer="rmsprop", learning_rate=1e-3, max_epochs=3)
        history = fit(
            model,
            binary_cross_entropy_with_logits,
            fixed_epoch_data(train, valid),
            config,
            CPU,
            penalty=lambda m: m.regularization_penalty(),
            log=None,
        )
        rows = [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in history.rows]
        return rows, [p.detach().clone() for p in model.parameters()]

    rows_a, params_a = run()
    rows_b, params_b = run()
    assert rows_a == rows_b
    assert all(torch.equal(a, b) for a, b in zip(params_a, params_b))


def test_penalty_is_included_in_training_loss():
    train, valid = tiny_loaders(n=4)  # one training batch per epoch
    model = ScalarModel(w=1.0)

    def zero_loss(out, y):
        return (out * 0.0).sum()

    config = TrainerConfig(optimizer="adam", learning_rate=0.01, max_epochs=1, restore_best=False)
    history = fit(
        model, zero_loss, fixed_epoch_data(train, valid), config, CPU, penalty=lambda m: m.w**2, metrics={}, log=None
    )
    row = history.rows[0]
    assert row["train_loss"] == pytest.approx(1.0)  # penalty before the step, w = 1
    assert row["train_penalty"] == pytest.approx(1.0)
    # Adam's first step moves by lr against the sign of the gradient (2w > 0)
    assert model.w.item() == pytest.approx(0.99, abs=1e-6)
    assert row["valid_data_loss"] == 0.0 and row["valid_loss"] == 0.0
    assert row["valid_penalty"] == pytest.approx(0.99**2, rel=1e-5)

    keras_like = TrainerConfig(max_epochs=1, valid_loss_includes_penalty=True)
    history = fit(
        ScalarModel(w=1.0),
        zero_loss,
        fixed_epoch_data(train, valid),
        keras_like,
        CPU,
        penalty=lambda m: m.w**2,
        metrics={},
        log=None,
    )
    assert history.rows[0]["valid_loss"] == pytest.approx(0.999**2, rel=1e-5)


def test_batch_transform_only_on_training_batches():
    seen = {"train": 0}
    train, valid = tiny_loaders(n=8)

    def transform(x, y):
        seen["train"] += len(x)
        return x * 0.0, y

    captured = []

    def loss(out, y):
        captured.append((torch.is_grad_enabled(), out.detach().abs().sum().item()))
        return nn.functional.mse_loss(out.reshape(-1), y)

    fit(
        ScalarModel(),
        loss,
        fixed_epoch_data(train, valid),
        TrainerConfig(max_epochs=2),
        CPU,
        batch_transform=transform,
        metrics={},
        log=None,
    )
    assert seen["train"] == 16
    assert all(total == 0.0 for grad, total in captured if grad)  # transformed training inputs
    assert all(total > 0.0 for grad, total in captured if not grad)  # untouched validation inputs


def test_epoch_data_per_epoch_and_plateau_scheduler():
    calls = []
    train, valid = tiny_loaders(n=4)

    def epoch_data(i):
        calls.append(i)
        return train, valid

    def constant_loss(out, y):
        return (out * 0.0).sum() + 1.0

    config = TrainerConfig(learning_rate=1.0, max_epochs=6, lr_plateau_patience=1, lr_plateau_factor=0.5)
    history = fit(ScalarModel(), constant_loss, epoch_data, config, CPU, metrics={}, log=None)
    assert calls == list(range(6))
    # ReduceLROnPlateau(patience=1): lr halves after every second non-improving epoch
    assert history.column("lr") == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]


def test_history_csv(tmp_path):
    history = History(
        rows=[
            {"epoch": 1, "train_loss": 0.5, "valid_loss": 0.6},
            {"epoch": 2, "train_loss": 0.4, "valid_loss": 0.55, "valid_accuracy": 0.8},
        ]
    )
    assert history.best_epoch == 2
    path = tmp_path / "sub" / "history.csv"
    history.to_csv(path)
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["epoch", "train_loss", "valid_loss", "valid_accuracy"]
    assert rows[1]["valid_accuracy"] == "0.8" and rows[0]["valid_accuracy"] == ""
    assert History(rows=[{"epoch": 1, "valid_loss": math.nan}]).best_epoch is None


def test_checkpoint_round_trip_reproduces_predictions(tmp_path):
    seed_everything(3)
    model = small_cnn(conv_filters=(4, 4), dense_units=None, n_outputs=3)
    x = torch.randint(0, 2, (20, 1, 32, 32), dtype=torch.uint8)
    loader = DataLoader(TensorDataset(x, torch.zeros(20)), batch_size=8)
    before = predict(model, loader, CPU)
    assert before.shape == (20, 3)
    config = TrainerConfig(max_epochs=2)
    path = tmp_path / "models" / "imagene.pt"
    save_checkpoint(path, model, {"model_kwargs": model.model_kwargs, "seed": 3, "config": config.to_dict()})
    assert path.exists() and [p.name for p in path.parent.iterdir()] == ["imagene.pt"]  # no temp file left
    loaded, metadata = load_checkpoint(path, build_imagene, CPU)
    assert metadata["seed"] == 3 and TrainerConfig.from_dict(metadata["config"]) == config
    assert metadata["model_kwargs"]["input_shape"] == [32, 32]
    assert torch.equal(predict(loaded, loader, CPU), before)
    # bare-tensor batches work too (another batch size: equal up to float rounding)
    assert torch.allclose(predict(loaded, DataLoader(x, batch_size=7), CPU), before, atol=1e-6)


def test_checkpoint_fills_model_kwargs_and_rejects_non_json(tmp_path):
    model = small_cnn()
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, {"seed": 1})
    _, metadata = load_checkpoint(path, build_imagene)
    assert metadata["model_kwargs"] == model.model_kwargs
    with pytest.raises(ValueError, match="JSON"):
        save_checkpoint(tmp_path / "bad.pt", model, {"seed": object()})
    assert not (tmp_path / "bad.pt").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fit_predict_checkpoint_on_cuda(tmp_path):
    device = select_device("cuda")
    generator = seed_everything(0)
    train, valid = loaders(seed=0, generator=generator)
    model = small_cnn(l1=0.001, l2=0.001)
    history = fit(
        model,
        binary_cross_entropy_with_logits,
        fixed_epoch_data(train, valid),
        TrainerConfig(max_epochs=2, learning_rate=3e-3),
        device,
        penalty=lambda m: m.regularization_penalty(),
        batch_transform=lambda x, y: (x, y),
        log=None,
    )
    assert len(history) == 2 and next(model.parameters()).device.type == "cuda"
    out = predict(model, valid, device)
    assert out.device.type == "cpu" and out.shape == (128, 1)
    save_checkpoint(tmp_path / "m.pt", model, {"seed": 0})
    loaded, _ = load_checkpoint(tmp_path / "m.pt", build_imagene, CPU)
    assert torch.allclose(predict(loaded, valid, CPU), out, atol=1e-4)


# ----------------------------------------------------------------------------- mixed precision


def test_unknown_precision_is_rejected():
    with pytest.raises(ValueError, match="precision must be one of"):
        TrainerConfig(precision="fp16")


def _fit_recording_dtypes(precision: str):
    """Train a small CNN for 2 epochs; the dtypes its first convolution produced in training and
    in validation batches, the final float parameters and the history."""
    torch.manual_seed(0)
    model = small_cnn()
    seen = {"train": set(), "valid": set()}
    conv = next(module for module in model.modules() if isinstance(module, nn.Conv2d))
    conv.register_forward_hook(lambda module, args, out: seen["train" if module.training else "valid"].add(out.dtype))
    train, valid = loaders(0, generator=torch.Generator().manual_seed(1))
    config = TrainerConfig(optimizer="adam", learning_rate=0.001, max_epochs=2, precision=precision)
    history = fit(model, binary_cross_entropy_with_logits, fixed_epoch_data(train, valid), config, CPU, log=None)
    return seen, {p.dtype for p in model.parameters()}, history


def test_bf16_runs_training_forward_passes_in_bfloat16_and_keeps_the_rest_float32():
    seen, parameter_dtypes, history = _fit_recording_dtypes("bf16")
    assert seen == {"train": {torch.bfloat16}, "valid": {torch.float32}}
    assert parameter_dtypes == {torch.float32}
    seen32, _, history32 = _fit_recording_dtypes("fp32")
    assert seen32 == {"train": {torch.float32}, "valid": {torch.float32}}
    # the same data order and initialisation: bf16 rounding moves the losses a little, not the learning
    bf16_loss, fp32_loss = history.column("valid_loss")[-1], history32.column("valid_loss")[-1]
    assert math.isfinite(bf16_loss) and bf16_loss != fp32_loss and abs(bf16_loss - fp32_loss) < 0.01 * fp32_loss

"""Tests of the EvoAug training procedures on a small planted-k-mer task, and of the metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import average_precision_score, roc_auc_score
from torch import nn

from genomic_dl.evoaug2023.metrics import (
    auroc_per_task,
    average_precision_per_task,
    pearson_per_task,
    spearman_per_task,
    task_metrics,
)
from genomic_dl.evoaug2023.models import ConvBlock, DenseBlock, SequenceCNN
from genomic_dl.evoaug2023.training import (
    as_tensors,
    evaluate,
    finetune,
    pad_sequences,
    pretrain_augmented,
    sequence_loader,
    train_standard,
    trainer_config_from,
)
from genomic_dl.nn.device import seed_everything
from genomic_dl.nn.trainer import TrainerConfig

LENGTH = 100
MOTIF = np.array([2, 2, 2, 0, 1, 3, 3, 3, 1, 1, 2, 0])  # GGGACTTTCCGA


def one_hot(bases: np.ndarray) -> np.ndarray:
    """(N, L) integer bases -> (N, 4, L) uint8 one-hot."""
    return np.eye(4, dtype=np.uint8)[bases].transpose(0, 2, 1)


def planted_kmer_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random DNA; half the sequences (label 1) carry MOTIF at a random position."""
    rng = np.random.default_rng(seed)
    bases = rng.integers(0, 4, size=(n, LENGTH))
    labels = rng.permutation(np.arange(n) % 2)
    rows = np.flatnonzero(labels)
    starts = rng.integers(0, LENGTH - len(MOTIF) + 1, size=len(rows))
    bases[rows[:, None], starts[:, None] + np.arange(len(MOTIF))] = MOTIF
    return one_hot(bases), labels[:, None].astype(np.float32)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One intra-op thread: tiny convolutions gain nothing from more, and the
    test machine is shared (oversubscribed threads slow these tests tenfold)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data():
    return {
        "train": planted_kmer_data(512, 1),
        "valid": planted_kmer_data(128, 2),
        "test": planted_kmer_data(256, 3),
    }


def small_model(length: int = LENGTH, seed: int = 0) -> SequenceCNN:
    return SequenceCNN(
        length,
        1,
        (ConvBlock(16, 7, 4), ConvBlock(16, 5, 4)),
        (DenseBlock(16, 0.1),),
        generator=torch.Generator().manual_seed(seed),
    )


def config(**overrides) -> TrainerConfig:
    values = {"learning_rate": 3e-3, "weight_decay": 1e-6, "batch_size": 64, "max_epochs": 6, "restore_best": True}
    values.update(overrides)
    return TrainerConfig(**values)


class FakeAugmenter:
    """Follows the StochasticAugmenter interface: appends INSERT random bases at the 3' end
    and reverse-complements each sequence with probability 1/2; records what it saw."""

    INSERT = 5

    def __init__(self) -> None:
        self.calls: list[tuple[int, ...]] = []
        self.pad_calls: list[tuple[int, ...]] = []

    def _random_bases(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        bases = torch.randint(0, 4, (x.shape[0], self.INSERT), generator=generator, device=x.device)
        return F.one_hot(bases, 4).transpose(1, 2).to(x.dtype)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        self.calls.append(tuple(x.shape))
        flip = torch.rand(x.shape[0], generator=generator, device=x.device) < 0.5
        x = torch.where(flip[:, None, None], x.flip(1, 2), x)
        return torch.cat([x, self._random_bases(x, generator)], dim=2)

    def pad_for_evaluation(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        self.pad_calls.append(tuple(x.shape))
        return torch.cat([x, self._random_bases(x, generator)], dim=2)

    def output_length(self, length: int) -> int:
        return length + self.INSERT


def record_inputs(model: nn.Module) -> list[tuple[bool, torch.Tensor]]:
    """(training mode, input) of every forward call."""
    seen: list[tuple[bool, torch.Tensor]] = []
    model.register_forward_pre_hook(lambda module, args: seen.append((module.training, args[0].detach().clone())))
    return seen


# --------------------------------------------------------------------------- data


def test_sequence_loader_covers_every_sequence_once_per_epoch():
    x, y = planted_kmer_data(130, 0)
    loader = sequence_loader(x, y, 32, shuffle=True, generator=torch.Generator().manual_seed(0))
    orders = []
    for _ in range(2):
        batches = list(loader)
        assert [len(b[0]) for b in batches] == [32, 32, 32, 32, 2]
        xs = torch.cat([b[0] for b in batches])
        assert xs.dtype == torch.uint8 and xs.shape == (130, 4, LENGTH)
        # recover each row's index from its content (rows are distinct random sequences)
        index = {bytes(row): i for i, row in enumerate(x)}
        order = [index[bytes(row.numpy())] for row in xs]
        assert sorted(order) == list(range(130))
        assert torch.equal(torch.cat([b[1] for b in batches]), torch.as_tensor(y[order]))
        orders.append(order)
    assert orders[0] != orders[1] and orders[0] != list(range(130))
    # a last batch of a single sequence is dropped when shuffling (batch norm needs >= 2)
    assert [len(b[0]) for b in sequence_loader(x, y, 43, shuffle=True, generator=torch.Generator())] == [43] * 3
    assert [len(b[0]) for b in sequence_loader(x, y, 43)] == [43, 43, 43, 1]


def test_input_validation():
    x, y = planted_kmer_data(10, 0)
    with pytest.raises(ValueError, match=r"x must have shape \(N, 4, L\)"):
        as_tensors(x.transpose(0, 2, 1), y)
    with pytest.raises(ValueError, match="y must have shape"):
        as_tensors(x, y[:9])
    with pytest.raises(ValueError, match="x must be uint8, bool or floating point"):
        as_tensors(x.astype(np.int64), y)
    assert as_tensors(x.astype(bool), y[:, 0])[1].shape == (10, 1)
    with pytest.raises(ValueError, match="needs a torch.Generator"):
        sequence_loader(x, y, 4, shuffle=True)
    with pytest.raises(ValueError, match="task must be one of"):
        evaluate(small_model(), x, y, "multiclass", "cpu")


def test_trainer_config_from_converts_yaml_strings_and_rejects_unknown_keys():
    cfg = trainer_config_from(
        {
            "optimizer": "adam",
            "learning_rate": "1e-3",
            "weight_decay": "1e-6",
            "batch_size": 100,
            "max_epochs": 100,
            "early_stopping_patience": 10,
            "lr_plateau_patience": 5,
            "lr_plateau_factor": 0.1,
            "restore_best": True,
        }
    )
    assert cfg.learning_rate == 1e-3 and cfg.weight_decay == 1e-6 and cfg.early_stopping_patience == 10
    with pytest.raises(ValueError, match="unknown TrainerConfig keys: \\['epochs'\\]"):
        trainer_config_from({"epochs": 5})
    with pytest.raises(ValueError, match="'learning_rate' must be a number"):
        trainer_config_from({"learning_rate": "fast"})


def test_pad_sequences_keeps_dtype_and_sequence():
    x, _ = planted_kmer_data(20, 0)
    padded = pad_sequences(torch.as_tensor(x), FakeAugmenter().pad_for_evaluation, torch.Generator(), chunk_size=7)
    assert padded.shape == (20, 4, LENGTH + 5) and padded.dtype == torch.uint8
    assert torch.equal(padded[:, :, :LENGTH], torch.as_tensor(x))
    assert torch.equal(padded.sum(dim=1), torch.ones(20, LENGTH + 5, dtype=torch.uint8))
    with pytest.raises(ValueError, match="a torch.Generator is required"):
        pad_sequences(torch.as_tensor(x), FakeAugmenter().pad_for_evaluation, None)


# --------------------------------------------------------------------------- metrics


def test_binary_metrics_equal_sklearn_on_a_hand_made_example():
    y = np.array([[1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1], [1, 0, 1], [0, 0, 1]])
    score = np.array(
        [[0.9, 0.1, 0.2], [0.9, 0.3, 0.5], [0.4, 0.2, 0.1], [0.1, 0.4, 0.3], [0.4, 0.5, 0.9], [0.2, 0.6, 0.0]]
    )
    auroc = auroc_per_task(y, score)
    aupr = average_precision_per_task(y, score)
    # task 0 by hand: pairs (pos, neg) with pos > neg: 0.9>{0.9 tie,0.1,0.2} = 2.5, 0.4>{0.1,0.2} x2 = 4 -> 6.5/9
    assert auroc[0] == pytest.approx(6.5 / 9)
    assert auroc[0] == pytest.approx(roc_auc_score(y[:, 0], score[:, 0]))
    assert aupr[0] == pytest.approx(average_precision_score(y[:, 0], score[:, 0]))
    # thresholds 0.9: P=1/2, R=1/3; 0.4: P=3/4, R=1 -> AP = 1/3 * 1/2 + 2/3 * 3/4
    assert aupr[0] == pytest.approx(1 / 6 + 1 / 2)
    # tasks with a single class are undefined and left out of the means
    assert np.isnan(auroc[1:]).all() and np.isnan(aupr[1:]).all()
    metrics = task_metrics("binary", y, score)
    assert metrics["mean_auroc"] == pytest.approx(6.5 / 9) and metrics["mean_aupr"] == pytest.approx(2 / 3)
    assert len(metrics["auroc"]) == 3


def test_binary_metrics_equal_sklearn_on_many_tasks_with_ties():
    rng = np.random.default_rng(0)
    y = rng.random((300, 12)) < np.linspace(0.02, 0.6, 12)
    score = np.round(rng.normal(size=(300, 12)) + y, 1)  # rounding creates ties
    auroc = auroc_per_task(y, score)
    aupr = average_precision_per_task(y, score)
    for task in range(12):
        assert auroc[task] == pytest.approx(roc_auc_score(y[:, task], score[:, task]), abs=1e-12)
        assert aupr[task] == pytest.approx(average_precision_score(y[:, task], score[:, task]), abs=1e-12)


def test_regression_metrics_equal_scipy():
    rng = np.random.default_rng(1)
    truth = rng.normal(size=(200, 3))
    pred = truth * np.array([1.0, 0.2, -0.5]) + rng.normal(size=(200, 3))
    pred[:, 2] = np.round(pred[:, 2])  # ties for Spearman
    r = pearson_per_task(truth, pred)
    rho = spearman_per_task(truth, pred)
    for task in range(3):
        assert r[task] == pytest.approx(pearsonr(truth[:, task], pred[:, task])[0], abs=1e-12)
        assert rho[task] == pytest.approx(spearmanr(truth[:, task], pred[:, task])[0], abs=1e-12)
    constant = pearson_per_task(truth, np.ones_like(truth))
    assert np.isnan(constant).all()
    metrics = task_metrics("regression", truth, pred)
    assert metrics["mse"] == pytest.approx(((truth - pred) ** 2).mean(axis=0).tolist())
    assert metrics["mean_pearson_r"] == pytest.approx(r.mean())


class CountA(nn.Module):
    """Logit = 0.1 * (number of A) - 2, in two outputs with opposite signs."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        logit = 0.1 * x[:, 0].sum(dim=1) - 2 + self.dummy
        return torch.stack([logit, -logit], dim=1)


def test_evaluate_equals_sklearn_on_known_outputs(data):
    x, y = data["test"]
    y2 = np.concatenate([y, 1 - y], axis=1)
    result = evaluate(CountA(), x, y2, "binary", "cpu", batch_size=37)
    logit = 0.1 * x[:, 0].sum(axis=1) - 2
    outputs = np.stack([logit, -logit], axis=1)
    assert result["n_sequences"] == len(x)
    assert result["loss"] == pytest.approx(
        F.binary_cross_entropy_with_logits(torch.as_tensor(outputs), torch.as_tensor(y2, dtype=torch.float64)).item()
    )
    for task in range(2):
        assert result["auroc"][task] == pytest.approx(roc_auc_score(y2[:, task], outputs[:, task]))
        assert result["aupr"][task] == pytest.approx(average_precision_score(y2[:, task], outputs[:, task]))
    regression = evaluate(CountA(), x, outputs + 1.0, "regression", "cpu")
    assert regression["loss"] == pytest.approx(1.0) and regression["mse"] == pytest.approx([1.0, 1.0])
    assert regression["mean_pearson_r"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- procedures


def test_standard_training_learns_the_planted_kmer(data):
    seed_everything(0)
    model = small_model()
    history = train_standard(
        model,
        data["train"],
        data["valid"],
        config(max_epochs=10, early_stopping_patience=3, lr_plateau_patience=2),
        "cpu",
        torch.Generator().manual_seed(0),
        log=None,
    )
    assert 1 <= len(history) <= 10 and history.restored_best
    assert {"valid_auroc", "valid_aupr"} <= set(history.rows[0])
    result = evaluate(model, *data["test"], "binary", "cpu")
    assert result["mean_auroc"] > 0.8, result


def test_finetune_keeps_the_lowest_validation_loss_weights(data):
    seed_everything(1)
    model = small_model(seed=1)
    # a large learning rate makes the validation loss go up and down
    history = finetune(
        model,
        data["train"],
        data["valid"],
        config(learning_rate=0.05, max_epochs=5),
        "cpu",
        torch.Generator().manual_seed(1),
        log=None,
    )
    losses = history.column("valid_loss")
    assert len(losses) == 5 and history.best_epoch < 5 and losses[-1] > min(losses)  # restoring matters
    after = evaluate(model, *data["valid"], "binary", "cpu")
    assert after["loss"] == pytest.approx(min(losses), rel=1e-5)


def test_pretrain_augments_training_batches_and_pads_validation(data):
    augmenter = FakeAugmenter()
    model = small_model(LENGTH + augmenter.INSERT)
    seen = record_inputs(model)
    n_train, n_valid = len(data["train"][0]), len(data["valid"][0])
    history = pretrain_augmented(
        model,
        data["train"],
        data["valid"],
        augmenter,
        config(max_epochs=2, batch_size=100),
        "cpu",
        torch.Generator().manual_seed(2),
        log=None,
    )
    assert len(history) == 2
    # every training batch went through the augmenter, on original-length input
    assert sum(shape[0] for shape in augmenter.calls) == 2 * n_train
    assert {shape[1:] for shape in augmenter.calls} == {(4, LENGTH)}
    # the validation set was padded once, and the model only ever saw length L + 5
    assert sum(shape[0] for shape in augmenter.pad_calls) == n_valid
    assert {x.shape[2] for _, x in seen} == {LENGTH + 5}
    evaluation = [x for training, x in seen if not training]
    epoch1, epoch2 = torch.cat(evaluation[: len(evaluation) // 2]), torch.cat(evaluation[len(evaluation) // 2 :])
    assert torch.equal(epoch1, epoch2)  # the same padded validation inputs every epoch
    assert torch.equal(epoch1[:, :, :LENGTH], torch.as_tensor(data["valid"][0], dtype=torch.float32))
    # fine-tuning pads training batches (on the device) and validation alike
    seen.clear()
    finetune(
        model,
        data["train"],
        data["valid"],
        config(max_epochs=1, learning_rate=1e-4),
        "cpu",
        torch.Generator().manual_seed(3),
        augmenter.pad_for_evaluation,
        log=None,
    )
    training_inputs = torch.cat([x for training, x in seen if training])
    assert training_inputs.shape == (n_train, 4, LENGTH + 5)
    assert torch.equal(training_inputs.sum(dim=1), torch.ones(n_train, LENGTH + 5))
    # a model of the wrong length is refused before training
    with pytest.raises(
        ValueError, match="takes sequences of length 100, but the augmented training set has length 105"
    ):
        pretrain_augmented(
            small_model(), data["train"], data["valid"], augmenter, config(), "cpu", torch.Generator(), log=None
        )


def train_once(data, seed: int) -> dict[str, torch.Tensor]:
    seed_everything(seed)
    model = small_model(LENGTH + FakeAugmenter.INSERT, seed=seed)
    pretrain_augmented(
        model,
        data["train"],
        data["valid"],
        FakeAugmenter(),
        config(max_epochs=2),
        "cpu",
        torch.Generator().manual_seed(seed),
        log=None,
    )
    return model.state_dict()


def test_training_is_deterministic_for_a_fixed_seed(data):
    first, second, other = train_once(data, 5), train_once(data, 5), train_once(data, 6)
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first)
    assert not math.isnan(float(first["output.weight"].sum()))


def test_noise_pretraining_noises_every_training_batch_afresh_and_never_the_evaluation(data):
    """Issue #15 (developmental r 0.155 with Gaussian-noise pretraining): the noise of the config
    (noise_std 0.3, the paper's DeepSTARR value) is drawn afresh for every entry, sequence and
    epoch, and neither validation nor evaluation inputs carry any."""
    from genomic_dl.evoaug2023.experiment import build_augmenter, resolve_setting

    resolved = resolve_setting("noise", {"singles": ["noise"]}, {"noise": {"noise_mean": 0.0, "noise_std": 0.3}})
    model = small_model()
    seen = record_inputs(model)
    batch_size, epochs = 128, 2
    pretrain_augmented(
        model,
        data["train"],
        data["valid"],
        build_augmenter(resolved),
        config(max_epochs=epochs, batch_size=batch_size),
        "cpu",
        torch.Generator().manual_seed(4),
        log=None,
    )
    clean = torch.as_tensor(data["train"][0], dtype=torch.float32)
    training = [x for is_training, x in seen if is_training]
    assert len(training) == epochs * len(clean) // batch_size
    # The loader shuffles: each noisy input's clean sequence is its nearest training sequence.
    noise, per_batch = torch.zeros(epochs, *clean.shape), []
    for index, batch in enumerate(training):
        nearest = torch.cdist(batch.flatten(1), clean.flatten(1)).argmin(dim=1)
        assert len(set(nearest.tolist())) == len(batch)
        per_batch.append((batch - clean[nearest]).flatten())
        noise[index * batch_size // len(clean), nearest] = batch - clean[nearest]
    assert noise.std().item() == pytest.approx(0.3, abs=0.005) and abs(noise.mean().item()) < 0.005
    assert (noise != 0).float().mean().item() == 1.0  # every entry of every sequence
    # fresh noise each epoch and for each sequence, not one draw reused
    assert abs(torch.corrcoef(noise.flatten(1))[0, 1].item()) < 0.01
    assert abs(torch.corrcoef(noise[0, :2].flatten(1))[0, 1].item()) < 0.05
    assert torch.corrcoef(torch.stack(per_batch)).triu(diagonal=1).abs().max().item() < 0.01  # nor per batch
    # validation (every epoch) and evaluation see the clean one-hot sequences
    evaluation = [x for is_training, x in seen if not is_training]
    assert torch.equal(
        torch.cat(evaluation), torch.as_tensor(data["valid"][0], dtype=torch.float32).repeat(epochs, 1, 1)
    )
    seen.clear()
    evaluate(model, *data["test"], "binary", "cpu")
    assert torch.equal(torch.cat([x for _, x in seen]), torch.as_tensor(data["test"][0], dtype=torch.float32))

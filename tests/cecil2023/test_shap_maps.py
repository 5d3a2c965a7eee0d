"""Tests of the SHAP maps and mini-CNN weight maps (genomic_dl.cecil2023.shap_maps)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genomic_dl.cecil2023.models import DeepSet, MiniCNN, ReducedCNN, build_cecil_model, cecil_imagene_kwargs
from genomic_dl.cecil2023.shap_maps import background_images, mean_shap_maps, minicnn_weights, shap_values


def generator(seed):
    return torch.Generator().manual_seed(seed)


def images(n, shape, seed):
    return (np.random.default_rng(seed).random((n, *shape)) < 0.4).astype(np.uint8)


def model_outputs(model, x, output):
    logits = model(torch.as_tensor(x, dtype=torch.float32)).detach().double().numpy()[:, 0]
    return 1 / (1 + np.exp(-logits)) if output == "probability" else logits


@pytest.mark.parametrize("output", ["probability", "logit"])
@pytest.mark.parametrize(
    "make",
    [
        lambda: build_cecil_model(
            "imagene", cecil_imagene_kwargs((16, 16), conv_filters=(3, 3), dense_units=4), generator(1)
        ),
        lambda: MiniCNN((16, 16), generator=generator(2)),
        lambda: DeepSet((16, 16), n_filters=4, dense_units=8, generator=generator(3)),
    ],
    ids=["imagene", "mini_cnn", "deepset"],
)
def test_shap_values_add_up_to_the_output_minus_the_expected_value(make, output):
    model = make().eval()
    background, x = images(10, (16, 16), seed=4), images(5, (16, 16), seed=5)
    values, expected = shap_values(model, background, x, output=output, batch_size=2)
    assert values.shape == (5, 16, 16)
    assert expected == pytest.approx(model_outputs(model, background, output).mean(), rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(
        values.sum(axis=(1, 2)), model_outputs(model, x, output) - expected, rtol=1e-4, atol=1e-4
    )


def test_shap_values_of_a_linear_model_are_weight_times_deviation():
    model = ReducedCNN((6, 5), relu=False, max_pool=False, convolution=False, generator=generator(6)).eval()
    background, x = images(8, (6, 5), seed=7), images(3, (6, 5), seed=8)
    values, _ = shap_values(model, background, x, output="logit")
    weights = model.head[0].weight.detach().double().numpy().reshape(6, 5)
    np.testing.assert_allclose(values, weights * (x - background.mean(axis=0)), rtol=1e-5, atol=1e-6)


def test_mean_shap_maps_average_each_class():
    model = MiniCNN((12, 10), generator=generator(9)).eval()
    by_class = {0: images(6, (12, 10), seed=10), 1: images(4, (12, 10), seed=11)}
    background = background_images(by_class, n_per_class=3, rng=np.random.default_rng(0))
    assert background.shape == (6, 12, 10)
    maps = mean_shap_maps(model, background, by_class, batch_size=4)
    assert sorted(maps) == [0, 1]
    for label, class_images in by_class.items():
        assert maps[label].shape == (12, 10)
        np.testing.assert_allclose(
            maps[label], shap_values(model, background, class_images)[0].mean(axis=0), rtol=1e-6, atol=1e-9
        )


def test_background_draws_distinct_images_per_class():
    by_class = {
        1: np.arange(50)[:, None, None] * np.ones((1, 2, 2)),
        0: -np.arange(30)[:, None, None] * np.ones((1, 2, 2)),
    }
    background = background_images(by_class, n_per_class=20, rng=np.random.default_rng(1))
    ids = background[:, 0, 0]
    assert (ids[:20] <= 0).all() and (ids[20:] >= 0).all()  # class 0 first
    assert np.unique(ids[:20]).size == 20 and np.unique(ids[20:]).size == 20
    with pytest.raises(ValueError, match="fewer than"):
        background_images(by_class, n_per_class=40, rng=np.random.default_rng(1))


def test_minicnn_weights_are_the_kernel_and_the_dense_map():
    model = MiniCNN((9, 7), generator=generator(12))
    kernel, dense_map = minicnn_weights(model)
    assert kernel.shape == (2, 1) and dense_map.shape == (8, 7)
    weight = model.head[0].weight.detach().double().numpy()[0]
    assert dense_map[3, 5] == weight[3 * 7 + 5]  # row-major over the (H - 1) x W grid
    np.testing.assert_array_equal(kernel[:, 0], model.conv_layers()[0].weight.detach().double().numpy()[0, 0, :, 0])
    pooled = ReducedCNN((9, 7), kernel_size=(2, 1), max_pool=True)
    assert minicnn_weights(pooled)[1].shape == (4, 3)
    with pytest.raises(ValueError, match="one filter"):
        minicnn_weights(ReducedCNN((9, 7), n_filters=2))
    with pytest.raises(ValueError, match="ReducedCNN"):
        minicnn_weights(build_cecil_model("imagene", cecil_imagene_kwargs((16, 16), conv_filters=(1,))))


def test_shap_values_log_progress_after_each_batch(caplog):
    model = MiniCNN((8, 6), generator=generator(12)).eval()
    with caplog.at_level("INFO", logger="genomic_dl.cecil2023.shap_maps"):
        shap_values(model, images(4, (8, 6), seed=13), images(5, (8, 6), seed=14), batch_size=2)
    progress = [record.getMessage() for record in caplog.records if "SHAP values" in record.getMessage()]
    assert [line.split(" images")[0] for line in progress] == [
        "SHAP values: 2/5",
        "SHAP values: 4/5",
        "SHAP values: 5/5",
    ]
    assert all("of 8x6" in line for line in progress)

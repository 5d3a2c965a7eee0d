"""The predict command line: checkpoint metadata, input formats, printed summaries, errors."""

import itertools
import json

import numpy as np
import pytest
import torch

from genomic_dl.imagene2019.multiclass import checkpoint_metadata
from genomic_dl.imagene2019.predict import main
from genomic_dl.io import save_arrays
from genomic_dl.nn.imagene import ImageneCNN
from genomic_dl.nn.trainer import save_checkpoint
from genomic_dl.popgen.image_store import save_images
from genomic_dl.popgen.images import haplotype_images

SIZE = 16
CLASSES = [0.0, 200.0, 400.0]
PREPROCESSING = {"sorting": "rows", "min_maf": 0.05, "image_size": [SIZE, SIZE], "threshold": 0.5, "invert": True}
ARCHITECTURE = {"input_shape": [SIZE, SIZE], "conv_filters": [3], "dense_units": None}


def small_model(n_outputs: int) -> ImageneCNN:
    torch.manual_seed(n_outputs)
    model = ImageneCNN(**ARCHITECTURE, n_outputs=n_outputs)
    with torch.no_grad():  # a non-trivial head so that different images give different outputs
        model.head[-1].weight.normal_(0.0, 0.3)
    return model.eval()


@pytest.fixture
def multiclass_model(tmp_path):
    model = small_model(3)
    path = tmp_path / "multi.pt"
    save_checkpoint(path, model, checkpoint_metadata(model, CLASSES, PREPROCESSING, {"kind": "gaussian"}, seed=1))
    return model, str(path)


@pytest.fixture
def haplotypes():
    """Two replicates of 10 haplotypes: a shard (genotypes, offsets)."""
    rng = np.random.default_rng(0)
    genotypes = (rng.random((10, 30)) < np.linspace(0.05, 0.6, 30)).astype(np.uint8)
    return genotypes, np.array([0, 18, 30])


def write_ms(path, genotypes, offsets):
    blocks = ["msprime 10 2", "1", ""]
    for a, b in itertools.pairwise(offsets):
        block = genotypes[:, a:b]
        blocks += [
            "//",
            f"segsites: {b - a}",
            "positions: " + " ".join(f"{x:.4f}" for x in np.linspace(0.01, 0.99, b - a)),
        ]
        blocks += ["".join(map(str, row)) for row in block] + [""]
    path.write_text("\n".join(blocks))
    return str(path)


def write_vcf(path, genotypes):
    """One diploid sample per pair of haplotype rows."""
    n_samples = genotypes.shape[0] // 2
    header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(
        f"s{i}" for i in range(n_samples)
    )
    calls = [
        [f"{genotypes[2 * i, j]}|{genotypes[2 * i + 1, j]}" for i in range(n_samples)]
        for j in range(genotypes.shape[1])
    ]
    records = [f"3\t{1000 + 10 * j}\t.\tC\tA\t.\tPASS\t.\tGT\t" + "\t".join(row) for j, row in enumerate(calls)]
    path.write_text(header + "\n" + "\n".join(records) + "\n")
    return str(path)


def expected_probabilities(model, genotypes, offsets):
    """Softmax of the model on the images preprocessed as in training (inverted)."""
    images = haplotype_images(genotypes, offsets, sorting="rows", min_maf=0.05, size=(SIZE, SIZE), threshold=0.5)
    with torch.no_grad():
        logits = model(torch.from_numpy(1.0 - images.astype(np.float32)).unsqueeze(1))
    return torch.softmax(logits.double(), dim=1).numpy()


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    return code, lines, captured.err


def test_ms_input_multiclass_summary(tmp_path, capsys, multiclass_model, haplotypes):
    model, model_path = multiclass_model
    ms_path = write_ms(tmp_path / "two.ms", *haplotypes)
    code, lines, _ = run_cli(
        capsys, "--model", model_path, "--input", ms_path, "--n-samples", "2000", "--device", "cpu"
    )
    assert code == 0 and len(lines) == 2
    keys = {
        "input",
        "image",
        "label",
        "n_haplotypes",
        "n_sites",
        "class_values",
        "probabilities",
        "map",
        "mean",
        "hpdi_lower",
        "hpdi_upper",
        "hpdi_mass",
        "bayes_factor",
    }
    probabilities = np.array([line["probabilities"] for line in lines])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(probabilities, expected_probabilities(model, *haplotypes), rtol=1e-5)
    for line, p in zip(lines, probabilities):
        assert set(line) == keys and line["n_haplotypes"] == 10
        assert line["map"] == CLASSES[int(np.argmax(p))]
        assert line["mean"] == pytest.approx(float(p @ CLASSES))
        assert line["bayes_factor"] == pytest.approx((1 - p[0]) / p[0])
        assert line["hpdi_lower"] <= line["map"] <= line["hpdi_upper"] and line["hpdi_mass"] == 0.95
    assert [line["n_sites"] for line in lines] == [18, 12]


def test_vcf_and_npz_inputs_give_the_same_posterior_as_ms(tmp_path, capsys, multiclass_model, haplotypes):
    _, model_path = multiclass_model
    genotypes, offsets = haplotypes
    ms_path = write_ms(tmp_path / "two.ms", genotypes, offsets)
    vcf_path = write_vcf(tmp_path / "first.vcf", genotypes[:, :18])
    save_arrays(tmp_path / "shard.npz", {}, genotypes=genotypes, offsets=offsets)
    _, from_ms, _ = run_cli(capsys, "--model", model_path, "--input", ms_path)
    code, from_vcf, _ = run_cli(
        capsys, "--model", model_path, "--input", vcf_path, "--chrom", "3", "--start", "1000", "--end", "1170"
    )
    assert code == 0 and len(from_vcf) == 1 and from_vcf[0]["label"] == "3:1000-1170"
    assert from_vcf[0]["probabilities"] == pytest.approx(from_ms[0]["probabilities"])
    code, from_npz, _ = run_cli(capsys, "--model", model_path, "--input", str(tmp_path / "shard.npz"))
    assert code == 0
    np.testing.assert_allclose(
        [line["probabilities"] for line in from_npz], [line["probabilities"] for line in from_ms], rtol=1e-9
    )
    # a region ending earlier sees fewer sites
    _, shorter, _ = run_cli(capsys, "--model", model_path, "--input", vcf_path, "--chrom", "3", "--end", "1080")
    assert shorter[0]["n_sites"] == 9


def test_image_shard_must_match_the_preprocessing(tmp_path, capsys, multiclass_model):
    _, model_path = multiclass_model
    images = np.zeros((2, SIZE, SIZE), dtype=np.uint8)
    save_images(tmp_path / "ok.npz", images, np.zeros(2), {"sorting": "rows", "preprocessing": PREPROCESSING})
    code, lines, _ = run_cli(capsys, "--model", model_path, "--input", str(tmp_path / "ok.npz"))
    assert code == 0 and len(lines) == 2 and lines[0]["probabilities"] == pytest.approx(lines[1]["probabilities"])
    save_images(tmp_path / "cols.npz", images, np.zeros(2), {"sorting": "cols", "preprocessing": PREPROCESSING})
    code, lines, err = run_cli(capsys, "--model", model_path, "--input", str(tmp_path / "cols.npz"))
    assert code == 1 and not lines and "cols.npz" in err and "sorting" in err


def test_binary_model_needs_and_accepts_preprocessing_flags(tmp_path, capsys, haplotypes):
    model = small_model(1)
    model_path = tmp_path / "binary.pt"
    save_checkpoint(model_path, model, {"invert": True, "seed": 1})
    ms_path = write_ms(tmp_path / "two.ms", *haplotypes)
    code, _, err = run_cli(capsys, "--model", str(model_path), "--input", ms_path)
    assert code == 1 and "binary.pt" in err and "--sorting" in err and "--min-maf" in err
    code, lines, _ = run_cli(
        capsys,
        "--model",
        str(model_path),
        "--input",
        ms_path,
        "--sorting",
        "rows",
        "--min-maf",
        "0.05",
        "--threshold",
        "0.5",
    )
    assert code == 0 and len(lines) == 2
    images = haplotype_images(*haplotypes, sorting="rows", min_maf=0.05, size=(SIZE, SIZE), threshold=0.5)
    with torch.no_grad():
        expected = (
            torch.sigmoid(model(torch.from_numpy(1.0 - images.astype(np.float32)).unsqueeze(1)).double())
            .squeeze(1)
            .numpy()
        )
    for line, p in zip(lines, expected):
        assert line["p_selection"] == pytest.approx(p, rel=1e-5)
        assert line["bayes_factor"] == pytest.approx(p / (1 - p), rel=1e-5)


def test_errors_name_the_file(tmp_path, capsys, multiclass_model):
    _, model_path = multiclass_model
    code, _, err = run_cli(capsys, "--model", model_path, "--input", str(tmp_path / "missing.ms"))
    assert code == 1 and "missing.ms" in err
    (tmp_path / "garbage.pt").write_bytes(b"not a checkpoint")
    (tmp_path / "x.ms").write_text("//\nsegsites: 1\npositions: 0.5\n1\n0\n")
    code, _, err = run_cli(capsys, "--model", str(tmp_path / "garbage.pt"), "--input", str(tmp_path / "x.ms"))
    assert code == 1 and "garbage.pt" in err
    vcf_path = write_vcf(tmp_path / "a.vcf", np.eye(4, dtype=np.uint8))
    code, _, err = run_cli(capsys, "--model", model_path, "--input", vcf_path)
    assert code == 1 and "a.vcf" in err and "--chrom" in err
    assert main(["--input", vcf_path]) == 2  # usage error: no --model
    capsys.readouterr()

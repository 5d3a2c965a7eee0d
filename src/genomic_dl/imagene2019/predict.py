"""Apply a trained ImaGene network to haplotype data and print posterior summaries.

Usage::

    python -m genomic_dl.imagene2019.predict --model model.pt --input region.vcf.gz \\
        --chrom 2 --start 108897145 --end 108977145 [--samples chb.txt]
    python -m genomic_dl.imagene2019.predict --model model.pt --input sims.ms
    python -m genomic_dl.imagene2019.predict --model model.pt --input shard.npz

Inputs (``--format auto`` picks by file name, then by content):

``vcf``
    a phased VCF (plain or gzip/bgzip), one region (``--chrom``, optional ``--start``/``--end``,
    1-based inclusive) -> one image; samples from ``--samples`` (a file, one name per line) or
    ``--panel`` + ``--population`` (a 1000 Genomes style panel file), else all samples.
``ms``
    ms/msms/msprime ms-format text -> one image per replicate.
``npz``
    a simulation shard (``genotypes``/``offsets``) -> one image per replicate, or an image shard
    (``images_packed``), used as is after checking that it was made with the model's settings.

Each image is preprocessed exactly as the training images (:func:`haplotype_images` with the
checkpoint's ``preprocessing``: ``sorting``, ``min_maf``, ``image_size``, ``threshold``,
``invert``; ``--sorting``/``--min-maf``/``--threshold``/``--invert`` override or complete it).
One JSON object per image is printed on stdout:

* every model: ``input``, ``image`` (0-based), ``label`` (``chrom:first-last`` SNP position of
  a VCF region, or the replicate), ``n_haplotypes`` and ``n_sites`` (before the MAF filter;
  absent for image shards); for a VCF also ``skipped_sites`` (records skipped, by reason);
* a one-output (binary) model: ``p_selection`` and ``bayes_factor`` = p / (1 - p);
* a K-class model: ``class_values``, ``probabilities``, ``map``, ``mean``, ``hpdi_lower``,
  ``hpdi_upper`` (``--mass`` HPD interval from ``--n-samples`` posterior draws, seeded by
  ``--seed``), ``hpdi_mass`` and ``bayes_factor`` (P(S > 0) / P(S = 0), class 0 as null).

Exit status 0 on success, 1 on a data or model error (message on stderr naming the file), 2 on
a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from genomic_dl.imagene2019.multiclass import PREPROCESSING_KEYS
from genomic_dl.imagene2019.posterior import bayes_factor, summarise_posterior
from genomic_dl.io import load_arrays
from genomic_dl.nn.device import select_device
from genomic_dl.nn.imagene import build_imagene
from genomic_dl.nn.trainer import load_checkpoint, predict
from genomic_dl.popgen.image_store import load_images
from genomic_dl.popgen.images import SORTINGS, haplotype_images
from genomic_dl.popgen.vcf import (
    read_ms,
    read_population_panel,
    read_sample_list,
    read_vcf_region,
    samples_of_population,
)

FORMATS = ("auto", "vcf", "ms", "npz")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m genomic_dl.imagene2019.predict",
        description="Posterior summaries of a trained ImaGene CNN on VCF, ms or npz haplotype data.",
    )
    parser.add_argument("--model", required=True, help="checkpoint (.pt) written by the workflow")
    parser.add_argument("--input", required=True, help="VCF (.vcf, .vcf.gz), ms-format text or .npz shard")
    parser.add_argument("--format", choices=FORMATS, default="auto", help="input format (default: from the file name)")
    parser.add_argument("--chrom", help="VCF contig of the region")
    parser.add_argument("--start", type=int, help="VCF region start (1-based, inclusive)")
    parser.add_argument("--end", type=int, help="VCF region end (1-based, inclusive)")
    parser.add_argument("--samples", help="file of VCF sample names to use, one per line")
    parser.add_argument("--panel", help="panel file 'sample population ...' (with --population)")
    parser.add_argument("--population", help="use the VCF samples of this panel population")
    parser.add_argument(
        "--unphased",
        choices=("error", "skip"),
        default="error",
        help="unphased heterozygous VCF sites: fail or skip them",
    )
    parser.add_argument("--sorting", choices=SORTINGS, help="override the checkpoint's image sorting")
    parser.add_argument("--min-maf", type=float, help="override the checkpoint's minimum minor-allele frequency")
    parser.add_argument("--threshold", type=float, help="override the checkpoint's binarisation threshold")
    parser.add_argument(
        "--invert", action=argparse.BooleanOptionalAction, default=None, help="override: feed 1 - image"
    )
    parser.add_argument("--mass", type=float, default=0.95, help="credible mass of the HPD interval (default 0.95)")
    parser.add_argument(
        "--n-samples", type=int, default=100_000, help="posterior draws for the HPD interval (default 100000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the posterior draws (default 0)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    return parser


def load_model(path: str, device: torch.device) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The checkpoint's :class:`ImageneCNN` (eval mode, on ``device``) and its metadata.

    ``FileNotFoundError`` or ``ValueError`` naming ``path`` when it is missing or unreadable."""
    return load_checkpoint(path, build_imagene, device)


def preprocessing_settings(metadata: dict[str, Any], overrides: dict[str, Any], model_path: str) -> dict[str, Any]:
    """The :data:`PREPROCESSING_KEYS` to apply: the checkpoint's ``preprocessing`` + ``overrides``.

    A missing ``image_size`` is the model's input shape; a missing ``invert`` falls back to a
    top-level ``invert`` entry (binary checkpoints). ``image_size`` must match the model.
    """
    settings = dict(metadata.get("preprocessing", {}))
    input_shape = list(metadata["model_kwargs"]["input_shape"])
    settings.setdefault("image_size", input_shape)
    if "invert" in metadata:
        settings.setdefault("invert", metadata["invert"])
    settings.update({key: value for key, value in overrides.items() if value is not None})
    missing = [key for key in PREPROCESSING_KEYS if key not in settings]
    if missing:
        flags = " ".join(f"--{key.replace('_', '-')}" for key in missing)
        raise ValueError(f"{model_path}: the checkpoint does not record the preprocessing {missing}; give {flags}")
    if list(settings["image_size"]) != input_shape:
        raise ValueError(
            f"{model_path}: preprocessing image_size {settings['image_size']} differs from the model input shape {input_shape}"
        )
    return {key: settings[key] for key in PREPROCESSING_KEYS}


def detect_format(path: str) -> str:
    """``vcf``, ``npz`` or ``ms`` from the file name, else from the first line of the file."""
    name = Path(path).name.lower()
    for suffix, kind in (
        (".vcf", "vcf"),
        (".vcf.gz", "vcf"),
        (".vcf.bgz", "vcf"),
        (".npz", "npz"),
        (".ms", "ms"),
        (".ms.gz", "ms"),
        (".msms", "ms"),
    ):
        if name.endswith(suffix):
            return kind
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.startswith(b"PK"):
        return "npz"
    return "vcf" if head.startswith(b"##fileformat=VCF") else "ms"


def _vcf_samples(args: argparse.Namespace) -> list[str] | None:
    if args.samples and args.population:
        raise ValueError("give either --samples or --panel/--population, not both")
    if args.samples:
        return read_sample_list(args.samples)
    if args.population or args.panel:
        if not (args.population and args.panel):
            raise ValueError("--panel and --population go together")
        return samples_of_population(read_population_panel(args.panel), args.population)
    return None


def _shard_images(genotypes: np.ndarray, offsets: np.ndarray, settings: dict[str, Any]) -> np.ndarray:
    return haplotype_images(
        genotypes,
        offsets,
        sorting=settings["sorting"],
        min_maf=settings["min_maf"],
        size=tuple(settings["image_size"]),
        threshold=settings["threshold"],
    )


def _replicate_records(genotypes: np.ndarray, offsets: np.ndarray) -> list[dict[str, Any]]:
    widths = np.diff(offsets)
    return [
        {"label": f"replicate {i}", "n_haplotypes": int(genotypes.shape[0]), "n_sites": int(w)}
        for i, w in enumerate(widths)
    ]


def _check_image_shard(path: str, metadata: dict[str, Any], settings: dict[str, Any]) -> None:
    """An image shard must have been made with the model's sorting and preprocessing."""
    made = dict(metadata.get("preprocessing", {}))
    if "sorting" in metadata:
        made["sorting"] = metadata["sorting"]
    differ = [
        key for key in ("sorting", "min_maf", "image_size", "threshold") if key in made and made[key] != settings[key]
    ]
    if differ:
        raise ValueError(
            f"{path}: image shard made with {[(k, made[k]) for k in differ]}, but the model expects {[(k, settings[k]) for k in differ]}"
        )


def read_images(args: argparse.Namespace, settings: dict[str, Any]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Preprocessed 0/1 images uint8 (B, H, W) of ``args.input`` and one record per image."""
    path = args.input
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: input file not found")
    kind = detect_format(path) if args.format == "auto" else args.format
    if kind == "vcf":
        if args.chrom is None:
            raise ValueError(f"{path}: a VCF input needs --chrom (and optionally --start/--end)")
        region = read_vcf_region(path, args.chrom, args.start, args.end, _vcf_samples(args), unphased=args.unphased)
        offsets = np.array([0, region.genotypes.shape[1]], dtype=np.int64)
        label = f"{args.chrom}:{region.positions[0]}-{region.positions[-1]}"
        record = {
            "label": label,
            "n_haplotypes": int(region.genotypes.shape[0]),
            "n_sites": int(region.genotypes.shape[1]),
            "skipped_sites": region.skipped,
        }
        return _shard_images(region.genotypes, offsets, settings), [record]
    if kind == "ms":
        shard = read_ms(path)
        return _shard_images(shard["genotypes"], shard["offsets"], settings), _replicate_records(
            shard["genotypes"], shard["offsets"]
        )
    arrays, metadata = load_arrays(path)
    if "images_packed" in arrays:
        _check_image_shard(path, metadata, settings)
        images, _ = load_images([path])
        return images, [{"label": f"image {i}"} for i in range(len(images))]
    if "genotypes" in arrays and "offsets" in arrays:
        return _shard_images(arrays["genotypes"], arrays["offsets"], settings), _replicate_records(
            arrays["genotypes"], arrays["offsets"]
        )
    raise ValueError(
        f"{path}: expected a simulation shard (genotypes, offsets) or an image shard (images_packed); found {sorted(arrays)}"
    )


def _binary_results(probability: np.ndarray) -> list[dict[str, Any]]:
    odds = bayes_factor(np.stack([1.0 - probability, probability], axis=1))
    return [{"p_selection": float(p), "bayes_factor": float(b)} for p, b in zip(probability, odds)]


def _multiclass_results(
    probabilities: np.ndarray, class_values: np.ndarray, args: argparse.Namespace
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(args.seed)
    summary = summarise_posterior(probabilities, class_values, rng, n_samples=args.n_samples, mass=args.mass)
    results = []
    for i, row in enumerate(probabilities):
        result = {
            "class_values": class_values.tolist(),
            "probabilities": row.astype(float).tolist(),
            "hpdi_mass": args.mass,
        }
        result.update({key: float(values[i]) for key, values in summary.items()})
        results.append(result)
    return results


def model_logits(model: torch.nn.Module, images: np.ndarray, invert: bool, device: torch.device) -> torch.Tensor:
    """Raw outputs (B, n_outputs) of ``model`` on 0/1 images uint8 (B, H, W), on the CPU."""
    x = torch.from_numpy(np.ascontiguousarray(1 - images if invert else images)).unsqueeze(1)
    return predict(model, DataLoader(TensorDataset(x), batch_size=256), device)


def posterior_results(
    model: torch.nn.Module,
    metadata: dict[str, Any],
    images: np.ndarray,
    invert: bool,
    args: argparse.Namespace,
    device: torch.device,
) -> list[dict[str, Any]]:
    """Per-image posterior summaries (see the module docstring)."""
    n_outputs = int(metadata["model_kwargs"].get("n_outputs", 1))
    if n_outputs > 1 and len(metadata.get("class_values", [])) != n_outputs:
        raise ValueError(
            f"{args.model}: a {n_outputs}-output checkpoint needs {n_outputs} 'class_values' in its metadata"
        )
    logits = model_logits(model, images, invert, device).double()
    if n_outputs == 1:
        return _binary_results(torch.sigmoid(logits).squeeze(1).numpy())
    probabilities = torch.softmax(logits, dim=1).numpy()
    return _multiclass_results(probabilities, np.asarray(metadata["class_values"], dtype=np.float64), args)


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Load, preprocess, predict; return the per-image result records."""
    if not 0.0 < args.mass < 1.0:
        raise ValueError(f"--mass must lie in (0, 1), got {args.mass}")
    device = select_device(args.device)
    model, metadata = load_model(args.model, device)
    overrides = {"sorting": args.sorting, "min_maf": args.min_maf, "threshold": args.threshold, "invert": args.invert}
    settings = preprocessing_settings(metadata, overrides, args.model)
    images, records = read_images(args, settings)
    results = posterior_results(model, metadata, images, bool(settings["invert"]), args, device)
    return [
        {"input": args.input, "image": i, **record, **result}
        for i, (record, result) in enumerate(zip(records, results))
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:
        return int(exit_request.code or 0)
    try:
        results = run(args)
    except (FileNotFoundError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for result in results:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: vectorised ImaGene preprocessing vs. a naive per-image pipeline.

Run (single thread is pinned below, before numpy is imported)::

    PYTHONPATH=src python benchmarks/bench_preprocessing.py [--n-images 2000] [--json out.json]

Builds a random-but-realistic shard (128 haplotypes x 250-350 sites per
replicate, derived-allele frequencies drawn from a 1/x site-frequency
spectrum, so most columns are rare variants), then times

* ``genomic_dl.popgen.images.haplotype_images(..., sorting='rows',
  min_maf=0.01, size=(128, 128), threshold=0.5)``, and
* a naive reference doing what the original ImaGene code does image by image
  (majorminor, filter_freq, ``np.unique`` row sort, ``skimage.transform.resize``,
  threshold),

in the same process, checks that both give the same images and prints
images/s of both and the speed-up.
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_var] = "1"

import argparse
import json
import platform
import time

import numpy as np


def make_shard(n_images: int, n_hap: int = 128, w_lo: int = 250, w_hi: int = 350, seed: int = 1):
    """Random shard: per-site derived counts k in 1..n-1 with P(k) ~ 1/k."""
    rng = np.random.default_rng(seed)
    widths = rng.integers(w_lo, w_hi + 1, size=n_images)
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
    total = int(offsets[-1])
    k = np.arange(1, n_hap)
    p = (1.0 / k) / np.sum(1.0 / k)
    counts = rng.choice(k, size=total, p=p)
    # Place each site's derived alleles on random haplotypes: rank uniform keys.
    keys = rng.random((n_hap, total), dtype=np.float32)
    ranks = keys.argsort(axis=0).argsort(axis=0)
    genotypes = (ranks < counts[None, :]).astype(np.uint8)
    return genotypes, offsets


def naive_pipeline(genotypes, offsets, min_maf=0.01, size=(128, 128), threshold=0.5):
    """Per-image reference mirroring ImaGene's loops (sorting='rows_freq')."""
    from skimage.transform import resize

    out = np.zeros((len(offsets) - 1, *size), dtype=np.uint8)
    for i in range(len(offsets) - 1):
        img = genotypes[:, offsets[i] : offsets[i + 1]].copy()
        # majorminor
        idx = np.where(np.mean(img, axis=0) > 0.5)[0]
        img[:, idx] = 1 - img[:, idx]
        # filter_freq
        img = img[:, np.mean(img, axis=0) >= min_maf]
        if img.shape[1] == 0:
            continue
        # sort rows_freq (stable argsort: documented tie rule)
        uniques, counts = np.unique(img, return_counts=True, axis=0)
        order = np.argsort(counts, kind="stable")[::-1]
        img = np.repeat(uniques[order], counts[order], axis=0)
        # resize + binarise
        res = resize(img.astype(float), size, order=1, mode="reflect", anti_aliasing=True)
        out[i] = (res >= threshold).astype(np.uint8)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=2000)
    parser.add_argument("--n-naive", type=int, default=300, help="images timed with the naive pipeline (it is slow)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=str, default=None, help="write results to this path")
    args = parser.parse_args()

    from genomic_dl.popgen.images import haplotype_images

    genotypes, offsets = make_shard(args.n_images)
    kwargs = {"sorting": "rows", "min_maf": 0.01, "size": (128, 128), "threshold": 0.5}

    # Warm-up (fills the resize-matrix cache; what remains is steady state).
    ours = haplotype_images(genotypes, offsets, **kwargs)
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        ours = haplotype_images(genotypes, offsets, **kwargs)
        times.append(time.perf_counter() - t0)
    t_ours = min(times)
    ours_ips = args.n_images / t_ours

    n_naive = min(args.n_naive, args.n_images)
    sub_offsets = offsets[: n_naive + 1]
    sub_geno = genotypes[:, : sub_offsets[-1]]
    t0 = time.perf_counter()
    ref = naive_pipeline(sub_geno, sub_offsets, min_maf=0.01, size=(128, 128), threshold=0.5)
    t_naive = time.perf_counter() - t0
    naive_ips = n_naive / t_naive

    mismatched_pixels = int(np.sum(ours[:n_naive] != ref))
    result = {
        "n_images": args.n_images,
        "image_shape_in": [int(genotypes.shape[0]), "250-350"],
        "size": [128, 128],
        "sorting": "rows",
        "min_maf": 0.01,
        "threads": 1,
        "ours_seconds": t_ours,
        "ours_images_per_s": ours_ips,
        "naive_images": n_naive,
        "naive_seconds": t_naive,
        "naive_images_per_s": naive_ips,
        "speedup": ours_ips / naive_ips,
        "mismatched_pixels_vs_naive": mismatched_pixels,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(f"vectorised : {ours_ips:10.1f} images/s  ({args.n_images} images in {t_ours:.3f} s, best of {args.repeats})")
    print(f"naive      : {naive_ips:10.1f} images/s  ({n_naive} images in {t_naive:.3f} s)")
    print(f"speed-up   : {ours_ips / naive_ips:10.1f}x")
    print(f"pixels differing from naive on the first {n_naive} images: {mismatched_pixels}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()

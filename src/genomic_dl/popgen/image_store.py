"""Storage of binary haplotype images: bit-packed, compressed ``.npz`` shards.

An image shard holds ``images_packed`` uint8 (B, H, ceil(W / 8)) (``np.packbits`` along the
columns), ``image_width`` (the unpacked W), ``selection_coefficient`` float64 (B,) and the JSON
metadata of :func:`genomic_dl.io.save_arrays`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from genomic_dl.io import load_arrays, save_arrays


def save_images(path: str | os.PathLike, images: np.ndarray, selection_coefficient: np.ndarray, metadata: dict) -> None:
    """Write 0/1 ``images`` (uint8 (B, H, W)) and their labels to ``path``, atomically."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (B, H, W), got {images.shape}")
    if images.shape[0] != len(selection_coefficient):
        raise ValueError(f"{images.shape[0]} images but {len(selection_coefficient)} selection coefficients")
    save_arrays(
        path,
        metadata,
        images_packed=np.packbits(images.astype(bool), axis=-1),
        image_width=np.array(images.shape[-1]),
        selection_coefficient=np.asarray(selection_coefficient, dtype=np.float64),
    )


def load_images(paths: Sequence[str | os.PathLike]) -> tuple[np.ndarray, np.ndarray]:
    """Read and concatenate image shards: ``(images uint8 (B, H, W), selection_coefficient (B,))``."""
    images, labels = [], []
    for path in paths:
        arrays, _ = load_arrays(path, required=("images_packed", "image_width", "selection_coefficient"))
        width = int(arrays["image_width"])
        images.append(np.unpackbits(arrays["images_packed"], axis=-1, count=width))
        labels.append(arrays["selection_coefficient"])
    if not images:
        raise ValueError("no image shards given")
    shapes = {image.shape[1:] for image in images}
    if len(shapes) > 1:
        raise ValueError(f"image shards differ in image shape: {sorted(shapes)} in {list(map(str, paths))}")
    return np.concatenate(images), np.concatenate(labels)

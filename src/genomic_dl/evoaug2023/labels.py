"""Names of the trained EvoAug models in the interpretation tables (imported by the workflow at
parse time, so this module imports nothing heavy)."""

from __future__ import annotations

__all__ = ["model_label"]


def model_label(setting: str, stage: str) -> str:
    """Name of a trained model in tables and figures: ``standard``, ``evoaug_pretrained``,
    ``evoaug_finetuned`` (the setting alone when the stage has the setting's name)."""
    return setting if setting == stage else f"{setting}_{stage}"

"""The scorecard of a results folder made elsewhere, e.g. results/paper-scale (a GPU run).

    python benchmarks/paper_scale/scorecard.py results/paper-scale \\
        config/presets/paper.yaml config/presets/paper_scale_gpu.yaml

Evaluates every claim of config/claims.yaml whose table exists under the folder (a results tree,
like ``results/<preset>``: the claims name their tables relative to it), with the training budgets of config/config.yaml plus the given preset files, and
writes ``scorecard.md`` and ``scorecard.csv`` into the folder. Claims whose table is absent are
NOT RUN ("not built in this run").
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from snakemake.utils import update_config

from genomic_dl.config import load_config_file
from genomic_dl.io import write_csv
from genomic_dl.scorecard import scorecard, training_budgets, write_markdown

ROOT = Path(__file__).resolve().parents[2]


def main(folder: str, *presets: str) -> None:
    results = Path(folder).resolve()
    config = load_config_file(ROOT / "config" / "config.yaml")
    for preset in presets:
        update_config(config, load_config_file(ROOT / preset))  # as Snakemake merges --configfile
    claims = yaml.safe_load((ROOT / config["claims"]).read_text())["claims"]
    available = sorted({c["table"] for c in claims if (results / c["table"]).exists()})
    card = scorecard(claims, available, training_budgets(config), results)
    write_csv(card, results / "scorecard.csv")
    write_markdown(card, results / "scorecard.md", f"Reproduction scorecard ({config['preset']}, {results.name})")
    print(card["status"].value_counts().to_dict())


if __name__ == "__main__":
    main(*sys.argv[1:])

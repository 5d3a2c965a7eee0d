"""The per-paper target rules (``snakemake imagene2019 cecil2023`` / ``evoaug2023``) together build
every job of the whole run (but ``all`` and ``scorecard``), and EvoAug shares no job with the
population-genetics papers: the default run can be built, and timed, in two parts."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from conftest import REPO

from genomic_dl.resources import TARGET_RULES

PAPER_RULES = set(TARGET_RULES) - {"all"}


def dag_jobs(*targets: str) -> Counter:
    """Jobs per rule of a dry run of the default preset (Snakemake's "Job stats" table)."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", *targets, "--quiet", "rules"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    counts: Counter = Counter()
    table = result.stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    for line in table.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].isdigit():
            counts[fields[0]] = int(fields[1])
    return counts


def test_paper_targets_partition_the_default_run():
    whole = dag_jobs()
    popgen = dag_jobs("imagene2019", "cecil2023")
    evoaug = dag_jobs("evoaug2023")
    for rule in PAPER_RULES:
        popgen.pop(rule, None)
        evoaug.pop(rule, None)
    assert whole.pop("all") == 1 and whole.pop("scorecard") == 1
    assert popgen["imagene_fig3_train"] > 0 and popgen["cecil2023_interpret"] > 0
    assert evoaug["evoaug_train_augmented"] > 0
    assert not set(popgen) & set(evoaug), set(popgen) & set(evoaug)
    assert popgen + evoaug == whole

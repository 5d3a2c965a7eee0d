"""The full-size dress rehearsal (benchmarks/paper_scale/rehearsal.py) at a tiny size: every job
type of the paper preset runs in its own process and gets a row with positive times and memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "paper_scale" / "rehearsal.py"
#: Every rule type the rehearsal must cover (the issue's list).
RULES = {
    "simulate_msprime",
    "imagene_images",
    "imagene_fig3_train",
    "imagene_multiclass_train",
    "cecil2023_statistics",
    "cecil2023_images",
    "evoaug_data",
    "evoaug_train_standard",
    "evoaug_train_augmented",
    "evoaug_interp_filters",
    "evoaug_interp_tomtom",
    "evoaug_interp_attribution",
}


def test_a_tiny_rehearsal_measures_every_job_type(tmp_path):
    # numba's Tomtom cache where the workflow keeps it (Snakefile), so only the first run compiles
    env = {**os.environ, "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--scale", "0.001", "--steps", "2", "--shared-cores", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    record = json.loads((tmp_path / "paper_scale_rehearsal.json").read_text())
    rows = record["jobs"]
    assert RULES <= {row["rule"] for row in rows}
    for row in rows:
        assert row["status"] == "ok", row
        if row["rule"] in RULES and row["rule"] != "evoaug_data":  # evoaug_data only links a file
            assert row["measured_wall_s"] > 0 and row["measured_cpu_s"] > 0, row
            assert row["job_wall_s"] >= row["measured_wall_s"] * 0.99, row
        assert row["peak_rss_mb"] > 0, row
    by_job = {row["job"]: row for row in rows}
    # batches and epochs are extrapolated, with their factor
    assert by_job["imagene_fig5_train"]["extrapolated"] == "yes"
    assert by_job["imagene_fig5_train"]["factor"] == 49
    assert by_job["evoaug_train_augmented"]["details"]["finetune"]["step"][0] > 0
    assert by_job["cecil2023_simulation"]["factor"] == 10
    # provenance stamp and the markdown table
    provenance = record["provenance"]
    assert provenance["preset"] == "config/presets/paper.yaml" and provenance["scale"] == 0.001
    assert provenance["machine"]["cores"] >= 1 and provenance["machine"]["cores_shared"] is True  # as stated
    assert "| simulate_S0 | simulate_msprime |" in result.stdout
    assert (tmp_path / "paper_scale_rehearsal.csv").read_text().startswith("job,rule,what,size,wall_s")
    assert not list(tmp_path.glob("rehearsal_scratch_*")), "scratch data left behind"

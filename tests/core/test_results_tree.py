"""genomic_dl.results_tree: one results tree per preset, guarded by the config snapshot in it."""

import subprocess
import sys

import pytest
import yaml
from conftest import REPO, load_preset

from genomic_dl.config import ConfigError
from genomic_dl.results_tree import check_owner, record_config, snapshot_path


def test_a_new_tree_belongs_to_whoever_runs_first(tmp_path):
    config = load_preset("smoke")
    check_owner(config, "config/presets/smoke.yaml", tmp_path)  # nothing recorded yet
    path = record_config(config, tmp_path)
    assert path == snapshot_path(config, tmp_path) == tmp_path / "results/smoke/config.yaml"
    assert yaml.safe_load(path.read_text()) == config
    check_owner(config, "config/presets/smoke.yaml", tmp_path)  # its own tree again


def test_another_presets_tree_is_refused_naming_both_presets_and_the_file(tmp_path):
    record_config(load_preset("default"), tmp_path)
    custom = {**load_preset("smoke"), "preset": "custom", "results_dir": "results/default"}
    with pytest.raises(ConfigError) as error:
        check_owner(custom, "my_config.yaml", tmp_path)
    message = str(error.value)
    assert "results_dir 'results/default' (set in my_config.yaml)" in message
    assert "preset 'default'" in message and "preset 'custom'" in message
    assert "results_dir: results/custom" in message and len(message.splitlines()) <= 3


def test_snakemake_stops_before_any_job_when_a_copied_preset_keeps_the_tree(tmp_path):
    """A copy of the smoke preset renamed `custom` that still writes to results/smoke."""
    record_config(load_preset("smoke"), tmp_path)
    before = sorted(tmp_path.rglob("*"))
    custom = tmp_path / "custom.yaml"
    custom.write_text((REPO / "config/presets/smoke.yaml").read_text().replace("preset: smoke", "preset: custom"))
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--directory", str(tmp_path), "--configfile", str(custom)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "holds the results of preset 'smoke'" in output and str(custom) in output
    assert sorted(tmp_path.rglob("*")) == sorted([*before, custom])  # nothing written

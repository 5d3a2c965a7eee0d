"""The JSON schema accepts every preset and stops bad configs before any job, naming the key
(genomic_dl.config.check_config, which the Snakefile calls instead of Snakemake's validate)."""

import subprocess
import sys

import pytest
import yaml
from conftest import PRESETS, REPO, load_preset

from genomic_dl.config import ConfigError, check_config

SCHEMA = str(REPO / "workflow" / "schemas" / "config.schema.yaml")


@pytest.mark.parametrize("preset", PRESETS)
def test_presets_are_valid(preset):
    config = load_preset(preset)
    check_config(config, SCHEMA)
    assert config["preset"] == preset


def training_precisions(config: dict) -> dict[str, str]:
    """``{section path: precision}`` of every training section of a merged config."""
    found = {}
    for paper in ("imagene", "cecil2023", "evoaug"):
        for section in ("training", "finetuning"):
            if "precision" in config[paper].get(section, {}):
                found[f"{paper}.{section}"] = config[paper][section]["precision"]
    return found


def test_the_paper_preset_trains_in_the_papers_precision():
    """bf16 is the default preset's speed choice; the paper preset must not inherit it."""
    default, paper = training_precisions(load_preset("default")), training_precisions(load_preset("paper"))
    assert {"imagene.training", "cecil2023.training", "evoaug.training"} <= set(paper)
    assert set(paper.values()) == {"fp32"}, paper
    assert default["imagene.training"] == default["cecil2023.training"] == "bf16"


def check_rejected(config, *fragments):
    with pytest.raises(ConfigError) as error:
        check_config(config, SCHEMA)
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message


def test_unknown_key_is_rejected_by_name():
    config = load_preset("default")
    config["imagene"]["fig3"]["sortings_typo"] = ["rows"]
    check_rejected(config, "sortings_typo")


def test_wrong_type_is_rejected_with_path():
    config = load_preset("default")
    config["simulation"]["replicates_per_shard"] = "many"
    check_rejected(config, "replicates_per_shard = 'many'", "of type integer")


def test_out_of_range_values_are_rejected():
    config = load_preset("default")
    config["imagene"]["preprocessing"]["min_maf"] = 0.7
    check_rejected(config, "min_maf", "0.7")
    config = load_preset("default")
    config["simulation"]["scenarios"]["three_epoch"]["selection"]["start_frequency"] = 1.5
    check_rejected(config, "start_frequency")
    config = load_preset("default")
    config["imagene"]["fig3"]["sortings"] = ["rows", "diagonal"]
    check_rejected(config, "sortings", "diagonal")


def test_missing_key_is_rejected():
    config = load_preset("default")
    del config["seed"]
    check_rejected(config, "seed = (missing)", "a required key")


def run_dry(tmp_path, override):
    """`snakemake -n` with an override config file; returns the completed process."""
    path = tmp_path / "override.yaml"
    path.write_text(yaml.safe_dump(override))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-n",
            "--cores",
            "1",
            "--configfile",
            str(path),
            "--directory",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_snakemake_stops_before_any_job_on_a_bad_config(tmp_path):
    result = run_dry(tmp_path, {"imagene": {"training": {"batch_size": 0}}})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "imagene.training.batch_size = 0" in output and ">= 1" in output, output[-2000:]
    assert "Job stats" not in output and not (tmp_path / "results").exists()


def test_one_word_typo_is_reported_in_a_few_lines_with_its_file(tmp_path):
    result = run_dry(tmp_path, {"imagene": {"fig3": {"sortingz": ["rows"]}}})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "imagene.fig3.sortingz" in output and "did you mean 'sortings'" in output, output[-2000:]
    assert str(tmp_path / "override.yaml") in output
    assert len(output.splitlines()) <= 25, f"{len(output.splitlines())} lines:\n{output[-3000:]}"


def test_cross_key_check_names_the_key(tmp_path):
    result = run_dry(tmp_path, {"imagene": {"fig3": {"scenario": "atlantis"}}})
    assert result.returncode != 0
    assert "imagene.fig3.scenario" in result.stdout + result.stderr


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_lists_the_fig3_target(tmp_path, preset):
    args = [] if preset == "default" else ["--configfile", str(REPO / "config" / "presets" / f"{preset}.yaml")]
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--directory", str(tmp_path), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    tree = load_preset(preset)["results_dir"]
    assert tree == f"results/{preset}"  # every preset has a results tree of its own
    assert f"{tree}/imagene2019/fig3_sorting_accuracy.pdf" in result.stdout
    seeds = load_preset(preset)["imagene"]["fig3"]["seeds"]
    assert (1 if preset == "smoke" else 5) <= len(seeds) <= 10


def test_snakefile_uses_the_short_checks_not_snakemakes_validate():
    snakefile = (REPO / "Snakefile").read_text()
    assert "validate(" not in snakefile, "snakemake.utils.validate prints the whole schema and config"
    assert snakefile.index("load_config_file(BASE_CONFIG)") < snakefile.index("configfile: BASE_CONFIG")
    assert "check_config(" in snakefile and "workflow.overwrite_configfiles" in snakefile


def test_malformed_base_config_is_named_with_its_line(tmp_path):
    """A copy of the workflow whose config/config.yaml has an unclosed bracket."""
    import shutil

    for name in ("Snakefile", "workflow", "config", "src", "scripts", "envs", "profiles"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    config = tmp_path / "config" / "config.yaml"
    lines = config.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if line.strip().startswith("replicates_per_shard:"))
    lines[number] = lines[number].replace(": ", ": [", 1)
    config.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{config}, line {number + 2}" in output and "malformed YAML" in output, output[-2000:]
    assert "not valid JSON or YAML" not in output

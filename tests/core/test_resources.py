"""Cluster resources: every rule has a size model; requests grow with size and with attempt."""

import copy
import json
import re

import pytest
from conftest import REPO, load_preset

from genomic_dl.resources import SAFETY, STARTUP_S, TARGET_RULES, ResourcePlan

RULE_FILES = sorted((REPO / "workflow" / "rules").glob("*.smk"))
LOCAL_RULES = set(TARGET_RULES)  # run on the submitting host, do no work


def rule_blocks() -> dict[str, str]:
    """{rule name: its text} of every `rule X:` and `use rule ... as X with:` in the workflow."""
    blocks = {}
    for path in [*RULE_FILES, REPO / "Snakefile"]:
        text = path.read_text()
        heads = list(re.finditer(r"^(?:rule (\w+):|use rule \w+ as (\w+) with:)", text, re.MULTILINE))
        for head, following in zip(heads, [*heads[1:], None]):
            blocks[head[1] or head[2]] = text[head.start() : following.start() if following else len(text)]
    return blocks


BLOCKS = rule_blocks()


def test_the_workflow_has_its_sixty_rules():
    assert len(BLOCKS) >= 55


@pytest.mark.parametrize("rule", sorted(set(BLOCKS) - LOCAL_RULES))
def test_every_rule_asks_for_its_own_sized_resources(rule):
    block = BLOCKS[rule]
    assert f'mem_mb=RES.mem("{rule}")' in block, f"rule {rule}: no resources: mem_mb=RES.mem({rule!r})"
    assert f'runtime=RES.runtime("{rule}")' in block, f"rule {rule}: no resources: runtime=RES.runtime({rule!r})"


WILDCARDS = {
    "scenario": "three_epoch",
    "dataset": "single_s01",
    "width": "zero_pad",
    "experiment": "fig4",
    "size": "500",
}


@pytest.mark.parametrize("preset", ["smoke", "default", "paper"])
def test_every_rule_has_a_model_in_every_preset(preset):
    plan = ResourcePlan(load_preset(preset))
    for rule in BLOCKS:
        for wildcards in (WILDCARDS, {**WILDCARDS, "dataset": "chip_CTCF"}, {}):
            assert plan.mem_mb(rule, wildcards) >= 100
            assert plan.runtime_min(rule, wildcards) >= 1


def test_unknown_rule_is_an_error():
    with pytest.raises(KeyError, match="no resource model for rule 'typo'"):
        ResourcePlan(load_preset("smoke")).mem("typo")


def with_config(change) -> ResourcePlan:
    config = copy.deepcopy(load_preset("default"))
    change(config)
    return ResourcePlan(config)


def test_requests_grow_with_attempt():
    plan = ResourcePlan(load_preset("paper"))
    for rule in ("simulate_msprime", "imagene_fig3_train", "cecil2023_train_cnns", "evoaug_train_augmented"):
        mem, runtime = plan.mem(rule), plan.runtime(rule)
        assert mem(WILDCARDS, 2) == 2 * mem(WILDCARDS, 1) and mem(WILDCARDS, 3) == 3 * mem(WILDCARDS, 1)
        assert runtime(WILDCARDS, 3) == 3 * runtime(WILDCARDS, 1)


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("simulate_msprime", lambda c: c["simulation"].update(replicates_per_shard=20_000)),
        ("simulate_slim", lambda c: c["simulation"].update(replicates_per_shard=20_000)),
        ("imagene_images", lambda c: c["simulation"].update(replicates_per_shard=200_000)),
        ("imagene_fig3_train", lambda c: c["imagene"]["fig3"].update(train_shards=40)),
        ("imagene_fig3_evaluate", lambda c: c["imagene"]["fig3"].update(test_shards=40)),
        ("imagene_fig3_train", lambda c: c["imagene"]["preprocessing"].update(image_size=[256, 256])),
        ("imagene_multiclass_train", lambda c: c["imagene"]["fig4"].update(train_shards=40)),
        ("cecil2023_statistics", lambda c: c["cecil2023"]["datasets"]["single_s01"].update(shards=50)),
        ("cecil2023_images", lambda c: c["cecil2023"]["datasets"]["single_s01"].update(shards=50)),
        ("cecil2023_train_cnns", lambda c: c["cecil2023"]["training"].update(epochs=20)),
        ("cecil2023_train_cnns", lambda c: c["cecil2023"]["training"].update(restarts=40)),
        ("cecil2023_train_deepset", lambda c: c["cecil2023"]["datasets"]["single_s01"].update(shards=50)),
        ("evoaug_train_standard", lambda c: c["evoaug"]["training"].update(max_epochs=150)),
        ("evoaug_train_augmented", lambda c: c["evoaug"]["finetuning"].update(max_epochs=150)),
    ],
)
def test_runtime_grows_with_the_size_parameters(rule, change):
    small, large = ResourcePlan(load_preset("default")), with_config(change)
    wildcards = {"dataset": "basset", "seed": "1"} if rule.startswith("evoaug") else WILDCARDS
    assert large.runtime_min(rule, wildcards) > small.runtime_min(rule, wildcards)


def test_memory_grows_with_the_shard_size():
    small = ResourcePlan(load_preset("default"))
    large = with_config(lambda c: c["simulation"].update(replicates_per_shard=50_000))
    for rule in ("simulate_msprime", "imagene_images", "cecil2023_train_cnns"):
        assert large.mem_mb(rule, WILDCARDS) > small.mem_mb(rule, WILDCARDS)


def test_cecil_training_follows_its_strategy_and_subset():
    plan = ResourcePlan(load_preset("paper"))
    w = {"dataset": "single_s01", "width": "resize", "sorting": "rows"}
    fixed, early = (
        plan.runtime_min("cecil2023_train_cnns", {**w, "training": t}) for t in ("fixed_epochs", "early_stopping")
    )
    assert early > fixed  # up to max_epochs instead of the paper's 2
    small, large = (plan.runtime_min("cecil2023_train_cnns", {**w, "training": f"n{n}"}) for n in (1000, 50000))
    assert large > small


def test_downsampled_evoaug_training_scales_with_its_size():
    plan = ResourcePlan(load_preset("paper"))
    sizes = [plan.runtime_min("evoaug_downsample_augmented", {"dataset": "chip_CTCF", "size": n}) for n in (500, 20000)]
    assert sizes[1] > sizes[0]


def test_paper_preset_requests_cover_the_measured_times():
    """Measured on a paper-scale run: msprime 75 s and ~1 GB per 5,000-replicate shard, ImaGene
    images 7 s per shard, SLiM ~50 s per replicate, imagene_fig3_train 70 s (GPU)."""
    plan = ResourcePlan(load_preset("paper"))
    assert plan.runtime_min("simulate_msprime", WILDCARDS) * 60 >= 75
    assert plan.mem_mb("simulate_msprime", WILDCARDS) >= 1000
    assert plan.runtime_min("imagene_images", WILDCARDS) * 60 >= 7
    assert plan.runtime_min("simulate_slim", {"scenario": "gravel_ceu_sweep"}) * 60 >= 50 * 5000
    assert plan.runtime_min("imagene_fig3_train", WILDCARDS) * 60 >= 300  # the ~5 min CPU estimate
    # ... and stay within a day for the single-CPU jobs that dominate the paper run
    assert plan.runtime_min("imagene_fig3_train", WILDCARDS) <= 24 * 60


REHEARSAL = REPO / "benchmarks" / "results" / "paper_scale_rehearsal.json"


def rehearsed_jobs() -> list[dict]:
    """Workflow jobs of the full-size rehearsal (benchmarks/paper_scale/rehearsal.py) with their
    wildcards, whole-job wall time and peak RSS."""
    record = json.loads(REHEARSAL.read_text())
    assert record["provenance"]["scale"] == 1.0, "the committed rehearsal must be the full-size run"
    return [row for row in record["jobs"] if row.get("wildcards") is not None and row["status"] == "ok"]


@pytest.mark.parametrize("row", rehearsed_jobs(), ids=lambda row: row["job"])
def test_paper_preset_size_models_cover_the_full_size_rehearsal(row):
    """The size model (before SAFETY) of every rehearsed job is at least what the rehearsal
    measured, so the request (SAFETY x that + STARTUP) keeps its headroom; lowering a rate below
    the measurement fails here."""
    plan = ResourcePlan(load_preset("paper"))
    rule, wildcards = row["rule"], row["wildcards"]
    size = plan.size(rule, wildcards)
    measured_s = max(row["job_wall_s"], row["job_cpu_s"])
    assert size.mem_mb >= row["peak_rss_mb"], f"{row['job']}: model {size.mem_mb:.0f} MB < {row['peak_rss_mb']} MB"
    assert size.seconds >= measured_s, f"{row['job']}: model {size.seconds:.0f} s < {measured_s} s"
    assert plan.mem_mb(rule, wildcards) >= SAFETY * row["peak_rss_mb"] * 0.99
    assert plan.runtime_min(rule, wildcards) * 60 >= SAFETY * measured_s + STARTUP_S

"""Every rule name that README.md and the profiles mention exists in the workflow."""

import re

import pytest
import yaml
from conftest import REPO

RULE_PREFIXES = ("imagene", "cecil2023", "evoaug", "simulate")
PREFIX = "|".join(RULE_PREFIXES)
MENTION = re.compile(rf"(?<![/A-Za-z0-9_.])((?:{PREFIX})_[A-Za-z0-9_]+)(?![A-Za-z0-9_]*\.\w)")
DOCUMENTS = ["README.md", "profiles/slurm/config.yaml", "profiles/default/config.yaml"]


def workflow_rules() -> set[str]:
    names = set()
    for path in [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]:
        text = path.read_text()
        names |= set(re.findall(r"^rule (\w+):", text, re.MULTILINE))
        names |= set(re.findall(r"^use rule \w+ as (\w+) with:", text, re.MULTILINE))
    return names


def config_keys() -> set[str]:
    """Top-level config keys look like rule names (evoaug_interpretation) but are not mentions."""
    return set(yaml.safe_load((REPO / "config" / "config.yaml").read_text()))


RULES = workflow_rules()


def test_the_mention_pattern():
    found = MENTION.findall("rules `imagene_fig3_train`, cecil2023_train; scripts/evoaug2023/train.py evoaug_x.smk")
    assert found == ["imagene_fig3_train", "cecil2023_train"]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_rule_mentioned_exists(document):
    text = (REPO / document).read_text()
    mentioned = set(MENTION.findall(text)) - config_keys()
    if document != "profiles/default/config.yaml":
        assert mentioned, f"{document}: no rule mentioned (pattern broken?)"
    unknown = sorted(mentioned - RULES)
    assert not unknown, f"{document} names rules that do not exist: {unknown}"


@pytest.mark.parametrize("section", ["set-resources", "set-threads", "groups"])
def test_profile_sections_name_real_rules(section):
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    unknown = sorted(set(profile.get(section) or {}) - RULES)
    assert not unknown, f"profiles/slurm: {section} names rules that do not exist: {unknown}"

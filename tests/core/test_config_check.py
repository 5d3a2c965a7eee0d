"""Config checks report briefly: key path, value, expectation and source file; malformed YAML by line."""

import pytest
import yaml
from conftest import REPO, load_preset

from genomic_dl.config import MAX_ERRORS, ConfigError, check_config, config_sources, load_config_file

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
BASE = REPO / "config" / "config.yaml"
SMOKE = REPO / "config" / "presets" / "smoke.yaml"


def rejected(config, sources=(BASE,)) -> str:
    with pytest.raises(ConfigError) as error:
        check_config(config, SCHEMA, list(sources))
    message = str(error.value)
    assert len(message.splitlines()) <= 20, message
    return message


@pytest.mark.parametrize("preset", ["smoke", "default", "paper"])
def test_presets_pass(preset):
    check_config(load_preset(preset), SCHEMA, [BASE])


def test_one_word_typo_is_a_few_lines_naming_key_value_suggestion_and_file(tmp_path):
    override = tmp_path / "mine.yaml"
    override.write_text("imagene:\n  fig3:\n    sortingz: [rows]\n")
    config = load_preset("default")
    config["imagene"]["fig3"]["sortingz"] = ["rows"]
    message = rejected(config, config_sources([BASE], [override]))
    assert len(message.splitlines()) <= 5, message
    assert "imagene.fig3.sortingz" in message
    assert "did you mean 'sortings'" in message
    assert str(override) in message
    assert "$defs" not in message and "replicates_per_shard" not in message  # no schema, no config dump


def test_wrong_type_names_value_expectation_and_the_preset_that_sets_it(tmp_path):
    config = load_preset("smoke")
    config["simulation"]["replicates_per_shard"] = "many"
    preset = tmp_path / "smoke.yaml"
    data = yaml.safe_load(SMOKE.read_text())
    data["simulation"]["replicates_per_shard"] = "many"
    preset.write_text(yaml.safe_dump(data))
    message = rejected(config, [BASE, preset])
    assert "simulation.replicates_per_shard = 'many'" in message
    assert "of type integer" in message
    assert f"in {preset}" in message


def test_value_only_in_the_base_config_is_attributed_to_it(tmp_path):
    config = load_preset("default")
    config["imagene"]["preprocessing"]["min_maf"] = 0.7
    empty = tmp_path / "empty.yaml"
    empty.write_text("preset: custom\n")
    message = rejected(config, [BASE, empty])
    assert "imagene.preprocessing.min_maf = 0.7" in message and "<= 0.5" in message
    assert f"in {BASE}" in message


def test_enum_and_missing_keys():
    config = load_preset("default")
    config["imagene"]["fig3"]["sortings"] = ["rows", "diagonal"]
    del config["seed"]
    message = rejected(config)
    assert "imagene.fig3.sortings[1] = 'diagonal'" in message and "one of" in message
    assert "seed = (missing)" in message and "a required key" in message


def test_many_errors_are_capped():
    config = load_preset("default")
    for k in range(30):
        config[f"typo{k}"] = k
    message = rejected(config)
    assert message.count("unknown key") == MAX_ERRORS
    assert f"and {30 - MAX_ERRORS} more" in message


def test_malformed_yaml_names_file_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("seed: 1\nsimulation:\n  replicates_per_shard: [1, 2\n  other: 3\n")
    with pytest.raises(ConfigError) as error:
        load_config_file(path)
    message = str(error.value)
    assert str(path) in message and "line " in message and "malformed YAML" in message
    assert len(message.splitlines()) <= 6


def test_tab_indentation_is_located(tmp_path):
    path = tmp_path / "tabs.yaml"
    path.write_text("imagene:\n\tfig3: 1\n")
    with pytest.raises(ConfigError, match=r"tabs\.yaml, line 2, column 1"):
        load_config_file(path)


def test_top_level_must_be_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config_file(path)


def test_sources_keep_merge_order_without_repeats(tmp_path):
    other = tmp_path / "o.yaml"
    assert config_sources([BASE], [BASE, other]) == [BASE, other]


def test_alternative_forms_are_all_named():
    config = load_preset("default")
    config["evoaug"]["data"]["zenodo"]["files"]["basset"]["md5"] = "abc"
    message = rejected(config)
    assert "evoaug.data.zenodo.files.basset.md5 = 'abc'" in message
    assert "matching '^[0-9a-f]{32}$' or of type null" in message

# Cecil & Sugden (2023): settings, config cross-checks and input functions shared by the
# rule files of this paper.

CECIL = config["cecil2023"]
for _key in ("three_population_scenario", "single_population_scenario"):
    if CECIL["figF_sfs"][_key] not in SCENARIOS:
        config_error(
            f"cecil2023.figF_sfs.{_key}",
            f"'{CECIL['figF_sfs'][_key]}' is not one of simulation.scenarios {sorted(SCENARIOS)}",
        )

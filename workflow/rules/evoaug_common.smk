# EvoAug (Lee et al. 2023): settings, config cross-checks and input functions.

EVOAUG = config["evoaug"]

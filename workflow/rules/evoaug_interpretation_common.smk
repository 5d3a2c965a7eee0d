# EvoAug (Lee et al. 2023) interpretation: settings and input functions.

EVOAUG_INTERPRETATION = config["evoaug_interpretation"]

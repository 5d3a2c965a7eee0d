# EvoAug (Lee et al. 2023) interpretation: Figs 1c, 1d and S6.

EVOAUG_INTERPRETATION_FIGURES = []

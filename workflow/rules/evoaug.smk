# EvoAug (Lee et al. 2023): data, training, performance figures.

EVOAUG_FIGURES = []

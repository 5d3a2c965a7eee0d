"""EvoAug (Lee et al. 2023): evolution-inspired augmentations and the two-stage training of genomic CNNs."""

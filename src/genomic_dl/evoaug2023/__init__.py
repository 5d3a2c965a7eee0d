"""EvoAug (Lee et al. 2023): evolution-inspired augmentations, the two-stage training of genomic
CNNs, their interpretation (filters, Tomtom, variant effects, attribution) and the figures."""

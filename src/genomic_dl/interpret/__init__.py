"""Model interpretation for the EvoAug analyses: filter motifs, Tomtom, variant effects, attributions."""

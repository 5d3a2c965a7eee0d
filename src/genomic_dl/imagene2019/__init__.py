"""ImaGene (Torada et al. 2019): binary and multiclass CNNs on haplotype images, label
distributions and posteriors, the prediction command and Figs 1-6."""

"""Class labels, label distributions and posterior summaries for ImaGene-style quantification."""

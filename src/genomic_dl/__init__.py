"""Library code of the genomic deep-learning reproducibility workflow.

Subpackages:
    popgen  -- population-genetic simulation and haplotype-image preprocessing
    nn      -- PyTorch models and the shared trainer
    figures -- figure and table rendering
"""

__version__ = "0.1.0"

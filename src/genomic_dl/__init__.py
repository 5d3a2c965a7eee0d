"""Library code of the genomic deep-learning reproducibility workflow.

A small shared core and one package per paper:

    io, seeds, runlog, download, scorecard -- workflow infrastructure
    nn          -- device, the one shared trainer and checkpoint format, the ImaGene-style CNN
    popgen      -- simulation engines, demography, trajectories, images, encodings, VCF/ms readers
    imagene2019 -- Torada et al. 2019
    cecil2023   -- Cecil & Sugden 2023
    evoaug2023  -- Lee et al. 2023 (EvoAug)

Paper packages import the core, never each other; the core never imports a paper package.
"""

__version__ = "0.1.0"

"""PyTorch pieces shared by the papers.

    device  -- device selection, thread count and seeding
    trainer -- the generic training loop, prediction and the one checkpoint format
    imagene -- the ImaGene-style CNN (Torada et al. 2019), also Cecil & Sugden's conv family

The paper-specific networks live in their packages (cecil2023.models, evoaug2023.models).
"""

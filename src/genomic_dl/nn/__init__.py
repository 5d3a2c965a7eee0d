"""PyTorch models and the shared trainer.

Modules (among others):
    device  -- device selection, thread count and seeding
    trainer -- the generic training loop, prediction and checkpoints
    imagene -- the ImaGene CNN (Torada et al. 2019)
"""

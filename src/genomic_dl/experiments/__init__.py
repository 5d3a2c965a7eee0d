"""Paper-specific experiments built from the generic popgen / nn pieces."""

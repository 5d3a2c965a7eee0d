"""Command-line entry points (``python -m genomic_dl.cli.<name>``)."""

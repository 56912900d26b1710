"""Sekisho: export-control and supply-chain security checkpoints."""

__version__ = "0.1.0"

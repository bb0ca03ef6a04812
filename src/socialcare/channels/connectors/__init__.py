"""Connectors: one folder per platform, registered explicitly in ``registry.py``."""

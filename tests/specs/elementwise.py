"""Spec rows: elementwise primitives."""
SPECS: list = []

"""Spec rows: shape primitives."""
SPECS: list = []

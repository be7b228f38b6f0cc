"""Spec rows: reductions primitives."""
SPECS: list = []

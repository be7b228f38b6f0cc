"""Spec rows: linalg primitives."""
SPECS: list = []

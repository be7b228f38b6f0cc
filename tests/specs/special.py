"""Spec rows: special primitives."""
SPECS: list = []

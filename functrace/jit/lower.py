"""Lowering a simplified :class:`~functrace.jit.program.Program` to something callable.

This layer emits the whole program as generated Python calling each
primitive's numpy implementation directly (see :mod:`functrace.jit.pycode`).
"""
from __future__ import annotations

from typing import Any, Callable

from .program import Program, format_items
from .pycode import python_function


class Lowered:
    """A compiled path: ``run(*input values)`` -> tuple of output values."""

    def __init__(self, program: Program, run: Callable, items: list, notes: dict):
        self.program = program
        self.run = run
        self.items = items
        self.notes = notes

    def describe(self) -> str:
        return format_items(self.program, self.items, self.notes)


def compile_program(program: Program, fastmath: bool = False) -> Lowered:
    run = python_function(program)
    return Lowered(program, run, program.items, {})

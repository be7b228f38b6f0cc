"""The user's source line of an equation: the first frame outside functrace.

>>> src = capture()       # called from here (a doctest): the doctest's frame
>>> src.line > 0, src.function
(True, '<module>')
"""
from __future__ import annotations

import linecache
import os
import sys
from typing import Optional

import numpy as np

_FUNCTRACE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__)) + os.sep
# Frames of functrace and of numpy (np.mean(tracer) passes through numpy's Python
# code), and of the code functrace generates (kernels, ft.jit programs), are skipped.
_SKIPPED = (_FUNCTRACE_DIR, _NUMPY_DIR, "<functrace")


class Source:
    """Where an equation was bound: ``file``, ``line``, ``function``; ``via`` names
    the rule that bound it when a derivative rule did (an equation of a backward
    pass recorded for a higher derivative), whose own equation is at this line."""

    __slots__ = ("file", "line", "function", "via")

    def __init__(self, file: str, line: int, function: str, via: Optional[str] = None):
        self.file = file
        self.line = line
        self.function = function
        self.via = via

    def code(self) -> str:
        """The text of the line (stripped), or ``""`` if the file cannot be read."""
        return linecache.getline(self.file, self.line).strip()

    def short(self) -> str:
        """``file.py:12`` (the file's base name)."""
        return f"{os.path.basename(self.file)}:{self.line}"

    def with_via(self, via: str) -> "Source":
        return Source(self.file, self.line, self.function, via)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line} in {self.function}"
        return where if self.via is None else f"{where} ({self.via})"

    def __repr__(self) -> str:
        return f"Source({self.short()} in {self.function})"


def capture() -> Optional[Source]:
    """The innermost frame of the current stack outside functrace and numpy."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith(_SKIPPED):
            return Source(name, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None


def describe(source: Optional[Source], indent: str = "  ") -> str:
    """Lines ``at file:line in function`` and the code, for error messages."""
    if source is None:
        return (f"{indent}(no source line was recorded for it: switch debugging on before "
                "the forward pass runs)")
    text = f"{indent}at {source}"
    code = source.code()
    return f"{text}\n{indent}    {code}" if code else text

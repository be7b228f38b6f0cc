"""Type checkers see functrace's public API: mypy on a typed user program, on examples/,
and on every public name of ``functrace`` and ``functrace.numpy``.

The lazily loaded names (``ft.tensor``, ``ft.nn``, ...) are declared for type
checkers under ``TYPE_CHECKING`` in ``functrace/__init__.py``; that must not import
them at run time. Its module ``__getattr__`` is hidden from type checkers, so that
they reject an unknown name (``ft.gard``) as Python does. mypy's settings are ``[tool.mypy]`` in pyproject.toml.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import functrace
import functrace.numpy as fnp

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("mypy", reason="mypy is in the test extra")

# helpers functrace.numpy uses itself; not numpy names, so not exported
FNP_INTERNAL = {"install_array_methods", "normalize_axes"}


def _public(module: object) -> list:
    names = getattr(module, "__all__", None) or dir(module)
    return sorted(n for n in names if not n.startswith("_"))


def _every_name_program() -> str:
    lines = ["import functrace as ft", "import functrace.numpy as fnp", ""]
    lines += [f"ft.{name}" for name in _public(functrace)]
    lines += ["ft.dask",                                  # lazy, not in __all__ (needs Dask)
              "ft.gard  # type: ignore[attr-defined]"]    # unused (an error) if accepted
    numpy_names = [n for n in dir(fnp) if not n.startswith("_") and n not in FNP_INTERNAL
                   and getattr(getattr(fnp, n), "__module__", "").startswith("functrace.numpy")]
    lines += [f"fnp.{name}" for name in numpy_names]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_mypy_accepts_user_code_examples_and_every_public_name(tmp_path):
    every = tmp_path / "every_public_name.py"
    every.write_text(_every_name_program())
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(tmp_path / "mypy-cache"), str(ROOT / "tests" / "typing"),
         str(ROOT / "examples"), str(every)],
        cwd=ROOT, capture_output=True, text=True, timeout=500)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout


def test_typed_user_program_runs():
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "typing" / "user_program.py")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_type_checking_declarations_import_nothing_at_run_time():
    code = ("import sys, functrace\n"
            "loaded = [m for m in ('functrace.tensors', 'functrace.nn', 'functrace.optim',"
            " 'functrace.serialization', 'functrace.viz', 'numba', 'scipy') if m in sys.modules]\n"
            "assert not loaded, loaded\n"
            "import functrace as ft\n"
            "import functrace.tensors as T\nassert ft.float is T.float32 and ft.int is T.int32 and ft.bool is T.bool_\n"
            "assert ft.cfloat is ft.complex64\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr

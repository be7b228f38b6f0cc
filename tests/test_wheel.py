"""The built wheel installs into a fresh venv and works outside the checkout.

Builds the wheel the way a user's ``pip install .`` does (isolated build), creates
a venv with no system site-packages, installs the wheel (numpy and numba resolve
from pip's cache when it has them), and runs a small program from a temporary
directory: the functional API, the Tensor facade, and a gradient large enough to
go through a compiled Numba kernel. Slow (about half a minute); deselect with
``-m "not slow"``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = r'''
import sys
import numpy as np
import functrace as ft
import functrace.numpy as fnp
import functrace.kernels as K

assert "site-packages" in ft.__file__, ft.__file__
assert ft.grad(lambda x: fnp.sum(x ** 2))(np.array([1.0, 2.0])).tolist() == [2.0, 4.0]

w = ft.tensor([2.0, 3.0], requires_grad=True)
(w * w).sum().backward()
assert w.grad.tolist() == [4.0, 6.0]
net = ft.nn.Linear(3, 1)
ft.optim.SGD(net.parameters(), lr=0.1).zero_grad()

x = np.linspace(-1.0, 1.0, 1 << 17)                 # 131072 elements: kernel-sized
before = K.kernel_calls()
g = ft.grad(lambda v: fnp.sum(fnp.tanh(fnp.sin(v) * 2.0)))(x)
assert K.kernel_calls() > before, "the Numba kernel did not run"
expected = (1 - np.tanh(np.sin(x) * 2.0) ** 2) * 2.0 * np.cos(x)
assert np.allclose(g, expected), float(np.abs(g - expected).max())
print("wheel ok", ft.__version__)
'''


def _run(*cmd: str, cwd: Path, env: dict | None = None) -> str:
    proc = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, timeout=540,
                          env=env)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
         str(ROOT), cwd=tmp_path)
    (wheel,) = wheels.glob("functrace-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "functrace/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith("tests/") for n in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(env_dir)
    python = str(env_dir / "bin" / "python")
    # the test venv's pip installs into the fresh one (pip --python): no ensurepip run
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", str(wheel),
         cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["FUNCTRACE_CACHE_DIR"] = str(tmp_path / "kernel-cache")
    (tmp_path / "program.py").write_text(PROGRAM)
    out = _run(python, "-I", "program.py", cwd=tmp_path, env=env)
    assert "wheel ok" in out

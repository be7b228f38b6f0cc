"""Process-level behaviour of the kernels: lazy Numba import, the env switch,
the on-disk cache and no cache directory (each in a fresh process). The trust
rules of the cache directory: tests/test_kernels_cache_security.py."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import functrace.kernels as K

PROBE = r"""
import json, sys
import numpy as np
import functrace, functrace.numpy as fnp, functrace.kernels as K
after_import = "numba" in sys.modules
g = functrace.grad(lambda x: fnp.sum(fnp.tanh(x) * x))(np.linspace(-1, 1, 100_000))
expected = np.tanh(np.linspace(-1, 1, 100_000))
expected = expected + np.linspace(-1, 1, 100_000) * (1 - expected ** 2)
print(json.dumps({"numba_on_import": after_import, "numba_after": "numba" in sys.modules,
                  "enabled": K.is_enabled(), "calls": K.kernel_calls(),
                  "ok": bool(np.allclose(g, expected, rtol=1e-12)),
                  "cache_dir": str(K.cache_dir()), "disk": K.disk_cache_stats()
                  if K.compiled_count() else None}))
"""


def probe(**env: str) -> dict:
    full = dict(os.environ, **env)
    proc = subprocess.run([sys.executable, "-c", PROBE], env=full, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_env_switch_off_never_imports_numba(tmp_path):
    out = probe(FUNCTRACE_NUMBA="0", FUNCTRACE_CACHE_DIR=str(tmp_path))
    assert out == {**out, "numba_on_import": False, "numba_after": False, "enabled": False,
                   "calls": 0, "ok": True}


@pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")
def test_lazy_import_and_disk_cache(tmp_path):
    first = probe(FUNCTRACE_CACHE_DIR=str(tmp_path))
    assert not first["numba_on_import"] and first["numba_after"]
    assert first["ok"] and first["calls"] == 1
    assert first["cache_dir"] == str(tmp_path / "kernels")
    assert list((tmp_path / "kernels").glob("functrace_fused_*.py"))
    second = probe(FUNCTRACE_CACHE_DIR=str(tmp_path))
    assert second["ok"] and second["disk"] == {"hits": 1, "misses": 0, "in_memory": 0}


@pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")
def test_no_trusted_directory_compiles_in_memory(monkeypatch):
    import numpy as np
    import functrace as ft
    import functrace.numpy as fnp
    from functrace.kernels import cache
    monkeypatch.setattr(cache, "kernel_dir", lambda: None)
    x = np.linspace(0.1, 0.9, 30_000)
    before, in_memory = K.kernel_calls(), K.disk_cache_stats()["in_memory"]
    g = ft.grad(lambda x: fnp.sum(fnp.arcsinh(x) * fnp.cbrt(x)))(x)
    assert K.kernel_calls() == before + 1
    assert K.disk_cache_stats()["in_memory"] == in_memory + 1
    expected = np.cbrt(x) / np.sqrt(x * x + 1) + np.arcsinh(x) / (3 * np.cbrt(x) ** 2)
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_small_gradients_do_not_import_the_kernels():
    """A small gradient must not pay for importing the kernels: only their
    policy (standard library only) is imported, with functrace itself."""
    code = ("import sys, numpy as np, functrace as ft\n"
            "ft.grad(lambda x: (x * x).sum())(np.ones(3))\n"
            "loaded = sorted(m for m in sys.modules if m.startswith('functrace.kernels'))\n"
            "assert loaded == ['functrace.kernels', 'functrace.kernels.policy'], loaded\n")
    subprocess.run([sys.executable, "-c", code], check=True)

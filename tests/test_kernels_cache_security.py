"""The kernel cache is read only from a directory that nobody else can write.

Directory rules are checked in this process (cheap); each attack runs end to
end in a fresh process: a planted payload would create a marker file, and the
test asserts that it does not exist and that the gradient is still right.
See the threat model in functrace/kernels/cache.py.
"""
from __future__ import annotations

import importlib.util
import json
import os
import pickle
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import functrace.kernels as K
from functrace.kernels import cache

pytestmark = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX ownership only")
needs_kernels = pytest.mark.skipif(not K.is_enabled(), reason="kernels switched off")
as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                             reason="changing a directory's owner needs root")
OTHER_UID = 54321

PROBE = r"""
import json, warnings
import numpy as np
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import functrace as ft, functrace.numpy as fnp, functrace.kernels as K
    x = np.linspace(-1, 1, 100_000)
    g = ft.grad(lambda x: fnp.sum(fnp.tanh(x) * fnp.exp(x)))(x)
t = np.tanh(x)
expected = (1 - t * t) * np.exp(x) + t * np.exp(x)
print(json.dumps({"ok": bool(np.allclose(g, expected, rtol=1e-12, atol=0)),
                  "calls": K.kernel_calls(), "disk": K.disk_cache_stats(),
                  "cache_dir": None if K.cache_dir() is None else str(K.cache_dir()),
                  "warnings": [str(w.message) for w in caught]}))
"""


def probe(cache_root, umask: int = 0o022, **env) -> dict:
    """Run PROBE in a fresh process with FUNCTRACE_CACHE_DIR=cache_root (None: unset)."""
    full = dict(os.environ, **{k: str(v) for k, v in env.items()})
    full.pop("FUNCTRACE_CACHE_DIR", None)
    if cache_root is not None:
        full["FUNCTRACE_CACHE_DIR"] = str(cache_root)
    proc = subprocess.run([sys.executable, "-c", PROBE], env=full, capture_output=True,
                          text=True, timeout=300, preexec_fn=lambda: os.umask(umask))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["ok"] and out["calls"] == 1, out       # the gradient, by the kernel
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A cache filled by one run (the kernel's source and Numba's entry)."""
    root = tmp_path_factory.mktemp("template") / "cache"
    out = probe(root)
    assert out["disk"] == {"hits": 0, "misses": 1, "in_memory": 0}
    return root


def filled_cache(template: Path, root: Path) -> Path:
    shutil.copytree(template, root)
    return root / "kernels"


class Payload:
    """Unpickling this creates ``marker``."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').close()",)


def plant(kernels: Path, marker: Path) -> None:
    """Turn every cache entry under ``kernels`` into a payload that creates
    ``marker``: Numba's index and data files become pickles that run code, and
    each generated source gets an unchecked hash-based ``.pyc`` (which the
    import system would load without looking at the source)."""
    for entry in [*kernels.rglob("*.nbi"), *kernels.rglob("*.nbc")]:
        entry.write_bytes(pickle.dumps(Payload(marker)))
    payload = kernels.parent / "payload.py"
    payload.write_text(f"open({str(marker)!r}, 'w').close()\n")
    for source in kernels.glob("functrace_fused_*.py"):
        py_compile.compile(str(payload), cfile=importlib.util.cache_from_source(str(source)),
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def assert_refused(out: dict, marker: Path, reason: str) -> None:
    assert not marker.exists(), "a planted payload was executed"
    assert out["cache_dir"] is None and out["disk"]["in_memory"] == 1
    [message] = [w for w in out["warnings"] if "kernel cache" in w]      # exactly one
    assert reason in message and "FUNCTRACE_CACHE_DIR" in message


# -- the directory rules (in this process) ---------------------------------------------

def refusal(monkeypatch, root) -> str:
    monkeypatch.setenv("FUNCTRACE_CACHE_DIR", str(root))
    path, reason = cache._locate()
    return "" if path is not None else reason


def test_creates_private_directories(monkeypatch, tmp_path):
    root = tmp_path / "a" / "b"
    assert refusal(monkeypatch, root) == ""
    for d in (tmp_path / "a", root, root / "kernels"):
        assert (d.stat().st_mode & 0o777) == 0o700
    assert cache.cache_dir() == root / "kernels"


def test_a_readable_kernels_directory_is_made_private(monkeypatch, tmp_path):
    root = tmp_path / "cache"
    (root / "kernels").mkdir(parents=True)
    os.chmod(root, 0o755)
    os.chmod(root / "kernels", 0o755)
    assert refusal(monkeypatch, root) == ""
    assert (root / "kernels").stat().st_mode & 0o777 == 0o700
    assert root.stat().st_mode & 0o777 == 0o755          # the user's own choice


@pytest.mark.parametrize("where, mode, reason", [
    ("root", 0o777, "writable by others"), ("root", 0o770, "writable by its group"),
    ("root", 0o1777, "writable by others"),      # the sticky bit excuses ancestors only
    ("kernels", 0o702, "writable by others"), ("kernels", 0o720, "writable by its group")])
def test_refuses_directories_others_can_write(monkeypatch, tmp_path, where, mode, reason):
    root = tmp_path / "cache"
    (root / "kernels").mkdir(parents=True, mode=0o700)
    os.chmod(root / "kernels" if where == "kernels" else root, mode)
    assert reason in refusal(monkeypatch, root)


def test_ancestors_writable_by_others_only_with_the_sticky_bit(monkeypatch, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)        # anyone could rename shared/cache and put their own there
    assert f"{shared} is writable by others" in refusal(monkeypatch, shared / "cache")
    os.chmod(shared, 0o1777)       # like /tmp: others cannot rename what they do not own
    assert refusal(monkeypatch, shared / "cache") == ""


@as_root
def test_refuses_directories_owned_by_someone_else(monkeypatch, tmp_path):
    root = tmp_path / "cache"
    (root / "kernels").mkdir(parents=True, mode=0o700)
    os.chown(root / "kernels", OTHER_UID, OTHER_UID)
    assert f"owned by uid {OTHER_UID}" in refusal(monkeypatch, root)
    os.chown(root / "kernels", 0, 0)
    parent = tmp_path / "theirs"
    parent.mkdir(mode=0o755)
    os.chown(parent, OTHER_UID, OTHER_UID)       # they could swap anything below
    assert f"owned by uid {OTHER_UID}" in refusal(monkeypatch, parent / "cache")


def test_symlinks_are_judged_by_their_target(monkeypatch, tmp_path):
    target = tmp_path / "real"
    target.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(target)
    assert refusal(monkeypatch, link) == ""
    assert cache.cache_dir() == target / "kernels"          # the real path is used
    os.chmod(target, 0o777)
    assert "writable by others" in refusal(monkeypatch, link)
    os.chmod(target, 0o700)
    (target / "kernels").rmdir()
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    os.chmod(open_dir, 0o777)
    (target / "kernels").symlink_to(open_dir)               # kernels/ itself a link
    assert f"{open_dir} is writable by others" in refusal(monkeypatch, link)


def test_no_location_is_reported_not_raised(monkeypatch):
    assert "cannot create" in refusal(monkeypatch, "/proc/functrace-nowhere/cache")


def test_files_must_be_private_regular_files(tmp_path):
    f = tmp_path / "f"
    assert cache.write_file(f, b"data") and f.read_bytes() == b"data"
    assert (f.stat().st_mode & 0o777) == 0o600 and cache.trusted_file(str(f))
    os.chmod(f, 0o622)
    assert not cache.trusted_file(str(f))
    assert cache.write_file(f, b"data") and cache.trusted_file(str(f))  # replaced
    link = tmp_path / "link"
    link.symlink_to(f)
    assert not cache.trusted_file(str(link))
    assert cache.write_file(link, b"new") and f.read_bytes() == b"data"  # link replaced
    assert not link.is_symlink() and link.read_bytes() == b"new"


# -- the attacks, end to end (fresh processes) -----------------------------------------

@needs_kernels
@pytest.mark.parametrize("mode, reason", [(0o777, "writable by others"),
                                          (0o770, "writable by its group")])
def test_planted_entries_in_a_shared_cache_never_run(template, tmp_path, mode, reason):
    kernels = filled_cache(template, tmp_path / "cache")
    marker = tmp_path / "pwned"
    plant(kernels, marker)
    os.chmod(kernels.parent, mode)
    assert_refused(probe(kernels.parent), marker, reason)


@needs_kernels
@as_root
def test_planted_entries_in_another_users_cache_never_run(template, tmp_path):
    kernels = filled_cache(template, tmp_path / "cache")
    marker = tmp_path / "pwned"
    plant(kernels, marker)
    for d in (kernels.parent, kernels):
        os.chown(d, OTHER_UID, OTHER_UID)
    assert_refused(probe(kernels.parent), marker, f"owned by uid {OTHER_UID}")


@needs_kernels
def test_planted_entries_behind_a_symlink_never_run(template, tmp_path):
    kernels = filled_cache(template, tmp_path / "cache")
    marker = tmp_path / "pwned"
    plant(kernels, marker)
    os.chmod(kernels, 0o777)
    link = tmp_path / "mine"
    link.mkdir(mode=0o700)
    (link / "kernels").symlink_to(kernels)
    assert_refused(probe(link), marker, "writable by others")


@needs_kernels
def test_no_shared_temporary_fallback(template, tmp_path):
    """Another user pre-creates the old predictable fallback with payloads; with
    no usable ~/.cache, functrace compiles in memory instead of using it."""
    tmp = tmp_path / "tmp"
    kernels = filled_cache(template, tmp / f"functrace-{os.geteuid()}")
    marker = tmp_path / "pwned"
    plant(kernels, marker)
    nowhere = "/proc/functrace-nowhere"
    out = probe(None, TMPDIR=tmp, XDG_CACHE_HOME=nowhere, HOME=nowhere,
                NUMBA_CACHE_DIR=kernels.parent)
    assert_refused(out, marker, f"cannot create {nowhere}")


@needs_kernels
def test_a_pyc_planted_in_a_trusted_cache_is_never_imported(template, tmp_path):
    """Generated modules are executed from memory, so no .pyc is ever read,
    even in the user's own cache; Numba's entry there is still used."""
    kernels = filled_cache(template, tmp_path / "cache")
    marker = tmp_path / "pwned"
    plant(kernels, marker)
    for entry in [*kernels.glob("*.nbi"), *kernels.glob("*.nbc")]:   # restore Numba's
        shutil.copy(template / "kernels" / entry.name, entry)
    out = probe(kernels.parent)
    assert not marker.exists() and out["disk"] == {"hits": 1, "misses": 0, "in_memory": 0}


@needs_kernels
def test_control_planted_entries_in_a_trusted_cache_are_the_users_own(template, tmp_path):
    """The attacks above are live: the same files in a directory that only the
    user can write are the user's own, and Numba loads them (out of scope)."""
    kernels = filled_cache(template, tmp_path / "cache")
    marker = tmp_path / "pwned"
    plant(kernels, marker)
    probe(kernels.parent)
    assert marker.exists()


@needs_kernels
def test_entries_are_private_whatever_the_umask(tmp_path):
    root = tmp_path / "cache"
    assert probe(root, umask=0)["disk"] == {"hits": 0, "misses": 1, "in_memory": 0}
    modes = {p.name: p.stat().st_mode & 0o777 for p in (root / "kernels").iterdir()}
    assert sorted(n.rsplit(".", 1)[-1] for n in modes) == ["nbc", "nbi", "py"]
    assert set(modes.values()) == {0o600}, modes
    assert (root.stat().st_mode & 0o777, (root / "kernels").stat().st_mode & 0o777) == \
        (0o700, 0o700)
    assert probe(root, umask=0)["disk"] == {"hits": 1, "misses": 0, "in_memory": 0}


@needs_kernels
@pytest.mark.parametrize("damage", ["truncate index", "truncate data", "garble index",
                                    "garble source"])
def test_a_damaged_entry_is_rebuilt_and_replaced(template, tmp_path, damage):
    kernels = filled_cache(template, tmp_path / "cache")
    what, kind = damage.split()
    [path] = kernels.glob({"index": "*.nbi", "data": "*.nbc", "source": "*.py"}[kind])
    data = path.read_bytes()
    damaged = data[:len(data) // 2] if what == "truncate" else b"\x80garbage" + data
    path.write_bytes(damaged)
    first = probe(kernels.parent)
    rebuilt = {"hits": 1, "misses": 0} if kind == "source" else {"hits": 0, "misses": 1}
    assert first["disk"] == {**rebuilt, "in_memory": 0}
    assert path.read_bytes() != damaged                                  # replaced
    if kind == "source":
        assert path.read_bytes() == data
    assert probe(kernels.parent)["disk"] == {"hits": 1, "misses": 0, "in_memory": 0}

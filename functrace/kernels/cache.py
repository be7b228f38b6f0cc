"""The on-disk kernel cache, and why what it loads can be trusted.

What is stored, per kernel, in one directory: the generated source
``functrace_fused_<hash>.py`` (written for tracebacks and for reading; it is
never imported: the kernel module is executed from the source functrace has
just generated in memory, so no ``.pyc`` is ever read), and Numba's index
(``*.nbi``) and data (``*.nbc``) files. Numba reads those with :mod:`pickle`
and they hold machine code, so loading them runs whatever they contain.

Threat model: the adversary is another local user (not root) who can write to
shared places such as the temporary directory, or to any directory left
writable by group or others. Root and the user are trusted: a file the user
put into their own cache is their own code. Numba's files are therefore read
only from a directory that

* is owned by the current (effective) user and writable by nobody else (no
  group or other write bit), as is every directory functrace creates for it
  (mode 0o700; the ``kernels`` directory is set to 0o700 before each use);
* lies on a path whose every ancestor is a real directory owned by root or by
  the user and writable by nobody else, unless it has the sticky bit (as
  ``/tmp`` does: others cannot rename or replace entries they do not own).

Symbolic links in the configured path are resolved first and the *real* path
is checked (with :func:`os.lstat`, which does not follow links) and used from
then on: as nobody else can change a directory along it, the checked path
cannot be swapped between the check and the use. Numba's files are read only
if they are regular files owned by the user and writable by nobody else;
files are written under a fresh name (``O_EXCL | O_NOFOLLOW``, mode 0o600) and
renamed into place.

Where: ``$FUNCTRACE_CACHE_DIR`` if set (and then only there), else
``$XDG_CACHE_HOME/functrace``, else ``~/.cache/functrace``; the kernels live
in ``kernels/`` below it. ``NUMBA_CACHE_DIR`` does not apply to them. There is
no shared fallback: without a trusted directory, kernels compile in memory
for the process only, after one warning that gives the reason. A corrupt or
truncated entry is recompiled and replaced.
"""
from __future__ import annotations

import functools
import os
import stat
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, Callable, Optional

ENV_VAR = "FUNCTRACE_CACHE_DIR"
_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH


class _Untrusted(Exception):
    """A directory or file that must not be used; the message says why."""


def cache_dir() -> Optional[Path]:
    """The trusted kernel cache directory (created if needed), or None.

    >>> import functrace.kernels as K
    >>> K.cache_dir() is None or K.cache_dir().name == "kernels"
    True
    """
    return _locate()[0]


def kernel_dir() -> Optional[Path]:
    """:func:`cache_dir`, warning once per process when there is none."""
    path, reason = _locate()
    if path is None:
        _warn_once(reason)
    return path


def _locate() -> tuple:
    """``(real path of the kernels directory, "")`` or ``(None, the reason)``."""
    if not hasattr(os, "geteuid"):
        return None, "file ownership cannot be checked on this platform"
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        root = explicit
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        if not xdg or not os.path.isabs(xdg):    # the XDG spec: ignore a relative path
            xdg = os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(xdg, "functrace")
    try:
        kernels = _make_trusted(os.path.join(_make_trusted(root), "kernels"))
        if stat.S_IMODE(os.lstat(kernels).st_mode) != 0o700:
            os.chmod(kernels, 0o700)   # ours and not writable by others: tighten it
        return Path(kernels), ""
    except _Untrusted as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot use {exc.filename} ({exc.strerror})"


def _make_trusted(path: str) -> str:
    """Create the missing directories of ``path`` (mode 0o700), check the whole
    real path (see the module docstring) and return it."""
    head, missing = os.path.abspath(path), []
    while not os.path.lexists(head):
        head, tail = os.path.split(head)
        missing.append(tail)
    real = os.path.realpath(head)
    parts = Path(real).parts
    for k in range(1, len(parts) + 1):
        _check_dir(os.path.join(*parts[:k]), own=not missing and k == len(parts))
    for name in reversed(missing):
        real = os.path.join(real, name)
        try:
            os.mkdir(real, 0o700)
            os.chmod(real, 0o700)      # whatever the umask
        except FileExistsError:
            pass                       # made meanwhile: the check below decides
        except OSError as exc:
            raise _Untrusted(f"cannot create {real} ({exc.strerror})") from None
        _check_dir(real, own=True)
    return real


def _check_dir(path: str, own: bool) -> None:
    """Raise :class:`_Untrusted` unless ``path`` is a real directory that nobody
    but its owner can change; ``own``: the owner must be this user (else root
    will do) and the sticky bit does not excuse group/other write access."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise _Untrusted(f"cannot inspect {path} ({exc.strerror})") from None
    if not stat.S_ISDIR(st.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a directory"
        raise _Untrusted(f"{path} is {kind}")
    uid = os.geteuid()
    if st.st_uid != uid and (own or st.st_uid != 0):
        raise _Untrusted(f"{path} is owned by uid {st.st_uid}, not by you (uid {uid})")
    sticky = not own and st.st_mode & stat.S_ISVTX
    if st.st_mode & _WRITABLE_BY_OTHERS and not sticky:
        who = "others" if st.st_mode & stat.S_IWOTH else "its group"
        raise _Untrusted(f"{path} is writable by {who} (mode {stat.S_IMODE(st.st_mode):#o})")


def trusted_file(path: str) -> bool:
    """Whether ``path`` is a regular file (not a link) of this user that nobody
    else can write."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid()
            and not st.st_mode & _WRITABLE_BY_OTHERS)


def write_file(path: Path, data: bytes) -> bool:
    """Make ``path`` (in a trusted directory) hold ``data``; False if that failed.

    An identical trusted file is kept; anything else is replaced by renaming a
    freshly created file over it, so readers see the old or the new content.
    """
    tmp = path.with_name(f".{path.name}.{os.urandom(8).hex()}.tmp")
    try:
        if trusted_file(str(path)) and path.read_bytes() == data:
            return True
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(tmp, flags, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False


class _Once:
    """True for the first caller of :meth:`claim` only (whatever the threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._claimed = False

    def claim(self) -> bool:
        with self._lock:
            first, self._claimed = not self._claimed, True
        return first


_WARNING = _Once()


def _warn_once(reason: str) -> None:
    if not _WARNING.claim():
        return
    warnings.warn(f"functrace: no trusted kernel cache directory ({reason}); compiled "
                  "kernels are kept in memory for this process only. Set "
                  f"{ENV_VAR} to a directory that only you own and can write.",
                  RuntimeWarning, stacklevel=3)


# -- Numba's cache for the generated kernels --------------------------------------------

def numba_cache(py_func: Callable) -> Any:
    """A Numba cache for ``py_func``, a generated kernel whose source file lies in
    :func:`cache_dir`; None if this Numba's caching internals are not the ones
    expected (the kernel then compiles without a disk cache)."""
    try:
        return _trusted_cache_class()(py_func)
    except Exception:  # noqa: BLE001 - the disk cache is an optimisation only
        return None


@functools.lru_cache(maxsize=None)
def _trusted_cache_class() -> type:
    """Numba's FunctionCache, kept in the kernel's own (checked) directory and
    reading only trusted, intact entries (built on first use: imports Numba)."""
    from numba.core.caching import FunctionCache   # deferred: imports Numba

    class TrustedCache(FunctionCache):
        _impl_class = _impl_class(FunctionCache._impl_class)

        def load_overload(self, sig: Any, target_context: Any) -> Any:
            if not self._impl.locator.is_trusted():
                return None
            try:
                if all(trusted_file(f) for f in self._entry_files()):
                    return super().load_overload(sig, target_context)
            except Exception:  # noqa: BLE001 - corrupt or truncated: rebuilt and replaced
                pass
            self._discard_entry()      # (or not ours: never read, replaced as well)
            return None

        def save_overload(self, sig: Any, data: Any) -> None:
            try:
                super().save_overload(sig, data)
            except Exception:  # noqa: BLE001 - the kernel works; the next process recompiles
                return
            for path in self._entry_files():
                if path.endswith((".nbi", ".nbc")):
                    try:
                        os.chmod(path, 0o600)  # whatever the umask, as trusted_file wants
                    except OSError:
                        pass

        def _entry_files(self) -> list:
            prefix = self._impl.filename_base + "."
            return [os.path.join(self._cache_path, name)
                    for name in os.listdir(self._cache_path) if name.startswith(prefix)]

        def _discard_entry(self) -> None:
            try:
                for path in self._entry_files():
                    os.unlink(path)
            except OSError:
                pass

    return TrustedCache


def _impl_class(base: type) -> type:
    """Numba's cache implementation with our locator, whatever Numba's settings
    (``NUMBA_CACHE_DIR``, ``NUMBA_CACHE_LOCATOR_CLASSES``) say."""

    class Impl(base):
        def __init__(self, py_func: Callable):
            code = py_func.__code__
            self._lineno = code.co_firstlineno
            self._locator = _Locator(code.co_filename)
            fullname = f"{Path(code.co_filename).stem}.{py_func.__qualname__}"
            self._filename_base = self.get_filename_base(fullname, getattr(sys, "abiflags", ""))

    return Impl


class _Locator:
    """Where Numba keeps a kernel's entry: beside its source, in the trusted directory.

    The source file's name is the hash of its content, so it serves as the
    freshness stamp (Numba's own locators use the file's mtime and size).
    """

    def __init__(self, py_file: str):
        self._py_file = py_file
        self._dir = os.path.dirname(py_file)

    def is_trusted(self) -> bool:
        return self._dir == str(cache_dir())

    def ensure_cache_path(self) -> None:
        if not self.is_trusted():
            raise OSError(f"{self._dir} is not the trusted kernel cache directory")

    def get_cache_path(self) -> str:
        return self._dir

    def get_source_stamp(self) -> str:
        return os.path.basename(self._py_file)

    def get_disambiguator(self) -> str:
        return "fused"

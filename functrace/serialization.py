"""``ft.save`` / ``ft.load``: state dicts as ``.npz`` files, never pickle.

Arrays and tensors go into the archive as numpy arrays; the structure around
them (nested dicts, lists, tuples, numbers, strings, ``None``) is stored as a
JSON document in the same archive. Loading uses ``np.load(allow_pickle=False)``
and ``json``, so opening a file can never execute code.

>>> import functrace as ft, io
>>> buf = io.BytesIO()
>>> ft.save({"w": ft.ones(2), "step": 3}, buf)
>>> _ = buf.seek(0)
>>> ft.load(buf)
{'w': tensor([1., 1.]), 'step': 3}
"""
from __future__ import annotations

import json
import os
import zipfile
import zlib
from collections import OrderedDict
from typing import Any, BinaryIO, Optional, Union

import numpy as np

from .tensors._tensor import Tensor, make

PathLike = Union[str, os.PathLike, BinaryIO]
_META = "__functrace_structure__"


def _encode(obj: Any, arrays: dict) -> Any:
    if isinstance(obj, Tensor):
        key = f"a{len(arrays)}"
        arrays[key] = obj._data
        return {"__tensor__": key, "requires_grad": obj._rg,
                "parameter": type(obj).__name__ == "Parameter"}
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise TypeError("functrace.save stores numeric arrays, not arrays of Python "
                            "objects (dtype object would need pickle)")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__ndarray__": key}
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()],
                "ordered": isinstance(obj, OrderedDict)}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"functrace.save stores tensors, numpy arrays, numbers, strings, None "
                    f"and dicts/lists/tuples of them, not {type(obj).__name__} (save "
                    "model.state_dict() rather than the model object)")


def _decode(obj: Any, arrays: Any) -> Any:
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj:
        t = make(arrays[obj["__tensor__"]], None, False)
        if obj.get("parameter"):
            from .nn import Parameter   # deferred: only archives holding Parameters load nn
            return Parameter(t, requires_grad=obj["requires_grad"])
        return t.requires_grad_(obj["requires_grad"]) if obj["requires_grad"] else t
    if "__ndarray__" in obj:
        return arrays[obj["__ndarray__"]]
    if "__tuple__" in obj:
        return tuple(_decode(v, arrays) for v in obj["__tuple__"])
    if "__dict__" in obj:
        pairs = [(_decode(k, arrays), _decode(v, arrays)) for k, v in obj["__dict__"]]
        return OrderedDict(pairs) if obj.get("ordered") else dict(pairs)
    raise ValueError("not a functrace archive (unknown entry in its structure)")


def save(obj: Any, f: PathLike) -> None:
    """Write ``obj`` (a state dict or any nest of tensors/arrays/numbers) to ``f``.

    The file is a compressed ``.npz`` archive; the name is used as given.

    >>> import io, functrace as ft
    >>> buffer = io.BytesIO()
    >>> ft.save({"w": ft.tensor([1.0, 2.0]), "step": 3}, buffer)
    >>> _ = buffer.seek(0)
    >>> ft.load(buffer)
    {'w': tensor([1., 2.]), 'step': 3}
    """
    arrays: dict = {}
    structure = _encode(obj, arrays)
    arrays[_META] = np.array(json.dumps(structure))
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    else:
        np.savez_compressed(f, **arrays)


DEFAULT_MAX_BYTES = 1 << 30     # 1 GiB: what ft.load decompresses at most by default
_ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20


def load(f: PathLike, map_location: Any = None, weights_only: bool = True, *,
         max_bytes: Optional[int] = DEFAULT_MAX_BYTES) -> Any:
    """Read what :func:`save` wrote (``map_location`` and ``weights_only`` are
    accepted for PyTorch compatibility and change nothing: nothing is unpickled).

    ``max_bytes`` bounds the memory the file may expand to (its arrays and
    structure, decompressed): 1 GiB by default (``DEFAULT_MAX_BYTES``). A file
    whose zip directory or array headers declare more is refused with a
    ``ValueError`` before anything is decompressed, and no entry is read past
    its declared size, so a small compressed file cannot exhaust memory. Pass a
    larger ``max_bytes`` (or ``None``) for bigger checkpoints you trust.

    >>> import functrace as ft, io
    >>> buf = io.BytesIO()
    >>> ft.save({"w": ft.zeros(1000)}, buf)
    >>> _ = buf.seek(0)
    >>> ft.load(buf, max_bytes=1000)
    Traceback (most recent call last):
    ...
    ValueError: functrace.load: the archive expands to at least ... bytes, more than ...
    """
    if max_bytes is not None and (isinstance(max_bytes, bool)
                                  or not isinstance(max_bytes, int) or max_bytes < 0):
        raise TypeError(f"max_bytes must be a non-negative int or None, got {max_bytes!r}")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load(fh, os.fspath(f), max_bytes)
    return _load(f, getattr(f, "name", "the file"), max_bytes)


def _load(fh: BinaryIO, name: str, max_bytes: Optional[int]) -> Any:
    _check_zip(fh, name)
    try:
        with zipfile.ZipFile(fh) as archive:
            infos = _entries(archive, name, max_bytes)
            budget = [max_bytes]
            arrays = {key: _read_array(archive, info, name, budget)
                      for key, info in infos.items()}
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise ValueError(f"{name} is corrupt: {e}") from e
    if _META not in arrays:
        raise ValueError(f"{name} is not a functrace archive: it has no structure entry "
                         "(was it written by functrace.save?)")
    try:
        structure = json.loads(str(arrays.pop(_META)))
        return _decode(structure, arrays)
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise ValueError(f"{name} is not a valid functrace archive: its structure entry is "
                         f"malformed ({type(e).__name__}: {e})") from None


def _check_zip(fh: BinaryIO, name: str) -> None:
    """A clear error for what ``save`` never writes: a bare ``.npy``, text, a pickle."""
    start = fh.tell()
    head = fh.read(len(np.lib.format.MAGIC_PREFIX))
    fh.seek(start)
    if head.startswith(_ZIP_MAGIC):
        return
    if head == np.lib.format.MAGIC_PREFIX:
        raise ValueError(f"{name} is a .npy file holding one numpy array, not a functrace "
                         "archive (functrace.save writes an .npz zip with the structure "
                         "around the arrays); read it with numpy.load")
    raise ValueError(f"{name} is not a functrace archive: functrace.save writes a zip (.npz) "
                     f"file, but this one starts with {head!r} (a text file, a pickle, or "
                     "another format?)")


def _entries(archive: zipfile.ZipFile, name: str, max_bytes: Optional[int]) -> dict:
    """The archive's arrays by key, after checking the sizes its directory declares."""
    infos = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            pickled = " (a pickle: a PyTorch checkpoint?" if info.filename.endswith(".pkl") \
                else " ("
            raise ValueError(f"{name} is not a functrace archive: it holds "
                             f"{info.filename!r}{pickled} functrace.save writes only .npy "
                             "arrays and never unpickles)")
        infos[info.filename[:-4]] = info
    declared = sum(info.file_size for info in infos.values())
    if max_bytes is not None and declared > max_bytes:
        raise ValueError(_too_big(declared, max_bytes))
    return infos


def _too_big(nbytes: int, max_bytes: int) -> str:
    return (f"functrace.load: the archive expands to at least {nbytes} bytes, more than "
            f"max_bytes={max_bytes} (a safety limit against files that decompress to huge "
            "sizes). If you trust the file, pass a larger max_bytes (or max_bytes=None).")


def _read_array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
                budget: list) -> np.ndarray:
    """One ``.npy`` entry, allocating no more than its header declares and the
    remaining budget allows, and reading no more than the zip directory declares."""
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"{name}: entry {info.filename!r} has .npy format version "
                             f"{version}, which functrace.load does not read")
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran, dtype = read_header(member)
        if dtype.hasobject:
            raise ValueError(f"{name}: entry {info.filename!r} holds Python objects "
                             "(pickled), which functrace.load never reads")
        count = int(np.prod(shape, dtype=np.int64))
        nbytes = count * dtype.itemsize
        if budget[0] is not None:
            if nbytes > budget[0]:
                raise ValueError(_too_big(nbytes, budget[0]))
            budget[0] -= nbytes
        if member.tell() + nbytes != info.file_size:
            raise ValueError(f"{name} is corrupt: entry {info.filename!r} declares "
                             f"{info.file_size} bytes but its array header needs "
                             f"{member.tell() + nbytes}")
        data = np.empty(count, dtype)
        view = memoryview(data).cast("B")
        done = 0
        while done < nbytes:
            chunk = member.read(min(_CHUNK, nbytes - done))
            if not chunk:
                raise ValueError(f"{name} is corrupt: entry {info.filename!r} is truncated")
            view[done:done + len(chunk)] = chunk
            done += len(chunk)
    if fortran:
        return data.reshape(shape[::-1]).transpose()
    return data.reshape(shape)

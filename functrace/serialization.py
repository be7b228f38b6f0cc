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
from collections import OrderedDict
from typing import Any, BinaryIO, Union

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
            from .nn import Parameter
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
    """
    arrays: dict = {}
    structure = _encode(obj, arrays)
    arrays[_META] = np.array(json.dumps(structure))
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    else:
        np.savez_compressed(f, **arrays)


def load(f: PathLike, map_location: Any = None, weights_only: bool = True) -> Any:
    """Read what :func:`save` wrote (``map_location`` is accepted and ignored)."""
    with np.load(f, allow_pickle=False) as archive:
        if _META not in archive.files:
            raise ValueError("not a functrace archive: it has no structure entry "
                             "(was it written by functrace.save?)")
        structure = json.loads(str(archive[_META]))
        arrays = {k: archive[k] for k in archive.files if k != _META}
    return _decode(structure, arrays)

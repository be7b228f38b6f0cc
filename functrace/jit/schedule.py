"""Grouping a program's fusable ops into kernels, and ordering everything.

Each item gets a sort key ``(major, minor)``. A new :class:`Group` takes the
next ``major`` (so it runs after everything so far); any other op is placed as
early as its operands allow (``major`` of its latest producer, ``minor`` one
more), so that numpy calls never split a group needlessly. A fusable op joins
the latest open group of its shape when each of its operands is produced inside
that group or by an item that sorts before it; otherwise it starts a new group.
Every item sorts after its producers, so sorting by key gives a valid order.
A guard takes a fresh ``major`` and nothing recorded after it moves before it.
Random draws keep their recorded order: each sorts after the previous one.

Inside a group, operands broadcast against the iteration shape: after dropping
size-1 dimensions and merging neighbours that every operand treats alike, at
most two dimensions may remain (the kernel loops over rows and columns; an
operand is then full, a row, a column or a scalar).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .elementwise import KERNEL_DTYPES, compute_dtype
from .trace import DRAW, Guard, Op

_PY_SCALARS = (bool, int, float)


class Group:
    """Fusable ops sharing one iteration ``shape``, computed by one kernel."""

    def __init__(self, shape: tuple, major: int):
        self.shape = shape
        self.major = major
        self.ops: list = []
        self.members: set = set()
        self.masks: set = set()
        self.dtypes: dict = {}         # out var -> computation dtype
        self.reductions: list = []     # reduce_sum ops over the leading block (see below)

    def __repr__(self) -> str:
        return f"Group({[op.prim.name for op in self.ops]}, shape={self.shape})"


def significant(shape: tuple) -> list:
    return [i for i, d in enumerate(shape) if d != 1]


def operand_mask(shape: tuple, full: tuple) -> Optional[tuple]:
    """Which significant dims of ``full`` an operand of ``shape`` spans (None if it
    does not broadcast to ``full``)."""
    if len(shape) > len(full):
        return None
    padded = (1,) * (len(full) - len(shape)) + tuple(shape)
    mask = []
    for i in significant(full):
        if padded[i] == full[i]:
            mask.append(True)
        elif padded[i] == 1:
            mask.append(False)
        else:
            return None
    return tuple(mask)


def collapse(full: tuple, masks: set) -> Optional[list]:
    """Groups of significant dims of ``full`` that merge into at most two loop
    dimensions given the operand ``masks``, or None."""
    dims = significant(full)
    if not dims:
        return []
    blocks = [[0]]
    for k in range(1, len(dims)):
        if all(m[k] == m[k - 1] for m in masks):
            blocks[-1].append(k)
        else:
            blocks.append([k])
    return blocks if len(blocks) <= 2 else None


def _const_ok(value: Any) -> bool:
    if isinstance(value, _PY_SCALARS):
        return not isinstance(value, complex)
    dtype = getattr(value, "dtype", None)
    return dtype is not None and np.dtype(dtype) in KERNEL_DTYPES


def fusable(op: Op, avals: list) -> Optional[tuple]:
    """``(iteration shape, computation dtype, operand masks)`` if ``op`` may run in
    a kernel, else None."""
    out = avals[op.out]
    shape = out.shape
    if not shape or 0 in shape or out.type is not np.ndarray:
        return None
    dtype = compute_dtype(op, avals)
    if dtype is None:
        return None
    masks = []
    for ref in op.ins:
        if type(ref) is int:
            aval = avals[ref]
            if aval.dtype not in KERNEL_DTYPES:
                return None
            in_shape = aval.shape
        elif _const_ok(ref.value):
            in_shape = np.shape(ref.value)
        else:
            return None
        mask = operand_mask(in_shape, shape)
        if mask is None:
            return None
        masks.append(mask)
    if collapse(shape, {m for m in masks if not all(m)}) is None:
        return None
    return shape, dtype, masks


def schedule(items: list, avals: list, enabled: bool = True) -> list:
    """The program's items in execution order, fusable runs replaced by :class:`Group`
    objects (groups of one op are left as that op)."""
    keys: dict = {}              # var id -> sort key of its producer
    group_of: dict = {}          # var id -> Group
    open_groups: dict = {}       # shape -> latest group of that shape
    placed: list = []            # (key, sequence, item)
    major = 0
    barrier = (-1, 0)
    last_draw = (-1, 0)

    def place(key: tuple, item: Any) -> None:
        placed.append((key, len(placed), item))

    for item in items:
        if type(item) is Guard:
            major += 1
            barrier = (major, 0)
            open_groups = {}
            place(barrier, item)
            continue
        producer = max([keys.get(i, (-1, 0)) for i in item.in_vars()] + [barrier])
        if item.prim is DRAW:
            producer = max(producer, last_draw)
            last_draw = (producer[0], producer[1] + 1)
        spec = fusable(item, avals) if enabled else None
        host = _reduction_host(item, avals, group_of, open_groups) if enabled else None
        if host is not None:
            host.reductions.append(item)
            host.masks.add(_reduced_mask(item, host.shape))
            keys[item.out] = (host.major, 0)      # ready after the kernel, not inside it
            continue
        if spec is None:
            key = (producer[0], producer[1] + 1)
            keys[item.out] = key
            place(key, item)
            continue
        shape, dtype, masks = spec
        group = open_groups.get(shape)
        if group is None or not _can_join(group, item, masks, keys, group_of):
            major += 1
            group = Group(shape, major)
            open_groups[shape] = group
            place((major, 0), group)
        group.ops.append(item)
        group.members.add(item.out)
        group.masks.update(m for m in masks if not all(m))
        group.dtypes[item.out] = dtype
        group_of[item.out] = group
        keys[item.out] = (group.major, 0)
    placed.sort(key=lambda p: (p[0], p[1]))
    return [item.ops[0] if type(item) is Group and len(item.ops) == 1 and not item.reductions
            else item for _, _, item in placed]


def _reduced_mask(op: Op, shape: tuple) -> tuple:
    axes = set(op.params["axes"])
    return tuple(i not in axes for i in significant(shape))


def _reduction_host(op: Op, avals: list, group_of: dict, open_groups: dict) -> Optional[Group]:
    """The open group computing the input of ``op``, a ``reduce_sum`` over the
    group's leading dimensions (rows), if the kernel can accumulate it: row after
    row, the order in which numpy reduces over a leading axis, so the sum has the
    same bits. (Sums over trailing dimensions or over everything use numpy's pairwise
    summation, which a loop would not reproduce: they stay numpy calls.)"""
    if op.prim.name != "reduce_sum" or type(op.ins[0]) is not int:
        return None
    group = group_of.get(op.ins[0])
    if group is None or open_groups.get(group.shape) is not group:
        return None
    if avals[op.out].dtype != avals[op.ins[0]].dtype or avals[op.out].type is not np.ndarray:
        return None
    mask = _reduced_mask(op, group.shape)
    k = mask.index(True) if True in mask else 0
    if k == 0 or any(not m for m in mask[k:]):
        return None                        # not a reduction over leading dims only
    blocks = collapse(group.shape, group.masks | {mask})
    if blocks is None or len(blocks) != 2 or blocks[0] != list(range(k)):
        return None
    return group


def _can_join(group: Group, op: Op, masks: list, keys: dict, group_of: dict) -> bool:
    for ref in op.ins:
        if type(ref) is int and group_of.get(ref) is not group \
                and keys.get(ref, (-1, 0)) >= (group.major, 0):
            return False
    return collapse(group.shape, group.masks | {m for m in masks if not all(m)}) is not None

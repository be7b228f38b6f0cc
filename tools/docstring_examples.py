"""Write the tables of docstring examples (functrace/numpy/_example_tables.py attaches them).

One table per family of similar functions: ``functrace.numpy``'s
(functrace/numpy/_examples.py), the facade's functions (functrace/tensors/_examples.py),
``nn``'s layers and functions
(functrace/nn/_examples.py) and ``scipy.special`` (functrace/scipy/_special_examples.py).
Each example is code (below) and the output functrace printed for it when this
script last ran; the doctests (tests/test_doctests.py) then check that output on
every run. Run after adding a name: ``.venv/bin/python tools/docstring_examples.py``,
and read the new outputs before committing them (compare with torch or scipy).
"""
from __future__ import annotations

import contextlib
import inspect
import io
import os
import sys

import functrace as ft

A = "ft.tensor([0.25, 0.5, 0.75])"
B = "ft.tensor([2.0, 0.5, 1.0])"
M = "ft.tensor([[1.0, 2.0], [3.0, 4.0]])"
UNARY = f"ft.{{name}}({A})"
BINARY = f"ft.{{name}}({A}, {B})"
ROUNDING = "ft.{name}(ft.tensor([-1.5, 0.5, 2.7]))"
REDUCTION = f"ft.{{name}}({M}, dim=1)"
BINARY_NAMES = ["add", "arctan2", "div", "eq", "fmax", "fmin", "fmod", "ge", "greater", "hypot",
                "float_power", "logaddexp", "logaddexp2", "xlogy", "inner",
                "le", "less", "maximum", "minimum", "mul", "ne", "remainder", "sub",
                "floor_divide", "dist", "isclose", "allclose", "equal", "rsub"]
REDUCTION_NAMES = ["amax", "amin", "argmax", "argmin", "argsort", "max", "min", "sort", "mean",
                   "sum", "prod", "std", "var", "norm", "logsumexp", "softmax", "log_softmax",
                   "count_nonzero", "cumsum", "cumprod"]
ROUNDING_NAMES = ["ceil", "floor", "trunc", "frac", "round", "sgn", "relu", "sign", "signbit"]
INF = "ft.tensor([-float('inf'), 0.0, float('inf')])"
NAN = "ft.tensor([1.0, float('nan'), 3.0])"

# name -> code lines (">>> " is added); a name missing here uses UNARY.
CODE: dict[str, list[str]] = {
    **{n: [BINARY] for n in BINARY_NAMES},
    **{n: [REDUCTION] for n in REDUCTION_NAMES},
    **{n: [ROUNDING] for n in ROUNDING_NAMES},
    "acosh": ["ft.acosh(ft.tensor([1.5, 2.0, 3.0]))"],
    "all": ["ft.all(ft.tensor([True, False])), ft.all(ft.tensor([True, True]))"],
    "any": ["ft.any(ft.tensor([True, False])), ft.any(ft.tensor([False, False]))"],
    "logical_and": ["ft.logical_and(ft.tensor([True, False]), ft.tensor([True, True]))"],
    "logical_or": ["ft.logical_or(ft.tensor([True, False]), ft.tensor([False, False]))"],
    "logical_xor": ["ft.logical_xor(ft.tensor([True, False]), ft.tensor([True, True]))"],
    "logical_not": ["ft.logical_not(ft.tensor([True, False]))"],
    "isfinite": ["ft.isfinite(ft.tensor([1.0, float('inf'), float('nan')]))"],
    "isinf": ["ft.isinf(ft.tensor([1.0, float('inf'), float('nan')]))"],
    "isnan": ["ft.isnan(ft.tensor([1.0, float('inf'), float('nan')]))"],
    "pow": [f"ft.pow({A}, 2)"],
    "topk": [f"ft.topk({A}, 2)"],
    "arange": ["ft.arange(0, 1, 0.25)"],
    "linspace": ["ft.linspace(0, 1, 5)"],
    "logspace": ["ft.logspace(0, 2, 3)"],
    "eye": ["ft.eye(2)"],
    "ones": ["ft.ones(2, 3)"],
    "full": ["ft.full((2,), 7.0)"],
    "full_like": [f"ft.full_like({A}, 2.0)"],
    "ones_like": [f"ft.ones_like({A})"],
    "empty": ["ft.empty(2, 3).shape"],
    "empty_like": [f"ft.empty_like({M}).shape"],
    "as_tensor": ["ft.as_tensor([1.0, 2.0])"],
    "from_numpy": ["import numpy as np", "ft.from_numpy(np.arange(3.0))"],
    "randn": ["_ = ft.manual_seed(0)", "ft.randn(2, 3).shape"],
    "randperm": ["sorted(ft.randperm(4).tolist())"],
    "rand_like": [f"x = ft.rand_like({A})", "x.shape, bool(((x >= 0) & (x < 1)).all())"],
    "randn_like": [f"ft.randn_like({M}).shape"],
    "randint_like": [f"x = ft.randint_like({A}, 3)", "x.shape, bool(((x >= 0) & (x < 3)).all())"],
    "seed": ["isinstance(ft.seed(), int)"],
    "initial_seed": ["_ = ft.manual_seed(7)", "ft.initial_seed()"],
    "get_rng_state": ["state = ft.get_rng_state()", "a = ft.rand(2)",
                      "ft.set_rng_state(state)", "bool((ft.rand(2) == a).all())"],
    "set_rng_state": ["state = ft.get_rng_state()", "a = ft.randn(3)",
                      "ft.set_rng_state(state)", "bool((ft.randn(3) == a).all())"],
    "set_default_dtype": ["ft.set_default_dtype(ft.float64)", "ft.tensor([1.0]).dtype",
                          "ft.set_default_dtype(ft.float32)", "ft.tensor([1.0]).dtype"],
    "bmm": ["ft.bmm(ft.ones(2, 2, 3), ft.ones(2, 3, 1)).shape"],
    "broadcast_to": [f"ft.broadcast_to({A}, (2, 3))"],
    "cat": [f"ft.cat([{A}, {B}])"],
    "stack": [f"ft.stack([{A}, {B}])"],
    "hstack": [f"ft.hstack([{A}, {B}])"],
    "vstack": [f"ft.vstack([{A}, {B}])"],
    "chunk": ["ft.chunk(ft.arange(6.0), 3)"],
    "split": ["ft.split(ft.arange(5.0), 2)"],
    "unbind": [f"ft.unbind({M})"],
    "clamp": [f"ft.clamp({A}, min=0.4, max=0.6)"],
    "clamp_max": [f"ft.clamp_max({A}, 0.4)"],
    "clamp_min": [f"ft.clamp_min({A}, 0.4)"],
    "clone": [f"x = {A}", "y = ft.clone(x)", "y is x, bool((y == x).all())"],
    "diag": ["ft.diag(ft.tensor([1.0, 2.0]))"],
    "diagonal": [f"ft.diagonal({M})"],
    "dot": [f"ft.dot({A}, {B})"],
    "einsum": [f"ft.einsum('ij,j->i', {M}, ft.tensor([1.0, -1.0]))"],
    "flatten": [f"ft.flatten({M})"],
    "flip": [f"ft.flip({A}, (0,))"],
    "gather": [f"ft.gather({M}, 1, ft.tensor([[0], [1]]))"],
    "index_select": [f"ft.index_select({M}, 0, ft.tensor([1]))"],
    "is_tensor": [f"ft.is_tensor({A}), ft.is_tensor([0.25])"],
    "lerp": [f"ft.lerp({A}, {B}, 0.5)"],
    "masked_fill": [f"x = {A}", "ft.masked_fill(x, x > 0.4, 0.0)"],
    "masked_select": [f"x = {A}", "ft.masked_select(x, x > 0.4)"],
    "matmul": [f"ft.matmul({M}, {M})"],
    "mm": [f"ft.mm({M}, ft.eye(2))"],
    "mv": [f"ft.mv({M}, ft.tensor([1.0, -1.0]))"],
    "narrow": ["ft.narrow(ft.arange(5.0), 0, 1, 2)"],
    "nonzero": ["ft.nonzero(ft.tensor([0.0, 1.0, 2.0]))"],
    "numel": [f"ft.numel({M})"],
    "outer": ["ft.outer(ft.tensor([1.0, 2.0]), ft.tensor([1.0, 2.0, 3.0]))"],
    "permute": [f"ft.permute({M}, (1, 0))"],
    "repeat_interleave": ["ft.repeat_interleave(ft.tensor([1, 2]), 2)"],
    "reshape": ["ft.reshape(ft.arange(6.0), (2, 3))"],
    "roll": ["ft.roll(ft.arange(4.0), 1)"],
    "select": [f"ft.select({M}, 0, 1)"],
    "squeeze": ["ft.squeeze(ft.ones(1, 2)).shape"],
    "swapaxes": [f"ft.swapaxes({M}, 0, 1)"],
    "t": [f"ft.t({M})"],
    "tile": [f"ft.tile({A}, (2,))"],
    "trace": [f"ft.trace({M})"],
    "tril": [f"ft.tril({M})"],
    "triu": [f"ft.triu({M})"],
    "unflatten": ["ft.unflatten(ft.arange(6.0), 0, (2, 3))"],
    "unsqueeze": [f"ft.unsqueeze({A}, 0)"],
    "where": [f"x = {A}", "ft.where(x > 0.4, x, ft.zeros(3))"],
    "aminmax": [f"ft.aminmax({M})"],
    **{n: [f"ft.{n}(ft.tensor([12, 10]), ft.tensor([10, 6]))"]
       for n in ["bitwise_and", "bitwise_or", "bitwise_xor"]},
    "bitwise_not": ["ft.bitwise_not(ft.tensor([0, 5]))"],
    "copysign": [f"ft.copysign({A}, ft.tensor([-1.0, 1.0, -1.0]))"],
    "cross": ["ft.cross(ft.tensor([1.0, 0.0, 0.0]), ft.tensor([0.0, 1.0, 0.0]), dim=0)"],
    "cummax": ["ft.cummax(ft.tensor([1.0, 3.0, 2.0]), dim=0)"],
    "cummin": ["ft.cummin(ft.tensor([3.0, 1.0, 2.0]), dim=0)"],
    "diff": ["ft.diff(ft.tensor([1.0, 4.0, 9.0]))"],
    "index_add": ["ft.index_add(ft.zeros(3), 0, ft.tensor([0, 2]), ft.tensor([1.0, 2.0]))"],
    "index_copy": ["ft.index_copy(ft.zeros(3), 0, ft.tensor([1]), ft.tensor([5.0]))"],
    "index_fill": ["ft.index_fill(ft.zeros(3), 0, ft.tensor([0, 2]), 7.0)"],
    "isneginf": [f"ft.isneginf({INF})"],
    "isposinf": [f"ft.isposinf({INF})"],
    "kron": ["ft.kron(ft.eye(2), ft.tensor([[1.0, 2.0]]))"],
    "kthvalue": ["ft.kthvalue(ft.tensor([3.0, 1.0, 2.0]), 2)"],
    "logcumsumexp": ["ft.logcumsumexp(ft.zeros(3), dim=0)"],
    "moveaxis": ["ft.moveaxis(ft.zeros(2, 3, 4), 0, -1).shape"],
    "msort": ["ft.msort(ft.tensor([[2.0, 1.0], [1.0, 3.0]]))"],
    "nan_to_num": ["ft.nan_to_num(ft.tensor([float('nan'), 1.0, float('inf')]), posinf=9.0)"],
    **{n: [f"ft.{n}({NAN})"] for n in ["nanmean", "nansum", "nanmedian"]},
    "quantile": [f"ft.quantile({A}, 0.5)"],
    "renorm": ["ft.renorm(ft.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)"],
    "scatter": ["ft.scatter(ft.zeros(3), 0, ft.tensor([2, 0]), ft.tensor([5.0, 6.0]))"],
    "scatter_add": ["ft.scatter_add(ft.zeros(3), 0, ft.tensor([2, 2]), ft.tensor([5.0, 6.0]))"],
    "std_mean": [f"ft.std_mean({M}, dim=1)"],
    "var_mean": [f"ft.var_mean({M}, dim=1)"],
    "take": [f"ft.take({M}, ft.tensor([0, 3]))"],
    "take_along_dim": [f"ft.take_along_dim({M}, ft.tensor([[1], [0]]), dim=1)"],
}


def _run(lines: list[str], namespace: dict) -> str:
    """The doctest transcript of ``lines``: each line and what it prints."""
    out = []
    for line in lines:           # a line with newlines is one compound statement
        first, *more = line.split("\n")
        out.append(">>> " + first)
        out.extend(("... " + rest).rstrip() for rest in more)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            try:
                value = eval(compile(line, "<example>", "eval"), namespace)
            except SyntaxError:
                exec(compile(line + "\n", "<example>", "exec"), namespace)
                value = None
        if value is not None:
            print(repr(value), file=buffer)
        out.extend(buffer.getvalue().rstrip("\n").splitlines())
    return "\n".join(out)


def facade_functions() -> list[str]:
    """The facade's names, one per function (of aliases, the one with example code,
    else the first)."""
    aliases: dict = {}
    for name in ft.__all__[ft._N_BEFORE_FACADE:]:
        obj = getattr(ft, name)
        if callable(obj) and not isinstance(obj, type) \
                and (getattr(obj, "__module__", "") or "").startswith("functrace"):
            aliases.setdefault(id(obj), []).append(name)
    return [next((n for n in names if n in CODE), names[0]) for names in aliases.values()]


def nn_names() -> list[str]:
    """nn's layers and ``functional.<name>`` for its functions."""
    import functrace.nn as nn
    import functrace.nn.functional as F
    layers = [n for n in nn.__all__ if isinstance(getattr(nn, n), type)]
    return layers + [f"functional.{n}" for n in F.__all__]


def numpy_names() -> list[str]:
    """functrace.numpy's functions and ``linalg.<name>`` for its linalg module's, one
    per function (of aliases such as ``acos`` and ``arccos``, the one with example
    code, else the first)."""
    import example_code
    import functrace.numpy as fnp
    from public_api import exported
    names = ([n for n, _ in exported(fnp)]
             + [f"linalg.{n}" for n, _ in exported(fnp.linalg)]
             + [f"fft.{n}" for n, _ in exported(fnp.fft)])
    aliases: dict = {}
    for name in names:
        aliases.setdefault(id(_lookup(fnp, name)), []).append(name)
    return [next((n for n in group if n in example_code.NUMPY), group[0])
            for group in aliases.values()]


def special_names() -> list[str]:
    import functrace.scipy.special as fsp
    return list(fsp.__all__)


def _lookup(root, key: str):
    for attr in key.split("."):
        root = getattr(root, attr)
    return root


def _own_doc(obj) -> str:
    """``obj``'s docstring without what any table appended to it."""
    import functrace.nn._examples
    import functrace.numpy._examples
    import functrace.scipy._special_examples
    import functrace.tensors._examples
    doc = inspect.cleandoc(obj.__doc__ or "")     # as indented as the tables' text
    for table in (functrace.numpy._examples, functrace.tensors._examples,
                  functrace.nn._examples, functrace.scipy._special_examples):
        for example in table.EXAMPLES.values():
            doc = doc.replace(example, "")
    return doc


def write_table(path: str, root, names: list[str], preamble: list[str], code: dict,
                default) -> None:
    """Rewrite the EXAMPLES table of ``path`` (keeping the module's text above it)."""
    module_text = open(path).read()
    head = module_text.split("EXAMPLES = {")[0]
    known = module_text[len(head):]
    rows = []
    for name in names:
        if repr(name) + ":" in known or ">>>" not in _own_doc(_lookup(root, name)):
            lines = code.get(name) or default(name)
            lines = [line.replace("{name}", name) for line in lines]
            rows.append((name, _run(preamble + lines, {})))
    body = "".join(f"    {name!r}: {text!r},\n" for name, text in rows)
    with open(path, "w") as f:
        f.write(head + "EXAMPLES = {\n" + body + "}\n")
    print(f"{len(rows)} examples written to {os.path.relpath(path)}")


def main() -> None:
    import functrace.nn
    import functrace.scipy.special
    import example_code
    here = os.path.join(os.path.dirname(__file__), "..", "functrace")
    import functrace.numpy
    write_table(os.path.join(here, "numpy", "_examples.py"), functrace.numpy, numpy_names(),
                ["import numpy as np", "import functrace as ft", "import functrace.numpy as fnp"],
                example_code.NUMPY, example_code.numpy_default)
    write_table(os.path.join(here, "tensors", "_examples.py"), ft, facade_functions(),
                ["import functrace as ft"], CODE, lambda name: [UNARY])
    write_table(os.path.join(here, "nn", "_examples.py"), functrace.nn, nn_names(),
                ["import functrace as ft"], example_code.CODE, example_code.default)
    write_table(os.path.join(here, "scipy", "_special_examples.py"), functrace.scipy.special,
                special_names(), ["import numpy as np", "import functrace.scipy.special as fsp"],
                example_code.SPECIAL, example_code.special_default)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main()

"""Generate ``docs/coverage.md``: for each numpy function (and the scipy functions
any of the three libraries differentiates), whether functrace, HIPS autograd and
JAX support it, with counts.

    python tools/coverage_table.py            # regenerate docs/coverage.md
    python tools/coverage_table.py --refresh  # first re-read autograd's and JAX's lists
                                              # from the installed packages (the bench
                                              # extra: pip install -e ".[bench]")

autograd's and JAX's lists are kept in ``docs/coverage_reference.json`` (written by
``--refresh``), so regenerating the table needs neither installed. functrace's
column comes from the functrace being imported. ``tests/test_coverage_table.py``
checks that every name the table lists as supported by functrace has a rule.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "coverage.md"
REFERENCE = ROOT / "docs" / "coverage_reference.json"

# numpy modules: (numpy module, functrace module, autograd module, jax module)
NUMPY_MODULES = [("numpy", "functrace.numpy", "autograd.numpy", "jax.numpy"),
                 ("numpy.linalg", "functrace.numpy.linalg", "autograd.numpy.linalg",
                  "jax.numpy.linalg"),
                 ("numpy.fft", "functrace.numpy.fft", "autograd.numpy.fft", "jax.numpy.fft")]
SCIPY_MODULES = [("scipy.special", "functrace.scipy.special", "autograd.scipy.special",
                  "jax.scipy.special"),
                 ("scipy.stats", "functrace.scipy.stats", "autograd.scipy.stats",
                  "jax.scipy.stats"),
                 ("scipy.linalg", "functrace.scipy.linalg", "autograd.scipy.linalg",
                  "jax.scipy.linalg"),
                 ("scipy.signal", "functrace.scipy.signal", "autograd.scipy.signal",
                  "jax.scipy.signal"),
                 ("scipy.integrate", "functrace.scipy.integrate", "autograd.scipy.integrate",
                  "jax.scipy.integrate")]

# functrace names whose results are integers or booleans: supported, no derivative
CONSTANT = frozenset("""
all any argmax argmin argpartition argsort argwhere array_equal array_equiv allclose bincount
broadcast_shapes can_cast ceil count_nonzero diag_indices diag_indices_from digitize equal
fix flatnonzero floor floor_divide greater greater_equal indices isclose isfinite isin isinf
isnan isneginf isposinf isscalar ix_ less less_equal lexsort logical_and logical_not
logical_or logical_xor mask_indices nanargmax nanargmin ndim nonzero not_equal promote_types
ravel_multi_index result_type rint round around searchsorted shape sign signbit size tri
tril_indices tril_indices_from triu_indices triu_indices_from trunc unravel_index arange
empty empty_like eye identity ones ones_like zeros zeros_like geterr seterr errstate
histogram bartlett blackman hamming hanning kaiser matrix_rank iscomplex iscomplexobj isreal isrealobj
fftfreq rfftfreq
""".split())

REASONS = [
    ("input, output and printing", """load save savez savez_compressed loadtxt savetxt
     genfromtxt fromfile frombuffer fromstring fromregex fromiter fromfunction array2string
     array_repr array_str format_float_positional format_float_scientific set_printoptions
     get_printoptions printoptions base_repr binary_repr info show_config show_runtime
     get_include test typename mintypecode common_type setbufsize getbufsize seterrcall
     geterrcall iterable isfortran may_share_memory shares_memory require asfortranarray
     ascontiguousarray asanyarray asarray_chkfinite from_dlpack frompyfunc vectorize
     nested_iters min_scalar_type issubdtype isdtype einsum_path histogram_bin_edges"""),
    ("writes in place: traced arrays are immutable, use x.at[idx].set(v)", """copyto place
     put putmask put_along_axis fill_diagonal"""),
    ("dates and times", """busday_count busday_offset is_busday datetime_as_string
     datetime_data isnat"""),
    ("integers and bits only: no derivative, call numpy on the values", """bitwise_and
     bitwise_or bitwise_xor bitwise_not bitwise_invert bitwise_left_shift bitwise_right_shift
     bitwise_count left_shift right_shift invert gcd lcm packbits unpackbits"""),
    ("complex numbers: not yet", """real imag conj conjugate angle iscomplex
     isreal iscomplexobj isrealobj real_if_close sort_complex"""),
]
REASON_OF = {name: why for why, names in REASONS for name in names.split()}


def _public_functions(module: object) -> list:
    """Public functions; for a ``stats`` module, its distributions (objects or
    modules with ``logpdf``/``logpmf``)."""
    names = []
    stats = getattr(module, "__name__", "").endswith(".stats")
    for name in dir(module):
        obj = getattr(module, name, None)
        if name.startswith("_"):
            continue
        if stats:
            if hasattr(obj, "logpdf") or hasattr(obj, "logpmf"):
                names.append(name)
        elif callable(obj) and not isinstance(obj, type):
            names.append(name)
    return names


def _import(name: str) -> object:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# -- the reference lists (autograd, JAX) ---------------------------------------------------

def _autograd_status(module: object, name: str) -> str:
    """``rule``: a VJP is registered (or a Python composite of such); ``constant``:
    a no-gradient primitive; ``""``: raises on traced values."""
    from autograd import core, tracer       # noqa: PLC0415  (bench extra)
    fn = getattr(module, name, None)
    if fn is None:
        return ""
    if module.__name__.endswith(".stats"):     # a distribution module: logpdf etc. have VJPs
        return "rule"
    if fn in core.primitive_vjps:
        return "rule"
    if fn in tracer.notrace_primitives[core.VJPNode]:
        return "constant"
    if getattr(fn, "_is_autograd_primitive", False):
        return ""                              # wrapped, but no VJP: an error on grad
    numpy_fn = getattr(np, name, None)
    return "" if fn is numpy_fn else "rule"    # autograd's own Python composite


def refresh_reference() -> dict:
    """autograd's and JAX's supported names, per module, from the installed packages."""
    import autograd       # noqa: PLC0415,F401
    import jax            # noqa: PLC0415
    reference: dict = {"autograd": {}, "jax": {},
                       "versions": {"autograd": _version("autograd"), "jax": jax.__version__,
                                    "numpy": np.__version__}}
    for _, _, ag_name, jax_name in NUMPY_MODULES + SCIPY_MODULES:
        ag = _import(ag_name)
        if ag is not None:
            statuses = {n: _autograd_status(ag, n) for n in _public_functions(ag)}
            reference["autograd"][ag_name] = {n: s for n, s in sorted(statuses.items()) if s}
        jx = _import(jax_name)
        if jx is not None:
            reference["jax"][jax_name] = sorted(_public_functions(jx))
    return reference


def _version(dist: str) -> str:
    from importlib.metadata import version   # noqa: PLC0415
    return version(dist)


# -- functrace's column ---------------------------------------------------------------------

def functrace_status(module_name: str, name: str) -> str:
    """``rule``, ``constant`` or ``""`` for functrace's function ``name`` of
    ``module_name`` (``functrace.numpy``, ...)."""
    module = _import(module_name)
    if module is None or name not in _public_functions(module):
        return ""
    return "constant" if name in CONSTANT else "rule"


def _rows(reference: dict) -> list:
    """``(module, name, functrace, autograd, jax)`` for every row of the table."""
    rows = []
    for np_name, ft_name, ag_name, jax_name in NUMPY_MODULES + SCIPY_MODULES:
        theirs = _import(np_name)
        ag = reference["autograd"].get(ag_name, {})
        jx = set(reference["jax"].get(jax_name, []))
        ours = _import(ft_name)
        ours_names = set(_public_functions(ours)) if ours is not None else set()
        if np_name.startswith("numpy"):
            names = set(_public_functions(theirs))
        else:   # scipy: the names any of the three differentiates
            names = (set(ag) | jx | ours_names) & set(_public_functions(theirs)) \
                if theirs is not None else set()
        for name in sorted(names):
            rows.append((np_name, name, functrace_status(ft_name, name), ag.get(name, ""),
                         "yes" if name in jx else ""))
    return rows


def _cell(status: str, name: str, functrace: bool) -> str:
    if status:
        return status
    return f"— ({REASON_OF[name]})" if functrace and name in REASON_OF else "—"


def render(reference: dict) -> str:
    rows = _rows(reference)
    lines = ["# Differentiable NumPy and SciPy: functrace, HIPS autograd and JAX", "",
             "Generated by `tools/coverage_table.py` (do not edit by hand). **rule**: "
             "differentiable (a primitive's rule, or a composition of differentiable "
             "operations); **constant**: supported, integer- or boolean-valued (no "
             "derivative, gradients flow around it); **—**: not supported (on traced "
             "values), with the reason where there is one. autograd's column: a VJP is "
             "registered (rule), a no-gradient primitive (constant), else —. JAX's: the "
             "name exists in `jax.numpy`/`jax.scipy`.", "",
             f"Reference versions: {json.dumps(reference.get('versions', {}))}; functrace "
             f"column with numpy {np.__version__}.", ""]
    lines += _summary(rows)
    current = None
    for module, name, ours, ag, jx in rows:
        if module != current:
            lines += ["", f"## `{module}`", "", "| name | functrace | HIPS autograd | JAX |",
                      "|---|---|---|---|"]
            current = module
        lines.append(f"| `{name}` | {_cell(ours, name, True)} | {_cell(ag, name, False)} | "
                     f"{jx or '—'} |")
    return "\n".join(lines) + "\n"


def _summary(rows: list) -> list:
    out = ["## Counts", "", "| module | names | functrace rule | functrace constant | "
           "autograd rule | autograd constant | JAX |", "|---|---|---|---|---|---|---|"]
    modules = sorted({r[0] for r in rows}, key=lambda m: (not m.startswith("numpy"), m))
    for module in modules:
        sub = [r for r in rows if r[0] == module]
        count = lambda k, v: sum(1 for r in sub if r[k] == v)      # noqa: E731
        out.append(f"| `{module}` | {len(sub)} | {count(2, 'rule')} | {count(2, 'constant')} | "
                   f"{count(3, 'rule')} | {count(3, 'constant')} | {count(4, 'yes')} |")
    both = [r for r in rows if r[2] and r[3]]
    only_ag = [f"`{r[0].split('.', 1)[-1] if '.' in r[0] else ''}{'.' if '.' in r[0] else ''}"
               f"{r[1]}`" for r in rows if r[3] and not r[2]]
    out += ["", f"Names supported by both functrace and autograd: {len(both)}. "
            f"Supported by autograd but not functrace: {len(only_ag)}"
            + (f" ({', '.join(only_ag)})." if only_ag else "."), ""]
    return out


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true",
                        help="re-read autograd's and JAX's lists from the installed packages")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.refresh:
        REFERENCE.write_text(json.dumps(refresh_reference(), indent=1, sort_keys=True) + "\n")
    reference = json.loads(REFERENCE.read_text())
    TABLE.write_text(render(reference))
    print(f"wrote {TABLE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

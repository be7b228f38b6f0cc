"""The table of primitives, grouped by kind. Importing this registers them all (the
scipy-backed modules -- special_functions, bessel, scipy_linalg, scipy_decompositions,
convolution -- are imported by :mod:`functrace.scipy` on first use; ``odeint``, whose
rules are transforms, is declared in ``functrace/scipy/_odeint.py``).

Each primitive is declared once, in one registry block (:mod:`functrace.registry`):
its numpy impl, its rules (or the one derivative they come from), what it saves,
whether it broadcasts or is linear, its batching rule and its kernel's scalar
derivatives. Imports point down this list:

* ``shape_ops``: reshape, transpose, flip, astype, and the axis helpers that
  batching rules use; ``batch_rules``: the generic batching rules
  (``batch="elementwise"``, ``"reduction"``, ``"axis"``, ``"stacked"``);
* ``nondiff``: constant outputs (comparisons, rounding, argmax, ...);
* ``selection``: where, maximum, minimum, fmax, fmin, clip, relu;
  ``arithmetic``: add ... absolute, hypot; ``transcendental``: power, exp/log,
  expit, logaddexp, trigonometric and hyperbolic; ``erf``: erf, erfc;
* ``reductions``: broadcast_to and its transpose ``sum_to_shape``, sums, extrema,
  cumsum, logsumexp; ``indexing``: getitem, scatter_add, concatenate, pad, and the
  planning of gathers with batched index arrays;
* ``linalg``, ``products``, ``decompositions`` (Cholesky), ``spectral`` (eigh, eig),
  ``factorizations`` (svd, qr, pinv), ``conv``/``pooling`` (on ``windows``).

Adding an elementwise primitive
-------------------------------
A new op ``foo`` with a Numba fast path, vmap, a numpy-style function and a Tensor
method takes four places; each has a meta-test that fails until it is filled in.

1. Its registry block, in the family module (here ``transcendental.py``)::

       def _foo_kernel(T):                       # optional: the compiled fast path
           one = T(1)                            # constants typed: float32 stays float32

           def foo_d(x): return one / (one + x * x)
           return (foo_d,)

       foo_p = defelementwise("foo", np.foo, (lambda x, out: 1.0 / (1.0 + x * x),),
                              kernel=KernelSpec(_foo_kernel, passes=4))

   The derivative ``d(*ins, out)``, written with functrace ops (so it is itself
   differentiable), gives the VJP, the JVP and, with ``saves="in"/"out"/"both"``,
   the residuals; the batching rule defaults to ``"elementwise"``. The kernel's
   scalar derivative takes exactly the saved values; a spec that disagrees with
   the primitive is a ``ValueError`` at import. Guards: ``tests/test_spec_table.py``
   (``test_every_primitive_has_a_row``, ``test_every_kernel_has_one_kernel_row``) and
   ``tests/test_batching_rules.py`` (every primitive has a native batching rule).
2. Its numpy wrapper, in ``functrace/numpy/_ufuncs.py``: ``def foo(x): return
   _tr.foo_p.bind(x)`` (with a docstring); ``np.foo`` on a tracer then dispatches to
   it by name. Guard: the spec row calls it, and ``test_row_binds_the_primitives_it_names``
   checks that it binds ``foo``; a kernel row must call a function of functrace.
3. Its spec row, in ``tests/specs/elementwise.py``: ``("foo", fnp.foo, np.foo, domain,
   {})`` in ``UNARY`` (values against numpy, derivatives against finite differences
   to order 2 in float32 and float64, vmap; its ``kernel=True`` row's domain is the
   one the kernel tests use). Guards: ``test_every_primitive_has_a_row``,
   ``test_every_kernel_has_one_kernel_row``, ``test_rows_name_only_registered_primitives``.
4. Its facade row, in ``functrace/tensors/_names.py``: ``foo = op(fnp.foo,
   "FooBackward0", prim="foo", inplace=True)``, and ``"foo"`` in the facade's names
   listed in ``functrace/__init__.py`` (for ``ft.foo``). Guard:
   ``tests/test_facade_names.py`` (every primitive has a row or a ``no_row`` reason;
   every row runs on Tensors and gives its ``grad_fn``; the listed names match).

Other kinds of primitive use :func:`~functrace.registry.defprimitive` (``vjp=`` and
``jvp=``, or ``vjp_all=`` when the arguments' cotangents share work, as ``solve``'s),
:func:`~functrace.registry.deflinear` (``transpose=``) or
:func:`~functrace.registry.defnondiff` (an ``order=0`` spec row); a batching rule
that is not generic is written with the helpers of :mod:`.batch_rules`.

>>> from functrace.registry import PRIMITIVES
>>> PRIMITIVES["tanh"].kernel is not None, PRIMITIVES["reshape"].linear
(True, True)
"""
# batch_rules first: it fills the registry's table of generic batching rules
# (batch="elementwise", ...), which the modules after it name.
from . import batch_rules  # noqa: F401
from . import shape_ops, nondiff, complex_parts, selection, arithmetic, transcendental  # noqa: F401
from . import erf  # noqa: F401
from . import reductions, indexing, linalg, products, decompositions  # noqa: F401
from . import spectral, factorizations  # noqa: F401
from . import conv, pooling, fft  # noqa: F401
from . import nondiff_extra  # noqa: F401

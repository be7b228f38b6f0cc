"""Random numbers: :class:`Generator`, ``manual_seed`` and the random factories.

Every random function of the facade (``rand``, ``randn``, ``randint``,
``randperm``, ``normal``, ``bernoulli``, ``multinomial``, ``Tensor.uniform_``
and friends, ``nn.init``, ``Dropout``, ``DataLoader`` shuffling,
``random_split``) draws from a :class:`Generator`: the one passed as
``generator=``, else the default one that :func:`manual_seed` reseeds. The
numbers come from numpy's PCG64, so a seed gives other numbers than in torch,
but the same seed always gives the same numbers.

A Generator holds its numpy stream behind a lock: reseeding and drawing from
several threads never see a half-replaced stream.

>>> import functrace as ft
>>> _ = ft.manual_seed(0); a = ft.rand(3)
>>> _ = ft.manual_seed(0); bool((a == ft.rand(3)).all())
True
>>> g = ft.Generator().manual_seed(7)
>>> ft.randperm(5, generator=g).tolist() == ft.randperm(5, generator=g.manual_seed(7)).tolist()
True
"""
from __future__ import annotations

import json
import os
import threading
from typing import Any, Callable, Optional

import numpy as np

from ..jit.trace import recording
from ._device import CPU, check_device
from ._factories import _dtype, _leaf, default_float, int64, parse_size
from ._tensor import Tensor, make

#: the initial seed of a new ``Generator()`` (PyTorch's)
DEFAULT_SEED = 67280421310721
_UINT64 = 2 ** 64


def _check_seed(seed: Any) -> int:
    seed = int(seed)
    if not -2 ** 63 <= seed < _UINT64:
        raise ValueError(f"seed must be within [-2**63, 2**64 - 1], got {seed}")
    return seed % _UINT64          # negative seeds wrap around, as in torch


class Generator:
    """A random number stream (``torch.Generator``): pass it as ``generator=``.

    >>> g = Generator().manual_seed(3)
    >>> g.initial_seed()
    3
    >>> state = g.get_state(); a = randn(2, generator=g)
    >>> _ = g.set_state(state); bool((a == randn(2, generator=g)).all())
    True
    """

    def __init__(self, device: Any = "cpu") -> None:
        check_device(device)
        self._lock = threading.Lock()
        # (seed, numpy generator), replaced in one assignment so that an interrupt never
        # leaves a seed paired with another seed's stream
        self._stream = (DEFAULT_SEED, np.random.Generator(np.random.PCG64(DEFAULT_SEED)))

    @property
    def device(self) -> Any:
        return CPU

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from ``seed`` (returns the generator)."""
        seed = _check_seed(seed)
        stream = (seed, np.random.Generator(np.random.PCG64(seed)))
        with self._lock:
            self._stream = stream
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        seed = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed the stream was last started from."""
        return self._stream[0]

    def get_state(self) -> Tensor:
        """The stream's state as a uint8 tensor (for :meth:`set_state`)."""
        with self._lock:
            seed, rng = self._stream
            state = {"seed": seed, "bit_generator": rng.bit_generator.state}
        data = np.frombuffer(json.dumps(state).encode(), dtype=np.uint8).copy()
        return make(data, None, False)

    def set_state(self, new_state: Tensor) -> "Generator":
        """Restore a state returned by :meth:`get_state`."""
        data = new_state._data if isinstance(new_state, Tensor) else np.asarray(new_state)
        try:
            state = json.loads(np.asarray(data, dtype=np.uint8).tobytes().decode())
            seed = _check_seed(state["seed"])
            bit_generator = np.random.PCG64()
            bit_generator.state = state["bit_generator"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise ValueError("set_state expects a state returned by Generator.get_state() "
                             "or functrace.get_rng_state()") from None
        stream = (seed, np.random.Generator(bit_generator))
        with self._lock:
            self._stream = stream
        return self

    def draw(self, sample: Callable[[np.random.Generator], Any]) -> Any:
        """``sample(numpy_generator)`` while holding this stream's lock."""
        with self._lock:
            return sample(self._stream[1])

    def snapshot(self) -> Callable[[], None]:
        """A function that puts the stream back where it is now (for a jitted
        replay that must undo its draws)."""
        with self._lock:
            stream = self._stream
            state = stream[1].bit_generator.state

        def restore() -> None:
            with self._lock:
                stream[1].bit_generator.state = state
                self._stream = stream
        return restore


default_generator = Generator().manual_seed(int.from_bytes(os.urandom(8), "little"))
_LOCAL = threading.local()      # a DataLoader worker thread's own default generator


def resolve(generator: Optional[Generator]) -> Generator:
    """``generator``, or the default generator (a worker thread's own, inside one)."""
    if generator is None:
        return getattr(_LOCAL, "generator", None) or default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a functrace.Generator, got "
                        f"{type(generator).__name__}")
    return generator


def draw(generator: Optional[Generator], sample: Callable[[np.random.Generator], Any]) -> Any:
    """Draw ``sample(numpy_generator)`` from ``generator`` or the default generator.

    The result is a constant: inside a recording of ``functrace.jit`` it would be
    replayed unchanged, so the recording is marked not replayable (the jitted
    function runs eagerly). Arrays that enter traced computations should come
    from :func:`draw_array`."""
    recorder = recording()
    if recorder is not None:
        recorder.unrecorded_draw("a random draw of the functrace facade")
    return resolve(generator).draw(sample)


class _Draw:
    """One random draw that a jitted function repeats on each call (see
    :class:`functrace.jit.trace.Source`): from ``generator`` as resolved at that
    time (a worker thread's own default generator, in a worker)."""

    __slots__ = ("generator", "sample")

    def __init__(self, generator: Optional[Generator], sample: Callable) -> None:
        self.generator = generator
        self.sample = sample

    def __call__(self) -> Any:
        return resolve(self.generator).draw(self.sample)

    def snapshot(self) -> Callable[[], None]:
        return resolve(self.generator).snapshot()

    def __repr__(self) -> str:       # (how a jitted program's tape shows the draw)
        return "default generator" if self.generator is None else "a Generator"


def draw_array(generator: Optional[Generator],
               sample: Callable[[np.random.Generator], np.ndarray]) -> Any:
    """:func:`draw` for an array that functrace operations consume: inside a
    recording of ``functrace.jit`` it is a traced value whose replay draws again
    (fresh numbers on each call, as the eager call would draw them)."""
    recorder = recording()
    if recorder is None:
        return resolve(generator).draw(sample)
    return recorder.draw(_Draw(resolve(generator) if generator is not None else None,
                               sample))


def set_thread_generator(generator: Optional[Generator]) -> None:
    """Make ``generator`` the default generator of the calling thread (None to undo)."""
    _LOCAL.generator = generator


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (returns it): every unseeded random call follows.

    >>> _ = manual_seed(0); a = rand(2); _ = manual_seed(0)
    >>> bool((a == rand(2)).all())
    True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy (returns the seed)."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state (a uint8 tensor, for :func:`set_rng_state`)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state saved by :func:`get_rng_state`."""
    default_generator.set_state(new_state)


# -- random factories -----------------------------------------------------------------------

def _float_leaf(values: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    dtype = _dtype(dtype) or default_float()
    if dtype.kind not in "fc":
        raise TypeError(f"expected a floating-point dtype, got {dtype}")
    return _leaf(values.astype(dtype, copy=False), requires_grad)


def rand(*size: Any, generator: Optional[Generator] = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform random numbers in [0, 1). ``rand(2, 3)`` or ``rand((2, 3))``.

    >>> rand(2, 3, generator=Generator().manual_seed(0)).shape
    functrace.Size([2, 3])
    """
    check_device(device)
    shape = parse_size(size)
    return _float_leaf(draw(generator, lambda r: r.random(shape)), dtype, requires_grad)


def randn(*size: Any, generator: Optional[Generator] = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal random numbers."""
    check_device(device)
    shape = parse_size(size)
    return _float_leaf(draw(generator, lambda r: r.standard_normal(shape)), dtype,
                       requires_grad)


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def _integers(low: int, high: int, shape: tuple, generator: Optional[Generator],
              dtype: Any, requires_grad: bool) -> Tensor:
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    values = draw(generator, lambda r: r.integers(low, high, size=shape))
    return _leaf(values.astype(_dtype(dtype) or int64), requires_grad)


def randint(low: int, high: Any = None, size: Any = None, *,
            generator: Optional[Generator] = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """Random integers in ``[low, high)``: ``randint(low, high, size)`` or ``randint(high, size)``.

    >>> x = randint(3, 5, (100,))
    >>> sorted(set(x.tolist())), x.dtype
    ([3, 4], dtype('int64'))
    """
    check_device(device)
    if size is None:
        if high is None:
            raise TypeError("randint() missing the size argument")
        low, high, size = 0, low, high
    if isinstance(size, (int, np.integer)):
        raise TypeError("randint(): size must be a tuple of ints, e.g. (3,)")
    return _integers(int(low), int(high), parse_size((size,)), generator, dtype,
                     requires_grad)


def randint_like(input: Tensor, low: int, high: Optional[int] = None, *,
                 dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    check_device(device)
    if high is None:
        low, high = 0, low
    return _integers(int(low), int(high), input.shape, None, dtype or input.dtype,
                     requires_grad)


def randperm(n: int, *, generator: Optional[Generator] = None, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1``."""
    check_device(device)
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got {n}")
    perm = draw(generator, lambda r: r.permutation(int(n)))
    return _leaf(perm.astype(_dtype(dtype) or int64), requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *,
           generator: Optional[Generator] = None, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Normal random numbers with tensor or float ``mean`` and ``std`` (broadcast together),
    or ``normal(mean, std, size)`` with floats.

    >>> normal(0.0, 1.0, (2, 2)).shape
    functrace.Size([2, 2])
    """
    check_device(device)
    tensors = [a for a in (mean, std) if isinstance(a, Tensor)]
    if not tensors and size is None:
        raise TypeError("normal() with float mean and std needs a size")
    m, s = (a._data if isinstance(a, Tensor) else np.asarray(a, dtype=float)
            for a in (mean, std))
    if np.any(s < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {s.min()}")
    shape = np.broadcast_shapes(m.shape, s.shape) if size is None else parse_size((size,))
    values = draw(generator, lambda r: r.normal(m, s, shape))
    dtype = dtype or (np.result_type(*(t.dtype for t in tensors)) if tensors else None)
    return _float_leaf(values, dtype, requires_grad)


def _probabilities(p: Any, name: str) -> np.ndarray:
    p = p._data if isinstance(p, Tensor) else np.asarray(p, dtype=float)
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise RuntimeError(f"{name} expects p to be in [0, 1]")
    return p


def bernoulli(input: Tensor, p: Any = None, *, generator: Optional[Generator] = None) -> Tensor:
    """1 with probability ``input`` (or ``p``), else 0, in ``input``'s dtype.

    >>> import functrace as ft
    >>> ft.bernoulli(ft.tensor([1.0, 0.0])).tolist()
    [1.0, 0.0]
    """
    probs = _probabilities(input if p is None else p, "bernoulli")
    shape = input._data.shape
    values = draw(generator, lambda r: r.random(shape) < probs)
    return make(values.astype(input._data.dtype), None, False)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Optional[Generator] = None) -> Tensor:
    """Indices drawn with probabilities proportional to the rows of ``input`` (int64).

    >>> import functrace as ft
    >>> ft.multinomial(ft.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
    [1, 1]
    """
    weights = input._data
    if weights.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    rows = weights.reshape(-1, weights.shape[-1]).astype(np.float64)
    if np.any(rows < 0) or not np.all(np.isfinite(rows)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = rows.sum(axis=1)
    if np.any(totals <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and (num_samples > rows.shape[1]
                            or np.any((rows > 0).sum(axis=1) < num_samples)):
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement (or more samples than non-zero probabilities)")

    def sample(r: np.random.Generator) -> np.ndarray:
        return np.stack([r.choice(rows.shape[1], size=num_samples, replace=replacement,
                                  p=row / total) for row, total in zip(rows, totals)])

    out = draw(generator, sample).astype(np.int64)
    return make(out.reshape(weights.shape[:-1] + (num_samples,)), None, False)

"""Interrupts, threads and asyncio tasks leave no trace or grad-mode state behind.

A ``KeyboardInterrupt`` can arrive at any bytecode. The random test delivers
500 real ones (``SIGALRM`` at random delays; a Python handler raises only while
a workload runs) to transforms, custom rules, checkpoints, facade backward
passes and ``no_grad`` blocks. The exhaustive tests raise one (from a trace
function) at every bytecode of the code that switches state, which is stricter
than real signals: CPython delivers those only at function entry, after calls
and on backward jumps.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import signal
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import functrace as ft
import functrace.numpy as fnp
from functrace import core

X = np.linspace(0.1, 0.9, 6)


def f(v):
    return fnp.sum(fnp.tanh(v) * fnp.sin(v))


@ft.custom_vjp
def clipped(v):
    return fnp.clip(v, -0.5, 0.5)


clipped.defvjp(lambda v: (clipped(v), v), lambda v, ct: (ct * 2.0,))


@ft.custom_jvp
def softplus(v):
    return fnp.logaddexp(v, 0.0)


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (v,), (t,) = primals, tangents
    return softplus(v), t / (1.0 + fnp.exp(-v))


remat = ft.checkpoint(lambda v: fnp.sin(fnp.cos(v)) * v)


def _grad_mode_blocks(t, big):
    with ft.no_grad():
        assert not (t * 2).requires_grad
        with ft.enable_grad():
            assert (t * 2).requires_grad
        big * 2.0                 # a long C call right before __exit__
    with ft.inference_mode():
        assert not ft.is_grad_enabled() and ft.is_inference_mode_enabled()
    assert not _decorated(t).requires_grad


@ft.no_grad()
def _decorated(t):
    return t * 3


def _facade_backward(create_graph):
    t = ft.tensor(X, requires_grad=True)
    y = (t.sin() * t).sum()
    if create_graph:
        (g,) = ft.autograd.grad(y, t, create_graph=True)
        g.sum().backward()
    else:
        y.backward()
    return t.grad


def workloads():
    t = ft.tensor(X, requires_grad=True)
    big = np.ones(50_000)
    g = ft.grad(f)
    return [
        lambda: g(X),
        lambda: ft.jvp(f, (X,), (X,)),
        lambda: ft.vmap(g)(np.ones((3, 4))),
        lambda: ft.hessian(f)(X[:3]),
        lambda: ft.grad(lambda v: fnp.sum(clipped(v) * softplus(v)))(X),
        lambda: ft.jvp(lambda v: fnp.sum(softplus(v)), (X,), (X,)),
        lambda: ft.grad(lambda v: fnp.sum(remat(v)))(X),
        lambda: ft.linearize(f, X)[1](X),
        lambda: _facade_backward(False),
        lambda: _facade_backward(True),
        lambda: _grad_mode_blocks(t, big),
    ]


def assert_clean(grad_enabled=True):
    assert core.current_trace() is core.EVAL_TRACE
    assert ft.is_grad_enabled() is grad_enabled
    assert not ft.is_inference_mode_enabled()


def assert_still_works():
    """Tensors still record, and large gradients still use the compiled kernels."""
    y = ft.tensor([1.0]) * 2
    assert isinstance(y, ft.Tensor)
    t = ft.tensor([1.0], requires_grad=True)
    assert (t * 2).grad_fn is not None
    x = np.linspace(-1, 1, 100_000)
    import functrace.kernels as K
    before = K.kernel_calls()
    np.testing.assert_allclose(ft.grad(lambda v: fnp.sum(fnp.tanh(v)))(x), 1 - np.tanh(x) ** 2,
                               rtol=1e-12)
    if K.is_enabled():
        assert K.kernel_calls() > before


# -- real signals at random moments -------------------------------------------------------

class _Alarm:
    """SIGALRM handler: one KeyboardInterrupt per arming, none while disarmed."""

    armed = False

    def __call__(self, signum, frame):
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt


def interrupt_randomly(works, n, rng, check):
    """Run random workloads, each interrupted after a random delay within its
    duration, until ``n`` interrupts were caught; ``check()`` after each one."""
    durations = []
    for work in works:                        # warm up (imports, kernels) and time
        times = []
        for _ in range(3):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        durations.append(statistics.median(times))
    alarm = _Alarm()
    previous = signal.signal(signal.SIGALRM, alarm)
    caught = 0
    try:
        while caught < n:
            k = rng.randrange(len(works))
            try:
                alarm.armed = True
                signal.setitimer(signal.ITIMER_REAL, rng.uniform(1e-6, durations[k]))
                while alarm.armed:
                    works[k]()
                alarm.armed = False
            except KeyboardInterrupt:
                caught += 1
            check()
    finally:
        alarm.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return caught


needs_alarm = pytest.mark.skipif(
    not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread(),
    reason="needs signal.setitimer in the main thread")


@needs_alarm
def test_500_random_interrupts_leave_no_state_behind():
    caught = interrupt_randomly(workloads(), 500, random.Random(8), assert_clean)
    assert caught == 500
    assert_clean()
    assert_still_works()


@needs_alarm
def test_random_interrupts_inside_no_grad_leave_it_off():
    works = workloads()
    del works[8:10]                               # (facade backward needs a recorded graph)
    with ft.no_grad():
        interrupt_randomly(works, 100, random.Random(9), lambda: assert_clean(grad_enabled=False))
    assert_clean()


# -- an interrupt at every bytecode ---------------------------------------------------------

_FUNCTRACE = os.path.dirname(ft.__file__)
_STATE_NAMES = {"call_under", "_current_trace", "copy_context", "_MODE", "call_with_grad_enabled",
                "no_grad", "enable_grad", "inference_mode", "set_grad_enabled", "residuals"}


@functools.lru_cache(maxsize=None)
def switches_state(code):
    """Whether ``code`` (functrace's or this file's) may change the current trace or
    grad mode: anything in core.py and grad_mode.py, or code naming what does. An
    interrupt anywhere else is, for the state, one at a call made by such code."""
    name = code.co_filename
    if not name.startswith((_FUNCTRACE, __file__)):
        return False
    return (name.endswith((f"{os.sep}core.py", f"{os.sep}grad_mode.py"))
            or not _STATE_NAMES.isdisjoint(code.co_names))


class Positions:
    """Trace function over the code that switches state. Records each position
    (a frame entry, offset -1, or a bytecode offset) as ``(code, offset)``; with
    ``stop`` set, raises KeyboardInterrupt at the first time that position runs."""

    def __init__(self, stop=None):
        self.stop = stop
        self.seen = set()

    def _at(self, code, offset):
        if self.stop is None:
            self.seen.add((code, offset))
        elif (code, offset) == self.stop:
            self.stop = None
            raise KeyboardInterrupt     # (CPython then removes the trace function)

    def __call__(self, frame, event, arg):
        if event != "call" or not switches_state(frame.f_code):
            return None
        frame.f_trace_opcodes = True
        self._at(frame.f_code, -1)
        return self._local

    def _local(self, frame, event, arg):
        if event == "opcode":
            self._at(frame.f_code, frame.f_lasti)
        return self._local


def traced(tracer, scenario):
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        scenario()
    finally:
        sys.settrace(previous)


def interrupt_everywhere(scenarios, check):
    """Run each scenario once per position of the code that switches state which
    no earlier scenario has reached, interrupted there; ``check()`` after each.
    Returns the number of positions."""
    done = set()
    for scenario in scenarios:
        scenario()                               # warm up
        counter = Positions()
        traced(counter, scenario)
        for position in sorted(counter.seen - done, key=lambda p: (id(p[0]), p[1])):
            stopper = Positions(stop=position)
            with pytest.raises(KeyboardInterrupt):
                traced(stopper, scenario)
            check()
        done |= counter.seen
    return len(done)


def test_an_interrupt_at_every_bytecode_that_switches_state():
    n = interrupt_everywhere(workloads(), assert_clean)
    assert n > 1000
    assert_clean()
    assert_still_works()


def test_an_interrupt_at_every_bytecode_of_with_blocks_inside_no_grad():
    def scenario():
        with ft.enable_grad():
            assert ft.is_grad_enabled()
        with ft.inference_mode():
            assert ft.is_inference_mode_enabled()
        with ft.inference_mode(False):
            assert not ft.is_grad_enabled()
        assert not _decorated(ft.tensor(X, requires_grad=True)).requires_grad

    with ft.no_grad():
        assert interrupt_everywhere([scenario], lambda: assert_clean(grad_enabled=False)) > 50
    assert_clean()


def test_with_statement_interrupted_at_exit_entry_reverts_before_except_clause():
    """What a signal delivered at ``__exit__``'s first instruction does."""
    exit_code = ft.no_grad.__exit__.__code__

    def raise_in_exit(frame, event, arg):
        if event == "call" and frame.f_code is exit_code:
            raise KeyboardInterrupt

    previous = sys.gettrace()
    try:
        with ft.no_grad():
            sys.settrace(raise_in_exit)
            assert not ft.is_grad_enabled()
    except KeyboardInterrupt:
        assert ft.is_grad_enabled()
    else:
        raise AssertionError("__exit__ was not interrupted")
    finally:
        sys.settrace(previous)
    assert_clean()


# -- hand-made enter/exit keep PyTorch's behaviour ---------------------------------------------

def test_enter_by_hand_lasts_until_exit():
    mode = ft.no_grad()
    mode.__enter__()
    try:
        del mode
        assert not ft.is_grad_enabled()      # not tied to any with statement
    finally:
        ft.set_grad_enabled(True)
    with contextlib.ExitStack() as stack:
        stack.enter_context(ft.no_grad())
        assert not ft.is_grad_enabled()
    assert_clean()


def test_set_grad_enabled_forms():
    ft.set_grad_enabled(False)
    try:
        assert not ft.is_grad_enabled()
        with ft.set_grad_enabled(True):
            assert ft.is_grad_enabled()
        assert not ft.is_grad_enabled()

        @ft.set_grad_enabled(True)
        def on():
            return ft.is_grad_enabled()
        assert not ft.is_grad_enabled() and on() and not ft.is_grad_enabled()
    finally:
        ft.set_grad_enabled(True)


def test_context_variables_set_inside_a_transform_end_with_it():
    def f(v):
        ft.set_grad_enabled(False)           # a plain call inside the traced function
        return v * v

    assert ft.grad(f)(3.0) == 6.0
    assert_clean()


# -- threads and asyncio tasks ------------------------------------------------------------

def test_thread_started_inside_no_grad_records():
    t = ft.tensor(X, requires_grad=True)
    seen = {}

    def worker():
        seen["mode"] = ft.is_grad_enabled()
        seen["records"] = (t * 2).requires_grad

    with ft.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert not (t * 2).requires_grad
    assert seen == {"mode": True, "records": True}


def test_thread_pool_workers_started_inside_no_grad_record():
    t = ft.tensor(X, requires_grad=True)
    with ft.no_grad(), ThreadPoolExecutor(2) as pool:
        seen = list(pool.map(lambda _: (ft.is_grad_enabled(), (t * 2).requires_grad), range(4)))
    assert seen == [(True, True)] * 4


def test_no_grad_in_another_thread_does_not_switch_this_one_off():
    entered, release = threading.Event(), threading.Event()

    def holder():
        with ft.no_grad():
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert entered.wait(10)
        assert ft.is_grad_enabled()
        assert (ft.tensor(X, requires_grad=True) * 2).requires_grad
    finally:
        release.set()
        thread.join()


def test_no_grad_held_across_await_does_not_switch_other_tasks_off():
    t = ft.tensor(X, requires_grad=True)

    async def holder(entered, release):
        with ft.no_grad():
            entered.set()
            await release.wait()
            return ft.is_grad_enabled(), (t * 2).requires_grad

    async def recorder(entered, release):
        await entered.wait()
        try:
            return ft.is_grad_enabled(), (t * 2).requires_grad
        finally:
            release.set()

    async def main():
        entered, release = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(holder(entered, release), recorder(entered, release))

    assert asyncio.run(main()) == [(False, False), (True, True)]
    assert_clean()


def test_docstring_examples():
    import doctest
    from functrace import grad_mode
    for module in (core, grad_mode):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0

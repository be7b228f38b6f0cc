"""functrace.dask on Dask's local threaded scheduler: equal to single-process functrace,
the errors, the training helpers and the documentation (the cluster: test_dask_cluster)."""
from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

import functrace as ft  # noqa: E402
import functrace.dask as ftd  # noqa: E402
import functrace.numpy as fnp  # noqa: E402


@pytest.fixture(autouse=True)
def local_threads():
    """These tests run on the threaded scheduler even if a distributed client exists."""
    with dask.config.set(scheduler="threads"):
        yield


def logistic(params, x, y):
    """Sum over examples of the logistic loss of a linear model."""
    z = x @ params["w"] + params["b"]
    return fnp.sum(fnp.log1p(fnp.exp(-y * z)))


def logistic_mean(params, x, y):
    return logistic(params, x, y) / x.shape[0]


def data(n=103, d=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(dtype)
    y = np.where(rng.normal(size=n) + x[:, 0] > 0, 1.0, -1.0).astype(dtype)
    params = {"w": rng.normal(size=d).astype(dtype), "b": np.asarray(0.3, dtype=dtype)}
    return params, x, y


def assert_tree_close(got, want, rtol):
    got_leaves, want_leaves = ft.tree_leaves(got), ft.tree_leaves(want)
    assert ft.tree_structure(got) == ft.tree_structure(want)
    for g, w in zip(got_leaves, want_leaves):
        assert np.result_type(g) == np.result_type(w)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=0)


CHUNKINGS = [50, (1, 2, 100), 103]


@pytest.mark.parametrize("chunks", CHUNKINGS)
@pytest.mark.parametrize("reduce, loss", [("sum", logistic), ("mean", logistic_mean)])
def test_equals_single_process(chunks, reduce, loss):
    params, x, y = data()
    want_value, want_grad = ft.value_and_grad(loss)(params, x, y)
    value, g = ftd.value_and_grad(loss, reduce=reduce)(
        params, da.from_array(x, chunks=(chunks, 4)), da.from_array(y, chunks=chunks))
    assert isinstance(value, np.ndarray) and value.shape == ()
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    assert_tree_close(g, want_grad, rtol=1e-12)


def test_float32_stays_float32():
    params, x, y = data(dtype=np.float32)
    value, g = ftd.value_and_grad(logistic_mean, reduce="mean")(
        params, da.from_array(x, chunks=(20, 4)), da.from_array(y, chunks=20))
    want_value, want_grad = ft.value_and_grad(logistic_mean)(params, x, y)
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, want_value, rtol=1e-5)
    assert_tree_close(g, want_grad, rtol=1e-4)


def test_argnums_tuple_and_fixed_arguments():
    params, x, y = data()

    def loss(w, b, x, scale, y):
        return scale * logistic({"w": w, "b": b}, x, y)
    args = (params["w"], params["b"], x, 2.0, y)
    want = ft.grad(loss, argnums=(0, 1))(*args)
    got = ftd.grad(loss, argnums=(1, 0))(params["w"], params["b"], da.from_array(x, chunks=(30, 4)),
                                          2.0, da.from_array(y, chunks=30))
    assert_tree_close(got, (want[1], want[0]), rtol=1e-12)


def test_has_aux_is_reduced_like_the_loss():
    params, x, y = data()

    def loss(params, x, y):
        correct = fnp.sum((x @ params["w"] > 0) == (y > 0))
        return logistic_mean(params, x, y), {"accuracy": correct / x.shape[0]}
    (value, aux), g = ftd.value_and_grad(loss, reduce="mean", has_aux=True)(
        params, da.from_array(x, chunks=(10, 4)), da.from_array(y, chunks=10))
    (want_value, want_aux), want_grad = ft.value_and_grad(loss, has_aux=True)(params, x, y)
    np.testing.assert_allclose(aux["accuracy"], want_aux["accuracy"], rtol=1e-12)
    grads, aux2 = ftd.grad(loss, reduce="mean", has_aux=True)(
        params, da.from_array(x, chunks=(10, 4)), da.from_array(y, chunks=10))
    assert_tree_close(grads, want_grad, rtol=1e-12)
    assert aux2 == pytest.approx(aux)


def test_unknown_chunk_sizes_are_weighted_by_their_true_rows():
    """Boolean masking gives NaN chunk sizes (as a dask DataFrame's values do)."""
    params, x, y = data(n=200)
    keep = x[:, 1] > -0.3
    dx, dy, dkeep = (da.from_array(a, chunks=45) for a in (x, y, keep))
    dx = da.from_array(x, chunks=(45, 4))
    masked_x, masked_y = dx[dkeep], dy[dkeep]
    assert np.isnan(masked_x.chunks[0][0])
    value, g = ftd.value_and_grad(logistic_mean, reduce="mean")(params, masked_x, masked_y)
    want_value, want_grad = ft.value_and_grad(logistic_mean)(params, x[keep], y[keep])
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    assert_tree_close(g, want_grad, rtol=1e-12)
    other = dy[da.from_array(x[:, 2] > 0, chunks=45)]    # same block count, other rows
    with pytest.raises(ValueError, match=r"argument 1 \('x'\) has \d+ rows but argument 2 "):
        ftd.grad(logistic)(params, masked_x, other)


def test_lazily_generated_data_matches_its_materialization():
    rng = da.random.default_rng(7)
    x = rng.normal(size=(500, 3), chunks=(120, 3))
    y = da.sign(x[:, 0] + 0.1)
    params = {"w": np.array([0.5, -1.0, 2.0]), "b": np.asarray(0.0)}
    got = ftd.grad(logistic)(params, x, y)
    x_np, y_np = dask.compute(x, y)
    assert_tree_close(got, ft.grad(logistic)(params, x_np, y_np), rtol=1e-12)


def test_parameters_are_one_key_of_the_graph(monkeypatch):
    """Sent once per call: every block task depends on the one payload key."""
    from functrace.dask import _api
    graphs = []

    def capture(root, timeout, no_worker_timeout):
        graphs.append(dict(root.__dask_graph__()))
        return dask.compute(root)[0]
    monkeypatch.setattr(_api, "compute", capture)
    params, x, y = data()
    ftd.grad(logistic)(params, da.from_array(x, chunks=(10, 4)), da.from_array(y, chunks=10))
    graph = graphs[0]
    payload = [k for k in graph if str(k).startswith("functrace-payload-")]
    blocks = [k for k in graph if str(k).startswith("functrace-block-value-and-grad-")]
    assert len(payload) == 1 and len(blocks) == 11
    from dask.core import get_dependencies
    assert all(payload[0] in get_dependencies(graph, key) for key in blocks)
    holders = [k for k, task in graph.items() if _holds(task, params["w"])]
    assert holders == payload


def _holds(task, array):
    """Whether a graph task contains ``array`` itself (not a key pointing at it)."""
    seen, todo = set(), [task]
    while todo:
        item = todo.pop()
        if item is array:
            return True
        if id(item) in seen or isinstance(item, (str, bytes, np.ndarray)):
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, (list, tuple, set)):
            todo.extend(item)
        else:
            todo.extend(getattr(item, name) for name in ("value", "args", "kwargs")
                        if hasattr(item, name) and not callable(getattr(item, name)))
    return False


# -- errors ------------------------------------------------------------------------------

def test_mismatched_chunking_names_both_arrays():
    params, x, y = data()
    with pytest.raises(ValueError, match=r"argument 1 \('x'\) and argument 2 \('y'\) are "
                                         r"chunked differently.*rechunk"):
        ftd.grad(logistic)(params, da.from_array(x, chunks=(50, 4)), da.from_array(y, chunks=40))


def test_column_chunks_and_other_bad_calls():
    params, x, y = data()
    dx, dy = da.from_array(x, chunks=(50, 2)), da.from_array(y, chunks=50)
    with pytest.raises(ValueError, match=r"argument 1 \('x'\) is chunked along axes other "
                                         r"than 0.*rechunk\(\{1: -1\}\)"):
        ftd.grad(logistic)(params, dx, dy)
    dx = da.from_array(x, chunks=(50, 4))
    with pytest.raises(ValueError, match="none of the 3 positional arguments is a dask array"):
        ftd.grad(logistic)(params, x, y)
    with pytest.raises(ValueError, match=r"argnums=1 points at argument 1 \('x'\), a dask"):
        ftd.grad(logistic, argnums=1)(params, dx, dy)
    with pytest.raises(TypeError, match=r"floating-point parameters.*argument 0 \('params'\)"):
        ftd.grad(logistic)({"w": np.ones(4, dtype=int), "b": 0.0}, dx, dy)
    with pytest.raises(TypeError, match=r"argument 0 \('params'\) contains a dask collection"):
        ftd.grad(logistic)({"w": da.ones(4), "b": 0.0}, dx, dy)
    with pytest.raises(ValueError, match="reduce must be 'sum' or 'mean'"):
        ftd.value_and_grad(logistic, reduce="avg")
    with pytest.raises(ValueError, match="has no rows"):
        ftd.grad(logistic)(params, dx[:0], dy[:0])


def test_an_exception_in_one_block_names_it_with_the_worker_traceback():
    params, x, y = data()

    def fragile(params, x, y):
        if x.shape[0] == 3:
            raise ZeroDivisionError("the block of three")
        return logistic(params, x, y)
    with pytest.raises(ftd.BlockError) as info:
        ftd.grad(fragile)(params, da.from_array(x, chunks=((50, 3, 50), 4)),
                          da.from_array(y, chunks=((50, 3, 50),)))
    err = info.value
    assert (err.block, err.rows) == (1, "50:53")
    assert "ZeroDivisionError: the block of three" in str(err)
    assert "in fragile" in err.worker_traceback and "in fragile" in str(err)


def test_a_nan_in_one_block_names_it():
    params, x, y = data()
    x[77, 2] = np.nan
    with pytest.raises(ftd.BlockError, match=r"block 3 \(rows 75:100\).*the loss is NaN"):
        ftd.grad(logistic)(params, da.from_array(x, chunks=(25, 4)), da.from_array(y, chunks=25))
    g = ftd.grad(logistic, check_nan=False)(params, da.from_array(x, chunks=(25, 4)),
                                            da.from_array(y, chunks=25))
    assert np.isnan(g["w"]).all()


def test_block_error_survives_pickling():
    import pickle
    err = pickle.loads(pickle.dumps(ftd.BlockError(2, "4:6", "ValueError: no", "tb\n", "here")))
    assert (err.block, err.rows, err.worker_traceback) == (2, "4:6", "tb\n")
    assert str(err).startswith("block 2 (rows 4:6) on here: ValueError: no")


# -- per-example work --------------------------------------------------------------------

def test_map_blocks_vmap_per_example_gradients_are_lazy_and_exact():
    params, x, y = data()

    def one(params, x, y):                # one example: x (4,), y ()
        return fnp.log1p(fnp.exp(-y * (x @ params["w"] + params["b"])))
    per = ftd.map_blocks_vmap(ft.grad(one), params, da.from_array(x, chunks=(30, 4)),
                              da.from_array(y, chunks=30))
    assert isinstance(per["w"], da.Array) and per["w"].chunks == ((30, 30, 30, 13), (4,))
    want = ft.vmap(ft.grad(one), in_axes=(None, 0, 0))(params, x, y)
    assert_tree_close(dask.compute(per)[0], want, rtol=1e-12)
    rows = ftd.map_blocks_vmap(ft.jacobian(lambda x, scale: fnp.tanh(scale * x)),
                               da.from_array(x, chunks=(40, 4)), scale=2.0)
    np.testing.assert_allclose(rows.compute()[5], np.diag(2 / np.cosh(2 * x[5]) ** 2),
                               rtol=1e-12)


def test_map_blocks_vmap_unknown_chunks_and_bad_function():
    x = da.from_array(np.arange(10.0), chunks=4)
    masked = x[x > 2.5]
    out = ftd.map_blocks_vmap(lambda v: {"sq": v * v, "pair": fnp.stack([v, -v])}, masked)
    np.testing.assert_allclose(out["sq"].compute(), np.arange(3.0, 10.0) ** 2)
    assert out["pair"].compute().shape == (7, 2)
    with pytest.raises(ValueError, match="one row of zeros"):
        ftd.map_blocks_vmap(lambda v: v[5], x)


# -- training ----------------------------------------------------------------------------

def test_minimize_matches_scipy_on_in_memory_data():
    optimize = pytest.importorskip("scipy.optimize")
    params, x, y = data(n=300)
    seen = []
    fit, result = ftd.minimize(logistic_mean, params, da.from_array(x, chunks=(70, 4)),
                               da.from_array(y, chunks=70), callback=lambda p, v: seen.append(v))
    flat = lambda v: logistic_mean({"w": v[:4], "b": v[4]}, x, y)   # noqa: E731
    want = optimize.minimize(ft.value_and_grad(flat), np.append(params["w"], params["b"]),
                             jac=True, method="L-BFGS-B")
    assert result.success and result.nit == want.nit
    np.testing.assert_allclose(np.append(fit["w"], fit["b"]), want.x, rtol=1e-6)
    assert len(seen) == result.nit and seen[-1] == pytest.approx(result.fun)
    assert fit["b"].shape == () and fit["w"].dtype == np.float64


def test_scipy_minimize_directly_with_jac_true():
    optimize = pytest.importorskip("scipy.optimize")
    _, x, y = data(n=300)
    loss = lambda w, x, y: logistic_mean({"w": w, "b": 0.0}, x, y)   # noqa: E731
    vg = ftd.value_and_grad(loss, reduce="mean")
    dx, dy = da.from_array(x, chunks=(64, 4)), da.from_array(y, chunks=64)
    result = optimize.minimize(vg, np.zeros(4), args=(dx, dy), jac=True, method="L-BFGS-B")
    assert result.success
    np.testing.assert_allclose(ft.grad(loss)(result.x, x, y), 0.0, atol=1e-5)


def test_optimizer_step_equals_a_whole_data_step():
    params, x, y = data()
    w = ft.tensor(params["w"], requires_grad=True)
    b = ft.tensor(params["b"], requires_grad=True)
    opt = ft.optim.SGD([w, b], lr=0.1, momentum=0.9)
    vg = ftd.value_and_grad(lambda ps, x, y: logistic_mean({"w": ps[0], "b": ps[1]}, x, y),
                            reduce="mean")
    dx, dy = da.from_array(x, chunks=(25, 4)), da.from_array(y, chunks=25)
    w_ref = ft.tensor(params["w"], requires_grad=True)
    b_ref = ft.tensor(params["b"], requires_grad=True)
    opt_ref = ft.optim.SGD([w_ref, b_ref], lr=0.1, momentum=0.9)
    xt, yt = ft.tensor(x), ft.tensor(y)
    for _ in range(3):
        value = ftd.optimizer_step(opt, vg, dx, dy)
        opt_ref.zero_grad()
        loss = ((-yt * (xt @ w_ref + b_ref)).exp().log1p()).mean()
        loss.backward()
        opt_ref.step()
        np.testing.assert_allclose(value, loss.item(), rtol=1e-12)
    np.testing.assert_allclose(w.detach().numpy(), w_ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.detach().numpy(), b_ref.detach().numpy(), rtol=1e-12)


# -- imports and documentation -----------------------------------------------------------

def test_import_functrace_imports_no_optional_dependency():
    code = ("import sys, functrace as ft, numpy as np\n"
            "from functrace import *\n"
            "ft.grad(lambda x: (x * x).sum())(np.ones(3))\n"
            "heavy = {'numba', 'scipy', 'dask', 'distributed'} & set(sys.modules)\n"
            "assert not heavy, heavy\n"
            "assert 'dask' in dir(ft)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_import_without_dask_names_the_extra():
    code = ("import sys\nsys.modules['dask'] = None\n"
            "try:\n    import functrace.dask\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert "pip install 'functrace[dask]'" in out


def test_lazy_attribute():
    assert ft.dask is ftd


@pytest.mark.parametrize("module", ["functrace.dask", "functrace.dask._api",
                                    "functrace.dask._train", "functrace.dask._blocks"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_misaligned_blocks_are_copied_aligned_and_give_the_same_gradient():
    """Arrays received over the network can start at any byte (slow numpy paths)."""
    params, x, y = data()
    raw = np.zeros(x.nbytes + 1, dtype=np.uint8)
    skewed = raw[1:].view(np.float64).reshape(x.shape)
    skewed[...] = x
    assert not skewed.flags.aligned
    got = ftd.grad(logistic)(params, da.from_array(skewed, chunks=(25, 4)),
                             da.from_array(y, chunks=25))
    assert_tree_close(got, ft.grad(logistic)(params, x, y), rtol=1e-12)
    from functrace.dask._blocks import Spec
    spec = Spec(logistic, 0, False, "sum", True, (1,), ("x",))
    args = spec.arguments(({"w": skewed[0]}, None), (skewed,))
    assert args[0]["w"].flags.aligned and args[1].flags.aligned


def test_large_blocks_on_threads_in_a_fresh_process():
    """The default (threaded) path runs several backward passes at once from the first
    call, big enough for the kernels: their first-use setup must hold under threads."""
    code = ("import numpy as np, dask, dask.array as da, functrace as ft\n"
            "import functrace.numpy as fnp, functrace.dask as ftd\n"
            "loss = lambda w, x: fnp.sum(fnp.tanh(x @ w) * fnp.exp(x[:, 0]))\n"
            "x = np.random.default_rng(0).normal(size=(80_000, 3)); w = np.ones(3)\n"
            "with dask.config.set(scheduler='threads', num_workers=4):\n"
            "    g = ftd.grad(loss)(w, da.from_array(x, chunks=(20_000, 3)))\n"
            "np.testing.assert_allclose(g, ft.grad(loss)(w, x), rtol=1e-12)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)

"""Each example runs (quickly) and shows what it promises."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))

import basics  # noqa: E402
import bbvi  # noqa: E402
import digits_mlp  # noqa: E402
import gp_regression  # noqa: E402
import net_step  # noqa: E402
import ode_fit  # noqa: E402
import spectral_fit  # noqa: E402
import toy_network  # noqa: E402


def test_toy_network_three_ways_agree(tmp_path, capsys):
    grads = toy_network.main(str(tmp_path))
    assert grads == pytest.approx(toy_network.by_hand())
    assert "graph picture" in capsys.readouterr().out
    assert any(tmp_path.iterdir())


def test_basics(capsys):
    basics.main()
    out = capsys.readouterr().out
    assert "x.grad = tensor(6.)" in out
    assert "tensor([[4.5000, 4.5000]," in out
    assert "frozen layer grad: None" in out


def test_net_step_reproduces_the_worked_example():
    assert net_step.main(steps=50) < 0.298371109


def test_ode_fit_recovers_the_parameters_with_error_bars():
    result = ode_fit.main(n_obs=6, noise=0.05, tol=1e-5, quiet=True)
    truth = np.concatenate([ode_fit.TRUE_RATES, ode_fit.TRUE_START])
    assert np.all(np.abs(result["params"] - truth) < 4 * result["stderr"])
    assert np.all(result["stderr"] > 0) and np.all(result["stderr"] < 0.5 * truth)


def test_bbvi_finds_the_weights_and_raises_the_elbo():
    result = bbvi.main(steps=300, samples=8, quiet=True)
    assert np.mean(result["elbo"][-20:]) > np.mean(result["elbo"][:20]) + 10.0
    assert np.all(np.abs(result["mean"] - bbvi.TRUE_W) < 3 * result["std"] + 0.3)
    assert np.all((result["std"] > 0.05) & (result["std"] < 1.0))


def test_spectral_fit_recovers_the_filter_both_ways():
    result = spectral_fit.main(n=63, signals=4, steps=100, quiet=True)
    assert result["response_error"] < 0.15          # noise 0.05 per sample
    assert abs(result["gain"] / spectral_fit.TRUE_GAIN - 1) < 0.02
    assert abs(result["cutoff"] / spectral_fit.TRUE_CUTOFF - 1) < 0.03


def test_gp_regression_fits_the_hyperparameters_and_the_function():
    result = gp_regression.main(steps=150, points=25, quiet=True)
    assert result["history"][-1] < result["history"][0] - 10.0
    assert 0.04 < result["noise"] < 0.2                   # the data's noise is 0.1
    assert result["rmse"] < 0.12 and np.all(result["variance"] > 0)


def run_script(*args: str) -> str:
    """Run an example in a fresh process with one BLAS thread (fast and steady under load)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_digits_mlp_is_accurate(tmp_path):
    out = run_script(str(EXAMPLES / "digits_mlp.py"), "--epochs", "30", "--out", str(tmp_path))
    accuracy = float(re.search(r"test accuracy ([\d.]+)%, ", out).group(1))
    assert accuracy > 95.0
    assert (tmp_path / "digits_mlp.npz").exists()


def test_digits_training_loss_decreases(tmp_path):
    result = digits_mlp.train(__import__("functrace"), epochs=3, quiet=True)
    assert result["losses"][-1] < result["losses"][0]


def test_digits_data_file():
    x_train, y_train, x_test, y_test = digits_mlp.load_digits()
    assert x_train.shape[1] == 64 and len(x_train) + len(x_test) == 1797
    assert set(y_test.tolist()) == set(range(10))


def test_digits_cnn_short_run_learns_and_its_checkpoint_reloads(tmp_path):
    """Three epochs: the loss falls every epoch, the test accuracy passes 95 % (the
    full 20 epochs reach about 99 %), and the saved checkpoint, loaded into a fresh
    model, predicts exactly as well."""
    out = run_script(str(EXAMPLES / "digits_cnn.py"), "--epochs", "3", "--out", str(tmp_path))
    losses = [float(v) for v in re.findall(r"epoch +\d+ +loss ([\d.]+)", out)]
    assert len(losses) == 3 and losses[0] > losses[1] > losses[2]
    final = float(re.search(r"^test accuracy ([\d.]+)%", out, re.M).group(1))
    assert final > 95.0
    reloaded = float(re.search(r"reloaded model: test accuracy ([\d.]+)%", out).group(1))
    assert reloaded == final
    assert (tmp_path / "digits_cnn_functrace.npz").exists()


def test_tour_runs_as_a_script(tmp_path):
    out = run_script(str(EXAMPLES / "tour.py"), "--out", str(tmp_path), "--epochs", "2")
    assert "tour finished" in out


def test_dask_logistic_regression_fits_on_a_local_cluster(dask_cluster):
    """Run against the session's cluster (conftest.py), as against any existing cluster."""
    pytest.importorskip("scipy")
    address = dask_cluster.scheduler_address
    out = run_script(str(EXAMPLES / "dask_logistic_regression.py"), "--rows", "40000",
                     "--chunk-rows", "10000", "--features", "5", "--quiet",
                     "--scheduler", address)
    assert f"cluster: 2 workers at {address}" in out
    found = re.search(r"accuracy ([\d.]+)% \(the true model's: ([\d.]+)%\), largest weight "
                      r"error ([\d.]+)", out)
    accuracy, best, error = (float(g) for g in found.groups())
    assert accuracy > best - 1.0 and error < 0.1
    assert re.search(r"dataset \d+ MB \(never materialized\); client peak RSS \d+ MB", out)

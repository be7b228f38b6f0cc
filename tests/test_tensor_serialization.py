"""``ft.save`` / ``ft.load``: state dicts in ``.npz`` files, without pickle."""
import io
import zipfile

import numpy as np
import pytest

import functrace as ft
from functrace import nn


def test_model_state_dict_round_trip(tmp_path):
    ft.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "model.pth"
    ft.save(model.state_dict(), path)
    assert path.exists()                              # the name is kept as given
    other = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    other.load_state_dict(ft.load(path))
    x = ft.randn(5, 3)
    assert ft.equal(model(x), other(x))


def test_nested_structures_keep_their_types():
    w = ft.optim.SGD([ft.ones(2, requires_grad=True)], lr=0.1, momentum=0.9)
    obj = {"epoch": 3, "lr": 0.5, "name": "run", "none": None, "pair": (1, 2.5),
           "items": [ft.tensor([1, 2]), np.arange(3.0)], "opt": w.state_dict(),
           "param": nn.Parameter(ft.ones(2))}
    buf = io.BytesIO()
    ft.save(obj, buf)
    buf.seek(0)
    back = ft.load(buf)
    assert back["epoch"] == 3 and back["name"] == "run" and back["none"] is None
    assert back["pair"] == (1, 2.5)
    assert isinstance(back["items"][0], ft.Tensor) and back["items"][0].dtype == ft.int64
    assert isinstance(back["items"][1], np.ndarray)
    assert back["opt"]["param_groups"][0]["params"] == [0]
    assert isinstance(back["param"], nn.Parameter) and back["param"].requires_grad


def test_the_file_is_a_plain_npz_without_pickles(tmp_path):
    path = tmp_path / "w.npz"
    ft.save({"w": ft.ones(2, 2)}, path)
    with np.load(path, allow_pickle=False) as archive:
        assert any(archive[k].shape == (2, 2) for k in archive.files)
    assert zipfile.is_zipfile(path)


def test_saving_arbitrary_objects_is_refused():
    with pytest.raises(TypeError, match="state_dict"):
        ft.save(nn.Linear(2, 2), io.BytesIO())


def test_loading_a_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, payload=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError):
        ft.load(path)

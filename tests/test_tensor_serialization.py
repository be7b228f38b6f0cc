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


# -- what ft.load refuses, in the caller's terms -------------------------------------------

def test_loading_a_bare_npy_names_the_format(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.ones(3))
    with pytest.raises(ValueError, match=r"\.npy file holding one numpy array.*numpy\.load"):
        ft.load(path)


def test_loading_a_text_file_says_it_is_not_an_archive(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello world\n")
    with pytest.raises(ValueError, match=r"not a functrace archive.*zip.*b'hello "):
        ft.load(path)


def test_loading_a_pytorch_style_pickle_zip_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x04K\x01.")
    with pytest.raises(ValueError, match=r"data\.pkl.*pickle.*never unpickles"):
        ft.load(path)


def test_saving_an_object_array_is_refused():
    with pytest.raises(TypeError, match="objects"):
        ft.save({"x": np.array([{"a": 1}], dtype=object)}, io.BytesIO())


# -- ft.load's size limit -----------------------------------------------------------------------

def _npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    ft.save(arrays, buf)
    return buf.getvalue()


def test_a_highly_compressed_file_above_max_bytes_is_refused_before_decompressing():
    data = _npz_bytes(w=np.zeros(1 << 20))            # 8 MiB of zeros, a few KiB on disk
    assert len(data) < 100_000
    with pytest.raises(ValueError, match=r"expands to at least 83\d{5} bytes.*max_bytes=1000000"):
        ft.load(io.BytesIO(data), max_bytes=1_000_000)
    back = ft.load(io.BytesIO(data), max_bytes=None)
    assert back["w"].shape == (1 << 20,)
    assert ft.load(io.BytesIO(data))["w"].shape == (1 << 20,)      # under the 1 GiB default


def test_the_default_limit_is_1_gib():
    assert ft.serialization.DEFAULT_MAX_BYTES == 1 << 30


def _npy_header(shape: tuple) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buf.getvalue()                          # magic string included


def _zip_with(entries: dict) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, payload in entries.items():
            z.writestr(name, payload)
    buf.seek(0)
    return buf


def test_an_array_header_declaring_a_huge_shape_is_refused_without_allocating():
    """The zip directory says a few bytes; the .npy header claims 1 TiB."""
    lying = _zip_with({"a0.npy": _npy_header((1 << 37,)) + b"\0" * 8})
    with pytest.raises(ValueError, match=r"expands to at least 1099511627776 bytes"):
        ft.load(lying)


def test_an_array_header_disagreeing_with_the_zip_directory_is_corrupt():
    lying = _zip_with({"a0.npy": _npy_header((100,)) + b"\0" * 8})
    with pytest.raises(ValueError, match=r"corrupt.*declares \d+ bytes.*header needs"):
        ft.load(lying)


def test_a_zip_directory_understating_an_entry_never_reads_past_it():
    """The .npy header and the central directory agree on 10 floats, but the
    deflate stream holds 8 MiB more: reading stops at the declared size and the
    CRC check reports the file as corrupt."""
    header = _npy_header((10,))
    data = bytearray(_zip_with({"a0.npy": header + bytes(80 + (8 << 20))}).getvalue())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (len(header) + 80).to_bytes(4, "little")
    with pytest.raises(ValueError, match="corrupt.*CRC"):
        ft.load(io.BytesIO(bytes(data)))


def test_max_bytes_must_be_a_size():
    with pytest.raises(TypeError, match="max_bytes"):
        ft.load(io.BytesIO(_npz_bytes(w=np.ones(2))), max_bytes="1GB")

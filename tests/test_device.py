"""Devices: ``ft.device``, ``device=`` on factories, ``.to``/``.cpu``, ``ft.cuda``, ``ft.backends``.

functrace is CPU-only: the CPU is accepted everywhere, and any other device
raises at the call that asked for it, naming the design.
"""
import pickle
import subprocess
import sys

import numpy as np
import pytest

import functrace as ft
from functrace import nn

OTHER_DEVICES = ["cuda", "cuda:0", "mps", "meta", "xpu", 0, ft.device("cuda", 1)]
CPU_ONLY = "functrace runs on the CPU only"

FACTORIES = {
    "tensor": lambda d: ft.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda d: ft.as_tensor([1.0], device=d),
    "zeros": lambda d: ft.zeros(2, 3, device=d),
    "ones": lambda d: ft.ones((2,), device=d),
    "empty": lambda d: ft.empty(2, device=d),
    "full": lambda d: ft.full((2,), 3.0, device=d),
    "eye": lambda d: ft.eye(3, device=d),
    "arange": lambda d: ft.arange(5, device=d),
    "linspace": lambda d: ft.linspace(0, 1, 5, device=d),
    "logspace": lambda d: ft.logspace(0, 1, 5, device=d),
    "rand": lambda d: ft.rand(2, device=d),
    "randn": lambda d: ft.randn(2, device=d),
    "randint": lambda d: ft.randint(0, 5, (3,), device=d),
    "randperm": lambda d: ft.randperm(4, device=d),
    "normal": lambda d: ft.normal(0.0, 1.0, (2,), device=d),
    "zeros_like": lambda d: ft.zeros_like(ft.ones(2), device=d),
    "ones_like": lambda d: ft.ones_like(ft.ones(2), device=d),
    "empty_like": lambda d: ft.empty_like(ft.ones(2), device=d),
    "full_like": lambda d: ft.full_like(ft.ones(2), 7.0, device=d),
    "rand_like": lambda d: ft.rand_like(ft.ones(2), device=d),
    "randn_like": lambda d: ft.randn_like(ft.ones(2), device=d),
    "randint_like": lambda d: ft.randint_like(ft.ones(2), 5, device=d),
    "Linear": lambda d: nn.Linear(2, 3, device=d).weight,
}


def test_device_object_type_str_repr_and_equality():
    cpu = ft.device("cpu")
    assert cpu.type == "cpu" and cpu.index is None
    assert str(cpu) == "cpu" and repr(cpu) == "device(type='cpu')"
    assert cpu == "cpu" and cpu == ft.device("cpu") and cpu != "cuda" and cpu != "nonsense"
    assert hash(cpu) == hash(ft.device("cpu"))
    cuda1 = ft.device("cuda", 1)
    assert (cuda1.type, cuda1.index, str(cuda1)) == ("cuda", 1, "cuda:1")
    assert cuda1 == ft.device("cuda:1") and cuda1 == "cuda:1" and cuda1 != ft.device("cuda")
    assert repr(cuda1) == "device(type='cuda', index=1)"
    assert ft.device(cuda1) == cuda1 and ft.device(0) == "cuda:0"
    assert pickle.loads(pickle.dumps(cuda1)) == cuda1
    with pytest.raises(AttributeError):
        cpu.type = "cuda"


@pytest.mark.parametrize("text", ["gpu", "cuda:x", "cpu:", "CUDA"])
def test_unknown_device_strings_raise_like_torch(text):
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        ft.device(text)


def test_negative_index_and_wrong_types_raise():
    with pytest.raises(RuntimeError, match="must not be negative"):
        ft.device("cuda", -1)
    with pytest.raises(TypeError, match="expected a string, an int or a device"):
        ft.device(1.5)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_factory_accepts_the_cpu(name):
    for d in (None, "cpu", "cpu:0", ft.device("cpu")):
        t = FACTORIES[name](d)
        assert t.device == ft.device("cpu") and t.device == "cpu" and t.is_cpu


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("dev", OTHER_DEVICES, ids=str)
def test_every_factory_refuses_other_devices(name, dev):
    with pytest.raises(RuntimeError, match=CPU_ONLY) as info:
        FACTORIES[name](dev)
    assert str(ft.device(dev)) in str(info.value) and "device='cpu'" in str(info.value)


def test_tensor_to_forms():
    x = ft.tensor([1.5, -2.0])
    assert x.to("cpu") is x and x.to(ft.device("cpu")) is x and x.to(ft.float32) is x
    assert x.to(x) is x and x.cpu() is x
    y = x.to(ft.float64)
    assert y.dtype == ft.float64 and y.tolist() == [1.5, -2.0]
    assert x.to("cpu", ft.float64).dtype == ft.float64
    assert x.to(device="cpu", dtype=ft.float64).dtype == ft.float64
    assert x.to(ft.ones(1, dtype=ft.float64)).dtype == ft.float64
    assert x.to(ft.float64, False, True).dtype == ft.float64
    assert x.to(ft.int64).tolist() == [1, -2]
    copy = x.to("cpu", copy=True)
    assert copy is not x and copy.tolist() == x.tolist()
    copy.add_(1)
    assert x.tolist() == [1.5, -2.0]


def test_tensor_to_is_differentiable_and_copy_keeps_the_graph():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    (x.to(ft.float64) * 3).sum().backward()
    assert x.grad.dtype == ft.float32 and x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    (x.to("cpu", copy=True) ** 2).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("dev", OTHER_DEVICES, ids=str)
def test_tensor_to_other_devices_raises(dev):
    x = ft.ones(2)
    with pytest.raises(RuntimeError, match=CPU_ONLY):
        x.to(dev)
    with pytest.raises(RuntimeError, match=CPU_ONLY):
        x.to(dev, ft.float64)
    with pytest.raises(RuntimeError, match=CPU_ONLY):
        x.to(device=dev)


def test_tensor_to_bad_arguments():
    x = ft.ones(2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'devce'"):
        x.to(devce="cpu")
    with pytest.raises(TypeError, match="expected a dtype, a device or a tensor"):
        x.to(object())


def test_cuda_methods_raise():
    with pytest.raises(RuntimeError, match=CPU_ONLY):
        ft.ones(2).cuda()
    with pytest.raises(RuntimeError, match=CPU_ONLY):
        nn.Linear(2, 2).cuda()
    assert not ft.ones(1).is_cuda and not ft.ones(1).is_meta


def test_module_to_device_and_dtype():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert model.to("cpu") is model and model.cpu() is model
    assert model[0].weight.dtype == ft.float32
    model.to(ft.float64)
    assert all(p.dtype == ft.float64 for p in model.parameters())
    model.to("cpu")          # a device alone casts nothing
    assert all(p.dtype == ft.float64 for p in model.parameters())
    model.to(ft.device("cpu"), ft.float32)
    assert all(p.dtype == ft.float32 for p in model.parameters())
    model.to(ft.zeros(1, dtype=ft.float64))
    assert all(p.dtype == ft.float64 for p in model.parameters())
    out = model(ft.ones(4, 2, dtype=ft.float64))
    out.sum().backward()
    assert model[0].weight.grad.dtype == ft.float64
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        model.to(ft.int64)
    with pytest.raises(RuntimeError, match=CPU_ONLY):
        model.to("cuda")
    assert model[0].weight.dtype == ft.float64


def test_default_device():
    ft.set_default_device("cpu")
    ft.set_default_device(None)
    assert ft.get_default_device() == "cpu"
    for dev in ("cuda", "mps", "meta"):
        with pytest.raises(RuntimeError, match=CPU_ONLY):
            ft.set_default_device(dev)
    with ft.device("cpu"):
        assert ft.ones(1).device == "cpu"
    with pytest.raises(RuntimeError, match=CPU_ONLY):
        with ft.device("cuda"):
            raise AssertionError("a non-CPU device context was entered")


def test_cuda_and_backends_answer_like_a_cpu_only_torch():
    assert ft.cuda.is_available() is False and ft.cuda.device_count() == 0
    assert ft.cuda.is_initialized() is False
    ft.cuda.manual_seed(0)
    ft.cuda.manual_seed_all(0)
    assert ft.backends.mps.is_available() is False and ft.backends.mps.is_built() is False
    assert ft.backends.cudnn.is_available() is False
    ft.backends.cudnn.deterministic = True
    ft.backends.cudnn.benchmark = False
    device = ft.device("cuda" if ft.cuda.is_available()
                       else "mps" if ft.backends.mps.is_available() else "cpu")
    assert ft.zeros(2).to(device).device == device == "cpu"


def test_tool_modules_load_lazily():
    code = ("import sys, functrace as ft\n"
            "assert 'functrace.tensors' not in sys.modules\n"
            "for name in ('utils', 'cuda', 'backends', 'optim'):\n"
            "    assert 'functrace.' + name not in sys.modules, name\n"
            "assert ft.cuda.is_available() is False\n"
            "assert ft.backends.mps.is_available() is False\n"
            "assert 'functrace.tensors' not in sys.modules\n"
            "assert ft.device('cpu') == 'cpu' and ft.manual_seed(0) is ft.default_generator\n"
            "assert ft.utils.data.DataLoader is not None and ft.optim.lr_scheduler.StepLR\n"
            "assert ft.Generator().initial_seed() == 67280421310721\n"
            "assert 'numba' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_factory_values_do_not_change_with_device_argument():
    np.testing.assert_array_equal(ft.arange(4, device="cpu").numpy(), np.arange(4))
    assert ft.eye(2, device=ft.device("cpu")).tolist() == [[1.0, 0.0], [0.0, 1.0]]

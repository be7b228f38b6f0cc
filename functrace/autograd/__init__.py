"""``functrace.autograd`` (PyTorch's ``torch.autograd``): ``grad``, ``backward``, ``Function``.

>>> import functrace as ft
>>> x = ft.tensor([1.0, 2.0], requires_grad=True)
>>> ft.autograd.grad((x ** 2).sum(), x)
(tensor([2., 4.]),)
"""
from ..debugging.mode import (detect_anomaly, is_anomaly_check_nan_enabled,
                              is_anomaly_enabled, set_detect_anomaly)
from ..grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                         set_grad_enabled)
from ..tensors._engine import backward, grad
from .function import Function, FunctionCtx

__all__ = ["grad", "backward", "Function", "FunctionCtx", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]

"""``functrace.nn``: modules, layers and losses for the Tensor facade (PyTorch's ``torch.nn``).

>>> import functrace as ft
>>> from functrace import nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
>>> loss = nn.CrossEntropyLoss()(model(ft.randn(5, 4)), ft.tensor([0, 1, 2, 0, 1]))
>>> loss.backward()
>>> model[0].weight.grad.shape
functrace.Size([8, 4])
"""
from . import functional, init, utils
from .activation import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                         LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, Sigmoid, SiLU,
                         Softmax, Softmin, Softplus, Softsign, Tanh, Tanhshrink)
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers import (Dropout, Dropout1d, Dropout2d, Dropout3d, Flatten, Identity, Linear,
                     Unflatten)
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss,
                   HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss)
from .modules import Module, Parameter
from .norms import GroupNorm, LayerNorm, RMSNorm
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AvgPool1d,
                      AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d)
from .sparse import Embedding

__all__ = ["functional", "init", "utils", "Module", "Parameter", "Sequential", "ModuleList",
           "ModuleDict", "ParameterList", "ParameterDict", "Linear", "Identity", "Flatten",
           "Unflatten", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "Embedding",
           "LayerNorm", "GroupNorm", "RMSNorm", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell",
           "GRUCell",
           "ReLU", "ReLU6", "Hardtanh", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU",
           "Mish", "Hardsigmoid", "Hardswish", "Softplus", "PReLU", "Sigmoid", "Tanh",
           "LogSigmoid", "Softsign", "Tanhshrink", "Softmax", "LogSoftmax", "Softmin",
           "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "NLLLoss", "CrossEntropyLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "CosineEmbeddingLoss", "Conv1d",
           "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
           "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "BatchNorm1d",
           "BatchNorm2d", "BatchNorm3d"]

from ..numpy._example_tables import attach as _attach  # noqa: E402  (docstring examples)
from ._examples import EXAMPLES as _EXAMPLES  # noqa: E402
_attach(globals(), _EXAMPLES)

"""``functrace.optim``: optimizers and learning-rate schedulers for the Tensor facade
(``torch.optim``), with PyTorch's update formulas, defaults and state dicts.

>>> import functrace as ft
>>> model = ft.nn.Linear(2, 1)
>>> opt = ft.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
>>> loss = model(ft.ones(3, 2)).pow(2).mean()
>>> opt.zero_grad(); loss.backward(); opt.step()
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .lbfgs import LBFGS
from .nadam import NAdam, RAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam",
           "RAdam", "LBFGS", "lr_scheduler"]

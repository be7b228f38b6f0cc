"""``functrace.optim``: ``SGD``, ``Adam``, ``AdamW`` for the Tensor facade (``torch.optim``).

>>> import functrace as ft
>>> model = ft.nn.Linear(2, 1)
>>> opt = ft.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
>>> loss = model(ft.ones(3, 2)).pow(2).mean()
>>> opt.zero_grad(); loss.backward(); opt.step()
"""
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]
